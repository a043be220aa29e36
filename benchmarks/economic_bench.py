"""Benchmark: the whole economic build (sources + derived steps) for all countries and years.

Times every economic source reader and derived step of the build registry (the trade source
and step too, when they are registered), reports the process's peak memory, and times the
destination shares + HHI of the migration dimension against a plain pandas baseline in the
same run (ratio = pandas / project).

    uv run python benchmarks/economic_bench.py [--source-dir ../shared/data] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import pandas as pd
import polars as pl

from autonomy_monitor.pipeline import build
from autonomy_monitor.indicators import migration, shares

RUN_ALL_ARGS = ["--repeat", "1"]  # benchmarks/run_all.py

ECONOMIC_SOURCES = (
    "wdi",
    "undesa",
    "knomad",
    "oecd",
    "aiddata",
    "energy",
    "governance",
    "japan_residents",
    "imf",
    "trade",
    "trade_recent",
)
ECONOMIC_STEPS = (
    "trade",
    "remittances",
    "migration",
    "japan_residents",
    "aid",
    "finance",
    "energy",
    "governance",
    "dependence",
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_build(source_dir: Path) -> tuple[dict[str, pl.DataFrame], list[tuple[str, float]]]:
    tables: dict[str, pl.DataFrame] = {}
    timings: list[tuple[str, float]] = []
    for step in build.SOURCE_STEPS:
        if step.name not in ECONOMIC_SOURCES:
            continue
        start = time.perf_counter()
        tables.update(step.load(source_dir).tables)
        timings.append((f"source {step.name}", time.perf_counter() - start))
    for step in build.DERIVED_STEPS:
        if step.name not in ECONOMIC_STEPS or not all(n in tables for n in step.needs):
            continue
        start = time.perf_counter()
        tables.update(step.compute(tables))
        timings.append((f"step {step.name}", time.perf_counter() - start))
    return tables, timings


def pandas_destination_shares(stock: pd.DataFrame) -> pd.DataFrame:
    """Baseline: the same shares and HHI with a plain pandas groupby."""
    frame = stock[
        (stock["migrants"] > 0) & (stock["origin_iso3"] != stock["destination_iso3"])
    ].copy()
    frame["share"] = frame["migrants"] / frame.groupby(["origin_iso3", "year"])[
        "migrants"
    ].transform("sum")
    frame["sq"] = frame["share"] ** 2
    return frame.groupby(["origin_iso3", "year"], as_index=False)["sq"].sum()


def project_shares_hhi(stock: pl.DataFrame) -> pl.DataFrame:
    """The project's shares and HHI (indicators.shares) on the same rows as the baseline."""
    frame = stock.filter(
        (pl.col("migrants") > 0) & (pl.col("origin_iso3") != pl.col("destination_iso3"))
    )
    return shares.hhi(
        shares.partner_shares(frame, ["origin_iso3", "year"], "migrants"), ["origin_iso3", "year"]
    )


def best_of(repeat: int, func) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source-dir",
        type=Path,
        default=Path(__file__).resolve().parents[1].parent / "shared" / "data",
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    tables, timings = run_build(args.source_dir)
    total = time.perf_counter() - start
    for name, seconds in timings:
        print(f"{name:<28} {seconds:8.2f} s")
    union = tables.get("out_dependence__yearly", pl.DataFrame())
    print(
        f"{'economic build total':<28} {total:8.2f} s; out_dependence__yearly "
        f"{union.height:,} rows; peak RSS {peak_mb():,.0f} MB"
    )

    stock = tables["core_undesa__migrant_stock"]
    project_input = stock.with_columns(pl.lit("un_desa_stock").alias("method"))
    pandas_input = stock.to_pandas()
    full = best_of(args.repeat, lambda: migration.destination_measures(project_input))
    project = best_of(args.repeat, lambda: project_shares_hhi(stock))
    baseline = best_of(args.repeat, lambda: pandas_destination_shares(pandas_input))
    print(
        f"destination shares + HHI ({stock.height:,} stock rows): project {project * 1000:.1f} ms, "
        f"pandas baseline {baseline * 1000:.1f} ms, ratio pandas/project {baseline / project:.2f} "
        f"(full migration output with its {{emigrants, share, hhi}} rows: {full * 1000:.1f} ms)"
    )


if __name__ == "__main__":
    main()
