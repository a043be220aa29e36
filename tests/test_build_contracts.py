"""Bad raw files fail `autonomy build` with one sentence and leave the previous warehouse intact:
a key repeated with a different value, a CSV cut mid-row, a ragged row, a wrong encoding.
Also `autonomy trace` from an output row to the raw files, on tiny synthetic KNOMAD files and,
where ../shared/data is present, on a copy of the real migration folder."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autonomy_monitor.cli.main import app

MATRIX_HEADER = (
    "year,sending_name,sending_iso3,receiving_name,receiving_iso3,remittances_usd_millions\n"
)
MATRIX_2021 = MATRIX_HEADER + (
    "2021,Russian Federation,RUS,Kyrgyz Republic,KGZ,2010.5\n"
    "2021,Kazakhstan,KAZ,Kyrgyz Republic,KGZ,120.0\n"
    "2021,Russian Federation,RUS,Tajikistan,TJK,1900.0\n"
)
MATRIX_2017 = MATRIX_HEADER + "2017,Russian Federation,RUS,Kyrgyz Republic,KGZ,1500.0\n"
STOCKS = (
    "year,origin_name,origin_iso3,destination_name,destination_iso3,migrant_stock\n"
    "2017,Kyrgyz Republic,KGZ,Russian Federation,RUS,600000\n"
)
INFLOWS = "iso3,country_name,year,estimate,measure,value\n" + "".join(
    f"{code},{name},{year},false,inflows_usd_millions,{value}\n"
    for code, name, value in (("KGZ", "Kyrgyz Republic", 2700.25), ("TJK", "Tajikistan", 2900.75))
    for year in (2020, 2021)
)
FILES = {
    "knomad_bilateral_remittances_2021.csv": MATRIX_2021,
    "wb_bilateral_remittances_2017.csv": MATRIX_2017,
    "wb_bilateral_migrant_stocks_2017.csv": STOCKS,
    "knomad_remittance_inflows_2000_2023.csv": INFLOWS,
}


def write_source(root: Path, **replace: str | bytes) -> Path:
    folder = root / "migration"
    folder.mkdir(parents=True)
    for name, text in {**FILES, **replace}.items():
        target = folder / name
        target.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return root


def build(warehouse: Path, source: Path):  # type: ignore[no-untyped-def]
    env = {"AUTONOMY_WAREHOUSE": str(warehouse), "COLUMNS": "200"}
    return CliRunner().invoke(
        app, ["build", "--source-dir", str(source), "--sources", "knomad"], env=env
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    target = tmp_path / "wh" / "warehouse.duckdb"
    result = build(target, write_source(tmp_path / "good"))
    assert result.exit_code == 0, result.output
    return target


def assert_fails_cleanly(warehouse: Path, source: Path, *expected: str) -> str:
    before = digest(warehouse)
    result = build(warehouse, source)
    message = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in message, message
    assert digest(warehouse) == before
    assert not list(warehouse.parent.glob("*.building-*"))
    return message


def test_repeated_key_with_another_value_fails(warehouse: Path, tmp_path: Path) -> None:
    matrix = MATRIX_2021 + "2021,Russian Federation,RUS,Kyrgyz Republic,KGZ,999.0\n"
    source = write_source(tmp_path / "dup", **{"knomad_bilateral_remittances_2021.csv": matrix})
    assert_fails_cleanly(
        warehouse,
        source,
        "core_knomad__bilateral_remittances",
        "migration/knomad_bilateral_remittances_2021.csv",
        "primary key (sender_iso3=RUS, receiver_iso3=KGZ, year=2021) occurs in 2 rows",
    )


def test_exact_duplicate_row_is_dropped_and_counted(warehouse: Path, tmp_path: Path) -> None:
    matrix = MATRIX_2021 + "2021,Russian Federation,RUS,Kyrgyz Republic,KGZ,2010.5\n"
    result = build(
        warehouse,
        write_source(tmp_path / "same", **{"knomad_bilateral_remittances_2021.csv": matrix}),
    )
    assert result.exit_code == 0, result.output


def test_csv_cut_mid_row_fails(warehouse: Path, tmp_path: Path) -> None:
    cut = INFLOWS[: INFLOWS.rindex("2900.75")] + "29"
    source = write_source(tmp_path / "cut", **{"knomad_remittance_inflows_2000_2023.csv": cut})
    assert_fails_cleanly(
        warehouse, source, "knomad_remittance_inflows_2000_2023.csv", "line 5 (the last) is cut off"
    )


def test_row_with_missing_fields_fails(warehouse: Path, tmp_path: Path) -> None:
    ragged = INFLOWS.replace(
        "KGZ,Kyrgyz Republic,2021,false,inflows_usd_millions,2700.25\n",
        "KGZ,Kyrgyz Republic,2021\n",
    )
    source = write_source(
        tmp_path / "ragged", **{"knomad_remittance_inflows_2000_2023.csv": ragged}
    )
    assert_fails_cleanly(
        warehouse,
        source,
        "knomad_remittance_inflows_2000_2023.csv",
        "line 3: 3 fields where the header has 6",
    )


def test_file_not_in_its_declared_encoding_fails(warehouse: Path, tmp_path: Path) -> None:
    latin = STOCKS.replace("Kyrgyz Republic", "République kirghize").encode("latin-1")
    source = write_source(tmp_path / "latin", **{"wb_bilateral_migrant_stocks_2017.csv": latin})
    assert_fails_cleanly(
        warehouse, source, "wb_bilateral_migrant_stocks_2017.csv", "line 2", "not valid utf-8"
    )


def test_trace_reaches_the_raw_files(warehouse: Path) -> None:
    env = {"AUTONOMY_WAREHOUSE": str(warehouse), "COLUMNS": "250"}
    result = CliRunner().invoke(
        app,
        [
            "trace",
            "core_knomad__bilateral_remittances",
            "--where",
            "sender_iso3=RUS,receiver_iso3=KGZ,year=2021",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "2010500000" in result.output.replace(",", "").replace(".0", "")
    assert "autonomy_monitor.sources.knomad.bulk.load" in result.output
    assert "knomad_bilateral_remittances_2021.csv" in result.output
    sha = digest(
        warehouse.parent.parent / "good" / "migration" / "knomad_bilateral_remittances_2021.csv"
    )
    assert sha[:12] in result.output
    assert "knomad_remittance_inflows" not in result.output  # only the files behind this table


def test_lineage_is_stored_as_lists(warehouse: Path) -> None:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (files,) = connection.execute(
            "SELECT input_files FROM meta_lineage__tables "
            "WHERE table_name = 'core_knomad__bilateral_remittances'"
        ).fetchone()
    assert files == [
        "migration/knomad_bilateral_remittances_2021.csv",
        "migration/wb_bilateral_remittances_2017.csv",
    ]


@pytest.mark.shared_data
def test_real_matrix_copy_with_a_second_russia_kyrgyzstan_row_fails(
    shared_data: Path, tmp_path: Path
) -> None:
    good = tmp_path / "real"
    shutil.copytree(shared_data / "migration", good / "migration")
    target = tmp_path / "wh" / "warehouse.duckdb"
    assert build(target, good).exit_code == 0
    bad = tmp_path / "bad"
    shutil.copytree(good, bad)
    matrix = bad / "migration" / "knomad_bilateral_remittances_2021.csv"
    with matrix.open("a", encoding="utf-8") as handle:
        handle.write("2021,Russian Federation,RUS,Kyrgyz Republic,KGZ,1.0\n")
    assert_fails_cleanly(
        target,
        bad,
        "core_knomad__bilateral_remittances",
        "knomad_bilateral_remittances_2021.csv",
        "sender_iso3=RUS, receiver_iso3=KGZ, year=2021",
    )
    inflows = bad / "migration" / "knomad_remittance_inflows_2000_2023.csv"
    shutil.copy(good / "migration" / "knomad_bilateral_remittances_2021.csv", matrix)
    data = inflows.read_bytes()
    cut = len(data) // 2
    cut += 3 if data[cut - 1 : cut] == b"\n" else 0  # mid-row, not at a line break
    inflows.write_bytes(data[:cut])
    assert_fails_cleanly(target, bad, "knomad_remittance_inflows_2000_2023.csv", "is cut off")
