"""Spark as an engine (optional extra ``spark``): local mode on one machine, or a cluster.

``SparkEngine(master="local[1]")`` in tests; ``--spark-master spark://host:7077`` in
production. Needs Java 17+ and ``pyspark`` (``uv sync --extra spark``).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import narwhals as nw
import polars as pl

from autonomy_monitor.compute import arrow_compatible
from autonomy_monitor.errors import BadArgument

DEFAULT_CONFIG = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.ansi.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # the trade step hands ~8 million rows to Spark through Arrow and collects as many back
    "spark.driver.memory": "6g",
    "spark.driver.maxResultSize": "4g",
}


def spark_available() -> str | None:
    """None when Spark can run here, else the reason it cannot (one sentence)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: run `uv sync --extra spark`."
    if shutil.which("java") is None:
        return (
            "Java is not on PATH: Spark needs a JDK 17 or later "
            "(e.g. apt-get install openjdk-17-jre-headless)."
        )
    return None


class SparkEngine:
    """A SparkSession; lazy frames are Spark DataFrames."""

    name = "spark"
    owned = False  # stop the session on close only if this engine started it

    def __init__(
        self,
        master: str = "local[*]",
        config: Mapping[str, str] | None = None,
        session: object | None = None,
    ) -> None:
        if session is None:
            reason = spark_available()
            if reason:
                raise BadArgument(f"--engine spark cannot start: {reason}")
            from pyspark.sql import SparkSession

            self.owned = SparkSession.getActiveSession() is None
            builder = SparkSession.builder.master(master).appName("autonomy-monitor")
            for key, value in {**DEFAULT_CONFIG, **(config or {})}.items():
                builder = builder.config(key, value)
            session = builder.getOrCreate()
            session.sparkContext.setLogLevel("ERROR")
        self.session = session

    def lazy(self, frame: pl.DataFrame) -> nw.LazyFrame:
        table = arrow_compatible(frame).to_arrow(compat_level=pl.CompatLevel.oldest())
        if frame.height == 0:
            from pyspark.sql.pandas.types import from_arrow_schema

            native = self.session.createDataFrame([], from_arrow_schema(table.schema))  # type: ignore[attr-defined]
        else:
            native = self.session.createDataFrame(table)  # type: ignore[attr-defined]
        return nw.from_native(native)

    def collect(self, frame: nw.LazyFrame | nw.DataFrame) -> pl.DataFrame:
        native = nw.to_native(frame)
        if isinstance(native, pl.DataFrame):
            return native
        return pl.from_arrow(native.toArrow())  # type: ignore[return-value]

    def read_parquet(self, paths: Sequence[Path]) -> nw.LazyFrame:
        return nw.from_native(self.session.read.parquet(*[str(p) for p in paths]))  # type: ignore[attr-defined]

    def read_csv(self, paths: Sequence[Path], columns: Mapping[str, str]) -> nw.LazyFrame:
        types = {"INTEGER": "INT", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE", "VARCHAR": "STRING"}
        ddl = ", ".join(f"`{name}` {types[kind]}" for name, kind in columns.items())
        reader = self.session.read.option("header", "true").schema(ddl)  # type: ignore[attr-defined]
        return nw.from_native(reader.csv([str(p) for p in paths]))

    def sql(self, query: str, tables: Mapping[str, nw.LazyFrame]) -> nw.LazyFrame:
        for name, frame in tables.items():
            nw.to_native(frame).createOrReplaceTempView(name)
        return nw.from_native(self.session.sql(query))  # type: ignore[attr-defined]

    def persist(self, frame: nw.LazyFrame) -> nw.LazyFrame:
        from pyspark import StorageLevel

        return nw.from_native(nw.to_native(frame).persist(StorageLevel.MEMORY_AND_DISK))

    def write_parquet(self, frame: nw.LazyFrame, path: Path) -> None:
        nw.to_native(frame).write.mode("overwrite").parquet(str(path))

    def close(self) -> None:
        if self.owned:
            self.session.stop()  # type: ignore[attr-defined]


__all__ = ["BadArgument", "SparkEngine", "spark_available"]
