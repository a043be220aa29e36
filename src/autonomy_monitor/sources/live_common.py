"""Pieces the live connectors share: the connector result, body checks, SDMX and xlsx reading.

Quirks of one publisher stay in that publisher's ``live.py``; only format-level checks are here.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx
import polars as pl

from autonomy_monitor.catalog import SourceEntry
from autonomy_monitor.errors import BadInput, SourceError
from autonomy_monitor.pipeline.rawstore import Manifest, RawRecord
from autonomy_monitor.pipeline.warehouse import InputRecord
from autonomy_monitor.sources.client import TransientContent

# An HTML or XHTML page, possibly after a UTF-8 byte-order mark and an XML declaration (the
# World Bank API's "Request Error" page starts with both).
_HTML_START = re.compile(
    rb"^(\xef\xbb\xbf)?\s*(<\?xml[^>]*\?>\s*)?(<!doctype html|<html|<head|<body)", re.IGNORECASE
)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class FetchOutcome:
    """What a connector's ``fetch`` hands back: the stored files and the data's vintage."""

    records: list[RawRecord]
    vintage: str


def head(path: Path, size: int = 2048) -> bytes:
    with path.open("rb") as fh:
        return fh.read(size)


def reject_html(path: Path, response: httpx.Response, expected: str) -> None:
    """One clear error when a service answers an HTML page (maintenance, login) with 200."""
    start = head(path, 4096)
    content_type = response.headers.get("content-type", "")
    if _HTML_START.match(start) or content_type.startswith("text/html"):
        title = _TITLE.search(start)
        what = f" titled {title.group(1).decode(errors='replace').strip()!r}" if title else ""
        raise SourceError(
            f"{response.url.host} returned an HTML page{what} instead of {expected} for "
            f"{response.url}; the service may be down or has moved, try again later or "
            "use --offline."
        )


def load_json(path: Path, what: str) -> Any:
    """Parse a stored or downloaded JSON body; invalid JSON is transient (truncated transfer)."""
    try:
        return json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TransientContent(f"invalid JSON in {what}: {exc}") from exc


def require_zip(path: Path, response: httpx.Response) -> None:
    """An xlsx body must be a zip archive; an HTML page is a clear error, anything else
    transient."""
    reject_html(path, response, "an xlsx workbook")
    if head(path, 4) != ZIP_MAGIC:
        raise TransientContent(f"the body of {response.url} is not an xlsx (zip) file")


def require_columns(frame: pl.DataFrame, wanted: Sequence[str], where: str) -> None:
    """BadInput naming every missing column and the file they were expected in."""
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise BadInput(
            f"{where} lacks column(s) {', '.join(missing)} (found: {', '.join(frame.columns)}); "
            "the publisher may have renamed them, update the connector or its catalog entry."
        )


def describe(record: RawRecord) -> str:
    return f"snapshot {record.sha256[:12]} of {record.url} ({record.source} {record.resource})"


Inputs = Mapping[str, InputRecord]


def snapshot_input(record: RawRecord, entry: SourceEntry) -> InputRecord:
    """The provenance row of one stored snapshot: its URL, resource, fetch date and sha256."""
    return InputRecord(
        source=record.source,
        file=f"{record.url} [{record.resource}, fetched {record.fetched_at:%Y-%m-%d}]",
        sha256=record.sha256,
        publisher=entry.publisher,
        license=entry.license,
        vintage=record.last_modified or f"fetched {record.fetched_at:%Y-%m-%d}",
    )


def snapshot_inputs(manifest: Manifest, entry: SourceEntry, given: Inputs | None = None) -> Inputs:
    """``given`` (from ``fetch.load_live``), else fresh provenance rows, keyed by resource."""
    if given is not None:
        return given
    return {record.resource: snapshot_input(record, entry) for record in manifest.records}


def drop_counted(
    frame: pl.DataFrame, condition: pl.Expr, reason: str, input_: InputRecord
) -> pl.DataFrame:
    """``frame`` without the rows matching ``condition``, counted on ``input_`` as ``reason``."""
    hit = frame.select(condition.fill_null(False).sum()).item()
    input_.reject(reason, int(hit))
    return frame.filter(~condition.fill_null(False))


def snapshot_file(record: RawRecord) -> Path:
    """The file name of a snapshot's URL, for the bulk readers' messages (``path.name``)."""
    return Path(Path(urlsplit(record.url).path).name or record.resource)


# --- SDMX ------------------------------------------------------------------------------------

NO_RESULTS = "100"


def sdmx_error(path: Path) -> tuple[str, str] | None:
    """(code, text) when the body is an SDMX-ML error message, else None.

    sdmx1 cannot read SDMX 2.1 ``message:Error`` documents, so they are recognised here.
    """
    try:
        events = ElementTree.iterparse(path, events=("start",))
        _, root = next(events)
    except (ElementTree.ParseError, StopIteration):
        return None
    if not root.tag.endswith("}Error"):
        return None
    tree = ElementTree.parse(path).getroot()
    for element in tree.iter():
        if element.tag.endswith("}ErrorMessage"):
            text = " ".join(t.strip() for t in element.itertext() if t.strip())
            return element.get("code", ""), text
    return "", ""


def validate_sdmx(path: Path, response: httpx.Response) -> None:
    """A body must be an SDMX-ML message; SDMX error 100 (no results) counts as empty data."""
    import sdmx

    reject_html(path, response, "an SDMX-ML message")
    error = sdmx_error(path)
    if error is not None:
        code, text = error
        if code != NO_RESULTS:
            raise SourceError(
                f"{response.url.host} answered SDMX error {code or '?'} ({text or 'no text'}) "
                f"to {response.url}; check the key in the catalog entry."
            )
        return
    try:
        sdmx.read_sdmx(path)
    except Exception as exc:  # sdmx1 raises many types for malformed XML
        raise TransientContent(f"unreadable SDMX-ML from {response.url}: {exc}") from exc


def read_sdmx_frame(path: Path, where: str) -> pl.DataFrame:
    """All observations of a stored SDMX-ML data message as one frame (dimensions, value,
    series attributes as strings); an empty frame for an SDMX 'no results' message."""
    import sdmx

    if sdmx_error(path) is not None:
        return pl.DataFrame()
    try:
        message = sdmx.read_sdmx(path)
    except Exception as exc:  # sdmx1 raises many types for malformed XML
        raise BadInput(f"{where} is not readable SDMX-ML ({exc}); fetch the source again.") from exc
    if not isinstance(message, sdmx.message.DataMessage):
        raise BadInput(f"{where} is not an SDMX data message; fetch the source again.")
    frames = []
    for dataset in message.data:
        if not dataset.obs:
            continue
        table = sdmx.to_pandas(dataset, attributes="s").reset_index()
        frames.append(pl.from_pandas(table.astype({c: str for c in table.columns if c != "value"})))
    return pl.concat(frames, how="diagonal") if frames else pl.DataFrame()


# --- xlsx ------------------------------------------------------------------------------------


def read_sheet_rows(path: Path, sheet: str | None, where: str) -> list[tuple[Any, ...]]:
    """Every row of one worksheet as tuples of cell values (read-only, values not formulas)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # a BytesIO: openpyxl refuses paths without an .xlsx suffix (snapshots have none)
        workbook = load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise BadInput(f"{where} is not a readable xlsx workbook ({exc}); fetch it again.") from exc
    try:
        worksheet = (
            workbook.worksheets[0]
            if sheet is None
            else workbook[sheet_named(workbook.sheetnames, sheet, where)]
        )
        return [tuple(row) for row in worksheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def sheet_named(names: Sequence[str], wanted: str, where: str) -> str:
    """The sheet called ``wanted``, ignoring spaces around the name (KNOMAD's matrix sheet is
    ``"FINAL BRM 2021 "`` with a trailing space); BadInput listing the sheets otherwise."""
    for name in names:
        if name.strip() == wanted.strip():
            return name
    raise BadInput(
        f"{where} has no sheet {wanted!r} (sheets: {', '.join(repr(n) for n in names)}); "
        "update the catalog entry."
    )


def find_header(rows: list[tuple[Any, ...]], marker: str, where: str) -> int:
    """Index of the first row with a cell that starts with ``marker`` (case-insensitive)."""
    wanted = marker.casefold()
    for index, row in enumerate(rows):
        for cell in row:
            if isinstance(cell, str) and cell.strip().casefold().startswith(wanted):
                return index
    raise BadInput(
        f"{where} has no header row with a cell starting {marker!r}; the layout may have "
        "changed, update the connector or its catalog entry."
    )


def year_of(cell: Any) -> tuple[int, bool] | None:
    """(year, is_estimate) for header cells such as 2019, 2019.0, '2019' or '2023e'."""
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, int | float) and float(cell).is_integer() and 1900 <= cell <= 2100:
        return int(cell), False
    match = re.fullmatch(r"\s*(\d{4})\s*(e?)\s*", str(cell), flags=re.IGNORECASE)
    if match and 1900 <= int(match.group(1)) <= 2100:
        return int(match.group(1)), bool(match.group(2))
    return None


def as_number(cell: Any) -> float | None:
    """A numeric cell value, or None for blanks and markers such as '..' or '-'."""
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, int | float):
        return float(cell)
    text = str(cell).strip().replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None
