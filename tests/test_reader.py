"""api.reader: one shared connection per store, reopened when the warehouse file is replaced."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from autonomy_monitor.api import reader
from autonomy_monitor.settings import Settings


def write_warehouse(path: Path, value: int) -> None:
    connection = duckdb.connect(str(path))
    connection.execute(f"CREATE TABLE t AS SELECT {value} AS v")
    connection.close()


def test_queries_reuse_one_connection_and_see_a_replaced_warehouse(tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    write_warehouse(target, 1)
    settings = Settings(warehouse=target)
    assert reader.query(settings, "SELECT v FROM t")["v"].to_list() == [1]
    first = reader.shared_connection(reader.store_key(settings))
    assert reader.shared_connection(reader.store_key(settings)) is first
    assert reader.has_table(settings, "t") and not reader.has_table(settings, "u")
    fresh = tmp_path / "next.duckdb"
    write_warehouse(fresh, 2)
    os.replace(fresh, target)  # what the build does
    assert reader.query(settings, "SELECT v FROM t")["v"].to_list() == [2]


def test_bundled_snapshot_when_no_warehouse(tmp_path: Path) -> None:
    folder = tmp_path / "snapshot"
    folder.mkdir()
    duckdb.sql("SELECT 3 AS v").write_parquet(str(folder / "out_x.parquet"))
    settings = Settings(warehouse=tmp_path / "absent.duckdb", bundled_snapshot=folder)
    assert reader.store_key(settings)[0] == "bundled"
    assert reader.query(settings, "SELECT v FROM out_x")["v"].to_list() == [3]
    assert reader.has_table(settings, "out_x")


def test_marks_bind_one_parameter_per_value(tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    connection = duckdb.connect(str(target))
    connection.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES ('a', 1), ('b', 2), ('c', 3)) v(k, n)"
    )
    connection.close()
    settings = Settings(warehouse=target)
    wanted = ["c", "a", "x'); DROP TABLE t; --"]
    rows = reader.query(settings, f"SELECT n FROM t WHERE k IN {reader.marks(wanted)}", wanted)
    assert sorted(rows["n"].to_list()) == [1, 3]
    assert reader.query(settings, f"SELECT n FROM t WHERE k IN {reader.marks([])}").is_empty()
    assert reader.query(settings, "SELECT count(*) AS n FROM t")["n"].to_list() == [3]


def test_table_columns_follow_a_replaced_warehouse(tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    write_warehouse(target, 1)
    settings = Settings(warehouse=target)
    assert reader.table_columns(settings, "t") == ("v",)
    fresh = tmp_path / "next.duckdb"
    connection = duckdb.connect(str(fresh))
    connection.execute("CREATE TABLE t AS SELECT 1 AS v, 2 AS w")
    connection.close()
    os.replace(fresh, target)
    assert reader.table_columns(settings, "t") == ("v", "w")
