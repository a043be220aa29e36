"""The country dimension: a data table of tricky names drives the regression tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from autonomy_monitor import countries
from autonomy_monitor.errors import BadArgument, UnresolvedCountries

TRICKY = pl.read_csv(Path(__file__).parent / "data" / "tricky_country_names.csv")


@pytest.mark.parametrize(("name", "source", "expected"), list(TRICKY.iter_rows()))
def test_tricky_name_resolves(name: str, source: str, expected: str) -> None:
    assert countries.resolve(name) == expected, f"{name!r} from {source}"


def test_unresolved_names_are_all_listed() -> None:
    with pytest.raises(UnresolvedCountries) as caught:
        countries.resolve_names(
            ["Kazakhstan", "Atlantis", "Narnia", "Atlantis"], source="fixture.csv"
        )
    assert caught.value.names == ["Atlantis", "Narnia"]
    assert "fixture.csv" in str(caught.value) and "'Atlantis'" in str(caught.value)


def test_aggregates_do_not_resolve() -> None:
    assert countries.resolve("World") is None


def test_codes_are_unique_and_complete() -> None:
    table = countries.country_table()
    assert table["iso3"].is_unique().all()
    for code in (
        "KAZ",
        "KGZ",
        "TJK",
        "TKM",
        "UZB",
        "CHN",
        "RUS",
        "JPN",
        "USA",
        "SUN",
        "YUG",
        "CSK",
        "DDR",
        "YMD",
    ):
        assert code in countries.known_codes()
    flagship = table.filter(pl.col("iso3").is_in(["KAZ", "KGZ", "TJK", "TKM", "UZB"]))
    assert flagship["m49"].to_list() == [398, 417, 762, 795, 860]
    assert flagship["cow"].to_list() == [705, 703, 702, 701, 704]


@pytest.mark.parametrize(
    ("code", "date", "expected"),
    [
        ("RUS", dt.date(1980, 1, 1), "SUN"),
        ("RUS", dt.date(1991, 12, 24), "SUN"),
        ("RUS", dt.date(1991, 12, 25), "RUS"),
        ("SRB", dt.date(2000, 1, 1), "SCG"),
        ("SRB", dt.date(1980, 1, 1), "YUG"),
        ("SRB", dt.date(2010, 1, 1), "SRB"),
        ("KAZ", dt.date(2022, 3, 2), "KAZ"),
    ],
)
def test_state_on_date(code: str, date: dt.date, expected: str) -> None:
    assert countries.state_on(code, date) == expected
    frame = pl.DataFrame({"code": [code], "date": [date]})
    assert (
        frame.select(countries.state_on_expr(pl.col("code"), pl.col("date"))).to_series()[0]
        == expected
    )


def test_historical_states_have_validity_and_successors() -> None:
    table = countries.country_table().filter(pl.col("is_historical"))
    assert set(table["iso3"]) >= {"SUN", "YUG", "SCG", "CSK", "DDR", "YMD"}
    assert table["valid_to"].null_count() == 0
    ussr = table.filter(pl.col("iso3") == "SUN").row(0, named=True)
    assert ussr["valid_to"].startswith("1991") and "KAZ" in ussr["successors"].split("|")
    assert countries.current_state("SUN") == "RUS" and countries.current_state("YUG") == "SRB"
    assert countries.continuity_chain("SRB") == ["SRB", "SCG", "YUG"]


def test_groups_expand() -> None:
    assert countries.parse_country_list("C5") == ["KAZ", "KGZ", "TJK", "TKM", "UZB"]
    assert countries.parse_country_list("c5,RUS,china,KAZ") == [
        "KAZ",
        "KGZ",
        "TJK",
        "TKM",
        "UZB",
        "RUS",
        "CHN",
    ]
    assert len(countries.group_members("EU27")) == 27
    assert set(countries.group_members("EAEU")) == {"RUS", "BLR", "KAZ", "ARM", "KGZ"}
    assert set(countries.group_members("G7")) == {"CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"}
    assert "IRN" not in countries.group_members("SCO", year=2020)
    assert {"BRA", "RUS", "IND", "CHN", "ZAF"} <= set(countries.group_members("BRICS"))


def test_unknown_country_argument_is_one_sentence() -> None:
    with pytest.raises(BadArgument, match="Unknown country or group 'Atlantis'"):
        countries.parse_country_list("KAZ,Atlantis")


def test_cow_codes_match_bailey_strezhnev_voeten(shared_data: Path) -> None:
    """COW codes agree with the ccode column of the BSV ideal-point file for current states."""
    bsv = pl.read_csv(
        shared_data / "unga_votes" / "bsv_idealpoints_1946_2015.csv",
        columns=["ccode", "iso3c", "year"],
    )
    latest = bsv.filter(pl.col("year") >= 2010).select("iso3c", "ccode").unique().drop_nulls()
    ours = countries.country_table().select("iso3", "cow")
    joined = latest.join(ours, left_on="iso3c", right_on="iso3", how="inner")
    mismatched = joined.filter(pl.col("ccode") != pl.col("cow"))
    assert joined.height > 150
    assert mismatched.height == 0, mismatched
