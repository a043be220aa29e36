"""``autonomy report``: a printable country briefing (PDF via Typst, or self-contained HTML)."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from autonomy_monitor import api
from autonomy_monitor.cli.common import console, user_errors


class ReportFormat(str, enum.Enum):
    pdf = "pdf"
    html = "html"


class ReportLanguage(str, enum.Enum):
    en = "en"
    ja = "ja"
    ru = "ru"


@user_errors
def report_command(
    country: Annotated[str, typer.Argument(help="Country code or name, e.g. KGZ or Kyrgyzstan.")],
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="pdf (A4, Typst) or html (one self-contained file)."),
    ] = ReportFormat.pdf,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Report data up to this year (default: latest available)."),
    ] = None,
    since: Annotated[
        int | None,
        typer.Option(
            "--since",
            help="Measure changes against this year (default: ten years before the latest).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Output file ('-' for stdout; default ./<ISO3>-briefing.<format>)."
        ),
    ] = None,
    lang: Annotated[
        ReportLanguage, typer.Option("--lang", help="Language of the report's text.")
    ] = ReportLanguage.en,
) -> None:
    """Write a country briefing: largest dependencies and their change, UN alignment, key votes,
    sources."""
    from autonomy_monitor.reports import build_report  # charts and Typst: only for this command

    data = build_report(country, fmt.value, year=year, since=since, lang=lang.value)
    if out is not None and str(out) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if out is None:
        code = api.parse_country_list(country)[0]
        out = Path(f"{code}-briefing.{fmt.value}")
    if out.parent and not out.parent.exists():
        raise api.BadArgument(
            f"--out {out}: the folder {out.parent} does "
            "not exist; create it or choose another path."
        )
    out.write_bytes(data)
    console().print(f"Wrote {out} ({len(data):,} bytes).", highlight=False)
