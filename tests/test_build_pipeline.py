"""The build pipeline: step costs recorded, dimension tables as views on the union, unchanged
sources reused from the previous warehouse (and read again when their files change), the
previous warehouse intact when a build with reuse fails.

Uses three small real sources (energy, governance, japan_residents) from a copy of the data
folder made of symbolic links, so a test can add a file to one source's folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from autonomy_monitor.errors import BadInput
from autonomy_monitor.pipeline import build, reuse
from autonomy_monitor.settings import Settings

SMALL = ["energy", "governance", "japan_residents"]


@pytest.fixture
def data(shared_data: Path, tmp_path: Path) -> Path:
    """A data folder whose source folders link to the real ones; governance/ is a real copy."""
    root = tmp_path / "data"
    root.mkdir()
    for folder in shared_data.iterdir():
        if folder.is_dir() and folder.name != "governance":
            (root / folder.name).symlink_to(folder, target_is_directory=True)
    shutil.copytree(shared_data / "governance", root / "governance")
    return root


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        warehouse=tmp_path / "w" / "warehouse.duckdb", snapshot_store=tmp_path / "store"
    )


def steps(settings: Settings) -> pl.DataFrame:
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        return connection.sql("SELECT * FROM meta_build__steps ORDER BY position").pl()


def reused(settings: Settings) -> dict[str, bool]:
    frame = steps(settings).filter(pl.col("kind") == "source")
    return dict(zip(frame["step"], frame["reused"], strict=True))


def test_steps_are_recorded_and_dimension_tables_are_views(data: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    lines: list[str] = []
    build.build_warehouse(settings, data, sources=SMALL, progress=lines.append, fresh=True)
    frame = steps(settings)
    assert {"source", "derived", "write"} <= set(frame["kind"])
    assert (frame["seconds"] >= 0).all() and (frame["peak_rss_mb"] > 0).all()
    assert frame.filter(pl.col("step") == "governance")["rows"].sum() > 1000
    assert any(line.startswith("source governance: ") and "peak" in line for line in lines)
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        kinds = dict(
            connection.execute(
                "SELECT table_name, table_type FROM information_schema.tables"
            ).fetchall()
        )
        assert (
            kinds["out_dependence__energy"] == "VIEW"
            and kinds["out_dependence__yearly"] == "BASE TABLE"
        )
        energy = connection.execute("SELECT count(*) FROM out_dependence__energy").fetchall()[0][0]
        union = connection.execute(
            "SELECT count(*) FROM out_dependence__yearly WHERE dimension = 'energy'"
        ).fetchall()[0][0]
        assert energy == union > 0
        lineage = dict(
            connection.execute("SELECT table_name, rows FROM meta_lineage__tables").fetchall()
        )
        assert lineage["out_dependence__energy"] == energy


def test_selected_source_is_read_again_and_the_others_reused(data: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    build.build_warehouse(settings, data, sources=SMALL, fresh=True)
    before = steps(settings)
    build.build_warehouse(settings, data, sources=["energy"])
    assert reused(settings) == {"energy": False, "governance": True, "japan_residents": True}
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        names = {
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables"
            ).fetchall()
        }
        governance = connection.execute(
            "SELECT count(*) FROM core_governance__yearly_scores"
        ).fetchall()[0][0]
        sources = {
            row[0]
            for row in connection.execute(
                "SELECT DISTINCT source FROM meta_provenance__inputs"
            ).fetchall()
        }
    assert {
        "out_governance__yearly",
        "out_migration__japan_residents",
        "out_dependence__energy",
    } <= names
    assert governance == before.filter(pl.col("step") == "governance")["rows"][0]
    assert sources == set(SMALL)


def test_plan_without_selection_reuses_every_unchanged_source(data: Path, tmp_path: Path) -> None:
    """A full build reads only the sources that are not recorded or have changed."""
    settings = settings_for(tmp_path)
    build.build_warehouse(settings, data, sources=SMALL, fresh=True)
    previous = reuse.previous_sources(settings.warehouse)
    plan = build.plan_sources(build.SOURCE_STEPS, None, previous, data, fresh=False)
    assert sorted(old.name for old in plan.reused) == SMALL
    assert [step.name for step in plan.read] == [s for s in build.source_names() if s not in SMALL]
    assert build.plan_sources(build.SOURCE_STEPS, None, previous, data, fresh=True).reused == ()


def test_a_changed_folder_is_read_again(data: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    build.build_warehouse(settings, data, sources=SMALL, fresh=True)
    (data / "governance" / "NOTE.txt").write_text("a file added beside the inputs\n")
    notes: list[str] = []
    build.build_warehouse(settings, data, sources=["energy"], progress=notes.append)
    assert reused(settings)["governance"] is False
    assert any("governance: inputs or code changed" in note for note in notes)


def test_failed_build_with_reuse_keeps_the_previous_warehouse(data: Path, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    build.build_warehouse(settings, data, sources=SMALL, fresh=True)
    content = settings.warehouse.read_bytes()
    next((data / "governance").glob("wgi_*.csv")).unlink()  # governance changed: read again, fails
    with pytest.raises(BadInput):
        build.build_warehouse(settings, data, sources=["energy"])
    assert settings.warehouse.read_bytes() == content
    assert sorted(p.name for p in settings.warehouse.parent.iterdir()) == ["warehouse.duckdb"]
