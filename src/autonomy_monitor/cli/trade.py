"""``autonomy gaps``: where a country's own trade figures and its partners' mirror figures
differ."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from autonomy_monitor import api
from autonomy_monitor.cli.common import OutputFormat, console, print_frame, user_errors

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
]

CAPTION = (
    "ratio = mirror / reporter: the partner's report of the reverse flow (its "
    "exports to the reporter for the reporter's imports) over the reporter's own "
    "figure; log_gap = ln(ratio). Imports are valued CIF and exports FOB, so an "
    "import ratio near 0.94 is normal; gaps of 2 and more point to unrecorded trade, "
    "transit or re-exports, or different partner attribution. Sources: {sources}."
)


@user_errors
def gaps_command(
    reporter: Annotated[
        str, typer.Option("--reporter", "-r", help="Reporter: ISO3 code or name, e.g. KGZ.")
    ],
    partner: Annotated[
        str | None,
        typer.Option(
            "--partner",
            "-p",
            help="Partners: codes, names or groups, comma-separated (default all).",
        ),
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="One year.")] = None,
    start: Annotated[int | None, typer.Option("--from", help="First year.")] = None,
    end: Annotated[int | None, typer.Option("--to", help="Last year.")] = None,
    min_ratio: Annotated[
        float,
        typer.Option(
            "--min-ratio", help="Smallest gap factor shown, max(ratio, 1/ratio) (at least 1.5)."
        ),
    ] = 2.0,
    flow: Annotated[
        str | None, typer.Option("--flow", help="export or import (default both).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """Large gaps between a reporter's own trade figures and its partners' mirror figures."""
    import polars as pl

    frame = api.mirror_gaps(
        reporter, partner, year=year, start=start, end=end, min_ratio=min_ratio, flow=flow
    )
    if fmt is not OutputFormat.table:
        print_frame(frame, fmt, out=out)
        return
    code = api.parse_country_list(reporter)[0]
    if frame.is_empty():
        console().print(
            f"No reporter–mirror gaps of a factor {min_ratio} "
            f"or more for {code} with these options."
        )
        return
    shown = frame.select(
        "partner_iso3",
        "year",
        "flow",
        (pl.col("reporter_value_usd") / 1e6).round(1).alias("reporter_musd"),
        (pl.col("mirror_value_usd") / 1e6).round(1).alias("mirror_musd"),
        pl.col("ratio").round(2),
        pl.col("log_gap").round(2),
        "source",
    )
    sources = ", ".join(sorted(set(" | ".join(frame["source"].unique().to_list()).split(" | "))))
    print_frame(
        shown,
        fmt,
        title=(
            f"Reporter–mirror trade gaps: {api.country_name(code)} "
            f"({code}) as reporter, US$ million"
        ),
        caption=CAPTION.format(sources=sources),
    )
