"""KNOMAD/World Bank remittance workbooks (xlsx)
-> core_knomad__bilateral_remittances(sender_iso3, receiver_iso3, year, remittances_usd)
-> core_knomad__remittance_inflows(receiver_iso3, year, remittances_usd, is_estimate).

Quirks kept here:
- the bilateral matrix has title rows, then a header row whose first cell reads
  "Remittance-receiving country (across) / Remittance-sending country (down)": receivers run
  across, senders down, US$ million; a "WORLD" row and column hold totals;
- the inflows workbook has a header row starting "Migrant remittance inflows (US$ million)",
  countries down, years across; a year such as "2023e" is an estimate; aggregate rows
  (World, regions, income groups) and note rows follow the countries;
- countries are named, not coded: names are resolved with ``autonomy_monitor.countries`` and
  every unknown name is listed in one error.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from autonomy_monitor import countries
from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.pipeline.rawstore import Manifest, RawStore
from autonomy_monitor.sources.client import HttpClient, ResourceRequest
from autonomy_monitor.sources.live_common import (
    FetchOutcome,
    as_number,
    describe,
    find_header,
    read_sheet_rows,
    require_zip,
    year_of,
)

SOURCE = "knomad"
BILATERAL = "core_knomad__bilateral_remittances"
INFLOWS = "core_knomad__remittance_inflows"
AGGREGATES = frozenset(
    {
        "world", "total", "other north", "other south", "low and middle income",
        "low- and middle-income countries", "low-and middle-income countries",
        "low and middle income countries", "low income", "lower middle income",
        "upper middle income", "middle income", "high income", "high income countries",
        "east asia and pacific", "europe and central asia", "latin america and caribbean",
        "latin america and the caribbean", "middle east and north africa",
        "middle east, north africa, afghanistan and pakistan", "south asia",
        "sub-saharan africa", "north america", "european union", "euro area",
    }
)
BILATERAL_SCHEMA = {
    "sender_iso3": pl.String,
    "receiver_iso3": pl.String,
    "year": pl.Int32,
    "remittances_usd": pl.Float64,
}
INFLOWS_SCHEMA = {
    "receiver_iso3": pl.String,
    "year": pl.Int32,
    "remittances_usd": pl.Float64,
    "is_estimate": pl.Boolean,
}


def fetch(
    client: HttpClient, store: RawStore, entry: SourceEntry, since: int | None
) -> FetchOutcome:
    records = []
    for resource, url in (("matrix", entry.parameters["matrix_url"]),
                          ("inflows", entry.parameters["inflows_url"])):
        request = ResourceRequest(source=SOURCE, resource=resource, url=url)
        previous = store.previous_record(SOURCE, resource)
        records.append(client.fetch(store, request, validate=require_zip, previous=previous))
    return FetchOutcome(records=records, vintage=entry.release)


def parse(store: RawStore, manifest: Manifest, entry: SourceEntry) -> dict[str, pl.DataFrame]:
    p = entry.parameters
    scale = 10.0 ** int(p.get("unit_multiplier", 6))
    return {
        BILATERAL: _matrix(store, manifest.record("matrix"), p, scale),
        INFLOWS: _inflows(store, manifest.record("inflows"), p, scale),
    }


def is_aggregate(name: str) -> bool:
    return countries.normalise_name(name) in {countries.normalise_name(a) for a in AGGREGATES}


def _matrix(store: RawStore, record, p: dict, scale: float) -> pl.DataFrame:
    where = describe(record)
    rows = read_sheet_rows(store.open_verified(record), p.get("matrix_sheet"), where)
    at = find_header(rows, p["matrix_corner_label"], where)
    receivers = {i: str(c).strip() for i, c in enumerate(rows[at]) if i > 0 and _named(c)}
    cells = []
    for row in rows[at + 1 :]:
        if not row or not _named(row[0]):
            continue
        for index, receiver in receivers.items():
            value = as_number(row[index]) if index < len(row) else None
            if value:
                cells.append((str(row[0]).strip(), receiver, value))
    cells = [c for c in cells if not is_aggregate(c[0]) and not is_aggregate(c[1])]
    codes = countries.resolve_names([c[0] for c in cells] + [c[1] for c in cells],
                                    source=f"{SOURCE} ({where})")
    year = int(p["matrix_year"])
    out = [(codes[s], codes[r], year, v * scale) for s, r, v in cells]
    frame = pl.DataFrame(out, schema=BILATERAL_SCHEMA, orient="row")
    return frame.sort(["receiver_iso3", "sender_iso3"])


def _inflows(store: RawStore, record, p: dict, scale: float) -> pl.DataFrame:
    where = describe(record)
    rows = read_sheet_rows(store.open_verified(record), p.get("inflows_sheet"), where)
    at = find_header(rows, p["inflows_corner_label"], where)
    years = {i: year_of(c) for i, c in enumerate(rows[at]) if i > 0 and year_of(c)}
    cells = []
    for row in rows[at + 1 :]:
        if not row or not _named(row[0]) or is_aggregate(str(row[0])):
            continue
        for index, (year, estimate) in years.items():
            value = as_number(row[index]) if index < len(row) else None
            if value is not None:
                cells.append((str(row[0]).strip(), year, value * scale, estimate))
    codes = countries.resolve_names([c[0] for c in cells], source=f"{SOURCE} ({where})")
    out = [(codes[n], y, v, e) for n, y, v, e in cells]
    return pl.DataFrame(out, schema=INFLOWS_SCHEMA, orient="row").sort(["receiver_iso3", "year"])


def _named(cell: Any) -> bool:
    return isinstance(cell, str) and bool(cell.strip())
