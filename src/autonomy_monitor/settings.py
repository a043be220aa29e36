"""One Settings object (paths, engine, offline), passed explicitly to whatever needs it.

Values come from arguments, then environment variables prefixed ``AUTONOMY_``
(e.g. ``AUTONOMY_SHARED_DATA``, ``AUTONOMY_WAREHOUSE``; names are case-insensitive), then the
defaults below. A plain pydantic model reads the environment itself: ``pydantic-settings``
costs a quarter of a second of start-up (it imports asyncio and its CLI machinery) for a
feature used here only as "fill missing fields from ``AUTONOMY_*``".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ENV_PREFIX = "AUTONOMY_"

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_SNAPSHOT_DIR = PACKAGE_DIR / "data" / "snapshot"


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "autonomy-monitor"


class Settings(BaseModel):
    """Paths and switches for one run of the monitor.

    ``shared_data`` is the folder of raw bulk files (the build's ``--source-dir``);
    ``warehouse`` is the DuckDB file the build writes atomically and every query reads;
    ``snapshot_store`` keeps fetched raw files content-addressed.
    """

    model_config = ConfigDict(extra="ignore")

    shared_data: Path = Field(default=Path("../shared/data"))
    warehouse: Path = Field(default_factory=lambda: _default_home() / "warehouse.duckdb")
    snapshot_store: Path = Field(default_factory=lambda: _default_home() / "snapshots")
    bundled_snapshot: Path = Field(default=BUNDLED_SNAPSHOT_DIR)
    engine: Literal["duckdb", "spark"] = "duckdb"
    offline: bool = False

    @model_validator(mode="before")
    @classmethod
    def fill_from_environment(cls, values: Any) -> Any:
        """Fields not given as arguments come from ``AUTONOMY_<FIELD>`` when it is set."""
        if not isinstance(values, dict):
            return values
        environment = {
            k.upper(): v for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)
        }
        filled = dict(values)
        for name in cls.model_fields:
            variable = ENV_PREFIX + name.upper()
            if name not in filled and variable in environment:
                filled[name] = environment[variable]
        return filled
