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
one dissenter, a year with one roll call) are regularised instead of failing.

How a cycle is computed (the model above is untouched; a cycle gives the same numbers as the
plain vote-by-vote formulas to about 1e-12, tests/test_idealpoints_estep.py):

* Votes are stored one-sided intervals first, then the two-sided abstentions, each block
  sorted by item, and cut into chunks of about 33,000 votes that hold whole item runs
  (``VoteLayout``). One pass over the chunks does the whole E-step: each chunk gathers its
  per-item constants from small tables (``_ItemTables``), takes the truncated-normal moments
  in place on arrays that stay in the CPU cache, writes E[y*] and the position-update weights,
  and sums E[y*] and E[y*^2] for its items with one ``np.add.reduceat``. A second pass sums
  x, x^2 + Var[x] and x E[y*] per item for the item update, whose residual sum of squares
  is expanded into those sums, so Var[y*] is never stored per vote.
* The inverse Mills ratio is sqrt(2/pi) exp(-z^2) / erfc(z) (``_mills``), half the cost of
  SciPy's ``erfcx`` with the same precision where erfc does not underflow (``erfcx`` takes
  the rest); abstentions use two erfc instead of two ``log_ndtr`` (``_interval_moments``, the
  log-space ``truncated_normal_moments`` for intervals beyond about 35 SDs).
* ``FitSettings.threads`` threads take chunks in turn (NumPy and SciPy ufuncs release the
  GIL; the results are identical for any number of threads); per-vote arrays are allocated
  once per fit; BLAS is held to one thread (its threads only slowed the small products).
* The start (a first principal component per year by power iteration) raises the small
  roll-call x roll-call matrix to the power by repeated squaring: the same vector in a
  handful of products.
* SQUAREM extrapolation (step up to ``MAX_STEP``) cuts the number of EM cycles.

On the 1946-2026 UN data (about 960,000 Y/A/N votes) a fit takes 56 cycles
(benchmarks/idealpoints_bench.py has the current timings). EM stops when no position moves
more than ``tol`` (1e-3) over a cycle; this stops before the exact optimum (positions within
about 0.006 of a 1e-6 fit in the median, 0.03 at most), which changes the validation
correlations only in the fourth decimal. For the same reason the fit is not warm-started
from an earlier build's estimates: a warm start would stop within 1e-3 per cycle of *its*
start, up to 0.03 away from where a fresh fit stops, so published positions would depend on
the history of builds; every build starts from the same deterministic start instead.

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

import itertools
import os
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from scipy.special import erfc, erfcx, log_ndtr

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
_LOG_SQRT_2_OVER_PI = 0.5 * np.log(2.0 / np.pi)
_INV_SQRT_2 = 1.0 / np.sqrt(2.0)
_SQRT_2 = np.sqrt(2.0)


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
    threads: int | None = None  # threads of the passes over the votes; None: usable CPUs, <= 4

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


CHUNK_VOTES = 32768  # votes per chunk: its temporaries stay in the CPU's L2 cache


@dataclass(frozen=True)
class Chunk:
    """Votes [start, stop) of one block, holding whole item runs (see ``VoteLayout``)."""

    start: int
    stop: int
    one_sided: bool
    runs: np.ndarray  # start of each item run, relative to ``start``
    items: np.ndarray  # item of each run (distinct: votes are sorted by item in a block)


@dataclass(frozen=True)
class VoteLayout:
    """The votes cut into cache-sized chunks for the E-step and the per-item sums.

    Votes are stored in blocks (one-sided intervals, then two-sided), each sorted by item, so
    one item's votes are a contiguous run per block. Chunks of about ``CHUNK_VOTES`` votes end
    at run boundaries, so a chunk sums its items with one ``np.add.reduceat`` and writes them
    into its own entries: no two chunks of a block touch the same item, which lets threads
    take whole chunks, and the result does not depend on how many threads there are.
    Within a chunk every temporary array stays in the CPU cache; over a million votes that
    makes the element-wise work several times faster than one pass per NumPy operation.
    """

    n_items: int
    n_one_sided: int
    item: np.ndarray  # item per vote (intp)
    cell: np.ndarray  # flat (country, year) index per vote (intp)
    slot: np.ndarray  # one-sided votes: 2 * item + 1 if y* lies above its bound, 2 * item if below
    chunks: tuple[Chunk, ...]
    count: np.ndarray  # votes per item (float)

    @classmethod
    def of(
        cls, item: np.ndarray, cell: np.ndarray, side: np.ndarray, n_items: int, n_one: int
    ) -> VoteLayout:
        """``item`` sorted within the blocks [0, n_one) and [n_one, n); ``side`` = +-1."""
        item = item.astype(np.intp)
        chunks: list[Chunk] = []
        for start, stop in ((0, n_one), (n_one, item.shape[0])):
            part = item[start:stop]
            if part.size and np.any(np.diff(part) < 0):
                raise ValueError("VoteLayout: votes must be sorted by item within each block")
            runs = np.flatnonzero(np.r_[True, part[1:] != part[:-1]]) if part.size else part
            cut = np.searchsorted(runs, np.arange(0, part.size, CHUNK_VOTES))
            edges = np.unique(runs[cut[cut < runs.size]])
            for lo, hi in zip(edges, np.r_[edges[1:], part.size]):
                own = runs[np.searchsorted(runs, lo) : np.searchsorted(runs, hi)]
                chunks.append(
                    Chunk(int(start + lo), int(start + hi), start < n_one, own - lo, part[own])
                )
        slot = 2 * item[:n_one] + (side[:n_one] > 0)
        count = np.bincount(item, minlength=n_items).astype(float)
        return cls(n_items, n_one, item, cell.astype(np.intp), slot, tuple(chunks), count)


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
    layout: VoteLayout | None = None  # the votes in chunks (see VoteLayout)


@dataclass(frozen=True)
class Workers:
    """Threads for the chunked passes over the votes: ``count`` threads take chunks in turn.

    NumPy and SciPy ufuncs release the GIL while they work on a chunk, so the threads'
    chunks overlap. The calling thread works too, and chunks are handed out one at a time,
    so a thread that the operating system holds back (a busy machine) delays a pass by one
    chunk, not by its share. Each chunk writes only its own votes and items, so the results
    are identical for any number of threads.
    """

    pool: Executor | None = None
    count: int = 1
    buffers: dict[str, np.ndarray] | None = None  # per-vote arrays reused across EM cycles

    def run(self, func, layout: VoteLayout) -> None:  # type: ignore[no-untyped-def]
        """``func(chunk)`` for every chunk of ``layout``."""
        chunks = layout.chunks
        turn = itertools.count()  # next() on it is atomic under the GIL

        def work() -> None:
            # far-tail arguments overflow or divide by zero on purpose and are then replaced
            with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
                while (i := next(turn)) < len(chunks):
                    func(chunks[i])

        helpers = (
            [self.pool.submit(work) for _ in range(self.count - 1)] if self.pool is not None else []
        )
        work()
        for helper in helpers:
            helper.result()

    def buffer(self, name: str, shape: int | tuple[int, ...], *, zero: bool = False) -> np.ndarray:
        """A float array of ``shape``, the same one on every call with ``name``.

        Uninitialised unless ``zero``. Reusing the arrays of the EM cycles spares the
        operating system's page faults on fresh allocations, which are a measurable part of
        a cycle.
        """
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        found = None if self.buffers is None else self.buffers.get(name)
        if found is None or found.shape != shape:
            found = np.empty(shape)
            if self.buffers is not None:
                self.buffers[name] = found
        if zero:
            found.fill(0.0)
        return found


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
    frame = votes.select(columns).drop_nulls(["roll_call_id", "year", "country_iso3"])
    # one hash pass; only a table with a repeated (roll call, country) needs deduplicating
    repeated = bool(frame.select(["roll_call_id", "country_iso3"]).is_duplicated().any())
    if repeated:
        frame = frame.unique(maintain_order=True)
    if frame.height == 0:
        raise BadInput("votes table is empty; pass at least one roll call with Y/A/N votes.")
    _check_codes(frame)
    _check_unique(frame, pairs_repeated=repeated)
    return frame


def _check_codes(frame: pl.DataFrame) -> None:
    bad = frame.filter(~pl.col("vote").is_in(["Y", "N", "A", "X"]) | pl.col("vote").is_null())
    if bad.height:
        row = bad.row(0, named=True)
        raise BadInput(
            f"vote {row['vote']!r} for {row['country_iso3']} on roll call "
            f"{row['roll_call_id']} is not one of Y, N, A, X; recode it."
        )


def _check_unique(frame: pl.DataFrame, *, pairs_repeated: bool = True) -> None:
    """Conflicting votes for one pair (checked only when some pair is repeated), and one year
    and one bridge group per roll call."""
    dup = (
        frame.group_by("roll_call_id", "country_iso3").len().filter(pl.col("len") > 1)
        if pairs_repeated
        else frame.clear()
    )
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
    cell = country * len(years) + year_idx
    side = np.where(np.isfinite(lo[:n_one]), 1.0, -1.0)
    return Design(
        country=country,
        item=item,
        cell=cell,
        lo=lo,
        hi=hi,
        level=level,
        n_one_sided=n_one,
        side=side,
        layout=VoteLayout.of(item, cell, side, ordinal.shape[0], n_one),
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
    ``_latent_moments``), each block by item (see ``VoteLayout``), then by country-year, so the
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
        pool = Workers(
            stack.enter_context(ThreadPoolExecutor(threads - 1)) if threads > 1 else None,
            threads,
            buffers={},
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
    moments = _latent_moments(design, fit, pool)
    fit = _update_positions(design, fit, moments, settings, pool)
    return _update_items(design, fit, moments, settings, pool)


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
    vote_t = design.rollcall_t[design.rollcall]
    by_year = np.argsort(vote_t, kind="stable")  # storage order within each year
    edges = np.searchsorted(vote_t[by_year], np.arange(n_t + 1))
    # column of each roll call in its year's matrix: its rank among that year's roll calls
    calls = np.lexsort((np.arange(design.rollcall_t.size), design.rollcall_t))
    firsts = np.searchsorted(design.rollcall_t[calls], np.arange(n_t + 1))
    column = np.empty(calls.size, dtype=np.intp)
    column[calls] = np.arange(calls.size) - firsts[design.rollcall_t[calls]]
    for t in range(n_t):
        votes = by_year[edges[t] : edges[t + 1]]
        n_calls = int(firsts[t + 1] - firsts[t])
        score[:, t] = _year_component(design, coded, votes, column, n_calls, n_c)
        if _points_backwards(score, t, anchor):
            score[:, t] *= -1.0
    mean = _forward_fill(score, design.first_t)
    n_items = design.item_ordinal.shape[0]
    fit = Fit(mean, np.full((n_c, n_t), 0.5), np.zeros(n_items), np.ones(n_items), np.ones(n_items))
    moments = _latent_moments(design, fit, pool)
    return _update_items(design, fit, moments, settings, pool, update_scale=False)


def _points_backwards(score: np.ndarray, t: int, anchor: int) -> bool:
    """Sign rule for the start: anchor positive where it has a score, else follow year t-1."""
    if anchor >= 0 and score[anchor, t] != 0:
        return bool(score[anchor, t] < 0)
    return t > 0 and float(np.dot(score[:, t], score[:, t - 1])) < 0


def _year_component(
    design: Design,
    coded: np.ndarray,
    votes: np.ndarray,
    column: np.ndarray,
    n_calls: int,
    n_c: int,
) -> np.ndarray:
    """Standardised first component of one year's countries x roll calls vote matrix.

    ``votes`` are the storage indices of the year's votes, ``column`` the column of each roll
    call in its year's matrix (roll calls in index order) and ``n_calls`` that year's count.
    """
    if votes.size == 0:
        return np.zeros(n_c)
    mat = np.full((n_c, n_calls), np.nan)
    mat[design.country[votes], column[design.rollcall[votes]]] = coded[votes]
    mat -= np.nanmean(mat, axis=0)
    mat = np.nan_to_num(mat)
    comp = _first_component(mat)
    sd = comp[np.abs(comp) > 0].std() if np.any(comp) else 1.0
    return comp / (sd if sd > 0 else 1.0)


def _first_component(mat: np.ndarray, iterations: int = 100) -> np.ndarray:
    """First principal component u_1 s_1 = M v_1 by ``iterations`` steps of power iteration.

    A start value only, so a fixed number of power steps (deterministic start) is enough;
    it avoids a LAPACK decomposition per year, which is slow on a busy machine. The steps
    v <- M'M v / |M'M v| give the direction of (M'M)^iterations v_0, computed here by
    repeated squaring of the small roll calls x roll calls matrix M'M (scaled to unit norm
    at each squaring): the same vector up to rounding, in a handful of products.
    """
    v = np.random.default_rng(0).standard_normal(mat.shape[1])
    power = mat.T @ mat
    left = iterations
    while left:
        top = np.abs(power).max()
        if not top > 0:
            return np.zeros(mat.shape[0])
        power = power / top
        if left & 1:
            v = power @ v
            norm = np.sqrt(v @ v)
            if not norm > 0:
                return np.zeros(mat.shape[0])
            v = v / norm
        left >>= 1
        if left:
            power = power @ power
    return mat @ v


def _forward_fill(score: np.ndarray, first_t: np.ndarray) -> np.ndarray:
    """Carry the last non-zero score forward so years without votes start sensibly."""
    out = score.copy()
    for t in range(1, out.shape[1]):
        empty = out[:, t] == 0
        out[empty, t] = out[empty, t - 1]
    return out


# ---------------------------------------------------------------- E-step


@dataclass
class Moments:
    """E-step output: each vote's latent-utility mean and what the M-step sums from it."""

    ystar: np.ndarray  # E[y*] per vote
    info_w: np.ndarray  # per vote beta_j / s_j^2 (E[y*] - alpha_j), summed per country-year
    prec_w: np.ndarray  # per vote beta_j^2 / s_j^2, summed per country-year
    sums: np.ndarray  # (block, 3, item): sums of E[y*], E[y*]^2 and Var[y*] / s_j^2
    scale2: np.ndarray  # the s_j^2 these moments were taken with
    yvar: np.ndarray | None = None  # Var[y*] per vote, kept only when asked for

    def second_moments(self) -> np.ndarray:
        """Per item, the sum of E[y*^2] = E[y*]^2 + Var[y*] over its votes."""
        total = self.sums[0] + self.sums[1]
        return total[1] + self.scale2 * total[2]


@dataclass(frozen=True)
class _ItemTables:
    """Per-item quantities of the E-step, computed once per cycle and gathered per vote.

    One-sided votes are indexed by *slot* (2 j for y* below its bound, 2 j + 1 above) so
    that ``c = side (bound / s_j - eta_j / s_j)`` is one multiply-add: c / sqrt(2) =
    ``a[slot] + b[slot] * x``.
    """

    a: np.ndarray  # slot: side (bound - alpha_j) / s_j / sqrt(2)
    b: np.ndarray  # slot: -side beta_j / s_j / sqrt(2)
    bound: np.ndarray  # slot: the finite bound of the interval (0, or 1 for an ordinal Y)
    side_sd: np.ndarray  # slot: side s_j
    scale2_slot: np.ndarray  # slot: s_j^2
    w0: np.ndarray  # slot: beta_j / s_j^2 (bound - alpha_j)
    w1: np.ndarray  # slot: side beta_j / s_j
    prec_slot: np.ndarray  # slot: beta_j^2 / s_j^2
    alpha_z: np.ndarray  # item: alpha_j / s_j
    beta_z: np.ndarray  # item: beta_j / s_j
    inv_sd: np.ndarray  # item: 1 / s_j
    sd: np.ndarray  # item: s_j
    scale2: np.ndarray  # item: s_j^2
    alpha: np.ndarray  # item: alpha_j
    beta_w: np.ndarray  # item: beta_j / s_j^2
    prec: np.ndarray  # item: beta_j^2 / s_j^2

    @classmethod
    def of(cls, design: Design, fit: Fit) -> _ItemTables:
        sd = np.sqrt(fit.scale2)
        inv_sd = 1.0 / sd
        beta_w = fit.beta / fit.scale2
        side = np.array([-1.0, 1.0])
        bound = np.zeros((sd.size, 2))
        bound[:, 1] = np.where(design.item_ordinal, 1.0, 0.0)

        def slots(values: np.ndarray) -> np.ndarray:  # (item, 2) -> flat slot order
            return np.ascontiguousarray(values).reshape(-1)

        return cls(
            a=slots(side * ((bound - fit.alpha[:, None]) * inv_sd[:, None]) * _INV_SQRT_2),
            b=slots(-side * (fit.beta * inv_sd * _INV_SQRT_2)[:, None]),
            bound=slots(bound),
            side_sd=slots(side * sd[:, None]),
            scale2_slot=slots(np.repeat(fit.scale2[:, None], 2, axis=1)),
            w0=slots(beta_w[:, None] * (bound - fit.alpha[:, None])),
            w1=slots(side * (fit.beta * inv_sd)[:, None]),
            prec_slot=slots(np.repeat((fit.beta * beta_w)[:, None], 2, axis=1)),
            alpha_z=fit.alpha * inv_sd,
            beta_z=fit.beta * inv_sd,
            inv_sd=inv_sd,
            sd=sd,
            scale2=fit.scale2,
            alpha=fit.alpha,
            beta_w=beta_w,
            prec=fit.beta * beta_w,
        )


def _latent_moments(
    design: Design, fit: Fit, pool: Workers = SERIAL, *, keep_var: bool = False
) -> Moments:
    """Mean and variance of each vote's latent utility, truncated to its category.

    Votes are stored one-sided intervals first (Y or N, and binary roll calls), then the
    two-sided abstentions of ordinal roll calls (see ``VoteLayout``). Each chunk of votes
    computes its truncated-normal moments, the per-vote weights of the position update and
    its items' sums of E[y*] and E[y*^2]; the variances themselves are not kept unless
    ``keep_var`` (the M-step needs only their sums).
    """
    layout = design.layout
    n = layout.item.shape[0]
    moments = Moments(
        ystar=pool.buffer("ystar", n),
        info_w=pool.buffer("info_w", n),
        prec_w=pool.buffer("prec_w", n),
        sums=pool.buffer("ystar_sums", (2, 3, layout.n_items), zero=True),
        scale2=fit.scale2,
        yvar=np.empty(n) if keep_var else None,
    )
    tables = _ItemTables.of(design, fit)
    x = fit.mean.ravel()

    def one_chunk(chunk: Chunk) -> None:
        if chunk.one_sided:
            _one_sided_chunk(layout, tables, x, moments, chunk)
        else:
            _two_sided_chunk(layout, tables, x, moments, chunk)

    pool.run(one_chunk, layout)
    return moments


def _one_sided_chunk(
    layout: VoteLayout, tab: _ItemTables, x: np.ndarray, out: Moments, chunk: Chunk
) -> None:
    """E-step of one chunk of votes whose interval is [bound, inf) or (-inf, bound].

    With c = side (bound - eta) / s the standardised distance into the interval and
    m = mills(c), the standard normal truncated to [c, inf) has mean max(m, c) and variance
    1 + c m - m^2 = 1 - m (m - c) (``upper_tail_moments``), so
    y* = bound + side s max(m - c, 0). Operations work in place on cache-sized arrays.
    """
    start, stop = chunk.start, chunk.stop
    slot = layout.slot[start:stop]
    z = tab.b[slot]
    z *= x[layout.cell[start:stop]]
    z += tab.a[slot]  # c / sqrt(2)
    mills = _mills(z)
    gap = np.multiply(z, _SQRT_2, out=z)  # c ...
    np.subtract(mills, gap, out=gap)  # ... then m - c
    np.maximum(gap, 0.0, out=gap)  # (m < c only by rounding, far in the tail)
    var = np.multiply(mills, gap, out=mills)
    np.subtract(1.0, var, out=var)  # <= 1 as gap >= 0
    np.maximum(var, 1e-10, out=var)  # Var[z]
    ystar = out.ystar[start:stop]
    np.multiply(tab.side_sd[slot], gap, out=ystar)
    ystar += tab.bound[slot]
    info = out.info_w[start:stop]
    np.multiply(tab.w1[slot], gap, out=info)
    info += tab.w0[slot]
    tab.prec_slot.take(slot, out=out.prec_w[start:stop])
    _chunk_sums(chunk, ystar, var, tab.scale2_slot, slot, out)


def _two_sided_chunk(
    layout: VoteLayout, tab: _ItemTables, x: np.ndarray, out: Moments, chunk: Chunk
) -> None:
    """E-step of one chunk of abstentions on ordinal roll calls: y* in [0, 1]."""
    start, stop = chunk.start, chunk.stop
    item = layout.item[start:stop]
    a = tab.beta_z[item]
    a *= x[layout.cell[start:stop]]
    a += tab.alpha_z[item]
    np.negative(a, out=a)  # (0 - eta) / s; the upper bound (1 - eta) / s is a + 1 / s
    mean_z, var = _interval_moments(a, tab.inv_sd[item])
    mean_z -= a  # eta / s + E[z]
    ystar = out.ystar[start:stop]
    np.multiply(mean_z, tab.sd[item], out=ystar)
    info = out.info_w[start:stop]
    np.subtract(ystar, tab.alpha[item], out=info)
    info *= tab.beta_w[item]
    tab.prec.take(item, out=out.prec_w[start:stop])
    _chunk_sums(chunk, ystar, var, tab.scale2, item, out)


def _chunk_sums(
    chunk: Chunk,
    ystar: np.ndarray,
    var_z: np.ndarray,
    scale2: np.ndarray,
    index: np.ndarray,
    out: Moments,
) -> None:
    """Per-item sums of E[y*], E[y*]^2 and Var[z] = Var[y*] / s_j^2 of one chunk.

    s_j^2 is constant within an item, so it multiplies the item's sum of Var[z] later
    (``Moments.second_moments``) instead of every vote here; Var[y*] per vote is formed only
    when it is kept (``index`` and ``scale2``: the chunk's slots or items and their s_j^2).
    """
    if out.yvar is not None:
        np.multiply(var_z, scale2[index], out=out.yvar[chunk.start : chunk.stop])
    block = 0 if chunk.one_sided else 1
    out.sums[block, 0, chunk.items] = np.add.reduceat(ystar, chunk.runs)
    out.sums[block, 2, chunk.items] = np.add.reduceat(var_z, chunk.runs)
    np.multiply(ystar, ystar, out=var_z)
    out.sums[block, 1, chunk.items] = np.add.reduceat(var_z, chunk.runs)


_ERFC_RANGE = 5.0  # mills(): above this z, exp(-z^2) / erfc(z) gives way to 1 / erfcx(z)
_TINY_MASS = 1e-280  # _interval_moments(): below this mass the log-space form takes over


def _mills(z: np.ndarray) -> np.ndarray:
    """sqrt(2 / pi) / erfcx(z) = phi(c) / (1 - Phi(c)) at c = sqrt(2) z (inverse Mills ratio).

    As sqrt(2 / pi) exp(-z^2) / erfc(z), half the cost of SciPy's ``erfcx`` and as accurate
    (relative error about 1e-15) up to z = ``_ERFC_RANGE``; the few larger arguments, where
    erfc underflows, take ``erfcx``. For very negative z, exp(-z^2) underflows to 0, the
    limit.
    """
    out = np.multiply(z, z)
    np.subtract(_LOG_SQRT_2_OVER_PI, out, out=out)
    np.exp(out, out=out)
    out /= erfc(z)
    if z.size and z.max() > _ERFC_RANGE:
        far = np.flatnonzero(z > _ERFC_RANGE)
        out[far] = _SQRT_2_OVER_PI / erfcx(z[far])
    return out


def upper_tail_moments(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of a standard normal truncated to [c, inf) (inverse Mills ratio)."""
    c = np.asarray(c, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        mills = _mills(c * _INV_SQRT_2)
    var = 1.0 + c * mills - mills * mills
    return np.maximum(mills, c), np.clip(var, 1e-10, 1.0)


def _interval_moments(a: np.ndarray, width: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``truncated_normal_moments`` on [a, a + width] (finite, width > 0), from two erfc.

    The interval is reflected into the lower half (lo + hi <= 0), where
    Phi(x) = erfc(-x / sqrt(2)) / 2 keeps its relative precision; intervals so far into the
    tail that the probability mass nears underflow (beyond about 35 SDs) fall back to the
    log-space form.
    """
    flip = np.multiply(a, 2.0)
    flip += width
    flip = flip > 0  # a + b > 0
    lo = np.negative(a)
    lo -= width
    np.copyto(lo, a, where=~flip)  # lo = -b where flipped
    hi = lo + width
    u_lo = np.multiply(lo, -_INV_SQRT_2)
    u_hi = np.multiply(hi, -_INV_SQRT_2)
    mass = erfc(u_hi)
    mass -= erfc(u_lo)  # 2 (Phi(hi) - Phi(lo))
    f_lo = np.multiply(u_lo, u_lo)
    np.subtract(_LOG_SQRT_2_OVER_PI, f_lo, out=f_lo)
    np.exp(f_lo, out=f_lo)
    f_lo /= mass  # phi(lo) / (Phi(hi) - Phi(lo))
    f_hi = np.multiply(u_hi, u_hi)
    np.subtract(_LOG_SQRT_2_OVER_PI, f_hi, out=f_hi)
    np.exp(f_hi, out=f_hi)
    f_hi /= mass
    mean = f_lo - f_hi
    var = np.multiply(lo, f_lo, out=u_lo)
    var -= np.multiply(hi, f_hi, out=f_hi)
    var -= np.multiply(mean, mean, out=f_lo)
    var += 1.0
    bad = ~(mass > _TINY_MASS)
    if bad.any():
        idx = np.flatnonzero(bad)
        mean[idx], var[idx] = truncated_normal_moments(lo[idx], hi[idx])
    np.maximum(mean, lo, out=mean)
    np.minimum(mean, hi, out=mean)
    np.maximum(var, 1e-10, out=var)
    np.minimum(var, 1.0, out=var)
    np.negative(mean, out=mean, where=flip)
    return mean, var


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


# ---------------------------------------------------------------- M-step


def _update_positions(
    design: Design, fit: Fit, moments: Moments, settings: FitSettings, pool: Workers = SERIAL
) -> Fit:
    """Kalman filter + RTS smoother for every country's random walk, given item parameters.

    The two per-country-year sums are ``np.bincount`` passes over the votes (which release
    the GIL): with a second thread they run side by side.
    """
    cell = design.layout.cell
    n_cells = fit.mean.size
    pending = (
        pool.pool.submit(np.bincount, cell, moments.prec_w, n_cells)
        if pool.pool is not None
        else None
    )
    info = np.bincount(cell, moments.info_w, minlength=n_cells)
    precision = (
        pending.result()
        if pending is not None
        else np.bincount(cell, moments.prec_w, minlength=n_cells)
    )
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
    moments: Moments,
    settings: FitSettings,
    pool: Workers = SERIAL,
    *,
    update_scale: bool = True,
) -> Fit:
    """Ridge regression of y* on (1, x) per roll call, then the closed-form s_j^2 update.

    ``fit`` holds the updated positions. The residual sum of squares per item,
    sum (y* - alpha - beta x)^2 + Var[y*] + beta^2 Var[x], is expanded into per-item sums
    (of E[y*^2], y*, x y*, x, x^2 + Var[x]), so one chunked pass over the votes gives them all.
    """
    layout = design.layout
    x, vx = fit.mean.ravel(), fit.var.ravel()
    sums = pool.buffer("x_sums", (2, 3, layout.n_items), zero=True)

    def chunk_sums(chunk: Chunk) -> None:
        start, stop = chunk.start, chunk.stop
        cell = layout.cell[start:stop]
        xv = x[cell]
        block = 0 if chunk.one_sided else 1
        sums[block, 0, chunk.items] = np.add.reduceat(xv, chunk.runs)
        xy = xv * moments.ystar[start:stop]
        sums[block, 2, chunk.items] = np.add.reduceat(xy, chunk.runs)
        xv *= xv
        xv += vx[cell]
        sums[block, 1, chunk.items] = np.add.reduceat(xv, chunk.runs)

    pool.run(chunk_sums, layout)
    sx, sxx, sxy = sums[0] + sums[1]
    sy = moments.sums[0, 0] + moments.sums[1, 0]
    syy = moments.second_moments()
    count = layout.count
    a11 = count + fit.scale2 / settings.alpha_prior_var
    a12, a22 = sx, sxx + fit.scale2 / settings.beta_prior_var
    det = a11 * a22 - a12 * a12
    alpha = (a22 * sy - a12 * sxy) / det
    beta = (a11 * sxy - a12 * sy) / det
    scale2 = fit.scale2
    if update_scale:
        ss = (
            syy
            - 2.0 * (alpha * sy + beta * sxy)
            + count * alpha * alpha
            + 2.0 * alpha * beta * sx
            + beta * beta * sxx
        )
        fitted = (np.maximum(ss, 0.0) + settings.scale_prior_ss) / (count + settings.scale_prior_n)
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
    item, cell = design.item[order], design.cell[order]
    side = np.where(np.isfinite(lo[:n_one]), 1.0, -1.0)
    return replace(
        design,
        country=design.country[order],
        item=item,
        rollcall=design.rollcall[order],
        cell=cell,
        lo=lo,
        hi=hi,
        level=design.level[order],
        layout=VoteLayout.of(item, cell, side, design.item_ordinal.shape[0], n_one),
        n_one_sided=n_one,
        side=side,
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
