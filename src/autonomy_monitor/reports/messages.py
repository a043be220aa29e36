"""The briefing's words: messages from the shared gettext catalogs, numbers, lists and names.

Every sentence of the briefing is a message ``report.<key>`` of the ``autonomy`` domain in
``autonomy_monitor/i18n/locale/<lang>/LC_MESSAGES/autonomy.po`` (English text in the English
catalog). Country names are :class:`~autonomy_monitor.i18n.CountryName` values, so a message
declines them itself (``{partner:gen}``). Counts use the catalog's plural forms; lists, numbers and
dates are formatted by Babel with CLDR data. Scenario texts are translated in the ``scenarios``
domain (msgid = the English text of the scenario file), so editing a scenario makes its
translation visibly missing rather than silently stale.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from babel.lists import format_list
from babel.numbers import format_compact_decimal

from autonomy_monitor import i18n

LANGUAGES = i18n.LANGUAGES
PREFIX = "report."


@dataclass(frozen=True)
class Texts:
    """Translated, formatted strings of the briefing in one language."""

    lang: str

    @functools.cached_property
    def translator(self) -> i18n.Translator:
        return i18n.translator(self.lang)

    def __call__(self, key: str, **values: object) -> str:
        return self.translator(PREFIX + key, **values)

    def plural(self, key: str, n: int, **values: object) -> str:
        """The CLDR plural form of ``report.<key>`` for ``n`` (``{n}`` shown in the locale's
        digits)."""
        return self.translator.plural(PREFIX + key, n, shown=self.count(n), **values)

    def has(self, key: str) -> bool:
        return self.translator.has(PREFIX + key)

    def join(self, items: list[str]) -> str:
        """'a, b and c' by the locale's list pattern (CLDR)."""
        return format_list(list(items), style="standard", locale=self.lang) if items else ""

    def share(self, value: float | None, digits: int = 1) -> str:
        return i18n.format_percent(value, self.lang, digits)

    def count(self, value: float | None) -> str:
        return i18n.format_number(None if value is None else round(value), self.lang, 0)

    def people(self, value: float | None) -> str:
        """'591,025 people' with the plural form the number takes."""
        return "–" if value is None else self.plural("people", int(round(value)))

    def usd(self, value: float | None) -> str:
        """US dollars with a magnitude word ('US$3.2 billion', '3,2 млрд долл. США', '32億米ドル').

        Babel's CLDR compact formats give the magnitude word in both its long and short forms;
        the catalog's ``report.usd`` picks one and places the currency.
        """
        if value is None:
            return "–"
        digits = 1 if abs(value) >= 1000 else 0
        return self(
            "usd",
            long=format_compact_decimal(
                value, format_type="long", locale=self.lang, fraction_digits=digits
            ),
            short=format_compact_decimal(
                value, format_type="short", locale=self.lang, fraction_digits=digits
            ),
        )

    def day(self, value: dt.date | str) -> str:
        return i18n.format_date(value, self.lang)

    def name(self, code: str | None, english: str | None = None) -> i18n.CountryName:
        """The country's name in this language, declinable in messages."""
        if not code:
            return i18n.CountryName("–")
        return i18n.country_label(code, self.lang, english)

    def measure(self, measure: str) -> str:
        """Readable label of a measure code (``report.m.<code>``; the code with spaces if none)."""
        key = f"m.{measure}"
        return self(key) if self.has(key) else measure.replace("_", " ")

    def scenario_text(self, english: str) -> str:
        """A bundled scenario's title, assumption or lever label in this language."""
        return i18n.data_text(english, self.lang, "scenarios")

    def vintage_text(self, english: str) -> str:
        """A source's release note in this language, clause by clause ('a; b')."""
        return (
            "; ".join(
                i18n.data_text(clause.strip(), self.lang, "sources")
                for clause in english.split(";")
            )
            if english
            else english
        )

    def event_text(self, english: str) -> str:
        """An event's title or source (``data/events.csv``) in this language."""
        return i18n.data_text(english, self.lang, "events")

    def chart_labels(self) -> dict[str, str]:
        """The fixed words drawn inside charts (see ``charts.LABELS``) in this language."""
        return i18n.chart_labels(self.lang)


def texts(lang: str) -> Texts:
    """The briefing strings in ``lang``."""
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}: choose from {', '.join(LANGUAGES)}.")
    return Texts(lang)
