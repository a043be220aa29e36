"""UN Digital Library "General Assembly Voting Data" bulk CSV
-> core_unga__roll_calls(roll_call_id, resolution_symbol, date, session, title, issue_tags,
   is_important) and core_unga__votes(roll_call_id, country_iso3, vote).

Quirks kept here:
- one row per resolution x Member State: ``undl_id, ms_code, ms_name, ms_vote, date, session,
  resolution, draft, committee_report, meeting, title, agenda_title, subjects, [vote_note,]
  total_yes, total_no, total_abstentions, total_non_voting, total_ms, undl_link`` (the
  February 2026 file adds ``vote_note``); ``ms_code`` is ISO 3166 alpha-3;
- ``ms_vote`` is Y, N, A, or X / empty for a member that did not vote;
- each release is a new file name on record 4060887: the catalog holds the current URL;
- ``roll_call_id`` is ``undl:<undl_id>``, the Digital Library's record number.
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
from autonomy_monitor.sources.client import HttpClient, ResourceRequest
from autonomy_monitor.sources.unga import bulk
from autonomy_monitor.sources.live_common import (
    FetchOutcome,
    Inputs,
    describe,
    head,
    reject_html,
    require_columns,
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
    """Both core tables in the bulk reader's shape (``bulk.ROLL_CALL_SCHEMA``, ``VOTE_SCHEMA``)."""
    record = manifest.record(RESOURCE)
    where = describe(record)
    raw = pl.read_csv(store.open_verified(record), infer_schema=False, encoding="utf8-lossy")
    require_columns(raw, entry.parameters["required_columns"], where)
    raw = raw.with_columns(
        ("undl:" + pl.col("undl_id").str.strip_chars()).alias("roll_call_id"),
        pl.col("ms_vote").fill_null("").str.strip_chars().str.to_uppercase()
        .replace("", "X").alias("vote"),
    )
    _check_votes(raw, where)
    return {ROLL_CALLS: _roll_calls(raw, where), VOTES: _votes(raw)}


def _check_votes(raw: pl.DataFrame, where: str) -> None:
    bad = sorted(set(raw["vote"].unique().to_list()) - set(VOTE_CODES))
    if bad:
        raise BadInput(f"{where} has unknown ms_vote value(s) {', '.join(map(repr, bad))}.")


def _roll_calls(raw: pl.DataFrame, where: str) -> pl.DataFrame:
    """One row per record, as the bulk reader's UN-extract roll calls: issue codes from the
    UNBIS subjects (``bulk.subject_tags``), the official tallies, ``source`` 'undl'."""
    calls = raw.group_by("roll_call_id").agg(
        pl.col("resolution").first().alias("resolution_symbol"),
        pl.col("date").first(),
        pl.col("session").first(),
        pl.col("title").first(),
        pl.col("subjects").first(),
        *(pl.col(c).first() for c in ("total_yes", "total_no", "total_abstentions")),
    )
    dates = calls["date"].str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    if dates.null_count() > calls["date"].null_count():
        raise BadInput(f"{where} has dates that are not YYYY-MM-DD.")
    return calls.with_columns(
        dates.alias("date"),
        bulk.subject_tags(pl.col("subjects"), pl.col("resolution_symbol")).alias("issue_tags"),
        pl.lit(False).alias("is_important"),  # the Digital Library does not mark important votes
        pl.lit(SOURCE_LABEL).alias("source"),
        pl.lit(None, dtype=pl.Int32).alias("voeten_rcid"),
        bulk.parse_count("total_yes").alias("official_yes"),
        bulk.parse_count("total_no").alias("official_no"),
        bulk.parse_count("total_abstentions").alias("official_abstain"),
    ).select(list(bulk.ROLL_CALL_SCHEMA)).cast(bulk.ROLL_CALL_SCHEMA).sort(  # type: ignore[arg-type]
        ["date", "roll_call_id"])


def _votes(raw: pl.DataFrame) -> pl.DataFrame:
    return (
        raw.filter(pl.col("ms_code").str.contains(r"^[A-Z]{3}$"))
        .select("roll_call_id", pl.col("ms_code").alias("country_iso3"), "vote")
        .unique(["roll_call_id", "country_iso3"], keep="first")
        .sort(["roll_call_id", "country_iso3"])
        .cast(bulk.VOTE_SCHEMA)  # type: ignore[arg-type]
    )
