"""Web-only Vega-Lite specs: the overview's world map (country shapes from the vendored
world-atlas TopoJSON). The time charts, bars and vote grids come from
:mod:`autonomy_monitor.charts`, shared with the printable reports.
"""

from __future__ import annotations

from typing import Any

ATLAS_URL = "/static/vendor/countries-110m.json"


def world_map(rows: list[dict[str, Any]], *, title: str, source: str, year: int, value_label: str,
              missing_label: str, width: int = 720, height: int = 360) -> dict[str, Any]:
    """A choropleth of a 0..1 value per country; ``rows`` hold id (M49, 3 digits), name, value."""
    from autonomy_monitor import charts  # Altair: loaded by web.app.warm_up, not at server start

    subtitle = charts.subtitle_text(source, year)
    lookup = {"lookup": "id", "from": {"data": {"values": rows}, "key": "id", "fields": ["name", "value"]}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": {"text": title, "subtitle": subtitle, "anchor": "start", "fontSize": 13, "subtitleFontSize": 10,
                  "subtitleColor": "#555"},
        "description": f"{title}. {subtitle}.",
        "width": width,
        "height": height,
        "data": {"url": ATLAS_URL, "format": {"type": "topojson", "feature": "countries"}},
        "projection": {"type": "equalEarth"},
        "transform": [lookup],
        "layer": [
            {"mark": {"type": "geoshape", "fill": "#e4e4e4", "stroke": "#ffffff", "strokeWidth": 0.4},
             "encoding": {"tooltip": {"field": "name", "type": "nominal", "title": missing_label}}},
            {"transform": [{"filter": "isValid(datum.value)"}],
             "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.4},
             "encoding": {
                 "color": {"field": "value", "type": "quantitative", "title": value_label,
                           "scale": {"scheme": "yelloworangered", "domain": [0, 1]},
                           "legend": {"format": ".0%", "orient": "bottom-left"}},
                 "tooltip": [{"field": "name", "type": "nominal", "title": " "},
                             {"field": "value", "type": "quantitative", "format": ".1%", "title": value_label}],
             }},
        ],
        "config": {"view": {"stroke": None}},
    }
