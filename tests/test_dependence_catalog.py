"""Catalog entries of the economic sources and indicators validate."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from autonomy_monitor import catalog

SOURCES = ("aiddata", "energy", "governance", "japan_residents", "wdi", "undesa", "knomad", "oecd")
INDICATOR_FIELDS = {"name", "dimension", "definition", "formula", "unit", "sources", "reference"}
OPTIONAL_FIELDS = {"unit_by_method", "function"}


@pytest.mark.parametrize("name", SOURCES)
def test_source_entries_validate(name: str) -> None:
    entry = catalog.load_source(name)
    assert entry.name == name and entry.license and entry.citation


def test_indicator_entries_are_complete() -> None:
    folder = resources.files("autonomy_monitor.catalog").joinpath("indicators")
    files = [p for p in folder.iterdir() if p.name.endswith(".yaml")]
    assert len(files) >= 10
    known = set(catalog.source_names())
    for path in files:
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert INDICATOR_FIELDS <= set(entry) <= INDICATOR_FIELDS | OPTIONAL_FIELDS, path.name
        assert entry["name"] == path.name.removesuffix(".yaml")
        assert entry["dimension"] in {
            "trade",
            "remittances",
            "migration",
            "aid",
            "finance",
            "energy",
            "alignment",
        }
        assert set(entry["sources"]) <= known, path.name
