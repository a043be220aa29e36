"""Composite dependence index, autonomy score, and the joint view of alignment and dependence.

Reads ``out_dependence__yearly`` and ``out_alignment__yearly_vote_agreement_wide`` from the
warehouse or the bundled snapshot; the definitions (normalisation, default weights, Monte
Carlo) are in :mod:`autonomy_monitor.models.index`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from autonomy_monitor.api.arguments import INDEX_DEFAULT_POWERS as DEFAULT_POWERS
from autonomy_monitor.api.reader import has_table, query
from autonomy_monitor.countries import group_members, group_names, parse_country_list
from autonomy_monitor.errors import BadArgument, BadInput, WarehouseMissing
from autonomy_monitor.models import index as model
from autonomy_monitor.models.index import IndexResult
from autonomy_monitor.settings import Settings

TABLE = "out_dependence__yearly"
ALIGNMENT = "out_alignment__yearly_vote_agreement_wide"
COMPONENTS = "out_autonomy__components"
MEASURES = [m for _, m, _ in model.RAW_MEASURES.values()]
DIMENSION_COMPONENT = {dim: comp for comp, (dim, _, _) in model.RAW_MEASURES.items()}


def power_members(powers: str | list[str]) -> pl.DataFrame:
    """power, member_iso3: each comma item is a country (its own member) or a group (its
    members)."""
    items = powers.split(",") if isinstance(powers, str) else list(powers)
    groups = {g.upper(): g for g in group_names()}
    rows = []
    for item in (i.strip() for i in items if i.strip()):
        if item.upper() in groups:
            label = groups[item.upper()]
            rows.extend((label, m) for m in group_members(label))
        else:
            code = parse_country_list(item)[0]
            rows.append((code, code))
    if not rows:
        raise BadArgument("Give at least one power (e.g. --powers RUS,CHN,USA,EU27).")
    return pl.DataFrame(
        rows, schema={"power": pl.String, "member_iso3": pl.String}, orient="row"
    ).unique(maintain_order=True)


def load_weights(path: Path) -> dict[str, float]:
    """Weights from a TOML file: a [weights] table (or top-level keys) component = number."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BadInput(
            f"{path}: cannot read the weights file ({error.strerror}); check the path."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise BadInput(f"{path}: not valid TOML ({error}); fix the syntax.") from None
    table = data.get("weights", data)
    try:
        return model.check_weights(table)
    except ValueError as error:
        raise BadInput(f"{path}: {error}; components are {', '.join(model.COMPONENTS)}.") from None


def resolve_weights(weights: Mapping[str, float] | Path | str | None) -> dict[str, float]:
    if weights is None:
        return dict(model.DEFAULT_WEIGHTS)
    if isinstance(weights, Path | str):
        return load_weights(Path(weights))
    try:
        return model.check_weights(weights)
    except ValueError as error:
        raise BadArgument(f"Invalid weights: {error}.") from None


def _require(settings: Settings, table: str) -> None:
    if not has_table(settings, table):
        raise WarehouseMissing(
            f"The table {table} is not in the warehouse or "
            "the bundled snapshot: run `autonomy build`."
        )


def component_rows(
    settings: Settings, countries: list[str] | None, members: pl.DataFrame, first: int, last: int
) -> pl.DataFrame:
    """Raw dependence components summed over each power's members (country, year, power, component,
    value)."""
    rows = query(
        settings,
        f"""
        SELECT country_iso3, partner_iso3, year, dimension, value FROM {TABLE}
        WHERE (? OR country_iso3 IN (SELECT unnest(?))) AND partner_iso3 IN (SELECT unnest(?))
          AND year BETWEEN ? AND ? AND measure IN (SELECT unnest(?))
          AND (dimension <> 'trade' OR method = 'chosen')
          AND (dimension <> 'migration' OR method = 'un_desa_stock')
        """,
        [
            countries is None,
            countries or [""],
            members["member_iso3"].to_list(),
            first,
            last,
            MEASURES,
        ],
    )
    rows = rows.with_columns(
        pl.col("dimension").replace_strict(DIMENSION_COMPONENT, default=None).alias("component")
    )
    return model.aggregate_powers(
        rows.drop("dimension").filter(pl.col("component").is_not_null()), members
    )


def agreement_rows(
    settings: Settings, members: pl.DataFrame, first: int, last: int
) -> pl.DataFrame:
    """Yearly agreement (issue all) of every country with each power member, both orders."""
    if not has_table(settings, ALIGNMENT):
        return pl.DataFrame(
            schema={
                "country_iso3": pl.String,
                "partner_iso3": pl.String,
                "year": pl.Int32,
                "agreement": pl.Float64,
            }
        )
    codes = members["member_iso3"].to_list()
    rows = query(
        settings,
        f"""
        SELECT country_iso3, partner_iso3, year, agreement FROM {ALIGNMENT}
        WHERE issue = 'all' AND year BETWEEN ? AND ? AND agreement IS NOT NULL
          AND (country_iso3 IN (SELECT unnest(?)) OR partner_iso3 IN (SELECT unnest(?)))
        """,
        [first, last, codes, codes],
    )
    swapped = rows.select(
        pl.col("partner_iso3").alias("country_iso3"),
        pl.col("country_iso3").alias("partner_iso3"),
        "year",
        "agreement",
    )
    return pl.concat([rows, swapped]).with_columns(pl.col("year").cast(pl.Int32))


def stored_components_cover(settings: Settings, powers: list[str]) -> bool:
    """True when the build stored the components of these powers (``out_autonomy__components``).

    The default powers are stored at build time, so the warehouse and the bundled snapshot give
    the same index; other powers are computed from ``out_dependence__yearly`` at query time
    (from the bundled snapshot, whose dependence table keeps only some partners, they can
    differ from a full warehouse).
    """
    return set(powers) <= set(model.INDEX_POWERS) and has_table(settings, COMPONENTS)


def stored_components(settings: Settings, codes: list[str], first: int, last: int) -> pl.DataFrame:
    frame = query(
        settings,
        f"SELECT country_iso3, year, power, component, value FROM {COMPONENTS} "
        "WHERE country_iso3 IN (SELECT unnest(?)) AND year BETWEEN ? AND ?",
        [codes, first, last],
    )
    return frame.cast(model.COMPONENT_SCHEMA)  # type: ignore[arg-type]


def autonomy_index(
    countries: str | list[str] = "C5",
    *,
    year: int | None = None,
    powers: str | list[str] = DEFAULT_POWERS,
    weights: Mapping[str, float] | Path | str | None = None,
    draws: int = model.DRAWS,
    seed: int = 0,
    settings: Settings | None = None,
) -> IndexResult:
    """Autonomy scores with Monte Carlo intervals and rank stability, and dependence on each power.

    ``weights``: a mapping component -> weight, a TOML file, or None for the defaults.
    ``year``: default the latest year with trade shares for the countries.
    """
    settings = settings or Settings()
    codes = parse_country_list(countries)
    if not codes:
        raise BadArgument("Give at least one country (e.g. --countries C5).")
    if draws < 10:
        raise BadArgument(f"--draws {draws} is too few: use at least 10 (default 1,000).")
    chosen = resolve_weights(weights)
    members = power_members(powers)
    _require(settings, TABLE)
    if year is None:
        latest = query(
            settings,
            f"SELECT max(year) AS y FROM {TABLE} WHERE country_iso3 IN (SELECT unnest(?)) "
            "AND measure = 'total_share' AND method = 'chosen'",
            [codes],
        )
        year = latest["y"][0]
        if year is None:
            raise WarehouseMissing(
                "No trade shares for these countries in the warehouse or the bundled snapshot."
            )
    if not 1960 <= year <= 2030:
        raise BadArgument(f"Year {year} is out of range (1960–2030).")
    first = year - model.MAX_AGE
    powers_list = members["power"].unique(maintain_order=True).to_list()
    if stored_components_cover(settings, powers_list):
        values = stored_components(settings, codes, first, year)
    else:
        raw = model.normalise(component_rows(settings, codes, members, first, year))
        values = pl.concat(
            [
                raw.select("country_iso3", "year", "power", "component", "value"),
                model.alignment_percentiles(
                    agreement_rows(settings, members, first, year), members
                ),
            ],
            how="vertical_relaxed",
        ).filter(pl.col("country_iso3").is_in(codes))
    return model.compute_index(values, codes, powers_list, year, chosen, draws=draws, seed=seed)


def joint_alignment(
    powers: str | list[str] = "RUS,CHN,USA",
    *,
    countries: str | list[str] | None = None,
    start: int = 1995,
    end: int = 2023,
    weights: Mapping[str, float] | Path | str | None = None,
    settings: Settings | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, tuple[str, ...]]:
    """Does dependence on a power go with voting closer to it, across countries and years?

    Dependence is the composite of the economic components (alignment weight set to 0, so the
    outcome is not on both sides), same-year values only; agreement is the mean yearly UN vote
    agreement with the power's members. Returns (statistics per power, the panel, caveats).
    """
    settings = settings or Settings()
    if start > end:
        raise BadArgument(f"--from {start} is after --to {end}.")
    codes = parse_country_list(countries) if countries else None
    members = power_members(powers)
    chosen = resolve_weights(weights)
    chosen["alignment"] = 0.0
    if sum(chosen.values()) <= 0:
        raise BadArgument("The weights leave no economic component for the joint view.")
    chosen = model.check_weights(chosen)
    _require(settings, TABLE)
    _require(settings, ALIGNMENT)
    powers_list = members["power"].unique(maintain_order=True).to_list()
    raw = model.fill_absent_partners(
        model.normalise(component_rows(settings, codes, members, start, end)),
        powers_list,
        by=("country_iso3", "component", "year"),
    )
    weight = pl.DataFrame({"component": list(chosen), "w": list(chosen.values())})
    dependence = (
        raw.join(weight, on="component")
        .filter(pl.col("w") > 0)
        .group_by("country_iso3", "year", "power")
        .agg(((pl.col("value") * pl.col("w")).sum() / pl.col("w").sum()).alias("dependence"))
    )
    agreement = (
        agreement_rows(settings, members, start, end)
        .join(members, left_on="partner_iso3", right_on="member_iso3")
        .filter(pl.col("country_iso3") != pl.col("partner_iso3"))
        .group_by("country_iso3", "year", "power")
        .agg(pl.col("agreement").mean())
    )
    panel = dependence.join(agreement, on=["country_iso3", "year", "power"], how="inner")
    if codes:
        panel = panel.filter(pl.col("country_iso3").is_in(codes))
    panel = panel.sort("power", "country_iso3", "year")
    return model.joint_view(panel), panel, model.JOINT_CAVEATS
