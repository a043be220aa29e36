"""Helpers shared by the CLI commands: settings, output formats, error handling."""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console

from autonomy_monitor import api

if TYPE_CHECKING:  # Polars and Rich tables load when a command prints, not for --help
    import polars as pl
    from rich.table import Table

F = TypeVar("F", bound=Callable[..., Any])


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def console() -> Console:
    """Standard output; at least 120 columns wide when not a terminal (pipes, tests)."""
    probe = Console()
    return probe if probe.is_terminal else Console(width=max(probe.width, 120))


def error_console() -> Console:
    return Console(stderr=True)


def user_errors(func: F) -> F:
    """Print AutonomyError as one red sentence on stderr and exit 2 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except api.AutonomyError as error:
            error_console().print(f"[bold red]Error:[/] {error}", highlight=False, soft_wrap=True)
            raise SystemExit(2) from None
        except KeyboardInterrupt:
            error_console().print("[bold red]Interrupted[/]: nothing was changed.")
            raise SystemExit(130) from None

    return wrapper  # type: ignore[return-value]


def print_frame(
    frame: pl.DataFrame,
    fmt: OutputFormat,
    *,
    title: str = "",
    caption: str = "",
    out: Path | None = None,
) -> None:
    """Write a frame as a Rich table (terminal) or CSV / JSON / Parquet (stdout or --out)."""
    if fmt is OutputFormat.table:
        console().print(rich_table(frame, title=title, caption=caption))
        return
    if fmt is OutputFormat.parquet:
        target = out or Path("-")
        if str(target) == "-":
            buffer = io.BytesIO()
            frame.write_parquet(buffer)
            sys.stdout.buffer.write(buffer.getvalue())
        else:
            frame.write_parquet(target)
        return
    text = frame.write_csv() if fmt is OutputFormat.csv else frame.write_json()
    if out:
        out.write_text(text if fmt is OutputFormat.csv else text + "\n")
    else:
        sys.stdout.write(text if fmt is OutputFormat.csv else text + "\n")


def rich_table(frame: pl.DataFrame, *, title: str = "", caption: str = "") -> Table:
    from rich.table import Table

    table = Table(title=title or None, caption=caption or None, caption_justify="left")
    for name, dtype in frame.schema.items():
        table.add_column(name, justify="right" if dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        table.add_row(*(format_cell(value) for value in row))
    return table


def format_cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1e5 else f"{value:,.0f}"
    return str(value)
