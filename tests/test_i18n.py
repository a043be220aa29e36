"""Message catalogs (gettext, compiled with Babel): complete, current, with CLDR plurals and case
forms."""

from __future__ import annotations

import re
import string
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from autonomy_monitor import i18n
from autonomy_monitor.i18n import (
    LANGUAGES,
    CountryName,
    catalog,
    country_label,
    missing_keys,
    translator,
)

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "autonomy_monitor" / "i18n" / "locale"
FIELDS = string.Formatter()


def po_messages(lang: str, domain: str = "autonomy") -> dict[str, object]:
    with (LOCALE / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return {
            (m.context, m.id if isinstance(m.id, str) else m.id[0]): m
            for m in read_po(handle, locale=lang)
            if m.id
        }


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in FIELDS.parse(text) if name}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_catalog_has_every_key(lang: str) -> None:
    assert missing_keys(lang) == [], (
        f"i18n/locale/{lang}/LC_MESSAGES/autonomy.po lacks translations for these keys"
    )
    fuzzy = [key for (_, key), m in po_messages(lang).items() if m.fuzzy]
    assert fuzzy == [], f"{lang}: fuzzy entries count as untranslated: {fuzzy}"


#: Messages whose code offers alternative values; each language uses the one its grammar wants.
ALTERNATIVES = {"report.usd": {"long", "short"}}


def test_placeholders_agree_across_languages() -> None:
    for key, text in catalog("en").items():
        for lang in LANGUAGES:
            if key in ALTERNATIVES:
                assert placeholders(catalog(lang)[key]) <= ALTERNATIVES[key], (lang, key)
            else:
                assert placeholders(catalog(lang)[key]) == placeholders(text), (lang, key)


def test_plural_entries_have_every_cldr_form() -> None:
    expected = {"en": 2, "ja": 1, "ru": 3}
    for lang, n in expected.items():
        plural = [m for m in po_messages(lang).values() if m.pluralizable]
        assert plural, lang
        for m in plural:
            assert len(m.string) == n and all(form.strip() for form in m.string), (lang, m.id)


def test_russian_plural_forms_follow_cldr() -> None:
    t = translator("ru")
    forms = {n: t.plural("report.people", n) for n in (1, 2, 5, 11, 21, 22, 25, 111, 591025)}
    assert (
        forms[1].endswith("человек")
        and forms[21].endswith("человек")
        and forms[591025].endswith("человек")
    )
    assert forms[2].endswith("человека") and forms[22].endswith("человека")
    assert forms[5].endswith("человек") and forms[11].endswith("человек")
    assert (
        translator("en").plural("report.people", 1) == "1 person"
        and translator("en").plural("report.people", 3) == "3 people"
    )


def test_compiled_catalogs_are_current() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from compile_catalogs import stale_catalogs
    finally:
        sys.path.pop(0)
    assert stale_catalogs(LOCALE) == [], "run: uv run python tools/compile_catalogs.py"


def test_every_country_has_every_russian_case() -> None:
    names = po_messages("ru", "countries")
    codes = {code for _, code in names}
    incomplete = sorted(
        code
        for code in codes
        if any(
            (case, code) not in names
            for case in ("country", "gen", "dat", "acc", "ins", "loc", "in")
        )
    )
    assert incomplete == []
    import pycountry

    assert {c.alpha_3 for c in pycountry.countries} <= codes


def test_messages_decline_country_names() -> None:
    kyrgyzstan = country_label("KGZ", "ru", "Kyrgyzstan")
    assert isinstance(kyrgyzstan, CountryName) and kyrgyzstan == "Кыргызстан"
    assert (
        f"{kyrgyzstan:gen}|{kyrgyzstan:ins}|{kyrgyzstan:in}"
        == "Кыргызстана|Кыргызстаном|в Кыргызстане"
    )
    assert f"{country_label('CUB', 'ru', 'Cuba'):in}" == "на Кубе"
    assert f"{country_label('USA', 'en', 'United States'):text}" == "the United States"
    assert f"{country_label('CHN', 'ja', 'China'):gen}" == "中国"  # no case: the name itself
    sentence = translator("ru")(
        "report.trade_up",
        since=2014,
        partner=country_label("CHN", "ru", "China"),
        before="1 %",
        after="2 %",
    )
    assert "доля Китая" in sentence


def test_no_templated_russian() -> None:
    """No 'страны «…»' around a name and no '(а)' gender templates in any Russian message."""
    for key, text in catalog("ru").items():
        assert not re.search(r"стран[аыуе]? «\{", text), key
        assert "(а)" not in text and "(и)" not in text, key


def test_unknown_key_and_language_fall_back_to_english() -> None:
    assert translator("ja")("no.such.key") == "no.such.key"
    assert translator("xx")("nav.overview") == "Overview"
    assert i18n.check_language("xx") == "en"


def data_texts() -> dict[str, set[str]]:
    """English texts of the data files that readers see: scenario titles, assumptions, lever labels;
    event titles and sources."""
    import polars as pl

    from autonomy_monitor import api

    scenario = set()
    for name in api.scenario_list()["name"]:
        spec = api.scenario_spec(name)
        scenario |= {
            spec.scenario.title,
            *(a.text for a in spec.assumptions),
            *(lever.label for lever in spec.levers if lever.label),
        }
    events = pl.read_csv(ROOT / "src" / "autonomy_monitor" / "data" / "events.csv")
    from autonomy_monitor.catalog import load_source, source_names

    vintages = set()
    for name in (
        source_names()
    ):  # release notes of every source and file, as the appendix quotes them, clause by clause
        entry = load_source(name)
        for release in [entry.release, *(a.release for a in entry.files.values() if a.release)]:
            vintages |= {clause.strip() for clause in release.split(";") if clause.strip()}
    return {
        "scenarios": scenario,
        "events": set(events["title"].to_list()) | set(events["source"].to_list()),
        "sources": vintages,
    }


@pytest.mark.parametrize("lang", ["ja", "ru"])
def test_data_file_texts_are_translated(lang: str) -> None:
    for domain, texts in data_texts().items():
        missing = sorted(text for text in texts if i18n.data_text(text, lang, domain) == text)
        assert missing == [], (
            f"add to i18n/locale/{lang}/LC_MESSAGES/{domain}.po "
            f"(msgid = the English text): {missing[:5]}"
        )
