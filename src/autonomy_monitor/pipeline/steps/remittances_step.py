"""Derived step: remittances by sending country, every year 2000–latest.

Output ``out_dependence__remittances`` (shared dependence schema; see
:mod:`autonomy_monitor.indicators.remittances` for the method and the artefact rule) and
``qa_remittances__artefacts`` (matrix country-years whose dominant sender the migrant stock
contradicts; their matrix shares were replaced by the stock allocation).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from autonomy_monitor.indicators import remittances

NEEDS = (
    "core_knomad__bilateral_remittances",
    "core_knomad__remittance_inflows",
    "core_undesa__migrant_stock",
    "core_wdi__yearly_indicators",
)


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    estimates, artefacts = remittances.remittances_by_sender(
        tables["core_knomad__bilateral_remittances"],
        tables["core_knomad__remittance_inflows"],
        tables["core_undesa__migrant_stock"],
        tables["core_wdi__yearly_indicators"],
    )
    return {
        "out_dependence__remittances": remittances.remittance_measures(estimates),
        "qa_remittances__artefacts": artefacts,
    }
