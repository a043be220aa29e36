"""The remittances-by-sender estimator on tiny made-up worlds: properties and hand-checked cases."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autonomy_monitor.indicators import remittances as rem
from autonomy_monitor.scenarios import simulation
from autonomy_monitor.scenarios.spec import Scenario

RECEIVERS = ["UZB", "KGZ"]
SENDERS = ["RUS", "KAZ", "KOR", "DEU"]
YEARS = list(range(2010, 2026))
FIXED = rem.EstimatorSettings(kappa=0.1, gamma=0.5, alpha=0.25, sigma_model=1.0)


def features(stock: dict[tuple[str, str], float], flow_share: float = 0.2) -> pl.DataFrame:
    rows = [
        (c, p, y, s, s * flow_share, 1000.0 * (1 + k))
        for (c, p), s in stock.items()
        for y in YEARS
        for k in [SENDERS.index(p)]
    ]
    return pl.DataFrame(
        rows,
        schema={
            "country_iso3": pl.String,
            "partner_iso3": pl.String,
            "year": pl.Int32,
            "stock": pl.Float64,
            "recent": pl.Float64,
            "income": pl.Float64,
        },
        orient="row",
    )


def matrix(shares: dict[str, float], receiver: str = "UZB") -> pl.DataFrame:
    rows = [(p, receiver, year, v * 1e9, "m") for year in (2017, 2021) for p, v in shares.items()]
    frame = pl.DataFrame(
        rows,
        schema={
            "sender_iso3": pl.String,
            "receiver_iso3": pl.String,
            "year": pl.Int32,
            "remittances_usd": pl.Float64,
            "matrix": pl.String,
        },
        orient="row",
    )
    return rem.matrix_path(frame, YEARS)


def observations(rows: list[tuple[str, str, int, int, float, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(c, p, y, m, f"01-{m:02d}", s, k, "R1", "bank") for c, p, y, m, s, k in rows],
        schema=rem.OBS_SCHEMA,
        orient="row",
    )


STOCK = {
    ("UZB", "RUS"): 1e6,
    ("UZB", "KAZ"): 3e5,
    ("UZB", "KOR"): 5e4,
    ("KGZ", "RUS"): 6e5,
    ("KGZ", "DEU"): 9e4,
}

observation_rows = st.lists(
    st.tuples(
        st.sampled_from(RECEIVERS),
        st.sampled_from(["RUS", "KAZ"]),
        st.sampled_from(YEARS),
        st.sampled_from([3, 6, 12]),
        st.floats(min_value=0.0, max_value=1.0),
        st.sampled_from(sorted(dict(FIXED.sigma_kind))),
    ),
    max_size=8,
)


@settings(max_examples=40, deadline=None)
@given(observation_rows, st.floats(min_value=0.0, max_value=1.0))
def test_point_shares_sum_to_one_and_intervals_contain_them(rows, russia_in_matrix: float) -> None:
    result = rem.estimate_shares(
        features(STOCK),
        matrix({"RUS": russia_in_matrix + 1e-3, "KAZ": 1 - russia_in_matrix + 1e-3}),
        observations(rows),
        YEARS,
        FIXED,
        calibrated=True,
    )
    shares = result.shares
    sums = shares.group_by("country_iso3", "year").agg(pl.col("share").sum())["share"]
    assert np.allclose(sums.to_numpy(), 1.0)
    assert (shares["share_lo"] <= shares["share"] + 1e-12).all() and (
        shares["share"] <= shares["share_hi"] + 1e-12
    ).all()
    assert shares["share_lo"].min() >= 0 and shares["share_hi"].max() <= 1
    assert (
        shares.group_by("country_iso3").agg(pl.col("year").n_unique())["year"].to_list()
        == [len(YEARS)] * 2
    )


def test_a_full_year_observation_anchors_its_year() -> None:
    obs = observations(
        [("UZB", "RUS", 2022, 12, 0.87, "stated"), ("UZB", "RUS", 2023, 12, 0.78, "stated")]
    )
    shares = rem.estimate_shares(
        features(STOCK), matrix({"RUS": 1.0}), obs, YEARS, FIXED, calibrated=True
    ).shares
    rus = shares.filter((pl.col("country_iso3") == "UZB") & (pl.col("partner_iso3") == "RUS"))
    by_year = dict(rus.select("year", "share").iter_rows())
    assert by_year[2022] == pytest.approx(0.87, abs=0.02) and by_year[2023] == pytest.approx(
        0.78, abs=0.02
    )
    assert set(rus.filter(pl.col("year").is_in([2022, 2023]))["method"]) == {"central_bank_anchor"}
    assert set(rus.filter(pl.col("year") == 2015)["method"]) == {"smoothed_from_anchors"}
    others = shares.filter(
        (pl.col("country_iso3") == "UZB")
        & (pl.col("partner_iso3") != "RUS")
        & (pl.col("year") == 2022)
    )
    assert set(others["method"]) == {"model_remainder"}


def test_years_between_anchors_move_smoothly_without_jumps() -> None:
    obs = observations(
        [("KGZ", "RUS", 2015, 12, 0.92, "stated"), ("KGZ", "RUS", 2021, 12, 0.80, "stated")]
    )
    shares = rem.estimate_shares(
        features(STOCK), matrix({"RUS": 1.0}), obs, YEARS, FIXED, calibrated=True
    ).shares
    path = shares.filter(
        (pl.col("country_iso3") == "KGZ") & (pl.col("partner_iso3") == "RUS")
    ).sort("year")
    inside = path.filter(pl.col("year").is_between(2015, 2021))["share"].to_numpy()
    assert np.all(np.diff(inside) <= 1e-9)  # monotone from 0.92 down to 0.80: no method-change jump
    assert np.max(np.abs(np.diff(inside))) < 0.05


def test_a_country_without_observations_keeps_the_calibrated_model() -> None:
    obs = observations([("UZB", "RUS", 2022, 12, 0.87, "stated")])
    result = rem.estimate_shares(
        features(STOCK), matrix({"RUS": 1.0}), obs, YEARS, FIXED, calibrated=True
    )
    kgz = result.shares.filter(pl.col("country_iso3") == "KGZ")
    assert set(kgz["method"]) == {"model_calibrated"}
    assert np.allclose(kgz["share"].to_numpy(), kgz["prior"].to_numpy())


def test_smoother_reverts_to_the_model_far_from_anchors() -> None:
    years = list(range(2000, 2031))
    mean, var = rem.smooth_offsets(years, [(2015, 2.0, 0.01)], phi=0.85, sigma=1.0)
    assert mean[years.index(2015)] == pytest.approx(2.0, abs=0.01)
    assert abs(mean[0]) < 0.2 and abs(mean[-1]) < 0.2
    assert var[years.index(2015)] < var[years.index(2020)] < var[-1] <= 1.0 + 1e-9


def test_calibration_picks_parameters_that_fit_the_observations() -> None:
    # the observed Russia share (95 %) is what recent flows alone (κ = 0) and no income weight give
    feats = features({("KGZ", "RUS"): 6e5, ("KGZ", "DEU"): 9e5}).with_columns(
        pl.when(pl.col("partner_iso3") == "RUS")
        .then(pl.lit(1.9e5))
        .otherwise(pl.lit(1e4))
        .alias("recent")
    )
    obs = observations([("KGZ", "RUS", y, 12, 0.95, "stated") for y in (2017, 2020, 2023)])
    calibrated = rem.calibrate(
        feats, matrix({"RUS": 0.7, "DEU": 0.3}, "KGZ"), obs, rem.EstimatorSettings()
    )
    assert calibrated.kappa == 0.0 and calibrated.gamma == 0.0 and calibrated.alpha == 0.0


def test_share_observations_from_figures() -> None:
    figures = pl.DataFrame(
        {
            "row_id": ["R1", "R2", "R3", "R4", "R5"],
            "receiver_iso3": ["UZB"] * 5,
            "sender_code": ["TOTAL", "RUS", "RUS", "KAZ", "RUS"],
            "sender_kind": ["total", "country", "country", "country", "country"],
            "sender_iso3": [None, "RUS", "RUS", "KAZ", "RUS"],
            "year": [2018, 2018, 2018, 2018, 2019],
            "first_month": [1, 1, 7, 1, 1],
            "last_month": [6, 6, 9, 6, 12],
            "months": [6, 6, 3, 6, 12],
            "value_usd": [2.3e9, 1.7e9, 1.25e9, 3e9, 4e9],
            "share_of_total": [None] * 5,
            "side": ["receiver", "receiver", "sender", "receiver", "sender"],
            "publisher": ["CBU", "CBU", "CBR", "CBU", "CBR"],
            "figure_group": ["a", "b", "c", "d", "e"],
        }
    ).with_columns(pl.col("year").cast(pl.Int32))
    totals = pl.DataFrame(
        {"country_iso3": ["UZB"], "year": [2019], "total_usd": [8e9], "total_source": ["WDI"]},
        schema_overrides={"year": pl.Int32},
    )
    obs = rem.share_observations(figures, totals)
    kinds = {
        (r["partner_iso3"], r["year"], r["period"]): (r["kind"], round(r["share"], 3))
        for r in obs.iter_rows(named=True)
    }
    assert kinds[("RUS", 2018, "01-06")] == ("ratio", round(1.7 / 2.3, 3))
    assert kinds[("RUS", 2019, "01-12")] == ("mirror_annual", 0.5)
    assert (
        "KAZ",
        2018,
        "01-06",
    ) not in kinds  # 3 bn of a 2.3 bn total: another concept, not a share
    assert ("RUS", 2018, "07-09") not in kinds  # a quarter without a total for that quarter


def test_zero_lever_reproduces_the_estimated_baseline() -> None:
    obs = observations([("UZB", "RUS", 2022, 12, 0.87, "stated")])
    shares = rem.estimate_shares(
        features(STOCK), matrix({"RUS": 1.0}), obs, YEARS, FIXED, calibrated=True
    ).shares
    estimates = shares.with_columns(
        pl.lit(1e10).alias("total_usd"),
        pl.lit(8e10).alias("gdp_usd"),
        pl.lit("x").alias("inputs"),
        pl.lit(None, dtype=pl.String).alias("flag"),
        *[
            (pl.col(s) * 1e10).alias(u)
            for s, u in (
                ("share", "remittances_usd"),
                ("share_lo", "remittances_usd_lo"),
                ("share_hi", "remittances_usd_hi"),
            )
        ],
    ).with_columns((pl.col("remittances_usd") / pl.col("gdp_usd")).alias("remittance_dependence"))
    baseline = rem.remittance_measures(estimates)
    spec = Scenario.model_validate(
        {
            "scenario": {
                "name": "zero",
                "title": "zero",
                "country": "UZB",
                "years": [2024, 2025],
                "rationale": "test",
            },
            "levers": [
                {
                    "type": "labour_mobility",
                    "label": "none",
                    "origin": "UZB",
                    "destination": "JPN",
                    "workers_per_year": {"all": 0},
                    "monthly_wage": 230000,
                    "currency": "JPY",
                    "exchange_rate": 150.0,
                    "share_remitted": 0.4,
                    "diverted_from": "RUS",
                    "diverted_share": 0.5,
                },
                {
                    "type": "remittance_shock",
                    "label": "none",
                    "country": "UZB",
                    "partner": "RUS",
                    "fall_share": 0.0,
                },
            ],
        }
    )
    result = simulation.run(spec, baseline)
    assert (
        result.comparison.filter(pl.col("measure") != "workers_in_destination")["difference"]
        .abs()
        .max()
        == 0
    )
