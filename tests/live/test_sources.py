"""Each live connector: fetch specimens through the mocked client, parse them into the core
schema; fetch orchestration: offline, network cut, bad data leaving the store intact."""

from __future__ import annotations

import datetime as dt
import socket

import httpx
import polars as pl
import pytest
import pytest_socket
import respx
from conftest import fixture_bytes, load_specimen_module

from autonomy_monitor.pipeline import fetch
from autonomy_monitor.catalog import load_source
from autonomy_monitor.errors import BadInput, SnapshotsMissing, SourceError, SourceUnreachable
from autonomy_monitor.pipeline.rawstore import describe_store
from autonomy_monitor.sources.undesa import bulk as undesa_bulk
from autonomy_monitor.sources.unga import bulk as unga_bulk


def _only(monkeypatch, name: str, **parameters) -> None:
    """Make fetch use a trimmed catalog entry for ``name`` (fewer requests to mock)."""
    entry = load_source(name)
    trimmed = entry.model_copy(update={"parameters": {**entry.parameters, **parameters}})
    real = fetch.load_source
    monkeypatch.setattr(fetch, "load_source", lambda n: trimmed if n == name else real(n))


def _fast_client(sleeps):
    return fetch.make_client([], sleep=sleeps, jitter=lambda: 0.0)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_sockets_to_the_internet_are_blocked():
    with pytest.raises(pytest_socket.SocketConnectBlockedError):
        socket.create_connection(("203.0.113.1", 80), timeout=1)


# --- WDI: tests on the real recordings are in test_wdi_specimens.py ------------------------


# --- IMF and OECD (SDMX; the IMF on the real portal answer: test_imf_specimens.py)
# ---------------------------------------------------------------------


@respx.mock
def test_sdmx_garbage_is_retried_then_clear_error(settings, sleeps):
    respx.get(url__regex=r"https://sdmx\.oecd\.org/.*").mock(
        return_value=httpx.Response(200, content=b"<?xml version='1.0'?><message:GenericData")
    )
    with pytest.raises(SourceError, match="kept failing .*unreadable SDMX-ML"):
        fetch.fetch_sources(settings, "oecd", client=_fast_client(sleeps))
    assert len(sleeps) == 4
    assert describe_store(settings).is_empty()


# --- UN DESA (xlsx; KNOMAD is tested on the real workbooks in test_knomad_specimens.py)
# ---------------------------------------------------------------


@respx.mock
def test_undesa_workbook_to_iso3_pairs(settings, sleeps, tmp_path):
    book = load_specimen_module("undesa").build(tmp_path / "ims.xlsx").read_bytes()
    respx.get(load_source("undesa").url).mock(return_value=httpx.Response(200, content=book))
    fetch.fetch_sources(settings, "undesa", client=_fast_client(sleeps))
    table = fetch.load_live(settings, "undesa").tables["core_undesa__migrant_stock"]
    assert table.schema == pl.Schema(undesa_bulk.CORE_SCHEMA)  # the bulk reader's shape
    assert set(table["origin_iso3"]) == {"UZB", "KGZ"}  # World, Other, Channel Islands dropped
    uzb_rus = table.filter((pl.col("origin_iso3") == "UZB") & (pl.col("destination_iso3") == "RUS"))
    assert uzb_rus["year"].to_list() == [1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024]
    assert uzb_rus["migrants"].to_list()[-1] == 1250  # both sexes, not the male block
    kgz = table.filter(pl.col("origin_iso3") == "KGZ")
    assert 2000 not in kgz["year"].to_list()  # an empty cell is no estimate
    assert 2024 not in table.filter(pl.col("destination_iso3") == "KAZ")["year"].to_list()


@respx.mock
def test_undesa_renamed_column_is_one_clear_error(settings, sleeps, tmp_path):
    book = (
        load_specimen_module("undesa")
        .build(tmp_path / "ims.xlsx", origin_code_label="Code of origin")
        .read_bytes()
    )
    respx.get(load_source("undesa").url).mock(return_value=httpx.Response(200, content=book))
    with pytest.raises(BadInput, match="no column 'Location code of origin'"):
        fetch.fetch_sources(settings, "undesa", client=_fast_client(sleeps))
    assert describe_store(settings).is_empty()


# --- UN votes (CSV) ---------------------------------------------------------------------------


@respx.mock
def test_unga_votes_and_roll_calls(settings, sleeps):
    respx.get(load_source("unga").url).mock(
        return_value=httpx.Response(200, content=fixture_bytes("unga", "ga_voting.csv"))
    )
    fetch.fetch_sources(settings, "unvotes", client=_fast_client(sleeps))
    tables = fetch.load_live(settings, "unga").tables
    calls = tables["core_unga__roll_calls"]
    assert calls.schema == pl.Schema(unga_bulk.ROLL_CALL_SCHEMA)  # the bulk reader's shape
    assert set(calls["source"]) == {"undl"}
    assert calls["resolution_symbol"].to_list() == ["A/RES/ES-11/1", "A/RES/78/200"]
    assert calls["date"].to_list() == [dt.date(2022, 3, 2), dt.date(2023, 12, 19)]
    votes = tables["core_unga__votes"]
    first = dict(
        votes.filter(pl.col("roll_call_id") == "ux:A/RES/ES-11/1")
        .select("country_iso3", "vote")
        .rows()
    )
    assert first == {"JPN": "Y", "KAZ": "A", "RUS": "N", "TKM": "X", "USA": "Y"}
    second = dict(
        votes.filter(pl.col("roll_call_id") == "ux:A/RES/78/200")
        .select("country_iso3", "vote")
        .rows()
    )
    assert second["USA"] == "X"  # an empty ms_vote is a member that did not vote


@respx.mock
def test_unga_renamed_column_is_refused_before_storing(settings, sleeps):
    body = fixture_bytes("unga", "ga_voting.csv").replace(b"ms_vote", b"member_vote", 1)
    respx.get(load_source("unga").url).mock(return_value=httpx.Response(200, content=body))
    with pytest.raises(SourceError, match="lacks column.*ms_vote"):
        fetch.fetch_sources(settings, "unga", client=_fast_client(sleeps))
    assert not (settings.snapshot_store / "objects").exists() or not any(
        p for p in (settings.snapshot_store / "objects").rglob("*") if p.is_file()
    )


# --- orchestration ---------------------------------------------------------------------------


def test_offline_on_empty_store_says_what_to_fetch(settings):
    with pytest.raises(SnapshotsMissing) as info:
        fetch.fetch_sources(settings, None, offline=True)
    message = str(info.value)
    assert "autonomy fetch --source wdi,imf,oecd,undesa,knomad,unga,comtrade" in message
    assert "\n" not in message


@respx.mock
def test_offline_uses_what_is_stored_and_names_what_is_missing(settings, sleeps):
    respx.get(load_source("unga").url).mock(
        return_value=httpx.Response(200, content=fixture_bytes("unga", "ga_voting.csv"))
    )
    fetch.fetch_sources(settings, "unga", client=_fast_client(sleeps))
    (stored,) = fetch.fetch_sources(settings, "unga", offline=True)
    assert stored.source == "unga"
    with pytest.raises(SnapshotsMissing, match=r"nothing for wdi;.*--source wdi\b"):
        fetch.fetch_sources(settings, "unga,wdi", offline=True)


def test_network_cut_is_one_sentence_naming_the_host(settings):
    # No mock: the client really tries, and the socket guard (or DNS) refuses.
    with respx.mock(assert_all_called=False) as mock:
        mock.get(url__regex=r".*").mock(side_effect=httpx.ConnectError("Name or service not known"))
        with pytest.raises(SourceUnreachable) as info:
            fetch.fetch_sources(settings, "wdi,imf")
    message = str(info.value)
    assert message.startswith("cannot reach api.worldbank.org for wdi")
    assert "--offline" in message and "--source-dir" in message


def test_unknown_source_is_a_bad_argument(settings):
    with pytest.raises(Exception, match="unknown live source.*nope"):
        fetch.fetch_sources(settings, "wdi,nope")


@respx.mock
def test_status_shows_vintage_and_age(settings, sleeps):
    respx.get(load_source("unga").url).mock(
        return_value=httpx.Response(200, content=fixture_bytes("unga", "ga_voting.csv"))
    )
    (manifest,) = fetch.fetch_sources(settings, "unga", client=_fast_client(sleeps))
    later = manifest.fetched_at + dt.timedelta(days=3, hours=12)
    frame = describe_store(settings, sources=["unga", "wdi"], now=later)
    assert frame.columns == ["source", "vintage", "fetched_at", "age_days", "files", "bytes"]
    unga, wdi = frame.rows(named=True)
    assert unga["vintage"] == "2026-02-06" and unga["age_days"] == 3.5 and unga["files"] == 1
    assert unga["bytes"] == len(fixture_bytes("unga", "ga_voting.csv"))
    assert wdi["vintage"] is None and wdi["files"] == 0
