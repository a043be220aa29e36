"""Governance context: WGI, V-Dem, Freedom House and BTI (``<source_dir>/governance/``).

Output ``core_governance__yearly_scores(country_iso3, year, source, indicator, value,
scale)``, one row per country, year, source and indicator, with the indicator's scale as
text (e.g. "-2.5 (weak) to 2.5 (strong)").

Per-source quirks (governance/SOURCES.md):

* WGI 2024 update (World Bank, CC BY 4.0): years 1996, 1998, 2000, 2002–2023; the six
  estimates (about −2.5..2.5) and percentile ranks (0..100). The former Netherlands Antilles
  (ANT, outside the country dimension) is excluded and counted. Student-repository copy.
* V-Dem v15 (CC BY-SA 4.0): five high-level indices, 0..1. Third-party extract.
* Freedom House (via OWID): **year is the edition year** (the report published that year);
  territories rated separately within a state (Crimea, Abkhazia, Tibet, Gaza Strip, Northern
  Cyprus, the Kashmirs, ...; the staged file gave several of them the state's ISO3, which
  would duplicate that state's rows) and the two historical Vietnams (no code in the country
  dimension) are excluded and counted; territories with their own code (Hong Kong, Kosovo,
  Puerto Rico, Palestine) are kept; East and West Germany resolve to DDR and DEU and the
  Yemen People's Republic (staged as YEM) to YMD.
* BTI (via OWID): **year is the edition year minus one**; editions every two years.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult

SOURCE = "governance"
FOLDER = "governance"
CORE_TABLE = "core_governance__yearly_scores"

WGI_NAMES = {
    "va": "voice_accountability",
    "pv": "political_stability",
    "ge": "government_effectiveness",
    "rq": "regulatory_quality",
    "rl": "rule_of_law",
    "cc": "control_of_corruption",
}
VDEM = {
    "v2x_polyarchy": ("electoral_democracy", "0 to 1 (more democratic)"),
    "v2x_libdem": ("liberal_democracy", "0 to 1 (more democratic)"),
    "v2x_partipdem": ("participatory_democracy", "0 to 1 (more democratic)"),
    "v2x_delibdem": ("deliberative_democracy", "0 to 1 (more democratic)"),
    "v2x_egaldem": ("egalitarian_democracy", "0 to 1 (more democratic)"),
}
FH = {
    "total_score_fh": ("total_score", "0 to 100 (more free); edition year"),
    "polrights_score_fh": ("political_rights_score", "0 to 40 (more free); edition year"),
    "civlibs_score_fh": ("civil_liberties_score", "0 to 60 (more free); edition year"),
    "polrights_fh": ("political_rights_rating", "1 (most free) to 7 (least free); edition year"),
    "civlibs_fh": ("civil_liberties_rating", "1 (most free) to 7 (least free); edition year"),
    "regime_fh": ("status", "0 not free, 1 partly free, 2 free; edition year"),
}
BTI = {
    "democracy_bti": ("democracy_status", "1 to 10 (more democratic); edition year - 1"),
    "regime_bti": ("regime", "1 hard autocracy to 5 consolidating democracy; edition year - 1"),
    "state_bti": ("stateness", "1 to 10 (higher is better); edition year - 1"),
    "political_participation_bti": (
        "political_participation",
        "1 to 10 (higher is better); edition year - 1",
    ),
    "rule_of_law_bti": ("rule_of_law", "1 to 10 (higher is better); edition year - 1"),
    "stability_dem_inst_bti": (
        "stability_of_democratic_institutions",
        "1 to 10 (higher is better); edition year - 1",
    ),
    "pol_soc_integr_bti": (
        "political_and_social_integration",
        "1 to 10 (higher is better); edition year - 1",
    ),
}
FILES = {  # publisher and licence of each file: catalog/sources/governance.yaml (files)
    "WGI": "wgi_2024_update_1996_2023.csv",
    "V-Dem": "vdem_v15_high_level_indices_1960_2024.csv",
    "Freedom House": "freedom_house_fiw_owid_1972_2022.csv",
    "BTI": "bti_owid_2005_2021.csv",
}
FH_TERRITORIES = (
    "Abkhazia",
    "Chechnya",
    "Crimea",
    "Eastern Donbas",
    "Kurdistan",
    "Nagorno-Karabakh",
    "Northern Ireland",
    "Somaliland",
    "South Ossetia",
    "Tibet",
    "Transnistria",
    "West Papua",
    "Gaza Strip",
    "West Bank",
    "Indian Kashmir",
    "Pakistani Kashmir",
    "Northern Cyprus",
    "Israeli-Occupied Territories",
    "Palestinian Authority-Administered Territories",
)
# The staged file codes these names with the code of a state they are part of or preceded; the
# names take precedence (the territory is excluded above, South Yemen is its own state).
FH_CODE_FIXES = {"Yemen People's Republic": "YMD"}
EXCLUDED = {
    **{name: "territory rated separately (not a state)" for name in FH_TERRITORIES},
    "North Vietnam": "historical state without a code in the country dimension",
    "Republic of Vietnam": "historical state without a code in the country dimension",
    "ANT": "former Netherlands Antilles: outside the country dimension",
    "NAC": "aggregate (North America)",
    "WLD": "aggregate (World)",
}
SCHEMA = contracts.polars_schema("core_governance__yearly_scores")  # declared in catalog/tables/


def load(source_dir: Path) -> SourceResult:
    folder = source_dir / FOLDER
    records: list[InputRecord] = []
    parts = [
        read_wgi(folder, records),
        read_wide(folder, "V-Dem", VDEM, "country_name", "country_text_id", records),
        read_wide(folder, "Freedom House", FH, "country_name", "iso3", records),
        read_wide(folder, "BTI", BTI, "country_name", "iso3", records),
    ]
    core = pl.concat(parts).sort("country_iso3", "source", "indicator", "year")
    return SourceResult(tables={CORE_TABLE: core}, inputs=records)


def _open(
    folder: Path, key: str, required: tuple[str, ...], records: list[InputRecord]
) -> tuple[pl.DataFrame, Path, InputRecord]:
    path = folder / FILES[key]
    frame, record = bc.open_input(path, SOURCE, FOLDER, required, records=records)
    frame = bc.drop_duplicates(frame, record)
    return bc.to_int(frame, "year", path, SOURCE), path, record


def read_wgi(folder: Path, records: list[InputRecord]) -> pl.DataFrame:
    frame, path, record = _open(
        folder, "WGI", ("iso3", "countryname", "year", "indicator", "estimate", "pctrank"), records
    )
    frame = bc.to_float(frame, "estimate", path, SOURCE)
    frame = bc.to_float(frame, "pctrank", path, SOURCE, nonnegative=True)
    unknown = sorted(set(frame["indicator"].drop_nulls().unique()) - set(WGI_NAMES))
    if unknown:
        raise bc.BadInput(
            f"{SOURCE}: {path.name}, column 'indicator': unknown "
            f"code(s) {unknown}; expected {sorted(WGI_NAMES)}."
        )
    frame = bc.resolve_countries(
        frame,
        name="countryname",
        code="iso3",
        out="country_iso3",
        source=SOURCE,
        record=record,
        excluded=EXCLUDED,
    )
    frame = keep_rows_with_values(frame, ["estimate", "pctrank"], record)
    name = pl.col("indicator").replace_strict(WGI_NAMES)
    estimate = frame.select(
        "country_iso3",
        "year",
        pl.lit("WGI").alias("source"),
        name.alias("indicator"),
        pl.col("estimate").alias("value"),
        pl.lit("-2.5 (weak) to 2.5 (strong)").alias("scale"),
    )
    rank = frame.select(
        "country_iso3",
        "year",
        pl.lit("WGI").alias("source"),
        (name + "_percentile").alias("indicator"),
        pl.col("pctrank").alias("value"),
        pl.lit("0 to 100 (percentile rank among countries)").alias("scale"),
    )
    return _finish(pl.concat([estimate, rank]), record)


def read_wide(
    folder: Path,
    key: str,
    columns: dict[str, tuple[str, str]],
    name: str,
    code: str,
    records: list[InputRecord],
) -> pl.DataFrame:
    frame, path, record = _open(folder, key, (name, code, "year", *columns), records)
    if key == "Freedom House":
        frame = frame.with_columns(
            pl.col(name).replace_strict(FH_CODE_FIXES, default=pl.col(code)).alias(code)
        )
    for column in columns:
        frame = bc.to_float(frame, column, path, SOURCE)
    frame = bc.resolve_countries(
        frame,
        name=name,
        code=code,
        out="country_iso3",
        source=SOURCE,
        record=record,
        excluded=EXCLUDED,
    )
    frame = keep_rows_with_values(frame, list(columns), record)
    parts = [
        frame.select(
            "country_iso3",
            "year",
            pl.lit(key).alias("source"),
            pl.lit(indicator).alias("indicator"),
            pl.col(column).alias("value"),
            pl.lit(scale).alias("scale"),
        )
        for column, (indicator, scale) in columns.items()
    ]
    return _finish(pl.concat(parts), record)


def keep_rows_with_values(
    frame: pl.DataFrame, columns: list[str], record: InputRecord
) -> pl.DataFrame:
    """Drop (and count) rows whose score columns are all empty; the rest are kept."""
    has_value = pl.any_horizontal(
        [pl.col(c).is_not_null() & pl.col(c).is_not_nan() for c in columns]
    )
    kept = frame.filter(has_value)
    record.reject("no score in any kept column", frame.height - kept.height)
    record.rows_kept = kept.height
    return kept


def _finish(long: pl.DataFrame, record: InputRecord) -> pl.DataFrame:
    kept = long.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan()).cast(SCHEMA)
    dupes = kept.filter(pl.struct("country_iso3", "year", "source", "indicator").is_duplicated())
    if dupes.height:
        row = dupes.row(0, named=True)
        raise bc.BadInput(
            f"{SOURCE}: {record.file} has two values for "
            f"{row['country_iso3']} {row['indicator']} {row['year']}; keep one."
        )
    return kept
