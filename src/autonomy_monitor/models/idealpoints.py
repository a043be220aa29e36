"""Dynamic one-dimensional ideal points from UN General Assembly roll calls.

Model (a dynamic ordered-probit item-response model)
----------------------------------------------------
For country ``i`` voting on roll call ``j`` held in year ``t``::

    y*_ij = alpha_j + beta_j * x_it + e_ij,      e_ij ~ N(0, s_j^2)
    vote  = N if y* < 0,  A if 0 <= y* < 1,  Y if y* >= 1        (ordinal roll calls)
    x_it  = x_i,t-1 + w_it,                      w_it ~ N(0, omega2)   (random walk)
    x_i,entry ~ N(0, 1)                          (prior at the first year of membership)
    x_it      ~ N(0, shrink_var) in addition     (weak per-year shrinkage, default 0.5)
    (alpha_j, beta_j, s_j) = (alpha_g, beta_g, s_g) for every roll call j of bridge group g

* **Votes are ordered categories** N < A < Y. A roll call on which Y, A and N all occur is
  *ordinal*: the thresholds are fixed at 0 and 1 and the error scale ``s_j`` is free, which is
  the re-parametrisation of a three-category ordered probit used by Imai, Lo & Olmsted (2016,
  ``emIRT::ordIRT``) and keeps every EM update in closed form. A roll call on which only two
  categories occur is a *binary probit* between those two (``s_j = 1``, threshold 0), so a
  Y/A-only vote still says "more or less supportive". Roll calls with one category carry no
  information and are dropped. Abstention is therefore the middle category, as in Bailey,
  Strezhnev & Voeten (2017), not merged with "no".
* **Absences** (vote ``X``) are treated as missing at random: they add no likelihood term.
  A country-year with only absences still gets a position, interpolated by the random walk,
  with ``n_votes = 0`` and a wider standard error.
* **Bridging and identification.** Comparability across years comes from two sources. (1) The
  random-walk prior: each country's position moves by a N(0, omega2) step per year, as in
  Imai, Lo & Olmsted's ``dynIRT`` and Martin & Quinn (2002). (2) Optional *bridge groups*, as
  in Bailey, Strezhnev & Voeten (2017, Journal of Conflict Resolution 61(2): 430-456), who
  constrain the item parameters of identical resolutions re-voted in different sessions to be
  equal: when the input has a ``bridge_group`` column (one value per roll call, null = no
  bridge), roll calls with the same group *and* the same set of observed categories share
  alpha, beta and s (an ordinal Y/A/N roll call cannot share thresholds with a binary one).
  The build step derives the groups from recurring titles (see
  :func:`autonomy_monitor.pipeline.steps.idealpoints_step.bridge_groups`); without the column every
  roll call has its own parameters. Location and scale are fixed by the N(0, 1) entry prior,
  the per-year prior below and the item priors; the direction is fixed so
  that the anchor country (default the United States) has a positive mean position.
* **Per-year shrinkage.** Estimation is by posterior mode for the item parameters, and with a
  pure random walk the most isolated voters (the United States, Israel) drift outward without
  practical bound over eight decades (US ~ 20 latent units by 2026, and EM never settles). A
  N(0, shrink_var) pseudo-observation on every country-year keeps the scale of the dimension
  stable over time; it is the one departure from a pure random walk and is documented in
  docs/idealpoints_validation.md with its effect (defaults omega2 = 0.1, shrink_var = 0.5,
  chosen on that validation: 1 and 4 gave a lower pooled r, no prior a much lower one).
* **Item priors.** alpha_j ~ N(0, 1) and beta_j ~ N(0, 0.5). With a flat-ish item prior
  (the earlier N(0, 25)) the trade-off between discrimination and the spread of positions is
  settled by the per-year prior alone, which keeps the cross-section equally wide in every
  era; a proper discrimination prior lets eras with very predictable votes (the bloc voting of
  1946-1970) spread out, as BSV's do. On the validation this raised the pooled r with BSV
  from 0.964 to about 0.970 (docs/idealpoints_validation.md); recovery of simulated positions
  is unchanged (tests/test_idealpoints.py).
* **Input hygiene.** Rows may come in any order; exact duplicate rows are dropped, while two
  different votes for the same country and roll call raise ``BadInput``.
* **Units.** Ideal points are on the latent-utility scale of the probit (dimensionless; one
  unit is one standard deviation of the vote-level error of a binary roll call). Only
  differences between countries and their ordering are meaningful.

Estimation
----------
Variational EM (Imai, Lo & Olmsted 2016, APSR 110(4), "Fast Estimation of Ideal Points with
Massive Data"): the E-step takes truncated-normal moments of each latent utility; country
trajectories are updated jointly by a Kalman filter / Rauch-Tung-Striebel smoother (one scalar
state per country, vectorised over countries); item parameters by a ridge-regularised
2x2 weighted least squares per roll call, and ``s_j^2`` by its closed-form update with a weak
inverse-gamma prior. Every block has a proper prior, so near-singular blocks (a roll call with
one dissenter, a year with one roll call) are regularised instead of failing. Votes are
stored sorted by item within each block, so per-item sums are sequential ``np.add.reduceat``
passes (``ItemSums``); per-item quantities are computed before they are spread to the votes;
the element-wise E-step is split over ``FitSettings.threads`` threads (identical results for
any number); BLAS is held to one thread (its threads only slowed the small products of the
start); and SQUAREM extrapolation (step up to ``MAX_STEP``) cuts the number of EM cycles. On
the 1946-2026 UN data (about 960,000 Y/A/N votes) a fit takes 56 cycles of about 165 ms of
CPU each (benchmarks/idealpoints_bench.py has the current timings). EM stops when no position moves
more than ``tol`` (1e-3) over a cycle; this stops before the exact optimum (positions within about
0.05 of a 1e-5 fit in the median), which changes the validation correlations only in the fourth
decimal.

Uncertainty
-----------
``se`` is by default the posterior standard deviation of ``x_it`` from the smoother, given the
item parameters (the variational approximation; it ignores item-parameter uncertainty and is
known to understate the spread). With ``bootstrap=B > 0`` a parametric bootstrap is run
instead (Lewis & Poole 2004): B vote matrices are simulated from the fitted model on the same
country x roll-call pattern, each is re-estimated, and ``se`` is the standard deviation of the
B replicate estimates of each country-year.

References: Bailey, Strezhnev & Voeten (2017), "Estimating Dynamic State Preferences from
United Nations Voting Data", Journal of Conflict Resolution 61(2): 430-456. Imai, Lo & Olmsted
(2016), American Political Science Review 110(4): 631-656. Martin & Quinn (2002), Political
Analysis 10(2): 134-153.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from scipy.special import erfcx, log_ndtr

from autonomy_monitor.catalog import contracts

from autonomy_monitor.errors import BadInput

VOTE_LEVEL = {"N": 0, "A": 1, "Y": 2}
INPUT_COLUMNS = ("roll_call_id", "year", "country_iso3", "vote")
BRIDGE_COLUMN = "bridge_group"  # optional: roll calls sharing a value share item parameters
OUTPUT_SCHEMA = contracts.polars_schema(
    "out_alignment__ideal_points"
)  # declared in catalog/tables/
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_SQRT_2_OVER_PI = np.sqrt(2.0 / np.pi)
_INV_SQRT_2 = 1.0 / np.sqrt(2.0)


@dataclass(frozen=True)
class FitSettings:
    """Tuning constants of the estimator (defaults are the documented model)."""

    omega2: float = 0.1  # random-walk variance per year
    entry_var: float = 1.0  # prior variance of a country's position in its first year
    shrink_var: float = 0.5  # weak N(0, shrink_var) prior on every country-year position
    alpha_prior_var: float = 1.0  # prior variance of alpha_j (see "Item priors")
    beta_prior_var: float = 0.5  # prior variance of beta_j
    scale_prior_n: float = 2.0  # inverse-gamma pseudo-count for s_j^2 ...
    scale_prior_ss: float = 2.0  # ... and pseudo sum of squares (prior centre s_j^2 = 1)
    tol: float = 1e-3  # stop when no position moves more than this over an EM cycle
    max_iter: int = 500
    anchor: str = "USA"  # country whose mean position is made positive
    threads: int | None = None  # E-step threads; None: the CPUs this process may use, at most 4

    def worker_threads(self) -> int:
        if self.threads is not None:
            return max(1, int(self.threads))
        return max(
            1,
            min(
                4,
                len(os.sched_getaffinity(0))
                if hasattr(os, "sched_getaffinity")
                else os.cpu_count() or 1,
            ),
        )


@dataclass(frozen=True)
class ItemSums:
    """Per-item sums of a per-vote array, for votes sorted by item within each block.

    Votes are stored in blocks (one-sided intervals, then two-sided), each sorted by item, so
    one item's votes are a contiguous run per block and its sum is an ``np.add.reduceat`` over
    that run: a sequential pass, several times faster than a sparse mat-vec or a weighted
    ``np.bincount`` over a million votes.
    """

    n_items: int
    blocks: tuple[
        tuple[int, int, np.ndarray, np.ndarray], ...
    ]  # (start, stop, run starts, run items)
    count: np.ndarray  # votes per item (float)

    @classmethod
    def of(cls, item: np.ndarray, n_items: int, bounds: tuple[int, ...]) -> ItemSums:
        """``item`` sorted within each block ``[bounds[k], bounds[k+1])``."""
        blocks = []
        for start, stop in zip(bounds[:-1], bounds[1:]):
            part = item[start:stop]
            if part.size and np.any(np.diff(part) < 0):
                raise ValueError("ItemSums: votes must be sorted by item within each block")
            runs = (
                np.flatnonzero(np.r_[True, part[1:] != part[:-1]])
                if part.size
                else np.zeros(0, dtype=np.int64)
            )
            blocks.append((start, stop, runs, part[runs]))
        count = np.bincount(item, minlength=n_items).astype(float)
        return cls(n_items, tuple(blocks), count)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n_items)
        for start, stop, runs, items in self.blocks:
            if runs.size:
                out[items] += np.add.reduceat(values[start:stop], runs)
        return out


@dataclass(frozen=True)
class Design:
    """Integer-coded votes: one entry per informative (Y/A/N) vote.

    An *item* is one set of item parameters (alpha, beta, s^2): a roll call, or a bridge
    group of roll calls that share them (see the module docstring).
    """

    country: np.ndarray  # country index per vote
    item: np.ndarray  # item (parameter block) index per vote
    cell: np.ndarray  # flat (country, year) index per vote
    lo: np.ndarray  # lower bound of y* for the observed category
    hi: np.ndarray  # upper bound of y* for the observed category
    level: np.ndarray  # 0 N, 1 A, 2 Y
    item_ordinal: np.ndarray  # bool per item: Y, A and N all observed
    rollcall: np.ndarray  # roll-call index per vote
    rollcall_t: np.ndarray  # year index per roll call
    countries: list[str]
    years: np.ndarray  # every integer year from first to last
    first_t: np.ndarray  # first year index of each country
    present: np.ndarray  # (country, year) bool: the country has a row that year
    n_one_sided: int = 0  # votes [0, n) have a one-sided interval, the rest two-sided
    side: np.ndarray | None = None  # +1 for y* > lo, -1 for y* < hi (one-sided votes)
    lo_one: np.ndarray | None = None  # the finite bound of each one-sided vote
    item_sum: ItemSums | None = None  # per-item sums of per-vote values (see ItemSums)


@dataclass(frozen=True)
class Workers:
    """Threads for the element-wise E-step: ``count`` chunks per block, run on ``pool``."""

    pool: Executor | None = None
    count: int = 1

    def run(self, func, items: list) -> None:  # type: ignore[no-untyped-def]
        if self.pool is None:
            for item in items:
                func(item)
        else:
            list(self.pool.map(func, items))


SERIAL = Workers()


@dataclass
class Fit:
    """Current estimates: positions (mean, variance per country-year) and item parameters."""

    mean: np.ndarray  # (n_countries, n_years)
    var: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    scale2: np.ndarray
    iterations: int = 0


# ---------------------------------------------------------------- public entry points


def estimate_ideal_points(
    votes: pl.DataFrame,
    *,
    bootstrap: int = 0,
    seed: int = 0,
    omega2: float = FitSettings.omega2,
    shrink_var: float = FitSettings.shrink_var,
    anchor: str = FitSettings.anchor,
    tol: float = FitSettings.tol,
    max_iter: int = FitSettings.max_iter,
    threads: int | None = FitSettings.threads,
) -> pl.DataFrame:
    """Estimate a position for every country-year present in ``votes``.

    ``votes`` has columns roll_call_id (str), year (int), country_iso3 (str) and vote
    (Y, N, A, or X = absent), and optionally bridge_group (str or null, one value per roll
    call: roll calls sharing it share item parameters, see the module docstring); rows may
    come in any order. Returns country_iso3, year,
    ideal_point (latent probit scale, anchor country positive), se (posterior SD, or the
    parametric-bootstrap SD when ``bootstrap > 0``) and n_votes (Y/A/N votes cast that year),
    sorted by country and year. ``omega2`` is the random-walk variance per year and
    ``shrink_var`` the variance of the weak per-year N(0, shrink_var) prior (see module doc).
    ``threads`` splits the E-step over that many threads (results are identical for any
    number: the work is element-wise).
    """
    settings = FitSettings(
        omega2=omega2,
        shrink_var=shrink_var,
        anchor=anchor,
        tol=tol,
        max_iter=max_iter,
        threads=threads,
    )
    design = build_design(votes)
    fit = fit_model(design, settings)
    se = np.sqrt(fit.var)
    if bootstrap > 0:
        se = bootstrap_se(design, fit, settings, bootstrap, np.random.default_rng(seed))
    return positions_frame(design, fit.mean, se)


def distances_to_powers(ideal_points: pl.DataFrame, powers: list[str]) -> pl.DataFrame:
    """Absolute ideal-point distance from each country to each power, per year.

    distance = |x_country,t - x_power,t| (same latent units as ``ideal_point``);
    se = sqrt(se_country^2 + se_power^2), treating the two estimates as independent (an
    approximation: they share item parameters). Rows only where both have an estimate.
    """
    power_rows = ideal_points.filter(pl.col("country_iso3").is_in(powers)).select(
        pl.col("country_iso3").alias("power_iso3"),
        "year",
        pl.col("ideal_point").alias("power_ideal_point"),
        pl.col("se").alias("power_se"),
    )
    joined = ideal_points.join(power_rows, on="year", how="inner")
    return joined.select(
        "country_iso3",
        "power_iso3",
        "year",
        (pl.col("ideal_point") - pl.col("power_ideal_point")).abs().alias("distance"),
        (pl.col("se") ** 2 + pl.col("power_se") ** 2).sqrt().alias("se"),
    ).sort("country_iso3", "power_iso3", "year")


# ---------------------------------------------------------------- data preparation


def build_design(votes: pl.DataFrame) -> Design:
    """Validate the long vote table and code it as integer arrays."""
    frame = _validated(votes)
    countries = sorted(frame["country_iso3"].unique().to_list())
    first_year, last_year = int(frame["year"].min()), int(frame["year"].max())
    years = np.arange(first_year, last_year + 1)
    country_idx = _codes(frame["country_iso3"], countries)
    year_idx = frame["year"].to_numpy().astype(np.int64) - first_year
    present = np.zeros((len(countries), len(years)), dtype=bool)
    present[country_idx, year_idx] = True
    first_t = present.argmax(axis=1)
    cast = frame.filter(pl.col("vote") != "X")
    return _coded_votes(cast, countries, years, first_t, present)


def _validated(votes: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in INPUT_COLUMNS if c not in votes.columns]
    if missing:
        raise BadInput(f"votes table lacks column(s) {missing}; pass {list(INPUT_COLUMNS)}.")
    columns = [
        pl.col("roll_call_id").cast(pl.String),
        pl.col("year").cast(pl.Int64),
        pl.col("country_iso3").cast(pl.String),
        pl.col("vote").cast(pl.String).str.to_uppercase(),
    ]
    if BRIDGE_COLUMN in votes.columns:
        columns.append(pl.col(BRIDGE_COLUMN).cast(pl.String))
    frame = (
        votes.select(columns)
        .drop_nulls(["roll_call_id", "year", "country_iso3"])
        .unique(maintain_order=True)
    )
    if frame.height == 0:
        raise BadInput("votes table is empty; pass at least one roll call with Y/A/N votes.")
    _check_codes(frame)
    _check_unique(frame)
    return frame


def _check_codes(frame: pl.DataFrame) -> None:
    bad = frame.filter(~pl.col("vote").is_in(["Y", "N", "A", "X"]) | pl.col("vote").is_null())
    if bad.height:
        row = bad.row(0, named=True)
        raise BadInput(
            f"vote {row['vote']!r} for {row['country_iso3']} on roll call "
            f"{row['roll_call_id']} is not one of Y, N, A, X; recode it."
        )


def _check_unique(frame: pl.DataFrame) -> None:
    dup = frame.group_by("roll_call_id", "country_iso3").len().filter(pl.col("len") > 1)
    if dup.height:
        row = dup.row(0, named=True)
        raise BadInput(
            f"{dup.height} duplicated (roll_call_id, country_iso3) pair(s) with conflicting "
            f"votes, e.g. {row['roll_call_id']}/{row['country_iso3']}; keep one vote per pair."
        )
    per_call = [pl.col("year").n_unique().alias("years")]
    if BRIDGE_COLUMN in frame.columns:
        per_call.append(pl.col(BRIDGE_COLUMN).n_unique().alias("groups"))
    calls = frame.group_by("roll_call_id").agg(per_call)
    years = calls.filter(pl.col("years") > 1)
    if years.height:
        raise BadInput(
            f"roll call {years['roll_call_id'][0]} is dated in more than one year; "
            "give each roll call a single year."
        )
    if "groups" in calls.columns and (bad := calls.filter(pl.col("groups") > 1)).height:
        raise BadInput(
            f"roll call {bad['roll_call_id'][0]} has more than one {BRIDGE_COLUMN}; "
            "give each roll call a single bridge group (or null)."
        )


def _codes(values: pl.Series, universe: list[str]) -> np.ndarray:
    lookup = pl.DataFrame({"key": universe, "idx": np.arange(len(universe))})
    return (
        pl.DataFrame({"key": values}).join(lookup, on="key", how="left", maintain_order="left")
    )["idx"].to_numpy()


def _coded_votes(
    cast: pl.DataFrame, countries: list[str], years: np.ndarray, first_t, present
) -> Design:
    level = cast["vote"].replace_strict(VOTE_LEVEL, return_dtype=pl.Int8).to_numpy()
    rollcall_ids = cast["roll_call_id"].unique().sort().to_list()
    rollcall = _codes(cast["roll_call_id"], rollcall_ids)
    seen = np.zeros((len(rollcall_ids), 3), dtype=bool)
    seen[rollcall, level] = True
    keep_rc = seen.sum(axis=1) >= 2  # unanimous roll calls carry no information
    keep = keep_rc[rollcall]
    new_index = np.cumsum(keep_rc) - 1
    rollcall, level = new_index[rollcall[keep]], level[keep]
    seen = seen[keep_rc]
    country = _codes(cast["country_iso3"], countries)[keep]
    year_idx = cast["year"].to_numpy()[keep].astype(np.int64) - int(years[0])
    rollcall_t = np.zeros(seen.shape[0], dtype=np.int64)
    rollcall_t[rollcall] = year_idx
    groups = _bridge_groups(cast, rollcall_ids, keep_rc, seen)
    item = groups[rollcall]
    item_seen = np.zeros((int(groups.max()) + 1 if groups.size else 0, 3), dtype=bool)
    item_seen[groups] = seen
    ordinal = item_seen.all(axis=1)
    lo, hi = _bounds(level, item, ordinal, item_seen)
    two_sided = np.isfinite(lo) & np.isfinite(hi)
    order = _vote_order(two_sided, item, country * len(years) + year_idx)
    country, item, rollcall, year_idx, level, lo, hi = (
        arr[order] for arr in (country, item, rollcall, year_idx, level, lo, hi)
    )
    n_one = int(np.sum(~two_sided))
    return Design(
        item_sum=ItemSums.of(item, ordinal.shape[0], (0, n_one, item.shape[0])),
        country=country,
        item=item,
        cell=country * len(years) + year_idx,
        lo=lo,
        hi=hi,
        level=level,
        n_one_sided=n_one,
        side=np.where(np.isfinite(lo[:n_one]), 1.0, -1.0),
        lo_one=np.where(np.isfinite(lo[:n_one]), lo[:n_one], hi[:n_one]),
        item_ordinal=ordinal,
        rollcall=rollcall,
        rollcall_t=rollcall_t,
        countries=countries,
        years=years,
        first_t=first_t,
        present=present,
    )


def _vote_order(two_sided: np.ndarray, item: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Storage order of the votes: one-sided intervals first, then two-sided (see
    ``_latent_moments``), each block by item (see ``ItemSums``), then by country-year, so the
    order and hence every floating-point sum is independent of the input's row order."""
    return np.lexsort((cell, item, two_sided))


def _bridge_groups(
    cast: pl.DataFrame, rollcall_ids: list[str], keep_rc: np.ndarray, seen: np.ndarray
) -> np.ndarray:
    """Item index of each informative roll call: its own, or its bridge group's.

    Roll calls share an item when they have the same non-null, non-empty ``bridge_group``
    *and* the same set of observed categories (an ordinal Y/A/N roll call cannot share
    thresholds with a binary one).
    """
    n_rc = seen.shape[0]
    if BRIDGE_COLUMN not in cast.columns or n_rc == 0:
        return np.arange(n_rc)
    per_call = cast.group_by("roll_call_id").agg(pl.col(BRIDGE_COLUMN).first())
    group = np.full(len(rollcall_ids), None, dtype=object)
    group[_codes(per_call["roll_call_id"], rollcall_ids)] = per_call[BRIDGE_COLUMN].to_list()
    group = group[keep_rc]
    pattern = seen @ np.array([1, 2, 4])
    keys = np.array(
        [f"g{g}|{p}" if g else f"r{i:09d}" for i, (g, p) in enumerate(zip(group, pattern))],
        dtype=object,
    )
    return np.unique(keys, return_inverse=True)[1].reshape(-1)


def _bounds(level, item, ordinal, seen) -> tuple[np.ndarray, np.ndarray]:
    """Interval of y* for each vote: thresholds 0 and 1 (ordinal) or 0 (binary)."""
    lo = np.full(level.shape, -np.inf)
    hi = np.full(level.shape, np.inf)
    ord_vote = ordinal[item]
    lo[ord_vote & (level == 2)] = 1.0
    lo[ord_vote & (level == 1)] = 0.0
    hi[ord_vote & (level == 1)] = 1.0
    hi[ord_vote & (level == 0)] = 0.0
    # binary roll calls: the higher of the two observed categories is "1"
    top = np.where(seen[:, 2], 2, 1)
    upper = ~ord_vote & (level == top[item])
    lo[upper] = 0.0
    hi[~ord_vote & ~upper] = 0.0
    return lo, hi


# ---------------------------------------------------------------- estimation


def fit_model(design: Design, settings: FitSettings, start: Fit | None = None) -> Fit:
    """Variational EM to convergence, accelerated by SQUAREM (Varadhan & Roland 2008).

    Each accelerated step runs two EM cycles, extrapolates along their differences (step
    length clamped to [1, ``MAX_STEP``]) and polishes with one more cycle; a step that yields
    non-finite values falls back to the plain EM result. Stops when no position moves more
    than ``settings.tol`` over a cycle.
    """
    with ExitStack() as stack:
        from threadpoolctl import threadpool_limits

        stack.enter_context(threadpool_limits(1))  # BLAS threads only slow the small products here
        threads = settings.worker_threads()
        pool = (
            Workers(stack.enter_context(ThreadPoolExecutor(threads)), threads)
            if threads > 1
            else SERIAL
        )
        fit = start if start is not None else _starting_values(design, settings, pool)
        cycles = 0
        while cycles < settings.max_iter:
            first = _em_cycle(design, fit, settings, pool)
            second = _em_cycle(design, first, settings, pool)
            cycles += 2
            if _max_move(second, first) < settings.tol:
                fit = second
                break
            fit = _em_cycle(design, _extrapolated(fit, first, second), settings, pool)
            cycles += 1
            if not np.all(np.isfinite(fit.mean)):
                fit = second
            elif _max_move(fit, second) < settings.tol:
                break
    fit.iterations = cycles
    return _oriented(design, fit, settings.anchor)


MAX_STEP = 256.0  # 16 stopped ~2x later and further from the optimum on the UN data


def _em_cycle(design: Design, fit: Fit, settings: FitSettings, pool: Workers = SERIAL) -> Fit:
    ystar, yvar = _latent_moments(design, fit, pool)
    fit = _update_positions(design, fit, ystar, settings)
    return _update_items(design, fit, ystar, yvar, settings)


def _max_move(a: Fit, b: Fit) -> float:
    return float(np.max(np.abs(a.mean - b.mean)))


def _packed(fit: Fit) -> np.ndarray:
    return np.concatenate([fit.mean.ravel(), fit.alpha, fit.beta, np.log(fit.scale2)])


def _extrapolated(f0: Fit, f1: Fit, f2: Fit) -> Fit:
    """SQUAREM step theta0 - 2 s r + s^2 v with s = -|r|/|v| (scheme S3)."""
    p0, p1, p2 = _packed(f0), _packed(f1), _packed(f2)
    r, v = p1 - p0, p2 - 2.0 * p1 + p0
    norm_v = np.linalg.norm(v)
    step = -np.linalg.norm(r) / norm_v if norm_v > 0 else -1.0
    step = float(np.clip(step, -MAX_STEP, -1.0))
    p = p0 - 2.0 * step * r + step * step * v
    n_cells, n_items = f0.mean.size, f0.alpha.size
    return replace(
        f2,
        mean=p[:n_cells].reshape(f0.mean.shape),
        alpha=p[n_cells : n_cells + n_items],
        beta=p[n_cells + n_items : n_cells + 2 * n_items],
        scale2=np.exp(np.clip(p[n_cells + 2 * n_items :], -20.0, 20.0)),
    )


def _starting_values(design: Design, settings: FitSettings, pool: Workers = SERIAL) -> Fit:
    """Per-year first principal component of the vote matrix, signs chained across years."""
    n_c, n_t = design.present.shape
    score = np.zeros((n_c, n_t))
    coded = design.level.astype(float) / 2.0
    anchor = design.countries.index(settings.anchor) if settings.anchor in design.countries else -1
    for t in range(n_t):
        score[:, t] = _year_component(design, coded, t, n_c)
        if _points_backwards(score, t, anchor):
            score[:, t] *= -1.0
    mean = _forward_fill(score, design.first_t)
    n_items = design.item_ordinal.shape[0]
    fit = Fit(mean, np.full((n_c, n_t), 0.5), np.zeros(n_items), np.ones(n_items), np.ones(n_items))
    ystar, yvar = _latent_moments(design, fit, pool)
    return _update_items(design, fit, ystar, yvar, settings, update_scale=False)


def _points_backwards(score: np.ndarray, t: int, anchor: int) -> bool:
    """Sign rule for the start: anchor positive where it has a score, else follow year t-1."""
    if anchor >= 0 and score[anchor, t] != 0:
        return bool(score[anchor, t] < 0)
    return t > 0 and float(np.dot(score[:, t], score[:, t - 1])) < 0


def _year_component(design: Design, coded: np.ndarray, t: int, n_c: int) -> np.ndarray:
    in_year = design.rollcall_t[design.rollcall] == t
    if not in_year.any():
        return np.zeros(n_c)
    calls, col = np.unique(design.rollcall[in_year], return_inverse=True)
    mat = np.full((n_c, calls.size), np.nan)
    mat[design.country[in_year], col] = coded[in_year]
    mat -= np.nanmean(mat, axis=0)
    mat = np.nan_to_num(mat)
    comp = _first_component(mat)
    sd = comp[np.abs(comp) > 0].std() if np.any(comp) else 1.0
    return comp / (sd if sd > 0 else 1.0)


def _first_component(mat: np.ndarray, iterations: int = 100) -> np.ndarray:
    """First principal component u_1 s_1 = M v_1 by power iteration on M'M.

    A start value only, so a fixed number of matrix-vector products (deterministic start)
    is enough; it avoids a LAPACK decomposition per year, which is slow on a busy machine.
    """
    v = np.random.default_rng(0).standard_normal(mat.shape[1])
    for _ in range(iterations):
        w = mat.T @ (mat @ v)
        norm = np.linalg.norm(w)
        if norm == 0:
            return np.zeros(mat.shape[0])
        v = w / norm
    return mat @ v


def _forward_fill(score: np.ndarray, first_t: np.ndarray) -> np.ndarray:
    """Carry the last non-zero score forward so years without votes start sensibly."""
    out = score.copy()
    for t in range(1, out.shape[1]):
        empty = out[:, t] == 0
        out[empty, t] = out[empty, t - 1]
    return out


def _latent_moments(
    design: Design, fit: Fit, pool: Workers = SERIAL
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each vote's latent utility, truncated to its category.

    Votes are stored one-sided intervals first (Y or N, and binary roll calls), then the
    two-sided abstentions of ordinal roll calls, so each group is a contiguous slice. With
    several ``pool`` workers each group is cut into one chunk per thread (NumPy and SciPy ufuncs
    release the GIL); the work is element-wise, so the result does not depend on the number of
    threads.
    """
    item_sd = np.sqrt(fit.scale2)
    per_item = (
        item_sd,
        fit.alpha / item_sd,
        fit.beta / item_sd,
    )  # s_j, alpha_j / s_j, beta_j / s_j
    flat_mean = fit.mean.ravel()
    n = design.item.shape[0]
    ystar, yvar = np.empty(n), np.empty(n)
    chunks = _chunks(design.n_one_sided, n, pool.count)
    pool.run(lambda span: _latent_slice(design, flat_mean, per_item, *span, ystar, yvar), chunks)
    return ystar, yvar


def _chunks(k: int, n: int, parts: int) -> list[tuple[int, int]]:
    """Slices of the one-sided block [0, k) and the two-sided block [k, n), ``parts`` each."""
    spans = []
    for lo, hi in ((0, k), (k, n)):
        edges = np.linspace(lo, hi, parts + 1).astype(np.int64)
        spans += [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]
    return spans


def _latent_slice(
    design: Design,
    flat_mean: np.ndarray,
    per_item: tuple[np.ndarray, ...],
    start: int,
    stop: int,
    ystar: np.ndarray,
    yvar: np.ndarray,
) -> None:
    """``_latent_moments`` for votes [start, stop), all in one block; writes into the outputs."""
    item = design.item[start:stop]
    item_sd, alpha_z, beta_z = per_item
    sd = item_sd[item]
    # standardised linear predictor eta / s_j, from per-item alpha / s_j and beta / s_j
    eta_z = alpha_z[item] + beta_z[item] * flat_mean[design.cell[start:stop]]
    if stop <= design.n_one_sided:
        sign = design.side[start:stop]
        m, var_z = upper_tail_moments(sign * (design.lo_one[start:stop] / sd - eta_z))
        mean_z = sign * m
    else:
        inv_sd = 1.0 / sd
        mean_z, var_z = truncated_normal_moments(
            design.lo[start:stop] * inv_sd - eta_z, design.hi[start:stop] * inv_sd - eta_z
        )
    ystar[start:stop] = sd * (eta_z + mean_z)
    yvar[start:stop] = sd * sd * var_z


def upper_tail_moments(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of a standard normal truncated to [c, inf) (inverse Mills ratio).

    phi(c) / (1 - Phi(c)) = sqrt(2 / pi) / erfcx(c / sqrt(2)): one scaled complementary
    error function, stable in both tails and cheaper than ``log_ndtr`` plus ``exp``.
    """
    with np.errstate(over="ignore"):
        mills = _SQRT_2_OVER_PI / erfcx(c * _INV_SQRT_2)
    var = 1.0 + c * mills - mills * mills
    return np.maximum(mills, c), np.clip(var, 1e-10, 1.0)


def truncated_normal_moments(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of a standard normal truncated to [a, b] (a < b, either infinite).

    Computed in log space, reflecting intervals in the upper tail, so that far-tail intervals
    do not lose precision; non-finite results fall back to the nearest bound.
    """
    flip = (a + b) > 0  # reflect so the interval lies mostly in the lower half
    a2, b2 = np.where(flip, -b, a), np.where(flip, -a, b)
    log_pa, log_pb = log_ndtr(a2), log_ndtr(b2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_z = log_pb + np.log1p(-np.exp(log_pa - log_pb))
        phi_a = np.where(np.isfinite(a2), np.exp(-0.5 * a2 * a2 - _LOG_SQRT_2PI - log_z), 0.0)
        phi_b = np.where(np.isfinite(b2), np.exp(-0.5 * b2 * b2 - _LOG_SQRT_2PI - log_z), 0.0)
        shift = phi_a - phi_b
        a_term = np.where(np.isfinite(a2), a2 * phi_a, 0.0)
        b_term = np.where(np.isfinite(b2), b2 * phi_b, 0.0)
        var = 1.0 + a_term - b_term - shift * shift
    nearest = np.where(np.isfinite(b2), b2, a2)
    bad = ~np.isfinite(shift) | ~np.isfinite(var)
    mean = np.where(bad, nearest, shift)
    mean = np.clip(mean, a2, b2)
    var = np.clip(np.where(bad, 0.0, var), 1e-10, 1.0)
    return np.where(flip, -mean, mean), var


def _update_positions(design: Design, fit: Fit, ystar: np.ndarray, settings: FitSettings) -> Fit:
    """Kalman filter + RTS smoother for every country's random walk, given item parameters."""
    beta = fit.beta[design.item]
    beta_w = (fit.beta / fit.scale2)[design.item]  # beta_j / s_j^2
    n_cells = fit.mean.size
    precision = np.bincount(design.cell, beta * beta_w, minlength=n_cells)
    info = np.bincount(design.cell, beta_w * (ystar - fit.alpha[design.item]), minlength=n_cells)
    shape = fit.mean.shape
    precision = precision.reshape(shape) + 1.0 / settings.shrink_var  # per-year shrinkage
    mean, var = kalman_smoother(precision, info.reshape(shape), design.first_t, settings)
    return replace(fit, mean=mean, var=var)


def kalman_smoother(
    precision: np.ndarray, info: np.ndarray, first_t: np.ndarray, settings: FitSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed mean and variance of x_it for all countries at once (information-form update).

    ``precision[i, t]`` = sum of beta_j^2 / s_j^2 over i's votes in year t and ``info[i, t]`` =
    sum of beta_j (y*_ij - alpha_j) / s_j^2; years before ``first_t[i]`` are not linked.
    """
    n_c, n_t = precision.shape
    f_mean, f_var = np.zeros((n_c, n_t)), np.zeros((n_c, n_t))
    p_mean, p_var = np.zeros((n_c, n_t)), np.zeros((n_c, n_t))
    for t in range(n_t):
        starts = t <= first_t
        prev_m = f_mean[:, t - 1] if t else np.zeros(n_c)
        prev_v = f_var[:, t - 1] + settings.omega2 if t else np.zeros(n_c)
        p_mean[:, t] = np.where(starts, 0.0, prev_m)
        p_var[:, t] = np.where(starts, settings.entry_var, prev_v)
        post_prec = 1.0 / p_var[:, t] + precision[:, t]
        f_var[:, t] = 1.0 / post_prec
        f_mean[:, t] = f_var[:, t] * (p_mean[:, t] / p_var[:, t] + info[:, t])
    s_mean, s_var = f_mean.copy(), f_var.copy()
    for t in range(n_t - 2, -1, -1):
        linked = (t + 1) > first_t
        gain = np.where(linked, f_var[:, t] / p_var[:, t + 1], 0.0)
        s_mean[:, t] = f_mean[:, t] + gain * (s_mean[:, t + 1] - p_mean[:, t + 1])
        s_var[:, t] = f_var[:, t] + gain * gain * (s_var[:, t + 1] - p_var[:, t + 1])
    return s_mean, s_var


def _update_items(
    design: Design,
    fit: Fit,
    ystar: np.ndarray,
    yvar: np.ndarray,
    settings: FitSettings,
    *,
    update_scale: bool = True,
) -> Fit:
    """Ridge regression of y* on (1, x) per roll call, then the closed-form s_j^2 update."""
    total = design.item_sum
    x = fit.mean.ravel()[design.cell]
    vx = fit.var.ravel()[design.cell]
    count = total.count
    sx = total(x)
    sxx = total(x * x + vx)
    sy = total(ystar)
    sxy = total(x * ystar)
    a11 = count + fit.scale2 / settings.alpha_prior_var
    a12, a22 = sx, sxx + fit.scale2 / settings.beta_prior_var
    det = a11 * a22 - a12 * a12
    alpha = (a22 * sy - a12 * sxy) / det
    beta = (a11 * sxy - a12 * sy) / det
    scale2 = fit.scale2
    if update_scale:
        beta_v = beta[design.item]
        resid = ystar - alpha[design.item] - beta_v * x
        ss = total(resid * resid + yvar + beta_v * beta_v * vx)
        fitted = (ss + settings.scale_prior_ss) / (count + settings.scale_prior_n)
        scale2 = np.where(design.item_ordinal, fitted, 1.0)
    return replace(fit, alpha=alpha, beta=beta, scale2=scale2)


def _oriented(design: Design, fit: Fit, anchor: str) -> Fit:
    """Flip the dimension so the anchor country's mean position over its years is positive."""
    if anchor not in design.countries:
        return fit
    row = design.countries.index(anchor)
    if fit.mean[row, design.present[row]].mean() >= 0:
        return fit
    return replace(fit, mean=-fit.mean, beta=-fit.beta)


# ---------------------------------------------------------------- uncertainty


def bootstrap_se(
    design: Design, fit: Fit, settings: FitSettings, replicates: int, rng: np.random.Generator
) -> np.ndarray:
    """Parametric bootstrap: SD of re-estimated positions over simulated vote matrices."""
    total = np.zeros_like(fit.mean)
    total_sq = np.zeros_like(fit.mean)
    for _ in range(replicates):
        sim = simulate_design(design, fit, rng)
        est = fit_model(sim, settings, start=replace(fit)).mean
        total += est
        total_sq += est * est
    mean = total / replicates
    return np.sqrt(
        np.maximum(total_sq / replicates - mean * mean, 0.0) * replicates / max(replicates - 1, 1)
    )


def simulate_design(design: Design, fit: Fit, rng: np.random.Generator) -> Design:
    """Draw new votes from the fitted model on the observed country x roll-call pattern."""
    x = fit.mean.ravel()[design.cell]
    eta = fit.alpha[design.item] + fit.beta[design.item] * x
    ystar = eta + np.sqrt(fit.scale2[design.item]) * rng.standard_normal(eta.shape)
    ordinal = design.item_ordinal[design.item]
    level = np.where(ordinal, (ystar >= 0).astype(int) + (ystar >= 1), 0)
    binary_high = np.where(ystar >= 0, _top_level(design), _bottom_level(design))
    level = np.where(ordinal, level, binary_high)
    lo = np.where(ystar >= 0, 0.0, -np.inf)
    hi = np.where(ystar >= 0, np.inf, 0.0)
    lo = np.where(ordinal & (level == 2), 1.0, lo)
    hi = np.where(ordinal & (level == 1), 1.0, hi)
    return _regrouped(replace(design, lo=lo, hi=hi, level=level))


def _regrouped(design: Design) -> Design:
    """Re-sort votes so one-sided intervals come first (see ``_latent_moments``)."""
    two_sided = np.isfinite(design.lo) & np.isfinite(design.hi)
    order = _vote_order(two_sided, design.item, design.cell)
    n_one = int(np.sum(~two_sided))
    lo, hi = design.lo[order], design.hi[order]
    return replace(
        design,
        country=design.country[order],
        item=design.item[order],
        rollcall=design.rollcall[order],
        cell=design.cell[order],
        lo=lo,
        hi=hi,
        level=design.level[order],
        item_sum=ItemSums.of(
            design.item[order], design.item_ordinal.shape[0], (0, n_one, order.shape[0])
        ),
        n_one_sided=n_one,
        side=np.where(np.isfinite(lo[:n_one]), 1.0, -1.0),
        lo_one=np.where(np.isfinite(lo[:n_one]), lo[:n_one], hi[:n_one]),
    )


def _top_level(design: Design) -> np.ndarray:
    top = np.zeros(design.item_ordinal.shape[0], dtype=int)
    np.maximum.at(top, design.item, design.level)
    return top[design.item]


def _bottom_level(design: Design) -> np.ndarray:
    bottom = np.full(design.item_ordinal.shape[0], 2, dtype=int)
    np.minimum.at(bottom, design.item, design.level)
    return bottom[design.item]


# ---------------------------------------------------------------- output


def positions_frame(design: Design, mean: np.ndarray, se: np.ndarray) -> pl.DataFrame:
    """Country-years where the country has a row in the input, with its count of cast votes."""
    n_votes = np.bincount(design.cell, minlength=mean.size).reshape(mean.shape)
    rows, cols = np.nonzero(design.present)
    countries = np.asarray(design.countries, dtype=object)
    return pl.DataFrame(
        {
            "country_iso3": countries[rows].tolist(),
            "year": design.years[cols],
            "ideal_point": mean[rows, cols],
            "se": se[rows, cols],
            "n_votes": n_votes[rows, cols],
        },
        schema=OUTPUT_SCHEMA,
    ).sort("country_iso3", "year")
