"""Integration on the real UN-vote files (skipped where ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from autonomy_monitor import api
from autonomy_monitor.settings import Settings


@pytest.fixture(scope="module")
def real(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("real")
    settings = Settings(
        warehouse=folder / "warehouse.duckdb",
        bundled_snapshot=folder / "snapshot",
        shared_data=shared_data,
    )
    api.build(shared_data, sources=["unga"], settings=settings)
    return settings


def test_es11_1_reproduces_the_official_tally(real: Settings) -> None:
    totals = api.vote_totals("A/RES/ES-11/1", settings=real).row(0, named=True)
    assert (totals["yes"], totals["no"], totals["abstain"]) == (141, 5, 35)
    assert (totals["official_yes"], totals["official_no"], totals["official_abstain"]) == (
        141,
        5,
        35,
    )


def test_central_asia_on_es11_1(real: Settings) -> None:
    votes = api.key_votes("A/RES/ES-11/1", "C5,RUS,CHN,USA,JPN", settings=real)
    assert dict(votes.select("country_iso3", "vote").iter_rows()) == {
        "KAZ": "A",
        "KGZ": "A",
        "TJK": "A",
        "TKM": "X",
        "UZB": "X",
        "RUS": "N",
        "CHN": "A",
        "USA": "Y",
        "JPN": "Y",
    }


def test_human_rights_council_suspension(real: Settings) -> None:
    votes = api.key_votes("A/RES/ES-11/3", "KAZ,KGZ,TJK,UZB,CHN,RUS", settings=real)
    assert set(votes["vote"]) == {"N"}


def test_extract_period_counts_match_sources_md(real: Settings) -> None:
    counts = api.reader.query(
        real,
        """SELECT country_iso3, vote, count(*) AS n FROM core_unga__votes
           WHERE roll_call_id LIKE 'ux:%' AND country_iso3 IN ('KAZ','TKM') GROUP BY ALL""",
    )
    table = {(c, v): n for c, v, n in counts.iter_rows()}
    assert [table[("KAZ", v)] for v in "YANX"] == [637, 55, 10, 28]
    assert [table[("TKM", v)] for v in "YANX"] == [501, 2, 6, 221]


def test_late_2019_roll_calls_appear_once(real: Settings) -> None:
    calls = api.reader.query(
        real,
        "SELECT resolution_symbol, count(*) AS n FROM core_unga__roll_calls "
        "WHERE date >= '2019-09-01' AND date < '2020-01-01' GROUP BY 1",
    )
    assert calls.filter(pl.col("n") > 1).height == 0
    assert calls.height >= 90


def test_every_official_tally_reproduced_or_listed(real: Settings) -> None:
    mismatches = api.tally_mismatches(real)
    assert mismatches.height <= 5, mismatches
    provenance = api.provenance(real)
    assert (
        provenance["rows_rejected"].sum() > 0 and provenance["sha256"].str.len_chars().min() == 64
    )


def test_alignment_kaz_2022(real: Settings) -> None:
    frame = api.vote_agreement("KAZ", "RUS,CHN", start=2022, end=2022, settings=real)
    assert frame["partner_iso3"].to_list() == ["RUS", "CHN"]
    for row in frame.iter_rows(named=True):
        assert 60 <= row["n_votes"] <= 89
        assert row["s_score"] == pytest.approx(2 * row["agreement"] - 1)
    assert frame["agreement"][1] > frame["agreement"][0]  # closer to China than to Russia in 2022


def test_participation_turkmenistan_2022(real: Settings) -> None:
    share = api.participation("TKM", start=2022, end=2022, settings=real)["participation_share"][0]
    assert 0.5 < share < 0.8


def test_no_absences_before_membership(real: Settings) -> None:
    early = api.reader.query(
        real,
        """SELECT count(*) FROM core_unga__votes v JOIN core_unga__roll_calls r USING (roll_call_id)
           WHERE v.country_iso3 IN ('KAZ','KGZ','TJK','TKM','UZB') AND r.date < '1992-03-02'""",
    )
    assert early.item() == 0


def test_one_row_per_country_and_roll_call(real: Settings) -> None:
    duplicates = api.reader.query(
        real,
        "SELECT roll_call_id, country_iso3, count(*) AS n FROM core_unga__votes "
        "GROUP BY ALL HAVING n > 1",
    )
    assert duplicates.height == 0, duplicates.head()
