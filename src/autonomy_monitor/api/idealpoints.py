"""Ideal-point queries: positions per country-year and distances to chosen powers.

Reads ``out_alignment__ideal_points`` (built by ``steps.idealpoints_step``; model in
:mod:`autonomy_monitor.models.idealpoints`). Historical predecessors are included when a
successor is asked for (RUS also returns SUN before 1992); rows keep the code of the state that
voted.
"""

from __future__ import annotations

import polars as pl

from autonomy_monitor.api.arguments import UN_VOTES, one_country, year_range
from autonomy_monitor.api.reader import has_table, query, store_label
from autonomy_monitor.countries import continuity_chain, is_all_members, parse_country_list
from autonomy_monitor.errors import BadArgument, WarehouseMissing
from autonomy_monitor.settings import Settings

TABLE = "out_alignment__ideal_points"


def ideal_points(
    countries: str | list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    *,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """country_iso3, year, ideal_point, se, n_votes for the chosen countries (default, ``all``
    or ``UN``: every member, in each year it voted)."""
    settings = settings or Settings()
    first, last = year_range(UN_VOTES, start=start, end=end)
    if not has_table(settings, TABLE):
        raise WarehouseMissing(
            f"{store_label(settings)} has no table {TABLE}; run `autonomy build` to compute it."
        )
    frame = query(
        settings,
        f"SELECT country_iso3, year, ideal_point, se, n_votes FROM {TABLE} "
        "WHERE year BETWEEN ? AND ? ORDER BY country_iso3, year",
        [first, last],
    )
    if countries is None or is_all_members(countries):
        return frame
    states = [s for code in parse_country_list(countries) for s in continuity_chain(code)]
    return frame.filter(pl.col("country_iso3").is_in(states))


def ideal_point_distances(
    country: str,
    powers: str | list[str],
    start: int | None = None,
    end: int | None = None,
    *,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """|x_country - x_power| per power and year, with se = sqrt(se_c^2 + se_p^2)."""
    code = one_country(country)
    wanted = [p for p in parse_country_list(powers) if p != code]
    if not wanted:
        raise BadArgument("Give at least one power other than the country itself (e.g. RUS,CHN).")
    points = ideal_points([code, *wanted], start, end, settings=settings)
    power_states = {s: p for p in wanted for s in continuity_chain(p)}
    from autonomy_monitor.models.idealpoints import distances_to_powers  # SciPy: only here

    dist = distances_to_powers(points, list(power_states))
    return (
        dist.filter(pl.col("country_iso3").is_in(continuity_chain(code)))
        .with_columns(
            pl.col("power_iso3").replace_strict(power_states).alias("power_iso3"),
            pl.col("power_iso3").alias("power_state"),
        )
        .sort("power_iso3", "year")
    )
