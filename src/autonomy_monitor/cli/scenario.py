"""``autonomy scenario list | run | explain``: what-if scenarios from TOML files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from autonomy_monitor import api
from autonomy_monitor.cli.common import OutputFormat, console, print_frame, rich_table, user_errors

FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output format (csv/json/parquet: every compared row)."),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
]

scenario_app = typer.Typer(
    name="scenario",
    help="What-if scenarios: list, run and explain scenario files.",
    no_args_is_help=True,
    add_completion=False,
)

MEASURE_ORDER = [
    "workers_in_destination",
    "remittances_usd",
    "remittance_share",
    "remittance_dependence",
    "remittance_sender_hhi",
    "export_usd",
    "import_usd",
    "total_usd",
    "export_share",
    "import_share",
    "total_share",
    "exposure_share",
    "export_hhi",
    "import_hhi",
    "total_hhi",
    "gas_exports_bcm",
    "gas_export_share",
    "gas_export_hhi",
    "oda_usd",
    "oda_share",
    "donor_hhi",
]
PERCENT_UNITS = ("share", "ratio to GDP", "share of GDP")


@scenario_app.command("list")
@user_errors
def list_command(fmt: FormatOption = OutputFormat.table) -> None:
    """The bundled scenarios."""
    print_frame(
        api.scenario_list(),
        fmt,
        title="Bundled scenarios",
        caption=(
            "Run one with `autonomy scenario run NAME`; see its "
            "assumptions with `autonomy scenario explain NAME`."
        ),
    )


@scenario_app.command("explain")
@user_errors
def explain_command(
    name: Annotated[str, typer.Argument(help="Bundled scenario name or a TOML file.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """A scenario's rationale, stated facts (with sources), assumptions and lever parameters."""
    import polars as pl

    spec, assumptions = api.scenario_explain(name)
    if fmt is not OutputFormat.table:
        print_frame(assumptions, fmt)
        return
    header = spec.scenario
    console().print(
        f"[bold]{header.title or header.name}[/] ({header.name}; "
        f"{header.country}, {header.years[0]}–{header.years[1]})"
    )
    if header.rationale:
        console().print(header.rationale.strip(), highlight=False)
    console().print(
        rich_table(
            assumptions.with_columns(pl.col("source").fill_null("")),
            title="Facts, assumptions and levers",
        )
    )


@scenario_app.command("run")
@user_errors
def run_command(
    name: Annotated[str, typer.Argument(help="Bundled scenario name or a TOML file.")],
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
    top: Annotated[
        int,
        typer.Option(
            "--top", help="Largest baseline partners shown besides those the levers name."
        ),
    ] = 3,
) -> None:
    """Baseline vs scenario, per year: values, differences and the scenario's assumptions."""
    import polars as pl

    result = api.run_scenario(name)
    if fmt is not OutputFormat.table:
        print_frame(result.comparison, fmt, out=out)
        return
    header = result.scenario.scenario
    console().print(f"[bold]{header.title or header.name}[/] — {header.years[0]}–{header.years[1]}")
    rows = api.scenario_key_rows(result, top)
    order = {m: k for k, m in enumerate(MEASURE_ORDER)}
    rows = rows.with_columns(
        pl.col("measure")
        .replace_strict(order, default=len(order), return_dtype=pl.Int32)
        .alias("_m")
    )
    for (country, dimension), part in rows.group_by(
        ["country_iso3", "dimension"], maintain_order=True
    ):
        part = part.sort("_m", "measure", "partner_iso3", "year", nulls_last=True)
        flags = ", ".join(
            sorted({f for f in part["flag"].drop_nulls().to_list() for f in f.split(";")})
        )
        percent = pl.col("unit").is_in(list(PERCENT_UNITS))
        table = part.with_columns(
            *[
                pl.when(percent).then(pl.col(c) * 100).otherwise(pl.col(c)).alias(c)
                for c in ("baseline", "scenario", "difference")
            ],
            pl.when(percent)
            .then(pl.lit("% (") + pl.col("unit") + pl.lit(")"))
            .otherwise(pl.col("unit"))
            .alias("unit"),
        ).select(
            pl.col("measure"),
            pl.col("partner_iso3").fill_null("(all)").alias("partner"),
            "year",
            "baseline",
            "scenario",
            "difference",
            "unit",
        )
        caption = f"Flags: {flags}." if flags else ""
        console().print(
            rich_table(
                table,
                title=(
                    f"{api.country_name(str(country))} ({country}) "
                    f"— {dimension}: baseline vs scenario"
                ),
                caption=caption,
            )
        )
    if result.notes:
        console().print("[bold]Notes[/]")
        for note in dict.fromkeys(result.notes):
            console().print(f"  • {note}", highlight=False)
    console().print(
        rich_table(
            result.assumptions.with_columns(pl.col("source").fill_null("")), title="Assumptions"
        )
    )
    console().print(
        "All compared rows: `--format csv`. Rationale and sources: `autonomy scenario explain "
        f"{header.name}`.",
        highlight=False,
    )
