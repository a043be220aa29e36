"""The OECD connector: donor and recipient codes through the real OECD code lists.

Specimens: ``../shared/specimens/oecd_codelists/codelist_5.json`` (Provider, 213 entries) and
``codelist_13.json`` (Recipient, 177 entries), real OECD development-finance code lists
(modified 2026-06-15), from ``ONEcampaign/oda_reader`` (MIT), ``tests/fixtures/oecd/``.
Publisher: OECD Development Co-operation Directorate. The DAC2a answer and the code-list page
are synthetic (``tests/fixtures/http/oecd/README.md``).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import httpx
import polars as pl
import pytest
import respx
from conftest import fixture_bytes, specimen_path

from autonomy_monitor.catalog import load_source
from autonomy_monitor.errors import SourceError
from autonomy_monitor.pipeline import fetch
from autonomy_monitor.pipeline.rawstore import RawStore, describe_store
from autonomy_monitor.sources.oecd import bulk, live

FOLDER = "oecd_codelists"
LISTS = {"5": "codelist_5.json", "13": "codelist_13.json"}


def _client(sleeps):
    return fetch.make_client([], sleep=sleeps, jitter=lambda: 0.0)


def _table(specimens, list_id: str, settings) -> pl.DataFrame:
    """One real code list, stored as the connector stores it, read by ``live.code_table``."""
    store = RawStore.from_settings(settings)
    body = specimen_path(specimens, FOLDER, LISTS[list_id]).read_bytes()
    record = store.put_bytes(
        body,
        source="oecd",
        resource=f"list-{list_id}",
        url=load_source("oecd").parameters["codelist_url"],
        params={},
        fetched_at=dt.datetime(2026, 6, 15, tzinfo=dt.UTC),
        status=200,
    )
    return live.code_table(store, record)


def test_real_recipient_list_maps_dotstat_codes_to_iso3(specimens, settings):
    recipients = _table(specimens, "13", settings)
    iso3 = dict(recipients.select("code", "iso3").rows())
    assert [iso3[c] for c in ("KAZ", "KGZ", "TJK", "TKM", "UZB", "CHN")] == [
        "KAZ",
        "KGZ",
        "TJK",
        "TKM",
        "UZB",
        "CHN",
    ]
    assert iso3["XKV"] == "XKX"  # Kosovo: the OECD code is not the ISO3
    assert iso3["S4_X"] is None  # "Central Asia, regional"


def test_real_provider_list_gives_donor_iso3_type_and_name(specimens, settings):
    providers = _table(specimens, "5", settings)
    assert providers.height == 182  # entries with a dotstat code (31 of 213 have none)
    donors = live.donor_table(providers)
    by_code = {row["DONOR"]: row for row in donors.iter_rows(named=True)}
    assert by_code["JPN"] == {
        "DONOR": "JPN",
        "donor_code": "JPN",
        "donor_iso3": "JPN",
        "donor_name": "Japan",
        "donor_type": "country",
    }
    assert by_code["RUS"]["donor_type"] == "country"  # a non-DAC member with an ISO3
    assert by_code["KAZ"]["donor_iso3"] == "KAZ"
    eu = by_code["4EU001"]
    assert (eu["donor_code"], eu["donor_iso3"], eu["donor_name"], eu["donor_type"]) == (
        "4EU001",
        None,
        "EU Institutions",
        "multilateral",
    )
    assert by_code["5WB002"]["donor_name"] == "International Development Association"
    assert by_code["9PRIV1601"]["donor_type"] == "private"  # Gates Foundation


def _serve_codelist_page(specimens):
    """The code-list page's three steps: the form, the selection, then the real JSON."""
    page = fixture_bytes("oecd", "synthetic_codelists_page.html")

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, content=page, headers={"Content-Type": "text/html"})
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["__VIEWSTATE"] == "SYNTHETIC-VIEWSTATE" and form["Cblstatus$3"] == "on"
        if "b_json" not in form:
            return httpx.Response(200, content=page, headers={"Content-Type": "text/html"})
        body = specimen_path(specimens, FOLDER, LISTS[form["DDl_codeslist"]]).read_bytes()
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return respx.route(url=load_source("oecd").parameters["codelist_url"]).mock(side_effect=answer)


@respx.mock
def test_dac2a_with_real_code_lists_gives_the_bulk_table(settings, sleeps, specimens):
    data = respx.get(url__regex=r"https://sdmx\.oecd\.org/public/rest/data/.*").mock(
        return_value=httpx.Response(200, content=fixture_bytes("oecd", "synthetic_dac2a.xml"))
    )
    lists = _serve_codelist_page(specimens)
    (manifest,) = fetch.fetch_sources(settings, "oecd", client=_client(sleeps))
    assert [r.resource for r in manifest.records] == ["dac2a", "providers", "recipients"]
    assert "DSD_DAC2@DF_DAC2A,/.KAZ+KGZ" in str(data.calls[0].request.url)
    assert len(lists.calls) == 6  # page, select, download for each list
    result = fetch.load_live(settings, "oecd")
    table = result.tables["core_oecd__yearly_aid"]
    assert table.schema == pl.Schema(bulk.CORE_SCHEMA)
    rows = {
        (r["donor_code"], r["recipient_iso3"], r["year"]): r for r in table.iter_rows(named=True)
    }
    assert rows[("JPN", "UZB", 2022)]["oda_usd"] == -12.25e6  # net, US$ million -> US$
    assert (
        rows[("4EU001", "KGZ", 2022)]["donor_type"],
        rows[("4EU001", "KGZ", 2022)]["donor_iso3"],
    ) == ("multilateral", None)
    assert rows[("RUS", "KGZ", 2022)]["donor_iso3"] == "RUS"
    assert rows[("5WB002", "TJK", 2022)]["donor_name"] == "International Development Association"
    assert rows[("9PRIV1601", "KGZ", 2022)]["donor_type"] == "private"
    assert ("JPN", "XKX", 2022) in rows  # XKV -> XKX through the recipient list
    assert "DAC" not in set(table["donor_code"])
    reasons = {k: v for r in result.inputs for k, v in r.reject_reasons.items()}
    assert reasons == {
        "donor in no OECD provider list (a total such as DAC countries)": 1,
        "recipient without ISO3 (regional or unspecified line)": 1,
    }


@respx.mock
def test_code_list_page_that_moved_is_one_clear_error(settings, sleeps):
    respx.get(url__regex=r"https://sdmx\.oecd\.org/.*").mock(
        return_value=httpx.Response(200, content=fixture_bytes("oecd", "synthetic_dac2a.xml"))
    )
    respx.route(url=load_source("oecd").parameters["codelist_url"]).mock(
        return_value=httpx.Response(200, text="<html><title>Moved</title></html>")
    )
    with pytest.raises(SourceError, match="no code-list form"):
        fetch.fetch_sources(settings, "oecd", client=_client(sleeps))
    assert describe_store(settings).is_empty()
