"""World Development Indicators from the staged bulk mirror (``<source_dir>/wdi/``).

Input: ``wdi_indicators_long.parquet`` (country_code, country_name, indicator_code, year,
value), the Frictionless mirror of the World Bank API (see wdi/SOURCES.md). Only the
indicators in :data:`INDICATORS` are kept; the other rows are counted as rejects
("indicator not used"). World Bank aggregates (WLD, regions, income and lending groups) and
the Channel Islands (a territory group outside the country dimension) are excluded and
counted. Missing values are dropped and counted.

Caveats (SOURCES.md): no remittance data for Turkmenistan; external debt only for DRS
reporters (empty for JPN, USA, DEU, KOR; RUS stops in 2022); values as of the mirror's
update (2026-07-01).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.pipeline.warehouse import SourceResult

SOURCE = "wdi"
FOLDER = "wdi"
FILE = "wdi_indicators_long.parquet"
CORE_TABLE = "core_wdi__yearly_indicators"

INDICATORS = {
    "NY.GDP.MKTP.CD": "GDP, current US$",
    "NY.GDP.PCAP.CD": "GDP per capita, current US$",
    "SP.POP.TOTL": "population",
    "BX.TRF.PWKR.CD.DT": "personal remittances received, current US$",
    "NE.EXP.GNFS.ZS": "exports of goods and services, % of GDP",
    "NE.IMP.GNFS.ZS": "imports of goods and services, % of GDP",
    "TX.VAL.MRCH.CD.WT": "merchandise exports, current US$",
    "TM.VAL.MRCH.CD.WT": "merchandise imports, current US$",
    "DT.DOD.DECT.CD": "external debt stocks, current US$",
    "DT.DOD.DECT.GN.ZS": "external debt stocks, % of GNI",
    "DT.ODA.ODAT.CD": "net ODA received, current US$",
    "BX.KLT.DINV.CD.WD": "FDI net inflows, current US$",
    "SM.POP.TOTL": "international migrant stock",
    "NY.GDP.DEFL.KD.ZG": "GDP deflator, annual % (the US series converts constant to current US$)",
}

AGGREGATE_CODES = [
    "AFE",
    "AFW",
    "ARB",
    "CEB",
    "CSS",
    "EAP",
    "EAR",
    "EAS",
    "ECA",
    "ECS",
    "EMU",
    "EUU",
    "FCS",
    "HIC",
    "HPC",
    "IBD",
    "IBT",
    "IDA",
    "IDB",
    "IDX",
    "INX",
    "LAC",
    "LCN",
    "LDC",
    "LIC",
    "LMC",
    "LMY",
    "LTE",
    "MEA",
    "MIC",
    "MNA",
    "NAC",
    "OED",
    "OSS",
    "PRE",
    "PSS",
    "PST",
    "SAS",
    "SSA",
    "SSF",
    "SST",
    "TEA",
    "TEC",
    "TLA",
    "TMN",
    "TSA",
    "TSS",
    "UMC",
    "WLD",
]
EXCLUDED = {
    code: "World Bank aggregate (world, region, income or lending group)"
    for code in AGGREGATE_CODES
}
EXCLUDED["CHI"] = "Channel Islands: a territory group outside the country dimension"

CORE_SCHEMA = contracts.polars_schema("core_wdi__yearly_indicators")  # declared in catalog/tables/
REQUIRED = ("country_code", "country_name", "indicator_code", "year", "value")


def load(source_dir: Path) -> SourceResult:
    """Read the WDI long file into ``core_wdi__yearly_indicators``."""
    return bc.load_file(
        source_dir / FOLDER / FILE, SOURCE, FOLDER, REQUIRED, CORE_TABLE, parse, columns=REQUIRED
    )


def parse(frame: pl.DataFrame, path: Path, record) -> pl.DataFrame:
    """The long WDI frame (as read) -> the core table; rejects are counted on ``record``."""
    frame = frame.with_columns(
        pl.col(c).cast(pl.String) for c in ("country_code", "country_name", "indicator_code")
    )
    frame = frame.with_columns(pl.col("indicator_code").str.strip_chars().str.to_uppercase())
    used = frame.filter(pl.col("indicator_code").is_in(list(INDICATORS)))
    record.reject("indicator not used by the monitor", frame.height - used.height)
    used = bc.to_int(used, "year", path, SOURCE)
    used = bc.to_float(used, "value", path, SOURCE)
    missing = used.filter(pl.col("value").is_null() | pl.col("value").is_nan())
    record.reject("missing value", missing.height)
    used = used.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
    used = bc.resolve_countries(
        used,
        name="country_name",
        code="country_code",
        out="country_iso3",
        source=SOURCE,
        record=record,
        excluded=EXCLUDED,
    )
    used = bc.drop_duplicates(
        used.select("country_iso3", "year", "indicator_code", "value"), record
    )
    check_unique(used, path)
    return used.cast(CORE_SCHEMA).sort("country_iso3", "indicator_code", "year")  # type: ignore[arg-type]


def check_unique(frame: pl.DataFrame, path: Path) -> None:
    """Two different values for one country, year and indicator are a corrupt file."""
    dupes = frame.filter(pl.struct("country_iso3", "year", "indicator_code").is_duplicated())
    if dupes.height:
        row = dupes.row(0, named=True)
        raise bc.BadInput(
            f"{SOURCE}: {path.name} has conflicting values for {row['country_iso3']} "
            f"{row['indicator_code']} {row['year']}; replace the file with a clean copy."
        )
