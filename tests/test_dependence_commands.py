"""The dependence and profile queries and commands on a tiny warehouse written here."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from autonomy_monitor import api
from autonomy_monitor.errors import BadArgument
from autonomy_monitor.indicators.shares import OUTPUT_SCHEMA
from autonomy_monitor.settings import Settings


def rows() -> pl.DataFrame:
    data = [
        (
            "KGZ",
            "RUS",
            2021,
            "remittances",
            "remittances_usd",
            2.0e9,
            "current US$",
            "bilateral_matrix_2021",
            "total: KNOMAD",
            None,
        ),
        (
            "KGZ",
            "RUS",
            2021,
            "remittances",
            "remittance_share",
            0.72,
            "share",
            "bilateral_matrix_2021",
            "total: KNOMAD",
            None,
        ),
        (
            "KGZ",
            "RUS",
            2021,
            "remittances",
            "remittance_dependence",
            0.22,
            "ratio to GDP",
            "bilateral_matrix_2021",
            "total: KNOMAD",
            None,
        ),
        (
            "KGZ",
            "DEU",
            2021,
            "remittances",
            "remittance_share",
            0.14,
            "share",
            "bilateral_matrix_2021",
            "total: KNOMAD",
            None,
        ),
        (
            "KGZ",
            None,
            2021,
            "remittances",
            "remittance_sender_hhi",
            0.55,
            "index",
            "bilateral_matrix_2021",
            "total: KNOMAD",
            None,
        ),
        (
            "KGZ",
            "JPN",
            2019,
            "aid",
            "oda_share",
            0.04,
            "share",
            "dac2a_net_disbursements",
            "OECD DAC2a",
            None,
        ),
        (
            "TKM",
            "CHN",
            2020,
            "trade",
            "export_share",
            0.80,
            "share",
            "mirror",
            "IMF DOTS",
            "mirror_used",
        ),
    ]
    return pl.DataFrame(data, schema=list(OUTPUT_SCHEMA), orient="row").cast(OUTPUT_SCHEMA)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    path = tmp_path / "warehouse.duckdb"
    connection = duckdb.connect(str(path))
    frame = rows()
    connection.register("f", frame.to_arrow())
    connection.execute("CREATE TABLE out_dependence__yearly AS SELECT * FROM f")
    gov = pl.DataFrame(
        {
            "country_iso3": ["KGZ"],
            "year": [2023],
            "source": ["WGI"],
            "indicator": ["rule_of_law"],
            "value": [-1.17],
            "scale": ["-2.5 (weak) to 2.5 (strong)"],
        }
    )
    connection.register("g", gov.to_arrow())
    connection.execute("CREATE TABLE out_governance__yearly AS SELECT * FROM g")
    connection.close()
    monkeypatch.setenv("AUTONOMY_WAREHOUSE", str(path))
    return Settings(warehouse=path)


def test_dependence_filters_partner_dimension_and_years(settings: Settings) -> None:
    frame = api.dependence(
        "KGZ", "RUS", dimension="remittances", start=2010, end=2023, settings=settings
    )
    assert frame["measure"].to_list() == [
        "remittance_dependence",
        "remittance_share",
        "remittances_usd",
    ]
    assert frame["method"].unique().to_list() == ["bilateral_matrix_2021"]
    everything = api.dependence("Kyrgyzstan", settings=settings)
    assert everything.height == 6 and everything["partner_iso3"].null_count() == 1


def test_dependence_accepts_groups(settings: Settings) -> None:
    frame = api.dependence("KGZ", "G7", dimension="aid", settings=settings)
    assert frame["partner_iso3"].to_list() == ["JPN"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"country": "Atlantis"}, "Unknown country or group 'Atlantis'"),
        ({"country": "KGZ", "on": "RUS,Narnia"}, "Unknown country or group 'Narnia'"),
        ({"country": "KGZ", "year": 1800}, "Year 1800"),
        ({"country": "KGZ", "start": 2020, "end": 2010}, "--from 2020 is after --to 2010"),
        ({"country": "KGZ", "dimension": "weather"}, "Unknown dimension 'weather'"),
        ({"country": "KGZ", "year": 2020, "start": 2010}, "either --year or --from/--to"),
    ],
)
def test_bad_arguments_give_one_sentence(settings: Settings, kwargs: dict, message: str) -> None:
    country = kwargs.pop("country")
    with pytest.raises(BadArgument, match=message.replace("(", r"\(").replace(")", r"\)")):
        api.dependence(country, settings=settings, **kwargs)


def test_cli_dependence_and_profile(settings: Settings) -> None:
    from autonomy_monitor.cli.main import app

    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "dependence",
            "KGZ",
            "--on",
            "RUS",
            "--dimension",
            "remittances",
            "--from",
            "2010",
            "--to",
            "2023",
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(result.stdout.encode())
    assert set(frame["measure"]) == {"remittances_usd", "remittance_share", "remittance_dependence"}
    table = runner.invoke(
        app, ["dependence", "TKM", "--on", "CHN", "--dimension", "trade", "--year", "2020"]
    )
    assert table.exit_code == 0 and "mirror_used" in table.stdout and "0.800" in table.stdout
    bad = runner.invoke(app, ["dependence", "KGZ", "--on", "Narnia"])
    assert bad.exit_code == 2 and "Narnia" in bad.output and "Traceback" not in bad.output
    profile = runner.invoke(app, ["profile", "KGZ"])
    assert profile.exit_code == 0, profile.output
    assert (
        "rule_of_law" in profile.stdout
        and "2023" in profile.stdout
        and "remittance_share" in profile.stdout
    )
