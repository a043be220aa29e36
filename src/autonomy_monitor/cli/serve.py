"""``autonomy serve``: the web dashboard on a local address (read-only)."""

from __future__ import annotations

from typing import Annotated

import typer

from autonomy_monitor import api
from autonomy_monitor.cli.common import console, user_errors


@user_errors
def serve_command(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: loopback only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Serve the dashboard (overview, country pages, compare, events, methodology, downloads)."""
    import uvicorn

    from autonomy_monitor.web import create_app

    settings = api.Settings()
    app = create_app(settings)
    console().print(
        f"Serving the dashboard at [bold]http://{host}:{port}/[/] "
        f"(reading {api.describe_store(settings)}); Ctrl+C stops it."
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
