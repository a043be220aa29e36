r"""Benchmark: one country briefing, PDF and HTML, as a user runs it (whole processes).

Goals (issue 15 item 2): ``autonomy report KGZ --format pdf`` <= 5 s and ``--format html`` <= 2 s
on an idle machine, output byte-identical from run to run.

Times, as medians of ``--repeat`` whole processes:

- ``autonomy report KGZ --format pdf|html`` cold, with the chart cache (drawn charts and the
  record of briefings drawn) emptied before every run: a user's first briefing after a build, every
  chart drawn by vl-convert;
- warm, with the chart cache filled by an earlier run: the same briefing again, in the other
  format (the charts do not depend on it);
- in the same run, the baseline ``python -c "import duckdb, polars"`` (the floor of any command that
  reads the store), printing the ratio project / baseline.

It also checks that every run, warm or cold, gives the same bytes.

    AUTONOMY_WAREHOUSE=/path/warehouse.duckdb uv run python benchmarks/report_bench.py \
        [--country KGZ] [--repeat 5]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOALS = {"pdf": 5.0, "html": 2.0}
RUN_ALL_ARGS = ["--repeat", "3"]
RUN_ALL_STORES = ("warehouse", "snapshot")


def run_seconds(command: list[str], env: dict[str, str], before=None) -> tuple[float, bytes]:  # type: ignore[no-untyped-def]
    if before is not None:
        before()
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=True)
    return time.perf_counter() - start, done.stdout


def median_run(
    command: list[str], env: dict[str, str], repeat: int, before=None
) -> tuple[float, list[bytes]]:  # type: ignore[no-untyped-def]
    runs = [run_seconds(command, env, before) for _ in range(repeat)]
    return statistics.median(t for t, _ in runs), [out for _, out in runs]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--country", default="KGZ")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from autonomy_monitor import api
    from autonomy_monitor.reports import chart_cache

    settings = api.Settings()
    env = dict(os.environ)
    own = Path(sys.executable).with_name("autonomy")
    autonomy = str(own) if own.is_file() else (shutil.which("autonomy") or "autonomy")
    cache = chart_cache(settings)
    print(f"store: {api.describe_store(settings)}; chart cache: {cache}")
    print(load())
    baseline, _ = median_run([sys.executable, "-c", "import duckdb, polars"], env, args.repeat)
    print(f"baseline python -c 'import duckdb, polars': {baseline:.2f} s")

    def empty_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    ok = True
    for fmt in ("pdf", "html"):
        command = [autonomy, "report", args.country, "--format", fmt, "--out", "-"]
        run_seconds(command, env)  # fills the chart cache
        warm, outputs = median_run(command, env, args.repeat)
        cold, cold_outputs = median_run(command, env, max(1, args.repeat // 2), before=empty_cache)
        digests = {hashlib.sha256(out).hexdigest()[:12] for out in outputs + cold_outputs}
        identical = len(digests) == 1
        ok &= identical
        goal = GOALS[fmt]
        print(
            f"report {fmt}: {warm:.2f} s with the chart cache, {cold:.2f} s cold; goal "
            f"{goal:.0f} s ({'met' if warm <= goal else f'missed by {warm - goal:.2f} s'} "
            f"warm, {'met' if cold <= goal else f'missed by {cold - goal:.2f} s'} cold); "
            f"ratio project/baseline {warm / baseline:.1f} (warm), {cold / baseline:.1f} "
            f"(cold); bytes identical across {len(outputs) + len(cold_outputs)} runs: {identical}"
        )
    print(load())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
