"""Checks shared by the bulk readers of the economic sources (WDI, migration, aid, energy...).

Every reader follows the same contract:

* columns are checked first (:func:`read_table` raises BadInput naming the file and the
  missing columns);
* text is cast to numbers with :func:`to_int` / :func:`to_float`, which raise BadInput naming
  the file, the column, the row (1-based, header excluded) and the offending value;
* country names or codes go through :func:`resolve_countries`: codes the country dimension
  knows are kept, entries a source lists as aggregates (World, regions, income groups...)
  are dropped *and counted* as rejects with their reason, and every other name is resolved
  with :func:`autonomy_monitor.countries.resolve_names`, which raises listing all misses;
* exact duplicate rows are removed by :func:`drop_duplicates` and counted.

A reader of one file into one core table is :func:`load_file` with its own ``parse``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import polars as pl

from autonomy_monitor import countries
from autonomy_monitor.catalog import contracts, load_source
from autonomy_monitor.errors import BadInput  # re-exported for readers
from autonomy_monitor.pipeline.warehouse import (
    InputRecord,
    SourceResult,
    file_sha256,
    require_file,
)


def new_record(
    source: str, folder: str, path: Path, *, catalog_name: str | None = None
) -> InputRecord:
    """An empty provenance record for one input file (sha256 computed here).

    Publisher, licence and vintage come from the catalog only: the entry ``catalog_name``
    (default ``source``), through its per-file ``files`` attributions where it has them.
    """
    attribution = load_source(catalog_name or source).attribution(path.name)
    return InputRecord(
        source=source,
        file=f"{folder}/{path.name}",
        sha256=file_sha256(path),
        publisher=attribution.publisher,
        license=attribution.license,
        vintage=attribution.release or "",
    )


def read_table(
    path: Path,
    source: str,
    required: Sequence[str],
    *,
    columns: Sequence[str] | None = None,
    encoding: str = "utf-8",
) -> pl.DataFrame:
    """Read a CSV (all columns as text, checked by :func:`read_csv_text`) or Parquet file and
    check its required columns."""
    require_file(path, source)
    if path.suffix != ".parquet":
        frame = read_csv_text(path, source, encoding=encoding)
    else:
        frame = _read_parquet(path, source, columns)
    check_columns(frame, path, source, required)
    return frame


def _read_parquet(path: Path, source: str, columns: Sequence[str] | None) -> pl.DataFrame:
    try:
        try:
            return pl.read_parquet(path, columns=list(columns) if columns else None)
        except pl.exceptions.ColumnNotFoundError:
            return pl.read_parquet(path)
    except Exception as error:  # noqa: BLE001 - polars raises several types for corrupt files
        raise BadInput(
            f"{source}: {path} cannot be read as Parquet ({type(error).__name__}); the file may be "
            "truncated or corrupt, replace it with a fresh copy."
        ) from None


def read_csv_text(path: Path, source: str, *, encoding: str = "utf-8") -> pl.DataFrame:
    """A CSV file as a frame of text columns (empty fields null), after three checks.

    * the bytes decode in the declared ``encoding`` (else: the line of the first bad byte);
    * the file ends with a line break (else its last line was cut off in transfer);
    * every row has as many fields as the header (else: the first line that does not).

    Each failure raises BadInput with one sentence naming the file, the line and the fault,
    so a cut or mis-encoded file fails the build instead of losing or corrupting rows.
    Parsed by pyarrow's CSV reader (``invalid_row_handler`` reports the ragged rows).
    """
    data = path.read_bytes()
    name = f"{source}: {path}"
    if not data.strip():
        raise BadInput(f"{name} is empty; replace it with a fresh copy.")
    text = _decoded(data, encoding, name)
    if not data.endswith((b"\n", b"\r")):
        line = text.count("\n") + 1
        raise BadInput(
            f"{name}, line {line} (the last) is cut off: the file does not end with a line break, "
            "so it was probably truncated in transfer; replace it with a fresh copy."
        )
    utf8 = data if encoding.replace("-", "").lower() in ("utf8", "ascii") else text.encode("utf-8")
    utf8 = utf8.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark is not part of the first name
    return pl.from_arrow(_parsed_csv(utf8, name))  # type: ignore[return-value]


def _decoded(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BadInput(
            f"{name}, line {line}: byte {data[error.start : error.start + 1]!r} is not valid "
            f"{encoding}, the file's declared encoding; re-save the file as {encoding} or "
            "replace it with a fresh copy."
        ) from None
    except LookupError:
        raise BadInput(f"{name}: unknown encoding {encoding!r} declared for this file.") from None


def _parsed_csv(data: bytes, name: str, *, threads: bool = True):
    """pyarrow table of strings; BadInput naming the first row whose field count is wrong."""
    import pyarrow as pa
    from pyarrow import csv

    ragged: list[tuple[int | None, int, int]] = []

    def remember(row) -> str:
        ragged.append((row.number, row.actual_columns, row.expected_columns))
        return "skip"

    convert = csv.ConvertOptions(
        column_types={c: pa.string() for c in _header(data)},
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )
    try:
        table = csv.read_csv(
            pa.py_buffer(data),
            read_options=csv.ReadOptions(use_threads=threads),
            convert_options=convert,
            parse_options=csv.ParseOptions(invalid_row_handler=remember),
        )
    except pa.ArrowInvalid as error:
        raise BadInput(
            f"{name} cannot be parsed as CSV "
            f"({str(error).splitlines()[0]}); replace it with a fresh copy."
        ) from None
    if ragged and threads:
        return _parsed_csv(
            data, name, threads=False
        )  # single-threaded, pyarrow knows the line numbers
    if ragged:
        line, actual, expected = ragged[0]
        more = f" ({len(ragged) - 1} more such rows)" if len(ragged) > 1 else ""
        raise BadInput(
            f"{name}, line {line}: {actual} fields where the header has {expected}{more}; the "
            "file may be cut or damaged, correct that row or replace the file with a fresh copy."
        )
    return table


def _header(data: bytes) -> list[str]:
    """Column names from the first line (a quoted name may hold a comma)."""
    import csv
    import io

    first_line = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    return next(csv.reader(io.StringIO(first_line)), [])


def open_input(
    path: Path,
    source: str,
    folder: str,
    required: Sequence[str],
    *,
    catalog_name: str | None = None,
    columns: Sequence[str] | None = None,
    records: list[InputRecord] | None = None,
) -> tuple[pl.DataFrame, InputRecord]:
    """Read one input file (checked columns) and start its provenance record (rows_read set,
    publisher/licence/vintage from the catalog entry ``catalog_name``, default ``source``).

    The record is appended to ``records`` when given.
    """
    frame = read_table(path, source, required, columns=columns)
    record = new_record(source, folder, path, catalog_name=catalog_name)
    record.rows_read = frame.height
    if records is not None:
        records.append(record)
    return frame, record


def load_file(
    path: Path,
    source: str,
    folder: str,
    required: Sequence[str],
    table: str,
    parse: Callable[[pl.DataFrame, Path, InputRecord], pl.DataFrame],
    *,
    columns: Sequence[str] | None = None,
) -> SourceResult:
    """The ``load`` of a reader of one file into one core table.

    :func:`open_input` (checked columns, provenance record with rows_read), then
    ``parse(frame, path, record)`` (which raises BadInput or counts rejects on the record),
    then rows_kept; the result holds ``table`` and the one record.
    """
    frame, record = open_input(path, source, folder, required, columns=columns)
    core = parse(frame, path, record)
    record.rows_kept = core.height
    return SourceResult(tables={table: core}, inputs=[record])


def check_columns(frame: pl.DataFrame, path: Path, source: str, required: Sequence[str]) -> None:
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise BadInput(
            f"{source}: {path.name} lacks column(s) {', '.join(missing)} (it has "
            f"{', '.join(frame.columns[:12])}); check that this is the right file."
        )


def _first_bad_row(original: pl.Series, cast: pl.Series) -> tuple[int, object]:
    bad = (original.is_not_null() & cast.is_null()).arg_true()
    index = int(bad[0])
    return index + 1, original[index]


def to_int(
    frame: pl.DataFrame, column: str, path: Path, source: str, *, dtype: pl.DataType = pl.Int32
) -> pl.DataFrame:
    """Cast ``column`` to whole numbers; text such as '2019e' or 'n/a' raises BadInput."""
    original = frame[column]
    if original.dtype.is_integer():
        return frame.with_columns(original.cast(dtype))
    text = original.cast(pl.String).str.strip_chars().replace("", None)
    as_float = text.cast(pl.Float64, strict=False)
    cast = as_float.cast(dtype, strict=False)
    whole = as_float.is_null() | (as_float == as_float.round(0))
    cast = pl.select(pl.when(whole).then(cast).otherwise(None).alias(column)).to_series()
    if (text.is_not_null() & cast.is_null()).any():
        row, value = _first_bad_row(text, cast)
        raise BadInput(
            f"{source}: {path.name}, column {column!r}, row {row}: {value!r} is not a whole "
            "number; correct or remove that row."
        )
    return frame.with_columns(cast.alias(column))


def to_float(
    frame: pl.DataFrame, column: str, path: Path, source: str, *, nonnegative: bool = False
) -> pl.DataFrame:
    """Cast ``column`` to Float64; non-numbers (and negatives if ``nonnegative``) raise BadInput."""
    original = frame[column]
    if original.dtype.is_numeric():
        cast = original.cast(pl.Float64)
    else:
        text = original.cast(pl.String).str.strip_chars().replace("", None)
        cast = text.cast(pl.Float64, strict=False)
        if (text.is_not_null() & cast.is_null()).any():
            row, value = _first_bad_row(text, cast)
            raise BadInput(
                f"{source}: {path.name}, column {column!r}, row {row}: {value!r} is not a "
                "number; correct or remove that row."
            )
    if nonnegative and (cast < 0).any():
        index = int((cast < 0).arg_true()[0])
        raise BadInput(
            f"{source}: {path.name}, column {column!r}, row {index + 1}: {cast[index]!r} is "
            "negative but this quantity cannot be; correct or remove that row."
        )
    return frame.with_columns(cast.alias(column))


def drop_duplicates(
    frame: pl.DataFrame, record: InputRecord, *, table: str | None = None
) -> pl.DataFrame:
    """Remove exact duplicate rows, counting them as rejects of ``record``.

    With ``table``, the rows left are then checked against that table's contract with this one
    file as origin, so a key repeated with a different value is reported against its file.
    """
    unique = frame.unique(maintain_order=True)
    record.reject("exact duplicate row", frame.height - unique.height)
    if table is not None:
        contracts.validate(table, unique, origin=record.file)
    return unique


def resolve_countries(
    frame: pl.DataFrame,
    *,
    name: str,
    code: str | None,
    out: str,
    source: str,
    record: InputRecord,
    excluded: Mapping[str, str] | None = None,
    excluded_patterns: Mapping[str, str] | None = None,
    label: str | None = None,
) -> pl.DataFrame:
    """Add ISO3 column ``out`` from a name column (and an optional code column).

    * a value of ``code`` that the country dimension knows is used as is;
    * rows whose code or name is a key of ``excluded`` (exact) or matches a regular
      expression key of ``excluded_patterns`` are dropped and counted under the mapped reason
      (aggregates, regions, subtotals);
    * every other name is resolved with ``countries.resolve_names`` (UnresolvedCountries
      lists all misses, so nothing is dropped silently).
    """
    excluded = excluded or {}
    excluded_patterns = excluded_patterns or {}
    known = countries.known_codes()
    code_expr = pl.col(code) if code else pl.lit(None, dtype=pl.String)
    pairs = frame.select(pl.col(name).alias("n"), code_expr.alias("c")).unique()
    mapping: dict[tuple[str | None, str | None], str | None] = {}
    reasons: dict[tuple[str | None, str | None], str] = {}
    to_resolve: list[str] = []
    for n, c in pairs.iter_rows():
        reason = exclusion_reason(n, c, excluded, excluded_patterns)
        if reason:
            reasons[(n, c)] = reason
        elif c is not None and c in known:
            mapping[(n, c)] = c
        elif n is None:
            reasons[(n, c)] = "no country name or code"
        else:
            to_resolve.append(n)
    resolved = countries.resolve_names(to_resolve, source=source)
    for n, c in pairs.iter_rows():
        if (n, c) not in mapping and (n, c) not in reasons:
            mapping[(n, c)] = resolved[n]
    return _apply_mapping(frame, name, code_expr, out, mapping, reasons, record, label or out)


def exclusion_reason(
    name: str | None, code: str | None, excluded: Mapping[str, str], patterns: Mapping[str, str]
) -> str | None:
    for key in (code, name):
        if key is not None and key in excluded:
            return excluded[key]
    for pattern, reason in patterns.items():
        if name is not None and re.search(pattern, name):
            return reason
    return None


def _apply_mapping(frame, name, code_expr, out, mapping, reasons, record, label) -> pl.DataFrame:
    keys = pl.DataFrame(
        {
            "__n": [k[0] for k in list(mapping) + list(reasons)],
            "__c": [k[1] for k in list(mapping) + list(reasons)],
            out: list(mapping.values()) + [None] * len(reasons),
            "__reason": [None] * len(mapping) + list(reasons.values()),
        },
        schema={"__n": pl.String, "__c": pl.String, out: pl.String, "__reason": pl.String},
    )
    joined = frame.with_columns(
        pl.col(name).cast(pl.String).alias("__n"), code_expr.cast(pl.String).alias("__c")
    ).join(keys, on=["__n", "__c"], how="left", nulls_equal=True)
    counts = joined.filter(pl.col("__reason").is_not_null()).group_by("__reason").len()
    for reason, count in counts.iter_rows():
        record.reject(f"{label}: {reason}", count)
    return joined.filter(pl.col("__reason").is_null()).drop("__n", "__c", "__reason")
