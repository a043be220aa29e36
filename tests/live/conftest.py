"""Live-source tests: sockets to anything but loopback are blocked; HTTP is mocked with respx.

Tests against the real services carry the ``live`` marker and are skipped unless asked for
with ``-m live`` or ``AUTONOMY_LIVE_TESTS=1``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import httpx
import pytest
import pytest_socket

from autonomy_monitor.settings import Settings
from autonomy_monitor.pipeline.rawstore import RawStore
from autonomy_monitor.sources.client import HttpClient, RetryPolicy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "http"
LOOPBACK = ["127.0.0.1", "::1", "localhost"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live: talks to the real publishers' services (network)")


def _live_requested(config: pytest.Config) -> bool:
    return "live" in (config.getoption("-m") or "") or os.environ.get("AUTONOMY_LIVE_TESTS") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _live_requested(config):
        return
    skip = pytest.mark.skip(reason="talks to real services: run with -m live")
    for item in items:
        if item.get_closest_marker("live") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _block_network(request: pytest.FixtureRequest):
    if request.node.get_closest_marker("live") is not None:
        yield
        return
    pytest_socket.socket_allow_hosts(LOOPBACK, allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()


def specimen_path(specimens: Path, folder: str, name: str) -> Path:
    """One real specimen file under ``../shared/specimens/<folder>/`` (skip if absent)."""
    path = specimens / folder / name
    if not path.is_file():
        pytest.skip(f"real specimen {path} is absent (see shared/specimens/SOURCES.md)")
    return path


def recorded_response(specimens: Path, cassette: str, index: int) -> httpx.Response:
    """Interaction ``index`` of a go-vcr cassette in ``worldbank_api_v2/cassettes/`` as the
    service sent it: status, content type, and the body byte for byte (``<cassette>_<n>.json``)."""
    import yaml

    folder = "worldbank_api_v2"
    recording = yaml.safe_load(
        specimen_path(specimens, f"{folder}/cassettes", f"{cassette}.yaml").read_text("utf-8")
    )
    response = recording["interactions"][index]["response"]
    body = specimen_path(specimens, folder, f"{cassette}_{index}.json").read_bytes()
    content_type = (response.get("headers") or {}).get("Content-Type", ["application/json"])[0]
    return httpx.Response(response["code"], content=body, headers={"Content-Type": content_type})


def fixture_bytes(source: str, name: str) -> bytes:
    return (FIXTURES / source / name).read_bytes()


def load_specimen_module(source: str):
    path = FIXTURES / source / "make_specimen.py"
    spec = importlib.util.spec_from_file_location(f"specimen_{source}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Sleeps(list):
    """Records the waits the client asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        snapshot_store=tmp_path / "store",
        warehouse=tmp_path / "warehouse.duckdb",
        shared_data=tmp_path / "no-shared-data",
    )


@pytest.fixture
def store(settings: Settings) -> RawStore:
    return RawStore.from_settings(settings)


@pytest.fixture
def client(sleeps: Sleeps):
    with HttpClient(retry=RetryPolicy(), sleep=sleeps, jitter=lambda: 0.0) as http:
        yield http
