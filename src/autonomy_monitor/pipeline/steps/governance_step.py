"""Derived step: governance context per country-year with scales (``out_governance__yearly``).

Not a dependence: the scores partners who advocate democracy and the rule of law watch (WGI,
V-Dem, Freedom House, BTI). Columns: country_iso3, year, source, indicator, value, scale,
year_basis (what the year means for that source).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

NEEDS = ("core_governance__yearly_scores",)
YEAR_BASIS = {
    "WGI": "data year",
    "V-Dem": "data year",
    "Freedom House": "edition year (report published that year, covering the previous year)",
    "BTI": "edition year minus one",
}


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    scores = tables["core_governance__yearly_scores"]
    out = scores.with_columns(
        pl.col("source").replace_strict(YEAR_BASIS, default="data year").alias("year_basis")
    )
    return {"out_governance__yearly": out.sort("country_iso3", "year", "source", "indicator")}
