"""Derived step: the union ``out_dependence__yearly`` of every ``out_dependence__<dimension>``
table present (trade, remittances, migration, aid, finance, energy), in the shared schema.

Registered last in ``DERIVED_STEPS`` with ``needs=()``: the dimension tables are optional (a
build from a subset of sources has only some), so ``compute`` takes whichever exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from autonomy_monitor.compute import Engine
from autonomy_monitor.indicators import relational

from autonomy_monitor.indicators.shares import OUTPUT_SCHEMA

DIMENSIONS = ("trade", "remittances", "migration", "aid", "finance", "energy")
OUTPUT = "out_dependence__yearly"


def dimension_tables(tables: Mapping[str, pl.DataFrame]) -> list[str]:
    return [f"out_dependence__{d}" for d in DIMENSIONS if f"out_dependence__{d}" in tables]


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    parts = [tables[name].select(list(OUTPUT_SCHEMA)).cast(OUTPUT_SCHEMA) for name in dimension_tables(tables)]
    union = pl.concat(parts) if parts else pl.DataFrame(schema=OUTPUT_SCHEMA)
    return {OUTPUT: union.sort("country_iso3", "dimension", "year", "measure", "partner_iso3", nulls_last=True)}


def compute_with(engine: Engine | None) -> Callable[[Mapping[str, pl.DataFrame]], dict[str, pl.DataFrame]]:
    """``compute`` with the union run on ``engine`` (``relational.dependence_union``); ``None``
    keeps the Polars path. The result is sorted the same way."""
    if engine is None:
        return compute

    def run(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
        names = dimension_tables(tables)
        if not names:
            return compute(tables)
        union = engine.collect(relational.dependence_union([engine.lazy(tables[n]) for n in names]))
        union = union.cast(OUTPUT_SCHEMA)  # type: ignore[arg-type]
        return {OUTPUT: union.sort("country_iso3", "dimension", "year", "measure", "partner_iso3", nulls_last=True)}

    return run
