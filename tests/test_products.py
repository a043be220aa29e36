"""Product-level (HS6) trade: BACI/Comtrade readers, the build with --baci-dir, the CLI."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from autonomy_monitor.cli.main import app
from autonomy_monitor.compute import get_engine
from autonomy_monitor.indicators import relational
from autonomy_monitor.sources.baci import bulk
from autonomy_monitor.pipeline.steps import products_step
from tests.test_conformance import (
    assert_same,
    product_trade,
    python_concentration,
    python_flags,
    write_baci,
)


def test_baci_code_map_uses_baci_own_codes() -> None:
    codes = dict(bulk.baci_code_map(Path("/nonexistent")).iter_rows())
    assert (
        codes[842] == "USA" and codes[251] == "FRA" and codes[699] == "IND" and codes[490] == "TWN"
    )
    assert codes[156] == "CHN" and codes[643] == "RUS" and codes[398] == "KAZ"
    assert 58 not in codes and 711 not in codes  # aggregates: rejected with their reason


def test_mixed_hs_revisions_are_refused(tmp_path: Path) -> None:
    for name in ("BACI_HS17_Y2020_V202401.csv", "BACI_HS92_Y2020_V202401.csv"):
        (tmp_path / name).write_text("t,i,j,k,v,q\n")
    with pytest.raises(bulk.BadInput, match="several HS revisions \\(HS17, HS92\\)"):
        bulk.baci_files(tmp_path)


def test_baci_own_country_file_takes_precedence(tmp_path: Path) -> None:
    (tmp_path / "country_codes_V202401.csv").write_text(
        "country_code,country_name,country_iso2,country_iso3\n398,Kazakhstan,KZ,KAZ\n999,Nowhere,XX,XXX\n"
    )
    codes = bulk.baci_code_map(tmp_path)
    assert codes.to_dicts() == [{"code": 398, "iso3": "KAZ"}]


def test_comtrade_bulk_csv_gives_the_same_flags(tmp_path: Path, duckdb_engine) -> None:  # type: ignore[no-untyped-def]
    frame = product_trade()
    rows = frame.select(
        pl.col("year").alias("refYear"),
        pl.col("importer_iso3").alias("reporterISO"),
        pl.lit("M").alias("flowCode"),
        pl.col("exporter_iso3").alias("partnerISO"),
        pl.col("product").alias("cmdCode"),
        pl.lit("C00").alias("customsCode"),
        pl.lit("0").alias("motCode"),
        pl.lit("0").alias("partner2Code"),
        pl.col("value_usd").alias("primaryValue"),
    )
    noise = pl.DataFrame(
        {
            "refYear": [2020, 2020, 2020],
            "reporterISO": ["KAZ"] * 3,
            "flowCode": ["X", "M", "M"],
            "partnerISO": ["CHN", "W00", "CHN"],
            "cmdCode": ["850760", "850760", "850760"],
            "customsCode": ["C00", "C00", "C01"],
            "motCode": ["0"] * 3,
            "partner2Code": ["0"] * 3,
            "primaryValue": [5.0, 99.0, 7.0],
        },
        schema=rows.schema,
    )
    pl.concat([rows, noise]).write_csv(tmp_path / "comtrade_2019_2021.csv")
    result = products_step.build_products(duckdb_engine, tmp_path)
    flags = result.tables[products_step.FLAGS_TABLE].rename({"country_iso3": "importer_iso3"})
    expected = python_flags(python_concentration(frame.to_dicts()))
    assert_same(flags, expected)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["CHN", "RUS", "USA", "DEU"]),
            st.sampled_from(["KAZ", "UZB"]),
            st.sampled_from(["850760", "271019"]),
            st.floats(0.01, 1e6),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_concentration_is_a_valid_hhi(flows: list[tuple[str, str, str, float]]) -> None:
    frame = pl.DataFrame(
        [
            {"year": 2020, "exporter_iso3": e, "importer_iso3": i, "product": k, "value_usd": v}
            for e, i, k, v in flows
            if e != i
        ],
        schema_overrides={"year": pl.Int32},
    )
    if frame.is_empty():
        return
    engine = get_engine("polars")
    out = engine.collect(
        relational.strategic_dependence(relational.supplier_concentration(engine.lazy(frame)))
    )
    assert (out["import_hhi"] <= 1 + 1e-12).all() and (
        out["import_hhi"] >= 1 / out["n_suppliers"] - 1e-12
    ).all()
    assert (out["world_export_hhi"] <= 1 + 1e-12).all()
    assert (out["years_met"] <= 1).all() and not out[
        "strategic"
    ].any()  # one year cannot hold 2 of 3


def test_products_dimension_without_the_table_says_how_to_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTONOMY_WAREHOUSE", str(tmp_path / "none.duckdb"))
    result = CliRunner().invoke(
        app, ["dependence", "KAZ", "--dimension", "products", "--year", "2021"]
    )
    assert result.exit_code == 2
    assert "autonomy build --baci-dir DIR" in result.output


def test_build_refuses_a_spark_master_without_spark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTONOMY_WAREHOUSE", str(tmp_path / "w.duckdb"))
    result = CliRunner().invoke(
        app, ["build", "--source-dir", str(tmp_path), "--spark-master", "spark://h:7077"]
    )
    assert (
        result.exit_code == 2 and "--spark-master only applies to --engine spark" in result.output
    )
    engine = CliRunner().invoke(app, ["build", "--source-dir", str(tmp_path), "--engine", "flink"])
    assert engine.exit_code == 2 and "Unknown engine 'flink'" in engine.output


@pytest.mark.shared_data
def test_build_with_baci_dir_then_dependence_products(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_baci(tmp_path / "baci", product_trade())
    monkeypatch.setenv("AUTONOMY_WAREHOUSE", str(tmp_path / "w.duckdb"))
    runner = CliRunner()
    built = runner.invoke(
        app,
        [
            "build",
            "--source-dir",
            str(shared_data),
            "--sources",
            "japan_residents",
            "--baci-dir",
            str(tmp_path / "baci"),
        ],
    )
    assert built.exit_code == 0, built.output
    shown = runner.invoke(
        app, ["dependence", "KAZ", "--dimension", "products", "--year", "2021", "--format", "csv"]
    )
    assert shown.exit_code == 0, shown.output
    table = pl.read_csv(shown.stdout.encode(), schema_overrides={"product": pl.String})
    # batteries (90% from China, world exports concentrated) and wheat (all from Russia; world
    # exports of the product: Russia and Kazakhstan only, HHI 0.50; imports 60 > own exports 50)
    assert table["product"].to_list() == ["850760", "100199"] and table["strategic"].all()
    assert abs(table["china_share"][0] - 0.9) < 1e-12 and table["russia_share"][1] == 1.0
    screen = runner.invoke(app, ["dependence", "KAZ", "--dimension", "products", "--year", "2021"])
    assert "strategic HS6 dependencies" in screen.output and "CHN" in screen.output
    status = runner.invoke(app, ["status", "--format", "csv"])
    assert "BACI_HS17_Y2019_V202401.csv" in status.stdout
