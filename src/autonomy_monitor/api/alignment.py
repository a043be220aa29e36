"""Alignment queries: vote agreement between countries, key votes, participation.

Reads ``out_alignment__yearly_vote_agreement_wide`` (unordered pairs), ``core_unga__votes``
and ``core_unga__roll_calls`` from the warehouse or the bundled snapshot. Definitions of
the measures: :mod:`autonomy_monitor.indicators.alignment`.
"""

from __future__ import annotations

import polars as pl

from autonomy_monitor.api.arguments import UN_VOTES, one_country, year_range
from autonomy_monitor.api.reader import has_table, query
from autonomy_monitor.countries import continuity_chain, parse_country_list
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
    "ukraine": "Russia's war on Ukraine (ES-11)",
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
    """Yearly agreement, identical_share, s_score, kappa and n_votes of ``country`` with each partner.

    Historical predecessors are followed: asking for RUS before 1992 returns the USSR's
    votes (column ``as_state`` names the state that actually voted).
    """
    settings = settings or Settings()
    first, last = year_range(UN_VOTES, start=start, end=end)
    issue = check_issue(issue)
    code = one_country(country)
    wanted = [p for p in parse_country_list(partners) if p != code]
    if not wanted:
        raise BadArgument("Give at least one partner other than the country itself (e.g. --with RUS,CHN).")
    states = {state: p for p in [code, *wanted] for state in continuity_chain(p)}
    country_states = [s for s in continuity_chain(code)]
    partner_states = [s for p in wanted for s in continuity_chain(p)]
    frame = query(
        settings,
        """
        SELECT country_iso3 AS a, partner_iso3 AS b, year, n_votes, agreement, identical_share, s_score, kappa
        FROM out_alignment__yearly_vote_agreement_wide
        WHERE issue = ? AND year BETWEEN ? AND ?
          AND ((country_iso3 IN (SELECT unnest(?)) AND partner_iso3 IN (SELECT unnest(?)))
            OR (partner_iso3 IN (SELECT unnest(?)) AND country_iso3 IN (SELECT unnest(?))))
        """,
        [issue, first, last, country_states, partner_states, country_states, partner_states],
    )
    return orient_pairs(frame, set(country_states), states, code, wanted)


def orient_pairs(frame: pl.DataFrame, country_states: set[str], states: dict[str, str], code: str, wanted: list[str]) -> pl.DataFrame:
    """Rows as (country, partner) in the order the user asked for, with the voting states."""
    a_is_country = pl.col("a").is_in(list(country_states))
    oriented = frame.with_columns(
        pl.when(a_is_country).then(pl.col("a")).otherwise(pl.col("b")).alias("country_state"),
        pl.when(a_is_country).then(pl.col("b")).otherwise(pl.col("a")).alias("partner_state"),
    ).with_columns(
        pl.lit(code).alias("country_iso3"),
        pl.col("partner_state").replace_strict(states, default=None).alias("partner_iso3"),
    )
    order = {p: k for k, p in enumerate(wanted)}
    return (
        oriented.with_columns(pl.col("partner_iso3").replace_strict(order, default=len(order)).alias("_order"))
        .sort("_order", "year")
        .select(
            "country_iso3", "partner_iso3", "year", "n_votes", *MEASURE_COLUMNS,
            pl.when(pl.col("partner_state") != pl.col("partner_iso3")).then(pl.col("partner_state"))
            .when(pl.col("country_state") != pl.col("country_iso3")).then(pl.col("country_state"))
            .otherwise(None).alias("as_state"),
        )
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
