"""Partner-level merchandise trade after DOTS (``<source_dir>/trade_recent/``), one label per
source.

Inputs (see trade_recent/SOURCES.md) and what becomes of them:

* ``national_trade_by_partner_kaz_kgz_uzb.csv``: Kazakhstan's (KZ BNS), Kyrgyzstan's
  (KG NSC) and Uzbekistan's (UZ Stat) own exports and imports by partner, thousand US$,
  all years each covers (KGZ 1994–2023, UZB 2010–2023, KAZ 2018–2023);
* ``eurostat_eu_exports_monthly_by_member_state_2019_2024.csv``: each EU member state's
  exports to KAZ, KGZ, UZB, RUS, ARM, GEO (and imports from KGZ), euro, summed to full
  calendar years and converted to US$ with the euro area's annual average rate
  (WDI ``PA.NUS.FCRF`` for EMU, read from ``<source_dir>/wdi/wdi_indicators_long.parquet``);
  the EU/euro-area aggregate reporters and the partial year 2024 are counted as rejects;
* ``eurostat_eu27_exports_by_partner_2010_2023.csv``: the EU-27 aggregate as reporter, not a
  country, so every row is counted as a reject; it serves as a check that the member-state
  rows add up (``qa_trade_recent__eu27_monthly_vs_annual``);
* ``russia_fcs_trade_main_partners_monthly_2006_2021.csv``: Russia's trade with its 29 main
  partners (Rosstat/FCS), million US$, summed to full years (2006–2021);
* ``press_reported_headline_trade_china_gacc_tajstat_2019_2024.csv``: headline figures
  quoted in the press (China's GACC, Tajikistan's statistics agency). Only full-year
  directional figures with a single partner are kept, labelled ``press:<publisher>`` (and
  ``(derived)`` where the compiler derived them); turnovers, part-year figures and group
  partners (C5, WLD, CIS) are counted as rejects. The both-views step uses them only where
  nothing else exists and flags them ``press_reported``.

Output: ``core_trade__recent_bilateral(reporter_iso3, partner_iso3, year, flow, value_usd,
source)`` with flow ``export``/``import`` and value in US$. Each row keeps its own source.

``core_trade__recent_reported_totals(reporter_iso3, year, flow, value_usd, source, basis)``:
each national publisher's total exports and imports, the denominator of its partner shares
(the partner rows leave trade out: non-monetary gold, unallocated amounts). Where the total is
stated depends on the publisher (``TOTAL_ROWS``, ``REMAINDER_ROWS``): KZ BNS and KG NSC give
a total row ("Всего", "Total"); UZ Stat gives none, but its remainder row "Other countries"
holds everything not allocated to a partner (mostly non-monetary gold), so its partner rows
plus that row are its total (2023: US$ 63.5 bn against the 62.6 bn stat.uz announced).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult

SOURCE = "trade_recent"
FOLDER = "trade_recent"
CORE_TABLE = "core_trade__recent_bilateral"
QA_TABLE = "qa_trade_recent__eu27_monthly_vs_annual"

NATIONAL_FILE = "national_trade_by_partner_kaz_kgz_uzb.csv"
EU_MONTHLY_FILE = "eurostat_eu_exports_monthly_by_member_state_2019_2024.csv"
EU_ANNUAL_FILE = "eurostat_eu27_exports_by_partner_2010_2023.csv"
FCS_FILE = "russia_fcs_trade_main_partners_monthly_2006_2021.csv"
PRESS_FILE = "press_reported_headline_trade_china_gacc_tajstat_2019_2024.csv"
WDI_FILE = "wdi/wdi_indicators_long.parquet"

NATIONAL_PUBLISHERS = {
    "KZ BNS": "Bureau of National Statistics of Kazakhstan (stat.gov.kz)",
    "KG NSC": "National Statistical Committee of the Kyrgyz Republic (stat.gov.kg)",
    "UZ Stat": "National Statistics Committee of Uzbekistan (stat.uz)",
}
EUROSTAT = "Eurostat Comext"
FCS = "RU FCS"
PRESS_PREFIX = "press:"

FLOWS = {"exports": "export", "imports": "import"}
PRESS_MEASURES = {
    "China exports to country_b": "export",
    "China imports from country_b (= country_b exports to China)": "import",
    "country_a exports to country_b": "export",
    "country_a imports from country_b": "import",
}
PRESS_GROUPS = {
    "C5": "group partner (five Central Asian states)",
    "WLD": "world total",
    "CIS": "group partner (CIS)",
}
EURO_RATE = ("EMU", "PA.NUS.FCRF")  # euro per US$, annual average (World Bank WDI)

NATIONAL_REQUIRED = (
    "reporter_iso3",
    "publisher_short",
    "partner_name",
    "partner_iso3",
    "partner_is_aggregate",
    "flow",
    "year",
    "value_usd_thousands",
)
EU_MONTHLY_REQUIRED = (
    "reporter_name",
    "reporter_iso3",
    "partner_name",
    "partner_iso3",
    "flow",
    "year",
    "month",
    "value_eur",
)
EU_ANNUAL_REQUIRED = (
    "reporter",
    "partner_name",
    "partner_iso3",
    "partner_is_aggregate",
    "flow",
    "year",
    "value_eur",
)
FCS_REQUIRED = (
    "reporter_iso3",
    "partner_name",
    "partner_iso3",
    "flow",
    "year",
    "month",
    "value_usd_millions",
)
PRESS_REQUIRED = (
    "reporting_source",
    "country_a",
    "country_b",
    "year",
    "period",
    "measure",
    "value_usd_millions",
    "value_status",
)

NOT_IN_DIMENSION = {"ANT": "Netherlands Antilles (dissolved 2010) is not in the country dimension"}

TOTALS_TABLE = "core_trade__recent_reported_totals"
# Publisher quirks: the row that states the total, or the remainder row that completes the
# partner rows to the total (module docstring).
TOTAL_ROWS = {"KZ BNS": "Всего", "KG NSC": "Total"}
REMAINDER_ROWS = {"UZ Stat": "Other countries"}
TOTALS_SCHEMA = contracts.polars_schema(TOTALS_TABLE)  # declared in catalog/tables/

CORE_SCHEMA = contracts.polars_schema("core_trade__recent_bilateral")  # declared in catalog/tables/


def load(source_dir: Path) -> SourceResult:
    """Read every trade_recent file into ``core_trade__recent_bilateral``."""
    folder = source_dir / FOLDER
    rates, rate_record = euro_rates(source_dir)
    national, national_record, totals = read_national(folder / NATIONAL_FILE)
    monthly, monthly_record, eu27_monthly = read_eu_monthly(folder / EU_MONTHLY_FILE, rates)
    annual_record, qa = read_eu_annual(folder / EU_ANNUAL_FILE, eu27_monthly)
    fcs, fcs_record = read_fcs(folder / FCS_FILE)
    press, press_record = read_press(folder / PRESS_FILE)
    core = finish(pl.concat([national, monthly, fcs, press]))
    records = [national_record, monthly_record, annual_record, fcs_record, press_record]
    if rate_record is not None:
        records.append(rate_record)
    return SourceResult(
        tables={CORE_TABLE: core, TOTALS_TABLE: totals}, inputs=records, checks={QA_TABLE: qa}
    )


def finish(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.select(list(CORE_SCHEMA))
        .cast(CORE_SCHEMA)
        .sort(  # type: ignore[arg-type]
            "reporter_iso3", "partner_iso3", "year", "flow", "source"
        )
    )


# -- national statistics ---------------------------------------------------------------------


def read_national(path: Path) -> tuple[pl.DataFrame, InputRecord, pl.DataFrame]:
    frame, record = bc.open_input(path, SOURCE, FOLDER, NATIONAL_REQUIRED)
    frame = typed(frame, path, "value_usd_thousands")
    frame = check_flow(frame, path)
    aggregate = pl.col("partner_is_aggregate").str.to_lowercase().is_in(["true", "1"])
    totals = reported_totals(frame, aggregate)
    record.reject(
        "aggregate partner (total, CIS, EAEU, EU, other countries)", frame.filter(aggregate).height
    )
    frame = frame.filter(~aggregate)
    unknown = frame.filter(~pl.col("publisher_short").is_in(list(NATIONAL_PUBLISHERS)))
    if unknown.height:
        raise bc.BadInput(
            f"{SOURCE}: {path.name}, column 'publisher_short': unknown publisher "
            f"{unknown['publisher_short'][0]!r}; expected one of {', '.join(NATIONAL_PUBLISHERS)}."
        )
    frame = resolve_pair(
        frame, "reporter_iso3", "reporter_iso3", "partner_name", "partner_iso3", record
    )
    frame = frame.with_columns(
        (pl.col("value_usd_thousands") * 1e3).alias("value_usd"),
        pl.col("publisher_short").alias("source"),
    )
    return (*keep(frame, record), totals)


def reported_totals(frame: pl.DataFrame, aggregate: pl.Expr) -> pl.DataFrame:
    """Each publisher's total exports and imports per reporter and year, in US$ (see
    ``TOTAL_ROWS`` / ``REMAINDER_ROWS``); exact duplicate rows count once."""
    frame = frame.unique(maintain_order=True)
    stated = pl.col("partner_name") == pl.col("publisher_short").replace_strict(
        TOTAL_ROWS, default=None
    )
    remainder = pl.col("partner_name") == pl.col("publisher_short").replace_strict(
        REMAINDER_ROWS, default=None
    )
    summed = pl.col("publisher_short").is_in(list(REMAINDER_ROWS)) & (~aggregate | remainder)
    key = ["reporter_iso3", "year", "flow", "publisher_short"]
    parts = [
        frame.filter(stated & aggregate)
        .group_by(key)
        .agg(pl.col("value_usd_thousands").sum())
        .with_columns(
            pl.format(
                "total row '{}'", pl.col("publisher_short").replace_strict(TOTAL_ROWS, default=None)
            ).alias("basis")
        ),
        frame.filter(summed)
        .group_by(key)
        .agg(pl.col("value_usd_thousands").sum())
        .with_columns(
            pl.format(
                "partner rows + remainder row '{}'",
                pl.col("publisher_short").replace_strict(REMAINDER_ROWS, default=None),
            ).alias("basis")
        ),
    ]
    totals = pl.concat(parts).select(
        "reporter_iso3",
        "year",
        "flow",
        (pl.col("value_usd_thousands") * 1e3).alias("value_usd"),
        pl.col("publisher_short").alias("source"),
        "basis",
    )
    return totals.cast(TOTALS_SCHEMA).sort("reporter_iso3", "year", "flow")  # type: ignore[arg-type]


def typed(frame: pl.DataFrame, path: Path, value: str) -> pl.DataFrame:
    """Year as whole number, value as non-negative number (BadInput names file, column, row)."""
    frame = bc.to_int(frame, "year", path, SOURCE)
    return bc.to_float(frame, value, path, SOURCE, nonnegative=True)


def check_flow(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    bad = ~pl.col("flow").is_in(list(FLOWS))
    if frame.filter(bad).height:
        index = int(frame.select(bad.arg_true().first()).item())
        raise bc.BadInput(
            f"{SOURCE}: {path.name}, column 'flow', row {index + 1}: {frame['flow'][index]!r} "
            "is not 'exports' or 'imports'; correct or remove that row."
        )
    return frame.with_columns(pl.col("flow").replace_strict(FLOWS).alias("flow"))


def resolve_pair(
    frame: pl.DataFrame,
    reporter_name: str,
    reporter_code: str | None,
    partner_name: str,
    partner_code: str | None,
    record: InputRecord,
) -> pl.DataFrame:
    """Resolve reporter and partner through the country dimension (codes first, then names)."""
    renamed = {c: f"__{c}" for c in {reporter_code, partner_code} if c}
    frame = frame.rename(renamed)
    for role, name, code in (
        ("reporter", reporter_name, reporter_code),
        ("partner", partner_name, partner_code),
    ):
        frame = bc.resolve_countries(
            frame,
            name=renamed.get(name, name),
            code=renamed.get(code) if code else None,
            out=f"{role}_iso3",
            source=SOURCE,
            record=record,
            excluded=NOT_IN_DIMENSION,
        )
    return frame


def keep(
    frame: pl.DataFrame, record: InputRecord, *, rows_kept: int | None = None
) -> tuple[pl.DataFrame, InputRecord]:
    """Drop exact duplicates of core rows (counted), fail on conflicting ones, fill rows_kept.

    ``rows_kept`` is given for monthly files, whose kept rows are the months behind the
    annual sums; otherwise it is the number of core rows."""
    core = bc.drop_duplicates(frame.select(list(CORE_SCHEMA)), record)
    clash = core.filter(
        pl.struct("reporter_iso3", "partner_iso3", "year", "flow", "source").is_duplicated()
    )
    if clash.height:
        row = clash.row(0, named=True)
        raise bc.BadInput(
            f"{SOURCE}: {record.file} has conflicting values for "
            f"{row['reporter_iso3']} -> {row['partner_iso3']} {row['flow']} "
            f"{row['year']}; replace the file with a clean copy."
        )
    record.rows_kept = core.height if rows_kept is None else rows_kept
    return core, record


# -- Eurostat ---------------------------------------------------------------------------------


def euro_rates(source_dir: Path) -> tuple[pl.DataFrame, InputRecord | None]:
    """Euro per US$ by year from WDI (EMU, PA.NUS.FCRF); empty if the WDI file is absent."""
    path = source_dir / WDI_FILE
    empty = pl.DataFrame(schema={"year": pl.Int32, "eur_per_usd": pl.Float64})
    if not path.is_file():
        return empty, None
    frame = pl.scan_parquet(path).select("country_code", "indicator_code", "year", "value")
    rates = (
        frame.filter(
            (pl.col("country_code").cast(pl.String) == EURO_RATE[0])
            & (pl.col("indicator_code").cast(pl.String) == EURO_RATE[1])
            & pl.col("value").is_not_null()
        )
        .select(pl.col("year").cast(pl.Int32), pl.col("value").alias("eur_per_usd"))
        .collect()
    )
    record = bc.new_record(SOURCE, "wdi", path, catalog_name="wdi")
    record.rows_read = record.rows_kept = rates.height  # rows used: the euro rate only
    return rates, record


def complete_years(frame: pl.DataFrame, record: InputRecord) -> pl.DataFrame:
    """Keep years for which the file has all 12 months; count the rest as partial."""
    months = frame.group_by("year").agg(pl.col("month").n_unique().alias("__months"))
    full = months.filter(pl.col("__months") == 12)["year"]
    partial = frame.filter(~pl.col("year").is_in(full.implode()))
    record.reject("partial year (fewer than 12 months in the file)", partial.height)
    return frame.filter(pl.col("year").is_in(full.implode()))


def read_eu_monthly(
    path: Path, rates: pl.DataFrame
) -> tuple[pl.DataFrame, InputRecord, pl.DataFrame]:
    frame, record = bc.open_input(path, SOURCE, FOLDER, EU_MONTHLY_REQUIRED)
    frame = typed(bc.to_int(frame, "month", path, SOURCE), path, "value_eur")
    frame = check_flow(bc.drop_duplicates(frame, record), path)
    frame = complete_years(frame, record)
    aggregate = pl.col("reporter_iso3").is_null()
    eu27 = frame.filter(pl.col("reporter_name").str.starts_with("European Union - 27"))
    record.reject("aggregate reporter (EU, euro area)", frame.filter(aggregate).height)
    frame = resolve_pair(
        frame.filter(~aggregate),
        "reporter_name",
        "reporter_iso3",
        "partner_name",
        "partner_iso3",
        record,
    )
    frame = to_usd(frame, rates, record)
    annual = frame.group_by("reporter_iso3", "partner_iso3", "year", "flow").agg(
        pl.col("value_usd").sum()
    )
    core, record = keep(
        annual.with_columns(pl.lit(EUROSTAT).alias("source")), record, rows_kept=frame.height
    )
    eu27_annual = eu27.group_by("partner_iso3", "year", "flow").agg(
        pl.col("value_eur").sum().alias("monthly_sum_eur")
    )
    return core, record, eu27_annual


def to_usd(frame: pl.DataFrame, rates: pl.DataFrame, record: InputRecord) -> pl.DataFrame:
    """Euro -> US$ with the annual average rate; rows of years without a rate are counted."""
    joined = frame.join(rates, on="year", how="left")
    missing = joined.filter(pl.col("eur_per_usd").is_null())
    record.reject("no EUR/USD rate for the year (WDI file absent or incomplete)", missing.height)
    return joined.filter(pl.col("eur_per_usd").is_not_null()).with_columns(
        (pl.col("value_eur") / pl.col("eur_per_usd")).alias("value_usd")
    )


def read_eu_annual(path: Path, eu27_monthly: pl.DataFrame) -> tuple[InputRecord, pl.DataFrame]:
    """The EU-27 aggregate file: counted as rejects; compared with the member-state months."""
    frame, record = bc.open_input(path, SOURCE, FOLDER, EU_ANNUAL_REQUIRED)
    frame = check_flow(typed(frame, path, "value_eur"), path)
    record.reject(
        "EU-27 aggregate reporter: not a country (member-state rows come from the monthly file)",
        frame.height,
    )
    qa = eu27_monthly.join(
        frame.select("partner_iso3", "year", "flow", pl.col("value_eur").alias("annual_eur")),
        on=["partner_iso3", "year", "flow"],
        how="inner",
    ).with_columns((pl.col("monthly_sum_eur") / pl.col("annual_eur")).alias("ratio"))
    return record, qa.sort("partner_iso3", "year", "flow")


# -- Russian customs --------------------------------------------------------------------------


def read_fcs(path: Path) -> tuple[pl.DataFrame, InputRecord]:
    frame, record = bc.open_input(path, SOURCE, FOLDER, FCS_REQUIRED)
    frame = typed(bc.to_int(frame, "month", path, SOURCE), path, "value_usd_millions")
    frame = check_flow(bc.drop_duplicates(frame, record), path)
    frame = complete_years(frame, record)
    frame = resolve_pair(
        frame, "reporter_iso3", "reporter_iso3", "partner_name", "partner_iso3", record
    )
    annual = frame.group_by("reporter_iso3", "partner_iso3", "year", "flow").agg(
        (pl.col("value_usd_millions").sum() * 1e6).alias("value_usd")
    )
    return keep(annual.with_columns(pl.lit(FCS).alias("source")), record, rows_kept=frame.height)


# -- press-reported headline figures ---------------------------------------------------------


def read_press(path: Path) -> tuple[pl.DataFrame, InputRecord]:
    frame, record = bc.open_input(path, SOURCE, FOLDER, PRESS_REQUIRED)
    frame = typed(frame, path, "value_usd_millions")
    steps = (
        (pl.col("value_usd_millions").is_null(), "no US$ value (reported in another currency)"),
        (pl.col("period") != "Jan-Dec", "partial year (press figure for part of the year)"),
        (~pl.col("measure").is_in(list(PRESS_MEASURES)), "turnover only, not a directional flow"),
    )
    for condition, reason in steps:
        record.reject(reason, frame.filter(condition).height)
        frame = frame.filter(~condition)
    for code, reason in PRESS_GROUPS.items():
        hit = pl.col("country_b") == code
        record.reject(reason, frame.filter(hit).height)
        frame = frame.filter(~hit)
    frame = resolve_pair(frame, "country_a", "country_a", "country_b", "country_b", record)
    derived = pl.col("value_status").str.starts_with("derived")
    frame = frame.with_columns(
        pl.col("measure").replace_strict(PRESS_MEASURES).alias("flow"),
        (pl.col("value_usd_millions") * 1e6).alias("value_usd"),
        (
            pl.lit(PRESS_PREFIX)
            + pl.col("reporting_source")
            + pl.when(derived).then(pl.lit(" (derived)")).otherwise(pl.lit(""))
        ).alias("source"),
    )
    return keep(frame, record)
