"""Regenerate docs/screenshots/{overview,country,scenario}.png from a live dashboard.

Usage: ``uv run --extra test python tools/screenshots.py [--out docs/screenshots]``. Needs
Debian's chromium at /usr/bin/chromium (``apt-get install chromium``) and Playwright from PyPI.
Reads the warehouse (``AUTONOMY_WAREHOUSE``) or the bundled snapshot, like ``autonomy serve``.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from autonomy_monitor.api import Settings
from autonomy_monitor.web import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PAGES = {"overview": "/", "country": "/country/KGZ", "scenario": "/scenario"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(create_app(Settings()), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def wait_for_charts(page: object, timeout: float = 120.0) -> None:
    """Poll until every chart is drawn (via DevTools: the page's CSP forbids eval-based waiting)."""
    deadline = time.monotonic() + timeout
    done = "() => Array.from(document.querySelectorAll('figure.chart')).every(f => f.dataset.rendered === 'done' || f.dataset.rendered === 'failed')"
    while not page.evaluate(done) and time.monotonic() < deadline:
        page.wait_for_timeout(100)


def capture(base: str, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name, path in PAGES.items():
            response = page.goto(base + path, wait_until="networkidle", timeout=120_000)
            if response is None or response.status != 200:
                print(f"skipped {name}: {path} answered {response.status if response else 'nothing'}")
                continue
            wait_for_charts(page)
            if name == "country":
                page.locator("#dependence").scroll_into_view_if_needed()
                page.evaluate("() => document.getElementById('dependence').scrollIntoView()")
            page.screenshot(path=str(out / f"{name}.png"), full_page=False)
            print(f"wrote {out / f'{name}.png'}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start_server(port)
    try:
        capture(f"http://127.0.0.1:{port}", args.out)
    finally:
        server.should_exit = True


if __name__ == "__main__":
    main()
