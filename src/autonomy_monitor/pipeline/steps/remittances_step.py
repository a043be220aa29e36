"""Derived step: remittances by sending country, every country and year 2000–latest.

One estimator (:mod:`autonomy_monitor.indicators.remittances`): central-bank figures anchor
their years, a calibrated model (Abel flows, UN DESA stocks, destination incomes, the WB/KNOMAD
matrices) fills the rest, every value with a method, inputs and a 90 % interval.

Outputs:

* ``out_dependence__remittances`` — shared dependence schema (shares with _lo/_hi, US$ with
  _lo/_hi, ratio to GDP, sender HHI);
* ``out_remittances__totals`` — remittances received per country and year (US$, share of
  GDP, source);
* ``qa_remittances__observation_fit`` — every central-bank share observation beside the
  estimate for its year and interval (a value far from an observation is visible here);
* ``out_remittances__calibration`` — the calibrated parameters (κ, γ, α, σ_m) and the fixed ones.

Optional inputs: ``core_remittances_by_sender__figures`` (without it no year is anchored)
and ``core_abel__migration_flows`` (without it the prior uses stocks only).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import polars as pl

from autonomy_monitor.indicators import remittances

NEEDS = (
    "core_knomad__bilateral_remittances",
    "core_knomad__remittance_inflows",
    "core_undesa__migrant_stock",
    "core_wdi__yearly_indicators",
)
FIGURES = "core_remittances_by_sender__figures"
FLOWS = "core_abel__migration_flows"
OPTIONAL = (FIGURES, FLOWS)


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    figures = tables.get(FIGURES)
    estimates, result = remittances.remittances_by_sender(
        tables["core_knomad__bilateral_remittances"],
        tables["core_knomad__remittance_inflows"],
        tables["core_undesa__migrant_stock"],
        tables["core_wdi__yearly_indicators"],
        figures=figures,
        flows=tables.get(FLOWS),
    )
    totals = remittances.remittance_totals(
        tables["core_knomad__remittance_inflows"], tables["core_wdi__yearly_indicators"], figures
    )
    return {
        "out_dependence__remittances": remittances.remittance_measures(estimates),
        "out_remittances__totals": remittances.totals_table(
            totals, tables["core_wdi__yearly_indicators"]
        ),
        "qa_remittances__observation_fit": result.observations.sort(
            "country_iso3", "partner_iso3", "year", "period", "kind"
        ),
        "out_remittances__calibration": calibration_frame(result.settings),
    }


def calibration_frame(settings: remittances.EstimatorSettings) -> pl.DataFrame:
    """One row per parameter: name, value, how it was set."""
    calibrated = {"kappa", "gamma", "alpha", "sigma_model"}
    rows = [
        (
            f.name,
            float(getattr(settings, f.name)),
            "calibrated" if f.name in calibrated else "fixed",
        )
        for f in dataclasses.fields(settings)
        if isinstance(getattr(settings, f.name), float)
    ]
    rows += [(f"sigma_{kind}", sd, "fixed") for kind, sd in settings.sigma_kind]
    return pl.DataFrame(
        rows,
        schema={"parameter": pl.String, "value": pl.Float64, "setting": pl.String},
        orient="row",
    )
