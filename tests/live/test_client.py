"""The HTTP client: retries, Retry-After, truncation, garbage bodies, conditional requests."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from conftest import fixture_bytes

from autonomy_monitor.errors import SourceError, SourceUnreachable
from autonomy_monitor.sources.client import HttpClient, ResourceRequest, RetryPolicy
from autonomy_monitor.sources.live_common import load_json, reject_html
from autonomy_monitor.sources.wdi.live import validate_page

URL = "https://api.worldbank.org/v2/country/all/indicator/NY.GDP.MKTP.CD"
REQUEST = ResourceRequest(
    source="wdi", resource="NY.GDP.MKTP.CD/page-1", url=URL, params={"format": "json"}
)
# Retry mechanics need any valid page, not real content (real pages: test_wdi_specimens.py).
PAGE = json.dumps(
    [
        {
            "page": 1,
            "pages": 1,
            "per_page": 50,
            "total": 0,
            "sourceid": "2",
            "lastupdated": "2021-05-25",
        },
        [],
    ]
).encode()


def _objects(store) -> list[Path]:
    root = store.root / "objects"
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".json")


def _tmp_files(store) -> list[Path]:
    return list((store.root / "tmp").glob("*")) if (store.root / "tmp").exists() else []


@respx.mock
def test_500_then_success_backs_off_and_stores_once(client, store, sleeps):
    route = respx.get(URL).mock(
        side_effect=[httpx.Response(500), httpx.Response(200, content=PAGE)]
    )
    record = client.fetch(store, REQUEST, validate=validate_page)
    assert route.call_count == 2
    assert sleeps == [1.0]  # first back-off with jitter fixed at 0
    assert store.open_verified(record).read_bytes() == PAGE
    assert record.status == 200 and record.size == len(PAGE)
    assert _objects(store) == [store.object_path(record.sha256)]
    sidecar = json.loads(store.sidecar_path(record.sha256).read_text())
    assert sidecar["url"] == URL and sidecar["params"] == {"format": "json"}
    assert sidecar["sha256"] == record.sha256 and sidecar["client_version"]


@respx.mock
def test_429_retry_after_is_honoured(client, store, sleeps):
    respx.get(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, content=PAGE),
        ]
    )
    client.fetch(store, REQUEST, validate=validate_page)
    assert sleeps == [7.0]


@respx.mock
def test_backoff_grows_to_16_seconds_then_one_clear_error(client, store, sleeps):
    route = respx.get(URL).mock(return_value=httpx.Response(503))
    with pytest.raises(SourceError, match=r"api\.worldbank\.org kept failing .*HTTP 503.* 5 tries"):
        client.fetch(store, REQUEST, validate=validate_page)
    assert route.call_count == 5
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert _objects(store) == [] and _tmp_files(store) == []


def test_backoff_is_capped_at_16_seconds():
    policy = RetryPolicy()
    assert [policy.backoff(n, 0.0) for n in range(1, 8)] == [1, 2, 4, 8, 16, 16, 16]
    assert policy.backoff(5, 0.99) == 16.0


@respx.mock
def test_truncated_body_is_retried_and_never_stored(client, store, sleeps):
    cut = PAGE[: len(PAGE) // 2]
    respx.get(URL).mock(
        side_effect=[
            httpx.Response(200, content=cut, headers={"Content-Length": str(len(PAGE))}),
            httpx.Response(200, content=PAGE),
        ]
    )
    record = client.fetch(store, REQUEST, validate=validate_page)
    assert store.open_verified(record).read_bytes() == PAGE
    assert len(_objects(store)) == 1 and _tmp_files(store) == []
    assert len(sleeps) == 1


@respx.mock
def test_invalid_json_is_retried(client, store, sleeps):
    respx.get(URL).mock(
        side_effect=[
            httpx.Response(200, content=b'[{"page": 1, "pages": '),
            httpx.Response(200, content=PAGE),
        ]
    )
    record = client.fetch(store, REQUEST, validate=validate_page)
    assert json.loads(store.open_verified(record).read_bytes())[0]["pages"] == 1


@respx.mock
def test_html_page_with_status_200_is_one_clear_error(client, store):
    html = fixture_bytes("common", "maintenance.html")
    route = respx.get(URL).mock(
        return_value=httpx.Response(
            200, content=html, headers={"Content-Type": "text/html; charset=utf-8"}
        )
    )
    with pytest.raises(SourceError, match="HTML page titled 'Service Unavailable") as info:
        client.fetch(store, REQUEST, validate=validate_page)
    assert "\n" not in str(info.value)
    assert route.call_count == 1
    assert _objects(store) == []


@respx.mock
def test_404_is_one_clear_error_naming_the_catalog(client, store):
    respx.get(URL).mock(return_value=httpx.Response(404, text="Not found"))
    with pytest.raises(SourceError, match=r"HTTP 404 .*catalog/sources/wdi\.yaml"):
        client.fetch(store, REQUEST)


@respx.mock
def test_connect_error_names_the_host_and_suggests_offline(client, store, sleeps):
    respx.get(URL).mock(side_effect=httpx.ConnectError("[Errno -2] Name or service not known"))
    with pytest.raises(SourceUnreachable) as info:
        client.fetch(store, REQUEST)
    message = str(info.value)
    assert "api.worldbank.org" in message and "--offline" in message and "--source-dir" in message
    assert sleeps == []


@respx.mock
def test_read_timeout_is_retried(client, store, sleeps):
    respx.get(URL).mock(side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, content=PAGE)])
    client.fetch(store, REQUEST, validate=validate_page)
    assert sleeps == [1.0]


@respx.mock
def test_conditional_request_reuses_snapshot_on_304(client, store):
    route = respx.get(URL).mock(
        side_effect=[
            httpx.Response(
                200,
                content=PAGE,
                headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Jul 2025 00:00:00 GMT"},
            ),
            httpx.Response(304),
        ]
    )
    first = client.fetch(store, REQUEST, validate=validate_page)
    second = client.fetch(store, REQUEST, validate=validate_page, previous=first)
    assert second == first
    sent = route.calls[1].request.headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Tue, 01 Jul 2025 00:00:00 GMT"
    assert "autonomy-monitor/" in sent["User-Agent"]


@respx.mock
def test_per_host_rate_limit_spaces_requests(store, sleeps):
    now = [100.0]
    clock = lambda: now[0]  # noqa: E731 - a frozen clock: every wait is the full interval
    respx.get(URL).mock(return_value=httpx.Response(200, content=PAGE))
    with HttpClient(rate_limits={"api.worldbank.org": 4.0}, sleep=sleeps, clock=clock) as http:
        http.fetch(store, REQUEST)
        http.fetch(store, REQUEST)
        http.fetch(store, REQUEST)
    assert sleeps == [0.25, 0.25]


@respx.mock
def test_retry_after_too_long_is_a_clear_error(client, store):
    respx.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "86400"}))
    with pytest.raises(SourceError, match="asks to wait 86400 s"):
        client.fetch(store, REQUEST)


def test_reject_html_and_load_json_helpers(tmp_path):
    page = tmp_path / "page"
    page.write_bytes(fixture_bytes("common", "maintenance.html"))
    response = httpx.Response(200, request=httpx.Request("GET", URL))
    with pytest.raises(SourceError):
        reject_html(page, response, "JSON")
    page.write_bytes(PAGE)
    reject_html(page, response, "JSON")
    assert load_json(page, "page")[0]["page"] == 1
