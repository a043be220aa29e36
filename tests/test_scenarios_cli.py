"""`autonomy scenario` and `autonomy index` / `joint` on a tiny synthetic warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from autonomy_monitor.cli.main import app
from tests.scenario_fixtures import write_warehouse


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = write_warehouse(tmp_path / "w.duckdb")
    monkeypatch.setenv("AUTONOMY_WAREHOUSE", str(path))
    monkeypatch.setenv("COLUMNS", "200")
    return path


def test_scenario_list_and_explain(warehouse: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["scenario", "list"])
    assert listed.exit_code == 0, listed.output
    assert (
        "japan-uzbekistan-ssw" in listed.output and "turkmenistan-gas-china-halved" in listed.output
    )
    explained = runner.invoke(app, ["scenario", "explain", "japan-uzbekistan-ssw"])
    assert explained.exit_code == 0, explained.output
    assert "10,000" in explained.output and "assumption" in explained.output


def test_scenario_run_bundled_on_synthetic_warehouse(warehouse: Path) -> None:
    result = CliRunner().invoke(app, ["scenario", "run", "japan-uzbekistan-ssw"])
    assert result.exit_code == 0, result.output
    out = result.output
    for text in (
        "remittances_usd",
        "remittance_dependence",
        "remittance_share",
        "JPN",
        "RUS",
        "2025",
        "2029",
        "workers_in_destination",
        "Assumptions",
        "held_from_2024",
    ):
        assert text in out, text
    # 2,000 workers × 230,000 JPY / 150 × 12 × 0.4 in 2025
    assert "14,720,000" in out


def test_scenario_run_csv_has_every_row(warehouse: Path) -> None:
    result = CliRunner().invoke(app, ["scenario", "run", "japan-uzbekistan-ssw", "--format", "csv"])
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0]
    assert header.startswith(
        "country_iso3,partner_iso3,year,dimension,measure,unit,baseline,scenario,difference"
    )
    assert (
        sum(
            1
            for line in result.output.splitlines()
            if ",JPN,2029,remittances,remittances_usd," in line
        )
        == 1
    )


def test_scenario_run_bad_file_exits_2_with_line(warehouse: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[scenario]\nname = "x"\ncountry = "UZB"\nyears = [2025, 2025]\n\n'
        '[[levers]]\ntype = "aid"\ncountry = "UZB"\ndonor = "JPN"\namount_usd = -1\n'
    )
    result = CliRunner().invoke(app, ["scenario", "run", str(bad)])
    assert result.exit_code == 2
    assert "line 10" in result.output and "bad.toml" in result.output


def test_index_and_joint_commands(warehouse: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "index",
            "--countries",
            "UZB,KGZ",
            "--year",
            "2023",
            "--powers",
            "RUS,CHN",
            "--draws",
            "200",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "Autonomy index 2023" in result.output
        and "90% interval" in result.output
        and "UZB" in result.output
    )
    weights = tmp_path / "w.toml"
    weights.write_text("[weights]\ntrade = 1.0\n")
    only_trade = runner.invoke(
        app,
        [
            "index",
            "--countries",
            "UZB",
            "--year",
            "2023",
            "--powers",
            "RUS,CHN",
            "--weights",
            str(weights),
            "--format",
            "csv",
        ],
    )
    assert only_trade.exit_code == 0, only_trade.output
    rows = [line.split(",") for line in only_trade.output.splitlines()[1:]]
    header = only_trade.output.splitlines()[0].split(",")
    autonomy = {row[header.index("power")]: float(row[header.index("dependence")]) for row in rows}
    assert autonomy["CHN"] == pytest.approx(7 / 14) and autonomy["RUS"] == pytest.approx(5 / 14)
    weights.write_text("[weights]\ntrade = -1\n")
    bad = runner.invoke(app, ["index", "--countries", "UZB", "--weights", str(weights)])
    assert bad.exit_code == 2 and "w.toml" in bad.output
    joint = runner.invoke(app, ["joint", "--powers", "RUS,CHN", "--from", "2022", "--to", "2024"])
    assert joint.exit_code == 0, joint.output
    assert "Caveats" in joint.output and "RUS" in joint.output


@pytest.mark.parametrize(
    "name", ["japan-kyrgyzstan", "russia-remittance-fall", "turkmenistan-gas-china-halved"]
)
def test_every_bundled_scenario_runs(warehouse: Path, name: str) -> None:
    result = CliRunner().invoke(app, ["scenario", "run", name])
    assert result.exit_code == 0, result.output
    assert "baseline vs scenario" in result.output and "Assumptions" in result.output


def test_index_api_weights_argument(warehouse: Path) -> None:
    from autonomy_monitor import api

    only_trade = api.autonomy_index(
        "UZB", year=2023, powers="RUS,CHN", weights={"trade": 1.0}, draws=100
    )
    assert only_trade.weights["trade"] == 1.0 and sum(only_trade.weights.values()) == pytest.approx(
        1.0
    )
    assert only_trade.scores["autonomy"][0] == pytest.approx(1 - 7 / 14)
    default = api.autonomy_index("UZB", year=2023, powers="RUS,CHN", draws=100)
    assert (
        default.weights == api.autonomy_index("UZB", year=2023, powers="RUS,CHN", draws=10).weights
    )
    with pytest.raises(api.BadArgument):
        api.autonomy_index("UZB", year=2023, weights={"trade": -1.0})
