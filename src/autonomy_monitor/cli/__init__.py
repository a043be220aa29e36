"""The ``autonomy`` command line (Typer app in :mod:`autonomy_monitor.cli.main`).

:func:`run` is the console script: ``autonomy --version`` is answered here, before Typer, Rich
and the command modules are imported (about a tenth of the time); everything else goes to the
Typer app.
"""

from __future__ import annotations

import sys


def run() -> None:
    """Entry point of the ``autonomy`` script."""
    if sys.argv[1:] == ["--version"]:
        from autonomy_monitor import __version__

        sys.stdout.write(f"autonomy-monitor {__version__}\n")
        return
    from autonomy_monitor.cli.main import app

    app()
