"""The numeric witness: every step evaluated at random admissible points.

Not trusted and never a proof: it can only *reject*.  The kernel calls it
after the symbolic check of a theorem; a step whose two sides disagree (or
are in the wrong order) at a point that satisfies the theorem's assumptions,
hypotheses and definitions fails the proof.  Symbols are drawn from their
declared domains (integer sizes 1..3, positive values in [0.3, 3], reals in
[-2, 2]); named densities become concrete Gaussians; KL terms become their
defining integrals, evaluated by quadrature.  float64 first; a comparison that
fails in float64 is redone with mpmath at 30 digits before it counts.
Seeded: the same theorem gets the same points on every run.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping, Sequence

import mpmath
import numpy as np
import sympy as sp
from scipy import integrate
from sympy.core.function import AppliedUndef

from .objects import KL, Density, Opaque

__all__ = ["POINTS", "witness_theorem", "surely_nonzero"]

#: Admissible points per step.
POINTS = 20
_TOL = 1e-7


class _Skip(Exception):
    """The expression cannot be evaluated at a concrete point."""


def surely_nonzero(expr: sp.Expr, rules: Sequence = ()) -> bool:
    """A fast rejection: ``expr`` is far from zero at one admissible point (never an acceptance).

    ``rules`` are the theorem's rewrite rules (``(lhs, rhs)``); weights that a
    rule makes sum to one get values that do.
    """
    if expr.has(sp.Integral, Opaque, sp.Derivative):
        return False
    env = _Env(np.random.default_rng(7), [sp.Eq(l, r, evaluate=False) for l, r in rules
                                         if isinstance(l, sp.Sum) and not isinstance(r, sp.Lambda)])
    try:
        value = env.value(expr, digits=30)
    except (_Skip, TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False
    return value is not None and abs(value) > 1e-6


class _Env:
    """One random admissible point: values of symbols, indexed bases and densities."""

    def __init__(self, rng: np.random.Generator, hyps: Sequence):
        self.rng, self.values, self.tables, self.densities = rng, {}, {}, {}
        self.normalized = {h.lhs.function.base: h.lhs.limits[0][1:] for h in hyps
                           if isinstance(h, sp.Equality) and isinstance(h.lhs, sp.Sum) and h.rhs == 1
                           and isinstance(h.lhs.function, sp.Indexed)}

    def symbol(self, s: sp.Symbol) -> sp.Expr:
        if s not in self.values:
            r = self.rng
            if s.is_integer:
                self.values[s] = sp.Integer(int(r.integers(1, 4)) if s.is_nonnegative else int(r.integers(-2, 4)))
            elif s.is_positive or s.is_nonnegative:
                self.values[s] = sp.Rational(int(r.integers(30, 300)), 100)
            else:
                self.values[s] = sp.Rational(int(r.integers(-200, 201)), 100)
        return self.values[s]

    def indexed(self, base: sp.IndexedBase, idx: tuple) -> sp.Expr:
        key = (base, idx)
        if key not in self.tables:
            if base in self.normalized:
                lo, hi = (int(self.fix(b)) for b in self.normalized[base])
                raw = {k: sp.Rational(int(self.rng.integers(10, 100)), 10) for k in range(lo, hi + 1)}
                total = sum(raw.values())
                for k, v in raw.items():
                    self.tables[(base, (sp.Integer(k),))] = v / total
                if key in self.tables:
                    return self.tables[key]
            pos = base.assumptions0.get("positive") or base.assumptions0.get("nonnegative")
            lo = 30 if pos else -200
            self.tables[key] = sp.Rational(int(self.rng.integers(lo, 300)), 100)
        return self.tables[key]

    def density(self, f: AppliedUndef) -> sp.Expr:
        if not getattr(f, "witnessable", True):
            raise _Skip(f"{f} is not a one-dimensional density")
        *idx, point = f.args
        key = (type(f), tuple(idx))
        if key not in self.densities:
            seed = zlib.crc32(repr(key).encode()) + int(self.rng.integers(1 << 30))
            r = np.random.default_rng(seed)
            self.densities[key] = (sp.Rational(int(r.integers(-150, 151)), 100), sp.Rational(int(r.integers(40, 250)), 100))
        mean, var = self.densities[key]
        return sp.exp(-(point - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)

    def fix(self, e: sp.Basic) -> sp.Basic:
        """Concrete values for every symbol, index, density and KL term of ``e`` (integrals stay)."""
        e = sp.sympify(e)
        for _ in range(4):
            ints = {s: self.symbol(s) for s in e.free_symbols if isinstance(s, sp.Symbol) and s.is_integer}
            e = e.xreplace(ints)
            e = e.replace(lambda x: isinstance(x, sp.Sum) and all(a.is_number for l in x.limits for a in l[1:]),
                          lambda x: x.doit())
            e = e.replace(lambda x: isinstance(x, sp.Indexed) and all(a.is_Integer for a in x.indices),
                          lambda x: self.indexed(x.base, x.indices))
            e = e.replace(lambda x: isinstance(x, KL), _kl_integral)
            e = e.replace(lambda x: isinstance(x, Density), self.density)
            bound = {l[0] for i in e.atoms(sp.Integral) for l in i.limits}
            e = e.xreplace({s: self.symbol(s) for s in e.free_symbols - bound if isinstance(s, sp.Symbol)
                            and not s.is_integer})
            if not e.free_symbols - bound and not e.has(sp.Sum, sp.Indexed, Density, KL):
                break
        e = e.doit() if e.has(sp.Derivative) else e
        if e.free_symbols or e.has(Opaque, sp.Indexed, AppliedUndef, sp.Sum):
            raise _Skip(str(e))
        return e

    def value(self, e: sp.Basic, digits: int = 0) -> complex:
        e = self.fix(e)
        e = e.replace(lambda x: isinstance(x, sp.Integral), lambda x: sp.Float(_quad(x, digits), max(digits, 17)))
        return complex(e.evalf(max(digits, 17)))


def _kl_integral(k: KL) -> sp.Integral:
    f, g = k.args
    vs = [sp.Dummy("u", real=True) for _ in f.signature]
    return sp.Integral(f(*vs) * sp.log(f(*vs) / g(*vs)), *[(v, -sp.oo, sp.oo) for v in vs])


def _quad(i: sp.Integral, digits: int) -> float:
    variables = [lim[0] for lim in i.limits]
    if any(len(lim) != 3 for lim in i.limits):
        raise _Skip("indefinite integral")
    bounds = [(float(lim[1]), float(lim[2])) for lim in i.limits]
    if digits:
        fn = sp.lambdify(variables, i.function, modules="mpmath")
        with mpmath.workdps(digits):
            return mpmath.quad(fn, *[[mpmath.mpf(a), mpmath.mpf(b)] for a, b in bounds])
    fn = sp.lambdify(variables, i.function, modules="numpy")
    if len(variables) == 1:
        val, _ = integrate.quad(fn, *bounds[0], limit=200, epsabs=1e-13, epsrel=1e-12)
    else:
        val, _ = integrate.nquad(lambda *a: fn(*a), bounds, opts={"epsabs": 1e-11, "epsrel": 1e-10})
    return val


def _unfold(e: sp.Basic, defs: Mapping) -> sp.Basic:
    for lhs, rhs in defs.items():
        if isinstance(lhs, (AppliedUndef, Density)):
            lam = sp.Lambda(lhs.args, rhs)
            e = e.replace(lambda x, h=type(lhs): type(x) is h, lambda x, lam=lam: lam(*x.args))
        else:
            e = e.xreplace({lhs: rhs})
    return e


def _gap(rel: sp.Basic, env: _Env, digits: int) -> tuple[str, complex, float]:
    lhs, rhs = env.value(rel.lhs, digits), env.value(rel.rhs, digits)
    scale = 1 + abs(lhs) + abs(rhs)
    if isinstance(rel, sp.Equality):
        return "eq", lhs - rhs, scale
    big_small = (lhs - rhs) if isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan)) else (rhs - lhs)
    return "ge", big_small, scale


def _fails(kind: str, gap: complex, scale: float) -> bool:
    if abs(gap.imag) > _TOL * scale:
        return True
    return abs(gap) > _TOL * scale if kind == "eq" else gap.real < -_TOL * scale


def _admissible(env: _Env, hyps: Mapping, defs: Mapping, ranges: Mapping) -> bool:
    for idx, (lo, hi) in ranges.items():
        lo_v, hi_v = int(env.fix(_unfold(lo, defs))), int(env.fix(_unfold(hi, defs)))
        if hi_v < lo_v:
            return False
        env.values[idx] = sp.Integer(int(env.rng.integers(lo_v, hi_v + 1)))
    for h in hyps.values():  # an equation hypothesis with a lone symbol on the left is solved for it
        h = _unfold(h, defs)
        if isinstance(h, sp.Equality) and not isinstance(h.lhs, sp.Sum):
            free = [s for s in sp.ordered(h.lhs.free_symbols) if s not in env.values and not s.is_integer]
            if free:
                target = free[0]
                rest = env.fix(h.rhs)
                others = env.fix(h.lhs.xreplace({target: sp.Symbol("_w")})) if h.lhs != target else None
                if others is not None:
                    sol = sp.solve(sp.Eq(h.lhs.xreplace({target: sp.Symbol("_w")}), h.rhs).xreplace(
                        {s: env.values[s] for s in h.lhs.free_symbols if s in env.values}), sp.Symbol("_w"))
                    sol = [s for s in sol if s.is_real]
                    if not sol:
                        return False
                    rest = env.fix(sol[0])
                if (target.is_positive and not rest > 0) or (target.is_nonnegative and not rest >= 0):
                    return False
                env.values[target] = rest
        kind, gap, scale = _gap(h, env, 0)
        if _fails(kind, gap, scale) or (isinstance(h, (sp.StrictGreaterThan, sp.StrictLessThan)) and gap.real <= 0):
            return False
    return True


def witness_theorem(hyps: Mapping, defs: Mapping, ranges: Mapping, steps: Sequence[tuple[str, sp.Basic]],
                    points: int = POINTS, seed: int = 0) -> Iterator[tuple[str, int, str]]:
    """Yield ``(label, points evaluated, problem)`` per step; ``problem`` is '' unless the step fails."""
    rng = np.random.default_rng(seed + zlib.crc32(repr([s for _, s in steps]).encode()) % (1 << 20))
    envs = []
    for _ in range(points * 5):
        if len(envs) == points:
            break
        env = _Env(rng, list(hyps.values()))
        try:
            if _admissible(env, hyps, defs, ranges):
                envs.append(env)
        except (_Skip, TypeError, ValueError, ZeroDivisionError, OverflowError, NotImplementedError):
            break
    for label, rel in steps:
        rel = _unfold(rel, defs)
        done, problem = 0, ""
        for env in envs:
            try:
                kind, gap, scale = _gap(rel, env, 0)
                if _fails(kind, gap, scale):
                    kind, gap, scale = _gap(rel, env, 30)
            except (_Skip, TypeError, ValueError, ZeroDivisionError, OverflowError, NotImplementedError):
                break
            if _fails(kind, gap, scale):
                point = {str(k): str(v) for k, v in env.values.items()}
                problem = (f"the sides {'differ' if kind == 'eq' else 'are in the wrong order'} by "
                           f"{gap.real:.3g} at {point}")
                break
            done += 1
        yield label, done, problem
