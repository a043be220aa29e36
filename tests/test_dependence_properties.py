"""Hypothesis properties of the dependence indicators: shares sum to 1, HHI within [1/N, 1]."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autonomy_monitor.indicators import aid, energy, migration, remittances, shares

PARTNERS = ["RUS", "KAZ", "KOR", "TUR", "USA", "DEU", "JPN", "CHN"]
values = st.lists(
    st.floats(min_value=0.001, max_value=1e9, allow_nan=False), min_size=1, max_size=len(PARTNERS)
)


@given(st.lists(values, min_size=1, max_size=4))
def test_shares_sum_to_one_and_hhi_within_bounds(groups: list[list[float]]) -> None:
    rows = [
        (f"C{g}", PARTNERS[k], 2020, v) for g, vals in enumerate(groups) for k, v in enumerate(vals)
    ]
    frame = pl.DataFrame(rows, schema=["country_iso3", "partner_iso3", "year", "v"], orient="row")
    with_shares = shares.partner_shares(frame, ["country_iso3", "year"], "v")
    sums = with_shares.group_by("country_iso3").agg(pl.col("share").sum())["share"]
    assert all(abs(s - 1) < 1e-9 for s in sums)
    concentration = shares.hhi(with_shares, ["country_iso3", "year"])
    for row in concentration.iter_rows(named=True):
        assert 1 / row["partners"] - 1e-12 <= row["hhi"] <= 1 + 1e-12


@given(values)
def test_equal_parts_give_hhi_one_over_n(vals: list[float]) -> None:
    frame = pl.DataFrame(
        {"c": ["X"] * len(vals), "p": PARTNERS[: len(vals)], "v": [1.0] * len(vals)}
    )
    result = shares.hhi(shares.partner_shares(frame, ["c"], "v"), ["c"])
    assert result["hhi"][0] == pytest.approx(1 / len(vals))


stock_rows = st.lists(
    st.tuples(
        st.sampled_from(["KGZ", "UZB"]),
        st.sampled_from(PARTNERS),
        st.sampled_from([2015, 2020]),
        st.integers(min_value=1, max_value=2_000_000),
    ),
    min_size=1,
    max_size=20,
    unique_by=lambda r: (r[0], r[1], r[2]),
)


def wdi_frame(countries: list[str], years: range) -> pl.DataFrame:
    rows = [
        (c, y, "NY.GDP.PCAP.CD", 1000.0 + 500 * k) for k, c in enumerate(countries) for y in years
    ]
    rows += [(c, y, "NY.GDP.MKTP.CD", 1e10) for c in ("KGZ", "UZB") for y in years]
    return pl.DataFrame(
        rows,
        schema={
            "country_iso3": pl.String,
            "year": pl.Int32,
            "indicator_code": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    )


@settings(max_examples=40, deadline=None)
@given(stock_rows, st.floats(min_value=0.0, max_value=1.0))
def test_remittance_shares_sum_to_one_every_year(rows, matrix_split: float) -> None:
    stock = pl.DataFrame(
        rows,
        schema={
            "origin_iso3": pl.String,
            "destination_iso3": pl.String,
            "year": pl.Int32,
            "migrants": pl.Int64,
        },
        orient="row",
    )
    matrix = pl.DataFrame(
        {
            "sender_iso3": ["RUS", "KAZ", "RUS", "KAZ"],
            "receiver_iso3": ["KGZ"] * 4,
            "year": [2017, 2017, 2021, 2021],
            "remittances_usd": [1e6 * matrix_split + 1, 1e6 * (1 - matrix_split) + 1, 5e5, 5e5],
            "matrix": ["m"] * 4,
        }
    ).with_columns(pl.col("year").cast(pl.Int32))
    inflows = pl.DataFrame(
        {
            "country_iso3": ["KGZ", "UZB"] * 6,
            "year": [y for y in range(2016, 2022) for _ in (0, 1)],
            "remittances_usd": [1e9] * 12,
            "is_estimate": [False] * 12,
        }
    ).with_columns(pl.col("year").cast(pl.Int32))
    estimates, _ = remittances.remittances_by_sender(
        matrix, inflows, stock, wdi_frame(PARTNERS, range(2010, 2025))
    )
    sums = estimates.group_by("country_iso3", "year").agg(
        pl.col("share").sum(), pl.col("remittances_usd").sum(), pl.col("total_usd").first()
    )
    for row in sums.iter_rows(named=True):
        assert row["share"] == pytest.approx(1.0)
        if (
            row["total_usd"] is not None
        ):  # shares exist for every year 2000-latest, amounts where a total does
            assert row["remittances_usd"] == pytest.approx(row["total_usd"])
    out = remittances.remittance_measures(estimates)
    assert out.filter(pl.col("measure") == "remittance_share")["value"].is_between(0, 1).all()


@given(st.lists(st.floats(min_value=-50, max_value=500, allow_nan=False), min_size=2, max_size=6))
def test_aid_shares_sum_to_one_with_negative_net_flows(amounts: list[float]) -> None:
    donors = ["JPN", "USA", "KOR", "DEU", "ASDB", "IDA"][: len(amounts)]
    frame = pl.DataFrame(
        {
            "donor_code": donors,
            "donor_iso3": [d if len(d) == 3 else None for d in donors],
            "donor_type": ["country" if len(d) == 3 else "multilateral" for d in donors],
            "recipient_iso3": ["UZB"] * len(donors),
            "year": [2019] * len(donors),
            "oda_usd": amounts,
        }
    )
    out = aid.donor_measures(frame)
    total = out.filter(pl.col("measure").is_in(["oda_share", "non_country_oda_share"]))[
        "value"
    ].sum()
    if any(a > 0 for a in amounts):
        assert total == pytest.approx(1.0)
        hhi = out.filter(pl.col("measure") == "donor_hhi")["value"][0]
        assert 1 / sum(a > 0 for a in amounts) - 1e-12 <= hhi <= 1 + 1e-12
    assert out.filter(pl.col("measure") == "oda_share")["value"].is_between(0, 1).all()


def test_migration_and_energy_shares_sum_to_one() -> None:
    stock = pl.DataFrame(
        {
            "origin_iso3": ["KGZ"] * 3,
            "destination_iso3": ["RUS", "KAZ", "TUR"],
            "year": [2020] * 3,
            "migrants": [600, 300, 100],
            "method": ["un_desa_stock"] * 3,
        }
    )
    out = migration.destination_measures(stock)
    assert out.filter(pl.col("measure") == "destination_share")["value"].sum() == pytest.approx(1.0)
    assert out.filter(pl.col("measure") == "destination_hhi")["value"][0] == pytest.approx(
        0.36 + 0.09 + 0.01
    )
    trade = pl.DataFrame(
        {
            "exporter_iso3": ["TKM"] * 3,
            "importer_iso3": ["CHN", "RUS", None],
            "year": [2023] * 3,
            "bcm": [30.0, 5.0, 5.0],
        }
    )
    gas = energy.pipeline_measures(trade)
    total = gas.filter(pl.col("measure").is_in(["gas_export_share", "gas_export_share_unnamed"]))[
        "value"
    ].sum()
    assert total == pytest.approx(1.0)
