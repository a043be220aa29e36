"""Resolution lookup and key votes: how each country voted on a resolution.

Lookup (:func:`roll_call`) accepts the canonical symbol (``A/RES/68/262``), short forms
(``68/262``, ``ES-11/1``, ``res 68/262``), the source's own key (``R/68/262``) and the draft
symbol (``A/ES-11/L.1``); rules in :mod:`autonomy_monitor.sources.unga.identity`. The official
record wins: a press-reported record is returned only when no official roll call matches.

Press-reported records (``core_unga__press_reported_votes``) are a partial record: they appear
here and in the key-vote views with ``record_kind`` = 'press_reported' and their page as
``source``, and nowhere else (no agreement, kappa, participation or ideal point uses them).

Reads the warehouse (all roll calls) or, without one, the bundled snapshot's
``out_alignment__key_votes`` (key votes only). An older warehouse or snapshot without the
identity columns still works: missing columns read as null.
"""

from __future__ import annotations

import re

import polars as pl

from autonomy_monitor.api.reader import has_table, query
from autonomy_monitor.api.reader import table_columns as reader_columns
from autonomy_monitor.countries import continuity_chain, is_all_members, parse_country_list
from autonomy_monitor.errors import BadArgument
from autonomy_monitor.settings import Settings
from autonomy_monitor.sources.unga.identity import lookup_key, nearest_symbols

ROLL_CALLS = "core_unga__roll_calls"
VOTES = "core_unga__votes"
PRESS = "core_unga__press_reported_votes"
KEY_VOTES = "out_alignment__key_votes"
PRESS_LABEL = "partial record, press reports"
OFFICIAL_CITATIONS = {
    "unxml": "United Nations DGACM, UNxml/GAresolutions data extract (official record)",
    "unvotes": "E. Voeten, UNGA voting data, via R package unvotes 0.3.0",
}
CALL_COLUMNS = {  # column -> SQL default when an older table lacks it
    "roll_call_id": None,
    "resolution_symbol": None,
    "source_key": "NULL::VARCHAR",
    "draft_symbol": "NULL::VARCHAR",
    "date": None,
    "session": None,
    "title": None,
    "title_note": "NULL::VARCHAR",
    "vote_kind": "'resolution'",
    "official_yes": None,
    "official_no": None,
    "official_abstain": None,
    "source": None,
    "record_kind": "'official'",
}
KEY_VOTE_COLUMNS = [
    "resolution_symbol",
    "date",
    "country_iso3",
    "vote",
    "roll_call_id",
    "title",
    "vote_kind",
    "record_kind",
    "source",
    "source_quote",
]


def table_columns(settings: Settings, table: str) -> set[str]:
    return set(reader_columns(settings, table))


def selected(
    settings: Settings, table: str, columns: dict[str, str | None], *, grouped: bool = False
) -> str:
    """SELECT list of ``columns`` from ``table``, defaults standing in for columns it lacks
    (``grouped``: one value per roll_call_id, for tables with one row per vote)."""
    present = table_columns(settings, table)

    def item(name: str, default: str | None) -> str:
        expression = name if name in present else (default or "NULL")
        if grouped and name != "roll_call_id":
            expression = f"any_value({expression})"
        return f"{expression} AS {name}"

    return ", ".join(item(name, default) for name, default in columns.items())


def call_index(settings: Settings) -> tuple[pl.DataFrame, bool]:
    """Every roll call that can be looked up (official and press-reported), and whether all are
    there."""
    if has_table(settings, ROLL_CALLS):
        official = query(
            settings, f"SELECT {selected(settings, ROLL_CALLS, CALL_COLUMNS)} FROM {ROLL_CALLS}"
        )
        frames = [official.with_columns(pl.col("source").replace(OFFICIAL_CITATIONS))]
        if has_table(settings, PRESS):
            frames.append(press_calls(settings))
        complete = True
    else:
        columns = selected(settings, KEY_VOTES, CALL_COLUMNS, grouped=True)
        frames = [query(settings, f"SELECT {columns} FROM {KEY_VOTES} GROUP BY roll_call_id")]
        complete = False
    index = pl.concat([f.cast(frames[0].schema) for f in frames], how="vertical")
    return index.with_columns(pl.col("source").replace(OFFICIAL_CITATIONS)), complete


def press_calls(settings: Settings) -> pl.DataFrame:
    """One row per press-reported record the official record does not supersede."""
    return query(
        settings,
        f"""
        SELECT record_id AS roll_call_id, any_value(resolution_symbol) AS resolution_symbol,
               any_value(source_key) AS source_key, any_value(unconfirmed_symbol) AS draft_symbol,
               any_value(date) AS date, NULL::VARCHAR AS session, any_value(title) AS title,
               'title as reported by the press' AS title_note, 'resolution' AS vote_kind,
               max(tally_yes) AS official_yes, max(tally_no) AS official_no,
               max(tally_abstain) AS official_abstain,
               string_agg(DISTINCT url, ' ; ' ORDER BY url) FILTER (row_kind = 'tally') AS source,
               'press_reported' AS record_kind
        FROM {PRESS} WHERE superseded_by IS NULL GROUP BY record_id
        """,
    )


def roll_call(resolution: str, *, settings: Settings | None = None) -> pl.DataFrame:
    """Roll calls matching a symbol in any accepted form (see module docstring), oldest first.

    Columns: roll_call_id, resolution_symbol (canonical; the source's key where there is none),
    source_key, draft_symbol, date, session, title, title_note, vote_kind, official_yes/no/abstain,
    source, record_kind ('official' or 'press_reported').
    """
    settings = settings or Settings()
    key = lookup_key(resolution or "")
    if not key:
        raise BadArgument(
            "--resolution is empty: give a resolution "
            "symbol, e.g. A/RES/ES-11/1, ES-11/1 or 68/262."
        )
    index, complete = call_index(settings)
    found = matching_calls(index, key)
    if found.height == 0:
        raise BadArgument(unknown_message(resolution, key, index, complete))
    return found.with_columns(
        pl.coalesce("resolution_symbol", "source_key").alias("resolution_symbol")
    ).sort("date", "roll_call_id")


def matching_calls(index: pl.DataFrame, key: str) -> pl.DataFrame:
    """Exact matches (symbol, source key or draft), else lettered parts of the symbol; official
    first."""

    def squeezed(column: str) -> pl.Expr:
        return pl.col(column).str.to_uppercase().str.replace_all(r"\s+", "")

    exact = index.filter(
        (squeezed("resolution_symbol") == key)
        | (squeezed("source_key") == key)
        | (squeezed("draft_symbol") == key)
    )
    found = (
        exact
        if exact.height
        else index.filter(
            squeezed("resolution_symbol").str.contains(f"^{escape(key)}[A-Z](-[A-Z])?$")
        )
    )
    official = found.filter(pl.col("record_kind") == "official")
    return official if official.height else found


def escape(text: str) -> str:
    return re.escape(text)


def unknown_message(resolution: str, key: str, index: pl.DataFrame, complete: bool) -> str:
    symbols = index["resolution_symbol"].drop_nulls().unique().to_list()
    nearest = nearest_symbols(key, symbols)
    hint = f" Nearest symbols: {', '.join(nearest)}." if nearest else ""
    roman = re.search(r"\(([IVXL]+)\)$", key)
    early = (
        (
            " Before 1976 the sources give resolution numbers only for sessions 18 and "
            "21-30; other early votes are found by Voeten's key (e.g. R/2/1424, the "
            "1947 partition vote) — see title and source_key in `autonomy votes` output."
        )
        if roman
        else ""
    )
    where = (
        ""
        if complete
        else " The bundled snapshot holds key votes only (Ukraine and "
        "important votes): run `autonomy build` for all roll calls."
    )
    return (
        f"Unknown resolution {resolution!r} (read as {key}): no recorded "
        "vote has this symbol, short form or draft symbol (resolutions "
        f"adopted without a vote have no roll call).{hint}{early}{where}"
    )


def key_votes(
    resolution: str,
    countries: str | list[str] | None = None,
    *,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """Each country's vote (Y, N, A, X = member that did not vote) on a resolution's roll calls.

    Columns: resolution_symbol, date, country_iso3, vote, then roll_call_id, title, vote_kind,
    record_kind ('official' | 'press_reported'), source (citation of the official record, or the
    URL of the press page reporting that vote) and source_quote (the page's words, press only).
    A country asked for without a row shows '–': not a member on that date (official record)
    or not stated by the cited pages (press-reported). Historical predecessors are followed
    (RUS in 1971 shows the USSR's vote; ``as_state`` names the state that voted, asked-for
    countries only). ``countries`` 'all' or 'UN' (or None)
    means the members on the vote's date (press-reported: the countries the pages name).
    """
    settings = settings or Settings()
    calls = roll_call(resolution, settings=settings)
    votes = votes_of(calls, settings)
    if countries is None or is_all_members(countries):
        return votes.select(KEY_VOTE_COLUMNS)
    codes = parse_country_list(countries)
    states = pl.DataFrame(
        [
            {"country_iso3": code, "_order": k, "as_state": state, "_rank": rank}
            for k, code in enumerate(codes)
            for rank, state in enumerate(continuity_chain(code))
        ]
    )
    grid = calls.select(
        "roll_call_id", "resolution_symbol", "date", "title", "vote_kind", "record_kind", "source"
    ).join(states, how="cross")
    cast = votes.select(
        "roll_call_id",
        pl.col("country_iso3").alias("as_state"),
        "vote",
        pl.col("source").alias("vote_source"),
        "source_quote",
    )
    return (
        grid.join(cast, on=["roll_call_id", "as_state"], how="left")
        .sort("_rank")
        .sort("vote", nulls_last=True, maintain_order=True)
        .unique(["roll_call_id", "country_iso3"], keep="first")
        .with_columns(
            pl.col("vote").fill_null("–"),
            pl.when(pl.col("record_kind") == "press_reported")
            .then(pl.col("vote_source"))
            .otherwise(pl.col("source"))
            .alias("source"),
            pl.when(pl.col("vote").is_not_null() & (pl.col("as_state") != pl.col("country_iso3")))
            .then(pl.col("as_state"))
            .alias("as_state"),
        )
        .sort("date", "roll_call_id", "_order")
        .select(*KEY_VOTE_COLUMNS, "as_state")
    )


def votes_of(calls: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Stored votes on the given roll calls, official and press-reported, in KEY_VOTE_COLUMNS."""
    meta = calls.select(
        "roll_call_id", "resolution_symbol", "date", "title", "vote_kind", "record_kind", "source"
    )
    ids = calls["roll_call_id"].to_list()
    frames = []
    if has_table(settings, VOTES):
        official = query(
            settings,
            f"SELECT roll_call_id, country_iso3, vote FROM {VOTES} "
            "WHERE roll_call_id IN (SELECT unnest(?))",
            [ids],
        )
        frames.append(
            official.join(meta, on="roll_call_id").with_columns(
                pl.lit(None, dtype=pl.String).alias("source_quote")
            )
        )
        if has_table(settings, PRESS):
            press = query(
                settings,
                f"""SELECT record_id AS roll_call_id, country_iso3, vote, url AS vote_source,
                           quote AS source_quote
                    FROM {PRESS} WHERE row_kind = 'vote' AND record_id IN (SELECT unnest(?))""",
                [ids],
            )
            frames.append(
                press.join(meta, on="roll_call_id")
                .with_columns(pl.col("vote_source").alias("source"))
                .drop("vote_source")
            )
    else:
        present = table_columns(settings, KEY_VOTES)
        quote = "source_quote" if "source_quote" in present else "NULL::VARCHAR AS source_quote"
        kind = "record_kind" if "record_kind" in present else "'official' AS record_kind"
        snap = query(
            settings,
            f"SELECT roll_call_id, country_iso3, vote, source AS vote_source, {quote}, {kind} "
            f"FROM {KEY_VOTES} WHERE roll_call_id IN (SELECT unnest(?))",
            [ids],
        )
        joined = (
            snap.drop("record_kind")
            .join(meta, on="roll_call_id")
            .with_columns(
                pl.when(pl.col("record_kind") == "press_reported")
                .then(pl.col("vote_source"))
                .otherwise(pl.col("source"))
                .alias("source")
            )
            .drop("vote_source")
        )
        frames.append(joined)
    frame = pl.concat([f.select(KEY_VOTE_COLUMNS) for f in frames], how="vertical_relaxed")
    return frame.sort("date", "roll_call_id", "country_iso3")


def vote_totals(resolution: str, *, settings: Settings | None = None) -> pl.DataFrame:
    """Stored Y/N/A/X counts next to the official (or press-reported) tally, per roll call.

    For a press-reported record the stored counts cover only the countries the pages name.
    """
    settings = settings or Settings()
    calls = roll_call(resolution, settings=settings)
    counts = (
        votes_of(calls, settings)
        .group_by("roll_call_id")
        .agg(
            *(
                (pl.col("vote") == code).sum().alias(name)
                for code, name in (("Y", "yes"), ("N", "no"), ("A", "abstain"), ("X", "absent"))
            )
        )
    )
    return calls.select(
        "roll_call_id",
        "resolution_symbol",
        "official_yes",
        "official_no",
        "official_abstain",
        "record_kind",
    ).join(counts, on="roll_call_id", how="left")
