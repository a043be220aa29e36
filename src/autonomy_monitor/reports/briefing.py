"""Gather a country briefing from ``autonomy_monitor.api``: facts, sentences and chart specs.

The briefing is a plain data structure (:class:`Briefing`) that the HTML and PDF renderers
turn into a document. Every sentence is generated from figures fetched here; nothing is
hard-coded but the list of notable resolutions and the powers compared against.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

import autonomy_monitor.api as am
from autonomy_monitor import __version__, charts, i18n
from autonomy_monitor.reports.messages import LANGUAGES, Texts, texts

#: The powers every country is compared with.
POWERS = ("CHN", "RUS", "USA", "JPN")
#: Notable recorded votes shown in the briefing (skipped when not in the store).
NOTABLE_VOTES = ("A/RES/ES-11/1", "A/RES/ES-11/2", "A/RES/ES-11/3", "A/RES/ES-11/4", "A/RES/ES-11/6", "A/RES/68/262")
FIRST_YEAR = 1946
LAST_YEAR = 2100
DEFAULT_SPAN = 10
#: Years with fewer common recorded votes than this are left out of the alignment figures.
MIN_VOTES = 20


@dataclass
class Section:
    """One titled part of the briefing: sentences, charts (Vega-Lite specs) and tables."""

    key: str
    title: str
    sentences: list[str] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)  # {"columns": [...], "rows": [[...]]}


@dataclass
class Briefing:
    country_iso3: str
    country: str
    lang: str
    year: int
    since: int
    built: str
    title: str
    subtitle: str
    as_of: str
    findings: list[str]
    sections: list[Section]
    footer: str
    facts: dict[str, Any]


def check_arguments(year: int | None, since: int | None, lang: str) -> None:
    if lang not in LANGUAGES:
        raise am.BadArgument(f"Unknown language {lang!r}: give one of {', '.join(LANGUAGES)}.")
    for name, value in (("--year", year), ("--since", since)):
        if value is not None and not FIRST_YEAR <= value <= LAST_YEAR:
            raise am.BadArgument(f"{name} {value} is out of range: give a year between {FIRST_YEAR} and {LAST_YEAR}.")
    if year is not None and since is not None and since >= year:
        raise am.BadArgument(f"--since {since} must be earlier than --year {year}: give an earlier comparison year.")


def name_of(code: str | None, lang: str) -> str:
    """The country's name in ``lang`` (English name from the project, localised by pycountry)."""
    if code is None:
        return "–"
    try:
        english = am.country_name(code)
    except Exception:  # noqa: BLE001 - unknown codes are shown as they are
        english = code
    return english if lang == "en" else i18n.country_label(code, lang, english)


def pick(frame: pl.DataFrame, dimension: str, measure: str, method: str | None = None) -> pl.DataFrame:
    """Rows of one measure; the preferred method when present, else whatever exists."""
    rows = frame.filter((pl.col("dimension") == dimension) & (pl.col("measure") == measure) & pl.col("value").is_not_null())
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
    return (rows.filter((pl.col("year") == year) & pl.col("partner_iso3").is_not_null())
            .group_by("partner_iso3").agg(pl.col("value").max()).sort(["value", "partner_iso3"], descending=[True, False]).head(n))


def value_of(rows: pl.DataFrame, partner: str, year: int) -> float | None:
    found = rows.filter((pl.col("partner_iso3") == partner) & (pl.col("year") == year))["value"]
    return float(found.max()) if found.len() else None


def with_names(frame: pl.DataFrame, column: str, lang: str, alias: str) -> pl.DataFrame:
    codes = frame[column].unique().to_list()
    names = {code: name_of(code, lang) for code in codes}
    return frame.with_columns(pl.col(column).replace_strict(names, default=None).alias(alias))


def source_label(rows: pl.DataFrame) -> str:
    labels = sorted({s for s in rows["source"].drop_nulls().to_list()}) if "source" in rows.columns else []
    return "; ".join(labels)[:160]


def changed(before: float, after: float) -> bool:
    """Whether a share moved by at least half a percentage point."""
    return abs(after - before) >= 0.005


def trade_section(t: Texts, deps: pl.DataFrame, country: str, lang: str, year: int, since: int, facts: dict) -> Section:
    section = Section("trade", t("section_trade"))
    rows = pick(deps, "trade", "total_share", "chosen")
    y = latest_year(rows, year)
    if y is None:
        section.sentences.append(t("no_data", country=country))
        return section
    top = top_partners(rows, y, 8)
    facts["trade_year"] = y
    facts["trade_top"] = list(zip(top["partner_iso3"].to_list(), top["value"].to_list()))
    listed = [f"{name_of(code, lang)} ({t.share(value)})" for code, value in facts["trade_top"][:3]]
    section.sentences.append(t("trade_top", year=y, country=country, partners=t.join(listed)))
    base = closest_year(rows, since, y)
    if base is not None:
        facts["trade_since"] = base
        for code, value in facts["trade_top"][:3]:
            before = value_of(rows, code, base)
            if before is not None and changed(before, value):
                section.sentences.append(t("trade_up" if value > before else "trade_down", since=base, partner=name_of(code, lang),
                                           before=t.share(before), after=t.share(value)))
            elif before is not None:
                section.sentences.append(t("trade_level", since=base, partner=name_of(code, lang), after=t.share(value)))
    exports, imports = pick(deps, "trade", "export_share", "chosen"), pick(deps, "trade", "import_share", "chosen")
    top_x, top_m = top_partners(exports, y, 1), top_partners(imports, y, 1)
    if top_x.height and top_m.height:
        section.sentences.append(t("trade_exports", partner=name_of(top_x["partner_iso3"][0], lang), share=t.share(top_x["value"][0]),
                                   partner2=name_of(top_m["partner_iso3"][0], lang), share2=t.share(top_m["value"][0])))
    bars = with_names(top, "partner_iso3", lang, "label")
    section.charts.append(charts.share_bars(bars, title=t("chart_trade_bars"), source=source_label(rows.filter(pl.col("year") == y)),
                                            year=y, code_column="partner_iso3", value_label=t("axis_share"), width=360, labels=t.chart_labels()))
    partners = top["partner_iso3"].head(5).to_list()
    series = rows.filter(pl.col("partner_iso3").is_in(partners) & (pl.col("year") <= y))
    series = with_names(series.group_by("partner_iso3", "year").agg(pl.col("value").max()), "partner_iso3", lang, "partner")
    section.charts.append(charts.dependence_over_time(series, title=t("chart_trade_time"), source=source_label(rows), measure_label=t("axis_share"), width=420, labels=t.chart_labels()))
    return section


def people_section(t: Texts, deps: pl.DataFrame, country: str, lang: str, year: int, facts: dict) -> Section:
    section = Section("people", t("section_people"))
    migration = pick(deps, "migration", "destination_share", "un_desa_stock")
    people = pick(deps, "migration", "emigrants", "un_desa_stock")
    y = latest_year(migration, year)
    if y is not None:
        top = top_partners(migration, y, 6)
        first = top["partner_iso3"][0]
        facts["migration_year"], facts["migration_top"] = y, (first, float(top["value"][0]))
        others = [f"{name_of(c, lang)} ({t.share(v)})" for c, v in zip(top["partner_iso3"][1:3], top["value"][1:3])]
        section.sentences.append(t("migration_top", year=y, share=t.share(top["value"][0]), country=country, partner=name_of(first, lang),
                                   people=t.count(value_of(people, first, y)), others=t.join(others)))
        section.charts.append(charts.share_bars(with_names(top, "partner_iso3", lang, "label"), title=t("chart_migration"),
                                                source=source_label(migration.filter(pl.col("year") == y)), year=y, code_column="partner_iso3", value_label=t("axis_share"), width=300, labels=t.chart_labels()))
    remit_share = pick(deps, "remittances", "remittance_share", "allocated_stock_income_weighted")
    remit_usd = pick(deps, "remittances", "remittances_usd", "allocated_stock_income_weighted")
    remit_gdp = pick(deps, "remittances", "remittance_dependence", "allocated_stock_income_weighted")
    ry = latest_year(remit_share, year)
    if ry is not None:
        top = top_partners(remit_share, ry, 6)
        total = remit_usd.filter(pl.col("year") == ry)["value"].sum()
        gdp_share = remit_gdp.filter(pl.col("year") == ry)["value"].sum()
        facts["remittances_year"], facts["remittances_usd"] = ry, float(total)
        facts["remittances_top"] = (top["partner_iso3"][0], float(top["value"][0]))
        section.sentences.append(t("remittances_total", usd=t.usd(total), year=ry, gdp_share=t.share(gdp_share, 2 if gdp_share < 0.01 else 1),
                                   share=t.share(top["value"][0]), partner=name_of(top["partner_iso3"][0], lang)))
        section.sentences.append(t("remittances_caveat"))
        section.charts.append(charts.share_bars(with_names(top, "partner_iso3", lang, "label"), title=t("chart_remittances"),
                                                source=source_label(remit_share.filter(pl.col("year") == ry)), year=ry, code_column="partner_iso3", value_label=t("axis_share"), width=300, labels=t.chart_labels()))
    if not section.sentences:
        section.sentences.append(t("no_data", country=country))
    return section


def finance_section(t: Texts, deps: pl.DataFrame, country: str, lang: str, year: int, facts: dict) -> Section:
    section = Section("finance", t("section_finance"))
    aid = pick(deps, "aid", "oda_share")
    y = latest_year(aid, year)
    if y is not None:
        top = top_partners(aid, y, 6)
        facts["aid_year"], facts["aid_top"] = y, (top["partner_iso3"][0], float(top["value"][0]))
        others = [f"{name_of(c, lang)} ({t.share(v)})" for c, v in zip(top["partner_iso3"][1:3], top["value"][1:3])]
        section.sentences.append(t("aid_top", year=y, partner=name_of(top["partner_iso3"][0], lang), share=t.share(top["value"][0]), others=t.join(others)))
        section.charts.append(charts.share_bars(with_names(top, "partner_iso3", lang, "label"), title=t("chart_aid"),
                                                source=source_label(aid.filter(pl.col("year") == y)), year=y, code_column="partner_iso3", value_label=t("axis_share"), width=300, labels=t.chart_labels()))
    finance = pick(deps, "finance", "chinese_commitments_usd").filter(pl.col("year") <= year)
    if finance.height:
        span = charts.year_span(finance["year"].to_list())
        facts["finance_usd"] = float(finance["value"].sum())
        section.sentences.append(t("finance_total", usd=t.usd(facts["finance_usd"]), span=span))
    gas = pick(deps, "energy", "gas_export_share")
    gy = latest_year(gas, year)
    if gy is not None:
        top = top_partners(gas, gy, 1)
        section.sentences.append(t("energy_top", year=gy, share=t.share(top["value"][0]), partner=name_of(top["partner_iso3"][0], lang)))
    if not section.sentences:
        section.sentences.append(t("no_data", country=country))
    return section


#: Event kinds marked on the alignment chart (votes have their own section).
EVENT_KINDS = ("un", "organisation", "dialogue", "summit", "sanctions", "corridor", "pipeline")


def chart_events(t: Texts, code: str, first: int, last: int) -> tuple[pl.DataFrame | None, list[list[str]]]:
    """Numbered event markers for a time chart, and the rows listing them (number, date, title, source)."""
    try:
        events = am.country_events(code)
    except am.AutonomyError:
        return None, []
    if events.is_empty():
        return None, []
    events = events.filter(pl.col("kind").is_in(EVENT_KINDS) & pl.col("date").dt.year().is_between(first, last)).sort("date", "title")
    if events.is_empty():
        return None, []
    drawn = charts.event_frame(pl.DataFrame({"date": events["date"], "label": [str(i) for i in range(events.height)]}), [first, last])
    if drawn is None:
        return None, []
    events = events[[int(i) for i in drawn["label"].to_list()]]
    numbers = [str(i + 1) for i in range(events.height)]
    marks = pl.DataFrame({"date": events["date"], "label": numbers})
    rows = [[n, t.day(d), title, source] for n, d, title, source in zip(numbers, events["date"], events["title"], events["source"])]
    return marks, rows


def alignment_section(t: Texts, code: str, country: str, lang: str, year: int, since: int, facts: dict,
                      settings: am.Settings) -> Section:
    section = Section("alignment", t("section_alignment"))
    powers = [p for p in POWERS if p != code]
    try:
        agreement = am.vote_agreement(code, powers, end=None if year >= LAST_YEAR else year, settings=settings)
    except am.AutonomyError:
        agreement = pl.DataFrame()
    if agreement.height:
        # years with few common roll calls (e.g. a session that has just begun) are left out
        agreement = agreement.filter(pl.col("n_votes") >= MIN_VOTES) if agreement.filter(pl.col("n_votes") >= MIN_VOTES).height else agreement
        y = int(agreement["year"].max())
        now = agreement.filter(pl.col("year") == y).sort("agreement", descending=True)
        facts["alignment_year"] = y
        facts["alignment"] = dict(zip(now["partner_iso3"].to_list(), now["agreement"].to_list()))
        listed = [f"{name_of(p, lang)} ({t.share(v)})" for p, v in zip(now["partner_iso3"], now["agreement"])]
        section.sentences.append(t("alignment_now", year=y, country=country, partners=t.join(listed)))
        base = closest_year(agreement, since, y)
        if base is not None:
            for partner in now["partner_iso3"].to_list():
                before = value_of(agreement.rename({"agreement": "value"}), partner, base)
                after = facts["alignment"][partner]
                if before is not None and changed(before, after):
                    section.sentences.append(t("alignment_up" if after > before else "alignment_down", partner=name_of(partner, lang),
                                               before=t.share(before), since=base, after=t.share(after), year=y))
                elif before is not None:
                    section.sentences.append(t("alignment_level", partner=name_of(partner, lang), after=t.share(after), since=base))
        named = with_names(agreement, "partner_iso3", lang, "partner")
        marks, listed = chart_events(t, code, int(named["year"].min()), y)
        section.charts.append(charts.alignment_over_time(named, title=t("chart_alignment"), value_label=t("axis_agreement"), width=420,
                                                         events=marks, labels=t.chart_labels()))
        if listed:
            section.sentences.append(t("events_intro"))
            section.tables.append({"columns": ["#", t("col_date"), t("col_event"), t("col_source")], "rows": listed})
    try:
        ideal = am.ideal_points([code, *powers], end=None if year >= LAST_YEAR else year, settings=settings)
    except am.AutonomyError:
        ideal = pl.DataFrame()
    if ideal.height:
        if "n_votes" in ideal.columns:
            ideal = ideal.filter(pl.col("n_votes") >= MIN_VOTES)
        ideal = with_names(ideal.filter(pl.col("year") >= 1992), "country_iso3", lang, "country")
        section.charts.append(charts.ideal_points_over_time(ideal, title=t("chart_ideal"), width=420, labels=t.chart_labels()))
    if not section.sentences:
        section.sentences.append(t("no_data", country=country))
    return section


def votes_section(t: Texts, code: str, country: str, lang: str, year: int, facts: dict, settings: am.Settings) -> Section:
    section = Section("votes", t("section_votes"))
    cells = []
    years = []
    facts["votes"] = {}
    for symbol in NOTABLE_VOTES:
        try:
            calls = am.roll_call(symbol, settings=settings)
            votes = am.key_votes(symbol, [code, *[p for p in POWERS if p != code]], settings=settings)
        except am.AutonomyError:
            continue
        date = calls["date"][0]
        if isinstance(date, dt.date) and date.year > year:
            continue
        own = votes.filter(pl.col("country_iso3") == code)["vote"]
        vote = own[0] if own.len() else "–"
        facts["votes"][symbol] = vote
        years.append(date.year if isinstance(date, dt.date) else year)
        word = t(f"vote_{vote}") if vote in ("Y", "N", "A", "X") else t("vote_missing")
        section.sentences.append(t("vote_line", symbol=symbol, date=t.day(date) if isinstance(date, dt.date) else str(date),
                                   title=calls["title"][0] or "", country=country, vote=word))
        label = {"Y": "yes", "N": "no", "A": "abstain", "X": "absent"}
        for row in votes.iter_rows(named=True):
            cells.append({"resolution": f"{symbol} ({date})", "country": name_of(row["country_iso3"], lang), "vote": label.get(row["vote"], "absent")})
    if cells:
        section.charts.append(charts.key_votes_chart(pl.DataFrame(cells), title=t("chart_votes"), year=charts.year_span(years), width=420, labels=t.chart_labels()))
    else:
        section.sentences.append(t("no_data", country=country))
    return section


def governance_section(t: Texts, code: str, country: str, settings: am.Settings) -> Section:
    section = Section("governance", t("section_governance"))
    try:
        frame = am.profile(code, settings=settings).governance
    except am.WarehouseMissing:
        frame = pl.DataFrame()
    if frame.height:
        rows = [[r["source"], r["indicator"].replace("_", " "), f"{r['value']:.2f}".rstrip("0").rstrip("."), str(r["year"]), r["scale"]]
                for r in frame.iter_rows(named=True)]
        section.tables.append({"columns": [t("col_source"), t("col_indicator"), t("col_value"), t("col_year"), t("col_scale")], "rows": rows})
    else:
        section.sentences.append(t("no_data", country=country))
    return section


UNIT_ORDER = {"persons": 0, "share": 1, "ratio to GDP": 2, "current US$": 3}


def scenario_value(t: Texts, value: float | None, unit: str | None) -> str:
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


def scenarios_section(t: Texts, code: str, country: str, lang: str, settings: am.Settings) -> Section:
    """What the bundled scenarios about this country change, in their last year."""
    section = Section("scenarios", t("section_scenarios"))
    try:
        listing = am.scenario_list()
    except am.AutonomyError:
        listing = pl.DataFrame()
    rows = []
    for name, title in (listing.select("name", "title").iter_rows() if listing.height else []):
        try:
            result = am.run_scenario(name, settings=settings)
        except am.AutonomyError:
            continue
        key = am.scenario_key_rows(result, top=3)
        key = key.filter(pl.col("country_iso3") == code) if "country_iso3" in key.columns else key.clear()
        if key.is_empty():
            continue
        last = key.filter(pl.col("year") == key["year"].max())
        last = last.with_columns(
            pl.col("unit").replace_strict(UNIT_ORDER, default=9).alias("_unit"), (-pl.col("difference").abs()).alias("_size")
        ).sort(["_unit", "_size", "partner_iso3"], nulls_last=True)
        changes = []
        for row in last.iter_rows(named=True):
            partner = name_of(row["partner_iso3"], lang) if row["partner_iso3"] else country
            measure = t.measure(row["measure"])
            before, after = scenario_value(t, row["baseline"], row["unit"]), scenario_value(t, row["scenario"], row["unit"])
            if row["difference"] is None or abs(row["difference"]) < 1e-12:
                continue
            rows.append([name, partner, measure, str(row["year"]), before, after])
            if len(changes) < 3:
                changes.append(t("scenario_change", measure=measure, partner=partner, before=before, after=after))
        section.sentences.append(t("scenario_line", title=title, year=int(last["year"][0]), changes=t.join(changes)))
    if rows:
        section.sentences.append(t("scenario_assumptions"))
        section.tables.append({"columns": [t("col_scenario"), t("col_partner"), t("col_measure"), t("col_year"), t("col_baseline"), t("col_with_scenario")],
                               "rows": rows[:24]})
    else:
        section.sentences.append(t("scenarios_none"))
    return section


def sources_section(t: Texts, settings: am.Settings) -> Section:
    section = Section("sources", t("section_sources"), sentences=[t("sources_intro")])
    frame = am.provenance(settings)
    if frame.height:
        rows = [[r["source"], r["file"], r["publisher"] or "", r["license"] or "", str(r["rows_kept"]), (r["sha256"] or "")[:12]]
                for r in frame.sort("source", "file").iter_rows(named=True)]
        section.tables.append({"columns": [t("col_source"), t("col_file"), t("col_publisher"), t("col_license"), t("col_rows"), t("col_sha")],
                               "rows": rows})
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


def gather(country: str, *, year: int | None = None, since: int | None = None, lang: str = "en",
           settings: am.Settings | None = None) -> Briefing:
    """Collect every figure, sentence and chart of the briefing for ``country``."""
    check_arguments(year, since, lang)
    settings = settings or am.Settings()
    t = texts(lang)
    codes = am.parse_country_list(country)
    if len(codes) != 1:
        raise am.BadArgument(f"A briefing covers one country, got {country!r} ({len(codes)} countries): give one code or name, e.g. KGZ.")
    code = codes[0]
    try:
        deps = am.dependence(code, settings=settings)
    except am.WarehouseMissing:  # the bundled snapshot may lack the economic tables
        deps = pl.DataFrame(schema={"country_iso3": pl.String, "partner_iso3": pl.String, "year": pl.Int32, "dimension": pl.String,
                                    "measure": pl.String, "value": pl.Float64, "unit": pl.String, "method": pl.String,
                                    "source": pl.String, "flag": pl.String})
    name = name_of(code, lang)
    data_last = int(deps["year"].max()) if deps.height else last_vote_year(code, settings)
    if year is not None and deps.height and year < int(deps["year"].min()):
        raise am.BadArgument(f"--year {year}: the store has no dependence data for {code} before {int(deps['year'].min())}; "
                             f"give a year from {int(deps['year'].min())} to {data_last}.")
    since = since if since is not None else min(year or data_last, data_last) - DEFAULT_SPAN
    year = year if year is not None else LAST_YEAR
    facts: dict[str, Any] = {"country_iso3": code, "since": since}
    trade = trade_section(t, deps, name, lang, year, since, facts)
    people = people_section(t, deps, name, lang, year, facts)
    finance = finance_section(t, deps, name, lang, year, facts)
    alignment = alignment_section(t, code, name, lang, year, since, facts, settings)
    votes = votes_section(t, code, name, lang, year, facts, settings)
    sections = [trade, people, finance, alignment, votes, governance_section(t, code, name, settings),
                scenarios_section(t, code, name, lang, settings), sources_section(t, settings)]
    findings = [s for s in (trade.sentences[:1] + people.sentences[:1] + alignment.sentences[:1] + finance.sentences[:1])
                if s != t("no_data", country=name)]
    built = built_at(settings)
    as_of_year = max([v for k, v in facts.items() if k.endswith("_year") and isinstance(v, int)], default=since)
    facts["year"] = as_of_year
    return Briefing(
        country_iso3=code, country=name, lang=lang, year=as_of_year, since=since, built=built,
        title=t("report_title", country=name), subtitle=t("report_subtitle"),
        as_of=t("data_as_of", year=as_of_year, built=built, since=since),
        findings=findings, sections=sections, footer=t("generated_by", version=__version__), facts=facts,
    )
