"""Composite index: scores in 0..1, weights summing to 1, Monte Carlo intervals, joint view."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autonomy_monitor.models import index as model

COUNTRIES = ["AAA", "BBB", "CCC"]
POWERS = ["P1", "P2"]


def values(seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        {
            "country_iso3": c,
            "year": 2020,
            "power": p,
            "component": k,
            "value": float(rng.uniform(0, 0.6)),
        }
        for c in COUNTRIES
        for p in POWERS
        for k in model.COMPONENTS
        if not (k == "finance" and p == "P1")
    ]
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int32})


def test_default_weights_sum_to_one_and_check_weights() -> None:
    assert sum(model.DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)
    assert set(model.DEFAULT_WEIGHTS) == set(model.COMPONENTS)
    scaled = model.check_weights({"trade": 2, "remittances": 2})
    assert (
        sum(scaled.values()) == pytest.approx(1.0)
        and scaled["trade"] == 0.5
        and scaled["aid"] == 0.0
    )
    for bad in ({"trade": -1}, {"tariffs": 1}, {"trade": 0}):
        with pytest.raises(ValueError):
            model.check_weights(bad)


def test_point_estimate_by_hand() -> None:
    rows = pl.DataFrame(
        {
            "country_iso3": ["AAA"] * 3,
            "year": [2020] * 3,
            "power": ["P1", "P1", "P2"],
            "component": ["trade", "remittances", "trade"],
            "value": [0.6, 0.9, 0.3],
        },
        schema_overrides={"year": pl.Int32},
    )
    result = model.compute_index(
        rows, ["AAA"], POWERS, 2020, {"trade": 0.5, "remittances": 0.5}, draws=50
    )
    d = dict(zip(result.dependence["power"], result.dependence["dependence"], strict=True))
    assert d["P1"] == pytest.approx(0.75)
    # P2 has no remittance row while the country reports remittances: a share of 0, not unknown
    assert d["P2"] == pytest.approx(0.15)
    assert (
        result.scores["autonomy"][0] == pytest.approx(0.25)
        and result.scores["dominant_power"][0] == "P1"
    )


def test_monte_carlo_intervals_and_rank_stability() -> None:
    result = model.compute_index(values(), COUNTRIES, POWERS, 2020, draws=1000, seed=3)
    s = result.scores
    assert s.height == 3 and sorted(s["rank"].to_list()) == [1.0, 2.0, 3.0]
    assert (
        (s["autonomy_p05"] <= s["autonomy"] + 0.05) & (s["autonomy"] - 0.05 <= s["autonomy_p95"])
    ).all()
    assert ((s["rank_stability"] >= 0) & (s["rank_stability"] <= 1)).all()
    again = model.compute_index(values(), COUNTRIES, POWERS, 2020, draws=1000, seed=3)
    assert again.scores.equals(s)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(0, 1), min_size=len(model.COMPONENTS), max_size=len(model.COMPONENTS)),
    st.lists(
        st.floats(0, 1), min_size=len(model.COMPONENTS), max_size=len(model.COMPONENTS)
    ).filter(lambda w: sum(w) > 1e-6),
    st.integers(0, 1000),
)
def test_scores_are_in_0_1(raw: list[float], weights: list[float], seed: int) -> None:
    rows = pl.DataFrame(
        {
            "country_iso3": ["AAA"] * len(raw),
            "year": [2020] * len(raw),
            "power": ["P1"] * len(raw),
            "component": list(model.COMPONENTS),
            "value": raw,
        },
        schema_overrides={"year": pl.Int32},
    )
    result = model.compute_index(
        rows,
        ["AAA"],
        ["P1"],
        2020,
        dict(zip(model.COMPONENTS, weights, strict=True)),
        draws=20,
        seed=seed,
    )
    assert sum(result.weights.values()) == pytest.approx(1.0)
    for column in ("autonomy", "autonomy_p05", "autonomy_p95"):
        assert 0.0 <= result.scores[column][0] <= 1.0
    d = result.dependence["dependence"][0]
    assert 0.0 <= d <= 1.0


def test_alignment_percentiles_and_normalise() -> None:
    agreement = pl.DataFrame(
        {
            "country_iso3": ["A", "B", "C"],
            "partner_iso3": ["P", "P", "P"],
            "year": [2020] * 3,
            "agreement": [0.9, 0.5, 0.7],
        }
    )
    members = pl.DataFrame({"power": ["P"], "member_iso3": ["P"]})
    out = model.alignment_percentiles(agreement, members).sort("country_iso3")
    assert out["value"].to_list() == [1.0, 0.0, 0.5]
    raw = pl.DataFrame(
        {
            "country_iso3": ["A", "A"],
            "year": [2020, 2020],
            "power": ["CHN", "CHN"],
            "component": ["finance", "trade"],
            "value": [0.10, 0.4],
        }
    )
    assert model.normalise(raw)["value"].to_list() == [1.0, 0.4]


def test_joint_view_recovers_a_within_slope() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for c in range(30):
        effect = rng.normal()
        for t in range(2000, 2010):
            x = rng.uniform(0, 1)
            rows.append(
                {
                    "country_iso3": f"C{c}",
                    "year": t,
                    "power": "P",
                    "dependence": x,
                    "agreement": 0.5 + effect + 0.01 * (t - 2000) + 0.2 * x + rng.normal(0, 0.01),
                }
            )
    stats = model.joint_view(pl.DataFrame(rows))
    row = stats.row(0, named=True)
    assert row["n_obs"] == 300 and row["n_countries"] == 30
    assert row["slope"] == pytest.approx(0.2, abs=0.01) and row["se"] > 0 and row["t"] > 10
