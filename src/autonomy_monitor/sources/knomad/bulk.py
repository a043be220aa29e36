"""KNOMAD / World Bank remittance files (``<source_dir>/migration/``).

Inputs (migration/SOURCES.md):

* ``wb_bilateral_remittances_2017.csv`` — World Bank bilateral remittance estimates 2017
  (April 2018 version), US$ million, sending -> receiving;
* ``knomad_bilateral_remittances_2021.csv`` — KNOMAD/World Bank bilateral remittance matrix
  2021 (December 2022 version), same columns;
* ``wb_bilateral_migrant_stocks_2017.csv`` — the World Bank bilateral migrant stock matrix
  2017 that the 2017 remittance matrix was built from (it has Japan-bound stocks from
  Central Asia, which UN DESA lacks);
* ``knomad_remittance_inflows_2000_2023.csv`` — remittance inflows by receiving country,
  December 2023 release (``2023e`` is an estimate).

Outputs: ``core_knomad__bilateral_remittances(sender_iso3, receiver_iso3, year,
remittances_usd, matrix)``, ``core_knomad__remittance_inflows(country_iso3, year,
remittances_usd, is_estimate)``, ``core_knomad__bilateral_migrant_stock(origin_iso3,
destination_iso3, year, migrants)``.

Rules: sender ``WLD`` rows (the receiver's total) and the world/"Other North"/"Other South"
rows of the stock matrix are excluded and counted; the Channel Islands are excluded and
counted; the inflows' ``pct_gdp`` rows (2023 share of GDP, IMF WEO GDP) are not kept (the
monitor divides by WDI GDP) and are counted; zero inflows are the workbook's empty cells
and are counted as "zero: not reported" rather than read as a real zero.

Caveats: the corridors are model estimates (migrant stock x income proxies), not reported
flows; the 2021 matrix assigns all of Uzbekistan's remittances to Russia (the estimator in
``indicators/remittances.py`` weighs the matrices against the central banks' figures, which
put Russia at 87 % in 2022); no Japan -> Central Asia corridor in either matrix.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult

SOURCE = "knomad"
FOLDER = "migration"
MATRIX_FILES = {
    "wb_bilateral_remittances_2017.csv": "WB bilateral remittance estimates 2017 (Apr 2018)",
    "knomad_bilateral_remittances_2021.csv": (
        "KNOMAD/WB bilateral remittance matrix 2021 (Dec 2022)"
    ),
}
BILATERAL_TABLE = "core_knomad__bilateral_remittances"
INFLOW_TABLE = "core_knomad__remittance_inflows"
STOCK_TABLE = "core_knomad__bilateral_migrant_stock"
BILATERAL_SCHEMA = contracts.polars_schema(BILATERAL_TABLE)  # declared in catalog/tables/
INFLOW_SCHEMA = contracts.polars_schema(INFLOW_TABLE)  # declared in catalog/tables/
STOCK_FILE = "wb_bilateral_migrant_stocks_2017.csv"
INFLOW_FILE = "knomad_remittance_inflows_2000_2023.csv"
MATRIX_REQUIRED = (
    "year",
    "sending_name",
    "sending_iso3",
    "receiving_name",
    "receiving_iso3",
    "remittances_usd_millions",
)
STOCK_REQUIRED = (
    "year",
    "origin_name",
    "origin_iso3",
    "destination_name",
    "destination_iso3",
    "migrant_stock",
)
INFLOW_REQUIRED = ("iso3", "country_name", "year", "estimate", "measure", "value")
EXCLUDED = {
    "WLD": "world total row",
    "World": "world total row",
    "WORLD": "world total row",
    "OTHER_NORTH": "'Other North' residual group",
    "OTHER_SOUTH": "'Other South' residual group",
    "CHI": "Channel Islands: a territory group outside the country dimension",
    "Channel Islands": "Channel Islands: a territory group outside the country dimension",
    "Low-and Middle-Income Countries": "income-group aggregate",
}


def load(source_dir: Path) -> SourceResult:
    folder = source_dir / FOLDER
    records: list[InputRecord] = []
    matrices = [read_matrix(folder / name, label, records) for name, label in MATRIX_FILES.items()]
    bilateral = pl.concat(matrices).sort("receiver_iso3", "sender_iso3", "year")
    return SourceResult(
        tables={
            BILATERAL_TABLE: bilateral,
            INFLOW_TABLE: read_inflows(folder / INFLOW_FILE, records),
            STOCK_TABLE: read_stocks(folder / STOCK_FILE, records),
        },
        inputs=records,
        origins={
            BILATERAL_TABLE: [f"{FOLDER}/{name}" for name in MATRIX_FILES],
            INFLOW_TABLE: [f"{FOLDER}/{INFLOW_FILE}"],
            STOCK_TABLE: [f"{FOLDER}/{STOCK_FILE}"],
        },
    )


def _record(path: Path, records: list[InputRecord]) -> InputRecord:
    record = bc.new_record(SOURCE, FOLDER, path)
    records.append(record)
    return record


def read_matrix(path: Path, label: str, records: list[InputRecord]) -> pl.DataFrame:
    """One bilateral remittance matrix (long format) -> core rows in US$."""
    frame = bc.read_table(path, SOURCE, MATRIX_REQUIRED)
    return matrix_core(frame, path, label, _record(path, records))


def matrix_core(frame: pl.DataFrame, path: Path, label: str, record: InputRecord) -> pl.DataFrame:
    """Long matrix rows (MATRIX_REQUIRED columns, US$ million) -> core rows in US$.

    Shared by the bulk CSV reader and the live workbook connector (``live.py``), so both give
    the same table; ``path`` names the file in error messages.
    """
    record.rows_read = frame.height
    frame = bc.to_int(frame, "year", path, SOURCE)
    frame = bc.to_float(frame, "remittances_usd_millions", path, SOURCE, nonnegative=True)
    frame = bc.resolve_countries(
        frame,
        name="sending_name",
        code="sending_iso3",
        out="sender_iso3",
        source=SOURCE,
        record=record,
        excluded=EXCLUDED,
    )
    frame = bc.resolve_countries(
        frame,
        name="receiving_name",
        code="receiving_iso3",
        out="receiver_iso3",
        source=SOURCE,
        record=record,
        excluded=EXCLUDED,
    )
    core = frame.select(
        "sender_iso3",
        "receiver_iso3",
        "year",
        (pl.col("remittances_usd_millions") * 1e6).alias("remittances_usd"),
        pl.lit(label).alias("matrix"),
    ).filter(pl.col("remittances_usd").is_not_null())
    record.reject("missing amount", frame.height - core.height)
    core = bc.drop_duplicates(core.cast(BILATERAL_SCHEMA), record, table=BILATERAL_TABLE)  # type: ignore[arg-type]
    record.rows_kept = core.height
    return core


def read_stocks(path: Path, records: list[InputRecord]) -> pl.DataFrame:
    frame = bc.read_table(path, SOURCE, STOCK_REQUIRED)
    record = _record(path, records)
    record.rows_read = frame.height
    frame = bc.to_int(frame, "year", path, SOURCE)
    frame = bc.to_float(frame, "migrant_stock", path, SOURCE, nonnegative=True)
    frame = bc.resolve_countries(
        frame,
        name="origin_name",
        code="origin_iso3",
        out="o",
        label="origin",
        source=SOURCE,
        record=record,
        excluded=EXCLUDED,
    )
    frame = bc.resolve_countries(
        frame,
        name="destination_name",
        code="destination_iso3",
        out="d",
        label="destination",
        source=SOURCE,
        record=record,
        excluded=EXCLUDED,
    )
    core = frame.filter(pl.col("migrant_stock").is_not_null()).select(
        pl.col("o").alias("origin_iso3"),
        pl.col("d").alias("destination_iso3"),
        "year",
        pl.col("migrant_stock").round(0).cast(pl.Int64).alias("migrants"),
    )
    record.reject("missing stock", frame.height - core.height)
    core = bc.drop_duplicates(core, record).sort("origin_iso3", "destination_iso3")
    record.rows_kept = core.height
    return core


def read_inflows(path: Path, records: list[InputRecord]) -> pl.DataFrame:
    frame = bc.read_table(path, SOURCE, INFLOW_REQUIRED)
    return inflows_core(frame, path, _record(path, records))


def inflows_core(frame: pl.DataFrame, path: Path, record: InputRecord) -> pl.DataFrame:
    """Long inflow rows (INFLOW_REQUIRED columns, US$ million) -> core rows in US$.

    Shared by the bulk CSV reader and the live workbook connector (``live.py``).
    """
    record.rows_read = frame.height
    inflows = frame.filter(pl.col("measure") == "inflows_usd_millions")
    record.reject(
        "share-of-GDP row (pct_gdp, IMF WEO GDP): not kept", frame.height - inflows.height
    )
    inflows = bc.to_int(inflows, "year", path, SOURCE)
    inflows = bc.to_float(inflows, "value", path, SOURCE, nonnegative=True)
    inflows = bc.resolve_countries(
        inflows,
        name="country_name",
        code="iso3",
        out="country_iso3",
        source=SOURCE,
        record=record,
        excluded=EXCLUDED,
    )
    usable = inflows.filter(pl.col("value").is_not_null() & (pl.col("value") > 0))
    record.reject(
        "zero or empty inflow: the workbook's blank, not reported", inflows.height - usable.height
    )
    core = usable.select(
        "country_iso3",
        "year",
        (pl.col("value") * 1e6).alias("remittances_usd"),
        (pl.col("estimate").cast(pl.String).str.to_lowercase() == "true").alias("is_estimate"),
    )
    core = bc.drop_duplicates(core, record).cast(INFLOW_SCHEMA).sort("country_iso3", "year")  # type: ignore[arg-type]
    record.rows_kept = core.height
    return core
