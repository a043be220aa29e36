"""The ``autonomy`` command: a thin shell over :mod:`autonomy_monitor.api`.

Each command module registers its commands here; errors a user can fix print one
sentence and exit 2 (see ``cli.common.user_errors``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from autonomy_monitor import __version__, api
from autonomy_monitor.cli.common import OutputFormat, console, print_frame, rich_table, user_errors

app = typer.Typer(
    name="autonomy",
    help=(
        "Strategic Autonomy Monitor: dependence, UN "
        "alignment and what-if scenarios for any country."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
]


def version_callback(value: bool) -> None:
    if value:
        console().print(f"autonomy-monitor {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Strategic Autonomy Monitor."""


@app.command()
@user_errors
def build(
    source_dir: Annotated[
        Path | None,
        typer.Option(
            "--source-dir",
            help="Folder of raw bulk files (default: AUTONOMY_SHARED_DATA or ../shared/data).",
        ),
    ] = None,
    only: Annotated[
        str | None,
        typer.Option(
            "--sources", help="Comma-separated subset of sources to build (default: all)."
        ),
    ] = None,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="Fetch the official APIs into the snapshot store first, then build from it.",
        ),
    ] = False,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Build from the snapshot store without fetching (says what is missing).",
        ),
    ] = False,
    since: Annotated[
        int | None, typer.Option("--since", help="With --live: first year to ask the APIs for.")
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="duckdb (default, embedded) or spark (needs `uv sync --extra spark` and Java 17).",
        ),
    ] = None,
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            help="With --engine spark: master URL, e.g. spark://host:7077 (default local[*]).",
        ),
    ] = None,
    baci_dir: Annotated[
        Path | None,
        typer.Option(
            "--baci-dir",
            help=(
                "Folder of CEPII BACI yearly CSVs (or UN Comtrade "
                "bulk CSV): adds product-level (HS6) dependence."
            ),
        ),
    ] = None,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help=(
                "Read every source again instead of reusing "
                "unchanged core tables of the previous warehouse."
            ),
        ),
    ] = False,
) -> None:
    """Build the warehouse from raw files (or live sources); the previous warehouse stays until the
    new one is complete.

    Sources whose files and code are unchanged are copied from the previous warehouse; with
    --sources the named ones are read again. Each step's time and memory are printed (and
    shown again by `autonomy status`)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    settings = api.Settings()
    chosen = [s.strip() for s in only.split(",")] if only else None
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console(),
        transient=False,
    ) as progress:
        task = progress.add_task("starting build", total=None)
        path = api.build(
            source_dir,
            sources=chosen,
            settings=settings,
            live=live,
            offline=offline,
            since=since,
            engine=engine,
            spark_master=spark_master,
            baci_dir=baci_dir,
            fresh=fresh,
            progress=lambda m: (
                progress.update(task, description=m)
                if m.endswith("…")
                else progress.console.print(m)
            ),
        )
        progress.update(task, description="done")
    console().print(
        f"Warehouse written to [bold]{path}[/] ({path.stat().st_size / 1e6:.1f} "
        "MB). `autonomy status` shows its provenance."
    )


@app.command()
@user_errors
def status(fmt: FormatOption = OutputFormat.table) -> None:
    """Show what the warehouse was built from: files, hashes, rows kept and rejected, tables."""
    settings = api.Settings()
    runs = api.build_runs(settings)
    if fmt is not OutputFormat.table:
        print_frame(api.provenance(settings), fmt)
        return
    console().print(f"Reading from {api.describe_store(settings)}")
    if runs.height:
        run = runs.row(0, named=True)
        console().print(
            f"Built {run['built_at']} from {run['source_dir']} "
            f"(package {run['package_version']}, engine {run['engine']})"
        )
    provenance = api.provenance(settings).with_columns(api_sha_prefix())
    console().print(
        rich_table(
            provenance.select(
                "source",
                "file",
                "rows_read",
                "rows_kept",
                "rows_rejected",
                "reject_reasons",
                "sha256_prefix",
            ),
            title="Inputs (provenance)",
        )
    )
    console().print(
        rich_table(
            provenance.select("source", "publisher", "license").unique(maintain_order=True),
            title="Publishers and terms",
        )
    )
    console().print(
        rich_table(
            lineage_summary(api.lineage(settings)),
            title="Tables (lineage)",
            caption=(
                "`autonomy trace TABLE --where col=value,...` follows one row to its raw files."
            ),
        )
    )
    steps = api.build_steps(settings)
    if steps.height:
        console().print(
            rich_table(
                steps,
                title="Build steps (wall time, memory of the build process)",
                caption="reused: copied from the previous warehouse (inputs and code unchanged).",
            )
        )
    mismatches = api.tally_mismatches(settings)
    if mismatches.height:
        console().print(
            rich_table(
                mismatches, title="Roll calls whose stored votes differ from the official tally"
            )
        )
    console().print(
        rich_table(
            api.snapshot_store_status(settings),
            title=f"Live sources in the snapshot store ({settings.snapshot_store})",
            caption=(
                "Fetch with `autonomy fetch --source NAME`; build from "
                "the store with `autonomy build --live` or `--offline`."
            ),
        )
    )


def lineage_summary(lineage):  # type: ignore[no-untyped-def]
    """Table, rows, producer and input counts; lists (or an older snapshot's joined text)
    counted."""
    import polars as pl

    def count(column: str) -> pl.Expr:
        dtype = lineage.schema[column]
        items = pl.col(column) if dtype == pl.List(pl.String) else pl.col(column).str.split(",")
        return items.list.len().alias(column.replace("input_", "n_input_"))

    present = [c for c in ("input_tables", "input_files", "input_sha256") if c in lineage.columns]
    summary = lineage.with_columns(count(c) for c in present).drop(present)
    return summary.drop("n_input_sha256") if "n_input_files" in summary.columns else summary


def api_sha_prefix(column: str = "sha256"):  # type: ignore[no-untyped-def]
    import polars as pl

    return (
        pl.col(column)
        .str.split(",")
        .list.eval(pl.element().str.slice(0, 12))
        .list.join(",")
        .alias(f"{column}_prefix")
    )


@app.command()
@user_errors
def alignment(
    country: Annotated[
        str,
        typer.Argument(
            help="Country: ISO3 code or name, e.g. KAZ; or all (every member, with named partners)."
        ),
    ],
    partners: Annotated[
        str,
        typer.Option(
            "--with",
            help=(
                "Partners: codes, names or groups, comma-separated "
                "(e.g. RUS,CHN,USA,JPN), or all / UN (every member)."
            ),
        ),
    ] = "RUS,CHN,USA,JPN",
    start: Annotated[int | None, typer.Option("--from", help="First year (default 1946).")] = None,
    end: Annotated[int | None, typer.Option("--to", help="Last year (default 2026).")] = None,
    issue: Annotated[
        str, typer.Option("--issue", help="all, me, nu, di, hr, co, ec or ukraine.")
    ] = "all",
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """A country's yearly UN vote agreement with each partner (agreement, identical share, S,
    kappa)."""
    frame = api.vote_agreement(country, partners, start=start, end=end, issue=issue)
    code = "all members" if api.is_all_members(country) else api.parse_country_list(country)[0]
    name = code if code == "all members" else f"{api.country_name(code)} ({code})"
    title = f"UN General Assembly vote agreement: {name}, issue: {issue}"
    caption = (
        "agreement = 1 − mean|v_i − v_j| (Y=1, A=0.5, N=0) over roll calls both voted; "
        "s_score = 2·agreement − 1; kappa = Cohen's kappa; absences excluded. 95% "
        "columns (lo–hi): intervals: Wilson for identical_share, bootstrap over the "
        f"shared roll calls for agreement and kappa (samples under {api.MIN_SHARED_VOTES} "
        "votes only). Flags: small sample (< 20 shared votes), partial year, break "
        "(roll calls > 1.5x or < 1/1.5 the neighbouring years' median). Sources: "
        "Voeten/unvotes 1946–2019, UN DGACM 2019–2026; press-reported votes are never counted."
    )
    if fmt is OutputFormat.table:
        frame = alignment_table(frame)
    print_frame(frame, fmt, title=title, caption=caption, out=out)


def alignment_table(frame):  # type: ignore[no-untyped-def]
    """The terminal view: intervals as 'lo–hi' beside their measure, flags in words, no booleans."""
    import polars as pl

    def span(low: str, high: str) -> pl.Expr:
        return pl.when(pl.col(low).is_not_null()).then(
            pl.format("{}–{}", pl.col(low).round(2), pl.col(high).round(2))
        )

    columns = [
        "partner_iso3",
        "year",
        "n_votes",
        "agreement",
        span("agreement_lo", "agreement_hi").alias("agreement 95%"),
        "identical_share",
        span("identical_share_lo", "identical_share_hi").alias("identical 95%"),
        "kappa",
        span("kappa_lo", "kappa_hi").alias("kappa 95%"),
        "flags",
    ]
    if frame["as_state"].null_count() < frame.height:
        columns.insert(1, "as_state")
    if frame["country_iso3"].n_unique() > 1:
        columns.insert(0, "country_iso3")
    return frame.select(columns)


@app.command()
@user_errors
def votes(
    resolution: Annotated[
        str,
        typer.Option(
            "--resolution",
            "-r",
            help=(
                "Resolution symbol: A/RES/68/262, 68/262, ES-11/1, "
                "'res 68/262', or the draft symbol (A/ES-11/L.1)."
            ),
        ),
    ],
    countries: Annotated[
        str | None,
        typer.Option(
            "--countries",
            "-c",
            help=(
                "Codes, names or groups (e.g. C5,RUS,CHN,USA,JPN), "
                "or all / UN; default all members."
            ),
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    out: OutOption = None,
) -> None:
    """How each country voted on a resolution: Y, N, A, or X (member that did not vote)."""
    import polars as pl

    frame = api.key_votes(resolution, countries)
    if fmt is not OutputFormat.table:
        print_frame(frame, fmt, out=out)
        return
    calls = api.roll_call(resolution)
    totals = {row["roll_call_id"]: row for row in api.vote_totals(resolution).iter_rows(named=True)}
    for call in calls.iter_rows(named=True):
        rows = frame.filter(pl.col("roll_call_id") == call["roll_call_id"])
        press = call["record_kind"] == "press_reported"
        extra = [
            c for c in ("as_state",) if c in rows.columns and rows[c].null_count() < rows.height
        ]
        shown = rows.select(
            "country_iso3", "vote", *extra, *(["source", "source_quote"] if press else [])
        )
        table = rich_table(shown)
        for column in table.columns:
            column.overflow = "fold"  # URLs in full
        console().print(vote_title(call, press), style="bold", markup=False, highlight=False)
        console().print(table)
        console().print(
            vote_caption(call, totals[call["roll_call_id"]], press), markup=False, highlight=False
        )


def vote_title(call: dict, press: bool) -> str:  # type: ignore[type-arg]
    kind = "" if call["vote_kind"] in (None, "resolution") else f" [{call['vote_kind']} vote]"
    title = call["title"] or f"(no title: {call['title_note']})"
    flag = f" [{api.PRESS_LABEL}]" if press else ""
    return f"{call['resolution_symbol']} ({call['date']}){kind}: {title}{flag}"


def vote_caption(call: dict, totals: dict, press: bool) -> str:  # type: ignore[type-arg]
    official = (
        (
            " Official tally: "
            f"{call['official_yes']}-{call['official_no']}-{call['official_abstain']}"
            + (" (as reported)." if press else ".")
        )
        if call["official_yes"] is not None
        else ""
    )
    if press:
        return (
            f"{api.PRESS_LABEL.capitalize()}: no official roll call is stored for "
            "this vote; each vote is as stated by the page in `source`; – = not "
            "stated by the cited pages. Never used in agreement, kappa, "
            f"participation or ideal points.{official} Tally source: {call['source']}."
        )
    key = (
        f" Source key: {call['source_key']}."
        if call.get("source_key") and call["source_key"] != call["resolution_symbol"]
        else ""
    )
    note = f" Title: {call['title_note']}." if call.get("title_note") else ""
    return (
        f"Stored: {totals['yes']} yes, {totals['no']} no, {totals['abstain']} "
        f"abstentions, {totals['absent']} members absent (X); – = not a "
        f"member on that date.{official} Source: {call['source']}.{key}{note}"
    )


@app.command()
@user_errors
def snapshot(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Target folder (default: the package's bundled snapshot)."),
    ] = None,
) -> None:
    """Regenerate the bundled snapshot of derived tables from the built warehouse."""
    manifest = api.write_snapshot(out)
    total = sum(t["bytes"] for t in manifest["tables"])
    for table in manifest["tables"]:
        console().print(f"{table['name']}: {table['rows']:,} rows, {table['bytes'] / 1e6:.2f} MB")
    console().print(f"Snapshot written ({total / 1e6:.2f} MB in all).")


from autonomy_monitor.cli import trace as trace_cli  # noqa: E402 - registered after app exists

app.command("trace")(trace_cli.trace_command)

from autonomy_monitor.cli import fetch as fetch_cli  # noqa: E402 - registered after app exists

app.command("fetch")(fetch_cli.fetch_command)

from autonomy_monitor.cli import dependence as dependence_cli  # noqa: E402 - registered after app exists

app.command("dependence")(dependence_cli.dependence_command)
app.command("profile")(dependence_cli.profile_command)

from autonomy_monitor.cli import trade as trade_cli  # noqa: E402 - registered after app exists

app.command("gaps")(trade_cli.gaps_command)

from autonomy_monitor.cli import idealpoints as idealpoints_cli  # noqa: E402 - registered after app exists

app.command("idealpoints")(idealpoints_cli.idealpoints_command)

from autonomy_monitor.cli import scenario as scenario_cli  # noqa: E402 - registered after app exists

app.add_typer(scenario_cli.scenario_app, name="scenario")

from autonomy_monitor.cli import index as index_cli  # noqa: E402 - registered after app exists

app.command("index")(index_cli.index_command)
app.command("joint")(index_cli.joint_command)

from autonomy_monitor.cli import report as report_cli  # noqa: E402 - registered after app exists

app.command("report")(report_cli.report_command)

from autonomy_monitor.cli import serve as serve_cli  # noqa: E402 - registered after app exists

app.command("serve")(serve_cli.serve_command)

from autonomy_monitor.cli import events as events_cli  # noqa: E402 - registered after app exists

app.command("events")(events_cli.events_command)


@app.command()
@user_errors
def methodology(out: OutOption = None) -> None:
    """Print (or write) every indicator's definition, formula, unit and sources, from the
    catalog."""
    text = api.methodology_markdown()
    if out:
        out.write_text(text)
        console().print(f"Methodology written to {out}.")
    else:
        console().print(text, markup=False, highlight=False)


def run() -> None:
    """``python -m autonomy_monitor.cli.main``; the ``autonomy`` script is
    :func:`autonomy_monitor.cli.run` (answers ``--version`` before importing Typer)."""
    app()


if __name__ == "__main__":
    run()
