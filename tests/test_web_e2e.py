"""End-to-end: the dashboard in real headless Chromium (Debian's /usr/bin/chromium, Playwright).

A uvicorn server on 127.0.0.1 (free port) serves the app over the warehouse named by
AUTONOMY_WAREHOUSE, or the bundled snapshot. Each page must load with no console error and
draw its charts (SVG); the overview, a country page, compare, scenarios and events must draw
their charts and not overflow horizontally at a desktop width (1400 px) and a phone width
(390 px); the overview's Kyrgyzstan link must reach a country page with charts; a download
returns the table; changing a scenario lever changes the numbers in place; Japanese pages are
drawn in the vendored Japanese web font.

Screenshots: set AUTONOMY_SCREENSHOTS to a folder to save a full-page JPEG of every layout case
(the documented command, see docs/dashboard.md, writes them to docs/screenshots/):

    AUTONOMY_SCREENSHOTS=docs/screenshots uv run pytest tests/test_web_e2e.py -k layout

Skipped with a reason when Chromium or Playwright is absent.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from autonomy_monitor import api

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WIDTHS = {"desktop": 1400, "phone": 390}
LAYOUT_PAGES = {  # screenshot name -> (path, charts drawn at least)
    "overview": ("/?year=2020", 1),
    "country-KGZ": ("/country/KGZ", 5),
    "compare": ("/compare?countries=KAZ,KGZ,UZB", 4),
    "scenario": ("/scenario?name=japan-kyrgyzstan", 2),
    "events": ("/events", 0),
}
CHARTS_DONE = (
    "() => Array.from(document.querySelectorAll('figure.chart')).every("
    "f => f.dataset.rendered === 'done' || f.dataset.rendered === 'failed')"
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
    ),
]
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (uv sync --extra test)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def settings() -> api.Settings:
    return api.Settings()


@pytest.fixture(scope="module")
def base_url(settings: api.Settings) -> Iterator[str]:
    import uvicorn

    from autonomy_monitor.web import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def watched_page(context: object) -> object:
    page = context.new_page()
    page.errors = []  # console errors and uncaught exceptions seen on this page
    page.on(
        "console",
        lambda message: page.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.errors = []  # console errors and uncaught exceptions seen on this page
    page.on(
        "console",
        lambda message: page.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def wait_until(page: object, expression: str, arg: object = None, timeout: float = 120.0) -> None:
    """Poll ``expression`` through the DevTools protocol (Playwright's wait_for_function evals in
    the page, which our Content-Security-Policy rightly forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {expression[:80]}")
        page.wait_for_timeout(100)


def open_page(page: object, url: str) -> None:
    response = page.goto(url, wait_until="networkidle", timeout=120_000)
    assert response is not None and response.status == 200, url
    wait_until(page, CHARTS_DONE)


def rendered_charts(page: object) -> int:
    return page.evaluate(
        "document.querySelectorAll('figure.chart[data-rendered=done] svg, "
        "figure.chart[data-rendered=done] canvas').length"
    )


@pytest.mark.parametrize(
    ("path", "min_charts"),
    [
        ("/", 1),
        ("/country/KGZ", 1),
        ("/compare?countries=KAZ,KGZ", 2),
        ("/events", 0),
        ("/methodology", 0),
        ("/downloads", 0),
        ("/country/UZB?lang=ja", 1),
        ("/country/KAZ?lang=ru", 1),
    ],
)
def test_page_loads_without_console_errors_and_draws_charts(
    page: object, base_url: str, path: str, min_charts: int
) -> None:
    open_page(page, base_url + path)
    assert page.errors == []
    assert (
        page.evaluate("document.querySelectorAll('figure.chart[data-rendered=failed]').length") == 0
    )
    assert rendered_charts(page) >= min_charts


def test_overview_click_reaches_kyrgyzstan_with_charts(page: object, base_url: str) -> None:
    open_page(page, base_url + "/")
    assert page.locator("#headline-table tbody tr").count() == 9  # the five and the four powers
    assert page.locator("#overview-table tbody tr").count() > 150  # the full list, one click away
    page.locator("#headline-table").get_by_role("link", name="Kyrgyzstan", exact=True).click()
    page.wait_for_url("**/country/KGZ")
    wait_until(page, CHARTS_DONE)
    assert page.locator("h1").inner_text().startswith("Kyrgyzstan")
    assert rendered_charts(page) >= 1
    assert page.errors == []


def test_year_selector_updates_the_overview_in_place(page: object, base_url: str) -> None:
    open_page(page, base_url + "/")
    page.select_option("select[name=year]", "2015")
    page.wait_for_url("**year=2015**")
    wait_until(page, CHARTS_DONE)
    assert "2015" in page.locator("#headline-table caption").inner_text()
    assert page.errors == []


def test_download_returns_the_table(page: object, base_url: str, settings: api.Settings) -> None:
    open_page(page, base_url + "/downloads")
    with page.expect_download() as info:
        page.locator('a[href="/downloads/out_alignment__key_votes.csv?country=KGZ"]').click()
    frame = pl.read_csv(Path(info.value.path()), infer_schema=False)
    expected = api.table_frame("out_alignment__key_votes", "KGZ", settings=settings)
    assert frame.height == expected.height > 0
    assert set(frame["country_iso3"]) == {"KGZ"}


def test_language_switch(page: object, base_url: str) -> None:
    open_page(page, base_url + "/country/KGZ")
    page.get_by_role("link", name="日本語").click()
    wait_until(page, "document.documentElement.lang === 'ja'")
    assert "キルギス" in page.locator("h1").inner_text()


def test_scenario_lever_changes_the_numbers(
    page: object, base_url: str, settings: api.Settings
) -> None:
    if "out_dependence__yearly" not in api.downloadable_tables(settings)["table"].to_list():
        pytest.skip(
            "the store has no out_dependence__yearly (set AUTONOMY_WAREHOUSE to a built warehouse)"
        )
    open_page(page, base_url + "/scenario?name=japan-kyrgyzstan")
    before = page.locator("#scenario-table td.result").all_inner_texts()
    field = page.locator('input[name="l1.share_remitted"]')
    field.fill("0.9")
    field.dispatch_event("change")
    deadline = time.monotonic() + 60
    while (
        page.locator("#scenario-table td.result").all_inner_texts() == before
        and time.monotonic() < deadline
    ):
        page.wait_for_timeout(100)
    after = page.locator("#scenario-table td.result").all_inner_texts()
    assert after != before
    assert page.url.endswith("/scenario?name=japan-kyrgyzstan")  # updated in place, no navigation
    assert page.errors == []


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(LAYOUT_PAGES))
def test_layout_draws_charts_without_horizontal_overflow(
    browser: object, base_url: str, settings: api.Settings, name: str, width: str
) -> None:
    path, min_charts = LAYOUT_PAGES[name]
    if (
        name == "scenario"
        and "out_dependence__yearly" not in api.downloadable_tables(settings)["table"].to_list()
    ):
        pytest.skip(
            "the store has no out_dependence__yearly (set AUTONOMY_WAREHOUSE to a built warehouse)"
        )
    context = browser.new_context(viewport={"width": WIDTHS[width], "height": 900})
    try:
        page = watched_page(context)
        open_page(page, base_url + path)
        page.wait_for_timeout(300)  # let resizing charts settle
        assert page.errors == []
        assert (
            page.evaluate("document.querySelectorAll('figure.chart[data-rendered=failed]').length")
            == 0
        )
        assert rendered_charts(page) >= min_charts
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow} px wider than the {WIDTHS[width]} px window"
        too_wide = page.evaluate(
            """Array.from(document.querySelectorAll('figure.chart svg'))
                .filter(svg => svg.getBoundingClientRect().right > window.innerWidth + 1).length"""
        )
        assert too_wide == 0, "a chart is drawn wider than the window"
        folder = os.environ.get("AUTONOMY_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(
                path=str(Path(folder) / f"{name}-{WIDTHS[width]}.jpg"),
                full_page=True,
                type="jpeg",
                quality=80,
            )
    finally:
        context.close()


def test_charts_resize_with_the_window(page: object, base_url: str) -> None:
    open_page(page, base_url + "/country/KGZ")
    width = "document.querySelector('figure.chart svg').getBoundingClientRect().width"
    wide = page.evaluate(width)
    page.set_viewport_size({"width": 700, "height": 900})
    page.wait_for_timeout(800)
    narrow = page.evaluate(width)
    assert narrow < wide - 200 and narrow <= 700


def loaded_font_ranges(browser: object, url: str) -> list[str]:
    """The unicode-range of every font face the page loaded (fresh context: nothing cached)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = watched_page(context)
        open_page(page, url)
        return page.evaluate(
            "Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.unicodeRange)"
        )
    finally:
        context.close()


def test_japanese_pages_use_the_vendored_japanese_font(browser: object, base_url: str) -> None:
    assert any("4E00" in r for r in loaded_font_ranges(browser, base_url + "/country/KGZ?lang=ja"))
    # English pages draw the "日本語" link from the small subset and do not fetch the Japanese font
    english = loaded_font_ranges(browser, base_url + "/country/KGZ")
    assert any("65E5" in r for r in english) and not any("4E00" in r for r in english)
