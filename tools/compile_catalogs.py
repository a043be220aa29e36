"""Compile the gettext catalogs (``i18n/locale/*/LC_MESSAGES/*.po``) to ``.mo`` with Babel.

Run after editing a ``.po`` file:  ``uv run python tools/compile_catalogs.py``
(``--check`` exits 1 when a ``.mo`` is stale, without writing). Fuzzy entries are not compiled,
so a translation marked fuzzy counts as missing.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[1] / "src" / "autonomy_monitor" / "i18n" / "locale"


def compiled(po: Path) -> bytes:
    """The ``.mo`` bytes of one ``.po`` file (deterministic: Babel sorts the messages)."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parent.parent.name, domain=po.stem)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def stale_catalogs(root: Path = LOCALE) -> list[Path]:
    """``.po`` files whose ``.mo`` is missing or differs from a fresh compilation."""
    return [po for po in sorted(root.glob("*/LC_MESSAGES/*.po"))
            if not po.with_suffix(".mo").is_file() or po.with_suffix(".mo").read_bytes() != compiled(po)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale .mo files")
    args = parser.parse_args()
    stale = stale_catalogs()
    if args.check:
        for po in stale:
            print(f"stale: {po.with_suffix('.mo')} (run tools/compile_catalogs.py)")
        return 1 if stale else 0
    for po in stale:
        po.with_suffix(".mo").write_bytes(compiled(po))
        print(f"compiled {po.with_suffix('.mo').relative_to(LOCALE.parents[3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
