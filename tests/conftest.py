"""Shared fixtures: the real data folder (skipped when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The folder of real raw files: AUTONOMY_SHARED_DATA, default ../shared/data."""
    return Path(os.environ.get("AUTONOMY_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real data folder {path} is absent (set AUTONOMY_SHARED_DATA)")
    return path
