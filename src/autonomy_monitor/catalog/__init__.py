"""Declarative metadata: one YAML file per source, loaded into validated pydantic models.

``load_source("wdi")`` reads ``catalog/sources/wdi.yaml`` from the installed package
(importlib.resources), so the catalog works from a wheel as well as from the work tree.
"""

from __future__ import annotations

import fnmatch
import functools
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from autonomy_monitor.errors import BadInput

_SOURCES_DIR = "sources"
#: libyaml's safe loader when PyYAML was built with it (ten times faster), else the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FileAttribution(BaseModel):
    """Publisher, licence and release of one input file, where they differ from the source's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    publisher: str
    license: str
    release: str | None = None


class SourceEntry(BaseModel):
    """One publisher's dataset: where it lives, how to ask for it, and how to cite it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    publisher: str
    license: str
    citation: str
    homepage: str
    url: str = Field(description="base URL (API endpoint or file download) the connector uses")
    format: str = Field(description="json, sdmx-ml, xlsx or csv")
    release: str = Field(description="the release a bulk file belongs to, or 'rolling' for APIs")
    core_tables: list[str]
    parameters: dict[str, Any] = Field(default_factory=dict)
    requests_per_second: float = 2.0
    caveats: list[str] = Field(default_factory=list)
    files: dict[str, FileAttribution] = Field(
        default_factory=dict,
        description="file name (or glob pattern) -> its own publisher/licence/release, for sources "
        "that bundle files of several publishers",
    )

    def attribution(self, file_name: str) -> FileAttribution:
        """Publisher, licence and release of ``file_name``: its ``files`` entry, else the
        source's."""
        for pattern, attribution in self.files.items():
            if fnmatch.fnmatch(file_name, pattern):
                return (
                    attribution
                    if attribution.release
                    else attribution.model_copy(update={"release": self.release})
                )
        return FileAttribution(publisher=self.publisher, license=self.license, release=self.release)

    @property
    def host(self) -> str:
        """The host name of ``url``, used for rate limits and error messages."""
        return urlsplit(self.url).hostname or self.url


def source_names() -> list[str]:
    """Names of every source with a catalog entry, sorted."""
    folder = resources.files(__package__).joinpath(_SOURCES_DIR)
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_source(name: str) -> SourceEntry:
    """The validated catalog entry of source ``name``; BadInput if absent or invalid."""
    path = resources.files(__package__).joinpath(_SOURCES_DIR, f"{name}.yaml")
    if not path.is_file():
        known = ", ".join(source_names())
        raise BadInput(f"no catalog entry for source {name!r}; known sources: {known}.")
    try:
        return SourceEntry.model_validate(
            yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        )
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise BadInput(f"catalog entry catalog/sources/{name}.yaml is invalid: {first}.") from exc


_INDICATORS_DIR = "indicators"


class IndicatorEntry(BaseModel):
    """One indicator: what it means, its formula and unit, and the sources behind it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    dimension: str
    definition: str
    formula: str
    unit: str
    sources: list[str]
    reference: str
    function: str | None = Field(
        default=None,
        description=(
            "dotted path of the indicator function that computes it (shown by `autonomy trace`)"
        ),
    )
    unit_by_method: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "a different unit for rows made by these methods (e.g. a constant-price fallback)"
        ),
    )


def indicator_units() -> dict[str, IndicatorEntry]:
    """Every indicator entry by name: the one place output units come from."""
    return {entry.name: entry for entry in load_indicators()}


def indicator_unit(measure: str) -> str:
    """The catalog unit of ``measure``; BadInput when the measure has no indicator entry."""
    entries = indicator_units()
    if measure not in entries:
        raise BadInput(
            f"measure {measure!r} has no indicator entry: add catalog/indicators/{measure}.yaml "
            "(definition, formula, unit, sources, reference)."
        )
    return entries[measure].unit


def load_indicators() -> list[IndicatorEntry]:
    """Every indicator entry, validated, sorted by dimension then name."""
    return list(_indicator_entries())


@functools.cache
def _indicator_entries() -> tuple[IndicatorEntry, ...]:
    """The parsed entries, read once per process (package data does not change at run time)."""
    folder = resources.files(__package__).joinpath(_INDICATORS_DIR)
    entries = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".yaml"):
            continue
        try:
            entries.append(
                IndicatorEntry.model_validate(
                    yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
                )
            )
        except (yaml.YAMLError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            raise BadInput(
                f"catalog entry catalog/indicators/{path.name} is invalid: {first}."
            ) from exc
    return tuple(sorted(entries, key=lambda e: (e.dimension, e.name)))
