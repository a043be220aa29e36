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
    bundled snapshot). Charts missing from :func:`chart_cache` are drawn by a child process while
    the rest of the briefing is gathered (``render.ChartDrawer``), then kept there, so a briefing
    asked for again (another format, the same data) does not draw them again.
    """
    from autonomy_monitor.reports.svg_process import SvgProcess

    if fmt not in FORMATS:
        raise BadArgument(f"Unknown report format {fmt!r}: give one of {', '.join(FORMATS)}.")
    settings = settings or Settings()
    cache = chart_cache(settings)
    seen = drawn_before(cache, [country, year, since, lang], settings)
    # a briefing not drawn before from this store: start the chart renderer now (about half a
    # second to start), beside the imports and queries below, instead of at its first chart
    renderer = None if seen is not None and seen.is_file() else SvgProcess()

    try:
        from autonomy_monitor.reports.briefing import gather
        from autonomy_monitor.reports.render import ChartDrawer, to_html, to_pdf
    except BaseException:
        if renderer is not None:
            renderer.close()
        raise
    with ChartDrawer(lang, cache, renderer) as drawer:  # charts drawn while gathering
        briefing = gather(
            country, year=year, since=since, lang=lang, settings=settings, on_chart=drawer.submit
        )
        data = (to_pdf if fmt == "pdf" else to_html)(briefing, cache, drawer)
    if seen is not None:
        try:
            seen.parent.mkdir(parents=True, exist_ok=True)
            seen.touch()
        except OSError:  # a read-only cache folder only costs speed
            pass
    return data


def drawn_before(cache: Path, arguments: list[object], settings: Settings) -> Path | None:
    """Marker file of a briefing (its arguments, the store's file stamp and the chart code) whose
    charts were drawn into ``cache``: a hint that its charts are cached, so no chart renderer
    needs starting early. None when the store cannot be stamped."""
    import hashlib
    import json

    store = settings.warehouse if settings.warehouse.is_file() else settings.bundled_snapshot
    try:
        stat = store.stat()
        code = Path(__file__).parent.parent / "charts.py"
        stamp = [str(store), stat.st_ino, stat.st_size, stat.st_mtime_ns, code.stat().st_mtime_ns]
    except OSError:
        return None
    text = json.dumps([arguments, stamp], default=str)
    return cache / "briefings" / hashlib.sha256(text.encode()).hexdigest()[:32]


def chart_cache(settings: Settings) -> Path:
    """Folder of rendered chart SVGs, content-addressed, beside the warehouse (see
    ``render.chart_svg``), with the record of briefings drawn (``briefings/``, see
    :func:`drawn_before`)."""
    return settings.warehouse.parent / "cache" / "charts"


__all__ = ["FORMATS", "build_report"]
