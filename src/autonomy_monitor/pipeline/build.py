"""The build pipeline: sources -> core tables -> derived tables -> one atomic warehouse file.

Steps are declared in two immutable registries:

* ``SOURCE_STEPS``: each reads raw files under the source directory and returns a
  :class:`~autonomy_monitor.pipeline.warehouse.SourceResult` (core tables + provenance records);
* ``DERIVED_STEPS``: each computes output tables from tables already built (pure functions
  of frames, so they can be tested without a warehouse).

How a build runs (memory stays bounded: no step sees more than its own inputs and outputs):

* the temporary warehouse file is opened first; every table is written as soon as its step
  returns it (one ``warehouse.write_table`` call per frame) and dropped from memory once no
  pending step needs it (:class:`BuildTables`);
* a derived step runs as soon as the tables it needs (and its optional ones, unless no source
  is left to make them) exist, so the UN vote tables are released before trade is read;
* the rows of the ``out_dependence__<dimension>`` tables are appended to
  ``out_dependence__yearly`` as each step returns them (the trade step's 14 million in parts,
  each written and released before the next is made: ``DerivedStep.stream``); after the last
  step the union is validated in DuckDB (``dependence_step.finish``) and each dimension table
  becomes a view on it (stored once, not twice);
* a step reading a large table it needs only a slice of (the index: 0.2 of the 17 million
  dependence rows) declares that slice (``DerivedStep.reads``) and the build queries only it;
* a source whose inputs and code are unchanged since the previous warehouse is copied from
  it instead of being read again (``pipeline/reuse.py``; ``--fresh`` turns this off);
* each step's wall time and memory are reported through ``progress`` and stored in
  ``meta_build__steps`` (``pipeline/resources.py``).

Contracts: every table is validated against its contract (``catalog/tables/<name>.yaml``,
:func:`autonomy_monitor.catalog.contracts.validate`) as soon as its producer returns it, one
frame at a time, before it is written; the parts of a streamed dimension table have their
primary key checked as they come and the rest of their contract checked on
``out_dependence__yearly`` in DuckDB (``contracts.validate_in_duckdb``); a table copied from
the previous warehouse has its columns and types checked against its contract
(``contracts.check_columns_in_duckdb``, schema only).

Lineage (:class:`~autonomy_monitor.pipeline.warehouse.TableLineage`): a source table records
its input files and their sha256; a derived table its step's function, the tables it read
and every raw file behind them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from autonomy_monitor import __version__
from autonomy_monitor.catalog import contracts
from autonomy_monitor.pipeline import fetch, reuse, warehouse
from autonomy_monitor.pipeline.resources import StepMeter, StepUsage
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
from autonomy_monitor.pipeline.steps.reads import Read
from autonomy_monitor.pipeline.steps import (
    aid_step,
    dependence_step,
    energy_step,
    governance_step,
    migration_step,
    remittances_step,
)

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


Parts = Iterator[pl.DataFrame]


@dataclass(frozen=True)
class DerivedStep:
    """Output tables computed by ``compute(tables)`` from the tables named in ``needs``.

    ``stream``, when set, is what the build runs instead of ``compute``: the same tables, but a
    table may come as an iterator of parts, each written and released before the next is made
    (the trade step's 14 million dependence rows). ``reads`` maps an input table to the rows
    and columns the step uses (:class:`Read`): the build queries only those from the warehouse
    instead of reading the whole table back.
    """

    name: str
    needs: tuple[str, ...]
    compute: Callable[[Mapping[str, pl.DataFrame]], dict[str, pl.DataFrame]]
    optional: tuple[str, ...] = ()
    stream: Callable[[Mapping[str, pl.DataFrame]], dict[str, pl.DataFrame | Parts]] | None = None
    reads: Callable[[], Mapping[str, Read]] | None = None

    def inputs(self, available: Mapping[str, object]) -> list[str]:
        """Tables this step reads: its needs, plus optional tables when built."""
        return [*self.needs, *(n for n in self.optional if n in available)]


# Order matters for memory only: a derived step runs once its inputs exist, so the UN vote
# tables (read first) are used and released before the trade tables are read.
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
    DerivedStep(
        "remittances",
        remittances_step.NEEDS,
        remittances_step.compute,
        optional=remittances_step.OPTIONAL,
    ),
    DerivedStep(
        "migration",
        migration_step.NEEDS,
        migration_step.compute,
        optional=(migration_step.WB_STOCK,),
    ),
    DerivedStep("japan_residents", migration_step.JAPAN_NEEDS, migration_step.compute_japan),
    DerivedStep("aid", aid_step.AID_NEEDS, aid_step.compute_aid),
    DerivedStep("finance", aid_step.FINANCE_NEEDS, aid_step.compute_finance),
    DerivedStep("energy", energy_step.NEEDS, energy_step.compute),
    DerivedStep("governance", governance_step.NEEDS, governance_step.compute),
    DerivedStep(
        "trade",
        trade_step.NEEDS,
        trade_step.compute,
        optional=trade_step.OPTIONAL,
        stream=trade_step.compute_parts,
    ),
    # after the union (it needs out_dependence__yearly): the composite index's components
    DerivedStep(
        "index",
        index_step.NEEDS,
        index_step.compute,
        optional=index_step.OPTIONAL,
        reads=index_step.reads,
    ),
)
# After every derived step: the union of the out_dependence__<dimension> tables, in DuckDB.
DEPENDENCE_STEP = "dependence"
DEPENDENCE_PREFIX = "out_dependence__"


# Steps that can run their relational indicators on another engine (`autonomy build --engine
# spark`).
ENGINE_COMPUTE: dict[
    str, Callable[[Engine | None], Callable[[Mapping[str, pl.DataFrame]], dict[str, pl.DataFrame]]]
] = {
    "trade": trade_step.compute_with,
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


def is_dimension_table(name: str) -> bool:
    """``out_dependence__<dimension>`` tables are staged, then become views on the union."""
    return name.startswith(DEPENDENCE_PREFIX) and name != dependence_step.OUTPUT


class BuildTables(Mapping[str, pl.DataFrame]):
    """The tables of a running build, written to the warehouse connection as they are made.

    Reading a table returns the frame kept in memory, else reads it back from the warehouse
    (tables reused from the previous warehouse are only ever there); ``query`` reads only some
    rows and columns. ``release`` drops the frames no pending step needs. Lineage (rows, input
    sha256) is kept per table.

    A dependence dimension table (``out_dependence__<dimension>``) is not stored on its own: its
    rows are appended to ``out_dependence__yearly`` as they come (``dependence_step.append``),
    and the build later makes the dimension table a view on it.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self.connection = connection
        self.memory: dict[str, pl.DataFrame] = {}
        self.lineage: dict[str, warehouse.TableLineage] = {}
        self.wanted: set[str] | None = None  # tables pending steps read (None: keep all)
        self.appended: list[str] = []  # dimension tables appended to out_dependence__yearly

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name in self.memory:
            return self.memory[name]
        if name not in self.lineage:
            raise KeyError(name)
        frame = self.connection.table(f'"{name}"').pl()
        self.memory[name] = frame
        return frame

    def __iter__(self) -> Iterator[str]:
        return iter(self.lineage)

    def __len__(self) -> int:
        return len(self.lineage)

    def __contains__(self, name: object) -> bool:
        return name in self.lineage

    def query(self, name: str, read: Read) -> pl.DataFrame:
        """The rows and columns ``read`` names of table ``name``, from memory when it is there,
        else from the warehouse (the filter runs in DuckDB)."""
        if name not in self.lineage:
            raise KeyError(name)
        if name in self.memory:
            return self.memory[name]
        return self.connection.sql(read.sql(name)).pl()

    def add(
        self,
        name: str,
        frame: pl.DataFrame | Parts,
        lineage: warehouse.TableLineage,
        origin: str | list[str],
    ) -> int:
        """Validate ``frame`` against its contract and write it as table ``name`` (a dependence
        dimension is appended to ``out_dependence__yearly``); returns the rows written.

        ``frame`` may be an iterator of parts: each is written, then dropped, before the next is
        made. A dimension table's parts are checked as they come (primary key, one dimension,
        measures not repeated across parts) and their other checks run on
        ``out_dependence__yearly`` in DuckDB (:func:`run_dependence`)."""
        if isinstance(frame, pl.DataFrame):
            rows = self._add_frame(name, frame, origin)
        else:
            if not is_dimension_table(name):
                raise ValueError(f"only dependence dimension tables come in parts, not {name}")
            rows = 0
            measures: set[str] = set()
            for part in frame:
                contracts.check_key(name, part, origin)
                rows += self._append(name, part, origin, measures)
                del part
        self.lineage[name] = dataclasses.replace(lineage, rows=rows)
        return rows

    def _add_frame(self, name: str, frame: pl.DataFrame, origin: str | list[str]) -> int:
        contracts.validate(name, frame, origin=origin)
        if is_dimension_table(name):
            return self._append(name, frame, origin, set())
        warehouse.write_table(self.connection, name, frame)
        if self.wanted is None or name in self.wanted:
            self.memory[name] = frame
        return frame.height

    def _append(
        self, name: str, part: pl.DataFrame, origin: str | list[str], measures: set[str]
    ) -> int:
        dependence_step.check_part(name, part, origin, measures)
        dependence_step.append(self.connection, part, create=not self.appended)
        if name not in self.appended:
            self.appended.append(name)
        return part.height

    def add_existing(self, name: str, lineage: warehouse.TableLineage) -> None:
        """Register a table already in the warehouse (copied from the previous one)."""
        self.lineage[name] = lineage

    def rows(self, name: str) -> int:
        return self.lineage[name].rows

    def release(self, keep: set[str]) -> None:
        """Drop the frames not in ``keep``; frames written later are kept only if in ``keep``."""
        self.wanted = keep
        for name in [n for n in self.memory if n not in keep]:
            del self.memory[name]


@dataclass
class BuildState:
    """What a running build has accumulated besides its tables: provenance and step costs."""

    tables: BuildTables
    records: list[warehouse.InputRecord] = field(default_factory=list)
    steps: list[dict[str, object]] = field(default_factory=list)

    def report(self, usage: StepUsage, progress: Progress, **keys: str) -> None:
        self.steps.append({**usage.__dict__, "position": len(self.steps) + 1, **keys})
        progress(usage.line())


def live_steps(settings: Settings, names: Sequence[str]) -> tuple[SourceStep, ...]:
    """Source steps that read the latest stored fetch of each live source (no network)."""
    return tuple(
        SourceStep(
            name,
            lambda _dir, name=name: fetch.load_live(settings, name),
            function=(
                f"{warehouse.function_name(fetch.connector(name).parse)} (latest stored fetch)"
            ),
        )
        for name in names
    )


@dataclass(frozen=True)
class SourcePlan:
    """Which sources a build reads from files and which it copies from the previous warehouse."""

    read: tuple[SourceStep, ...]
    reused: tuple[reuse.PreviousSource, ...]
    code_key: str
    notes: tuple[str, ...] = ()


def plan_sources(
    steps: Sequence[SourceStep],
    selected: Sequence[str] | None,
    previous: Mapping[str, reuse.PreviousSource],
    source_dir: Path,
    *,
    fresh: bool,
) -> SourcePlan:
    """Read the selected sources; reuse every other recorded source whose keys still match.

    Without a selection every source is a candidate for reuse (unchanged inputs and code);
    with one, the named sources are always read and the others come from the previous
    warehouse when unchanged (read again when changed, left out when never built).
    """
    key = reuse.code_key()
    if fresh:
        return SourcePlan(tuple(steps), (), key)
    chosen = set(selected or ())
    read: list[SourceStep] = []
    reused: list[reuse.PreviousSource] = []
    notes: list[str] = []
    candidates = SOURCE_STEPS if selected else steps
    for step in candidates:
        old = previous.get(step.name)
        if step.name in chosen:
            read.append(step)
        elif old is not None and old.unchanged(source_dir, key):
            reused.append(old)
        elif old is not None:
            notes.append(
                f"{step.name}: inputs or code changed since the previous build, reading it again"
            )
            read.append(step)
        elif not selected:
            read.append(step)
    return SourcePlan(tuple(read), tuple(reused), key, tuple(notes))


def pending_needs(steps: Sequence[DerivedStep]) -> set[str]:
    """Tables to keep in memory: the inputs of pending steps that run before the union (steps
    after it, such as the index, read theirs back from the warehouse)."""
    early = [step for step in steps if dependence_step.OUTPUT not in step.needs]
    return {name for step in early for name in (*step.needs, *step.optional)}


def ready(step: DerivedStep, tables: Mapping[str, object], sources_left: bool) -> bool:
    """Needs present, and optional inputs present too unless no source is left to make them."""
    if not all(name in tables for name in step.needs):
        return False
    return not sources_left or all(name in tables for name in step.optional)


def reuse_source(state: BuildState, old: reuse.PreviousSource, progress: Progress) -> None:
    usage = StepUsage(old.name, "source", reused=True)
    function = next((s.function_name for s in SOURCE_STEPS if s.name == old.name), old.name)
    with StepMeter(usage) as meter, meter.writing():
        for name in old.tables:
            rows = reuse.copy_table(state.tables.connection, name)
            contracts.check_columns_in_duckdb(
                state.tables.connection, name, f'main."{name}"', "the previous warehouse"
            )
            state.tables.add_existing(
                name,
                warehouse.TableLineage.of_records(
                    rows, f"source {old.name}", function, old.records
                ),
            )
            usage.rows += rows
        usage.tables = list(old.tables)
    state.records.extend(old.records)
    state.report(usage, progress, input_key=old.input_key, code_key=old.code_key)


def read_source(
    state: BuildState,
    step: SourceStep,
    source_dir: Path,
    code_key: str,
    progress: Progress,
    *,
    keys: bool,
) -> None:
    """Read one source from its files and write its tables (with the keys that allow reuse)."""
    progress(f"reading {step.name}…")
    usage = StepUsage(step.name, "source")
    with StepMeter(usage) as meter:
        result = step.load(source_dir)
        with meter.writing():
            for name, frame in {**result.tables, **result.checks}.items():
                inputs = result.inputs_of(name)
                lineage = warehouse.TableLineage.of_records(
                    frame.height, f"source {step.name}", step.function_name, inputs
                )
                state.tables.add(name, frame, lineage, [record.file for record in inputs])
                usage.rows += frame.height
                usage.tables.append(name)
        records = result.inputs
        del result
    state.records.extend(records)
    extra = (
        {"input_key": reuse.input_key(source_dir, [r.file for r in records]), "code_key": code_key}
        if keys
        else {}
    )
    state.report(usage, progress, **extra)


def step_inputs(step: DerivedStep, tables: BuildTables) -> Mapping[str, pl.DataFrame]:
    """What a step is given: the build's tables, or, for a step with ``reads``, its inputs with
    only the rows and columns it uses (queried from the warehouse)."""
    if step.reads is None:
        return tables
    reads = step.reads()
    return {
        name: tables.query(name, reads[name]) if name in reads else tables[name]
        for name in step.inputs(tables)
    }


def run_derived_step(
    state: BuildState, step: DerivedStep, engine: Engine | None, progress: Progress
) -> None:
    on_engine = engine is not None and step.name in ENGINE_COMPUTE
    progress(
        f"computing {step.name}" + (f" on {engine.name}" if on_engine and engine else "") + "…"
    )
    compute: Callable[[Mapping[str, pl.DataFrame]], Mapping[str, pl.DataFrame | Parts]]
    if on_engine:
        compute = ENGINE_COMPUTE[step.name](engine)
    else:
        compute = step.stream or step.compute
    usage = StepUsage(step.name, "derived")
    tables = state.tables
    with StepMeter(usage) as meter:
        outputs = dict(compute(step_inputs(step, tables)))
        inputs = {name: tables.lineage[name] for name in step.inputs(tables)}
        function = warehouse.function_name(step.compute)
        with meter.writing():
            for name in list(outputs):
                frame = outputs.pop(name)
                rows = tables.add(
                    name,
                    frame,
                    warehouse.TableLineage.of_tables(0, f"step {step.name}", function, inputs),
                    f"step {step.name}",
                )
                del frame
                usage.rows += rows
                usage.tables.append(name)
    state.report(usage, progress)


def run_dependence(state: BuildState, progress: Progress) -> None:
    """``out_dependence__yearly`` (the dimension tables' rows, appended as they were made) is
    validated against its contract in DuckDB, then each dimension table becomes a view on it."""
    tables = state.tables
    names = [n for n in dependence_step.dimension_tables(tables.appended)]
    if not names:
        return
    progress(f"computing {DEPENDENCE_STEP}…")
    usage = StepUsage(DEPENDENCE_STEP, "derived")
    with StepMeter(usage) as meter, meter.writing():
        producers = ", ".join(tables.lineage[name].producer for name in names)
        rows = dependence_step.finish(tables.connection, origin=producers)
        inputs = {name: tables.lineage[name] for name in names}
        function = warehouse.function_name(dependence_step.finish)
        tables.add_existing(
            dependence_step.OUTPUT,
            warehouse.TableLineage.of_tables(rows, f"step {DEPENDENCE_STEP}", function, inputs),
        )
        for name in names:
            warehouse.slice_view(
                tables.connection,
                name,
                dependence_step.OUTPUT,
                "dimension",
                name.removeprefix(DEPENDENCE_PREFIX),
            )
        usage.rows = rows
        usage.tables = [dependence_step.OUTPUT]
        usage.note = "views: " + ", ".join(names)
    state.report(usage, progress)


def run_steps(
    state: BuildState,
    plan: SourcePlan,
    source_dir: Path,
    engine: Engine | None,
    progress: Progress,
    *,
    keys: bool,
) -> None:
    """Sources (reused first, then read), each derived step as soon as it is ready, then the
    union."""
    pending = list(DERIVED_STEPS)

    def run_ready(sources_left: bool) -> None:
        for step in list(pending):
            if ready(step, state.tables, sources_left):
                run_derived_step(state, step, engine, progress)
                pending.remove(step)
                state.tables.release(pending_needs(pending))

    for old in plan.reused:
        reuse_source(state, old, progress)
    state.tables.release(pending_needs(pending))
    for position, step in enumerate(plan.read):
        read_source(state, step, source_dir, plan.code_key, progress, keys=keys)
        run_ready(sources_left=position < len(plan.read) - 1)
        state.tables.release(pending_needs(pending))
    run_ready(sources_left=False)
    state.tables.release(set())
    run_dependence(state, progress)
    run_ready(sources_left=False)
    state.tables.release(set())


def derive_in_memory(
    tables: Mapping[str, pl.DataFrame], engine: Engine | None = None
) -> dict[str, pl.DataFrame]:
    """Every derived step on ``tables`` wired as in the build (same readiness, staging and
    union, in an in-memory DuckDB); returns every table made, views read as frames. For
    tests and benchmarks of the build's wiring (``autonomy build --engine``)."""
    connection = duckdb.connect(":memory:")
    try:
        state = BuildState(BuildTables(connection))
        for name, frame in tables.items():
            state.tables.add(
                name, frame, warehouse.TableLineage(frame.height, "input", "test"), "input"
            )
        late = [step for step in DERIVED_STEPS if dependence_step.OUTPUT in step.needs]
        for step in DERIVED_STEPS:
            if step not in late and ready(step, state.tables, sources_left=False):
                run_derived_step(state, step, engine, lambda _m: None)
        run_dependence(state, lambda _m: None)
        for step in late:
            if ready(step, state.tables, sources_left=False):
                run_derived_step(state, step, engine, lambda _m: None)
        made = [n for n in state.tables.lineage if n not in tables]
        return {name: connection.table(f'"{name}"').pl() for name in made}
    finally:
        connection.close()


def build_warehouse(
    settings: Settings,
    source_dir: Path | None,
    *,
    sources: Sequence[str] | None = None,
    progress: Progress = lambda _message: None,
    live: bool = False,
    fresh: bool = False,
    spark_master: str | None = None,
    baci_dir: Path | None = None,
) -> Path:
    """Build every selected source and derived table into ``settings.warehouse`` atomically.

    ``live=True`` reads the snapshot store (filled by ``autonomy fetch``) instead of bulk
    files under ``source_dir`` (and never reuses tables of the previous warehouse). Otherwise
    unchanged sources are copied from the previous warehouse unless ``fresh``; with
    ``sources`` the named ones are read again and the others reused (module docstring).
    ``settings.engine == "spark"`` runs the relational indicators (ENGINE_COMPUTE) on Spark
    (``spark_master``, default local[*]); ``baci_dir`` adds the product-level tables
    (``steps/products_step.py``) computed on that engine (DuckDB streaming by default).
    """
    if live:
        steps = live_steps(settings, fetch.parse_sources(sources))
        source_dir = settings.snapshot_store
        plan = SourcePlan(steps, (), "")
    else:
        steps = select_sources(sources)
        if source_dir is None or not source_dir.is_dir():
            raise BadArgument(
                f"Source directory {source_dir} does not exist: pass --source-dir DIR "
                "(the folder holding unga_votes/, trade/, wdi/ ...) or set AUTONOMY_SHARED_DATA."
            )
        previous = {} if fresh else reuse.previous_sources(settings.warehouse)
        plan = plan_sources(steps, sources, previous, source_dir, fresh=fresh)
    for note in plan.notes:
        progress(note)
    engine = get_engine(settings.engine, spark_master) if settings.engine != "duckdb" else None
    work_dir = settings.warehouse.parent / f".{settings.warehouse.name}.products"
    try:
        with warehouse.atomic_build(settings.warehouse) as connection:
            if plan.reused:
                reuse.attach_previous(connection, settings.warehouse)
            state = BuildState(BuildTables(connection))
            run_steps(state, plan, source_dir, engine, progress, keys=not live)
            if plan.reused:
                reuse.detach_previous(connection)
            if baci_dir is not None:
                add_products(state, engine, baci_dir, work_dir, progress)
            write_meta(state, connection, source_dir, settings, progress)
    finally:
        if engine is not None:
            engine.close()
        if baci_dir is not None:
            import shutil

            shutil.rmtree(work_dir, ignore_errors=True)
    return settings.warehouse


def add_products(
    state: BuildState, engine: Engine | None, baci_dir: Path, work_dir: Path, progress: Progress
) -> None:
    usage = StepUsage("products", "derived")
    with StepMeter(usage) as meter:
        out_dir, records = products_step.run_for_build(engine, baci_dir, work_dir, progress)
        state.records.extend(records)
        function = warehouse.function_name(products_step.run_for_build)
        with meter.writing():
            counts = products_step.load_into(state.tables.connection, out_dir)
        for name, rows in counts.items():
            state.tables.add_existing(
                name, warehouse.TableLineage.of_records(rows, "step products", function, records)
            )
            usage.rows += rows
            usage.tables.append(name)
    state.report(usage, progress)


def write_meta(
    state: BuildState,
    connection: duckdb.DuckDBPyConnection,
    source_dir: Path,
    settings: Settings,
    progress: Progress,
) -> None:
    """Provenance, lineage, the build run and the step costs (the last tables written)."""
    progress("writing provenance and lineage…")
    usage = StepUsage("meta", "write")
    with StepMeter(usage):
        warehouse.write_table(
            connection, "meta_provenance__inputs", warehouse.provenance_frame(state.records)
        )
        warehouse.write_table(
            connection, "meta_lineage__tables", warehouse.lineage_frame(state.tables.lineage)
        )
        warehouse.write_table(
            connection,
            "meta_build__runs",
            warehouse.build_run_frame(str(source_dir.resolve()), __version__, settings.engine),
        )
        if "out_alignment__yearly_vote_agreement_wide" in state.tables:
            connection.execute(alignment_step.LONG_VIEW_SQL).fetchall()
    state.report(usage, progress)
    warehouse.write_table(connection, "meta_build__steps", warehouse.steps_frame(state.steps))
