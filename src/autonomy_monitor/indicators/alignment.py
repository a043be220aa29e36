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
    """Square countries × countries arrays of the four measures and the shared-vote count."""

    n_votes: np.ndarray
    agreement: np.ndarray
    identical_share: np.ndarray
    s_score: np.ndarray
    kappa: np.ndarray


def one_hot(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float matrices Y, A, N (1.0 where the country cast that vote)."""
    return tuple((codes == value).astype(np.float32) for value in (1, 2, 3))  # type: ignore[return-value]


def pairwise_agreement(codes: np.ndarray) -> PairwiseAgreement:
    """All four measures for every pair of rows of a countries × roll-calls code matrix.

    Pairs that share no vote get n_votes = 0 and NaN measures.
    """
    yes, abstain, no = one_hot(codes)
    voted = yes + abstain + no
    n = (voted @ voted.T).astype(np.float64)
    stacked = np.hstack([yes, abstain, no])
    identical_count = (stacked @ stacked.T).astype(np.float64)
    yn = (yes @ no.T).astype(np.float64)
    half_steps = (abstain @ (yes + no).T).astype(np.float64)
    distance = (yn + yn.T) + 0.5 * (half_steps + half_steps.T)
    with np.errstate(divide="ignore", invalid="ignore"):
        agreement = 1.0 - distance / n
        identical = identical_count / n
        marginals = [(k @ voted.T).astype(np.float64) for k in (yes, abstain, no)]
        expected = sum(m * m.T for m in marginals) / (n * n)
        kappa = np.where(np.isclose(expected, 1.0), np.nan, (identical - expected) / (1.0 - expected))
    empty = n == 0
    for array in (agreement, identical, kappa):
        array[empty] = np.nan
    return PairwiseAgreement(n, agreement, identical, 2.0 * agreement - 1.0, kappa)


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
    """Row/column indices (i < j) of pairs sharing at least one vote, with their values."""
    i, j = np.triu_indices(result.n_votes.shape[0], k=1)
    keep = result.n_votes[i, j] > 0
    i, j = i[keep], j[keep]
    return {
        "i": i,
        "j": j,
        "n_votes": result.n_votes[i, j].astype(np.int32),
        **{measure: getattr(result, measure)[i, j] for measure in MEASURES},
    }


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
