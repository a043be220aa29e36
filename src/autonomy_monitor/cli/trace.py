"""``autonomy trace TABLE --where col=val,...``: one row's whole path back to the raw files."""

from __future__ import annotations

from typing import Annotated

import typer

from autonomy_monitor import api
from autonomy_monitor.cli.common import console, rich_table, user_errors

SHOWN_ROWS = 5


def row_view(rows):  # type: ignore[no-untyped-def]
    """A few rows shown as columns (one line per field), readable in a terminal."""
    import polars as pl

    text = rows.select(pl.all().cast(pl.String))
    names = [f"row {i + 1}" for i in range(text.height)] if text.height > 1 else ["value"]
    return text.transpose(include_header=True, header_name="column", column_names=names)


@user_errors
def trace_command(
    table: Annotated[str, typer.Argument(help="Table to start from, e.g. out_dependence__yearly.")],
    where: Annotated[
        str,
        typer.Option(
            "--where",
            "-w",
            help=(
                "Row filter: column=value pairs, comma-separated (e.g. country_iso3=KGZ,year=2021)."
            ),
        ),
    ],
) -> None:
    """Print a row's value and method, the steps and functions that made it, its input tables and
    raw files (sha256, vintage)."""
    result = api.trace(table, where)
    out = console()
    shown = ", ".join(f"{k}={v}" for k, v in result.where.items())
    out.print(f"[bold]{table}[/] where {shown} (reading {result.store})", highlight=False)
    out.print(
        rich_table(
            row_view(result.rows.head(SHOWN_ROWS)),
            title=f"Value ({result.rows.height} matching row(s))",
        )
    )
    for note in result.indicators:
        out.print(
            f"Measure [bold]{note['measure']}[/]: {note['definition']} "
            f"Formula: {note['formula']}; unit: {note['unit']}; indicator "
            f"function: {note['function']}; reference: {note['reference']}.",
            highlight=False,
        )
    for depth, step in enumerate(result.path):
        inputs = ", ".join(step.input_tables) or "raw files"
        rows = "" if step.rows is None else f"; {step.rows.height} matching row(s)"
        out.print(
            f"{'  ' * min(depth, 1)}[bold]{step.table}[/] <- "
            f"{step.producer} ({step.function}) from {inputs}{rows}",
            highlight=False,
        )
        if step.files.height:
            out.print(rich_table(step.files.select("file", "sha256", "vintage", "publisher")))
    out.print(
        f"{result.files.height} raw file(s) in all; `autonomy "
        "status` lists every input with its licence.",
        highlight=False,
    )
