"""Contract tests of the UN-votes source on tiny synthetic files (see unga_specimen.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from autonomy_monitor.errors import BadInput, UnresolvedCountries
from autonomy_monitor.sources.unga import bulk
from tests import unga_specimen


@pytest.fixture()
def source_dir(tmp_path: Path) -> Path:
    return unga_specimen.write_all(tmp_path)


def votes_of(result, roll_call_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    frame = result.tables["core_unga__votes"].filter(pl.col("roll_call_id") == roll_call_id)
    return dict(frame.select("country_iso3", "vote").iter_rows())


def test_core_tables_follow_the_schema(source_dir: Path) -> None:
    result = bulk.load(source_dir)
    calls = result.tables["core_unga__roll_calls"]
    assert list(calls.columns)[:7] == [
        "roll_call_id",
        "resolution_symbol",
        "date",
        "session",
        "title",
        "issue_tags",
        "is_important",
    ]
    assert result.tables["core_unga__votes"].columns == ["roll_call_id", "country_iso3", "vote"]
    assert set(result.tables["core_unga__votes"]["vote"]) <= {"Y", "N", "A", "X"}


def test_overlapping_roll_call_appears_once_from_the_extract(source_dir: Path) -> None:
    calls = bulk.load(source_dir).tables["core_unga__roll_calls"]
    overlap = calls.filter(pl.col("resolution_symbol") == "A/RES/74/7")
    assert overlap.height == 1
    row = overlap.row(0, named=True)
    assert row["source"] == "unxml" and row["voeten_rcid"] == 2
    assert calls.height == 3


def test_states_are_coded_as_they_were_on_the_date(source_dir: Path) -> None:
    result = bulk.load(source_dir)
    assert votes_of(result, "rc1") == {"USA": "N", "SUN": "Y", "JPN": "A"}


def test_absent_members_get_x_and_non_members_no_row(source_dir: Path) -> None:
    result = bulk.load(source_dir)
    assert votes_of(result, "ux:A/RES/74/7")["JPN"] == "X"
    assert "KAZ" not in votes_of(result, "rc1")


def test_issue_tags_and_ukraine(source_dir: Path) -> None:
    calls = bulk.load(source_dir).tables["core_unga__roll_calls"]
    tags = dict(calls.select("resolution_symbol", "issue_tags").iter_rows())
    assert tags["A/RES/40/1"] == ["me"]
    assert "ukraine" in tags["A/RES/ES-11/1"]


def test_tallies_reproduced_and_mismatches_listed(tmp_path: Path) -> None:
    root = unga_specimen.write_all(tmp_path)
    unga_specimen.write_extract(root / "unga_votes", official_yes="3")
    result = bulk.load(root)
    mismatches = result.checks["qa_unga__tally_mismatches"]
    assert mismatches["resolution_symbol"].to_list() == ["A/RES/74/7"]
    record = next(r for r in result.inputs if r.file.endswith(".parquet") and "unxml" in r.file)
    assert record.reject_reasons["tally mismatch (listed in qa_unga__tally_mismatches)"] == 1


def test_provenance_records_every_file(source_dir: Path) -> None:
    result = bulk.load(source_dir)
    assert len(result.inputs) == 7
    assert all(len(r.sha256) == 64 and r.rows_read >= 0 for r in result.inputs)


def test_truncated_parquet_is_one_clear_error(source_dir: Path) -> None:
    path = source_dir / "unga_votes" / "unga_votes_unxml_2019_2026.parquet"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(
        BadInput, match="unga_votes_unxml_2019_2026.parquet: cannot be read as Parquet"
    ):
        bulk.load(source_dir)


def test_csv_missing_a_column_is_named(source_dir: Path) -> None:
    path = source_dir / "unga_votes" / "unga_resolutions_unxml_2019_2026.csv"
    pl.read_csv(path).drop("total_yes").write_csv(path)
    with pytest.raises(
        BadInput, match=r"unga_resolutions_unxml_2019_2026.csv: missing column\(s\) total_yes"
    ):
        bulk.load(source_dir)


def test_unknown_country_name_lists_it(source_dir: Path) -> None:
    votes = pd.DataFrame(
        {
            "rcid": [1.0],
            "country": ["Atlantis"],
            "country_code": ["AT"],
            "vote": pd.Categorical(["yes"]),
        }
    )
    unga_specimen.write_unvotes(source_dir / "unga_votes", votes=votes)
    with pytest.raises(UnresolvedCountries, match="'Atlantis'"):
        bulk.load(source_dir)


def test_duplicated_rows_are_removed_and_counted(source_dir: Path) -> None:
    path = source_dir / "unga_votes" / "unga_votes_unxml_2019_2026.parquet"
    frame = pl.read_parquet(path)
    pl.concat([frame, frame.head(2)]).write_parquet(path)
    result = bulk.load(source_dir)
    record = next(r for r in result.inputs if r.file.endswith("unga_votes_unxml_2019_2026.parquet"))
    assert record.reject_reasons["duplicated row"] == 2
    assert votes_of(result, "ux:A/RES/74/7") == {"USA": "N", "RUS": "Y", "KAZ": "Y", "JPN": "X"}


def test_conflicting_duplicate_votes_fail(source_dir: Path) -> None:
    path = source_dir / "unga_votes" / "unga_votes_unxml_2019_2026.parquet"
    frame = pl.read_parquet(path)
    pl.concat([frame, frame.head(1).with_columns(pl.lit("Y").alias("ms_vote"))]).write_parquet(path)
    with pytest.raises(BadInput, match="conflicting votes for USA on A/RES/74/7"):
        bulk.load(source_dir)


def test_missing_file_names_the_path(source_dir: Path) -> None:
    (source_dir / "unga_votes" / "voeten_unga_votes_wide_1946_2024.parquet").unlink()
    with pytest.raises(BadInput, match="voeten_unga_votes_wide_1946_2024.parquet is missing"):
        bulk.load(source_dir)
