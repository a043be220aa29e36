"""User-facing errors: each carries one sentence naming what is wrong, where, and what to do.

The CLI prints ``str(error)`` without a traceback and exits with code 2.
"""

from __future__ import annotations


class AutonomyError(Exception):
    """Base class for errors caused by input, arguments or data rather than by a bug."""


class BadArgument(AutonomyError):
    """A command-line or API argument is invalid (unknown country, year out of range...)."""


class BadInput(AutonomyError):
    """A raw input file is unreadable, truncated, has wrong columns or invalid values."""


class UnresolvedCountries(BadInput):
    """Country names in a source that the country dimension cannot resolve."""

    def __init__(self, source: str, names: list[str]) -> None:
        self.source = source
        self.names = sorted(set(names))
        listed = ", ".join(repr(n) for n in self.names)
        super().__init__(
            f"{source}: {len(self.names)} country name(s) could not be resolved: {listed}; "
            "add them to src/autonomy_monitor/data/country_aliases.csv."
        )


class WarehouseMissing(AutonomyError):
    """No warehouse has been built yet and no bundled snapshot covers the request."""


class SourceUnreachable(AutonomyError):
    """A publisher's host cannot be reached (no network, DNS failure, connection refused)."""


class SourceError(AutonomyError):
    """A publisher answered, but not with usable data (error page, error object, bad format)."""


class SnapshotsMissing(AutonomyError):
    """An offline run needs stored snapshots that are not in the snapshot store."""
