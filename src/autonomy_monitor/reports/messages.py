"""The report's fixed strings and their translations.

``MESSAGES`` holds every key with its English ``str.format`` template; Japanese and Russian
live in ``reports/catalogs/<lang>.json`` (same keys). A key missing from a catalog falls back
to English. Numbers, dates and country names are formatted by ``autonomy_monitor.i18n``
(Babel, pycountry). Moving these keys into the i18n catalogs later is one edit in
:func:`report_catalog`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from autonomy_monitor import i18n

LANGUAGES = ("en", "ja", "ru")

MESSAGES: dict[str, str] = {
    "report_title": "{country}: strategic autonomy briefing",
    "report_subtitle": "Dependence on and alignment with the great powers",
    "data_as_of": "Data up to {year}; warehouse built {built}. Changes are measured against {since}.",
    "key_findings": "Key findings",
    "section_trade": "Trade",
    "section_people": "Migration and remittances",
    "section_finance": "Aid, finance and energy",
    "section_alignment": "Alignment at the United Nations",
    "section_votes": "Notable votes",
    "section_governance": "Governance context",
    "section_scenarios": "Scenarios",
    "section_sources": "Sources and vintages",
    "trade_top": "In {year}, {country}'s largest trade partners were {partners} (share of total trade).",
    "trade_up": "Since {since}, {partner}'s share of trade has risen from {before} to {after}.",
    "trade_down": "Since {since}, {partner}'s share of trade has fallen from {before} to {after}.",
    "trade_level": "Since {since}, {partner}'s share of trade has stayed at about {after}.",
    "trade_exports": "{partner} took the largest share of exports ({share}); {partner2} supplied the largest share of imports ({share2}).",
    "migration_top": "In {year}, {share} of emigrants from {country} lived in {partner} ({people} people); next came {others}.",
    "remittances_total": "Personal remittances were about {usd} in {year}, {gdp_share} of GDP; by the migrant-stock allocation, {share} came from {partner}.",
    "remittances_caveat": "Remittances by sending country are estimates: the total is allocated by migrant stocks weighted by host-country income, not observed flows.",
    "aid_top": "In {year}, {partner} provided {share} of net official development assistance from reporting donors; next came {others}.",
    "finance_total": "Chinese development finance commitments recorded by AidData totalled {usd} in {span} (constant US dollars).",
    "energy_top": "In {year}, {share} of pipeline gas exports went to {partner}.",
    "alignment_now": "In {year}, {country} voted the same way as {partners} in this share of recorded UN General Assembly votes.",
    "alignment_up": "Agreement with {partner} has risen from {before} in {since} to {after} in {year}.",
    "alignment_down": "Agreement with {partner} has fallen from {before} in {since} to {after} in {year}.",
    "alignment_level": "Agreement with {partner} has stayed at about {after} since {since}.",
    "million": "US${amount} million",
    "billion": "US${amount} billion",
    "trillion": "US${amount} trillion",
    "vote_line": "{symbol} ({date}, {title}): {country} {vote}.",
    "vote_Y": "voted yes",
    "vote_N": "voted no",
    "vote_A": "abstained",
    "vote_X": "did not vote",
    "vote_missing": "was not recorded",
    "no_data": "No data for {country} in this dimension.",
    "scenarios_none": "No bundled scenario concerns this country.",
    "scenario_line": "Scenario “{title}”: by {year}, {changes}.",
    "scenario_change": "{measure} ({partner}) {before} → {after}",
    "scenario_assumptions": "Scenario results are conditional on the stated levers and assumptions (see `autonomy scenario explain NAME`); they are not forecasts.",
    "m_remittances_usd": "remittances",
    "m_remittance_share": "share of remittances",
    "m_remittance_dependence": "remittances, % of GDP",
    "m_remittance_sender_hhi": "concentration of remittance senders (HHI)",
    "m_workers_in_destination": "workers in destination",
    "m_export_share": "share of exports",
    "m_import_share": "share of imports",
    "m_total_share": "share of trade",
    "m_gas_export_share": "share of gas exports",
    "col_scenario": "Scenario",
    "col_partner": "Partner",
    "col_measure": "Measure",
    "col_baseline": "Baseline",
    "col_with_scenario": "With scenario",
    "sources_intro": "Figures come from the warehouse built from these files (publisher, licence, rows kept, SHA-256 prefix).",
    "col_source": "Source",
    "col_file": "File",
    "col_publisher": "Publisher",
    "col_license": "Licence",
    "col_rows": "Rows kept",
    "col_sha": "SHA-256",
    "col_share": "Share",
    "col_indicator": "Indicator",
    "col_value": "Value",
    "col_year": "Year",
    "col_scale": "Scale",
    "chart_trade_bars": "Largest trade partners, share of total trade",
    "chart_trade_time": "Share of total trade by partner",
    "chart_alignment": "Agreement in UN General Assembly votes",
    "chart_ideal": "UN voting ideal points (±95% band)",
    "chart_votes": "Key UN General Assembly votes",
    "chart_migration": "Where emigrants live, share of emigrant stock",
    "chart_remittances": "Estimated remittances by sending country, share",
    "chart_aid": "Net ODA by donor, share",
    "generated_by": "Generated by the Strategic Autonomy Monitor {version} from the data listed above; methodology: `autonomy methodology`.",
    "page": "Page",
    "data_short": "Data to {year} · built {built}",
    "axis_agreement": "Agreement",
    "axis_share": "Share",
    "and": "and",
    "lbl_source": "Source",
    "lbl_data": "Data",
    "lbl_date": "Date",
    "lbl_event": "Event",
    "lbl_ideal_point": "Ideal point",
    "lbl_vote": "Vote",
    "lbl_yes": "yes",
    "lbl_no": "no",
    "lbl_abstain": "abstain",
    "lbl_absent": "absent",
    "events_intro": "Numbered dashed lines on the agreement chart mark the events listed below the charts.",
    "col_date": "Date",
    "col_event": "Event",
}


@dataclass(frozen=True)
class Texts:
    """Translated, formatted fixed strings for one language."""

    lang: str
    catalog: Mapping[str, str]

    def __call__(self, key: str, **values: object) -> str:
        template = MESSAGES[key]
        translated = self.catalog.get(key) or template
        try:
            return translated.format(**values)
        except (KeyError, IndexError, ValueError):
            return template.format(**values)

    def join(self, items: list[str]) -> str:
        """'a, b and c' in the report language."""
        if len(items) <= 1:
            return "".join(items)
        if self.lang == "ja":
            return "、".join(items)
        return ", ".join(items[:-1]) + f" {self('and')} " + items[-1]

    def share(self, value: float | None, digits: int = 1) -> str:
        return i18n.format_percent(value, self.lang, digits)

    def count(self, value: float | None) -> str:
        return i18n.format_number(None if value is None else round(value), self.lang, 0)

    def usd(self, value: float | None) -> str:
        """US dollars with a magnitude word: 'US$1.2 billion'."""
        if value is None:
            return "–"
        if self.lang == "ja":  # Japanese groups by 10^4: 万, 億, 兆
            for size, word in ((1e12, "兆"), (1e8, "億"), (1e4, "万")):
                if abs(value) >= size:
                    amount = value / size
                    return f"{i18n.format_number(amount, self.lang, 1 if abs(amount) < 100 else 0)}{word}米ドル"
        for size, key in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
            if abs(value) >= size:
                return self(key, amount=i18n.format_number(value / size, self.lang, 1))
        return "US$" + self.count(value)

    def chart_labels(self) -> dict[str, str]:
        """The fixed words drawn inside charts (see ``charts.LABELS``) in this language."""
        keys = ("source", "data", "date", "event", "ideal_point", "vote", "yes", "no", "abstain", "absent")
        return {key: self(f"lbl_{key}") for key in keys}

    def measure(self, measure: str) -> str:
        """Readable label of a measure code (the code with spaces when no label exists)."""
        key = f"m_{measure}"
        return self(key) if key in MESSAGES else measure.replace("_", " ")

    def day(self, value: dt.date | str) -> str:
        return i18n.format_date(value, self.lang)

    def country(self, code: str, english: str) -> str:
        return i18n.country_label(code, self.lang, english) if self.lang != "en" else english


@functools.cache
def report_catalog(lang: str) -> Mapping[str, str]:
    """The report's own strings in ``lang`` (reports/catalogs/<lang>.json); empty for English."""
    if lang == "en":
        return {}
    path = resources.files("autonomy_monitor.reports").joinpath("catalogs", f"{lang}.json")
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text("utf-8")))


def missing_keys(lang: str) -> list[str]:
    """Report msg keys that ``lang``'s catalog lacks (they fall back to English)."""
    return sorted(set(MESSAGES) - set(report_catalog(lang)))


def texts(lang: str) -> Texts:
    """The report strings in ``lang`` (English per missing key)."""
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}: choose from {', '.join(LANGUAGES)}.")
    return Texts(lang, report_catalog(lang))
