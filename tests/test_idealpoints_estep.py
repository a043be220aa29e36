"""The chunked E-step and M-step of the ideal-point EM against plain reference formulas.

The estimator computes each vote's truncated-normal moments in cache-sized chunks, from
per-item tables and an erfc-based Mills ratio, and sums them per item and per country-year
in the same pass (``models.idealpoints``). The references here are written the plain way:
one vectorised expression per quantity over all votes, SciPy's ``truncnorm`` for the
moments, and the residual sum of squares formed from the residuals themselves.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import truncnorm

from autonomy_monitor.models import idealpoints as ip
from tests.test_idealpoints import simulate_votes


@pytest.fixture(scope="module")
def problem() -> tuple[ip.Design, ip.Fit]:
    """A small random problem in many small chunks, with latent means far into both tails."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ip, "CHUNK_VOTES", 64)
        votes, _ = simulate_votes(
            n_countries=30, years=range(2000, 2005), items_per_year=12, seed=9, repeated=True
        )
        design = ip.build_design(votes)
    rng = np.random.default_rng(5)
    n_c, n_t = design.present.shape
    n_items = design.item_ordinal.shape[0]
    mean = rng.normal(0.0, 1.5, (n_c, n_t))
    mean[rng.random((n_c, n_t)) < 0.15] *= 20.0  # some positions 20-60 SDs into a tail
    fit = ip.Fit(
        mean=mean,
        var=rng.uniform(0.01, 0.5, (n_c, n_t)),
        alpha=rng.normal(0.3, 1.0, n_items),
        beta=rng.normal(0.0, 1.5, n_items),
        scale2=np.where(design.item_ordinal, np.exp(rng.normal(0.0, 0.7, n_items)), 1.0),
    )
    return design, fit


def reference_moments(design: ip.Design, fit: ip.Fit) -> tuple[np.ndarray, np.ndarray]:
    """E[y*] and Var[y*] of every vote: eta + s E[z], s^2 Var[z], z truncated to its interval."""
    sd = np.sqrt(fit.scale2[design.item])
    eta = fit.alpha[design.item] + fit.beta[design.item] * fit.mean.ravel()[design.cell]
    mean_z, var_z = truncnorm.stats((design.lo - eta) / sd, (design.hi - eta) / sd, moments="mv")
    return eta + sd * mean_z, sd * sd * var_z


def reference_cycle(design: ip.Design, fit: ip.Fit, settings: ip.FitSettings) -> ip.Fit:
    """One EM cycle written out vote by vote: positions given items, then items given both."""
    ystar, yvar = reference_moments(design, fit)
    item, cell, n_cells = design.item, design.cell, fit.mean.size
    beta_w = (fit.beta / fit.scale2)[item]
    precision = np.bincount(cell, fit.beta[item] * beta_w, minlength=n_cells)
    info = np.bincount(cell, beta_w * (ystar - fit.alpha[item]), minlength=n_cells)
    precision = precision.reshape(fit.mean.shape) + 1.0 / settings.shrink_var
    mean, var = ip.kalman_smoother(
        precision, info.reshape(fit.mean.shape), design.first_t, settings
    )
    x, vx = mean.ravel()[cell], var.ravel()[cell]
    n_items = fit.alpha.size

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(item, values, minlength=n_items)

    count = total(np.ones_like(x))
    a11 = count + fit.scale2 / settings.alpha_prior_var
    a12, a22 = total(x), total(x * x + vx) + fit.scale2 / settings.beta_prior_var
    sy, sxy = total(ystar), total(x * ystar)
    det = a11 * a22 - a12 * a12
    alpha = (a22 * sy - a12 * sxy) / det
    beta = (a11 * sxy - a12 * sy) / det
    resid = ystar - alpha[item] - beta[item] * x
    ss = total(resid * resid + yvar + beta[item] ** 2 * vx)
    fitted = (ss + settings.scale_prior_ss) / (count + settings.scale_prior_n)
    scale2 = np.where(design.item_ordinal, fitted, 1.0)
    return ip.Fit(mean, var, alpha, beta, scale2)


def test_chunks_cover_the_votes_and_keep_items_whole(problem):
    design, _ = problem
    layout = design.layout
    assert len(layout.chunks) > 20  # the problem really is cut into many chunks
    starts = [c.start for c in layout.chunks]
    stops = [c.stop for c in layout.chunks]
    assert starts[0] == 0 and stops[-1] == design.item.size and starts[1:] == stops[:-1]
    for one_sided in (True, False):
        block = [c for c in layout.chunks if c.one_sided is one_sided]
        items = np.concatenate([c.items for c in block])
        assert np.unique(items).size == items.size  # no item in two chunks of a block
        for c in block:
            assert (c.stop <= design.n_one_sided) is one_sided or c.start >= design.n_one_sided
            runs = np.r_[c.runs, c.stop - c.start]
            for k, it in enumerate(c.items):
                assert (design.item[c.start + runs[k] : c.start + runs[k + 1]] == it).all()
    slot_bound = np.where(
        layout.slot % 2 == 1, design.item_ordinal[design.item[: layout.slot.size]], 0
    )
    np.testing.assert_array_equal(slot_bound, design.lo_one)  # slot -> bound as the design says


def test_e_step_matches_the_plain_reference(problem):
    design, fit = problem
    moments = ip._latent_moments(design, fit, keep_var=True)
    ystar, yvar = reference_moments(design, fit)
    np.testing.assert_allclose(moments.ystar, ystar, rtol=1e-9, atol=1e-9)
    # truncnorm's variance loses digits beyond ~30 SDs (ours agrees there with the asymptotic
    # series 1/c^2 - 6/c^4 + ..., e.g. at c = 99.26); compare it where it is accurate
    sd = np.sqrt(fit.scale2[design.item])
    eta = fit.alpha[design.item] + fit.beta[design.item] * fit.mean.ravel()[design.cell]
    outside = np.maximum((design.lo - eta) / sd, (eta - design.hi) / sd)  # SDs outside
    near = outside < 30.0
    assert (outside < -10).sum() > 30 and (outside > 10).sum() > 30  # both tails exercised
    np.testing.assert_allclose(moments.yvar[near], yvar[near], rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(moments.yvar[~near], yvar[~near], rtol=1e-3, atol=1e-12)
    n_items, n_cells = fit.alpha.size, fit.mean.size
    item, cell = design.item, design.cell
    np.testing.assert_allclose(
        moments.sums[0, 0] + moments.sums[1, 0],
        np.bincount(item, ystar, minlength=n_items),
        rtol=1e-9,
        atol=1e-8,
    )
    np.testing.assert_allclose(
        moments.second_moments(),
        np.bincount(item, ystar * ystar + yvar, minlength=n_items),
        rtol=1e-9,
        atol=1e-8,
    )
    beta_w = (fit.beta / fit.scale2)[item]
    np.testing.assert_allclose(
        np.bincount(cell, moments.info_w, minlength=n_cells),
        np.bincount(cell, beta_w * (ystar - fit.alpha[item]), minlength=n_cells),
        rtol=1e-9,
        atol=1e-8,
    )
    np.testing.assert_allclose(moments.prec_w, fit.beta[item] * beta_w, rtol=1e-12)


def test_one_em_cycle_matches_the_plain_reference(problem):
    design, fit = problem
    settings = ip.FitSettings()
    got = ip._em_cycle(design, fit, settings, ip.Workers(buffers={}))
    want = reference_cycle(design, fit, settings)
    for name in ("mean", "var", "alpha", "beta", "scale2"):
        np.testing.assert_allclose(
            getattr(got, name), getattr(want, name), rtol=1e-8, atol=1e-10, err_msg=name
        )


def test_threads_give_identical_results(problem):
    design, fit = problem
    settings = ip.FitSettings()
    serial = ip._em_cycle(design, fit, settings, ip.Workers(buffers={}))
    with ThreadPoolExecutor(2) as pool:
        threaded = ip._em_cycle(design, fit, settings, ip.Workers(pool, 3, buffers={}))
    for name in ("mean", "var", "alpha", "beta", "scale2"):
        np.testing.assert_array_equal(getattr(threaded, name), getattr(serial, name))
    one = ip.fit_model(design, replace(settings, threads=1))
    two = ip.fit_model(design, replace(settings, threads=2))
    assert one.iterations == two.iterations
    np.testing.assert_array_equal(one.mean, two.mean)


def test_interval_moments_match_the_log_space_form():
    rng = np.random.default_rng(3)
    a = np.r_[rng.uniform(-45.0, 45.0, 4000), -40.0, 39.0, -0.5, -1e-3]
    width = np.r_[rng.uniform(0.02, 6.0, 4000), 1.0, 1.0, 1.0, 2e-3]
    with np.errstate(all="ignore"):
        mean, var = ip._interval_moments(a, width)
    ref_mean, ref_var = ip.truncated_normal_moments(a, a + width)
    np.testing.assert_allclose(mean, ref_mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(var, ref_var, rtol=1e-5, atol=1e-10)
    assert (mean >= a).all() and (mean <= a + width).all()
