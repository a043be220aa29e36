"""Derived step: dynamic ideal points for every country-year (``out_alignment__ideal_points``).

Columns: country_iso3, year (calendar year of the vote), ideal_point (latent probit scale,
United States positive), se (posterior SD from the variational Kalman smoother), n_votes
(Y/A/N votes cast that year). Model and references:
:mod:`autonomy_monitor.models.idealpoints`; validation: docs/idealpoints_validation.md.

Bridging: roll calls re-voted across years share item parameters, as identical resolutions
do in Bailey, Strezhnev & Voeten (2017, JCR 61(2): 430-456). ``bridge_groups`` keys a roll
call by its normalised title plus the US and Israeli votes on it, and keeps a key as a bridge
only when it recurs in two or more years with at most one roll call per year. In
core_unga__roll_calls the title is the Voeten short title for 1946-2015 (e.g. "CUBA
EMBARGO", coarser than BSV's identical-text matching, hence the vote split), the resolution
title for 2016-2019 and the UN DGACM title from Nov 2019. On the validation
(docs/idealpoints_validation.md) bridging raised the pooled r with BSV by about 0.005 (the key is
the source's raw title, ``source_title``, not the cleaned ``title``, so that title cleaning leaves
the fit unchanged); pooling by title alone, or several same-year roll calls of one title, lowered
it.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from autonomy_monitor.models.idealpoints import BRIDGE_COLUMN, estimate_ideal_points

NEEDS = ("core_unga__roll_calls", "core_unga__votes")


def roll_call_votes(roll_calls: pl.DataFrame, votes: pl.DataFrame) -> pl.DataFrame:
    """roll_call_id, year, country_iso3, vote for every recorded vote (absences as X)."""
    years = roll_calls.select("roll_call_id", pl.col("date").dt.year().alias("year"))
    return votes.join(years, on="roll_call_id", how="inner").select(
        "roll_call_id", "year", "country_iso3", "vote"
    )


def normalised_title(title: pl.Expr) -> pl.Expr:
    """Lower case, every run of non-alphanumeric characters as one space, trimmed; '' -> null."""
    text = title.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text)


SPLIT_BY = ("USA", "ISR")  # countries whose vote on a roll call is part of its bridge key


def bridge_groups(
    roll_calls: pl.DataFrame,
    votes: pl.DataFrame | None = None,
    *,
    split_by: tuple[str, ...] = SPLIT_BY,
    one_per_year: bool = True,
) -> pl.DataFrame:
    """roll_call_id, bridge_group: the normalised title where it recurs across years.

    The key is the normalised title plus, when ``votes`` is given, the votes of the
    ``split_by`` countries on the roll call (so a "PALESTINE" roll call the United States
    and Israel opposed is not pooled with one they supported: a short title covers several
    resolution texts). A key used in a single year only gets a null group (no bridge);
    with ``one_per_year`` a key that occurs more than once in some year is dropped too.
    """
    title = "source_title" if "source_title" in roll_calls.columns else "title"
    titled = roll_calls.select(
        "roll_call_id",
        pl.col("date").dt.year().alias("year"),
        normalised_title(pl.col(title)).alias("title_key"),
    )
    if votes is not None and split_by:
        pattern = votes.filter(pl.col("country_iso3").is_in(list(split_by))).pivot(
            "country_iso3", index="roll_call_id", values="vote", aggregate_function="first"
        )
        parts = [
            pl.col(c).fill_null("-") if c in pattern.columns else pl.lit("-") for c in split_by
        ]
        pattern = pattern.select("roll_call_id", pl.concat_str(parts).alias("pattern"))
        titled = titled.join(pattern, on="roll_call_id", how="left").with_columns(
            pl.concat_str(["title_key", pl.col("pattern").fill_null("-")], separator=" | ").alias(
                "title_key"
            )
        )
    recurring = pl.col("year").n_unique().over("title_key") >= 2
    if one_per_year:
        recurring = recurring & (pl.len().over("title_key", "year") == 1).all().over("title_key")
    return titled.select(
        "roll_call_id",
        pl.when(pl.col("title_key").is_not_null() & recurring)
        .then(pl.col("title_key"))
        .alias(BRIDGE_COLUMN),
    )


def bridged_votes(roll_calls: pl.DataFrame, votes: pl.DataFrame, **options) -> pl.DataFrame:
    """``roll_call_votes`` plus the optional bridge_group column when titles are available."""
    long = roll_call_votes(roll_calls, votes)
    if "title" not in roll_calls.columns:
        return long
    return long.join(bridge_groups(roll_calls, votes, **options), on="roll_call_id", how="left")


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    votes = bridged_votes(tables["core_unga__roll_calls"], tables["core_unga__votes"])
    return {"out_alignment__ideal_points": estimate_ideal_points(votes)}
