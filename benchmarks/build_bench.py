"""Benchmark: the full build (``autonomy build --source-dir ../shared/data``), wall time and
peak memory, against the previous approach in the same run.

Each build runs in a child process (``python -c`` calling ``build_warehouse``) into its own
temporary warehouse; wall time is measured around the child and peak memory is the child's
``ru_maxrss`` from ``os.wait4`` (DuckDB and Polars allocate outside Python, so this is the
whole process). Runs:

* ``baseline``: the build as it was at ``--baseline-ref`` (default ``61c83d4``, main before the
  streamed trade and dependence writes: the trade step held in memory, the index step reading
  all of ``out_dependence__yearly`` back), run from that commit's ``src/`` (``git archive``)
  with this environment's packages (an older ref such as ``bf6ad70`` needs pydantic-settings,
  which the environment no longer has);
* ``fresh``: this build from scratch (``--fresh``: no previous warehouse to reuse);
* ``rebuild``: this build again on top of the fresh warehouse (unchanged sources are copied);
* ``incremental``: ``--sources knomad`` on top of it (knomad read again, the rest reused).

Goals (issue 15 item 4): fresh build <= 60 s and <= 4 GB peak RSS on an idle machine. The
machine's load average is printed before and after: on a loaded machine wall times grow, the
ratio to the baseline of the same run is the comparable figure.

    uv run python benchmarks/build_bench.py [--source-dir ../shared/data] [--baseline-ref REF]
        [--no-baseline] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "61c83d4"
GOAL_SECONDS = 60.0
GOAL_GB = 4.0

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from autonomy_monitor.settings import Settings
    from autonomy_monitor.pipeline.build import build_warehouse
    warehouse, source_dir, mode = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    store = Path(warehouse).parent / "rawstore"
    settings = Settings(warehouse=Path(warehouse), snapshot_store=store)
    options = {}
    if mode == "fresh":
        options["fresh"] = True
    if mode == "incremental":
        options["sources"] = ["knomad"]
    progress = (lambda m: print(m, flush=True)) if mode != "baseline" else (lambda m: None)
    build_warehouse(settings, source_dir, progress=progress, **options)
    """
)


@dataclass
class Run:
    label: str
    seconds: float
    peak_gb: float


def run_child(
    label: str, warehouse: Path, source_dir: Path, mode: str, pythonpath: Path | None, log: Path
) -> Run:
    env = {**os.environ}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    start = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(warehouse), str(source_dir), mode],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise SystemExit(
            f"{label} build failed (exit {os.waitstatus_to_exitcode(status)}); "
            f"last lines of its log:\n{tail}"
        )
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return Run(label, seconds, peak / 1024**3)


def baseline_source(ref: str, into: Path) -> Path:
    """``src/`` of commit ``ref`` extracted into ``into`` (returns the folder for PYTHONPATH)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return (
        f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} "
        f"(1 / 5 / 15 min) on {os.cpu_count()} CPUs"
    )


def median_run(runs: list[Run]) -> Run:
    return Run(
        runs[0].label, statistics.median(r.seconds for r in runs), max(r.peak_gb for r in runs)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source-dir",
        type=Path,
        default=Path(os.environ.get("AUTONOMY_SHARED_DATA", REPO.parent / "shared" / "data")),
    )
    parser.add_argument("--baseline-ref", default=DEFAULT_BASELINE)
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the baseline build (no ratio)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="fresh builds to take the median of")
    args = parser.parse_args()
    source_dir = args.source_dir.resolve()
    if not source_dir.is_dir():
        raise SystemExit(f"No source directory {source_dir}: pass --source-dir.")
    work = Path(tempfile.mkdtemp(prefix="build-bench-"))
    print(f"before: {load()}")
    try:
        runs: dict[str, Run] = {}
        if not args.no_baseline:
            old_src = baseline_source(args.baseline_ref, work / "baseline")
            runs["baseline"] = run_child(
                f"baseline ({args.baseline_ref})",
                work / "baseline.duckdb",
                source_dir,
                "baseline",
                old_src,
                work / "baseline.log",
            )
        ours = work / "ours" / "warehouse.duckdb"
        ours.parent.mkdir()
        fresh = []
        for k in range(args.repeat):
            fresh.append(
                run_child("fresh", ours, source_dir, "fresh", None, work / f"fresh{k}.log")
            )
        runs["fresh"] = median_run(fresh)
        runs["rebuild"] = run_child(
            "rebuild (reuse)", ours, source_dir, "rebuild", None, work / "rebuild.log"
        )
        runs["incremental"] = run_child(
            "--sources knomad", ours, source_dir, "incremental", None, work / "incremental.log"
        )
        print(f"after: {load()}")
        report(runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(runs: dict[str, Run], work: Path) -> None:
    base = runs.get("baseline")
    print(f"\n{'build':<28} {'wall s':>8} {'peak GB':>8} {'time ratio':>11} {'memory ratio':>13}")
    for run in runs.values():
        ratios = ("", "")
        if base is not None and run is not base:
            ratios = (f"{base.seconds / run.seconds:.2f}x", f"{base.peak_gb / run.peak_gb:.2f}x")
        print(
            f"{run.label:<28} {run.seconds:8.1f} {run.peak_gb:8.2f} {ratios[0]:>11} {ratios[1]:>13}"
        )
    fresh = runs["fresh"]
    print(
        "\nratio (baseline / fresh build, wall time): "
        + (f"{base.seconds / fresh.seconds:.2f}" if base else "n/a (no baseline)")
    )
    verdict = lambda ok: "met" if ok else "missed"  # noqa: E731
    print(
        f"goal <= {GOAL_SECONDS:.0f} s: {verdict(fresh.seconds <= GOAL_SECONDS)} "
        f"({fresh.seconds:.1f} s); goal <= {GOAL_GB:.0f} GB: "
        f"{verdict(fresh.peak_gb <= GOAL_GB)} ({fresh.peak_gb:.2f} GB)"
    )
    log = work / "fresh0.log"
    if log.is_file():
        print("\nper step (fresh build):")
        for line in log.read_text().splitlines():
            if line.startswith(("source ", "derived ", "write ")):
                print("  " + line)


if __name__ == "__main__":
    main()
