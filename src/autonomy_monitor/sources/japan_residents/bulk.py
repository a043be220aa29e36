"""Central Asian residents in Japan by status of residence (``<source_dir>/japan_residents/``).

Inputs (japan_residents/SOURCES.md): ``central_asians_in_japan_by_nationality_status_totals.csv``
(national totals by nationality x status, with a ``Total`` row per nationality) and
``central_asians_in_japan_by_municipality_status_sex.csv`` (the municipal detail it was
summed from, used here to check the totals and to take the status group).

Output ``core_japan__residents_by_status(nationality_iso3, status_code, status, status_ja,
status_group, is_specified_skilled_worker, residents, reference_date,
reference_date_inferred)``; the ``Total`` rows are not kept (they are the sum) but are checked.

Caveats: one reference date only, **not stated in the source**: the national total of
foreign residents (4,118,167) exceeds the ISA's end-June 2025 figure, so it is most likely
end-December 2025 (stored as 2025-12-31 with ``reference_date_inferred`` true). No SSW
breakdown by field. Small cells.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult

SOURCE = "japan_residents"
FOLDER = "japan_residents"
TOTALS_FILE = "central_asians_in_japan_by_nationality_status_totals.csv"
DETAIL_FILE = "central_asians_in_japan_by_municipality_status_sex.csv"
CORE_TABLE = "core_japan__residents_by_status"
REFERENCE_DATE = dt.date(2025, 12, 31)
TOTALS_REQUIRED = ("iso3", "nationality_en", "count", "status_code", "status_ja", "status_en")
DETAIL_REQUIRED = ("iso3", "nationality_en", "status_code", "status_group_repo", "count")


def load(source_dir: Path) -> SourceResult:
    folder = source_dir / FOLDER
    records: list[InputRecord] = []
    totals, total_rows = read_totals(folder / TOTALS_FILE, records)
    detail = read_detail(folder / DETAIL_FILE, records)
    check = totals_check(totals, total_rows, detail)
    groups = detail.group_by("status_code").agg(
        pl.col("status_group_repo").first().alias("status_group")
    )
    core = (
        totals.join(groups, on="status_code", how="left")
        .select(
            "nationality_iso3",
            "status_code",
            pl.col("status_en").alias("status"),
            "status_ja",
            "status_group",
            pl.col("status_ja").str.starts_with("特定技能").alias("is_specified_skilled_worker"),
            pl.col("count").cast(pl.Int64).alias("residents"),
            pl.lit(REFERENCE_DATE).alias("reference_date"),
            pl.lit(True).alias("reference_date_inferred"),
        )
        .sort("nationality_iso3", "residents", descending=[False, True])
    )
    return SourceResult(
        tables={CORE_TABLE: core}, inputs=records, checks={"qa_japan__residents_totals": check}
    )


def read_totals(path: Path, records: list[InputRecord]) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame, record = bc.open_input(path, SOURCE, FOLDER, TOTALS_REQUIRED, records=records)
    frame = bc.drop_duplicates(frame, record)
    frame = bc.to_float(frame, "count", path, SOURCE, nonnegative=True)
    frame = bc.to_int(frame, "count", path, SOURCE, dtype=pl.Int64)
    frame = bc.resolve_countries(
        frame,
        name="nationality_en",
        code="iso3",
        out="nationality_iso3",
        source=SOURCE,
        record=record,
    )
    is_total = pl.col("status_en") == "Total"
    record.reject("nationality total row (checked against the sum)", frame.filter(is_total).height)
    kept = frame.filter(~is_total)
    record.rows_kept = kept.height
    return kept, frame.filter(is_total)


def read_detail(path: Path, records: list[InputRecord]) -> pl.DataFrame:
    frame, record = bc.open_input(path, SOURCE, FOLDER, DETAIL_REQUIRED, records=records)
    frame = bc.to_float(frame, "count", path, SOURCE, nonnegative=True)
    frame = bc.resolve_countries(
        frame,
        name="nationality_en",
        code="iso3",
        out="nationality_iso3",
        source=SOURCE,
        record=record,
    )
    record.rows_kept = frame.height
    return frame


def totals_check(
    totals: pl.DataFrame, total_rows: pl.DataFrame, detail: pl.DataFrame
) -> pl.DataFrame:
    """Per nationality: the file's Total row, the sum of status rows, the municipal sum."""
    by_status = totals.group_by("nationality_iso3").agg(
        pl.col("count").sum().alias("sum_of_statuses")
    )
    municipal = detail.group_by("nationality_iso3").agg(
        pl.col("count").sum().cast(pl.Int64).alias("sum_of_municipalities")
    )
    stated = total_rows.select(
        "nationality_iso3", pl.col("count").cast(pl.Int64).alias("stated_total")
    )
    return (
        stated.join(by_status, on="nationality_iso3", how="full", coalesce=True)
        .join(municipal, on="nationality_iso3", how="full", coalesce=True)
        .sort("nationality_iso3")
    )
