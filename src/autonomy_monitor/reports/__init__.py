"""Printable country briefings: ``autonomy report KGZ --format pdf|html``.

Reports sit at the top layer beside cli/ and web/: they read data only through
``autonomy_monitor.api``, draw charts with ``autonomy_monitor.charts`` and format text with
``autonomy_monitor.i18n``.
"""

from __future__ import annotations

from autonomy_monitor.errors import BadArgument

FORMATS = ("pdf", "html")


def build_report(country: str, fmt: str = "pdf", *, year: int | None = None, since: int | None = None, lang: str = "en") -> bytes:
    """The briefing for ``country`` as PDF or HTML bytes (deterministic for a given store)."""
    from autonomy_monitor.reports.briefing import gather  # noqa: PLC0415 - heavy imports on demand
    from autonomy_monitor.reports.render import to_html, to_pdf  # noqa: PLC0415

    if fmt not in FORMATS:
        raise BadArgument(f"Unknown report format {fmt!r}: give one of {', '.join(FORMATS)}.")
    briefing = gather(country, year=year, since=since, lang=lang)
    return to_pdf(briefing) if fmt == "pdf" else to_html(briefing)


__all__ = ["FORMATS", "build_report"]
