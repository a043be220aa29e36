"""Web-only Vega-Lite specs: the overview's world map (country shapes from the vendored
world-atlas TopoJSON). The time charts, bars and vote grids come from
:mod:`autonomy_monitor.charts`, shared with the printable reports.
"""

from __future__ import annotations

import textwrap
from typing import Any

ATLAS_URL = "/static/vendor/countries-110m.json"
TITLE_LINE, SUBTITLE_LINE = (
    46,
    62,
)  # characters per line of chart titles (phones are about 350 px wide)
#: Each measure has its own colour scale on the map (and in the overview tables, see style.css).
MAP_SCALES: dict[str, dict[str, Any]] = {
    "total_share": {"scheme": "oranges", "domain": [0, 0.5], "clamp": True},
    "agreement": {"scheme": "blues", "domain": [0, 1]},
}


def responsive(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec drawn at the width of its container (and redrawn when that changes), with the
    legends below the plot so that narrow screens keep the whole width for the data."""
    spec = dict(spec)
    for layer in spec.get("layer", []):
        layer.pop("width", None)
    wrap_title(spec)
    spec["width"] = "container"
    spec["autosize"] = {"type": "fit-x", "contains": "padding", "resize": True}
    move_legends_below(spec)
    return spec


def wrap_title(spec: dict[str, Any]) -> None:
    """Title and subtitle as lines short enough for a phone (Vega does not wrap text)."""
    title = spec.get("title")
    if not isinstance(title, dict):
        return
    for key, width in (("text", TITLE_LINE), ("subtitle", SUBTITLE_LINE)):
        text = title.get(key)
        if text:
            joined = " ".join(text) if isinstance(text, list) else str(text)
            lines = textwrap.wrap(joined, width) or [joined]
            title[key] = lines[0] if len(lines) == 1 else lines


def move_legends_below(node: Any) -> None:
    if isinstance(node, dict):
        legend = node.get("legend")
        if isinstance(legend, dict) and legend.get("orient") in ("right", "left"):
            legend["orient"] = "bottom"
            legend.setdefault("columns", 4)
        for value in node.values():
            move_legends_below(value)
    elif isinstance(node, list):
        for value in node:
            move_legends_below(value)


def world_map(
    rows: list[dict[str, Any]],
    *,
    title: str,
    source: str,
    year: int,
    value_label: str,
    missing_label: str,
    measure: str = "total_share",
    width: int = 720,
    height: int = 360,
) -> dict[str, Any]:
    """A choropleth of a 0..1 value per country in ``measure``'s own colour scale;
    ``rows`` hold id (M49, 3 digits), name, value."""
    from autonomy_monitor import charts  # Altair: loaded by web.app.warm_up, not at server start

    subtitle = charts.subtitle_text(source, year)
    lookup = {
        "lookup": "id",
        "from": {"data": {"values": rows}, "key": "id", "fields": ["name", "value"]},
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": {
            "text": title,
            "subtitle": subtitle,
            "anchor": "start",
            "fontSize": 13,
            "subtitleFontSize": 10,
            "subtitleColor": "#555",
        },
        "description": f"{title}. {subtitle}.",
        "width": width,
        "height": height,
        "data": {"url": ATLAS_URL, "format": {"type": "topojson", "feature": "countries"}},
        "projection": {"type": "equalEarth"},
        "transform": [lookup],
        "layer": [
            {
                "mark": {
                    "type": "geoshape",
                    "fill": "#e4e4e4",
                    "stroke": "#ffffff",
                    "strokeWidth": 0.4,
                },
                "encoding": {
                    "tooltip": {"field": "name", "type": "nominal", "title": missing_label}
                },
            },
            {
                "transform": [{"filter": "isValid(datum.value)"}],
                "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.4},
                "encoding": {
                    "color": {
                        "field": "value",
                        "type": "quantitative",
                        "title": value_label,
                        "scale": dict(MAP_SCALES.get(measure, MAP_SCALES["agreement"])),
                        "legend": {"format": ".0%", "orient": "bottom-left"},
                    },
                    "tooltip": [
                        {"field": "name", "type": "nominal", "title": " "},
                        {
                            "field": "value",
                            "type": "quantitative",
                            "format": ".1%",
                            "title": value_label,
                        },
                    ],
                },
            },
        ],
        "config": {"view": {"stroke": None}, "font": "Noto Sans"},
    }
