"""Derived step: shares of pipeline gas exports by destination (``out_dependence__energy``)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from autonomy_monitor.indicators import energy

NEEDS = ("core_ei__gas_pipeline_trade",)


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {
        "out_dependence__energy": energy.pipeline_measures(tables["core_ei__gas_pipeline_trade"])
    }
