"""One package per publisher: bulk parsers and live connectors (see docs/CONTRIBUTING.md)."""

LIVE_SOURCES: tuple[str, ...] = (
    "wdi",
    "imf",
    "oecd",
    "undesa",
    "knomad",
    "unga",
    "comtrade",
)  # sources with a live.py connector


def live_sources() -> tuple[str, ...]:
    """Names of the sources ``autonomy fetch`` can fetch (each has a ``live.py`` connector)."""
    return LIVE_SOURCES
