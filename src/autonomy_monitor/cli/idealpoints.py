"""``autonomy idealpoints``: dynamic UN ideal points per country and year."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from autonomy_monitor import api
from autonomy_monitor.cli.common import OutputFormat, print_frame, user_errors

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
]

CAPTION = (
    "Dynamic ordered-probit ideal points (variational EM, random walk between years; United "
    "States positive; latent probit units). se = posterior SD; n_votes = Y/A/N votes that "
    "year. Validation against Bailey-Strezhnev-Voeten: docs/idealpoints_validation.md."
)


@user_errors
def idealpoints_command(
    countries: Annotated[
        str,
        typer.Option(
            "--countries",
            "-c",
            help="Codes, names or groups, comma-separated, or all / UN (every member).",
        ),
    ] = "C5,RUS,CHN,USA,JPN",
    start: Annotated[int | None, typer.Option("--from", help="First year (default 1946).")] = None,
    end: Annotated[int | None, typer.Option("--to", help="Last year (default 2026).")] = None,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """UN General Assembly ideal points with standard errors, per country and year."""
    frame = api.ideal_points(countries, start, end)
    print_frame(frame, fmt, title="UN General Assembly ideal points", caption=CAPTION, out=out)
