"""Shared fixtures: the real data folder (skipped when absent), isolated stores, and the
hypothesis profile (no deadline: tests hold no wall-clock limits; speed is measured in
``benchmarks/``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "autonomy", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "autonomy"))

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The folder of real raw files: AUTONOMY_SHARED_DATA, default ../shared/data."""
    return Path(os.environ.get("AUTONOMY_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def existing_folder(path: Path, absent: str) -> Path:
    """``path`` when it is a folder; otherwise the test is skipped with the reason ``absent``."""
    if not path.is_dir():
        pytest.skip(absent)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    return existing_folder(path, f"real data folder {path} is absent (set AUTONOMY_SHARED_DATA)")


def shared_specimens_dir() -> Path:
    """Real responses of the publishers' services: AUTONOMY_SHARED_SPECIMENS, default
    ../shared/specimens (see its SOURCES.md; read at test time, never copied here)."""
    return Path(
        os.environ.get("AUTONOMY_SHARED_SPECIMENS", REPO_ROOT.parent / "shared" / "specimens")
    )


@pytest.fixture(scope="session")
def specimens() -> Path:
    path = shared_specimens_dir()
    return existing_folder(
        path, f"real service specimens {path} are absent (set AUTONOMY_SHARED_SPECIMENS)"
    )


@pytest.fixture(autouse=True)
def isolated_stores(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Keep tests off the user's own warehouse and snapshot store (unless set explicitly)."""
    if "AUTONOMY_WAREHOUSE" not in os.environ:
        monkeypatch.setenv(
            "AUTONOMY_WAREHOUSE",
            str(tmp_path_factory.getbasetemp() / "no-warehouse" / "absent.duckdb"),
        )
    if "AUTONOMY_SNAPSHOT_STORE" not in os.environ:
        monkeypatch.setenv(
            "AUTONOMY_SNAPSHOT_STORE", str(tmp_path_factory.getbasetemp() / "empty-store")
        )


@pytest.fixture()
def duckdb_engine():  # type: ignore[no-untyped-def]
    """A DuckDB compute engine, closed (spill folder removed) after the test."""
    from autonomy_monitor.compute import get_engine

    engine = get_engine("duckdb")
    yield engine
    engine.close()
