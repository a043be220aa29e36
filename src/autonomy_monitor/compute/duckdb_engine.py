"""DuckDB as an engine: embedded, streaming, spills to disk past ``memory_limit``."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import narwhals as nw
import polars as pl

from autonomy_monitor.compute import arrow_compatible

_names = itertools.count()


class DuckDBEngine:
    """One in-memory DuckDB connection; lazy frames are DuckDB relations on it."""

    name = "duckdb"

    def __init__(
        self,
        memory_limit: str | None = None,
        temp_directory: str | Path | None = None,
        threads: int | None = None,
        database: str = ":memory:",
    ) -> None:
        self.connection = duckdb.connect(database)
        if memory_limit:
            self.connection.execute(f"SET memory_limit = '{_plain(memory_limit)}'")
        if temp_directory:
            self.connection.execute(f"SET temp_directory = '{_plain(str(temp_directory))}'")
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")
        self.connection.execute("SET preserve_insertion_order = false")
        self.spill = Path(tempfile.mkdtemp(prefix="autonomy-duckdb-", dir=temp_directory))

    def lazy(self, frame: pl.DataFrame) -> nw.LazyFrame:
        name = f"__frame_{next(_names)}"
        self.connection.register(name, arrow_compatible(frame).to_arrow())
        return nw.from_native(self.connection.table(name))

    def collect(self, frame: nw.LazyFrame | nw.DataFrame) -> pl.DataFrame:
        native = nw.to_native(frame)
        if isinstance(native, pl.DataFrame):
            return native
        return pl.from_arrow(native.to_arrow_table())  # type: ignore[return-value]

    def read_parquet(self, paths: Sequence[Path]) -> nw.LazyFrame:
        return nw.from_native(self.connection.read_parquet([str(p) for p in paths]))

    def read_csv(self, paths: Sequence[Path], columns: Mapping[str, str]) -> nw.LazyFrame:
        relation = self.connection.read_csv(
            [str(p) for p in paths], header=True, dtype=dict(columns)
        )
        return nw.from_native(relation.select(*columns))

    def sql(self, query: str, tables: Mapping[str, nw.LazyFrame]) -> nw.LazyFrame:
        for name, frame in tables.items():
            nw.to_native(frame).create_view(name, replace=True)
        return nw.from_native(self.connection.sql(query))

    def persist(self, frame: nw.LazyFrame) -> nw.LazyFrame:
        path = self.spill / f"persist_{next(_names)}.parquet"
        nw.to_native(frame).write_parquet(str(path))
        return nw.from_native(self.connection.read_parquet(str(path)))

    def write_parquet(self, frame: nw.LazyFrame, path: Path) -> None:
        nw.to_native(frame).write_parquet(str(path))

    def close(self) -> None:
        self.connection.close()
        shutil.rmtree(self.spill, ignore_errors=True)


def _plain(value: str) -> str:
    """A setting value without quotes (settings are interpolated, never user SQL)."""
    if "'" in value:
        raise ValueError(f"quote in DuckDB setting {value!r}")
    return value
