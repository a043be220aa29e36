"""Derived step: the union ``out_dependence__yearly`` of every ``out_dependence__<dimension>``
table present (trade, remittances, migration, aid, finance, energy), in the shared schema.

In the build the union is made as the dimension tables come: each step's dimension rows are
appended to ``out_dependence__yearly`` in the warehouse (:func:`append`, part by part for the
trade step's 14 million rows), checked as they come (:func:`check_part`) and validated in
DuckDB at the end (:func:`finish`); each dimension table is then a view on the union
(``dimension = '<dimension>'``): stored once, never held in Python as a whole. The same union
as a function of frames, :func:`autonomy_monitor.indicators.relational.dependence_union`
(narwhals), runs in tests on Polars (:func:`compute`) or on any engine (:func:`compute_with`),
sorted by country, dimension, year, measure and partner. The dimension tables are optional (a
build from a subset of sources has only some).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import duckdb
import narwhals as nw
import polars as pl

from autonomy_monitor.catalog import contracts
from autonomy_monitor.compute import Engine
from autonomy_monitor.indicators import relational
from autonomy_monitor.indicators.shares import OUTPUT_SCHEMA

DIMENSIONS = ("trade", "remittances", "migration", "aid", "finance", "energy")
OUTPUT = "out_dependence__yearly"
ORDER = ("country_iso3", "dimension", "year", "measure", "partner_iso3")


def dimension_tables(tables: Iterable[str]) -> list[str]:
    names = set(tables)
    return [f"out_dependence__{d}" for d in DIMENSIONS if f"out_dependence__{d}" in names]


def sorted_union(frames: list[nw.LazyFrame]) -> nw.LazyFrame:
    """The union in the shared schema, sorted by country, dimension, year, measure, partner."""
    return relational.dependence_union(frames).sort(*ORDER, nulls_last=True)


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The union of the dimension frames on Polars."""
    names = dimension_tables(tables)
    if not names:
        return {OUTPUT: pl.DataFrame(schema=OUTPUT_SCHEMA)}
    union = sorted_union([nw.from_native(tables[n].lazy()) for n in names])
    return {OUTPUT: nw.to_native(union).collect().cast(OUTPUT_SCHEMA)}  # type: ignore[arg-type]


def compute_with(
    engine: Engine | None,
) -> Callable[[Mapping[str, pl.DataFrame]], dict[str, pl.DataFrame]]:
    """``compute`` with the union run on ``engine``; ``None`` keeps the Polars path."""
    if engine is None:
        return compute

    def run(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
        names = dimension_tables(tables)
        if not names:
            return compute(tables)
        union = engine.collect(sorted_union([engine.lazy(tables[n]) for n in names]))
        return {OUTPUT: union.cast(OUTPUT_SCHEMA)}  # type: ignore[arg-type]

    return run


def check_part(name: str, part: pl.DataFrame, origin: str | list[str], seen: set[str]) -> None:
    """A part of dimension table ``name`` holds that dimension only, and no (measure, method) of
    an earlier part of the same table (``seen``, updated): with each part's primary key unique,
    the dimension table's and the union's keys are then unique too (the key includes dimension,
    measure and method), without grouping the 17 million rows of the union."""
    dimension = name.removeprefix("out_dependence__")
    found = part.get_column("dimension").unique().to_list()
    where = origin if isinstance(origin, str) else ", ".join(origin)
    if any(value != dimension for value in found):
        other = next(value for value in found if value != dimension)
        raise contracts.ContractViolation(
            f"{name} from {where}: a row has dimension {other!r} where the table holds "
            f"{dimension!r} only; set dimension to {dimension!r} in the step."
        )
    pairs = part.select("measure", pl.col("method").fill_null("")).unique()
    measures = {f"{m}|{k}" for m, k in pairs.iter_rows()}
    repeated = sorted(measures & seen)
    if repeated:
        measure, method = repeated[0].split("|", 1)
        raise contracts.ContractViolation(
            f"{name} from {where}: measure {measure!r} with method {method!r} comes in two "
            "parts of the table; make each measure and method in one part only."
        )
    seen |= measures


def append(connection: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, create: bool) -> None:
    """Append the rows of a dimension frame to ``out_dependence__yearly`` (created from its
    contract's columns first when ``create``); columns matched by name, cast to the contract's
    types."""
    if create:
        connection.execute(f"CREATE TABLE {OUTPUT} ({contracts.duckdb_columns(OUTPUT)})").fetchall()
    connection.register("_part", frame.select(list(OUTPUT_SCHEMA)).to_arrow())
    try:
        connection.execute(f"INSERT INTO {OUTPUT} BY NAME SELECT * FROM _part").fetchall()
    finally:
        connection.unregister("_part")


def finish(connection: duckdb.DuckDBPyConnection, origin: str) -> int:
    """Validate ``out_dependence__yearly`` against its contract in DuckDB (columns and types,
    non-null columns, measures and units from the catalog; the primary key is unique by
    :func:`check_part`); returns its row count.

    Rows come as the steps made them: dimension by dimension in the order the steps ran, each
    in its step's deterministic order. A global sort of 15.6 million rows costs 1.6-2.4 times
    the plain write (measured in the build) and buys nothing for lookups (a country's rows are
    found in about 30 ms either way); queries order their results themselves."""
    contracts.validate_in_duckdb(connection, OUTPUT, OUTPUT, origin, key=False)
    return int(connection.execute(f"SELECT count(*) FROM {OUTPUT}").fetchall()[0][0])
