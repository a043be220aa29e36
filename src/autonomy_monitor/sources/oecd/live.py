"""OECD DAC2a over SDMX 2.1, with the OECD's development-finance code lists
-> core_oecd__yearly_aid(donor_code, donor_iso3, donor_name, donor_type, recipient_iso3, year,
oda_usd), the bulk reader's table (``bulk.CORE_SCHEMA``).

Quirks kept here:
- endpoint ``{url}/data/<flow>/<key>``: flow ``OECD.DCD.FSD,DSD_DAC2@DF_DAC2A,`` (the trailing
  comma in the flow reference means "latest version"), key
  ``{DONOR}.{RECIPIENT}.{MEASURE}.{UNIT}.{PRICE}``;
- measure 206 is net ODA disbursements; values are US$ million (UNIT_MULT 6), turned into
  US$ here; net values can be negative;
- DONOR and RECIPIENT hold the code lists' ``dotstatcode``: ISO3 for most countries but not
  all (Kosovo is ``XKV``, ISO3 ``XKX``), ``4EU001`` for EU Institutions, ``5WB002`` for IDA,
  ``9PRIV1601`` for the Gates Foundation, ``S4_X`` for "Central Asia, regional". They are
  mapped through the real code lists, Provider (id 5) and Recipient (id 13), fetched with the
  data from the OECD code-list page, which only answers a three-step form exchange (read the
  page, select the list, ask for JSON; as ``ONEcampaign/oda_reader`` does it);
- donors: ``donor_iso3`` is the list's ``iso-alpha-3-code``; ``donor_type`` is ``country``
  with an ISO3, ``private`` for "Private donor", else ``multilateral`` (EU Institutions are a
  "DAC member" without ISO3); ``donor_code`` is the ISO3 for countries, else the OECD code;
  ``donor_name`` is the English name. Donors in no list (totals such as ``DAC``) are dropped
  and counted, like the bulk reader's ", Total" subtotals;
- recipients without ISO3 (regional and "unspecified" lines) are dropped and counted; a
  recipient code in no list fails, naming it.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import polars as pl

from autonomy_monitor import countries
from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.errors import BadInput, SourceError
from autonomy_monitor.pipeline.rawstore import Manifest, RawRecord, RawStore
from autonomy_monitor.pipeline.warehouse import InputRecord
from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.sources.client import HttpClient, ResourceRequest
from autonomy_monitor.sources.live_common import (
    FetchOutcome,
    Inputs,
    describe,
    drop_counted,
    load_json,
    read_sdmx_frame,
    require_columns,
    snapshot_inputs,
    validate_sdmx,
)
from autonomy_monitor.sources.oecd import bulk

SOURCE = "oecd"
TABLE = bulk.CORE_TABLE
DATA = "dac2a"
CODELISTS = {"providers": "5", "recipients": "13"}
DIMENSIONS = ("DONOR", "RECIPIENT", "TIME_PERIOD", "value")
CODE_SCHEMA = {"code": pl.String, "iso3": pl.String, "name": pl.String, "type": pl.String}


def request(entry: SourceEntry, since: int | None) -> ResourceRequest:
    p = entry.parameters
    first = since if since is not None else int(p.get("default_since", 2000))
    key = ".".join(
        [
            "+".join(p.get("donors") or []),
            "+".join(p.get("recipients") or []),
            str(p["measure"]),
            p["unit_measure"],
            p["price_base"],
        ]
    )
    return ResourceRequest(
        source=SOURCE,
        resource=DATA,
        url=f"{entry.url}/data/{p['flow_ref']}/{key}",
        params={"startPeriod": str(first), "dimensionAtObservation": "TIME_PERIOD"},
        headers={"Accept": p["accept"]},
        ok_statuses=frozenset({200, 404}),
    )


def fetch(
    client: HttpClient, store: RawStore, entry: SourceEntry, since: int | None
) -> FetchOutcome:
    """The DAC2a answer and both code lists (needed to read it)."""
    req = request(entry, since)
    record = client.fetch(
        store, req, validate=validate_sdmx, previous=store.previous_record(SOURCE, DATA)
    )
    lists = [
        fetch_codelist(client, store, entry, resource, list_id)
        for resource, list_id in CODELISTS.items()
    ]
    vintage = record.last_modified or record.fetched_at.date().isoformat()
    return FetchOutcome(records=[record, *lists], vintage=vintage)


# --- the code-list page's form exchange --------------------------------------------------


class _HiddenFields(HTMLParser):
    """Every ``<input type="hidden">`` of a page, as {name: value}."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and (named.get("type") or "").lower() == "hidden" and named.get("name"):
            self.fields[named["name"] or ""] = named.get("value") or ""


def hidden_fields(html: str, url: str) -> dict[str, str]:
    """The form state of the code-list page; SourceError if it is not that page."""
    parser = _HiddenFields()
    parser.feed(html)
    if "DDl_codeslist" not in html or not parser.fields.get("__VIEWSTATE"):
        raise SourceError(
            f"{url} did not answer the OECD code-list page (no code-list form); the page may "
            "have moved, update codelist_url in catalog/sources/oecd.yaml."
        )
    return parser.fields


def _form(fields: dict[str, str], list_id: str, event_target: str) -> dict[str, str]:
    form = {
        **fields,
        "__EVENTTARGET": event_target,
        "DDl_codeslist": list_id,
        "DDL_CRSTOSSD": "0",
        "tb_search": "",
    }
    form.update({f"Cblstatus${i}": "on" for i in range(4)})  # active, future, heading, withdrawn
    return form


def fetch_codelist(
    client: HttpClient, store: RawStore, entry: SourceEntry, resource: str, list_id: str
) -> RawRecord:
    """Read the page, select list ``list_id``, then store the JSON the page sends for it."""
    url = entry.parameters["codelist_url"]
    page = ResourceRequest(source=SOURCE, resource=f"{resource} (page)", url=url)
    fields = hidden_fields(client.page(page).text, url)
    selected = ResourceRequest(
        source=SOURCE,
        resource=f"{resource} (select)",
        url=url,
        method="POST",
        form=_form(fields, list_id, "DDl_codeslist"),
    )
    fields = hidden_fields(client.page(selected).text, url)
    download = ResourceRequest(
        source=SOURCE,
        resource=resource,
        url=url,
        method="POST",
        form={**_form(fields, list_id, ""), "b_json": "JSON"},
    )
    return client.fetch(store, download, validate=_validate_codelist)


def _validate_codelist(path, response) -> None:
    entries(load_json(path, str(response.url)), str(response.url))


# --- parsing ------------------------------------------------------------------------------


def entries(body: Any, where: str) -> list[dict]:
    """The items of one code-list JSON (``codelists.codelist[0].codelist-items.codelist-item``)."""
    try:
        items = body["codelists"]["codelist"][0]["codelist-items"]["codelist-item"]
    except (KeyError, IndexError, TypeError) as exc:
        raise BadInput(f"{where} is not an OECD code list (no codelist-items: {exc}).") from exc
    return items if isinstance(items, list) else [items]


def english_name(item: dict) -> str:
    """The first narrative (English) of an item's name."""
    narrative = (item.get("name") or {}).get("narrative")
    first = narrative[0] if isinstance(narrative, list) and narrative else narrative
    return str(first.get("#text", "") if isinstance(first, dict) else first or "")


def code_table(store: RawStore, record: RawRecord) -> pl.DataFrame:
    """One stored code list as (code = dotstatcode, iso3, English name, type)."""
    body = json.loads(store.open_verified(record).read_bytes())
    rows = [
        (str(i["dotstatcode"]), i.get("iso-alpha-3-code"), english_name(i), i.get("type"))
        for i in entries(body, describe(record))
        if i.get("dotstatcode")
    ]
    return pl.DataFrame(rows, schema=CODE_SCHEMA, orient="row").unique("code", keep="first")


def parse(
    store: RawStore, manifest: Manifest, entry: SourceEntry, inputs: Inputs | None = None
) -> dict[str, pl.DataFrame]:
    inputs = snapshot_inputs(manifest, entry, inputs)
    record = manifest.record(DATA)
    where = describe(record)
    raw = read_sdmx_frame(store.open_verified(record), where)
    if raw.is_empty():
        return {TABLE: pl.DataFrame(schema=bulk.CORE_SCHEMA)}
    require_columns(raw, DIMENSIONS, where)
    input_ = inputs[DATA]
    input_.rows_read = raw.height
    raw = drop_counted(
        raw, pl.col("value").is_null() | pl.col("value").is_nan(), "empty amount", input_
    )
    donors = donor_table(code_table(store, manifest.record("providers")))
    recipients = code_table(store, manifest.record("recipients"))
    core = with_recipients(with_donors(raw, donors, input_), recipients, where, input_)
    mult = _unit_multiplier(core, int(entry.parameters.get("unit_multiplier", 6)))
    table = core.select(
        "donor_code",
        "donor_iso3",
        "donor_name",
        "donor_type",
        "recipient_iso3",
        pl.col("TIME_PERIOD").str.slice(0, 4).cast(pl.Int32).alias("year"),
        (pl.col("value").cast(pl.Float64) * pl.lit(10.0).pow(mult)).alias("oda_usd"),
    )
    table = bc.drop_duplicates(table, input_)
    input_.rows_kept = table.height
    return {TABLE: table.cast(bulk.CORE_SCHEMA).sort("recipient_iso3", "year", "donor_code")}  # type: ignore[arg-type]


def donor_table(providers: pl.DataFrame) -> pl.DataFrame:
    """Provider list -> DONOR code, donor_code, donor_iso3, donor_name, donor_type."""
    unknown = sorted(set(providers["iso3"].drop_nulls()) - countries.known_codes())
    if unknown:
        raise BadInput(
            f"{SOURCE}: the OECD provider code list has ISO3 code(s) {unknown} "
            "unknown to the country dimension; add them to data/country_aliases.csv."
        )
    donor_type = (
        pl.when(pl.col("iso3").is_not_null())
        .then(pl.lit("country"))
        .when(pl.col("type") == "Private donor")
        .then(pl.lit("private"))
        .otherwise(pl.lit("multilateral"))
    )
    return providers.select(
        pl.col("code").alias("DONOR"),
        pl.coalesce("iso3", "code").alias("donor_code"),
        pl.col("iso3").alias("donor_iso3"),
        pl.col("name").alias("donor_name"),
        donor_type.alias("donor_type"),
    )


def with_donors(raw: pl.DataFrame, donors: pl.DataFrame, input_: InputRecord) -> pl.DataFrame:
    listed = pl.col("DONOR").is_in(donors["DONOR"].to_list())
    raw = drop_counted(
        raw, ~listed, "donor in no OECD provider list (a total such as DAC countries)", input_
    )
    return raw.join(donors, on="DONOR", how="left")


def with_recipients(
    raw: pl.DataFrame, recipients: pl.DataFrame, where: str, input_: InputRecord
) -> pl.DataFrame:
    unknown = sorted(set(raw["RECIPIENT"]) - set(recipients["code"]))
    if unknown:
        raise BadInput(
            f"{where} has recipient code(s) {unknown} in no OECD "
            "recipient code list; fetch the code lists again."
        )
    codes = recipients.select(
        pl.col("code").alias("RECIPIENT"), pl.col("iso3").alias("recipient_iso3")
    )
    joined = raw.join(codes, on="RECIPIENT", how="left")
    return drop_counted(
        joined,
        pl.col("recipient_iso3").is_null(),
        "recipient without ISO3 (regional or unspecified line)",
        input_,
    )


def _unit_multiplier(frame: pl.DataFrame, default: int) -> pl.Expr:
    if "UNIT_MULT" not in frame.columns:
        return pl.lit(default)
    return pl.col("UNIT_MULT").cast(pl.Int32, strict=False).fill_null(default)
