"""Methodology text generated from the catalog: every indicator's definition, formula, unit and
sources.

``autonomy methodology --out docs/methodology.md`` regenerates the document; the web
dashboard's methodology page uses the same function.
"""

from __future__ import annotations

from itertools import groupby

from autonomy_monitor.catalog import (
    IndicatorEntry,
    SourceEntry,
    load_indicators,
    load_source,
    source_names,
)

DIMENSION_TITLES = {
    "alignment": "Alignment: UN General Assembly votes",
    "trade": "Trade",
    "remittances": "Remittances",
    "migration": "Labour migration",
    "aid": "Aid",
    "finance": "Chinese official finance",
    "energy": "Energy",
}


def indicator_section(dimension: str, entries: list[IndicatorEntry]) -> list[str]:
    lines = [f"## {DIMENSION_TITLES.get(dimension, dimension.title())}", ""]
    for entry in entries:
        lines += [
            f"### `{entry.name}`",
            "",
            entry.definition,
            "",
            f"- Formula: {entry.formula}",
            f"- Unit: {entry.unit}",
            f"- Sources: {', '.join(entry.sources)}",
            f"- Reference: {entry.reference}",
            "",
        ]
    return lines


def source_section(entry: SourceEntry) -> list[str]:
    lines = [
        f"### {entry.name}: {entry.title}",
        "",
        f"- Publisher: {entry.publisher}",
        f"- Licence / terms: {entry.license}",
        f"- Release: {entry.release}",
        f"- Citation: {entry.citation}",
        f"- Core tables: {', '.join(entry.core_tables)}",
    ]
    lines += [f"- Caveat: {caveat}" for caveat in entry.caveats]
    return [*lines, ""]


def methodology_markdown() -> str:
    """The whole methodology document (Markdown), deterministic for a given catalog."""
    lines = [
        "# Methodology",
        "",
        "Generated from the catalog (`src/autonomy_monitor/catalog/`) by `autonomy methodology "
        "--out docs/methodology.md`; do not edit by hand.",
        "",
    ]
    indicators = load_indicators()
    for dimension, group in groupby(indicators, key=lambda e: e.dimension):
        lines += indicator_section(dimension, list(group))
    lines += ["## Sources", ""]
    for name in source_names():
        lines += source_section(load_source(name))
    return "\n".join(lines).rstrip() + "\n"
