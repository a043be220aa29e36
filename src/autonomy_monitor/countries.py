"""The country dimension: ISO3 / ISO2 / M49 / COW codes, historical states, groups, name resolution.

Data live in the package (``data/countries.csv``, ``data/country_aliases.csv``,
``data/country_groups.csv``); ``tools/make_country_table.py`` regenerates the first from
country_converter plus curated historical states.

Conventions
-----------
* Codes are ISO 3166-1 alpha-3 as they stood while a state existed; historical states use
  their ISO 3166-3 code (SUN USSR, YUG SFR Yugoslavia, SCG Serbia and Montenegro, CSK
  Czechoslovakia, DDR German Democratic Republic, YMD South Yemen) or a project code (ZAN
  Zanzibar). ISO gave West Germany ``DEU`` and North Yemen ``YEM``; the unified states kept
  them, so those two codes cover both periods (``former_name`` says so).
* A state that took over a predecessor's identity (Russia the USSR's UN seat, Serbia that
  of Serbia and Montenegro) names it in ``continues``; :func:`state_on` maps a current code
  to the state that existed on a date.
* Every name resolves through :func:`resolve` / :func:`resolve_names`: curated aliases
  first, then codes, then country_converter's regular expressions. Names that still do not
  resolve raise :class:`~autonomy_monitor.errors.UnresolvedCountries` with the full list.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

from autonomy_monitor.errors import BadArgument, UnresolvedCountries

AGGREGATE_NAMES = frozenset({"world", "all countries", "total"})


def _data_file(name: str) -> bytes:
    return resources.files("autonomy_monitor.data").joinpath(name).read_bytes()


@cache
def country_table() -> pl.DataFrame:
    """All countries and historical states, one row per code (read-only, cached)."""
    return pl.read_csv(
        _data_file("countries.csv"),
        schema_overrides={"m49": pl.Int32, "cow": pl.Int32, "un_member_from": pl.Int32},
    )


@cache
def group_table() -> pl.DataFrame:
    """Country groups (C5, EAEU, EU27, G7, SCO, BRICS): group, iso3, member_from year."""
    return pl.read_csv(_data_file("country_groups.csv"))


def normalise_name(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key for a country name."""
    text = unicodedata.normalize("NFKD", name.replace("İ", "I").replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ").replace("st.", "saint ")
    kept = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(kept.split())


@cache
def _lookup() -> dict[str, str]:
    """Normalised name or code -> ISO3, from the table's codes and names and the aliases."""
    table = country_table()
    keys: dict[str, str] = {}
    for row in table.iter_rows(named=True):
        for value in (row["name"], row["name_official"], row["iso3"], row["iso2"]):
            if value:
                keys.setdefault(normalise_name(str(value)), row["iso3"])
    aliases = pl.read_csv(_data_file("country_aliases.csv"))
    for alias, iso3 in aliases.select("alias", "iso3").iter_rows():
        keys[normalise_name(alias)] = iso3
    return keys


@cache
def _fuzzy(name: str) -> str | None:
    """country_converter's regular expressions, for spellings not in the curated aliases."""
    import country_converter as coco  # heavy import, only on a miss

    with _quiet_coco():
        found = coco.convert(names=[name], to="ISO3", not_found=None)
    code = found if isinstance(found, str) else (found[0] if found else None)
    return code if code and code in known_codes() else None


class _quiet_coco:
    """Silence country_converter's per-name warnings (we report misses ourselves)."""

    def __enter__(self) -> None:
        import logging

        self._logger = logging.getLogger("country_converter")
        self._level = self._logger.level
        self._logger.setLevel(logging.CRITICAL)

    def __exit__(self, *exc: object) -> None:
        self._logger.setLevel(self._level)


@cache
def known_codes() -> frozenset[str]:
    return frozenset(country_table()["iso3"].to_list())


def resolve(name: str) -> str | None:
    """ISO3 code for one country name or code as any source spells it, or None."""
    if name is None or not str(name).strip():
        return None
    key = normalise_name(str(name))
    if key in AGGREGATE_NAMES:
        return None
    return _lookup().get(key) or _fuzzy(str(name).strip())


def resolve_names(names: Iterable[str], *, source: str) -> dict[str, str]:
    """Map every distinct name to ISO3; raise UnresolvedCountries listing all misses."""
    distinct = sorted({str(n) for n in names if n is not None})
    mapping = {name: resolve(name) for name in distinct}
    missing = [name for name, code in mapping.items() if code is None]
    if missing:
        raise UnresolvedCountries(source, missing)
    return {name: code for name, code in mapping.items() if code is not None}


@dataclass(frozen=True)
class Succession:
    """A current state (``code``) that continues ``predecessor`` from ``since``."""

    code: str
    predecessor: str
    since: dt.date


@cache
def successions() -> tuple[Succession, ...]:
    rows = country_table().filter(pl.col("continues").is_not_null())
    return tuple(
        Succession(r["iso3"], r["continues"], dt.date.fromisoformat(r["valid_from"]))
        for r in rows.iter_rows(named=True)
    )


def state_on(code: str, date: dt.date) -> str:
    """The code of the state that existed on ``date`` for a code that continues another.

    ``state_on("RUS", date(1980, 1, 1)) == "SUN"``; ``state_on("SRB", date(1995, 1, 1))
    == "SCG"`` and, one step further back, ``"YUG"`` before 27 April 1992.
    """
    for succession in successions():
        if succession.code == code and date < succession.since:
            return state_on(succession.predecessor, date)
    if code == "SCG" and date < dt.date(1992, 4, 27):
        return "YUG"
    return code


def state_on_expr(code: pl.Expr, date: pl.Expr) -> pl.Expr:
    """Vectorised :func:`state_on` for Polars frames (code and date columns)."""
    expr = code
    for succession in sorted(successions(), key=lambda s: s.since):
        expr = (
            pl.when((expr == succession.code) & (date < succession.since))
            .then(pl.lit(succession.predecessor))
            .otherwise(expr)
        )
    return (
        pl.when((expr == "SCG") & (date < dt.date(1992, 4, 27))).then(pl.lit("YUG")).otherwise(expr)
    )


def current_state(code: str) -> str:
    """The present-day state that continues ``code`` (SUN -> RUS, YUG -> SRB), else ``code``."""
    if code == "YUG":
        return current_state("SCG")
    for succession in successions():
        if succession.predecessor == code:
            return current_state(succession.code)
    return code


def continuity_chain(code: str) -> list[str]:
    """``code`` followed by the states it continues, newest first (RUS -> [RUS, SUN])."""
    chain = [code]
    for succession in successions():
        if succession.code == chain[-1]:
            return chain + continuity_chain(succession.predecessor)
    if code == "SCG":
        chain.append("YUG")
    return chain


def group_members(group: str, year: int | None = None) -> list[str]:
    """Members of a named group (case-insensitive), as of ``year`` when given."""
    members = _groups().get(group.upper(), ())
    if year is not None:
        return [code for code, since in members if since is not None and since <= year]
    return [code for code, _ in members]


@cache
def _groups() -> dict[str, tuple[tuple[str, int | None], ...]]:
    """Upper-case group name -> (iso3, member_from) in table order (every argument parsed asks)."""
    groups: dict[str, list[tuple[str, int | None]]] = {}
    for name, code, since in group_table().select("group", "iso3", "member_from").iter_rows():
        groups.setdefault(name.upper(), []).append((code, since))
    return {name: tuple(members) for name, members in groups.items()}


def group_names() -> list[str]:
    return sorted(group_table()["group"].unique().to_list())


ALL_MEMBERS = (
    "ALL",
    "UN",
)  # group words meaning every UN member (in each year, where data are yearly)


def un_members(year: int | None = None) -> list[str]:
    """UN members (historical states included) in ``year``, or every state ever a member, sorted.

    Membership from the country table: ``un_member_from`` (year of admission) to ``valid_to``
    (the state's end, e.g. SUN 1991).
    """
    table = country_table().filter(pl.col("un_member_from").is_not_null())
    if year is not None:
        ended = pl.col("valid_to").str.slice(0, 4).cast(pl.Int32, strict=False)
        table = table.filter(
            (pl.col("un_member_from").cast(pl.Int32) <= year) & (ended.is_null() | (ended >= year))
        )
    return sorted(table["iso3"].to_list())


def is_all_members(text: str | Sequence[str] | None) -> bool:
    """True for 'all' or 'UN' (any case) alone: every member, resolved per year by the query."""
    items = [text] if isinstance(text, str) else list(text or [])
    return len(items) == 1 and items[0].strip().upper() in ALL_MEMBERS


def parse_country_list(text: str | Sequence[str]) -> list[str]:
    """Expand a comma-separated list of codes, names and group names to ISO3 codes.

    ``all`` and ``UN`` expand to every state that was ever a UN member (see :func:`un_members`).
    Order is kept, duplicates dropped. Raises BadArgument naming the first unknown entry.
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    codes: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if item.upper() in ALL_MEMBERS:
            codes.extend(c for c in un_members() if c not in codes)
            continue
        expanded = group_members(item) or [_resolve_argument(item)]
        codes.extend(c for c in expanded if c not in codes)
    return codes


def _resolve_argument(item: str) -> str:
    code = item.upper() if item.upper() in known_codes() else resolve(item)
    if code is None:
        groups = ", ".join([*group_names(), "UN (or all)"])
        raise BadArgument(
            f"Unknown country or group {item!r}: use an ISO3 code (e.g. KAZ), a name, "
            f"or a group ({groups})."
        )
    return code


def country_name(code: str) -> str:
    """English short name of a code (the code itself if unknown)."""
    names = _names()
    return names[code] if code in names else code


@cache
def _names() -> dict[str, str]:
    return dict(country_table().select("iso3", "name").iter_rows())
