"""Resolution identity: one canonical UN symbol per roll call, cleaned titles, symbol lookup.

The sources key their roll calls differently (``R/68/262`` in Voeten's unvotes, ``A/RES/74/7``
in the UN DGACM extract); the canonical symbol is written as the UN writes it, and the source's
own key is kept beside it (``source_key``).

Canonical symbol rules (unvotes ``unres``; checked against the roll calls' descriptions)
-------------------------------------------------------------------------------------
* ``A/RES/...`` (unvotes from 2016, the UN extract): kept, spaces normalised.
* ``R/<session>/<number><parts>`` from session 31 (1976), when the UN adopted the
  ``A/RES/<session>/<number>`` form: ``A/RES/<session>/<number>`` plus `` <parts>`` when
  the resolution has lettered parts (``R/44/27A`` or ``R/42/209/A`` -> ``A/RES/44/27 A``). A
  trailing ``/<roman>`` (a section voted separately, e.g. ``R/34/233/XII``) is not part of the
  symbol.
* Sessions 18 and 21-30 (1963-1975): numbers in ``RESOLUTION_NUMBER_RANGES`` are the
  resolution numbers of the time, written ``A/RES/<number>(<session in roman numerals>)``
  (``R/26/2758G`` -> ``A/RES/2758(XXVI)``); the trailing letter numbers the successive roll
  calls on one text (A = first), so it is dropped from the symbol and kept in the key.
* Sessions 1-17, 19, 20, special (``SS/``) and emergency (``ESS/``) sessions before 1976,
  and numbers outside the ranges: Voeten's number cites the plenary record (e.g.
  ``R/2/1424`` is the 1947 partition vote, resolution 181 (II)), so there is **no canonical
  symbol** (null); ``symbol_note`` says so and lookup still finds the source key.

Titles
------
* UN extract: its ``title``.
* unvotes: the catalogue title in ``descr`` ("Territorial integrity of Ukraine : resolution /
  adopted by the General Assembly" -> "Territorial integrity of Ukraine"), else a mixed-case
  ``short`` title (2016-2019), else Voeten's upper-case ``short`` label (a subject heading such
  as "ARMED CONFLICTS PREVENTION--MEDIATION" or "KOREA ELECTIONS", not a title), else nothing.
  ``descr`` texts that are excerpts of meeting records ("The President: ...") are never used
  as titles. ``title_note`` says which rule gave the title, or that the source has none.
"""

from __future__ import annotations

import difflib
import re

import polars as pl

ROMAN = [
    "",
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
    "XX",
    "XXI",
    "XXII",
    "XXIII",
    "XXIV",
    "XXV",
    "XXVI",
    "XXVII",
    "XXVIII",
    "XXIX",
    "XXX",
]
FIRST_SESSION_NUMBERED = 31  # A/RES/31/1 (1976) is the first symbol of the session/number form
# Resolution numbers used by sessions 18 and 21-30 (resolutions were numbered consecutively
# until 1976): 1875-1992 (XVIII, 1963), 2133-3541 (XXI-XXX, 1966-1975). Voeten's numbers for
# these sessions fall in the ranges except a few record citations, which get no symbol.
RESOLUTION_NUMBER_RANGES = {18: (1875, 1992), **{s: (2133, 3541) for s in range(21, 31)}}

TITLE_NOTES = {
    "extract": "resolution title (UN DGACM extract)",
    "catalogue": "resolution title (Voeten's catalogue description)",
    "short": "resolution title (Voeten's short title)",
    "label": "no resolution title in the source: Voeten's subject label",
    "none": "no proper title in the source (its description is an excerpt of the meeting record)",
}
NO_SYMBOL_NOTE = "no resolution number in the source: Voeten's key cites the plenary record"
MEETING_RECORD = (
    r"^(The (Acting )?President|The Chair|The Secretary-General|"
    r"Mr\.|Mrs\.|Ms\.)\b|interpretation from"
)
CATALOGUE_SUFFIX = r"\s*:\s*(draft )?resolution\s*/\s*adopted by the General Assembly.*$"
DRAFT_PATTERN = r"A/(?:[A-Z0-9.\-]+/)*?L\.\d+(?:/Rev\.\d+)?"


# --- canonical symbols (build time, on frames) ----------------------------------------------


def canonical_from_unvotes(unres: str | None, session: int | None) -> str | None:
    """The UN symbol of a Voeten ``unres`` key (rules in the module docstring), or None."""
    if not unres or not unres.strip():
        return None
    key = re.sub(r"\s+", "", unres.strip().upper())
    if key.startswith("A/RES/"):
        return normalise_symbol(unres)
    match = re.fullmatch(r"R/(\d+)/(\d+)([A-Z]*?)(?:/([A-H]))?(?:/[IVXL]+)?", key)
    if not match:
        return None
    year_session, number, letters = int(match[1]), int(match[2]), match[3] or match[4] or ""
    if year_session >= FIRST_SESSION_NUMBERED:
        return f"A/RES/{year_session}/{number}" + (f" {letters}" if letters else "")
    low, high = RESOLUTION_NUMBER_RANGES.get(year_session, (1, 0))
    if session == year_session and low <= number <= high:
        return f"A/RES/{number}({ROMAN[year_session]})"
    return None


def normalise_symbol(symbol: str) -> str:
    """Symbol as the UN writes it: upper case, one space before lettered parts (``A/RES/75/254
    A-C``)."""
    text = re.sub(r"\s+", " ", symbol.strip().upper())
    return re.sub(r"^(A/RES/(?:ES-\d+|S-\d+|\d+)/\d+)\s*([A-Z](?:-[A-Z])?)$", r"\1 \2", text)


def canonical_symbols(unres: pl.Expr, session: pl.Expr) -> pl.Expr:
    """Vectorised :func:`canonical_from_unvotes` over a frame's key and session columns."""
    return pl.struct(unres.alias("u"), session.alias("s")).map_elements(
        lambda row: canonical_from_unvotes(row["u"], row["s"]), return_dtype=pl.String
    )


def vote_kind(amend: pl.Expr, para: pl.Expr) -> pl.Expr:
    """'amendment', 'paragraph' (a separate vote on part of the text) or 'resolution'."""
    return (
        pl.when(amend.cast(pl.Int64, strict=False) == 1)
        .then(pl.lit("amendment"))
        .when(para.cast(pl.Int64, strict=False) == 1)
        .then(pl.lit("paragraph"))
        .otherwise(pl.lit("resolution"))
    )


def first_draft_symbol(text: pl.Expr) -> pl.Expr:
    """The first draft (``A/.../L.n``) symbol cited in a text, or null."""
    return text.str.extract(f"({DRAFT_PATTERN})", 1)


# --- titles -----------------------------------------------------------------------------------


def unvotes_title(short: pl.Expr, descr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(title, title_note) of an unvotes roll call by the rules in the module docstring."""
    short_text = short.cast(pl.String).str.strip_chars()
    descr_text = descr.cast(pl.String).str.strip_chars()
    catalogue = descr_text.str.contains(f"(?i){CATALOGUE_SUFFIX}")
    record = descr_text.str.contains(MEETING_RECORD).fill_null(False)
    has_short = (
        short_text.is_not_null()
        & (short_text != "")
        & ~short_text.str.contains(MEETING_RECORD).fill_null(False)
    )
    mixed_short = has_short & (short_text != short_text.str.to_uppercase())
    mixed_short_clean = short_text.str.replace(f"(?i){CATALOGUE_SUFFIX}", "")
    choice = (
        pl.when(catalogue.fill_null(False))
        .then(pl.lit("catalogue"))
        .when(mixed_short)
        .then(pl.lit("short"))
        .when(has_short)
        .then(pl.lit("label"))
        .when(descr_text.is_not_null() & (descr_text != "") & ~record)
        .then(pl.lit("label"))
        .otherwise(pl.lit("none"))
    )
    title = (
        pl.when(choice == "catalogue")
        .then(descr_text.str.replace(f"(?i){CATALOGUE_SUFFIX}", ""))
        .when(choice == "short")
        .then(mixed_short_clean)
        .when(has_short)
        .then(short_text)
        .when(choice == "label")
        .then(descr_text)
    )
    return title, choice.replace_strict(TITLE_NOTES)


# --- lookup (query time) ----------------------------------------------------------------------


def lookup_key(text: str) -> str:
    """A user's symbol in the comparable form of canonical symbols ('' when nothing is left).

    Accepts ``A/RES/68/262``, ``68/262``, ``res 68/262``, ``resolution ES-11/1``, ``ES 11/1``,
    ``2758 (XXVI)``, ``A/RES/44/27A``; draft symbols (``A/ES-11/L.1``) come back unchanged.
    """
    key = re.sub(r"\s+", " ", text.strip().upper())
    key = re.sub(r"\s*/\s*", "/", key)
    key = re.sub(r"^(RESOLUTION|RES\.?)\s*", "", key)
    key = re.sub(r"\bES[ -]?(\d+)\s*/", r"ES-\1/", key)
    key = re.sub(r"\s*\(\s*([IVXL]+)\s*\)", r"(\1)", key)
    if re.search(r"/L\.\d", key):
        return key.replace(" ", "")
    if not key.startswith("A/RES/") and re.match(r"^(ES-\d+/|S-\d+/|\d+/|\d+\()", key):
        key = "A/RES/" + key
    return compact(key)


def compact(symbol: str) -> str:
    """Upper case without spaces: ``A/RES/44/27 A`` and ``A/RES/44/27A`` compare equal."""
    return re.sub(r"\s+", "", symbol.upper())


def nearest_symbols(key: str, symbols: list[str], limit: int = 5) -> list[str]:
    """The canonical symbols closest to a lookup key (difflib ratio), best first."""
    by_key = {compact(s): s for s in symbols}
    return [by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.6)]
