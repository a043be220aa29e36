"""Abel & Cohen (2019) bilateral migration flows (``<source_dir>/migration/``).

Input: ``abel_bilateral_flows_da_pb_closed_1990_2020.parquet`` (migration/SOURCES.md):
estimated flows of people moving from an origin to a destination during five-year periods
1990-1995 ... 2015-2020 (closed demographic accounting, pseudo-Bayesian variant).

Output ``core_abel__migration_flows(origin_iso3, destination_iso3, period_start, period_end,
migrants)``: persons moving during [period_start, period_end). Zero flows are not listed.

Quirks: the file's aggregate rows have an empty ISO3 and are counted as rejects; the
Channel Islands are outside the country dimension and counted.
Caveat: model estimates, not recorded flows. The remittance estimator uses them as the
proxy for *recent* migrants (who remit), unlike stocks by country of birth.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult
from autonomy_monitor.sources import bulk_common as bc

SOURCE = "abel"
FOLDER = "migration"
FILE = "abel_bilateral_flows_da_pb_closed_1990_2020.parquet"
CORE_TABLE = "core_abel__migration_flows"
REQUIRED = (
    "period",
    "period_start",
    "origin_name",
    "origin_iso3",
    "dest_name",
    "dest_iso3",
    "flow",
)
EXCLUDED = {"CHI": "Channel Islands: a territory group outside the country dimension"}
PERIOD_YEARS = 5


def load(source_dir: Path) -> SourceResult:
    return bc.load_file(
        source_dir / FOLDER / FILE, SOURCE, FOLDER, REQUIRED, CORE_TABLE, parse, columns=REQUIRED
    )


def parse(frame: pl.DataFrame, path: Path, record: InputRecord) -> pl.DataFrame:
    frame = bc.to_int(frame, "period_start", path, SOURCE)
    frame = bc.to_float(frame, "flow", path, SOURCE, nonnegative=True)
    frame = frame.with_columns(pl.col("origin_iso3", "dest_iso3").cast(pl.String).replace("", None))
    empty = frame.filter(pl.col("flow").is_null() | (pl.col("flow") <= 0))
    record.reject("zero or missing flow", empty.height)
    frame = frame.filter(pl.col("flow") > 0)
    no_code = frame.filter(pl.col("origin_iso3").is_null() | pl.col("dest_iso3").is_null())
    record.reject("aggregate row without ISO3", no_code.height)
    frame = frame.filter(pl.col("origin_iso3").is_not_null() & pl.col("dest_iso3").is_not_null())
    for name, code, out in (
        ("origin_name", "origin_iso3", "origin"),
        ("dest_name", "dest_iso3", "destination"),
    ):
        frame = bc.resolve_countries(
            frame,
            name=name,
            code=code,
            out=f"{out}_",
            source=SOURCE,
            record=record,
            excluded=EXCLUDED,
            label=out,
        )
    core = frame.select(
        pl.col("origin_").alias("origin_iso3"),
        pl.col("destination_").alias("destination_iso3"),
        pl.col("period_start").cast(pl.Int32),
        (pl.col("period_start") + PERIOD_YEARS).cast(pl.Int32).alias("period_end"),
        pl.col("flow").alias("migrants"),
    ).filter(pl.col("origin_iso3") != pl.col("destination_iso3"))
    core = bc.drop_duplicates(core, record)
    return core.sort("origin_iso3", "destination_iso3", "period_start")
