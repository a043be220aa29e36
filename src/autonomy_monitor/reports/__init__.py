"""Printable country briefings: ``autonomy report KGZ --format pdf|html``.

Reports sit at the top layer beside cli/ and web/: they read data only through
``autonomy_monitor.api``, draw charts with ``autonomy_monitor.charts`` and format text with
``autonomy_monitor.i18n``.
"""

from __future__ import annotations

from pathlib import Path

from autonomy_monitor.api import BadArgument, Settings

FORMATS = ("pdf", "html")


def build_report(
    country: str,
    fmt: str = "pdf",
    *,
    year: int | None = None,
    since: int | None = None,
    lang: str = "en",
    settings: Settings | None = None,
) -> bytes:
    """The briefing for ``country`` as PDF or HTML bytes (deterministic for a given store).

    ``settings`` chooses the store (default: ``Settings()``, i.e. the built warehouse, else the
    bundled snapshot). Charts missing from :func:`chart_cache` are drawn in a background thread
    while the rest of the briefing is gathered, then kept there, so a briefing asked for again
    (another format, the same data) does not draw them again.
    """
    from autonomy_monitor.reports.briefing import gather
    from autonomy_monitor.reports.render import ChartDrawer, to_html, to_pdf

    if fmt not in FORMATS:
        raise BadArgument(f"Unknown report format {fmt!r}: give one of {', '.join(FORMATS)}.")
    settings = settings or Settings()
    cache = chart_cache(settings)
    with ChartDrawer(lang, cache) as drawer:  # charts drawn in the background while gathering
        briefing = gather(
            country, year=year, since=since, lang=lang, settings=settings, on_chart=drawer.submit
        )
        render = to_pdf if fmt == "pdf" else to_html
        return render(briefing, cache, drawer)


def chart_cache(settings: Settings) -> Path:
    """Folder of rendered chart SVGs, content-addressed, beside the warehouse (see
    ``render.chart_svg``)."""
    return settings.warehouse.parent / "cache" / "charts"


__all__ = ["FORMATS", "build_report"]
