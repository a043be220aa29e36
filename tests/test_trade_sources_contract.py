"""Contract and bad-input tests of the trade sources (imf DOTS bulk, trade_recent) on tiny
synthetic fixtures written here (no real data)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from autonomy_monitor.errors import BadInput, UnresolvedCountries
from autonomy_monitor.sources.imf import bulk as imf
from autonomy_monitor.sources.trade_recent import bulk as recent

# -- IMF DOTS ---------------------------------------------------------------------------------

DOTS_ROWS = [
    # reporter, reporter_iso3, partner, partner_iso3, is_aggregate, flow, year, value (US$ m)
    ("Kyrgyz Rep.", "KGZ", "China, P.R.: Mainland", "CHN", False, "imports_cif", 2020, 737.0),
    ("Kyrgyz Rep.", "KGZ", "Russian Federation", "RUS", False, "exports_fob", 2020, 242.0),
    (
        "Kyrgyz Rep.",
        "KGZ",
        "Russian Federation",
        "RUS",
        False,
        "exports_fob",
        2020,
        242.0,
    ),  # exact duplicate
    ("Kyrgyz Rep.", "KGZ", "World", None, True, "imports_cif", 2020, 3700.0),
    (
        "World",
        None,
        "Kyrgyz Rep.",
        "KGZ",
        False,
        "imports_cif",
        2020,
        -1.0,
    ),  # aggregate reporter, negative ok
    ("China, P.R.: Mainland", "CHN", "Kyrgyz Rep.", "KGZ", False, "exports_fob", 2020, 2876.0),
    ("Italy", "ITA", "Yemen, People's Dem. Rep. of", "YEM", False, "exports_fob", 1980, 10.0),
    ("Italy", "ITA", "Belgium-Luxembourg", "BLX", False, "exports_fob", 1980, 99.0),
]
CODES = (
    "imf_name,iso3,is_aggregate\nKyrgyz Rep.,KGZ,False\nWorld,,True\n"
    '"China, P.R.: Mainland",CHN,False\nRussian Federation,RUS,False\n'
)


def dots_frame(rows: list[tuple] | None = None) -> pl.DataFrame:
    return pl.DataFrame(rows or DOTS_ROWS, schema=list(imf.REQUIRED), orient="row")


def write_dots(root: Path, frame: pl.DataFrame | None = None) -> Path:
    folder = root / imf.FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    (frame if frame is not None else dots_frame()).write_parquet(folder / imf.DATA_FILE)
    (folder / imf.CODES_FILE).write_text(CODES)
    return root


def test_imf_core_schema_values_and_provenance(tmp_path: Path) -> None:
    result = imf.load(write_dots(tmp_path))
    core = result.tables[imf.CORE_TABLE]
    assert core.schema == pl.Schema(imf.CORE_SCHEMA)
    assert set(core["flow"]) == {"export", "import"} and not core["is_mirror"].any()
    kgz_chn = core.filter((pl.col("reporter_iso3") == "KGZ") & (pl.col("partner_iso3") == "CHN"))
    assert kgz_chn["value_usd"].to_list() == [737.0e6]
    assert (
        "YMD" in core["partner_iso3"].to_list()
    )  # South Yemen resolved by name, not the file's YEM
    record = result.inputs[0]
    assert record.rows_read == 8 and record.rows_kept == 4
    assert record.rows_kept + record.rows_rejected == record.rows_read
    assert record.reject_reasons["exact duplicate row"] == 1
    assert record.reject_reasons["aggregate partner (World, regions, not specified)"] == 1
    assert record.reject_reasons["aggregate reporter (World, regions, groups)"] == 1
    assert any("Belgium-Luxembourg" in reason for reason in record.reject_reasons)
    disagreements = result.checks["qa_imf__code_disagreements"]
    assert disagreements.row(0) == ("Yemen, People's Dem. Rep. of", "YEM", "YMD")


def test_imf_negative_value_names_file_column_and_row(tmp_path: Path) -> None:
    rows = list(DOTS_ROWS)
    rows[5] = rows[5][:7] + (-5.0,)
    with pytest.raises(
        BadInput,
        match=r"imf_dots_1960_2020\.parquet, column 'value_usd_millions', row 6: -5\.0 is negative",
    ):
        imf.load(write_dots(tmp_path, dots_frame(rows)))


def test_imf_year_with_text(tmp_path: Path) -> None:
    frame = dots_frame().with_columns(pl.col("year").cast(pl.String))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit("2020e"))
        .otherwise(pl.col("year"))
        .alias("year")
    )
    with pytest.raises(
        BadInput,
        match=r"imf_dots_1960_2020\.parquet, column 'year', row 3: '2020e' is not a whole number",
    ):
        imf.load(write_dots(tmp_path, frame))


def test_imf_unknown_partner_lists_the_name(tmp_path: Path) -> None:
    rows = [
        *DOTS_ROWS,
        ("Kyrgyz Rep.", "KGZ", "Atlantis, Rep. of", None, False, "imports_cif", 2020, 1.0),
    ]
    with pytest.raises(UnresolvedCountries, match="Atlantis, Rep. of"):
        imf.load(write_dots(tmp_path, dots_frame(rows)))


def test_imf_wrong_columns(tmp_path: Path) -> None:
    frame = dots_frame().rename({"value_usd_millions": "value"})
    with pytest.raises(
        BadInput, match=r"imf_dots_1960_2020\.parquet lacks column\(s\) value_usd_millions"
    ):
        imf.load(write_dots(tmp_path, frame))


def test_imf_unknown_flow(tmp_path: Path) -> None:
    rows = [
        *DOTS_ROWS[:1],
        ("Kyrgyz Rep.", "KGZ", "Russian Federation", "RUS", False, "re-exports", 2020, 1.0),
    ]
    with pytest.raises(BadInput, match=r"column 'flow', row 2: 're-exports'"):
        imf.load(write_dots(tmp_path, dots_frame(rows)))


def test_imf_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="is missing"):
        imf.load(tmp_path)


# -- trade_recent -----------------------------------------------------------------------------

NATIONAL = """reporter_iso3,publisher_short,partner_name,partner_iso3,partner_is_aggregate,flow,\
year,value_usd_thousands,source_file,source_sheet
KGZ,KG NSC,China,CHN,False,imports,2022,4069500.0,f.xlsx,s
KGZ,KG NSC,Russia,RUS,False,exports,2022,1069700.0,f.xlsx,s
KGZ,KG NSC,Russia,RUS,False,exports,2022,1069700.0,f.xlsx,s
KGZ,KG NSC,Total,,True,exports,2022,2000000.0,f.xlsx,s
KAZ,KZ BNS,Китай,CHN,False,exports,2022,13060000.0,f.xls,s
KAZ,KZ BNS,Нидерландские Антильские острова,ANT,False,exports,2022,5.0,f.xls,s
UZB,UZ Stat,Korea,,False,imports,2022,10.0,f.csv,s
"""
EU_MONTHLY_HEADER = (
    "reporter_name,reporter_iso3,partner_name,partner_iso3,"
    "flow,year,month,value_eur,source_folder,source_file\n"
)
EU_ANNUAL = """\
reporter,partner_name,partner_iso3,partner_is_aggregate,flow,year,value_eur,source_file
EU27_2020,Kyrgyzstan,KGZ,False,exports,2022,2400.0,r.csv
"""
FCS_HEADER = "reporter_iso3,partner_name,partner_iso3,flow,year,month,value_usd_millions\n"
PRESS = """\
reporting_source,country_a,country_b,year,period,measure,value_usd_millions,value_status,source,note
GACC,CHN,TKM,2023,Jan-Dec,China imports from country_b (= country_b exports to China),9600.0,\
"reported, rounded",https://example.org/a,
GACC,CHN,KGZ,2023,Jan-Dec,China exports to country_b,19720.0,derived here: turnover minus China imports,https://example.org/b,
GACC,CHN,KAZ,2023,Jan-Dec,turnover (China exports + imports),41000.0,"reported, rounded",https://example.org/c,
GACC,CHN,KAZ,2023,Jan-Jun,China exports to country_b,10630.0,reported,https://example.org/d,
GACC,CHN,C5,2023,Jan-Dec,China exports to country_b,61400.0,"reported, rounded",https://example.org/e,
GACC,CHN,C5,2024,Jan-Dec,turnover in CNY (100 million yuan = 1e8 CNY),,reported: 6741.5,https://example.org/f,
"""


def eu_monthly() -> str:
    lines = [EU_MONTHLY_HEADER]
    for month in range(1, 13):
        lines.append(f"Germany,DEU,Kyrgyzstan,KGZ,exports,2022,{month},100.0,k,f.csv\n")
        lines.append(
            '"European Union - 27 countries (AT, BE)",,'
            f"Kyrgyzstan,KGZ,exports,2022,{month},200.0,k,f.csv\n"
        )
    lines.append("Germany,DEU,Kyrgyzstan,KGZ,exports,2024,1,100.0,k,f.csv\n")  # partial year
    return "".join(lines)


def fcs() -> str:
    lines = [FCS_HEADER]
    lines += [f"RUS,Казахстан,KAZ,exports,2021,{m},1.5\n" for m in range(1, 13)]
    lines.append("RUS,Казахстан,KAZ,exports,2022,1,9.0\n")  # partial year
    return "".join(lines)


def write_recent(root: Path, **overrides: str) -> Path:
    folder = root / recent.FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        recent.NATIONAL_FILE: NATIONAL,
        recent.EU_MONTHLY_FILE: eu_monthly(),
        recent.EU_ANNUAL_FILE: EU_ANNUAL,
        recent.FCS_FILE: fcs(),
        recent.PRESS_FILE: PRESS,
    }
    for name, text in {**files, **overrides}.items():
        (folder / name).write_text(text)
    (root / "wdi").mkdir(exist_ok=True)
    pl.DataFrame(
        {
            "country_code": ["EMU", "EMU"],
            "country_name": ["Euro area"] * 2,
            "indicator_code": ["PA.NUS.FCRF", "PA.NUS.FCRF"],
            "year": [2022, 2023],
            "value": [0.95, 0.92],
        }
    ).write_parquet(root / recent.WDI_FILE)
    return root


def test_recent_core_rows_sources_and_units(tmp_path: Path) -> None:
    result = recent.load(write_recent(tmp_path))
    core = result.tables[recent.CORE_TABLE]
    assert core.schema == pl.Schema(recent.CORE_SCHEMA)
    by_source = dict(core.group_by("source").len().iter_rows())
    assert by_source == {
        "KG NSC": 2,
        "KZ BNS": 1,
        "UZ Stat": 1,
        "Eurostat Comext": 1,
        "RU FCS": 1,
        "press:GACC": 1,
        "press:GACC (derived)": 1,
    }
    value = dict(
        core.select(
            pl.concat_str("reporter_iso3", "partner_iso3", "flow", separator="-"), "value_usd"
        ).iter_rows()
    )
    assert value["KGZ-CHN-import"] == pytest.approx(4_069_500_000.0)
    assert value["DEU-KGZ-export"] == pytest.approx(1200.0 / 0.95)  # 12 months, euro -> US$
    assert value["RUS-KAZ-export"] == pytest.approx(18e6)  # 12 x 1.5 million
    assert value["CHN-TKM-import"] == pytest.approx(9.6e9)
    assert core.filter(pl.col("reporter_iso3") == "UZB")["partner_iso3"].to_list() == [
        "KOR"
    ]  # name resolved
    qa = result.checks[recent.QA_TABLE]
    assert qa["ratio"].to_list() == [pytest.approx(1.0)]


def test_recent_provenance_counts_every_reject(tmp_path: Path) -> None:
    records = {r.file.rsplit("/", 1)[-1]: r for r in recent.load(write_recent(tmp_path)).inputs}
    for record in records.values():
        assert record.rows_kept + record.rows_rejected == record.rows_read, record.file
    national = records[recent.NATIONAL_FILE].reject_reasons
    assert national["exact duplicate row"] == 1
    assert any("Netherlands Antilles" in reason for reason in national)
    monthly = records[recent.EU_MONTHLY_FILE].reject_reasons
    assert monthly["partial year (fewer than 12 months in the file)"] == 1
    assert monthly["aggregate reporter (EU, euro area)"] == 12
    press = records[recent.PRESS_FILE].reject_reasons
    assert press["turnover only, not a directional flow"] == 1
    assert press["partial year (press figure for part of the year)"] == 1
    assert press["group partner (five Central Asian states)"] == 1
    assert press["no US$ value (reported in another currency)"] == 1
    assert records[recent.EU_ANNUAL_FILE].rows_kept == 0


def test_recent_without_wdi_counts_unconverted_euro_rows(tmp_path: Path) -> None:
    root = write_recent(tmp_path)
    (root / recent.WDI_FILE).unlink()
    result = recent.load(root)
    assert "Eurostat Comext" not in result.tables[recent.CORE_TABLE]["source"].to_list()
    monthly = next(r for r in result.inputs if r.file.endswith(recent.EU_MONTHLY_FILE))
    assert (
        monthly.reject_reasons["no EUR/USD rate for the year (WDI file absent or incomplete)"] == 12
    )


def test_recent_negative_value(tmp_path: Path) -> None:
    bad = NATIONAL.replace("4069500.0", "-4069500.0")
    with pytest.raises(
        BadInput,
        match=(
            r"national_trade_by_partner_kaz_kgz_uzb\.csv, column "
            r"'value_usd_thousands', row 1: -4069500\.0 is negative"
        ),
    ):
        recent.load(write_recent(tmp_path, **{recent.NATIONAL_FILE: bad}))


def test_recent_year_with_text(tmp_path: Path) -> None:
    bad = NATIONAL.replace("exports,2022,1069700.0", "exports,twenty22,1069700.0", 1)
    with pytest.raises(BadInput, match=r"column 'year', row 2: 'twenty22' is not a whole number"):
        recent.load(write_recent(tmp_path, **{recent.NATIONAL_FILE: bad}))


def test_recent_unknown_partner_name(tmp_path: Path) -> None:
    bad = NATIONAL + "UZB,UZ Stat,Freedonia,,False,imports,2022,10.0,f.csv,s\n"
    with pytest.raises(UnresolvedCountries, match="Freedonia"):
        recent.load(write_recent(tmp_path, **{recent.NATIONAL_FILE: bad}))


def test_recent_wrong_columns(tmp_path: Path) -> None:
    bad = FCS_HEADER.replace("value_usd_millions", "value") + "RUS,Китай,CHN,exports,2021,1,1.0\n"
    with pytest.raises(
        BadInput,
        match=(
            r"russia_fcs_trade_main_partners_monthly_2006_2021\.csv "
            r"lacks column\(s\) value_usd_millions"
        ),
    ):
        recent.load(write_recent(tmp_path, **{recent.FCS_FILE: bad}))


def test_recent_unknown_publisher(tmp_path: Path) -> None:
    bad = NATIONAL + "KGZ,Somebody,China,CHN,False,imports,2023,1.0,f.xlsx,s\n"
    with pytest.raises(BadInput, match="unknown publisher 'Somebody'"):
        recent.load(write_recent(tmp_path, **{recent.NATIONAL_FILE: bad}))


def test_recent_reported_totals_per_publisher(tmp_path: Path) -> None:
    """KG NSC states its total in a 'Total' row; UZ Stat has none: its partner rows plus the
    remainder row 'Other countries' are its total; exact duplicate rows count once."""
    national = (
        NATIONAL + "UZB,UZ Stat,Other countries,,True,imports,2022,5.0,f.csv,s\n"
        "UZB,UZ Stat,CIS,,True,imports,2022,7.0,f.csv,s\n"
    )
    totals = recent.load(write_recent(tmp_path, **{recent.NATIONAL_FILE: national})).tables[
        recent.TOTALS_TABLE
    ]
    assert totals.schema == pl.Schema(recent.TOTALS_SCHEMA)
    rows = {
        (r, f): (v, b)
        for r, f, v, b in totals.select("reporter_iso3", "flow", "value_usd", "basis").iter_rows()
    }
    assert rows[("KGZ", "export")] == (pytest.approx(2.0e9), "total row 'Total'")
    assert rows[("UZB", "import")] == (
        pytest.approx(15.0e3),
        "partner rows + remainder row 'Other countries'",
    )
    assert ("KGZ", "import") not in rows and (
        "KAZ",
        "export",
    ) not in rows  # no total row in the file
