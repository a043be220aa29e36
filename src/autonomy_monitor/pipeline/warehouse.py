"""The DuckDB warehouse: atomic builds, provenance records, read-only access.

A build writes every table into ``<warehouse>.building-<pid>`` beside the target, then
moves the finished file into place with ``os.replace`` (atomic on one file system). A
failed, interrupted (Ctrl-C) or killed build therefore never touches the previous
warehouse; stale temporary files from killed builds are removed by the next build.

Provenance
----------
``meta_provenance__inputs`` has one row per input file: source, file, sha256, publisher,
license, rows_read, rows_kept, rows_rejected and the reasons for rejections.
``meta_lineage__tables`` lists every table with its row count, the source or derived step that
produced it (and that step's function), the tables it was computed from, and the raw files
behind it — as lists (``input_files`` and, in the same order, ``input_sha256``), transitively
for derived tables. ``meta_build__runs`` records when and from where the build ran.
``autonomy trace`` walks these records from an output row back to the raw files.
``meta_build__steps`` records what each build step cost (time, memory) and whether it was
reused from the previous warehouse.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from autonomy_monitor.errors import BadInput, WarehouseMissing


@dataclass
class InputRecord:
    """Provenance of one raw input file as read by a source module."""

    source: str
    file: str
    sha256: str
    publisher: str
    license: str
    vintage: str = ""
    rows_read: int = 0
    rows_kept: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        return sum(self.reject_reasons.values())

    def reject(self, reason: str, count: int) -> None:
        """Record ``count`` rows dropped for ``reason`` (ignored when zero)."""
        if count:
            self.reject_reasons[reason] = self.reject_reasons.get(reason, 0) + int(count)


@dataclass(frozen=True)
class TableLineage:
    """Where one table came from: its producer and the raw files behind it.

    ``producer`` is ``"source NAME"`` or ``"step NAME"``; ``function`` the dotted path of the
    function that returned the table; ``input_files[i]`` has sha256 ``input_sha256[i]``.
    """

    rows: int
    producer: str
    function: str
    input_tables: tuple[str, ...] = ()
    input_files: tuple[str, ...] = ()
    input_sha256: tuple[str, ...] = ()

    @classmethod
    def of_records(
        cls, rows: int, producer: str, function: str, records: Sequence[InputRecord]
    ) -> TableLineage:
        pairs = sorted({(r.file, r.sha256) for r in records})
        return cls(
            rows, producer, function, (), tuple(f for f, _ in pairs), tuple(h for _, h in pairs)
        )

    @classmethod
    def of_tables(
        cls, rows: int, producer: str, function: str, inputs: Mapping[str, TableLineage]
    ) -> TableLineage:
        pairs = sorted(
            {
                pair
                for lineage in inputs.values()
                for pair in zip(lineage.input_files, lineage.input_sha256)
            }
        )
        return cls(
            rows,
            producer,
            function,
            tuple(inputs),
            tuple(f for f, _ in pairs),
            tuple(h for _, h in pairs),
        )


def function_name(function: object) -> str:
    """``module.qualname`` of a function, as lineage records it."""
    module = getattr(function, "__module__", "?")
    return f"{module}.{getattr(function, '__qualname__', repr(function))}"


@dataclass
class SourceResult:
    """What a source module hands to the build: core tables plus provenance of its inputs.

    ``checks`` holds quality tables (e.g. tally mismatches) written as ``qa_*`` tables.
    ``origins`` optionally names, per table, the input files it was read from (``file`` of
    the records); tables without an entry are attributed to every input of the source.
    """

    tables: dict[str, pl.DataFrame]
    inputs: list[InputRecord]
    checks: dict[str, pl.DataFrame] = field(default_factory=dict)
    origins: dict[str, list[str]] = field(default_factory=dict)

    def inputs_of(self, table: str) -> list[InputRecord]:
        """The input records behind ``table`` (all inputs unless ``origins`` says otherwise)."""
        files = self.origins.get(table)
        return [r for r in self.inputs if files is None or r.file in files]

    def input_hashes(self) -> list[str]:
        return sorted({record.sha256 for record in self.inputs})


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def require_file(path: Path, source: str) -> Path:
    """Return ``path`` or raise BadInput naming the missing file and the source folder."""
    if not path.is_file():
        raise BadInput(
            f"{source}: input file {path} is missing; point --source-dir at the folder "
            "that holds the raw data (see docs/data.md)."
        )
    return path


# DuckDB inside the build: bounded memory (it spills to ``<temp file>.tmp``, removed after
# the build), so its buffers and the Polars frames of the running step fit in a few GB.
BUILD_CONFIG = {"memory_limit": "1500MB"}


def temporary_path(target: Path) -> Path:
    return target.with_name(f"{target.name}.building-{os.getpid()}")


def remove_stale_builds(target: Path) -> None:
    """Delete temporary files left by killed builds (their process no longer runs)."""
    for stale in target.parent.glob(f"{target.name}.building-*"):
        pid = stale.name.rsplit("-", 1)[-1].removesuffix(".wal").removesuffix(".tmp")
        if pid.isdigit() and not _process_alive(int(pid)):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def atomic_build(target: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh temporary database; move it onto ``target`` on success.

    On any exception (KeyboardInterrupt included) the temporary file is deleted and the
    previous warehouse at ``target`` is left exactly as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(target)
    temp = temporary_path(target)
    temp.unlink(missing_ok=True)
    connection = duckdb.connect(str(temp), config=BUILD_CONFIG)
    try:
        yield connection
        connection.execute("CHECKPOINT")
        connection.close()
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(Exception):
            connection.close()
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(f"{temp}.tmp", ignore_errors=True)


def write_table(
    connection: duckdb.DuckDBPyConnection,
    name: str,
    frame: pl.DataFrame,
    *,
    temporary: bool = False,
) -> None:
    """Create (or replace) table ``name`` from a Polars frame via Arrow.

    ``temporary``: a staging table that lives only for this connection (DuckDB keeps it in
    memory, spilling to its temp directory) and is never stored in the warehouse file; used
    for tables that end up as views on a larger table (``out_dependence__<dimension>``).
    """
    arrow = frame.to_arrow()
    connection.register("_incoming", arrow)
    kind = "TEMP TABLE" if temporary else "TABLE"
    try:
        connection.execute(
            f'CREATE OR REPLACE {kind} "{name}" AS SELECT * FROM _incoming'
        ).fetchall()
    finally:
        connection.unregister("_incoming")


def slice_view(
    connection: duckdb.DuckDBPyConnection, name: str, table: str, column: str, value: str
) -> None:
    """Replace (staging) table ``name`` by a view on ``table`` where ``column = value``."""
    connection.execute(f'DROP TABLE IF EXISTS temp."{name}"').fetchall()
    literal = value.replace("'", "''")
    connection.execute(
        f'CREATE OR REPLACE VIEW main."{name}" AS '
        f'SELECT * FROM "{table}" WHERE "{column}" = \'{literal}\''
    ).fetchall()


def provenance_frame(records: Sequence[InputRecord]) -> pl.DataFrame:
    """The rows of ``meta_provenance__inputs`` for a list of input records."""
    return pl.DataFrame(
        {
            "source": [r.source for r in records],
            "file": [r.file for r in records],
            "sha256": [r.sha256 for r in records],
            "publisher": [r.publisher for r in records],
            "license": [r.license for r in records],
            "vintage": [r.vintage for r in records],
            "rows_read": [r.rows_read for r in records],
            "rows_kept": [r.rows_kept for r in records],
            "rows_rejected": [r.rows_rejected for r in records],
            "reject_reasons": [json.dumps(r.reject_reasons, sort_keys=True) for r in records],
        },
        schema={
            **{
                c: pl.String
                for c in ("source", "file", "sha256", "publisher", "license", "vintage")
            },
            "rows_read": pl.Int64,
            "rows_kept": pl.Int64,
            "rows_rejected": pl.Int64,
            "reject_reasons": pl.String,
        },
    )


def lineage_frame(lineage: Mapping[str, TableLineage]) -> pl.DataFrame:
    """Rows of ``meta_lineage__tables``: one per table, inputs as lists (see the module doc)."""
    names = sorted(lineage)
    strings = pl.List(pl.String)
    return pl.DataFrame(
        {
            "table_name": names,
            "rows": [lineage[n].rows for n in names],
            "producer": [lineage[n].producer for n in names],
            "function": [lineage[n].function for n in names],
            "input_tables": [list(lineage[n].input_tables) for n in names],
            "input_files": [list(lineage[n].input_files) for n in names],
            "input_sha256": [list(lineage[n].input_sha256) for n in names],
        },
        schema={
            "table_name": pl.String,
            "rows": pl.Int64,
            "producer": pl.String,
            "function": pl.String,
            "input_tables": strings,
            "input_files": strings,
            "input_sha256": strings,
        },
    )


def build_run_frame(source_dir: str, version: str, engine: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "built_at": [dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()],
            "source_dir": [source_dir],
            "package_version": [version],
            "engine": [engine],
        }
    )


STEP_SCHEMA = {
    "position": pl.Int32,
    "step": pl.String,
    "kind": pl.String,
    "seconds": pl.Float64,
    "write_seconds": pl.Float64,
    "rss_end_mb": pl.Float64,
    "peak_rss_mb": pl.Float64,
    "rows": pl.Int64,
    "tables": pl.List(pl.String),
    "reused": pl.Boolean,
    "note": pl.String,
    "input_key": pl.String,
    "code_key": pl.String,
}


def steps_frame(rows: Sequence[Mapping[str, object]]) -> pl.DataFrame:
    """Rows of ``meta_build__steps``: per build step its wall time (seconds, of which writing),
    RSS at its end and peak RSS while it ran (MB), rows and tables written, whether the tables
    were reused from the previous warehouse, and (sources) the input and code keys of
    ``pipeline/reuse.py``."""
    return pl.DataFrame(
        [{name: row.get(name) for name in STEP_SCHEMA} for row in rows], schema=STEP_SCHEMA
    )


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the built warehouse read-only; raise WarehouseMissing if there is none."""
    if not path.is_file():
        raise WarehouseMissing(
            f"No warehouse at {path}: run `autonomy build` first (or `autonomy build "
            "--source-dir DIR` to build from the raw files)."
        )
    return duckdb.connect(str(path), read_only=True)


def connect_bundled(snapshot_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per Parquet file of the bundled snapshot."""
    files = sorted(snapshot_dir.glob("*.parquet"))
    if not files:
        raise WarehouseMissing(
            f"No warehouse has been built and the bundled snapshot at {snapshot_dir} is empty: "
            "run `autonomy build --source-dir DIR`."
        )
    connection = duckdb.connect(":memory:")
    for file in files:
        path = str(file).replace("'", "''")
        connection.execute(f"CREATE VIEW \"{file.stem}\" AS SELECT * FROM read_parquet('{path}')")
    return connection


def table_names(connection: duckdb.DuckDBPyConnection) -> list[str]:
    rows = connection.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]
