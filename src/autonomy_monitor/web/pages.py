"""The dashboard's data: view models of each page and chart specs, built from the API and cached.

One :class:`Dashboard` lives on the app (``app.state.dashboard``); it holds the settings and a
small bounded cache (the warehouse is read-only while the server runs, so a page's data never
changes). Nothing here touches the filesystem or builds SQL: every number comes from
:mod:`autonomy_monitor.api`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import polars as pl

from autonomy_monitor import api
from autonomy_monitor.i18n import country_label, translator
from autonomy_monitor.web import specs

#: Event kinds drawn as numbered markers on time charts (senior officials' meetings are only
# listed).
CHART_EVENT_KINDS = ("un", "dialogue", "summit", "vote", "sanctions", "war", "organisation")
#: Class edges of the overview's two colour scales: trade share (oranges) and vote agreement
# (blues).
TRADE_EDGES = (0.05, 0.10, 0.20, 0.30, 0.50)
VOTE_EDGES = (0.2, 0.4, 0.6, 0.8)
CACHE_SIZE = 512  # rendered pages, chart specs, small results (tens of kB each)
FRAME_CACHE_SIZE = 24  # query frames (a country's dependence rows can be a few MB)
REMITTANCE_METHODS = (
    None  # one estimate per sender and year (indicators/remittances.py), whatever its method
)
#: Measures the country and compare pages draw against the powers (one query for both), and
# those whose largest partners they list (another).
POWER_MEASURES = ("total_share", "remittance_share")
PARTNER_MEASURES = ("destination_share", "oda_share")
COUNTRY_CHARTS = (
    "trade",
    "remittances",
    "migration",
    "aid",
    "alignment",
    "idealpoints",
    "keyvotes",
)
#: Charts whose source line the catalog holds as ``source.<name>`` (see :func:`source_lines`).
SOURCES = (
    "trade",
    "remittances",
    "migration",
    "aid",
    "alignment",
    "idealpoints",
    "keyvotes",
    "japan",
)


def source_lines(lang: str) -> dict[str, str]:
    """The source line of each chart, in ``lang``."""
    t = translator(lang)
    return {name: t(f"source.{name}") for name in SOURCES}


def chart_labels(lang: str) -> dict[str, str]:
    """The fixed words drawn inside charts (``charts.LABELS``) in ``lang``."""
    from autonomy_monitor.i18n import chart_labels as labels

    return labels(lang)


class Dashboard:
    """Page data for one server: ``settings`` plus a bounded, thread-safe memo of results."""

    def __init__(self, settings: api.Settings) -> None:
        self.settings = settings
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._frames: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._countries = api.country_list()
        self.codes = frozenset(self._countries["iso3"].to_list())
        self.c5 = tuple(api.parse_country_list("C5"))  # from the country-group table
        self.powers = tuple(api.parse_country_list("POWERS"))

    def others(self, code: str) -> list[str]:
        """The powers other than ``code`` (a power's page compares it with the other three)."""
        return [p for p in self.powers if p != code]

    # --- cache -------------------------------------------------------------------------
    def cached(self, key: Hashable, compute: Callable[[], Any], *, large: bool = False) -> Any:
        """``compute()`` memoised under ``key``; ``large`` results (query frames) get a smaller
        LRU."""
        store, limit = (self._frames, FRAME_CACHE_SIZE) if large else (self._cache, CACHE_SIZE)
        with self._lock:
            if key in store:
                store.move_to_end(key)
                return store[key]
        value = compute()
        with self._lock:
            store[key] = value
            while len(store) > limit:
                store.popitem(last=False)
        return value

    def peek(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            return (key in self._cache, self._cache.get(key))

    # --- names -------------------------------------------------------------------------
    def name(self, code: str | None, lang: str) -> str:
        if not code:
            return "–"
        try:
            english = api.country_name(code)
        except Exception:  # noqa: BLE001 - a code the country table lacks keeps its code
            english = code
        return country_label(code, lang, english)

    def labels(self, frame: pl.DataFrame, column: str, lang: str) -> pl.Expr:
        """``column``'s country codes as names in ``lang`` (an expression on ``frame``): one
        lookup per distinct code, not a Python call per row."""
        codes = [c for c in frame[column].unique().to_list() if c is not None]
        return pl.col(column).replace_strict(
            {c: self.name(c, lang) for c in codes}, default=None, return_dtype=pl.String
        )

    def country_rows(self, lang: str) -> list[dict[str, Any]]:
        return [
            {
                "iso3": r["iso3"],
                "m49": r["m49"],
                "is_c5": r["is_c5"],
                "name": self.name(r["iso3"], lang),
            }
            for r in self._countries.iter_rows(named=True)
        ]

    def store(self) -> str:
        return self.cached(("store",), lambda: api.describe_store(self.settings))

    # --- overview ----------------------------------------------------------------------
    def default_year(self) -> int:
        year = self.cached(("overview_year",), lambda: api.overview_year(self.settings))
        return int(year) if year is not None else 2023

    def overview(self, year: int, powers: tuple[str, ...]) -> pl.DataFrame:
        return self.cached(
            ("overview", year, powers),
            lambda: api.overview(year, list(powers), self.settings),
            large=True,
        )

    def overview_rows(self, year: int, powers: tuple[str, ...], lang: str) -> list[dict[str, Any]]:
        """One row per country with data (the five first): per power, trade share and vote
        agreement with their colour classes (``trade_bin`` 0..5, ``vote_bin`` 0..4)."""
        frame = self.overview(year, powers)
        values = {
            (r["country_iso3"], r["power_iso3"], r["measure"]): r["value"]
            for r in frame.iter_rows(named=True)
        }
        rows = []
        for country in self.country_rows(lang):
            cells = [
                overview_cell(
                    p,
                    values.get((country["iso3"], p, "total_share")),
                    values.get((country["iso3"], p, "agreement")),
                )
                for p in powers
            ]
            if country["is_c5"] or any(
                c["total_share"] is not None or c["agreement"] is not None for c in cells
            ):
                rows.append({**country, "is_power": country["iso3"] in powers, "cells": cells})
        return rows

    def headline_rows(
        self, rows: list[dict[str, Any]], powers: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        """The overview's first table: the five, then the chosen powers (from the same rows)."""
        by_code = {r["iso3"]: r for r in rows}
        return [by_code[c] for c in (*self.c5, *powers) if c in by_code]

    def coverage(self) -> pl.DataFrame:
        return self.cached(("coverage",), lambda: api.overview_coverage(self.settings))

    def year_options(self, years: list[int], lang: str) -> list[dict[str, Any]]:
        """The year selector's options, each saying which data cover it."""
        t = translator(lang)
        info = {r["year"]: r for r in self.coverage().iter_rows(named=True)}
        options = []
        for year in years:
            row = info.get(year, {"trade_countries": 0, "vote_countries": 0, "world_trade": False})
            if row["world_trade"]:
                text = t("overview.year_world", year=year)
            elif row["trade_countries"]:
                text = t("overview.year_partial", year=year, count=row["trade_countries"])
            elif row["vote_countries"]:
                text = t("overview.year_votes", year=year)
            else:
                continue
            options.append({"year": year, "text": text, "world": row["world_trade"]})
        return options

    def last_world_year(self) -> int | None:
        world = self.coverage().filter(pl.col("world_trade"))
        return int(world["year"].max()) if world.height else None

    def overview_map_spec(self, year: int, power: str, measure: str, lang: str) -> dict[str, Any]:
        def build() -> dict[str, Any]:
            t = translator(lang)
            frame = self.overview(year, (power,)).filter(pl.col("measure") == measure)
            values = dict(zip(frame["country_iso3"].to_list(), frame["value"].to_list()))
            rows = [
                {"id": f"{c['m49']:03d}", "name": c["name"], "value": values.get(c["iso3"])}
                for c in self.country_rows(lang)
                if c["m49"] is not None
            ]
            label = t(f"measure.{measure}")
            title = t("map.title", measure=label, power=self.name(power, lang), year=year)
            source = source_lines(lang)["trade" if measure == "total_share" else "alignment"]
            return specs.responsive(
                specs.world_map(
                    rows,
                    title=title,
                    source=source,
                    year=year,
                    value_label=label,
                    missing_label=t("map.no_data"),
                    measure=measure,
                )
            )

        return self.cached(("map", year, power, measure, lang), build)

    # --- country -----------------------------------------------------------------------
    def dependence(self, code: str, measures: tuple[str, ...], powers: bool) -> pl.DataFrame:
        """The country's rows of ``measures`` (against the other powers only, with ``powers``):
        a few hundred rows where the whole country has tens of thousands."""

        def build() -> pl.DataFrame:
            try:
                return api.dependence(
                    code,
                    self.others(code) if powers else None,
                    measure=list(measures),
                    settings=self.settings,
                )
            except api.AutonomyError:
                return pl.DataFrame()

        return self.cached(("dependence", code, measures, powers), build, large=True)

    def power_series(
        self, code: str, dimension: str, measure: str, methods: tuple[str, ...] | None, lang: str
    ) -> pl.DataFrame:
        """year, partner (label), partner_iso3, value, method of one measure against the powers."""
        frame = self.dependence(
            code, POWER_MEASURES if measure in POWER_MEASURES else (measure,), powers=True
        )
        if frame.is_empty():
            return pl.DataFrame(
                schema={
                    "year": pl.Int32,
                    "partner": pl.String,
                    "partner_iso3": pl.String,
                    "value": pl.Float64,
                    "method": pl.String,
                }
            )
        rows = frame.filter(
            (pl.col("dimension") == dimension)
            & (pl.col("measure") == measure)
            & pl.col("partner_iso3").is_in(self.others(code))
        )
        if methods:
            rank = {m: k for k, m in enumerate(methods)}
            rows = (
                rows.filter(pl.col("method").is_in(list(methods)))
                .with_columns(
                    pl.col("method").replace_strict(rank, return_dtype=pl.Int32).alias("_rank")
                )
                .sort("_rank")
                .unique(["partner_iso3", "year"], keep="first")
                .drop("_rank")
            )
        return rows.select(
            pl.col("year").cast(pl.Int32),
            self.labels(rows, "partner_iso3", lang).alias("partner"),
            "partner_iso3",
            "value",
            "method",
        ).sort("partner_iso3", "year")

    def top_partners(
        self, code: str, dimension: str, measure: str, method: str | None, lang: str, count: int = 8
    ) -> tuple[pl.DataFrame, int | None]:
        """The largest partners in the latest year of one measure: label, partner_iso3, value."""
        frame = self.dependence(
            code, PARTNER_MEASURES if measure in PARTNER_MEASURES else (measure,), powers=False
        )
        if frame.is_empty():
            return pl.DataFrame(
                schema={"label": pl.String, "partner_iso3": pl.String, "value": pl.Float64}
            ), None
        rows = frame.filter(
            (pl.col("dimension") == dimension)
            & (pl.col("measure") == measure)
            & pl.col("partner_iso3").is_not_null()
            & pl.col("value").is_not_null()
        )
        if method is not None:
            rows = rows.filter(pl.col("method") == method)
        if rows.is_empty():
            return pl.DataFrame(
                schema={"label": pl.String, "partner_iso3": pl.String, "value": pl.Float64}
            ), None
        year = int(rows["year"].max())
        top = rows.filter(pl.col("year") == year).sort("value", descending=True).head(count)
        return top.select(
            self.labels(top, "partner_iso3", lang).alias("label"),
            "partner_iso3",
            "value",
        ), year

    def alignment(self, code: str) -> pl.DataFrame:
        def build() -> pl.DataFrame:
            try:
                return api.vote_agreement(
                    code, self.others(code), start=1992, settings=self.settings
                )
            except api.AutonomyError:
                return pl.DataFrame()

        return self.cached(("alignment", code), build, large=True)

    def ideal_points(self, code: str) -> pl.DataFrame:
        def build() -> pl.DataFrame:
            try:
                return api.ideal_points(
                    [code, *self.others(code)], start=1992, settings=self.settings
                )
            except api.AutonomyError:
                return pl.DataFrame()

        return self.cached(("ideal_points", code), build, large=True)

    def key_votes(self, code: str) -> pl.DataFrame:
        return self.cached(
            ("key_votes", code),
            lambda: api.country_key_votes([code, *self.others(code)], self.settings),
            large=True,
        )

    def largest_dependencies(self, code: str) -> pl.DataFrame:
        """The profile's largest partners per dimension (empty without the dependence table)."""
        return self.cached(
            ("largest", code),
            lambda: self._or_empty(lambda: api.profile_dependencies(code, settings=self.settings)),
            large=True,
        )

    def governance(self, code: str) -> pl.DataFrame:
        """The profile's governance context (empty without the governance table)."""
        return self.cached(
            ("governance", code),
            lambda: self._or_empty(lambda: api.profile_governance(code, settings=self.settings)),
        )

    @staticmethod
    def _or_empty(compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        try:
            return compute()
        except api.AutonomyError:
            return pl.DataFrame()

    def japan(self, code: str) -> pl.DataFrame:
        return self.cached(("japan", code), lambda: api.japan_residents(code, self.settings))

    def events(self, code: str | None = None) -> pl.DataFrame:
        return self.cached(
            ("events", code), lambda: api.events() if code is None else api.country_events(code)
        )

    def chart_events(self, code: str) -> pl.DataFrame:
        """The country's events drawn on its time charts, numbered 1, 2, ... by date (the same
        number on every chart; the key below each chart lists the ones it shows)."""
        frame = self.events(code)
        if frame.is_empty():
            return frame
        frame = frame.filter(pl.col("kind").is_in(CHART_EVENT_KINDS)).sort("date", "title")
        return frame.with_columns(pl.int_range(1, frame.height + 1).cast(pl.Int32).alias("number"))

    def event_marks(self, code: str) -> pl.DataFrame | None:
        frame = self.chart_events(code)
        return (
            frame.select("date", pl.col("number").cast(pl.String).alias("label"))
            if frame.height
            else None
        )

    def event_key(self, code: str, frame: pl.DataFrame) -> list[dict[str, Any]]:
        """The numbered events within the years of a chart's ``frame`` (column ``year``)."""
        events = self.chart_events(code)
        if events.is_empty() or frame.is_empty() or "year" not in frame.columns:
            return []
        first, last = int(frame["year"].min()), int(frame["year"].max())
        return events.filter(pl.col("date").dt.year().is_between(first, last)).to_dicts()

    def key_vote_rows(self, code: str, lang: str, limit: int = 25) -> list[dict[str, Any]]:
        """ES-11 votes and the latest other key votes: resolution, date, title, the country's and
        powers' votes."""
        frame = self.key_votes(code)
        if frame.is_empty():
            return []
        calls = (
            frame.select("roll_call_id", "resolution_symbol", "date", "title", "issue_tags")
            .unique("roll_call_id")
            .sort(["date", "roll_call_id"], descending=[True, False])  # same-day votes: by id
        )
        ukraine = calls.filter(pl.col("issue_tags").list.contains("ukraine"))
        others = calls.filter(~pl.col("issue_tags").list.contains("ukraine")).head(
            max(0, limit - ukraine.height)
        )
        votes = {
            (r["roll_call_id"], r["country_iso3"]): r["vote"] for r in frame.iter_rows(named=True)
        }
        columns = [code, *self.others(code)]
        return [
            {
                **r,
                "es11": "ukraine" in (r["issue_tags"] or []),
                "votes": [votes.get((r["roll_call_id"], c), "–") for c in columns],
            }
            for r in pl.concat([ukraine, others])
            .sort(["date", "roll_call_id"], descending=[True, False])
            .iter_rows(named=True)
        ]

    def country_chart(self, code: str, chart: str, lang: str) -> dict[str, Any] | None:
        """The Vega-Lite spec of one country chart (full width, resizing), or None without data."""

        def build() -> dict[str, Any] | None:
            spec = self._country_chart(code, chart, lang)
            return None if spec is None else specs.responsive(spec)

        return self.cached(("chart", code, chart, lang), build)

    def _country_chart(self, code: str, chart: str, lang: str) -> dict[str, Any] | None:
        from autonomy_monitor import (
            charts,
        )  # Altair: loaded by web.app.warm_up, not at server start

        t, name = translator(lang), self.name(code, lang)
        events = self.event_marks(code)
        sources, labels = source_lines(lang), chart_labels(lang)
        if chart == "trade":
            frame = self.power_series(code, "trade", "total_share", ("chosen",), lang)
            return (
                None
                if frame.is_empty()
                else charts.dependence_over_time(
                    frame,
                    title=t("chart.trade", country=name),
                    source=sources["trade"],
                    measure_label=t("measure.total_share"),
                    events=events,
                    labels=labels,
                )
            )
        if chart == "remittances":
            frame = self.power_series(
                code, "remittances", "remittance_share", REMITTANCE_METHODS, lang
            )
            return (
                None
                if frame.is_empty()
                else charts.dependence_over_time(
                    frame,
                    title=t("chart.remittances", country=name),
                    source=sources["remittances"],
                    measure_label=t("measure.remittance_share"),
                    events=events,
                    labels=labels,
                )
            )
        if chart in ("migration", "aid"):
            measure, method = (
                ("destination_share", "un_desa_stock")
                if chart == "migration"
                else ("oda_share", None)
            )
            frame, year = self.top_partners(code, chart, measure, method, lang)
            return (
                None
                if frame.is_empty()
                else charts.share_bars(
                    frame,
                    title=t(f"chart.{chart}", country=name),
                    source=sources[chart],
                    year=year,
                    code_column="partner_iso3",
                    value_label=t(f"measure.{measure}"),
                    labels=labels,
                )
            )
        if chart == "alignment":
            frame = self.alignment(code)
            if frame.is_empty():
                return None
            frame = frame.with_columns(self.labels(frame, "partner_iso3", lang).alias("partner"))
            return charts.alignment_over_time(
                frame,
                title=t("chart.alignment", country=name),
                source=sources["alignment"],
                value_label=t("measure.agreement"),
                events=events,
                labels=labels,
            )
        if chart == "idealpoints":
            frame = self.ideal_points(code)
            if frame.is_empty():
                return None
            frame = frame.with_columns(self.labels(frame, "country_iso3", lang).alias("country"))
            return charts.ideal_points_over_time(
                frame,
                title=t("chart.idealpoints", country=name),
                source=sources["idealpoints"],
                events=events,
                labels=labels,
            )
        if chart == "keyvotes":
            rows = [r for r in self.key_vote_rows(code, lang) if r["es11"]]
            if not rows:
                return None
            columns = [code, *self.others(code)]
            vote_names = {"Y": "yes", "N": "no", "A": "abstain", "X": "absent"}
            frame = pl.DataFrame(
                [
                    {
                        "resolution": f"{r['resolution_symbol']} ({r['date']})",
                        "country": self.name(c, lang),
                        "vote": vote_names.get(v, "absent"),
                    }
                    for r in rows
                    for c, v in zip(columns, r["votes"])
                ]
            )
            return charts.key_votes_chart(
                frame,
                title=t("chart.keyvotes", country=name),
                source=sources["keyvotes"],
                labels=labels,
            )
        raise ValueError(f"unknown chart {chart!r}")

    def series_table(
        self, frame: pl.DataFrame, value: str = "value", partner: str = "partner_iso3"
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """A year × partner table (the text alternative of a time chart), newest year first."""
        if frame.is_empty():
            return [], []
        partners = frame[partner].unique(maintain_order=True).to_list()
        wide = frame.pivot(on=partner, index="year", values=value, aggregate_function="first").sort(
            "year", descending=True
        )
        return partners, [
            {"year": r["year"], "values": [r.get(p) for p in partners]}
            for r in wide.iter_rows(named=True)
        ]


def colour_class(value: float | None, edges: tuple[float, ...]) -> int | None:
    """The index of ``value``'s class among ``edges`` (0 below the first edge), None without a
    value."""
    if value is None:
        return None
    return sum(value >= edge for edge in edges)


def overview_cell(power: str, trade: float | None, agreement: float | None) -> dict[str, Any]:
    return {
        "power": power,
        "total_share": trade,
        "agreement": agreement,
        "trade_bin": colour_class(trade, TRADE_EDGES),
        "vote_bin": colour_class(agreement, VOTE_EDGES),
    }
