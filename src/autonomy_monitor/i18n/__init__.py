"""Interface languages of the dashboard and the briefings: English, Japanese, Russian.

Message catalogs are one JSON object per language in ``i18n/catalogs/<lang>.json`` (key ->
text, ``{name}`` placeholders). English is complete by rule; a missing key in another
language falls back to English (tests fail if any catalog lacks a key). Country names come
from pycountry's ``iso3166-1`` gettext domain; numbers and dates are formatted by Babel.

Public helpers: :func:`translator`, :func:`country_label`, :func:`format_number`,
:func:`format_percent`, :func:`format_date`, :data:`LANGUAGES`, :func:`check_language`.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import json
import math
from collections.abc import Callable, Mapping
from importlib import resources

import pycountry
from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_format_percent

LANGUAGES: tuple[str, ...] = ("en", "ja", "ru")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ja": "日本語", "ru": "Русский"}


def check_language(lang: str | None) -> str:
    """The language code if supported, else the default (English)."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def catalog(lang: str) -> Mapping[str, str]:
    """The message catalog of one language (key -> text), validated as a flat string map."""
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}: choose from {', '.join(LANGUAGES)}.")
    text = resources.files("autonomy_monitor.i18n").joinpath("catalogs", f"{lang}.json").read_text("utf-8")
    data = json.loads(text)
    bad = [k for k, v in data.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        raise ValueError(f"i18n/catalogs/{lang}.json: keys {bad[:5]} do not map to text; every value must be a string.")
    return dict(data)


def missing_keys(lang: str) -> list[str]:
    """Keys present in the English catalog but absent from ``lang``'s."""
    return sorted(set(catalog(DEFAULT_LANGUAGE)) - set(catalog(lang)))


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the text of ``key`` in ``lang`` (English if missing), formatted."""
    own, english = catalog(check_language(lang)), catalog(DEFAULT_LANGUAGE)

    def translate(key: str, **values: object) -> str:
        text = own.get(key) or english.get(key) or key
        return text.format(**values) if values else text

    return translate


@functools.cache
def _country_translations(lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def country_label(code: str, lang: str, english_name: str | None = None) -> str:
    """The country's common name in ``lang`` (pycountry), else ``english_name``, else the code."""
    record = pycountry.countries.get(alpha_3=code) if code and len(code) == 3 else None
    if record is None:
        return english_name or code
    base = getattr(record, "common_name", None) or record.name
    translated = _country_translations(check_language(lang)).gettext(base)
    if translated == base and lang != DEFAULT_LANGUAGE:
        translated = _country_translations(check_language(lang)).gettext(record.name)
    if lang == DEFAULT_LANGUAGE and english_name:
        return english_name
    return translated


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
