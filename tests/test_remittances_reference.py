"""Reference: the estimates for observed years stay within the stated tolerance of the central
banks.

Real data (``../shared/data``; skipped when absent). The tolerance is the one stated in
docs/remittances_validation.md: full-year Russia shares stated by a receiving bank within 5
percentage points, every Russia observation of UZB, KGZ and TJK inside the 90 % predictive
interval of its year's estimate, and the published headlines (CBU 2022 87 %, 2023 78 %; NBKR
January-May 2025 94 %).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from autonomy_monitor.indicators import remittances as rem
from autonomy_monitor.pipeline.steps import remittances_step
from autonomy_monitor.sources.abel import bulk as abel
from autonomy_monitor.sources.knomad import bulk as knomad
from autonomy_monitor.sources.remittances_by_sender import bulk as by_sender
from autonomy_monitor.sources.undesa import bulk as undesa
from autonomy_monitor.sources.wdi import bulk as wdi

pytestmark = pytest.mark.shared_data
TOLERANCE_PP = 5.0


@pytest.fixture(scope="module")
def outputs(shared_data: Path) -> dict[str, pl.DataFrame]:
    tables: dict[str, pl.DataFrame] = {}
    for module in (by_sender, abel, knomad, undesa, wdi):
        tables.update(module.load(shared_data).tables)
    return remittances_step.compute(tables)


def share(outputs: dict[str, pl.DataFrame], country: str, partner: str, year: int) -> float:
    rows = outputs["out_dependence__remittances"].filter(
        (pl.col("country_iso3") == country)
        & (pl.col("partner_iso3") == partner)
        & (pl.col("year") == year)
        & (pl.col("measure") == "remittance_share")
    )
    assert rows.height == 1
    return rows["value"][0]


@pytest.mark.parametrize(
    ("country", "year", "published"),
    [("UZB", 2022, 0.87), ("UZB", 2023, 0.78), ("KGZ", 2025, 0.94)],
)
def test_published_headlines(outputs, country: str, year: int, published: float) -> None:
    assert abs(share(outputs, country, "RUS", year) - published) * 100 <= TOLERANCE_PP


def test_full_year_stated_shares_within_tolerance(outputs) -> None:
    fit = outputs["qa_remittances__observation_fit"].filter(
        (pl.col("kind") == "stated") & (pl.col("months") == 12)
    )
    assert fit.height >= 2
    assert ((fit["estimate"] - fit["share"]).abs() * 100 <= TOLERANCE_PP).all()


def test_every_russia_observation_inside_its_predictive_interval(outputs) -> None:
    fit = outputs["qa_remittances__observation_fit"].filter(
        (pl.col("partner_iso3") == "RUS") & pl.col("country_iso3").is_in(["UZB", "KGZ", "TJK"])
    )
    shares = outputs["out_dependence__remittances"]
    for row in fit.iter_rows(named=True):
        bounds = shares.filter(
            (pl.col("country_iso3") == row["country_iso3"])
            & (pl.col("partner_iso3") == "RUS")
            & (pl.col("year") == row["year"])
        )
        lo = bounds.filter(pl.col("measure") == "remittance_share_lo")["value"][0]
        hi = bounds.filter(pl.col("measure") == "remittance_share_hi")["value"][0]
        # widen the shipped interval (of the true share) by the observation's own error
        x, half_state = rem.logit(row["estimate"]), (rem.logit(hi) - rem.logit(lo)) / 2
        half = np.sqrt(half_state**2 + (rem.Z90 * row["sd"]) ** 2)
        observed = float(rem.logit(min(max(row["share"], rem.SHARE_FLOOR), 1 - rem.SHARE_FLOOR)))
        assert x - half <= observed <= x + half, row


def test_germany_is_not_a_large_sender_to_kyrgyzstan(outputs) -> None:
    germany = outputs["out_dependence__remittances"].filter(
        (pl.col("country_iso3") == "KGZ")
        & (pl.col("partner_iso3") == "DEU")
        & (pl.col("measure") == "remittance_share")
    )
    assert germany.filter(pl.col("year") >= 2010)["value"].max() < 0.10


def test_no_method_change_jumps_for_the_flagship_countries(outputs) -> None:
    rus = (
        outputs["out_dependence__remittances"]
        .filter(
            pl.col("country_iso3").is_in(["UZB", "KGZ", "TJK"])
            & (pl.col("partner_iso3") == "RUS")
            & (pl.col("measure") == "remittance_share")
            & (pl.col("year") >= 2017)
        )
        .sort("country_iso3", "year")
    )
    methods = rus.filter(pl.col("method").is_in(["model_calibrated", "model_remainder"]))
    assert methods.is_empty()  # Russia's share is anchored or smoothed between anchors every year


def test_totals_have_usd_gdp_share_and_source(outputs) -> None:
    totals = outputs["out_remittances__totals"].filter(pl.col("country_iso3") == "UZB")
    row = totals.filter(pl.col("year") == 2022).row(0, named=True)
    assert (
        row["remittances_usd"] == pytest.approx(15.5e9, rel=0.05)
        and 0.1 < row["remittances_gdp_share"] < 0.25
    )
    assert row["source"].startswith("WDI")
    assert totals["year"].max() >= 2025  # the CBU's 2025 full-year total extends the series
