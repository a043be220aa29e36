"""Dependence queries: per-partner dependence by dimension, and a one-screen country profile.

Reads ``out_dependence__yearly`` (the union of every ``out_dependence__<dimension>`` table),
``out_governance__yearly`` and, when built, ``out_alignment__yearly_vote_agreement_wide``
from the warehouse or the bundled snapshot. Definitions: ``indicators/shares.py``,
``indicators/remittances.py``, ``indicators/migration.py``, ``indicators/aid.py``,
``indicators/finance.py``, ``indicators/energy.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from autonomy_monitor.api.arguments import DEPENDENCE, one_country, year_range
from autonomy_monitor.api.reader import has_table, marks, query
from autonomy_monitor.countries import group_members, parse_country_list
from autonomy_monitor.errors import BadArgument, WarehouseMissing
from autonomy_monitor.settings import Settings

DIMENSIONS = ("trade", "remittances", "migration", "aid", "finance", "energy")
TABLE = "out_dependence__yearly"
GOVERNANCE_TABLE = "out_governance__yearly"
TOTALS_TABLE = "out_remittances__totals"
TOTALS_SCHEMA = {
    "country_iso3": pl.String,
    "year": pl.Int32,
    "remittances_usd": pl.Float64,
    "remittances_gdp_share": pl.Float64,
    "source": pl.String,
}
ALIGNMENT_TABLE = "out_alignment__yearly_vote_agreement_wide"
MIN_VOTES = 10  # the profile shows the latest year with at least this many common roll calls

# What the profile shows per dimension: (measure, method preference or None, how many partners)
PROFILE_MEASURES = {
    "trade": ("total_share", "chosen", 3),
    "remittances": ("remittance_share", None, 3),
    "migration": ("destination_share", "un_desa_stock", 3),
    "aid": ("oda_share", None, 3),
    "finance": ("finance_dependence", None, 1),
    "energy": ("gas_export_share", None, 2),
}
PROFILE_GOVERNANCE = (
    ("WGI", "rule_of_law"),
    ("WGI", "voice_accountability"),
    ("WGI", "control_of_corruption"),
    ("V-Dem", "electoral_democracy"),
    ("V-Dem", "liberal_democracy"),
    ("Freedom House", "total_score"),
    ("BTI", "democracy_status"),
)


def check_dimension(dimension: str) -> list[str]:
    if dimension == "all":
        return list(DIMENSIONS)
    if dimension not in DIMENSIONS:
        raise BadArgument(
            f"Unknown dimension {dimension!r}: choose from {', '.join(DIMENSIONS)} or all."
        )
    return [dimension]


def require_table(settings: Settings, name: str) -> None:
    if not has_table(settings, name):
        raise WarehouseMissing(
            f"The table {name} is not in the warehouse or the bundled snapshot: run "
            "`autonomy build --source-dir DIR` with the economic sources."
        )


def dependence(
    country: str,
    on: str | list[str] | None = None,
    *,
    dimension: str = "all",
    year: int | None = None,
    start: int | None = None,
    end: int | None = None,
    measure: str | list[str] | tuple[str, ...] | None = None,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """Dependence rows of ``country`` (long form, the shared schema), optionally on some partners.

    With ``on`` (codes, names or groups such as C5, EU27) only rows for those partners are
    returned; without it every row, including country-level measures (HHI) whose partner is
    null. ``measure`` (one name or several) keeps only those measures: a country has tens of
    thousands of rows, a page or a chart needs a few hundred. Sorted by dimension, partner,
    measure, year and method.
    """
    settings = settings or Settings()
    code = one_country(country)
    partners = [p for p in parse_country_list(on) if p != code] if on else []
    if on and not partners:
        raise BadArgument(
            "Give at least one partner other than the country itself (e.g. --on RUS,CHN)."
        )
    dimensions = check_dimension(dimension)
    measures = [measure] if isinstance(measure, str) else list(measure or [])
    first, last = year_range(DEPENDENCE, year, start, end)
    require_table(settings, TABLE)
    where = ["country_iso3 = ?", "year BETWEEN ? AND ?", f"dimension IN {marks(dimensions)}"]
    params: list[object] = [code, first, last, *dimensions]
    for column, values in (("partner_iso3", partners), ("measure", measures)):
        if values:
            where.append(f"{column} IN {marks(values)}")
            params.extend(values)
    frame = query(
        settings,
        "SELECT country_iso3, partner_iso3, year, dimension, measure, value, unit, method, source,"
        f" flag FROM {TABLE} WHERE {' AND '.join(where)}",
        params,
    )
    order = {p: k for k, p in enumerate(partners)}
    dim_order = {d: k for k, d in enumerate(DIMENSIONS)}
    return (
        frame.with_columns(
            pl.col("partner_iso3")
            .replace_strict(order, default=len(order), return_dtype=pl.Int32)
            .alias("_p"),
            pl.col("dimension")
            .replace_strict(dim_order, default=99, return_dtype=pl.Int32)
            .alias("_d"),
        )
        .sort("_d", "_p", "partner_iso3", "measure", "year", "method", nulls_last=True)
        .drop("_p", "_d")
    )


def wide_view(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per dimension, partner, year, method and flag; one column per measure."""
    if frame.is_empty():
        return frame.select("dimension", "partner_iso3", "year", "method", "flag")
    index = ["dimension", "partner_iso3", "year", "method", "flag"]
    wide = frame.sort(
        pl.col("measure").str.ends_with("_usd"), descending=True, maintain_order=True
    ).pivot(
        on="measure", index=index, values="value", aggregate_function="first", maintain_order=True
    )
    return wide.select(*index[:3], *[c for c in wide.columns if c not in index], "method", "flag")


@dataclass
class Profile:
    """The pieces of ``autonomy profile``: each frame has value, year and source per row."""

    country_iso3: str
    dependencies: pl.DataFrame
    governance: pl.DataFrame
    alignment: pl.DataFrame
    remittance_totals: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=TOTALS_SCHEMA)
    )


def largest_dependencies(frame: pl.DataFrame) -> pl.DataFrame:
    """Per dimension, the largest partners in the latest year of the profile measure."""
    parts = []
    for dimension, (measure, method, count) in PROFILE_MEASURES.items():
        rows = frame.filter(
            (pl.col("dimension") == dimension)
            & (pl.col("measure") == measure)
            & pl.col("partner_iso3").is_not_null()
            & pl.col("value").is_not_null()
        )
        if method is not None and rows.filter(pl.col("method") == method).height:
            rows = rows.filter(pl.col("method") == method)
        if rows.is_empty():
            continue
        latest = rows.filter(pl.col("year") == rows["year"].max())
        parts.append(latest.sort("value", descending=True).head(count))
    if not parts:
        return pl.DataFrame(schema={c: pl.String for c in ("dimension", "partner_iso3", "measure")})
    return pl.concat(parts).select(
        "dimension", "partner_iso3", "measure", "value", "year", "method", "flag", "source"
    )


def profile(country: str, *, settings: Settings | None = None) -> Profile:
    """Largest dependencies by dimension, governance context and UN vote agreement with the
    powers."""
    settings = settings or Settings()
    code = one_country(country)
    totals = remittance_totals(code, settings=settings)
    return Profile(
        code,
        profile_dependencies(code, settings=settings),
        governance_context(code, settings),
        power_alignment(code, settings),
        totals.tail(1),
    )


def profile_dependencies(country: str, *, settings: Settings | None = None) -> pl.DataFrame:
    """The profile's largest dependencies (``profile(country).dependencies``) alone: per
    dimension, the largest partners in the latest year of the profile measure."""
    settings = settings or Settings()
    code = one_country(country)
    require_table(settings, TABLE)
    measures = [measure for measure, _, _ in PROFILE_MEASURES.values()]
    frame = query(
        settings,
        # Only what largest_dependencies can pick: the profile measures' rows with a partner and
        # a value, in the latest year of their measure and method (a few hundred rows of the
        # country's tens of thousands; the method preference and latest year are applied there).
        f"""
        SELECT partner_iso3, year, dimension, measure, value, method, source, flag FROM {TABLE}
        WHERE country_iso3 = ? AND measure IN {marks(measures)}
          AND partner_iso3 IS NOT NULL AND value IS NOT NULL
        QUALIFY year = max(year) OVER (PARTITION BY dimension, measure, method)
        """,
        [code, *measures],
    )
    return largest_dependencies(frame)


def profile_governance(country: str, *, settings: Settings | None = None) -> pl.DataFrame:
    """The profile's governance context (``profile(country).governance``) alone."""
    settings = settings or Settings()
    return governance_context(one_country(country), settings)


def remittance_totals(
    country: str,
    *,
    start: int | None = None,
    end: int | None = None,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """Remittances received by ``country`` per year: country_iso3, year, remittances_usd (current
    US$), remittances_gdp_share (0..1, WDI GDP), source (WDI, else KNOMAD, else the central bank).

    Empty (with these columns) when the warehouse or bundled snapshot predates the table
    ``out_remittances__totals``; :func:`has_remittance_totals` tells the two cases apart.
    """
    settings = settings or Settings()
    code = one_country(country)
    if not has_table(settings, TOTALS_TABLE):
        return pl.DataFrame(schema=TOTALS_SCHEMA)
    first, last = year_range(DEPENDENCE, None, start, end)
    frame = query(
        settings,
        "SELECT country_iso3, year, remittances_usd, remittances_gdp_share, source "
        f"FROM {TOTALS_TABLE} WHERE country_iso3 = ? AND year BETWEEN ? AND ? ORDER BY year",
        [code, first, last],
    )
    return frame.cast(TOTALS_SCHEMA)  # type: ignore[arg-type]


def has_remittance_totals(settings: Settings | None = None) -> bool:
    """Whether the store has ``out_remittances__totals`` (bundled snapshots before issue 11 lack
    it)."""
    return has_table(settings or Settings(), TOTALS_TABLE)


def governance_context(code: str, settings: Settings) -> pl.DataFrame:
    """Latest value of the profile's governance indicators, with year and scale."""
    if not has_table(settings, GOVERNANCE_TABLE):
        return pl.DataFrame()
    frame = query(
        settings,
        f"""
        SELECT source, indicator, value, year, scale FROM {GOVERNANCE_TABLE}
        WHERE country_iso3 = ?
        QUALIFY row_number() OVER (PARTITION BY source, indicator ORDER BY year DESC) = 1
        """,
        [code],
    )
    wanted = pl.DataFrame(
        {
            "source": [s for s, _ in PROFILE_GOVERNANCE],
            "indicator": [i for _, i in PROFILE_GOVERNANCE],
            "_o": list(range(len(PROFILE_GOVERNANCE))),
        }
    )
    return wanted.join(frame, on=["source", "indicator"], how="inner").sort("_o").drop("_o")


def power_alignment(code: str, settings: Settings) -> pl.DataFrame:
    """Latest yearly UN vote agreement with the powers of the country-group table (group
    POWERS: CHN, RUS, USA, JPN), if the alignment table exists.

    The latest year with at least MIN_VOTES common roll calls is preferred over a
    partial current year.
    """
    if not has_table(settings, ALIGNMENT_TABLE):
        return pl.DataFrame()
    powers = [p for p in group_members("POWERS") if p != code]
    frame = query(
        settings,
        f"""
        SELECT CASE WHEN country_iso3 = ? THEN partner_iso3 ELSE country_iso3 END AS partner_iso3,
               year, agreement, n_votes
        FROM {ALIGNMENT_TABLE}
        WHERE issue = 'all' AND ((country_iso3 = ? AND partner_iso3 IN {marks(powers)})
                              OR (partner_iso3 = ? AND country_iso3 IN {marks(powers)}))
        QUALIFY row_number() OVER (PARTITION BY partner_iso3, country_iso3
                                   ORDER BY n_votes >= ? DESC, year DESC) = 1
        """,
        [code, code, *powers, code, *powers, MIN_VOTES],
    )
    return frame.with_columns(
        pl.lit("UN General Assembly roll calls (agreement: Voeten coding)").alias("source")
    ).sort("partner_iso3")
