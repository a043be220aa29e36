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
from typing import TYPE_CHECKING, Any, Protocol

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


def check_key(table: str, frame: pl.DataFrame, origin: str | Sequence[str]) -> None:
    """Raise ContractViolation if two rows of ``frame`` share the primary key of ``table`` (the
    key check of :func:`validate` alone, for a part of a table whose other checks run in
    DuckDB once it is written: :func:`validate_in_duckdb`)."""
    entry = load_table(table)
    key = entry.primary_key
    counts = frame.lazy().select(pl.len().alias("rows"), _key_hash(key).n_unique().alias("n"))
    rows, distinct = counts.collect().row(0)
    if rows == distinct:
        return
    repeated = duplicated_keys(frame.select(key), key)
    if repeated.is_empty():
        return
    first = repeated.row(0, named=True)
    text = ", ".join(f"{k}={first[k]}" for k in key)
    more = f" ({repeated.height - 1} more repeated keys)" if repeated.height > 1 else ""
    raise ContractViolation(
        f"{entry.name} from {_origin_text(origin)}: primary key ({text}) occurs in "
        f"{first['len']} rows with different values{more}; keep one row per key (correct or "
        "remove the repeated row in the source)."
    )


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


# --- tables already in DuckDB (large tables, tables copied from the previous warehouse) --------


class SQLConnection(Protocol):
    """What the DuckDB checks use of a ``duckdb.DuckDBPyConnection`` (not imported here: the
    pure indicators import this module and may not depend on duckdb, even for annotations)."""

    def execute(self, query: str, /) -> Any: ...

    def sql(self, query: str, /) -> Any: ...


DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "int8": "TINYINT",
    "int16": "SMALLINT",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "list[string]": "VARCHAR[]",
}


def duckdb_columns(table: str) -> str:
    """``"name" TYPE, ...`` of a contract: the column list of a ``CREATE TABLE``."""
    return ", ".join(
        f'"{column.name}" {DUCKDB_TYPES[column.type]}' for column in load_table(table).columns
    )


def check_columns_in_duckdb(
    connection: SQLConnection, table: str, relation: str, origin: str | Sequence[str]
) -> None:
    """Raise ContractViolation unless ``relation`` (a table or view of ``connection``, or a
    parenthesised query) has exactly the contract's columns with its types; reads the schema
    only, no rows (tables reused from the previous warehouse)."""
    entry = load_table(table)
    described = connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    fault = _column_fault(entry, [(row[0], row[1]) for row in described])
    if fault is not None:
        raise ContractViolation(f"{entry.name} from {_origin_text(origin)}: {fault}.")


def validate_in_duckdb(
    connection: SQLConnection,
    table: str,
    relation: str,
    origin: str | Sequence[str],
    *,
    key: bool = True,
) -> None:
    """The checks of :func:`validate` on rows already in DuckDB, without reading them into
    Python: columns and types from the schema, non-null columns, ``ge``/``le``/``isin`` in one
    scan, the primary key by ``GROUP BY key HAVING count(*) > 1``, measures and units on the
    distinct (measure, method, unit) combinations. For tables too large to hold in memory twice
    (``out_dependence__yearly``); a fault raises ContractViolation with one sentence naming the
    table, the origin and the key of the first offending row. ``key=False`` leaves out the
    primary key (the caller has proven it otherwise: the grouping costs 6-12 s on 17 million
    rows)."""
    entry = load_table(table)
    where = _origin_text(origin)
    check_columns_in_duckdb(connection, table, relation, origin)

    def fail(fault: str, advice: str) -> None:
        raise ContractViolation(f"{entry.name} from {where}: {fault}; {advice}.")

    conditions = _row_conditions(entry)
    if conditions:
        counts = connection.execute(
            "SELECT "
            + ", ".join(f"count_if({sql})" for _, _, sql in conditions)
            + f" FROM {relation}"
        ).fetchall()[0]
        failed = [(c, n) for c, n in zip(conditions, counts) if n]
        if failed:
            (column, check, sql), _ = failed[0]
            row = _first_key(connection, entry, relation, sql)
            others = len(failed) - 1 + failed[0][1] - 1
            more = f" ({others} other fault{'s' if others != 1 else ''} found)" if others else ""
            text = (
                f"column {column!r} is empty in the row with key ({row})"
                if check == "not_nullable"
                else f"column {column!r} fails {check} in the row with key ({row})"
            )
            fail(text + more, "correct the input or the contract")
    if key:
        _check_key_in_duckdb(connection, entry, relation, fail)
    if entry.measures_from_catalog:
        _check_units_in_duckdb(connection, entry, relation, fail)


def _column_fault(entry: TableEntry, described: Sequence[tuple[str, str]]) -> str | None:
    names = [name for name, _ in described]
    declared = ", ".join(entry.column_names)
    missing = [c for c in entry.column_names if c not in names]
    if missing:
        return f"column {missing[0]!r} is missing (the contract requires {declared})"
    extra = [c for c in names if c not in entry.column_names]
    if extra:
        return f"column {extra[0]!r} is not in the contract (declared: {declared})"
    for name, kind in described:
        column = entry.column(name)
        if kind.upper() != DUCKDB_TYPES[column.type]:
            return f"column {name!r} has type {kind} where the contract says {column.type}"
    return None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(float(value)) if isinstance(value, float) else str(value)


def _row_conditions(entry: TableEntry) -> list[tuple[str, str, str]]:
    """(column, check, SQL condition true on an offending row) for every row-level check."""
    conditions = []
    for column in entry.columns:
        name = _quoted(column.name)
        if not column.nullable:
            conditions.append((column.name, "not_nullable", f"{name} IS NULL"))
        if column.ge is not None:
            conditions.append(
                (column.name, f"greater_than_or_equal_to({column.ge})", f"{name} < {column.ge!r}")
            )
        if column.le is not None:
            conditions.append(
                (column.name, f"less_than_or_equal_to({column.le})", f"{name} > {column.le!r}")
            )
        if column.isin is not None:
            allowed = ", ".join(_literal(v) for v in column.isin)
            conditions.append((column.name, f"isin({column.isin})", f"{name} NOT IN ({allowed})"))
    return conditions


def _first_key(connection: SQLConnection, entry: TableEntry, relation: str, condition: str) -> str:
    key = entry.primary_key
    row = connection.execute(
        f"SELECT {', '.join(_quoted(k) for k in key)} FROM {relation} WHERE {condition} LIMIT 1"
    ).fetchone()
    return "unknown row" if row is None else ", ".join(f"{k}={v}" for k, v in zip(key, row))


def _check_key_in_duckdb(
    connection: SQLConnection, entry: TableEntry, relation: str, fail: Any
) -> None:
    """Repeated primary keys by ``GROUP BY key HAVING count(*) > 1`` (NULLs group together, as
    in Polars); the first repeated key in key order is named."""
    key = ", ".join(_quoted(k) for k in entry.primary_key)
    repeated = connection.execute(
        f"SELECT {key}, count(*) AS n, count(*) OVER () AS keys FROM {relation} "
        f"GROUP BY ALL HAVING count(*) > 1 ORDER BY {key} NULLS LAST LIMIT 1"
    ).fetchone()
    if repeated is None:
        return
    *values, rows, keys = repeated
    text = ", ".join(f"{k}={v}" for k, v in zip(entry.primary_key, values))
    more = f" ({keys - 1} more repeated keys)" if keys > 1 else ""
    fail(
        f"primary key ({text}) occurs in {rows} rows with different values{more}",
        "keep one row per key (correct or remove the repeated row in the source)",
    )


def _check_units_in_duckdb(
    connection: SQLConnection, entry: TableEntry, relation: str, fail: Any
) -> None:
    """Measures and units on the distinct (measure, method, unit) combinations (a few hundred),
    with the same catalog lookup as the Polars check (:func:`expected_unit`)."""
    combos = connection.sql(
        f"SELECT DISTINCT measure, method, unit FROM {relation} ORDER BY ALL NULLS LAST"
    ).pl()
    checked = combos.with_columns(
        expected_unit().alias("__expected"), unit_fault().alias("__fault")
    )
    advice = (
        "add or correct the indicator's entry in catalog/indicators/ "
        "(units come from the catalog only)"
    )
    unknown = checked.filter(pl.col("__expected").is_null())
    if unknown.height:
        measure = unknown["measure"][0]
        row = _first_key(connection, entry, relation, f"measure = {_literal(measure)}")
        fail(
            f"measure {measure!r} (row with key ({row})) has no indicator entry in "
            "catalog/indicators/",
            advice,
        )
    wrong = checked.filter(pl.col("__fault"))
    if wrong.height:
        measure, method, unit, expected = wrong.row(0)[:4]
        condition = (
            f"measure = {_literal(measure)} AND method IS NOT DISTINCT FROM "
            f"{'NULL' if method is None else _literal(method)} AND unit IS NOT DISTINCT FROM "
            f"{'NULL' if unit is None else _literal(unit)}"
        )
        row = _first_key(connection, entry, relation, condition)
        fail(
            f"measure {measure!r} has unit {unit!r} where the catalog says {expected!r} "
            f"(row with key ({row}))",
            advice,
        )
