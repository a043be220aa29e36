"""The DuckDB warehouse: atomic builds, provenance records, read-only access.

A build writes every table into ``<warehouse>.building-<pid>`` beside the target, then
moves the finished file into place with ``os.replace`` (atomic on one file system). A
failed, interrupted (Ctrl-C) or killed build therefore never touches the previous
warehouse; stale temporary files from killed builds are removed by the next build.

Provenance
----------
``meta_provenance__inputs`` has one row per input file: source, file, sha256, publisher,
license, rows_read, rows_kept, rows_rejected and the reasons for rejections.
``meta_lineage__tables`` lists every table with its row count and the sha256 of the inputs
it was built from; ``meta_build__runs`` records when and from where the build ran.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
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


@dataclass
class SourceResult:
    """What a source module hands to the build: core tables plus provenance of its inputs.

    ``checks`` holds quality tables (e.g. tally mismatches) written as ``qa_*`` tables.
    """

    tables: dict[str, pl.DataFrame]
    inputs: list[InputRecord]
    checks: dict[str, pl.DataFrame] = field(default_factory=dict)

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


def temporary_path(target: Path) -> Path:
    return target.with_name(f"{target.name}.building-{os.getpid()}")


def remove_stale_builds(target: Path) -> None:
    """Delete temporary files left by killed builds (their process no longer runs)."""
    for stale in target.parent.glob(f"{target.name}.building-*"):
        pid = stale.name.rsplit("-", 1)[-1].removesuffix(".wal")
        if pid.isdigit() and not _process_alive(int(pid)):
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
    connection = duckdb.connect(str(temp))
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


def write_table(connection: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """Create (or replace) table ``name`` from a Polars frame via Arrow."""
    arrow = frame.to_arrow()
    connection.register("_incoming", arrow)
    try:
        connection.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _incoming')
    finally:
        connection.unregister("_incoming")


def provenance_frame(records: Sequence[InputRecord]) -> pl.DataFrame:
    """The rows of ``meta_provenance__inputs`` for a list of input records."""
    return pl.DataFrame(
        {
            "source": [r.source for r in records],
            "file": [r.file for r in records],
            "sha256": [r.sha256 for r in records],
            "publisher": [r.publisher for r in records],
            "license": [r.license for r in records],
            "rows_read": [r.rows_read for r in records],
            "rows_kept": [r.rows_kept for r in records],
            "rows_rejected": [r.rows_rejected for r in records],
            "reject_reasons": [json.dumps(r.reject_reasons, sort_keys=True) for r in records],
        },
        schema_overrides={"rows_read": pl.Int64, "rows_kept": pl.Int64, "rows_rejected": pl.Int64},
    )


def lineage_frame(lineage: Mapping[str, tuple[int, list[str]]]) -> pl.DataFrame:
    """Rows of ``meta_lineage__tables``: table, rows, input sha256s (comma-separated)."""
    names = sorted(lineage)
    return pl.DataFrame(
        {
            "table_name": names,
            "rows": [lineage[n][0] for n in names],
            "input_sha256": [",".join(sorted(set(lineage[n][1]))) for n in names],
        },
        schema_overrides={"rows": pl.Int64},
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
