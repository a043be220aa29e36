"""Small samples, partial years, breaks and intervals on agreement rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from autonomy_monitor import api
from autonomy_monitor.indicators import alignment
from autonomy_monitor.pipeline.steps import alignment_step
from autonomy_monitor.settings import Settings
from tests import unga_specimen


def held(counts: dict[int, int], issue: str = "all") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "year": list(counts),
            "issue": [issue] * len(counts),
            "n_roll_calls": list(counts.values()),
        }
    )


def test_a_partial_current_year_is_flagged() -> None:
    flags = alignment_step.roll_call_flags(
        held({2023: 88, 2024: 92, 2025: 184, 2026: 11}), dt.date(2026, 6, 4)
    )
    partial = dict(zip(flags["year"], flags["is_partial_year"]))
    assert partial == {2023: False, 2024: False, 2025: False, 2026: True}
    assert flags.filter(pl.col("year") == 2026)["data_end_date"][0] == dt.date(2026, 6, 4)


def test_a_year_ending_in_december_is_not_partial() -> None:
    flags = alignment_step.roll_call_flags(held({2018: 95, 2019: 90}), dt.date(2019, 12, 27))
    assert not flags["is_partial_year"].any()


def test_a_doubled_year_is_a_break_and_partial_years_are_not_neighbours() -> None:
    flags = alignment_step.roll_call_flags(
        held({2021: 86, 2022: 89, 2023: 88, 2024: 92, 2025: 184, 2026: 11}), dt.date(2026, 6, 4)
    )
    breaks = dict(zip(flags["year"], flags["is_break"]))
    assert breaks[2025] and not breaks[2024] and not breaks[2023]
    assert not breaks[2026]  # partial, not a break
    assert (
        flags.filter(pl.col("year") == 2025)["neighbour_median_roll_calls"][0] == 90.0
    )  # 88, 92 (2026 partial excluded), 2023, 2024


def test_small_series_are_not_tested_for_breaks() -> None:
    flags = alignment_step.roll_call_flags(
        held({2022: 6, 2023: 1, 2024: 2}, "ukraine"), dt.date(2024, 12, 20)
    )
    assert not flags["is_break"].any()


def test_wilson_interval_known_values() -> None:
    low, high = alignment.wilson_interval(np.array([0.5, 1.0, 0.0]), np.array([20, 6, 0]))
    assert low[0] == pytest.approx(0.2993, abs=1e-4) and high[0] == pytest.approx(0.7007, abs=1e-4)
    assert low[1] == pytest.approx(0.6097, abs=1e-4) and high[1] == 1.0
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_bootstrap_is_deterministic_and_brackets_the_estimate() -> None:
    table = np.array([[3, 1, 0], [1, 1, 0], [0, 0, 0]])
    first, second = alignment.bootstrap_intervals(table), alignment.bootstrap_intervals(table)
    assert first == second
    agreement, kappa = alignment.table_measures(table)
    assert first["agreement_lo"] <= agreement <= first["agreement_hi"]
    assert first["kappa_lo"] <= kappa <= first["kappa_hi"]
    assert first["agreement_hi"] - first["agreement_lo"] > 0.1  # six votes say little


def test_vote_tables_round_trip_through_their_code() -> None:
    cells = np.array([[19, 0, 3, 1, 2, 0, 0, 5, 7]])
    assert (
        alignment.decode_vote_table(alignment.encode_vote_tables(cells)[0]).reshape(-1) == cells[0]
    ).all()


def test_pairwise_cells_reproduce_the_measures() -> None:
    codes = np.array([[1, 1, 2, 3, 0], [1, 3, 2, 3, 1], [2, 2, 2, 0, 3]], dtype=np.int8)
    result = alignment.pairwise_agreement(codes)
    table = np.array([[result.cells[a][b][0, 1] for b in range(3)] for a in range(3)])
    agreement, kappa = alignment.table_measures(table)
    assert agreement == pytest.approx(result.agreement[0, 1]) and kappa == pytest.approx(
        result.kappa[0, 1]
    )


@pytest.fixture(scope="module")
def specimen(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("flags")
    settings = Settings(warehouse=root / "w.duckdb", bundled_snapshot=root / "snapshot")
    api.build(unga_specimen.write_all(root / "data"), sources=["unga"], settings=settings)
    return settings


def test_api_rows_carry_flags_intervals_and_gap_years(specimen: Settings) -> None:
    frame = api.vote_agreement("KAZ", "RUS", start=2019, settings=specimen)
    assert frame["year"].to_list() == [
        2019,
        2020,
        2021,
        2022,
    ]  # 2020-2021: no roll call in the specimen
    row = frame.filter(pl.col("year") == 2022).row(0, named=True)
    assert (
        row["is_small_sample"] and row["is_partial_year"]
    )  # the specimen's data end on 2 March 2022
    assert "partial year (to 2022-03-02)" in row["flags"] and "small sample (n=1)" in row["flags"]
    assert row["identical_share_lo"] is not None and row["agreement_lo"] is not None
    assert frame.filter(pl.col("year") == 2020)["flags"][0] == "no roll call"


def test_all_members_as_partners_and_as_country(specimen: Settings) -> None:
    partners = api.vote_agreement("KAZ", "all", start=2019, end=2019, settings=specimen)
    assert sorted(partners["partner_iso3"].unique()) == [
        "RUS",
        "USA",
    ]  # JPN was absent (X) on the 2019 vote
    members = api.vote_agreement("UN", "RUS", start=2022, end=2022, settings=specimen)
    assert sorted(members["country_iso3"].unique()) == ["JPN", "KAZ", "USA"]
    assert set(members["partner_iso3"]) == {"RUS"}
