"""Energy Institute Statistical Review 2024: natural-gas trade by pipeline
(``<source_dir>/other/``).

Input ``ei_gas_pipeline_trade_2023.csv`` (year, exporter, exporter_iso3, importer,
importer_iso3, bcm), the workbook's "Gas trade - pipeline" sheet, 2023 only.

Output ``core_ei__gas_pipeline_trade(exporter_iso3, importer_iso3, year, bcm, importer_label)``:

* rows to a named country keep its ISO3;
* the workbook's importer columns also hold regional subtotals (EU, Europe, Rest of Europe,
  CIS, Asia Pacific, ...) and residual groups ("Other CIS", "Other Africa", ...). Subtotals
  would count flows twice and are excluded and counted; the residual is *not* dropped: for
  each exporter it is recomputed as ``Total exports`` minus the named countries and stored as
  one row with a null importer_iso3 and importer_label "other destinations (residual)", so
  destination shares add up to the exporter's total;
* exporter groups ("Other Europe", ...) and the "Total imports" rows are excluded and counted.

Caveat: a single year (the EI publishes only the latest bilateral matrix).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult

SOURCE = "energy"
FOLDER = "other"
FILE = "ei_gas_pipeline_trade_2023.csv"
CORE_TABLE = "core_ei__gas_pipeline_trade"
REQUIRED = ("year", "exporter", "exporter_iso3", "importer", "importer_iso3", "bcm")
RESIDUAL_LABEL = "other destinations (residual)"
EXPORTER_PATTERNS = {
    r"^Other ": "exporter group ('Other ...')",
    r"^Total imports$": "importer total row ('Total imports')",
}
SUBTOTALS = (
    "Africa",
    "Asia Pacific",
    "CIS",
    "EU",
    "Europe",
    "Middle East",
    "North America",
    "Rest of Europe",
    "S. & Cent. America",
    "Total exports",
)
IMPORTER_EXCLUDED = {
    name: "regional subtotal or total (would count flows twice)" for name in SUBTOTALS
}
IMPORTER_PATTERNS = {
    r"^Other ": "residual group ('Other ...'): recomputed as total minus named countries"
}


def load(source_dir: Path) -> SourceResult:
    path = source_dir / FOLDER / FILE
    frame, record = bc.open_input(path, SOURCE, FOLDER, REQUIRED)
    core, check = parse(frame, path, record)
    record.rows_kept = core.filter(
        pl.col("importer_label") != RESIDUAL_LABEL
    ).height  # residual rows are derived
    return SourceResult(
        tables={CORE_TABLE: core}, inputs=[record], checks={"qa_ei__pipeline_totals": check}
    )


def parse(
    frame: pl.DataFrame, path: Path, record: InputRecord
) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = bc.drop_duplicates(frame, record)
    frame = bc.to_int(frame, "year", path, SOURCE)
    frame = bc.to_float(frame, "bcm", path, SOURCE, nonnegative=True)
    frame = bc.resolve_countries(
        frame,
        name="exporter",
        code="exporter_iso3",
        out="exp",
        label="exporter",
        source=SOURCE,
        record=record,
        excluded_patterns=EXPORTER_PATTERNS,
    )
    totals = frame.filter(pl.col("importer") == "Total exports").select(
        "exp", "year", pl.col("bcm").alias("total_bcm")
    )
    named = bc.resolve_countries(
        frame,
        name="importer",
        code="importer_iso3",
        out="imp",
        label="importer",
        source=SOURCE,
        record=record,
        excluded=IMPORTER_EXCLUDED,
        excluded_patterns=IMPORTER_PATTERNS,
    )
    named = named.select(
        pl.col("exp").alias("exporter_iso3"),
        pl.col("imp").alias("importer_iso3"),
        "year",
        "bcm",
        pl.col("importer").alias("importer_label"),
    )
    check = totals_check(named, totals)
    residual = check.filter(pl.col("residual_bcm") > 1e-9).select(
        "exporter_iso3",
        pl.lit(None, dtype=pl.String).alias("importer_iso3"),
        "year",
        pl.col("residual_bcm").alias("bcm"),
        pl.lit(RESIDUAL_LABEL).alias("importer_label"),
    )
    core = pl.concat([named, residual]).sort("exporter_iso3", "importer_iso3", nulls_last=True)
    return core, check


def totals_check(named: pl.DataFrame, totals: pl.DataFrame) -> pl.DataFrame:
    """Per exporter: the workbook's total, the sum of named countries, and the residual."""
    sums = named.group_by("exporter_iso3", "year").agg(pl.col("bcm").sum().alias("named_bcm"))
    check = sums.join(
        totals.rename({"exp": "exporter_iso3"}),
        on=["exporter_iso3", "year"],
        how="full",
        coalesce=True,
    )
    return check.with_columns(
        (pl.col("total_bcm") - pl.col("named_bcm").fill_null(0))
        .clip(lower_bound=0)
        .alias("residual_bcm"),
    ).sort("exporter_iso3")
