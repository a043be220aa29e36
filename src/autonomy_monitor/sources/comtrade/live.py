"""UN Comtrade API v1, merchandise trade totals by partner
-> core_trade__recent_bilateral(reporter_iso3, partner_iso3, year, flow, value_usd, source),
the table the bulk ``trade_recent`` reader fills from national statistics, with ``source``
'UN Comtrade'. It lets a live build run the trade step, which needs this table beside the IMF's.

Quirks of the real answers (``../shared/specimens/comtrade_api_v1/``, recorded 2024-11-15):
- ``GET {url}?reporterCode=..&period=..&cmdCode=TOTAL&flowCode=M,X`` with
  ``&motCode=0&partner2Code=0&customsCode=C00``;
  reporters and partners are numeric M49 codes (China 156, Germany 276; asking for 280, the
  former Federal Republic, gives no row for 2010); every record also carries
  ``reporterISO``/``partnerISO``, which are used here;
- the body is ``{"elapsedTime", "count", "data": [...], "error": ""}``; an empty selection is
  ``count: 0, data: []`` with HTTP 200 (an empty table, not an error); a non-empty ``error``
  is one clear error;
- each record has ``flowCode`` M (imports, ``cifvalue``) or X (exports, ``fobvalue``) and
  ``primaryValue`` in US dollars; other flows (re-exports RX, re-imports RM) are not used;
- partner 0 (``W00``, World) and codes outside the country dimension (areas n.e.s.) are
  aggregates: dropped and counted; records that split totals by mode of transport, customs
  procedure or second partner (``motCode``/``customsCode``/``partner2Code`` not 0/C00/0) are
  dropped and counted so nothing is counted twice;
- the public preview endpoint (no subscription key) returns at most 500 records per call, so
  one call is made per reporter and year, and an answer of 500 records is refused as cut off.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from autonomy_monitor import countries
from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.errors import BadInput, SourceError
from autonomy_monitor.pipeline.rawstore import Manifest, RawRecord, RawStore
from autonomy_monitor.pipeline.warehouse import InputRecord
from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.sources.client import HttpClient, ResourceRequest, TransientContent
from autonomy_monitor.sources.live_common import (
    FetchOutcome,
    Inputs,
    describe,
    drop_counted,
    load_json,
    reject_html,
    snapshot_inputs,
)
from autonomy_monitor.sources.trade_recent import bulk as trade_recent

SOURCE = "comtrade"
TABLE = trade_recent.CORE_TABLE
LABEL = "UN Comtrade"
FLOWS = {"M": "import", "X": "export"}
RECORD_KEYS = ("reporterISO", "partnerISO", "partnerCode", "flowCode", "refYear", "primaryValue")
TOTALS = ("motCode", "customsCode", "partner2Code")  # 0, "C00", 0 on totals


def m49(iso3: str) -> int:
    """The M49 code Comtrade uses for a country of the country dimension."""
    table = countries.country_table().filter((pl.col("iso3") == iso3) & pl.col("m49").is_not_null())
    if table.is_empty():
        raise BadInput(
            f"{SOURCE}: {iso3} has no M49 code in the country "
            "dimension; fix catalog/sources/comtrade.yaml."
        )
    return int(table["m49"][0])


def years(entry: SourceEntry, since: int | None, today: dt.date) -> list[int]:
    first = since if since is not None else int(entry.parameters.get("default_since", 2021))
    return list(range(first, today.year))


def requests(entry: SourceEntry, since: int | None, today: dt.date) -> list[ResourceRequest]:
    """One request per reporter and year (the preview endpoint's 500-record cap)."""
    p = entry.parameters
    return [
        ResourceRequest(
            source=SOURCE,
            resource=f"{reporter}/{year}",
            url=entry.url,
            params={
                "reporterCode": str(m49(reporter)),
                "period": str(year),
                "cmdCode": "TOTAL",
                "flowCode": ",".join(FLOWS),
                "motCode": "0",
                "partner2Code": "0",
                "customsCode": "C00",
                "includeDesc": "TRUE",
            },
        )
        for reporter in p["reporters"]
        for year in years(entry, since, today)
    ]


def validate(path, response) -> None:
    """JSON with a ``data`` list and no ``error``; a full page (the cap) is refused."""
    reject_html(path, response, "JSON")
    body = load_json(path, str(response.url))
    records(body, str(response.url))


def records(body: object, where: str, cap: int = 500) -> list[dict]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise TransientContent(f"unexpected JSON shape from {where} (no 'data' list)")
    if body.get("error"):
        raise SourceError(
            f"UN Comtrade refused {where}: {body['error']}; check catalog/sources/comtrade.yaml."
        )
    if len(body["data"]) >= cap:
        raise SourceError(
            f"UN Comtrade answered {where} with {len(body['data'])} records, the "
            "preview's cap: the answer is cut off; ask for one reporter and year."
        )
    return body["data"]


def fetch(
    client: HttpClient, store: RawStore, entry: SourceEntry, since: int | None
) -> FetchOutcome:
    stored = []
    for request in requests(entry, since, dt.date.today()):
        previous = store.previous_record(SOURCE, request.resource)
        stored.append(client.fetch(store, request, validate=validate, previous=previous))
    return FetchOutcome(
        records=stored, vintage=max(r.fetched_at for r in stored).date().isoformat()
    )


def parse(
    store: RawStore, manifest: Manifest, entry: SourceEntry, inputs: Inputs | None = None
) -> dict[str, pl.DataFrame]:
    inputs = snapshot_inputs(manifest, entry, inputs)
    frames = [answer_rows(store, record, inputs[record.resource]) for record in manifest.records]
    table = pl.concat(frames) if frames else pl.DataFrame(schema=trade_recent.CORE_SCHEMA)
    return {
        TABLE: table.cast(trade_recent.CORE_SCHEMA).sort(  # type: ignore[arg-type]
            "reporter_iso3", "partner_iso3", "year", "flow", "source"
        )
    }


def answer_rows(store: RawStore, record: RawRecord, input_: InputRecord) -> pl.DataFrame:
    where = describe(record)
    try:
        data = records(json.loads(store.open_verified(record).read_bytes()), where)
    except (json.JSONDecodeError, TransientContent) as exc:
        raise BadInput(f"{where} is not a UN Comtrade answer ({exc}); fetch it again.") from exc
    missing = sorted({k for item in data for k in RECORD_KEYS if k not in item})
    if missing:
        raise BadInput(
            f"{where} has records without {', '.join(missing)}; "
            "the API changed, update sources/comtrade/live.py."
        )
    frame = pl.DataFrame(
        [{k: item.get(k) for k in (*RECORD_KEYS, *TOTALS)} for item in data],
        schema={
            "reporterISO": pl.String,
            "partnerISO": pl.String,
            "partnerCode": pl.Int64,
            "flowCode": pl.String,
            "refYear": pl.Int32,
            "primaryValue": pl.Float64,
            "motCode": pl.Int64,
            "customsCode": pl.String,
            "partner2Code": pl.Int64,
        },
    )
    input_.rows_read = frame.height
    split = (
        (pl.col("motCode") != 0) | (pl.col("customsCode") != "C00") | (pl.col("partner2Code") != 0)
    )
    frame = drop_counted(
        frame, split, "breakdown of a total (mode of transport, customs, second partner)", input_
    )
    frame = drop_counted(
        frame, ~pl.col("flowCode").is_in(list(FLOWS)), "flow other than imports or exports", input_
    )
    frame = drop_counted(frame, pl.col("partnerCode") == 0, "partner World (W00)", input_)
    known = sorted(countries.known_codes())
    outside = ~pl.col("reporterISO").is_in(known) | ~pl.col("partnerISO").is_in(known)
    frame = drop_counted(
        frame, outside, "reporter or partner outside the country dimension (areas n.e.s.)", input_
    )
    frame = drop_counted(frame, pl.col("primaryValue").is_null(), "empty value", input_)
    core = frame.select(
        pl.col("reporterISO").alias("reporter_iso3"),
        pl.col("partnerISO").alias("partner_iso3"),
        pl.col("refYear").alias("year"),
        pl.col("flowCode").replace_strict(FLOWS).alias("flow"),
        pl.col("primaryValue").alias("value_usd"),
        pl.lit(LABEL).alias("source"),
    )
    core = bc.drop_duplicates(core, input_)
    input_.rows_kept = core.height
    return core
