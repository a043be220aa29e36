"""Product-level bilateral trade: CEPII BACI bulk files and UN Comtrade bulk CSV.

Unlike the other sources, product trade is too large to load into Python (BACI: ~10 million
rows a year, 250 million over 1995–2022). This module therefore does not return frames: it
finds and checks the files, provides the country-code map, and turns a *lazy* scan made by an
engine (``Engine.read_csv``) into the common trade layout with narwhals, so DuckDB streams it
and Spark distributes it. ``steps/products_step.py`` runs it.

BACI layout (CEPII, Gaulier & Zignago 2010): yearly CSV files ``BACI_HS*_Y<year>_V*.csv``
with header ``t,i,j,k,v,q``: t year, i exporter, j importer (BACI numeric country codes), k
HS6 product code, v value in thousands of current US$ (FOB, reconciled mirror flows), q
quantity in metric tons (``NA`` when unknown; not used here).

Country codes: BACI's ``country_codes_V*.csv`` (columns ``country_code``,
``country_iso3``) is used when it sits beside the data files; otherwise the ``m49`` column of
the country table, with BACI's own codes where they differ from UN M49:

===== ============================ ===========
BACI  meaning                      mapped to
===== ============================ ===========
251   France (incl. Monaco)        FRA (M49 250)
579   Norway (incl. Svalbard)      NOR (M49 578)
699   India (incl. Sikkim)         IND (M49 356)
757   Switzerland (incl. Liecht.)  CHE (M49 756)
842   USA (incl. PR, USVI)         USA (M49 840)
490   "Other Asia, nes"            TWN (Taiwan in practice; M49 has no code for Taiwan)
58    Belgium-Luxembourg (-1998)   rejected: an aggregate of two states
711   Southern African Cust. Union rejected: an aggregate (to 1999)
===== ============================ ===========

Codes that map to nothing are rejected and counted per code, never dropped silently.

UN Comtrade bulk CSV (the current ``comtradeapi`` bulk layout): columns ``refYear``,
``reporterISO``, ``flowCode``, ``partnerISO``, ``cmdCode``, ``primaryValue`` (US$), and when
present ``customsCode``/``motCode``/``partner2Code`` (only the totals ``C00``/``0``/``0`` are
kept, otherwise rows would be counted several times). Only import rows (``flowCode`` M) are
used — importer = reporter, exporter = partner — which is how BACI is built too (imports
CIF are the better-measured side); World (``W00``) and area partners are rejected.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

import narwhals as nw
import polars as pl

from autonomy_monitor import countries
from autonomy_monitor.errors import BadInput
from autonomy_monitor.pipeline.warehouse import InputRecord
from autonomy_monitor.sources import bulk_common

FOLDER = "baci"
# every column in file order (Spark maps a schema by position); q is read as text ("NA")
BACI_COLUMNS = {
    "t": "INTEGER",
    "i": "INTEGER",
    "j": "INTEGER",
    "k": "VARCHAR",
    "v": "DOUBLE",
    "q": "VARCHAR",
}
BACI_HEADER = ("t", "i", "j", "k", "v", "q")
COMTRADE_REQUIRED = {
    "refYear": "INTEGER",
    "reporterISO": "VARCHAR",
    "flowCode": "VARCHAR",
    "partnerISO": "VARCHAR",
    "cmdCode": "VARCHAR",
    "primaryValue": "DOUBLE",
}
COMTRADE_OPTIONAL = {"customsCode": "VARCHAR", "motCode": "VARCHAR", "partner2Code": "VARCHAR"}
BACI_FILE = re.compile(r"BACI_(HS\d\d)_Y(\d{4})_V\w+\.csv$")
TRADE_COLUMNS = ("year", "exporter_iso3", "importer_iso3", "product", "value_usd")

BACI_OWN_CODES = {251: "FRA", 579: "NOR", 699: "IND", 757: "CHE", 842: "USA", 490: "TWN"}
BACI_AGGREGATES = {
    58: "Belgium-Luxembourg (BACI code 58, to 1998)",
    711: "Southern African Customs Union (BACI code 711, to 1999)",
}


def baci_files(folder: Path) -> list[Path]:
    """BACI yearly files in ``folder`` (``BACI_HS*_Y<year>_V*.csv``), by year."""
    files = sorted(p for p in folder.glob("*.csv") if BACI_FILE.search(p.name))
    if not files:
        raise BadInput(
            f"{folder}: no BACI yearly file (BACI_HS<rev>_Y<year>_V<version>.csv) found: "
            "download BACI from CEPII and unzip it into this folder."
        )
    found = [BACI_FILE.search(p.name).groups() for p in files]  # type: ignore[union-attr]
    revisions = sorted({rev for rev, _ in found})
    if len(revisions) > 1:
        raise BadInput(
            f"{folder}: BACI files of several HS revisions ({', '.join(revisions)}): "
            "keep one revision's files in the folder (product codes differ between revisions)."
        )
    years = [year for _, year in found]
    doubled = sorted({y for y in years if years.count(y) > 1})
    if doubled:
        raise BadInput(
            f"{folder}: more than one BACI file for year(s) {', '.join(doubled)} (two versions?): "
            "keep one file per year."
        )
    return files


def comtrade_files(folder: Path) -> list[Path]:
    """UN Comtrade bulk CSV files in ``folder`` (any *.csv whose header has ``refYear``)."""
    return sorted(p for p in folder.glob("*.csv") if "refYear" in header(p))


def header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [c.strip() for c in next(csv.reader(handle), [])]


def check_header(path: Path, required: Sequence[str]) -> list[str]:
    """The file's columns; BadInput naming the file and the missing ones if any is absent."""
    if not path.is_file():
        raise BadInput(f"{path}: file not found: check the --baci-dir folder.")
    columns = header(path)
    missing = [c for c in required if c not in columns]
    if missing:
        raise BadInput(
            f"{path.name}: missing column(s) {', '.join(missing)} (found "
            f"{', '.join(columns) or 'none'}): is this a BACI or UN Comtrade bulk file?"
        )
    return columns


def baci_code_map(folder: Path) -> pl.DataFrame:
    """BACI numeric code -> ISO3: BACI's own country file if present, else M49 + overrides."""
    table = countries.country_table()
    known = set(table["iso3"].to_list())
    code_files = sorted(folder.glob("country_codes_V*.csv"))
    if code_files:
        own = pl.read_csv(code_files[-1], infer_schema_length=0)
        check_header(code_files[-1], ["country_code", "country_iso3"])
        frame = own.select(
            pl.col("country_code").cast(pl.Int32).alias("code"),
            pl.col("country_iso3").alias("iso3"),
        )
        return frame.filter(
            pl.col("iso3").is_in(list(known)) & ~pl.col("code").is_in(list(BACI_AGGREGATES))
        )
    m49 = table.filter(
        pl.col("m49").is_not_null() & (pl.col("is_historical").cast(pl.String) != "true")
    ).select(pl.col("m49").cast(pl.Int32).alias("code"), "iso3")
    own = pl.DataFrame(
        {"code": list(BACI_OWN_CODES), "iso3": list(BACI_OWN_CODES.values())},
        schema={"code": pl.Int32, "iso3": pl.String},
    )
    return (
        pl.concat([m49.filter(~pl.col("code").is_in(list(BACI_OWN_CODES))), own])
        .unique("code")
        .sort("code")
    )


def baci_to_trade(raw: nw.LazyFrame, codes: nw.LazyFrame) -> nw.LazyFrame:
    """A lazy scan of BACI files (``BACI_COLUMNS``) -> year, exporter_iso3, importer_iso3,
    product (6-character HS code), value_usd (v × 1000). Rows whose i or j has no ISO3 are
    left out (count them with :func:`baci_checks`)."""
    exporters = codes.select(nw.col("code").alias("i"), nw.col("iso3").alias("exporter_iso3"))
    importers = codes.select(nw.col("code").alias("j"), nw.col("iso3").alias("importer_iso3"))
    joined = raw.join(exporters, on="i", how="inner").join(importers, on="j", how="inner")
    return joined.select(
        nw.col("t").cast(nw.Int32()).alias("year"),
        "exporter_iso3",
        "importer_iso3",
        nw.col("k").str.strip_chars().str.zfill(6).alias("product"),
        (nw.col("v") * 1000.0).alias("value_usd"),
    )


def baci_checks(raw: nw.LazyFrame, codes: nw.LazyFrame) -> nw.LazyFrame:
    """One row of counts for provenance and validation: rows, null year, negative or null
    value, exporter/importer codes without ISO3."""
    known = codes.select(nw.col("code"), nw.lit(1).alias("__known"))
    tagged = raw.join(known.rename({"code": "i", "__known": "__ki"}), on="i", how="left").join(
        known.rename({"code": "j", "__known": "__kj"}), on="j", how="left"
    )
    return tagged.select(
        nw.len().alias("rows"),
        nw.col("t").is_null().cast(nw.Int64()).sum().alias("null_year"),
        (nw.col("v") < 0).fill_null(False).cast(nw.Int64()).sum().alias("negative_value"),
        nw.col("v").is_null().cast(nw.Int64()).sum().alias("null_value"),
        nw.col("__ki").is_null().cast(nw.Int64()).sum().alias("unmapped_exporter"),
        nw.col("__kj").is_null().cast(nw.Int64()).sum().alias("unmapped_importer"),
        (nw.col("__ki").is_null() | nw.col("__kj").is_null())
        .cast(nw.Int64())
        .sum()
        .alias("unmapped_rows"),
    )


def unmapped_codes(raw: nw.LazyFrame, codes: nw.LazyFrame) -> nw.LazyFrame:
    """Codes (exporter or importer) that have no ISO3, with their row counts."""
    both = nw.concat(
        [raw.select(nw.col("i").alias("code")), raw.select(nw.col("j").alias("code"))],
        how="vertical",
    )
    return (
        both.join(codes.select("code"), on="code", how="anti")
        .group_by("code")
        .agg(nw.len().alias("rows"))
    )


def comtrade_to_trade(
    raw: nw.LazyFrame, known_iso3: nw.LazyFrame, columns: Sequence[str]
) -> nw.LazyFrame:
    """A lazy scan of Comtrade bulk CSV -> the common trade layout (imports only, totals of
    customs procedure / mode of transport / second partner only, known ISO3 partners only)."""
    rows = raw.filter((nw.col("flowCode") == "M") & (nw.col("cmdCode").str.len_chars() == 6))
    for column, total in (("customsCode", "C00"), ("motCode", "0"), ("partner2Code", "0")):
        if column in columns:
            rows = rows.filter(nw.col(column) == total)
    exporters = known_iso3.select(nw.col("iso3").alias("partnerISO"))
    importers = known_iso3.select(nw.col("iso3").alias("reporterISO"))
    rows = rows.join(exporters, on="partnerISO", how="semi").join(
        importers, on="reporterISO", how="semi"
    )
    return rows.select(
        nw.col("refYear").cast(nw.Int32()).alias("year"),
        nw.col("partnerISO").alias("exporter_iso3"),
        nw.col("reporterISO").alias("importer_iso3"),
        nw.col("cmdCode").alias("product"),
        nw.col("primaryValue").alias("value_usd"),
    )


def known_iso3() -> pl.DataFrame:
    return countries.country_table().select("iso3")


def input_records(
    paths: Sequence[Path], checks: dict[str, int], unmapped: pl.DataFrame
) -> list[InputRecord]:
    """One provenance record per file; the counts (computed over all files in one pass) are
    attached to the first file's record as the whole input's rows and rejects."""
    records = [bulk_common.new_record("baci", FOLDER, p) for p in paths]
    if records:
        first = records[0]
        first.rows_read = int(checks["rows"])
        for row in unmapped.iter_rows(named=True):
            reason = BACI_AGGREGATES.get(int(row["code"]), f"BACI code {row['code']} has no ISO3")
            first.reject(f"{reason} (exporter or importer)", int(row["rows"]))
        first.rows_kept = first.rows_read - int(checks["unmapped_rows"])
    return records


def validate_checks(paths: Sequence[Path], checks: dict[str, int]) -> None:
    """BadInput when the scan found rows a build must not use (null year, negative value)."""
    where = paths[0].parent
    if checks["null_year"]:
        raise BadInput(
            f"{where}: {checks['null_year']} BACI row(s) have an empty or non-numeric "
            "year in column t: the files are truncated or malformed; download them again."
        )
    if checks["negative_value"]:
        raise BadInput(
            f"{where}: {checks['negative_value']} BACI row(s) have a negative value in column v: "
            "trade values cannot be negative; check the files."
        )
