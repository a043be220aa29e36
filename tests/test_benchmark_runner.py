"""benchmarks/run_all.py finds every benchmark and reads its RUN_ALL_* conventions (no timing)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def runner():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("run_all", BENCHMARKS / "run_all.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["run_all"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_conventions_are_read_from_the_source(tmp_path: Path) -> None:
    script = tmp_path / "toy_bench.py"
    script.write_text(
        '"""Toy: times nothing."""\nimport nonexistent_module\nRUN_ALL_ARGS = ["--runs", 2]\n'
        'RUN_ALL_STORES = ("warehouse", "snapshot")\n'
    )
    found = runner().read_conventions(script)
    assert found.args == ["--runs", "2"] and found.stores == ("warehouse", "snapshot")
    assert found.skip is None and found.doc == "Toy: times nothing."


def test_every_benchmark_is_discovered_with_a_docstring() -> None:
    scripts = {s.path.name: s for s in runner().discover(None)}
    expected = {p.name for p in BENCHMARKS.glob("*_bench.py")} | {
        p.name for p in BENCHMARKS.glob("*_validation.py")
    }
    assert (
        set(scripts) == expected and {"startup_bench.py", "web_first_request_bench.py"} <= expected
    )
    assert all(s.doc for s in scripts.values())
    assert scripts["web_load_bench.py"].stores == ("warehouse", "snapshot")


def test_summary_lines_pick_ratios_and_goals() -> None:
    lines = runner().summary_lines(
        "load 1\nratio pandas / project: 3.1\nnothing here\ngoal <= 4 s: NOT met\n"
    )
    assert lines == ["ratio pandas / project: 3.1", "goal <= 4 s: NOT met"]


def test_other_work_excludes_the_benchmarks_own_cpu(monkeypatch) -> None:
    module = runner()
    monkeypatch.setattr(module.os, "cpu_count", lambda: 2)
    # 10 s on 2 CPUs = 20 CPU s of capacity; the machine used 15, the script 13: 2 s other work
    assert module.other_cpu_share(15.0, 13.0, 10.0) == 0.1
    assert module.other_cpu_share(12.0, 13.0, 10.0) == 0.0  # rounding of the clock ticks
    assert module.other_cpu_share(None, 13.0, 10.0) is None


def test_the_warning_follows_other_work_not_the_own_load(tmp_path: Path) -> None:
    module = runner()
    script = module.Script(tmp_path / "toy_bench.py", doc="Toy.")
    busy_self = module.Outcome(script, "", 10.0, 0, 1.9, 1.9, "ratio 2", other_cpu_share=0.01)
    text = module.markdown([busy_self], [], module.dt.datetime.now(module.dt.UTC), (1.9, 1.9))
    assert "The machine was loaded" not in text and "| 1% |" in text
    busy_other = module.Outcome(script, "", 10.0, 0, 0.2, 0.2, "ratio 2", other_cpu_share=0.4)
    text = module.markdown([busy_other], [], module.dt.datetime.now(module.dt.UTC), (0.2, 0.2))
    assert "The machine was loaded" in text
