"""Content-addressed store of raw inputs, each with a provenance sidecar.

Layout under ``Settings.snapshot_store``::

    objects/ab/<sha256>          the raw bytes, exactly as received
    objects/ab/<sha256>.json     sidecar: url, parameters, time, status, size, hash, client version
    runs/<source>/<stamp>.json   manifest of one complete fetch of a source (which objects)
    tmp/                         downloads in progress; never read by builds

Builds read only objects listed in a manifest. A manifest is written last, after every file of
the fetch is stored, so an interrupted fetch leaves the previous manifest in force. Every file
is written to ``tmp/`` first and moved into place with ``os.replace``, so a download cut off
halfway leaves no partial snapshot.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict

from autonomy_monitor.errors import BadInput
from autonomy_monitor.settings import Settings

CHUNK = 1 << 20


def client_version() -> str:
    """The installed version of this package, recorded in every sidecar."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("autonomy-monitor")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class RawRecord(BaseModel):
    """Provenance of one stored file (the sidecar)."""

    model_config = ConfigDict(frozen=True)

    source: str
    resource: str
    url: str
    params: dict[str, Any]
    fetched_at: dt.datetime
    status: int
    size: int
    sha256: str
    media_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    client_version: str


class Manifest(BaseModel):
    """One complete fetch of one source: the records a build reads."""

    model_config = ConfigDict(frozen=True)

    source: str
    fetched_at: dt.datetime
    vintage: str
    since: int | None = None
    client_version: str
    records: list[RawRecord]

    @property
    def size(self) -> int:
        return sum(r.size for r in self.records)

    def record(self, resource: str) -> RawRecord:
        """The record of ``resource``; BadInput naming the manifest if absent."""
        for rec in self.records:
            if rec.resource == resource:
                return rec
        raise BadInput(
            f"the stored {self.source} fetch of {self.fetched_at:%Y-%m-%d %H:%M} has no "
            f"{resource!r} file; run `autonomy fetch --source {self.source}` again."
        )


@dataclass
class PendingObject:
    """A file being written to ``tmp/``; hashed as it is written."""

    path: Path
    digest: Any = field(default_factory=hashlib.sha256)
    size: int = 0

    def write(self, chunk: bytes) -> None:
        with self.path.open("ab") as fh:
            fh.write(chunk)
        self.digest.update(chunk)
        self.size += len(chunk)


class RawStore:
    """The snapshot store rooted at one folder (``Settings.snapshot_store``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def from_settings(cls, settings: Settings) -> RawStore:
        return cls(settings.snapshot_store)

    # --- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def pending(self) -> Iterator[PendingObject]:
        """A temporary file for one download; removed on exit unless it was committed."""
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="download-", suffix=".part")
        os.close(fd)
        pending = PendingObject(Path(name))
        try:
            yield pending
        finally:
            pending.path.unlink(missing_ok=True)

    def commit(self, pending: PendingObject, **provenance: Any) -> RawRecord:
        """Move a finished download into ``objects/`` and write its sidecar."""
        sha = pending.digest.hexdigest()
        target = self.object_path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        _fsync(pending.path)
        os.replace(pending.path, target)
        record = RawRecord(
            sha256=sha, size=pending.size, client_version=client_version(), **provenance
        )
        _atomic_write_text(self.sidecar_path(sha), record.model_dump_json(indent=2))
        return record

    def put_bytes(self, data: bytes, **provenance: Any) -> RawRecord:
        """Store ``data`` (already in memory) with its provenance."""
        with self.pending() as pending:
            pending.write(data)
            return self.commit(pending, **provenance)

    def write_manifest(self, manifest: Manifest) -> Path:
        """Record a complete fetch; from now on builds read these records for the source."""
        folder = self.root / "runs" / manifest.source
        folder.mkdir(parents=True, exist_ok=True)
        stamp = manifest.fetched_at.strftime("%Y%m%dT%H%M%SZ")
        path = _unique_path(folder, stamp, ".json")
        _atomic_write_text(path, manifest.model_dump_json(indent=2))
        return path

    # --- reading ---------------------------------------------------------------------------

    def object_path(self, sha: str) -> Path:
        return self.root / "objects" / sha[:2] / sha

    def sidecar_path(self, sha: str) -> Path:
        return self.root / "objects" / sha[:2] / f"{sha}.json"

    def open_verified(self, record: RawRecord) -> Path:
        """Path of a stored file after checking that its bytes still match its hash."""
        path = self.object_path(record.sha256)
        if not path.is_file():
            raise BadInput(
                f"snapshot {record.sha256[:12]} ({record.source} {record.resource}) is missing "
                f"from {self.root}; run `autonomy fetch --source {record.source}`."
            )
        if _sha256_of(path) != record.sha256:
            raise BadInput(
                f"snapshot {path} does not match its sha256 (the file was changed or damaged); "
                f"delete it and run `autonomy fetch --source {record.source}`."
            )
        return path

    def manifests(self, source: str) -> list[Manifest]:
        """Every complete fetch of ``source``, oldest first."""
        folder = self.root / "runs" / source
        if not folder.is_dir():
            return []
        paths = sorted(folder.glob("*.json"))
        return [Manifest.model_validate_json(p.read_text(encoding="utf-8")) for p in paths]

    def latest(self, source: str) -> Manifest | None:
        """The most recent complete fetch of ``source``, or None if it was never fetched."""
        found = self.manifests(source)
        return found[-1] if found else None

    def sources(self) -> list[str]:
        """Sources with at least one complete fetch, sorted."""
        runs = self.root / "runs"
        if not runs.is_dir():
            return []
        return sorted(p.name for p in runs.iterdir() if p.is_dir() and any(p.glob("*.json")))

    def previous_record(self, source: str, resource: str) -> RawRecord | None:
        """The latest stored record of one resource (for conditional requests)."""
        latest = self.latest(source)
        if latest is None:
            return None
        return next((r for r in latest.records if r.resource == resource), None)


STATUS_SCHEMA = {
    "source": pl.String,
    "vintage": pl.String,
    "fetched_at": pl.Datetime("us", "UTC"),
    "age_days": pl.Float64,
    "files": pl.Int64,
    "bytes": pl.Int64,
}


def describe_store(
    settings: Settings, sources: Iterable[str] | None = None, now: dt.datetime | None = None
) -> pl.DataFrame:
    """One row per source: vintage, time of the latest complete fetch, its age, files, bytes.

    With ``sources`` given, every named source gets a row, with nulls where nothing is stored.
    """
    store = RawStore.from_settings(settings)
    names = sorted(set(sources)) if sources is not None else store.sources()
    now = now or utc_now()
    rows = [_status_row(name, store.latest(name), now) for name in names]
    return pl.DataFrame(rows, schema=STATUS_SCHEMA, orient="row")


def _status_row(name: str, manifest: Manifest | None, now: dt.datetime) -> tuple:
    if manifest is None:
        return (name, None, None, None, 0, 0)
    age = round((now - manifest.fetched_at).total_seconds() / 86400, 1)
    return (name, manifest.vintage, manifest.fetched_at, age, len(manifest.records), manifest.size)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _unique_path(folder: Path, stem: str, suffix: str) -> Path:
    n = 0
    while (folder / f"{stem}-{n:02d}{suffix}").exists():
        n += 1
    return folder / f"{stem}-{n:02d}{suffix}"
