"""Where queries read from: the built warehouse, else the bundled snapshot.

Every query goes through :func:`query` with bound parameters only; table and column names
never come from user input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import polars as pl

from autonomy_monitor.pipeline import warehouse
from autonomy_monitor.settings import Settings


def open_store(settings: Settings) -> duckdb.DuckDBPyConnection:
    """Read-only connection to the warehouse, or to the bundled snapshot if none is built."""
    if settings.warehouse.is_file():
        return warehouse.connect_readonly(settings.warehouse)
    return warehouse.connect_bundled(settings.bundled_snapshot)


def store_label(settings: Settings) -> str:
    """Human-readable name of what queries read (shown under tables)."""
    if settings.warehouse.is_file():
        return f"warehouse {settings.warehouse}"
    return f"bundled snapshot {settings.bundled_snapshot}"


def query(settings: Settings, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
    """Run one parameterised SQL statement and return a Polars frame."""
    connection = open_store(settings)
    try:
        relation = connection.sql(sql, params=list(params))
        return pl.from_arrow(relation.to_arrow_table())  # type: ignore[return-value]
    finally:
        connection.close()


def has_table(settings: Settings, name: str) -> bool:
    connection = open_store(settings)
    try:
        return name in warehouse.table_names(connection)
    finally:
        connection.close()
