"""OECD DAC2a over SDMX 2.1 -> core_oecd__yearly_aid(donor_code, recipient_iso3, year, oda_usd).

Quirks kept here:
- endpoint ``{url}/data/OECD.DCD.FSD,DSD_DAC2@DF_DAC2A,/{DONOR}.{RECIPIENT}.{MEASURE}.{UNIT}.{PRICE}``
  (the trailing comma in the flow reference means "latest version");
- measure 206 is net ODA disbursements; values are US$ million (UNIT_MULT 6), and are turned
  into US$ here; net values can be negative;
- recipient codes are ISO3 for countries and other codes for regions and "unspecified" lines,
  which are dropped; donor codes are kept as published.
"""

from __future__ import annotations

import polars as pl

from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.pipeline.rawstore import Manifest, RawStore
from autonomy_monitor.sources.client import HttpClient, ResourceRequest
from autonomy_monitor.sources.live_common import (
    FetchOutcome,
    describe,
    read_sdmx_frame,
    require_columns,
    validate_sdmx,
)

SOURCE = "oecd"
TABLE = "core_oecd__yearly_aid"
DIMENSIONS = ("DONOR", "RECIPIENT", "TIME_PERIOD", "value")
SCHEMA = {
    "donor_code": pl.String,
    "recipient_iso3": pl.String,
    "year": pl.Int32,
    "oda_usd": pl.Float64,
}


def request(entry: SourceEntry, since: int | None) -> ResourceRequest:
    p = entry.parameters
    first = since if since is not None else int(p.get("default_since", 2000))
    key = ".".join(
        ["+".join(p.get("donors") or []), "+".join(p.get("recipients") or []),
         str(p["measure"]), p["unit_measure"], p["price_base"]]
    )
    return ResourceRequest(
        source=SOURCE,
        resource="dac2a",
        url=f"{entry.url}/data/{p['flow_ref']}/{key}",
        params={"startPeriod": str(first), "dimensionAtObservation": "TIME_PERIOD"},
        headers={"Accept": p["accept"]},
        ok_statuses=frozenset({200, 404}),
    )


def fetch(
    client: HttpClient, store: RawStore, entry: SourceEntry, since: int | None
) -> FetchOutcome:
    req = request(entry, since)
    previous = store.previous_record(SOURCE, req.resource)
    record = client.fetch(store, req, validate=validate_sdmx, previous=previous)
    vintage = record.last_modified or record.fetched_at.date().isoformat()
    return FetchOutcome(records=[record], vintage=vintage)


def parse(store: RawStore, manifest: Manifest, entry: SourceEntry) -> dict[str, pl.DataFrame]:
    record = manifest.record("dac2a")
    where = describe(record)
    raw = read_sdmx_frame(store.open_verified(record), where)
    if raw.is_empty():
        return {TABLE: pl.DataFrame(schema=SCHEMA)}
    require_columns(raw, DIMENSIONS, where)
    default_mult = int(entry.parameters.get("unit_multiplier", 6))
    mult = (
        pl.col("UNIT_MULT").cast(pl.Int32, strict=False).fill_null(default_mult)
        if "UNIT_MULT" in raw.columns
        else pl.lit(default_mult)
    )
    table = raw.filter(
        pl.col("value").is_not_null()
        & pl.col("value").is_not_nan()
        & pl.col("RECIPIENT").str.contains(r"^[A-Z]{3}$")
    ).select(
        pl.col("DONOR").alias("donor_code"),
        pl.col("RECIPIENT").alias("recipient_iso3"),
        pl.col("TIME_PERIOD").str.slice(0, 4).cast(pl.Int32).alias("year"),
        (pl.col("value").cast(pl.Float64) * pl.lit(10.0).pow(mult)).alias("oda_usd"),
    )
    return {TABLE: table.sort(["recipient_iso3", "donor_code", "year"])}
