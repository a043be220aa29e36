"""Press-reported votes: a separate, flagged record, shown in key votes and used nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from autonomy_monitor import api
from autonomy_monitor.api.reader import query
from autonomy_monitor.errors import BadInput
from autonomy_monitor.settings import Settings
from autonomy_monitor.sources.unga import bulk
from tests import unga_specimen

COMPUTED_TABLES = (
    "out_alignment__yearly_vote_agreement_wide",
    "out_alignment__yearly_participation",
    "out_alignment__ideal_points",
    "core_unga__votes",
    "core_unga__roll_calls",
)


def built(root: Path, *, press: bool) -> Settings:
    source = unga_specimen.write_all(root / "data", press=press)
    settings = Settings(warehouse=root / "w.duckdb", bundled_snapshot=root / "snapshot")
    api.build(source, sources=["unga"], settings=settings)
    return settings


@pytest.fixture(scope="module")
def with_press(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return built(tmp_path_factory.mktemp("press"), press=True)


@pytest.fixture(scope="module")
def without_press(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return built(tmp_path_factory.mktemp("nopress"), press=False)


def test_press_rows_get_their_own_table_and_official_wins(with_press: Settings) -> None:
    press = query(
        with_press,
        "SELECT row_id, record_id, superseded_by FROM core_unga__press_reported_votes "
        "ORDER BY row_id",
    )
    superseded = dict(zip(press["row_id"], press["superseded_by"]))
    assert superseded == {
        "P1": None,
        "P2": None,
        "P3": None,
        "P4": "ux:A/RES/ES-11/1",
        "P5": "ux:A/RES/ES-11/1",
    }


@pytest.mark.parametrize("table", COMPUTED_TABLES)
def test_press_votes_change_no_computed_table(
    with_press: Settings, without_press: Settings, table: str
) -> None:
    order = "ORDER BY ALL"
    assert query(with_press, f"SELECT * FROM {table} {order}").equals(
        query(without_press, f"SELECT * FROM {table} {order}")
    )


def test_press_ids_never_reach_the_vote_table(with_press: Settings) -> None:
    assert (
        query(
            with_press,
            "SELECT count(*) AS n FROM core_unga__votes WHERE roll_call_id LIKE 'press:%'",
        )["n"][0]
        == 0
    )


def test_key_votes_show_the_press_record_flagged_with_sources(with_press: Settings) -> None:
    votes = api.key_votes("ES-11/7", "KAZ,RUS,USA", settings=with_press)
    assert votes["record_kind"].unique().to_list() == ["press_reported"]
    assert dict(votes.select("country_iso3", "vote").iter_rows()) == {
        "KAZ": "A",
        "RUS": "N",
        "USA": "–",
    }
    assert dict(votes.select("country_iso3", "source").iter_rows()) == {
        "KAZ": "https://example.org/a",
        "RUS": "https://example.org/b",
        "USA": None,
    }
    call = api.roll_call("ES-11/7", settings=with_press).row(0, named=True)
    assert (call["official_yes"], call["official_no"], call["official_abstain"]) == (3, 1, 0)


def test_official_record_wins_over_a_press_report(with_press: Settings) -> None:
    votes = api.key_votes("ES-11/1", "KAZ", settings=with_press)
    assert votes.select("vote", "record_kind").row(0) == ("A", "official")
    table = query(
        with_press,
        "SELECT DISTINCT record_kind FROM out_alignment__key_votes "
        "WHERE roll_call_id LIKE 'press:%'",
    )
    assert table["record_kind"].to_list() == ["press_reported"]
    shown = query(
        with_press,
        "SELECT DISTINCT roll_call_id FROM out_alignment__key_votes "
        "WHERE record_kind = 'press_reported'",
    )
    assert shown["roll_call_id"].to_list() == ["press:2025-02-24:P1"]


def test_key_vote_frame_keeps_its_columns_and_adds_kind_and_source(with_press: Settings) -> None:
    votes = api.key_votes("ES-11/1", "KAZ,RUS", settings=with_press)
    assert votes.columns[:4] == ["resolution_symbol", "date", "country_iso3", "vote"]
    assert {"record_kind", "source"} <= set(votes.columns)
    assert votes["source"][0].startswith("United Nations DGACM")


def test_bad_press_vote_is_one_clear_error(tmp_path: Path) -> None:
    root = unga_specimen.write_all(tmp_path)
    path = root / "unga_votes" / "press_reported_votes_2024_2026.csv"
    path.write_text(path.read_text().replace(",KAZ,A,", ",KAZ,maybe,"))
    with pytest.raises(BadInput, match="row P2 has vote 'maybe'"):
        bulk.load(root)


def test_lookup_errors_name_the_problem(with_press: Settings) -> None:
    with pytest.raises(api.BadArgument, match="--resolution is empty"):
        api.roll_call("  ", settings=with_press)
    with pytest.raises(api.BadArgument, match="Nearest symbols: A/RES/74/7"):
        api.roll_call("74/8", settings=with_press)


def test_lookup_accepts_every_form(with_press: Settings) -> None:
    for typed in ("A/RES/74/7", "74/7", "res 74/7", "resolution 74/7", "a/res/74/7"):
        assert api.roll_call(typed, settings=with_press)["resolution_symbol"].to_list() == [
            "A/RES/74/7"
        ]
    assert api.roll_call("R/40/1", settings=with_press)["resolution_symbol"].to_list() == [
        "A/RES/40/1"
    ]
    assert api.roll_call("ES 11/1", settings=with_press)["resolution_symbol"].to_list() == [
        "A/RES/ES-11/1"
    ]
