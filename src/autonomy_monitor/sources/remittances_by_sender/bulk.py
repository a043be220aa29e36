"""Remittances by sending country from the central banks (``<source_dir>/remittances_by_sender/``).

Input: ``central_bank_remittances_by_sender_2015_2025.csv`` (remittances_by_sender/SOURCES.md):
one row per figure a page states — receiver, sender, year, period, US$ value and/or share,
publisher, outlet, URL, verbatim quote and notes.

Output ``core_remittances_by_sender__figures``, one row per figure (nothing summed, nothing
dropped):

==================  ==========================================================================
column              meaning
==================  ==========================================================================
row_id              the file's id (R001 ...)
receiver_iso3       receiving country
sender_code         as in the file: an ISO3 code, ``TOTAL``, ``TOTAL_NET``, ``EU27`` or an
                    aggregate such as ``KAZ+TUR+KOR+USA+GBR+EU27``
sender_kind         ``country``, ``total`` (all senders), ``total_net`` (inflow − outflow),
                    ``group`` (EU27) or ``aggregate`` (a '+'-joined list the source reports)
sender_iso3         the sender when ``sender_kind = 'country'``, else null
year                calendar year of the flow
first_month,        the period within the year (1..12); an empty period in the file is the
last_month, months  full year (1, 12, 12)
is_full_year        months == 12
value_usd           US$ as reported (null where only a share is given)
share_of_total      0..1, only where the source states a share (``~80%`` -> 0.80)
is_approximate      the wording is approximate ("about", "more than", "~", "около" ...)
publisher           the institution that produced the figure
side                ``receiver`` (the receiving country's bank), ``sender`` (the Central Bank
                    of Russia, or a sending country's statistics: the mirror view) or
                    ``unknown``
concept             what was counted: ``cbr_money_transfer_systems``,
                    ``cbr_all_cross_border_transfers``, ``cbr_unspecified`` (CBR rows whose
                    notes do not say), or the receiving bank's concept (``cbu_cross_border_
                    transfers``, ``nbkr_money_transfer_systems``, ``nbk_money_transfer_systems``,
                    ``nbt_remittances``), ``unspecified`` otherwise
reported_by, url,   the outlet, the page and the verbatim excerpt
quote, notes
figure_group        figures measuring the same thing: same receiver, sender, year, period,
                    side, concept and kind (US$ or share only), e.g.
                    ``UZB|TOTAL|2021|01-03|receiver|cbu_cross_border_transfers|usd``
group_figures       how many figures the group holds (2+ = conflicting or duplicate figures)
is_preferred        the de-duplication rule's choice (below), one per group
==================  ==========================================================================

De-duplication rule (documented, used by the estimator): figures of one ``figure_group`` are
the same flow reported twice. Their **median** value (for two figures, the mean) is the
group's value and the spread between them is evidence of its uncertainty; ``is_preferred``
marks the figure closest to that median (on a tie the exact wording over an approximate
one, then the lower ``row_id``). Figures of different sides (receiving bank vs Central
Bank of Russia) or different concepts are *not* duplicates: they are two views of one flow,
like the reporter and mirror views of trade, and are never added together.

Quirks handled here: the two Central Bank of Russia series are told apart from the notes
(whichever concept the notes name first: "money transfer systems"/"MTS" or "all
cross-border transfers"/"cross-border transfers of individuals"); a share given as text
(``77%``, ``~80%``, ``11.2%``) becomes a fraction with ``is_approximate`` set for ``~``;
the approximate wording recorded in ``notes`` sets ``is_approximate``; the publisher "not
stated ... Kazakhstan-side outflow statistics" (R035) is a sender-side figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from autonomy_monitor import countries
from autonomy_monitor.errors import BadInput
from autonomy_monitor.pipeline.warehouse import InputRecord, SourceResult
from autonomy_monitor.sources import bulk_common as bc

SOURCE = "remittances_by_sender"
FOLDER = "remittances_by_sender"
FILE = "central_bank_remittances_by_sender_2015_2025.csv"
CORE_TABLE = "core_remittances_by_sender__figures"
REQUIRED = (
    "row_id",
    "receiver_iso3",
    "sender_iso3",
    "year",
    "period",
    "value_usd",
    "share_of_total",
    "publisher",
    "reported_by",
    "url",
    "quote",
    "notes",
)
SENDER_KINDS = {"TOTAL": "total", "TOTAL_NET": "total_net", "EU27": "group"}
# publisher -> (side, concept of the receiving bank); the Central Bank of Russia is the sender side
PUBLISHERS = {
    "Central Bank of Uzbekistan": ("receiver", "cbu_cross_border_transfers"),
    "National Bank of the Kyrgyz Republic": ("receiver", "nbkr_money_transfer_systems"),
    "National Bank of Kazakhstan": ("receiver", "nbk_money_transfer_systems"),
    "National Bank of Tajikistan": ("receiver", "nbt_remittances"),
    "Central Bank of Russia": ("sender", None),
}
SENDER_SIDE_NOTE = re.compile(r"sender-side|outflow statistics", re.IGNORECASE)
CBR_MTS = re.compile(r"money[ -]transfer[ -]system|\bMTS\b|payment/money-transfer", re.IGNORECASE)
CBR_ALL = re.compile(r"all cross-border|cross-border transfers|all-channel", re.IGNORECASE)
APPROXIMATE = re.compile(r"approx|about|'more than'|'over'|около|qariyb|~", re.IGNORECASE)
PERIOD = re.compile(r"^(\d{4})-(\d{2})/(\d{4})-(\d{2})$")
SHARE = re.compile(r"^(~)?\s*(\d+(?:\.\d+)?)\s*%$")


def load(source_dir: Path) -> SourceResult:
    return bc.load_file(source_dir / FOLDER / FILE, SOURCE, FOLDER, REQUIRED, CORE_TABLE, parse)


def parse(frame: pl.DataFrame, path: Path, record: InputRecord) -> pl.DataFrame:
    """Raw rows (all text) -> core rows; bad values raise BadInput naming the row."""
    frame = frame.with_columns(pl.col(c).str.strip_chars() for c in REQUIRED)
    check_row_ids(frame, path)
    frame = bc.to_int(frame, "year", path, SOURCE)
    frame = bc.to_float(frame, "value_usd", path, SOURCE, nonnegative=True)
    check_receivers(frame, path)
    rows = [parse_row(row, path) for row in frame.iter_rows(named=True)]
    core = pl.DataFrame(rows, schema=CORE_SCHEMA, orient="row")
    core = with_figure_groups(core)
    return core.sort("receiver_iso3", "year", "first_month", "last_month", "sender_code", "row_id")


CORE_SCHEMA = {
    "row_id": pl.String,
    "receiver_iso3": pl.String,
    "sender_code": pl.String,
    "sender_kind": pl.String,
    "sender_iso3": pl.String,
    "year": pl.Int32,
    "first_month": pl.Int8,
    "last_month": pl.Int8,
    "months": pl.Int8,
    "is_full_year": pl.Boolean,
    "value_usd": pl.Float64,
    "share_of_total": pl.Float64,
    "is_approximate": pl.Boolean,
    "publisher": pl.String,
    "side": pl.String,
    "concept": pl.String,
    "reported_by": pl.String,
    "url": pl.String,
    "quote": pl.String,
    "notes": pl.String,
}


def check_row_ids(frame: pl.DataFrame, path: Path) -> None:
    duplicated = frame.filter(pl.col("row_id").is_duplicated())["row_id"].unique().sort().to_list()
    if duplicated:
        raise BadInput(
            f"{SOURCE}: {path.name} repeats row_id "
            f"{', '.join(duplicated)}; each figure needs its own id."
        )


def check_receivers(frame: pl.DataFrame, path: Path) -> None:
    known = countries.known_codes()
    bad = frame.filter(~pl.col("receiver_iso3").is_in(list(known)))
    if bad.height:
        row = bad.row(0, named=True)
        raise BadInput(
            f"{SOURCE}: {path.name}, row {row['row_id']}: receiver "
            f"{row['receiver_iso3']!r} is not an ISO3 country code; correct that row."
        )


def parse_row(row: dict, path: Path) -> dict:
    """One raw row -> one core row (period, share, sender kind, side and concept resolved)."""
    where = f"{SOURCE}: {path.name}, row {row['row_id']}"
    first, last = parse_period(row["period"], row["year"], where)
    share, share_approximate = parse_share(row["share_of_total"], where)
    if row["value_usd"] is None and share is None:
        raise BadInput(
            f"{where}: neither value_usd nor share_of_total is given; a figure needs one of them."
        )
    kind, sender = sender_kind(row["sender_iso3"], where)
    side, concept = side_and_concept(row["publisher"], row["notes"] or "")
    notes = row["notes"] or ""
    return {
        "row_id": row["row_id"],
        "receiver_iso3": row["receiver_iso3"],
        "sender_code": row["sender_iso3"],
        "sender_kind": kind,
        "sender_iso3": sender,
        "year": row["year"],
        "first_month": first,
        "last_month": last,
        "months": last - first + 1,
        "is_full_year": first == 1 and last == 12,
        "value_usd": row["value_usd"],
        "share_of_total": share,
        "is_approximate": share_approximate or bool(APPROXIMATE.search(notes)),
        "publisher": row["publisher"],
        "side": side,
        "concept": concept,
        "reported_by": row["reported_by"],
        "url": row["url"],
        "quote": row["quote"],
        "notes": notes or None,
    }


def parse_period(text: str | None, year: int, where: str) -> tuple[int, int]:
    """'' -> the full year (1, 12); 'YYYY-MM/YYYY-MM' within ``year`` -> (first, last) month."""
    if not text:
        return 1, 12
    match = PERIOD.match(text)
    if not match:
        raise BadInput(
            f"{where}: period {text!r} is not empty or 'YYYY-MM/YYYY-MM'; correct that row."
        )
    y0, m0, y1, m1 = (int(g) for g in match.groups())
    if y0 != year or y1 != year or not 1 <= m0 <= m1 <= 12:
        raise BadInput(
            f"{where}: period {text!r} does not lie within the row's year {year}; correct that row."
        )
    return m0, m1


def parse_share(text: str | None, where: str) -> tuple[float | None, bool]:
    """'77%' -> (0.77, False); '~80%' -> (0.80, True); '' -> (None, False)."""
    if not text:
        return None, False
    match = SHARE.match(text)
    if not match or not 0 <= float(match.group(2)) <= 100:
        raise BadInput(
            f"{where}: share_of_total {text!r} is not a "
            "percentage such as '77%' or '~80%'; correct that row."
        )
    return float(match.group(2)) / 100.0, match.group(1) is not None


def sender_kind(code: str, where: str) -> tuple[str, str | None]:
    """('country', ISO3) for a country; ('total'|'total_net'|'group'|'aggregate', None)
    otherwise."""
    if code in SENDER_KINDS:
        return SENDER_KINDS[code], None
    if "+" in code:
        return "aggregate", None
    if code in countries.known_codes():
        return "country", code
    raise BadInput(
        f"{where}: sender {code!r} is neither an ISO3 code nor TOTAL, TOTAL_NET, EU27 or an 'A+B' "
        "aggregate; correct that row."
    )


def side_and_concept(publisher: str, notes: str) -> tuple[str, str]:
    """Which end of the flow a figure measures, and what it counted (see the module docstring)."""
    side, concept = PUBLISHERS.get(publisher, ("unknown", "unspecified"))
    if publisher == "Central Bank of Russia":
        return side, cbr_series(notes)
    if side == "unknown" and SENDER_SIDE_NOTE.search(notes):
        return "sender", "unspecified"
    return side, concept or "unspecified"


def cbr_series(notes: str) -> str:
    """The Central Bank of Russia series a row belongs to: the concept its notes name first."""
    mts, every = CBR_MTS.search(notes), CBR_ALL.search(notes)
    if mts and (not every or mts.start() < every.start()):
        return "cbr_money_transfer_systems"
    if every:
        return "cbr_all_cross_border_transfers"
    return "cbr_unspecified"


def with_figure_groups(core: pl.DataFrame) -> pl.DataFrame:
    """Add figure_group, group_figures and is_preferred (the de-duplication rule above)."""
    label = pl.concat_str(
        [
            pl.col("receiver_iso3"),
            pl.col("sender_code"),
            pl.col("year").cast(pl.String),
            pl.format(
                "{}-{}",
                pl.col("first_month").cast(pl.String).str.zfill(2),
                pl.col("last_month").cast(pl.String).str.zfill(2),
            ),
            pl.col("side"),
            pl.col("concept"),
            pl.when(pl.col("value_usd").is_null()).then(pl.lit("share")).otherwise(pl.lit("usd")),
        ],
        separator="|",
    )
    metric = pl.coalesce("value_usd", "share_of_total")
    ranked = (
        core.with_columns(label.alias("figure_group"))
        .with_columns(
            pl.len().over("figure_group").cast(pl.Int32).alias("group_figures"),
            (metric - metric.median().over("figure_group")).abs().alias("_distance"),
        )
        .sort("_distance", "is_approximate", "row_id")
    )
    first = pl.col("row_id").first().over("figure_group")
    return ranked.with_columns((pl.col("row_id") == first).alias("is_preferred")).drop("_distance")
