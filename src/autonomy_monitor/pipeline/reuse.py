"""Reusing a source's core tables from the previous warehouse instead of reading its files again.

A source's tables are reused when the previous warehouse recorded them (``meta_build__steps``)
and nothing that made them has changed:

* the **input key**: sha256 over the name and sha256 of every file in the folders the source
  read (its provenance records name the files; every file of those folders counts, so a file
  added beside them also invalidates the tables);
* the **code key**: sha256 over the code and data that turn raw files into core tables (every
  module under ``sources/``, ``countries.py``, ``errors.py``, ``pipeline/warehouse.py``, the
  catalog and the country tables ``data/countr*.csv``) plus the package version.

``autonomy build --sources knomad`` reads knomad again and reuses every other source recorded
in the previous warehouse when its keys still match (otherwise that source is read again too);
``autonomy build --fresh`` reads everything. Live builds (``--live``/``--offline``) never reuse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from autonomy_monitor import __version__
from autonomy_monitor.pipeline.warehouse import InputRecord, file_sha256

PACKAGE_DIR = Path(__file__).resolve().parents[1]
CODE_PATTERNS = (
    "sources/**/*.py",
    "countries.py",
    "errors.py",
    "pipeline/warehouse.py",
    "catalog/**/*",
    "data/countr*.csv",
)
PREVIOUS = "previous"


def code_key(package_dir: Path = PACKAGE_DIR) -> str:
    """sha256 over the source-reading code and data files (see module docstring)."""
    digest = hashlib.sha256(__version__.encode())
    for path in code_files(package_dir):
        digest.update(str(path.relative_to(package_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def code_files(package_dir: Path) -> list[Path]:
    """The files behind :func:`code_key` (``CODE_PATTERNS``, bytecode caches left out)."""
    files = {p for pattern in CODE_PATTERNS for p in package_dir.glob(pattern)}
    return sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts)


def input_key(source_dir: Path, files: Iterable[str]) -> str:
    """sha256 over (relative name, sha256) of every file in the folders holding ``files``."""
    folders = sorted({Path(name).parent for name in files})
    digest = hashlib.sha256()
    for folder in folders:
        root = source_dir / folder
        if not root.is_dir():
            digest.update(f"{folder}: missing".encode())
            continue
        for path in sorted(p for p in root.iterdir() if p.is_file()):
            digest.update(f"{folder / path.name}:{file_sha256(path)}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class PreviousSource:
    """What the previous warehouse holds for one source: its tables, records and keys."""

    name: str
    tables: tuple[str, ...]
    records: tuple[InputRecord, ...]
    input_key: str
    code_key: str

    def unchanged(self, source_dir: Path, current_code_key: str) -> bool:
        return self.code_key == current_code_key and self.input_key == input_key(
            source_dir, [r.file for r in self.records]
        )


def previous_sources(path: Path) -> dict[str, PreviousSource]:
    """Sources recorded by the warehouse at ``path`` (empty when it is absent, unreadable or
    older than ``meta_build__steps``)."""
    if not path.is_file():
        return {}
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return {}
    try:
        names = {
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables"
            ).fetchall()
        }
        if not {"meta_build__steps", "meta_provenance__inputs"} <= names:
            return {}
        steps = connection.execute(
            "SELECT step, tables, input_key, code_key FROM meta_build__steps WHERE kind = 'source'"
        ).fetchall()
        provenance = connection.execute(
            "SELECT source, file, sha256, publisher, license, rows_read, rows_kept, reject_reasons "
            "FROM meta_provenance__inputs"
        ).fetchall()
    except duckdb.Error:
        return {}
    finally:
        connection.close()
    records: dict[str, list[InputRecord]] = {}
    for source, file, sha256, publisher, license_, read, kept, reasons in provenance:
        records.setdefault(source, []).append(
            InputRecord(
                source=source,
                file=file,
                sha256=sha256,
                publisher=publisher,
                license=license_,
                rows_read=int(read or 0),
                rows_kept=int(kept or 0),
                reject_reasons=json.loads(reasons or "{}"),
            )
        )
    return {
        step: PreviousSource(
            step, tuple(tables or ()), tuple(records.get(step, ())), key or "", code or ""
        )
        for step, tables, key, code in steps
        if tables and key and code
    }


def attach_previous(connection: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Attach the previous warehouse read-only as ``previous`` (to copy reused tables)."""
    quoted = str(path).replace("'", "''")
    connection.execute(f"ATTACH '{quoted}' AS {PREVIOUS} (READ_ONLY)").fetchall()


def copy_table(connection: duckdb.DuckDBPyConnection, name: str) -> int:
    """Copy table ``name`` from the attached previous warehouse; returns its row count."""
    connection.execute(
        f'CREATE TABLE main."{name}" AS SELECT * FROM {PREVIOUS}."{name}"'
    ).fetchall()
    return int(connection.execute(f'SELECT count(*) FROM main."{name}"').fetchall()[0][0])


def detach_previous(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(f"DETACH {PREVIOUS}").fetchall()
