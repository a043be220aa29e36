"""Properties of the vectorised vote-agreement measures, checked against a plain pair loop."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autonomy_monitor.indicators import alignment

codes_matrices = st.integers(2, 7).flatmap(
    lambda n: st.integers(1, 25).flatmap(
        lambda r: arrays(np.int8, (n, r), elements=st.integers(0, 3))
    )
)
VALUE = {1: 1.0, 2: 0.5, 3: 0.0}


def naive_pair(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Definitions of DESIGN.md §6 computed one roll call at a time."""
    shared = [(x, y) for x, y in zip(a, b) if x and y]
    n = len(shared)
    if n == 0:
        return {"n": 0}
    distance = sum(abs(VALUE[x] - VALUE[y]) for x, y in shared)
    observed = sum(x == y for x, y in shared) / n
    expected = sum(
        (sum(x == k for x, _ in shared) / n) * (sum(y == k for _, y in shared) / n)
        for k in (1, 2, 3)
    )
    kappa = float("nan") if np.isclose(expected, 1.0) else (observed - expected) / (1 - expected)
    return {
        "n": n,
        "agreement": 1 - distance / n,
        "identical_share": observed,
        "s_score": 1 - 2 * distance / n,
        "kappa": kappa,
    }


@settings(max_examples=150, deadline=None)
@given(codes_matrices)
def test_matches_the_pairwise_definition(codes: np.ndarray) -> None:
    result = alignment.pairwise_agreement(codes)
    for i in range(codes.shape[0]):
        for j in range(codes.shape[0]):
            expected = naive_pair(codes[i], codes[j])
            assert result.n_votes[i, j] == expected["n"]
            if expected["n"]:
                for measure in ("agreement", "identical_share", "s_score", "kappa"):
                    np.testing.assert_allclose(
                        getattr(result, measure)[i, j], expected[measure], atol=1e-12
                    )


@settings(max_examples=150, deadline=None)
@given(codes_matrices)
def test_symmetric_bounded_and_s_score_is_twice_agreement_minus_one(codes: np.ndarray) -> None:
    result = alignment.pairwise_agreement(codes)
    for measure in ("n_votes", "agreement", "identical_share", "s_score", "kappa"):
        array = getattr(result, measure)
        np.testing.assert_array_equal(np.isnan(array), np.isnan(array.T))
        np.testing.assert_allclose(np.nan_to_num(array), np.nan_to_num(array.T), atol=1e-12)
    valid = result.n_votes > 0
    assert np.all((result.agreement[valid] >= -1e-12) & (result.agreement[valid] <= 1 + 1e-12))
    assert np.all(result.kappa[valid & ~np.isnan(result.kappa)] <= 1 + 1e-12)
    np.testing.assert_allclose(result.s_score[valid], 2 * result.agreement[valid] - 1, atol=1e-12)
    assert np.all(np.isnan(result.agreement[~valid]))


@given(arrays(np.int8, (1, 30), elements=st.integers(1, 3)))
def test_identical_votes_agree_fully(row: np.ndarray) -> None:
    codes = np.vstack([row, row])
    result = alignment.pairwise_agreement(codes)
    assert result.agreement[0, 1] == 1.0
    assert result.identical_share[0, 1] == 1.0
    assert result.s_score[0, 1] == 1.0
    assert np.isnan(result.kappa[0, 1]) or np.isclose(result.kappa[0, 1], 1.0)


def test_yes_against_abstain_counts_half() -> None:
    codes = np.array([[1, 1, 1, 1], [2, 1, 3, 1]], dtype=np.int8)
    result = alignment.pairwise_agreement(codes)
    assert result.n_votes[0, 1] == 4
    assert result.agreement[0, 1] == 1 - (0.5 + 0 + 1 + 0) / 4
    assert result.identical_share[0, 1] == 0.5


def test_absences_are_excluded() -> None:
    codes = np.array([[1, 0, 3], [1, 3, 0]], dtype=np.int8)
    result = alignment.pairwise_agreement(codes)
    assert result.n_votes[0, 1] == 1 and result.agreement[0, 1] == 1.0


def test_participation_share() -> None:
    codes = np.array([[1, 0, 2, 0], [0, 0, 0, 0]], dtype=np.int8)
    member = np.array([[True, True, True, False], [False, False, False, False]])
    held, share = alignment.participation(codes, member)
    assert held.tolist() == [3, 0]
    assert share[0] == 2 / 3 and np.isnan(share[1])


def test_pairs_frame_upper_triangle_sorted() -> None:
    codes = np.array([[1, 1], [1, 3], [0, 0]], dtype=np.int8)
    frame = alignment.pairs_frame(
        alignment.pairwise_agreement(codes), ["AAA", "BBB", "CCC"], 2000, "all"
    )
    assert frame.select("country_iso3", "partner_iso3").rows() == [("AAA", "BBB")]
    assert frame.schema["year"] == pl.Int32 and frame["agreement"][0] == 0.5
