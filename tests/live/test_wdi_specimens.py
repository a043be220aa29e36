"""The World Bank connector on real answers of the Indicators API v2.

Specimens: ``../shared/specimens/worldbank_api_v2/``, go-vcr cassettes recorded mid-2021 by
the Go client ``jkkitakita/wbdata-go`` (MIT), with each body taken out byte for byte. The
data are the World Bank's World Development Indicators (CC BY 4.0), ``lastupdated``
2021-05-25. Only page 2 of one query is synthetic (``tests/fixtures/http/wdi/README.md``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import httpx
import polars as pl
import pytest
import respx
from conftest import fixture_bytes, recorded_response, specimen_path

from autonomy_monitor.catalog import load_source
from autonomy_monitor.errors import BadInput, SourceError
from autonomy_monitor.pipeline import fetch
from autonomy_monitor.pipeline.rawstore import Manifest, RawStore, client_version, describe_store
from autonomy_monitor.sources.wdi import bulk, live

FOLDER = "worldbank_api_v2"
BASE = "https://api.worldbank.org/v2"
JPN_USA = "TestIndicatorValuesService_ListByCountryIDs"
BY_SOURCE = "TestIndicatorValuesService_ListBySourceID"
BY_COUNTRY_AND_SOURCE = "TestIndicatorValuesService_ListByCountryIDsAndSourceID"


def _only(monkeypatch, **parameters) -> None:
    """A trimmed catalog entry for wdi (fewer requests to serve)."""
    entry = load_source("wdi")
    trimmed = entry.model_copy(update={"parameters": {**entry.parameters, **parameters}})
    real = fetch.load_source
    monkeypatch.setattr(fetch, "load_source", lambda n: trimmed if n == "wdi" else real(n))


def _client(sleeps):
    return fetch.make_client([], sleep=sleeps, jitter=lambda: 0.0)


def _serve_jpn_usa(specimens, page_one=None):
    """The recorded JPN;USA GDP query (page 1 real, `pages: 2`); page 2 is the synthetic one."""
    respx.get(f"{BASE}/country").mock(
        return_value=recorded_response(specimens, "TestCountriesService_Get", 0)
    )
    first = page_one or recorded_response(specimens, JPN_USA, 1)

    def page(request: httpx.Request) -> httpx.Response:
        if request.url.params["page"] == "1":
            return first
        return httpx.Response(200, content=fixture_bytes("wdi", "synthetic_jpn_usa_page2.json"))

    return respx.get(f"{BASE}/country/JPN;USA/indicator/NY.GDP.MKTP.CD").mock(side_effect=page)


@respx.mock
def test_real_pages_are_fetched_paged_and_parsed_into_the_bulk_shape(
    settings, sleeps, specimens, monkeypatch
):
    _only(monkeypatch, indicators=["NY.GDP.MKTP.CD"], countries="JPN;USA")
    route = _serve_jpn_usa(specimens)
    (manifest,) = fetch.fetch_sources(settings, "wdi", since=2018, client=_client(sleeps))
    assert [r.resource for r in manifest.records] == [
        "country-list",
        "NY.GDP.MKTP.CD/page-1",
        "NY.GDP.MKTP.CD/page-2",
    ]
    assert manifest.vintage == "2021-05-25"  # meta.lastupdated
    params = route.calls[0].request.url.params
    assert params["date"] == f"2018:{dt.date.today().year}" and params["source"] == "2"
    table = fetch.load_live(settings, "wdi").tables["core_wdi__yearly_indicators"]
    assert table.schema == pl.Schema(bulk.CORE_SCHEMA)
    japan = table.filter(pl.col("country_iso3") == "JPN").sort("year")
    # Real World Bank figures (GDP, current US$, WDI of 2021-05-25).
    assert japan.select("year", "value").rows() == [
        (2018, 4954806619995.19),
        (2019, 5081769542379.77),
    ]


def _store_pages(store: RawStore, pages: dict[str, bytes]) -> None:
    now = dt.datetime(2021, 6, 13, tzinfo=dt.UTC)
    records = [
        store.put_bytes(
            body,
            source="wdi",
            resource=resource,
            url=f"{BASE}/{resource}",
            params={},
            fetched_at=now,
            status=200,
        )
        for resource, body in pages.items()
    ]
    store.write_manifest(
        Manifest(
            source="wdi",
            fetched_at=now,
            vintage="2021-05-25",
            client_version=client_version(),
            records=records,
        )
    )


def test_country_list_with_string_per_page_and_null_sourceid_pages(settings, specimens):
    """List endpoints give per_page "2" (a string); pages asked for with several indicators
    and source=2 have sourceid and sourcename null. Aggregates (Arab World, ARB; Caribbean
    small states, CSS) are dropped and counted; Japan's 50 rows are kept."""

    def body(name: str) -> bytes:
        return specimen_path(specimens, FOLDER, name).read_bytes()

    _store_pages(
        RawStore.from_settings(settings),
        {
            "country-list": body("TestCountriesService_List_0.json"),
            "NY.GDP.MKTP.CD/page-1": body(f"{BY_SOURCE}_0.json"),
            "NY.GDP.MKTP.CD/page-2": body(f"{BY_COUNTRY_AND_SOURCE}_0.json"),
            "NY.GDP.MKTP.CD/page-3": body("TestIndicatorValuesService_List_2.json"),
        },
    )
    result = fetch.load_live(settings, "wdi")
    table = result.tables["core_wdi__yearly_indicators"]
    assert set(table["country_iso3"]) == {"JPN"}
    assert table.height == 49  # 50 rows, one null (2020)
    rejects = Counter()
    for record in result.inputs:
        rejects.update(record.reject_reasons)
    # 50 + 2 aggregate rows, of which one (ARB 2020) is null and counted as missing first.
    assert (
        rejects["country_iso3: World Bank aggregate (world, region, income or lending group)"] == 51
    )
    assert rejects["missing value"] == 2


def test_page_counts_are_read_as_numbers_or_digit_strings(specimens):
    import json

    def meta(name: str) -> dict:
        return json.loads(specimen_path(specimens, FOLDER, name).read_bytes())[0]

    assert live.page_count(meta("TestIncomeLevelsService_List_0.json"), "income levels") == 4  # "4"
    assert (
        live.page_count(meta("TestCountriesService_List_0.json"), "countries") == 149
    )  # 149, per_page "2"
    assert live.page_count(meta(f"{BY_SOURCE}_0.json"), "indicator page") == 645
    with pytest.raises(SourceError, match="without a page count"):
        live.page_count({"page": 1}, "a page")


@pytest.mark.parametrize(
    ("cassette", "index", "message"),
    [
        (JPN_USA, 3, r"1 message\(s\), error 120 Invalid value"),
        (BY_SOURCE, 2, r"3 message\(s\), error 120 Invalid value"),
        ("TestLanguagesService_Get", 1, r"error 150 Language is not yet supported"),
    ],
)
@respx.mock
def test_error_messages_in_http_200_are_one_clear_error(
    settings, sleeps, specimens, monkeypatch, cassette, index, message
):
    _only(monkeypatch, indicators=["NY.GDP.MKTP.CD"], countries="JPN;USA")
    _serve_jpn_usa(specimens, page_one=recorded_response(specimens, cassette, index))
    with pytest.raises(SourceError, match=message) as info:
        fetch.fetch_sources(settings, "wdi", client=_client(sleeps))
    assert "\n" not in str(info.value) and "catalog/sources/wdi.yaml" in str(info.value)
    assert describe_store(settings).is_empty()


@pytest.mark.parametrize("cassette", [BY_SOURCE, BY_COUNTRY_AND_SOURCE])
@respx.mock
def test_http_400_xhtml_page_with_byte_order_mark_is_one_clear_error(
    settings, sleeps, specimens, monkeypatch, cassette
):
    answer = recorded_response(specimens, cassette, 3 if cassette == BY_SOURCE else 4)
    assert answer.status_code == 400 and answer.content.startswith(b"\xef\xbb\xbf<?xml")
    _only(monkeypatch, indicators=["NY.GDP.MKTP.CD"], countries="JPN;USA")
    _serve_jpn_usa(specimens, page_one=answer)
    with pytest.raises(SourceError) as info:
        fetch.fetch_sources(settings, "wdi", client=_client(sleeps))
    message = str(info.value)
    assert "HTTP 400" in message and "'Request Error'" in message
    assert "\ufeff" not in message and "<?xml" not in message and "\n" not in message
    assert len(sleeps) == 0  # a 400 is not retried
    assert describe_store(settings).is_empty()


@respx.mock
def test_renamed_field_fails_clearly_and_keeps_the_previous_fetch(
    settings, sleeps, specimens, monkeypatch
):
    _only(monkeypatch, indicators=["NY.GDP.MKTP.CD"], countries="JPN;USA")
    _serve_jpn_usa(specimens)
    fetch.fetch_sources(settings, "wdi", client=_client(sleeps))
    before = describe_store(settings)
    respx.routes.clear()
    real = recorded_response(specimens, JPN_USA, 1)
    # The real page with one field renamed (changed at test time).
    renamed = httpx.Response(
        200, content=real.content.replace(b'"countryiso3code"', b'"countryIso3"')
    )
    _serve_jpn_usa(specimens, page_one=renamed)
    with pytest.raises(BadInput, match="countryiso3code"):
        fetch.fetch_sources(settings, "wdi", client=_client(sleeps))
    assert describe_store(settings).equals(before)
    assert fetch.load_live(settings, "wdi").tables["core_wdi__yearly_indicators"].height == 4


@respx.mock
def test_the_xhtml_error_page_is_recognised_even_with_status_200(
    settings, sleeps, specimens, monkeypatch
):
    """The real page behind its byte-order mark and XML declaration is still an HTML page."""
    page = recorded_response(specimens, BY_SOURCE, 3).content
    _only(monkeypatch, indicators=["NY.GDP.MKTP.CD"], countries="JPN;USA")
    _serve_jpn_usa(
        specimens, page_one=httpx.Response(200, content=page, headers={"Content-Type": "text/html"})
    )
    with pytest.raises(SourceError, match="HTML page titled 'Request Error'"):
        fetch.fetch_sources(settings, "wdi", client=_client(sleeps))
    # Without the content type too: recognised from the bytes.
    respx.routes.clear()
    _serve_jpn_usa(
        specimens,
        page_one=httpx.Response(200, content=page, headers={"Content-Type": "application/json"}),
    )
    with pytest.raises(SourceError, match="HTML page titled 'Request Error'"):
        fetch.fetch_sources(settings, "wdi", client=_client(sleeps))
    assert describe_store(settings).is_empty()
