"""Issue tags of UN General Assembly roll calls, assigned by documented rules.

Voeten's six issue codes (``me`` Palestinian conflict, ``nu`` nuclear weapons, ``di`` arms
control, ``hr`` human rights, ``co`` colonialism, ``ec`` economic development) come from the
unvotes issue file for 1946-2019 and, for the UN DGACM extract, from its UNBIS subjects by the
keyword patterns of ``SUBJECT_TAG_PATTERNS``.

``ukraine`` — Russia's war on Ukraine and the occupation of Crimea, since 2014 — is given to a
roll call when any of these rules holds (``UKRAINE_RULES``; tested against a table of known
resolutions in tests/test_unga_identity.py):

1. ``session``: it belongs to the eleventh emergency special session (ES-11, from 2022);
2. ``title``: dated 2014 or later, its cleaned title names Ukraine, Crimea, Sevastopol,
   Zaporizhzhia, Donbas, Donetsk or Luhansk (A/RES/68/262 "Territorial integrity of
   Ukraine", the yearly resolutions on human rights in Crimea and the occupied territories
   since 71/205 of 2016, the militarization of Crimea, the Zaporizhzhia nuclear plant,
   the return of Ukrainian children) — except texts on the Chornobyl disaster;
3. ``subjects``: its UNBIS subjects hold UKRAINE (or CRIMEA (UKRAINE)) together with
   AGGRESSION, ANNEXATION OF TERRITORY, CRIMEA (UKRAINE), SEVASTOPOL (UKRAINE) or RUSSIAN
   FEDERATION. UKRAINE alone is not enough: the OPCW cooperation texts (77/272, 79/134) and
   the Chornobyl texts carry it as one subject among many.

Titles used by rule 2 are the cleaned titles of :mod:`.identity` (never meeting-record
excerpts, which mention speakers' countries).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

SUBJECT_TAG_PATTERNS = {
    "me": r"PALESTIN|MIDDLE EAST|ISRAEL|OCCUPIED TERRITORIES|GOLAN",
    "nu": r"NUCLEAR",
    "di": r"DISARMAMENT|ARMS|WEAPONS|MISSILE",
    "hr": r"HUMAN RIGHTS|TORTURE|DISCRIMINATION|RIGHTS OF",
    "co": r"DECOLONI|NON-SELF-GOVERNING|SELF-DETERMINATION|COLONIAL",
    "ec": r"DEVELOPMENT|ECONOMIC|TRADE|POVERTY|DEBT|FINANCING",
}
UKRAINE_SINCE = dt.date(2014, 1, 1)
UKRAINE_SESSION = "ES-11"
UKRAINE_TITLE = r"(?i)ukrain|crimea|sevastopol|zaporizh|donbas|donetsk|luhansk"
UKRAINE_TITLE_EXCLUDED = r"(?i)chornobyl|chernobyl"
UKRAINE_SUBJECT = r"(^|\|)\s*(UKRAINE|CRIMEA \(UKRAINE\))\s*(\||$)"
UKRAINE_SUBJECT_CONTEXT = (
    r"AGGRESSION|ANNEXATION OF TERRITORY|CRIMEA \(UKRAINE\)|"
    r"SEVASTOPOL \(UKRAINE\)|RUSSIAN FEDERATION"
)
UKRAINE_RULES = {
    "session": "roll call of the emergency special session ES-11",
    "title": (
        "cleaned title (2014 or later) names Ukraine, Crimea, Sevastopol, "
        "Zaporizhzhia, Donbas, Donetsk or Luhansk, Chornobyl texts excepted"
    ),
    "subjects": (
        "UNBIS subjects hold UKRAINE with AGGRESSION, ANNEXATION OF "
        "TERRITORY, CRIMEA/SEVASTOPOL (UKRAINE) or RUSSIAN FEDERATION"
    ),
}


def subject_tags(subjects: pl.Expr) -> pl.Expr:
    """Voeten-style issue codes from pipe-separated UNBIS subjects (upper-cased)."""
    upper = subjects.fill_null("").str.to_uppercase()
    parts = [
        pl.when(upper.str.contains(pattern)).then(pl.lit(tag))
        for tag, pattern in SUBJECT_TAG_PATTERNS.items()
    ]
    return pl.concat_list(parts).list.drop_nulls()


def ukraine_rule(session: pl.Expr, date: pl.Expr, title: pl.Expr, subjects: pl.Expr) -> pl.Expr:
    """The first ``UKRAINE_RULES`` key that tags the roll call ``ukraine``, or null."""
    title_text = title.fill_null("")
    upper_subjects = subjects.fill_null("").str.to_uppercase()
    by_title = (
        (date >= UKRAINE_SINCE)
        & title_text.str.contains(UKRAINE_TITLE)
        & ~title_text.str.contains(UKRAINE_TITLE_EXCLUDED)
    )
    by_subjects = upper_subjects.str.contains(UKRAINE_SUBJECT) & upper_subjects.str.contains(
        UKRAINE_SUBJECT_CONTEXT
    )
    return (
        pl.when(session.fill_null("") == UKRAINE_SESSION)
        .then(pl.lit("session"))
        .when(by_title)
        .then(pl.lit("title"))
        .when(by_subjects)
        .then(pl.lit("subjects"))
    )


def with_ukraine_tag(calls: pl.DataFrame) -> pl.DataFrame:
    """Add ``ukraine`` to ``issue_tags`` (sorted, unique) where a rule holds; ``ukraine_rule`` says
    which."""
    rule = ukraine_rule(pl.col("session"), pl.col("date"), pl.col("title"), pl.col("subjects"))
    tagged = calls.with_columns(rule.alias("ukraine_rule"))
    return tagged.with_columns(
        pl.when(pl.col("ukraine_rule").is_not_null())
        .then(pl.concat_list("issue_tags", pl.lit(["ukraine"])))
        .otherwise(pl.col("issue_tags"))
        .list.unique()
        .list.sort()
        .alias("issue_tags")
    )
