"""The web dashboard: ``create_app(settings)`` returns a read-only FastAPI app.

Pages (HTML, tables work without JavaScript): overview ``/``, country ``/country/{ISO3}``,
compare ``/compare?countries=KAZ,KGZ``, events ``/events``, methodology ``/methodology``,
downloads ``/downloads``. Chart specs (Vega-Lite JSON) under ``/charts/...``, rendered by
``static/app.js`` with vega-embed (vendored, no CDN). Every parameter is validated: an unknown
country gives a 404 page, a bad year or list a 422 page naming the fault. Static files are
served from the package only; no request path reaches the filesystem.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import polars as pl
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from autonomy_monitor import api
from autonomy_monitor.api import scenarios as scenario_api
from autonomy_monitor.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    format_date,
    format_number,
    format_percent,
    translator,
)
from autonomy_monitor.web.head import HeadAsGet
from autonomy_monitor.web.pages import (
    COUNTRY_CHARTS,
    TRADE_EDGES,
    VOTE_EDGES,
    Dashboard,
    source_lines,
)
from autonomy_monitor.web.scenario import edited_scenario, is_share, lever_fields, scenario_charts
from autonomy_monitor.web.security import SecurityHeaders

PACKAGE_DIR = Path(__file__).resolve().parent
YEAR_RANGE = (1992, 2026)
MAX_DOWNLOAD_ROWS = 1_000_000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
}
MAP_MEASURES = ("total_share", "agreement")


class PageError(StarletteHTTPException):
    """A 404 or 422 shown as a page with one sentence saying what is wrong."""


def create_app(settings: api.Settings | None = None, *, warm_up: bool = True) -> FastAPI:
    """The dashboard app over ``settings``' warehouse (or the bundled snapshot).

    With ``warm_up``, the server's start (the ASGI lifespan, before it accepts a connection)
    runs :func:`warm_up_app`.
    """
    app = FastAPI(
        title="Strategic Autonomy Monitor",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan if warm_up else None,
    )
    app.state.dashboard = Dashboard(settings or api.Settings())
    app.state.templates = Jinja2Templates(directory=str(PACKAGE_DIR / "templates"))
    app.add_middleware(SecurityHeaders)  # every response, errors included, gets the headers
    app.add_middleware(HeadAsGet)  # outermost: HEAD runs as GET everywhere, body dropped
    app.mount("/static", StaticFiles(directory=str(PACKAGE_DIR / "static")), name="static")
    install_error_pages(app)
    install_pages(app)
    install_charts(app)
    install_downloads(app)
    return app


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await warm_up_app(app)
    yield


async def warm_up_app(app: FastAPI) -> None:
    """Serve one country page, its charts and a comparison from a throwaway copy of the app
    before the server listens, so the first visitor does not pay for what every first request
    pays once per process: importing the query modules and the chart builders, compiling
    the templates (shared with ``app``), opening the store and loading the blocks of its large
    tables (DuckDB reads a table's filter columns in full on its first scan).

    Nothing computed here is kept: the copy has its own Dashboard, so every page is still
    computed by its first request (the warm-up country's included).
    """
    import httpx

    scratch = create_app(app.state.dashboard.settings, warm_up=False)
    scratch.state.templates = app.state.templates  # compiled templates are what we keep
    board: Dashboard = scratch.state.dashboard
    codes = [c for c in board.c5 if c in board.codes] or sorted(board.codes)
    if not codes:
        return
    code = codes[0]
    other = next((p for p in board.powers if p != code and p in board.codes), None)
    paths = [
        f"/country/{code}",
        *(f"/charts/country/{code}/{chart}.json" for chart in COUNTRY_CHARTS),
        *([f"/compare?countries={code},{other}"] if other else []),
    ]
    transport = httpx.ASGITransport(app=scratch, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://warm-up") as client:
        for path in paths:
            await client.get(path)  # a page without data answers 404 or 422: nothing to warm


# --- helpers -------------------------------------------------------------------------------
def dashboard_of(request: Request) -> Dashboard:
    return request.app.state.dashboard


def lang_of(request: Request) -> str:
    return getattr(request.state, "lang", "en")


def parse_year(text: str | None, default: int) -> int:
    if text is None or text == "":
        return default
    if not text.isdigit():
        raise PageError(422, f"Year {text!r} is not a number: give a year such as 2022.")
    year = int(text)
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise PageError(
            422,
            f"Year {year} is out of range: choose a year "
            f"between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}.",
        )
    return year


def parse_code(request: Request, text: str) -> str:
    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha() or code not in dashboard_of(request).codes:
        raise PageError(404, f"Unknown country {text[:20]!r}: give an ISO3 code such as KGZ.")
    return code


def parse_codes(
    request: Request, text: str | None, default: tuple[str, ...], low: int, high: int, what: str
) -> tuple[str, ...]:
    if text is None or text.strip() == "":
        return default
    items = [item.strip().upper() for item in text.split(",") if item.strip()]
    unknown = [item for item in items if item not in dashboard_of(request).codes]
    if unknown:
        raise PageError(
            422,
            f"Unknown country code(s) {', '.join(u[:10] for u in unknown[:5])} "
            f"in {what}: use ISO3 codes such as KAZ,KGZ.",
        )
    codes = tuple(dict.fromkeys(items))
    if not low <= len(codes) <= high:
        raise PageError(
            422, f"Give between {low} and {high} different countries in {what} (got {len(codes)})."
        )
    return codes


def parse_choice(text: str | None, choices: tuple[str, ...], default: str, what: str) -> str:
    if text is None or text == "":
        return default
    if text not in choices:
        raise PageError(422, f"Unknown {what} {text[:30]!r}: choose from {', '.join(choices)}.")
    return text


def context(request: Request, **values: Any) -> dict[str, Any]:
    lang = lang_of(request)
    board = dashboard_of(request)
    return {
        "request": request,
        "lang": lang,
        "t": translator(lang),
        "languages": LANGUAGES,
        "language_names": LANGUAGE_NAMES,
        "pct": lambda v, d=1: format_percent(v, lang, d),
        "num": lambda v, d=1: format_number(v, lang, d),
        "date": lambda v: format_date(v, lang),
        "name": lambda c: board.name(c, lang),
        "store": board.store(),
        "lang_url": lambda code: str(request.url.include_query_params(lang=code)),
        **values,
    }


async def cached_page(
    request: Request, key: tuple, template: str, build: Callable[[], dict[str, Any]]
) -> HTMLResponse:
    """Render ``template`` with ``build()``'s values, memoised per key and language."""
    board = dashboard_of(request)
    full_key = ("page", template, lang_of(request), *key)
    hit, body = board.peek(full_key)
    if not hit:

        def render() -> bytes:
            values = context(request, **build())
            return request.app.state.templates.get_template(template).render(values).encode("utf-8")

        body = await run_in_threadpool(board.cached, full_key, render)
    return HTMLResponse(body)


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":")).encode("utf-8")


# --- error pages ---------------------------------------------------------------------------
def install_error_pages(app: FastAPI) -> None:
    def page(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith(("/charts/", "/data/")) or request.url.path.endswith(
            ".json"
        ):
            return JSONResponse({"error": message}, status_code=status)
        values = context(request, status=status, message=message)
        return app.state.templates.TemplateResponse(
            request, "error.html", values, status_code=status
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc, PageError):
            return page(request, exc.status_code, str(exc.detail))
        key = "error.not_found" if exc.status_code == 404 else "error.generic"
        return page(request, exc.status_code, translator(lang_of(request))(key))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in exc.errors())
        return page(request, 422, f"Invalid parameter(s): {fields}.")

    @app.exception_handler(api.AutonomyError)
    async def user_error(request: Request, exc: api.AutonomyError) -> Response:
        return page(request, 422, str(exc))


# --- pages ---------------------------------------------------------------------------------
def install_pages(app: FastAPI) -> None:
    @app.get("/", response_class=HTMLResponse)
    async def overview(
        request: Request,
        year: str | None = None,
        powers: str | None = None,
        power: str | None = None,
        measure: str | None = None,
    ) -> HTMLResponse:
        board = dashboard_of(request)
        default_year = await run_in_threadpool(board.default_year)
        chosen_year = parse_year(year, default_year)
        chosen = parse_codes(request, powers, board.powers, 1, 6, "powers")
        map_power = parse_code(request, power) if power else chosen[0]
        if map_power not in chosen:
            raise PageError(
                422,
                f"The map's power {map_power} is not among the chosen powers {','.join(chosen)}.",
            )
        map_measure = parse_choice(measure, MAP_MEASURES, "total_share", "measure")

        def build() -> dict[str, Any]:
            lang = lang_of(request)
            rows = board.overview_rows(chosen_year, chosen, lang)
            return {
                "year": chosen_year,
                "powers": chosen,
                "power": map_power,
                "measure": map_measure,
                "year_options": board.year_options(
                    list(range(YEAR_RANGE[1], YEAR_RANGE[0] - 1, -1)), lang
                ),
                "default_year": default_year,
                "last_world_year": board.last_world_year(),
                "rows": rows,
                "headline": board.headline_rows(rows, chosen),
                "all_powers": (*board.powers, "DEU", "GBR", "FRA", "TUR", "KOR", "IND"),
                "trade_edges": TRADE_EDGES,
                "vote_edges": VOTE_EDGES,
                "sources": source_lines(lang),
            }

        return await cached_page(
            request,
            ("overview", chosen_year, chosen, map_power, map_measure),
            "overview.html",
            build,
        )

    @app.get("/country/{code}", response_class=HTMLResponse)
    async def country(request: Request, code: str) -> HTMLResponse:
        iso3 = parse_code(request, code)
        if iso3 != code:
            raise PageError(
                404,
                f"Unknown country {code[:20]!r}: country pages "
                f"use upper-case ISO3 codes, e.g. /country/{iso3}.",
            )
        board = dashboard_of(request)
        return await cached_page(
            request,
            ("country", iso3),
            "country.html",
            lambda: country_values(board, iso3, lang_of(request)),
        )

    @app.get("/compare", response_class=HTMLResponse)
    async def compare(request: Request, countries: str | None = None) -> HTMLResponse:
        board = dashboard_of(request)
        codes = parse_codes(request, countries, board.c5, 2, 5, "countries")

        def build() -> dict[str, Any]:
            lang = lang_of(request)
            return {
                "codes": codes,
                "selected": ",".join(codes),
                "countries": board.country_rows(lang),
                "profiles": [compare_values(board, c, lang) for c in codes],
                "powers": board.powers,
                "charts": ("trade", "alignment"),
                "sources": source_lines(lang),
            }

        return await cached_page(request, ("compare", codes), "compare.html", build)

    @app.get("/events", response_class=HTMLResponse)
    async def events(request: Request) -> HTMLResponse:
        board = dashboard_of(request)
        return await cached_page(
            request,
            ("events",),
            "events.html",
            lambda: {"events": board.events().sort("date", descending=True).to_dicts()},
        )

    @app.get("/scenario", response_class=HTMLResponse)
    async def scenario(request: Request, name: str | None = None) -> HTMLResponse:
        return await scenario_response(request, name, "scenario.html")

    @app.get("/scenario/results", response_class=HTMLResponse)
    async def scenario_results(request: Request, name: str | None = None) -> HTMLResponse:
        return await scenario_response(request, name, "scenario_results.html")

    @app.get("/methodology", response_class=HTMLResponse)
    async def methodology(request: Request) -> HTMLResponse:
        def build() -> dict[str, Any]:
            markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
            return {"body": markdown.render(api.methodology_markdown())}

        return await cached_page(request, ("methodology",), "methodology.html", build)


async def scenario_response(request: Request, name: str | None, template: str) -> HTMLResponse:
    """The scenario page (or only its results, for htmx) with the form's lever values applied."""
    board = dashboard_of(request)
    names = tuple(
        board.cached(("scenario_names",), lambda: scenario_api.scenario_list()["name"].to_list())
    )
    chosen = parse_choice(name, names, names[0] if names else "", "scenario")
    params = {k: v for k, v in request.query_params.items() if k.startswith("l") and "." in k}
    try:
        spec, edits = edited_scenario(chosen, params)
    except ValueError as error:
        if template == "scenario_results.html":  # htmx swaps this fragment in place of the results
            text = str(error).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            return HTMLResponse(
                '<div id="scenario-results">'
                f'<p class="error-message" role="alert">{text}</p></div>',
                status_code=422,
            )
        raise PageError(422, str(error)) from None
    key = ("scenario", chosen, tuple(sorted(edits.items())))
    return await cached_page(
        request,
        key,
        template,
        lambda: scenario_values(board, names, chosen, spec, edits, lang_of(request)),
    )


def scenario_values(
    board: Dashboard,
    names: tuple[str, ...],
    chosen: str,
    spec: Any,
    edits: dict[str, float],
    lang: str,
) -> dict[str, Any]:
    result = scenario_api.run_scenario(spec, settings=board.settings)
    rows = scenario_api.scenario_key_rows(result)
    last = int(rows["year"].max()) if rows.height else None
    shown = rows.filter(pl.col("year") == last) if last is not None else rows
    t = translator(lang)
    chart_list = scenario_charts(
        rows,
        name=lambda c: board.name(c, lang),
        t=t,
        source=t("scenario.chart_source", name=chosen),
    )
    return {
        "charts": [{**c, "json": json_bytes(c["spec"]).decode("utf-8")} for c in chart_list],
        "is_share": is_share,
        "names": names,
        "chosen": chosen,
        "spec": spec,
        "fields": lever_fields(spec),
        "edits": edits,
        "titles": {
            n: board.cached(
                ("scenario_title", n), lambda n=n: scenario_api.scenario_spec(n).scenario.title
            )
            for n in names
        },
        "rows": shown.to_dicts(),
        "last_year": last,
        "workers": result.workers.to_dicts(),
        "assumptions": result.assumptions.to_dicts(),
        "notes": result.notes,
    }


def country_values(board: Dashboard, code: str, lang: str) -> dict[str, Any]:
    """Everything the country page shows (the charts' data come from /charts/... as specs)."""
    trade = board.power_series(code, "trade", "total_share", ("chosen",), lang)
    remit = board.power_series(code, "remittances", "remittance_share", None, lang)
    alignment = board.alignment(code)
    ideal = board.ideal_points(code)
    migration, migration_year = board.top_partners(
        code, "migration", "destination_share", "un_desa_stock", lang
    )
    aid, aid_year = board.top_partners(code, "aid", "oda_share", None, lang)
    governance, largest = board.governance(code), board.largest_dependencies(code)
    key_votes = board.key_vote_rows(code, lang)
    available = charts_with_data(
        trade=trade,
        remittances=remit,
        migration=migration,
        aid=aid,
        alignment=alignment,
        idealpoints=ideal,
        keyvotes=[r for r in key_votes if r["es11"]],
    )
    powers = board.others(code)
    keys = {
        "trade": board.event_key(code, trade),
        "remittances": board.event_key(code, remit),
        "alignment": board.event_key(code, alignment),
        "idealpoints": board.event_key(code, ideal),
    }
    return {
        "event_keys": keys,
        "remittance_totals": remittance_totals(board, code),
        "alignment_flagged": any(
            c in alignment.columns and bool(alignment[c].fill_null(False).any())
            for c in ("is_small_sample", "is_partial_year", "is_break")
        ),
        "code": code,
        "powers": powers,
        "available": available,
        "sources": source_lines(lang),
        "trade": board.series_table(trade),
        "trade_years": year_span(trade),
        "remittances": board.series_table(remit),
        "remittance_years": year_span(remit),
        "alignment": board.series_table(alignment, value="agreement")
        if alignment.height
        else ([], []),
        "alignment_years": year_span(alignment),
        "ideal": board.series_table(ideal, value="ideal_point", partner="country_iso3")
        if ideal.height
        else ([], []),
        "ideal_years": year_span(ideal),
        "migration": migration.to_dicts(),
        "migration_year": migration_year,
        "aid": aid.to_dicts(),
        "aid_year": aid_year,
        "japan": board.japan(code).to_dicts(),
        "key_votes": key_votes,
        "vote_columns": [code, *powers],
        "governance": governance.to_dicts(),
        "largest": largest.to_dicts(),
        "events": board.events(code).sort("date", descending=True).to_dicts(),
    }


def charts_with_data(**data: Any) -> dict[str, bool]:
    """Which country charts have data, from the page's own frames (``Dashboard.country_chart``
    returns None exactly when its frame is empty); the specs themselves are built only when
    ``/charts/...`` is asked for, so the page does not wait for seven Altair charts."""
    missing = set(COUNTRY_CHARTS) ^ set(data)
    if missing:
        raise ValueError(f"charts_with_data: charts {sorted(missing)} differ from COUNTRY_CHARTS")
    return {chart: len(data[chart]) > 0 for chart in COUNTRY_CHARTS}


def remittance_totals(board: Dashboard, code: str) -> list[dict[str, Any]]:
    """Total remittances received (US$ and % of GDP), newest year first, when the API has them."""
    totals = getattr(api, "remittance_totals", None)
    if totals is None:
        return []
    try:
        frame = board.cached(
            ("remittance_totals", code), lambda: totals(code, settings=board.settings), large=True
        )
    except api.AutonomyError:
        return []
    if frame is None or frame.is_empty() or "year" not in frame.columns:
        return []
    return frame.sort("year", descending=True).head(12).to_dicts()


def compare_values(board: Dashboard, code: str, lang: str) -> dict[str, Any]:
    trade = board.power_series(code, "trade", "total_share", ("chosen",), lang)
    alignment = board.alignment(code)
    latest_trade = trade.filter(pl.col("year") == trade["year"].max()) if trade.height else trade
    latest_align = latest_complete_year(alignment, board.others(code))
    return {
        "code": code,
        "trade_year": None if trade.is_empty() else int(trade["year"].max()),
        "trade": {r["partner_iso3"]: r["value"] for r in latest_trade.iter_rows(named=True)},
        "align_year": None if latest_align.is_empty() else int(latest_align["year"].max()),
        "agreement": {
            r["partner_iso3"]: r["agreement"] for r in latest_align.iter_rows(named=True)
        },
        # as on the country page: a chart exists exactly when its frame has rows (the specs are
        # built only when /charts/... is asked for)
        "available": {"trade": trade.height > 0, "alignment": alignment.height > 0},
        "event_keys": {
            "trade": board.event_key(code, trade),
            "alignment": board.event_key(code, alignment),
        },
    }


def latest_complete_year(
    alignment: pl.DataFrame, powers: list[str], min_votes: int = 10
) -> pl.DataFrame:
    """Rows of the latest year in which every power shares at least ``min_votes`` roll calls
    with the country (else the latest year with any such power): partial sessions are skipped."""
    if alignment.is_empty():
        return alignment
    usable = alignment.filter(pl.col("n_votes") >= min_votes)
    counts = usable.group_by("year").agg(pl.col("partner_iso3").n_unique().alias("n"))
    complete = counts.filter(pl.col("n") >= len(powers))
    years = complete if complete.height else counts
    return usable.filter(pl.col("year") == years["year"].max()) if years.height else usable


def year_span(frame: pl.DataFrame) -> str:
    if frame.is_empty() or "year" not in frame.columns:
        return ""
    lo, hi = int(frame["year"].min()), int(frame["year"].max())
    return str(lo) if lo == hi else f"{lo}–{hi}"


# --- chart specs ---------------------------------------------------------------------------
def install_charts(app: FastAPI) -> None:
    @app.get("/charts/country/{code}/{chart}.json")
    async def country_chart(request: Request, code: str, chart: str) -> Response:
        iso3 = parse_code(request, code)
        name = parse_choice(chart, COUNTRY_CHARTS, "", "chart")
        board, lang = dashboard_of(request), lang_of(request)
        key = ("chart_json", iso3, name, lang)
        hit, body = board.peek(key)
        if not hit:

            def build() -> bytes:
                spec = board.country_chart(iso3, name, lang)
                if spec is None:
                    return b""
                return json_bytes(spec)

            body = await run_in_threadpool(board.cached, key, build)
        if not body:
            raise PageError(404, f"No data for the {name} chart of {iso3}.")
        return Response(body, media_type="application/json")

    @app.get("/charts/overview-map.json")
    async def overview_map(
        request: Request,
        year: str | None = None,
        power: str | None = None,
        measure: str | None = None,
    ) -> Response:
        board, lang = dashboard_of(request), lang_of(request)
        chosen_year = parse_year(year, await run_in_threadpool(board.default_year))
        map_power = parse_code(request, power or "CHN")
        map_measure = parse_choice(measure, MAP_MEASURES, "total_share", "measure")
        key = ("map_json", chosen_year, map_power, map_measure, lang)
        hit, body = board.peek(key)
        if not hit:
            body = await run_in_threadpool(
                board.cached,
                key,
                lambda: json_bytes(
                    board.overview_map_spec(chosen_year, map_power, map_measure, lang)
                ),
            )
        return Response(body, media_type="application/json")

    @app.get("/data/country/{code}.json")
    async def country_data(request: Request, code: str) -> Response:
        iso3 = parse_code(request, code)
        board, lang = dashboard_of(request), lang_of(request)
        key = ("country_json", iso3, lang)
        hit, body = board.peek(key)
        if not hit:

            def build() -> bytes:
                values = country_values(board, iso3, lang)
                return json_bytes({k: v for k, v in values.items() if k not in ("available",)})

            body = await run_in_threadpool(board.cached, key, build)
        return Response(body, media_type="application/json")


# --- downloads -----------------------------------------------------------------------------
FRICTIONLESS_TYPES = {
    "VARCHAR": "string",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "SMALLINT": "integer",
    "DOUBLE": "number",
    "FLOAT": "number",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "TIMESTAMP WITH TIME ZONE": "datetime",
}


def install_downloads(app: FastAPI) -> None:
    def tables(request: Request) -> pl.DataFrame:
        board = dashboard_of(request)
        return board.cached(("tables",), lambda: api.downloadable_tables(board.settings))

    @app.get("/downloads", response_class=HTMLResponse)
    async def downloads(request: Request) -> HTMLResponse:
        frame = await run_in_threadpool(tables, request)
        board = dashboard_of(request)
        return await cached_page(
            request,
            ("downloads",),
            "downloads.html",
            lambda: {
                "tables": frame.to_dicts(),
                "max_rows": MAX_DOWNLOAD_ROWS,
                "formats": tuple(FORMATS),
                "countries": board.country_rows(lang_of(request)),
            },
        )

    @app.get("/downloads/datapackage.json")
    async def datapackage(request: Request) -> Response:
        frame = await run_in_threadpool(tables, request)
        return JSONResponse(
            data_package(frame, str(request.base_url).rstrip("/"), dashboard_of(request).store())
        )

    @app.get("/downloads/{filename}")
    async def download(request: Request, filename: str, country: str | None = None) -> Response:
        name, _, fmt = filename.rpartition(".")
        if fmt not in FORMATS:
            raise PageError(422, f"Unknown format {fmt[:10]!r}: choose csv, parquet or json.")
        frame_list = await run_in_threadpool(tables, request)
        if name not in frame_list["table"].to_list():
            raise PageError(404, f"Unknown table {name[:60]!r}: see /downloads for the list.")
        code = parse_code(request, country) if country else None
        board = dashboard_of(request)
        try:
            frame = await run_in_threadpool(
                lambda: api.table_frame(
                    name, code, settings=board.settings, max_rows=MAX_DOWNLOAD_ROWS
                )
            )
        except api.BadArgument as error:
            raise PageError(422, str(error)) from None
        body = await run_in_threadpool(encode_frame, frame, fmt)
        stem = f"{name}_{code}" if code else name
        return Response(
            body,
            media_type=FORMATS[fmt],
            headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
        )


def encode_frame(frame: pl.DataFrame, fmt: str) -> bytes:
    """The frame as CSV, Parquet or JSON (records) bytes; nested lists become JSON text in CSV."""
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        return buffer.getvalue()
    if fmt == "json":
        return json_bytes(frame.to_dicts())
    flat = frame.with_columns(
        [
            pl.col(c).map_elements(lambda v: json.dumps(list(v)), return_dtype=pl.String)
            for c, t in frame.schema.items()
            if isinstance(t, pl.List)
        ]
    )
    return flat.write_csv().encode("utf-8")


def data_package(tables: pl.DataFrame, base: str, store: str) -> dict[str, Any]:
    """A Frictionless Data Package descriptor listing every table (CSV resources)."""
    resources = []
    for row in tables.iter_rows(named=True):
        fields = [
            {"name": c, "type": FRICTIONLESS_TYPES.get(t, "array" if t.endswith("[]") else "any")}
            for c, t in zip(row["columns"], row["types"])
        ]
        resource = {
            "name": row["table"],
            "path": f"{base}/downloads/{row['table']}.csv",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {"fields": fields},
            "rows": row["rows"],
        }
        if row["rows"] > MAX_DOWNLOAD_ROWS:
            resource["description"] = (
                f"{row['rows']:,} rows: download per country with "
                f"?country=ISO3 (column {row['country_column']})."
            )
        resources.append(resource)
    return {
        "profile": "data-package",
        "name": "strategic-autonomy-monitor",
        "title": "Strategic Autonomy Monitor tables",
        "description": (
            f"Tables read from {store}. Sources and licences: "
            "see /methodology and `autonomy status`."
        ),
        "resources": resources,
    }
