"""Alignment queries: vote agreement between countries, key votes, participation.

Reads ``out_alignment__yearly_vote_agreement_wide`` (unordered pairs), ``core_unga__votes``
and ``core_unga__roll_calls`` from the warehouse or the bundled snapshot. Definitions of
the measures: :mod:`autonomy_monitor.indicators.alignment`.
"""

from __future__ import annotations

import polars as pl

from autonomy_monitor.api.arguments import UN_VOTES, one_country, year_range
from autonomy_monitor.api.reader import marks, query, table_columns
from autonomy_monitor.api.alignment_flags import FLAG_COLUMNS, INTERVAL_COLUMNS, flagged
from autonomy_monitor.countries import continuity_chain, is_all_members, parse_country_list
from autonomy_monitor.errors import BadArgument
from autonomy_monitor.settings import Settings

ISSUES = ("all", "me", "nu", "di", "hr", "co", "ec", "ukraine")
ISSUE_NAMES = {
    "all": "all roll calls",
    "me": "Palestinian conflict",
    "nu": "nuclear weapons and material",
    "di": "arms control and disarmament",
    "hr": "human rights",
    "co": "colonialism",
    "ec": "economic development",
    "ukraine": (
        "Russia's war on Ukraine and Crimea since 2014 (ES-11, "
        "68/262, Crimea and occupied territories, Zaporizhzhia)"
    ),
}
MEASURE_COLUMNS = ["agreement", "identical_share", "s_score", "kappa"]


def check_issue(issue: str) -> str:
    if issue not in ISSUES:
        raise BadArgument(f"Unknown issue {issue!r}: choose from {', '.join(ISSUES)}.")
    return issue


def vote_agreement(
    country: str,
    partners: str | list[str],
    *,
    start: int | None = None,
    end: int | None = None,
    issue: str = "all",
    settings: Settings | None = None,
) -> pl.DataFrame:
    """Yearly agreement, identical_share, s_score, kappa and n_votes of ``country`` with each
    partner.

    Historical predecessors are followed: asking for RUS before 1992 returns the USSR's
    votes (column ``as_state`` names the state that actually voted). ``partners`` may be
    ``all`` or ``UN`` (every member, in each year); ``country`` too, with named partners
    (every member's agreement with them). Each row carries intervals and flags
    (:mod:`autonomy_monitor.api.alignment_flags`): identical_share_lo/hi, agreement_lo/hi,
    kappa_lo/hi, n_roll_calls, is_small_sample, is_partial_year, is_break, flags; years in
    the range without a roll call on the issue get a row with n_votes 0.
    """
    settings = settings or Settings()
    first, last = year_range(UN_VOTES, start=start, end=end)
    issue = check_issue(issue)
    if is_all_members(country):
        return every_member_with(partners, first, last, issue, settings)
    code = one_country(country)
    wanted = [p for p in parse_country_list(partners) if p != code]
    if not wanted:
        raise BadArgument(
            "Give at least one partner other than the country itself (e.g. --with RUS,CHN)."
        )
    states = {state: p for p in [code, *wanted] for state in continuity_chain(p)}
    country_states = [s for s in continuity_chain(code)]
    partner_states = [s for p in wanted for s in continuity_chain(p)]
    table = "out_alignment__yearly_vote_agreement_wide"
    vote_table = ", vote_table_code" if "vote_table_code" in table_columns(settings, table) else ""
    own, others = marks(country_states), marks(partner_states)
    frame = query(
        settings,
        f"""
        SELECT country_iso3 AS a, partner_iso3 AS b, year, n_votes, agreement, identical_share,
               s_score, kappa{vote_table}
        FROM {table}
        WHERE issue = ? AND year BETWEEN ? AND ?
          AND ((country_iso3 IN {own} AND partner_iso3 IN {others})
            OR (partner_iso3 IN {own} AND country_iso3 IN {others}))
        """,
        [issue, first, last, *country_states, *partner_states, *country_states, *partner_states],
    )
    oriented = orient_pairs(frame, set(country_states), states, code, wanted)
    asked = (
        [] if is_all_members(partners) else [(code, p) for p in wanted]
    )  # 'all': the members of each year only
    rows = flagged(oriented, settings, issue, first, last, country_states, asked)
    order = {p: k for k, p in enumerate(wanted)}
    return (
        rows.with_columns(
            pl.col("partner_iso3").replace_strict(order, default=len(order)).alias("_order")
        )
        .sort("_order", "year")
        .select(OUTPUT_COLUMNS)
    )


OUTPUT_COLUMNS = [
    "country_iso3",
    "partner_iso3",
    "year",
    "n_votes",
    *MEASURE_COLUMNS,
    "as_state",
    *INTERVAL_COLUMNS,
    *FLAG_COLUMNS,
]


def every_member_with(
    partners: str | list[str], first: int, last: int, issue: str, settings: Settings
) -> pl.DataFrame:
    """Every member's agreement with each named partner (``vote_agreement('all', ...)``)."""
    if is_all_members(partners):
        raise BadArgument(
            "Give named partners when the country is 'all' (e.g. alignment "
            "all --with RUS); all-with-all is the whole table, see `autonomy status`."
        )
    frames = []
    for partner in parse_country_list(partners):
        frame = vote_agreement(
            partner, "all", start=first, end=last, issue=issue, settings=settings
        )
        frames.append(
            frame.rename({"country_iso3": "partner_iso3", "partner_iso3": "country_iso3"}).select(
                OUTPUT_COLUMNS
            )
        )
    return pl.concat(frames).sort("partner_iso3", "country_iso3", "year")


def orient_pairs(
    frame: pl.DataFrame,
    country_states: set[str],
    states: dict[str, str],
    code: str,
    wanted: list[str],
) -> pl.DataFrame:
    """Rows as (country, partner) in the order the user asked for, with the voting states."""
    a_is_country = pl.col("a").is_in(list(country_states))
    oriented = frame.with_columns(
        pl.when(a_is_country).then(pl.col("a")).otherwise(pl.col("b")).alias("country_state"),
        pl.when(a_is_country).then(pl.col("b")).otherwise(pl.col("a")).alias("partner_state"),
    ).with_columns(
        pl.lit(code).alias("country_iso3"),
        pl.col("partner_state").replace_strict(states, default=None).alias("partner_iso3"),
    )
    return oriented.select(
        "country_iso3",
        "partner_iso3",
        "year",
        "n_votes",
        *MEASURE_COLUMNS,
        pl.when(pl.col("partner_state") != pl.col("partner_iso3"))
        .then(pl.col("partner_state"))
        .when(pl.col("country_state") != pl.col("country_iso3"))
        .then(pl.col("country_state"))
        .otherwise(None)
        .alias("as_state"),
        *(["vote_table_code"] if "vote_table_code" in oriented.columns else []),
    )


def participation(
    countries: str | list[str],
    *,
    start: int | None = None,
    end: int | None = None,
    issue: str = "all",
    settings: Settings | None = None,
) -> pl.DataFrame:
    """Share of roll calls held while a member on which each country voted, per year."""
    settings = settings or Settings()
    first, last = year_range(UN_VOTES, start=start, end=end)
    codes = parse_country_list(countries)
    return query(
        settings,
        """
        SELECT country_iso3, year, issue, n_roll_calls, n_voted, participation_share
        FROM out_alignment__yearly_participation
        WHERE issue = ? AND year BETWEEN ? AND ? AND country_iso3 IN (SELECT unnest(?))
        ORDER BY country_iso3, year
        """,
        [check_issue(issue), first, last, codes],
    )
