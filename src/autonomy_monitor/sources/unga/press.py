"""Press-reported UN votes (``press_reported_votes_2024_2026.csv``): a partial, flagged record.

The UN DGACM extract has no record of the resumed ES-11 session of 24 February 2025
(A/RES/ES-11/7, ES-11/8) or of later Ukraine votes; the staged file holds what press pages
report about them (see its folder's SOURCES.md, section 7): per row a resolution, a country
(or ``TALLY`` for the official count, ``TITLE`` for a title confirmation), a vote, a page
(``url``) and a verbatim ``quote``.

Core table ``core_unga__press_reported_votes`` — one row per source row:

* ``record_id``: ``press:<date>:<first row_id of the resolution>`` — one id per reported
  resolution (rows sharing date and symbol text);
* ``resolution_symbol``: the canonical A/RES symbol where a cited page gives it, else null;
  ``source_key`` keeps the file's ``symbol`` text; ``unconfirmed_symbol`` is the symbol that
  "third-party datasets" give when the cited pages do not (not used as a key, shown as such);
* ``row_kind``: ``vote`` (a country's vote), ``tally`` or ``title``;
* ``superseded_by``: the official roll call that records the same vote, when the UN extract
  has one (same canonical or unconfirmed symbol, or same date and the same official
  yes-no-abstain tally); the official record wins and superseded rows are not shown.

These rows are **never** votes: they are not written to ``core_unga__votes`` and no
agreement, kappa, participation or ideal-point computation reads this table.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor import countries
from autonomy_monitor.errors import BadInput
from autonomy_monitor.sources.unga.identity import normalise_symbol

FILE = "press_reported_votes_2024_2026.csv"
TABLE = "core_unga__press_reported_votes"
REQUIRED = {
    "row_id",
    "symbol",
    "date",
    "title",
    "country_iso3",
    "vote",
    "tally_yes",
    "tally_no",
    "tally_abstain",
    "url",
    "quote",
    "notes",
}
SPECIAL_ROWS = {"TALLY": "tally", "TITLE": "title"}
VOTES = ("Y", "N", "A", "X")
SCHEMA = contracts.polars_schema("core_unga__press_reported_votes")  # declared in catalog/tables/


def read(path: Path) -> pl.DataFrame:
    """The press file in the core shape (``superseded_by`` still null), checked row by row."""
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except Exception as error:
        raise BadInput(
            f"{path}: cannot be read as CSV ({type(error).__name__}: {error})."
        ) from None
    missing = sorted(REQUIRED - set(raw.columns))
    if missing:
        raise BadInput(
            f"{path}: missing column(s) {', '.join(missing)}; "
            "is this the press-reported votes file?"
        )
    check_rows(raw, path)
    return shaped(raw)


def check_rows(raw: pl.DataFrame, path: Path) -> None:
    dates = raw["date"].str.to_date("%Y-%m-%d", strict=False)
    if dates.null_count():
        raise BadInput(
            f"{path}: unreadable date in row "
            f"{raw.filter(dates.is_null())['row_id'][0]} (expected YYYY-MM-DD)."
        )
    country_rows = raw.filter(~pl.col("country_iso3").is_in(list(SPECIAL_ROWS)))
    unknown = sorted(set(country_rows["country_iso3"].to_list()) - countries.known_codes())
    if unknown:
        raise BadInput(f"{path}: unknown country_iso3 value(s) {', '.join(map(str, unknown))}.")
    bad = country_rows.filter(~pl.col("vote").is_in(list(VOTES)))
    if bad.height:
        raise BadInput(
            f"{path}: row {bad['row_id'][0]} has vote {bad['vote'][0]!r} (expected Y, N, A or X)."
        )
    if raw["url"].null_count():
        raise BadInput(
            f"{path}: row {raw.filter(pl.col('url').is_null())['row_id'][0]} has no source url."
        )


def shaped(raw: pl.DataFrame) -> pl.DataFrame:
    symbol = pl.col("symbol").str.strip_chars()
    stated = symbol.str.contains(r"^A/RES/\S+$")
    frame = raw.with_columns(
        pl.col("date").str.to_date("%Y-%m-%d"),
        pl.when(stated)
        .then(symbol.map_elements(normalise_symbol, return_dtype=pl.String))
        .alias("resolution_symbol"),
        symbol.alias("source_key"),
        symbol.str.extract(r"label it (A/RES/[^\s);]+)", 1).alias("unconfirmed_symbol"),
        pl.col("country_iso3").replace_strict(SPECIAL_ROWS, default="vote").alias("row_kind"),
        *(
            pl.col(c).str.strip_chars().cast(pl.Int32, strict=False)
            for c in ("tally_yes", "tally_no", "tally_abstain")
        ),
        pl.lit(None, dtype=pl.String).alias("superseded_by"),
    ).with_columns(
        pl.when(pl.col("row_kind") == "vote").then(pl.col("country_iso3")).alias("country_iso3"),
        pl.when(pl.col("row_kind") == "vote").then(pl.col("vote")).alias("vote"),
        pl.format(
            "press:{}:{}", pl.col("date"), pl.col("row_id").first().over("date", "source_key")
        ).alias("record_id"),
    )
    return frame.select(SCHEMA.keys()).cast(SCHEMA).sort("date", "record_id", "row_id")


def mark_superseded(press: pl.DataFrame, official: pl.DataFrame) -> pl.DataFrame:
    """Fill ``superseded_by`` with the official roll call of the same vote (rules in the module
    docstring)."""
    by_symbol = official.select(
        pl.col("resolution_symbol").alias("symbol"), pl.col("roll_call_id").alias("by_symbol")
    )
    by_tally = (
        official.filter(pl.col("official_yes").is_not_null())
        .select(
            "date",
            pl.col("official_yes").alias("tally_yes"),
            pl.col("official_no").alias("tally_no"),
            pl.col("official_abstain").alias("tally_abstain"),
            pl.col("roll_call_id").alias("by_tally"),
        )
        .unique(["date", "tally_yes", "tally_no", "tally_abstain"], keep="none")
    )
    records = press.group_by("record_id").agg(
        pl.col("date").first(),
        pl.coalesce("resolution_symbol", "unconfirmed_symbol").first().alias("symbol"),
        *(pl.col(c).drop_nulls().first() for c in ("tally_yes", "tally_no", "tally_abstain")),
    )
    matched = (
        records.join(by_symbol, on="symbol", how="left")
        .join(by_tally, on=["date", "tally_yes", "tally_no", "tally_abstain"], how="left")
        .select("record_id", pl.coalesce("by_symbol", "by_tally").alias("official_id"))
    )
    return (
        press.join(matched, on="record_id", how="left")
        .with_columns(pl.col("official_id").alias("superseded_by"))
        .select(SCHEMA.keys())
    )
