"""UN Digital Library "General Assembly Voting Data" bulk CSV
-> core_unga__roll_calls and core_unga__votes, in the bulk reader's shape.

Quirks kept here:
- one row per resolution x Member State: ``undl_id, ms_code, ms_name, ms_vote, date, session,
  resolution, draft, committee_report, meeting, title, agenda_title, subjects, [vote_note,]
  total_yes, total_no, total_abstentions, total_non_voting, total_ms, undl_link`` (the
  February 2026 file adds ``vote_note``); ``ms_code`` is ISO 3166 alpha-3;
- ``ms_vote`` is Y, N, A, or X / empty for a member that did not vote;
- each release is a new file name on record 4060887: the catalog holds the current URL;
- the rows go through the bulk reader's UN-extract functions, so ``roll_call_id`` is
  ``ux:<resolution symbol>`` as for the UN extract in the bulk build.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import polars as pl

from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.errors import BadInput, SourceError
from autonomy_monitor.pipeline.rawstore import Manifest, RawStore
from autonomy_monitor.pipeline.warehouse import InputRecord
from autonomy_monitor.sources.client import HttpClient, ResourceRequest
from autonomy_monitor.sources.unga import bulk
from autonomy_monitor.sources.live_common import (
    FetchOutcome,
    Inputs,
    describe,
    head,
    reject_html,
    require_columns,
    snapshot_file,
    snapshot_inputs,
)

SOURCE = "unga"
RESOURCE = "ga-voting-csv"
ROLL_CALLS = "core_unga__roll_calls"
VOTES = "core_unga__votes"
VOTE_CODES = ("Y", "N", "A", "X")
SOURCE_LABEL = "undl"  # the roll calls' ``source`` column (bulk: 'unvotes', 'unxml')


def header_columns(path: Path) -> list[str]:
    first_line = head(path, 8192).decode("utf-8-sig", errors="replace").splitlines()[:1]
    return next(csv.reader(io.StringIO(first_line[0]))) if first_line else []


def validator(entry: SourceEntry):
    required = list(entry.parameters["required_columns"])

    def validate(path: Path, response: httpx.Response) -> None:
        reject_html(path, response, "a CSV file")
        missing = [c for c in required if c not in header_columns(path)]
        if missing:
            raise SourceError(
                f"{response.url} lacks column(s) {', '.join(missing)}; the UN Digital Library "
                "may have changed the file layout, update catalog/sources/unga.yaml."
            )

    return validate


def fetch(
    client: HttpClient, store: RawStore, entry: SourceEntry, since: int | None
) -> FetchOutcome:
    request = ResourceRequest(source=SOURCE, resource=RESOURCE, url=entry.url)
    previous = store.previous_record(SOURCE, RESOURCE)
    record = client.fetch(store, request, validate=validator(entry), previous=previous)
    return FetchOutcome(records=[record], vintage=entry.release)


def parse(
    store: RawStore, manifest: Manifest, entry: SourceEntry, inputs: Inputs | None = None
) -> dict[str, pl.DataFrame]:
    """Both core tables through the bulk reader's UN-extract functions (``bulk.extract_votes``,
    ``bulk.extract_roll_calls``): the same columns, identifiers (``ux:<symbol>``), tags and
    checks as the bulk build; ``source`` is 'undl'."""
    inputs = snapshot_inputs(manifest, entry, inputs)
    record = manifest.record(RESOURCE)
    where, path, input_ = describe(record), snapshot_file(record), inputs[RESOURCE]
    raw = pl.read_csv(store.open_verified(record), infer_schema=False, encoding="utf8-lossy")
    require_columns(raw, entry.parameters["required_columns"], where)
    raw = raw.with_columns(
        pl.col("ms_vote").fill_null("").str.strip_chars().str.to_uppercase().replace("", "X"),
        pl.col("date").str.slice(0, 10),
        pl.col("resolution").str.strip_chars(),
    )
    _check_votes(raw, where)
    members = raw.filter(pl.col("ms_code").str.contains(r"^[A-Z]{3}$"))
    input_.reject("ms_code that is not a Member State code", raw.height - members.height)
    votes = bulk.extract_votes(members, path, input_)
    calls_input = InputRecord(
        source=SOURCE,
        file=input_.file,
        sha256=input_.sha256,
        publisher=input_.publisher,
        license=input_.license,
    )
    per_resolution = raw.unique("resolution", keep="first", maintain_order=True)
    calls = bulk.extract_roll_calls(per_resolution, votes, path, calls_input)
    for reason, count in calls_input.reject_reasons.items():
        input_.reject(f"roll calls: {reason}", count)
    calls = calls.with_columns(pl.lit(SOURCE_LABEL).alias("source")).sort("date", "roll_call_id")
    return {ROLL_CALLS: calls, VOTES: votes.sort("roll_call_id", "country_iso3")}


def _check_votes(raw: pl.DataFrame, where: str) -> None:
    bad = sorted(set(raw["ms_vote"].unique().to_list()) - set(VOTE_CODES))
    if bad:
        raise BadInput(f"{where} has unknown ms_vote value(s) {', '.join(map(repr, bad))}.")
