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
    bundled snapshot). Rendered charts are kept in :func:`chart_cache`, so a briefing asked for
    again (another format, the same data) does not render them again.
    """
    from autonomy_monitor.reports.briefing import gather
    from autonomy_monitor.reports.render import to_html, to_pdf

    if fmt not in FORMATS:
        raise BadArgument(f"Unknown report format {fmt!r}: give one of {', '.join(FORMATS)}.")
    settings = settings or Settings()
    briefing = gather(country, year=year, since=since, lang=lang, settings=settings)
    cache = chart_cache(settings)
    return to_pdf(briefing, cache) if fmt == "pdf" else to_html(briefing, cache)


def chart_cache(settings: Settings) -> Path:
    """Folder of rendered chart SVGs, content-addressed, beside the warehouse (see
    ``render.chart_svg``)."""
    return settings.warehouse.parent / "cache" / "charts"


__all__ = ["FORMATS", "build_report"]
