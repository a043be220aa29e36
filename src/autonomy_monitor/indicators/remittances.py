"""Remittances received by country c from each sending country p, every year 2000–latest.

Pure functions over Polars frames and NumPy arrays (no IO). One estimator for every
country and year (DESIGN.md §6, issue 11); the same steps run everywhere, so the series
never jumps where only the available evidence changes.

Totals
------
``R(c, t)`` (current US$): WDI ``BX.TRF.PWKR.CD.DT`` (personal remittances received; the
newest vintage, with actuals for 2023–2024); where WDI has no value, KNOMAD/World Bank
inflows (Dec 2023 release); where neither has the year, a full-year total published by the
receiving central bank (``remittances_by_sender``, e.g. CBU 2025). The ratio to GDP divides
by WDI ``NY.GDP.MKTP.CD``.

1. Model prior (every receiver, every year)
-------------------------------------------
The allocation of the World Bank bilateral matrices (Ratha & Shaw 2007) spreads a
receiver's total over destinations in proportion to migrants × destination income. Stocks by
country of birth count people who no longer remit (e.g. the ethnic Germans born in Soviet
Kyrgyzstan who live in Germany), so the prior weights *recent* migrants (Abel & Cohen 2019
five-year flows) more than the stock::

    a(c, p, t) ∝ (F(c→p, t) + κ · S(c→p, t)) · y(p, t)^γ
    π(c, p, t) = α · m(c, p, t) + (1 − α) · a(c, p, t)

``F`` = Abel flow of the five-year period around t (linear between period mid-points, held
at the ends), ``S`` = UN DESA stock (linear between the five-yearly estimates, held after
2020), ``y`` = WDI GDP per capita of p (current US$, nearest year filling gaps), ``m`` = the
share in the WB/KNOMAD bilateral matrices (2017, 2021; linear between them, held outside),
where c is in them. κ, γ and α are **calibrated** on the central-bank observations (a grid
minimising the squared logit error of π against every observed share, weighted by the
observations' precision); ``σ_m`` (the model's logit error) is the root mean square residual.

2. Observations (``core_remittances_by_sender__figures``)
---------------------------------------------------------
A share of sender p in c's remittances, from: a share the receiving bank states
(``stated``); a receiving-bank sender figure over its TOTAL for the same period (``ratio``);
a sender-side figure (Central Bank of Russia, the mirror view) over the receiving bank's
TOTAL for the same period (``mirror``) or, for a full year without one, over ``R(c, t)``
(``mirror_annual``); a receiving-bank full-year sender figure over ``R(c, t)``
(``receiver_annual``). Conflicting figures of one ``figure_group`` enter as their median.
Partial periods stay partial: a share within H1 is evidence of that year's mix, with a larger
error. A derived ratio above 1 (a figure larger than the total it is divided by, e.g. the
National Bank of Kazakhstan's transfers from Russia against the WDI total of a net sender)
measures another concept and is not used. Each observation has a logit-scale error ``σ² = σ_kind² +
σ_part² · (12 − months)/12``.

3. Anchoring and smoothing
--------------------------
For each receiver and sender with observations, the offset ``δ_t = logit s_t − logit π_t``
follows a mean-reverting AR(1) process, ``δ_t = φ δ_{t−1} + η_t``, ``Var δ = σ_m²``
(so ``Var η = σ_m² (1 − φ²)``). A Kalman filter and Rauch–Tung–Striebel smoother give the
posterior mean and variance of δ for every year: observations anchor their years (the
estimate equals the observation up to its stated error), years between anchors move smoothly
between them, and far from any anchor the estimate returns to the calibrated model. Senders
never observed for c share the remainder ``1 − Σ observed`` in the proportions of π; a
country without any observation keeps π. Shares sum to 1 for every country and year.

Uncertainty: 90 % intervals ``expit(logit s ± 1.645 √P)``, ``P`` = the smoother's posterior
variance (observed senders) or ``σ_m²`` (model values). The leave-one-out errors of the whole
procedure are published in ``docs/remittances_validation.md``.

Methods: ``central_bank_anchor`` (an observation of this sender in this year),
``smoothed_from_anchors`` (this sender observed in other years), ``model_remainder``
(sender never observed, country observed), ``model_calibrated`` (country never observed).

References: Ratha, D. and Shaw, W. (2007), *South-South Migration and Remittances*, World
Bank Working Paper 102; World Bank/KNOMAD, Bilateral Remittance Matrix 2017 and 2021
(methodology notes); Abel, G. J. and Cohen, J. E. (2019), Bilateral international migration
flow estimates for 200 countries, *Scientific Data* 6:82; Durbin, J. and Koopman, S. J.
(2012), *Time Series Analysis by State Space Methods* (Kalman filter and smoother).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from autonomy_monitor.indicators import shares as sh

FIRST_YEAR = 2000
GDP = "NY.GDP.MKTP.CD"
GDP_PER_CAPITA = "NY.GDP.PCAP.CD"
WDI_REMITTANCES = "BX.TRF.PWKR.CD.DT"
Z90 = 1.6448536269514722
SHARE_FLOOR = 0.005  # observed shares are clipped to [floor, 1 − floor] before the logit
KEY = ["country_iso3", "partner_iso3", "year"]


@dataclass(frozen=True)
class EstimatorSettings:
    """Parameters of the estimator (module docstring). The model's κ, γ, α and σ_m are
    replaced by their calibrated values at run time; the others are fixed, documented
    choices (checked by the leave-one-out validation)."""

    kappa: float = 0.1
    gamma: float = 0.5
    alpha: float = 0.0
    sigma_model: float = 1.0
    phi: float = 0.85
    sigma_kind: tuple[tuple[str, float], ...] = (
        ("stated", 0.15),
        ("ratio", 0.20),
        ("mirror", 0.45),
        ("mirror_annual", 0.55),
        ("receiver_annual", 0.45),
    )
    sigma_partial: float = 0.35
    kappa_grid: tuple[float, ...] = (0.0, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
    gamma_grid: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    alpha_grid: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    min_sigma_model: float = 0.25

    def sigma_of(self, kind: str) -> float:
        return dict(self.sigma_kind)[kind]


# --------------------------------------------------------------------------------------------
# Totals


def indicator(wdi: pl.DataFrame, code: str, name: str) -> pl.DataFrame:
    """One WDI indicator as country_iso3, year, <name>."""
    return wdi.filter(pl.col("indicator_code") == code).select(
        "country_iso3", pl.col("year").cast(pl.Int32), pl.col("value").alias(name)
    )


def remittance_totals(
    inflows: pl.DataFrame,
    wdi: pl.DataFrame,
    figures: pl.DataFrame | None = None,
    first_year: int = FIRST_YEAR,
) -> pl.DataFrame:
    """country_iso3, year, total_usd, total_source: WDI, else KNOMAD, else a central bank's
    full-year total."""
    world_bank = indicator(wdi, WDI_REMITTANCES, "w").filter(pl.col("w") > 0)
    knomad = inflows.select(
        "country_iso3",
        pl.col("year").cast(pl.Int32),
        pl.col("remittances_usd").alias("k"),
        pl.when(pl.col("is_estimate"))
        .then(pl.lit("KNOMAD inflows Dec 2023 (estimate)"))
        .otherwise(pl.lit("KNOMAD inflows Dec 2023"))
        .alias("ks"),
    )
    banks = central_bank_totals(figures)
    both = world_bank.join(knomad, on=["country_iso3", "year"], how="full", coalesce=True).join(
        banks, on=["country_iso3", "year"], how="full", coalesce=True
    )
    source = (
        pl.when(pl.col("w").is_not_null())
        .then(pl.lit(f"WDI {WDI_REMITTANCES}"))
        .when(pl.col("k").is_not_null())
        .then(pl.col("ks"))
        .otherwise(pl.col("bs"))
    )
    return (
        both.select(
            "country_iso3",
            pl.col("year").cast(pl.Int32),
            pl.coalesce("w", "k", "b").alias("total_usd"),
            source.alias("total_source"),
        )
        .filter((pl.col("year") >= first_year) & pl.col("total_usd").is_not_null())
        .sort("country_iso3", "year")
    )


def central_bank_totals(figures: pl.DataFrame | None) -> pl.DataFrame:
    """Full-year receiver-side TOTAL figures (group medians): country_iso3, year, b, bs."""
    schema = {"country_iso3": pl.String, "year": pl.Int32, "b": pl.Float64, "bs": pl.String}
    if figures is None or figures.is_empty():
        return pl.DataFrame(schema=schema)
    rows = figures.filter(
        (pl.col("sender_kind") == "total")
        & pl.col("is_full_year")
        & (pl.col("side") == "receiver")
        & pl.col("value_usd").is_not_null()
    )
    return (
        rows.group_by("receiver_iso3", "year")
        .agg(
            pl.col("value_usd").median().alias("b"),
            pl.format(
                "{} ({}), rows {}",
                pl.col("publisher").first(),
                pl.col("concept").first(),
                pl.col("row_id").sort().str.join(","),
            ).alias("bs"),
        )
        .rename({"receiver_iso3": "country_iso3"})
        .select(list(schema))
        .cast(schema)
    )


# --------------------------------------------------------------------------------------------
# 1. Model prior


def interpolate_stock(stock: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """Bilateral stock for every year in ``years``: linear between estimates, held at the ends.

    The UN DESA file lists only positive stocks, so a pair missing in an estimate year had 0.
    Returns origin_iso3, destination_iso3, year, migrants.
    """
    frame = stock.select(
        "origin_iso3",
        "destination_iso3",
        pl.col("year").cast(pl.Float64).alias("x"),
        pl.col("migrants").cast(pl.Float64).alias("v"),
    )
    return interpolate_pairs(frame, years).rename({"v": "migrants"})


def recent_flows(flows: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """Abel five-year flows placed at the period mid-point, linear between, held at the ends.

    Returns origin_iso3, destination_iso3, year, recent_migrants (persons per five years).
    """
    frame = flows.select(
        "origin_iso3",
        "destination_iso3",
        ((pl.col("period_start") + pl.col("period_end")) / 2.0).cast(pl.Float64).alias("x"),
        pl.col("migrants").cast(pl.Float64).alias("v"),
    )
    return interpolate_pairs(frame, years).rename({"v": "recent_migrants"})


def interpolate_pairs(frame: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """Pairs with values v at points x -> v for every year (linear, held at the ends, 0 where
    unlisted).

    Returns origin_iso3, destination_iso3, year, v (rows with v > 0 only).
    """
    pair = ["origin_iso3", "destination_iso3"]
    points = np.array(sorted(frame["x"].unique().to_list()), dtype=float)
    keys = frame.select(pair).unique().sort(pair).with_row_index("i")
    position = {float(x): k for k, x in enumerate(points)}
    located = frame.join(keys, on=pair).with_columns(
        pl.col("x").replace_strict(position, return_dtype=pl.Int64).alias("j")
    )
    values = np.zeros((keys.height, len(points)))
    values[located["i"].to_numpy(), located["j"].to_numpy()] = located["v"].to_numpy()
    wanted = list(years)
    out = (
        np.stack([interp_rows(values, points, float(y)) for y in wanted], axis=1)
        if wanted
        else values[:, :0]
    )
    result = pl.DataFrame(
        {
            "origin_iso3": np.repeat(keys["origin_iso3"].to_numpy(), len(wanted)),
            "destination_iso3": np.repeat(keys["destination_iso3"].to_numpy(), len(wanted)),
            "year": np.tile(np.array(wanted, dtype=np.int32), keys.height),
            "v": out.ravel(),
        },
        schema={
            "origin_iso3": pl.String,
            "destination_iso3": pl.String,
            "year": pl.Int32,
            "v": pl.Float64,
        },
    )
    return result.filter(pl.col("v") > 0)


def interp_rows(values: np.ndarray, points: np.ndarray, x: float) -> np.ndarray:
    """np.interp for every row of ``values`` at one x (held at the ends)."""
    if x <= points[0]:
        return values[:, 0]
    if x >= points[-1]:
        return values[:, -1]
    j = int(np.searchsorted(points, x, side="right"))
    w = (x - points[j - 1]) / (points[j] - points[j - 1])
    return (1 - w) * values[:, j - 1] + w * values[:, j]


def filled_gdp_per_capita(wdi: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """GDP per capita per country and year, the nearest available year filling gaps."""
    gdppc = indicator(wdi, GDP_PER_CAPITA, "gdp_per_capita_usd").filter(
        pl.col("gdp_per_capita_usd") > 0
    )
    all_years = sorted(set(years) | set(gdppc["year"].to_list()))
    grid = (
        gdppc.select("country_iso3")
        .unique()
        .join(pl.DataFrame({"year": all_years}, schema={"year": pl.Int32}), how="cross")
        .join(gdppc, on=["country_iso3", "year"], how="left")
        .sort("country_iso3", "year")
    )
    grid = grid.with_columns(
        pl.col("gdp_per_capita_usd").forward_fill().backward_fill().over("country_iso3")
    )
    return grid.filter(pl.col("year").is_in(list(years)))


def migrant_features(
    stock: pl.DataFrame,
    flows: pl.DataFrame | None,
    wdi: pl.DataFrame,
    years: Sequence[int],
    receivers: Iterable[str] | None = None,
) -> pl.DataFrame:
    """country_iso3 (receiver c = origin), partner_iso3 (p), year, stock, recent, income.

    Rows for every destination with a stock or a flow and a GDP per capita.
    """
    if receivers is not None:
        wanted = list(receivers)
        stock = stock.filter(pl.col("origin_iso3").is_in(wanted))
        flows = flows.filter(pl.col("origin_iso3").is_in(wanted)) if flows is not None else None
    s = (
        interpolate_stock(stock, years)
        if stock.height
        else pl.DataFrame(
            schema={
                "origin_iso3": pl.String,
                "destination_iso3": pl.String,
                "year": pl.Int32,
                "migrants": pl.Float64,
            }
        )
    )
    pair = ["origin_iso3", "destination_iso3", "year"]
    if flows is not None and flows.height:
        f = recent_flows(flows, years)
        s = s.join(f, on=pair, how="full", coalesce=True)
    else:
        s = s.with_columns(pl.lit(0.0).alias("recent_migrants"))
    gdppc = filled_gdp_per_capita(wdi, years)
    joined = s.join(
        gdppc, left_on=["destination_iso3", "year"], right_on=["country_iso3", "year"], how="inner"
    )
    return joined.select(
        pl.col("origin_iso3").alias("country_iso3"),
        pl.col("destination_iso3").alias("partner_iso3"),
        "year",
        pl.col("migrants").fill_null(0.0).alias("stock"),
        pl.col("recent_migrants").fill_null(0.0).alias("recent"),
        pl.col("gdp_per_capita_usd").alias("income"),
    ).filter(pl.col("country_iso3") != pl.col("partner_iso3"))


def allocation_shares(features: pl.DataFrame, kappa: float, gamma: float) -> pl.DataFrame:
    """country_iso3, partner_iso3, year, allocation: ∝ (F + κ·S) · y^γ, summing to 1."""
    weight = (pl.col("recent") + kappa * pl.col("stock")) * pl.col("income") ** gamma
    frame = features.select(*KEY, weight.alias("w")).filter(pl.col("w") > 0)
    return frame.with_columns(
        (pl.col("w") / pl.col("w").sum().over("country_iso3", "year")).alias("allocation")
    ).drop("w")


def matrix_shares(matrix: pl.DataFrame) -> pl.DataFrame:
    """country_iso3 (receiver), partner_iso3 (sender), year, share, matrix (label)."""
    frame = matrix.filter(pl.col("remittances_usd") > 0).select(
        pl.col("receiver_iso3").alias("country_iso3"),
        pl.col("sender_iso3").alias("partner_iso3"),
        pl.col("year").cast(pl.Int32),
        "remittances_usd",
        "matrix",
    )
    total = pl.col("remittances_usd").sum().over("country_iso3", "year")
    return frame.with_columns((pl.col("remittances_usd") / total).alias("share")).drop(
        "remittances_usd"
    )


def matrix_path(matrix: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """Matrix shares for every year: linear between matrix years, held outside (country_iso3,
    partner_iso3, year, matrix_share)."""
    shares = matrix_shares(matrix)
    frame = shares.select(
        pl.col("country_iso3").alias("origin_iso3"),
        pl.col("partner_iso3").alias("destination_iso3"),
        pl.col("year").cast(pl.Float64).alias("x"),
        pl.col("share").alias("v"),
    )
    if frame.is_empty():
        return pl.DataFrame(
            schema={
                "country_iso3": pl.String,
                "partner_iso3": pl.String,
                "year": pl.Int32,
                "matrix_share": pl.Float64,
            }
        )
    # a receiver missing from one matrix year is held at the other (not read as zero): interpolate
    # each set of receivers that share the same matrix years on its own
    present = frame.group_by("origin_iso3").agg(pl.col("x").unique().sort().alias("xs"))
    parts = [
        interpolate_pairs(frame.join(group.select("origin_iso3"), on="origin_iso3"), years)
        for _, group in present.group_by(pl.col("xs").cast(pl.List(pl.String)).list.join(","))
    ]
    path = pl.concat(parts)
    return path.select(
        pl.col("origin_iso3").alias("country_iso3"),
        pl.col("destination_iso3").alias("partner_iso3"),
        pl.col("year").cast(pl.Int32),
        pl.col("v").alias("matrix_share"),
    )


def prior_shares(
    features: pl.DataFrame, matrix: pl.DataFrame, kappa: float, gamma: float, alpha: float
) -> pl.DataFrame:
    """π = α·matrix + (1 − α)·allocation (renormalised); either alone where the other is absent.

    Returns country_iso3, partner_iso3, year, prior, allocation, matrix_share.
    """
    alloc = allocation_shares(features, kappa, gamma)
    both = alloc.join(matrix, on=KEY, how="full", coalesce=True)
    has_alloc = pl.col("allocation").is_not_null().any().over("country_iso3", "year")
    has_matrix = pl.col("matrix_share").is_not_null().any().over("country_iso3", "year")
    a = pl.col("allocation").fill_null(0.0)
    m = pl.col("matrix_share").fill_null(0.0)
    blend = (
        pl.when(has_alloc & has_matrix)
        .then(alpha * m + (1 - alpha) * a)
        .when(has_alloc)
        .then(a)
        .otherwise(m)
    )
    frame = both.with_columns(blend.alias("w")).filter(pl.col("w") > 0)
    return frame.with_columns(
        (pl.col("w") / pl.col("w").sum().over("country_iso3", "year")).alias("prior")
    ).drop("w")


# --------------------------------------------------------------------------------------------
# 2. Observations


OBS_SCHEMA = {
    "country_iso3": pl.String,
    "partner_iso3": pl.String,
    "year": pl.Int32,
    "months": pl.Int32,
    "period": pl.String,
    "share": pl.Float64,
    "kind": pl.String,
    "rows": pl.String,
    "publisher": pl.String,
}


def group_values(figures: pl.DataFrame) -> pl.DataFrame:
    """One value per figure group (the median of conflicting figures): the de-duplication rule."""
    return figures.group_by("figure_group").agg(
        pl.col(
            "receiver_iso3",
            "sender_code",
            "sender_kind",
            "sender_iso3",
            "year",
            "first_month",
            "last_month",
            "months",
            "side",
            "publisher",
        ).first(),
        pl.col("value_usd").median(),
        pl.col("share_of_total").median(),
        pl.col("row_id").sort().str.join(",").alias("rows"),
    )


def share_observations(figures: pl.DataFrame, totals: pl.DataFrame) -> pl.DataFrame:
    """Observed shares of country senders (module docstring, step 2), one row per derivation."""
    if figures.is_empty():
        return pl.DataFrame(schema=OBS_SCHEMA)
    groups = group_values(figures)
    period = ["receiver_iso3", "year", "first_month", "last_month"]
    senders = groups.filter(pl.col("sender_kind") == "country")
    bank_totals = (
        groups.filter(
            (pl.col("sender_kind") == "total")
            & (pl.col("side") == "receiver")
            & pl.col("value_usd").is_not_null()
        )
        .group_by(period)
        .agg(
            pl.col("value_usd").median().alias("period_total"),
            pl.col("rows").str.join(",").alias("total_rows"),
        )
    )
    frame = senders.join(bank_totals, on=period, how="left").join(
        totals.select(
            pl.col("country_iso3").alias("receiver_iso3"),
            "year",
            pl.col("total_usd").alias("annual_total"),
        ),
        on=["receiver_iso3", "year"],
        how="left",
    )
    stated = frame.filter(
        pl.col("share_of_total").is_not_null() & (pl.col("side") == "receiver")
    ).with_columns(
        pl.col("share_of_total").cast(pl.Float64).alias("share"), pl.lit("stated").alias("kind")
    )
    value = pl.col("value_usd")
    derived = (
        frame.filter(value.is_not_null())
        .with_columns(value.cast(pl.Float64))
        .with_columns(
            pl.when((pl.col("side") == "receiver") & pl.col("period_total").is_not_null())
            .then(value / pl.col("period_total"))
            .when((pl.col("side") == "sender") & pl.col("period_total").is_not_null())
            .then(value / pl.col("period_total"))
            .when((pl.col("months") == 12) & pl.col("annual_total").is_not_null())
            .then(value / pl.col("annual_total"))
            .alias("share"),
            pl.when((pl.col("side") == "receiver") & pl.col("period_total").is_not_null())
            .then(pl.lit("ratio"))
            .when((pl.col("side") == "sender") & pl.col("period_total").is_not_null())
            .then(pl.lit("mirror"))
            .when(pl.col("side") == "sender")
            .then(pl.lit("mirror_annual"))
            .otherwise(pl.lit("receiver_annual"))
            .alias("kind"),
            (pl.col("rows") + pl.lit("/") + pl.col("total_rows").fill_null("annual total")).alias(
                "rows"
            ),
        )
        .filter(pl.col("share").is_not_null() & (pl.col("side") != "unknown"))
    )
    # a figure larger than the total it is divided by measures another concept (e.g. NBK's
    # money-transfer systems against the WDI total of a net sender): not a share, dropped
    derived = derived.filter(pl.col("share") <= 1.0)
    # the bank's own stated share takes precedence over a ratio for the same sender and period
    derived = derived.join(
        stated.select(*period, "sender_iso3"), on=[*period, "sender_iso3"], how="anti"
    )
    out = pl.concat([stated.select(derived.columns), derived])
    return (
        out.select(
            pl.col("receiver_iso3").alias("country_iso3"),
            pl.col("sender_iso3").alias("partner_iso3"),
            "year",
            pl.col("months").cast(pl.Int32),
            pl.format(
                "{}-{}",
                pl.col("first_month").cast(pl.String).str.zfill(2),
                pl.col("last_month").cast(pl.String).str.zfill(2),
            ).alias("period"),
            "share",
            "kind",
            "rows",
            "publisher",
        )
        .cast(OBS_SCHEMA)
        .sort("country_iso3", "partner_iso3", "year", "period", "kind")
    )


def observation_sd(obs: pl.DataFrame, settings: EstimatorSettings) -> pl.DataFrame:
    """Add ``sd`` (logit scale): σ_kind² + σ_part²·(12 − months)/12."""
    kind_sd = pl.col("kind").replace_strict(dict(settings.sigma_kind), return_dtype=pl.Float64)
    partial = settings.sigma_partial**2 * (12 - pl.col("months")) / 12.0
    return obs.with_columns((kind_sd**2 + partial).sqrt().alias("sd"))


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def expit(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def clipped(p: pl.Expr) -> pl.Expr:
    return p.clip(SHARE_FLOOR, 1 - SHARE_FLOOR)


# --------------------------------------------------------------------------------------------
# 3. Calibration, smoothing


def calibrate(
    features: pl.DataFrame, matrix: pl.DataFrame, obs: pl.DataFrame, settings: EstimatorSettings
) -> EstimatorSettings:
    """κ, γ, α minimising Σ ((logit obs − logit π)/sd)², and σ_m = RMS residual (floored)."""
    if obs.is_empty():
        return settings
    obs = observation_sd(obs, settings)
    receivers = obs["country_iso3"].unique().to_list()
    feats = features.filter(pl.col("country_iso3").is_in(receivers))
    mat = matrix.filter(pl.col("country_iso3").is_in(receivers))
    best: tuple[float, float, float, float, np.ndarray] | None = None
    for kappa, gamma, alpha in itertools.product(
        settings.kappa_grid, settings.gamma_grid, settings.alpha_grid
    ):
        residual = prior_residuals(feats, mat, obs, kappa, gamma, alpha)
        loss = float(np.sum((residual / obs["sd"].to_numpy()) ** 2))
        if best is None or loss < best[0] - 1e-12:
            best = (loss, kappa, gamma, alpha, residual)
    assert best is not None
    _, kappa, gamma, alpha, residual = best
    sigma = max(settings.min_sigma_model, float(np.sqrt(np.mean(residual**2))))
    return replace(settings, kappa=kappa, gamma=gamma, alpha=alpha, sigma_model=sigma)


def prior_residuals(
    features: pl.DataFrame,
    matrix: pl.DataFrame,
    obs: pl.DataFrame,
    kappa: float,
    gamma: float,
    alpha: float,
) -> np.ndarray:
    """logit(observed share) − logit(π) for every observation (π = 0 -> floor)."""
    prior = prior_shares(features, matrix, kappa, gamma, alpha)
    joined = obs.join(prior.select(*KEY, "prior"), on=KEY, how="left").with_columns(
        pl.col("prior").fill_null(0.0)
    )
    return logit(joined.select(clipped(pl.col("share")))["share"].to_numpy()) - logit(
        joined.select(clipped(pl.col("prior")))["prior"].to_numpy()
    )


def smooth_offsets(
    years: Sequence[int], observed: Sequence[tuple[int, float, float]], phi: float, sigma: float
) -> tuple[np.ndarray, np.ndarray]:
    """AR(1) Kalman filter + RTS smoother of the logit offset δ over ``years``.

    ``observed``: (year, offset y, sd) triples; several per year allowed. Returns the posterior
    means and variances of δ for each year. δ_first ~ N(0, σ²); δ_t = φ δ_{t−1} + η, Var η = σ²(1 −
    φ²).
    """
    n = len(years)
    index = {y: k for k, y in enumerate(years)}
    q = sigma**2 * (1 - phi**2)
    by_year: dict[int, list[tuple[float, float]]] = {}
    for year, y, sd in observed:
        if year in index:
            by_year.setdefault(index[year], []).append((y, sd))
    mf, pf, mp, pp = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    m, p = 0.0, sigma**2
    for k in range(n):
        if k > 0:
            m, p = phi * m, phi**2 * p + q
        mp[k], pp[k] = m, p
        for y, sd in by_year.get(k, []):
            gain = p / (p + sd**2)
            m, p = m + gain * (y - m), (1 - gain) * p
        mf[k], pf[k] = m, p
    ms, ps = mf.copy(), pf.copy()
    for k in range(n - 2, -1, -1):
        c = pf[k] * phi / pp[k + 1]
        ms[k] = mf[k] + c * (ms[k + 1] - mp[k + 1])
        ps[k] = pf[k] + c**2 * (ps[k + 1] - pp[k + 1])
    return ms, ps


@dataclass(frozen=True)
class Estimate:
    """Output of :func:`estimate_shares`."""

    shares: pl.DataFrame  # KEY, share, share_lo, share_hi, prior, method, anchors
    observations: pl.DataFrame  # every observation with its sd and the estimate for its year
    settings: EstimatorSettings


def observed_sender_shares(
    prior: pl.DataFrame, obs: pl.DataFrame, years: Sequence[int], settings: EstimatorSettings
) -> pl.DataFrame:
    """Smoothed shares of every (receiver, sender) with observations, every year: KEY, share, var,
    method, anchors."""
    rows = []
    pairs = obs.select("country_iso3", "partner_iso3").unique()
    priors = {
        (c, p, y): v
        for c, p, y, v in prior.join(pairs, on=["country_iso3", "partner_iso3"])
        .select(*KEY, "prior")
        .iter_rows()
    }
    for (country, partner), group in obs.group_by(
        ["country_iso3", "partner_iso3"], maintain_order=True
    ):
        base = np.array([priors.get((country, partner, y), 0.0) for y in years])
        base_logit = logit(np.clip(base, SHARE_FLOOR / 10, 1 - SHARE_FLOOR / 10))
        offsets = [
            (
                y,
                float(
                    logit(min(max(s, SHARE_FLOOR), 1 - SHARE_FLOOR)) - base_logit[years.index(y)]
                ),
                sd,
            )
            for y, s, sd in group.select("year", "share", "sd").iter_rows()
            if y in years
        ]
        mean, var = smooth_offsets(years, offsets, settings.phi, settings.sigma_model)
        anchors = {
            y: ",".join(
                sorted(set(r for yy, r in group.select("year", "rows").iter_rows() if yy == y))
            )
            for y in set(group["year"].to_list())
        }
        for k, year in enumerate(years):
            rows.append(
                (
                    country,
                    partner,
                    year,
                    float(expit(base_logit[k] + mean[k])),
                    float(base_logit[k] + mean[k]),
                    float(var[k]),
                    "central_bank_anchor" if year in anchors else "smoothed_from_anchors",
                    anchors.get(year),
                )
            )
    schema = {
        "country_iso3": pl.String,
        "partner_iso3": pl.String,
        "year": pl.Int32,
        "share": pl.Float64,
        "logit": pl.Float64,
        "var": pl.Float64,
        "method": pl.String,
        "anchors": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def combine_shares(
    prior: pl.DataFrame, observed: pl.DataFrame, settings: EstimatorSettings
) -> pl.DataFrame:
    """Observed senders' smoothed shares + the remainder spread over the others by π; sums to 1."""
    observed_countries = observed.select("country_iso3").unique()
    model_only = prior.join(observed_countries, on="country_iso3", how="anti").select(
        *KEY,
        pl.col("prior").alias("share"),
        "prior",
        pl.lit("model_calibrated").alias("method"),
        pl.lit(None, dtype=pl.String).alias("anchors"),
        pl.lit(settings.sigma_model**2).alias("var"),
    )
    years_of = prior.join(observed_countries, on="country_iso3", how="semi")
    obs_part = observed.join(prior.select(*KEY, "prior"), on=KEY, how="left").with_columns(
        pl.col("prior").fill_null(0.0)
    )
    total_observed = obs_part.group_by("country_iso3", "year").agg(
        pl.col("share").sum().alias("observed_sum")
    )
    rest = years_of.join(
        observed.select("country_iso3", "partner_iso3").unique(),
        on=["country_iso3", "partner_iso3"],
        how="anti",
    )
    rest_sum = rest.group_by("country_iso3", "year").agg(pl.col("prior").sum().alias("rest_prior"))
    scale = (
        total_observed.join(rest_sum, on=["country_iso3", "year"], how="left")
        .with_columns(pl.col("rest_prior").fill_null(0.0))
        .with_columns(
            # observed senders keep their shares unless they would leave less than SHARE_FLOOR for
            # the rest
            pl.when(pl.col("rest_prior") <= 0)
            .then(1.0 / pl.col("observed_sum"))
            .when(pl.col("observed_sum") > 1 - SHARE_FLOOR)
            .then((1 - SHARE_FLOOR) / pl.col("observed_sum"))
            .otherwise(1.0)
            .alias("obs_scale")
        )
    )
    scale = scale.with_columns(
        pl.when(pl.col("rest_prior") > 0)
        .then((1 - pl.col("observed_sum") * pl.col("obs_scale")) / pl.col("rest_prior"))
        .otherwise(0.0)
        .alias("rest_scale")
    )
    obs_part = obs_part.join(scale, on=["country_iso3", "year"]).select(
        *KEY,
        (pl.col("share") * pl.col("obs_scale")).alias("share"),
        "prior",
        "method",
        "anchors",
        "var",
    )
    rest_part = rest.join(scale, on=["country_iso3", "year"], how="inner").select(
        *KEY,
        (pl.col("prior") * pl.col("rest_scale")).alias("share"),
        "prior",
        pl.lit("model_remainder").alias("method"),
        pl.lit(None, dtype=pl.String).alias("anchors"),
        pl.lit(settings.sigma_model**2).alias("var"),
    )
    return pl.concat([model_only, obs_part, rest_part]).filter(pl.col("share") > 0)


def with_intervals(frame: pl.DataFrame) -> pl.DataFrame:
    """share_lo, share_hi = expit(logit share ∓ z·√var) (90 %), containing the point by
    construction."""
    x = logit(frame["share"].to_numpy())
    half = Z90 * np.sqrt(frame["var"].to_numpy())
    frame = frame.with_columns(
        pl.Series("share_lo", expit(x - half)), pl.Series("share_hi", expit(x + half))
    )
    return frame.with_columns(
        pl.min_horizontal("share_lo", "share").alias("share_lo"),
        pl.max_horizontal("share_hi", "share").alias("share_hi"),
    )


def estimate_shares(
    features: pl.DataFrame,
    matrix: pl.DataFrame,
    obs: pl.DataFrame,
    years: Sequence[int],
    settings: EstimatorSettings | None = None,
    *,
    calibrated: bool = False,
) -> Estimate:
    """The estimator (module docstring): calibrate, prior, smooth observed senders, combine."""
    settings = settings or EstimatorSettings()
    years = list(years)
    obs = obs.filter(pl.col("year").is_in(years))
    if not calibrated:
        settings = calibrate(features, matrix, obs, settings)
    prior = prior_shares(features, matrix, settings.kappa, settings.gamma, settings.alpha)
    obs = observation_sd(obs, settings)
    observed = (
        observed_sender_shares(prior, obs, years, settings)
        if obs.height
        else pl.DataFrame(
            schema={
                "country_iso3": pl.String,
                "partner_iso3": pl.String,
                "year": pl.Int32,
                "share": pl.Float64,
                "logit": pl.Float64,
                "var": pl.Float64,
                "method": pl.String,
                "anchors": pl.String,
            }
        )
    )
    shares = with_intervals(combine_shares(prior, observed.drop("logit"), settings))
    shares = shares.sort(*KEY)
    checked = obs.join(
        shares.select(*KEY, pl.col("share").alias("estimate"), "share_lo", "share_hi"),
        on=KEY,
        how="left",
    )
    return Estimate(shares, checked, settings)


# --------------------------------------------------------------------------------------------
# Amounts and output rows


def inputs_text(settings: EstimatorSettings) -> str:
    return (
        f"prior: (Abel flows + {settings.kappa:g}·UN DESA stock) × GDP pc^{settings.gamma:g}"
        + (
            f", blended {settings.alpha:g} with WB/KNOMAD matrices 2017/2021"
            if settings.alpha > 0
            else ""
        )
        + f"; σ_m {settings.sigma_model:.2f}, φ {settings.phi:g}"
    )


def remittances_by_sender(
    matrix: pl.DataFrame,
    inflows: pl.DataFrame,
    stock: pl.DataFrame,
    wdi: pl.DataFrame,
    figures: pl.DataFrame | None = None,
    flows: pl.DataFrame | None = None,
    settings: EstimatorSettings | None = None,
) -> tuple[pl.DataFrame, Estimate]:
    """Estimated shares and amounts from every sender p to every receiver c, with intervals.

    Returns (estimates, estimate). ``estimates``: country_iso3, partner_iso3, year, share,
    share_lo, share_hi, remittances_usd (+ _lo, _hi; null where no total), total_usd,
    total_source, gdp_usd, remittance_dependence, method, flag, inputs.
    """
    figures = figures if figures is not None else pl.DataFrame()
    totals = remittance_totals(inflows, wdi, figures)
    obs = share_observations(figures, totals) if figures.height else pl.DataFrame(schema=OBS_SCHEMA)
    last = max([*totals["year"].to_list(), *obs["year"].to_list(), FIRST_YEAR])
    years = list(range(FIRST_YEAR, last + 1))
    features = migrant_features(stock, flows, wdi, years)
    result = estimate_shares(features, matrix_path(matrix, years), obs, years, settings)
    gdp = indicator(wdi, GDP, "gdp_usd")
    frame = result.shares.join(totals, on=["country_iso3", "year"], how="left").join(
        gdp, on=["country_iso3", "year"], how="left"
    )
    text = inputs_text(result.settings)
    frame = frame.with_columns(
        *[
            (pl.col(s) * pl.col("total_usd")).alias(u)
            for s, u in (
                ("share", "remittances_usd"),
                ("share_lo", "remittances_usd_lo"),
                ("share_hi", "remittances_usd_hi"),
            )
        ],
        pl.concat_str(
            pl.lit("total: "),
            pl.col("total_source").fill_null("none for this year"),
            pl.lit("; shares: "),
            pl.when(pl.col("anchors").is_not_null())
            .then(pl.lit("central-bank figures ") + pl.col("anchors") + pl.lit("; "))
            .otherwise(pl.lit("")),
            pl.lit(text),
            pl.lit("; GDP: WDI NY.GDP.MKTP.CD"),
        ).alias("inputs"),
        flag_expr(result.observations),
    )
    frame = frame.with_columns(
        pl.when(pl.col("gdp_usd") > 0)
        .then(pl.col("remittances_usd") / pl.col("gdp_usd"))
        .alias("remittance_dependence")
    )
    return frame.drop("var").sort(*KEY), result


def flag_expr(observations: pl.DataFrame) -> pl.Expr:
    """No row flag by default (differences from observations are listed in
    qa_remittances__observation_fit)."""
    return pl.lit(None, dtype=pl.String).alias("flag")


def remittance_measures(estimates: pl.DataFrame) -> pl.DataFrame:
    """Estimates from :func:`remittances_by_sender` -> rows of ``out_dependence__remittances``.

    Measures: remittance_share (0..1) with remittance_share_lo / _hi (90 % interval),
    remittances_usd (current US$; its interval is the share's times the total, in the estimates
    frame but not stored as rows, to keep the table small), remittance_dependence (ratio to GDP),
    and remittance_sender_hhi (Σ share², partner null). ``source`` holds the inputs behind each
    value; ``method`` the estimator's method for that value.
    """
    if estimates.is_empty():
        return sh.empty_output()
    common = {
        "dimension": "remittances",
        "method": pl.col("method"),
        "source": pl.col("inputs"),
        "flag": pl.col("flag"),
    }
    usd = estimates.filter(pl.col("remittances_usd").is_not_null())
    concentration = sh.hhi(estimates, ["country_iso3", "year"]).join(
        estimates.group_by("country_iso3", "year").agg(
            pl.when((pl.col("method") == "model_calibrated").all())
            .then(pl.lit("model_calibrated"))
            .otherwise(pl.lit("central_bank_anchored"))
            .first()
            .alias("method"),
            pl.col("flag").first(),
            pl.col("inputs").first(),
        ),
        on=["country_iso3", "year"],
        how="left",
    )
    parts = [
        sh.to_output(estimates, measure="remittance_share", value="share", **common),
        sh.to_output(estimates, measure="remittance_share_lo", value="share_lo", **common),
        sh.to_output(estimates, measure="remittance_share_hi", value="share_hi", **common),
        sh.to_output(usd, measure="remittances_usd", value="remittances_usd", **common),
        sh.to_output(
            usd.filter(pl.col("remittance_dependence").is_not_null()),
            measure="remittance_dependence",
            value="remittance_dependence",
            **common,
        ),
        sh.to_output(
            concentration, measure="remittance_sender_hhi", value="hhi", partner=None, **common
        ),
    ]
    return pl.concat(parts).sort("country_iso3", "year", "measure", "partner_iso3", nulls_last=True)


def totals_table(totals: pl.DataFrame, wdi: pl.DataFrame) -> pl.DataFrame:
    """out_remittances__totals: country_iso3, year, remittances_usd, remittances_gdp_share,
    source."""
    gdp = indicator(wdi, GDP, "gdp_usd")
    return (
        totals.join(gdp, on=["country_iso3", "year"], how="left")
        .select(
            "country_iso3",
            "year",
            pl.col("total_usd").alias("remittances_usd"),
            pl.when(pl.col("gdp_usd") > 0)
            .then(pl.col("total_usd") / pl.col("gdp_usd"))
            .alias("remittances_gdp_share"),
            pl.concat_str(pl.col("total_source"), pl.lit("; GDP: WDI NY.GDP.MKTP.CD")).alias(
                "source"
            ),
        )
        .sort("country_iso3", "year")
    )
