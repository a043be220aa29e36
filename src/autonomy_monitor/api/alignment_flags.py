"""Small samples, partial years and breaks on agreement rows, with their intervals.

Adds to the rows of :func:`autonomy_monitor.api.alignment.vote_agreement`:

* ``identical_share_lo/hi`` — 95 % Wilson interval of identical_share (every row);
* ``agreement_lo/hi``, ``kappa_lo/hi`` — 95 % percentile bootstrap over the pair's shared roll
  calls (2,000 resamples, seeded by the vote table: deterministic), for small samples only
  (n_votes < 20; larger samples: null);
* ``n_roll_calls`` (held that year on the issue), ``is_small_sample``, ``is_partial_year``,
  ``is_break`` and ``flags``, the same in words ("small sample (n=6); partial year (to
  2026-06-04)"; "break: 184 roll calls vs median 89"; "3 press-reported, not counted");
* rows for member years in the range without a shared vote on the issue (n_votes 0): flag
  "no roll call on this issue", or — Uzbekistan 1992-1993 — "voted on none of the N roll calls
  held while a member" (Voeten codes UZB absent on all 140 recorded votes of those years), and
  how many press-reported votes of that year are shown in key votes but not counted.

Definitions and thresholds: :mod:`autonomy_monitor.indicators.alignment` and the catalog entries
``agreement_interval`` and ``alignment_flags``.
"""

from __future__ import annotations

import functools

import polars as pl

from autonomy_monitor.api.reader import (
    StoreKey,
    has_store_table,
    has_table,
    marks,
    query,
    query_store,
    store_columns,
    store_key,
)
from autonomy_monitor.indicators.alignment import (
    MIN_SHARED_VOTES,
    bootstrap_intervals,
    decode_vote_table,
    wilson_interval,
)
from autonomy_monitor.settings import Settings

COUNTS_TABLE = "out_alignment__yearly_roll_call_counts"
PRESS_TABLE = "core_unga__press_reported_votes"
KEY_VOTES_TABLE = "out_alignment__key_votes"
INTERVAL_COLUMNS = [
    "identical_share_lo",
    "identical_share_hi",
    "agreement_lo",
    "agreement_hi",
    "kappa_lo",
    "kappa_hi",
]
FLAG_COLUMNS = ["n_roll_calls", "is_small_sample", "is_partial_year", "is_break", "flags"]


def year_flags(settings: Settings, issue: str) -> pl.DataFrame:
    """year, n_roll_calls, neighbour median, is_partial_year, is_break, data_end_date for one issue,
    with a row (n_roll_calls 0) for each year of the data that held no roll call on the issue; the
    partial year and the data's end come from the whole record ('all'). The same for every
    country: read once per store version and issue."""
    return _year_flags(store_key(settings), issue)


@functools.lru_cache(maxsize=32)
def _year_flags(key: StoreKey, issue: str) -> pl.DataFrame:
    if not has_store_table(key, COUNTS_TABLE):
        return pl.DataFrame(
            schema={
                "year": pl.Int32,
                "n_roll_calls": pl.Int32,
                "neighbour_median_roll_calls": pl.Float64,
                "is_partial_year": pl.Boolean,
                "is_break": pl.Boolean,
                "data_end_date": pl.Date,
            }
        )
    frame = query_store(
        key,
        "SELECT issue, year, n_roll_calls, neighbour_median_roll_calls, is_partial_year, "
        f"is_break, data_end_date FROM {COUNTS_TABLE} WHERE issue IN (?, 'all')",
        [issue],
    )
    whole = frame.filter(pl.col("issue") == "all").select(
        "year", "is_partial_year", "data_end_date"
    )
    own = frame.filter(pl.col("issue") == issue).select(
        "year", "n_roll_calls", "neighbour_median_roll_calls", "is_break"
    )
    return whole.join(own, on="year", how="left").with_columns(
        pl.col("n_roll_calls").fill_null(0), pl.col("is_break").fill_null(False)
    )


def press_counts(settings: Settings, issue: str) -> pl.DataFrame:
    """year, n_press_reported: press-reported records shown as key votes (not counted anywhere).
    Read once per store version and issue."""
    return _press_counts(store_key(settings), issue)


@functools.lru_cache(maxsize=32)
def _press_counts(key: StoreKey, issue: str) -> pl.DataFrame:
    empty = pl.DataFrame(schema={"year": pl.Int32, "n_press_reported": pl.UInt32})
    if issue not in ("all", "ukraine"):
        return empty
    if has_store_table(key, PRESS_TABLE):
        sql = (
            "SELECT DISTINCT record_id, year(date) AS year "
            f"FROM {PRESS_TABLE} WHERE superseded_by IS NULL"
        )
    elif has_store_table(key, KEY_VOTES_TABLE) and "record_kind" in store_columns(
        key, KEY_VOTES_TABLE
    ):
        sql = (
            "SELECT DISTINCT roll_call_id AS record_id, year(date) AS year "
            f"FROM {KEY_VOTES_TABLE} WHERE record_kind = 'press_reported'"
        )
    else:
        return empty
    return (
        query_store(key, sql)
        .group_by("year")
        .agg(pl.len().alias("n_press_reported"))
        .cast({"year": pl.Int32})
    )


def with_intervals(rows: pl.DataFrame) -> pl.DataFrame:
    """Wilson interval on every row; bootstrap intervals where ``vote_table_code`` is given (small
    samples)."""
    low, high = wilson_interval(
        rows["identical_share"].fill_null(float("nan")).to_numpy(),
        rows["n_votes"].fill_null(0).to_numpy(),
    )
    codes = (
        rows["vote_table_code"].to_list()
        if "vote_table_code" in rows.columns
        else [None] * rows.height
    )
    cache: dict[int, dict[str, float]] = {}
    boot = [
        cache.setdefault(c, bootstrap_intervals(decode_vote_table(c))) if c is not None else {}
        for c in codes
    ]
    return rows.with_columns(
        pl.Series("identical_share_lo", low).fill_nan(None),
        pl.Series("identical_share_hi", high).fill_nan(None),
        *(
            pl.Series(name, [b.get(name) for b in boot], dtype=pl.Float64).fill_nan(None)
            for name in ("agreement_lo", "agreement_hi", "kappa_lo", "kappa_hi")
        ),
    )


def country_participation(settings: Settings, states: list[str], issue: str) -> pl.DataFrame:
    """year, country_roll_calls, country_voted: roll calls held while the country was a member, and
    voted on."""
    if not has_table(settings, "out_alignment__yearly_participation"):
        return pl.DataFrame(
            schema={"year": pl.Int32, "country_roll_calls": pl.Int32, "country_voted": pl.Int32}
        )
    return query(
        settings,
        "SELECT year, sum(n_roll_calls)::INTEGER AS country_roll_calls, "
        "sum(n_voted)::INTEGER AS country_voted FROM out_alignment__yearly_participation "
        f"WHERE issue = ? AND country_iso3 IN {marks(states)} GROUP BY year",
        [issue, *states],
    ).cast({"year": pl.Int32})


def with_gap_years(
    rows: pl.DataFrame,
    first: int,
    last: int,
    data_last: int | None,
    member_from: int | None = None,
    pairs: list[tuple[str, str]] = (),
) -> pl.DataFrame:
    """Add a row (n_votes 0) for each partner and year without a shared vote on the issue, from
    the country's first member year (or the pair's first year with votes) to the last year asked
    for (at most the data's last)."""
    end = min(last, data_last) if data_last is not None else last
    spans = rows.group_by("country_iso3", "partner_iso3").agg(pl.col("year").min().alias("from"))
    if member_from is not None and pairs:
        asked = pl.DataFrame(
            {
                "country_iso3": [c for c, _ in pairs],
                "partner_iso3": [p for _, p in pairs],
                "from": [member_from] * len(pairs),
            },
            schema={"country_iso3": pl.String, "partner_iso3": pl.String, "from": pl.Int32},
        )
        spans = (
            pl.concat([spans.cast(asked.schema), asked])
            .group_by("country_iso3", "partner_iso3")
            .agg(pl.col("from").min())
        )
    if spans.height == 0:
        return rows
    if member_from is not None:
        spans = spans.with_columns(pl.min_horizontal("from", pl.lit(member_from)).alias("from"))
    spans = spans.with_columns(pl.max_horizontal("from", pl.lit(first)).alias("from")).filter(
        pl.col("from") <= end
    )
    grid = spans.with_columns(pl.int_ranges("from", end + 1, dtype=pl.Int32).alias("year")).explode(
        "year", empty_as_null=True
    )
    gaps = grid.drop("from").join(
        rows.select("country_iso3", "partner_iso3", "year"),
        on=["country_iso3", "partner_iso3", "year"],
        how="anti",
    )
    gaps = gaps.drop_nulls("year").with_columns(
        pl.lit(0, dtype=rows.schema["n_votes"]).alias("n_votes")
    )
    return pl.concat([rows, gaps], how="diagonal_relaxed")


def flag_sentence(row: dict) -> str | None:  # type: ignore[type-arg]
    """The row's flags in words, '; '-separated (None when there is nothing to flag)."""
    parts = []
    if not row["n_votes"] and row.get("country_roll_calls") and not row.get("country_voted"):
        parts.append(
            f"{row['country_iso3']} voted on none of "
            f"{row['country_roll_calls']} roll calls (absent on all)"
        )
    elif not row["n_votes"]:
        parts.append("no roll call" if not row.get("n_roll_calls") else "no shared vote")
    elif row["n_votes"] < MIN_SHARED_VOTES:
        parts.append(f"small sample (n={row['n_votes']})")
    if row.get("is_partial_year"):
        parts.append(
            f"partial year (to {row['data_end_date']})"
            if row.get("data_end_date")
            else "partial year"
        )
    if row.get("is_break"):
        parts.append(
            f"break: {row['n_roll_calls']} roll calls vs "
            f"median {row['neighbour_median_roll_calls']:.0f}"
        )
    if row.get("n_press_reported"):
        parts.append(f"{row['n_press_reported']} press-reported, not counted")
    return "; ".join(parts) or None


def flagged(
    rows: pl.DataFrame,
    settings: Settings,
    issue: str,
    first: int,
    last: int,
    country_states: list[str],
    pairs: list[tuple[str, str]] = (),
) -> pl.DataFrame:
    """Rows with year flags, gap years, intervals and the ``flags`` sentence (module docstring)."""
    flags = year_flags(settings, issue)
    data_last = int(flags["year"].max()) if flags.height else None
    member = country_participation(settings, country_states, issue).filter(
        pl.col("year").is_between(first, last)
    )
    member_from = int(member["year"].min()) if member.height else None
    rows = with_gap_years(rows, first, last, data_last, member_from, pairs)
    rows = (
        rows.join(flags, on="year", how="left")
        .join(press_counts(settings, issue), on="year", how="left")
        .join(member, on="year", how="left")
    )
    rows = with_intervals(rows).with_columns(
        (pl.col("n_votes") < MIN_SHARED_VOTES).alias("is_small_sample"),
        pl.col("is_partial_year").fill_null(False),
        pl.col("is_break").fill_null(False),
    )
    sentences = [flag_sentence(row) for row in rows.iter_rows(named=True)]
    return rows.with_columns(pl.Series("flags", sentences, dtype=pl.String))
