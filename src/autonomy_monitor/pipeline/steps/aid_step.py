"""Derived steps: ODA by donor (``out_dependence__aid``) and Chinese official finance
relative to GDP (``out_dependence__finance``). See indicators/aid.py and indicators/finance.py.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from autonomy_monitor.indicators import aid, finance

AID_NEEDS = ("core_oecd__yearly_aid",)
FINANCE_NEEDS = ("core_aiddata__chinese_finance", "core_wdi__yearly_indicators")


def compute_aid(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {"out_dependence__aid": aid.donor_measures(tables["core_oecd__yearly_aid"])}


def compute_finance(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {
        "out_dependence__finance": finance.chinese_finance_measures(
            tables["core_aiddata__chinese_finance"], tables["core_wdi__yearly_indicators"]
        )
    }
