"""Numeric spot-checks of the d-dimensional derivations: every step evaluated at random matrices.

The kernel's witness does not evaluate matrices of symbolic size, so this file does it for the theorems
of :mod:`proofs.covariance`, ``moments_match_d`` and the chains: d and N take the values 1, 2 and 3, every
symmetric positive-definite matrix symbol a random one (A = L L' + I/2 for a Gaussian L), every other
symbol a random value from its declared domain (an index one in every range, mixture weights normalized to
sum to one as the hypothesis says), and each step's two sides are evaluated.  Traces,
determinants, forms, diagonal entries and eigenvalues are computed with numpy; expectations under a
Gaussian and KL divergences by Monte Carlo from a seeded generator, all expectations under one Gaussian
with the same draws.  A step passes when its sides agree (or are ordered) within five standard errors of
their Monte Carlo parts plus 1e-9 relative.  Evidence, never a proof: a step that fails here is wrong.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from proofs.chain import CHAIN, CHAIN_DIAGONAL_PRIOR
from proofs.covariance import COVARIANCE_THEOREMS
from proofs.kernel import subst
from proofs.matrices import (ColumnFamily, Corr, Det, Diag, DiagEntry, Eigenvalue, ExpectedForm, ExpectedLogDensity,
                             Form, MixtureCov, MixtureMean, NormalFull, SPDFamily, SPDMatrix, Tr, Vec)
from proofs.moments import MOMENTS_MATCH_D
from proofs.objects import KL, Density

DRAWS = 40_000


class NoValue(Exception):
    """A part of an expression this evaluator does not compute (an integral of a mixture, a named density)."""


class Value:
    """A number with the standard error of its Monte Carlo part."""

    def __init__(self, x: float, se: float = 0.0):
        self.x, self.se = float(x), float(se)

    def __add__(self, o):
        return Value(self.x + o.x, np.hypot(self.se, o.se))

    def __mul__(self, o):
        return Value(self.x * o.x, np.hypot(self.se * abs(o.x), o.se * abs(self.x)))


class Point:
    """Random values for the symbols of a theorem at one choice of d and N."""

    def __init__(self, rng: np.random.Generator, sizes: dict, weights: sp.IndexedBase | None = None,
                 count: sp.Symbol | None = None, draws: int = DRAWS):
        self.rng, self.sizes, self.cache, self.draws, self.n = rng, sizes, {}, {}, draws
        self.weights, self.count = weights, count  # weights that a hypothesis makes sum to one over 1..count

    def scalar(self, s: sp.Symbol, index=()) -> float:
        if s in self.sizes:
            return float(self.sizes[s])
        if s == self.weights and index:
            raw = [self.scalar(sp.IndexedBase("raw_" + s.name, positive=True), (k,))
                   for k in range(1, self.sizes[self.count] + 1)]
            return raw[index[0] - 1] / sum(raw) if 1 <= index[0] <= len(raw) else 0.0
        key = (s, index)
        if isinstance(s, sp.Symbol) and s.is_integer:  # an index: a value every range here contains
            if key not in self.cache:
                self.cache[key] = float(self.rng.integers(1, min(self.sizes.values()) + 1))
            return self.cache[key]
        if key not in self.cache:
            positive = s.is_positive or (isinstance(s, sp.IndexedBase) and s.assumptions0.get("positive"))
            self.cache[key] = float(self.rng.uniform(0.3, 3.0) if positive else self.rng.uniform(-2.0, 2.0))
        return self.cache[key]

    def spd(self, key, n: int) -> np.ndarray:
        if key not in self.cache:
            L = self.rng.normal(size=(n, n))
            self.cache[key] = L @ L.T + 0.5 * np.eye(n)
        return self.cache[key]

    def plain(self, key, rows: int, cols: int) -> np.ndarray:
        if key not in self.cache:
            self.cache[key] = self.rng.normal(size=(rows, cols))
        return self.cache[key]

    def gaussian_draws(self, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
        key = (mean.tobytes(), cov.tobytes())
        if key not in self.draws:
            self.draws[key] = self.rng.multivariate_normal(mean.ravel(), cov, size=self.n)
        return self.draws[key]


def _int(e, pt: Point, env: dict) -> int:
    v = scalar(e, pt, env)
    if v.se or abs(v.x - round(v.x)) > 1e-9:
        raise NoValue(f"{e} is not an integer")
    return int(round(v.x))


def matrix(M: sp.Basic, pt: Point, env: dict) -> np.ndarray:
    """A matrix expression as a numpy array."""
    if isinstance(M, SPDMatrix):
        return pt.spd(M.name, _int(M.shape[0], pt, env))
    if isinstance(M, SPDFamily):
        return pt.spd((M.args[0].name, _int(M.args[1], pt, env)), _int(M.args[2], pt, env))
    if isinstance(M, ColumnFamily):
        return pt.plain((M.args[0].name, _int(M.args[1], pt, env)), _int(M.args[2], pt, env), 1)
    if isinstance(M, sp.MatrixSymbol):
        return pt.plain(M.name, _int(M.shape[0], pt, env), _int(M.shape[1], pt, env))
    if isinstance(M, sp.Identity):
        return np.eye(_int(M.shape[0], pt, env))
    if isinstance(M, sp.ZeroMatrix):
        return np.zeros((_int(M.shape[0], pt, env), _int(M.shape[1], pt, env)))
    if isinstance(M, (Diag, Vec)):
        f, n = M.args
        entries = [scalar(f(k), pt, env).x for k in range(1, _int(n, pt, env) + 1)]
        return np.diag(entries) if isinstance(M, Diag) else np.array(entries)[:, None]
    if isinstance(M, Corr):
        A = matrix(M.args[0], pt, env)
        s = 1 / np.sqrt(np.diag(A))
        return A * s[:, None] * s[None, :]
    if isinstance(M, (MixtureMean, MixtureCov)):
        weights, means, *rest, size = M.args
        n = _int(size, pt, env)
        w = np.array([pt.scalar(weights, (k,)) for k in range(1, n + 1)])
        w = w / w.sum()
        ms = [matrix(means(k), pt, env) for k in range(1, n + 1)]
        mbar = sum(wk * mk for wk, mk in zip(w, ms))
        if isinstance(M, MixtureMean):
            return mbar
        Ss = [matrix(rest[0](k), pt, env) for k in range(1, n + 1)]
        return sum(wk * (Sk + mk @ mk.T) for wk, Sk, mk in zip(w, Ss, ms)) - mbar @ mbar.T
    if isinstance(M, sp.Inverse):
        return np.linalg.inv(matrix(M.arg, pt, env))
    if isinstance(M, sp.MatMul):
        out = None
        for a in M.args:
            x = matrix(a, pt, env) if isinstance(a, sp.MatrixExpr) else scalar(a, pt, env).x
            out = x if out is None else out @ x if isinstance(x, np.ndarray) and isinstance(out, np.ndarray) else out * x
        return out
    if isinstance(M, sp.MatAdd):
        return sum(matrix(a, pt, env) for a in M.args)
    if isinstance(M, sp.Transpose):
        return matrix(M.arg, pt, env).T
    raise NoValue(f"no numeric value for the matrix {M}")


def _log_pdf(z: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    n = cov.shape[0]
    diff = z - mean.ravel()
    sol = np.linalg.solve(cov, diff.T).T
    return -0.5 * (n * np.log(2 * np.pi) + np.linalg.slogdet(cov)[1] + np.sum(diff * sol, axis=1))


def _mc(values: np.ndarray) -> Value:
    return Value(values.mean(), values.std(ddof=1) / np.sqrt(len(values)))


def _gaussian(lam: sp.Lambda, pt: Point, env: dict) -> tuple[np.ndarray, np.ndarray]:
    body = lam.expr
    if not isinstance(body, NormalFull):
        raise NoValue(f"{lam} is not a Gaussian on R^d")
    return matrix(body.args[0], pt, env), matrix(body.args[1], pt, env)


def scalar(e: sp.Basic, pt: Point, env: dict) -> Value:
    """A scalar expression as a :class:`Value`."""
    if e.is_Number:
        return Value(float(e))
    if e in env:
        return Value(env[e])
    if isinstance(e, sp.Symbol):
        return Value(pt.scalar(e))
    if isinstance(e, sp.Indexed):
        return Value(pt.scalar(e.base, tuple(_int(k, pt, env) for k in e.indices)))
    if e == sp.pi:
        return Value(np.pi)
    if isinstance(e, sp.Add):
        out = Value(0.0)
        for a in e.args:
            out = out + scalar(a, pt, env)
        return out
    if isinstance(e, sp.Mul):
        out = Value(1.0)
        for a in e.args:
            out = out * scalar(a, pt, env)
        return out
    if isinstance(e, sp.Pow):
        base = scalar(e.base, pt, env)
        p = float(e.exp)
        return Value(base.x ** p, abs(p * base.x ** (p - 1)) * base.se)
    if isinstance(e, sp.log):
        v = scalar(e.args[0], pt, env)
        return Value(np.log(v.x), v.se / abs(v.x))
    if isinstance(e, sp.Sum):
        (k, lo, hi), = e.limits
        out = Value(0.0)
        for val in range(_int(lo, pt, env), _int(hi, pt, env) + 1):
            out = out + scalar(e.function, pt, {**env, k: float(val)})
        return out
    if isinstance(e, Tr):
        return Value(np.trace(matrix(e.args[0], pt, env)))
    if isinstance(e, Det):
        return Value(np.linalg.det(matrix(e.args[0], pt, env)))
    if isinstance(e, Form):
        x, A, y = (matrix(a, pt, env) for a in e.args)
        return Value((x.T @ A @ y).item())
    if isinstance(e, DiagEntry):
        return Value(matrix(e.args[0], pt, env)[_int(e.args[1], pt, env) - 1, _int(e.args[1], pt, env) - 1])
    if isinstance(e, Eigenvalue):
        return Value(np.sort(np.linalg.eigvalsh(matrix(e.args[0], pt, env)))[_int(e.args[1], pt, env) - 1])
    if isinstance(e, (ExpectedForm, ExpectedLogDensity)):
        first, second, m, S = (matrix(a, pt, env) for a in e.args)
        z = pt.gaussian_draws(m, S)
        if isinstance(e, ExpectedLogDensity):
            return _mc(_log_pdf(z, first, second))
        diff = z - second.ravel()
        return _mc(np.einsum("ij,jk,ik->i", diff, first, diff))
    if isinstance(e, KL):
        (mf, Sf), (mg, Sg) = _gaussian(e.args[0], pt, env), _gaussian(e.args[1], pt, env)
        z = pt.gaussian_draws(mf, Sf)
        return _mc(_log_pdf(z, mf, Sf) - _log_pdf(z, mg, Sg))
    if isinstance(e, sp.Integral):
        (x, lo, hi), = e.limits
        f = e.function
        parts = [a for a in sp.Mul.make_args(f)]
        dens = [a for a in parts if isinstance(a, NormalFull) and a.args[-1] == x]
        logs = [a for a in parts if isinstance(a, sp.log)]
        if len(parts) != 2 or len(dens) != 1 or len(logs) != 1:
            raise NoValue(f"an integral this evaluator does not compute: {e}")
        m, S = matrix(dens[0].args[0], pt, env), matrix(dens[0].args[1], pt, env)
        z = pt.gaussian_draws(m, S)
        total = np.zeros(len(z))
        for factor in sp.Mul.make_args(logs[0].args[0]):  # log of a ratio of Gaussians: a sum of log-densities
            g, power = factor.as_base_exp()
            if not isinstance(g, NormalFull) or power not in (1, -1):
                raise NoValue(f"an integral this evaluator does not compute: {e}")
            total += int(power) * _log_pdf(z, matrix(g.args[0], pt, env), matrix(g.args[1], pt, env))
        return _mc(total)
    if isinstance(e, (Density, AppliedUndef)):
        raise NoValue(f"a named density {e}")
    raise NoValue(f"no numeric value for {e}")


def _unfold(rel: sp.Basic, definitions: dict) -> sp.Basic:
    rules = {}
    for lhs, rhs in definitions.items():
        rules[type(lhs)] = sp.Lambda(lhs.args, rhs)
    return subst(rel, rules)


THEOREMS_D = (*COVARIANCE_THEOREMS, MOMENTS_MATCH_D, CHAIN, CHAIN_DIAGONAL_PRIOR)


def evaluable(theorem, step) -> bool:
    """No integral of a mixture and no KL term but between two Gaussians on R^d (after the definitions)."""
    rel = _unfold(step.statement, theorem.definitions)
    if any(i.function.has(sp.Sum) for i in rel.atoms(sp.Integral)):
        return False
    return all(isinstance(f.expr, NormalFull) for k in rel.atoms(KL) for f in k.args)


def _steps():
    for theorem in THEOREMS_D:
        for step in theorem.steps:
            if evaluable(theorem, step):
                yield pytest.param(theorem, step, id=f"{theorem.name}-{step.label}")


def test_which_steps_are_evaluated():
    """52 of the 74 steps; the others hold a mixture's integral or KL term, or the diagonal KL of ``kl_diagonal``."""
    steps = [(t, s) for t in THEOREMS_D for s in t.steps]
    assert (len(steps), sum(evaluable(t, s) for t, s in steps)) == (74, 52)


@pytest.mark.parametrize(("theorem", "step"), list(_steps()))
def test_step_holds_at_random_matrices(theorem, step):
    from proofs.dimension import d
    from proofs.mixture import N, w

    rel = _unfold(step.statement, theorem.definitions)
    rng = np.random.default_rng(zlib.crc32(f"{theorem.name}:{step.label}".encode()))
    checked = 0
    for dim, size in ((1, 1), (2, 3), (3, 2)):
        pt = Point(rng, {d: dim, N: size}, w, N)
        lhs, rhs = scalar(rel.lhs, pt, {}), scalar(rel.rhs, pt, {})
        gap, tol = lhs.x - rhs.x, 5 * np.hypot(lhs.se, rhs.se) + 1e-9 * (1 + abs(lhs.x) + abs(rhs.x))
        if isinstance(rel, sp.Equality):
            assert abs(gap) <= tol, f"d = {dim}, N = {size}: {lhs.x} != {rhs.x} (tolerance {tol:.3g})"
        elif isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan)):
            assert gap >= -tol, f"d = {dim}, N = {size}: {lhs.x} < {rhs.x}"
        else:
            assert gap <= tol, f"d = {dim}, N = {size}: {lhs.x} > {rhs.x}"
        checked += 1
    assert checked == 3


def _fails_somewhere(theorem, rel, draws: int = 200_000) -> bool:
    from proofs.dimension import d
    from proofs.mixture import N, w

    rng = np.random.default_rng(7)
    for dim, size in ((1, 1), (2, 3), (3, 2)):
        pt = Point(rng, {d: dim, N: size}, w, N, draws)
        rel_ = _unfold(rel, theorem.definitions)
        lhs, rhs = scalar(rel_.lhs, pt, {}), scalar(rel_.rhs, pt, {})
        gap, tol = lhs.x - rhs.x, 5 * np.hypot(lhs.se, rhs.se) + 1e-9 * (1 + abs(lhs.x) + abs(rhs.x))
        if isinstance(rel_, sp.Equality) and abs(gap) > tol or \
                isinstance(rel_, sp.GreaterThan) and gap < -tol or isinstance(rel_, sp.LessThan) and gap > tol:
            return True
    return False


def test_the_spot_check_can_fail():
    """The wrong variants of tests/test_covariance.py fail numerically too.

    With 200,000 draws: the covariance's effect on the KL (about 0.1 nats at d = 3 here) must stand out of the
    Monte Carlo noise of two KL estimates.
    """
    from tests.test_covariance import WRONG

    for slip, (theorem, rel) in WRONG.items():
        assert _fails_somewhere(theorem, rel), slip
