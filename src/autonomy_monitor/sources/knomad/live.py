"""KNOMAD/World Bank remittance workbooks (xlsx), as published on knomad.org
-> core_knomad__bilateral_remittances and core_knomad__remittance_inflows, the same tables
(columns, units, exclusions) as the bulk reader: each workbook is turned into the long layout
of the staged CSVs and handed to ``bulk.matrix_core`` / ``bulk.inflows_core``.

Quirks of the real workbooks (``../shared/specimens/knomad_xlsx/``), kept here:

- the matrix sheet is ``"FINAL BRM 2021 "`` (trailing space; matched ignoring spaces); row 1
  is a title, row 2 the header, whose first cell reads "Remittance-receiving country
  (across) <many spaces> - <many spaces> Remittance-sending country (down) "; senders run
  down column A, receivers across, US$ million; a WORLD row and column hold totals; long
  notes follow the table; empty cells and zeros are no corridor;
- the inflows sheet "Inward remittance flows" has its header in row 1: "Remittance inflows
  (US$ million)", integer years 2000-2022, the string ``'2023e'`` (an estimate) and
  ``'% of GDP in 2023'`` (not a year; not kept, as in the bulk reader);
- country names can carry the compiler's notes: "Israel (using CB data)", "Zimbabwe (using
  CB data for 2021 & 2022)", "Iran, Islamic Rep. (Brief 36 data)"; a trailing note in
  parentheses is dropped when the name does not resolve with it ("Sint Maarten (Dutch
  part)" resolves as it is and keeps it);
- rows with no number at all (the empty Turkmenistan row, blank rows, notes, the date and
  citation lines) are not data and are counted as rejects;
- aggregates (World, Low-and-Middle-Income Countries) and the Channel Islands are excluded
  and counted by the bulk rules; any other unknown name fails, listing every one.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from autonomy_monitor import countries
from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.pipeline.rawstore import Manifest, RawRecord, RawStore
from autonomy_monitor.pipeline.warehouse import InputRecord
from autonomy_monitor.sources.client import HttpClient, ResourceRequest
from autonomy_monitor.sources.knomad import bulk
from autonomy_monitor.sources.live_common import (
    FetchOutcome,
    Inputs,
    as_number,
    describe,
    find_header,
    read_sheet_rows,
    require_zip,
    snapshot_file,
    snapshot_inputs,
    year_of,
)

SOURCE = "knomad"
BILATERAL = "core_knomad__bilateral_remittances"
INFLOWS = "core_knomad__remittance_inflows"
RESOURCES = ("matrix", "inflows")
TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
EMPTY_ROW = "row without any number (blank, note, or an empty country row such as Turkmenistan's)"
INFLOW_MEASURE = "inflows_usd_millions"


def fetch(
    client: HttpClient, store: RawStore, entry: SourceEntry, since: int | None
) -> FetchOutcome:
    records = []
    for resource in RESOURCES:
        url = entry.parameters[f"{resource}_url"]
        request = ResourceRequest(source=SOURCE, resource=resource, url=url)
        previous = store.previous_record(SOURCE, resource)
        records.append(client.fetch(store, request, validate=require_zip, previous=previous))
    return FetchOutcome(records=records, vintage=entry.release)


def parse(
    store: RawStore, manifest: Manifest, entry: SourceEntry, inputs: Inputs | None = None
) -> dict[str, pl.DataFrame]:
    """Both core tables from the two stored workbooks (rejects counted on ``inputs``)."""
    inputs = snapshot_inputs(manifest, entry, inputs)
    p = entry.parameters
    matrix, flows = manifest.record("matrix"), manifest.record("inflows")
    label = bulk.MATRIX_FILES[p["matrix_bulk_file"]]
    return {
        BILATERAL: bulk.matrix_core(
            matrix_rows(store, matrix, p, inputs["matrix"]),
            snapshot_file(matrix),
            label,
            inputs["matrix"],
        ),
        INFLOWS: bulk.inflows_core(
            inflow_rows(store, flows, p, inputs["inflows"]), snapshot_file(flows), inputs["inflows"]
        ),
    }


def matrix_rows(store: RawStore, record: RawRecord, p: dict, input_: InputRecord) -> pl.DataFrame:
    """The matrix sheet as long rows in the staged CSV's layout (names only, US$ million)."""
    where = describe(record)
    rows = read_sheet_rows(store.open_verified(record), p.get("matrix_sheet"), where)
    at = find_header(rows, p["matrix_corner_label"], where)
    receivers = {i: clean_name(c) for i, c in enumerate(rows[at]) if i > 0 and _named(c)}
    cells = []
    for row in rows[at + 1 :]:
        if not _has_number(row):
            input_.reject(EMPTY_ROW, 1)
            continue
        sender = clean_name(row[0])
        for index, receiver in receivers.items():
            value = as_number(row[index]) if index < len(row) else None
            if value:  # an empty cell or a zero is no corridor
                cells.append((sender, receiver, value))
    return pl.DataFrame(
        [(int(p["matrix_year"]), s, None, r, None, v) for s, r, v in cells],
        schema={
            "year": pl.Int32,
            "sending_name": pl.String,
            "sending_iso3": pl.String,
            "receiving_name": pl.String,
            "receiving_iso3": pl.String,
            "remittances_usd_millions": pl.Float64,
        },
        orient="row",
    )


def inflow_rows(store: RawStore, record: RawRecord, p: dict, input_: InputRecord) -> pl.DataFrame:
    """The inflows sheet as long rows in the staged CSV's layout (zeros kept: the bulk rules
    count them as "not reported")."""
    where = describe(record)
    rows = read_sheet_rows(store.open_verified(record), p.get("inflows_sheet"), where)
    at = find_header(rows, p["inflows_corner_label"], where)
    years = {i: year_of(c) for i, c in enumerate(rows[at]) if i > 0 and year_of(c)}
    cells = []
    for row in rows[at + 1 :]:
        if not _has_number(row):
            input_.reject(EMPTY_ROW, 1)
            continue
        name = clean_name(row[0])
        for index, (year, estimate) in years.items():
            value = as_number(row[index]) if index < len(row) else None
            if value is not None:
                cells.append((None, name, year, estimate, INFLOW_MEASURE, value))
    return pl.DataFrame(
        cells,
        schema={
            "iso3": pl.String,
            "country_name": pl.String,
            "year": pl.Int32,
            "estimate": pl.Boolean,
            "measure": pl.String,
            "value": pl.Float64,
        },
        orient="row",
    )


def clean_name(cell: Any) -> str:
    """The cell's name without padding and without a compiler's note in trailing parentheses,
    unless the name only resolves with them ("Virgin Islands (U.S.)")."""
    name = " ".join(str(cell).split())
    if countries.resolve(name) is not None:
        return name
    without = TRAILING_NOTE.sub("", name)
    return without if without and countries.resolve(without) is not None else name


def _named(cell: Any) -> bool:
    return isinstance(cell, str) and bool(cell.strip())


def _has_number(row: tuple[Any, ...]) -> bool:
    return bool(row) and _named(row[0]) and any(as_number(c) is not None for c in row[1:])
