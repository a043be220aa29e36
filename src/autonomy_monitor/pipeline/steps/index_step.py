"""Derived step: the composite index's normalised components against the default powers.

Output ``out_autonomy__components(country_iso3, year, power, component, value)`` — every
country and year from 1990, the powers of ``models.index.INDEX_POWERS`` (RUS, CHN, USA, EU27,
JPN, TUR; EU27 sums its members), each component normalised to 0..1 by
:func:`autonomy_monitor.models.index.component_values`.

Why stored: the bundled snapshot keeps only some partners of ``out_dependence__yearly`` (the
EU members, for instance, are not all there), so an index recomputed from the snapshot differed
from one computed from a full warehouse (Kazakhstan 2023: 0.624 vs 0.662). ``autonomy index``
with the default powers reads this table, so both give the same values; the Monte Carlo (weights,
draws, seed) still runs at query time on these inputs.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from autonomy_monitor.countries import group_members, group_names
from autonomy_monitor.models import index as model
from autonomy_monitor.pipeline.steps.reads import Read, sql_list

NEEDS = ("out_dependence__yearly",)
ALIGNMENT = "out_alignment__yearly_vote_agreement_wide"
OPTIONAL = (ALIGNMENT,)
OUTPUT = "out_autonomy__components"
FIRST_YEAR = 1990


def default_members() -> pl.DataFrame:
    """power, member_iso3 for INDEX_POWERS (a group's members; a country is its own member)."""
    groups = {g.upper(): g for g in group_names()}
    rows = []
    for power in model.INDEX_POWERS:
        members = group_members(groups[power]) if power in groups else [power]
        rows.extend((power, m) for m in members)
    return pl.DataFrame(rows, schema={"power": pl.String, "member_iso3": pl.String}, orient="row")


def reads() -> dict[str, Read]:
    """The rows and columns :func:`compute` uses of its inputs (the build queries only these):
    of the 17 million dependence rows the index's raw measures with a power's member as partner
    (about 0.2 million), of the agreement table issue 'all' with a member on either side."""
    codes = sql_list(default_members()["member_iso3"].unique().sort().to_list())
    measures = sql_list(m for _, m, _ in model.RAW_MEASURES.values())
    first = FIRST_YEAR - model.MAX_AGE
    return {
        "out_dependence__yearly": Read(
            ("country_iso3", "partner_iso3", "year", "dimension", "measure", "method", "value"),
            f"measure IN ({measures}) AND partner_iso3 IN ({codes}) AND year >= {first}",
        ),
        ALIGNMENT: Read(
            ("country_iso3", "partner_iso3", "year", "issue", "agreement"),
            f"issue = 'all' AND year >= {first} AND agreement IS NOT NULL "
            f"AND (country_iso3 IN ({codes}) OR partner_iso3 IN ({codes}))",
        ),
    }


def agreement_rows(tables: Mapping[str, pl.DataFrame], codes: list[str]) -> pl.DataFrame:
    """Yearly agreement (issue 'all') of every country with the powers' members, both orders."""
    if ALIGNMENT not in tables:
        return pl.DataFrame(
            schema={
                "country_iso3": pl.String,
                "partner_iso3": pl.String,
                "year": pl.Int32,
                "agreement": pl.Float64,
            }
        )
    rows = tables[ALIGNMENT].filter(
        (pl.col("issue") == "all")
        & (pl.col("year") >= FIRST_YEAR - model.MAX_AGE)
        & pl.col("agreement").is_not_null()
        & (pl.col("country_iso3").is_in(codes) | pl.col("partner_iso3").is_in(codes))
    )
    rows = rows.select("country_iso3", "partner_iso3", pl.col("year").cast(pl.Int32), "agreement")
    swapped = rows.select(
        pl.col("partner_iso3").alias("country_iso3"),
        pl.col("country_iso3").alias("partner_iso3"),
        "year",
        "agreement",
    )
    return pl.concat([rows, swapped])


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    members = default_members()
    dependence = tables["out_dependence__yearly"].filter(
        pl.col("year") >= FIRST_YEAR - model.MAX_AGE
    )
    values = model.component_values(
        dependence, agreement_rows(tables, members["member_iso3"].to_list()), members
    )
    return {OUTPUT: values.filter(pl.col("year") >= FIRST_YEAR - model.MAX_AGE)}
