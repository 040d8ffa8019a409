"""The one-dimensional quadrature: its rule, its kernel, its panels, and errors that cover the true error."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.special import logsumexp

from numeric import kl_quadrature_1d, mutual_information_quadrature_1d, quadrature
from numeric._quadrature_kernel import EXP_ULPS, panel_log_sums
from numeric.mixture import Prior
from tests.extras import require

# --- the rule ----------------------------------------------------------------------------------

def test_kronrod_and_gauss_weights_integrate_polynomials_to_their_degrees():
    """Kronrod (21 nodes) is exact to degree 31 and Gauss (10 of them) to degree 19, and no further."""
    x, kronrod, gauss = quadrature.quadrature_nodes()
    assert np.all(np.diff(x) > 0) and x[0] > -1 and x[-1] < 1
    np.testing.assert_allclose(x[gauss > 0], np.polynomial.legendre.leggauss(10)[0], rtol=0, atol=1e-15)
    exact = lambda k: 0.0 if k % 2 else 2.0 / (k + 1)
    for k in range(32):
        assert kronrod @ x**k == pytest.approx(exact(k), abs=1e-14), k
    for k in range(20):
        assert gauss @ x**k == pytest.approx(exact(k), abs=1e-14), k
    assert abs(kronrod @ x**32 - exact(32)) > 1e-12 and abs(gauss @ x**20 - exact(20)) > 1e-7


def test_the_kernels_sums_match_numpy():
    """top, Σ e^{a - top}, Σ e^{a - top} log q_i and Σ e^{a - top} |log q_i| against numpy, zero weights included."""
    rng = np.random.default_rng(0)
    b, n, k = 3, 5_000, 7
    m = rng.normal(0, 2, (b, n))
    v = np.exp(rng.normal(-2, 2, (b, n)))
    w = rng.dirichlet(np.ones(n), size=b)
    w[:, :100] = 0.0
    h, lq = 0.5 / v, -0.5 * np.log(2 * np.pi * v)
    with np.errstate(divide="ignore"):
        c = np.log(w) + lq
    rows = np.array([2, 0, 1, 2], dtype=np.int64)
    left, half, unit = rng.normal(0, 4, rows.size), rng.uniform(0.01, 2, rows.size), np.sort(rng.uniform(0, 2, k))
    top, sums = np.empty((rows.size, k)), np.zeros((rows.size, k, 3))
    panel_log_sums(rows, left, half, unit, m, h, c, lq, True, top, sums)
    d = (left[:, None, None] - m[rows][:, None, :]) + half[:, None, None] * unit[None, :, None]
    a = c[rows][:, None, :] - d**2 * h[rows][:, None, :]
    log_qi = lq[rows][:, None, :] - d**2 * h[rows][:, None, :]
    want_top = a.max(axis=2)
    assert np.all(top >= want_top - 1e-12)                  # a shift no term exceeds (an upper bound, not the maximum)
    e = np.exp(a - top[..., None])                          # the sums relative to the kernel's own shift
    np.testing.assert_allclose(sums[..., 0], e.sum(axis=2), rtol=1e-13)
    np.testing.assert_allclose(sums[..., 1], (e * log_qi).sum(axis=2), rtol=1e-11)
    np.testing.assert_allclose(sums[..., 2], (e * np.abs(log_qi)).sum(axis=2), rtol=1e-13)
    np.testing.assert_allclose(top + np.log(sums[..., 0]), logsumexp(a, axis=2), rtol=1e-14, atol=1e-13)


def test_the_exponential_alone_over_the_range():
    """e^y for y in [-700, 700] relative to math.exp, to EXP_ULPS units in the last place."""
    from numba import njit

    from numeric._quadrature_kernel import exp_bounded, exp_nonpositive

    @njit
    def many(y, out, negative):
        for i in range(y.size):
            out[i] = exp_nonpositive(y[i]) if negative else exp_bounded(y[i])

    for lo, hi, negative in ((-700.0, 0.0, True), (-700.0, 700.0, False)):
        y = np.concatenate([np.linspace(lo, hi, 100_001), np.random.default_rng(1).uniform(lo, hi, 100_000)])
        out = np.empty_like(y)
        many(y, out, negative)
        want = np.array([math.exp(t) for t in y])
        assert np.max(np.abs(out / want - 1.0)) <= EXP_ULPS * 2.0**-53


def test_the_exponential_keeps_its_accuracy_inside_a_reordering_kernel():
    """Inside :func:`sum_exp_rows` (compiled to reorder sums) the reduction y + k log 2 keeps its two-part
    constant: a row's sum is within EXP_ULPS + its length units of the exact one, at arguments up to +-700."""
    from numeric._quadrature_kernel import sum_exp_rows

    y = np.random.default_rng(2).uniform(-700, 700, (200, 64))
    y[:, 0] = 699.5                                        # the largest term, where a reordered reduction errs most
    out = np.empty(200)
    sum_exp_rows(y, out)
    want = np.array([math.fsum(math.exp(t) for t in row) for row in y])
    assert np.max(np.abs(out / want - 1.0)) <= (EXP_ULPS + 64) * 2.0**-53


# --- the log-density at given points (the marginals of the total correlation) --------------------

def _mp_log_density(w, m, v, x):
    with mpmath.workdps(40):
        total = mpmath.fsum(mpmath.mpf(float(wi)) * mpmath.npdf(mpmath.mpf(float(x)), mpmath.mpf(float(mi)),
                                                                 mpmath.sqrt(mpmath.mpf(float(vi))))
                            for wi, mi, vi in zip(w, m, v) if wi > 0)
        return float(mpmath.log(total))


@pytest.mark.parametrize("case", ["narrow beside broad", "far apart", "zero weights", "many blocks"])
def test_log_density_1d_against_mpmath(case):
    """log q̄(x) at points, exact to rounding: within 1e-13 of 40-digit mpmath (relative to 1 + |log q̄|)."""
    rng = np.random.default_rng(7)
    if case == "narrow beside broad":
        w, m, v = np.array([0.3, 0.7]), np.array([0.1, 0.0]), np.array([1e-8, 2.0])
        x = np.array([0.1, 0.1 + 1e-4, 0.0, 3.0, -40.0])
    elif case == "far apart":
        w, m, v = np.array([0.5, 0.5]), np.array([-50.0, 60.0]), np.array([0.01, 0.04])
        x = np.array([-50.0, -49.9, 5.0, 59.5, 60.3])
    elif case == "zero weights":
        w, m, v = np.array([0.0, 0.25, 0.0, 0.75]), np.array([0.0, 1.0, 2.0, -1.0]), np.array([0.1, 0.5, 1e-6, 0.2])
        x = np.array([0.0, 2.0, -1.0, 1.0])
    else:                                  # several kernel blocks, some narrow, means spread: the bounds are loose
        n = 2_500
        w = rng.dirichlet(np.ones(n))
        m = rng.normal(0, 3, n)
        v = np.exp(rng.uniform(-14, 1, n))
        x = np.concatenate([m[:5] + 1e-3, rng.normal(0, 4, 5)])
    got = quadrature.log_density_1d(w, m, v, x)
    want = np.array([_mp_log_density(w, m, v, t) for t in x])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13 * (1 + np.abs(want)).max())


def test_log_density_1d_with_loose_bounds_falls_back_to_exact_maxima():
    """Blocks whose bound lies far above every term (narrow components spread over a wide range, a point in a
    gap) are summed again with their true maxima: the result still matches mpmath, and a point far from all
    components gives a finite log-density, not -inf."""
    n = 3_000                                          # two kernel blocks; neighbours 0.2 apart, 200 deviations
    m = np.linspace(-300.0, 300.0, n)
    v = np.full(n, 1e-6)
    w = np.full(n, 1.0 / n)
    x = np.array([0.1, -123.4567, 300.05, 450.0])   # a bound e^{c_max} exceeds the largest term by > e^{1000}
    got = quadrature.log_density_1d(w, m, v, x)
    want = np.array([_mp_log_density(w, m, v, t) for t in x])
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-13)


# --- panels ------------------------------------------------------------------------------------

def _random_1d(rng, n, *, narrow=0):
    m = rng.normal(0, 3, n)
    v = np.exp(rng.normal(-1, 1.5, n))
    v[rng.choice(n, narrow, replace=False)] = np.exp(rng.uniform(-30, -12, narrow))
    return np.full(n, 1.0 / n), m, v


@pytest.mark.parametrize("seed", range(4))
def test_no_panel_meeting_a_component_is_wider_than_its_rule(seed):
    """Every panel that meets [m_i - 10 s_i, m_i + 10 s_i] is at most s_i / panels_per_sd wide, and the panels
    cover every support: a narrow component, isolated or among broad ones, is never stepped over."""
    rng = np.random.default_rng(seed)
    _, m, v = _random_1d(rng, 60, narrow=5)
    m[:3] = [40.0, -35.0, 80.0]                                  # isolated, one of them narrow
    v[2] = 1e-10
    s = np.sqrt(v)
    for pps in (0.125, 0.5):
        edges = quadrature.panel_edges(m[None], s[None], np.ones((1, m.size), bool), pps, 10.0)[0]
        left, right = edges[:-1], edges[1:]
        assert np.all(right >= left)
        assert edges[0] == pytest.approx((m - 10 * s).min()) and edges[-1] == pytest.approx((m + 10 * s).max())
        meets = (left[:, None] < (m + 10 * s)[None, :]) & (right[:, None] > (m - 10 * s)[None, :])
        allowed = np.where(meets, s[None, :] / pps, np.inf).min(axis=1)
        rounding = 4 * np.finfo(float).eps * np.maximum(np.abs(left), np.abs(right))      # of the edges' sums
        assert np.all(right - left <= allowed * (1 + 1e-12) + rounding)


@pytest.mark.parametrize("seed", range(3))
def test_the_compiled_walk_gives_the_array_api_walks_edges(seed):
    rng = np.random.default_rng(10 + seed)
    b, n = 3, 80
    m, s = rng.normal(0, 3, (b, n)), np.exp(rng.normal(-1, 2, (b, n)))
    live = rng.random((b, n)) < 0.8
    live[2] = False                                                   # a row with nothing to integrate
    compiled = quadrature.panel_edges(m, s, live, 0.125, 10.0)
    generic = quadrature._panel_edges_xp(np, m, s, live, 0.125, 10.0)
    np.testing.assert_array_equal(compiled, generic)


def _evaluations(monkeypatch, f, *args):
    """(value, error, (node x component) pairs scored) of a quadrature call."""
    count = [0]
    inner = quadrature._log_sums

    def counting(mix, row, left, half, c, *, moments):
        count[0] += row.size * quadrature.quadrature_nodes()[0].size * mix.m.shape[1]
        return inner(mix, row, left, half, c, moments=moments)

    monkeypatch.setattr(quadrature, "_log_sums", counting)
    value, error = f(*args)
    return float(value), float(error), count[0]


@pytest.mark.parametrize("var", [np.exp(-30.0), 1e-300], ids=["logvar -30", "var 1e-300"])
def test_cost_does_not_depend_on_the_smallest_variance(var, monkeypatch):
    rng = np.random.default_rng(0)
    n = 300
    m = rng.normal(size=n)
    v = np.exp(rng.normal(-1.0, 0.3, size=n))
    w = np.full(n, 1.0 / n)
    _, _, plain = _evaluations(monkeypatch, kl_quadrature_1d, w, m, v)
    tiny = v.copy()
    tiny[[7, 100, 250]] = var
    value, error, evaluations = _evaluations(monkeypatch, kl_quadrature_1d, w, m, tiny)
    # each narrow component costs a few panels of its own (resolvable) or 10 panels in its coordinate (not),
    # each scored at most twice (all components, then the live ones), a few halvings at most
    assert evaluations <= 2 * plain + 3 * 3 * 8 * 21 * n, (evaluations, plain)
    mi, mi_error = mutual_information_quadrature_1d(w, m, tiny)
    avg = float(w @ (0.5 * (tiny + m**2 - 1 - np.log(tiny))))
    assert avg == pytest.approx(value + float(mi), abs=1e-9 + error + float(mi_error))


@pytest.mark.parametrize("var", [np.exp(-30.0), 1e-300], ids=["logvar -30", "var 1e-300"])
def test_a_narrow_component_far_from_the_rest(var):
    """q̄ = ½ N(0, 1) + ½ N(8, var): the two overlap by less than 1e-14, so KL(q̄ || p) is in closed form.

    ½ E_1[log(½ q_1 / p)] + ½ E_2[log(½ q_2 / p)] = log ½ + ½ (-½ log(2πe var) + ½ log 2π + ½ (64 + var)).
    """
    value, error = kl_quadrature_1d([0.5, 0.5], [0.0, 8.0], [1.0, var])
    expected = np.log(0.5) + 0.5 * (-0.5 * np.log(2 * np.pi * np.e * var) + 0.5 * np.log(2 * np.pi) + 0.5 * (64 + var))
    assert float(value) == pytest.approx(expected, rel=1e-10)
    assert float(error) < 1e-8


# --- the error covers the true error -------------------------------------------------------------

def _mp_integrals(w, m, v, prior=(0.0, 1.0)):
    """KL(q̄ || p) and I(i; z) to 20 digits by mpmath, on breakpoints at m_i + k s_i, |k| in {0, 1, 3, 6, 12}."""
    with mpmath.workdps(20):
        return _mp_integrals_here(w, m, v, prior)


def _mp_integrals_here(w, m, v, prior):
    w, m, v = ([mpmath.mpf(float(t)) for t in a] for a in (w, m, v))
    s = [mpmath.sqrt(t) for t in v]
    pm, pv = (mpmath.mpf(t) for t in prior)

    def parts(z):
        q = [wi * mpmath.npdf(z, mi, si) for wi, mi, si in zip(w, m, s)]
        return q, sum(q)

    def kl(z):
        _, qbar = parts(z)
        return qbar * (mpmath.log(qbar) - mpmath.log(mpmath.npdf(z, pm, mpmath.sqrt(pv)))) if qbar > 0 else 0

    def mi(z):
        q, qbar = parts(z)
        return sum(qi * mpmath.log(qi / (wi * qbar)) for qi, wi in zip(q, w) if qi > 0)

    live = [i for i in range(len(w)) if w[i] > 0]
    points = sorted({float(m[i] + k * s[i]) for i in live for k in (-12, -6, -3, -1, 0, 1, 3, 6, 12)})
    return (float(mpmath.quad(kl, points)), float(mpmath.quad(mi, points)))


CASES = {
    "narrow beside broad": ([0.5, 0.3, 0.2], [0.0, 0.5, 3.0], [1.0, 1e-6, 0.3]),
    "far apart": ([0.4, 0.6], [-50.0, 60.0], [2.0, 0.01]),
    "one dominant weight": ([1 - 2e-6, 1e-6, 1e-6], [0.0, 4.0, -2.0], [1.0, 1e-4, 0.5]),
    "zero weights": ([0.0, 0.7, 0.0, 0.3], [9.0, -1.0, 0.2, 1.5], [1e-8, 0.5, 1.0, 0.2]),
    "one component": ([1.0], [1.3], [0.2]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_reported_errors_cover_the_error_against_20_digits(case):
    w, m, v = (np.array(a) for a in CASES[case])
    kl_ref, mi_ref = _mp_integrals(w, m, v)
    kl, kl_err = kl_quadrature_1d(w, m, v)
    mi, mi_err = mutual_information_quadrature_1d(w, m, v)
    assert abs(float(kl) - kl_ref) <= float(kl_err), (float(kl), kl_ref, float(kl_err))
    assert abs(float(mi) - mi_ref) <= float(mi_err), (float(mi), mi_ref, float(mi_err))
    assert kl_err < 1e-8 and mi_err < 1e-8


def test_a_prior_other_than_the_standard_one_against_20_digits():
    w, m, v = np.array([0.3, 0.7]), np.array([-1.0, 2.0]), np.array([0.5, 0.05])
    kl_ref, _ = _mp_integrals(w, m, v, prior=(0.5, 3.0))
    kl, err = kl_quadrature_1d(w, m, v, prior=Prior(0.5, 3.0))
    assert abs(float(kl) - kl_ref) <= float(err) and err < 1e-8


def test_a_looser_tolerance_costs_fewer_nodes_and_reports_more_error(monkeypatch):
    rng = np.random.default_rng(3)
    w, m, v = _random_1d(rng, 400)
    loose_value, loose_error, loose_cost = _evaluations(monkeypatch, lambda *a: kl_quadrature_1d(*a, tol=1e-4),
                                                        w, m, v)
    tight_value, tight_error, tight_cost = _evaluations(monkeypatch, kl_quadrature_1d, w, m, v)
    assert loose_cost < tight_cost
    assert abs(loose_value - tight_value) <= loose_error + tight_error
    assert tight_error <= 1e-9 < loose_error


def test_a_vae_like_dimension_satisfies_the_gap_identity():
    """avg KL = KL(q̄ || p) + I(i; z) at N = 20,000 (means N(0, 1), log-variances N(-3, 0.5²)), within the errors."""
    rng = np.random.default_rng(5)
    n = 20_000
    m, v = rng.normal(size=n), np.exp(rng.normal(-3, 0.5, n))
    w = rng.dirichlet(np.ones(n))
    kl, kl_err = kl_quadrature_1d(w, m, v)
    mi, mi_err = mutual_information_quadrature_1d(w, m, v)
    avg = float(w @ (0.5 * (v + m**2 - 1 - np.log(v))))
    assert abs(avg - float(kl) - float(mi)) <= float(kl_err + mi_err) + 1e-12 * avg
    assert kl_err < 1e-8 and mi_err < 1e-8


def test_a_bad_tolerance_is_named():
    with pytest.raises(ValueError, match="tol must be > 0 and finite, got -1.0"):
        kl_quadrature_1d([1.0], [0.0], [1.0], tol=-1.0)


# --- numpy and torch: one formula ---------------------------------------------------------------

def test_torch_tensors_give_numpys_values():
    torch = require("torch")
    require("array_api_compat")
    from numeric import device as dev

    rng = np.random.default_rng(11)
    n, d = 200, 3
    m = rng.normal(size=(n, d))
    v = np.exp(rng.normal(-2, 0.8, (n, d)))
    v[4, 1] = 1e-24                                       # one narrow component, integrated in its own coordinate
    m[4, 1] = 7.0
    w = rng.dirichlet(np.ones(n))
    ref = [kl_quadrature_1d(w, m[:, j], v[:, j]) for j in range(d)]
    tmix = dev.DeviceMixture.create(torch.as_tensor(m), torch.as_tensor(v), weights=torch.as_tensor(w))
    value, error = dev.dimwise_kl(tmix)
    for j in range(d):
        assert abs(value[j] - float(ref[j][0])) <= 1e-12 + 1e-12 * abs(value[j]), j
        assert error[j] < 1e-8
    t_mi, _ = mutual_information_quadrature_1d(torch.as_tensor(w), torch.as_tensor(m[:, 0]), torch.as_tensor(v[:, 0]))
    n_mi, _ = mutual_information_quadrature_1d(w, m[:, 0], v[:, 0])
    assert float(t_mi) == pytest.approx(float(n_mi), rel=1e-12, abs=1e-14)


def test_numpy_input_needs_neither_torch_nor_array_api_compat():
    """The core install: numpy arrays go through the compiled kernel; importing numeric loads neither extra."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['array_api_compat'] = None\n"       # importing it now raises ImportError
            "import numeric\n"
            "v, e = numeric.kl_quadrature_1d([0.5, 0.5], [-1.0, 1.0], [0.2, 0.3])\n"
            "assert 'torch' not in sys.modules\n"
            "print(float(v), float(e))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    value, error = map(float, out.stdout.split())
    assert value > 0 and error < 1e-8
