"""The property checks, written against an :class:`Impl` so that wrong formulas can be fed to them.

Each ``check_*`` asserts one checked theorem of ``proofs`` (its docstring names it) for one example and
records the example in :data:`EXAMPLES` (the proof-check summary prints the counts).
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import integrate, stats

import numeric
from numeric import Prior
from tests import bridge

__all__ = ["Impl", "EXAMPLES", "REAL"]

#: Examples checked per property in this session.
EXAMPLES: Counter[str] = Counter()


def _kl_two(m1, v1, m2, v2):
    return numeric.kl_diag(np.atleast_1d(m1), np.atleast_1d(v1), np.atleast_1d(m2), np.atleast_1d(v2))


def _moments_1d(w, m, v):
    mu = w @ m
    return mu, w @ (v + m**2) - mu**2


@dataclass(frozen=True)
class Impl:
    """The implementations the properties check (the package's own, unless replaced)."""

    kl_two: Callable = _kl_two                      # KL(N(m1, v1) || N(m2, v2)), 1-D
    moments_1d: Callable = _moments_1d              # mean and variance of a 1-D mixture
    weights: Callable = lambda w: w                 # weights as the mixture routines see them
    le: Callable = operator.le                      # the direction of every bound
    name: str = field(default="numeric")

    def kl_standard(self, m, v):
        return self.kl_two(m, v, 0.0, 1.0)

    def kl_diag_standard(self, m, v):
        return float(np.sum([self.kl_standard(mj, vj) for mj, vj in zip(m, v)]))


REAL = Impl()


def _close(a: float, b: float, rel: float, scale: float = 0.0) -> bool:
    """|a - b| <= rel |b| + 8 eps scale: ``scale`` is the size of the terms that cancel."""
    return abs(a - b) <= rel * abs(b) + 8 * np.finfo(float).eps * scale


def _record(name: str, impl: "Impl") -> None:
    if impl is REAL:  # examples fed wrong formulas are not counted as checks
        EXAMPLES[name] += 1


def check_symbolic_equals_numeric(impl: Impl, m1, v1, m2, v2) -> None:
    """proofs' derived closed form (lambdified) equals numeric's, relative 1e-10 (theorem `kl_two_gaussians`)."""
    _record("closed form: proofs (lambdify) == numeric", impl)
    symbolic = float(bridge.kl_two_gaussians_symbolic(m1, v1, m2, v2))
    scale = v1 / v2 + 1 + abs(np.log(v1 / v2)) + (m1 - m2) ** 2 / v2
    assert _close(float(impl.kl_two(m1, v1, m2, v2)), symbolic, 1e-10, scale), (m1, v1, m2, v2)


def check_closed_form_equals_quadrature(impl: Impl, m1, v1, m2, v2) -> None:
    """The closed form equals scipy's quadrature of ∫ q log(q/p), relative 1e-8 (theorem `kl_two_gaussians`)."""
    _record("closed form == quadrature of the integral (1-D)", impl)
    q, p = stats.norm(m1, np.sqrt(v1)), stats.norm(m2, np.sqrt(v2))
    s = np.sqrt(v1)
    value = integrate.quad(lambda x: q.pdf(x) * (q.logpdf(x) - p.logpdf(x)), m1 - 30 * s, m1 + 30 * s,
                           points=[m1], epsabs=1e-14, epsrel=1e-11, limit=400)[0]
    scale = v1 / v2 + 1 + abs(np.log(v1 / v2)) + (m1 - m2) ** 2 / v2
    assert _close(float(impl.kl_two(m1, v1, m2, v2)), value, 1e-8, 1e3 * scale), (m1, v1, m2, v2)


def check_nonnegative_zero_only_at_standard(impl: Impl, m, v) -> None:
    """KL(N(m, diag v) || N(0, I)) >= 0, and = 0 exactly when m = 0 and v = 1 (theorem `kl_diagonal`)."""
    _record("KL >= 0, = 0 only at N(0, I)", impl)
    kl = impl.kl_diag_standard(m, v)
    standard = bool(np.all(m == 0) and np.all(v == 1))
    assert impl.le(0.0, kl), (m, v, kl)
    assert (kl == 0) == standard, (m, v, kl)


def check_diagonal_is_sum_of_coordinates(impl: Impl, m, v) -> None:
    """numeric's d-dimensional diagonal KL equals the sum of proofs' 1-D closed form over coordinates.

    Theorem `kl_diagonal`, from theorem `kl_standard` and theorem `kl_product`.
    """
    _record("diagonal KL == sum of coordinate KLs (proofs' 1-D form)", impl)
    symbolic = float(np.sum(bridge.kl_standard_symbolic(m, v)))
    scale = float(np.sum(v + 1 + np.abs(np.log(v)) + m**2))
    assert _close(impl.kl_diag_standard(m, v), symbolic, 1e-10, scale)


def check_full_covariance_2d(impl: Impl, mean, cov) -> None:
    """numeric's full-covariance KL equals proofs' d = 2 form (theorem `kl_full_covariance_2`)."""
    _record("full-covariance KL: proofs (d = 2) == numeric", impl)
    symbolic = float(bridge.kl_full_2d_symbolic(mean, cov))
    scale = float(np.trace(cov) + mean @ mean + 2 + abs(np.log(np.linalg.det(cov))))
    assert _close(float(numeric.kl_full_standard(mean, cov)), symbolic, 1e-10, 1e2 * scale)


def _quantities_1d(impl: Impl, w, m, v):
    w_used = impl.weights(w)
    kl_agg, err = numeric.kl_quadrature_1d(w_used, m[:, 0], v[:, 0])
    avg = float(w_used @ np.array([impl.kl_standard(mi, vi) for mi, vi in zip(m[:, 0], v[:, 0])]))
    mu, var = impl.moments_1d(w_used, m[:, 0], v[:, 0])
    kl_g = float(impl.kl_standard(mu, var)) if var > 0 else float("inf")
    return float(kl_agg), float(err), avg, mu, var, kl_g, w_used


def check_chain_1d(impl: Impl, w, m, v) -> None:
    """KL(G || p) <= KL(q̄ || p) <= avg KL <= KL(q̄ || p) + H(w), H(w) <= log N (d = 1, exact).

    Theorem `chain`: theorem `moment_matching`, theorem `mixture_inequality`,
    theorem `mi_below_entropy`, theorem `entropy_below_log_n`.
    """
    _record("chain, d = 1, exact by quadrature", impl)
    kl_agg, err, avg, _, _, kl_g, w_used = _quantities_1d(impl, w, m, v)
    h = numeric.entropy_of_weights(w_used)
    tol = 1e-9 + 10 * err + 1e-12 * abs(avg)
    assert impl.le(kl_g, kl_agg + tol), ("KL(G||p) <= KL(qbar||p)", kl_g, kl_agg)
    assert impl.le(kl_agg, avg + tol), ("KL(qbar||p) <= avg KL", kl_agg, avg)
    assert impl.le(avg, kl_agg + h + tol), ("avg KL <= KL(qbar||p) + H(w)", avg, kl_agg, h)
    assert impl.le(h, np.log(len(w)) + 1e-12), ("H(w) <= log N", h)


def check_moment_matching_identity_1d(impl: Impl, w, m, v) -> None:
    """KL(q̄ || p) - KL(G || p) = KL(q̄ || G) for G with q̄'s mean and variance (d = 1).

    Theorem `moment_matching`, its hypothesis discharged by theorem `moments_match_1d`.
    """
    _record("moment matching: KL(qbar||p) - KL(G||p) == KL(qbar||G)", impl)
    kl_agg, err, _, mu, var, kl_g, w_used = _quantities_1d(impl, w, m, v)
    kl_to_g, err_g = numeric.kl_quadrature_1d(w_used, m[:, 0], v[:, 0], prior=Prior(mean=mu, var=var))
    scale = abs(kl_agg) + abs(kl_g) + 1
    assert abs((kl_agg - kl_g) - float(kl_to_g)) <= 1e-8 * scale + 10 * (err + float(err_g)), (kl_agg, kl_g, kl_to_g)


def check_gap_identity_1d(impl: Impl, w, m, v) -> None:
    """avg KL - KL(q̄ || p) = Σ_i w_i KL(q_i || q̄), and the pairwise bounds bracket KL(q̄ || p) (d = 1).

    Theorem `gap_identity`.
    """
    _record("gap identity and pairwise bounds, d = 1", impl)
    kl_agg, err, avg, _, _, _, w_used = _quantities_1d(impl, w, m, v)
    mi, err_mi = numeric.mutual_information_quadrature_1d(w_used, m[:, 0], v[:, 0])
    assert abs((avg - kl_agg) - float(mi)) <= 1e-8 * (1 + avg) + 10 * (err + float(err_mi)), (avg, kl_agg, mi)
    mix = numeric.DiagonalMixture(m, v, np.asarray(w_used))
    lower, upper = numeric.pairwise_bounds(mix)
    tol = 1e-9 * (1 + avg) + 10 * err
    assert impl.le(lower, kl_agg + tol) and impl.le(kl_agg, upper + tol), (lower, kl_agg, upper)


def check_chain_any_dimension(impl: Impl, w, m, v, seed: int) -> None:
    """Exact and deterministic links in any d; the Monte Carlo estimate inside the bounds within 5 standard errors.

    Theorem `chain`; the first link in any d is Hadamard's inequality (theorem `hadamard_2d` for d = 2).
    """
    _record("chain, any d: exact links, pairwise bounds, Monte Carlo within its error", impl)
    mix = numeric.DiagonalMixture(m, v, np.asarray(impl.weights(w)))
    kl_diag_g = numeric.moment_matched_kl(mix, diagonal=True)
    kl_g = numeric.moment_matched_kl(mix)
    avg = numeric.avg_kl(mix)
    lower, upper = numeric.pairwise_bounds(mix)
    h = numeric.entropy_of_weights(mix.weights)
    tol = 1e-9 * (1 + avg)
    assert impl.le(kl_diag_g, kl_g + tol), ("KL(diag G||p) <= KL(G||p)", kl_diag_g, kl_g)
    assert impl.le(kl_g, upper + tol), ("KL(G||p) <= upper bound", kl_g, upper)
    assert impl.le(lower, avg + tol) and impl.le(lower, upper + tol), (lower, avg, upper)
    assert impl.le(avg, upper + h + tol), ("avg KL <= upper + H(w)", avg, upper, h)
    est = numeric.kl_monte_carlo(mix, 2_000, np.random.default_rng(seed))
    assert lower - 5 * est.stderr - tol <= est.value <= upper + 5 * est.stderr + tol, (lower, est, upper)
