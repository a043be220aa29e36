"""Queries behind the web dashboard: the country list, the overview grid, key votes of a
country, Central Asian residents in Japan, the downloadable tables and the curated events.

Reads the warehouse or the bundled snapshot through :func:`reader.query` with bound
parameters only; table names in SQL come from the store's own list, never from a request.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from importlib import resources

import polars as pl

from autonomy_monitor.pipeline import warehouse
from autonomy_monitor.api.reader import has_table, open_store, query, store_label, table_columns
from autonomy_monitor.countries import country_table, group_members, known_codes
from autonomy_monitor.errors import BadArgument, BadInput
from autonomy_monitor.settings import Settings

BROAD_COVERAGE = 100  # countries with trade shares for a year to be the overview's default
DEPENDENCE_TABLE = "out_dependence__yearly"
ALIGNMENT_TABLE = "out_alignment__yearly_vote_agreement_wide"
KEY_VOTES_TABLE = "out_alignment__key_votes"
JAPAN_TABLE = "out_migration__japan_residents"
DOWNLOAD_PREFIXES = ("out_", "meta_", "qa_", "core_")
COUNTRY_COLUMNS = (
    "country_iso3",
    "reporter_iso3",
    "recipient_iso3",
    "receiver_iso3",
    "origin_iso3",
    "nationality_iso3",
)
EVENT_COLUMNS = ("date", "date_precision", "kind", "label", "title", "countries", "source", "url")
EVENT_KINDS = (
    "un",
    "dialogue",
    "officials",
    "summit",
    "vote",
    "sanctions",
    "corridor",
    "organisation",
    "labour",
    "war",
)


def countries() -> pl.DataFrame:
    """Current UN members and other current states: iso3, m49, name, is_c5; the five first."""
    table = country_table().filter(
        ~pl.col("is_historical").cast(pl.Boolean) & pl.col("un_member_from").is_not_null()
    )
    return (
        table.select("iso3", pl.col("m49").cast(pl.Int64), "name")
        .with_columns(pl.col("iso3").is_in(group_members("C5")).alias("is_c5"))
        .sort("is_c5", "name", descending=[True, False])
    )


def overview_year(settings: Settings | None = None) -> int | None:
    """The overview's default year: the latest year with trade shares for at least
    ``BROAD_COVERAGE`` countries (the five included), else the latest year of vote agreement."""
    settings = settings or Settings()
    if has_table(settings, DEPENDENCE_TABLE):
        frame = query(
            settings,
            f"""SELECT max(year) AS y FROM (
                    SELECT year FROM {DEPENDENCE_TABLE}
                    WHERE dimension = 'trade' AND measure = 'total_share' AND method = 'chosen'
                    GROUP BY year
                    HAVING count(DISTINCT country_iso3) >= ?
                       AND count(DISTINCT country_iso3)
                           FILTER (country_iso3 IN (SELECT unnest(?))) = ?)""",
            [BROAD_COVERAGE, group_members("C5"), len(group_members("C5"))],
        )
        if frame["y"][0] is not None:
            return int(frame["y"][0])
    if has_table(settings, ALIGNMENT_TABLE):
        frame = query(
            settings,
            f"SELECT max(year) AS y FROM {ALIGNMENT_TABLE} WHERE issue = 'all' AND n_votes >= 10",
        )
        return None if frame["y"][0] is None else int(frame["y"][0])
    return None


def overview_coverage(settings: Settings | None = None) -> pl.DataFrame:
    """Per year, how many countries have trade shares (total, chosen view) and vote agreement:
    year, trade_countries, vote_countries, world_trade (at least ``BROAD_COVERAGE`` countries)."""
    settings = settings or Settings()
    parts = []
    if has_table(settings, DEPENDENCE_TABLE):
        parts.append(
            query(
                settings,
                f"""SELECT CAST(year AS INTEGER) AS year,
                           count(DISTINCT country_iso3) AS trade_countries
                    FROM {DEPENDENCE_TABLE}
                    WHERE dimension = 'trade' AND measure = 'total_share' AND method = 'chosen'
                    GROUP BY year""",
            )
        )
    if has_table(settings, ALIGNMENT_TABLE):
        parts.append(
            query(
                settings,
                f"""SELECT CAST(year AS INTEGER) AS year,
                           count(DISTINCT country_iso3) AS vote_countries
                    FROM {ALIGNMENT_TABLE} WHERE issue = 'all' GROUP BY year""",
            )
        )
    frame = pl.DataFrame(schema={"year": pl.Int32})
    for part in parts:
        frame = frame.join(
            part.with_columns(pl.col("year").cast(pl.Int32)), on="year", how="full", coalesce=True
        )
    for column in ("trade_countries", "vote_countries"):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(0, dtype=pl.Int64).alias(column))
    return (
        frame.with_columns(pl.col("trade_countries", "vote_countries").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("trade_countries") >= BROAD_COVERAGE).alias("world_trade"))
        .sort("year")
    )


def overview(year: int, powers: list[str], settings: Settings | None = None) -> pl.DataFrame:
    """Per country and power in ``year``: trade share with the power (total, chosen view) and
    UN vote agreement. Columns country_iso3, power_iso3, measure ('total_share' | 'agreement'),
    value, n_votes (alignment only), year."""
    settings = settings or Settings()
    if not 1946 <= year <= 2030:
        raise BadArgument(f"Year {year} is out of range: choose a year between 1946 and 2030.")
    parts = [
        pl.DataFrame(
            schema={
                "country_iso3": pl.String,
                "power_iso3": pl.String,
                "measure": pl.String,
                "value": pl.Float64,
                "n_votes": pl.Int64,
                "year": pl.Int32,
            }
        )
    ]
    if has_table(settings, DEPENDENCE_TABLE):
        parts.append(
            query(
                settings,
                f"""SELECT country_iso3, partner_iso3 AS power_iso3, 'total_share' AS measure,
                       value,
                       CAST(NULL AS BIGINT) AS n_votes, CAST(year AS INTEGER) AS year
                FROM {DEPENDENCE_TABLE}
                WHERE dimension = 'trade' AND measure = 'total_share' AND method = 'chosen'
                  AND year = ? AND partner_iso3 IN (SELECT unnest(?))""",
                [year, powers],
            )
        )
    if has_table(settings, ALIGNMENT_TABLE):
        parts.append(
            query(
                settings,
                f"""SELECT DISTINCT ON (country_iso3, power_iso3) country_iso3, power_iso3,
                       'agreement' AS measure, value, n_votes, year
                FROM (SELECT country_iso3, partner_iso3 AS power_iso3, agreement AS value,
                             CAST(n_votes AS BIGINT) AS n_votes, CAST(year AS INTEGER) AS year
                      FROM {ALIGNMENT_TABLE}
                      WHERE issue = 'all' AND year = ? AND partner_iso3 IN (SELECT unnest(?))
                      UNION ALL
                      SELECT partner_iso3, country_iso3, agreement, CAST(n_votes AS BIGINT),
                             CAST(year AS INTEGER)
                      FROM {ALIGNMENT_TABLE}
                      WHERE issue = 'all' AND year = ? AND country_iso3 IN (SELECT unnest(?)))""",
                [year, powers, year, powers],
            )
        )
    frame = pl.concat([p.cast(parts[0].schema) for p in parts], how="vertical")
    return frame.filter(pl.col("country_iso3") != pl.col("power_iso3")).sort(
        "country_iso3", "power_iso3", "measure"
    )


def country_key_votes(countries_: list[str], settings: Settings | None = None) -> pl.DataFrame:
    """Votes of the given countries on every key vote (ES-11 and other tagged or important roll
    calls), newest first: roll_call_id, resolution_symbol, date, title, issue_tags, country_iso3,
    vote, record_kind ('official' | 'press_reported': partial record, press reports, never counted)
    and source (citation of the official record, or the URL of the press page stating that vote)."""
    settings = settings or Settings()
    if not has_table(settings, KEY_VOTES_TABLE):
        return pl.DataFrame()
    present = set(table_columns(settings, KEY_VOTES_TABLE))
    kind = "record_kind" if "record_kind" in present else "'official' AS record_kind"
    return query(
        settings,
        f"""SELECT roll_call_id, resolution_symbol, date, title, issue_tags, country_iso3, vote,
                   {kind}, source
            FROM {KEY_VOTES_TABLE} WHERE country_iso3 IN (SELECT unnest(?))
            ORDER BY date DESC, roll_call_id, country_iso3""",
        [countries_],
    )


def japan_residents(country: str, settings: Settings | None = None) -> pl.DataFrame:
    """Residents of Japan with ``country``'s nationality by status of residence (one reference
    date)."""
    settings = settings or Settings()
    if not has_table(settings, JAPAN_TABLE):
        return pl.DataFrame()
    return query(
        settings,
        f"""SELECT status, status_ja, status_group, is_specified_skilled_worker, residents,
                   resident_share, reference_date, reference_date_inferred
            FROM {JAPAN_TABLE} WHERE nationality_iso3 = ? ORDER BY residents DESC, status""",
        [country],
    )


def downloadable_tables(settings: Settings | None = None) -> pl.DataFrame:
    """Every table a user can download: name, rows, country column (or null), store label."""
    settings = settings or Settings()
    connection = open_store(settings)
    try:
        names = [
            n for n in sorted(warehouse.table_names(connection)) if n.startswith(DOWNLOAD_PREFIXES)
        ]
        rows = []
        for name in names:
            described = connection.sql(f'DESCRIBE "{name}"').fetchall()
            columns, types = [c[0] for c in described], [str(c[1]) for c in described]
            count = connection.sql(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            country_column = next((c for c in COUNTRY_COLUMNS if c in columns), None)
            rows.append(
                {
                    "table": name,
                    "rows": int(count),
                    "country_column": country_column,
                    "columns": columns,
                    "types": types,
                }
            )
    finally:
        connection.close()
    frame = pl.DataFrame(
        rows,
        schema={
            "table": pl.String,
            "rows": pl.Int64,
            "country_column": pl.String,
            "columns": pl.List(pl.String),
            "types": pl.List(pl.String),
        },
    )
    return frame.with_columns(pl.lit(store_label(settings)).alias("store"))


def table_frame(
    name: str,
    country: str | None = None,
    *,
    settings: Settings | None = None,
    max_rows: int | None = None,
) -> pl.DataFrame:
    """The rows of one downloadable table, optionally only those of one country.

    ``name`` must be one of :func:`downloadable_tables`; ``country`` an ISO3 code. Raises
    BadArgument when the table is unknown, has no country column, or has more than
    ``max_rows`` rows without a country filter.
    """
    settings = settings or Settings()
    tables = downloadable_tables(settings)
    match = tables.filter(pl.col("table") == name)
    if match.is_empty():
        raise BadArgument(f"Unknown table {name!r}: see the downloads page for the list.")
    info = match.row(0, named=True)
    if country is None:
        if max_rows is not None and info["rows"] > max_rows:
            raise BadArgument(
                f"Table {name} has {info['rows']:,} rows: add a "
                "country (e.g. country=KGZ) to download a part."
            )
        return query(settings, f'SELECT * FROM "{info["table"]}"')
    if info["country_column"] is None:
        raise BadArgument(f"Table {name} has no country column: download it without a country.")
    if country not in known_codes():
        raise BadArgument(f"Unknown country code {country!r}: give an ISO3 code such as KGZ.")
    return query(
        settings, f'SELECT * FROM "{info["table"]}" WHERE "{info["country_column"]}" = ?', [country]
    )


def events() -> pl.DataFrame:
    """The curated, cited events (``data/events.csv``), validated, sorted by date.

    Columns date (Date), date_precision ('day' | 'month'), kind, label (short marker text for
    charts), title, countries (list of
    ISO3; '*' means every country), source, url.
    """
    text = resources.files("autonomy_monitor.data").joinpath("events.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or tuple(rows[0].keys()) != EVENT_COLUMNS:
        raise BadInput(
            f"data/events.csv: expected columns {', '.join(EVENT_COLUMNS)}; fix the header."
        )
    return pl.DataFrame([parse_event(row, line) for line, row in enumerate(rows, start=2)]).sort(
        "date", "title"
    )


def parse_event(row: dict[str, str], line: int) -> dict[str, object]:
    """One validated event row (date, precision, kind, countries, source and URL all checked)."""
    where = f"data/events.csv row {line}"
    try:
        date = dt.date.fromisoformat(row["date"])
    except ValueError:
        raise BadInput(f"{where}: date {row['date']!r} is not YYYY-MM-DD; fix the date.") from None
    if row["date_precision"] not in ("day", "month"):
        raise BadInput(f"{where}: date_precision {row['date_precision']!r} must be day or month.")
    if row["kind"] not in EVENT_KINDS:
        raise BadInput(f"{where}: kind {row['kind']!r} must be one of {', '.join(EVENT_KINDS)}.")
    codes = expand_event_countries(row["countries"])
    unknown = [c for c in codes if c != "*" and c not in known_codes()]
    if unknown:
        raise BadInput(f"{where}: unknown country codes {unknown}; use ISO3 codes, C5 or *.")
    if not row["source"].strip() or not row["url"].startswith(("https://", "http://")):
        raise BadInput(f"{where}: every event needs a source and a public http(s):// URL.")
    if not row["label"].strip() or len(row["label"]) > 24:
        raise BadInput(
            f"{where}: label {row['label']!r} must be a short marker text (1–24 characters)."
        )
    return {
        "date": date,
        "date_precision": row["date_precision"],
        "kind": row["kind"],
        "label": row["label"],
        "title": row["title"],
        "countries": codes,
        "source": row["source"],
        "url": row["url"],
    }


def expand_event_countries(text: str) -> list[str]:
    codes: list[str] = []
    for item in (part.strip() for part in text.split(";") if part.strip()):
        codes.extend(group_members(item) if item == "C5" else [item])
    return codes


def country_events(country: str) -> pl.DataFrame:
    """Events concerning ``country`` (listed with it or marked for every country)."""
    frame = events()
    return frame.filter(
        pl.col("countries").list.contains(country) | pl.col("countries").list.contains("*")
    )
