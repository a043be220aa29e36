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


VOTES_FULL = """
    SELECT r.roll_call_id, r.resolution_symbol, r.date, r.session, r.title, r.issue_tags,
           r.official_yes, r.official_no, r.official_abstain, r.source, v.country_iso3, v.vote
    FROM core_unga__votes v JOIN core_unga__roll_calls r USING (roll_call_id)
"""
VOTES_KEY_ONLY = "SELECT * FROM out_alignment__key_votes"


def votes_relation(settings: Settings) -> tuple[str, bool]:
    """SQL for votes joined to roll calls: all of them in a built warehouse, key votes in the snapshot."""
    if has_table(settings, "core_unga__votes"):
        return VOTES_FULL, True
    return VOTES_KEY_ONLY, False


def roll_call(resolution: str, *, settings: Settings | None = None) -> pl.DataFrame:
    """Roll calls whose resolution symbol matches ``resolution`` (exact, case-insensitive)."""
    settings = settings or Settings()
    relation, complete = votes_relation(settings)
    calls = query(
        settings,
        f"""
        SELECT DISTINCT roll_call_id, resolution_symbol, date, session, title,
               official_yes, official_no, official_abstain, source
        FROM ({relation}) WHERE upper(resolution_symbol) = upper(?) ORDER BY date, roll_call_id
        """,
        [resolution.strip()],
    )
    if calls.height == 0:
        where = "" if complete else " The bundled snapshot holds key votes only (ES-11 and important votes): run `autonomy build` for all roll calls."
        raise BadArgument(
            f"Unknown resolution {resolution!r}: give a symbol as the UN writes it, e.g. A/RES/ES-11/1 "
            f"(recorded votes only; resolutions adopted without a vote have no roll call).{where}"
        )
    return calls


def key_votes(
    resolution: str,
    countries: str | list[str] | None = None,
    *,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """Each country's vote (Y, N, A, or X = member that did not vote) on a resolution.

    Countries that were not members have no row; asking for them shows '–'.
    """
    settings = settings or Settings()
    calls = roll_call(resolution, settings=settings)
    relation, _ = votes_relation(settings)
    votes = query(
        settings,
        f"""
        SELECT resolution_symbol, date, country_iso3, vote FROM ({relation})
        WHERE roll_call_id IN (SELECT unnest(?)) ORDER BY country_iso3
        """,
        [calls["roll_call_id"].to_list()],
    )
    if countries is None:
        return votes
    codes = parse_country_list(countries)
    wanted = pl.DataFrame({"country_iso3": codes, "_order": list(range(len(codes)))})
    return (
        wanted.join(votes, on="country_iso3", how="left")
        .with_columns(pl.col("vote").fill_null("–"),
                      pl.col("resolution_symbol").fill_null(calls["resolution_symbol"][0]),
                      pl.col("date").fill_null(calls["date"][0]))
        .sort("_order")
        .select("resolution_symbol", "date", "country_iso3", "vote")
    )


def vote_totals(resolution: str, *, settings: Settings | None = None) -> pl.DataFrame:
    """Stored Y/N/A/X counts next to the official tally of a resolution."""
    settings = settings or Settings()
    calls = roll_call(resolution, settings=settings)
    relation, _ = votes_relation(settings)
    counts = query(
        settings,
        f"""
        SELECT roll_call_id, count(*) FILTER (vote = 'Y') AS yes, count(*) FILTER (vote = 'N') AS no,
               count(*) FILTER (vote = 'A') AS abstain, count(*) FILTER (vote = 'X') AS absent
        FROM ({relation}) WHERE roll_call_id IN (SELECT unnest(?)) GROUP BY roll_call_id
        """,
        [calls["roll_call_id"].to_list()],
    )
    return calls.select("roll_call_id", "resolution_symbol", "official_yes", "official_no", "official_abstain").join(
        counts, on="roll_call_id", how="left"
    )
