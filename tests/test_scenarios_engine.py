"""Scenario engine: hand-computed cases, zero-lever identity, monotonicity, conservation."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autonomy_monitor.scenarios import simulation
from autonomy_monitor.scenarios.levers import added_remittances_usd, worker_stock
from autonomy_monitor.scenarios.spec import Scenario
from tests.scenario_fixtures import GDP, baseline, residents


def scenario(
    levers: list[dict], years: tuple[int, int] = (2023, 2023), country: str = "UZB"
) -> Scenario:
    return Scenario.model_validate(
        {"scenario": {"name": "test", "country": country, "years": list(years)}, "levers": levers}
    )


def labour(workers: float, **extra) -> dict:
    return {
        "type": "labour_mobility",
        "origin": "UZB",
        "destination": "JPN",
        "workers_per_year": {"all": workers},
        "monthly_wage": 250000,
        "currency": "JPY",
        "exchange_rate": 125.0,
        "share_remitted": 0.5,
        **extra,
    }


def value(
    frame: pl.DataFrame,
    measure: str,
    partner: str | None,
    year: int = 2023,
    column: str = "scenario",
    country: str = "UZB",
) -> float:
    rows = frame.filter(
        (pl.col("country_iso3") == country)
        & (pl.col("measure") == measure)
        & (pl.col("year") == year)
        & (
            pl.col("partner_iso3").is_null()
            if partner is None
            else pl.col("partner_iso3") == partner
        )
    )
    assert rows.height == 1, rows
    return rows[column][0]


def test_added_remittances_formula() -> None:
    assert added_remittances_usd(10_000, 1_500.0, 1.0, 0.4) == 10_000 * 1_500.0 * 12 * 0.4
    assert (
        added_remittances_usd(10_000, 300_000, 150.0, 0.5, months=6) == 10_000 * 2_000.0 * 6 * 0.5
    )
    assert worker_stock([2, 2, 2], None) == [2, 4, 6]
    assert worker_stock([2, 3, 4], 2) == [2, 5, 7]


def test_labour_mobility_hand_computed() -> None:
    # 10,000 workers × (250,000 JPY / 125 JPY per US$ = 2,000 US$) × 12 × 0.5 = 120,000,000 US$
    result = simulation.run(scenario([labour(10_000)]), baseline(), residents=residents())
    added = value(result.comparison, "remittances_usd", "JPN")
    assert added == 10_000 * 2_000 * 12 * 0.5 == 120_000_000
    assert value(result.comparison, "remittances_usd", "JPN", column="baseline") == 0.0
    total = 8.1e9 + 1e9 + 2e9 + 5e8 + 120e6
    assert value(result.comparison, "remittance_share", "JPN") == pytest.approx(
        120e6 / total, rel=1e-12
    )
    assert value(result.comparison, "remittance_share", "RUS") == pytest.approx(
        8.1e9 / total, rel=1e-12
    )
    assert value(result.comparison, "remittance_dependence", "JPN") == pytest.approx(
        120e6 / GDP, rel=1e-9
    )
    assert value(result.comparison, "remittances_usd", "RUS") == 8.1e9  # no diversion: unchanged
    shares = result.result.filter(
        (pl.col("measure") == "remittance_share")
        & (pl.col("year") == 2023)
        & (pl.col("country_iso3") == "UZB")
    )
    assert shares["value"].sum() == pytest.approx(1.0)
    hhi = value(result.comparison, "remittance_sender_hhi", None)
    assert hhi == pytest.approx((shares["value"] ** 2).sum())
    # the starting stock comes from the residence statistics (work statuses and SSW: 100 + 400)
    workers = result.comparison.filter(pl.col("measure") == "workers_in_destination")
    assert workers["baseline"].to_list() == [500.0] and workers["scenario"].to_list() == [10_500.0]
    assert result.assumptions.height >= 2


def test_diversion_from_russia_uses_remittances_per_migrant() -> None:
    result = simulation.run(
        scenario([labour(1_000, diverted_from="RUS", diverted_share=0.5)]), baseline()
    )
    per_migrant = 8.1e9 / 1_000_000  # baseline remittances from RUS / UN DESA stock
    assert value(result.comparison, "remittances_usd", "RUS", column="difference") == pytest.approx(
        -1_000 * 0.5 * per_migrant
    )
    assert any("UN DESA stock" in note for note in result.notes)


def zero_levers() -> list[dict]:
    return [
        labour(0, diverted_from="RUS", diverted_share=0.5),
        {"type": "remittance_shock", "country": "UZB", "partner": "RUS", "fall_share": 0.0},
        {
            "type": "trade_diversion",
            "country": "UZB",
            "from_partner": "RUS",
            "to_partner": "CHN",
            "share": 0.0,
        },
        {
            "type": "trade_diversion",
            "country": "UZB",
            "dimension": "energy",
            "flow": "gas_exports",
            "from_partner": "CHN",
            "share": 0.0,
        },
        {
            "type": "supplier_removal",
            "country": "UZB",
            "dimension": "trade",
            "flow": "imports",
            "share": 0.0,
        },
        {"type": "aid", "country": "UZB", "donor": "KOR", "amount_usd": 0.0},
    ]


@pytest.mark.parametrize("years", [(2022, 2023), (2023, 2026)])
def test_zero_levers_reproduce_the_baseline_exactly(years: tuple[int, int]) -> None:
    result = simulation.run(scenario(zero_levers(), years), baseline(), residents=residents())
    assert result.result.equals(result.baseline)
    measures = result.comparison.filter(pl.col("measure") != "workers_in_destination")
    assert (measures["difference"] == 0).all() and (
        measures["baseline"] == measures["scenario"]
    ).all()
    assert result.baseline.height > 0


def test_recomputation_matches_the_stored_formulas() -> None:
    """A lever on UZB trade recomputes every UZB trade measure; the untouched partners' amounts
    stay."""
    result = simulation.run(
        scenario(
            [
                {
                    "type": "trade_diversion",
                    "country": "UZB",
                    "from_partner": "RUS",
                    "to_partner": "CHN",
                    "share": 0.25,
                }
            ]
        ),
        baseline(),
    )
    c = result.comparison
    assert value(c, "export_usd", "RUS") == pytest.approx(1.5e9)
    assert value(c, "export_usd", "CHN") == pytest.approx(3.5e9)
    assert value(c, "export_share", "CHN") == pytest.approx(3.5 / 6)
    assert value(c, "export_hhi", None) == pytest.approx(
        (3.5 / 6) ** 2 + (1.5 / 6) ** 2 + (1 / 6) ** 2
    )
    assert value(c, "import_share", "CHN") == pytest.approx(
        value(c, "import_share", "CHN", column="baseline")
    )
    assert value(c, "total_usd", "CHN") == pytest.approx(7.5e9)
    assert value(c, "exposure_share", "CHN") == pytest.approx(7.5e9 / GDP)
    assert c["difference"].abs().sum() > 0


def test_remittance_shock_supplier_removal_and_aid() -> None:
    shock = simulation.run(
        scenario(
            [
                {
                    "type": "remittance_shock",
                    "country": "UZB",
                    "partner": "RUS",
                    "fall_share": 0.3,
                    "returning_share": 0.5,
                }
            ]
        ),
        baseline(),
    )
    assert value(shock.comparison, "remittances_usd", "RUS") == pytest.approx(8.1e9 * 0.7 * 0.5)
    removal = simulation.run(
        scenario([{"type": "supplier_removal", "country": "UZB", "dimension": "remittances"}]),
        baseline(),
    )
    assert value(removal.comparison, "remittances_usd", "RUS") == 0.0
    assert value(removal.comparison, "remittance_share", "USA") == pytest.approx(2e9 / 3.5e9)
    assert any("RUS in 2023" in note for note in removal.notes)
    aid = simulation.run(
        scenario([{"type": "aid", "country": "UZB", "donor": "KOR", "amount_usd": 4e8}]), baseline()
    )
    assert value(aid.comparison, "oda_share", "KOR") == pytest.approx(0.4)
    # donor_hhi keeps the multilateral term: (3² + 1² + 4²)/10² + (2/10)²
    assert value(aid.comparison, "donor_hhi", None) == pytest.approx((9 + 1 + 16 + 4) / 100)


def test_energy_cut_without_destination_lowers_the_total() -> None:
    result = simulation.run(
        scenario(
            [
                {
                    "type": "trade_diversion",
                    "country": "UZB",
                    "dimension": "energy",
                    "flow": "gas_exports",
                    "from_partner": "CHN",
                    "share": 0.5,
                }
            ]
        ),
        baseline(),
    )
    assert value(result.comparison, "gas_exports_bcm", "CHN") == 2.5
    assert value(result.comparison, "gas_export_share", "CHN") == pytest.approx(2.5 / 7.5)
    assert value(result.comparison, "gas_export_share_unnamed", None) == pytest.approx(2 / 7.5)


def test_years_after_the_data_hold_the_last_year() -> None:
    result = simulation.run(scenario([labour(100)], (2024, 2025)), baseline())
    held = result.baseline.filter(pl.col("year") == 2025)
    assert held.height > 0 and held["flag"].str.contains("held_from_2023").all()


@settings(max_examples=40, deadline=None)
@given(
    low=st.integers(0, 50_000),
    extra=st.integers(0, 50_000),
    diverted=st.floats(0, 1),
    remitted=st.floats(0, 1),
    wage=st.floats(0, 1e6),
)
def test_more_workers_to_japan_never_raise_the_share_from_russia(
    low: int, extra: int, diverted: float, remitted: float, wage: float
) -> None:
    base = baseline()

    def share(workers: int) -> float:
        lever = labour(
            workers,
            diverted_from="RUS",
            diverted_share=diverted,
            share_remitted=remitted,
            monthly_wage=wage,
        )
        return value(simulation.run(scenario([lever]), base).comparison, "remittance_share", "RUS")

    assert share(low + extra) <= share(low) + 1e-12


def test_sectors_with_their_own_wages_and_a_ramp() -> None:
    lever = labour(0) | {
        "workers_per_year": {"construction": 1_000, "nursing_care": 500},
        "monthly_wage_by_sector": {"nursing_care": 375_000},
        "ramp": [1.0, 2.0],
        "stay_years": 1,
    }
    result = simulation.run(scenario([lever], (2022, 2023)), baseline())
    # 2022: 1,000 × 2,000 + 500 × 3,000 US$ a month; 2023: twice the arrivals, last year's gone home
    # (stay 1 year)
    assert (
        value(result.comparison, "remittances_usd", "JPN", year=2022)
        == (1_000 * 2_000 + 500 * 3_000) * 12 * 0.5
    )
    assert (
        value(result.comparison, "remittances_usd", "JPN", year=2023)
        == (2_000 * 2_000 + 1_000 * 3_000) * 12 * 0.5
    )


def test_supplier_removal_drops_the_largest_import_partner() -> None:
    result = simulation.run(
        scenario(
            [
                {
                    "type": "supplier_removal",
                    "country": "UZB",
                    "dimension": "trade",
                    "flow": "imports",
                }
            ]
        ),
        baseline(),
    )
    assert value(result.comparison, "import_usd", "CHN") == 0.0
    assert value(result.comparison, "import_share", "RUS") == pytest.approx(3 / 4)
    assert value(result.comparison, "import_hhi", None) == pytest.approx(
        (3 / 4) ** 2 + (1 / 4) ** 2
    )


ZEROED = {
    "labour_mobility": {"workers_per_year": {"all": 0}},
    "remittance_shock": {"fall_share": 0.0, "returning_share": 0.0},
    "trade_diversion": {"share": 0.0},
    "supplier_removal": {"share": 0.0},
    "aid": {"amount_usd": 0.0},
}


@pytest.mark.parametrize(
    "name",
    [
        "japan-uzbekistan-ssw",
        "japan-kyrgyzstan",
        "russia-remittance-fall",
        "turkmenistan-gas-china-halved",
    ],
)
def test_bundled_scenarios_with_zeroed_levers_reproduce_the_baseline(name: str) -> None:
    from autonomy_monitor.scenarios.spec import find_scenario, load_scenario

    spec = load_scenario(find_scenario(name))
    data = spec.model_dump(exclude={"path"})
    for lever in data["levers"]:
        lever.update(ZEROED[lever["type"]])
        if lever["type"] == "labour_mobility":
            lever["monthly_wage_by_sector"] = {}
    zeroed = Scenario.model_validate(data)
    result = simulation.run(zeroed, baseline((2019, 2020, 2021, 2022, 2023)), residents=residents())
    assert result.result.equals(result.baseline)
    assert result.baseline.height > 0
    nonzero = simulation.run(spec, baseline((2019, 2020, 2021, 2022, 2023)), residents=residents())
    assert (
        nonzero.comparison.filter(pl.col("measure") != "workers_in_destination")["difference"]
        .abs()
        .sum()
        > 0
    )


def test_a_lever_without_baseline_rows_says_so() -> None:
    result = simulation.run(
        scenario(
            [{"type": "aid", "country": "KAZ", "donor": "JPN", "amount_usd": 1e6}], country="KAZ"
        ),
        baseline(),
    )
    assert any(note.startswith("No baseline rows for KAZ (aid)") for note in result.notes)
