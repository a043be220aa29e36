"""Render a :class:`~autonomy_monitor.reports.briefing.Briefing` as PDF (Typst) or HTML.

Both outputs are deterministic: charts are rendered to SVG by vl-convert with the vendored
fonts; the PDF is compiled by the ``typst`` Python binding with only the vendored fonts, no
document date and a fixed timestamp, so the same warehouse gives identical bytes. The HTML
file is self-contained (inline CSS and SVG, no scripts, no external assets).
"""

from __future__ import annotations

import functools
import hashlib
import html
import os
import json
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

from autonomy_monitor.reports.briefing import Briefing, ChartRequest, Section
from autonomy_monitor.reports.messages import texts
from autonomy_monitor.reports.svg_process import SvgProcess

FONT_STACK = "Noto Sans, Noto Sans CJK JP, sans-serif"
#: Fixed timestamp given to Typst (1 January 2000 UTC) so nothing depends on the clock.
FIXED_TIMESTAMP = 946684800


def package_path(*parts: str) -> Path:
    return Path(str(resources.files("autonomy_monitor.reports").joinpath(*parts)))


@functools.cache
def vl_convert():  # noqa: ANN201 - the vl_convert module, fonts registered
    """vl-convert, imported and given the vendored fonts on first use (once per process)."""
    import vl_convert as vlc

    vlc.register_font_directory(str(package_path("fonts")))
    return vlc


D3_LOCALES = {"en": "en-US", "ja": "ja-JP", "ru": "ru-RU"}


def prepared_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``spec`` with the vendored font stack and a white background."""
    spec = json.loads(json.dumps(spec))
    config = spec.setdefault("config", {})
    config["font"] = FONT_STACK
    config.setdefault("background", "white")
    return spec


@functools.cache
def renderer_fingerprint() -> str:
    """What besides a chart request decides its SVG: this package's chart code and version, the
    vl-convert version and the fonts."""
    from importlib import metadata

    from autonomy_monitor import __version__

    code = Path(str(resources.files("autonomy_monitor").joinpath("charts.py"))).read_bytes()
    fonts = sorted(
        (p.name, p.stat().st_size)
        for p in package_path("fonts").iterdir()
        if p.suffix in (".ttf", ".otf")
    )
    return json.dumps(
        [
            __version__,
            hashlib.sha256(code).hexdigest(),
            metadata.version("vl-convert-python"),
            fonts,
            FONT_STACK,
        ]
    )


def chart_key(request: ChartRequest, lang: str) -> str:
    """Content address of one drawn chart: the request, the locale and the renderer."""
    text = json.dumps([request.key(), D3_LOCALES.get(lang, "en-US"), renderer_fingerprint()])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def draw(request: ChartRequest, lang: str) -> dict[str, str]:
    """SVG and description of one chart: the spec built (``charts``), then drawn by vl-convert."""
    return draw_spec(request.spec(), lang)


def draw_spec(
    spec: dict[str, Any], lang: str, renderer: SvgProcess | None = None
) -> dict[str, str]:
    """SVG and description of one built spec, drawn by vl-convert (in this process, or in
    ``renderer``'s)."""
    locale = D3_LOCALES.get(lang, "en-US")
    ready = prepared_spec(spec)
    svg = renderer.svg(ready, locale) if renderer is not None else None
    if svg is None:
        svg = vl_convert().vegalite_to_svg(
            ready, format_locale=locale, time_format_locale=locale, allowed_base_urls=[]
        )
    return {"svg": svg, "description": spec.get("description", "")}


def cached_chart(path: Path | None) -> dict[str, str] | None:
    """The drawn chart stored at ``path``, or None when there is none (or no cache)."""
    if path is None or not path.is_file():
        return None
    return json.loads(path.read_text("utf-8"))


def keep(drawn: dict[str, str], path: Path | None) -> dict[str, str]:
    """Store a drawn chart at the cache ``path`` (written atomically); return it."""
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            partial.write_text(json.dumps(drawn, ensure_ascii=False), "utf-8")
            partial.replace(path)
        except OSError:  # a read-only cache folder only costs speed
            pass
    return drawn


def chart_svg(request: ChartRequest, lang: str = "en", cache: Path | None = None) -> dict[str, str]:
    """SVG (and accessible description) of one chart; numbers formatted in ``lang``; no external
    requests.

    With ``cache`` (a folder), a chart already drawn from the same request, locale, chart code,
    renderer version and fonts is read back instead of drawn again (building and drawing take about
    0.1 s a chart, and the renderer's start half a second); the bytes are the same either way, so
    briefings stay deterministic.
    """
    path = cache / f"{chart_key(request, lang)}.json" if cache is not None else None
    found = cached_chart(path)
    return found if found is not None else keep(draw(request, lang), path)


class ChartDrawer:
    """Draws a briefing's charts in the background while the rest is gathered.

    :func:`~autonomy_monitor.reports.briefing.gather` hands over each section's chart requests
    (``submit``) as soon as the section is made. A chart not in the cache has its spec built at
    once, in the calling thread, and is drawn by vl-convert in a child process
    (:class:`SvgProcess`), fed by one background thread: drawing overlaps the queries and text of
    the following sections. ``get`` returns the drawn chart of a request, waiting if needed. The
    child starts at the first chart missing from the cache unless the caller started one
    (``renderer``); the drawer closes it. A chart's SVG depends only on its spec, so the order of
    drawing changes no byte.
    """

    def __init__(
        self, lang: str, cache: Path | None = None, renderer: SvgProcess | None = None
    ) -> None:
        self.lang, self.cache = lang, cache
        self._pool: ThreadPoolExecutor | None = None
        self._renderer = renderer  # started already by the caller, or at the first missing chart
        self._charts: dict[int, tuple[ChartRequest, Future[dict[str, str]] | dict[str, str]]] = {}

    def submit(self, request: ChartRequest) -> None:
        if id(request) in self._charts:
            return
        path = (
            self.cache / f"{chart_key(request, self.lang)}.json" if self.cache is not None else None
        )
        found: Future[dict[str, str]] | dict[str, str] | None = cached_chart(path)
        if found is None:
            spec = request.spec()
            if self._pool is None:
                self._renderer = self._renderer or SvgProcess()
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")
            found = self._pool.submit(
                lambda: keep(draw_spec(spec, self.lang, self._renderer), path)
            )
        self._charts[id(request)] = (request, found)

    def get(self, request: ChartRequest) -> dict[str, str]:
        if id(request) not in self._charts:
            self.submit(request)
        held = self._charts[id(request)][1]
        return held.result() if isinstance(held, Future) else held

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    def __enter__(self) -> ChartDrawer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def svg_width(svg: str) -> float:
    found = re.search(r'<svg[^>]*\bwidth="([0-9.]+)', svg)
    return float(found.group(1)) if found else 480.0


def rendered_charts(
    briefing: Briefing, cache: Path | None = None, drawer: ChartDrawer | None = None
) -> list[list[tuple[str, str, str]]]:
    """Per section, (key, svg, description) for each chart, each drawn once (by ``drawer`` when
    given: charts it was handed while gathering are already drawn or being drawn)."""
    own = drawer is None
    drawer = drawer or ChartDrawer(briefing.lang, cache)
    try:
        for section in briefing.sections:  # all handed over first: drawn while others are read
            for request in section.charts:
                drawer.submit(request)
        out = []
        for i, section in enumerate(briefing.sections):
            drawn = [drawer.get(request) for request in section.charts]
            out.append(
                [(f"chart_{i}_{j}", d["svg"], d["description"]) for j, d in enumerate(drawn)]
            )
    finally:
        if own:
            drawer.close()
    return out


def section_data(
    section: Section, charts: list[tuple[str, str, str]], inputs: dict[str, str]
) -> dict[str, Any]:
    """One section for the Typst template; its chart SVGs go into ``inputs``."""
    entries = []
    for key, svg, _spec in charts:
        inputs[key] = svg
        entries.append({"key": key, "width_pt": round(svg_width(svg) * 0.75, 1)})
    tables = [
        {
            "columns": tbl["columns"],
            "rows": [[breakable(str(v)) for v in row] for row in tbl["rows"]],
        }
        for tbl in section.tables
    ]
    return {
        "title": section.title,
        "sentences": section.sentences,
        "charts": entries,
        "tables": tables,
    }


def breakable(text: str) -> str:
    """Allow line breaks after '_', '/' and '.' in long identifiers (file names) in PDF tables."""
    return (
        re.sub(r"([_/.])(?=\S)", "\\1\u200b", text) if " " not in text and len(text) > 18 else text
    )


def to_pdf(
    briefing: Briefing, cache: Path | None = None, drawer: ChartDrawer | None = None
) -> bytes:
    """The briefing as a PDF (A4) compiled by Typst (charts read from ``cache`` when rendered
    before)."""
    t = texts(briefing.lang)
    inputs: dict[str, str] = {}
    sections = [
        section_data(section, charts, inputs)
        for section, charts in zip(briefing.sections, rendered_charts(briefing, cache, drawer))
    ]
    data = {
        "lang": briefing.lang,
        "title": briefing.title,
        "subtitle": briefing.subtitle,
        "as_of": briefing.as_of,
        "as_of_short": t("data_short", year=briefing.year, built=briefing.built),
        "findings_title": t("key_findings"),
        "appendix": section_data(briefing.appendix, [], inputs),
        "findings": briefing.findings,
        "sections": sections,
        "footer": "Strategic Autonomy Monitor",
        "closing": briefing.footer,
        "page_label": t("page"),
    }
    inputs["data"] = json.dumps(data, ensure_ascii=False, sort_keys=True)
    import typst

    return typst.compile(
        package_path("briefing.typ").read_bytes(),
        root=str(package_path()),
        font_paths=[str(package_path("fonts"))],
        ignore_system_fonts=True,
        sys_inputs=inputs,
        timestamp=FIXED_TIMESTAMP,
        format="pdf",
    )


CSS = """
body{font-family:"Noto Sans","Noto Sans CJK JP",system-ui,sans-serif;font-size:15px;\
line-height:1.5;color:#1d242b;max-width:820px;margin:2em auto;padding:0 1em}
header.title{background:#1f3b5a;color:#fff;padding:16px 20px;border-radius:3px}
header.title h1{margin:0;font-size:26px}header.title p{margin:.3em 0 0}\
header.title .asof{color:#d6e0ea;font-size:13px}
.findings{border-left:4px solid #1f3b5a;padding:4px 14px;margin:1.2em 0}\
.findings h2{color:#1f3b5a;font-size:17px;margin:.2em 0}
section h2{color:#1f3b5a;font-size:19px;border-bottom:1px solid #d0d5da;padding-bottom:2px;\
margin-top:1.6em}
figure{margin:1em 0;text-align:center}figure svg{max-width:100%;height:auto}\
figure.wide svg{width:100%}
.appendix table{font-size:11px}\
.charts-small{display:flex;flex-wrap:wrap;gap:12px;justify-content:space-around}
table{border-collapse:collapse;font-size:12px;width:100%}\
th{color:#1f3b5a;text-align:left;border-bottom:1.5px solid #1f3b5a}
td,th{padding:3px 5px;border-bottom:1px solid #e0e4e8;vertical-align:top;word-break:break-word}
footer{margin-top:2em;color:#5b6670;font-size:12px}
@media print{body{max-width:none}figure,table{break-inside:avoid}}
"""


def clean_svg(svg: str, description: str) -> str:
    """Inline SVG without XML prolog, labelled for screen readers."""
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg.strip())
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(description)}" ', 1)


def html_table(table: dict[str, Any]) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in table["columns"])
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>" for row in table["rows"]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(
    briefing: Briefing, cache: Path | None = None, drawer: ChartDrawer | None = None
) -> bytes:
    """The briefing as one self-contained HTML file (charts read from ``cache`` when rendered
    before)."""
    t = texts(briefing.lang)
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(briefing.lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(briefing.title)}</title><style>{CSS}</style></head><body>",
        f'<header class="title"><h1>{esc(briefing.title)}</h1><p>{esc(briefing.subtitle)}</p>'
        f'<p class="asof">{esc(briefing.as_of)}</p></header>',
        f'<div class="findings"><h2>{esc(t("key_findings"))}</h2><ul>',
        *[f"<li>{esc(s)}</li>" for s in briefing.findings],
        "</ul></div>",
    ]
    for section, charts in zip(briefing.sections, rendered_charts(briefing, cache, drawer)):
        parts.append(f'<section id="{esc(section.key)}"><h2>{esc(section.title)}</h2>')
        parts.extend(f"<p>{esc(s)}</p>" for s in section.sentences)
        small = [c for c in charts if svg_width(c[1]) * 0.75 <= 260]
        large = [c for c in charts if svg_width(c[1]) * 0.75 > 260]
        for _key, svg, description in large:
            parts.append(
                f'<figure class="wide">{clean_svg(svg, description)}'
                f"<figcaption hidden>{esc(description)}</figcaption></figure>"
            )
        if small:
            parts.append('<div class="charts-small">')
            for _key, svg, description in small:
                parts.append(f"<figure>{clean_svg(svg, description)}</figure>")
            parts.append("</div>")
        parts.extend(html_table(table) for table in section.tables)
        parts.append("</section>")
    parts.append(
        f'<section id="{esc(briefing.appendix.key)}" class="appendix">'
        f"<h2>{esc(briefing.appendix.title)}</h2>"
    )
    parts.append(f"<p>{esc(briefing.appendix.sentences[0])}</p>")
    for table in briefing.appendix.tables:
        parts.append(html_table(table))
    parts.extend(f"<p>{esc(s)}</p>" for s in briefing.appendix.sentences[1:])
    parts.append("</section>")
    parts.append(f"<footer>{esc(briefing.footer)}</footer></body></html>")
    return ("\n".join(parts) + "\n").encode("utf-8")
