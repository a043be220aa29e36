"""``autonomy fetch`` and ``autonomy status``: live sources into the snapshot store, and what
the store holds. Registered on the Typer app in ``cli/main.py``::

    app.command("fetch")(fetch_cli.fetch_command)
    app.command("status")(fetch_cli.status_command)
"""

from __future__ import annotations

import typer

from autonomy_monitor import api
from autonomy_monitor.cli.common import OutputFormat, console, print_frame, user_errors

SOURCE_HELP = "Comma-separated live sources: " + ",".join(api.live_sources()) + " (default: all)."


@user_errors
def fetch_command(
    source: str = typer.Option("", "--source", help=SOURCE_HELP),
    since: int | None = typer.Option(None, "--since", help="First year to ask APIs for."),
    offline: bool = typer.Option(
        False, "--offline", help="Fetch nothing; check that stored snapshots cover the sources."
    ),
) -> None:
    """Fetch live official sources into the content-addressed snapshot store."""
    settings = api.Settings()
    out = console()
    manifests = api.fetch_sources(
        source or None,
        since=since,
        offline=offline,
        settings=settings,
        progress=lambda text: out.print(text),
    )
    verb = "stored" if offline or settings.offline else "fetched"
    for manifest in manifests:
        out.print(
            f"{manifest.source}: {verb} {len(manifest.records)} file(s), {manifest.size:,} bytes, "
            f"vintage {manifest.vintage}, at {manifest.fetched_at:%Y-%m-%d %H:%M} UTC"
        )


@user_errors
def status_command(
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="Output format."),
) -> None:
    """Show each live source's stored vintage, when it was fetched and how old that is."""
    settings = api.Settings()
    frame = api.snapshot_store_status(settings)
    print_frame(
        frame,
        fmt,
        title="Snapshot store",
        caption=f"{settings.snapshot_store}; missing sources: run `autonomy fetch --source NAME`",
    )
