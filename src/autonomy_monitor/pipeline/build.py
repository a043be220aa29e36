"""The build pipeline: sources -> core tables -> derived tables -> one atomic warehouse file.

Steps are declared in two immutable registries:

* ``SOURCE_STEPS``: each reads raw files under the source directory and returns a
  :class:`~autonomy_monitor.pipeline.warehouse.SourceResult` (core tables + provenance records);
* ``DERIVED_STEPS``: each computes output tables from tables already built (pure functions
  of frames, so they can be tested without a warehouse).

Contracts: every table is validated against its contract (``catalog/tables/<name>.yaml``,
:func:`autonomy_monitor.catalog.contracts.validate`) as soon as its producer returns it, one
frame at a time, so a bad input fails the build before anything is written.

Lineage (:class:`~autonomy_monitor.pipeline.warehouse.TableLineage`): a source table records
its input files and their sha256; a derived table its step's function, the tables it read
and every raw file behind them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from autonomy_monitor import __version__
from autonomy_monitor.catalog import contracts
from autonomy_monitor.pipeline import fetch, warehouse
from autonomy_monitor.errors import BadArgument
from autonomy_monitor.settings import Settings
from autonomy_monitor.sources.unga import bulk as unga_bulk
from autonomy_monitor.sources.aiddata import bulk as aiddata_bulk
from autonomy_monitor.sources.energy import bulk as energy_bulk
from autonomy_monitor.sources.governance import bulk as governance_bulk
from autonomy_monitor.sources.japan_residents import bulk as japan_residents_bulk
from autonomy_monitor.sources.knomad import bulk as knomad_bulk
from autonomy_monitor.sources.abel import bulk as abel_bulk
from autonomy_monitor.sources.remittances_by_sender import bulk as remittances_by_sender_bulk
from autonomy_monitor.sources.oecd import bulk as oecd_bulk
from autonomy_monitor.sources.undesa import bulk as undesa_bulk
from autonomy_monitor.sources.wdi import bulk as wdi_bulk
from autonomy_monitor.sources.imf import bulk as imf_bulk
from autonomy_monitor.sources.trade_recent import bulk as trade_recent_bulk
from autonomy_monitor.pipeline.steps import alignment_step
from autonomy_monitor.compute import Engine, get_engine
from autonomy_monitor.pipeline.steps import products_step
from autonomy_monitor.pipeline.steps import trade_step
from autonomy_monitor.pipeline.steps import idealpoints_step
from autonomy_monitor.pipeline.steps import index_step
from autonomy_monitor.pipeline.steps import aid_step, dependence_step, energy_step, governance_step, migration_step, remittances_step

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SourceStep:
    """A source: ``load(source_dir)`` returns its core tables and input provenance."""

    name: str
    load: Callable[[Path], warehouse.SourceResult]
    function: str = ""

    @property
    def function_name(self) -> str:
        return self.function or warehouse.function_name(self.load)


@dataclass(frozen=True)
class DerivedStep:
    """Output tables computed by ``compute(tables)`` from the tables named in ``needs``."""

    name: str
    needs: tuple[str, ...]
    compute: Callable[[Mapping[str, pl.DataFrame]], dict[str, pl.DataFrame]]
    reads_prefix: str = ""
    optional: tuple[str, ...] = ()

    def inputs(self, available: Mapping[str, object]) -> list[str]:
        """Tables this step reads: its needs, plus optional tables and those with ``reads_prefix`` when built."""
        prefixed = [n for n in available if self.reads_prefix and n.startswith(self.reads_prefix)]
        present = [n for n in self.optional if n in available]
        return [*self.needs, *present, *sorted(prefixed)]


SOURCE_STEPS: tuple[SourceStep, ...] = (
    SourceStep("unga", unga_bulk.load),
    SourceStep("wdi", wdi_bulk.load),
    SourceStep("undesa", undesa_bulk.load),
    SourceStep("knomad", knomad_bulk.load),
    SourceStep("abel", abel_bulk.load),
    SourceStep("remittances_by_sender", remittances_by_sender_bulk.load),
    SourceStep("oecd", oecd_bulk.load),
    SourceStep("aiddata", aiddata_bulk.load),
    SourceStep("energy", energy_bulk.load),
    SourceStep("governance", governance_bulk.load),
    SourceStep("japan_residents", japan_residents_bulk.load),
    SourceStep("imf", imf_bulk.load),
    SourceStep("trade_recent", trade_recent_bulk.load),
)

DERIVED_STEPS: tuple[DerivedStep, ...] = (
    DerivedStep(
        "alignment",
        ("core_unga__roll_calls", "core_unga__votes"),
        alignment_step.compute,
        optional=(alignment_step.PRESS_TABLE,),
    ),
    DerivedStep("idealpoints", idealpoints_step.NEEDS, idealpoints_step.compute),
    DerivedStep("remittances", remittances_step.NEEDS, remittances_step.compute, optional=remittances_step.OPTIONAL),
    DerivedStep("migration", migration_step.NEEDS, migration_step.compute),
    DerivedStep("japan_residents", migration_step.JAPAN_NEEDS, migration_step.compute_japan),
    DerivedStep("aid", aid_step.AID_NEEDS, aid_step.compute_aid),
    DerivedStep("finance", aid_step.FINANCE_NEEDS, aid_step.compute_finance),
    DerivedStep("energy", energy_step.NEEDS, energy_step.compute),
    DerivedStep("governance", governance_step.NEEDS, governance_step.compute),
    DerivedStep("trade", trade_step.NEEDS, trade_step.compute, optional=("core_wdi__yearly_indicators",)),
    # keep LAST: unions every out_dependence__<dimension> table built before it (needs=()).
    DerivedStep("dependence", (), dependence_step.compute, reads_prefix="out_dependence__"),
    # after the union: the composite index's components against the default powers
    DerivedStep("index", index_step.NEEDS, index_step.compute, optional=index_step.OPTIONAL),
)


# Steps that can run their relational indicators on another engine (`autonomy build --engine spark`).
ENGINE_COMPUTE: dict[str, Callable[[Engine | None], Callable[[Mapping[str, pl.DataFrame]], dict[str, pl.DataFrame]]]] = {
    "trade": trade_step.compute_with,
    "dependence": dependence_step.compute_with,
}


def source_names() -> list[str]:
    return [step.name for step in SOURCE_STEPS]


def select_sources(names: Sequence[str] | None) -> tuple[SourceStep, ...]:
    """The source steps to run: all by default, else the named ones (unknown names fail)."""
    if not names:
        return SOURCE_STEPS
    unknown = sorted(set(names) - set(source_names()))
    if unknown:
        raise BadArgument(
            f"Unknown source(s) {', '.join(unknown)}: choose from {', '.join(source_names())}."
        )
    return tuple(step for step in SOURCE_STEPS if step.name in names)


@dataclass
class BuildState:
    """Tables, provenance and lineage accumulated while a build runs."""

    tables: dict[str, pl.DataFrame]
    checks: dict[str, pl.DataFrame]
    records: list[warehouse.InputRecord]
    lineage: dict[str, warehouse.TableLineage]


def run_sources(source_dir: Path, steps: Sequence[SourceStep], progress: Progress) -> BuildState:
    state = BuildState({}, {}, [], {})
    for step in steps:
        progress(f"reading {step.name}")
        result = step.load(source_dir)
        for name, frame in {**result.tables, **result.checks}.items():
            inputs = result.inputs_of(name)
            contracts.validate(name, frame, origin=[record.file for record in inputs])
            state.lineage[name] = warehouse.TableLineage.of_records(
                frame.height, f"source {step.name}", step.function_name, inputs)
        state.tables.update(result.tables)
        state.checks.update(result.checks)
        state.records.extend(result.inputs)
    return state


def run_derived(state: BuildState, progress: Progress, engine: Engine | None = None) -> None:
    for step in DERIVED_STEPS:
        if not all(name in state.tables for name in step.needs):
            continue
        progress(f"computing {step.name}" + (f" on {engine.name}" if engine and step.name in ENGINE_COMPUTE else ""))
        compute = ENGINE_COMPUTE[step.name](engine) if engine and step.name in ENGINE_COMPUTE else step.compute
        outputs = compute(state.tables)
        inputs = {name: state.lineage[name] for name in step.inputs(state.tables)}
        for name, frame in outputs.items():
            contracts.validate(name, frame, origin=f"step {step.name}")
            state.lineage[name] = warehouse.TableLineage.of_tables(
                frame.height, f"step {step.name}", warehouse.function_name(step.compute), inputs)
        state.tables.update(outputs)


def live_steps(settings: Settings, names: Sequence[str]) -> tuple[SourceStep, ...]:
    """Source steps that read the latest stored fetch of each live source (no network)."""
    return tuple(
        SourceStep(name, lambda _dir, name=name: fetch.load_live(settings, name),
                   function=f"{warehouse.function_name(fetch.connector(name).parse)} (latest stored fetch)")
        for name in names
    )


def build_warehouse(
    settings: Settings,
    source_dir: Path | None,
    *,
    sources: Sequence[str] | None = None,
    progress: Progress = lambda _message: None,
    live: bool = False,
    spark_master: str | None = None,
    baci_dir: Path | None = None,
) -> Path:
    """Build every selected source and derived table into ``settings.warehouse`` atomically.

    ``live=True`` reads the snapshot store (filled by ``autonomy fetch``) instead of bulk
    files under ``source_dir``. ``settings.engine == "spark"`` runs the relational indicators
    (ENGINE_COMPUTE) on Spark (``spark_master``, default local[*]); ``baci_dir`` adds the
    product-level tables (``steps/products_step.py``) computed on that engine (DuckDB
    streaming by default).
    """
    if live:
        steps = live_steps(settings, fetch.parse_sources(sources))
        source_dir = settings.snapshot_store
    else:
        steps = select_sources(sources)
        if source_dir is None or not source_dir.is_dir():
            raise BadArgument(
                f"Source directory {source_dir} does not exist: pass --source-dir DIR "
                "(the folder holding unga_votes/, trade/, wdi/ ...) or set AUTONOMY_SHARED_DATA."
            )
    engine = get_engine(settings.engine, spark_master) if settings.engine != "duckdb" else None
    work_dir = settings.warehouse.parent / f".{settings.warehouse.name}.products"
    products = None
    try:
        state = run_sources(source_dir, steps, progress)
        run_derived(state, progress, engine)
        if baci_dir is not None:
            products = products_step.run_for_build(engine, baci_dir, work_dir, progress)
            state.records.extend(products[1])
    finally:
        if engine is not None:
            engine.close()
    progress("writing warehouse")
    with warehouse.atomic_build(settings.warehouse) as connection:
        for name, frame in sorted({**state.tables, **state.checks}.items()):
            warehouse.write_table(connection, name, frame)
        warehouse.write_table(connection, "meta_provenance__inputs", warehouse.provenance_frame(state.records))
        warehouse.write_table(connection, "meta_lineage__tables", warehouse.lineage_frame(state.lineage))
        warehouse.write_table(
            connection,
            "meta_build__runs",
            warehouse.build_run_frame(str(source_dir.resolve()), __version__, settings.engine),
        )
        if "out_alignment__yearly_vote_agreement_wide" in state.tables:
            connection.execute(alignment_step.LONG_VIEW_SQL)
        if products is not None:
            counts = products_step.load_into(connection, products[0])
            function = warehouse.function_name(products_step.run_for_build)
            lineage = {**state.lineage, **{name: warehouse.TableLineage.of_records(rows, "step products", function, products[1])
                                           for name, rows in counts.items()}}
            warehouse.write_table(connection, "meta_lineage__tables", warehouse.lineage_frame(lineage))
    if products is not None:
        import shutil

        shutil.rmtree(work_dir, ignore_errors=True)
    return settings.warehouse
