"""Fetch live official sources into the snapshot store, and read them back as core tables.

``fetch_sources`` is what ``autonomy fetch`` and ``autonomy build --live`` call; ``load_live``
turns the latest complete fetch of one source into a ``warehouse.SourceResult`` (core tables
plus the sha256 of every snapshot read), the same shape the bulk parsers hand to the build.

A source's fetch is complete when every file is stored and its stored files parse into the
core schema; only then is its manifest written, so a failed or interrupted fetch leaves the
previous snapshot in force and the warehouse untouched.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from types import ModuleType

import polars as pl

from autonomy_monitor.catalog import SourceEntry, contracts, load_source
from autonomy_monitor.errors import BadArgument, SnapshotsMissing
from autonomy_monitor.settings import Settings
from autonomy_monitor.sources import LIVE_SOURCES
from autonomy_monitor.pipeline.rawstore import Manifest, RawStore, client_version, describe_store
from autonomy_monitor.sources.client import HttpClient
from autonomy_monitor.pipeline.warehouse import SourceResult
from autonomy_monitor.sources.live_common import snapshot_inputs

ALIASES = {"unvotes": "unga"}  # the name for the UN votes source

Progress = Callable[[str], None]


def parse_sources(text: str | Sequence[str] | None) -> list[str]:
    """Source names from ``--source wdi,imf`` (all live sources when empty), validated."""
    if not text:
        return list(LIVE_SOURCES)
    items = text.split(",") if isinstance(text, str) else list(text)
    names = [ALIASES.get(i.strip().lower(), i.strip().lower()) for i in items if i.strip()]
    unknown = sorted(set(names) - set(LIVE_SOURCES))
    if unknown:
        raise BadArgument(
            f"unknown live source(s) {', '.join(unknown)}: choose from "
            f"{', '.join(LIVE_SOURCES)} (unvotes is accepted for unga)."
        )
    return list(dict.fromkeys(names))


def connector(name: str) -> ModuleType:
    return importlib.import_module(f"autonomy_monitor.sources.{name}.live")


def make_client(entries: Sequence[SourceEntry], **kwargs) -> HttpClient:
    """The shared HTTP client with each publisher host's rate limit from the catalog."""
    limits = {entry.host: entry.requests_per_second for entry in entries}
    return HttpClient(rate_limits=limits, **kwargs)


def fetch_sources(
    settings: Settings,
    sources: str | Sequence[str] | None = None,
    since: int | None = None,
    offline: bool = False,
    *,
    client: HttpClient | None = None,
    progress: Progress | None = None,
) -> list[Manifest]:
    """Fetch the named sources (all by default) and return their new manifests.

    With ``offline`` (or ``settings.offline``) nothing is fetched: the stored manifests are
    returned, and ``SnapshotsMissing`` names every source that has none.
    Raises ``SourceUnreachable`` (one sentence naming the host) when the network is cut.
    """
    names = parse_sources(sources)
    store = RawStore.from_settings(settings)
    if offline or settings.offline:
        return stored_manifests(store, names)
    entries = [load_source(name) for name in names]
    own_client = client is None
    client = client or make_client(entries)
    try:
        return [_fetch_one(client, store, entry, since, progress) for entry in entries]
    finally:
        if own_client:
            client.close()


def _fetch_one(
    client: HttpClient,
    store: RawStore,
    entry: SourceEntry,
    since: int | None,
    progress: Progress | None,
) -> Manifest:
    if progress:
        progress(f"fetching {entry.name} from {entry.host}")
    module = connector(entry.name)
    outcome = module.fetch(client, store, entry, since)
    manifest = Manifest(
        source=entry.name,
        fetched_at=max(r.fetched_at for r in outcome.records),
        vintage=outcome.vintage,
        since=since,
        client_version=client_version(),
        records=outcome.records,
    )
    # a fetch that cannot be parsed into its tables' contracts is not recorded
    for table, frame in module.parse(store, manifest, entry).items():
        contracts.validate(table, frame, origin=[record.url for record in outcome.records])
    store.write_manifest(manifest)
    return manifest


def stored_manifests(store: RawStore, names: Sequence[str]) -> list[Manifest]:
    """The latest complete fetch of each source; SnapshotsMissing lists those never fetched."""
    found = {name: store.latest(name) for name in names}
    missing = [name for name, manifest in found.items() if manifest is None]
    if missing:
        raise SnapshotsMissing(
            f"--offline: the snapshot store {store.root} has nothing for {', '.join(missing)}; "
            f"run `autonomy fetch --source {','.join(missing)}` where the network is available, "
            "or build from bulk files with --source-dir."
        )
    return [found[name] for name in names]  # type: ignore[misc]


def load_live(settings: Settings, name: str) -> SourceResult:
    """Core tables of one source from its latest stored fetch, with the snapshots' provenance
    (one input row per stored file; the connector counts its rejects on them)."""
    store = RawStore.from_settings(settings)
    (manifest,) = stored_manifests(store, [name])
    entry = load_source(name)
    inputs = snapshot_inputs(manifest, entry)
    tables = connector(name).parse(store, manifest, entry, inputs)
    return SourceResult(tables=tables, inputs=list(inputs.values()))


def status(settings: Settings) -> pl.DataFrame:
    """``describe_store`` with a row for every live source (nulls where nothing is stored)."""
    return describe_store(settings, sources=LIVE_SOURCES)
