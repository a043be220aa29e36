"""One Settings object (paths, engine, offline), passed explicitly to whatever needs it.

Values come from arguments, then environment variables prefixed ``AUTONOMY_``
(e.g. ``AUTONOMY_SHARED_DATA``, ``AUTONOMY_WAREHOUSE``), then the defaults below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_SNAPSHOT_DIR = PACKAGE_DIR / "data" / "snapshot"


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "autonomy-monitor"


class Settings(BaseSettings):
    """Paths and switches for one run of the monitor.

    ``shared_data`` is the folder of raw bulk files (the build's ``--source-dir``);
    ``warehouse`` is the DuckDB file the build writes atomically and every query reads;
    ``snapshot_store`` keeps fetched raw files content-addressed.
    """

    model_config = SettingsConfigDict(env_prefix="AUTONOMY_", extra="ignore")

    shared_data: Path = Field(default=Path("../shared/data"))
    warehouse: Path = Field(default_factory=lambda: _default_home() / "warehouse.duckdb")
    snapshot_store: Path = Field(default_factory=lambda: _default_home() / "snapshots")
    bundled_snapshot: Path = Field(default=BUNDLED_SNAPSHOT_DIR)
    engine: Literal["duckdb", "spark"] = "duckdb"
    offline: bool = False
