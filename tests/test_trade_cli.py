"""The gaps query and command on a tiny warehouse written here from synthetic step output."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from autonomy_monitor import api
from autonomy_monitor.pipeline import warehouse
from autonomy_monitor.errors import BadArgument, WarehouseMissing
from autonomy_monitor.settings import Settings
from autonomy_monitor.pipeline.steps import trade_step


def step_outputs() -> dict[str, pl.DataFrame]:
    imf = pl.DataFrame(
        [
            ("KGZ", "CHN", 2020, "import", 700.0e6),
            ("CHN", "KGZ", 2020, "export", 2800.0e6),
            ("KGZ", "KAZ", 2020, "import", 500.0e6),
            ("KAZ", "KGZ", 2020, "export", 1100.0e6),
            ("KGZ", "RUS", 2020, "import", 1300.0e6),
            ("RUS", "KGZ", 2020, "export", 1400.0e6),
        ],
        schema=["reporter_iso3", "partner_iso3", "year", "flow", "value_usd"],
        orient="row",
    ).with_columns(pl.col("year").cast(pl.Int32), pl.lit(False).alias("is_mirror"))
    recent = pl.DataFrame(
        [
            ("KGZ", "CHN", 2023, "import", 5300.0e6, "KG NSC"),
            ("CHN", "KGZ", 2023, "export", 19700.0e6, "press:GACC"),
        ],
        schema=["reporter_iso3", "partner_iso3", "year", "flow", "value_usd", "source"],
        orient="row",
    ).with_columns(pl.col("year").cast(pl.Int32))
    return trade_step.compute({trade_step.IMF_TABLE: imf, trade_step.RECENT_TABLE: recent})


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    path = tmp_path / "warehouse.duckdb"
    with warehouse.atomic_build(path) as connection:
        for name, frame in step_outputs().items():
            warehouse.write_table(connection, name, frame)
    monkeypatch.setenv("AUTONOMY_WAREHOUSE", str(path))
    return Settings(warehouse=path)


def test_gaps_filters_partner_years_and_ratio(settings: Settings) -> None:
    frame = api.mirror_gaps("KGZ", "CHN", settings=settings)
    assert frame.select("year", "flow").rows() == [(2020, "import"), (2023, "import")]
    assert frame["ratio"][0] == pytest.approx(4.0)
    assert api.mirror_gaps("Kyrgyzstan", year=2020, min_ratio=3, settings=settings)[
        "partner_iso3"
    ].to_list() == ["CHN"]
    assert api.mirror_gaps("KGZ", start=2021, end=2023, settings=settings)["source"].to_list() == [
        "KG NSC | press:GACC"
    ]
    assert api.mirror_gaps("KGZ", min_ratio=2, settings=settings)["partner_iso3"].to_list() == [
        "CHN",
        "CHN",
        "KAZ",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_ratio": 1.2}, "at least 1.5"),
        ({"year": 2020, "start": 2019}, "either --year or --from/--to"),
        ({"start": 1900}, "out of range"),
        ({"flow": "re-export"}, "Unknown flow"),
    ],
)
def test_gaps_bad_arguments(settings: Settings, kwargs: dict, message: str) -> None:
    with pytest.raises(BadArgument, match=message):
        api.mirror_gaps("KGZ", settings=settings, **kwargs)


def test_gaps_without_table(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    with warehouse.atomic_build(path) as connection:
        warehouse.write_table(connection, "other", pl.DataFrame({"a": [1]}))
    with pytest.raises(WarehouseMissing, match="out_trade__mirror_gaps"):
        api.mirror_gaps("KGZ", settings=Settings(warehouse=path))


def test_gaps_command_table_csv_and_error(settings: Settings) -> None:
    from autonomy_monitor.cli.main import app

    runner = CliRunner()
    table = runner.invoke(
        app, ["gaps", "--reporter", "KGZ", "--partner", "CHN"], env={"COLUMNS": "200"}
    )
    assert table.exit_code == 0, table.output
    assert (
        "Kyrgyzstan (KGZ)" in table.output
        and "2,800.0" in table.output
        and "press:GACC" in table.output
    )
    csv = runner.invoke(app, ["gaps", "--reporter", "KGZ", "--year", "2023", "--format", "csv"])
    assert csv.exit_code == 0
    parsed = pl.read_csv(csv.stdout.encode())
    assert parsed["mirror_value_usd"].to_list() == [19700.0e6]
    bad = runner.invoke(app, ["gaps", "--reporter", "KGZ", "--min-ratio", "1.1"])
    assert bad.exit_code == 2 and "at least 1.5" in bad.output
