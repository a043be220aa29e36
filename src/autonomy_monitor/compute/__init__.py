"""Engines: where relational work runs — Polars (in memory), DuckDB (default, embedded) or
Spark (optional extra ``spark``; local mode in tests, a cluster through ``--spark-master``).

One small protocol, :class:`Engine`. Indicator code never imports an engine: it is written once
with narwhals (``indicators/relational.py``) and receives lazy frames that an engine made
with :meth:`Engine.lazy` or :meth:`Engine.read_csv` / :meth:`Engine.read_parquet`; the step
brings results back with :meth:`Engine.collect`.

    engine = get_engine("spark", master="spark://host:7077")
    result = engine.collect(relational.hhi(relational.partner_shares(engine.lazy(frame), ...), ...))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import narwhals as nw
import polars as pl

from autonomy_monitor.errors import BadArgument

ENGINES = ("duckdb", "spark", "polars")


@runtime_checkable
class Engine(Protocol):
    """What a step needs from an engine (all frames crossing it are narwhals LazyFrames)."""

    name: str

    def lazy(self, frame: pl.DataFrame) -> nw.LazyFrame:
        """A Polars frame as a lazy frame of this engine (from_polars)."""
        ...

    def collect(self, frame: nw.LazyFrame | nw.DataFrame) -> pl.DataFrame:
        """Run a lazy frame of this engine and return the result as Polars (to_polars)."""
        ...

    def read_parquet(self, paths: Sequence[Path]) -> nw.LazyFrame:
        """Parquet files as one lazy frame (scanned, not loaded)."""
        ...

    def read_csv(self, paths: Sequence[Path], columns: Mapping[str, str]) -> nw.LazyFrame:
        """Headed CSV files as one lazy frame with the given column types (SQL names:
        INTEGER, BIGINT, DOUBLE, VARCHAR); scanned, not loaded."""
        ...

    def sql(self, query: str, tables: Mapping[str, nw.LazyFrame]) -> nw.LazyFrame:
        """Run SQL over the given lazy frames, each visible under its name."""
        ...

    def persist(self, frame: nw.LazyFrame) -> nw.LazyFrame:
        """Compute ``frame`` once and keep it (on disk past the memory limit) for reuse:
        DuckDB writes Parquet to its spill folder, Spark persists MEMORY_AND_DISK."""
        ...

    def write_parquet(self, frame: nw.LazyFrame, path: Path) -> None:
        """Write a lazy frame to Parquet (a file for DuckDB/Polars, a folder for Spark)."""
        ...

    def close(self) -> None: ...


def get_engine(name: str = "duckdb", master: str | None = None, **options: object) -> Engine:
    """The engine called ``name`` (duckdb, spark or polars).

    ``master`` is the Spark master URL (``local[N]`` by default, ``spark://host:7077`` for a
    cluster); other engines refuse it. Options are passed to the engine's constructor
    (DuckDB: ``memory_limit``, ``temp_directory``, ``threads``; Spark: ``config``).
    """
    if name == "duckdb":
        if master:
            raise BadArgument(
                "--spark-master only applies to --engine spark: drop it or add --engine spark."
            )
        from autonomy_monitor.compute.duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)  # type: ignore[arg-type]
    if name == "spark":
        from autonomy_monitor.compute.spark_engine import SparkEngine

        return SparkEngine(master=master or "local[*]", **options)  # type: ignore[arg-type]
    if name == "polars":
        if master:
            raise BadArgument(
                "--spark-master only applies to --engine spark: drop it or add --engine spark."
            )
        from autonomy_monitor.compute.polars_engine import PolarsEngine

        return PolarsEngine()
    raise BadArgument(f"Unknown engine {name!r}: choose from {', '.join(ENGINES)}.")


def arrow_compatible(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast types other engines lack (unsigned integers, categoricals, enums) to plain ones."""
    casts = {}
    for column, dtype in frame.schema.items():
        if dtype in (pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64):
            casts[column] = pl.Int64
        elif isinstance(dtype, (pl.Categorical, pl.Enum)):
            casts[column] = pl.String
    return frame.cast(casts) if casts else frame  # type: ignore[arg-type]
