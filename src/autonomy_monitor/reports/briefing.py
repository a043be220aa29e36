"""Gather a country briefing from ``autonomy_monitor.api``: facts, sentences and chart specs.

The briefing is a plain data structure (:class:`Briefing`) that the HTML and PDF renderers
turn into a document. Every sentence is a catalog message filled with figures fetched here;
nothing is hard-coded but the powers compared against and the extra key vote shown beside the
eleventh emergency special session (ES-11, Ukraine). Each key finding names its year and source
and uses the latest year with data for its measure; a measure whose last year lags the newest
figures of the briefing by more than :data:`STALE_AFTER` years is called the latest available.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import polars as pl

import autonomy_monitor.api as am
from autonomy_monitor import __version__, charts
from autonomy_monitor.reports.messages import LANGUAGES, Texts, texts

#: The powers every country is compared with.
POWERS = ("CHN", "RUS", "USA", "JPN")
#: The eleventh emergency special session (Ukraine): every resolution is shown.
ES11_PREFIX = "A/RES/ES-11/"
#: Other key votes shown with ES-11 (skipped when not in the store).
OTHER_KEY_VOTES = ("A/RES/68/262",)
FIRST_YEAR = 1946
LAST_YEAR = 2100
DEFAULT_SPAN = 10
#: Years with fewer common recorded votes than this are left out of the alignment figures.
MIN_VOTES = 20
#: A finding whose year lags the briefing's newest figures by more than this is marked stale.
STALE_AFTER = 2
#: Boolean columns the alignment frames may carry, with the message explaining each.
ALIGNMENT_FLAGS = {
    "is_small_sample": "flag.small_sample",
    "is_partial_year": "flag.partial_year",
    "is_break": "flag.break",
}


@dataclass(frozen=True)
class ChartRequest:
    """A chart to draw: the ``autonomy_monitor.charts`` function, its frame and options.

    The renderer turns it into a Vega-Lite spec (:meth:`spec`) only when no SVG drawn from the same
    request is cached: :meth:`key` addresses the SVG by the request's content, so a briefing whose
    charts are all cached never builds a spec or starts vl-convert.
    """

    kind: str
    frame: pl.DataFrame
    options: dict[str, Any]

    def spec(self) -> dict[str, Any]:
        return getattr(charts, self.kind)(self.frame, **self.options)

    def key(self) -> str:
        """SHA-256 of the function name, the frame (schema and rows) and the options."""

        def plain(value: Any) -> Any:
            if isinstance(value, pl.DataFrame):  # rows as Python values: no Polars writer, whose
                # thread pool waits while vl-convert starts in the drawing thread
                return {"schema": str(value.schema), "rows": plain(list(value.iter_rows()))}
            if isinstance(value, dict):
                return {k: plain(v) for k, v in sorted(value.items())}
            if isinstance(value, (list, tuple)):
                return [plain(v) for v in value]
            return (
                value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
            )

        text = json.dumps(
            [self.kind, plain(self.frame), plain(self.options)], ensure_ascii=False, sort_keys=True
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chart(kind: str, frame: pl.DataFrame, **options: Any) -> ChartRequest:
    return ChartRequest(kind, frame, options)


@dataclass
class Section:
    """One titled part of the briefing: sentences, charts (requests, drawn by the renderer) and
    tables."""

    key: str
    title: str
    sentences: list[str] = field(default_factory=list)
    charts: list[ChartRequest] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(
        default_factory=list
    )  # {"columns": [...], "rows": [[...]]}


@dataclass
class Finding:
    """One line of the key-findings box: topic, year (or 'latest available'), text, source."""

    topic: str
    year: int
    text: str
    source: str


@dataclass
class Briefing:
    country_iso3: str
    country: str
    lang: str
    year: int
    since: int
    built: str
    origin: str
    title: str
    subtitle: str
    as_of: str
    findings: list[str]
    sections: list[Section]
    appendix: Section
    footer: str
    facts: dict[str, Any]


def check_arguments(year: int | None, since: int | None, lang: str) -> None:
    if lang not in LANGUAGES:
        raise am.BadArgument(f"Unknown language {lang!r}: give one of {', '.join(LANGUAGES)}.")
    for name, value in (("--year", year), ("--since", since)):
        if value is not None and not FIRST_YEAR <= value <= LAST_YEAR:
            raise am.BadArgument(
                f"{name} {value} is out of range: give a year between {FIRST_YEAR} and {LAST_YEAR}."
            )
    if year is not None and since is not None and since >= year:
        raise am.BadArgument(
            f"--since {since} must be earlier than --year {year}: give an earlier comparison year."
        )


@functools.cache
def english_name(code: str) -> str:
    try:
        return am.country_name(code)
    except Exception:  # noqa: BLE001 - unknown codes are shown as they are
        return code


def name_of(t: Texts, code: str | None):  # -> i18n.CountryName
    """The country's name in the briefing's language (declinable in messages)."""
    return t.name(code, english_name(code) if code else None)


def pick(
    frame: pl.DataFrame, dimension: str, measure: str, method: str | None = None
) -> pl.DataFrame:
    """Rows of one measure; the preferred method when present, else whatever exists."""
    rows = frame.filter(
        (pl.col("dimension") == dimension)
        & (pl.col("measure") == measure)
        & pl.col("value").is_not_null()
    )
    if method is not None and rows.filter(pl.col("method") == method).height:
        rows = rows.filter(pl.col("method") == method)
    return rows


def latest_year(rows: pl.DataFrame, year: int) -> int | None:
    years = rows.filter(pl.col("year") <= year)["year"]
    return int(years.max()) if years.len() else None


def closest_year(rows: pl.DataFrame, target: int, before: int) -> int | None:
    """The first year >= target (and < before) with data, or None."""
    years = rows.filter((pl.col("year") >= target) & (pl.col("year") < before))["year"]
    return int(years.min()) if years.len() else None


def top_partners(rows: pl.DataFrame, year: int, n: int) -> pl.DataFrame:
    return (
        rows.filter((pl.col("year") == year) & pl.col("partner_iso3").is_not_null())
        .group_by("partner_iso3")
        .agg(pl.col("value").max())
        .sort(["value", "partner_iso3"], descending=[True, False])
        .head(n)
    )


def value_of(rows: pl.DataFrame, partner: str, year: int) -> float | None:
    found = rows.filter((pl.col("partner_iso3") == partner) & (pl.col("year") == year))["value"]
    return float(found.max()) if found.len() else None


def with_names(t: Texts, frame: pl.DataFrame, column: str, alias: str) -> pl.DataFrame:
    codes = frame[column].unique().to_list()
    names = {code: str(name_of(t, code)) for code in codes}
    return frame.with_columns(pl.col(column).replace_strict(names, default=None).alias(alias))


#: Known source labels (as the source modules write them, by prefix) -> message key of their short
# name.
SOURCE_KEYS = (
    ("IMF DOTS", "src.imf_dots"),
    ("Eurostat", "src.eurostat"),
    ("KG NSC", "src.kg_nsc"),
    ("KZ BNS", "src.kz_bns"),
    ("KZ NSC", "src.kz_bns"),
    ("UZ NSC", "src.uz_nsc"),
    ("UZ SC", "src.uz_nsc"),
    ("TJ", "src.tj_stat"),
    ("Rosstat", "src.rosstat"),
    ("Russian", "src.rosstat"),
    ("RU FCS", "src.rosstat"),
    ("GACC", "src.press"),
    ("press", "src.press"),
    ("UN DESA", "src.undesa"),
    ("World Bank bilateral migration", "src.wb_migration"),
    ("OECD DAC", "src.oecd_dac"),
    ("AidData", "src.aiddata"),
    ("WDI", "src.wdi"),
    ("KNOMAD", "src.knomad"),
    ("Energy Institute", "src.energy"),
    ("EI ", "src.energy"),
)
#: Remittance rows name their method; each method has one short source description.
REMITTANCE_METHOD_KEYS = {
    "allocated_stock_income_weighted": "src.remit_allocated",
    "bilateral_matrix_2021": "src.remit_matrix",
    "bilateral_matrix_2017": "src.remit_matrix",
    "interpolated_matrix_2017_2021": "src.remit_matrix",
}


def source_token_label(t: Texts, token: str) -> str:
    token = token.strip()
    for prefix, key in SOURCE_KEYS:
        if token.startswith(prefix):
            return t(key)
    return token


def source_label(t: Texts, rows: pl.DataFrame) -> str:
    """Short, translated names of the sources behind ``rows`` ('IMF DOTS; KG NSC')."""
    if "method" in rows.columns and rows.height and rows["method"][0] in REMITTANCE_METHOD_KEYS:
        keys = sorted(
            {
                REMITTANCE_METHOD_KEYS.get(m, "src.remit_allocated")
                for m in rows["method"].drop_nulls().unique().to_list()
            }
        )
        return t("src_sep").join(t(key) for key in keys)
    raw = rows["source"].drop_nulls().unique().to_list() if "source" in rows.columns else []
    labels: list[str] = []
    for text in sorted(raw):
        for token in re.split(r"\s*(?:\||;|/)\s*", text):
            if not token:
                continue
            label = source_token_label(t, token.split("(")[0] if token.startswith("WDI") else token)
            if label not in labels:
                labels.append(label)
    return t("src_sep").join(labels)


def changed(before: float, after: float) -> bool:
    """Whether a share moved by at least half a percentage point."""
    return abs(after - before) >= 0.005


def shares_list(t: Texts, pairs: list[tuple[str, float]], key: str = "item") -> str:
    """'China (34.6%), Russia (19.1%) and Kazakhstan (8.3%)' — each item a catalog message (it may
    decline the name)."""
    return t.join([t(key, partner=name_of(t, code), share=t.share(value)) for code, value in pairs])


def trade_section(
    t: Texts,
    deps: pl.DataFrame,
    country,
    year: int,
    since: int,
    facts: dict,
    findings: list[Finding],
) -> Section:
    section = Section("trade", t("section.trade"))
    rows = pick(deps, "trade", "total_share", "chosen")
    y = latest_year(rows, year)
    if y is None:
        section.sentences.append(t("no_data"))
        return section
    top = top_partners(rows, y, 8)
    facts["trade_year"] = y
    facts["trade_top"] = list(zip(top["partner_iso3"].to_list(), top["value"].to_list()))
    source = source_label(t, rows.filter(pl.col("year") == y))
    section.sentences.append(
        t("trade_top", year=y, country=country, partners=shares_list(t, facts["trade_top"][:3]))
    )
    first_code, first_share = facts["trade_top"][0]
    findings.append(
        Finding(
            t("topic.trade"),
            y,
            t(
                "finding.trade",
                partner=name_of(t, first_code),
                share=t.share(first_share),
                others=shares_list(t, facts["trade_top"][1:3]),
            ),
            source,
        )
    )
    base = closest_year(rows, since, y)
    if base is not None:
        facts["trade_since"] = base
        for code, value in facts["trade_top"][:3]:
            before = value_of(rows, code, base)
            if before is not None and changed(before, value):
                section.sentences.append(
                    t(
                        "trade_up" if value > before else "trade_down",
                        since=base,
                        partner=name_of(t, code),
                        before=t.share(before),
                        after=t.share(value),
                    )
                )
            elif before is not None:
                section.sentences.append(
                    t("trade_level", since=base, partner=name_of(t, code), after=t.share(value))
                )
    exports, imports = (
        pick(deps, "trade", "export_share", "chosen"),
        pick(deps, "trade", "import_share", "chosen"),
    )
    top_x, top_m = top_partners(exports, y, 1), top_partners(imports, y, 1)
    if top_x.height and top_m.height:
        section.sentences.append(
            t(
                "trade_exports",
                partner=name_of(t, top_x["partner_iso3"][0]),
                share=t.share(top_x["value"][0]),
                partner2=name_of(t, top_m["partner_iso3"][0]),
                share2=t.share(top_m["value"][0]),
            )
        )
    bars = with_names(t, top, "partner_iso3", "label")
    section.charts.append(
        chart(
            "share_bars",
            bars,
            title=t("chart.trade_bars"),
            source=source,
            year=y,
            code_column="partner_iso3",
            value_label=t("axis.share"),
            width=360,
            labels=t.chart_labels(),
        )
    )
    partners = top["partner_iso3"].head(5).to_list()
    series = rows.filter(pl.col("partner_iso3").is_in(partners) & (pl.col("year") <= y))
    series = with_names(
        t,
        series.group_by("partner_iso3", "year")
        .agg(pl.col("value").max())
        .sort("partner_iso3", "year"),
        "partner_iso3",
        "partner",
    )
    section.charts.append(
        chart(
            "dependence_over_time",
            series,
            title=t("chart.trade_time"),
            source=source_label(t, rows),
            measure_label=t("axis.share"),
            width=420,
            labels=t.chart_labels(),
        )
    )
    return section


def remittance_total(
    t: Texts, code: str, deps: pl.DataFrame, year: int, settings: am.Settings
) -> tuple[int, float, float | None, str] | None:
    """(year, US$, share of GDP, source) of total remittances received: ``api.remittance_totals``
    when the store has it, else the sum of the bilateral estimates (which add up to the total)."""
    totals = getattr(am, "remittance_totals", None)
    if totals is not None:
        try:
            frame = totals(code, settings=settings)
        except (am.AutonomyError, TypeError):
            frame = pl.DataFrame()
        if frame.height:
            frame = frame.filter(
                pl.col("remittances_usd").is_not_null() & (pl.col("year") <= year)
            ).sort("year")
            if frame.height:
                last = frame.row(-1, named=True)
                return (
                    int(last["year"]),
                    float(last["remittances_usd"]),
                    last.get("remittances_gdp_share"),
                    source_label(t, pl.DataFrame({"source": [last.get("source") or ""]})),
                )
    usd = pick(deps, "remittances", "remittances_usd")
    y = latest_year(usd, year)
    if y is None:
        return None
    rows = usd.filter(pl.col("year") == y)
    gdp = pick(deps, "remittances", "remittance_dependence").filter(pl.col("year") == y)["value"]
    return (
        y,
        float(rows["value"].sum()),
        float(gdp.sum()) if gdp.len() else None,
        t("src.remit_total"),
    )


def people_section(
    t: Texts,
    code: str,
    deps: pl.DataFrame,
    country,
    year: int,
    facts: dict,
    findings: list[Finding],
    settings: am.Settings,
) -> Section:
    section = Section("people", t("section.people"))
    migration = pick(deps, "migration", "destination_share", "un_desa_stock")
    people = pick(deps, "migration", "emigrants", "un_desa_stock")
    y = latest_year(migration, year)
    if y is not None:
        top = top_partners(migration, y, 6)
        first = top["partner_iso3"][0]
        facts["migration_year"], facts["migration_top"] = y, (first, float(top["value"][0]))
        others = list(zip(top["partner_iso3"][1:3].to_list(), top["value"][1:3].to_list()))
        source = source_label(t, migration.filter(pl.col("year") == y))
        section.sentences.append(
            t(
                "migration_top",
                year=y,
                share=t.share(top["value"][0]),
                country=country,
                partner=name_of(t, first),
                people=t.people(value_of(people, first, y)),
                others=shares_list(t, others),
            )
        )
        findings.append(
            Finding(
                t("topic.migration"),
                y,
                t(
                    "finding.migration",
                    share=t.share(top["value"][0]),
                    partner=name_of(t, first),
                    people=t.people(value_of(people, first, y)),
                ),
                source,
            )
        )
        section.charts.append(
            chart(
                "share_bars",
                with_names(t, top, "partner_iso3", "label"),
                title=t("chart.migration"),
                source=source,
                year=y,
                code_column="partner_iso3",
                value_label=t("axis.share"),
                width=300,
                labels=t.chart_labels(),
            )
        )
    total = remittance_total(t, code, deps, year, settings)
    if total is not None:
        ty, usd, gdp_share, source = total
        facts["remittances_year"], facts["remittances_usd"], facts["remittances_gdp_share"] = (
            ty,
            usd,
            gdp_share,
        )
        gdp = t.share(gdp_share, 2 if gdp_share is not None and gdp_share < 0.01 else 1)
        key = "remittances_total" if gdp_share is not None else "remittances_total_no_gdp"
        section.sentences.append(t(key, usd=t.usd(usd), year=ty, gdp_share=gdp, source=source))
        findings.append(
            Finding(
                t("topic.remittances"),
                ty,
                t("finding." + key, usd=t.usd(usd), gdp_share=gdp),
                source,
            )
        )
    remit_share = pick(deps, "remittances", "remittance_share", "allocated_stock_income_weighted")
    ry = latest_year(remit_share, year)
    if ry is not None:
        top = top_partners(remit_share, ry, 6)
        facts["remittances_top"] = (top["partner_iso3"][0], float(top["value"][0]))
        section.sentences.append(
            t(
                "remittances_share",
                year=ry,
                share=t.share(top["value"][0]),
                partner=name_of(t, top["partner_iso3"][0]),
            )
        )
        section.sentences.append(t("remittances_caveat"))
        section.charts.append(
            chart(
                "share_bars",
                with_names(t, top, "partner_iso3", "label"),
                title=t("chart.remittances"),
                source=source_label(t, remit_share.filter(pl.col("year") == ry)),
                year=ry,
                code_column="partner_iso3",
                value_label=t("axis.share"),
                width=300,
                labels=t.chart_labels(),
            )
        )
    if not section.sentences:
        section.sentences.append(t("no_data"))
    return section


def finance_section(
    t: Texts, deps: pl.DataFrame, year: int, facts: dict, findings: list[Finding]
) -> Section:
    section = Section("finance", t("section.finance"))
    aid = pick(deps, "aid", "oda_share")
    y = latest_year(aid, year)
    if y is not None:
        top = top_partners(aid, y, 6)
        facts["aid_year"], facts["aid_top"] = y, (top["partner_iso3"][0], float(top["value"][0]))
        others = list(zip(top["partner_iso3"][1:3].to_list(), top["value"][1:3].to_list()))
        source = source_label(t, aid.filter(pl.col("year") == y))
        section.sentences.append(
            t(
                "aid_top",
                year=y,
                partner=name_of(t, top["partner_iso3"][0]),
                share=t.share(top["value"][0]),
                others=shares_list(t, others),
            )
        )
        findings.append(
            Finding(
                t("topic.aid"),
                y,
                t(
                    "finding.aid",
                    partner=name_of(t, top["partner_iso3"][0]),
                    share=t.share(top["value"][0]),
                ),
                source,
            )
        )
        section.charts.append(
            chart(
                "share_bars",
                with_names(t, top, "partner_iso3", "label"),
                title=t("chart.aid"),
                source=source,
                year=y,
                code_column="partner_iso3",
                value_label=t("axis.share"),
                width=300,
                labels=t.chart_labels(),
            )
        )
    finance = pick(deps, "finance", "chinese_commitments_usd").filter(pl.col("year") <= year)
    if finance.height:
        span = charts.year_span(finance["year"].to_list())
        facts["finance_usd"] = float(finance["value"].sum())
        section.sentences.append(t("finance_total", usd=t.usd(facts["finance_usd"]), span=span))
    gas = pick(deps, "energy", "gas_export_share")
    gy = latest_year(gas, year)
    if gy is not None:
        top = top_partners(gas, gy, 1)
        section.sentences.append(
            t(
                "energy_top",
                year=gy,
                share=t.share(top["value"][0]),
                partner=name_of(t, top["partner_iso3"][0]),
            )
        )
    if not section.sentences:
        section.sentences.append(t("no_data"))
    return section


#: Event kinds marked on the alignment chart (votes have their own section).
EVENT_KINDS = ("un", "organisation", "dialogue", "summit", "sanctions", "corridor", "pipeline")


def chart_events(
    t: Texts, code: str, first: int, last: int
) -> tuple[pl.DataFrame | None, list[list[str]]]:
    """Numbered event markers for a time chart, and the rows listing them (number, date, title,
    source)."""
    try:
        events = am.country_events(code)
    except am.AutonomyError:
        return None, []
    if events.is_empty():
        return None, []
    events = events.filter(
        pl.col("kind").is_in(EVENT_KINDS) & pl.col("date").dt.year().is_between(first, last)
    ).sort("date", "title")
    if events.is_empty():
        return None, []
    drawn = charts.event_frame(
        pl.DataFrame({"date": events["date"], "label": [str(i) for i in range(events.height)]}),
        [first, last],
    )
    if drawn is None:
        return None, []
    events = events[[int(i) for i in drawn["label"].to_list()]]
    numbers = [str(i + 1) for i in range(events.height)]
    marks = pl.DataFrame({"date": events["date"], "label": numbers})
    rows = [
        [n, t.day(d), t.event_text(title), t.event_text(source)]
        for n, d, title, source in zip(numbers, events["date"], events["title"], events["source"])
    ]
    return marks, rows


def alignment_flags(t: Texts, frame: pl.DataFrame, year: int) -> list[str]:
    """Sentences for the warnings the vote tables attach to ``year`` (small sample, partial year,
    break)."""
    shown = frame.filter(pl.col("year") == year)
    sentences = []
    for column, key in ALIGNMENT_FLAGS.items():
        if column in shown.columns and shown[column].fill_null(False).cast(pl.Boolean).any():
            n = int(shown["n_votes"].min()) if "n_votes" in shown.columns else 0
            sentence = t.plural(key, n, year=year)
            if sentence not in sentences:
                sentences.append(sentence)
    return sentences


def alignment_section(
    t: Texts,
    code: str,
    country,
    year: int,
    since: int,
    facts: dict,
    findings: list[Finding],
    settings: am.Settings,
) -> Section:
    section = Section("alignment", t("section.alignment"))
    powers = [p for p in POWERS if p != code]
    try:
        agreement = am.vote_agreement(
            code, powers, end=None if year >= LAST_YEAR else year, settings=settings
        )
    except am.AutonomyError:
        agreement = pl.DataFrame()
    if agreement.height:
        # years with few common roll calls (e.g. a session that has just begun) are left out
        agreement = (
            agreement.filter(pl.col("n_votes") >= MIN_VOTES)
            if agreement.filter(pl.col("n_votes") >= MIN_VOTES).height
            else agreement
        )
        y = int(agreement["year"].max())
        now = agreement.filter(pl.col("year") == y).sort("agreement", descending=True)
        facts["alignment_year"] = y
        facts["alignment"] = dict(zip(now["partner_iso3"].to_list(), now["agreement"].to_list()))
        pairs = list(zip(now["partner_iso3"].to_list(), now["agreement"].to_list()))
        section.sentences.append(
            t(
                "alignment_now",
                year=y,
                country=country,
                partners=shares_list(t, pairs, "alignment_item"),
            )
        )
        section.sentences.extend(alignment_flags(t, agreement, y))
        high, low = pairs[0], pairs[-1]
        findings.append(
            Finding(
                t("topic.alignment"),
                y,
                t(
                    "finding.alignment",
                    high=name_of(t, high[0]),
                    high_share=t.share(high[1]),
                    low=name_of(t, low[0]),
                    low_share=t.share(low[1]),
                ),
                t("src.unga"),
            )
        )
        base = closest_year(agreement, since, y)
        if base is not None:
            for partner in now["partner_iso3"].to_list():
                before = value_of(agreement.rename({"agreement": "value"}), partner, base)
                after = facts["alignment"][partner]
                if before is not None and changed(before, after):
                    section.sentences.append(
                        t(
                            "alignment_up" if after > before else "alignment_down",
                            partner=name_of(t, partner),
                            before=t.share(before),
                            since=base,
                            after=t.share(after),
                            year=y,
                        )
                    )
                elif before is not None:
                    section.sentences.append(
                        t(
                            "alignment_level",
                            partner=name_of(t, partner),
                            after=t.share(after),
                            since=base,
                        )
                    )
        named = with_names(t, agreement, "partner_iso3", "partner")
        marks, listed = chart_events(t, code, int(named["year"].min()), y)
        section.charts.append(
            chart(
                "alignment_over_time",
                named,
                title=t("chart.alignment"),
                source=t("src.unga"),
                value_label=t("axis.agreement"),
                width=420,
                events=marks,
                labels=t.chart_labels(),
            )
        )
        if listed:
            section.sentences.append(t("events_intro"))
            section.tables.append(
                {"columns": ["#", t("col.date"), t("col.event"), t("col.source")], "rows": listed}
            )
    try:
        ideal = am.ideal_points(
            [code, *powers], end=None if year >= LAST_YEAR else year, settings=settings
        )
    except am.AutonomyError:
        ideal = pl.DataFrame()
    if ideal.height:
        if "n_votes" in ideal.columns:
            ideal = ideal.filter(pl.col("n_votes") >= MIN_VOTES)
        ideal = with_names(t, ideal.filter(pl.col("year") >= 1992), "country_iso3", "country")
        section.charts.append(
            chart(
                "ideal_points_over_time",
                ideal,
                title=t("chart.ideal"),
                source=t("src.ideal"),
                width=420,
                labels=t.chart_labels(),
            )
        )
    if not section.sentences:
        section.sentences.append(t("no_data"))
    return section


@dataclass
class KeyVote:
    """One resolution of the vote grid: symbol, date, English title, whether press-reported, source,
    votes by country."""

    symbol: str
    date: dt.date | None
    title: str
    press: bool
    source: str
    votes: dict[str, str]


def is_grid_vote(symbol: str) -> bool:
    """ES-11 resolutions (official symbol, or a press-reported record of an ES-11 meeting without
    one) and the other key votes shown."""
    return (
        symbol.upper().startswith(ES11_PREFIX)
        or (not symbol.startswith("A/RES/") and "ES-11" in symbol)
        or symbol in OTHER_KEY_VOTES
    )


def grid_votes(codes: list[str], settings: am.Settings) -> list[KeyVote]:
    """Every ES-11 vote in the store (official roll calls and press-reported records) and the other
    key votes, oldest first."""
    try:
        frame = am.country_key_votes(codes, settings=settings)
    except am.AutonomyError:
        return []
    if frame.is_empty():
        return []
    frame = frame.filter(pl.col("resolution_symbol").is_not_null())
    frame = frame.filter(
        pl.col("resolution_symbol").map_elements(is_grid_vote, return_dtype=pl.Boolean)
    )
    found = []
    for (call,), rows in frame.group_by(["roll_call_id"], maintain_order=True):
        first = rows.row(0, named=True)
        press = first.get("record_kind") == "press_reported"
        sources = (
            sorted(
                {
                    urlsplit(u.strip()).hostname or u.strip()
                    for text in rows["source"].drop_nulls().to_list()
                    for u in text.split(" ; ")
                }
            )
            if press
            else []
        )
        found.append(
            KeyVote(
                first["resolution_symbol"],
                first["date"] if isinstance(first["date"], dt.date) else None,
                first["title"] or "",
                press,
                ", ".join(sources),
                dict(zip(rows["country_iso3"].to_list(), rows["vote"].to_list())),
            )
        )
    return found


def vote_label(t: Texts, vote: KeyVote) -> str:
    """The resolution's symbol, or for a press-reported ES-11 vote without one, the session it
    belongs to."""
    return vote.symbol if vote.symbol.startswith("A/RES/") else t("es11_unnumbered")


VOTE_WORDS = {"Y": "yes", "N": "no", "A": "abstain", "X": "absent"}


def votes_section(
    t: Texts, code: str, country, year: int, facts: dict, settings: am.Settings
) -> Section:
    section = Section("votes", t("section.votes"))
    codes = [code, *[p for p in POWERS if p != code]]
    found = [v for v in grid_votes(codes, settings) if v.date is None or v.date.year <= year]
    found.sort(key=lambda v: (v.symbol in OTHER_KEY_VOTES, v.date or dt.date.max, v.symbol))
    facts["votes"] = {v.symbol: v.votes.get(code, "–") for v in found}
    if not found:
        section.sentences.append(t("no_data"))
        return section
    press = [v for v in found if v.press]
    others = [v for v in found if v.symbol in OTHER_KEY_VOTES]
    section.sentences.append(
        t.plural("votes_intro_crimea" if others else "votes_intro", len(found), country=country)
    )
    if press:
        section.sentences.append(t.plural("votes_press", len(press)))
    cells, rows = [], []
    for v in found:
        marker = " *" if v.press else ""
        short = v.symbol.removeprefix("A/RES/") if v.symbol.startswith("A/RES/") else "ES-11"
        row_label = f"{short} ({t.day(v.date) if v.date else '–'}){marker}"
        for c in codes:
            vote = v.votes.get(c, "–")
            cells.append(
                {
                    "resolution": row_label,
                    "country": str(name_of(t, c)),
                    "vote": VOTE_WORDS.get(vote, "unknown" if v.press else "absent"),
                }
            )
        rows.append(
            [
                vote_label(t, v) + marker,
                t.day(v.date) if v.date else "–",
                resolution_title(t, v.title),
                t("record.press", source=v.source) if v.press else t("record.official"),
            ]
        )
    years = [v.date.year for v in found if v.date]
    section.charts.append(
        chart(
            "key_votes_chart",
            pl.DataFrame(cells),
            title=t("chart.votes" if others else "chart.votes_es11"),
            source=t("src.unga_votes"),
            year=charts.year_span(years),
            width=420,
            labels=t.chart_labels(),
        )
    )
    section.tables.append(
        {
            "columns": [t("col.resolution"), t("col.date"), t("col.title"), t("col.record")],
            "rows": rows,
        }
    )
    own = [v.votes.get(code) for v in found if v.votes.get(code) in VOTE_WORDS]
    counts = {word: sum(1 for vote in own if vote == letter) for letter, word in VOTE_WORDS.items()}
    section.sentences.append(
        t(
            "votes_own",
            country=country,
            yes=t.count(counts["yes"]),
            no=t.count(counts["no"]),
            abstain=t.count(counts["abstain"]),
            absent=t.count(counts["absent"]),
        )
    )
    return section


RUSSIAN_TITLE = re.compile(r"\(Russian:\s*«([^»]+)»\)")


def resolution_title(t: Texts, english: str) -> str:
    """The title as the reader's language has it: an official Russian title when the source gives
    one, else the English title marked as English (the UN publishes no Japanese titles)."""
    found = RUSSIAN_TITLE.search(english or "")
    plain = RUSSIAN_TITLE.sub("", english or "").strip()
    if t.lang == "ru" and found:
        return f"«{found.group(1)}»"
    if t.lang == "en" or not plain:
        return plain or "–"
    return t("title_in_english", title=plain)


def governance_section(
    t: Texts, code: str, settings: am.Settings, economic: bool = True
) -> Section:
    """Governance indicators, as the country profile shows them (none for a store without the
    economic tables, which has no profile)."""
    section = Section("governance", t("section.governance"))
    try:
        frame = am.profile_governance(code, settings=settings) if economic else pl.DataFrame()
    except am.AutonomyError:
        frame = pl.DataFrame()
    if frame.height:
        rows = [
            [
                t(f"gov_source.{slug(r['source'])}")
                if t.has(f"gov_source.{slug(r['source'])}")
                else r["source"],
                t(f"gov.{r['indicator']}")
                if t.has(f"gov.{r['indicator']}")
                else r["indicator"].replace("_", " "),
                decimal(t, r["value"]),
                str(r["year"]),
                t(f"scale.{slug(r['scale'])}")
                if t.has(f"scale.{slug(r['scale'])}")
                else r["scale"],
            ]
            for r in frame.iter_rows(named=True)
        ]
        section.tables.append(
            {
                "columns": [
                    t("col.source"),
                    t("col.indicator"),
                    t("col.value"),
                    t("col.year"),
                    t("col.scale"),
                ],
                "rows": rows,
            }
        )
    else:
        section.sentences.append(t("no_data"))
    return section


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (text or "").lower()).strip("_")


def decimal(t: Texts, value: float) -> str:
    """Up to two decimals in the locale's notation, trailing zeros dropped."""
    from autonomy_monitor import i18n

    digits = 0 if float(value).is_integer() else (1 if round(value, 1) == round(value, 2) else 2)
    return i18n.format_number(value, t.lang, digits)


UNIT_ORDER = {"persons": 0, "share": 1, "ratio to GDP": 2, "current US$": 3}


def scenario_value(t: Texts, value: float | None, unit: str | None) -> str:
    from autonomy_monitor import i18n

    if value is None:
        return "–"
    unit = unit or ""
    if unit in ("share", "ratio to GDP"):
        return t.share(value, 2 if abs(value) < 0.1 else 1)
    if "US$" in unit:
        return t.usd(value)
    if unit == "persons":
        return t.count(value)
    return i18n.format_number(value, t.lang, 3)


def scenario_concerns(name: str, code: str) -> bool:
    """Whether a bundled scenario names ``code`` as its country or in a lever."""
    try:
        spec = am.scenario_spec(name)
    except am.AutonomyError:
        return False
    if spec.scenario.country == code:
        return True
    return any(
        code in (getattr(lever, attr, None) for attr in ("country", "origin", "destination"))
        for lever in spec.levers
    )


#: Scenario table rows shown per scenario (largest changes first).
SCENARIO_ROWS = 4


def scenarios_section(t: Texts, code: str, country, settings: am.Settings) -> Section:
    """What the bundled scenarios about this country change, in their last year, and what they
    assume."""
    section = Section("scenarios", t("section.scenarios"))
    try:
        listing = am.scenario_list()
    except am.AutonomyError:
        listing = pl.DataFrame()
    rows = []
    for name in listing["name"].to_list() if listing.height else []:
        if not scenario_concerns(name, code):
            continue
        try:
            spec = am.scenario_spec(name)
            result = am.run_scenario(name, settings=settings)
        except am.AutonomyError:
            continue
        key = am.scenario_key_rows(result, top=3)
        key = (
            key.filter(pl.col("country_iso3") == code)
            if "country_iso3" in key.columns
            else key.clear()
        )
        if key.is_empty():
            continue
        last = key.filter(pl.col("year") == key["year"].max())
        last = last.with_columns(
            pl.col("unit").replace_strict(UNIT_ORDER, default=9).alias("_unit"),
            (-pl.col("difference").abs()).alias("_size"),
        ).sort(["_unit", "_size", "partner_iso3"], nulls_last=True)
        title = t.scenario_text(spec.scenario.title)
        changes, shown = [], 0
        for row in last.iter_rows(named=True):
            if row["difference"] is None or abs(row["difference"]) < 1e-12:
                continue
            partner = name_of(t, row["partner_iso3"]) if row["partner_iso3"] else country
            measure = t.measure(row["measure"])
            before, after = (
                scenario_value(t, row["baseline"], row["unit"]),
                scenario_value(t, row["scenario"], row["unit"]),
            )
            if shown < SCENARIO_ROWS:
                rows.append(
                    [
                        title if shown == 0 else "",
                        str(partner),
                        measure,
                        str(row["year"]),
                        before,
                        after,
                    ]
                )
                shown += 1
            if len(changes) < 2:
                changes.append(
                    t(
                        "scenario_change",
                        measure=measure,
                        partner=partner,
                        before=before,
                        after=after,
                    )
                )
        section.sentences.append(
            t("scenario_line", title=title, year=int(last["year"][0]), changes=t.join(changes))
        )
        assumed = [t.scenario_text(a.text) for a in spec.assumptions if a.kind == "assumption"]
        if assumed:
            section.sentences.append(t("scenario_assumes", assumptions=" ".join(assumed)))
    if rows:
        section.sentences.append(t("scenario_caveat"))
        section.tables.append(
            {
                "columns": [
                    t("col.scenario"),
                    t("col.partner"),
                    t("col.measure"),
                    t("col.year"),
                    t("col.baseline"),
                    t("col.with_scenario"),
                ],
                "rows": rows,
            }
        )
    else:
        section.sentences.append(t("scenarios_none"))
    return section


def vintage_of(release: str, file: str) -> str:
    """The clause of a source's release note that concerns ``file`` (by shared words), else the
    whole note."""
    clauses = [c.strip() for c in re.split(r";\s*", release or "") if c.strip()]
    if len(clauses) <= 1:
        return release or ""
    words = set(
        re.findall(r"[a-z]+", file.lower().replace("vdem", "v dem").replace("freedom_house", "fh"))
    )
    scored = [
        (len(words & set(re.findall(r"[a-z]+", c.lower().replace("-", " ")))), c) for c in clauses
    ]
    best = max(scored, key=lambda x: x[0])
    return best[1] if best[0] else release


def appendix_section(
    t: Texts, code: str, origin: str, built: str, settings: am.Settings
) -> Section:
    """Provenance, one line per input file (source, file, vintage, short hash), and how to
    reproduce."""
    section = Section(
        "sources",
        t("section.sources"),
        sentences=[t("sources_intro", origin=t(f"origin.{origin}"), built=built)],
    )
    try:
        frame = am.provenance(settings)
    except am.AutonomyError:
        frame = pl.DataFrame()
    releases = am.source_releases()
    if frame.height:
        rows = [
            [
                r["source"],
                r["file"].rsplit("/", 1)[-1],
                t.vintage_text(
                    r.get("vintage") or vintage_of(releases.get(r["source"], ""), r["file"])
                ),
                (r["sha256"] or "")[:10],
            ]
            for r in frame.sort("source", "file").iter_rows(named=True)
        ]
        section.tables.append(
            {
                "columns": [t("col.source"), t("col.file"), t("col.vintage"), t("col.sha")],
                "rows": rows,
            }
        )
    section.sentences.append(
        t(
            "reproduce",
            command=f"autonomy report {code} --format pdf --lang {t.lang}",
            version=__version__,
        )
    )
    return section


def last_vote_year(code: str, settings: am.Settings) -> int:
    """The latest year with UN vote agreement data for ``code`` (when no dependence data exist)."""
    try:
        frame = am.vote_agreement(code, ["CHN" if code != "CHN" else "USA"], settings=settings)
    except am.AutonomyError:
        return LAST_YEAR
    return int(frame["year"].max()) if frame.height else LAST_YEAR


def built_at(settings: am.Settings) -> str:
    try:
        runs = am.build_runs(settings)
    except am.AutonomyError:
        return "–"
    if runs.height == 0 or "built_at" not in runs.columns:
        return "–"
    return str(runs["built_at"].drop_nulls().max() or "–")[:10]


def finding_lines(t: Texts, findings: list[Finding]) -> list[str]:
    """The key findings as sentences; a measure whose year lags the newest one is called the latest
    available."""
    newest = max((f.year for f in findings), default=0)
    lines = []
    for f in findings:
        when = (
            t("finding_stale", year=f.year)
            if newest - f.year > STALE_AFTER
            else t("finding_year", year=f.year)
        )
        lines.append(t("finding", topic=f.topic, when=when, text=f.text, source=f.source))
    return lines


FINDING_ORDER = (
    "topic.trade",
    "topic.remittances",
    "topic.migration",
    "topic.alignment",
    "topic.aid",
)


def gather(
    country: str,
    *,
    year: int | None = None,
    since: int | None = None,
    lang: str = "en",
    settings: am.Settings | None = None,
    on_chart: Callable[[ChartRequest], None] | None = None,
) -> Briefing:
    """Collect every figure, sentence and chart of the briefing for ``country``.

    Every query reuses the process's one connection to the store (``api.reader``). ``on_chart``,
    when given, is handed each chart request as soon as its section is made (the renderer starts
    drawing it while the later sections are gathered).
    """
    check_arguments(year, since, lang)
    settings = settings or am.Settings()
    t = texts(lang)
    codes = am.parse_country_list(country)
    if len(codes) != 1:
        raise am.BadArgument(
            f"A briefing covers one country, got {country!r} "
            f"({len(codes)} countries): give one code or name, e.g. KGZ."
        )
    code = codes[0]
    economic = True  # whether the store has the dependence table (the profile needs it)
    try:
        deps = am.dependence(code, settings=settings)
    except am.WarehouseMissing:  # the bundled snapshot may lack the economic tables
        economic = False
        deps = pl.DataFrame(
            schema={
                "country_iso3": pl.String,
                "partner_iso3": pl.String,
                "year": pl.Int32,
                "dimension": pl.String,
                "measure": pl.String,
                "value": pl.Float64,
                "unit": pl.String,
                "method": pl.String,
                "source": pl.String,
                "flag": pl.String,
            }
        )
    name = name_of(t, code)
    data_last = int(deps["year"].max()) if deps.height else last_vote_year(code, settings)
    if year is not None and deps.height and year < int(deps["year"].min()):
        raise am.BadArgument(
            f"--year {year}: the store has no dependence data for "
            f"{code} before {int(deps['year'].min())}; give a "
            f"year from {int(deps['year'].min())} to {data_last}."
        )
    since = since if since is not None else min(year or data_last, data_last) - DEFAULT_SPAN
    year = year if year is not None else LAST_YEAR
    facts: dict[str, Any] = {"country_iso3": code, "since": since}
    findings: list[Finding] = []
    makers = (
        lambda: trade_section(t, deps, name, year, since, facts, findings),
        lambda: people_section(t, code, deps, name, year, facts, findings, settings),
        lambda: finance_section(t, deps, year, facts, findings),
        lambda: alignment_section(t, code, name, year, since, facts, findings, settings),
        lambda: votes_section(t, code, name, year, facts, settings),
        lambda: governance_section(t, code, settings, economic),
        lambda: scenarios_section(t, code, name, settings),
    )
    sections = []
    for make in makers:
        sections.append(make())
        if on_chart is not None:  # e.g. a renderer drawing them while the rest is gathered
            for request in sections[-1].charts:
                on_chart(request)
    findings.sort(
        key=lambda f: next(
            (i for i, k in enumerate(FINDING_ORDER) if t(k) == f.topic), len(FINDING_ORDER)
        )
    )
    built = built_at(settings)
    built = t.day(built) if re.fullmatch(r"\d{4}-\d\d-\d\d", built) else built
    origin = am.store_kind(settings)
    as_of_year = max(
        [v for k, v in facts.items() if k.endswith("_year") and isinstance(v, int)], default=since
    )
    facts["year"], facts["origin"] = as_of_year, origin
    return Briefing(
        country_iso3=code,
        country=str(name),
        lang=lang,
        year=as_of_year,
        since=since,
        built=built,
        origin=origin,
        title=t("title", country=name),
        subtitle=t("subtitle"),
        as_of=t("as_of", year=as_of_year, origin=t(f"origin.{origin}"), built=built, since=since),
        findings=finding_lines(t, findings),
        sections=sections,
        appendix=appendix_section(t, code, origin, built, settings),
        footer=t("generated_by", version=__version__),
        facts=facts,
    )
