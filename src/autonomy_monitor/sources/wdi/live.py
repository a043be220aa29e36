"""World Bank Indicators API v2 -> core_wdi__yearly_indicators(country_iso3, year,
indicator_code, value), the bulk reader's table: each stored page becomes rows in the bulk
mirror's layout and goes through ``bulk.parse`` (indicators used, aggregates and missing
values counted, countries resolved, conflicting duplicates refused).

Quirks of the real API (recordings in ``../shared/specimens/worldbank_api_v2/``), kept here:
- ``format=json`` answers ``[meta, rows]``; indicator pages have ``meta = {page, pages,
  per_page, total, sourceid, sourcename, lastupdated}`` with integers, but list endpoints
  (countries, regions, income levels) give ``per_page`` as a string ("50") and some give
  ``page``, ``pages`` and ``total`` as strings too: counts are read as int or digit string;
- with several indicators and ``source=2``, ``sourceid`` and ``sourcename`` are null: nothing
  here depends on them; the vintage is ``lastupdated``;
- an invalid value answers HTTP 200 with ``[{"message": [{"id": "120", "key": "Invalid
  value", ...}, ...]}]``, one entry per bad parameter (id 150: unsupported language): one
  error listing them;
- an invalid source answers HTTP 400 with an XHTML "Request Error" page that begins with a
  UTF-8 byte-order mark and an XML declaration: the client names the page's title;
- ``country/all`` includes aggregates (World, regions, income and lending groups): the
  ``country`` list marks them with ``region.id == "NA"`` and they are dropped with the bulk
  reader's aggregate codes; ``region.value`` can carry a trailing space (not used);
- ``date=YYYY:YYYY`` asks for a range; ``mrv=N`` for the N most recent values.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import polars as pl

from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.errors import BadInput, SourceError
from autonomy_monitor.pipeline.rawstore import Manifest, RawRecord, RawStore
from autonomy_monitor.sources.client import HttpClient, ResourceRequest, TransientContent
from autonomy_monitor.sources.live_common import (
    FetchOutcome,
    Inputs,
    describe,
    load_json,
    reject_html,
    snapshot_file,
    snapshot_inputs,
)
from autonomy_monitor.sources.wdi import bulk

SOURCE = "wdi"
TABLE = bulk.CORE_TABLE
COUNTRY_LIST = "country-list"
ROW_KEYS = ("countryiso3code", "date", "value", "indicator", "country")
AGGREGATE_REGION = "NA"
PAGE_SCHEMA = {
    "country_code": pl.String,
    "country_name": pl.String,
    "indicator_code": pl.String,
    "year": pl.String,
    "value": pl.Float64,
}


def validate_page(path: Path, response: httpx.Response) -> None:
    """Reject HTML pages and API error objects; invalid JSON is retried."""
    reject_html(path, response, "JSON")
    body = load_json(path, str(response.url))
    raise_api_error(body, str(response.url))
    if not (isinstance(body, list) and len(body) == 2 and isinstance(body[0], dict)):
        raise TransientContent(f"unexpected JSON shape from {response.url}")
    page_count(body[0], str(response.url))


def raise_api_error(body: object, url: str) -> None:
    """SourceError listing every message of a ``[{"message": [...]}]`` answer (HTTP 200)."""
    if isinstance(body, list) and body and isinstance(body[0], dict) and "message" in body[0]:
        messages = body[0]["message"] or [{}]
        texts = sorted({f"{m.get('id', '?')} {m.get('key', '')}".strip() for m in messages})
        detail = messages[0].get("value", "")
        raise SourceError(
            f"the World Bank API refused {url}: {len(messages)} message(s), error "
            f"{'; '.join(texts)}: {detail}; check the indicator codes and parameters in "
            "catalog/sources/wdi.yaml."
        )


def page_count(meta: dict, where: str) -> int:
    """``meta["pages"]`` as an int: the API sends 2 on indicator pages and "2" on list pages."""
    value = meta.get("pages")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise SourceError(f"{where} answered JSON without a page count ('pages': {value!r}).")


def indicators(entry: SourceEntry) -> list[str]:
    """The catalog's list if it names one, else every indicator the bulk reader keeps."""
    return list(entry.parameters.get("indicators") or bulk.INDICATORS)


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
    """Fetch the country list and every page of every indicator."""
    records = [_fetch_one(client, store, country_list_request(entry))]
    dates = date_params(entry, since, dt.date.today())
    updated: list[str] = []
    for code in indicators(entry):
        page, pages = 1, 1
        while page <= pages:
            record = _fetch_one(client, store, indicator_request(entry, code, page, dates))
            meta = load_json_stored(store, record)[0]
            pages = page_count(meta, describe(record))
            updated.append(str(meta.get("lastupdated") or ""))
            records.append(record)
            page += 1
    vintage = max((u for u in updated if u), default=dt.date.today().isoformat())
    return FetchOutcome(records=records, vintage=vintage)


def _fetch_one(client: HttpClient, store: RawStore, request: ResourceRequest) -> RawRecord:
    previous = store.previous_record(SOURCE, request.resource)
    return client.fetch(store, request, validate=validate_page, previous=previous)


def parse(
    store: RawStore, manifest: Manifest, entry: SourceEntry, inputs: Inputs | None = None
) -> dict[str, pl.DataFrame]:
    """The core table from the pages of one stored fetch, each page through ``bulk.parse``."""
    inputs = snapshot_inputs(manifest, entry, inputs)
    aggregates = aggregate_ids(store, manifest.record(COUNTRY_LIST))
    frames = []
    for record in manifest.records:
        if record.resource == COUNTRY_LIST:
            continue
        rows = page_rows(store, record)
        input_ = inputs[record.resource]
        listed = pl.col("country_code").is_in(sorted(aggregates)) | pl.col("country_id").is_in(
            sorted(aggregates)
        )
        input_.reject(
            "aggregate in the API's country list (region 'NA')", rows.filter(listed).height
        )
        core = bulk.parse(rows.filter(~listed).drop("country_id"), snapshot_file(record), input_)
        input_.rows_kept = core.height
        frames.append(core)
    table = pl.concat(frames) if frames else pl.DataFrame(schema=bulk.CORE_SCHEMA)
    table = table.unique().cast(bulk.CORE_SCHEMA)  # type: ignore[arg-type]
    bulk.check_unique(table, Path(manifest.source))
    return {TABLE: table.sort("country_iso3", "indicator_code", "year")}


def aggregate_ids(store: RawStore, record: RawRecord) -> set[str]:
    """ISO3 and ISO2 ids of the entries the country list puts in region "NA" (Aggregates)."""
    body = load_json_stored(store, record)
    try:
        entries = body[1] or []
        return {
            code
            for c in entries
            if (c.get("region") or {}).get("id", "").strip() == AGGREGATE_REGION
            for code in (c.get("id"), c.get("iso2Code"))
            if code
        }
    except (AttributeError, TypeError, IndexError) as exc:
        raise BadInput(f"{describe(record)} is not a World Bank country list ({exc}).") from exc


def page_rows(store: RawStore, record: RawRecord) -> pl.DataFrame:
    """One stored page in the bulk mirror's layout (plus the API's own ``country.id``)."""
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
        country = item["country"] or {}
        rows.append(
            (
                item["countryiso3code"] or None,
                country.get("value"),
                item["indicator"]["id"],
                str(item["date"]),
                None if item["value"] is None else float(item["value"]),
                country.get("id"),
            )
        )
    return pl.DataFrame(rows, schema={**PAGE_SCHEMA, "country_id": pl.String}, orient="row")


def load_json_stored(store: RawStore, record: RawRecord) -> list:
    """A stored page, re-checked: a snapshot always held valid JSON when it was stored."""
    try:
        body = load_json(store.open_verified(record), describe(record))
    except TransientContent as exc:
        raise BadInput(f"{describe(record)} is not valid JSON; fetch it again.") from exc
    raise_api_error(body, record.url)
    return body
