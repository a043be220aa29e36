"""Table contracts as data: one YAML file per warehouse table under ``catalog/tables/``.

Each entry declares a table once — its columns (type, unit, description, nullability and
simple value checks), its primary key, and the sources and derived steps that produce it.
:mod:`autonomy_monitor.catalog.contracts` turns an entry into a pandera schema and validates
every frame written to the warehouse against it; nothing else defines a table's shape.

Example (``catalog/tables/core_knomad__remittance_inflows.yaml``)::

    name: core_knomad__remittance_inflows
    description: Remittance inflows received by each country and year.
    primary_key: [country_iso3, year]
    produced_by: {sources: [knomad], steps: []}
    columns:
      - {name: country_iso3, type: string, unit: ISO 3166-1 alpha-3, description: receiving country}
      - {name: remittances_usd, type: float64, unit: current US$, description: inflows, ge: 0}

Types are ``string, int8, int16, int32, int64, float64, boolean, date, datetime,
list[string]``. Columns are required and non-null unless ``nullable: true``.
``measures_from_catalog: true`` marks a long table (``measure`` and ``unit`` columns) whose
every measure must have an indicator entry (``catalog/indicators/``) and whose ``unit`` must
be that entry's unit.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from autonomy_monitor.errors import BadInput

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: ~10x faster

TABLES_DIR = "tables"
ColumnType = Literal[
    "string",
    "int8",
    "int16",
    "int32",
    "int64",
    "float64",
    "boolean",
    "date",
    "datetime",
    "list[string]",
]
Layer = Literal["core", "out", "qa", "meta"]


class ColumnEntry(BaseModel):
    """One column: its type, unit and meaning, plus optional value checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    type: ColumnType
    unit: str = Field(description="unit of the values, or 'code'/'text'/'flag' for non-quantities")
    description: str
    nullable: bool = False
    ge: float | None = Field(default=None, description="every non-null value is >= this")
    le: float | None = Field(default=None, description="every non-null value is <= this")
    isin: list[str] | None = Field(default=None, description="the only allowed values")


class Producers(BaseModel):
    """Which catalog sources (bulk and live readers) and derived steps write the table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[str] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)


class TableEntry(BaseModel):
    """The contract of one warehouse table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str
    primary_key: list[str]
    produced_by: Producers
    columns: list[ColumnEntry]
    measures_from_catalog: bool = False

    @property
    def layer(self) -> Layer:
        return self.name.split("_", 1)[0]  # type: ignore[return-value]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnEntry:
        return next(c for c in self.columns if c.name == name)

    @model_validator(mode="after")
    def _consistent(self) -> TableEntry:
        names = self.column_names
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: a column is declared twice")
        unknown = [k for k in self.primary_key if k not in names]
        if unknown:
            raise ValueError(f"{self.name}: primary key column(s) {unknown} are not declared")
        if self.name.split("_", 1)[0] not in ("core", "out", "qa", "meta"):
            raise ValueError(f"{self.name}: a table name starts with core_, out_, qa_ or meta_")
        if self.measures_from_catalog and not {"measure", "unit"} <= set(names):
            raise ValueError(
                f"{self.name}: measures_from_catalog needs 'measure' and 'unit' columns"
            )
        return self


def _folder():
    return resources.files(__package__).joinpath(TABLES_DIR)


def table_names() -> list[str]:
    """Names of every table with a contract, sorted."""
    return sorted(
        p.name.removesuffix(".yaml") for p in _folder().iterdir() if p.name.endswith(".yaml")
    )


@functools.cache
def load_table(name: str) -> TableEntry:
    """The validated contract of table ``name`` (read once per process); BadInput if absent or
    invalid."""
    path = _folder().joinpath(f"{name}.yaml")
    if not path.is_file():
        raise BadInput(
            f"table {name} has no contract: declare it in catalog/tables/{name}.yaml "
            "(columns with type, unit and description; primary key; producers)."
        )
    try:
        entry = TableEntry.model_validate(
            yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        )
    except (yaml.YAMLError, ValidationError) as exc:
        first = " ".join(str(exc).split())[:300]
        raise BadInput(f"catalog entry catalog/tables/{name}.yaml is invalid: {first}.") from exc
    if entry.name != name:
        raise BadInput(
            f"catalog/tables/{name}.yaml declares table "
            f"{entry.name!r}; the file name and the name must agree."
        )
    return entry


def load_tables() -> list[TableEntry]:
    """Every table contract, sorted by name."""
    return [load_table(name) for name in table_names()]
