"""Where queries read from: the built warehouse, else the bundled snapshot.

Every query goes through :func:`query` with bound parameters only; table and column names
never come from user input.

One process holds one DuckDB connection per store and reuses it: opening the warehouse (or
creating the snapshot's views) costs milliseconds, and a briefing or a dashboard page runs
dozens of queries. Each query gets its own cursor (a light handle on the same database, safe
to use from another thread). The cache is keyed by the store's file identity (inode, size,
modification time), so a rebuilt warehouse, which ``os.replace`` moves into place, is opened
afresh and the connection to the old file is closed (see ``SharedConnections``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import polars as pl

    from autonomy_monitor.settings import Settings

StoreKey = tuple[str, str, tuple[int, ...]]  # kind ("warehouse"/"bundled"), path, file identity


def store_key(settings: Settings) -> StoreKey:
    """Which store ``settings`` reads, with a stamp that changes when the store is rebuilt."""
    if settings.warehouse.is_file():
        stat = settings.warehouse.stat()
        return "warehouse", str(settings.warehouse), (stat.st_ino, stat.st_size, stat.st_mtime_ns)
    folder = settings.bundled_snapshot
    stamps = (
        tuple(p.stat().st_mtime_ns for p in sorted(folder.glob("*.parquet")))
        if folder.is_dir()
        else ()
    )
    return "bundled", str(folder), stamps


class SharedConnections:
    """One open connection per store (kind and path), replaced when the store's stamp changes.

    The old connection is closed before the new one opens: DuckDB keeps one database instance
    per path in a process and would hand the *old* file's instance to a new ``connect`` while
    any connection to it is open. This is the process's one piece of shared state
    (``CONNECTIONS`` below), by design: reusing the connection is what makes queries cheap.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[str, str], tuple[tuple[int, ...], duckdb.DuckDBPyConnection]] = {}

    def get(self, key: StoreKey) -> duckdb.DuckDBPyConnection:
        from autonomy_monitor.pipeline import warehouse

        kind, path, stamp = key
        with self._lock:
            held = self._open.get((kind, path))
            if held is not None and held[0] == stamp:
                return held[1]
            if held is not None:
                held[1].close()
            connection = (
                warehouse.connect_readonly if kind == "warehouse" else warehouse.connect_bundled
            )(Path(path))
            self._open[(kind, path)] = (stamp, connection)
            return connection


CONNECTIONS = SharedConnections()


def shared_connection(key: StoreKey) -> duckdb.DuckDBPyConnection:
    """The process's connection to one store (opened once per store version)."""
    return CONNECTIONS.get(key)


def open_store(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only cursor on the warehouse, or on the bundled snapshot if none is built.

    Close it when done; the shared connection behind it stays open for the next query.
    """
    return shared_connection(store_key(settings)).cursor()


def store_label(settings: Settings) -> str:
    """Human-readable name of what queries read (shown under tables)."""
    if settings.warehouse.is_file():
        return f"warehouse {settings.warehouse}"
    return f"bundled snapshot {settings.bundled_snapshot}"


def query(settings: Settings, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
    """Run one parameterised SQL statement and return a Polars frame."""
    return query_store(store_key(settings), sql, params)


def query_store(key: StoreKey, sql: str, params: Sequence[Any] = ()) -> pl.DataFrame:
    """:func:`query` on one store version (for small results memoised per store version)."""
    import polars as pl

    cursor = shared_connection(key).cursor()
    try:
        relation = cursor.sql(sql, params=list(params))
        return pl.DataFrame(relation)  # Arrow C stream: no pyarrow import
    finally:
        cursor.close()


def marks(values: Sequence[Any]) -> str:
    """``(?, ?, ...)``: an IN list of one bound parameter per value (pass the values in order).

    DuckDB pushes ``column IN (?, ?)`` into the table scan; ``column IN (SELECT unnest(?))`` is
    a join that reads every row first (two to three times slower on the large tables). An
    empty list gives ``(NULL)``, which matches no row.
    """
    return "(" + ", ".join("?" * len(values)) + ")" if values else "(NULL)"


@functools.lru_cache(maxsize=64)
def store_columns(key: StoreKey, table: str) -> tuple[str, ...]:
    """The column names of one table or view of one store version (listed once)."""
    cursor = shared_connection(key).cursor()
    try:
        return tuple(c[0] for c in cursor.execute(f'SELECT * FROM "{table}" LIMIT 0').description)
    finally:
        cursor.close()


def table_columns(settings: Settings, table: str) -> tuple[str, ...]:
    """The column names of one table or view (read once per store version; older warehouses
    and snapshots lack some columns)."""
    return store_columns(store_key(settings), table)


@functools.lru_cache(maxsize=4)
def store_tables(key: StoreKey) -> frozenset[str]:
    """Names of the tables and views in one store version (listed once)."""
    from autonomy_monitor.pipeline import warehouse

    cursor = shared_connection(key).cursor()
    try:
        return frozenset(warehouse.table_names(cursor))
    finally:
        cursor.close()


def has_table(settings: Settings, name: str) -> bool:
    return name in store_tables(store_key(settings))


def has_store_table(key: StoreKey, name: str) -> bool:
    return name in store_tables(key)
