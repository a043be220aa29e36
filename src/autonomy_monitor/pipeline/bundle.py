"""The bundled snapshot: small derived tables shipped in the package (DESIGN.md §4).

``autonomy snapshot`` (or :func:`write_snapshot`) exports, from a built warehouse, the
derived tables listed in ``snapshot_tables()`` — restricted where noted to keep the package
small (at most 10 MB) — as Parquet files with a ``manifest.json`` recording each table's
rows, its SQL, the sha256 of its inputs and the package version. No raw records are
included: alignment indicators, participation shares, the key-votes view and provenance.

When no warehouse is built, queries read these files (see ``api.reader.open_store``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from autonomy_monitor import __version__
from autonomy_monitor.pipeline import warehouse
from autonomy_monitor.countries import continuity_chain, group_members
from autonomy_monitor.errors import BadInput

# Partners kept in the bundled dependence table for countries outside Central Asia, besides
# the powers of the country-group table.
REMITTANCE_SNAPSHOT_SHARE = 0.005  # remittance senders kept in the bundled dependence table
OTHER_SNAPSHOT_PARTNERS = ("KOR", "TUR", "DEU", "IND", "GBR", "FRA", "ARE", "IRN")


@dataclass(frozen=True)
class SnapshotTable:
    """A table exported to the snapshot, with the SQL that selects its rows."""

    name: str
    sql: str
    required: bool = True


def snapshot_powers() -> list[str]:
    """The powers (group POWERS of the country-group table) with the states they continue
    (SUN for RUS): every country is paired with these in the bundled alignment table."""
    return [state for power in group_members("POWERS") for state in continuity_chain(power)]


def sql_list(codes: list[str]) -> str:
    return ", ".join(f"'{code}'" for code in codes)


def powers_list() -> str:
    return sql_list(snapshot_powers())


def partners_list() -> str:
    return sql_list([*group_members("POWERS"), *OTHER_SNAPSHOT_PARTNERS])


def flagship_list() -> str:
    """The five Central Asian states (group C5 of the country-group table)."""
    return sql_list(group_members("C5"))


def snapshot_tables() -> tuple[SnapshotTable, ...]:
    """The tables exported, with the SQL selecting their rows."""
    return (
        SnapshotTable(
            "out_alignment__yearly_vote_agreement_wide",
            "SELECT * FROM out_alignment__yearly_vote_agreement_wide "
            f"WHERE country_iso3 IN ({powers_list()}, {flagship_list()}) "
            f"OR partner_iso3 IN ({powers_list()}, {flagship_list()}) "
            "ORDER BY year, issue, country_iso3, partner_iso3",
        ),
        SnapshotTable(
            "out_alignment__yearly_participation",
            "SELECT * FROM out_alignment__yearly_participation ORDER BY year, issue, country_iso3",
        ),
        SnapshotTable(
            "out_alignment__key_votes",
            "SELECT * FROM out_alignment__key_votes ORDER BY date, roll_call_id, country_iso3",
        ),
        SnapshotTable(
            "out_alignment__yearly_roll_call_counts",
            "SELECT * FROM out_alignment__yearly_roll_call_counts ORDER BY issue, year",
            required=False,
        ),
        SnapshotTable(
            "out_dependence__yearly",
            "SELECT * FROM out_dependence__yearly WHERE year >= 2000 AND ("
            f"country_iso3 IN ({flagship_list()}) "
            f"OR ((partner_iso3 IS NULL OR partner_iso3 IN ({partners_list()})) "
            "AND (dimension <> 'trade' OR method = 'chosen'))) "
            # remittances: senders that reach 0.5 % of a receiver's remittances in some year (the
            # estimator gives every destination of a migrant a small model share; the full warehouse
            # keeps them all, the composite index reads out_autonomy__components)
            "AND (dimension <> 'remittances' OR partner_iso3 IS NULL "
            "OR (country_iso3, partner_iso3) IN ("
            "SELECT (country_iso3, partner_iso3) FROM out_dependence__yearly "
            "WHERE measure = 'remittance_share' GROUP BY country_iso3, partner_iso3 "
            f"HAVING max(value) >= {REMITTANCE_SNAPSHOT_SHARE})) "
            "ORDER BY dimension, country_iso3, partner_iso3, year, measure, method",
            required=False,
        ),
        SnapshotTable(
            "out_autonomy__components",
            "SELECT * FROM out_autonomy__components WHERE year >= 1995 "
            "ORDER BY country_iso3, year, power, component",
            required=False,
        ),
        SnapshotTable(
            "out_remittances__totals",
            "SELECT * FROM out_remittances__totals ORDER BY country_iso3, year",
            required=False,
        ),
        SnapshotTable(
            "qa_remittances__observation_fit",
            "SELECT * FROM qa_remittances__observation_fit ORDER BY ALL",
            required=False,
        ),
        SnapshotTable(
            "out_remittances__calibration",
            "SELECT * FROM out_remittances__calibration ORDER BY parameter",
            required=False,
        ),
        SnapshotTable(
            "out_alignment__ideal_points",
            "SELECT * FROM out_alignment__ideal_points ORDER BY country_iso3, year",
            required=False,
        ),
        SnapshotTable(
            "out_governance__yearly",
            "SELECT * FROM out_governance__yearly WHERE year >= 1990 ORDER BY ALL",
            required=False,
        ),
        SnapshotTable(
            "out_migration__japan_residents",
            "SELECT * FROM out_migration__japan_residents ORDER BY ALL",
            required=False,
        ),
        SnapshotTable(
            "out_trade__mirror_gaps",
            "SELECT * FROM out_trade__mirror_gaps "
            f"WHERE reporter_iso3 IN ({flagship_list()}) OR partner_iso3 IN ({flagship_list()}) "
            "ORDER BY ALL",
            required=False,
        ),
        SnapshotTable(
            "qa_unga__tally_mismatches",
            "SELECT * FROM qa_unga__tally_mismatches ORDER BY roll_call_id",
        ),
        SnapshotTable(
            "meta_provenance__inputs", "SELECT * FROM meta_provenance__inputs ORDER BY source, file"
        ),
        SnapshotTable("meta_build__runs", "SELECT * FROM meta_build__runs"),
    )


def write_snapshot(warehouse_path: Path, target: Path) -> dict[str, object]:
    """Export the snapshot tables from ``warehouse_path`` into ``target`` (replaced whole)."""
    connection = warehouse.connect_readonly(warehouse_path)
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        available = set(warehouse.table_names(connection))
        manifest = {"package_version": __version__, "created_at": today(), "tables": []}
        lineage = lineage_by_table(connection)
        for table in snapshot_tables():
            if table.name not in available:
                if table.required:
                    raise BadInput(
                        f"{warehouse_path}: table {table.name} "
                        "is missing; rebuild the warehouse first."
                    )
                continue
            manifest["tables"].append(export_table(connection, table, staging, lineage))  # type: ignore[union-attr]
        exported = [t["name"] for t in manifest["tables"]]  # type: ignore[index,union-attr]
        lineage_rows = pl.from_arrow(
            connection.sql("SELECT * FROM meta_lineage__tables").to_arrow_table()
        )
        lineage_rows = lineage_rows.filter(pl.col("table_name").is_in(exported)).sort("table_name")  # type: ignore[union-attr]
        lineage_rows.write_parquet(staging / "meta_lineage__tables.parquet", statistics=False)
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        )
    finally:
        connection.close()
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return manifest


def today() -> str:
    return dt.date.today().isoformat()


def lineage_by_table(connection: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = connection.execute(
        "SELECT table_name, input_sha256 FROM meta_lineage__tables"
    ).fetchall()
    return {name: sorted(set(hashes or [])) for name, hashes in rows}


def export_table(
    connection: duckdb.DuckDBPyConnection,
    table: SnapshotTable,
    folder: Path,
    lineage: dict[str, list[str]],
) -> dict[str, object]:
    frame = pl.from_arrow(connection.sql(table.sql).to_arrow_table())
    path = folder / f"{table.name}.parquet"
    frame.write_parquet(path, compression="zstd", compression_level=19, statistics=False)  # type: ignore[union-attr]
    return {
        "name": table.name,
        "rows": frame.height,  # type: ignore[union-attr]
        "sql": table.sql,
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "input_sha256": lineage.get(table.name, []),
    }
