r"""Benchmark: the full alignment table (all pairs × all years × four measures, overall and per
issue) against a plain pandas self-join baseline on the same votes, in the same run.

    uv run python benchmarks/alignment_bench.py [--source-dir ../shared/data] \
        [--baseline-years all|N]

The baseline is what an analyst would write by hand: per calendar year, join the votes of a
roll call to themselves (country i × country j), then group by pair and aggregate. It
computes the same four measures for the overall table ('all'); the project's timing covers
'all' plus the seven issue tags, so the ratio understates the speed-up. Both results are
compared on the overall table before the times are printed.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from autonomy_monitor.sources.unga import bulk
from autonomy_monitor.pipeline.steps import alignment_step

RUN_ALL_ARGS = ["--repeat", "1"]  # benchmarks/run_all.py

VALUE = {"Y": 1.0, "A": 0.5, "N": 0.0}


def pandas_baseline(votes: pd.DataFrame) -> pd.DataFrame:
    """Self-join per year; agreement, identical_share, s_score, kappa per unordered pair."""
    frames = []
    for year, block in votes.groupby("year", sort=True):
        pairs = block.merge(block, on="roll_call_id", suffixes=("_i", "_j"))
        pairs = pairs[pairs["country_iso3_i"] < pairs["country_iso3_j"]]
        pairs["distance"] = (pairs["value_i"] - pairs["value_j"]).abs()
        pairs["same"] = pairs["vote_i"] == pairs["vote_j"]
        for category in ("Y", "A", "N"):
            pairs[f"i_{category}"] = pairs["vote_i"] == category
            pairs[f"j_{category}"] = pairs["vote_j"] == category
        grouped = pairs.groupby(["country_iso3_i", "country_iso3_j"]).agg(
            n_votes=("distance", "size"),
            distance=("distance", "sum"),
            same=("same", "mean"),
            **{
                f"{side}_{c}": (f"{side}_{c}", "mean")
                for side in ("i", "j")
                for c in ("Y", "A", "N")
            },
        )
        grouped["agreement"] = 1 - grouped["distance"] / grouped["n_votes"]
        grouped["identical_share"] = grouped["same"]
        grouped["s_score"] = 2 * grouped["agreement"] - 1
        expected = sum(grouped[f"i_{c}"] * grouped[f"j_{c}"] for c in ("Y", "A", "N"))
        grouped["kappa"] = np.where(
            np.isclose(expected, 1), np.nan, (grouped["same"] - expected) / (1 - expected)
        )
        grouped["year"] = year
        frames.append(
            grouped.reset_index()[
                [
                    "country_iso3_i",
                    "country_iso3_j",
                    "year",
                    "n_votes",
                    "agreement",
                    "identical_share",
                    "s_score",
                    "kappa",
                ]
            ]
        )
    return pd.concat(frames, ignore_index=True)


def baseline_input(tables: dict[str, pl.DataFrame], years: int | None) -> pd.DataFrame:
    calls = tables["core_unga__roll_calls"].select(
        "roll_call_id", pl.col("date").dt.year().alias("year")
    )
    votes = tables["core_unga__votes"].filter(pl.col("vote") != "X").join(calls, on="roll_call_id")
    if years:
        chosen = sorted(votes["year"].unique().to_list())[-years:]
        votes = votes.filter(pl.col("year").is_in(chosen))
    return votes.with_columns(
        pl.col("vote").replace_strict(VALUE, return_dtype=pl.Float64).alias("value")
    ).to_pandas()


def check_same(ours: pl.DataFrame, theirs: pd.DataFrame) -> None:
    """The overall table of both implementations must agree to 1e-9."""
    overall = ours.filter(pl.col("issue") == "all").select(
        pl.col("country_iso3").alias("country_iso3_i"),
        pl.col("partner_iso3").alias("country_iso3_j"),
        "year",
        "n_votes",
        "agreement",
        "kappa",
    )
    other = pl.from_pandas(theirs).select(
        "country_iso3_i",
        "country_iso3_j",
        pl.col("year").cast(pl.Int32),
        pl.col("n_votes").cast(pl.Int32),
        "agreement",
        pl.col("kappa").fill_nan(None),
    )
    joined = other.join(
        overall, on=["country_iso3_i", "country_iso3_j", "year"], how="left", suffix="_ours"
    )
    assert joined["n_votes_ours"].null_count() == 0, "pairs missing from the project's table"
    assert (joined["n_votes"] == joined["n_votes_ours"]).all()
    assert (joined["agreement"] - joined["agreement_ours"]).abs().max() < 1e-9  # type: ignore[operator]
    kappa_diff = (joined["kappa"] - joined["kappa_ours"]).abs().max()
    assert kappa_diff is None or kappa_diff < 1e-9  # type: ignore[operator]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source-dir",
        type=Path,
        default=Path(os.environ.get("AUTONOMY_SHARED_DATA", "../shared/data")),
    )
    parser.add_argument(
        "--baseline-years",
        default="all",
        help="'all' or the number of most recent years the baseline runs on",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the project's computation (best is reported)"
    )
    args = parser.parse_args()
    tables = bulk.load(args.source_dir).tables
    years = None if args.baseline_years == "all" else int(args.baseline_years)

    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = alignment_step.compute(tables)["out_alignment__yearly_vote_agreement_wide"]
        timings.append(time.perf_counter() - start)
    project_s = min(timings)

    votes = baseline_input(tables, years)
    start = time.perf_counter()
    theirs = pandas_baseline(votes)
    baseline_s = time.perf_counter() - start
    check_same(ours, theirs)

    overall_rows = ours.filter(pl.col("issue") == "all").height
    scale = (
        "all years"
        if years is None
        else f"the last {years} years (per-year cost extrapolation not applied)"
    )
    print(
        f"votes: {tables['core_unga__votes'].height:,} rows, "
        f"roll calls: {tables['core_unga__roll_calls'].height:,}"
    )
    print(
        f"project (numpy matrices): {project_s:.2f} s for {ours.height:,} pair-year-issue rows "
        f"({overall_rows:,} overall) x 4 measures, best of {args.repeat}"
    )
    print(
        f"baseline (pandas self-join, overall only, {scale}): "
        f"{baseline_s:.2f} s for {len(theirs):,} rows"
    )
    print(f"results identical on the overall table; speed-up: {baseline_s / project_s:.1f}x")


if __name__ == "__main__":
    main()
