"""numeric/encodings.py: each number of a decomposition is its named route, with the given prior and its own stream.

The routes are called here directly, on the streams ``rng.spawn(4)`` gives (KL, I, bounds,
TC, in that order); the per-dimension moment-matched KLs and the variance of the means
are computed by plain loops; the progress callbacks are recorded.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from numeric import (DiagonalMixture, Prior, avg_kl, decompose, kl_monte_carlo,
                     kl_quadrature_1d, moment_matched_kl, mutual_information_monte_carlo, pairwise_bounds_sampled)
from numeric import encodings
from numeric.mixture import avg_kl_per_dimension
from numeric.encodings import ACTIVE_THRESHOLD, ROUTES, total_correlation_monte_carlo

PRIOR = Prior(mean=np.array([0.3, -0.5, 1.0]), var=np.array([0.5, 2.0, 1.5]))


def _mixture() -> DiagonalMixture:
    rng = np.random.default_rng(21)
    means = rng.normal(0, 1, (6, 3)) * np.array([0.05, 1.0, 2.0])    # one dimension nearly inactive
    return DiagonalMixture.create(means, np.exp(rng.normal(-1, 0.5, (6, 3))), weights=rng.dirichlet(np.ones(6)))


@pytest.fixture
def case():
    mix = _mixture()
    return mix, decompose(mix, np.random.default_rng(3), n_samples=300, prior=PRIOR, max_bound_rows=4)


def test_each_estimate_is_its_route_on_its_own_stream_with_the_prior(case):
    mix, dec = case
    kl_rng, mi_rng, bound_rng, tc_rng = np.random.default_rng(3).spawn(4)
    assert dec.kl_aggregate == kl_monte_carlo(mix, 300, kl_rng, prior=PRIOR)
    assert dec.mutual_information == mutual_information_monte_carlo(mix, 300, mi_rng)
    assert dec.bounds == pairwise_bounds_sampled(mix, prior=PRIOR, max_rows=4, rng=bound_rng)
    assert dec.total_correlation == total_correlation_monte_carlo(mix, 300, tc_rng)
    assert not dec.bounds.exact and dec.bounds.rows == 4


def test_closed_forms_and_quadratures_use_the_prior(case):
    mix, dec = case
    pm, pv = PRIOR.arrays(3)
    assert dec.avg_kl == avg_kl(mix, prior=PRIOR)
    np.testing.assert_array_equal(dec.avg_kl_per_dim, avg_kl_per_dimension(mix, prior=PRIOR))
    assert dec.moment_matched_kl == moment_matched_kl(mix, prior=PRIOR)
    assert dec.moment_matched_kl_diag == moment_matched_kl(mix, diagonal=True, prior=PRIOR)
    for j in range(3):
        val, err = kl_quadrature_1d(mix.weights, mix.means[:, j], mix.variances[:, j], prior=Prior(pm[j], pv[j]))
        assert (dec.dimwise_kl[j], dec.dimwise_error[j]) == (float(val), float(err))


def test_per_dimension_moments_by_loops(case):
    """Matched N(μ_j, s_j²): μ_j = Σ w m_j, s_j² = Σ w (v_j + m_j²) - μ_j²; KL = ½[s²/p + (μ - μ_p)²/p - 1 - log(s²/p)]."""
    mix, dec = case
    pm, pv = PRIOR.arrays(3)
    w = mix.weights.tolist()
    for j in range(3):
        m = mix.means[:, j].tolist()
        v = mix.variances[:, j].tolist()
        mu = math.fsum(wi * mi for wi, mi in zip(w, m))
        var_means = math.fsum(wi * (mi - mu) ** 2 for wi, mi in zip(w, m))
        s2 = var_means + math.fsum(wi * vi for wi, vi in zip(w, v))
        kl = 0.5 * (s2 / pv[j] + (mu - pm[j]) ** 2 / pv[j] - 1 - math.log(s2 / pv[j]))
        assert dec.variance_of_means[j] == pytest.approx(var_means, rel=1e-12, abs=0)
        assert dec.moment_matched_kl_per_dim[j] == pytest.approx(kl, rel=1e-12, abs=1e-15)
        assert dec.active[j] == (var_means > ACTIVE_THRESHOLD)
    assert dec.active.tolist() == [False, True, True]


def test_residuals_combine_independent_routes(case):
    mix, dec = case
    mi, tc, kl = dec.mutual_information, dec.total_correlation, dec.kl_aggregate
    assert dec.residual.value == pytest.approx(dec.avg_kl - (mi.value + tc.value + dec.dimwise_kl.sum()), rel=1e-12)
    assert dec.residual.stderr == pytest.approx(math.hypot(mi.stderr, tc.stderr), rel=1e-14)
    assert dec.gap_residual.value == pytest.approx(dec.avg_kl - (mi.value + kl.value), rel=1e-12)
    assert dec.gap_residual.stderr == pytest.approx(math.hypot(mi.stderr, kl.stderr), rel=1e-14)
    assert dec.residual.n_samples == dec.gap_residual.n_samples == 300
    assert (dec.n, dec.d, dec.log_n, dec.routes) == (6, 3, math.log(6), ROUTES)


def test_decompose_reports_each_stage_with_its_total():
    mix = _mixture()
    stages: list[tuple[str, int]] = []
    done: dict[str, int] = {}

    def bar(label, total):
        stages.append((label, total))
        done[label] = 0

        def tick(k):
            done[label] += k
        return tick

    dec = decompose(mix, np.random.default_rng(4), n_samples=200, max_bound_rows=4, progress=bar)
    # each stage announces the work it does and ticks once per unit of it: the Monte Carlo stages count their
    # draws, which the per-component floor of the stratified allocation can make a few more than n_samples
    draws = dec.kl_aggregate.n_samples
    assert stages == [("KL(qbar||p)", draws), ("I(i; z)", draws), ("pairwise bounds", 4), ("dimension-wise KL", 3),
                      ("total correlation", draws)]
    assert done == {"KL(qbar||p)": dec.kl_aggregate.n_samples, "I(i; z)": dec.mutual_information.n_samples,
                    "pairwise bounds": 4, "dimension-wise KL": 3, "total correlation": dec.total_correlation.n_samples}
    assert dec.kl_aggregate.n_samples >= 200


def test_total_correlation_passes_chunks_and_progress_on(monkeypatch):
    mix = _mixture()
    seen: list[int] = []
    first = total_correlation_monte_carlo(mix, 300, np.random.default_rng(5), chunk_samples=128, progress=seen.append)
    total = first.n_samples                                            # 300, or a few more (the floors)
    assert total >= 300 and seen == [128] * (total // 128) + [total % 128]
    sizes: list[int] = []
    columns: list[int] = []
    real_joint, real_marginal = encodings.mixture_log_sum, encodings.log_density_1d

    def spy_joint(terms, z, shift, *, chunk_bytes):
        sizes.append(chunk_bytes)
        return real_joint(terms, z, shift, chunk_bytes=chunk_bytes)

    def spy_marginal(w, m, v, x):
        columns.append(int(np.flatnonzero((mix.means == m[:, None]).all(axis=0))[0]))
        return real_marginal(w, m, v, x)

    monkeypatch.setattr(encodings, "mixture_log_sum", spy_joint)
    monkeypatch.setattr(encodings, "log_density_1d", spy_marginal)
    again = total_correlation_monte_carlo(mix, 300, np.random.default_rng(5), chunk_samples=128, chunk_bytes=4096)
    assert set(sizes) == {4096} and len(sizes) == len(seen)                 # the joint, once per chunk
    assert columns == list(range(mix.d)) * len(seen)                        # every marginal, per chunk
    assert again.value == pytest.approx(first.value, rel=1e-12) and again.level == 0.95


# --- the linear VAE's encodings: the arguments it accepts and refuses ----------------------------

def test_linear_vae_accepts_one_latent_dimension():
    data = np.random.default_rng(22).normal(size=(40, 3)) * np.array([0.3, 0.2, 0.1])   # σ² ~ 0.02: any scale is fine
    means, variances = encodings.linear_vae_encodings(data, 1)
    assert means.shape == variances.shape == (40, 1)
    assert 0 < variances[0, 0] < 1 and np.all(variances == variances[0, 0])


@pytest.mark.parametrize("data,latent,match", [
    (np.array([[1.0, np.nan], [0.0, 1.0], [2.0, 3.0]]), 1, r"^data has a non-finite value nan at index \(0, 1\)"),
    (np.arange(4.0), 1, r"^data must have 2 dimension\(s\), got shape \(4,\)"),
    # isotropic: the kept eigenvalue equals the discarded one, σ² = λ, and the encodings would be all zero
    (np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]), 1, r"^the data's top eigenvalues must exceed"),
    # a constant column: the discarded eigenvalue is 0, so σ² = 0 and the variances would be 0
    (np.c_[np.random.default_rng(23).normal(size=(20, 2)), np.ones(20)], 2, r"^the data's top eigenvalues must exceed"),
])
def test_linear_vae_refuses_data_it_cannot_encode(data, latent, match):
    with pytest.raises(ValueError, match=match):
        encodings.linear_vae_encodings(data, latent)


def test_decompose_defaults(monkeypatch):
    """20,000 draws per Monte Carlo route and at most 2,048 rows for the bounds, unless asked otherwise."""
    rows: list[int] = []
    real = encodings.pairwise_bounds_sampled

    def spy(mix, **kw):
        rows.append(kw["max_rows"])
        return real(mix, **kw)

    monkeypatch.setattr(encodings, "pairwise_bounds_sampled", spy)
    mix = DiagonalMixture.create([[0.0], [1.0], [3.0]], [[1.0], [0.5], [0.2]])
    dec = decompose(mix, np.random.default_rng(6))
    assert rows == [2048]
    assert dec.kl_aggregate.n_samples == dec.mutual_information.n_samples == dec.total_correlation.n_samples == 20_000


def test_active_means_the_variance_of_the_means_exceeds_the_threshold(monkeypatch, case):
    """Strictly: a dimension whose variance of means equals the threshold is not active."""
    mix, dec = case
    monkeypatch.setattr(encodings, "ACTIVE_THRESHOLD", float(dec.variance_of_means[1]))
    again = decompose(mix, np.random.default_rng(3), n_samples=300, prior=PRIOR, max_bound_rows=4)
    assert again.active.tolist() == [False, False, True]


def test_total_correlation_draws_4096_at_a_time_by_default():
    mix = DiagonalMixture.create([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.5], [0.5, 1.0]])
    seen: list[int] = []
    est = total_correlation_monte_carlo(mix, 5000, np.random.default_rng(7), progress=seen.append)
    assert est.n_samples == 5000 and seen == [4096, 904]


def test_total_correlation_terms_scores_each_marginal_as_its_column_mixture():
    """Without a marginal scorer, column j's mixture (weights w, means m_:j, variances v_:j) at z_j, by scipy."""
    from scipy.special import logsumexp
    from scipy.stats import norm

    from numeric.density import log_density

    mix = _mixture()                                                   # non-uniform weights, d = 3
    z = np.random.default_rng(24).normal(size=(5, 3)) * 1.5
    per = norm.logpdf(z[:, None, :], mix.means[None], np.sqrt(mix.variances)[None])   # (S, N, d)
    log_w = np.log(mix.weights)[None, :]
    joint = logsumexp(log_w + per.sum(axis=2), axis=1)
    marginals = sum(logsumexp(log_w + per[:, :, j], axis=1) for j in range(3))
    np.testing.assert_allclose(encodings.total_correlation_terms(mix, z, log_density), joint - marginals, rtol=1e-11)


def test_total_correlation_shifts_each_point_by_its_own_components_log_term(monkeypatch):
    """The joint's log-sum is shifted, row by row, by log w_c + log q_c(z) of the component c that drew z."""
    from scipy.stats import norm

    mix = _mixture()
    shifts: list[np.ndarray] = []
    real_joint = encodings.mixture_log_sum

    def spy_joint(terms, x, shift, *, chunk_bytes):
        z = x + terms.center
        terms_i = np.log(mix.weights) + norm.logpdf(z[:, None, :], mix.means, np.sqrt(mix.variances)).sum(axis=2)
        assert shift is not None and shift.shape == (x.shape[0],)
        # the shift is one of the point's own log-terms (its component's), to rounding
        assert np.all(np.abs(terms_i - shift[:, None]).min(axis=1) <= 1e-9 * (1 + np.abs(shift)))
        shifts.append(shift)
        return real_joint(terms, x, shift, chunk_bytes=chunk_bytes)

    monkeypatch.setattr(encodings, "mixture_log_sum", spy_joint)
    total_correlation_monte_carlo(mix, 300, np.random.default_rng(8), chunk_samples=128)
    assert sum(s.size for s in shifts) >= 300
