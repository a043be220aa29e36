"""End to end: a raw store filled from the real specimens, then ``autonomy build --offline``.

Every live source gets a stored fetch exactly as ``autonomy fetch`` would leave it:

* real (``../shared/specimens/``): the KNOMAD workbooks (World Bank / KNOMAD, CC BY 4.0), the
  World Bank API pages and country list (WDI of 2021-05-25, recorded by jkkitakita/wbdata-go),
  the OECD Provider and Recipient code lists (OECD, via ONEcampaign/oda_reader) and the UN
  Comtrade v1 answer (UN Comtrade, recorded by ropensci/comtradr), which gives the trade step
  its ``core_trade__recent_bilateral`` beside the IMF's table;
* synthetic, because no real answer exists (each marked in ``tests/fixtures/http/*/README.md``):
  the IMF IMTS answers (the layout of the real WEO answer), the OECD DAC2a answer, the UN DESA
  workbook and the UN Digital Library voting file.

The build must succeed, every core table must satisfy its catalog contract and have the shape
the bulk readers give it (the drift between live and bulk tables once made the remittance and
aid steps raise ColumnNotFoundError), and the derived steps must run on them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import fixture_bytes, load_specimen_module, specimen_path
from typer.testing import CliRunner

from autonomy_monitor.catalog import contracts, load_source
from autonomy_monitor.cli.main import app
from autonomy_monitor.pipeline import fetch
from autonomy_monitor.pipeline.rawstore import Manifest, RawStore, client_version
from autonomy_monitor.pipeline.warehouse import file_sha256
from autonomy_monitor.sources.imf import bulk as imf_bulk
from autonomy_monitor.sources.knomad import bulk as knomad_bulk
from autonomy_monitor.sources.oecd import bulk as oecd_bulk
from autonomy_monitor.sources.trade_recent import bulk as trade_recent_bulk
from autonomy_monitor.sources.undesa import bulk as undesa_bulk
from autonomy_monitor.sources.unga import bulk as unga_bulk
from autonomy_monitor.sources.wdi import bulk as wdi_bulk

FETCHED = dt.datetime(2026, 8, 5, 12, 0, tzinfo=dt.UTC)

# Each live core table and the schema its bulk reader declares (the reference shape).
BULK_SHAPES = {
    "core_wdi__yearly_indicators": wdi_bulk.CORE_SCHEMA,
    "core_knomad__bilateral_remittances": knomad_bulk.BILATERAL_SCHEMA,
    "core_knomad__remittance_inflows": knomad_bulk.INFLOW_SCHEMA,
    "core_imf__yearly_bilateral_trade": imf_bulk.CORE_SCHEMA,
    "core_oecd__yearly_aid": oecd_bulk.CORE_SCHEMA,
    "core_undesa__migrant_stock": undesa_bulk.CORE_SCHEMA,
    "core_unga__roll_calls": unga_bulk.ROLL_CALL_SCHEMA,
    "core_unga__votes": unga_bulk.VOTE_SCHEMA,
    "core_trade__recent_bilateral": trade_recent_bulk.CORE_SCHEMA,
}


def _store(store: RawStore, source: str, files: dict[str, tuple[bytes, str]], vintage: str) -> None:
    records = [
        store.put_bytes(
            body,
            source=source,
            resource=resource,
            url=url,
            params={},
            fetched_at=FETCHED,
            status=200,
        )
        for resource, (body, url) in files.items()
    ]
    store.write_manifest(
        Manifest(
            source=source,
            fetched_at=FETCHED,
            vintage=vintage,
            client_version=client_version(),
            records=records,
        )
    )


def fill_store(store: RawStore, specimens: Path, tmp_path: Path) -> dict[str, Path]:
    """One stored fetch per live source; returns the real specimen files used."""
    real = {
        "matrix": specimen_path(
            specimens, "knomad_xlsx", "bilateral_remittance_matrix_2021_0.xlsx"
        ),
        "inflows": specimen_path(
            specimens, "knomad_xlsx", "inward_remittance_flows_december_2023_1.xlsx"
        ),
        "country-list": specimen_path(
            specimens, "worldbank_api_v2", "TestCountriesService_List_0.json"
        ),
        "jpn-gdp": specimen_path(
            specimens, "worldbank_api_v2", "TestIndicatorValuesService_ListByCountryIDs_0.json"
        ),
        "all-gdp": specimen_path(
            specimens, "worldbank_api_v2", "TestIndicatorValuesService_ListBySourceID_0.json"
        ),
        "providers": specimen_path(specimens, "oecd_codelists", "codelist_5.json"),
        "recipients": specimen_path(specimens, "oecd_codelists", "codelist_13.json"),
        "comtrade": specimen_path(specimens, "comtrade_api_v1", "data_v1_get_C_A_HS-60a6ad.json"),
    }
    knomad = load_source("knomad").parameters
    _store(
        store,
        "knomad",
        {r: (real[r].read_bytes(), knomad[f"{r}_url"]) for r in ("matrix", "inflows")},
        load_source("knomad").release,
    )
    wdi = load_source("wdi").url
    _store(
        store,
        "wdi",
        {
            "country-list": (real["country-list"].read_bytes(), f"{wdi}/country"),
            "NY.GDP.MKTP.CD/page-1": (
                real["jpn-gdp"].read_bytes(),
                f"{wdi}/country/JPN;USA/indicator/NY.GDP.MKTP.CD",
            ),
            "NY.GDP.MKTP.CD/page-2": (
                real["all-gdp"].read_bytes(),
                f"{wdi}/country/all/indicator/NY.GDP.MKTP.CD",
            ),
        },
        "2021-05-25",
    )
    imf = load_source("imf").url
    _store(
        store,
        "imf",
        {
            "XG_FOB_USD": (
                fixture_bytes("imf", "synthetic_imts_exports.xml"),
                f"{imf}/data/IMF.STA,IMTS/KGZ.XG_FOB_USD..A",
            ),
            "MG_CIF_USD": (
                fixture_bytes("imf", "synthetic_imts_imports.xml"),
                f"{imf}/data/IMF.STA,IMTS/KGZ.MG_CIF_USD..A",
            ),
        },
        "2026-08-05",
    )
    lists = load_source("oecd").parameters["codelist_url"]
    _store(
        store,
        "oecd",
        {
            "dac2a": (
                fixture_bytes("oecd", "synthetic_dac2a.xml"),
                f"{load_source('oecd').url}/data/DAC2A",
            ),
            "providers": (real["providers"].read_bytes(), lists),
            "recipients": (real["recipients"].read_bytes(), lists),
        },
        "2026-08-05",
    )
    workbook = load_specimen_module("undesa").build(tmp_path / "ims.xlsx").read_bytes()
    _store(
        store,
        "undesa",
        {"ims-table1": (workbook, load_source("undesa").url)},
        load_source("undesa").release,
    )
    _store(
        store,
        "unga",
        {"ga-voting-csv": (fixture_bytes("unga", "ga_voting.csv"), load_source("unga").url)},
        load_source("unga").release,
    )
    _store(
        store,
        "comtrade",
        {"CHN/2010": (real["comtrade"].read_bytes(), load_source("comtrade").url)},
        "2024-11-15",
    )
    return real


@pytest.fixture(scope="module")
def built(tmp_path_factory, specimens) -> dict:
    tmp = tmp_path_factory.mktemp("offline-build")
    store = RawStore(tmp / "store")
    real = fill_store(store, specimens, tmp)
    env = {
        "AUTONOMY_WAREHOUSE": str(tmp / "warehouse.duckdb"),
        "AUTONOMY_SNAPSHOT_STORE": str(store.root),
        "AUTONOMY_BUNDLED_SNAPSHOT": str(tmp / "no-snapshot"),
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, ["build", "--offline"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    connection = duckdb.connect(env["AUTONOMY_WAREHOUSE"], read_only=True)
    tables = {
        name: connection.sql(f'select * from "{name}"').pl()
        for (name,) in connection.sql("select table_name from information_schema.tables").fetchall()
    }
    views = {
        name
        for (name,) in connection.sql(
            "select table_name from information_schema.tables where table_type = 'VIEW'"
        ).fetchall()
    }
    connection.close()
    return {"tables": tables, "views": views, "real": real}


def test_every_live_source_was_built(built):
    assert set(BULK_SHAPES) <= set(built["tables"]), sorted(built["tables"])
    assert set(fetch.LIVE_SOURCES) == {"wdi", "imf", "oecd", "undesa", "knomad", "unga", "comtrade"}


@pytest.mark.parametrize("table", sorted(BULK_SHAPES))
def test_core_table_has_the_bulk_shape(built, table):
    frame = built["tables"][table]
    assert frame.schema == pl.Schema(BULK_SHAPES[table])
    assert frame.height > 0


def test_every_core_and_output_table_satisfies_its_contract(built):
    """Each table the offline build wrote, core and derived, against ``catalog/tables/``."""
    written = [
        name
        for name in built["tables"]
        if name.startswith(("core_", "out_")) and name not in built["views"]
    ]
    assert set(BULK_SHAPES) <= set(written)
    for table in written:
        contracts.validate(table, built["tables"][table], "the offline build from specimens")


def test_derived_steps_ran_on_the_live_tables(built):
    tables = built["tables"]
    lineage = tables["meta_lineage__tables"]
    for name in (
        "out_dependence__remittances",
        "out_dependence__aid",
        "out_dependence__migration",
        "out_dependence__trade",
        "core_trade__yearly_bilateral_both_views",
        "out_dependence__yearly",
        "out_alignment__yearly_vote_agreement_wide",
    ):
        assert name in tables and name in lineage["table_name"].to_list(), name
    yearly = tables["out_dependence__yearly"]
    assert {"remittances", "aid", "migration", "trade"} <= set(yearly["dimension"])
    # The real 2021 matrix: Russia's share of Kyrgyzstan's remittances comes out of the chain.
    kgz = yearly.filter(
        (pl.col("country_iso3") == "KGZ")
        & (pl.col("partner_iso3") == "RUS")
        & (pl.col("dimension") == "remittances")
        & (pl.col("year") == 2021)
    )
    assert kgz.height > 0
    # Aid through the real code lists: Japan (donor_iso3 JPN) to Uzbekistan, net, can be negative.
    aid = tables["core_oecd__yearly_aid"]
    assert (
        aid.filter((pl.col("donor_iso3") == "JPN") & (pl.col("recipient_iso3") == "UZB"))[
            "oda_usd"
        ].min()
        < 0
    )


def test_provenance_names_the_real_specimens(built):
    provenance = built["tables"]["meta_provenance__inputs"]
    hashes = set(provenance["sha256"])
    for path in built["real"].values():
        assert file_sha256(path) in hashes, path.name
    knomad = provenance.filter(pl.col("source") == "knomad")
    assert knomad["publisher"].unique().to_list() == [load_source("knomad").publisher]
