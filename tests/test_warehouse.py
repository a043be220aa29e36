"""The warehouse is replaced atomically: failures, Ctrl-C and kill -9 leave the previous one
intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import polars as pl
import pytest

from autonomy_monitor.pipeline import warehouse


def build_one_table(target: Path, value: int) -> None:
    with warehouse.atomic_build(target) as connection:
        warehouse.write_table(connection, "t", pl.DataFrame({"value": [value]}))


def read_value(target: Path) -> int:
    connection = warehouse.connect_readonly(target)
    try:
        return connection.execute("SELECT value FROM t").fetchone()[0]  # type: ignore[index]
    finally:
        connection.close()


def test_successful_build_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "w.duckdb"
    build_one_table(target, 1)
    build_one_table(target, 2)
    assert read_value(target) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failed_or_interrupted_build_keeps_the_previous_file(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "w.duckdb"
    build_one_table(target, 1)
    with pytest.raises(type(error)):
        with warehouse.atomic_build(target) as connection:
            warehouse.write_table(connection, "t", pl.DataFrame({"value": [99]}))
            raise error
    assert read_value(target) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


SLOW_BUILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import polars as pl
    from autonomy_monitor.pipeline import warehouse
    with warehouse.atomic_build(Path(sys.argv[1])) as connection:
        warehouse.write_table(connection, "t", pl.DataFrame({"value": [99]}))
        print("building", flush=True)
        time.sleep(60)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_signal_during_build_keeps_the_previous_file(tmp_path: Path, sig: signal.Signals) -> None:
    target = tmp_path / "w.duckdb"
    build_one_table(target, 1)
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_BUILD, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "building"
    assert list(tmp_path.glob("w.duckdb.building-*")), "the build writes beside the target"
    os.kill(process.pid, sig)
    process.wait(timeout=60)
    assert read_value(target) == 1
    if sig == signal.SIGINT:
        assert not list(tmp_path.glob("w.duckdb.building-*"))
    build_one_table(target, 3)  # the next build cleans up what a killed one left
    assert read_value(target) == 3
    assert not list(tmp_path.glob("w.duckdb.building-*"))


def test_readers_see_the_old_file_while_a_build_runs(tmp_path: Path) -> None:
    target = tmp_path / "w.duckdb"
    build_one_table(target, 1)
    with warehouse.atomic_build(target) as connection:
        warehouse.write_table(connection, "t", pl.DataFrame({"value": [2]}))
        assert read_value(target) == 1
    assert read_value(target) == 2


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(warehouse.WarehouseMissing, match="autonomy build"):
        warehouse.connect_readonly(tmp_path / "none.duckdb")


def test_bundled_snapshot_views(tmp_path: Path) -> None:
    pl.DataFrame({"a": [1, 2]}).write_parquet(tmp_path / "out_x.parquet")
    connection = warehouse.connect_bundled(tmp_path)
    assert connection.execute("SELECT sum(a) FROM out_x").fetchone() == (3,)
    assert isinstance(connection, duckdb.DuckDBPyConnection)
