"""Integration: the economic sources and steps on the real data in ../shared/data."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from autonomy_monitor.sources.aiddata import bulk as aiddata
from autonomy_monitor.sources.energy import bulk as energy
from autonomy_monitor.sources.governance import bulk as governance
from autonomy_monitor.sources.japan_residents import bulk as japan
from autonomy_monitor.sources.knomad import bulk as knomad
from autonomy_monitor.sources.abel import bulk as abel
from autonomy_monitor.sources.remittances_by_sender import bulk as remittances_by_sender
from autonomy_monitor.sources.oecd import bulk as oecd
from autonomy_monitor.sources.undesa import bulk as undesa
from autonomy_monitor.sources.wdi import bulk as wdi
from autonomy_monitor.pipeline.steps import (
    aid_step,
    dependence_step,
    energy_step,
    governance_step,
    migration_step,
    remittances_step,
)

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def tables(shared_data: Path) -> dict[str, pl.DataFrame]:
    built: dict[str, pl.DataFrame] = {}
    for module in (
        wdi,
        undesa,
        knomad,
        abel,
        remittances_by_sender,
        oecd,
        aiddata,
        energy,
        governance,
        japan,
    ):
        result = module.load(shared_data)
        for record in result.inputs:
            assert record.rows_kept + record.rows_rejected == record.rows_read, record.file
        built.update(result.tables)
        built.update(result.checks)
    for compute in (
        remittances_step.compute,
        migration_step.compute,
        migration_step.compute_japan,
        aid_step.compute_aid,
        aid_step.compute_finance,
        energy_step.compute,
        governance_step.compute,
        dependence_step.compute,
    ):
        built.update(compute(built))
    return built


def value(frame: pl.DataFrame, **where: object) -> float:
    rows = frame.filter(*[pl.col(k) == v for k, v in where.items()])
    assert rows.height == 1, where
    return rows["value"][0]


def test_kyrgyz_remittances_from_russia_follow_the_central_banks(tables) -> None:
    rem = tables["out_dependence__remittances"]
    share = value(
        rem, country_iso3="KGZ", partner_iso3="RUS", year=2017, measure="remittance_share"
    )
    assert share == pytest.approx(
        2.2 / 2.4, abs=0.03
    )  # NBKR 2017: Russia US$ 2.2 bn of about 2.4 bn
    germany = rem.filter(
        (pl.col("country_iso3") == "KGZ")
        & (pl.col("partner_iso3") == "DEU")
        & (pl.col("measure") == "remittance_share")
        & (pl.col("year") >= 2015)
    )
    assert germany["value"].max() < 0.10  # not a large sender: no central-bank evidence says so


def test_uzbekistan_matches_the_central_bank_in_2022_and_2023(tables) -> None:
    rem = tables["out_dependence__remittances"].filter(pl.col("country_iso3") == "UZB")
    assert value(rem, partner_iso3="RUS", year=2022, measure="remittance_share") == pytest.approx(
        0.87, abs=0.05
    )
    assert value(rem, partner_iso3="RUS", year=2023, measure="remittance_share") == pytest.approx(
        0.78, abs=0.05
    )
    fit = tables["qa_remittances__observation_fit"]
    assert fit.filter(pl.col("country_iso3") == "UZB").height >= 10


def test_remittances_cover_every_year_2000_to_latest_for_kgz(tables) -> None:
    rem = tables["out_dependence__remittances"].filter(
        (pl.col("country_iso3") == "KGZ")
        & (pl.col("partner_iso3") == "RUS")
        & (pl.col("measure") == "remittance_dependence")
    )
    years = sorted(rem["year"].to_list())
    assert years[0] <= 2001 and years[-1] >= 2023 and years == list(range(years[0], years[-1] + 1))


def test_shares_sum_to_one_per_country_year_dimension(tables) -> None:
    union = tables["out_dependence__yearly"]
    share_measures = {
        "remittance_share",
        "destination_share",
        "gas_export_share",
        "gas_export_share_unnamed",
        "oda_share",
        "non_country_oda_share",
    }
    sums = (
        union.filter(pl.col("measure").is_in(share_measures))
        .group_by("country_iso3", "year", "dimension")
        .agg(pl.col("value").sum())
    )
    assert sums.height > 1000
    assert sums["value"].is_between(1 - 1e-6, 1 + 1e-6).all()


def test_hhi_within_bounds(tables) -> None:
    union = tables["out_dependence__yearly"].filter(pl.col("measure").str.ends_with("hhi"))
    assert union["value"].is_between(0, 1 + 1e-9).all() and union.height > 0


def test_aid_energy_finance_match_sources_md(tables) -> None:
    aid = tables["out_dependence__aid"]
    assert value(
        aid, country_iso3="UZB", partner_iso3="JPN", year=2019, measure="oda_usd"
    ) == pytest.approx(384.2e6, rel=1e-3)
    assert value(aid, country_iso3="KAZ", partner_iso3="JPN", year=2019, measure="oda_usd") < 0
    gas = tables["out_dependence__energy"]
    assert value(
        gas, country_iso3="TKM", partner_iso3="CHN", measure="gas_export_share"
    ) == pytest.approx(30.5 / 39.55, abs=0.005)
    fin = tables["out_dependence__finance"]
    kgz = fin.filter(
        (pl.col("country_iso3") == "KGZ") & (pl.col("measure") == "chinese_commitments_usd")
    )
    assert kgz["year"].min() == 2000 and kgz["year"].max() == 2021 and kgz["value"].sum() > 3e9


def test_governance_and_japan_residents(tables) -> None:
    gov = tables["out_governance__yearly"]
    rl = gov.filter(
        (pl.col("country_iso3") == "KGZ")
        & (pl.col("indicator") == "rule_of_law")
        & (pl.col("source") == "WGI")
        & (pl.col("year") == 2023)
    )
    assert rl["value"][0] == pytest.approx(-1.17, abs=0.01)
    fh = gov.filter(
        (pl.col("country_iso3") == "TKM")
        & (pl.col("indicator") == "total_score")
        & (pl.col("year") == 2022)
    )
    assert fh["value"].to_list() == [2.0]
    assert gov.filter(
        pl.struct("country_iso3", "year", "source", "indicator").is_duplicated()
    ).is_empty()
    residents = tables["out_migration__japan_residents"]
    ssw = residents.filter(
        pl.col("is_specified_skilled_worker") & (pl.col("nationality_iso3") == "UZB")
    )
    assert ssw["residents"].sum() == 102


def test_union_has_every_dimension_in_the_shared_schema(tables) -> None:
    union = tables["out_dependence__yearly"]
    assert union.columns == [
        "country_iso3",
        "partner_iso3",
        "year",
        "dimension",
        "measure",
        "value",
        "unit",
        "method",
        "source",
        "flag",
    ]
    assert {"remittances", "migration", "aid", "finance", "energy"} <= set(
        union["dimension"].unique()
    )
    assert union["country_iso3"].n_unique() > 150
