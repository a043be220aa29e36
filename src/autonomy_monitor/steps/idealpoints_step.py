"""Derived step: dynamic ideal points for every country-year (``out_alignment__ideal_points``).

Columns: country_iso3, year (calendar year of the vote), ideal_point (latent probit scale,
United States positive), se (posterior SD from the variational Kalman smoother), n_votes
(Y/A/N votes cast that year). Model and references:
:mod:`autonomy_monitor.models.idealpoints`; validation: docs/idealpoints_validation.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from autonomy_monitor.models.idealpoints import estimate_ideal_points

NEEDS = ("core_unga__roll_calls", "core_unga__votes")


def roll_call_votes(roll_calls: pl.DataFrame, votes: pl.DataFrame) -> pl.DataFrame:
    """roll_call_id, year, country_iso3, vote for every recorded vote (absences as X)."""
    years = roll_calls.select("roll_call_id", pl.col("date").dt.year().alias("year"))
    return votes.join(years, on="roll_call_id", how="inner").select(
        "roll_call_id", "year", "country_iso3", "vote"
    )


def compute(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    votes = roll_call_votes(tables["core_unga__roll_calls"], tables["core_unga__votes"])
    return {"out_alignment__ideal_points": estimate_ideal_points(votes)}
