"""IMF International Trade in Goods by partner (IMTS, successor of DOTS) from the IMF data
portal over SDMX 2.1 -> core_imf__yearly_bilateral_trade(reporter_iso3, partner_iso3, year,
flow, value_usd, is_mirror), the bulk reader's table: the reporters' own figures, flow
``export``/``import``, plain US dollars, ``is_mirror`` false (the mirror view is derived in
``pipeline/steps/trade_step.py``, as for the bulk DOTS file).

Quirks of the portal, kept here:
- endpoint ``{url}/data/IMF.STA,IMTS/{COUNTRY}.{INDICATOR}.{COUNTERPART_COUNTRY}.{FREQUENCY}``;
  ``+`` joins codes and an empty position means all codes;
- the portal answers SDMX-ML 2.1 **StructureSpecificData** (what it sends by default; the
  real answer in ``../shared/specimens/imf_sdmx/IMF_RES_WEO-data.xml``): series dimensions as
  attributes named ``COUNTRY``, ``INDICATOR``, ``FREQUENCY`` (``COUNTERPART_COUNTRY`` for
  IMTS), ``<Group>`` elements with group attributes, series attributes such as
  ``DECIMALS_DISPLAYED`` and ``SCALE``, data-set attributes ``PUBLISHER``, ``LICENSE``,
  ``SUGGESTED_CITATION``. sdmx1 reads it without the structure message (it infers one);
- ``OBS_VALUE`` is in plain units (US dollars here): ``SCALE="9"`` only says the IMF displays
  the series in billions, so values are **not** multiplied by it;
- indicators ``XG_FOB_USD`` (exports FOB) and ``MG_CIF_USD`` (imports CIF);
- counterparts ``G...`` (G001 world, G163 euro area, ...) and other codes outside the country
  dimension are aggregates or areas: dropped and counted; ``NaN`` observations are empty;
- an empty selection is HTTP 404 with an SDMX error message, code 100.
"""

from __future__ import annotations

import polars as pl

from autonomy_monitor import countries
from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.pipeline.rawstore import Manifest, RawRecord, RawStore
from autonomy_monitor.pipeline.warehouse import InputRecord
from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.sources.client import HttpClient, ResourceRequest
from autonomy_monitor.sources.imf import bulk
from autonomy_monitor.sources.live_common import (
    FetchOutcome,
    Inputs,
    describe,
    drop_counted,
    read_sdmx_frame,
    require_columns,
    snapshot_inputs,
    validate_sdmx,
)

SOURCE = "imf"
TABLE = bulk.CORE_TABLE
DIMENSIONS = ("COUNTRY", "INDICATOR", "COUNTERPART_COUNTRY", "TIME_PERIOD", "value")


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


def parse(
    store: RawStore, manifest: Manifest, entry: SourceEntry, inputs: Inputs | None = None
) -> dict[str, pl.DataFrame]:
    """The reporters' own rows of every stored answer, in the bulk reader's shape."""
    inputs = snapshot_inputs(manifest, entry, inputs)
    flows = entry.parameters["indicators"]
    frames = [
        reported(store, record, flows, inputs[record.resource]) for record in manifest.records
    ]
    table = pl.concat(frames) if frames else pl.DataFrame(schema=bulk.CORE_SCHEMA)
    return {TABLE: bulk.finish(table)}


def reported(
    store: RawStore, record: RawRecord, flows: dict[str, str], input_: InputRecord
) -> pl.DataFrame:
    """One stored answer -> core rows; empty, aggregate and unknown-indicator rows counted."""
    where = describe(record)
    raw = read_sdmx_frame(store.open_verified(record), where)
    if raw.is_empty():
        return pl.DataFrame(schema=bulk.CORE_SCHEMA)
    require_columns(raw, DIMENSIONS, where)
    input_.rows_read = raw.height
    raw = drop_counted(
        raw, pl.col("value").is_null() | pl.col("value").is_nan(), "empty observation (NaN)", input_
    )
    raw = drop_counted(
        raw, ~pl.col("INDICATOR").is_in(list(flows)), "indicator not asked for", input_
    )
    known = sorted(countries.known_codes())
    outside = ~pl.col("COUNTRY").is_in(known) | ~pl.col("COUNTERPART_COUNTRY").is_in(known)
    raw = drop_counted(
        raw,
        outside,
        "reporter or counterpart outside the country dimension (G001 world, areas)",
        input_,
    )
    core = raw.select(
        pl.col("COUNTRY").alias("reporter_iso3"),
        pl.col("COUNTERPART_COUNTRY").alias("partner_iso3"),
        pl.col("TIME_PERIOD").str.slice(0, 4).cast(pl.Int32).alias("year"),
        pl.col("INDICATOR").replace_strict(flows).alias("flow"),
        pl.col("value").cast(pl.Float64).alias("value_usd"),  # plain US$: SCALE is display only
        pl.lit(False).alias("is_mirror"),
    )
    core = bc.drop_duplicates(core, input_)
    input_.rows_kept = core.height
    return core
