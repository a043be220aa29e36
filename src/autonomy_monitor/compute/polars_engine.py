"""Polars as an engine (in memory, lazy): the reference the other engines are compared with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import narwhals as nw
import polars as pl

POLARS_TYPES = {"INTEGER": pl.Int32, "BIGINT": pl.Int64, "DOUBLE": pl.Float64, "VARCHAR": pl.String}


class PolarsEngine:
    name = "polars"

    def lazy(self, frame: pl.DataFrame) -> nw.LazyFrame:
        return nw.from_native(frame.lazy())

    def collect(self, frame: nw.LazyFrame | nw.DataFrame) -> pl.DataFrame:
        native = nw.to_native(frame)
        return native.collect() if isinstance(native, pl.LazyFrame) else native

    def read_parquet(self, paths: Sequence[Path]) -> nw.LazyFrame:
        return nw.from_native(pl.scan_parquet([str(p) for p in paths]))

    def read_csv(self, paths: Sequence[Path], columns: Mapping[str, str]) -> nw.LazyFrame:
        schema = {name: POLARS_TYPES[kind] for name, kind in columns.items()}
        return nw.from_native(
            pl.scan_csv([str(p) for p in paths], schema_overrides=schema).select(list(schema))
        )

    def sql(self, query: str, tables: Mapping[str, nw.LazyFrame]) -> nw.LazyFrame:
        context = pl.SQLContext({name: nw.to_native(frame) for name, frame in tables.items()})
        return nw.from_native(context.execute(query, eager=False))

    def persist(self, frame: nw.LazyFrame) -> nw.LazyFrame:
        return nw.from_native(nw.to_native(frame).collect().lazy())

    def write_parquet(self, frame: nw.LazyFrame, path: Path) -> None:
        nw.to_native(frame).sink_parquet(path)

    def close(self) -> None:
        return None
