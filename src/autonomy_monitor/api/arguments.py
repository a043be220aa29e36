"""Validation of the arguments every query shares: one country, a year or a year range.

Each failure is a BadArgument with one sentence naming the option and the accepted range.
"""

from __future__ import annotations

from dataclasses import dataclass

from autonomy_monitor.errors import BadArgument


@dataclass(frozen=True)
class YearSpan:
    """The years a kind of data covers, for range checks and messages."""

    first: int
    last: int
    what: str


UN_VOTES = YearSpan(1946, 2026, "UN votes")
DEPENDENCE = YearSpan(1960, 2030, "dependence data")
TRADE = YearSpan(1960, 2030, "trade data")

INDEX_DEFAULT_POWERS = (
    "RUS,CHN,USA,EU27,JPN,TUR"  # the composite index's powers (``autonomy index --powers``)
)


def year_range(
    span: YearSpan, year: int | None = None, start: int | None = None, end: int | None = None
) -> tuple[int, int]:
    """``--year Y`` or ``--from/--to`` (defaults: the whole span), validated against ``span``."""
    if year is not None and (start is not None or end is not None):
        raise BadArgument("Give either --year or --from/--to, not both.")
    if year is not None:
        first, last, labels = year, year, ("--year", "--year")
    else:
        first = span.first if start is None else start
        last = span.last if end is None else end
        labels = ("--from", "--to")
    for label, value in zip(labels, (first, last)):
        if not span.first <= value <= span.last:
            raise BadArgument(
                f"Year {value} ({label}) is out of range: "
                f"{span.what} cover {span.first}–{span.last}."
            )
    if first > last:
        raise BadArgument(f"--from {first} is after --to {last}.")
    return first, last


def one_country(text: str, role: str = "country") -> str:
    """Exactly one country (code, name or a one-member group) or a BadArgument."""
    from autonomy_monitor.countries import parse_country_list  # Polars: not needed by --help

    codes = parse_country_list(text)
    if len(codes) != 1:
        raise BadArgument(f"Expected one {role}, got {text!r} ({len(codes)} countries).")
    return codes[0]
