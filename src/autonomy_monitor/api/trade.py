"""Trade queries: reporter–mirror gaps (``autonomy gaps``).

Reads ``out_trade__mirror_gaps`` from the warehouse or the bundled snapshot. A gap row holds
the reporter's own figure, the mirror (the partner's report of the reverse flow), ``ratio`` =
mirror / reporter and ``log_gap`` = ln(ratio); the table keeps gaps of a factor 1.5 or more
(larger figure at least US$1 million). Definitions: :mod:`autonomy_monitor.indicators.trade`.
"""

from __future__ import annotations

import math

import polars as pl

from autonomy_monitor.api.arguments import TRADE, one_country, year_range
from autonomy_monitor.api.reader import has_table, query
from autonomy_monitor.countries import parse_country_list
from autonomy_monitor.errors import BadArgument, WarehouseMissing
from autonomy_monitor.settings import Settings

TABLE = "out_trade__mirror_gaps"
STORED_MIN_RATIO = 1.5  # the step stores gaps of at least this factor
FLOWS = ("export", "import")


def check_min_ratio(min_ratio: float) -> float:
    if not math.isfinite(min_ratio) or min_ratio < STORED_MIN_RATIO:
        raise BadArgument(
            f"--min-ratio {min_ratio} is too small: the gap table keeps gaps of a factor "
            f"{STORED_MIN_RATIO} or more; give a value of at least {STORED_MIN_RATIO}."
        )
    return min_ratio


def mirror_gaps(
    reporter: str,
    partner: str | list[str] | None = None,
    *,
    year: int | None = None,
    start: int | None = None,
    end: int | None = None,
    min_ratio: float = 2.0,
    flow: str | None = None,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """Large gaps between ``reporter``'s own trade figures and its partners' mirror figures.

    A row is kept when max(ratio, 1/ratio) ≥ ``min_ratio`` (ratio = mirror / reporter).
    Sorted by partner, year and flow.
    """
    settings = settings or Settings()
    code = one_country(reporter, "reporter")
    partners = parse_country_list(partner) if partner else []
    first, last = year_range(TRADE, year, start, end)
    threshold = math.log(check_min_ratio(min_ratio))
    if flow is not None and flow not in FLOWS:
        raise BadArgument(f"Unknown flow {flow!r}: choose export or import.")
    if not has_table(settings, TABLE):
        raise WarehouseMissing(
            f"The table {TABLE} is not in the warehouse or the bundled snapshot: run "
            "`autonomy build --source-dir DIR` with the imf and trade_recent sources."
        )
    return query(
        settings,
        f"""
        SELECT reporter_iso3, partner_iso3, year, flow, reporter_value_usd, mirror_value_usd,
               ratio, log_gap, source
        FROM {TABLE}
        WHERE reporter_iso3 = ? AND year BETWEEN ? AND ? AND abs(log_gap) >= ?
          AND (? OR partner_iso3 IN (SELECT unnest(?)))
          AND (? OR flow = ?)
        ORDER BY partner_iso3, year, flow
        """,
        [code, first, last, threshold, not partners, partners or [""], flow is None, flow or ""],
    )
