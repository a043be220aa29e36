"""UN DESA International Migrant Stock 2020, bilateral (``<source_dir>/migration/``).

Input: ``un_desa_ims2020_bilateral_stock.csv`` (year, origin_iso3, origin_name, dest_iso3,
dest_name, stock, ...), origin x destination stocks for 1990, 1995, ..., 2020, long format.
Output: ``core_undesa__migrant_stock(origin_iso3, destination_iso3, year, migrants)``.

Caveats (migration/SOURCES.md): Japan's stocks by origin exist for only 42 origins, none
of them Central Asian, so JPN-bound Central Asian stocks are absent; stocks count people by
country of birth (Soviet-era births inflate RUS<->KAZ); this is the 2020 revision. The
Channel Islands (no ISO3 in the country dimension) are excluded and counted.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult

SOURCE = "undesa"
FOLDER = "migration"
FILE = "un_desa_ims2020_bilateral_stock.csv"
CORE_TABLE = "core_undesa__migrant_stock"
REQUIRED = ("year", "origin_iso3", "origin_name", "dest_iso3", "dest_name", "stock")
CORE_SCHEMA = contracts.polars_schema("core_undesa__migrant_stock")  # declared in catalog/tables/
EXCLUDED = {"CHI": "Channel Islands: a territory group outside the country dimension"}


def load(source_dir: Path) -> SourceResult:
    return bc.load_file(source_dir / FOLDER / FILE, SOURCE, FOLDER, REQUIRED, CORE_TABLE, parse)


def parse(frame: pl.DataFrame, path: Path, record: InputRecord) -> pl.DataFrame:
    frame = bc.to_int(frame, "year", path, SOURCE)
    frame = bc.to_float(frame, "stock", path, SOURCE, nonnegative=True)
    missing = frame.filter(pl.col("stock").is_null())
    record.reject("missing stock", missing.height)
    frame = frame.filter(pl.col("stock").is_not_null())
    for name, code, out in (
        ("origin_name", "origin_iso3", "origin"),
        ("dest_name", "dest_iso3", "destination"),
    ):
        frame = bc.resolve_countries(
            frame,
            name=name,
            code=code,
            out=f"{out}_iso3_",
            source=SOURCE,
            record=record,
            excluded=EXCLUDED,
            label=out,
        )
    core = frame.select(
        pl.col("origin_iso3_").alias("origin_iso3"),
        pl.col("destination_iso3_").alias("destination_iso3"),
        "year",
        pl.col("stock").round(0).cast(pl.Int64).alias("migrants"),
    )
    core = bc.drop_duplicates(core, record)
    return core.cast(CORE_SCHEMA).sort("origin_iso3", "destination_iso3", "year")  # type: ignore[arg-type]
