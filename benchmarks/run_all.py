r"""Run every benchmark and validation in benchmarks/ and write docs/benchmarks.md.

    uv run python benchmarks/run_all.py [--lock /work/heavy.lock] [--only NAME,...] \
        [--out docs/benchmarks.md]

Picks up every ``benchmarks/*_bench.py`` and ``benchmarks/*_validation.py`` (the convention
is in docs/CONTRIBUTING.md, "Benchmarks"): each is a script that times the project against a
baseline *in the same run* and prints its figures and ratios. Optional module-level constants,
read from the file's source without importing it:

* ``RUN_ALL_ARGS = [...]``: arguments for this run (e.g. shorter phases);
* ``RUN_ALL_STORES = ("warehouse", "snapshot")``: run once per store (the warehouse named by
  AUTONOMY_WAREHOUSE, and the bundled snapshot by pointing AUTONOMY_WAREHOUSE at a missing file);
* ``RUN_ALL_SKIP = "reason"``: listed with the reason, not run.

Each script runs as its own process (``--lock``: holding that file's flock, so heavy runs of
other people on a shared machine do not overlap), with wall-clock time, exit status and the
1-minute load average before and after. The document lists the summary lines (those that
mention a ratio, median, goal or target) and then every script's full output; it records the
date, commit and machine, and warns when the machine was loaded, since wall-clock figures
inflate with the load.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import datetime as dt
import fcntl
import os
import platform
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PATTERNS = ("*_bench.py", "*_validation.py")
SUMMARY = re.compile(r"ratio|median|goal|target|\bmet\b|p95", re.IGNORECASE)
MISSING_WAREHOUSE = "/nonexistent/warehouse.duckdb"
#: Above this share of the CPUs used by other processes, the document warns that wall-clock
#: figures are inflated.
OTHER_WORK_LIMIT = 0.10


@dataclass
class Script:
    path: Path
    args: list[str] = field(default_factory=list)
    stores: tuple[str, ...] = ()
    skip: str | None = None
    doc: str = ""


@dataclass
class Outcome:
    script: Script
    store: str
    seconds: float
    status: int
    load_before: float
    load_after: float
    output: str
    other_cpu_share: float | None = None


def machine_busy_seconds() -> float | None:
    """CPU seconds every process on the machine has used since boot (``/proc/stat``: user,
    nice, system, irq, softirq, steal), or None where /proc/stat is absent."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def other_cpu_share(busy: float | None, own: float, seconds: float) -> float | None:
    """Share of the machine's CPU capacity used by other work while a script ran:
    (machine busy CPU s − the script's own CPU s) / (wall s × CPUs), floored at 0. The 1-minute
    load average counts the benchmarks' own processes (a build keeps both cores busy); this
    does not."""
    if busy is None or seconds <= 0:
        return None
    return max(0.0, (busy - own) / (seconds * (os.cpu_count() or 1)))


def discover(only: list[str] | None) -> list[Script]:
    """Every benchmark and validation script, with its RUN_ALL_* constants."""
    paths = sorted({p for pattern in PATTERNS for p in HERE.glob(pattern)})
    if only is not None:  # in the order asked for
        paths = [HERE / f"{stem}.py" for stem in only if (HERE / f"{stem}.py") in paths]
    return [read_conventions(p) for p in paths]


def read_conventions(path: Path) -> Script:
    """``RUN_ALL_ARGS``, ``RUN_ALL_STORES`` and ``RUN_ALL_SKIP`` from the module's source."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, object] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name = node.targets[0].id
            if name.startswith("RUN_ALL_"):
                found[name] = ast.literal_eval(node.value)
    doc = (ast.get_docstring(tree) or "").splitlines()
    return Script(
        path,
        [str(a) for a in found.get("RUN_ALL_ARGS", [])],
        tuple(found.get("RUN_ALL_STORES", ())),
        found.get("RUN_ALL_SKIP"),
        doc[0] if doc else "",
    )  # type: ignore[arg-type]


@contextlib.contextmanager
def holding(lock: Path | None) -> Iterator[None]:
    if lock is None:
        yield
        return
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def store_env(store: str) -> dict[str, str]:
    env = {**os.environ}
    if store == "snapshot":
        env["AUTONOMY_WAREHOUSE"] = MISSING_WAREHOUSE
    return env


def run(script: Script, store: str, lock: Path | None, timeout: float) -> Outcome:
    command = [sys.executable, str(script.path), *script.args]
    with holding(lock):
        before, start = os.getloadavg()[0], time.perf_counter()
        busy_start, own_start = machine_busy_seconds(), children_cpu_seconds()
        try:
            done = subprocess.run(
                command,
                cwd=REPO,
                env=store_env(store),
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            status, output = (
                done.returncode,
                done.stdout + (f"\n[stderr]\n{done.stderr[-3000:]}" if done.returncode else ""),
            )
        except subprocess.TimeoutExpired as expired:
            status, output = -1, f"{expired.stdout or ''}\n[timed out after {timeout:.0f} s]"
        seconds, after = time.perf_counter() - start, os.getloadavg()[0]
        busy_end, own_end = machine_busy_seconds(), children_cpu_seconds()
    busy = None if busy_start is None or busy_end is None else busy_end - busy_start
    other = other_cpu_share(busy, own_end - own_start, seconds)
    print(
        f"{script.path.name} [{store or '-'}]: exit {status}, "
        f"{seconds:.1f} s, load {before:.1f} -> {after:.1f}"
        + ("" if other is None else f", other work {other:.0%} of the CPUs"),
        flush=True,
    )
    return Outcome(
        script,
        store,
        seconds,
        status,
        before,
        after,
        output if isinstance(output, str) else output.decode(),
        other,
    )


def commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    # the documents under docs/ are what the run itself writes (this file, the validations)
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)docs"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def summary_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if SUMMARY.search(line) and line.strip()]


def markdown(
    outcomes: list[Outcome], skipped: list[Script], started: dt.datetime, loads: tuple[float, float]
) -> str:
    cpus = os.cpu_count() or 1
    shares = [o.other_cpu_share for o in outcomes if o.other_cpu_share is not None]
    if shares:  # other work measured directly: the benchmarks' own load does not count
        loaded = max(shares) > OTHER_WORK_LIMIT
    else:
        loaded = max(loads) > 0.5 * cpus or any(o.load_before > 0.5 * cpus for o in outcomes)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `uv run python benchmarks/run_all.py` (do not edit by hand): every script in",
        "`benchmarks/` named `*_bench.py` or `*_validation.py`, each timing the project against a",
        'baseline in the same run. Convention for new scripts: docs/CONTRIBUTING.md, "Benchmarks".',
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; commit {commit()}",
        f"- machine: {platform.machine()}, {cpus} CPUs, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}",
        f"- 1-minute load average: {loads[0]:.1f} at the "
        f"start, {loads[1]:.1f} at the end (per script below; it counts the benchmarks' own "
        "processes)",
        "- other work: the share of the CPUs used by processes outside the benchmark while "
        "each script ran"
        + (f", at most {max(shares):.0%}" if shares else " (not measurable here)"),
        "",
    ]
    if loaded:
        lines += [
            "> **The machine was loaded** (other work above "
            f"{OTHER_WORK_LIMIT:.0%} of its {cpus} CPUs, or without that measure a load average "
            "above half the CPUs,",
            "> during the run). Wall-clock figures are inflated "
            "accordingly; ratios to a baseline in the same run",
            "> and CPU times, where a script prints them, "
            "are the more faithful figures. Re-run on an idle",
            "> machine before judging a goal.",
            "",
        ]
    lines += [
        "## Summary",
        "",
        "| script | store | exit | wall s | load before → after | other work |",
        "| --- | --- | ---: | ---: | --- | ---: |",
    ]
    for o in outcomes:
        other = "–" if o.other_cpu_share is None else f"{o.other_cpu_share:.0%}"
        lines.append(
            f"| `{o.script.path.name}` | {o.store or '–'} | {o.status} | "
            f"{o.seconds:.1f} | {o.load_before:.1f} → {o.load_after:.1f} | {other} |"
        )
    for s in skipped:
        lines.append(f"| `{s.path.name}` | – | skipped | – | {s.skip} | – |")
    lines += [""]
    for o in outcomes:
        title = f"`{o.script.path.name}`" + (f" ({o.store})" if o.store else "")
        command = " ".join(["uv run python", f"benchmarks/{o.script.path.name}", *o.script.args])
        if o.store == "snapshot":
            command = f"AUTONOMY_WAREHOUSE={MISSING_WAREHOUSE} " + command
        lines += [
            f"## {title}",
            "",
            o.script.doc,
            "",
            f"Command: `{command}`; exit {o.status}, {o.seconds:.1f} s, "
            f"load {o.load_before:.1f} → {o.load_after:.1f}.",
            "",
        ]
        key = summary_lines(o.output)
        tables = [line for line in o.output.splitlines() if line.startswith("|")]
        if tables:
            lines += [*tables, ""]
        if key:
            lines += [
                "Key lines:",
                "",
                "```text",
                *[k for k in key if not k.startswith("|")],
                "```",
                "",
            ]
        lines += [
            "<details><summary>Full output</summary>",
            "",
            "```text",
            o.output.rstrip(),
            "```",
            "",
            "</details>",
            "",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lock",
        type=Path,
        default=None,
        help="flock this file around each script (shared machines)",
    )
    parser.add_argument(
        "--only",
        default=None,
        help="comma-separated script stems, e.g. startup_bench,web_load_bench",
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument(
        "--timeout", type=float, default=3600.0, help="seconds per script before it is stopped"
    )
    args = parser.parse_args()
    started, load_start = dt.datetime.now(dt.UTC), os.getloadavg()[0]
    scripts = discover(args.only.split(",") if args.only else None)
    outcomes, skipped = [], []
    chosen = {s.path for s in scripts}
    for script in discover(None):
        if script.path not in chosen:  # listed, so the document says what it leaves out
            skipped.append(Script(script.path, skip="not run in this invocation (--only)"))
    for script in scripts:
        if script.skip:
            skipped.append(script)
            print(f"{script.path.name}: skipped ({script.skip})")
            continue
        for store in script.stores or ("",):
            outcomes.append(run(script, store, args.lock, args.timeout))
            # written after every script, so an interrupted run still leaves what it measured
            args.out.write_text(
                markdown(outcomes, skipped, started, (load_start, os.getloadavg()[0])),
                encoding="utf-8",
            )
    args.out.write_text(
        markdown(outcomes, skipped, started, (load_start, os.getloadavg()[0])), encoding="utf-8"
    )
    print(f"wrote {args.out}")
    if any(o.status != 0 for o in outcomes):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
