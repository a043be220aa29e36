"""``autonomy events``: the curated, cited events (dialogue meetings, summits, key votes, wars)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from autonomy_monitor import api
from autonomy_monitor.cli.common import OutputFormat, console, print_frame, user_errors

if TYPE_CHECKING:  # loaded inside the functions: --help stays light
    import polars as pl
    from rich.table import Table

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
]
FIRST_YEAR, LAST_YEAR = 1945, 2100


def selected_events(country: str | None, start: int | None) -> pl.DataFrame:
    """Events concerning ``country`` (every event when None) from year ``start`` on, oldest
    first."""
    import polars as pl

    if start is not None and not FIRST_YEAR <= start <= LAST_YEAR:
        raise api.BadArgument(
            f"--from {start} is out of range: give a year "
            f"between {FIRST_YEAR} and {LAST_YEAR}, e.g. 2004."
        )
    if country is None:
        frame = api.events()
    else:
        codes = api.parse_country_list(country)
        if len(codes) != 1:
            raise api.BadArgument(
                f"--country {country!r} names {len(codes)} countries: give one, e.g. KGZ."
            )
        frame = api.country_events(codes[0])
    if start is not None:
        frame = frame.filter(pl.col("date").dt.year() >= start)
    return frame.sort("date", "title")


def shown_date(date: object, precision: str) -> str:
    """'2004-08-28', or '2011-12' when only the month is known."""
    text = str(date)
    return text[:7] if precision == "month" else text


def events_table(frame: pl.DataFrame, title: str) -> Table:
    from rich.table import Table

    table = Table(
        title=title,
        caption=(
            "Dates to the month where the day is not known. Every event links to a public source."
        ),
        caption_justify="left",
        show_lines=False,
    )
    table.add_column("date", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("event", ratio=3)
    table.add_column("source", ratio=2, overflow="fold")
    for row in frame.iter_rows(named=True):
        table.add_row(
            shown_date(row["date"], row["date_precision"]),
            row["kind"],
            row["title"],
            f"{row['source']}\n[link={row['url']}]{row['url']}[/link]",
        )
    return table


@user_errors
def events_command(
    country: Annotated[
        str | None,
        typer.Option(
            "--country",
            "-c",
            help="Only events concerning this country (ISO3 code or name, e.g. KGZ).",
        ),
    ] = None,
    start: Annotated[int | None, typer.Option("--from", help="First year, e.g. 2004.")] = None,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """Dated events with a one-line description and a public source: the "Central Asia plus Japan"
    dialogue (foreign ministers', senior officials' meetings, summits), key UN votes, wars,
    sanctions."""
    import polars as pl

    frame = selected_events(country, start)
    if fmt is not OutputFormat.table:
        print_frame(frame.with_columns(pl.col("countries").list.join(";")), fmt, out=out)
        return
    who = f" concerning {api.country_name(api.parse_country_list(country)[0])}" if country else ""
    since = f" since {start}" if start else ""
    console().print(events_table(frame, f"{frame.height} events{who}{since}"))
