"""The UN Comtrade connector on real API v1 answers.

Specimens: ``../shared/specimens/comtrade_api_v1/`` recorded 2024-11-15 by the R client
``ropensci/comtradr`` (GPL-3; the answers themselves are UN Comtrade data): China's 2010
imports from and exports to Argentina and Germany (``data_v1_get_C_A_HS-60a6ad.json``) and two
empty answers (``bulk_error_HS-a503f3.json``; the services request in
``services_v1_get_S_A_EB-b31ccb.R``).
"""

from __future__ import annotations

import json

import httpx
import polars as pl
import pytest
import respx
from conftest import specimen_path

from autonomy_monitor.catalog import load_source
from autonomy_monitor.errors import SourceError
from autonomy_monitor.pipeline import fetch
from autonomy_monitor.pipeline.rawstore import describe_store
from autonomy_monitor.sources.comtrade import live
from autonomy_monitor.sources.trade_recent import bulk as trade_recent

FOLDER = "comtrade_api_v1"
ANSWER = "data_v1_get_C_A_HS-60a6ad.json"


def _only_china_2010(monkeypatch) -> None:
    entry = load_source("comtrade")
    trimmed = entry.model_copy(
        update={"parameters": {**entry.parameters, "reporters": ["CHN"], "default_since": 2010}}
    )
    real = fetch.load_source
    monkeypatch.setattr(fetch, "load_source", lambda n: trimmed if n == "comtrade" else real(n))
    monkeypatch.setattr(live, "years", lambda entry, since, today: [2010])


def _client(sleeps):
    return fetch.make_client([], sleep=sleeps, jitter=lambda: 0.0)


@respx.mock
def test_real_answer_gives_the_recent_trade_table(settings, sleeps, specimens, monkeypatch):
    _only_china_2010(monkeypatch)
    body = specimen_path(specimens, FOLDER, ANSWER).read_bytes()
    route = respx.get(load_source("comtrade").url).mock(
        return_value=httpx.Response(200, content=body)
    )
    (manifest,) = fetch.fetch_sources(settings, "comtrade", client=_client(sleeps))
    params = route.calls[0].request.url.params
    assert (params["reporterCode"], params["period"], params["cmdCode"], params["flowCode"]) == (
        "156",
        "2010",
        "TOTAL",
        "M,X",
    )
    assert [r.resource for r in manifest.records] == ["CHN/2010"]
    table = fetch.load_live(settings, "comtrade").tables["core_trade__recent_bilateral"]
    assert table.schema == pl.Schema(trade_recent.CORE_SCHEMA)
    # UN Comtrade figures: China's 2010 trade with Germany, US$ (imports CIF, exports FOB).
    deu = dict(table.filter(pl.col("partner_iso3") == "DEU").select("flow", "value_usd").rows())
    assert deu == {"import": 74_251_272_075.0, "export": 68_047_133_397.0}
    assert set(table["partner_iso3"]) == {"ARG", "DEU"} and set(table["source"]) == {"UN Comtrade"}


@pytest.mark.parametrize("name", ["bulk_error_HS-a503f3.json"])
@respx.mock
def test_real_empty_answer_is_an_empty_table(settings, sleeps, specimens, monkeypatch, name):
    _only_china_2010(monkeypatch)
    body = specimen_path(specimens, FOLDER, name).read_bytes()
    respx.get(load_source("comtrade").url).mock(return_value=httpx.Response(200, content=body))
    fetch.fetch_sources(settings, "comtrade", client=_client(sleeps))
    table = fetch.load_live(settings, "comtrade").tables["core_trade__recent_bilateral"]
    assert table.is_empty() and table.schema == pl.Schema(trade_recent.CORE_SCHEMA)


def test_recorded_services_request_was_empty_too(specimens):
    """The recorded R object of the services request holds the same empty body."""
    text = specimen_path(specimens, FOLDER, "services_v1_get_S_A_EB-b31ccb.R").read_text("utf-8")
    assert "status_code = 200L" in text and '\\"count\\":0,\\"data\\":[]' in text


@respx.mock
def test_world_rows_and_breakdowns_are_dropped_and_counted(
    settings, sleeps, specimens, monkeypatch
):
    """The real answer with a World row and a mode-of-transport split added (at test time)."""
    _only_china_2010(monkeypatch)
    body = json.loads(specimen_path(specimens, FOLDER, ANSWER).read_bytes())
    first = body["data"][0]
    body["data"] += [
        {**first, "partnerCode": 0, "partnerISO": "W00", "partnerDesc": "World"},
        {**first, "motCode": 2100, "primaryValue": 1.0},
    ]
    respx.get(load_source("comtrade").url).mock(return_value=httpx.Response(200, json=body))
    fetch.fetch_sources(settings, "comtrade", client=_client(sleeps))
    result = fetch.load_live(settings, "comtrade")
    assert result.tables["core_trade__recent_bilateral"].height == 4
    (record,) = result.inputs
    assert record.reject_reasons == {
        "partner World (W00)": 1,
        "breakdown of a total (mode of transport, customs, second partner)": 1,
    }


@respx.mock
def test_error_field_and_capped_answer_are_clear_errors(settings, sleeps, specimens, monkeypatch):
    _only_china_2010(monkeypatch)
    body = json.loads(specimen_path(specimens, FOLDER, ANSWER).read_bytes())
    route = respx.get(load_source("comtrade").url)
    route.mock(
        return_value=httpx.Response(200, json={**body, "data": [], "error": "Invalid reporterCode"})
    )
    with pytest.raises(SourceError, match="refused .*Invalid reporterCode"):
        fetch.fetch_sources(settings, "comtrade", client=_client(sleeps))
    route.mock(return_value=httpx.Response(200, json={**body, "data": body["data"] * 125}))
    with pytest.raises(SourceError, match="500 records, the preview's cap"):
        fetch.fetch_sources(settings, "comtrade", client=_client(sleeps))
    assert describe_store(settings).is_empty()
