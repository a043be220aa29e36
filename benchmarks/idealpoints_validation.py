"""Validate the dynamic ideal points against Bailey-Strezhnev-Voeten (BSV) and write the table.

Regenerate docs/idealpoints_validation.md with one command (needs ../shared/data or
AUTONOMY_SHARED_DATA):

    uv run python benchmarks/idealpoints_validation.py

Compared column: BSV ``idealpointall`` (estimated from all roll calls, like ours); the
pooled r against ``idealpointfp`` is printed beside it. Years are calendar years of the vote
(what core_unga__votes gives); BSV count UN sessions, so a session-year variant is also shown.

Bridge groups come from the same function as the build step
(``idealpoints_step.bridge_groups``) over the same titles core_unga__roll_calls holds: the
Voeten short title (``short``, else ``descr``) from unvotes_un_roll_calls.rda, and the UN
DGACM title for roll calls from Nov 2019. ``--no-bridge`` runs the estimator without them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from unga_dev_votes import load_bsv, load_votes, shared_data_dir  # noqa: E402

from autonomy_monitor.models.idealpoints import FitSettings, estimate_ideal_points  # noqa: E402
from autonomy_monitor.pipeline.steps.idealpoints_step import bridge_groups  # noqa: E402

BSV_COLUMN = "idealpointall"
DOC = Path(__file__).resolve().parents[1] / "docs" / "idealpoints_validation.md"


def correlations(ours: pl.DataFrame, bsv: pl.DataFrame, column: str) -> tuple[pl.DataFrame, float]:
    """Per-year Pearson r (1946-2015) and the pooled r over all matched country-years."""
    joined = ours.join(bsv, on=["country_iso3", "year"]).filter(pl.col(column).is_not_nan())
    per_year = (
        joined.group_by("year")
        .agg(pl.len().alias("n_countries"), pl.corr("ideal_point", column).alias("r"))
        .sort("year")
    )
    pooled = float(np.corrcoef(joined["ideal_point"], joined[column])[0, 1])
    return per_year, pooled


def load_titles(data_dir: Path | None = None) -> pl.DataFrame:
    """roll_call_id (dev-loader ids), date, title: what core_unga__roll_calls holds."""
    import pyreadr

    folder = (data_dir or shared_data_dir()) / "unga_votes"
    rda = next(iter(pyreadr.read_r(folder / "unvotes_un_roll_calls.rda").values()))
    voeten = pl.from_pandas(rda[["rcid", "date", "short", "descr"]]).select(
        ("voeten-" + pl.col("rcid").cast(pl.Int64).cast(pl.String)).alias("roll_call_id"),
        pl.col("date").cast(pl.Date),
        pl.coalesce(pl.col("short"), pl.col("descr")).cast(pl.String).alias("title"),
    )
    unxml = pl.read_csv(
        folder / "unga_resolutions_unxml_2019_2026.csv",
        columns=["resolution", "date", "title"],
        infer_schema_length=0,
    )
    unxml = unxml.select(
        pl.col("resolution").alias("roll_call_id"),
        pl.col("date").str.to_date(),
        "title",
    )
    return pl.concat([voeten, unxml]).unique("roll_call_id", keep="first")


def bridged(votes: pl.DataFrame, titles: pl.DataFrame) -> pl.DataFrame:
    """Add the build step's bridge_group column to the dev-loader votes."""
    known = titles.join(votes.select("roll_call_id").unique(), on="roll_call_id")
    groups = bridge_groups(known, votes)
    return votes.join(groups, on="roll_call_id", how="left")


def validation_table(
    data_dir: Path | None = None, *, bridge: bool = True
) -> tuple[pl.DataFrame, float]:
    """Per-year r against BSV idealpointall and the pooled r (calendar years)."""
    votes = load_votes("calendar", data_dir)
    if bridge:
        votes = bridged(votes, load_titles(data_dir))
    ours = estimate_ideal_points(votes)
    return correlations(ours, load_bsv(data_dir), BSV_COLUMN)


def spread_diagnostics(ours: pl.DataFrame, bsv: pl.DataFrame) -> dict[str, float]:
    """Pooled r after giving ours BSV's per-year mean, per-year SD, or both.

    Shows which part of the gap between the pooled and the yearly r is location drift and
    which is the year-to-year spread of the scale.
    """
    j = ours.join(bsv, on=["country_iso3", "year"]).filter(pl.col(BSV_COLUMN).is_not_nan())
    o, b = pl.col("ideal_point"), pl.col(BSV_COLUMN)
    j = j.with_columns(
        mo=o.mean().over("year"),
        so=o.std().over("year"),
        mb=b.mean().over("year"),
        sb=b.std().over("year"),
    )
    variants = {
        "per-year mean matched": o - pl.col("mo") + pl.col("mb"),
        "per-year SD matched": (o - pl.col("mo")) / pl.col("so") * pl.col("sb") + pl.col("mo"),
        "per-year mean and SD matched": (o - pl.col("mo")) / pl.col("so") * pl.col("sb")
        + pl.col("mb"),
    }
    return {
        name: float(np.corrcoef(j.select(expr).to_series(), j[BSV_COLUMN])[0, 1])
        for name, expr in variants.items()
    }


def markdown(
    results: dict[str, tuple], seconds: float, no_bridge: float, spread: dict[str, float]
) -> str:
    cal_table, cal_pooled, cal_fp = results["calendar"]
    ses_table, ses_pooled, ses_fp = results["session"]
    recent = cal_table.filter(pl.col("year") >= 1992)
    s = FitSettings()
    lines = [
        "# Ideal points: validation against Bailey, Strezhnev & Voeten",
        "",
        "Generated by `uv run python benchmarks/idealpoints_validation.py` (do not edit by hand).",
        "",
        "Reference: BSV ideal points, July 2025 release, cut to 1946-2015 "
        "(`../shared/data/unga_votes/bsv_idealpoints_1946_2015.csv`), column "
        f"`{BSV_COLUMN}` (estimated from all roll calls, as ours are). Ours: "
        "`autonomy_monitor.models.idealpoints.estimate_ideal_points` with defaults "
        f"(omega2 = {s.omega2}, shrink_var = {s.shrink_var}, alpha_prior_var = "
        f"{s.alpha_prior_var}, beta_prior_var = {s.beta_prior_var}, tol = {s.tol}) on all "
        "roll calls "
        "1946-2026 (Voeten wide file to Oct 2019, UN DGACM extract from Nov 2019, incl. ES-11), "
        "with the bridge groups of the build step (`idealpoints_step.bridge_groups`: normalised "
        "title + US and Israeli votes, recurring in two or more years, at most one roll call "
        f"per year). The three fits took {seconds:.0f} s in total on this machine.",
        "",
        "| measure | calendar years (default) | session years |",
        "| --- | --- | --- |",
        f"| pooled r vs `idealpointall` | {cal_pooled:.4f} | {ses_pooled:.4f} |",
        f"| pooled r vs `idealpointfp` | {cal_fp:.4f} | {ses_fp:.4f} |",
        f"| min yearly r 1946-2015 | {cal_table['r'].min():.4f} | {ses_table['r'].min():.4f} |",
        f"| min yearly r 1992-2015 | {recent['r'].min():.4f} | "
        f"{ses_table.filter(pl.col('year') >= 1992)['r'].min():.4f} |",
        f"| pooled r without bridge groups (ablation) | {no_bridge:.4f} | |",
        "",
        "Goals of issue 4: pooled r >= 0.98 and every year from 1992 >= 0.95. "
        + _verdict(cal_pooled, recent["r"].min()),
        "",
        "Where the pooled gap comes from (calendar years; ours rescaled per year, then pooled "
        "again):",
        "",
        "| diagnostic | pooled r |",
        "| --- | --- |",
        *[f"| {name} | {value:.4f} |" for name, value in spread.items()],
        "",
        "Within a year the orderings agree closely. The pooled r is lower mainly because the "
        "*spread* of the scale differs over time: BSV's cross-section is much wider in "
        "1946-1970 (SD about 1.3 against 0.9 after 1990) than in later years, while ours "
        "stays more even across eras (the per-year N(0, shrink_var) prior holds it). Matching "
        "the per-year SD alone brings the pooled r to the value in the table above; the "
        "location drift matters less. What helped, measured on this table: bridge groups "
        "(+0.004 to +0.005), proper item priors alpha ~ N(0, 1), beta ~ N(0, 0.5) instead of "
        "N(0, 25) (+0.006: eras of very predictable votes spread out), shrink_var 0.5 instead "
        "of 1 (+0.003). What did not: pooling all roll calls of a short title (the 1946-2015 "
        "titles, e.g. PALESTINE, are coarser than BSV's identical-text matching), pooling "
        "several same-year roll calls of one title, an estimated per-year prior variance, and "
        "dropping the per-year prior (the scale then expands about threefold by 2015).",
        "",
        "| year | countries | r (calendar) | r (session) |",
        "| --- | --- | --- | --- |",
    ]
    merged = cal_table.join(
        ses_table.select("year", pl.col("r").alias("r_s")), on="year", how="left"
    )
    for row in merged.iter_rows(named=True):
        lines.append(
            f"| {row['year']} | {row['n_countries']} | {row['r']:.4f} | {row['r_s']:.4f} |"
        )
    return "\n".join(lines) + "\n"


def _verdict(pooled: float, min_recent: float) -> str:
    yearly = "met" if min_recent >= 0.95 else "not met"
    overall = "met" if pooled >= 0.98 else "not met"
    return f"Pooled goal: {overall}. Yearly goal from 1992: {yearly}."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=shared_data_dir())
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args()
    bsv = load_bsv(args.data_dir)
    titles = load_titles(args.data_dir)
    results, start = {}, time.perf_counter()
    spread: dict[str, float] = {}
    for period in ("calendar", "session"):
        ours = estimate_ideal_points(bridged(load_votes(period, args.data_dir), titles))
        table, pooled = correlations(ours, bsv, BSV_COLUMN)
        _, pooled_fp = correlations(ours, bsv, "idealpointfp")
        results[period] = (table, pooled, pooled_fp)
        if period == "calendar":
            spread = spread_diagnostics(ours, bsv)
        print(
            f"{period}: pooled r {pooled:.4f} (fp {pooled_fp:.4f}), "
            f"min r 1992+ {table.filter(pl.col('year') >= 1992)['r'].min():.4f}",
            flush=True,
        )
    plain = estimate_ideal_points(load_votes("calendar", args.data_dir))
    _, no_bridge = correlations(plain, bsv, BSV_COLUMN)
    print(f"calendar, no bridge groups: pooled r {no_bridge:.4f}; {spread}")
    args.out.write_text(markdown(results, time.perf_counter() - start, no_bridge, spread))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
