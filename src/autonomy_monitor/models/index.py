"""Composite dependence index, autonomy score and the joint view of alignment and dependence.

Pure functions over Polars frames and NumPy arrays (no IO).

**Components** (per country c, year t and power p; a power may be a group such as EU27, whose
members' shares are summed and whose agreement is averaged):

==============  ==========================================  ===================================
component       raw measure (out_dependence__yearly)        normalisation to 0..1
==============  ==========================================  ===================================
trade           total_share (chosen view)                   as is (already a share)
remittances     remittance_share                            as is
migration       destination_share (UN DESA stock)           as is
aid             oda_share                                   as is
finance         finance_dependence (Chinese finance / GDP)  min(x / 0.05, 1): 5 % of GDP = 1
energy          gas_export_share                            as is
alignment       UN vote agreement with p (issue "all")      percentile rank of c among all
                                                            countries voting that year
==============  ==========================================  ===================================

Shares are used as they are because they already mean "the fraction of this channel that runs
through p" and are comparable across countries; ratio-to-GDP measures are capped because
their scale is open-ended. Raw agreement is dominated by consensus votes (most countries agree
with most others 70–90 % of the time), so alignment is the rank of c's agreement with p among
all countries in that year (0 = least aligned, 1 = most aligned). A component uses the latest
value at most ``MAX_AGE`` years before t (UN DESA stocks are five-yearly).

**Dependence on p**: D(c,t,p) = Σ_k w_k x_k / Σ_{k available} w_k — weights are renormalised
over the components that exist for (c, t, p) (finance exists only for China, energy only for
gas exporters in 2023); the number of components used is reported.

**Default weights** (sum to 1): trade 0.30, remittances 0.20, migration 0.10, aid 0.10,
finance 0.10, energy 0.10, alignment 0.10. Trade is the broadest and best-measured channel;
remittances are the largest external flow of Kyrgyzstan, Tajikistan and Uzbekistan (up to a
third of GDP); migration largely duplicates remittances (the shares are allocated from migrant
stocks), so it gets less; aid, finance and energy are narrow or sparse; alignment is an outcome
rather than a channel of dependence, so it gets a small weight (the joint view studies it).

**Autonomy**: A(c,t) = 1 − max_p D(c,t,p) — "balanced diplomacy" means no single power
dominates, so autonomy is what the most dominant power leaves. The dominant power is reported.

**Uncertainty** (Monte Carlo, 1,000 draws): weights ~ Dirichlet(α·w), α = 20 (each weight
varies by about ±0.1 around 0.3); every input x_k is multiplied by exp(σ_k·ε), ε ~ N(0, 1),
then clipped to 0..1, with σ_k from ``ERROR_SD`` (30 % for allocated remittance shares and
Chinese finance, 20 % for migrant stocks, 10 % for trade, aid and energy, 5 % for alignment).
Reported: 5th–95th percentiles of A and D, and rank stability — the share of draws in which
a country keeps its rank among the countries compared, with the 5th–95th percentile of its rank.

References: OECD/JRC (2008), *Handbook on Constructing Composite Indicators*; Hirschman (1945).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

COMPONENTS = ("trade", "remittances", "migration", "aid", "finance", "energy", "alignment")
DEFAULT_WEIGHTS: dict[str, float] = {
    "trade": 0.30,
    "remittances": 0.20,
    "migration": 0.10,
    "aid": 0.10,
    "finance": 0.10,
    "energy": 0.10,
    "alignment": 0.10,
}
ERROR_SD: dict[str, float] = {
    "trade": 0.10,
    "remittances": 0.30,
    "migration": 0.20,
    "aid": 0.10,
    "finance": 0.30,
    "energy": 0.10,
    "alignment": 0.05,
}
RAW_MEASURES = {
    "trade": ("trade", "total_share", "chosen"),
    "remittances": ("remittances", "remittance_share", None),
    "migration": ("migration", "destination_share", "un_desa_stock"),
    "aid": ("aid", "oda_share", None),
    "finance": ("finance", "finance_dependence", None),
    "energy": ("energy", "gas_export_share", None),
}
FINANCE_CAP = 0.05
# The powers whose components the build stores (out_autonomy__components): the default of `autonomy
# index`.
INDEX_POWERS = ("RUS", "CHN", "USA", "EU27", "JPN", "TUR")
COMPONENT_SCHEMA = {
    "country_iso3": pl.String,
    "year": pl.Int32,
    "power": pl.String,
    "component": pl.String,
    "value": pl.Float64,
}
MAX_AGE = 5
DRAWS = 1000
CONCENTRATION = 20.0


def check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """Weights for every component, non-negative, scaled to sum to 1 (ValueError otherwise).

    Components not named get weight 0 when some are named (a partial table means "only these").
    """
    if not weights:
        return dict(DEFAULT_WEIGHTS)
    unknown = set(weights) - set(COMPONENTS)
    if unknown:
        raise ValueError(
            f"unknown index component(s) {', '.join(sorted(unknown))}: "
            f"choose from {', '.join(COMPONENTS)}"
        )
    bad = {
        k: v
        for k, v in weights.items()
        if not isinstance(v, int | float) or v < 0 or not np.isfinite(v)
    }
    if bad:
        raise ValueError(f"weights must be non-negative numbers: {bad}")
    total = float(sum(weights.values()))
    if total <= 0:
        raise ValueError("at least one weight must be positive")
    return {k: float(weights.get(k, 0.0)) / total for k in COMPONENTS}


def aggregate_powers(rows: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Partner rows (country_iso3, partner_iso3, year, component, value) -> power rows (sum of
    members).

    ``members``: power, member_iso3. A country is never its own power (nor part of it).
    """
    joined = rows.join(members, left_on="partner_iso3", right_on="member_iso3")
    joined = joined.filter(pl.col("country_iso3") != pl.col("partner_iso3"))
    return joined.group_by("country_iso3", "year", "power", "component").agg(pl.col("value").sum())


def index_rows(dependence: pl.DataFrame) -> pl.DataFrame:
    """Rows of out_dependence__yearly that feed the index (RAW_MEASURES, trade 'chosen', migration
    'un_desa_stock') -> country_iso3, partner_iso3, year, component, value."""
    measures = [m for _, m, _ in RAW_MEASURES.values()]
    component = {dim: comp for comp, (dim, _, _) in RAW_MEASURES.items()}
    rows = dependence.filter(
        pl.col("measure").is_in(measures)
        & pl.col("partner_iso3").is_not_null()
        & ((pl.col("dimension") != "trade") | (pl.col("method") == "chosen"))
        & ((pl.col("dimension") != "migration") | (pl.col("method") == "un_desa_stock"))
    )
    return rows.select(
        "country_iso3",
        "partner_iso3",
        pl.col("year").cast(pl.Int32),
        pl.col("dimension").replace_strict(component, default=None).alias("component"),
        "value",
    ).filter(pl.col("component").is_not_null())


def component_values(
    dependence: pl.DataFrame, agreement: pl.DataFrame, members: pl.DataFrame
) -> pl.DataFrame:
    """Normalised components (COMPONENT_SCHEMA) of every country against each power, every year.

    ``dependence``: rows of out_dependence__yearly; ``agreement``: country_iso3, partner_iso3,
    year, agreement (both orders); ``members``: power, member_iso3. The same functions the
    query-time index uses, so a stored table and a live computation agree.
    """
    raw = normalise(aggregate_powers(index_rows(dependence), members))
    parts = [raw.select(list(COMPONENT_SCHEMA)).cast(COMPONENT_SCHEMA)]
    if agreement.height:
        parts.append(
            alignment_percentiles(agreement, members)
            .select(list(COMPONENT_SCHEMA))
            .cast(COMPONENT_SCHEMA)
        )
    return pl.concat(parts).sort("country_iso3", "year", "power", "component")


def alignment_percentiles(agreement: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Agreement rows (country_iso3, partner_iso3, year, agreement; both orders present) ->
    percentile of each country's mean agreement with each power among all countries that year."""
    joined = agreement.join(members, left_on="partner_iso3", right_on="member_iso3").filter(
        pl.col("country_iso3") != pl.col("partner_iso3")
    )
    mean = joined.group_by("country_iso3", "year", "power").agg(pl.col("agreement").mean())
    return mean.with_columns(
        (
            (pl.col("agreement").rank("average").over("year", "power") - 1)
            / (pl.len().over("year", "power") - 1).clip(lower_bound=1)
        ).alias("value"),
        pl.lit("alignment").alias("component"),
    ).select("country_iso3", "year", "power", "component", "value")


def normalise(power_rows: pl.DataFrame) -> pl.DataFrame:
    """Raw power rows -> values in 0..1 by the documented rule (shares as is, finance capped)."""
    return power_rows.with_columns(
        pl.when(pl.col("component") == "finance")
        .then(pl.col("value") / FINANCE_CAP)
        .otherwise(pl.col("value"))
        .clip(0.0, 1.0)
        .alias("value")
    )


def latest_within(frame: pl.DataFrame, year: int, max_age: int = MAX_AGE) -> pl.DataFrame:
    """Per country, power and component, the latest value in [year − max_age, year], with its
    year."""
    return (
        frame.filter(pl.col("year").is_between(year - max_age, year))
        .sort("year")
        .group_by("country_iso3", "power", "component")
        .agg(pl.col("value").last(), pl.col("year").last().alias("data_year"))
    )


ZERO_FILLED = ("trade", "remittances", "migration", "aid", "energy")


def fill_absent_partners(
    frame: pl.DataFrame, powers: Sequence[str], by: Sequence[str] = ("country_iso3", "component")
) -> pl.DataFrame:
    """A power with no row in a component the country does report has a share of 0 there.

    Shares are stored only for partners with positive flows, so a missing power is a zero, not
    unknown (finance exists only for China and alignment is always observed: neither is filled).
    Filled rows take the group's ``year`` / ``data_year``.
    """
    keep = [c for c in frame.columns if c not in ("power", "value")]
    groups = (
        frame.filter(pl.col("component").is_in(ZERO_FILLED))
        .group_by(list(by))
        .agg(*[pl.col(c).max() for c in keep if c not in by])
    )
    grid = groups.join(pl.DataFrame({"power": list(powers)}), how="cross")
    missing = grid.join(frame, on=[*by, "power"], how="anti").with_columns(
        pl.lit(0.0).alias("value")
    )
    return pl.concat([frame, missing.select(frame.columns)], how="vertical_relaxed")


@dataclass(frozen=True)
class IndexResult:
    scores: pl.DataFrame  # country, year, autonomy (+ interval), dominant power, rank stability
    dependence: pl.DataFrame  # country, year, power, dependence (+ interval), components used
    components: pl.DataFrame  # country, power, component, value (0..1), data_year
    weights: dict[str, float]


def to_array(values: pl.DataFrame, countries: Sequence[str], powers: Sequence[str]) -> np.ndarray:
    """(countries × powers × components) array of normalised values, NaN where missing."""
    array = np.full((len(countries), len(powers), len(COMPONENTS)), np.nan)
    ci = {c: k for k, c in enumerate(countries)}
    pi = {p: k for k, p in enumerate(powers)}
    ki = {c: k for k, c in enumerate(COMPONENTS)}
    for country, power, component, value in values.select(
        "country_iso3", "power", "component", "value"
    ).iter_rows():
        if country in ci and power in pi and component in ki and value is not None:
            array[ci[country], pi[power], ki[component]] = value
    return array


def dependence_array(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """D = Σ w x / Σ_available w over the last axis; x (..., K), w broadcastable to x. NaN if
    none."""
    available = ~np.isnan(x)
    weight = np.where(available, w, 0.0)
    total = weight.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            total > 0, np.nansum(np.where(available, x, 0.0) * weight, axis=-1) / total, np.nan
        )


def autonomy_array(d: np.ndarray) -> np.ndarray:
    """A = 1 − max over powers (axis −1) of D; NaN when no power has a value."""
    with np.errstate(invalid="ignore"):
        all_nan = np.isnan(d).all(axis=-1)
        safe = np.where(np.isnan(d), -np.inf, d).max(axis=-1)
    return np.where(all_nan, np.nan, 1.0 - safe)


def ranks(a: np.ndarray) -> np.ndarray:
    """Rank 1 = most autonomous, along the last axis (ties averaged; NaN ranked last)."""
    filled = -np.where(np.isnan(a), -np.inf, a)
    return average_ranks(filled)


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis, ties get the mean of their ranks (``rankdata`` "average").

    rank = (#{x_j < x_i} + #{x_j <= x_i} + 1) / 2, both counts by binary search in the sorted
    row; numpy only, so the index does not need ``scipy.stats`` at start-up.
    """
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty(rows.shape, dtype=float)
    for k, row in enumerate(rows):
        ordered = np.sort(row)
        out[k] = (
            np.searchsorted(ordered, row, "left") + np.searchsorted(ordered, row, "right") + 1
        ) / 2.0
    return out.reshape(x.shape)


def compute_index(
    values: pl.DataFrame,
    countries: Sequence[str],
    powers: Sequence[str],
    year: int,
    weights: Mapping[str, float] | None = None,
    *,
    draws: int = DRAWS,
    seed: int = 0,
    concentration: float = CONCENTRATION,
    error_sd: Mapping[str, float] | None = None,
) -> IndexResult:
    """Point estimates and Monte Carlo intervals for one year.

    ``values``: normalised rows (country_iso3, year, power, component, value in 0..1) — the
    output of :func:`normalise` / :func:`alignment_percentiles`, any years (the latest value
    within ``MAX_AGE`` years of ``year`` is used).
    """
    w = check_weights(weights)
    chosen = fill_absent_partners(latest_within(values, year), powers)
    x = to_array(chosen, countries, powers)
    w0 = np.array([w[k] for k in COMPONENTS])
    d0 = dependence_array(x, w0)
    a0 = autonomy_array(d0)
    r0 = ranks(a0)

    rng = np.random.default_rng(seed)
    positive = w0 > 0
    wd = np.zeros((draws, len(COMPONENTS)))
    if positive.any():
        wd[:, positive] = rng.dirichlet(
            concentration * w0[positive] / w0[positive].sum(), size=draws
        )
    sd = np.array([(error_sd or ERROR_SD).get(k, 0.0) for k in COMPONENTS])
    noise = np.exp(rng.standard_normal((draws, *x.shape)) * sd)
    xd = np.clip(x[None, ...] * noise, 0.0, 1.0)
    dd = dependence_array(xd, wd[:, None, None, :])
    ad = autonomy_array(dd)
    rd = ranks(ad)

    def pct(array: np.ndarray, q: float) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (
                np.nanpercentile(array, q, axis=0)
                if np.isfinite(array).any()
                else np.full(array.shape[1:], np.nan)
            )

    dominant = [powers[int(np.nanargmax(row))] if np.isfinite(row).any() else None for row in d0]
    scores = pl.DataFrame(
        {
            "country_iso3": list(countries),
            "year": [year] * len(countries),
            "autonomy": a0,
            "autonomy_p05": pct(ad, 5),
            "autonomy_p95": pct(ad, 95),
            "dominant_power": dominant,
            "dominant_dependence": [
                float(np.nanmax(row)) if np.isfinite(row).any() else None for row in d0
            ],
            "rank": r0,
            "rank_p05": np.percentile(rd, 5, axis=0),
            "rank_p95": np.percentile(rd, 95, axis=0),
            "rank_stability": (rd == r0[None, :]).mean(axis=0),
        },
        schema_overrides={"year": pl.Int32},
    ).with_columns(
        pl.when(pl.col("autonomy").is_nan()).then(None).otherwise(pl.col(c)).alias(c)
        for c in (
            "autonomy",
            "autonomy_p05",
            "autonomy_p95",
            "rank",
            "rank_p05",
            "rank_p95",
            "rank_stability",
        )
    )
    used = (~np.isnan(x) & positive[None, None, :]).sum(axis=-1)
    dp05, dp95 = pct(dd, 5), pct(dd, 95)
    dependence = pl.DataFrame(
        {
            "country_iso3": [c for c in countries for _ in powers],
            "year": [year] * (len(countries) * len(powers)),
            "power": [p for _ in countries for p in powers],
            "dependence": d0.ravel(),
            "dependence_p05": dp05.ravel(),
            "dependence_p95": dp95.ravel(),
            "components": used.ravel().astype(np.int32),
        },
        schema_overrides={"year": pl.Int32},
    ).with_columns(
        pl.col(c).fill_nan(None) for c in ("dependence", "dependence_p05", "dependence_p95")
    )
    return IndexResult(
        scores.sort("rank", nulls_last=True),
        dependence,
        chosen.sort("country_iso3", "power", "component"),
        w,
    )


# --------------------------------------------------------------------------------------------
# Joint view: does dependence on a power go with voting closer to it?

JOINT_CAVEATS = (
    "Association, not causation: dependence and alignment "
    "share causes (history, geography, regime type).",
    "Country fixed effects use only changes within a "
    "country over time; year effects remove common shocks.",
    "Standard errors are clustered by country; with few "
    "countries they are unreliable (n_countries is shown).",
    "Remittance and migration shares are partly allocated from migrant stocks, not observed flows.",
    "Agreement is over all roll calls (absences excluded); it does not weigh important votes more.",
)


def within(values: np.ndarray, groups: Sequence[np.ndarray], iterations: int = 50) -> np.ndarray:
    """Two-way (or n-way) demeaning by alternating projections (exact for one-way)."""
    out = values.astype(float).copy()
    for _ in range(iterations if len(groups) > 1 else 1):
        previous = out.copy()
        for g in groups:
            sums = np.bincount(g, weights=out)
            counts = np.bincount(g)
            out = out - (sums / np.maximum(counts, 1))[g]
        if np.max(np.abs(out - previous)) < 1e-12:
            break
    return out


def panel_slope(
    y: np.ndarray, x: np.ndarray, country: np.ndarray, year: np.ndarray
) -> dict[str, float]:
    """y = a_country + g_year + b·x + e: slope b, country-clustered SE, t, within R²."""
    _, ci = np.unique(country, return_inverse=True)
    _, ti = np.unique(year, return_inverse=True)
    yw, xw = within(y, [ci, ti]), within(x, [ci, ti])
    sxx = float(xw @ xw)
    if sxx <= 1e-15:
        return {
            "slope": float("nan"),
            "se": float("nan"),
            "t": float("nan"),
            "r2_within": float("nan"),
        }
    b = float(xw @ yw) / sxx
    e = yw - b * xw
    scores = np.bincount(ci, weights=xw * e)
    g, n = len(scores), len(y)
    correction = (g / max(g - 1, 1)) * ((n - 1) / max(n - 2, 1))
    se = float(np.sqrt(correction * (scores @ scores)) / sxx)
    r2 = 1.0 - float(e @ e) / float(yw @ yw) if float(yw @ yw) > 0 else float("nan")
    return {"slope": b, "se": se, "t": b / se if se > 0 else float("nan"), "r2_within": r2}


def joint_view(pairs: pl.DataFrame) -> pl.DataFrame:
    """Per power: Pearson and Spearman correlation of dependence and agreement, and the panel slope.

    ``pairs``: country_iso3, year, power, dependence (0..1), agreement (0..1).
    """
    from scipy import stats  # p-values; imported here so the index and the CLI start without SciPy

    rows = []
    for power in pairs["power"].unique(maintain_order=True).to_list():
        part = pairs.filter(
            (pl.col("power") == power)
            & pl.col("dependence").is_not_null()
            & pl.col("agreement").is_not_null()
            & pl.col("dependence").is_not_nan()
            & pl.col("agreement").is_not_nan()
        )
        n = part.height
        row: dict[str, object] = {
            "power": power,
            "n_obs": n,
            "n_countries": part["country_iso3"].n_unique(),
            "first_year": part["year"].min(),
            "last_year": part["year"].max(),
        }
        if n >= 3 and part["dependence"].std() > 0 and part["agreement"].std() > 0:
            x, y = part["dependence"].to_numpy(), part["agreement"].to_numpy()
            pearson = stats.pearsonr(x, y)
            spearman = stats.spearmanr(x, y)
            row |= {
                "pearson_r": float(pearson.statistic),
                "pearson_p": float(pearson.pvalue),
                "spearman_rho": float(spearman.statistic),
                "spearman_p": float(spearman.pvalue),
            }
            row |= panel_slope(y, x, part["country_iso3"].to_numpy(), part["year"].to_numpy())
        rows.append(row)
    schema = {
        "power": pl.String,
        "n_obs": pl.Int64,
        "n_countries": pl.Int64,
        "first_year": pl.Int32,
        "last_year": pl.Int32,
        "pearson_r": pl.Float64,
        "pearson_p": pl.Float64,
        "spearman_rho": pl.Float64,
        "spearman_p": pl.Float64,
        "slope": pl.Float64,
        "se": pl.Float64,
        "t": pl.Float64,
        "r2_within": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)
