"""The methodology document is generated from the catalog and kept in step with it."""

from __future__ import annotations

from pathlib import Path

from autonomy_monitor import api, catalog

DOC = Path(__file__).resolve().parents[1] / "docs" / "methodology.md"


def test_every_indicator_is_documented() -> None:
    text = api.methodology_markdown()
    for entry in catalog.load_indicators():
        assert f"### `{entry.name}`" in text
        assert entry.formula in text


def test_committed_document_is_current() -> None:
    assert DOC.read_text() == api.methodology_markdown(), (
        "run `autonomy methodology --out docs/methodology.md`"
    )
