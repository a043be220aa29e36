"""Benchmark: start-up of whole `autonomy` processes against bare-interpreter baselines.

    uv run python benchmarks/startup_bench.py [--runs 7]

Each command runs ``--runs`` times as a fresh process with bytecode cached, as on a user's
machine: ``uv sync --compile-bytecode`` compiles the dependencies but not an editable checkout's
own modules, and with PYTHONDONTWRITEBYTECODE set Python never caches them, so the script
compiles the package's modules first (:func:`compile_package`). The median wall-clock time is
reported beside two baselines timed in the same run: ``python -c pass`` and
``python -c "import duckdb, polars"`` (the least any lookup that reads the warehouse must pay).
Lookups run against the warehouse named by AUTONOMY_WAREHOUSE and against the bundled snapshot
(AUTONOMY_WAREHOUSE pointed at a file that does not exist), as ``--store`` says. Goals (issue
15): ``--version`` and ``--help`` <= 0.3 s; a lookup <= 1 s. On a loaded machine every figure
inflates: the 1-minute load average is printed with each row.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUN_ALL_ARGS = ["--runs", "5"]

PYTHON = sys.executable
AUTONOMY = str(Path(sys.executable).with_name("autonomy"))
BASELINES = {
    "python -c pass": [PYTHON, "-c", "pass"],
    'python -c "import duckdb, polars"': [PYTHON, "-c", "import duckdb, polars"],
}
STARTUP = {
    "autonomy --version": ["--version"],
    "autonomy --help": ["--help"],
}
LOOKUPS = {
    "autonomy alignment KAZ --with RUS --from 2022 --to 2022": [
        "alignment",
        "KAZ",
        "--with",
        "RUS",
        "--from",
        "2022",
        "--to",
        "2022",
    ],
    "autonomy dependence KGZ --on RUS --dimension remittances --year 2021": [
        "dependence",
        "KGZ",
        "--on",
        "RUS",
        "--dimension",
        "remittances",
        "--year",
        "2021",
    ],
    "autonomy votes --resolution A/RES/ES-11/1 --countries C5": [
        "votes",
        "--resolution",
        "A/RES/ES-11/1",
        "--countries",
        "C5",
    ],
    "autonomy profile KGZ": ["profile", "KGZ"],
}


def compile_package() -> Path:
    """Write the bytecode of the installed ``autonomy_monitor`` package (``__pycache__``, as an
    installed wheel has it); stale files are rewritten, so edits are timed as they are."""
    import autonomy_monitor

    folder = Path(autonomy_monitor.__file__).parent
    if not compileall.compile_dir(folder, quiet=1):
        raise SystemExit(f"could not compile the bytecode of {folder}")
    return folder


def median_seconds(
    command: list[str], runs: int, env: dict[str, str]
) -> tuple[float, float, float]:
    """Median wall-clock, minimum wall-clock and median CPU (user + system) seconds of
    ``runs`` fresh processes (one warm-up first). CPU time inflates far less with the load."""
    subprocess.run(command, env=env, capture_output=True, check=False)
    times, cpu = [], []
    for _ in range(runs):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {result.stderr.decode()[-400:]}")
    return statistics.median(times), min(times), statistics.median(cpu)


def row(
    label: str,
    store: str,
    seconds: tuple[float, float, float],
    bases: tuple[float, float],
    goal: float | None,
) -> None:
    verdict = (
        ""
        if goal is None
        else ("met" if seconds[0] <= goal else f"NOT met (+{seconds[0] - goal:.2f} s)")
    )
    goal_text = "" if goal is None else f"<= {goal:g} s"
    print(
        f"| {label} | {store} | {seconds[0]:.3f} | {seconds[1]:.3f} | "
        f"{seconds[2]:.3f} | {seconds[0] / bases[0]:.1f} | {seconds[0] / bases[1]:.2f} | "
        f"{goal_text} {verdict} | {os.getloadavg()[0]:.1f} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--store", choices=["both", "warehouse", "snapshot"], default="both")
    args = parser.parse_args()
    env = {**os.environ}
    warehouse = Path(
        env.get(
            "AUTONOMY_WAREHOUSE", Path.home() / ".local/share/autonomy-monitor/warehouse.duckdb"
        )
    )
    stores = {}
    if args.store in ("both", "warehouse") and warehouse.is_file():
        stores["warehouse"] = {**env, "AUTONOMY_WAREHOUSE": str(warehouse)}
    elif args.store in ("both", "warehouse"):
        print(
            f"No warehouse at {warehouse}: warehouse rows "
            "skipped (build one or set AUTONOMY_WAREHOUSE)."
        )
    if args.store in ("both", "snapshot"):
        stores["bundled snapshot"] = {
            **env,
            "AUTONOMY_WAREHOUSE": str(Path("/nonexistent/warehouse.duckdb")),
        }
    print(f"bytecode of {compile_package()} compiled before timing (as an installed wheel has it)")
    print(
        f"{args.runs} runs per command: wall-clock median and minimum, CPU "
        "(user + system) median; ratios of the wall median to the baselines' "
        f"medians; python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n"
    )
    print(
        "| command | store | wall median s | wall min s | CPU median s | × "
        "`python -c pass` | × `import duckdb, polars` | goal (wall median) | load |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    timed_base = {
        label: median_seconds(command, args.runs, env) for label, command in BASELINES.items()
    }
    base = (timed_base["python -c pass"][0], timed_base['python -c "import duckdb, polars"'][0])
    for label, seconds in timed_base.items():
        row(label, "–", seconds, base, None)
    for label, tail in STARTUP.items():
        row(label, "–", median_seconds([AUTONOMY, *tail], args.runs, env), base, 0.3)
    for store, store_env in stores.items():
        for label, tail in LOOKUPS.items():
            row(label, store, median_seconds([AUTONOMY, *tail], args.runs, store_env), base, 1.0)


if __name__ == "__main__":
    main()
