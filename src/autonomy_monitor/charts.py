"""Vega-Lite chart specifications shared by the web dashboard and the printable reports.

Every function is pure: Polars frames in, a Vega-Lite spec (a JSON-serialisable ``dict``) out.
No IO, no warehouse access: callers fetch data through ``autonomy_monitor.api`` and pass the
frames here. The specs are written as plain dicts, in the form Altair 6 writes them (key order,
named inline datasets, layer properties lifted to the parent), without importing Altair: its
import and object model cost more than half a second for a briefing's eight charts.

Every spec carries

- ``title.text`` — what the chart shows;
- ``title.subtitle`` — the source label and the data year(s)
  (``"Source: UN Comtrade · 2000–2023"``);
- ``description`` — the same in one sentence (used as the accessible text alternative);
- optional event markers: a frame with columns ``date`` (``datetime.date`` or ISO text) and
  ``label`` drawn as dashed vertical rules with a label on time charts.

Colours are stable per partner (the great powers always get the same hue) so that charts
read the same in the dashboard and in the PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

#: The Vega-Lite schema the specs follow (the version Altair 6.3 writes).
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
#: Top-level config every spec starts from (Altair's default theme).
BASE_CONFIG = {"view": {"continuousWidth": 300, "continuousHeight": 300}}
TYPES = {"N": "nominal", "O": "ordinal", "Q": "quantitative", "T": "temporal"}


def sorted_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """Properties in alphabetical order (the order Vega-Lite's schema, and Altair, give them)."""
    return {k: props[k] for k in sorted(props)}


def channel(shorthand: str | None = None, **props: Any) -> dict[str, Any]:
    """One encoding channel: ``"field:T"`` (T one of N, O, Q, T; no type for y2 and the like)
    and its properties, e.g. ``channel("value:Q", title=None)``."""
    out = dict(props)
    if shorthand is not None:
        field, _, kind = shorthand.partition(":")
        out["field"] = field
        if kind:
            out["type"] = TYPES[kind]
    return sorted_props(out)


def value(constant: Any) -> dict[str, Any]:
    return {"value": constant}


def mark(kind: str, **props: Any) -> dict[str, Any]:
    return {"type": kind, **sorted_props(props)}


@dataclass(frozen=True)
class View:
    """A unit chart (``mark`` and ``encoding``) or a layer of views, before it is written out.

    ``layer`` follows Altair's rules: data shared (the same frame) by every layer moves to the
    layer, and width and height move from the layers to the parent.
    """

    data: pl.DataFrame | None = None
    mark: dict[str, Any] | None = None
    encoding: dict[str, Any] | None = None
    layers: tuple[View, ...] | None = None
    width: int | None = None
    height: int | None = None

    def sized(self, width: int, height: int) -> View:
        return replace(self, width=width, height=height)


def layer(*views: View) -> View:
    data = None
    first = views[0].data if views else None
    if first is not None and all(v.data is first for v in views):
        data, views = first, tuple(replace(v, data=None) for v in views)
    sizes: dict[str, Any] = {}
    for prop in ("height", "width"):
        values = [getattr(v, prop) for v in views if getattr(v, prop) is not None]
        if values and any(v != values[0] for v in values[1:]):
            raise ValueError(f"There are inconsistent values {values} for {prop}")
        if values:
            sizes[prop] = values[0]
        views = tuple(replace(v, **{prop: None}) for v in views)
    return View(data=data, layers=tuple(views), **sizes)


def dataset_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as JSON values (dates and times as local ISO text, as Altair does)."""
    iso = "%Y-%m-%dT%H:%M:%S"
    columns = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            columns.append(pl.col(name).cast(pl.Datetime).dt.to_string(iso))
        elif isinstance(dtype, pl.Datetime):
            fmt = f"{iso}%.f" + ("%z" if dtype.time_zone is not None else "")
            columns.append(pl.col(name).dt.to_string(fmt))
        elif isinstance(dtype, pl.Duration):
            raise ValueError(f'Field "{name}" has type "{dtype}": give a date or a number.')
        else:
            columns.append(pl.col(name))
    return frame.select(columns).rows(named=True)


def dataset_name(rows: list[dict[str, Any]]) -> str:
    """Content name of an inline dataset ("data-" and 32 hex digits of its JSON's SHA-256)."""
    if rows == [{}]:
        return "empty"
    text = json.dumps(rows, sort_keys=True, default=str)
    return "data-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def view_dict(view: View, datasets: dict[str, Any], extra: Mapping[str, Any] = {}) -> dict:
    """The view as a Vega-Lite dict, its data moved to ``datasets`` (top-level, by name);
    ``extra`` (title, description) placed where the schema's key order puts them."""
    named = None
    if view.data is not None:
        rows = dataset_rows(view.data)
        named = {"name": dataset_name(rows)}
        datasets.setdefault(named["name"], rows)
    head: dict[str, Any] = {}
    rest: dict[str, Any] = dict(extra)
    if view.layers is not None:
        head["layer"] = [view_dict(v, datasets) for v in view.layers]
        if named is not None:
            rest["data"] = named
    else:
        if named is not None:
            head["data"] = named
        head["mark"] = view.mark
        if view.encoding is not None:
            rest["encoding"] = sorted_props(view.encoding)
    for prop in ("height", "width"):
        if getattr(view, prop) is not None:
            rest[prop] = getattr(view, prop)
    return {**head, **sorted_props(rest)}


def chart(data: pl.DataFrame, mark_: dict[str, Any], **encoding: Any) -> View:
    return View(data=data, mark=mark_, encoding=encoding)


#: Fixed colours for the powers and the Central Asian five; other partners get the fallback scheme.
PARTNER_COLOURS: dict[str, str] = {
    "RUS": "#c0392b",
    "CHN": "#e6a700",
    "USA": "#1f5fa8",
    "JPN": "#7b3294",
    "EU": "#2e8b57",
    "DEU": "#2e8b57",
    "TUR": "#d35400",
    "KOR": "#16a085",
    "IND": "#8e6c3a",
    "KAZ": "#5d6d7e",
    "KGZ": "#5d6d7e",
    "TJK": "#5d6d7e",
    "TKM": "#5d6d7e",
    "UZB": "#5d6d7e",
}
FALLBACK_COLOURS = ["#4c78a8", "#72b7b2", "#54a24b", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"]

DEFAULT_WIDTH = 480
DEFAULT_HEIGHT = 220
#: Subtitles longer than this many characters are wrapped onto several lines (a list).
SUBTITLE_WIDTH = 90


def year_span(years: Sequence[int] | pl.Series) -> str:
    """'2000–2023' (or '2023' for a single year, '' when empty)."""
    values = sorted({int(y) for y in years if y is not None})
    if not values:
        return ""
    if values[0] == values[-1]:
        return str(values[0])
    return f"{values[0]}–{values[-1]}"


#: Fixed words drawn inside charts; pass ``labels={...}`` (any subset) to translate them.
LABELS: dict[str, str] = {
    "source": "Source",
    "data": "Data",
    "date": "Date",
    "event": "Event",
    "ideal_point": "Ideal point",
    "vote": "Vote",
    "flags": "Flags",
    "yes": "yes",
    "no": "no",
    "abstain": "abstain",
    "absent": "absent",
    "unknown": "not reported",
    "press": "press-reported",
    "small_sample": "small sample",
    "partial_year": "partial year",
    "break": "break in the series",
}


def label(labels: Mapping[str, str] | None, key: str) -> str:
    return (labels or {}).get(key) or LABELS[key]


def subtitle_text(
    source: str, year: str | int | None, labels: Mapping[str, str] | None = None
) -> str:
    """The subtitle line every chart carries: source label and data year(s)."""
    parts = []
    if source:
        parts.append(f"{label(labels, 'source')}: {source}")
    if year not in (None, ""):
        parts.append(f"{label(labels, 'data')}: {year}")
    return " · ".join(parts)


def decorate(
    chart: View,
    *,
    title: str,
    source: str,
    year: str | int | None,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Attach title, subtitle and description, and return the spec as a plain dict."""
    subtitle = subtitle_text(source, year, labels)
    lines = textwrap.wrap(subtitle, SUBTITLE_WIDTH) or [""]
    titled = {
        "title": {
            "text": title,
            **sorted_props(
                {
                    "subtitle": lines[0] if len(lines) == 1 else lines,
                    "anchor": "start",
                    "fontSize": 13,
                    "subtitleFontSize": 10,
                    "subtitleColor": "#555",
                }
            ),
        },
        "description": f"{title}. {subtitle}." if subtitle else f"{title}.",
    }
    datasets: dict[str, Any] = {}
    body = view_dict(chart, datasets, titled)
    spec = {"config": json.loads(json.dumps(BASE_CONFIG)), **body, "$schema": SCHEMA_URL}
    if datasets:
        spec["datasets"] = datasets
    spec["config"].setdefault("view", {"stroke": None})
    spec["config"].setdefault("font", "Noto Sans")
    return spec


def colour_scale(labels: Sequence[str], codes: Sequence[str] | None = None) -> dict[str, Any]:
    """A colour scale giving each power its fixed hue; ``labels`` are the legend values."""
    codes = list(codes) if codes is not None else list(labels)
    domain, colours, spare = [], [], iter(FALLBACK_COLOURS * 4)
    used: set[str] = set()
    for label, code in zip(labels, codes):
        if label in domain:
            continue
        colour = PARTNER_COLOURS.get(code)
        if colour is None or colour in used:
            colour = next(spare)
        used.add(colour)
        domain.append(label)
        colours.append(colour)
    return {"domain": domain, "range": colours}


def event_frame(events: pl.DataFrame | None, years: Sequence[int]) -> pl.DataFrame | None:
    """Events (date, label) turned into fractional years, restricted to the chart's span."""
    if events is None or events.is_empty() or not years:
        return None
    missing = {"date", "label"} - set(events.columns)
    if missing:
        raise ValueError(
            f"event frame lacks column(s) {sorted(missing)}: give columns date and label"
        )
    lo, hi = min(years), max(years)
    rows = []
    for date, label in events.select("date", "label").iter_rows():
        if isinstance(date, str):
            date = dt.date.fromisoformat(date[:10])
        elif isinstance(date, dt.datetime):
            date = date.date()
        if date is None:
            continue
        start = dt.date(date.year, 1, 1)
        length = (dt.date(date.year + 1, 1, 1) - start).days
        position = date.year + (date - start).days / length
        if lo <= position <= hi:
            rows.append({"x": round(position, 4), "label": str(label), "date": date.isoformat()})
    if not rows:
        return None
    return pl.DataFrame(rows)


#: Rows of stacked marker numbers above a time chart (neighbouring markers alternate rows).
MARKER_ROWS = 3
MARKER_ROW_HEIGHT = 10


def yearly_number_marks(marks: pl.DataFrame) -> pl.DataFrame:
    """Numbered marks (labels '1', '2', ...) merged per calendar year ('5–7' for 5, 6, 7) and
    given alternating rows, so that markers stay legible when events crowd together."""
    rows = []
    for position, group in enumerate(
        marks.with_columns(pl.col("x").floor().alias("_year"))
        .group_by("_year", maintain_order=True)
        .agg("x", "label", "date")
        .sort("_year")
        .iter_rows(named=True)
    ):
        numbers = sorted(int(n) for n in group["label"])
        text = (
            str(numbers[0])
            if len(numbers) == 1
            else f"{numbers[0]}–{numbers[-1]}"
            if numbers[-1] - numbers[0] == len(numbers) - 1
            else ",".join(map(str, numbers))
        )
        rows.append(
            {
                "x": round(sum(group["x"]) / len(group["x"]), 4),
                "label": text,
                "date": ", ".join(group["date"]),
                "row": position % MARKER_ROWS,
            }
        )
    return pl.DataFrame(rows)


def with_events(
    base: View,
    events: pl.DataFrame | None,
    years: Sequence[int],
    labels: Mapping[str, str] | None = None,
) -> View:
    """Layer dashed event rules (with labels) over a time chart whose x field is ``year``.

    Numbered events (labels '1', '2', ... keyed in a list below the chart) get one small number
    per year above the plot, stacked in alternating rows; text labels are drawn vertically.
    """
    marks = event_frame(events, years)
    if marks is None:
        return base
    numbered = all(text.isdigit() for text in marks["label"].to_list())
    rules = chart(
        marks,
        mark("rule", strokeDash=[3, 3], color="#999", strokeWidth=0.8),
        x=channel("x:Q"),
        tooltip=[
            channel("date:N", title=label(labels, "date")),
            channel("label:N", title=label(labels, "event")),
        ],
    )
    if numbered:
        stacked = yearly_number_marks(marks).with_columns(
            (-3 - pl.col("row") * MARKER_ROW_HEIGHT).alias("y_px")
        )
        text = chart(
            stacked,
            mark("text", fontSize=9, color="#444", baseline="bottom", align="center"),
            x=channel("x:Q"),
            y=channel("y_px:Q", scale=None),
            text=channel("label:N"),
            tooltip=[
                channel("label:N", title="#"),
                channel("date:N", title=label(labels, "date")),
            ],
        )
        return layer(base, rules, text)
    short = max(len(text) for text in marks["label"].to_list()) <= 3
    style = (
        {"angle": 0, "align": "center", "baseline": "bottom", "dy": -2}
        if short
        else {"angle": 270, "align": "right", "baseline": "bottom", "dx": -2, "dy": -2}
    )
    text = chart(
        marks,
        mark("text", fontSize=8, color="#555", **style),
        x=channel("x:Q"),
        y=value(0),
        text=channel("label:N"),
    )
    return layer(base, rules, text)


def year_axis(years: Sequence[int]) -> dict[str, Any]:
    lo, hi = (min(years), max(years)) if years else (0, 1)
    return channel(
        "year:Q",
        title=None,
        scale=sorted_props({"domain": [lo, hi], "nice": False, "zero": False}),
        axis=sorted_props({"format": "d", "tickMinStep": 1, "labelOverlap": True}),
    )


def require(frame: pl.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: frame lacks column(s) {missing}; it has {frame.columns}")


def dependence_over_time(
    frame: pl.DataFrame,
    *,
    title: str,
    source: str,
    measure_label: str = "Share",
    partner_column: str = "partner",
    code_column: str | None = "partner_iso3",
    value_is_share: bool = True,
    events: pl.DataFrame | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Lines of one dependence measure over time, one line per partner.

    ``frame``: columns ``year``, ``value`` and ``partner_column`` (display label); optionally
    ``code_column`` (ISO3, used to give the powers their fixed colours).
    """
    require(frame, ["year", "value", partner_column], "dependence_over_time")
    data = (
        frame.select(
            pl.col("year").cast(pl.Int32),
            pl.col(partner_column).cast(pl.Utf8).alias("partner"),
            (
                pl.col(code_column)
                if code_column and code_column in frame.columns
                else pl.col(partner_column)
            )
            .cast(pl.Utf8)
            .alias("code"),
            pl.col("value").cast(pl.Float64),
        )
        .drop_nulls(["year", "value"])
        .sort("partner", "year")
    )
    years = data["year"].to_list()
    pairs = data.select("partner", "code").unique(maintain_order=True)
    fmt = ".0%" if value_is_share else ",.3~s"
    base = chart(
        data,
        mark("line", point={"size": 14}),
        x=year_axis(years),
        y=channel("value:Q", title=measure_label, axis={"format": fmt}),
        color=channel(
            "partner:N",
            title=None,
            scale=colour_scale(pairs["partner"].to_list(), pairs["code"].to_list()),
            legend={"orient": "right"},
        ),
        tooltip=[
            channel("partner:N"),
            channel("year:Q", format="d"),
            channel("value:Q", format=".1%" if value_is_share else ",.0f"),
        ],
    ).sized(width, height)
    return decorate(
        with_events(base, events, years, labels),
        title=title,
        source=source,
        year=year_span(years),
        labels=labels,
    )


def alignment_over_time(
    frame: pl.DataFrame,
    *,
    title: str,
    source: str = "UN General Assembly roll calls (Voeten et al.)",
    value_column: str = "agreement",
    value_label: str = "Agreement with",
    partner_column: str = "partner",
    code_column: str | None = "partner_iso3",
    events: pl.DataFrame | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Vote agreement (0..1) with each power over time, one line per power.

    ``frame``: columns ``year``, ``value_column`` and ``partner_column`` (display label).
    """
    require(frame, ["year", value_column, partner_column], "alignment_over_time")
    data = (
        frame.select(
            pl.col("year").cast(pl.Int32),
            pl.col(partner_column).cast(pl.Utf8).alias("partner"),
            (
                pl.col(code_column)
                if code_column and code_column in frame.columns
                else pl.col(partner_column)
            )
            .cast(pl.Utf8)
            .alias("code"),
            pl.col(value_column).cast(pl.Float64).alias("value"),
        )
        .drop_nulls(["year", "value"])
        .sort("partner", "year")
    )
    years = data["year"].to_list()
    pairs = data.select("partner", "code").unique(maintain_order=True)
    colour = channel(
        "partner:N",
        title=None,
        scale=colour_scale(pairs["partner"].to_list(), pairs["code"].to_list()),
        legend={"orient": "right"},
    )
    line = chart(
        data,
        mark("line", point={"size": 12}),
        x=year_axis(years),
        y=channel("value:Q", title=value_label, scale={"domain": [0, 1]}, axis={"format": ".0%"}),
        color=colour,
        tooltip=[
            channel("partner:N"),
            channel("year:Q", format="d"),
            channel("value:Q", format=".1%"),
        ],
    )
    flagged = flagged_years(frame, partner_column, value_column, labels)
    if flagged is None:
        base = line.sized(width, height)
    else:  # hollow rings on years the data flag (small sample, partial year, break in the series)
        rings = chart(
            flagged,
            mark("point", shape="circle", filled=False, size=70, strokeWidth=1.5),
            x=year_axis(years),
            y=channel("value:Q"),
            color=colour,
            tooltip=[
                channel("partner:N"),
                channel("year:Q", format="d"),
                channel("value:Q", format=".1%"),
                channel("flags:N", title=label(labels, "flags")),
            ],
        )
        base = layer(line, rings).sized(width, height)
    return decorate(
        with_events(base, events, years, labels),
        title=title,
        source=source,
        year=year_span(years),
        labels=labels,
    )


#: Boolean flag columns of alignment frames, with the key of the words shown in tooltips (see
# ``LABELS``).
ALIGNMENT_FLAGS = {
    "is_small_sample": "small_sample",
    "is_partial_year": "partial_year",
    "is_break": "break",
}


def flagged_years(
    frame: pl.DataFrame,
    partner_column: str,
    value_column: str,
    labels: Mapping[str, str] | None = None,
) -> pl.DataFrame | None:
    """year, partner, value, flags (words) of the rows with any alignment flag, or None."""
    present = [c for c in ALIGNMENT_FLAGS if c in frame.columns]
    if not present:
        return None
    words = pl.concat_list(
        [
            pl.when(pl.col(c).fill_null(False)).then(pl.lit(label(labels, ALIGNMENT_FLAGS[c])))
            for c in present
        ]
    ).list.drop_nulls()
    rows = frame.select(
        pl.col("year").cast(pl.Int32),
        pl.col(partner_column).cast(pl.Utf8).alias("partner"),
        pl.col(value_column).cast(pl.Float64).alias("value"),
        words.list.join(", ").alias("flags"),
    )
    rows = rows.filter((pl.col("flags") != "") & pl.col("value").is_not_null())
    return rows if rows.height else None


def ideal_points_over_time(
    frame: pl.DataFrame,
    *,
    title: str,
    source: str = "UN General Assembly roll calls; dynamic ideal points",
    country_column: str = "country",
    code_column: str | None = "country_iso3",
    z: float = 1.96,
    events: pl.DataFrame | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Ideal points over time, one line per country, with a ±z·se uncertainty band.

    ``frame``: columns ``year``, ``ideal_point``, ``se`` and ``country_column`` (display label).
    """
    require(frame, ["year", "ideal_point", "se", country_column], "ideal_points_over_time")
    data = (
        frame.select(
            pl.col("year").cast(pl.Int32),
            pl.col(country_column).cast(pl.Utf8).alias("country"),
            (
                pl.col(code_column)
                if code_column and code_column in frame.columns
                else pl.col(country_column)
            )
            .cast(pl.Utf8)
            .alias("code"),
            pl.col("ideal_point").cast(pl.Float64),
            (pl.col("ideal_point") - z * pl.col("se")).alias("low"),
            (pl.col("ideal_point") + z * pl.col("se")).alias("high"),
        )
        .drop_nulls(["year", "ideal_point"])
        .sort("country", "year")
    )
    years = data["year"].to_list()
    pairs = data.select("country", "code").unique(maintain_order=True)
    colour = channel(
        "country:N",
        title=None,
        scale=colour_scale(pairs["country"].to_list(), pairs["code"].to_list()),
        legend={"orient": "right", "symbolOpacity": 1, "symbolType": "circle"},
    )
    band = chart(
        data,
        mark("area", opacity=0.18),
        x=year_axis(years),
        y=channel("low:Q", title=label(labels, "ideal_point")),
        y2=channel("high"),  # a secondary channel takes the type of y
        color=colour,
    )
    line = chart(
        data,
        mark("line"),
        x=year_axis(years),
        y=channel("ideal_point:Q", title=label(labels, "ideal_point")),
        color=colour,
        tooltip=[
            channel("country:N"),
            channel("year:Q", format="d"),
            channel("ideal_point:Q", format=".2f"),
            channel("low:Q", format=".2f"),
            channel("high:Q", format=".2f"),
        ],
    )
    base = layer(band, line).sized(width, height)
    return decorate(
        with_events(base, events, years, labels),
        title=title,
        source=source,
        year=year_span(years),
        labels=labels,
    )


VOTE_COLOURS = {
    "yes": "#2e8b57",
    "no": "#c0392b",
    "abstain": "#e6a700",
    "absent": "#bbbbbb",
    "unknown": "#e4e4e4",
}


def key_votes_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    source: str = "UN General Assembly roll calls",
    resolution_column: str = "resolution",
    country_column: str = "country",
    vote_column: str = "vote",
    year: str | int | None = None,
    width: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A table-like grid: one row per resolution, one column per country, cells coloured by vote.

    ``frame``: columns ``resolution_column`` (row label, e.g. 'A/RES/ES-11/1 (2022-03-02)'),
    ``country_column`` and ``vote_column`` (yes/no/abstain/absent, or unknown for a country a
    partial press-reported record does not name; any case). Only the vote kinds present get a legend
    entry.
    """
    require(frame, [resolution_column, country_column, vote_column], "key_votes_chart")
    data = frame.select(
        pl.col(resolution_column).cast(pl.Utf8).alias("resolution"),
        pl.col(country_column).cast(pl.Utf8).alias("country"),
        pl.col(vote_column).cast(pl.Utf8).str.to_lowercase().fill_null("absent").alias("vote"),
    ).with_columns(
        pl.col("vote").replace_strict(
            {k: label(labels, k) for k in VOTE_COLOURS}, default=pl.col("vote")
        )
    )
    rows = data["resolution"].unique(maintain_order=True).to_list()
    cols = data["country"].unique(maintain_order=True).to_list()
    present = set(data["vote"].to_list())
    kinds = [
        k
        for k in VOTE_COLOURS
        if label(labels, k) in present or k in ("yes", "no", "abstain", "absent")
    ]
    cell_width = 60 if width is None else max(30, width // max(1, len(cols)))
    encode_x = channel("country:N", title=None, sort=cols, axis={"labelAngle": 0, "orient": "top"})
    encode_y = channel("resolution:N", title=None, sort=rows, axis={"labelLimit": 260})
    cells = chart(
        data,
        mark("rect", stroke="white", strokeWidth=1),
        x=encode_x,
        y=encode_y,
        color=channel(
            "vote:N",
            title=label(labels, "vote"),
            scale={
                "domain": [label(labels, k) for k in kinds],
                "range": [VOTE_COLOURS[k] for k in kinds],
            },
            legend={"orient": "bottom"},
        ),
        tooltip=[channel("resolution:N"), channel("country:N"), channel("vote:N")],
    )
    dark = [label(labels, k) for k in ("yes", "no", "abstain")]
    cell_text = chart(
        data,
        mark("text", fontSize=9),
        x=encode_x,
        y=encode_y,
        text=channel("vote:N"),
        color={
            "condition": {"test": {"field": "vote", "oneOf": dark}, "value": "white"},
            "value": "#333",
        },
    )
    base = layer(cells, cell_text).sized(cell_width * max(1, len(cols)), 18 * max(1, len(rows)))
    return decorate(base, title=title, source=source, year=year, labels=labels)


def share_bars(
    frame: pl.DataFrame,
    *,
    title: str,
    source: str,
    year: str | int | None,
    label_column: str = "label",
    value_column: str = "value",
    code_column: str | None = None,
    value_is_share: bool = True,
    value_label: str = "Share",
    width: int = DEFAULT_WIDTH,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Horizontal bars, largest first (e.g. the top partners of one year), labelled with the
    value."""
    require(frame, [label_column, value_column], "share_bars")
    data = (
        frame.select(
            pl.col(label_column).cast(pl.Utf8).alias("label"),
            (
                pl.col(code_column)
                if code_column and code_column in frame.columns
                else pl.col(label_column)
            )
            .cast(pl.Utf8)
            .alias("code"),
            pl.col(value_column).cast(pl.Float64).alias("value"),
        )
        .drop_nulls("value")
        .sort("value", "label", descending=[True, False])
    )
    order = data["label"].to_list()
    colours = [PARTNER_COLOURS.get(code, "#4c78a8") for code in data["code"].to_list()]
    fmt = ".0%" if value_is_share else ",.3~s"
    y = channel("label:N", title=None, sort=order, axis={"labelLimit": 180})
    bars = chart(
        data,
        mark("bar"),
        x=channel(
            "value:Q",
            title=value_label,
            axis={"format": fmt, "labelOverlap": True, "tickCount": 5},
        ),
        y=y,
        color=channel("label:N", scale={"domain": order, "range": colours}, legend=None),
        tooltip=[
            channel("label:N"),
            channel("value:Q", format=".1%" if value_is_share else ",.0f"),
        ],
    )
    text = chart(
        data,
        mark("text", align="left", dx=3, fontSize=9),
        x=channel("value:Q"),
        y=y,
        text=channel("value:Q", format=".1%" if value_is_share else ",.3~s"),
    )
    base = layer(bars, text).sized(width, 18 * max(1, len(order)))
    return decorate(base, title=title, source=source, year=year, labels=labels)


def scenario_over_time(
    frame: pl.DataFrame,
    *,
    title: str,
    source: str,
    measure_label: str,
    series_labels: tuple[str, str] = ("Baseline", "Scenario"),
    value_is_share: bool = True,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Baseline (dashed) against scenario (solid; say so in the caption) over the years, one colour
    per partner, with the scenario's interval as a band where the frame has ``scenario_lo`` and
    ``scenario_hi``.

    ``frame``: columns ``year``, ``partner`` (display label), ``baseline``, ``scenario``; optional
    ``partner_iso3`` (fixed colours of the powers), ``scenario_lo``, ``scenario_hi``.
    """
    require(frame, ["year", "partner", "baseline", "scenario"], "scenario_over_time")
    code = pl.col("partner_iso3") if "partner_iso3" in frame.columns else pl.col("partner")
    base_label, scenario_label = series_labels
    long = (
        pl.concat(
            [
                frame.select(
                    pl.col("year").cast(pl.Int32),
                    pl.col("partner").cast(pl.Utf8),
                    code.cast(pl.Utf8).fill_null("").alias("code"),
                    pl.col(column).cast(pl.Float64).alias("value"),
                    pl.lit(series).alias("series"),
                )
                for column, series in (("baseline", base_label), ("scenario", scenario_label))
            ]
        )
        .drop_nulls(["year", "value"])
        .sort("partner", "series", "year")
    )
    years = long["year"].to_list()
    pairs = long.select("partner", "code").unique(maintain_order=True)
    fmt = (
        ".2~%" if value_is_share else ",.3~s"
    )  # small shares keep two decimals (0.05%), large ones none (10%)
    colour = channel(
        "partner:N",
        title=None,
        scale=colour_scale(pairs["partner"].to_list(), pairs["code"].to_list()),
        legend={"orient": "bottom"},
    )
    lines = chart(
        long,
        mark("line", point={"size": 18}),
        x=year_axis(years),
        y=channel("value:Q", title=measure_label, scale={"zero": False}, axis={"format": fmt}),
        color=colour,
        strokeDash=channel(
            "series:N",
            title=None,
            sort=[base_label, scenario_label],
            scale={"domain": [base_label, scenario_label], "range": [[4, 3], [1, 0]]},
            legend=None,
        ),  # the caption says which line is which: baseline dashed, scenario solid
        tooltip=[
            channel("partner:N"),
            channel("series:N"),
            channel("year:Q", format="d"),
            channel("value:Q", format=".2%" if value_is_share else ",.0f"),
        ],
    )
    layers: list[View] = [lines]
    if {"scenario_lo", "scenario_hi"} <= set(frame.columns):
        band = frame.select(
            pl.col("year").cast(pl.Int32),
            pl.col("partner").cast(pl.Utf8),
            "scenario_lo",
            "scenario_hi",
        ).drop_nulls()
        if band.height:
            layers.insert(
                0,
                chart(
                    band,
                    mark("area", opacity=0.18),
                    x=year_axis(years),
                    y=channel("scenario_lo:Q"),
                    y2=channel("scenario_hi"),  # a secondary channel takes the type of y
                    color=colour,
                ),
            )
    base = layer(*layers).sized(width, height)
    return decorate(base, title=title, source=source, year=year_span(years), labels=labels)
