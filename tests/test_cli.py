"""The `autonomy` command on a warehouse built from tiny synthetic files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from autonomy_monitor.cli.main import app
from tests import unga_specimen


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    source = unga_specimen.write_all(tmp_path / "raw")
    return {
        "AUTONOMY_WAREHOUSE": str(tmp_path / "wh" / "warehouse.duckdb"),
        "AUTONOMY_SHARED_DATA": str(source),
        "AUTONOMY_BUNDLED_SNAPSHOT": str(tmp_path / "snapshot"),
        "COLUMNS": "200",
    }


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


@pytest.fixture()
def built(env: dict[str, str]) -> dict[str, str]:
    result = run(env, "build", "--sources", "unga")
    assert result.exit_code == 0, result.output
    return env


def test_build_then_status(built: dict[str, str]) -> None:
    result = run(built, "status")
    assert result.exit_code == 0
    assert "unvotes_un_votes.rda" in result.output and "core_unga__votes" in result.output


def test_votes_shows_x_for_absent_and_dash_for_non_member(built: dict[str, str]) -> None:
    result = run(
        built,
        "votes",
        "--resolution",
        "A/RES/74/7",
        "--countries",
        "USA,RUS,KAZ,JPN,TJK",
        "--format",
        "json",
    )
    votes = {row["country_iso3"]: row["vote"] for row in json.loads(result.output)}
    assert votes == {"USA": "N", "RUS": "Y", "KAZ": "Y", "JPN": "X", "TJK": "–"}


def test_alignment_json_has_all_measures(built: dict[str, str]) -> None:
    result = run(
        built,
        "alignment",
        "KAZ",
        "--with",
        "RUS,USA",
        "--from",
        "2019",
        "--to",
        "2022",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["partner_iso3"] for r in rows} == {"RUS", "USA"}
    for row in rows:
        assert {"agreement", "identical_share", "s_score", "kappa", "n_votes", "year"} <= set(row)
    rus_2019 = next(r for r in rows if r["partner_iso3"] == "RUS" and r["year"] == 2019)
    assert rus_2019["agreement"] == 1.0 and rus_2019["n_votes"] == 1


def test_alignment_follows_the_ussr_for_russia(built: dict[str, str]) -> None:
    result = run(built, "alignment", "USA", "--with", "RUS", "--to", "1990", "--format", "csv")
    assert result.exit_code == 0
    assert "SUN" in result.output.splitlines()[1]


def test_issue_filter(built: dict[str, str]) -> None:
    result = run(
        built, "alignment", "KAZ", "--with", "RUS", "--issue", "ukraine", "--format", "json"
    )
    rows = json.loads(result.output)
    assert [r["year"] for r in rows] == [2022] and rows[0]["agreement"] == 0.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["alignment", "ATLANTIS"], "Unknown country or group 'ATLANTIS'"),
        (["alignment", "KAZ", "--from", "1900"], "Year 1900 (--from) is out of range"),
        (["alignment", "KAZ", "--from", "2000", "--to", "1999"], "--from 2000 is after --to 1999"),
        (["alignment", "KAZ", "--issue", "weather"], "Unknown issue 'weather'"),
        (["votes", "--resolution", "A/RES/1/999"], "Unknown resolution 'A/RES/1/999'"),
        (["build", "--sources", "nope"], "Unknown source(s) nope"),
    ],
)
def test_bad_arguments_give_one_sentence_and_exit_2(
    built: dict[str, str], args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, args, env=built)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_failed_build_keeps_the_previous_warehouse(built: dict[str, str]) -> None:
    raw = Path(built["AUTONOMY_SHARED_DATA"]) / "unga_votes" / "unga_votes_unxml_2019_2026.parquet"
    raw.write_bytes(raw.read_bytes()[:100])
    before = Path(built["AUTONOMY_WAREHOUSE"]).read_bytes()
    result = CliRunner().invoke(app, ["build", "--sources", "unga"], env=built)
    assert result.exit_code == 2
    assert "cannot be read as Parquet" in result.output
    assert Path(built["AUTONOMY_WAREHOUSE"]).read_bytes() == before
    assert run(built, "votes", "--resolution", "A/RES/ES-11/1").exit_code == 0


def test_snapshot_round_trip(built: dict[str, str]) -> None:
    result = run(built, "snapshot")
    assert result.exit_code == 0, result.output
    manifest = json.loads((Path(built["AUTONOMY_BUNDLED_SNAPSHOT"]) / "manifest.json").read_text())
    assert {t["name"] for t in manifest["tables"]} >= {
        "out_alignment__yearly_vote_agreement_wide",
        "out_alignment__key_votes",
    }
    Path(built["AUTONOMY_WAREHOUSE"]).unlink()
    result = run(
        built,
        "votes",
        "--resolution",
        "A/RES/ES-11/1",
        "--countries",
        "KAZ,RUS",
        "--format",
        "json",
    )
    assert json.loads(result.output)[0]["vote"] == "A"
    result = run(built, "alignment", "KAZ", "--with", "RUS", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.output)


def test_no_warehouse_and_no_snapshot(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["alignment", "KAZ"], env=env)
    assert result.exit_code == 2 and "autonomy build" in result.output


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "status", "alignment", "votes", "snapshot"):
        assert command in result.output


def test_build_offline_on_an_empty_store_says_what_to_fetch(
    env: dict[str, str], tmp_path: Path
) -> None:
    env = {**env, "AUTONOMY_SNAPSHOT_STORE": str(tmp_path / "store")}
    result = CliRunner().invoke(app, ["build", "--offline", "--sources", "wdi,unga"], env=env)
    assert result.exit_code == 2
    assert "autonomy fetch --source wdi,unga" in result.output
    assert not Path(env["AUTONOMY_WAREHOUSE"]).exists()
