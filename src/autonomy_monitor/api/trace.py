"""Trace one row of a table back to the raw files it came from (``autonomy trace``).

The walk uses only what the build recorded (``meta_lineage__tables``: producer, function,
input tables and input files per table; ``meta_provenance__inputs``: sha256, publisher,
licence and vintage per file) plus the catalog (indicator formula, unit and function), so it
follows whatever steps and estimators made the table — nothing here names a table or a path.

From the starting table it visits each input table. An input that has every ``--where``
column is kept only if it holds the same row (so ``out_dependence__yearly`` leads to
``out_dependence__remittances`` alone for a remittance row); an input without those columns
is kept whole, since the row cannot be narrowed there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from autonomy_monitor.api.reader import has_table, query, store_label
from autonomy_monitor.errors import BadArgument
from autonomy_monitor.settings import Settings

if TYPE_CHECKING:
    import polars as pl

LINEAGE = "meta_lineage__tables"
PROVENANCE = "meta_provenance__inputs"


@dataclass(frozen=True)
class TracedTable:
    """One table on the path: who made it, from what, and its rows matching the filter."""

    table: str
    producer: str
    function: str
    input_tables: list[str]
    rows: pl.DataFrame | None  # None: the table lacks the filter's columns
    files: pl.DataFrame  # file, sha256, publisher, license, vintage (source tables only)


@dataclass(frozen=True)
class Trace:
    table: str
    where: dict[str, str]
    rows: pl.DataFrame
    indicators: list[dict[str, str]]
    path: list[TracedTable] = field(default_factory=list)
    store: str = ""

    @property
    def files(self) -> pl.DataFrame:
        """Every raw file on the path, once."""
        import polars as pl

        frames = [t.files for t in self.path if t.files.height]
        return pl.concat(frames).unique(maintain_order=True) if frames else pl.DataFrame()


def parse_where(text: str) -> dict[str, str]:
    """``col=val,col=val`` -> dict; BadArgument for an item without ``=``."""
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            raise BadArgument(
                f"--where item {item!r} is not column=value: write e.g. country_iso3=KGZ,year=2021."
            )
        pairs[column.strip()] = value.strip()
    return pairs


def trace(table: str, where: str | Mapping[str, str], settings: Settings | None = None) -> Trace:
    """The rows of ``table`` matching ``where`` and the path from them to the raw files."""
    settings = settings or Settings()
    filters = parse_where(where) if isinstance(where, str) else dict(where)
    for required in (LINEAGE, table):
        if not has_table(settings, required):
            raise BadArgument(
                f"{store_label(settings)} has no table {required}: check the name "
                "(`autonomy status` lists the tables) or rebuild the warehouse."
            )
    lineage = lineage_rows(settings)
    columns = table_columns(settings, table)
    unknown = [c for c in filters if c not in columns]
    if unknown:
        raise BadArgument(
            f"{table} has no column {', '.join(unknown)}; its columns are {', '.join(columns)}."
        )
    rows = matching_rows(settings, table, filters)
    if rows.is_empty():
        shown = ", ".join(f"{k}={v}" for k, v in filters.items())
        raise BadArgument(
            f"no row of {table} matches {shown}; check "
            "the values (e.g. with `autonomy dependence`)."
        )
    return Trace(
        table,
        filters,
        rows,
        indicator_notes(rows),
        walk(settings, table, filters, lineage),
        store_label(settings),
    )


def walk(
    settings: Settings, start: str, filters: dict[str, str], lineage: dict[str, dict]
) -> list[TracedTable]:
    """Breadth-first from ``start`` through the recorded input tables."""
    path: list[TracedTable] = []
    queue, seen = [start], {start}
    while queue:
        name = queue.pop(0)
        record = lineage.get(name)
        if record is None:
            continue
        rows = (
            matching_rows(settings, name, filters)
            if has_table(settings, name) and set(filters) <= set(table_columns(settings, name))
            else None
        )
        path.append(
            TracedTable(
                name,
                record["producer"],
                record["function"],
                list(record["input_tables"] or []),
                rows,
                source_files(settings, record),
            )
        )
        for parent in record["input_tables"] or []:
            if parent in seen:
                continue
            seen.add(parent)
            if (
                has_table(settings, parent)
                and set(filters) <= set(table_columns(settings, parent))
                and matching_rows(settings, parent, filters).is_empty()
            ):
                continue  # holds the filter's columns but not this row: another branch of a union
            queue.append(parent)
    return path


def lineage_rows(settings: Settings) -> dict[str, dict]:
    frame = query(settings, f"SELECT * FROM {LINEAGE}")
    if "input_files" not in frame.columns:
        raise BadArgument(
            f"{store_label(settings)} records lineage in an older form (no input_files): "
            "rebuild the warehouse with `autonomy build --source-dir DIR` to trace rows."
        )
    return {row["table_name"]: row for row in frame.iter_rows(named=True)}


def table_columns(settings: Settings, table: str) -> list[str]:
    frame = query(
        settings,
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    )
    return frame["column_name"].to_list()


def matching_rows(settings: Settings, table: str, filters: dict[str, str]) -> pl.DataFrame:
    """Rows of ``table`` (a recorded table name, never user text in SQL) where each column's
    text equals the value; ``null`` or an empty value matches a missing value."""
    clauses, params = [], []
    for column in filters:
        value = filters[column]
        if value.lower() in ("", "null", "none"):
            clauses.append(f'"{column}" IS NULL')
        else:
            clauses.append(f'CAST("{column}" AS VARCHAR) = ?')
            params.append(value)
    where = " AND ".join(clauses) or "TRUE"
    return query(settings, f'SELECT * FROM "{table}" WHERE {where} LIMIT 50', params)


def source_files(settings: Settings, record: dict) -> pl.DataFrame:
    """Raw files of a source table, with checksum, publisher, licence and vintage."""
    import polars as pl

    files = list(record["input_files"] or [])
    if not record["producer"].startswith("source") or not files:
        return pl.DataFrame()
    columns = set(table_columns(settings, PROVENANCE))
    vintage = "vintage" if "vintage" in columns else "NULL AS vintage"
    placeholders = ", ".join("?" for _ in files)
    return query(
        settings,
        f"SELECT DISTINCT file, sha256, {vintage}, publisher, license FROM {PROVENANCE} "
        f"WHERE file IN ({placeholders}) ORDER BY file",
        files,
    )


def indicator_notes(rows: pl.DataFrame) -> list[dict[str, str]]:
    """Catalog entries (formula, unit, function) of the measures in ``rows``."""
    from autonomy_monitor.catalog import indicator_units

    if "measure" not in rows.columns:
        return []
    entries = indicator_units()
    notes = []
    for measure in rows["measure"].unique(maintain_order=True).to_list():
        entry = entries.get(measure)
        if entry is not None:
            notes.append(
                {
                    "measure": measure,
                    "definition": entry.definition,
                    "formula": entry.formula,
                    "unit": entry.unit,
                    "function": entry.function or "(not recorded in the catalog)",
                    "reference": entry.reference,
                }
            )
    return notes
