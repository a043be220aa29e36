"""Product-level (HS6) trade dependence from BACI or UN Comtrade bulk files, on any engine.

Not a ``DERIVED_STEPS`` entry: the input (BACI: ~10 million rows a year) is scanned by the
engine — DuckDB streaming with a memory limit and spill directory, or Spark — and never loaded
into Python. :func:`build_products` returns small Polars results (one row per importer,
product and year, and one per importer, partner and year) plus provenance records.

Outputs:

* ``out_products__strategic_dependence``: country_iso3 (importer), product (HS6), year,
  import_usd, import_hhi (supplier concentration, Σ share²), n_suppliers, export_usd (the
  country's own exports of the product), world_export_hhi, china_share, russia_share
  (supplier shares 0..1), criteria_met (import HHI > 0.4, world export HHI > 0.4, imports >
  exports), years_met (of t-2..t), strategic (criteria met in ≥ 2 of those 3 years);
* ``out_products__strategic_share``: country_iso3, partner_iso3 (CHN, RUS), year,
  strategic_import_usd, import_usd, share = imports from the partner of strategic products /
  all imports.

Definitions: ``indicators/relational.py`` (supplier_concentration, strategic_dependence,
strategic_share_on); references: European Commission (2021), *Strategic dependencies and
capacities*, SWD(2021) 352; Jaravel & Méjean (2021), CAE Focus 73.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import narwhals as nw
import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor.compute import Engine
from autonomy_monitor.indicators import relational
from autonomy_monitor.sources.baci import bulk
from autonomy_monitor.pipeline.warehouse import InputRecord

FLAGS_TABLE = "out_products__strategic_dependence"
SHARE_TABLE = "out_products__strategic_share"
WATCHED = ("CHN", "RUS")


@dataclass
class ProductsResult:
    tables: dict[str, pl.DataFrame]
    inputs: list[InputRecord]


def scan_trade(
    engine: Engine, folder: Path
) -> tuple[nw.LazyFrame, list[Path], nw.LazyFrame | None, nw.LazyFrame]:
    """The common trade layout as a lazy frame of ``engine`` from BACI (preferred) or Comtrade
    files in ``folder``; also the files, the raw BACI scan and the code map (for checks)."""
    comtrade = bulk.comtrade_files(folder) if not any(folder.glob("BACI_HS*.csv")) else []
    if comtrade:
        columns = bulk.check_header(comtrade[0], list(bulk.COMTRADE_REQUIRED))
        typed = {**bulk.COMTRADE_REQUIRED, **bulk.COMTRADE_OPTIONAL}
        spec = {c: typed.get(c, "VARCHAR") for c in columns}  # every column, in file order
        for path in comtrade[1:]:
            if bulk.check_header(path, list(bulk.COMTRADE_REQUIRED)) != columns:
                raise bulk.BadInput(
                    f"{path.name}: columns differ from {comtrade[0].name}: "
                    "keep Comtrade files of one layout in the folder."
                )
        raw = engine.read_csv(comtrade, spec)
        known = engine.lazy(bulk.known_iso3())
        return bulk.comtrade_to_trade(raw, known, list(spec)), comtrade, None, known
    files = bulk.baci_files(folder)
    for path in files:
        bulk.check_header(path, bulk.BACI_HEADER)
    raw = engine.persist(engine.read_csv(files, bulk.BACI_COLUMNS).drop("q"))
    codes = engine.lazy(bulk.baci_code_map(folder))
    return bulk.baci_to_trade(raw, codes), files, raw, codes


def watched_shares(trade: nw.LazyFrame) -> nw.LazyFrame:
    """Per importer, product, year: supplier shares of CHN and RUS (0 when they supply none)."""
    positive = trade.filter(nw.col("value_usd") > 0)
    cols = [
        nw.when(nw.col("exporter_iso3") == p)
        .then(nw.col("value_usd"))
        .otherwise(0.0)
        .alias(f"__{p}")
        for p in WATCHED
    ]
    grouped = (
        positive.with_columns(*cols)
        .group_by("importer_iso3", "product", "year")
        .agg(nw.col("value_usd").sum().alias("__total"), *(nw.col(f"__{p}").sum() for p in WATCHED))
    )
    return grouped.select(
        "importer_iso3",
        "product",
        "year",
        *(
            (nw.col(f"__{p}") / nw.col("__total")).alias(
                {"CHN": "china_share", "RUS": "russia_share"}[p]
            )
            for p in WATCHED
        ),
    )


def product_frames(
    trade: nw.LazyFrame, engine: Engine | None = None
) -> tuple[nw.LazyFrame, nw.LazyFrame]:
    """The two output tables as lazy frames (importer column still named importer_iso3);
    with ``engine`` the flags are persisted once instead of being recomputed for the shares."""
    concentration = relational.supplier_concentration(trade)
    if engine is not None:  # read four times by strategic_dependence (the 3-year window)
        concentration = engine.persist(concentration)
    flags = relational.strategic_dependence(concentration)
    flags = flags.join(watched_shares(trade), on=["importer_iso3", "product", "year"], how="left")
    if engine is not None:
        flags = engine.persist(flags)
    shares = relational.strategic_share_on(trade, flags, WATCHED)
    return flags, shares


def build_products(engine: Engine, folder: Path, *, out_dir: Path | None = None) -> ProductsResult:
    """Scan the bulk files in ``folder`` on ``engine`` and compute both product tables.

    With ``out_dir`` the tables are written there as Parquet by the engine (``<table>.parquet``;
    a folder of part files on Spark) and ``tables`` is empty: nothing large passes through
    Python. Without it they are returned as Polars frames.
    """
    trade, files, raw, codes = scan_trade(engine, folder)
    inputs: list[InputRecord] = []
    if raw is not None:
        checks = engine.collect(bulk.baci_checks(raw, codes)).row(0, named=True)
        bulk.validate_checks(files, checks)
        inputs = bulk.input_records(files, checks, engine.collect(bulk.unmapped_codes(raw, codes)))
    flags, shares = product_frames(engine.persist(trade), engine)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, frame, columns in (
            (FLAGS_TABLE, flags, FLAG_COLUMNS),
            (SHARE_TABLE, shares, SHARE_COLUMNS),
        ):
            renamed = frame.rename({"importer_iso3": "country_iso3"}).select(columns)
            engine.write_parquet(renamed, out_dir / f"{name}.parquet")
        return ProductsResult(tables={}, inputs=inputs)
    rename = {"importer_iso3": "country_iso3"}
    flag_frame = engine.collect(flags).rename(rename).with_columns(pl.col("year").cast(pl.Int32))
    share_frame = engine.collect(shares).rename(rename).with_columns(pl.col("year").cast(pl.Int32))
    tables = {
        FLAGS_TABLE: flag_frame.select(FLAG_COLUMNS).sort("country_iso3", "year", "product"),
        SHARE_TABLE: share_frame.select(SHARE_COLUMNS).sort("country_iso3", "year", "partner_iso3"),
    }
    for name, frame in tables.items():
        contracts.validate(
            name, frame, origin=[record.file for record in inputs] or "step products"
        )
    return ProductsResult(tables=tables, inputs=inputs)


FLAG_COLUMNS = [
    "country_iso3",
    "product",
    "year",
    "import_usd",
    "import_hhi",
    "n_suppliers",
    "export_usd",
    "world_export_hhi",
    "china_share",
    "russia_share",
    "criteria_met",
    "years_met",
    "strategic",
]
SHARE_COLUMNS = [
    "country_iso3",
    "partner_iso3",
    "year",
    "strategic_import_usd",
    "import_usd",
    "share",
]


def run_for_build(
    engine: Engine | None, folder: Path, work_dir: Path, progress=lambda _m: None
) -> tuple[Path, list[InputRecord]]:  # type: ignore[no-untyped-def]
    """The build's product stage: scan ``folder`` on ``engine`` (default: a DuckDB engine with
    a 8 GB memory limit spilling into ``work_dir``) and write both tables as Parquet into
    ``work_dir``; returns that folder and the provenance records."""
    if not folder.is_dir():
        raise bulk.BadInput(
            f"--baci-dir {folder} is not a folder: give "
            "the folder holding the BACI yearly CSV files."
        )
    from autonomy_monitor.compute import get_engine

    own = engine is None
    work_dir.mkdir(parents=True, exist_ok=True)
    runner = engine or get_engine("duckdb", memory_limit="8GB", temp_directory=work_dir)
    try:
        progress(f"computing product-level dependence on {runner.name}")
        result = build_products(runner, folder, out_dir=work_dir / "products")
    finally:
        if own:
            runner.close()
    return work_dir / "products", result.inputs


def load_into(connection, out_dir: Path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Create the product tables in a warehouse connection from the Parquet written by
    :func:`run_for_build` (a file on DuckDB/Polars, a folder of parts on Spark); row counts."""
    counts = {}
    for name in (FLAGS_TABLE, SHARE_TABLE):
        path = out_dir / f"{name}.parquet"
        pattern = str(path / "*.parquet") if path.is_dir() else str(path)
        connection.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet(?)", [pattern]
        ).fetchall()
        counts[name] = connection.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    return counts
