"""UN DESA International Migrant Stock workbook (xlsx)
-> core_undesa__migrant_stock(origin_iso3, destination_iso3, year, migrants).

Quirks kept here:
- sheet "Table 1" opens with several title rows; the header row is the one holding
  "Location code of destination"; after the name, notes, code and type columns of the
  destination and the name and code of the origin come three blocks of year columns
  (both sexes, male, female); only the first block is read;
- places are identified by M49 codes; 900 and above are regions, development groups,
  income groups and "Other"; 830 (Channel Islands) has no ISO3 code and is dropped;
  158 is Taiwan Province of China (TWN) and 412 Kosovo (XKX) where they appear;
- empty cells and ".." mean no estimate.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from autonomy_monitor import countries
from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.errors import BadInput, UnresolvedCountries
from autonomy_monitor.pipeline.rawstore import Manifest, RawStore
from autonomy_monitor.sources.client import HttpClient, ResourceRequest
from autonomy_monitor.sources.undesa import bulk
from autonomy_monitor.sources.live_common import (
    FetchOutcome,
    Inputs,
    as_number,
    describe,
    find_header,
    read_sheet_rows,
    require_zip,
    year_of,
)

SOURCE = "undesa"
TABLE = "core_undesa__migrant_stock"
RESOURCE = "ims-table1"
AGGREGATE_FROM = 900
NO_ISO3 = frozenset({830})
EXTRA_CODES = {158: "TWN", 412: "XKX"}


def fetch(
    client: HttpClient, store: RawStore, entry: SourceEntry, since: int | None
) -> FetchOutcome:
    request = ResourceRequest(source=SOURCE, resource=RESOURCE, url=entry.url)
    previous = store.previous_record(SOURCE, RESOURCE)
    record = client.fetch(store, request, validate=require_zip, previous=previous)
    return FetchOutcome(records=[record], vintage=entry.release)


def parse(
    store: RawStore, manifest: Manifest, entry: SourceEntry, inputs: Inputs | None = None
) -> dict[str, pl.DataFrame]:
    """The core table in the bulk reader's shape (whole persons, Int64)."""
    record = manifest.record(RESOURCE)
    where = describe(record)
    p = entry.parameters
    rows = read_sheet_rows(store.open_verified(record), p.get("sheet"), where)
    header_at = find_header(rows, p["header_marker"], where)
    header = rows[header_at]
    dest_col = _column(header, p["header_marker"], where)
    origin_col = _column(header, p["origin_code_column"], where)
    years = _first_year_block(header, origin_col + 1, where)
    long = _long_rows(rows[header_at + 1 :], dest_col, origin_col, years)
    frame = pl.DataFrame(
        long,
        schema={
            "origin_m49": pl.Int32,
            "destination_m49": pl.Int32,
            "year": pl.Int32,
            "migrants": pl.Float64,
        },
        orient="row",
    )
    return {TABLE: _to_iso3(frame, where)}


def _column(header: tuple[Any, ...], label: str, where: str) -> int:
    for index, cell in enumerate(header):
        if isinstance(cell, str) and " ".join(cell.split()).casefold() == label.casefold():
            return index
    raise BadInput(f"{where} has no column {label!r} in its header row; update the connector.")


def _first_year_block(header: tuple[Any, ...], start: int, where: str) -> list[tuple[int, int]]:
    block: list[tuple[int, int]] = []
    for index in range(start, len(header)):
        parsed = year_of(header[index])
        if parsed is None:
            if block:
                break
            continue
        if block and parsed[0] <= block[-1][1]:
            break  # the male block starts again at the first year
        block.append((index, parsed[0]))
    if not block:
        raise BadInput(f"{where} has no year columns after the origin code; update the connector.")
    return block


def _long_rows(rows, dest_col: int, origin_col: int, years: list[tuple[int, int]]) -> list[tuple]:
    out = []
    for row in rows:
        dest, origin = _code(row, dest_col), _code(row, origin_col)
        if dest is None or origin is None:
            continue
        for index, year in years:
            value = as_number(row[index]) if index < len(row) else None
            if value is not None and value > 0:
                out.append((origin, dest, year, value))
    return out


def _code(row: tuple[Any, ...], index: int) -> int | None:
    if index >= len(row):
        return None
    number = as_number(row[index])
    return int(number) if number is not None else None


def _to_iso3(frame: pl.DataFrame, where: str) -> pl.DataFrame:
    lookup = _m49_lookup()
    codes = set(frame["origin_m49"].to_list()) | set(frame["destination_m49"].to_list())
    countries_only = {c for c in codes if c < AGGREGATE_FROM and c not in NO_ISO3}
    unknown = sorted(c for c in countries_only if c not in lookup)
    if unknown:
        raise UnresolvedCountries(f"{SOURCE} ({where})", [f"M49 code {c}" for c in unknown])
    mapping = pl.DataFrame(
        {"m49": list(lookup), "iso3": list(lookup.values())},
        schema={"m49": pl.Int32, "iso3": pl.String},
    )
    table = (
        frame.join(mapping.rename({"m49": "origin_m49", "iso3": "origin_iso3"}), on="origin_m49")
        .join(
            mapping.rename({"m49": "destination_m49", "iso3": "destination_iso3"}),
            on="destination_m49",
        )
        .group_by(["origin_iso3", "destination_iso3", "year"])
        .agg(pl.col("migrants").sum())
    )
    core = table.select(
        "origin_iso3",
        "destination_iso3",
        "year",
        pl.col("migrants").round(0).cast(pl.Int64).alias("migrants"),  # as bulk.parse
    )
    return (
        core.select(list(bulk.CORE_SCHEMA))
        .cast(bulk.CORE_SCHEMA)
        .sort(  # type: ignore[arg-type]
            ["origin_iso3", "destination_iso3", "year"]
        )
    )


def _m49_lookup() -> dict[int, str]:
    table = countries.country_table().filter(pl.col("m49").is_not_null() & ~pl.col("is_historical"))
    lookup = dict(zip(table["m49"].to_list(), table["iso3"].to_list(), strict=True))
    return {**lookup, **EXTRA_CODES}
