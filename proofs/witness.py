"""The numeric witness: every step evaluated at random admissible points.

Not trusted and never a proof: it can only *reject*.  The kernel calls it
after the symbolic check of a theorem; a step whose two sides disagree (or
are in the wrong order) at a point that satisfies the theorem's assumptions,
hypotheses and definitions fails the proof.  Symbols are drawn from their
declared domains (integer sizes 1..3, positive values in [0.3, 3], reals in
[-2, 2]); named densities become Gaussians with random parameters; KL terms
become their defining integrals, evaluated by quadrature.  float64 first; a
comparison that fails in float64 is redone with mpmath at 30 digits before it
counts.  Seeded: the same theorem gets the same points on every run.

A step is compiled once per choice of the integer sizes: sums are expanded,
indexed values and density parameters become plain parameters, and every
integral becomes a lambdified integrand.
"""

from __future__ import annotations

import functools
import warnings
import zlib
from collections.abc import Iterator, Mapping, Sequence

import mpmath
import numpy as np
import sympy as sp
from scipy import integrate
from sympy.core.function import AppliedUndef

from .objects import KL, Density, KLNormal, Opaque

__all__ = ["POINTS", "witness_theorem", "surely_nonzero"]

#: Admissible points per step.
POINTS = 20
#: Choices of the integer sizes per theorem (each is compiled once; the real values differ at every point).
_SIZES = 3
_TOL = 1e-7  # relative; quadrature in float64 is good to about 1e-12
_ERRORS = (TypeError, ValueError, ZeroDivisionError, OverflowError, NotImplementedError, AttributeError,
           KeyError, IndexError, RecursionError)


class _Skip(Exception):
    """The expression cannot be evaluated at a concrete point."""


def _param(name: str, positive: bool) -> sp.Symbol:
    return sp.Symbol(f"_wit_{name}", positive=True) if positive else sp.Symbol(f"_wit_{name}", real=True)


def _concrete(e: sp.Basic, ints: tuple) -> tuple[sp.Basic, list]:
    """``e`` with integers substituted, sums expanded, indexed values and densities as parameters."""
    from .kernel import subst  # bound indices stay bound

    e = subst(e, dict(ints))
    def expand(x):  # term by term: sympy's Sum.doit looks for closed forms and is slow
        (idx, lo, hi), = x.limits
        return sp.Add(*[subst(x.function, {idx: sp.Integer(k)}) for k in range(int(lo), int(hi) + 1)])

    for _ in range(3):
        e = e.replace(lambda x: isinstance(x, sp.Sum) and len(x.limits) == 1
                      and all(a.is_Integer for a in x.limits[0][1:]), expand)
    params: dict[sp.Symbol, tuple] = {}

    def indexed(x):
        if not all(a.is_Integer for a in x.indices):
            raise _Skip(f"symbolic index in {x}")
        pos = bool(x.base.assumptions0.get("positive") or x.base.assumptions0.get("nonnegative"))
        s = _param(f"{x.base}_{'_'.join(map(str, x.indices))}", pos)
        params[s] = ("indexed", x.base, x.indices, pos)
        return s

    def density(x):
        if not getattr(x, "witnessable", True):
            raise _Skip(f"{x} is a density on a block of coordinates")
        *idx, point = x.args
        if not all(sp.sympify(a).is_Integer for a in idx):
            raise _Skip(f"symbolic index in {x}")
        tag = f"{type(x).__name__}_{'_'.join(map(str, idx))}"
        mean, var = _param("mean_" + tag, False), _param("var_" + tag, True)
        params[mean] = ("mean", type(x), tuple(idx))
        params[var] = ("var", type(x), tuple(idx))
        return sp.exp(-(point - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)

    e = e.replace(lambda x: isinstance(x, sp.Indexed), indexed)
    e = e.replace(lambda x: isinstance(x, KL), _kl_integral)
    e = e.replace(lambda x: isinstance(x, KLNormal), _kl_normal)
    e = e.replace(lambda x: isinstance(x, Density), density)
    if e.has(sp.Derivative):
        e = e.doit(deep=True, integrals=False) if not e.has(sp.Integral) else e
    if e.has(Opaque, sp.Indexed, AppliedUndef, sp.Sum, sp.Derivative, sp.Lambda):
        raise _Skip("an object with no numeric value")
    return e, sorted(params.items(), key=lambda kv: kv[0].name)


def _kl_normal(k: KLNormal) -> sp.Expr:
    """KL(N(m, S) || N(0, I)) by the textbook formula (tr S + m'm - d - log det S)/2 (Kullback 1959)."""
    mean, cov = k.args
    return (cov.trace() + (mean.T * mean)[0, 0] - cov.shape[0] - sp.log(cov.det())) / 2


def _kl_integral(k: KL) -> sp.Integral:
    f, g = k.args
    vs = [sp.Dummy("u", real=True) for _ in f.signature]
    return sp.Integral(f(*vs) * sp.log(f(*vs) / g(*vs)), *[(v, -sp.oo, sp.oo) for v in vs])


class _Compiled:
    """A concrete expression as: integrals (lambdified integrands) and an outer function of their values."""

    def __init__(self, e: sp.Basic, params: list, free: list):
        self.params, self.free = params, free
        self.args = [p for p, _ in params] + free
        self.integrals = []
        holes = {}
        for k, integral in enumerate(sorted(e.atoms(sp.Integral), key=sp.default_sort_key)):
            if len(integral.limits) != 1 or len(integral.limits[0]) != 3 or integral.function.has(sp.Integral):
                raise _Skip("only single definite integrals are evaluated")
            variables = [lim[0] for lim in integral.limits]
            body = sp.expand_log(integral.function, force=True)
            bounds = [(lim[1], lim[2]) for lim in integral.limits]
            self.integrals.append((variables, body, bounds))
            holes[integral] = sp.Symbol(f"_wit_I{k}")
        self.outer = e.xreplace(holes)
        self.holes = list(holes.values())

    @functools.cached_property
    def numeric(self):
        ins = [(sp.lambdify(v + self.args, b, "numpy"), b) for v, b, _ in self.integrals]
        return ins, sp.lambdify(self.holes + self.args, self.outer, "numpy")

    @functools.cached_property
    def precise(self):
        ins = [sp.lambdify(v + self.args, b, "mpmath") for v, b, _ in self.integrals]
        return ins, sp.lambdify(self.holes + self.args, self.outer, "mpmath")

    def value(self, values: list, digits: int = 0) -> complex:
        if digits and self.integrals:  # quadrature again in float64, finer (mpmath quadrature is too slow here)
            ins, outer = self.numeric
            ins = [(_tails(f), b) for f, b in ins]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                vals = [integrate.quad(f, -np.inf, 0, args=tuple(values), limit=500, epsabs=1e-15, epsrel=1e-13)[0]
                        + integrate.quad(f, 0, np.inf, args=tuple(values), limit=500, epsabs=1e-15, epsrel=1e-13)[0]
                        for (f, _), (_, _, bounds) in zip(ins, self.integrals)]
                return complex(outer(*vals, *values))
        if digits:
            ins, outer = self.precise
            with mpmath.workdps(digits):
                vals = [mpmath.quad(lambda *x, f=f: f(*x, *values),
                                    *[[float(a), float(b)] for a, b in bounds])
                        for f, (_, _, bounds) in zip(ins, self.integrals)]
                return complex(outer(*vals, *values))
        ins, outer = self.numeric
        vals = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for (f, _), (variables, _, bounds) in zip(ins, self.integrals):
                lims = [(float(a), float(b)) for a, b in bounds]
                if lims[0] == (-np.inf, np.inf):  # Simpson's rule on [-14, 14]: the densities here have sd <= 1.6
                    y = np.broadcast_to(np.asarray(f(_GRID, *values), dtype=complex), _GRID.shape)
                    y = np.where(np.isfinite(y) | (np.abs(_GRID) <= 12), y, 0)
                    vals.append(integrate.simpson(y, x=_GRID))
                else:
                    vals.append(integrate.quad(f, *lims[0], args=tuple(values), limit=200, epsabs=1e-13, epsrel=1e-12)[0])
            return complex(outer(*vals, *values))


_GRID = np.linspace(-14.0, 14.0, 4001)


def _tails(f):
    """``f`` with 0 where it underflows to nan far out (|x| > 12, where every density here is below 1e-30)."""
    def g(x, *args):
        v = f(x, *args)
        return 0.0 if abs(x) > 12 and not np.isfinite(v) else v
    return g


class _Point:
    """One admissible point: integer sizes, real values, indexed tables, density parameters."""

    def __init__(self, rng: np.random.Generator, ints: dict, reals: dict):
        self.rng, self.ints, self.reals, self.tables = rng, ints, reals, {}

    def param(self, key: tuple, normalized: Mapping) -> float:
        if key not in self.tables:
            kind = key[0]
            r = self.rng
            if kind == "indexed":
                _, base, idx, pos = key
                if base in normalized:
                    lo, hi = normalized[base]
                    lo, hi = int(sp.sympify(lo).xreplace(self.ints)), int(sp.sympify(hi).xreplace(self.ints))
                    raw = r.uniform(1, 10, hi - lo + 1)
                    for k, v in zip(range(lo, hi + 1), raw / raw.sum()):
                        self.tables[("indexed", base, (sp.Integer(k),), pos)] = float(v)
                    if key in self.tables:
                        return self.tables[key]
                self.tables[key] = float(r.uniform(0.3, 3.0) if pos else r.uniform(-2.0, 2.0))
            elif kind == "mean":
                self.tables[key] = float(r.uniform(-1.5, 1.5))
            else:
                self.tables[key] = float(r.uniform(0.4, 2.5))
        return self.tables[key]


def _ints(e: sp.Basic) -> list[sp.Symbol]:
    return sorted((s for s in e.free_symbols if isinstance(s, sp.Symbol) and s.is_integer), key=str)


def _normalized(hyps: Sequence) -> dict:
    return {h.lhs.function.base: h.lhs.limits[0][1:] for h in hyps if isinstance(h, sp.Equality)
            and isinstance(h.lhs, sp.Sum) and h.rhs == 1 and isinstance(h.lhs.function, sp.Indexed)}


def surely_nonzero(expr: sp.Expr, rules: Sequence = ()) -> bool:
    """A fast rejection: ``expr`` is far from zero at one admissible point (never an acceptance).

    ``rules`` are the theorem's rewrite rules (``(lhs, rhs)``); weights that a
    rule makes sum to one get values that do.
    """
    if expr.has(sp.Integral, Opaque, sp.Derivative):
        return False
    normalized = _normalized([sp.Eq(lhs, rhs, evaluate=False) for lhs, rhs in rules
                              if isinstance(lhs, sp.Sum) and not isinstance(rhs, sp.Lambda)])
    rng = np.random.default_rng(7)
    ints = {s: sp.Integer(3) for s in _ints(expr)}
    try:
        e, params = _concrete(expr, tuple(ints.items()))
        pt = _Point(rng, ints, {})
        values = {p: sp.Float(pt.param(key, normalized), 30) for p, key in params}
        for k, s in enumerate(sorted(e.free_symbols - set(values), key=str)):
            values[s] = sp.Rational(7 + 3 * k, 11) if s.is_positive or s.is_nonnegative else sp.Rational(-5 + 3 * k, 13)
        value = complex(e.xreplace(values).evalf(30))
    except (_Skip, *_ERRORS):
        return False
    return abs(value) > 1e-6


def _unfold(e: sp.Basic, defs: Mapping) -> sp.Basic:
    from .kernel import subst  # capture-free

    return subst(e, {(type(lhs) if isinstance(lhs, (AppliedUndef, Density)) else lhs):
                     (sp.Lambda(lhs.args, rhs) if isinstance(lhs, (AppliedUndef, Density)) else rhs)
                     for lhs, rhs in defs.items()})


class _Evaluator:
    """Compiles and evaluates relations at the points of one theorem."""

    def __init__(self, hyps: Mapping, defs: Mapping):
        self.defs, self.normalized = defs, _normalized(list(hyps.values()))
        self.cache: dict = {}

    def compiled(self, e: sp.Basic, pt: _Point) -> _Compiled:
        key = (e, tuple(sorted((str(k), v) for k, v in pt.ints.items())))
        if key not in self.cache:
            try:
                ce, params = _concrete(e, tuple(pt.ints.items()))
                bound = {lim[0] for i in ce.atoms(sp.Integral) for lim in i.limits}
                free = sorted(ce.free_symbols - bound - {p for p, _ in params}, key=str)
                self.cache[key] = _Compiled(ce, params, free)
            except (_Skip, *_ERRORS) as exc:
                self.cache[key] = _Skip(str(exc))
        got = self.cache[key]
        if isinstance(got, _Skip):
            raise got
        return got

    def value(self, e: sp.Basic, pt: _Point, digits: int = 0) -> complex:
        c = self.compiled(e, pt)
        values = [pt.param(key, self.normalized) for _, key in c.params]
        for s in c.free:
            if s not in pt.reals:
                raise _Skip(f"no value for {s}")
            values.append(pt.reals[s])
        return c.value(values, digits)

    def gap(self, rel: sp.Basic, pt: _Point, digits: int = 0) -> tuple[str, complex, float]:
        lhs, rhs = self.value(rel.lhs, pt, digits), self.value(rel.rhs, pt, digits)
        scale = 1 + abs(lhs) + abs(rhs)
        if isinstance(rel, sp.Equality):
            return "eq", lhs - rhs, scale
        return "ge", (lhs - rhs) if isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan)) else (rhs - lhs), scale


def _fails(kind: str, gap: complex, scale: float, tol: float = _TOL) -> bool:
    """Relative to the sides, with an absolute floor (1e-10 for quadrature, 1e-15 at 30 digits)."""
    scale = scale - 1 + 1e-3
    if not np.isfinite(gap) or abs(gap.imag) > tol * scale:
        return True
    return abs(gap) > tol * scale if kind == "eq" else gap.real < -tol * scale


def _draw_ints(rng, symbols: list, smallest: int = 0) -> dict:
    """Integer sizes from their domain (1..3, 0..3 or -2..3); ``smallest`` 1: the boundary (1 or 0), 2: -1 or 2."""
    ints = {}
    for s in symbols:
        if s.is_integer:
            low = 1 if s.is_positive else 0 if s.is_nonnegative else -2
            ints[s] = sp.Integer({0: int(rng.integers(low, 4)), 1: max(low, 0), 2: -1 if low < 0 else 2}[smallest])
    return ints


def _sample(rng, ev: _Evaluator, hyps: Mapping, ranges: Mapping, symbols: list, ints: dict) -> _Point | None:
    ints, reals = dict(ints), {}
    for idx, (lo, hi) in ranges.items():
        lo_v, hi_v = int(sp.sympify(lo).xreplace(ints)), int(sp.sympify(hi).xreplace(ints))
        if hi_v < lo_v:
            return None
        ints[idx] = sp.Integer(int(rng.integers(lo_v, hi_v + 1)))
    for s in symbols:
        if not s.is_integer:
            reals[s] = float(rng.uniform(0.3, 3.0) if (s.is_positive or s.is_nonnegative) else rng.uniform(-2, 2))
    pt = _Point(rng, ints, reals)
    for h in hyps.values():  # 'symbol = expression' is solved for the symbol; then every hypothesis must hold
        h = _unfold(h, ev.defs)
        if isinstance(h, sp.Equality) and isinstance(h.lhs, sp.Symbol) and h.lhs in reals:
            reals[h.lhs] = ev.value(h.rhs, pt).real
        elif isinstance(h, sp.Equality) and h.lhs.is_Add and not h.lhs.has(sp.Sum):
            target = next((s for s in sp.ordered(h.lhs.free_symbols) if s in reals and sp.degree(h.lhs, s) == 1), None)
            if target is not None:
                rest = h.lhs - sp.Poly(h.lhs, target).coeff_monomial(target) * target
                reals[target] = (ev.value(h.rhs, pt) - ev.value(rest, pt)).real / float(
                    sp.Poly(h.lhs, target).coeff_monomial(target).xreplace({k: v for k, v in reals.items()}))
        elif isinstance(h, (sp.GreaterThan, sp.StrictGreaterThan, sp.LessThan, sp.StrictLessThan)) and \
                isinstance(h.lhs, sp.Symbol) and h.lhs in reals and h.lhs not in h.rhs.free_symbols:
            bound = ev.value(h.rhs, pt).real
            up = isinstance(h, (sp.GreaterThan, sp.StrictGreaterThan))
            reals[h.lhs] = bound + (1 if up else -1) * float(rng.uniform(0.0, 2.0))
        for s in symbols:
            if s in reals and s.is_positive and not reals[s] > 0:
                return None
        kind, gap, scale = ev.gap(h, pt)
        if _fails(kind, gap, scale) or (isinstance(h, (sp.StrictGreaterThan, sp.StrictLessThan)) and gap.real <= 0):
            return None
    return pt


def witness_theorem(hyps: Mapping, defs: Mapping, ranges: Mapping, steps: Sequence[tuple[str, sp.Basic]],
                    points: int = POINTS, seed: int = 0) -> Iterator[tuple[str, int, str]]:
    """Yield ``(label, points evaluated, problem)`` per step; ``problem`` is '' unless the step fails."""
    ev = _Evaluator(hyps, defs)
    rels = [(label, _unfold(rel, defs)) for label, rel in steps]
    everything = [*(r for _, r in rels), *(_unfold(h, defs) for h in hyps.values())]
    bound = set()
    for e in everything:
        for obj in e.atoms(sp.Sum, sp.Integral, sp.Lambda):
            bound |= set(obj.signature if isinstance(obj, sp.Lambda) else (lim[0] for lim in obj.limits))
    symbols = sorted(set().union(*(e.free_symbols for e in everything)), key=str)
    symbols = [s for s in symbols if isinstance(s, sp.Symbol)]
    rng = np.random.default_rng(seed + zlib.crc32(repr(sorted(map(str, symbols))).encode()))
    pts = []
    sizes = [_draw_ints(rng, symbols, smallest=(1, 0, 2)[k % 3]) for k in range(_SIZES)]  # each compiled once
    if len(sizes) > 1 and sizes[0] == sizes[1]:
        sizes[1] = {s: v + 1 if v < 3 else v - 1 for s, v in sizes[1].items()}
    for k in range(points * 5):
        if len(pts) == points:
            break
        try:
            pt = _sample(rng, ev, hyps, ranges, symbols, sizes[k % len(sizes)])
        except (_Skip, *_ERRORS):
            break
        if pt is not None:
            pts.append(pt)
    for label, rel in rels:
        done, problem = 0, ""
        for pt in pts:
            try:
                exact = not rel.has(sp.Integral, KL)
                kind, gap, scale = ev.gap(rel, pt, 30 if exact else 0)
                if not exact and _fails(kind, gap, scale):
                    kind, gap, scale = ev.gap(rel, pt, 30)
            except (_Skip, *_ERRORS):
                break
            if _fails(kind, gap, scale, 1e-12 if exact else _TOL):
                where = {str(k): (int(v) if isinstance(v, sp.Integer) else round(v, 4))
                         for k, v in {**pt.ints, **pt.reals}.items()}
                problem = (f"the sides {'differ' if kind == 'eq' else 'are in the wrong order'} by "
                           f"{gap.real:.3g} at {where}")
                break
            done += 1
        yield label, done, problem
