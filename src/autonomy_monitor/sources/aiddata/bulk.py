"""AidData Global Chinese Development Finance (``<source_dir>/aid/``).

Inputs (aid/SOURCES.md):

* ``aiddata_gcdf3_country_year_2000_2021.csv`` — GCDF 3.0 summed to recipient-year
  ("Recommended For Aggregates" records), ODA-like / OOF-like / Vague official finance, in
  constant 2021 US$; ``*_adj`` are AidData's adjusted amounts (co-financing overlaps removed);
* ``aiddata_gcdf2_projects_2000_2017.csv`` — GCDF 2.0 projects, 2000–2017 commitments,
  with flow class, sector and nominal and constant-2017 US$ amounts.

Output ``core_aiddata__chinese_finance(recipient_iso3, year, flow_class, commitments_usd,
commitments_unadjusted_usd, price_basis, dataset, projects)``: GCDF 3.0 rows (adjusted
amounts, constant 2021 US$) and GCDF 2.0 rows summed by recipient, year and flow class
(nominal US$; ``commitments_unadjusted_usd`` equals it; ``projects`` counts projects, of which
those without a disclosed amount contribute nothing). Regional and multi-region recipients
are excluded and counted.

Caveats: a recipient-year appears in GCDF 3.0 only if it has a commitment (treat missing
years as zero); GCDF 2.0 is superseded by 3.0 and some projects have no disclosed amount;
commitments are not disbursements.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult

SOURCE = "aiddata"
FOLDER = "aid"
CORE_TABLE = "core_aiddata__chinese_finance"
GCDF3_FILE = "aiddata_gcdf3_country_year_2000_2021.csv"
GCDF2_FILE = "aiddata_gcdf2_projects_2000_2017.csv"
GCDF3_CLASSES = {
    "oda_like": "ODA-like",
    "oof_like": "OOF-like",
    "vague": "Vague (Official Finance)",
}
GCDF3_REQUIRED = ("iso3", "year") + tuple(
    f"{k}{s}_usd2021" for k in GCDF3_CLASSES for s in ("", "_adj")
)
GCDF2_REQUIRED = (
    "AidData TUFF Project ID",
    "Recipient",
    "Recipient ISO3",
    "Commitment Year",
    "Flow Class",
    "Amount (Nominal)",
)
GCDF2_PATTERNS = {r", regional$|^Multi-Region$": "regional or multi-region recipient"}
SCHEMA = contracts.polars_schema("core_aiddata__chinese_finance")  # declared in catalog/tables/


def load(source_dir: Path) -> SourceResult:
    folder = source_dir / FOLDER
    records: list[InputRecord] = []
    core = pl.concat(
        [read_gcdf3(folder / GCDF3_FILE, records), read_gcdf2(folder / GCDF2_FILE, records)]
    )
    return SourceResult(
        tables={CORE_TABLE: core.sort("recipient_iso3", "dataset", "year", "flow_class")},
        inputs=records,
    )


def read_gcdf3(path: Path, records: list[InputRecord]) -> pl.DataFrame:
    frame, record = bc.open_input(path, SOURCE, FOLDER, GCDF3_REQUIRED, records=records)
    frame = bc.to_int(frame, "year", path, SOURCE)
    for column in GCDF3_REQUIRED[2:]:
        frame = bc.to_float(frame, column, path, SOURCE, nonnegative=True)
    frame = bc.drop_duplicates(frame, record)
    frame = bc.resolve_countries(
        frame, name="iso3", code="iso3", out="recipient_iso3", source=SOURCE, record=record
    )
    parts = [
        frame.select(
            "recipient_iso3",
            "year",
            pl.lit(label).alias("flow_class"),
            pl.col(f"{key}_adj_usd2021").alias("commitments_usd"),
            pl.col(f"{key}_usd2021").alias("commitments_unadjusted_usd"),
            pl.lit("constant 2021 US$").alias("price_basis"),
            pl.lit("GCDF 3.0").alias("dataset"),
            pl.lit(None, dtype=pl.Int64).alias("projects"),
        )
        for key, label in GCDF3_CLASSES.items()
    ]
    record.rows_kept = frame.height
    return pl.concat(parts).cast(SCHEMA)


def read_gcdf2(path: Path, records: list[InputRecord]) -> pl.DataFrame:
    frame, record = bc.open_input(path, SOURCE, FOLDER, GCDF2_REQUIRED, records=records)
    frame = bc.drop_duplicates(frame, record)
    frame = bc.to_int(frame, "Commitment Year", path, SOURCE)
    frame = bc.to_float(frame, "Amount (Nominal)", path, SOURCE, nonnegative=True)
    frame = bc.resolve_countries(
        frame,
        name="Recipient",
        code="Recipient ISO3",
        out="recipient_iso3",
        label="recipient",
        source=SOURCE,
        record=record,
        excluded_patterns=GCDF2_PATTERNS,
    )
    record.rows_kept = frame.height
    grouped = frame.group_by(
        "recipient_iso3",
        pl.col("Commitment Year").alias("year"),
        pl.col("Flow Class").alias("flow_class"),
    ).agg(
        pl.col("Amount (Nominal)").sum().alias("commitments_usd"),
        pl.len().alias("projects"),
    )
    return (
        grouped.with_columns(
            pl.col("commitments_usd").alias("commitments_unadjusted_usd"),
            pl.lit("nominal US$").alias("price_basis"),
            pl.lit("GCDF 2.0").alias("dataset"),
        )
        .select(list(SCHEMA))
        .cast(SCHEMA)
    )
