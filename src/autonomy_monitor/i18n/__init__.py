"""Interface languages of the dashboard and the briefings: English, Japanese, Russian.

Messages are gettext catalogs compiled with Babel:
``i18n/locale/<lang>/LC_MESSAGES/<domain>.po`` (the source, edited by translators) and the
``.mo`` beside it (compiled by ``uv run python tools/compile_catalogs.py``; a test checks it is
current). Two domains:

- ``autonomy``: every reader-visible string, keyed by a dotted id (``chart.trade``,
  ``report.trade_top``). The English catalog holds the English text; a key absent from another
  language falls back to English, and a test fails on any missing or fuzzy key. Placeholders are
  ``str.format`` fields. Plural forms use CLDR rules (``msgid_plural``, :meth:`Translator.plural`).
- ``scenarios`` and ``events``: texts of data files (scenario TOML, ``data/events.csv``) keyed by
  their English text; :func:`data_text` looks them up.
- ``countries``: country names keyed by ISO3, with grammatical case as the gettext context
  (``country`` nominative; ``gen``, ``dat``, ``acc``, ``ins``, ``loc`` and ``in`` — the
  prepositional with its preposition, "в Германии", "на Кубе" — for Russian; ``text``, the form in
  running text, "the United States", for English). A message chooses the
  case of a country with a format spec: ``{partner:gen}`` gives "Китая", so the grammar stays in the
  catalog and no code pastes "страны «…»" around a name.

Country names not in the ``countries`` catalog come from pycountry's ``iso3166-1`` domain; numbers
and dates are formatted by Babel.

Public helpers: :func:`translator`, :func:`country_label`, :class:`CountryName`,
:func:`format_number`, :func:`format_percent`, :func:`format_date`, :data:`LANGUAGES`,
:func:`check_language`, :func:`catalog`, :func:`missing_keys`.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import math
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import pycountry
from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_format_percent

LANGUAGES: tuple[str, ...] = ("en", "ja", "ru")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "ru": "Русский"}
#: gettext domains: reader-visible messages, and country names with their case forms.
MESSAGES_DOMAIN = "autonomy"
COUNTRIES_DOMAIN = "countries"
#: Domains translating texts that live in data files, keyed by their English text (gettext's own
#: convention), so that editing the English makes the translation visibly missing, not stale:
#: bundled scenarios (titles, assumptions, lever labels), the events of ``data/events.csv`` and
#: the release (vintage) notes of the source catalog, one clause at a time.
DATA_DOMAINS = ("scenarios", "events", "sources")
#: Grammatical cases a message may ask of a country name (``{country:gen}``); ``in`` includes the
#: preposition ("в России", "во Франции", "на Кубе"); ``text`` is the running-text form (English
#: article: "the United States").
CASES = ("gen", "dat", "acc", "ins", "loc", "in", "text")
NOMINATIVE = "country"


def check_language(lang: str | None) -> str:
    """The language code if supported, else the default (English)."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def locale_dir() -> Path:
    """The folder holding ``<lang>/LC_MESSAGES/<domain>.po`` and ``.mo``."""
    return Path(str(resources.files("autonomy_monitor.i18n").joinpath("locale")))


@functools.cache
def translations(lang: str, domain: str = MESSAGES_DOMAIN) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` for ``domain``; other languages fall back to English."""
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}: choose from {', '.join(LANGUAGES)}.")
    found = gettext.translation(domain, str(locale_dir()), languages=[lang], fallback=True)
    if lang != DEFAULT_LANGUAGE and domain == MESSAGES_DOMAIN:
        found.add_fallback(translations(DEFAULT_LANGUAGE, domain))
    return found


def catalog(lang: str, domain: str = MESSAGES_DOMAIN) -> Mapping[str, str]:
    """Key -> text of one language's own catalog (no fallback); plural keys give their first
    form."""
    own = translations(lang, domain)
    entries = getattr(own, "_catalog", {})
    out: dict[str, str] = {}
    for key, text in entries.items():
        if key == "" or (isinstance(key, tuple) and key[0] == ""):
            continue  # the header
        if isinstance(key, tuple):  # (msgid, plural index)
            if key[1] == 0:
                out[key[0]] = text
        else:
            out[key] = text
    return out


def missing_keys(lang: str) -> list[str]:
    """Keys present in the English catalog but absent (or empty) in ``lang``'s."""
    own = catalog(lang)
    return sorted(key for key in catalog(DEFAULT_LANGUAGE) if not own.get(key, "").strip())


class Translator:
    """``t(key, **values)``: the text of ``key`` in ``lang`` (English if missing), formatted.

    Values are inserted with ``str.format``; a :class:`CountryName` value takes its case from the
    message (``{country:gen}``).
    """

    def __init__(self, lang: str) -> None:
        self.lang = check_language(lang)
        self.messages = translations(self.lang)

    def __call__(self, key: str, **values: object) -> str:
        text = self.messages.gettext(key)
        return text.format(**values) if values else text

    def plural(self, key: str, n: int, **values: object) -> str:
        """The plural form of ``key`` that CLDR's rule gives for ``n`` (``{n}`` is filled in)."""
        text = self.messages.ngettext(key, f"{key}.plural", n)
        return text.format(n=values.pop("shown", n), **values)

    def has(self, key: str) -> bool:
        return self.messages.gettext(key) != key


def data_text(english: str, lang: str, domain: str) -> str:
    """A text from a data file (``domain`` in :data:`DATA_DOMAINS`) in ``lang``; the English text if
    untranslated."""
    if not english or check_language(lang) == DEFAULT_LANGUAGE:
        return english
    return translations(check_language(lang), domain).gettext(english)


#: Fixed words drawn inside charts (keys of ``charts.LABELS``); their text is ``report.lbl.<key>``.
CHART_LABEL_KEYS = (
    "source",
    "data",
    "date",
    "event",
    "ideal_point",
    "vote",
    "flags",
    "yes",
    "no",
    "abstain",
    "absent",
    "unknown",
    "press",
    "small_sample",
    "partial_year",
    "break",
)


def chart_labels(lang: str) -> dict[str, str]:
    """The words drawn inside charts (axis and legend words, 'Source', vote kinds) in ``lang``."""
    t = translator(lang)
    return {key: t(f"report.lbl.{key}") for key in CHART_LABEL_KEYS}


def translator(lang: str) -> Translator:
    """The translator of ``lang`` (unknown languages get English)."""
    return Translator(lang)


class CountryName(str):
    """A country's name that declines: ``format(name, "gen")`` gives its genitive, if known.

    Behaves as the plain (nominative) name everywhere else. An unknown case falls back to the
    nominative; the completeness test lists the countries whose forms are missing.
    """

    forms: Mapping[str, str]

    def __new__(cls, text: str, forms: Mapping[str, str] | None = None) -> CountryName:
        name = super().__new__(cls, text)
        name.forms = dict(forms or {})
        return name

    def __format__(self, spec: str) -> str:
        if spec in CASES:
            return self.forms.get(spec, str(self))
        return format(str(self), spec)


def country_forms(code: str, lang: str) -> dict[str, str]:
    """The case forms of ``code`` in ``lang``'s ``countries`` catalog (empty when none)."""
    names = translations(check_language(lang), COUNTRIES_DOMAIN)
    forms = {}
    for case in CASES:
        text = names.pgettext(case, code)
        if text != code:
            forms[case] = text
    return forms


@functools.cache
def _pycountry_translations(lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def pycountry_name(code: str, lang: str) -> str | None:
    """The name pycountry's ``iso3166-1`` catalog gives ``code`` in ``lang``, if any."""
    record = pycountry.countries.get(alpha_3=code) if code and len(code) == 3 else None
    if record is None:
        return None
    base = getattr(record, "common_name", None) or record.name
    names = _pycountry_translations(check_language(lang))
    translated = names.gettext(base)
    if translated == base and lang != DEFAULT_LANGUAGE:
        translated = names.gettext(record.name)
    return translated


@functools.cache
def country_label(code: str, lang: str, english_name: str | None = None) -> CountryName:
    """The country's short name in ``lang`` with its case forms.

    English: ``english_name`` (the project's name), else pycountry's. Other languages: the
    ``countries`` catalog, else pycountry's translation, else ``english_name``, else the code.
    """
    lang = check_language(lang)
    if lang == DEFAULT_LANGUAGE:
        return CountryName(
            english_name or pycountry_name(code, lang) or code, country_forms(code, lang)
        )
    own = translations(lang, COUNTRIES_DOMAIN).pgettext(NOMINATIVE, code)
    name = own if own != code else (pycountry_name(code, lang) or english_name or code)
    return CountryName(name, country_forms(code, lang))


def babel_locale(lang: str) -> Locale:
    return Locale.parse(check_language(lang))


def format_number(value: float | None, lang: str, digits: int = 1) -> str:
    """A number with the locale's grouping and decimal marks; '–' for missing values."""
    if value is None or math.isnan(value):
        return "–"
    pattern = "#,##0" if digits <= 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=pattern, locale=babel_locale(lang))


def format_percent(value: float | None, lang: str, digits: int = 1) -> str:
    """A 0..1 share as a percentage in the locale's style; '–' for missing values."""
    if value is None or math.isnan(value):
        return "–"
    pattern = "#,##0%" if digits <= 0 else "#,##0." + "0" * digits + "%"
    return babel_format_percent(value, format=pattern, locale=babel_locale(lang))


def format_date(value: dt.date | str | None, lang: str, style: str = "medium") -> str:
    """A date in the locale's medium format (e.g. '2 Mar 1992', '1992/03/02', '2 мар. 1992 г.')."""
    if value is None:
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return babel_format_date(value, format=style, locale=babel_locale(lang))
