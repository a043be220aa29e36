"""``autonomy index`` and ``autonomy joint``: the composite autonomy index and the joint view."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from autonomy_monitor import api
from autonomy_monitor.cli.common import OutputFormat, console, print_frame, rich_table, user_errors

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
]


@user_errors
def index_command(
    countries: Annotated[
        str, typer.Option("--countries", "-c", help="Countries: codes, names or groups (e.g. C5).")
    ] = "C5",
    year: Annotated[
        int | None, typer.Option("--year", help="Year (default: latest year with trade shares).")
    ] = None,
    weights: Annotated[
        Path | None,
        typer.Option("--weights", help="TOML file with a [weights] table, e.g. trade = 0.4."),
    ] = None,
    powers: Annotated[
        str, typer.Option("--powers", help="Powers: codes or groups, comma-separated.")
    ] = api.INDEX_DEFAULT_POWERS,
    draws: Annotated[int, typer.Option("--draws", help="Monte Carlo draws.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the Monte Carlo.")] = 0,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """Autonomy score (1 − the largest dependence on any single power) with 90 % intervals and rank
    stability."""
    import polars as pl

    result = api.autonomy_index(
        countries, year=year, powers=powers, weights=weights, draws=draws, seed=seed
    )
    if fmt is not OutputFormat.table:
        joined = result.dependence.join(result.scores.drop("year"), on="country_iso3", how="left")
        print_frame(joined, fmt, out=out)
        return
    weights_text = ", ".join(f"{k} {v:.2f}" for k, v in result.weights.items())
    scores = result.scores.select(
        "country_iso3",
        "autonomy",
        pl.format("{}–{}", pl.col("autonomy_p05").round(3), pl.col("autonomy_p95").round(3)).alias(
            "90% interval"
        ),
        "dominant_power",
        "dominant_dependence",
        pl.col("rank").cast(pl.Int32),
        pl.format(
            "{}–{}", pl.col("rank_p05").cast(pl.Int32), pl.col("rank_p95").cast(pl.Int32)
        ).alias("rank 90%"),
        "rank_stability",
    )
    year_shown = result.scores["year"][0]
    console().print(
        rich_table(
            scores,
            title=f"Autonomy index {year_shown} (1 = no power dominates)",
            caption=(
                "autonomy = 1 − max over powers of the weighted dependence D(power); "
                f"weights: {weights_text}. Intervals: 5th–95th percentile over {draws:,} "
                "draws of weights (Dirichlet) and input error; rank_stability = share "
                "of draws keeping the rank. Shares are used as they are, Chinese "
                "finance/GDP is capped at 5 %, alignment is the percentile of UN vote "
                "agreement among all countries. See `autonomy methodology` / models/index.py."
            ),
        )
    )
    wide = result.dependence.with_columns(
        pl.format(
            "{} ({}–{})",
            pl.col("dependence").round(2),
            pl.col("dependence_p05").round(2),
            pl.col("dependence_p95").round(2),
        ).alias("cell")
    ).pivot(on="power", index="country_iso3", values="cell", maintain_order=True)
    console().print(rich_table(wide, title="Dependence on each power: D (90% interval)"))


@user_errors
def joint_command(
    powers: Annotated[
        str, typer.Option("--powers", help="Powers: codes or groups, comma-separated.")
    ] = "RUS,CHN,USA",
    countries: Annotated[
        str | None,
        typer.Option("--countries", "-c", help="Restrict to these countries (default: all)."),
    ] = None,
    start: Annotated[int, typer.Option("--from", help="First year.")] = 1995,
    end: Annotated[int, typer.Option("--to", help="Last year.")] = 2023,
    weights: Annotated[
        Path | None,
        typer.Option("--weights", help="TOML weights file (alignment is set to 0 here)."),
    ] = None,
    panel: Annotated[
        bool,
        typer.Option(
            "--panel", help="Print the country-year panel instead of the statistics (csv/json)."
        ),
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """Does dependence on a power go with voting closer to it? Correlations and a panel
    regression."""
    stats, frame, caveats = api.joint_alignment(
        powers, countries=countries, start=start, end=end, weights=weights
    )
    if panel or fmt is not OutputFormat.table:
        print_frame(frame if panel else stats, fmt, out=out)
        return
    console().print(
        rich_table(
            stats,
            title=f"Dependence on a power vs UN vote agreement with it, {start}–{end}",
            caption=(
                "dependence = weighted composite of trade, remittance, migration, "
                "aid, finance and energy shares (alignment weight 0); agreement = "
                "yearly UN vote agreement (issue all). slope: agreement = country + "
                "year effects + slope × dependence, SE clustered by country.\nCaveats:\n"
                + "\n".join(f"- {c}" for c in caveats)
            ),
        )
    )
