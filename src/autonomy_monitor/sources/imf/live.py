"""IMF International Trade in Goods by partner (IMTS, successor of DOTS) over SDMX 2.1
-> core_imf__yearly_bilateral_trade(reporter_iso3, partner_iso3, year, flow, value_usd, is_mirror).

Quirks kept here:
- endpoint ``{url}/data/IMF.STA,IMTS/{COUNTRY}.{INDICATOR}.{COUNTERPART_COUNTRY}.{FREQ}``;
  ``+`` joins codes and an empty position means all codes;
- indicators ``XG_FOB_USD`` (exports FOB) and ``MG_CIF_USD`` (imports CIF), plain US dollars
  (the ``SCALE`` attribute is for display only);
- counterparts ``G...`` (G001 world, G163 euro area, ...) are aggregates;
- an empty selection is HTTP 404 with an SDMX error message, code 100.
Bodies are asked for as SDMX-ML generic data, which sdmx1 reads without the structure.
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

SOURCE = "imf"
TABLE = "core_imf__yearly_bilateral_trade"
DIMENSIONS = ("COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "TIME_PERIOD", "value")
SCHEMA = {
    "reporter_iso3": pl.String,
    "partner_iso3": pl.String,
    "year": pl.Int32,
    "flow": pl.String,
    "value_usd": pl.Float64,
    "is_mirror": pl.Boolean,
}
MIRROR_FLOW = {"exports": "imports", "imports": "exports"}


def requests(entry: SourceEntry, since: int | None) -> list[ResourceRequest]:
    """One request per indicator, for all catalogued reporters and every counterpart."""
    params = entry.parameters
    first = since if since is not None else int(params.get("default_since", 2000))
    reporters = "+".join(params["reporters"])
    return [
        ResourceRequest(
            source=SOURCE,
            resource=indicator,
            url=f"{entry.url}/data/{params['flow_ref']}/{reporters}.{indicator}..{params['frequency']}",
            params={"startPeriod": str(first), "dimensionAtObservation": "TIME_PERIOD"},
            headers={"Accept": params["accept"]},
            ok_statuses=frozenset({200, 404}),
        )
        for indicator in params["indicators"]
    ]


def fetch(
    client: HttpClient, store: RawStore, entry: SourceEntry, since: int | None
) -> FetchOutcome:
    records = []
    for request in requests(entry, since):
        previous = store.previous_record(SOURCE, request.resource)
        records.append(client.fetch(store, request, validate=validate_sdmx, previous=previous))
    vintage = max((r.last_modified or r.fetched_at.date().isoformat()) for r in records)
    return FetchOutcome(records=records, vintage=vintage)


def parse(store: RawStore, manifest: Manifest, entry: SourceEntry) -> dict[str, pl.DataFrame]:
    """Reported rows plus mirror rows (the partner's report of the same flow)."""
    flows = entry.parameters["indicators"]
    frames = [_reported(store, record, flows) for record in manifest.records]
    reported = pl.concat(frames) if frames else pl.DataFrame(schema=SCHEMA)
    mirror = reported.select(
        pl.col("partner_iso3").alias("reporter_iso3"),
        pl.col("reporter_iso3").alias("partner_iso3"),
        "year",
        pl.col("flow").replace_strict(MIRROR_FLOW).alias("flow"),
        "value_usd",
        pl.lit(True).alias("is_mirror"),
    )
    table = pl.concat([reported, mirror]).unique(
        ["reporter_iso3", "partner_iso3", "year", "flow", "is_mirror"], keep="first"
    )
    return {TABLE: table.sort(["reporter_iso3", "partner_iso3", "year", "flow", "is_mirror"])}


def _reported(store: RawStore, record, flows: dict[str, str]) -> pl.DataFrame:
    where = describe(record)
    raw = read_sdmx_frame(store.open_verified(record), where)
    if raw.is_empty():
        return pl.DataFrame(schema=SCHEMA)
    require_columns(raw, DIMENSIONS, where)
    country = r"^[A-Z]{3}$"
    return raw.filter(
        pl.col("value").is_not_null()
        & pl.col("value").is_not_nan()
        & pl.col("COUNTRY").str.contains(country)
        & pl.col("COUNTERPART_COUNTRY").str.contains(country)
        & pl.col("INDICATOR").is_in(list(flows))
    ).select(
        pl.col("COUNTRY").alias("reporter_iso3"),
        pl.col("COUNTERPART_COUNTRY").alias("partner_iso3"),
        pl.col("TIME_PERIOD").str.slice(0, 4).cast(pl.Int32).alias("year"),
        pl.col("INDICATOR").replace_strict(flows).alias("flow"),
        pl.col("value").cast(pl.Float64).alias("value_usd"),
        pl.lit(False).alias("is_mirror"),
    )
