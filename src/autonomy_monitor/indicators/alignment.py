"""Vote agreement between every pair of countries (DESIGN.md §6), vectorised with matrices.

A block of roll calls is a countries × roll-calls matrix of vote codes
(0 = no vote cast or not a member, 1 = Y, 2 = A, 3 = N). With one-hot matrices
Y, A, N (countries × roll calls) and M = Y + A + N, every pairwise count is one matrix
product, so no Python loop runs over pairs:

* ``n_votes``  n_ij = (M Mᵀ)_ij — roll calls where both i and j voted Y, A or N
  (absences X and non-membership excluded);
* ``agreement`` = 1 − Σ|v_i − v_j| / n with Y = 1, A = 0.5, N = 0, where
  Σ|v_i − v_j| = (Y Nᵀ + N Yᵀ) + ½ (Y Aᵀ + A Yᵀ + A Nᵀ + N Aᵀ) — Voeten's convention,
  yes against abstain counts half (Voeten 2013, "Data and analyses of voting in the UN GA");
* ``identical_share`` = (Y Yᵀ + A Aᵀ + N Nᵀ) / n;
* ``s_score`` (Signorino & Ritter 1999) = 1 − 2 Σ|v_i − v_j| / (n · d_max), d_max = 1,
  range −1..1; under this coding s_score = 2·agreement − 1;
* ``kappa`` (Cohen 1960) = (p_o − p_e) / (1 − p_e), p_o = identical_share,
  p_e = Σ_k p_ik p_jk with the marginals taken over the pair's shared roll calls:
  p_ik = (K Mᵀ)_ij / n_ij for category matrix K. Undefined (null) when p_e = 1.

All measures are unit-free fractions; ``n_votes`` is a count of roll calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

VOTE_CODES = {"Y": 1, "A": 2, "N": 3, "X": 0}
MEASURES = ("agreement", "identical_share", "s_score", "kappa")


@dataclass(frozen=True)
class PairwiseAgreement:
    """Square countries × countries arrays of the four measures and the shared-vote count.

    ``cells[a][b]`` (a, b in 0..2 for Y, A, N) counts the shared roll calls where the row
    country voted a and the column country b: the pair's 3×3 vote table.
    """

    n_votes: np.ndarray
    agreement: np.ndarray
    identical_share: np.ndarray
    s_score: np.ndarray
    kappa: np.ndarray
    cells: tuple[tuple[np.ndarray, ...], ...] = ()


def one_hot(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float matrices Y, A, N (1.0 where the country cast that vote)."""
    return tuple((codes == value).astype(np.float32) for value in (1, 2, 3))  # type: ignore[return-value]


def vote_tables(codes: np.ndarray) -> tuple[tuple[np.ndarray, ...], ...]:
    """The nine cross-tabulation matrices K_a K_bᵀ (six products; the others are transposes)."""
    hot = one_hot(codes)
    products = {
        (a, b): (hot[a] @ hot[b].T).astype(np.float64) for a in range(3) for b in range(a, 3)
    }
    return tuple(
        tuple(products[(a, b)] if a <= b else products[(b, a)].T for b in range(3))
        for a in range(3)
    )


def pairwise_agreement(codes: np.ndarray) -> PairwiseAgreement:
    """All four measures for every pair of rows of a countries × roll-calls code matrix.

    Pairs that share no vote get n_votes = 0 and NaN measures.
    """
    cells = vote_tables(codes)
    n = sum(cells[a][b] for a in range(3) for b in range(3))
    identical_count = cells[0][0] + cells[1][1] + cells[2][2]
    distance = (cells[0][2] + cells[2][0]) + 0.5 * (
        cells[0][1] + cells[1][0] + cells[1][2] + cells[2][1]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        agreement = 1.0 - distance / n
        identical = identical_count / n
        rows = [sum(cells[k][b] for b in range(3)) for k in range(3)]
        columns = [sum(cells[a][k] for a in range(3)) for k in range(3)]
        expected = sum(r * c for r, c in zip(rows, columns)) / (n * n)
        kappa = np.where(
            np.isclose(expected, 1.0), np.nan, (identical - expected) / (1.0 - expected)
        )
    empty = n == 0
    for array in (agreement, identical, kappa):
        array[empty] = np.nan
    return PairwiseAgreement(n, agreement, identical, 2.0 * agreement - 1.0, kappa, cells)


# --- uncertainty of small samples ---------------------------------------------------------------

# below this a pair-year is flagged small: the 95 % Wilson half-width exceeds 0.2 at share 0.5
MIN_SHARED_VOTES = 20
WILSON_Z = 1.959964  # two-sided 95 %
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20260301
DISTANCE = np.array([[0.0, 0.5, 1.0], [0.5, 0.0, 0.5], [1.0, 0.5, 0.0]])  # |v_i - v_j| for Y, A, N


def wilson_interval(
    share: np.ndarray, n: np.ndarray, z: float = WILSON_Z
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval of a binomial share p̂ on n trials:
    (p̂ + z²/2n ± z·sqrt(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). NaN where n = 0."""
    p = np.asarray(share, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = p + z * z / (2 * n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        denominator = 1 + z * z / n
        low, high = (centre - half) / denominator, (centre + half) / denominator
    invalid = (n <= 0) | np.isnan(p)
    return np.where(invalid, np.nan, np.clip(low, 0, 1)), np.where(
        invalid, np.nan, np.clip(high, 0, 1)
    )


def table_measures(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Agreement and kappa of stacked 3×3 vote tables (..., 3, 3) of counts (NaN kappa where p_e =
    1)."""
    n = tables.sum(axis=(-2, -1)).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        agreement = 1.0 - (tables * DISTANCE).sum(axis=(-2, -1)) / n
        observed = np.trace(tables, axis1=-2, axis2=-1) / n
        expected = (tables.sum(axis=-1) * tables.sum(axis=-2)).sum(axis=-1) / (n * n)
        kappa = np.where(
            np.isclose(expected, 1.0), np.nan, (observed - expected) / (1.0 - expected)
        )
    return agreement, kappa


def bootstrap_intervals(
    table: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES, level: float = 0.95
) -> dict[str, float]:
    """Percentile bootstrap of agreement and kappa for one pair's 3×3 vote table.

    Resamples the pair's n shared roll calls with replacement (``resamples`` times); the
    generator is seeded with ``BOOTSTRAP_SEED`` and the table itself, so the same table always
    gets the same interval. kappa resamples where it is undefined (one category only) are
    left out. Returns agreement_lo/hi and kappa_lo/hi (NaN when n = 0 or kappa never defined).
    """
    counts = np.asarray(table, dtype=np.int64).reshape(9)
    n = int(counts.sum())
    empty = {"agreement_lo": np.nan, "agreement_hi": np.nan, "kappa_lo": np.nan, "kappa_hi": np.nan}
    if n == 0:
        return empty
    rng = np.random.default_rng([BOOTSTRAP_SEED, *counts.tolist()])
    draws = rng.choice(9, size=(resamples, n), p=counts / n)
    tables = np.stack([(draws == k).sum(axis=1) for k in range(9)], axis=1).reshape(resamples, 3, 3)
    agreement, kappa = table_measures(tables)
    tail = (1 - level) / 2 * 100
    result = dict(empty)
    result["agreement_lo"], result["agreement_hi"] = np.percentile(agreement, [tail, 100 - tail])
    if np.isfinite(kappa).any():
        result["kappa_lo"], result["kappa_hi"] = np.nanpercentile(kappa, [tail, 100 - tail])
    return {key: float(value) for key, value in result.items()}


# --- breaks and partial years ------------------------------------------------------------------

BREAK_RATIO = 1.5  # a year's roll calls over 1.5x, or under 1/1.5, the median of its neighbours
BREAK_WINDOW = 2  # neighbours: up to two years each side (partial years excluded)
BREAK_MIN_NEIGHBOUR_MEDIAN = 20  # series with fewer roll calls a year are not tested (too noisy)
PARTIAL_BEFORE = (12, 1)  # the last year is partial when its last roll call is before 1 December


def neighbour_medians(years: np.ndarray, counts: np.ndarray, partial: np.ndarray) -> np.ndarray:
    """Median roll-call count of the years within ``BREAK_WINDOW`` of each year (itself and partial
    years excluded)."""
    medians = np.full(len(years), np.nan)
    for k, year in enumerate(years):
        near = (np.abs(years - year) <= BREAK_WINDOW) & (years != year) & ~partial
        if near.any():
            medians[k] = float(np.median(counts[near]))
    return medians


def is_break(counts: np.ndarray, medians: np.ndarray) -> np.ndarray:
    """True where a count departs from its neighbours' median by more than ``BREAK_RATIO`` either
    way."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = counts / medians
    tested = medians >= BREAK_MIN_NEIGHBOUR_MEDIAN
    return tested & ((ratio > BREAK_RATIO) | (ratio < 1 / BREAK_RATIO))


def participation(codes: np.ndarray, is_member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per country: roll calls held while a member, and share of those on which it voted.

    ``is_member`` marks cells where the country was a member (a vote or an X row exists).
    participation_share = voted / member roll calls (null when the country was never a member).
    """
    held = is_member.sum(axis=1).astype(np.float64)
    voted = (codes > 0).sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(held > 0, voted / held, np.nan)
    return held, share


def upper_pairs(result: PairwiseAgreement) -> dict[str, np.ndarray]:
    """Row/column indices (i < j) of pairs sharing at least one vote, with their values.

    ``vote_table_code`` (:func:`encode_vote_tables` of the pair's Y/A/N × Y/A/N counts) is
    filled for pairs with fewer than ``MIN_SHARED_VOTES`` shared votes only (-1 elsewhere), for
    their bootstrap intervals.
    """
    i, j = np.triu_indices(result.n_votes.shape[0], k=1)
    keep = result.n_votes[i, j] > 0
    i, j = i[keep], j[keep]
    n_votes = result.n_votes[i, j].astype(np.int32)
    pairs = {
        "i": i,
        "j": j,
        "n_votes": n_votes,
        **{measure: getattr(result, measure)[i, j] for measure in MEASURES},
    }
    if result.cells:
        small = n_votes < MIN_SHARED_VOTES
        code = np.full(i.size, -1, dtype=np.int64)
        cells = np.stack(
            [result.cells[a][b][i[small], j[small]] for a in range(3) for b in range(3)], axis=1
        )
        code[small] = encode_vote_tables(cells.astype(np.int64))
        pairs["vote_table_code"] = code
    return pairs


TABLE_CODE_BASE = 32  # each cell of a small-sample table is < MIN_SHARED_VOTES < 32


def encode_vote_tables(cells: np.ndarray) -> np.ndarray:
    """One integer per 3×3 vote table: Σ_k cell_k · 32^k, k = 0..8 row-major (YY, YA, YN, AY, …
    NN)."""
    powers = TABLE_CODE_BASE ** np.arange(9, dtype=np.int64)
    return (np.asarray(cells, dtype=np.int64) * powers).sum(axis=-1)


def decode_vote_table(code: int) -> np.ndarray:
    """The 3×3 counts of :func:`encode_vote_tables`' integer."""
    return np.array(
        [(int(code) // TABLE_CODE_BASE**k) % TABLE_CODE_BASE for k in range(9)], dtype=np.int64
    ).reshape(3, 3)


def pairs_frame(result: PairwiseAgreement, codes: list[str], year: int, issue: str) -> pl.DataFrame:
    """Long frame of the upper triangle (country_iso3 < partner_iso3) with n_votes > 0.

    ``codes`` must be sorted so that rows come out ordered by country, then partner.
    """
    pairs = upper_pairs(result)
    names = pl.Series(codes, dtype=pl.String)
    return pl.DataFrame(
        {
            "country_iso3": names.gather(pairs["i"]),
            "partner_iso3": names.gather(pairs["j"]),
            "n_votes": pairs["n_votes"],
            **{measure: pairs[measure] for measure in MEASURES},
        }
    ).select(
        "country_iso3",
        "partner_iso3",
        pl.lit(year, dtype=pl.Int32).alias("year"),
        pl.lit(issue).alias("issue"),
        "n_votes",
        *(pl.col(measure).fill_nan(None) for measure in MEASURES),
    )
