"""OECD DAC Table 2a, ODA disbursements by donor and recipient (``<source_dir>/aid/``).

Input: ``oecd_dac2a_oda_disbursements_2002_2019.parquet`` (year, recipient, recipient_iso3,
donor, donor_iso3, oda_net_disbursement_usd_millions_current), QWIDS export, current US$
million, net disbursements (see aid/SOURCES.md).

Output: ``core_oecd__yearly_aid(donor_code, donor_iso3, donor_name, donor_type,
recipient_iso3, year, oda_usd)``:

* ``donor_type`` is ``country`` (donor_iso3 set), ``multilateral`` (EU Institutions, IDA,
  AsDB, UN agencies...; donor_iso3 null) or ``private`` (foundations and lotteries);
* ``donor_code`` is the ISO3 for countries, else the bracketed acronym of the donor's name
  (``[EBRD]`` -> ``EBRD``), else its name in upper case with non-letters as ``_``.

Excluded and counted: donor subtotals (names ending in ", Total"), recipients without ISO3
that are regions, income groups, totals or "unspecified" lines, and multilateral institutions
as recipients (imputed flows), and empty amounts. Any other recipient name is resolved
through the country dimension (unknown names fail the build with the list).

Caveats: values are *net* and can be negative (repayments, e.g. Japan -> KAZ); China does
not report to the DAC (use AidData); no data after 2019.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from autonomy_monitor.catalog import contracts

from autonomy_monitor.sources import bulk_common as bc
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult

SOURCE = "oecd"
FOLDER = "aid"
FILE = "oecd_dac2a_oda_disbursements_2002_2019.parquet"
CORE_TABLE = "core_oecd__yearly_aid"
VALUE = "oda_net_disbursement_usd_millions_current"
CORE_SCHEMA = contracts.polars_schema("core_oecd__yearly_aid")  # declared in catalog/tables/
REQUIRED = ("year", "recipient", "recipient_iso3", "donor", "donor_iso3", VALUE)

RECIPIENT_PATTERNS = {
    r", Total$|^All |^WorldBank |^Part I |not classified|, regional$|unspecified": (
        "region, income group, total or unspecified recipient line"
    ),
}
MULTILATERAL_RECIPIENTS = frozenset(
    {
        "Af. D B",
        "African Dev. Fund",
        "AsDB Special Funds",
        "Asian Dev. Bank",
        "CABEI",
        "Caribbean Dev. Bank",
        "EC",
        "EDF",
        "EIB",
        "IBRD",
        "IDA",
        "IDA-MDRI",
        "IDB Special Oper. Fund",
        "IDB",
        "IFAD",
        "IFC",
        "IMF",
        "MIGA",
        "Other EU institutions",
        "Other Multilateral",
        "Other Regional Banks",
        "Other UN",
        "Other World Bank (AMCs)",
        "UNDP",
        "UNFPA",
        "UNHCR",
        "UNICEF",
        "UNRWA",
        "WFP",
    }
)
PRIVATE_WORDS = re.compile(
    r"Foundation|Lotter|Wellcome Trust|Comic Relief|Omidyar|Arcadia Fund|Carnegie Corporation"
)
DONOR_SUBTOTAL = re.compile(r", Total$")


def load(source_dir: Path) -> SourceResult:
    return bc.load_file(source_dir / FOLDER / FILE, SOURCE, FOLDER, REQUIRED, CORE_TABLE, parse)


def parse(frame: pl.DataFrame, path: Path, record: InputRecord) -> pl.DataFrame:
    frame = bc.to_int(frame, "year", path, SOURCE)
    frame = bc.to_float(frame, VALUE, path, SOURCE)
    frame = drop_donor_subtotals(frame, record)
    excluded = {
        name: "multilateral institution as recipient (imputed flow)"
        for name in MULTILATERAL_RECIPIENTS
    }
    frame = bc.resolve_countries(
        frame.with_columns(pl.col("recipient").str.strip_chars()),
        name="recipient",
        code="recipient_iso3",
        out="recipient_iso3_",
        label="recipient",
        source=SOURCE,
        record=record,
        excluded=excluded,
        excluded_patterns=RECIPIENT_PATTERNS,
    )
    empty = frame.filter(pl.col(VALUE).is_null())
    record.reject("empty amount", empty.height)
    frame = frame.filter(pl.col(VALUE).is_not_null())
    core = with_donor_columns(frame).select(
        "donor_code",
        "donor_iso3",
        pl.col("donor").alias("donor_name"),
        "donor_type",
        pl.col("recipient_iso3_").alias("recipient_iso3"),
        "year",
        (pl.col(VALUE) * 1e6).alias("oda_usd"),
    )
    core = bc.drop_duplicates(core, record)
    return core.cast(CORE_SCHEMA).sort("recipient_iso3", "year", "donor_code")  # type: ignore[arg-type]


def drop_donor_subtotals(frame: pl.DataFrame, record: InputRecord) -> pl.DataFrame:
    subtotal = pl.col("donor").str.contains(DONOR_SUBTOTAL.pattern)
    record.reject("donor subtotal (', Total')", frame.filter(subtotal).height)
    return frame.filter(~subtotal)


def donor_code(name: str, iso3: str | None) -> str:
    """ISO3, else the bracketed acronym, else the upper-cased name with '_' for non-letters."""
    if iso3:
        return iso3
    acronym = re.search(r"\[([^\]]+)\]", name)
    if acronym:
        return acronym.group(1).upper().replace(" ", "_")
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def donor_type(name: str, iso3: str | None) -> str:
    if iso3:
        return "country"
    return "private" if PRIVATE_WORDS.search(name) else "multilateral"


def with_donor_columns(frame: pl.DataFrame) -> pl.DataFrame:
    donors = frame.select("donor", "donor_iso3").unique()
    known = bc.countries.known_codes()
    unknown = [c for c in donors["donor_iso3"].drop_nulls().to_list() if c not in known]
    if unknown:
        raise bc.BadInput(
            f"{SOURCE}: {FILE} has donor_iso3 code(s) {sorted(unknown)} unknown "
            "to the country dimension; add them to data/country_aliases.csv."
        )
    donors = donors.with_columns(
        pl.struct("donor", "donor_iso3")
        .map_elements(lambda r: donor_code(r["donor"], r["donor_iso3"]), return_dtype=pl.String)
        .alias("donor_code"),
        pl.struct("donor", "donor_iso3")
        .map_elements(lambda r: donor_type(r["donor"], r["donor_iso3"]), return_dtype=pl.String)
        .alias("donor_type"),
    )
    return frame.join(donors, on=["donor", "donor_iso3"], how="left", nulls_equal=True)
