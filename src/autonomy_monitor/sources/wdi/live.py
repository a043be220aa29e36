"""World Bank Indicators API v2 -> core_wdi__yearly_indicators(country_iso3, year, indicator_code, value).

Quirks kept here:
- ``format=json`` answers ``[meta, rows]`` where ``meta`` has ``page``, ``pages``, ``per_page``,
  ``total`` and ``lastupdated``; results are paged (``page=1..pages``, ``per_page`` rows each).
- Errors come back with HTTP 200 as ``[{"message": [{"id": "120", "key": "Invalid value",
  "value": "..."}]}]``.
- ``country/all`` includes aggregates (World, regions, income groups); the ``country`` list
  marks them with ``region.id == "NA"`` ("Aggregates"), so it is fetched and used to drop them.
- ``date=YYYY:YYYY`` asks for a range; ``mrv=N`` for the N most recent values.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import polars as pl

from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.errors import BadInput, SourceError
from autonomy_monitor.pipeline.rawstore import Manifest, RawStore
from autonomy_monitor.sources.client import HttpClient, ResourceRequest, TransientContent
from autonomy_monitor.sources.live_common import FetchOutcome, describe, load_json, reject_html

SOURCE = "wdi"
TABLE = "core_wdi__yearly_indicators"
COUNTRY_LIST = "country-list"
ROW_KEYS = ("countryiso3code", "date", "value", "indicator")
SCHEMA = {
    "country_iso3": pl.String,
    "year": pl.Int32,
    "indicator_code": pl.String,
    "value": pl.Float64,
}


def validate_page(path: Path, response: httpx.Response) -> None:
    """Reject HTML pages and API error objects; invalid JSON is retried."""
    reject_html(path, response, "JSON")
    body = load_json(path, str(response.url))
    _raise_api_error(body, str(response.url))
    if not (isinstance(body, list) and len(body) == 2 and isinstance(body[0], dict)):
        raise TransientContent(f"unexpected JSON shape from {response.url}")
    if "pages" not in body[0]:
        raise SourceError(f"{response.url} answered JSON without paging metadata ('pages').")


def _raise_api_error(body: object, url: str) -> None:
    if isinstance(body, list) and body and isinstance(body[0], dict) and "message" in body[0]:
        messages = body[0]["message"] or [{}]
        first = messages[0]
        raise SourceError(
            f"the World Bank API refused {url}: error {first.get('id', '?')} "
            f"{first.get('key', '')}: {first.get('value', '')}; check the indicator codes and "
            "parameters in catalog/sources/wdi.yaml."
        )


def date_params(entry: SourceEntry, since: int | None, today: dt.date) -> dict[str, str]:
    """``mrv`` if the catalog asks for most-recent values, else ``date=SINCE:THIS_YEAR``."""
    params = entry.parameters
    if since is None and params.get("mrv"):
        return {"mrv": str(params["mrv"])}
    first = since if since is not None else int(params.get("default_since", 1990))
    return {"date": f"{first}:{today.year}"}


def indicator_request(entry: SourceEntry, code: str, page: int, dates: dict) -> ResourceRequest:
    params = entry.parameters
    return ResourceRequest(
        source=SOURCE,
        resource=f"{code}/page-{page}",
        url=f"{entry.url}/country/{params.get('countries', 'all')}/indicator/{code}",
        params={
            "format": "json",
            "per_page": str(params.get("per_page", 1000)),
            "page": str(page),
            "source": str(params.get("source_id", 2)),
            **dates,
        },
    )


def country_list_request(entry: SourceEntry) -> ResourceRequest:
    return ResourceRequest(
        source=SOURCE,
        resource=COUNTRY_LIST,
        url=f"{entry.url}/country",
        params={"format": "json", "per_page": "400"},
    )


def fetch(
    client: HttpClient, store: RawStore, entry: SourceEntry, since: int | None
) -> FetchOutcome:
    """Fetch the country list and every page of every catalogued indicator."""
    records = [_fetch_one(client, store, country_list_request(entry))]
    dates = date_params(entry, since, dt.date.today())
    updated: list[str] = []
    for code in entry.parameters["indicators"]:
        page, pages = 1, 1
        while page <= pages:
            record = _fetch_one(client, store, indicator_request(entry, code, page, dates))
            meta = _page_meta(store, record)
            pages = int(meta.get("pages") or 1)
            updated.append(str(meta.get("lastupdated") or ""))
            records.append(record)
            page += 1
    vintage = max((u for u in updated if u), default=dt.date.today().isoformat())
    return FetchOutcome(records=records, vintage=vintage)


def _fetch_one(client: HttpClient, store: RawStore, request: ResourceRequest):
    previous = store.previous_record(SOURCE, request.resource)
    return client.fetch(store, request, validate=validate_page, previous=previous)


def _page_meta(store: RawStore, record) -> dict:
    body = load_json(store.open_verified(record), describe(record))
    return body[0]


def parse(store: RawStore, manifest: Manifest, entry: SourceEntry) -> dict[str, pl.DataFrame]:
    """The core table from the pages of one stored fetch; aggregates and nulls dropped."""
    aggregates = _aggregate_codes(store, manifest)
    rows = []
    for record in manifest.records:
        if record.resource != COUNTRY_LIST:
            rows.extend(_page_rows(store, record))
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    frame = frame.filter(
        pl.col("value").is_not_null()
        & (pl.col("country_iso3").str.len_chars() == 3)
        & ~pl.col("country_iso3").is_in(sorted(aggregates))
    )
    return {TABLE: frame.unique().sort(["indicator_code", "country_iso3", "year"])}


def _aggregate_codes(store: RawStore, manifest: Manifest) -> set[str]:
    record = manifest.record(COUNTRY_LIST)
    body = load_json_stored(store, record)
    try:
        return {c["id"] for c in body[1] if (c.get("region") or {}).get("id") == "NA"}
    except (KeyError, TypeError, IndexError) as exc:
        raise BadInput(f"{describe(record)} is not a World Bank country list ({exc}).") from exc


def _page_rows(store: RawStore, record) -> list[tuple]:
    body = load_json_stored(store, record)
    items = body[1] if len(body) > 1 and body[1] else []
    rows = []
    for item in items:
        missing = [k for k in ROW_KEYS if k not in item]
        if missing:
            raise BadInput(
                f"{describe(record)} has rows without {', '.join(missing)}; the API format "
                "changed, update sources/wdi/live.py."
            )
        rows.append((item["countryiso3code"], _year(item["date"], record), item["indicator"]["id"],
                     None if item["value"] is None else float(item["value"])))
    return rows


def _year(text: str, record) -> int:
    try:
        return int(str(text)[:4])
    except ValueError as exc:
        raise BadInput(f"{describe(record)} has a non-year date {text!r}.") from exc


def load_json_stored(store: RawStore, record) -> list:
    """A stored page, re-checked: a snapshot always held valid JSON when it was stored."""
    try:
        body = load_json(store.open_verified(record), describe(record))
    except TransientContent as exc:
        raise BadInput(f"{describe(record)} is not valid JSON; fetch it again.") from exc
    _raise_api_error(body, record.url)
    return body
