"""The lookups' narrow queries return what the wide ones did (bundled snapshot, no warehouse):
the profile's latest-year rows, dependence by measure, the dashboard's pieces of the profile."""

from __future__ import annotations

import importlib

import polars as pl
import pytest

from autonomy_monitor import api
from autonomy_monitor.api.reader import query

dependence_module = importlib.import_module("autonomy_monitor.api.dependence")
CODES = ["KGZ", "KAZ", "TJK", "UZB", "TKM", "USA", "DEU", "AFG", "TUV"]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> api.Settings:
    return api.Settings(warehouse=tmp_path_factory.mktemp("none") / "absent.duckdb")


def by_value(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort("dimension", "value", "partner_iso3") if frame.height else frame


@pytest.mark.parametrize("code", CODES)
def test_profile_dependencies_match_the_pick_over_every_row(
    settings: api.Settings, code: str
) -> None:
    every_row = query(
        settings,
        "SELECT partner_iso3, year, dimension, measure, value, method, source, flag "
        "FROM out_dependence__yearly WHERE country_iso3 = ?",
        [code],
    )
    expected = dependence_module.largest_dependencies(every_row)
    got = api.profile_dependencies(code, settings=settings)
    assert by_value(got).equals(by_value(expected))
    assert by_value(api.profile(code, settings=settings).dependencies).equals(by_value(expected))


def test_profile_governance_is_the_profile_s(settings: api.Settings) -> None:
    assert api.profile_governance("KGZ", settings=settings).equals(
        api.profile("KGZ", settings=settings).governance
    )


@pytest.mark.parametrize("measure", ["total_share", ["remittance_share", "oda_share"]])
def test_dependence_by_measure_is_a_filter_of_every_row(
    settings: api.Settings, measure: str | list[str]
) -> None:
    wanted = [measure] if isinstance(measure, str) else measure
    every = api.dependence("KGZ", "RUS,CHN", settings=settings)
    got = api.dependence("KGZ", "RUS,CHN", measure=measure, settings=settings)
    assert got.height > 0
    assert got.equals(every.filter(pl.col("measure").is_in(wanted)))
