"""How the dashboard serves: HEAD like GET, chart availability without building the charts,
a light server start (no Altair before the first chart). No timing here: speed is measured by
``benchmarks/web_load_bench.py`` and ``benchmarks/web_first_request_bench.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autonomy_monitor import api
from autonomy_monitor.web import create_app
from autonomy_monitor.web.app import country_values
from autonomy_monitor.web.pages import COUNTRY_CHARTS


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> api.Settings:
    """Settings whose warehouse does not exist: every query reads the bundled snapshot."""
    return api.Settings(warehouse=tmp_path_factory.mktemp("none") / "absent.duckdb")


@pytest.fixture(scope="module")
def client(settings: api.Settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/country/KGZ",
        "/static/style.css",
        "/charts/country/KGZ/trade.json",
        "/country/XXX",
        "/nowhere",
    ],
)
def test_head_is_answered_like_get(client: TestClient, path: str) -> None:
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code
    assert head.content == b""
    for name in ("content-type", "content-security-policy"):
        assert head.headers.get(name) == got.headers.get(name)
    if "content-length" in got.headers:
        assert head.headers["content-length"] == str(len(got.content))


@pytest.mark.parametrize("code", ["KGZ", "TKM", "JPN", "AFG", "TUV"])
def test_chart_availability_matches_the_chart_specs(settings: api.Settings, code: str) -> None:
    """The page says a chart exists exactly when /charts/... can build it."""
    board = create_app(settings).state.dashboard
    available = country_values(board, code, "en")["available"]
    assert set(available) == set(COUNTRY_CHARTS)
    built = {chart: board.country_chart(code, chart, "en") is not None for chart in COUNTRY_CHARTS}
    assert available == built


def test_country_page_does_not_build_chart_specs(settings: api.Settings) -> None:
    board = create_app(settings).state.dashboard
    country_values(board, "KGZ", "en")
    assert not any(isinstance(key, tuple) and key[0] == "chart" for key in board._cache)


def test_server_app_starts_without_altair(tmp_path: Path) -> None:
    """Building the app imports no Altair (the warm-up imports it when the server starts)."""
    code = (
        "import json, sys\n"
        "import autonomy_monitor.web.app as web\n"
        "from autonomy_monitor import api\n"
        f"web.create_app(api.Settings(warehouse={str(tmp_path / 'absent.duckdb')!r}))\n"
        "print(json.dumps(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('altair', 'scipy', 'typst'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_warm_up_at_start_keeps_no_page(settings: api.Settings) -> None:
    """The server's start serves a country page from a throwaway copy of the app: templates are
    compiled, but no page, chart or query result is cached for visitors."""
    app = create_app(settings)
    with TestClient(app) as client:  # the context runs the lifespan, hence the warm-up
        board = app.state.dashboard
        assert board._cache == {} and board._frames == {}
        assert "country.html" in {name for _, name in app.state.templates.env.cache}
        page = client.get("/country/KAZ")
        assert page.status_code == 200 and "KAZ" in page.text
        assert any(isinstance(k, tuple) and k[:2] == ("page", "country.html") for k in board._cache)


def test_app_without_warm_up_has_no_lifespan_work(settings: api.Settings) -> None:
    app = create_app(settings, warm_up=False)
    with TestClient(app):
        assert "country.html" not in {name for _, name in app.state.templates.env.cache}


def test_key_votes_order_is_the_same_in_every_process(settings: api.Settings) -> None:
    """Votes of one day (ES-11/7 and ES-11/8 on 2025-02-24) keep one order: newest day first,
    then by roll-call id, whatever order Polars' unique and sort leave ties in."""
    rows = create_app(settings).state.dashboard.key_vote_rows("KGZ", "en")
    keys = [(str(r["date"]), r["roll_call_id"]) for r in rows]
    assert keys == sorted(keys, key=lambda k: (-int(k[0].replace("-", "")), k[1]))
    assert len({d for d, _ in keys}) < len(keys)  # the check covers at least one same-day pair
