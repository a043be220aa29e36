"""Scenario levers: pure functions over an *amounts* frame (no IO).

The amounts frame is the flow behind every dependence measure, one row per country, partner
(null = the unnamed remainder), year, dimension and flow:

    country_iso3 | partner_iso3 | year | dimension | flow | amount

flows: ``remittances`` (US$), ``exports`` / ``imports`` (trade, US$), ``oda`` (US$),
``gas_exports`` (bcm). Each lever returns a new amounts frame (never mutates), plus, for
labour mobility, the worker stock it implies. A lever whose size is zero returns its input
unchanged, so a scenario of zero levers reproduces the baseline exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from autonomy_monitor.scenarios.spec import (
    Aid,
    LabourMobility,
    RemittanceShock,
    SupplierRemoval,
    TradeDiversion,
)

KEY = ["country_iso3", "partner_iso3", "year", "dimension", "flow"]
AMOUNT_SCHEMA = {
    "country_iso3": pl.String,
    "partner_iso3": pl.String,
    "year": pl.Int32,
    "dimension": pl.String,
    "flow": pl.String,
    "amount": pl.Float64,
}


def added_remittances_usd(
    workers: float,
    monthly_wage: float,
    exchange_rate: float,
    share_remitted: float,
    months: float = 12.0,
) -> float:
    """Remittances sent home by ``workers`` in a year, in US$.

    workers × (monthly_wage / exchange_rate) × months × share_remitted, the wage in a currency
    worth ``exchange_rate`` units per US$ (e.g. 150 JPY per US$).
    """
    return workers * monthly_wage / exchange_rate * months * share_remitted


def worker_stock(arrivals: Sequence[float], stay_years: int | None) -> list[float]:
    """Stock in year k = arrivals of years k − stay_years + 1 .. k (all earlier years if no
    limit)."""
    stock = []
    for k in range(len(arrivals)):
        first = 0 if stay_years is None else max(0, k - stay_years + 1)
        stock.append(float(sum(arrivals[first : k + 1])))
    return stock


def _add(amounts: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """Add ``delta`` to amounts by KEY; rows absent from amounts are created (new partner)."""
    if changes.is_empty():
        return amounts
    changes = changes.group_by(KEY).agg(pl.col("delta").sum())
    joined = amounts.join(changes, on=KEY, how="full", coalesce=True, nulls_equal=True)
    return (
        joined.with_columns(
            (pl.col("amount").fill_null(0.0) + pl.col("delta").fill_null(0.0)).alias("amount")
        )
        .drop("delta")
        .select(list(AMOUNT_SCHEMA))
        .sort(KEY, nulls_last=True)
    )


def _scale(amounts: pl.DataFrame, mask: pl.Expr, factor: float) -> pl.DataFrame:
    if factor == 1.0:
        return amounts
    return amounts.with_columns(
        pl.when(mask).then(pl.col("amount") * factor).otherwise(pl.col("amount")).alias("amount")
    )


def _years(expr_years: Sequence[int] | None, scenario_years: Sequence[int]) -> list[int]:
    return list(expr_years) if expr_years else list(scenario_years)


@dataclass(frozen=True)
class LabourResult:
    amounts: pl.DataFrame
    workers: pl.DataFrame  # year, sector, arrivals, stock, added_usd, diverted_usd
    notes: list[str]


def labour_mobility(
    amounts: pl.DataFrame,
    lever: LabourMobility,
    years: Sequence[int],
    emigrants: pl.DataFrame | None = None,
) -> LabourResult:
    """Added remittances from the destination (and fewer from ``diverted_from``), per year.

    ``emigrants``: country_iso3 (origin), partner_iso3 (destination), year, emigrants — used
    only to derive remittances per worker in ``diverted_from`` when not given in the lever.
    """
    ramp = lever.ramp or [1.0] * len(years)
    rows = []
    for sector, per_year in lever.workers_per_year.items():
        wage = lever.monthly_wage_by_sector.get(sector, lever.monthly_wage)
        arrivals = [per_year * r for r in ramp]
        for year, arrived, stock in zip(
            years, arrivals, worker_stock(arrivals, lever.stay_years), strict=True
        ):
            rows.append(
                {
                    "year": year,
                    "sector": sector,
                    "arrivals": arrived,
                    "stock": stock,
                    "added_usd": added_remittances_usd(
                        stock,
                        wage,
                        lever.exchange_rate,
                        lever.share_remitted,
                        lever.months_per_year,
                    ),
                }
            )
    workers = pl.DataFrame(
        rows,
        schema={
            "year": pl.Int32,
            "sector": pl.String,
            "arrivals": pl.Float64,
            "stock": pl.Float64,
            "added_usd": pl.Float64,
        },
    )
    notes: list[str] = []
    by_year = (
        workers.group_by("year").agg(pl.col("stock").sum(), pl.col("added_usd").sum()).sort("year")
    )
    changes = [
        by_year.select(
            pl.lit(lever.origin).alias("country_iso3"),
            pl.lit(lever.destination).alias("partner_iso3"),
            "year",
            pl.lit("remittances").alias("dimension"),
            pl.lit("remittances").alias("flow"),
            pl.col("added_usd").alias("delta"),
        ).filter(pl.col("delta") != 0)
    ]
    diverted = pl.Series("diverted_usd", [0.0] * by_year.height)
    if lever.diverted_from and lever.diverted_share > 0:
        current = amounts.filter(
            (pl.col("country_iso3") == lever.origin)
            & (pl.col("partner_iso3") == lever.diverted_from)
            & (pl.col("flow") == "remittances")
        ).select("year", "amount")
        per_worker = _per_worker(lever, current, emigrants, by_year["year"].to_list(), notes)
        frame = (
            by_year.join(per_worker, on="year", how="left")
            .join(current, on="year", how="left")
            .with_columns(
                pl.min_horizontal(
                    pl.col("stock")
                    * lever.diverted_share
                    * pl.col("per_worker_usd").fill_null(0.0),
                    pl.col("amount").fill_null(0.0),
                ).alias("diverted_usd")
            )
        )
        diverted = frame.sort("year")["diverted_usd"]
        changes.append(
            frame.select(
                pl.lit(lever.origin).alias("country_iso3"),
                pl.lit(lever.diverted_from).alias("partner_iso3"),
                "year",
                pl.lit("remittances").alias("dimension"),
                pl.lit("remittances").alias("flow"),
                (-pl.col("diverted_usd")).alias("delta"),
            ).filter(pl.col("delta") != 0)
        )
    total = by_year.with_columns(diverted.alias("diverted_usd"))
    workers = workers.join(
        total.select("year", "diverted_usd"), on="year", how="left"
    ).with_columns(
        (pl.col("diverted_usd") * pl.col("stock") / pl.col("stock").sum().over("year"))
        .fill_nan(0.0)
        .alias("diverted_usd")
    )
    delta = pl.concat(changes).with_columns(
        pl.col("year").cast(pl.Int32), pl.col("delta").cast(pl.Float64)
    )
    return LabourResult(_add(amounts, delta), workers, notes)


def _per_worker(
    lever: LabourMobility,
    current: pl.DataFrame,
    emigrants: pl.DataFrame | None,
    years: list[int],
    notes: list[str],
) -> pl.DataFrame:
    """Annual remittances per worker who would otherwise have gone to ``diverted_from``."""
    if lever.diverted_remittance_per_worker_usd is not None:
        return pl.DataFrame(
            {
                "year": years,
                "per_worker_usd": [lever.diverted_remittance_per_worker_usd] * len(years),
            },
            schema={"year": pl.Int32, "per_worker_usd": pl.Float64},
        )
    stock = (
        emigrants.filter(
            (pl.col("country_iso3") == lever.origin)
            & (pl.col("partner_iso3") == lever.diverted_from)
        )
        if emigrants is not None
        else pl.DataFrame(schema={"year": pl.Int32, "emigrants": pl.Float64})
    )
    out = []
    texts: dict[str, list[int]] = {}
    for year in years:
        known = stock.filter(pl.col("year") <= year).sort("year")
        amount = current.filter(pl.col("year") == year)["amount"]
        if known.is_empty() or amount.is_empty() or known["emigrants"][-1] <= 0:
            out.append(None)
            texts.setdefault(
                f"no emigrant stock of {lever.origin} in "
                f"{lever.diverted_from}; no remittances diverted.",
                [],
            ).append(year)
            continue
        value = float(amount[0]) / float(known["emigrants"][-1])
        out.append(value)
        texts.setdefault(
            f"remittances per {lever.origin} migrant in {lever.diverted_from} = "
            f"baseline remittances {float(amount[0]):,.0f} US$ / UN DESA stock "
            f"{known['emigrants'][-1]:,.0f} ({known['year'][-1]}) = {value:,.0f} US$ "
            "a year (an assumption: diverted workers would have remitted the average).",
            [],
        ).append(year)
    for text, seen in texts.items():
        span = str(seen[0]) if len(seen) == 1 else f"{seen[0]}–{seen[-1]}"
        notes.append(f"{span}: {text}")
    return pl.DataFrame(
        {"year": years, "per_worker_usd": out},
        schema={"year": pl.Int32, "per_worker_usd": pl.Float64},
    )


def remittance_shock(
    amounts: pl.DataFrame, lever: RemittanceShock, years: Sequence[int]
) -> pl.DataFrame:
    """remittances(partner) × (1 − fall_share) × (1 − returning_share) in the lever's years."""
    factor = (1.0 - lever.fall_share) * (1.0 - lever.returning_share)
    mask = (
        (pl.col("country_iso3") == lever.country)
        & (pl.col("partner_iso3") == lever.partner)
        & (pl.col("flow") == "remittances")
        & pl.col("year").is_in(_years(lever.years, years))
    )
    return _scale(amounts, mask, factor)


def trade_diversion(
    amounts: pl.DataFrame, lever: TradeDiversion, years: Sequence[int]
) -> pl.DataFrame:
    """Move ``share`` of the flow with ``from_partner`` to ``to_partner`` (or drop it without
    one)."""
    if lever.share == 0:
        return amounts
    moved = amounts.filter(
        (pl.col("country_iso3") == lever.country)
        & (pl.col("partner_iso3") == lever.from_partner)
        & (pl.col("dimension") == lever.dimension)
        & (pl.col("flow") == lever.flow)
        & pl.col("year").is_in(_years(lever.years, years))
    ).with_columns((pl.col("amount") * lever.share).alias("delta"))
    changes = [moved.select(*KEY, (-pl.col("delta")).alias("delta"))]
    if lever.to_partner:
        changes.append(
            moved.select(
                "country_iso3",
                pl.lit(lever.to_partner).alias("partner_iso3"),
                "year",
                "dimension",
                "flow",
                "delta",
            )
        )
    return _add(amounts, pl.concat(changes))


def largest_partner(
    amounts: pl.DataFrame, country: str, dimension: str, flow: str, year: int
) -> str | None:
    rows = amounts.filter(
        (pl.col("country_iso3") == country)
        & (pl.col("dimension") == dimension)
        & (pl.col("flow") == flow)
        & (pl.col("year") == year)
        & pl.col("partner_iso3").is_not_null()
    ).sort("amount", descending=True)
    return rows["partner_iso3"][0] if rows.height else None


def supplier_removal(
    amounts: pl.DataFrame, lever: SupplierRemoval, years: Sequence[int]
) -> tuple[pl.DataFrame, dict[int, str]]:
    """Remove ``share`` of the largest partner's flow (per year) or of the named partner's."""
    flow = {"remittances": "remittances", "aid": "oda", "energy": "gas_exports"}.get(
        lever.dimension, lever.flow
    )
    removed: dict[int, str] = {}
    if lever.share == 0:
        return amounts, removed
    for year in _years(lever.years, years):
        partner = lever.partner or largest_partner(
            amounts, lever.country, lever.dimension, flow, year
        )
        if partner is None:
            continue
        removed[year] = partner
        mask = (
            (pl.col("country_iso3") == lever.country)
            & (pl.col("partner_iso3") == partner)
            & (pl.col("dimension") == lever.dimension)
            & (pl.col("flow") == flow)
            & (pl.col("year") == year)
        )
        amounts = _scale(amounts, mask, 1.0 - lever.share)
    return amounts, removed


def aid(amounts: pl.DataFrame, lever: Aid, years: Sequence[int]) -> pl.DataFrame:
    """Add ``amount_usd`` of ODA from ``donor`` in each of the lever's years."""
    if lever.amount_usd == 0:
        return amounts
    chosen = _years(lever.years, years)
    delta = pl.DataFrame(
        {
            "country_iso3": [lever.country] * len(chosen),
            "partner_iso3": [lever.donor] * len(chosen),
            "year": chosen,
            "dimension": ["aid"] * len(chosen),
            "flow": ["oda"] * len(chosen),
            "delta": [lever.amount_usd] * len(chosen),
        },
        schema={**{k: v for k, v in AMOUNT_SCHEMA.items() if k != "amount"}, "delta": pl.Float64},
    )
    return _add(amounts, delta)
