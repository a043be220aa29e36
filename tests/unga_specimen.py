"""Tiny synthetic UN-vote files in the layouts of ../shared/data/unga_votes (written by tests).

Roll calls: rcid 1 (1985, USSR era, 'me'), rcid 2 (2019-11-07, also in the UN extract as
A/RES/74/7), plus the UN extract's A/RES/ES-11/1 (2022). Countries: USA, Russia (USSR in
1985), Kazakhstan (member from 1992), Japan.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import polars as pl
import pyreadr


def write_unvotes(folder: Path, *, votes: pd.DataFrame | None = None) -> None:
    calls = pd.DataFrame(
        {
            "rcid": [1, 2],
            "session": [40.0, 74.0],
            "importantvote": ["0", "1"],
            "date": [dt.date(1985, 12, 1), dt.date(2019, 11, 7)],
            "unres": ["R/40/1", "A/RES/74/7"],
            "amend": [0, 0],
            "para": [0, 0],
            "short": ["PALESTINE", "CUBA EMBARGO"],
            "descr": ["long text", "long text"],
        }
    )
    if votes is None:
        votes = pd.DataFrame(
            {
                "rcid": [1.0, 1.0, 1.0, 2.0, 2.0, 2.0],
                "country": [
                    "United States",
                    "Russia",
                    "Japan",
                    "United States",
                    "Russia",
                    "Kazakhstan",
                ],
                "country_code": ["US", "RU", "JP", "US", "RU", "KZ"],
                "vote": pd.Categorical(["no", "yes", "abstain", "no", "yes", "yes"]),
            }
        )
    issues = pd.DataFrame({"rcid": [1], "short_name": ["me"], "issue": ["Palestinian conflict"]})
    pyreadr.write_rdata(str(folder / "unvotes_un_roll_calls.rda"), calls, df_name="un_roll_calls")
    pyreadr.write_rdata(str(folder / "unvotes_un_votes.rda"), votes, df_name="un_votes")
    pyreadr.write_rdata(
        str(folder / "unvotes_un_roll_call_issues.rda"), issues, df_name="un_roll_call_issues"
    )


def write_wide(folder: Path) -> None:
    pl.DataFrame(
        {
            "rcid": [1, 2],
            "date": [dt.date(1985, 12, 1), dt.date(2019, 11, 7)],
            "me": [True, False],
            "USA": [3, 3],
            "RUS": [1, 1],
            "JPN": [2, 8],
            "KAZ": [9, 1],
        },
        schema_overrides={"USA": pl.Int8, "RUS": pl.Int8, "JPN": pl.Int8, "KAZ": pl.Int8},
    ).write_parquet(folder / "voeten_unga_votes_wide_1946_2024.parquet")


def write_extract(folder: Path, *, official_yes: str = "2") -> None:
    rows = [
        ("A/RES/74/7", dt.datetime(2019, 11, 7), "USA", "UNITED STATES", "N"),
        ("A/RES/74/7", dt.datetime(2019, 11, 7), "RUS", "RUSSIAN FEDERATION", "Y"),
        ("A/RES/74/7", dt.datetime(2019, 11, 7), "KAZ", "KAZAKHSTAN", "Y"),
        ("A/RES/74/7", dt.datetime(2019, 11, 7), "JPN", "", "X"),
        ("A/RES/ES-11/1", dt.datetime(2022, 3, 2), "USA", "UNITED STATES", "Y"),
        ("A/RES/ES-11/1", dt.datetime(2022, 3, 2), "RUS", "RUSSIAN FEDERATION", "N"),
        ("A/RES/ES-11/1", dt.datetime(2022, 3, 2), "KAZ", "KAZAKHSTAN", "A"),
        ("A/RES/ES-11/1", dt.datetime(2022, 3, 2), "JPN", "JAPAN", "Y"),
    ]
    pl.DataFrame(
        rows, schema=["resolution", "date", "ms_code", "ms_name_source", "ms_vote"], orient="row"
    ).with_columns(pl.lit("x.json").alias("source_file")).write_parquet(
        folder / "unga_votes_unxml_2019_2026.parquet"
    )
    resolutions = pl.DataFrame(
        {
            "resolution": ["A/RES/74/7", "A/RES/ES-11/1", "A/RES/74/2"],
            "session": [
                "Seventy-fourth session",
                "Eleventh emergency special session",
                "Seventy-fourth session",
            ],
            "date": ["2019-11-07", "2022-03-02", "2019-10-10"],
            "title": ["Embargo", "Aggression against Ukraine", "Health"],
            "adoption_type": ["By a recorded vote", "By a recorded vote", "Without a vote"],
            "total_yes": [official_yes, "2", "N.A."],
            "total_no": ["1", "1", "N.A."],
            "total_abstentions": ["N.A.", "1", "N.A."],
            "subjects": ["CUBA|EMBARGO", "AGGRESSION|UKRAINE", "HEALTH"],
        }
    )
    resolutions.write_csv(folder / "unga_resolutions_unxml_2019_2026.csv")


PRESS_COLUMNS = [
    "row_id",
    "symbol",
    "date",
    "title",
    "country_iso3",
    "vote",
    "tally_yes",
    "tally_no",
    "tally_abstain",
    "url",
    "quote",
    "notes",
]


def write_press(folder: Path) -> None:
    """Made-up press rows in the layout of press_reported_votes_2024_2026.csv (example.org pages):
    a 2025 vote absent from the extract (P1-P3), and a report of A/RES/ES-11/1, which the
    extract has (P4-P5: superseded by the official record)."""
    rows = [
        (
            "P1",
            "A/RES/ES-11/7",
            "2025-02-24",
            "Peace in Ukraine",
            "TALLY",
            "",
            "3",
            "1",
            "0",
            "https://example.org/a",
            "three for, one against",
            "",
        ),
        (
            "P2",
            "A/RES/ES-11/7",
            "2025-02-24",
            "Peace in Ukraine",
            "KAZ",
            "A",
            "",
            "",
            "",
            "https://example.org/a",
            "Kazakhstan abstained",
            "",
        ),
        (
            "P3",
            "A/RES/ES-11/7",
            "2025-02-24",
            "Peace in Ukraine",
            "RUS",
            "N",
            "",
            "",
            "",
            "https://example.org/b",
            "Russia voted against",
            "",
        ),
        (
            "P4",
            "A/RES/ES-11/1",
            "2022-03-02",
            "Aggression against Ukraine",
            "TALLY",
            "",
            "2",
            "1",
            "1",
            "https://example.org/c",
            "two for",
            "",
        ),
        (
            "P5",
            "A/RES/ES-11/1",
            "2022-03-02",
            "Aggression against Ukraine",
            "KAZ",
            "Y",
            "",
            "",
            "",
            "https://example.org/c",
            "a wrong report",
            "",
        ),
    ]
    pl.DataFrame(rows, schema=PRESS_COLUMNS, orient="row").write_csv(
        folder / "press_reported_votes_2024_2026.csv"
    )


def write_all(root: Path, *, press: bool = True) -> Path:
    """Write every file into ``root/unga_votes`` and return ``root``."""
    folder = root / "unga_votes"
    folder.mkdir(parents=True, exist_ok=True)
    write_unvotes(folder)
    write_wide(folder)
    write_extract(folder)
    if press:
        write_press(folder)
    return root
