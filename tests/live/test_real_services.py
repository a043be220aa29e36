"""Against the real publishers: skipped unless run with ``-m live`` (needs the network)."""

from __future__ import annotations

import pytest

from autonomy_monitor.pipeline import fetch


@pytest.mark.live
@pytest.mark.parametrize("source", ["wdi", "imf", "oecd", "comtrade"])
def test_api_source_fetches_and_parses(source, settings):
    (manifest,) = fetch.fetch_sources(settings, source, since=2020)
    assert manifest.records
    tables = fetch.load_live(settings, source).tables
    assert all(frame.height > 0 for frame in tables.values())
