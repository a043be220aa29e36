"""Contract tests of the economic bulk sources on tiny synthetic fixtures written here."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from autonomy_monitor.errors import BadInput, UnresolvedCountries
from autonomy_monitor.sources.aiddata import bulk as aiddata
from autonomy_monitor.sources.energy import bulk as energy
from autonomy_monitor.sources.governance import bulk as governance
from autonomy_monitor.sources.japan_residents import bulk as japan
from autonomy_monitor.sources.knomad import bulk as knomad
from autonomy_monitor.sources.oecd import bulk as oecd
from autonomy_monitor.sources.undesa import bulk as undesa
from autonomy_monitor.sources.wdi import bulk as wdi


def write_csv(root: Path, folder: str, name: str, text: str) -> Path:
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def wdi_fixture(root: Path, extra: str = "") -> None:
    frame = pl.DataFrame(
        {
            "country_code": ["KGZ", "KGZ", "WLD", "KGZ", "KGZ"],
            "country_name": [
                "Kyrgyz Republic",
                "Kyrgyz Republic",
                "World",
                "Kyrgyz Republic",
                "Kyrgyz Republic",
            ],
            "indicator_code": [
                "NY.GDP.MKTP.CD",
                "NY.GDP.MKTP.CD",
                "NY.GDP.MKTP.CD",
                "AG.LND.TOTL.K2",
                "NY.GDP.MKTP.CD",
            ],
            "year": [2020, 2021, 2021, 2021, 2021],
            "value": [7.0e9, 9.0e9, 1.0e14, 5.0, 9.0e9],
        }
    )
    (root / "wdi").mkdir(parents=True, exist_ok=True)
    frame.write_parquet(root / "wdi" / wdi.FILE)


def test_wdi_keeps_countries_and_counts_aggregates_and_duplicates(tmp_path: Path) -> None:
    wdi_fixture(tmp_path)
    result = wdi.load(tmp_path)
    core = result.tables["core_wdi__yearly_indicators"]
    assert core.columns == ["country_iso3", "year", "indicator_code", "value"]
    assert core.rows() == [
        ("KGZ", 2020, "NY.GDP.MKTP.CD", 7.0e9),
        ("KGZ", 2021, "NY.GDP.MKTP.CD", 9.0e9),
    ]
    reasons = result.inputs[0].reject_reasons
    assert reasons["indicator not used by the monitor"] == 1
    assert reasons["exact duplicate row"] == 1
    assert any("aggregate" in r for r in reasons)
    assert result.inputs[0].rows_read == 5 and result.inputs[0].rows_kept == 2


def test_wdi_wrong_columns_names_file_and_columns(tmp_path: Path) -> None:
    (tmp_path / "wdi").mkdir()
    pl.DataFrame({"country": ["KGZ"], "year": [2020]}).write_parquet(tmp_path / "wdi" / wdi.FILE)
    with pytest.raises(
        BadInput, match=r"wdi_indicators_long.parquet lacks column\(s\) country_code"
    ):
        wdi.load(tmp_path)


STOCK_HEADER = (
    "year,origin_iso3,origin_name,origin_region,dest_iso3,"
    "dest_name,dest_region,stock,stock_male,stock_female\n"
)


def test_undesa_stock_contract(tmp_path: Path) -> None:
    write_csv(
        tmp_path,
        "migration",
        undesa.FILE,
        STOCK_HEADER
        + "2020,UZB,Uzbekistan,CA,RUS,Russia,EE,1000,600,400\n"
        + "2020,UZB,Uzbekistan,CA,CHI,Channel Islands,EU,5,3,2\n",
    )
    result = undesa.load(tmp_path)
    core = result.tables["core_undesa__migrant_stock"]
    assert core.rows() == [("UZB", "RUS", 2020, 1000)]
    assert sum(result.inputs[0].reject_reasons.values()) == 1


def test_year_column_with_text_names_file_column_and_row(tmp_path: Path) -> None:
    write_csv(
        tmp_path,
        "migration",
        undesa.FILE,
        STOCK_HEADER
        + "2020,UZB,Uzbekistan,CA,RUS,Russia,EE,1000,600,400\n"
        + "twenty,UZB,Uzbekistan,CA,KAZ,Kazakhstan,CA,10,5,5\n",
    )
    with pytest.raises(
        BadInput, match=r"un_desa_ims2020_bilateral_stock.csv, column 'year', row 2: 'twenty'"
    ):
        undesa.load(tmp_path)


def test_negative_stock_is_refused(tmp_path: Path) -> None:
    write_csv(
        tmp_path,
        "migration",
        undesa.FILE,
        STOCK_HEADER + "2020,UZB,Uzbekistan,CA,RUS,Russia,EE,-3,0,0\n",
    )
    with pytest.raises(BadInput, match=r"column 'stock', row 1: -3.0 is negative"):
        undesa.load(tmp_path)


def test_unknown_partner_name_is_listed(tmp_path: Path) -> None:
    write_csv(
        tmp_path,
        "migration",
        undesa.FILE,
        STOCK_HEADER
        + "2020,UZB,Uzbekistan,CA,,Atlantis,XX,10,5,5\n"
        + "2020,UZB,Uzbekistan,CA,,Ruritania,XX,10,5,5\n",
    )
    with pytest.raises(UnresolvedCountries, match="'Atlantis', 'Ruritania'"):
        undesa.load(tmp_path)


MATRIX_HEADER = (
    "year,sending_name,sending_iso3,receiving_name,receiving_iso3,remittances_usd_millions\n"
)


def knomad_fixture(root: Path) -> None:
    write_csv(
        root,
        "migration",
        "wb_bilateral_remittances_2017.csv",
        MATRIX_HEADER + "2017,Russia,RUS,Kyrgyz Republic,KGZ,90\n"
        "2017,Germany,DEU,Kyrgyz Republic,KGZ,10\n2017,WORLD,WLD,Kyrgyz Republic,KGZ,100\n",
    )
    write_csv(
        root,
        "migration",
        "knomad_bilateral_remittances_2021.csv",
        MATRIX_HEADER
        + "2021,Russia,RUS,Kyrgyz Republic,KGZ,80\n2021,Germany,DEU,Kyrgyz Republic,KGZ,20\n",
    )
    write_csv(
        root,
        "migration",
        knomad.STOCK_FILE,
        "year,origin_name,origin_iso3,destination_name,destination_iso3,migrant_stock\n"
        "2017,Kyrgyz Republic,KGZ,Russia,RUS,500000\n2017,Kyrgyz Republic,KGZ,World,WLD,600000\n",
    )
    write_csv(
        root,
        "migration",
        knomad.INFLOW_FILE,
        "iso3,country_name,year,year_label,estimate,measure,value\n"
        "KGZ,Kyrgyz Republic,2021,2021,False,inflows_usd_millions,2800\n"
        "KGZ,Kyrgyz Republic,2023,2023e,True,inflows_usd_millions,2500\n"
        "KGZ,Kyrgyz Republic,2000,2000,False,inflows_usd_millions,0\n"
        "KGZ,Kyrgyz Republic,2023,% of GDP in 2023,False,pct_gdp,20.5\n"
        "WLD,World,2021,2021,False,inflows_usd_millions,800000\n",
    )


def test_knomad_contract(tmp_path: Path) -> None:
    knomad_fixture(tmp_path)
    result = knomad.load(tmp_path)
    bilateral = result.tables["core_knomad__bilateral_remittances"]
    assert set(bilateral.columns) >= {"sender_iso3", "receiver_iso3", "year", "remittances_usd"}
    assert bilateral.height == 4 and bilateral["remittances_usd"].max() == pytest.approx(90e6)
    inflows = result.tables["core_knomad__remittance_inflows"]
    assert inflows.select("country_iso3", "year", "is_estimate").rows() == [
        ("KGZ", 2021, False),
        ("KGZ", 2023, True),
    ]
    stocks = result.tables["core_knomad__bilateral_migrant_stock"]
    assert stocks.rows() == [("KGZ", "RUS", 2017, 500000)]
    rejected = {r.file: r.rows_rejected for r in result.inputs}
    assert rejected["migration/wb_bilateral_remittances_2017.csv"] == 1
    assert rejected[f"migration/{knomad.INFLOW_FILE}"] == 3


def test_oecd_contract(tmp_path: Path) -> None:
    (tmp_path / "aid").mkdir()
    pl.DataFrame(
        {
            "year": [2019] * 5,
            "recipient": ["Uzbekistan", "Uzbekistan", "Uzbekistan", "Asia, Total", "UNDP"],
            "recipient_iso3": ["UZB", "UZB", "UZB", None, None],
            "donor": [
                "Japan",
                "Asian Development Bank [AsDB]",
                "DAC Countries, Total",
                "Japan",
                "Japan",
            ],
            "donor_iso3": ["JPN", None, None, "JPN", "JPN"],
            oecd.VALUE: [384.2, 100.0, 500.0, 10.0, 1.0],
        }
    ).write_parquet(tmp_path / "aid" / oecd.FILE)
    result = oecd.load(tmp_path)
    core = result.tables["core_oecd__yearly_aid"]
    assert core.select("donor_code", "donor_iso3", "donor_type", "recipient_iso3", "oda_usd").sort(
        "donor_code"
    ).rows() == [
        ("ASDB", None, "multilateral", "UZB", pytest.approx(100e6)),
        ("JPN", "JPN", "country", "UZB", pytest.approx(384.2e6)),
    ]
    assert result.inputs[0].rows_rejected == 3


def test_aiddata_contract(tmp_path: Path) -> None:
    write_csv(
        tmp_path,
        "aid",
        aiddata.GCDF3_FILE,
        "gwcode,iso3,year,oof_like_usd2021,oof_like_adj_usd2021,oda_like_usd2021,"
        "oda_like_adj_usd2021,vague_usd2021,vague_adj_usd2021\n"
        "703,KGZ,2015,100,90,10,10,0,0\n",
    )
    write_csv(
        tmp_path,
        "aid",
        aiddata.GCDF2_FILE,
        "AidData TUFF Project ID,Recipient,Recipient ISO3,Commitment Year,Flow Class,"
        "Amount (Nominal)\n"
        "1,Kyrgyz Republic,KGZ,2015,ODA-like,5\n"
        "2,Kyrgyz Republic,KGZ,2015,ODA-like,\n"
        '3,"Asia, regional",,2015,ODA-like,7\n',
    )
    core = aiddata.load(tmp_path).tables["core_aiddata__chinese_finance"]
    gcdf3 = core.filter(pl.col("dataset") == "GCDF 3.0").sort("flow_class")
    assert gcdf3["commitments_usd"].to_list() == [10.0, 90.0, 0.0]
    gcdf2 = core.filter(pl.col("dataset") == "GCDF 2.0")
    assert gcdf2.select("commitments_usd", "projects").rows() == [(5.0, 2)]


def test_energy_keeps_residual_and_drops_subtotals(tmp_path: Path) -> None:
    write_csv(
        tmp_path,
        "other",
        energy.FILE,
        "year,exporter,exporter_iso3,importer,importer_iso3,bcm\n"
        "2023,Turkmenistan,TKM,China,CHN,30\n2023,Turkmenistan,TKM,Other CIS,,4\n"
        "2023,Turkmenistan,TKM,CIS,,4\n2023,Turkmenistan,TKM,Total exports,,40\n"
        "2023,Other Europe,,China,CHN,1\n",
    )
    result = energy.load(tmp_path)
    core = result.tables["core_ei__gas_pipeline_trade"]
    assert core.select("importer_iso3", "bcm").rows() == [("CHN", 30.0), (None, 10.0)]
    assert result.inputs[0].rows_rejected == 4


def test_governance_wrong_columns(tmp_path: Path) -> None:
    write_csv(
        tmp_path, "governance", "wgi_2024_update_1996_2023.csv", "iso3,year,estimate\nKGZ,2020,1\n"
    )
    with pytest.raises(BadInput, match="lacks column"):
        governance.load(tmp_path)


def test_japan_residents_contract(tmp_path: Path) -> None:
    write_csv(
        tmp_path,
        "japan_residents",
        japan.TOTALS_FILE,
        "iso3,nationality_en,count,status_code,status_ja,status_en\n"
        "UZB,Uzbekistan,102,,総数,Total\n"
        "UZB,Uzbekistan,100,,特定技能1号,Specified Skilled Worker (i)\n"
        "UZB,Uzbekistan,2,,特定技能2号,Specified Skilled Worker (ii)\n",
    )
    write_csv(
        tmp_path,
        "japan_residents",
        japan.DETAIL_FILE,
        "iso3,nationality_en,status_code,status_group_repo,count\nUZB,Uzbekistan,,Work,102\n",
    )
    result = japan.load(tmp_path)
    core = result.tables["core_japan__residents_by_status"]
    assert core["residents"].sum() == 102 and core["is_specified_skilled_worker"].all()
    check = result.checks["qa_japan__residents_totals"]
    assert check.row(0) == ("UZB", 102, 102, 102)
