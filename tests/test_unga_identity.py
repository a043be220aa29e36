"""Resolution identity: canonical symbols, lookup forms, cleaned titles, the ``ukraine`` tag."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from autonomy_monitor.sources.unga import bulk, identity, tags

# source key (Voeten's unres) and session -> canonical UN symbol (None: the key is no resolution
# number)
SOURCE_KEYS = [
    ("R/68/262", 68, "A/RES/68/262"),
    ("A/RES/71/205", 71, "A/RES/71/205"),
    ("A/RES/ES-10/19", 72, "A/RES/ES-10/19"),
    ("R/44/27A", 44, "A/RES/44/27 A"),
    ("R/32/105N", 32, "A/RES/32/105 N"),
    ("R/34/233/XII", 34, "A/RES/34/233"),
    ("R/42/209/D", 42, "A/RES/42/209 D"),
    ("R/33/116B/VII", 33, "A/RES/33/116 B"),
    ("R/26/2758G", 26, "A/RES/2758(XXVI)"),
    ("R/30/3379", 30, "A/RES/3379(XXX)"),
    ("R/18/1904", 18, "A/RES/1904(XVIII)"),
    ("R/2/1424", 2, None),  # the 1947 partition vote: Voeten cites the plenary record page
    ("R/22/41", 22, None),  # outside the resolution numbers of session 22
    ("ESS/1/34", 1, None),
    ("SS/1/59", 1, None),
    ("", 20, None),
    (None, 20, None),
]

# what a user types -> the comparable lookup key
USER_FORMS = [
    ("A/RES/68/262", "A/RES/68/262"),
    ("a/res/68/262", "A/RES/68/262"),
    ("68/262", "A/RES/68/262"),
    ("res 68/262", "A/RES/68/262"),
    ("Res. 68/262", "A/RES/68/262"),
    ("resolution 68/262", "A/RES/68/262"),
    ("  68 / 262 ", "A/RES/68/262"),
    ("ES-11/1", "A/RES/ES-11/1"),
    ("es 11/1", "A/RES/ES-11/1"),
    ("ES11/1", "A/RES/ES-11/1"),
    ("A/RES/ES-11/7", "A/RES/ES-11/7"),
    ("44/27 A", "A/RES/44/27A"),
    ("A/RES/44/27A", "A/RES/44/27A"),
    ("2758 (XXVI)", "A/RES/2758(XXVI)"),
    ("A/RES/2758(XXVI)", "A/RES/2758(XXVI)"),
    ("A/ES-11/L.1", "A/ES-11/L.1"),
    ("R/68/262", "R/68/262"),
    ("", ""),
    ("   ", ""),
]


@pytest.mark.parametrize(("unres", "session", "expected"), SOURCE_KEYS)
def test_source_keys_become_canonical_symbols(
    unres: str | None, session: int, expected: str | None
) -> None:
    assert identity.canonical_from_unvotes(unres, session) == expected


@pytest.mark.parametrize(("typed", "key"), USER_FORMS)
def test_user_forms_become_lookup_keys(typed: str, key: str) -> None:
    assert identity.lookup_key(typed) == key


def test_canonical_symbols_compare_equal_to_their_lookup_keys() -> None:
    for unres, session, expected in SOURCE_KEYS:
        if expected:
            assert identity.compact(expected) == identity.lookup_key(expected)


def test_extract_symbols_are_normalised() -> None:
    assert identity.normalise_symbol("A/RES/75/254  a-c") == "A/RES/75/254 A-C"
    assert identity.normalise_symbol("A/RES/75/290A") == "A/RES/75/290 A"
    assert identity.normalise_symbol("A/RES/ES-11/1") == "A/RES/ES-11/1"


def titles(short: list[str | None], descr: list[str | None]) -> list[tuple[str | None, str]]:
    frame = pl.DataFrame(
        {"short": short, "descr": descr}, schema={"short": pl.String, "descr": pl.String}
    )
    title, note = identity.unvotes_title(pl.col("short"), pl.col("descr"))
    return list(frame.select(title.alias("t"), note.alias("n")).iter_rows())


def test_titles_are_cleaned_and_say_where_they_come_from() -> None:
    rows = titles(
        [
            "ARMED CONFLICTS PREVENTION--MEDIATION",
            None,
            "KOREA ELECTIONS",
            "Situation of human rights in Crimea : resolution / adopted by the General Assembly",
        ],
        [
            "Territorial integrity of Ukraine : resolution / adopted by the General Assembly",
            "The President: We have heard the last speaker "
            "in explanation of vote before the voting.",
            "TO ADOPT 1ST COMMITTEE DRAFT RESOLUTION (A/3991)",
            "A/71/251 68c - Human rights situations",
        ],
    )
    assert rows[0] == ("Territorial integrity of Ukraine", identity.TITLE_NOTES["catalogue"])
    assert rows[1] == (None, identity.TITLE_NOTES["none"])
    assert rows[2] == ("KOREA ELECTIONS", identity.TITLE_NOTES["label"])
    assert rows[3] == ("Situation of human rights in Crimea", identity.TITLE_NOTES["short"])


def test_nearest_symbols_are_suggested() -> None:
    assert (
        identity.nearest_symbols("A/RES/68/263", ["A/RES/68/262", "A/RES/ES-11/1", "A/RES/10/1"])[0]
        == "A/RES/68/262"
    )


# --- the ukraine tag ---------------------------------------------------------------------------


def ukraine_rules(rows: list[dict]) -> list[str | None]:  # type: ignore[type-arg]
    frame = pl.DataFrame(
        rows,
        schema={"session": pl.String, "date": pl.Date, "title": pl.String, "subjects": pl.String},
    )
    rule = tags.ukraine_rule(pl.col("session"), pl.col("date"), pl.col("title"), pl.col("subjects"))
    return frame.select(rule.alias("rule"))["rule"].to_list()


def test_ukraine_rules_on_tiny_rows() -> None:
    d = dt.date(2023, 1, 1)
    assert ukraine_rules(
        [
            {"session": "ES-11", "date": d, "title": "The path to peace", "subjects": None},
            {"session": "78", "date": d, "title": "Return of Ukrainian children", "subjects": None},
            {
                "session": "77",
                "date": d,
                "title": "Cooperation with the OPCW",
                "subjects": "SYRIAN ARAB REPUBLIC|UKRAINE|CHEMICAL WEAPONS USE",
            },
            {
                "session": "78",
                "date": d,
                "title": "Safety of nuclear facilities",
                "subjects": "IAEA|UKRAINE|AGGRESSION",
            },
            {
                "session": "80",
                "date": d,
                "title": "Consequences of the Chornobyl disaster",
                "subjects": "CHORNOBYL (UKRAINE)|UKRAINE",
            },
            {
                "session": "1",
                "date": dt.date(1946, 12, 1),
                "title": "TO ADOPT THE UKRAINIAN DRAFT RESOL.",
                "subjects": None,
            },
        ]
    ) == ["session", "title", None, "subjects", None, None]


# Known Ukraine-related roll calls (canonical symbol -> tagged?) checked on the real data.
KNOWN_UKRAINE = {
    "A/RES/68/262": True,  # territorial integrity of Ukraine, 27 Mar 2014
    "A/RES/71/205": True,  # human rights in Crimea, yearly since 2016 ...
    "A/RES/72/190": True,
    "A/RES/73/263": True,
    "A/RES/74/168": True,
    "A/RES/75/192": True,
    "A/RES/76/179": True,
    "A/RES/77/229": True,
    "A/RES/78/221": True,
    "A/RES/79/184": True,
    "A/RES/80/223": True,
    "A/RES/73/194": True,  # militarization of Crimea, the Black Sea and the Sea of Azov ...
    "A/RES/74/17": True,
    "A/RES/75/29": True,
    "A/RES/76/70": True,
    "A/RES/78/316": True,  # Zaporizhzhia nuclear power plant, 11 Jul 2024
    **{f"A/RES/ES-11/{n}": True for n in range(1, 7)},
    "A/RES/77/272": False,  # OPCW cooperation: UKRAINE is one subject among many
    "A/RES/79/134": False,
    "A/RES/80/111": False,  # Chornobyl disaster
    "A/RES/ES-10/19": False,
}


@pytest.fixture(scope="module")
def real_roll_calls(shared_data: Path) -> pl.DataFrame:
    return bulk.load(shared_data).tables["core_unga__roll_calls"]


def test_known_ukraine_resolutions_are_tagged(real_roll_calls: pl.DataFrame) -> None:
    calls = real_roll_calls.filter(pl.col("resolution_symbol").is_in(list(KNOWN_UKRAINE)))
    tagged = {
        row["resolution_symbol"]: "ukraine" in row["issue_tags"]
        for row in calls.iter_rows(named=True)
    }
    assert tagged == KNOWN_UKRAINE


def test_every_real_roll_call_has_identity_columns(real_roll_calls: pl.DataFrame) -> None:
    calls = real_roll_calls
    assert (
        calls.filter(pl.col("source_key").is_null() & pl.col("resolution_symbol").is_null()).height
        < 200
    )
    assert calls.filter(pl.col("resolution_symbol").is_null())["symbol_note"].null_count() == 0
    assert calls["title_note"].null_count() == 0
    assert calls.filter(pl.col("title").str.contains(identity.MEETING_RECORD)).height == 0
    from_1976 = calls.filter(pl.col("date") >= dt.date(1976, 9, 1))
    assert (
        from_1976.filter(
            pl.col("resolution_symbol").is_null() & pl.col("source_key").str.starts_with("R/")
        ).height
        == 0
    )
    row = calls.filter(pl.col("resolution_symbol") == "A/RES/68/262").row(0, named=True)
    assert row["title"] == "Territorial integrity of Ukraine" and row["source_key"] == "R/68/262"
