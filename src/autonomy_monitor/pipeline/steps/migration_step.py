"""Derived steps: labour migration by destination, and Central Asian residents in Japan.

* ``compute`` -> ``out_dependence__migration``: emigrants, destination_share and
  destination_hhi from the UN DESA stock (1990–2020) plus, if present in ``tables``, the
  World Bank 2017 bilateral migration matrix (``core_knomad__bilateral_migrant_stock``,
  method ``wb_bilateral_matrix_2017``; it has the Japan-bound stocks UN DESA lacks).
* ``compute_japan`` -> ``out_migration__japan_residents``: residents by nationality and
  status of residence (including Specified Skilled Worker) with each status's share.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from autonomy_monitor.indicators import migration

NEEDS = ("core_undesa__migrant_stock",)
JAPAN_NEEDS = ("core_japan__residents_by_status",)
WB_STOCK = "core_knomad__bilateral_migrant_stock"


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    parts = [
        tables["core_undesa__migrant_stock"].with_columns(pl.lit("un_desa_stock").alias("method"))
    ]
    if WB_STOCK in tables:
        parts.append(
            tables[WB_STOCK].with_columns(pl.lit("wb_bilateral_matrix_2017").alias("method"))
        )
    stock = pl.concat(
        [
            p.select(
                "origin_iso3",
                "destination_iso3",
                pl.col("year").cast(pl.Int32),
                pl.col("migrants").cast(pl.Int64),
                "method",
            )
            for p in parts
        ]
    )
    return {"out_dependence__migration": migration.destination_measures(stock)}


def compute_japan(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {
        "out_migration__japan_residents": migration.japan_residents_table(
            tables["core_japan__residents_by_status"]
        )
    }
