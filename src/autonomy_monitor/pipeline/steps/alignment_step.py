"""Derived step: yearly vote agreement for all pairs and participation, overall and per issue.

Outputs
-------
* ``out_alignment__yearly_vote_agreement_wide`` — one row per unordered pair
  (country_iso3 < partner_iso3), calendar year and issue ('all' or an issue tag), with
  n_votes and the four measures of :mod:`autonomy_monitor.indicators.alignment`.
  Flags and intervals (definitions in :mod:`autonomy_monitor.indicators.alignment`):
  ``identical_share_lo/hi`` (95 % Wilson interval), ``n_roll_calls`` (held that year on
  that issue), ``is_small_sample`` (n_votes < 20), ``is_partial_year``, ``is_break``, and
  ``vote_table_code`` — the pair's 3×3 Y/A/N table as one integer (Σ cell_k·32^k, row-major
  YY, YA, YN, AY, …, NN), for small samples only — from which the API
  draws the bootstrap intervals of agreement and kappa.
* ``out_alignment__yearly_roll_call_counts`` — per year and issue: n_roll_calls, the
  neighbours' median, is_partial_year, is_break, data_end_date (of a partial year).
* ``out_alignment__yearly_participation`` — per country, year and issue: roll calls held
  while a member, roll calls voted on, participation_share.
* The warehouse also gets the view ``out_alignment__yearly_vote_agreement`` (DESIGN.md §5
  long form: country_iso3, partner_iso3, year, issue, measure, value, n_votes) with both
  orders of every pair; see ``LONG_VIEW_SQL``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from autonomy_monitor.indicators import alignment
from autonomy_monitor.sources.unga import tags
from autonomy_monitor.sources.unga.press import TABLE as PRESS_TABLE

ISSUES = ("all", "me", "nu", "di", "hr", "co", "ec", "ukraine")

LONG_VIEW_SQL = """
CREATE OR REPLACE VIEW out_alignment__yearly_vote_agreement AS
WITH both_orders AS (
    SELECT country_iso3, partner_iso3, year, issue, n_votes,
           agreement, identical_share, s_score, kappa
    FROM out_alignment__yearly_vote_agreement_wide
    UNION ALL
    SELECT partner_iso3, country_iso3, year, issue, n_votes,
           agreement, identical_share, s_score, kappa
    FROM out_alignment__yearly_vote_agreement_wide
)
UNPIVOT both_orders
ON agreement, identical_share, s_score, kappa
INTO NAME measure VALUE value
"""


def year_blocks(
    roll_calls: pl.DataFrame, votes: pl.DataFrame
) -> Iterator[tuple[int, pl.DataFrame]]:
    """Votes joined to their roll call's year and issue tags, one frame per calendar year."""
    calls = roll_calls.select("roll_call_id", pl.col("date").dt.year().alias("year"), "issue_tags")
    joined = votes.join(calls, on="roll_call_id", how="inner")
    for (year,), block in sorted(joined.partition_by("year", as_dict=True).items()):
        yield int(year), block


def code_matrix(block: pl.DataFrame) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Countries, roll calls, the vote-code matrix and the membership mask of one year."""
    countries = sorted(block["country_iso3"].unique().to_list())
    calls = sorted(block["roll_call_id"].unique().to_list())
    row = block["country_iso3"].replace_strict(
        countries, list(range(len(countries))), return_dtype=pl.Int32
    )
    col = block["roll_call_id"].replace_strict(
        calls, list(range(len(calls))), return_dtype=pl.Int32
    )
    codes = np.zeros((len(countries), len(calls)), dtype=np.int8)
    member = np.zeros_like(codes, dtype=bool)
    values = block["vote"].replace_strict(alignment.VOTE_CODES, return_dtype=pl.Int8).to_numpy()
    codes[row.to_numpy(), col.to_numpy()] = values
    member[row.to_numpy(), col.to_numpy()] = True
    return countries, calls, codes, member


def issue_columns(block: pl.DataFrame, calls: list[str]) -> dict[str, np.ndarray]:
    """Boolean column masks: 'all' and one per issue tag present in the year."""
    tags = block.select("roll_call_id", "issue_tags").unique("roll_call_id")
    index = {rc: k for k, rc in enumerate(calls)}
    masks = {"all": np.ones(len(calls), dtype=bool)}
    for roll_call_id, issue_tags in tags.iter_rows():
        for tag in issue_tags or []:
            if tag in ISSUES:
                masks.setdefault(tag, np.zeros(len(calls), dtype=bool))[index[roll_call_id]] = True
    return {issue: masks[issue] for issue in ISSUES if issue in masks}


def participation_frame(
    countries: list[str], year: int, issue: str, codes: np.ndarray, member: np.ndarray
) -> pl.DataFrame:
    held, share = alignment.participation(codes, member)
    voted = (codes > 0).sum(axis=1)
    return pl.DataFrame(
        {
            "country_iso3": countries,
            "year": np.full(len(countries), year, dtype=np.int32),
            "issue": np.full(len(countries), issue),
            "n_roll_calls": held.astype(np.int32),
            "n_voted": voted.astype(np.int32),
            "participation_share": share,
        }
    ).filter(pl.col("n_roll_calls") > 0)


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """All pairs, all years, overall and per issue tag (see module docstring).

    The per-year matrices are small (about 190 × 150), so BLAS runs single-threaded here:
    thread start-up costs more than it saves (8x slower on a loaded 2-core machine).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return compute_all(tables)


def compute_all(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    chunks: list[dict[str, np.ndarray]] = []
    shares: list[pl.DataFrame] = []
    held: list[dict[str, object]] = []
    for year, block in year_blocks(tables["core_unga__roll_calls"], tables["core_unga__votes"]):
        countries, calls, codes, member = code_matrix(block)
        for issue, columns in issue_columns(block, calls).items():
            sub_codes, sub_member = codes[:, columns], member[:, columns]
            pairs = alignment.upper_pairs(alignment.pairwise_agreement(sub_codes))
            pairs["country_iso3"] = np.asarray(countries, dtype=object)[pairs.pop("i")]
            pairs["partner_iso3"] = np.asarray(countries, dtype=object)[pairs.pop("j")]
            pairs["year"] = np.full(pairs["n_votes"].size, year, dtype=np.int32)
            pairs["issue"] = np.full(pairs["n_votes"].size, ISSUES.index(issue), dtype=np.int8)
            chunks.append(pairs)
            shares.append(participation_frame(countries, year, issue, sub_codes, sub_member))
            held.append({"year": year, "issue": issue, "n_roll_calls": int(columns.sum())})
    year_flags = roll_call_flags(pl.DataFrame(held), tables["core_unga__roll_calls"]["date"].max())
    return {
        "out_alignment__yearly_vote_agreement_wide": with_flags(pairs_table(chunks), year_flags),
        "out_alignment__yearly_roll_call_counts": year_flags,
        "out_alignment__yearly_participation": pl.concat(shares),
        "out_alignment__key_votes": key_votes(
            tables["core_unga__roll_calls"], tables["core_unga__votes"], tables.get(PRESS_TABLE)
        ),
    }


def pairs_table(chunks: list[dict[str, np.ndarray]]) -> pl.DataFrame:
    """One frame from the per-block arrays, built once (columns in DESIGN order)."""
    column = {name: np.concatenate([c[name] for c in chunks]) for name in chunks[0]}
    issue_names = pl.Series(ISSUES, dtype=pl.String)
    return pl.DataFrame(
        {
            "country_iso3": pl.Series(column["country_iso3"], dtype=pl.String),
            "partner_iso3": pl.Series(column["partner_iso3"], dtype=pl.String),
            "year": column["year"],
            "issue": issue_names.gather(column["issue"]),
            "n_votes": column["n_votes"],
            **{measure: column[measure] for measure in alignment.MEASURES},
            "vote_table_code": column["vote_table_code"],
        }
    ).with_columns(
        pl.col(list(alignment.MEASURES)).fill_nan(None),
        pl.when(pl.col("vote_table_code") >= 0)
        .then(pl.col("vote_table_code"))
        .alias("vote_table_code"),
    )


def roll_call_flags(held: pl.DataFrame, last_date: dt.date) -> pl.DataFrame:
    """Per year and issue: roll calls held, the neighbours' median, partial-year and break flags.

    ``is_partial_year``: the year of the last roll call in the data, when that roll call is
    before 1 December (the Assembly adopts most resolutions in Oct–Dec), e.g. 2026 with
    data to 4 June. ``is_break``: the count is over 1.5x (or under 1/1.5) the median of up to
    two years either side (partial years excluded, and never flagged themselves; series whose
    neighbour median is under 20 roll calls are not tested): see
    :func:`autonomy_monitor.indicators.alignment.is_break`.
    """
    partial_year = (
        last_date.year if (last_date.month, last_date.day) < alignment.PARTIAL_BEFORE else None
    )
    parts = []
    for (issue,), series in (
        held.sort("year").partition_by("issue", as_dict=True, maintain_order=True).items()
    ):
        years = series["year"].to_numpy()
        counts = series["n_roll_calls"].to_numpy()
        partial = years == (partial_year if partial_year is not None else -1)
        medians = alignment.neighbour_medians(years, counts, partial)
        parts.append(
            series.with_columns(
                pl.Series("neighbour_median_roll_calls", medians).fill_nan(None),
                pl.Series("is_partial_year", partial),
                pl.Series(
                    "is_break", alignment.is_break(counts, medians) & ~partial
                ),  # a partial year is short by construction
                pl.lit(last_date if partial_year is not None else None, dtype=pl.Date).alias(
                    "data_end_date"
                ),
            )
        )
    return (
        pl.concat(parts)
        .with_columns(pl.col("n_roll_calls").cast(pl.Int32), pl.col("year").cast(pl.Int32))
        .sort("issue", "year")
    )


def with_flags(pairs: pl.DataFrame, year_flags: pl.DataFrame) -> pl.DataFrame:
    """Pairs with their year's roll-call count and flags, the small-sample flag and the Wilson
    interval."""
    low, high = alignment.wilson_interval(
        pairs["identical_share"].fill_null(np.nan).to_numpy(), pairs["n_votes"].to_numpy()
    )
    flags = year_flags.select("year", "issue", "n_roll_calls", "is_partial_year", "is_break")
    return (
        pairs.join(flags, on=["year", "issue"], how="left")
        .with_columns(
            (pl.col("n_votes") < alignment.MIN_SHARED_VOTES).alias("is_small_sample"),
            pl.Series("identical_share_lo", low).fill_nan(None),
            pl.Series("identical_share_hi", high).fill_nan(None),
        )
        .select(WIDE_COLUMNS)
    )


WIDE_COLUMNS = [
    "country_iso3",
    "partner_iso3",
    "year",
    "issue",
    "n_votes",
    *alignment.MEASURES,
    "identical_share_lo",
    "identical_share_hi",
    "n_roll_calls",
    "is_small_sample",
    "is_partial_year",
    "is_break",
    "vote_table_code",
]


KEY_VOTE_COLUMNS = [
    "roll_call_id",
    "resolution_symbol",
    "date",
    "session",
    "title",
    "issue_tags",
    "official_yes",
    "official_no",
    "official_abstain",
    "source",
    "country_iso3",
    "vote",
    "source_key",
    "vote_kind",
    "title_note",
    "record_kind",
    "source_quote",
]
OFFICIAL_CITATIONS = {
    "unxml": "United Nations DGACM, UNxml/GAresolutions data extract (official record)",
    "unvotes": "E. Voeten, UNGA voting data, via R package unvotes 0.3.0",
}


def key_votes(
    roll_calls: pl.DataFrame, votes: pl.DataFrame, press_votes: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Every member's vote (X = did not vote) on key roll calls: those tagged ``ukraine`` and the
    votes flagged important (the US State Department's list, via Voeten), plus the press-reported
    Ukraine votes the official record lacks (``record_kind`` = 'press_reported', ``source`` = the
    page's URL, ``source_quote`` its words; countries the pages do not mention have no row)."""
    key = roll_calls.filter(pl.col("is_important") | pl.col("issue_tags").list.contains("ukraine"))
    official = (
        key.with_columns(
            pl.coalesce("resolution_symbol", "source_key").alias("resolution_symbol"),
            pl.col("source")
            .replace_strict(OFFICIAL_CITATIONS, default=pl.col("source"))
            .alias("source"),
            pl.lit("official").alias("record_kind"),
            pl.lit(None, dtype=pl.String).alias("source_quote"),
        )
        .drop("country_iso3", strict=False)
        .join(votes, on="roll_call_id", how="inner")
        .select(KEY_VOTE_COLUMNS)
    )
    frames = [official]
    if press_votes is not None and press_votes.height:
        frames.append(press_key_votes(press_votes).select(KEY_VOTE_COLUMNS).cast(official.schema))
    return pl.concat(frames, how="vertical").sort("date", "roll_call_id", "country_iso3")


def press_key_votes(press_votes: pl.DataFrame) -> pl.DataFrame:
    """Key-vote rows of the press-reported records not superseded by an official roll call."""
    shown = press_votes.filter(pl.col("superseded_by").is_null())
    tallies = (
        shown.filter(pl.col("row_kind") == "tally")
        .group_by("record_id")
        .agg(
            pl.col("tally_yes").first().alias("official_yes"),
            pl.col("tally_no").first().alias("official_no"),
            pl.col("tally_abstain").first().alias("official_abstain"),
        )
    )
    session = pl.coalesce(
        pl.col("source_key").str.extract(r"(ES-\d+)", 1),
        pl.col("source_key").str.extract(r"^(\d+)(?:st|nd|rd|th) session", 1),
    )
    rows = (
        shown.filter(pl.col("row_kind") == "vote")
        .join(tallies, on="record_id", how="left")
        .with_columns(
            pl.col("record_id").alias("roll_call_id"),
            pl.coalesce("resolution_symbol", "source_key").alias("resolution_symbol"),
            session.alias("session"),
            pl.lit([], dtype=pl.List(pl.String)).alias("issue_tags"),
            pl.col("url").alias("source"),
            pl.lit("resolution").alias("vote_kind"),
            pl.lit("title as reported by the press").alias("title_note"),
            pl.lit("press_reported").alias("record_kind"),
            pl.col("quote").alias("source_quote"),
            pl.lit(None, dtype=pl.String).alias("subjects"),
        )
    )
    return tags.with_ukraine_tag(rows)
