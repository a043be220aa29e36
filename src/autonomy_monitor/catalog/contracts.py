"""Validate a frame against its table contract (``catalog/tables/<table>.yaml``) with pandera.

Call :func:`validate` on every frame before it is written — bulk readers, live connectors and
derived steps all go through the build, which calls it per table at write time::

    from autonomy_monitor.catalog import contracts
    contracts.validate("core_knomad__remittance_inflows", frame, origin="migration/inflows.csv")

The contract becomes a ``pandera.polars.DataFrameSchema`` (:func:`schema`): exact column set
(a missing or an extra column fails), exact dtypes (no coercion), non-null unless declared
nullable, ``ge``/``le``/``isin`` checks, the primary key unique, and for long tables with
``measures_from_catalog`` every measure catalogued with the catalog's unit. A violation
raises :class:`ContractViolation` (a ``BadInput``) with one sentence naming the table, the
origin (file or step) and the first fault — the key of a duplicated row, the missing column,
the wrong type or unit — plus how many other faults were found.

pandera is imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from autonomy_monitor.catalog.tables import ColumnEntry, TableEntry, load_table
from autonomy_monitor.errors import BadInput

if TYPE_CHECKING:
    import pandera.polars as pa

DTYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "int8": pl.Int8(),
    "int16": pl.Int16(),
    "int32": pl.Int32(),
    "int64": pl.Int64(),
    "float64": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "list[string]": pl.List(pl.String),
}
KEY_CHECK = "primary_key_unique"
MEASURE_CHECK = "measure_in_catalog"
UNIT_CHECK = "unit_from_catalog"


class ContractViolation(BadInput):
    """A frame does not satisfy its table's contract."""


def validate(table: str, frame: pl.DataFrame, origin: str | Sequence[str]) -> pl.DataFrame:
    """Return ``frame`` unchanged if it satisfies the contract of ``table``, else raise.

    ``origin`` names where the rows came from: the raw file(s) of a source, or
    ``"step NAME"`` for a derived table; it is quoted in the error sentence.
    """
    import pandera.errors as pe

    entry = load_table(table)
    try:
        schema(entry).validate(frame, lazy=True)
    except pe.SchemaErrors as errors:
        raise ContractViolation(
            describe_failure(entry, frame, _origin_text(origin), errors.failure_cases)
        ) from None
    return frame


def polars_schema(table: str) -> dict[str, pl.DataType]:
    """``{column: polars dtype}`` of a contract, in column order: for readers that build empty
    frames, select or cast (so a table's shape is written down only in its YAML)."""
    return {column.name: DTYPES[column.type] for column in load_table(table).columns}


def schema(entry: TableEntry) -> pa.DataFrameSchema:
    """The pandera schema of one table contract."""
    import pandera.polars as pa

    columns = {
        column.name: pa.Column(
            DTYPES[column.type],
            checks=_column_checks(column),
            nullable=column.nullable,
            required=True,
            coerce=False,
        )
        for column in entry.columns
    }
    checks = [_key_check(entry.primary_key)]
    if entry.measures_from_catalog:
        checks += _measure_checks()
    return pa.DataFrameSchema(columns, checks=checks, strict=True, name=entry.name)


def _key_check(key: Sequence[str]) -> pa.Check:
    """The primary key is unique: no two rows share it (exact duplicates are the readers' to drop).

    pandera's own ``unique=`` runs ``is_duplicated`` on the key columns, about 10 s for the
    6-million-row agreement table; this check compares the number of distinct row hashes of the
    key with the number of rows (distinct hashes prove distinct keys), about 1 s, and only on
    failure looks for the repeated keys exactly (:func:`duplicated_keys`).
    """
    import pandera.polars as pa

    def unique_key(data) -> bool:
        frame = data.lazyframe.select(list(key))
        counts = frame.select(
            pl.len().alias("rows"), _key_hash(key).n_unique().alias("distinct")
        ).collect()
        if counts["rows"][0] == counts["distinct"][0]:
            return True
        return duplicated_keys(frame.collect(), key).is_empty()

    return pa.Check(unique_key, name=KEY_CHECK, error=KEY_CHECK)


def _key_hash(key: Sequence[str]) -> pl.Expr:
    hashes = [pl.col(c).hash(seed=i) for i, c in enumerate(key)]
    return pl.reduce(lambda a, b: a * 1_000_003 ^ b, hashes) if len(hashes) > 1 else hashes[0]


def duplicated_keys(frame: pl.DataFrame, key: Sequence[str]) -> pl.DataFrame:
    """The key values that occur in more than one row, with their row counts (exact).

    Only rows whose key hash repeats are grouped, so this stays fast on large frames.
    """
    hashes = frame.select(_key_hash(key).alias("h")).get_column("h").sort()
    repeated = hashes.filter(hashes == hashes.shift(1)).unique()  # diff() overflows on u64
    candidates = frame.filter(_key_hash(key).is_in(repeated.implode()))
    return (
        candidates.group_by(list(key))
        .len()
        .filter(pl.col("len") > 1)
        .sort(list(key), nulls_last=True)
    )


def _column_checks(column: ColumnEntry) -> list[pa.Check]:
    import pandera.polars as pa

    checks = []
    if column.ge is not None:
        checks.append(pa.Check.ge(column.ge))
    if column.le is not None:
        checks.append(pa.Check.le(column.le))
    if column.isin is not None:
        checks.append(pa.Check.isin(column.isin))
    return checks


def expected_unit() -> pl.Expr:
    """The catalog's unit for each row's (measure, method): null where the measure is not
    catalogued."""
    from autonomy_monitor.catalog import load_indicators

    entries = load_indicators()
    default = {e.name: e.unit for e in entries}
    by_method = {f"{e.name}|{m}": u for e in entries for m, u in e.unit_by_method.items()}
    measure = pl.col("measure")
    plain = measure.replace_strict(default, default=None, return_dtype=pl.String)
    if not by_method:
        return plain
    keyed = pl.concat_str([measure, pl.lit("|"), pl.col("method").fill_null("")])
    return keyed.replace_strict(by_method, default=plain, return_dtype=pl.String)


def _measure_checks() -> list[pa.Check]:
    import pandera.polars as pa

    # scalar results: pandera's row-level failure reports cost minutes on millions of rows;
    # the sentence is built from the first offending row (first_unit_fault)
    def measure_known(data) -> bool:
        return data.lazyframe.select(expected_unit().is_not_null().all()).collect().item()

    def unit_matches(data) -> bool:
        return data.lazyframe.select(unit_fault().not_().all()).collect().item()

    return [
        pa.Check(measure_known, name=MEASURE_CHECK, error=MEASURE_CHECK),
        pa.Check(unit_matches, name=UNIT_CHECK, error=UNIT_CHECK),
    ]


def unit_fault() -> pl.Expr:
    """True where a catalogued measure's unit differs from the catalog's."""
    expected = expected_unit()
    return expected.is_not_null() & (pl.col("unit") != expected).fill_null(True)


def first_row(frame: pl.DataFrame, condition: pl.Expr) -> int | None:
    """Index of the first row where ``condition`` holds, or None."""
    hits = frame.select(condition.arg_true().first()).item()
    return None if hits is None else int(hits)


# --- one sentence from pandera's failure cases -------------------------------------------------


def describe_failure(
    entry: TableEntry, frame: pl.DataFrame, origin: str, cases: pl.DataFrame
) -> str:
    """One sentence for the most telling failure (structure before keys before values)."""
    cases = cases.with_columns(pl.col("check").cast(pl.String), pl.col("column").cast(pl.String))
    ranked = cases.with_columns(
        pl.col("check").map_elements(_rank, return_dtype=pl.Int32).alias("_rank")
    ).sort("_rank", "index", nulls_last=True)
    first = ranked.row(0, named=True)
    others = _fault_count(ranked) - 1
    sentence = f"{entry.name} from {origin}: {_fault_text(entry, frame, first)}"
    more = f" ({others} other fault{'s' if others != 1 else ''} found)" if others > 0 else ""
    return f"{sentence}{more}; {_advice(first)}."


def _rank(check: str) -> int:
    order = (
        "column_in_dataframe",
        "column_in_schema",
        "dtype(",
        KEY_CHECK,
        "not_nullable",
        MEASURE_CHECK,
        UNIT_CHECK,
    )
    return next((i for i, prefix in enumerate(order) if check.startswith(prefix)), len(order))


def _fault_count(cases: pl.DataFrame) -> int:
    return max(cases.height, 1)


def _fault_text(entry: TableEntry, frame: pl.DataFrame, case: dict[str, Any]) -> str:
    check, column, value = case["check"], case["column"], case["failure_case"]
    if check == "column_in_dataframe":
        return (
            f"column {value!r} is missing (the contract requires {', '.join(entry.column_names)})"
        )
    if check == "column_in_schema":
        return (
            f"column {value!r} is not in the contract (declared: {', '.join(entry.column_names)})"
        )
    if check.startswith("dtype("):
        return (
            f"column {column!r} has type {value} where "
            f"the contract says {entry.column(column).type}"
        )
    if check == KEY_CHECK:
        repeated = duplicated_keys(frame.select(entry.primary_key), entry.primary_key)
        first = repeated.row(0, named=True)
        key = ", ".join(f"{k}={first[k]}" for k in entry.primary_key)
        more = f" ({repeated.height - 1} more repeated keys)" if repeated.height > 1 else ""
        return f"primary key ({key}) occurs in {first['len']} rows with different values{more}"
    row = _row_key(entry, frame, case["index"])
    if check == "not_nullable":
        return f"column {column!r} is empty in the row with key ({row})"
    if check == MEASURE_CHECK:
        index = first_row(frame, expected_unit().is_null())
        return (
            f"measure {_cell(frame, 'measure', index)!r} (row with key "
            f"({_row_key(entry, frame, index)})) has no indicator entry in catalog/indicators/"
        )
    if check == UNIT_CHECK:
        index = first_row(frame, unit_fault())
        measure, unit = _cell(frame, "measure", index), _cell(frame, "unit", index)
        return (
            f"measure {measure!r} has unit {unit!r} where "
            f"the catalog says {_catalog_unit(frame, index)!r}"
        )
    return f"column {column!r} fails {check} with value {value!r} in the row with key ({row})"


def _advice(case: dict[str, Any]) -> str:
    check = case["check"]
    if check == KEY_CHECK:
        return "keep one row per key (correct or remove the repeated row in the source)"
    if check in (MEASURE_CHECK, UNIT_CHECK):
        return (
            "add or correct the indicator's entry in "
            "catalog/indicators/ (units come from the catalog only)"
        )
    if check.startswith("column_in") or check.startswith("dtype("):
        return "the producer and catalog/tables/ disagree on the table's shape: correct one of them"
    return "correct the input or the contract"


def _row_key(entry: TableEntry, frame: pl.DataFrame, index: int | None) -> str:
    if index is None or index >= frame.height:
        return "unknown row"
    row = frame.row(int(index), named=True)
    return ", ".join(f"{k}={row.get(k)}" for k in entry.primary_key)


def _cell(frame: pl.DataFrame, column: str, index: int | None) -> Any:
    return frame[column][int(index)] if index is not None and column in frame.columns else None


def _catalog_unit(frame: pl.DataFrame, index: int | None) -> Any:
    if index is None:
        return None
    return frame.slice(int(index), 1).select(expected_unit()).item()


def _origin_text(origin: str | Sequence[str]) -> str:
    if isinstance(origin, str):
        return origin
    names = list(dict.fromkeys(origin))
    return ", ".join(names) if names else "an unknown origin"
