"""Benchmark: the whole trade build (DOTS + recent sources + both views + indicators) for all
countries and years, with a plain pandas baseline for the trade shares in the same run.

Part 1 times each piece of the trade build as `autonomy build` runs it (imf source,
trade_recent source, wdi source for GDP, trade step) and reports the process's peak resident
memory (resource.getrusage: Polars allocates outside Python, so tracemalloc would miss it).

Part 2 times the partner shares -- both views (mirror join and chosen-value rule) and shares
of exports, imports and total trade per country, year and method (reporter, mirror, chosen)
-- once with the project's functions (indicators.trade views, relational.partner_shares on Polars)
and once with plain pandas on the same reported rows, checks that both give the same shares, and
prints the ratio (pandas time / project time; > 1 means the project is faster).

    uv run python benchmarks/trade_bench.py [--source-dir ../shared/data] [--repeat 3] [--no-wdi]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from pathlib import Path

import narwhals as nw
import numpy as np
import pandas as pd
import polars as pl

from autonomy_monitor.indicators import relational, trade
from autonomy_monitor.sources.imf import bulk as imf
from autonomy_monitor.sources.trade_recent import bulk as trade_recent
from autonomy_monitor.sources.wdi import bulk as wdi
from autonomy_monitor.pipeline.steps import trade_step


RUN_ALL_ARGS = ["--repeat", "1"]  # benchmarks/run_all.py


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(
    label: str, func: Callable[[], object], timings: list[tuple[str, float, float]]
) -> object:
    start = time.perf_counter()
    result = func()
    timings.append((label, time.perf_counter() - start, peak_mb()))
    return result


def run_build(
    source_dir: Path, with_wdi: bool
) -> tuple[dict[str, pl.DataFrame], list[tuple[str, float, float]]]:
    timings: list[tuple[str, float, float]] = []
    tables: dict[str, pl.DataFrame] = {}
    loaders = [("source imf", imf.load), ("source trade_recent", trade_recent.load)]
    if with_wdi:
        loaders.append(("source wdi (GDP for exposure)", wdi.load))
    for label, load in loaders:
        tables.update(timed(label, lambda load=load: load(source_dir).tables, timings))  # type: ignore[arg-type]
    tables.update(timed("step trade", lambda: trade_step.compute(tables), timings))  # type: ignore[arg-type]
    return tables, timings


# -- the shares, two ways --------------------------------------------------------------------


def project_shares(reported: pl.DataFrame, estimated: pl.DataFrame) -> pl.DataFrame:
    views = trade.both_views(reported, estimated)
    long = nw.from_native(trade.with_total_flow(trade.long_views(views)))
    return nw.to_native(relational.partner_shares(long, trade_step.SHARE_GROUP, "value_usd"))


def pandas_shares(reported: pd.DataFrame, estimated: pd.DataFrame) -> pd.DataFrame:
    """Baseline: the same both-views rule and shares with plain pandas merges and groupbys."""
    key = ["reporter_iso3", "partner_iso3", "year", "flow"]
    own = reported.rename(columns={"value_usd": "rep", "source": "rep_src"})
    mirror = reported.rename(
        columns={
            "reporter_iso3": "partner_iso3",
            "partner_iso3": "reporter_iso3",
            "value_usd": "mir",
            "source": "mir_src",
        }
    )
    mirror["flow"] = mirror["flow"].map({"export": "import", "import": "export"})
    both = own.merge(mirror, on=key, how="outer")
    est = estimated.assign(est=True)
    both = both.merge(est, on=["reporter_iso3", "year"], how="left")
    both["est"] = both["est"].astype("boolean").fillna(False).astype(bool)
    rep_press = both["rep_src"].fillna("").str.startswith("press:")
    mir_press = both["mir_src"].fillna("").str.startswith("press:")
    rep_pos, mir_pos = both["rep"].fillna(0) > 0, both["mir"].fillna(0) > 0
    use_rep = np.select(
        [rep_pos & ~rep_press & ~both["est"], mir_pos & ~mir_press, rep_pos, mir_pos],
        [True, False, True, False],
        default=both["rep"].notna(),
    ).astype(bool)
    both["chosen"] = np.where(use_rep, both["rep"], both["mir"])
    parts = []
    for method, column in (("reporter", "rep"), ("mirror", "mir"), ("chosen", "chosen")):
        part = both.loc[both[column].notna(), key + [column]].rename(columns={column: "value_usd"})
        part["method"] = method
        parts.append(part)
    long = pd.concat(parts, ignore_index=True).rename(columns={"reporter_iso3": "country_iso3"})
    group = ["country_iso3", "partner_iso3", "year", "method"]
    wide = long.pivot_table(
        index=group, columns="flow", values="value_usd", aggfunc="first"
    ).reset_index()
    covered = long[["country_iso3", "year", "method", "flow"]].drop_duplicates()
    for flow in ("export", "import"):
        has = covered[covered["flow"] == flow].drop(columns="flow").assign(**{f"has_{flow}": True})
        wide = wide.merge(has, on=["country_iso3", "year", "method"], how="left")
        fill = wide[f"has_{flow}"].eq(True) & wide[flow].isna()
        wide.loc[fill, flow] = 0.0
    wide = wide[wide["export"].notna() & wide["import"].notna()]
    total = wide[group].assign(value_usd=wide["export"] + wide["import"], flow="total")
    long = pd.concat([long, total], ignore_index=True)
    long = long[long["value_usd"] >= 0]
    long["share"] = long["value_usd"] / long.groupby(["country_iso3", "year", "flow", "method"])[
        "value_usd"
    ].transform("sum")
    return long[long["share"].notna()]


def best_of(repeat: int, func: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def compare(project: pl.DataFrame, baseline: pd.DataFrame) -> float:
    """Largest absolute difference between the two frames' shares (same keys required)."""
    key = ["country_iso3", "partner_iso3", "year", "flow", "method"]
    left = project.select(*key, pl.col("share").alias("a"))
    right = (
        pl.from_pandas(baseline[key + ["share"]])
        .with_columns(pl.col("year").cast(pl.Int32))
        .rename({"share": "b"})
    )
    joined = left.join(right, on=key, how="full", coalesce=True)
    if joined.filter(pl.col("a").is_null() | pl.col("b").is_null()).height:
        raise AssertionError("the project and the baseline produced different rows")
    return float(joined.select((pl.col("a") - pl.col("b")).abs().max()).item())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source-dir",
        type=Path,
        default=Path(__file__).resolve().parents[1].parent / "shared" / "data",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-wdi", action="store_true", help="skip WDI (no exposure/asymmetry)")
    args = parser.parse_args()

    start = time.perf_counter()
    tables, timings = run_build(args.source_dir, not args.no_wdi)
    total = time.perf_counter() - start
    print("Part 1: the whole trade build, all countries and years")
    for label, seconds, peak in timings:
        print(f"  {label:<32} {seconds:8.2f} s   peak RSS so far {peak:8.0f} MB")
    print(f"  {'total':<32} {total:8.2f} s   peak RSS {peak_mb():8.0f} MB")
    for name in (trade_step.BOTH_TABLE, trade_step.OUT_TABLE, trade_step.GAPS_TABLE):
        print(
            f"  {name}: {tables[name].height:,} rows, "
            f"{tables[name].estimated_size() / 1e6:,.0f} MB in memory"
        )

    reported = trade_step.reported_rows(tables)
    estimated = trade.imf_estimated_reporters(
        reported.filter(pl.col("source") == trade_step.IMF_LABEL)
    )
    reported_pd = reported.to_pandas()
    estimated_pd = estimated.to_pandas()
    project_time, project = best_of(args.repeat, lambda: project_shares(reported, estimated))
    pandas_time, baseline = best_of(args.repeat, lambda: pandas_shares(reported_pd, estimated_pd))
    diff = compare(project, baseline)  # type: ignore[arg-type]
    print(
        f"\nPart 2: both views + partner shares ({reported.height:,} "
        f"reported cells -> {project.height:,} shares), best of {args.repeat}"
    )  # type: ignore[union-attr]
    print(f"  project (Polars, indicators.trade) {project_time:8.2f} s")
    print(f"  baseline (plain pandas)            {pandas_time:8.2f} s")
    print(f"  ratio pandas / project             {pandas_time / project_time:8.2f}x")
    print(f"  largest share difference           {diff:.2e}")
    print(f"  peak RSS of the whole run          {peak_mb():8.0f} MB")


if __name__ == "__main__":
    main()
