"""Build and status: what the warehouse holds and where every table came from.

The pipeline modules (sources, HTTP client, build steps) are imported inside the functions
that run them, so ``autonomy --help`` and the lookups do not load them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from autonomy_monitor.api.reader import has_table, query, store_label
from autonomy_monitor.errors import BadArgument
from autonomy_monitor.settings import Settings

if TYPE_CHECKING:
    import polars as pl


def build(
    source_dir: Path | None = None,
    *,
    sources: Sequence[str] | None = None,
    settings: Settings | None = None,
    progress: Callable[[str], None] = lambda _message: None,
    live: bool = False,
    offline: bool = False,
    since: int | None = None,
    engine: str | None = None,
    spark_master: str | None = None,
    baci_dir: Path | None = None,
    fresh: bool = False,
) -> Path:
    """Build the warehouse from raw bulk files (default: ``settings.shared_data``).

    ``engine`` (duckdb or spark) overrides ``settings.engine``; ``spark_master`` is the Spark
    master URL; ``baci_dir`` adds the product-level (HS6) tables from BACI/Comtrade files.

    ``live``: first fetch the live sources into the snapshot store (skipped with
    ``offline``, which uses what is stored and says what is missing), then build from it.
    A bulk build copies unchanged sources from the previous warehouse unless ``fresh``.
    """
    from autonomy_monitor.pipeline import build as build_pipeline
    from autonomy_monitor.pipeline import fetch

    settings = settings or Settings()
    if engine is not None:
        settings = settings.model_copy(update={"engine": check_engine(engine)})
    if spark_master and settings.engine != "spark":
        raise BadArgument(
            "--spark-master only applies to --engine spark: drop it or add --engine spark."
        )
    extra = {"spark_master": spark_master, "baci_dir": baci_dir}
    if live or offline:
        fetch.fetch_sources(settings, sources, since, offline, progress=progress)
        return build_pipeline.build_warehouse(
            settings, None, sources=sources, progress=progress, live=True, **extra
        )
    return build_pipeline.build_warehouse(
        settings,
        source_dir or settings.shared_data,
        sources=sources,
        progress=progress,
        fresh=fresh,
        **extra,
    )


def check_engine(name: str) -> str:
    if name not in ("duckdb", "spark"):
        raise BadArgument(f"Unknown engine {name!r}: choose duckdb (default) or spark.")
    return name


def fetch_sources(
    sources: str | Sequence[str] | None = None,
    *,
    since: int | None = None,
    offline: bool = False,
    settings: Settings | None = None,
    progress: Callable[[str], None] | None = None,
) -> list:
    """Fetch live sources into the snapshot store (see ``autonomy_monitor.pipeline.fetch``)."""
    from autonomy_monitor.pipeline import fetch

    return fetch.fetch_sources(settings or Settings(), sources, since, offline, progress=progress)


def snapshot_store_status(settings: Settings | None = None) -> pl.DataFrame:
    """Each live source's stored vintage, fetch time and age (nulls where nothing is stored)."""
    from autonomy_monitor.pipeline import fetch

    return fetch.status(settings or Settings())


def write_snapshot(target: Path | None = None, *, settings: Settings | None = None) -> dict:
    """Export the bundled snapshot's tables from the built warehouse (see
    ``pipeline/bundle.py``)."""
    from autonomy_monitor.pipeline import bundle

    settings = settings or Settings()
    return bundle.write_snapshot(settings.warehouse, target or settings.bundled_snapshot)


def source_names() -> list[str]:
    from autonomy_monitor.pipeline import build as build_pipeline

    return build_pipeline.source_names()


def provenance(settings: Settings | None = None) -> pl.DataFrame:
    """One row per input file: sha256, publisher, license, rows read/kept/rejected, reasons."""
    settings = settings or Settings()
    return query(settings, "SELECT * FROM meta_provenance__inputs ORDER BY source, file")


def lineage(settings: Settings | None = None) -> pl.DataFrame:
    """Every table with its row count and the sha256 of the inputs behind it."""
    settings = settings or Settings()
    return query(settings, "SELECT * FROM meta_lineage__tables ORDER BY table_name")


def build_runs(settings: Settings | None = None) -> pl.DataFrame:
    settings = settings or Settings()
    return query(settings, "SELECT * FROM meta_build__runs")


def build_steps(settings: Settings | None = None) -> pl.DataFrame:
    """Per build step: seconds (of which writing), RSS at its end and its peak (GB), rows,
    whether it was reused; empty for warehouses built before ``meta_build__steps`` existed."""
    settings = settings or Settings()
    if not has_table(settings, "meta_build__steps"):
        return pl.DataFrame()
    return query(
        settings,
        """SELECT position, kind, step, round(seconds, 1) AS seconds,
                  round(write_seconds, 1) AS write_seconds,
                  round(rss_end_mb / 1024, 2) AS rss_end_gb,
                  round(peak_rss_mb / 1024, 2) AS peak_rss_gb, rows, reused
           FROM meta_build__steps ORDER BY position""",
    )


def tally_mismatches(settings: Settings | None = None) -> pl.DataFrame:
    """Roll calls whose stored votes do not reproduce the official tally."""
    settings = settings or Settings()
    if not has_table(settings, "qa_unga__tally_mismatches"):
        import polars as pl

        return pl.DataFrame()
    return query(settings, "SELECT * FROM qa_unga__tally_mismatches ORDER BY roll_call_id")


def describe_store(settings: Settings | None = None) -> str:
    return store_label(settings or Settings())


def store_kind(settings: Settings | None = None) -> str:
    """'warehouse' when queries read the built warehouse, 'snapshot' when they read the bundled
    snapshot."""
    return "warehouse" if (settings or Settings()).warehouse.is_file() else "snapshot"


def source_releases() -> dict[str, str]:
    """Release (vintage) note of each source, by the name provenance records use.

    A source read from bulk files may have its own catalog entry beside the live one
    (``unga_bulk``, ``imf_dots``); its release is the one that describes the files.
    """
    from autonomy_monitor.catalog import load_source, source_names as catalog_names

    names = catalog_names()
    releases = {}
    for name in names:
        release = load_source(name).release
        base = name.split("_")[0] if "_" in name and name.split("_")[0] in names else name
        if base == name and name in releases:
            continue
        if base != name and release.strip().lower() != "rolling":
            releases[base] = release
        releases.setdefault(name, release)
    return releases
