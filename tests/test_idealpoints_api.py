"""api.ideal_points / api.ideal_point_distances and the CLI over a tiny temporary warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from autonomy_monitor import api
from autonomy_monitor.pipeline.steps import idealpoints_step


@pytest.fixture()
def settings(tmp_path: Path) -> api.Settings:
    path = tmp_path / "warehouse.duckdb"
    table = pl.DataFrame(
        {
            "country_iso3": ["KAZ", "KAZ", "RUS", "SUN", "USA", "USA", "USA"],
            "year": [1992, 1993, 1992, 1991, 1991, 1992, 1993],
            "ideal_point": [-0.5, -0.4, -0.2, -1.0, 2.0, 2.1, 2.2],
            "se": [0.1, 0.1, 0.2, 0.1, 0.1, 0.1, 0.1],
            "n_votes": [50, 60, 70, 70, 70, 70, 70],
        }
    )
    with duckdb.connect(str(path)) as con:
        con.register("frame", table.to_arrow())
        con.execute("CREATE TABLE out_alignment__ideal_points AS SELECT * FROM frame")
    return api.Settings(warehouse=path)


def test_ideal_points_filters_countries_and_years(settings):
    out = api.ideal_points("KAZ,USA", start=1992, settings=settings)
    assert out["country_iso3"].to_list() == ["KAZ", "KAZ", "USA", "USA"]
    with_predecessor = api.ideal_points("RUS", settings=settings)
    assert with_predecessor["country_iso3"].to_list() == ["RUS", "SUN"]


def test_distances_to_powers_follow_predecessors(settings):
    dist = api.ideal_point_distances("USA", "RUS", settings=settings)
    assert dist["year"].to_list() == [1991, 1992]
    assert dist["power_state"].to_list() == ["SUN", "RUS"]
    assert dist["distance"].to_list() == pytest.approx([3.0, 2.3])
    assert dist["se"][0] == pytest.approx((0.1**2 + 0.1**2) ** 0.5)


def test_missing_table_is_a_clear_error(tmp_path):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(api.WarehouseMissing, match="autonomy build"):
        api.ideal_points(settings=api.Settings(warehouse=path))


def test_cli_prints_csv(settings, monkeypatch):
    from autonomy_monitor.cli.main import app

    monkeypatch.setenv("AUTONOMY_WAREHOUSE", str(settings.warehouse))
    result = CliRunner().invoke(app, ["idealpoints", "--countries", "KAZ", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "country_iso3,year,ideal_point,se,n_votes"
    assert len(result.output.splitlines()) == 3


def test_step_joins_years_from_roll_calls():
    import datetime as dt

    roll_calls = pl.DataFrame(
        {"roll_call_id": ["a", "b"], "date": [dt.date(2000, 3, 1), dt.date(2001, 5, 2)]}
    )
    votes = pl.DataFrame(
        {
            "roll_call_id": ["a", "a", "b", "b"],
            "country_iso3": ["USA", "RUS", "USA", "RUS"],
            "vote": ["Y", "N", "N", "Y"],
        }
    )
    joined = idealpoints_step.roll_call_votes(roll_calls, votes)
    assert joined.columns == ["roll_call_id", "year", "country_iso3", "vote"]
    assert sorted(joined["year"].unique().to_list()) == [2000, 2001]


def _roll_calls(titles: list[str | None], years: list[int]) -> pl.DataFrame:
    import datetime as dt

    return pl.DataFrame(
        {
            "roll_call_id": [f"r{i}" for i in range(len(titles))],
            "date": [dt.date(y, 12, 1) for y in years],
            "title": titles,
        }
    )


def test_bridge_groups_normalise_titles_and_need_two_years():
    roll_calls = _roll_calls(
        ["CUBA EMBARGO", "Cuba  embargo.", "Palestine refugees", "", None, "cuba-embargo"],
        [1990, 1991, 1990, 1991, 1992, 1992],
    )
    groups = idealpoints_step.bridge_groups(roll_calls)
    assert groups.columns == ["roll_call_id", "bridge_group"]
    assert groups["bridge_group"].to_list() == [
        "cuba embargo",
        "cuba embargo",
        None,
        None,
        None,
        "cuba embargo",
    ]


def test_bridge_groups_split_by_us_israel_votes_and_one_per_year():
    roll_calls = _roll_calls(["KOREA"] * 5, [1950, 1951, 1952, 1952, 1953])
    votes = pl.DataFrame(
        {
            "roll_call_id": ["r0", "r1", "r2", "r3", "r4", "r0", "r1"],
            "country_iso3": ["USA", "USA", "USA", "USA", "USA", "ISR", "ISR"],
            "vote": ["Y", "Y", "N", "N", "N", "Y", "Y"],
        }
    )
    groups = idealpoints_step.bridge_groups(roll_calls, votes)
    by_id = dict(groups.iter_rows())
    assert by_id["r0"] == by_id["r1"] == "korea | YY"
    # US "no" with Israel not voting: r2 and r3 share a year, so the key is not a bridge
    assert by_id["r2"] is None and by_id["r3"] is None and by_id["r4"] is None
    loose = dict(idealpoints_step.bridge_groups(roll_calls, votes, one_per_year=False).iter_rows())
    assert loose["r2"] == loose["r3"] == loose["r4"] == "korea | N-"


def test_step_adds_bridge_groups_only_with_titles():
    import datetime as dt

    roll_calls = pl.DataFrame(
        {
            "roll_call_id": ["a", "b"],
            "date": [dt.date(2000, 3, 1), dt.date(2001, 5, 2)],
            "title": ["Same text", "same TEXT"],
        }
    )
    votes = pl.DataFrame(
        {
            "roll_call_id": ["a", "a", "b", "b"],
            "country_iso3": ["USA", "RUS", "USA", "RUS"],
            "vote": ["Y", "N", "Y", "N"],
        }
    )
    out = idealpoints_step.bridged_votes(roll_calls, votes)
    assert out["bridge_group"].unique().to_list() == ["same text | Y-"]
    assert (
        "bridge_group"
        not in idealpoints_step.bridged_votes(roll_calls.drop("title"), votes).columns
    )
