"""The trusted kernel: the one module that can mark a statement proved.

A :class:`Thm` is issued only by :func:`prove`, after every step of a theorem
has passed one of the primitive rules in ``RULES`` and the numeric witness
(:mod:`proofs.witness`) found no admissible point where a step fails.  A
``Thm`` records the full statement (conclusions, hypotheses, definitions,
index ranges, symbol assumptions); citing a theorem uses that record, found by
identity, never a name.  What is trusted: this module, the axioms registered
in :mod:`proofs.axioms`, and sympy's simplification and assumptions.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
import weakref

import sympy as sp
from sympy.core.assumptions import _assume_defined
from sympy.core.function import AppliedUndef

from .matrices import (citation_problem, gaussian_problem, inverse_problem, loose_matrix, matrix_symbol_problem,
                       substitution_problem)
from .objects import Density, GaussianExpectation, Opaque

_APPLIED = (AppliedUndef, Density)  # applications of named functions and densities

__all__ = ["ProofError", "Thm", "prove", "Axiom", "Param", "Condition", "Algebra", "Integrate", "Combine",
           "ByTheorem", "ByAxiom", "Induction", "Justification", "StepResult", "register_axioms", "subst", "is_zero",
           "is_nonnegative", "is_positive", "clear_cache", "RULES", "RESERVED"]


class ProofError(AssertionError):
    """A step the kernel could not verify; the message names the theorem, the step and the reason."""


RESERVED = "_kernel"
_SECRET = secrets.token_hex(6)
_ASSUMPTIONS = ("integer", "positive", "nonnegative", "negative", "nonpositive", "real", "nonzero")


# --- terms: checks, capture-free substitution -------------------------------------------------------
def _names(e: Any) -> set[str]:
    e = sp.sympify(e) if not isinstance(e, sp.Basic) else e
    out = {s.name for s in e.atoms(sp.Symbol)} | {type(f).__name__ for f in e.atoms(*_APPLIED)}
    return out | {b.name for b in e.atoms(sp.IndexedBase)}


#: The functions a checked statement may apply, besides densities, undefined functions and the opaque objects
#: (KL, expectations): elementary ones.  sympy's evaluations of special and combinatorial functions are not
#: trusted at the edges of their domains (it takes binomial(n, n) = 1 for every integer n, and a sum of
#: binomials to 0 at n = 0), so a statement that uses one is refused rather than simplified.
_FUNCTIONS = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh, sp.Abs, sp.sign, sp.Piecewise)


def _clean(e: Any, what: str) -> None:
    """No Float, NaN or complex infinity; no function outside the vocabulary; no name in the kernel's reserved space."""
    items = e.values() if isinstance(e, Mapping) else (e if isinstance(e, (list, tuple)) else (e,))
    for x in items:
        if isinstance(x, (list, tuple, Mapping)):
            _clean(x, what)
            continue
        if isinstance(x, (str, type(None))) or callable(x) and not isinstance(x, sp.Basic):
            continue
        x = sp.sympify(x)
        if x.atoms(sp.Float):
            raise ProofError(f"{what}: contains a floating-point number {sorted(map(str, x.atoms(sp.Float)))}; "
                             "use exact rationals")
        if x.has(sp.nan, sp.zoo):
            raise ProofError(f"{what}: contains nan or complex infinity")
        if inverse_problem(x):
            raise ProofError(f"{what}: contains {inverse_problem(x)}")
        if gaussian_problem(x):
            raise ProofError(f"{what}: {gaussian_problem(x)}")
        outside = sorted({type(f).__name__ for f in x.atoms(sp.Function)
                          if not isinstance(f, (*_APPLIED, Opaque)) and type(f) not in _FUNCTIONS})
        if outside:
            raise ProofError(f"{what}: applies {', '.join(outside)}, outside the kernel's functions (elementary "
                             "functions, densities, KL and expectations); sympy's closed forms for it are not trusted")
        if any(n.startswith(RESERVED) for n in _names(x)):
            raise ProofError(f"{what}: a name starting with {RESERVED!r} is reserved for the kernel")
        unknown = sorted({type(b).__name__ for b in sp.preorder_traversal(x) if isinstance(b, _UNKNOWN_BINDERS)
                          or (getattr(b, "bound_symbols", None) and not isinstance(b, _BINDERS))})
        if unknown:
            raise ProofError(f"{what}: {', '.join(unknown)} binds a variable in a way the kernel's substitution does "
                             "not know; evaluate it or write it as a sum, integral or lambda")
        for s in x.atoms(sp.Sum, sp.Product):
            for i, *bounds in s.limits:
                if len(bounds) != 2 or _index_problem(i, bounds[0]):
                    raise ProofError(f"{what}: in {s}, {_index_problem(i, bounds[0]) if bounds else 'no bounds'}")
                odd = [b for b in bounds if sp.sympify(b).is_integer is not True and b not in (sp.oo, -sp.oo)]
                if odd:  # sympy sums to a non-integer bound by a formal closed form, not over the integers below it
                    raise ProofError(f"{what}: in {s}, the bound {odd[0]} is not provably an integer")
        for s in x.atoms(sp.Integral):
            for v, *bounds in s.limits:
                if v.is_real is not True or _extra(v) or (bounds and not _unsigned(v) and not (
                        (v.is_positive or v.is_nonnegative) and sp.sympify(bounds[0]).is_nonnegative)):
                    raise ProofError(f"{what}: the integration variable {v} of {s} must be real with no "
                                     "assumption its range violates")


#: The expressions that bind variables and that :func:`subst` renames apart (derivatives are refused there).
_BINDERS = (sp.concrete.expr_with_limits.ExprWithLimits, sp.Lambda, GaussianExpectation)
#: Expressions that bind a variable without saying so in ``bound_symbols``, or substitute one: refused.
_UNKNOWN_BINDERS = (sp.Subs, sp.Limit, sp.Order)


def _extra(s: sp.Symbol) -> set:
    """Assumptions of ``s`` beyond integer or real and one interval sign (positive, nonnegative, negative, nonpositive)."""
    kind = {"integer": True} if s.is_integer else {"real": True}
    sign = next(({k: True} for k in ("positive", "nonnegative", "negative", "nonpositive") if s.assumptions0.get(k)), {})
    base = sp.Symbol("b", **kind, **sign)
    return {k for k, v in s.assumptions0.items() if v and not base.assumptions0.get(k)}


def _unsigned(v: sp.Symbol) -> bool:
    """A plain real variable: no sign assumption (its domain is the whole real line)."""
    return not _extra(v) and not any(v.assumptions0.get(k) for k in ("positive", "nonnegative", "negative", "nonpositive"))


def _index_problem(i, lo) -> str:
    """'' when a summation index is an integer symbol whose assumptions every value from ``lo`` up satisfies."""
    if not isinstance(i, sp.Symbol) or i.is_integer is not True:
        return f"the summation index {i} must be an integer symbol"
    extra = _extra(i) | {k for k in ("negative", "nonpositive") if i.assumptions0.get(k)}
    if extra:
        return f"the summation index {i} carries assumptions {sorted(extra)} a range of integers does not keep"
    floor = 1 if i.is_positive else 0 if i.is_nonnegative else None
    if floor is not None and not sp.sympify(lo - floor).is_nonnegative:
        return f"the index {i} is declared {'positive' if floor else 'nonnegative'} but the range starts at {lo}"
    return ""


def _fresh(s: sp.Symbol) -> sp.Dummy:
    return sp.Dummy(s.name, **{k: v for k, v in s.assumptions0.items() if k in _ASSUMPTIONS and v is not None})


def subst(e: sp.Basic, mapping: Mapping, check: Callable | None = None) -> sp.Basic:
    """Simultaneous, capture-free substitution.

    Keys: symbols (value an expression), indexed bases or undefined function
    classes (value a ``Lambda`` or another base/class).  A bound variable of a
    sum, integral or lambda that would capture a free symbol of a value is
    renamed first; ``check(var, arg)`` vets every lambda application: it raises to
    refuse it, or returns False to leave the application as it is (unexpanded).
    """
    mapping = dict(mapping)
    if not mapping:
        return e
    danger = set().union(*(sp.sympify(v).free_symbols if isinstance(v, sp.Basic) else set() for v in mapping.values()))

    def app(lam: sp.Lambda, args: Sequence) -> sp.Basic:
        if len(lam.signature) != len(args):
            raise ProofError(f"{lam} takes {len(lam.signature)} arguments, given {len(args)}")
        if check:
            for var, arg in zip(lam.signature, args):
                if check(var, arg) is False:
                    return None
        return subst(lam.expr, dict(zip(lam.signature, args)), check)

    def walk(x: sp.Basic, m: dict) -> sp.Basic:
        if not isinstance(x, type) and x in m:
            v = m[x]
            if isinstance(v, sp.Lambda):
                raise ProofError(f"{x} is used as a value but substituted by a lambda {v}")
            return v
        if isinstance(x, sp.Indexed) and x.base in m:
            v, idx = m[x.base], [walk(a, m) for a in x.indices]
            out = app(v, idx) if isinstance(v, sp.Lambda) else v[tuple(idx)]
            return x.base[tuple(idx)] if out is None else out
        if isinstance(x, _APPLIED) and type(x) in m:
            v, args = m[type(x)], [walk(a, m) for a in x.args]
            out = app(v, args) if isinstance(v, sp.Lambda) else v(*args)
            return x.func(*args) if out is None else out
        if isinstance(x, sp.Derivative) and set(x.variables) & set(m):
            raise ProofError(f"cannot substitute the variable of the derivative {x}")
        if isinstance(x, sp.Derivative):  # d/dv binds v and evaluates at v: no value may bring a v in
            used = [v for k, v in m.items() if isinstance(v, sp.Basic) and (
                any(type(f) is k for f in x.atoms(*_APPLIED)) if isinstance(k, type) else x.has(k))]
            if set(x.variables) & set().union(*(v.free_symbols for v in used)):
                raise ProofError(f"cannot substitute into the derivative {x} a value containing its variable "
                                 f"({', '.join(f'{k} -> {v}' for k, v in m.items() if v in used)})")
        if isinstance(x, GaussianExpectation):  # the point is bound: renamed, never substituted
            h, point, mean, cov = x.args
            inner = {k: v for k, v in m.items() if isinstance(k, type) or not (k.free_symbols & x.bound_symbols)}
            ren = {b: _fresh(b) for b in x.bound_symbols if b in danger}
            return x.func(walk(h.xreplace(ren), inner), point.xreplace(ren), walk(mean, m), walk(cov, m))
        if isinstance(x, (sp.concrete.expr_with_limits.ExprWithLimits, sp.Lambda)):
            bound = list(x.signature) if isinstance(x, sp.Lambda) else [lim[0] for lim in x.limits]
            inner = {k: v for k, v in m.items() if isinstance(k, type) or not (k.free_symbols & set(bound))}
            ren = {b: _fresh(b) for b in bound if b in danger}
            if isinstance(x, sp.Lambda):
                return sp.Lambda(tuple(ren.get(b, b) for b in bound), walk(x.expr.xreplace(ren), inner))
            limits = [(ren.get(lim[0], lim[0]), *[walk(a, m) for a in lim[1:]]) for lim in x.limits]
            return x.func(walk(x.function.xreplace(ren), inner), *limits)
        if not x.args or isinstance(x, (sp.Symbol, sp.Number)):
            return x
        args = [walk(a, m) for a in x.args]
        if isinstance(x, sp.Rel):
            return x.func(*args, evaluate=False)
        return x.func(*args)

    return walk(sp.sympify(e), mapping)


# --- reduction: opaque atoms, rewriting, sign ---------------------------------------------------------
def _opaque(expr: sp.Basic, prior: tuple = ()) -> sp.Basic:
    """Cached :func:`_opaque_uncached` (the congruence classes of an expression's atoms are found once)."""
    return _opaque_cached(expr, _REWRITE[-1], prior)[0]


def _opaque_classes(expr: sp.Basic, prior: tuple = ()) -> tuple[sp.Basic, tuple]:
    """:func:`_opaque` and the representatives of its classes, in the order of their numbers."""
    return _opaque_cached(expr, _REWRITE[-1], prior)


@functools.lru_cache(maxsize=4096)
def _opaque_cached(expr: sp.Basic, rules: tuple, prior: tuple) -> tuple[sp.Basic, tuple]:
    return _opaque_uncached(expr, prior)


def _opaque_uncached(expr: sp.Basic, prior: tuple = ()) -> tuple[sp.Basic, tuple]:
    """Integrals and opaque objects (KL ...) become reserved functions of their free symbols.

    Two atoms share one function only when congruent: same class and limits,
    arguments that reduce to the same thing.  Algebra can cancel them but never look inside.
    ``prior`` are the representatives of classes numbered by an earlier pass over a form of the same
    expression (whose reserved functions it may still contain): their numbers are kept, and a new class
    gets a new number, so an atom never takes the function of an unrelated atom of the earlier pass.
    Returns the expression and the representatives of every class.
    """
    outer: list[sp.Basic] = []

    def collect(e):
        if isinstance(e, (sp.Integral, Opaque)):
            outer.append(e)
        else:
            for a in e.args:
                collect(a)
    collect(expr)
    classes, mapping = list(prior), {}
    for a in outer:
        if a in mapping:
            continue
        k = next((k for k, rep in enumerate(classes) if _congruent(a, rep)), None)
        if k is None:
            k = len(classes)
            classes.append(a)
        args = sorted(a.free_symbols, key=sp.default_sort_key)
        inner = a.function if isinstance(a, sp.Integral) else a.args[0] if a.is_real is None else a
        real = inner.is_real is True and all(lim[0].is_real for lim in getattr(a, "limits", ()))
        positive = real and isinstance(a, Opaque) and a.is_positive is True  # e.g. det of an SPD matrix
        tag = "p" if positive else "r" if real else "c"
        mapping[a] = sp.Function(f"{RESERVED}{_SECRET}_{k}{tag}", real=real, **({"positive": True} if positive else {}))(*args)
    return expr.xreplace(mapping), tuple(classes)


def _congruent(a: sp.Basic, b: sp.Basic) -> bool:
    if type(a) is not type(b) or len(a.args) != len(b.args):
        return False
    if a == b:
        return True
    if _fingerprint(a) != _fingerprint(b):
        return False
    if isinstance(a, sp.Integral):  # integrands compared at fresh points: no fact about a free z reaches a bound z
        fresh = {lim[0]: _fresh(lim[0]) for lim in a.limits}
        return a.limits == b.limits and is_zero(a.function.xreplace(fresh) - b.function.xreplace(fresh))
    if isinstance(a, GaussianExpectation):  # integrands compared at fresh points, as for integrals
        fresh = {s: _fresh(s) for s in a.bound_symbols}
        return (a.args[1] == b.args[1] and all(_same_arg(x, y) for x, y in zip(a.args[2:], b.args[2:]))
                and is_zero(a.args[0].xreplace(fresh) - b.args[0].xreplace(fresh)))
    return all(_same_arg(x, y) for x, y in zip(a.args, b.args))


def _fingerprint(e: sp.Basic) -> tuple:
    """Named functions applied and free symbols after expanding logs and rewriting (a fast rejection only)."""
    return _fingerprint_cached(e, _REWRITE[-1])


def _fingerprint_uncached(e: sp.Basic, rules: tuple) -> tuple:
    try:
        e = sp.expand_log(sp.expand(e), force=False)
    except Exception:  # noqa: BLE001
        pass
    e = _rewrite(e, rules)
    return frozenset(type(f) for f in e.atoms(*_APPLIED)), frozenset(e.free_symbols)


# the caches wrap plain functions (not decorators), so that mutation testing reaches the functions themselves
_fingerprint_cached = functools.lru_cache(maxsize=4096)(_fingerprint_uncached)


def _same_arg(x: sp.Basic, y: sp.Basic) -> bool:
    if isinstance(x, sp.Lambda) and isinstance(y, sp.Lambda):
        if len(x.signature) != len(y.signature):
            return False
        pt = [_fresh(s) for s in x.signature]
        return is_zero(subst(x.expr, dict(zip(x.signature, pt))) - subst(y.expr, dict(zip(y.signature, pt))))
    if isinstance(x, sp.MatrixExpr) and not isinstance(x, sp.MatrixBase) or \
            isinstance(y, sp.MatrixExpr) and not isinstance(y, sp.MatrixBase):
        return x == y  # symbolic matrices: the same expression after sympy's canonical simplification
    if isinstance(x, sp.MatrixBase) or isinstance(y, sp.MatrixBase):
        return getattr(x, "shape", 0) == getattr(y, "shape", 1) and all(is_zero(p - q) for p, q in zip(x, y))
    if isinstance(x, sp.Expr) and isinstance(y, sp.Expr):
        return is_zero(x - y)
    return x == y


_STRATEGIES = (lambda e: e, sp.expand, lambda e: sp.expand_log(sp.expand(e), force=False), sp.simplify,
               lambda e: sp.simplify(sp.expand_log(sp.expand(e), force=False)),
               lambda e: sp.simplify(sp.expand_log(sp.expand(e.doit()), force=False)))
_REWRITE: list[tuple] = [()]  # rewrite rules of the theorem being checked (a stack)


def _in_domain(var: sp.Symbol, arg: sp.Basic) -> bool:
    """``arg`` has every assumption of ``var`` by sympy's assumptions (a defined function unfolds only there)."""
    return all(getattr(arg, f"is_{k}", None) == v for k, v in var.assumptions0.items() if v is not None)


def _rewrite(e: sp.Basic, rules: tuple) -> sp.Basic:
    """Definitions and hypotheses applied left to right, capture-free (symbols, functions through subst).

    A function defined as f(x) := e is checked, and so holds, only at arguments with x's assumptions: an
    application at any other argument stays f(..), a value about which only f's own assumptions are known.
    """
    return subst(e, dict(rules), _in_domain) if rules else e


def _candidates(expr: sp.Expr, rules: tuple):
    for strategy in _STRATEGIES:
        for form in ((expr,) if not rules else (expr, _rewrite(expr, rules))):
            try:
                first, classes = _opaque_classes(form)
                r = strategy(first)
                yield r
                if rules:  # one numbering of the classes across both passes
                    yield strategy(_opaque(_rewrite(r, rules), classes))
            except ProofError:
                raise
            except Exception:  # noqa: BLE001 - a failure inside sympy only means "not shown"
                continue


def _decide_uncached(kind: str, expr: sp.Expr, rules: tuple) -> bool:
    """Whether ``expr`` is shown zero / nonnegative / positive (``kind``: "zero", "nonneg", "pos"); through the cache."""
    if kind == "zero":
        if expr == 0:
            return True
        from .witness import surely_nonzero
        if surely_nonzero(_rewrite(expr, rules), rules):
            return False
        return any(r == 0 for r in _candidates(expr, rules))
    for s in expr.atoms(sp.Sum):  # sympy calls an empty or reversed sum of positives positive
        (_, lo, hi), *more = s.limits
        if more or not (sp.sympify(hi - lo).is_nonnegative or _decide("nonneg", sp.sympify(hi - lo), rules)):
            return False
    attr = "is_positive" if kind == "pos" else "is_nonnegative"
    for r in _candidates(expr, rules):
        if (kind == "nonneg" and r == 0) or getattr(r, attr) or getattr(sp.factor(r), attr):
            return True
    return False


_decide = functools.lru_cache(maxsize=8192)(_decide_uncached)


def is_zero(expr: sp.Expr) -> bool:
    """sympy reduces ``expr`` to 0 (integrals and KL terms opaque, the theorem's rewrite rules applied)."""
    return _decide("zero", sp.sympify(expr), _REWRITE[-1])


def is_nonnegative(expr: sp.Expr) -> bool:
    """sympy proves ``expr >= 0`` from the symbols' assumptions."""
    return _decide("nonneg", sp.sympify(expr), _REWRITE[-1])


def is_positive(expr: sp.Expr) -> bool:
    """sympy proves ``expr > 0`` (strictly) from the symbols' assumptions."""
    return _decide("pos", sp.sympify(expr), _REWRITE[-1])


def clear_cache() -> None:
    """Forget remembered reductions, so the next check is cold."""
    _decide.cache_clear()
    _opaque_cached.cache_clear()
    _fingerprint_cached.cache_clear()


def _normal(rel: sp.Basic) -> tuple[str, sp.Expr]:
    """``('eq', a - b)``; ``('ge', big - small)``; ``('gt', big - small)`` for strict relations."""
    if isinstance(rel, sp.Equality):
        return "eq", rel.lhs - rel.rhs
    for cls, kind, sign in ((sp.StrictGreaterThan, "gt", 1), (sp.StrictLessThan, "gt", -1),
                            (sp.GreaterThan, "ge", 1), (sp.LessThan, "ge", -1)):
        if isinstance(rel, cls):
            return kind, sign * (rel.lhs - rel.rhs)
    raise ProofError(f"a statement must be Eq, Ge, Gt, Le or Lt, got {type(rel).__name__}: {rel}")


def _holds(kind: str, diff: sp.Expr) -> bool:
    return {"eq": is_zero, "ge": is_nonnegative, "gt": is_positive}[kind](diff)


def _same_relation(stated: sp.Basic, known: sp.Basic) -> bool:
    """``known`` gives ``stated``: same kind (a strict fact also gives the non-strict one), same difference."""
    if stated == known:
        return True
    ks, ds = _normal(stated)
    kk, dk = _normal(known)
    if ks != kk and not (ks == "ge" and kk == "gt"):
        return False
    return is_zero(ds - dk) or (ks == "eq" and is_zero(ds + dk))


# --- the checking context ---------------------------------------------------------------------------
def _sign_first(item: tuple) -> tuple:
    """Order assumptions so that integrality, realness and signs are named first in a message."""
    return item[0] not in _ASSUMPTIONS, item[0]


class _Ctx:
    def __init__(self, name, hypotheses, definitions, ranges, proved):
        self.name, self.hyps, self.defs, self.ranges, self.proved = name, hypotheses, definitions, ranges, proved
        self.facts: dict[str, sp.Basic] = dict(hypotheses)
        self.axioms: list = []
        self.step = "statement"
        self.pinned = set().union(*(h.free_symbols for h in hypotheses.values()),
                                  *(_def_free(l, r) for l, r in definitions.items()),
                                  *(sp.sympify(b).free_symbols for bounds in ranges.values() for b in bounds))

    def fail(self, why: str):
        raise ProofError(f"{self.name}, step ({self.step}): {why}")

    def knows(self, rel: sp.Basic) -> bool:
        if rel is sp.true:
            return True
        if rel is sp.false or not isinstance(rel, sp.Rel):
            return False
        return any(_same_relation(rel, f) for f in self.facts.values()) or _holds(*_normal(rel))

    def admits(self, var: sp.Basic, value: sp.Basic) -> None:
        """``value`` has every assumption of ``var`` (strictly proved signs, integrality, realness, parity ...)."""
        need = var.assumptions0 if isinstance(var, (sp.Symbol, sp.IndexedBase)) else \
            {k: v for k in sorted(_assume_defined) if (v := getattr(var, f"is_{k}", None)) is not None}
        if isinstance(value, sp.Lambda):
            return
        value = sp.sympify(value)
        if need.get("integer") and value.is_integer is not True:
            self.fail(f"{var} is an integer but is given {value}")
        if (need.get("real") or need.get("positive") or need.get("nonnegative")) and value.is_real is not True \
                and not isinstance(value, sp.IndexedBase):
            self.fail(f"{var} is real but {value} is not provably real")
        for key, kind, sign in (("positive", "gt", 1), ("nonnegative", "ge", 1), ("negative", "gt", -1),
                                ("nonpositive", "ge", -1)):
            if need.get(key) and not isinstance(value, sp.IndexedBase) and not _holds(kind, sign * value):
                self.fail(f"{var} is {key} but {value} is not provably {key}")
        if isinstance(value, sp.IndexedBase):
            for key, val in sorted(need.items(), key=_sign_first):  # every assumption, true or false
                if value.assumptions0.get(key) != val:
                    self.fail(f"{var} is {'' if val else 'not '}{key} but the indexed base {value} is not declared so")
            return
        for key in ("odd", "even", "prime", "rational", "zero", "nonzero", "finite", "composite"):
            if need.get(key) and getattr(value, f"is_{key}") is not True:
                self.fail(f"{var} is {key} but {value} is not provably {key}")
        # every other assumption, true or false (noninteger, irrational, imaginary ...), unless the proved
        # integrality, realness and signs above imply it
        implied = sp.Dummy(**{k: True for k in ("integer", "real", *("positive", "nonnegative", "negative",
                                                                      "nonpositive")) if need.get(k)}).assumptions0
        for key, val in sorted(need.items(), key=_sign_first):
            if implied.get(key) != val and getattr(value, f"is_{key}", None) != val:
                self.fail(f"{var} is {'' if val else 'not '}{key} but {value} is not provably "
                          f"{'' if val else 'not '}{key}")

    def lam_check(self, var, arg):
        self.admits(var, arg)

    def generic(self, lam: sp.Lambda, index: bool = False) -> sp.Basic:
        """The body of ``lam`` at fresh points: its variables' assumptions, or (``index``) any positive integer."""
        if not index:
            return subst(lam.expr, {s: _fresh(s) for s in lam.signature})
        pts = [sp.Dummy("k", integer=True, positive=True) for _ in lam.signature]
        for s, pt in zip(lam.signature, pts):
            self.admits(s, pt)
        return subst(lam.expr, dict(zip(lam.signature, pts)))

    def in_range(self, idx, lo, hi) -> bool:
        if idx in self.ranges:
            rlo, rhi = self.ranges[idx]
            if is_nonnegative(rlo - lo) and is_nonnegative(hi - rhi):
                return True
        return sp.sympify(idx).is_integer is True and is_nonnegative(idx - lo) and is_nonnegative(hi - idx)

    def summable(self, over, what: str) -> None:
        """A fact stated for a free index may be summed over ``over`` only if it holds for every index there."""
        i, lo, hi = over
        if not isinstance(i, sp.Symbol) or i.is_integer is not True:
            self.fail(f"{what}: the summation index {i} is not an integer symbol")
        if i in self.pinned:
            self.fail(f"{what}: the index {i} is pinned down by a hypothesis, a definition or the bound of an "
                      "index range; a fact about one index cannot be summed")
        if _index_problem(i, lo):
            self.fail(f"{what}: {_index_problem(i, lo)}")
        if i in sp.sympify(lo).free_symbols | sp.sympify(hi).free_symbols:
            self.fail(f"{what}: the index {i} appears in its own bounds")
        if not (sp.sympify(lo).is_integer and sp.sympify(hi).is_integer):
            self.fail(f"{what}: the bounds {lo}..{hi} of {i} are not provably integers")
        if i in self.ranges:
            rlo, rhi = self.ranges[i]
            ok = is_nonnegative(lo - rlo) and is_nonnegative(rhi - hi)
        else:
            floor = 1 if i.is_positive else 0 if i.is_nonnegative else None
            ok = floor is None or is_nonnegative(lo - floor)
        if not ok:
            self.fail(f"{what}: the index {i} is only known to hold on its declared range, not on {lo}..{hi}")

    def is_density(self, lam: Any, what: str) -> None:
        if not isinstance(lam, sp.Lambda):
            self.fail(f"{what}: a density must be a Lambda, got {lam}")
        why = _density_problem(self, lam)
        if why:
            self.fail(f"{what}: {lam} is not a density: {why}")


def _def_free(lhs, rhs) -> set:
    args = set(lhs.args) if isinstance(lhs, _APPLIED) else set()
    return (rhs.free_symbols - args) | ({lhs} if isinstance(lhs, sp.Symbol) else set())


def _density_problem(ctx: _Ctx, lam: sp.Lambda) -> str:
    """'' when ``lam`` is a density (a named density, a normalized Gaussian, a product or a mixture)."""
    vs, body = lam.signature, lam.expr
    if any(v.is_real is not True or not _unsigned(v) for v in vs):
        return "its variables must be real symbols with no further assumption (densities live on the real line)"
    if isinstance(body, Density):
        *idx, point = body.args
        if len(vs) != 1 or point != vs[0] or any(vs[0] in sp.sympify(a).free_symbols for a in idx):
            return "a named density must be applied to the lambda's variable"
        return ""
    if isinstance(body, sp.Mul) and len(vs) > 1:
        factors = list(body.args)
        used = [f.free_symbols & set(vs) for f in factors]
        if sorted(len(u) for u in used) != [1] * len(vs) or set().union(*used) != set(vs):
            return "a product density needs one factor per variable"
        return next((p for f, u in zip(factors, used) if (p := _density_problem(ctx, sp.Lambda(tuple(u), f)))), "")
    if len(vs) != 1:
        return "not a recognised density in several variables"
    (x,) = vs
    if isinstance(body, sp.Sum) and len(body.limits) == 1:
        i, lo, hi = body.limits[0]
        if not is_nonnegative(hi - lo):
            return "the mixture's range must be nonempty"
        k = _fresh(i)
        for weight in sp.Mul.make_args(body.function):
            if x in weight.free_symbols:
                continue
            if is_nonnegative(weight.xreplace({i: k})) and ctx.knows(sp.Eq(sp.Sum(weight, (i, lo, hi)), 1)) \
                    and not _density_problem(ctx, sp.Lambda(x, (body.function / weight).xreplace({i: k}))):
                return ""
        return "no factor is a weight (nonnegative, summing to one) of densities"
    try:
        log = sp.expand(sp.expand_log(sp.log(body), force=True))
        if log.has(sp.log(x), sp.exp):
            return "not a named density, a product, a mixture or exp(quadratic)"
        poly = sp.Poly(log, x)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return "not a named density, a product, a mixture or exp(quadratic)"
    if poly.degree() != 2 or any(c.is_real is not True for c in poly.all_coeffs()):
        return "exp(polynomial) must be quadratic with real coefficients"
    c2, c1, c0 = poly.all_coeffs()
    if not is_positive(-c2):
        return "the quadratic's leading coefficient is not provably negative"
    if not is_zero(c0 - c1**2 / (4 * c2) + sp.log(sp.pi / -c2) / 2):
        return "it does not integrate to one"
    return ""


# --- primitive rules ---------------------------------------------------------------------------------
class Justification:
    """Base of the primitive rules; only the exact classes in ``RULES`` are accepted."""

    def describe(self) -> str:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class Algebra(Justification):
    """The two sides agree (or are ordered, strictly for Gt/Lt) by algebra alone."""

    def describe(self):
        return "algebra"


@dataclass(frozen=True)
class Integrate(Justification):
    """sympy evaluates the absolutely convergent integrals on the left; the result is the right side."""

    def describe(self):
        return "evaluating the integral"


def _as_ref(ref):
    if isinstance(ref, str):
        return ref, sp.Integer(1), None
    label, coeff, *over = ref
    return label, sp.sympify(coeff), (tuple(over[0]) if over and over[0] is not None else None)


@dataclass(frozen=True)
class Combine(Justification):
    """``Combine("s1", ("s2", c), ("s3", w[i], (i, 1, N)))``: a nonnegative combination of earlier facts."""

    refs: tuple = ()

    def __init__(self, *refs):
        object.__setattr__(self, "refs", tuple(_as_ref(r) for r in refs))

    def describe(self):
        parts = []
        for label, coeff, over in self.refs:
            text = f"({label})" + (f" times ${sp.latex(coeff)}$" if coeff != 1 else "")
            parts.append(text + (f" summed over ${sp.latex(over[0])}$" if over else ""))
        return "from " + ", ".join(parts)


@dataclass(frozen=True)
class ByTheorem(Justification):
    """An instance of a proved theorem under ``subs``; ``over`` sums an equality termwise; ``part`` picks a conclusion."""

    theorem: Any
    subs: Mapping = field(default_factory=dict)
    over: tuple | None = None
    part: int = 0

    def describe(self):
        return f"by the theorem \u201c{self.theorem.title}\u201d" + (" applied to every term" if self.over else "")


@dataclass(frozen=True)
class ByAxiom(Justification):
    """An application of a registered axiom with arguments ``args``."""

    axiom: "Axiom"
    args: Mapping = field(default_factory=dict)

    def __init__(self, axiom, **args):
        object.__setattr__(self, "axiom", axiom)
        object.__setattr__(self, "args", args)

    def describe(self):
        return self.axiom.name


def _algebra(ctx, rel, why):
    kind, diff = _normal(rel)
    if not _holds(kind, diff):
        ctx.fail(f"algebra: {diff} does not " + {"eq": "reduce to 0", "ge": "have a provable sign (>= 0)",
                                                 "gt": "have a provable strict sign (> 0)"}[kind])
    return "checked", {"eq": "difference reduces to 0", "ge": "difference proved nonnegative",
                       "gt": "difference proved positive"}[kind]


def _dominated(f: sp.Expr, x: sp.Symbol) -> bool:
    """Each term is a polynomial in ``x`` times exp(quadratic with a negative leading coefficient)."""
    f = sp.powsimp(sp.expand(sp.expand_log(f, force=True)), combine="exp")
    for term in sp.Add.make_args(f):
        exps = [a for a in sp.Mul.make_args(term) if isinstance(a, sp.exp)]
        rest = sp.Mul(*[a for a in sp.Mul.make_args(term) if not isinstance(a, sp.exp)])
        if len(exps) != 1 or not rest.is_polynomial(x):
            return False
        try:
            poly = sp.Poly(sp.expand(exps[0].args[0]), x)
        except sp.PolynomialError:
            return False
        if poly.degree() != 2 or not is_positive(-poly.all_coeffs()[0]):
            return False
    return True


def _integrate(ctx, rel, why):
    if not isinstance(rel, sp.Equality) or not rel.lhs.has(sp.Integral):
        ctx.fail("Integrate needs 'integral = value'")
    for integral in rel.lhs.atoms(sp.Integral):
        if len(integral.limits) != 1:
            ctx.fail(f"{integral}: only single integrals are evaluated; an iterated one needs Fubini's theorem")
        for x, *bounds in integral.limits:
            if len(bounds) != 2 or tuple(bounds) != (-sp.oo, sp.oo) or not _dominated(integral.function, x):
                ctx.fail(f"cannot establish absolute convergence of {integral}: only integrals over the real "
                         "line of a polynomial times a Gaussian factor are evaluated")
    value = rel.lhs.doit()
    if value.has(sp.Integral) or value.has(sp.oo, -sp.oo, sp.nan, sp.zoo):
        ctx.fail(f"sympy could not evaluate {rel.lhs} to a finite value")
    if not is_zero(value - rel.rhs):
        ctx.fail(f"the integral evaluates to {sp.simplify(value)}, not {rel.rhs}")
    return "checked", "integral evaluated by sympy"


def _combine(ctx, rel, why):
    kind, residual = _normal(rel)
    strict = False
    for label, coeff, over in why.refs:
        _clean([coeff, over or ()], f"{ctx.name}, step ({ctx.step})")
        if label not in ctx.facts:
            ctx.fail(f"refers to unknown step or hypothesis {label!r}")
        rk, rd = _normal(ctx.facts[label])
        if _opaque(coeff).is_finite is not True:
            ctx.fail(f"factor {coeff} on {label!r} is not provably finite")
        den = sp.denom(sp.together(coeff))
        if not (den.is_nonzero or ctx.knows(sp.Gt(den, 0)) or ctx.knows(sp.Gt(-den, 0))):
            ctx.fail(f"factor {coeff} on {label!r}: its denominator {den} is not provably nonzero")
        if rk != "eq":
            if kind == "eq":
                ctx.fail(f"an equality cannot follow from inequality {label!r}")
            if not is_nonnegative(coeff):
                ctx.fail(f"factor {coeff} on {label!r} is not provably >= 0")
            strict = strict or (rk == "gt" and over is None and is_positive(coeff))
        if over is not None:
            ctx.summable(over, f"summing {label!r}")
            if rk != "eq" and not is_nonnegative(over[2] - over[1] + 1):
                ctx.fail(f"summing inequality {label!r} over {over[1]}..{over[2]}: the range may be reversed")
        residual -= sp.Sum(coeff * rd, over) if over else coeff * rd
    names = ", ".join(label for label, _, _ in why.refs)
    if (kind == "eq" and is_zero(residual)) or (kind == "ge" and is_nonnegative(residual)) or \
            (kind == "gt" and (is_positive(residual) or (strict and is_nonnegative(residual)))):
        return "checked", "combination of " + names
    ctx.fail(f"does not follow {'strictly ' if kind == 'gt' else ''}from {names}; remainder {residual}")


def _by_theorem(ctx, rel, why):
    thm = next((t for t in ctx.proved if isinstance(t, Thm) and t.source is why.theorem and t in _ISSUED), None)
    if thm is not None and _DIGESTS.get(id(thm)) != statement_digest(
            thm.name, thm.conclusions, thm.hypotheses, thm.definitions, thm.ranges):
        ctx.fail(f"the record of {thm.name!r} was changed after it was proved")
    if thm is None:
        ctx.fail(f"{getattr(why.theorem, 'name', why.theorem)!r} is not proved yet")
    _clean(dict(why.subs), f"{ctx.name}, step ({ctx.step}): substitution")
    subs = {}
    for target, value in why.subs.items():
        if isinstance(target, type) and issubclass(target, Density):
            ctx.is_density(value, f"substituting the density {target.__name__}")
        elif isinstance(target, sp.IndexedBase):
            if isinstance(value, sp.Lambda):
                ctx.admits(target, ctx.generic(value))
            elif not isinstance(value, sp.IndexedBase):
                ctx.fail(f"the indexed base {target} must be replaced by a Lambda or an indexed base, got {value}")
            else:
                ctx.admits(target, value)
        elif isinstance(target, sp.Symbol) and not isinstance(target, sp.Dummy):
            if not isinstance(value, sp.Expr) or isinstance(value, sp.Lambda):
                ctx.fail(f"the symbol {target} must be replaced by an expression, got {value}")
            ctx.admits(target, value)
        elif isinstance(target, sp.MatrixSymbol):
            pass  # checked below, once the scalar substitution fixes its shape
        else:
            ctx.fail(f"cannot substitute {target}: only symbols, indexed bases, matrix symbols and densities of "
                     "the theorem")
        subs[target] = value
    scalars = {k: v for k, v in subs.items() if not isinstance(k, sp.MatrixSymbol)}
    for target, value in subs.items():
        if isinstance(target, sp.MatrixSymbol):
            problem = substitution_problem(target, value, tuple(subst(n, scalars) for n in target.shape))
            if problem:
                ctx.fail(problem)
    if problem := citation_problem(rel, subs.values()):
        ctx.fail(problem)
    inst = lambda e: subst(e, subs, ctx.lam_check)  # noqa: E731
    for label, hyp in thm.hypotheses.items():
        if not ctx.knows(inst(hyp)):
            ctx.fail(f"hypothesis {label} of {thm.name!r} not met: {inst(hyp)}")
    for lhs, rhs in thm.definitions.items():
        need = sp.Eq(inst(lhs), inst(rhs))
        if not ctx.knows(need):
            ctx.fail(f"definition {lhs} = {rhs} of {thm.name!r} does not hold for the substituted values: {need}")
    stated = set().union(*(sp.sympify(e).free_symbols for e in (
        *thm.conclusions, *thm.hypotheses.values(), *thm.definitions, *thm.definitions.values(),
        *(b for bounds in thm.ranges.values() for b in bounds))))
    for idx, (lo, hi) in thm.ranges.items():
        if idx in stated and not ctx.in_range(inst(idx), inst(lo), inst(hi)):
            ctx.fail(f"index {inst(idx)} is not provably in {inst(lo)}..{inst(hi)} as {thm.name!r} requires")
        if idx not in stated and not is_nonnegative(inst(hi) - inst(lo)):  # 'for every idx in lo..hi': not vacuous
            ctx.fail(f"the range {inst(lo)}..{inst(hi)} of {idx} in {thm.name!r} is not provably nonempty")
    if not 0 <= why.part < len(thm.conclusions):
        ctx.fail(f"{thm.name!r} has no conclusion number {why.part}")
    instance = inst(thm.conclusions[why.part])
    if why.over is not None:
        if not isinstance(instance, sp.Equality):
            ctx.fail("only equalities apply termwise")
        ctx.summable(tuple(why.over), "applying termwise")
        instance = sp.Eq(sp.Sum(instance.lhs, why.over), sp.Sum(instance.rhs, why.over))
    if not _same_relation(rel, instance):
        ctx.fail(f"not an instance of {thm.name!r}; expected {instance}")
    return "checked", f"instance of {thm.name}"


@dataclass(frozen=True)
class Induction(Justification):
    """P(var) for every integer var >= 1: ``base`` proves P(1), ``step`` proves P(var + 1) from P(var) alone."""

    base: Any
    step: Any
    var: sp.Symbol

    def describe(self):
        return (f"induction on ${sp.latex(self.var)}$ from the base case ({self.base.title}) "
                f"and the step ({self.step.title})")


_NATURAL = sp.Dummy(integer=True, positive=True).assumptions0


def _induction(ctx, rel, why):
    """The statement is P(n) with n = ``why.var``, an integer symbol declared positive and nothing else.

    The base case is a proved theorem concluding P(1), with no hypothesis; the
    step is a proved theorem whose one hypothesis is P(n) and which concludes
    P(n + 1).  Neither has definitions or index ranges, so nothing but the
    symbols' declared assumptions constrains n or the other free symbols.
    """
    n = why.var
    if not isinstance(n, sp.Symbol) or isinstance(n, sp.Dummy) or n.assumptions0 != _NATURAL:
        ctx.fail(f"induction variable {n!r} must be a symbol declared integer=True, positive=True and nothing more")
    if n not in rel.free_symbols:
        ctx.fail(f"the statement does not depend on the induction variable {n}")
    base, step = (next((t for t in ctx.proved if isinstance(t, Thm) and t.source is s and t in _ISSUED), None)
                  for s in (why.base, why.step))
    for thm, src, role in ((base, why.base, "base case"), (step, why.step, "step")):
        if thm is None:
            ctx.fail(f"the {role} {getattr(src, 'name', src)!r} is not proved yet")
        if _DIGESTS.get(id(thm)) != statement_digest(thm.name, thm.conclusions, thm.hypotheses, thm.definitions,
                                                     thm.ranges):
            ctx.fail(f"the record of the {role} {thm.name!r} was changed after it was proved")
        if thm.definitions or thm.ranges:
            ctx.fail(f"the {role} {thm.name!r} has definitions or index ranges; it must rest on no assumption")
    at = lambda t: subst(rel, {n: t})  # noqa: E731
    if base.hypotheses:
        ctx.fail(f"the base case {base.name!r} has hypotheses {sorted(base.hypotheses)}; P(1) must hold outright")
    if not any(_same_relation(at(sp.Integer(1)), c) for c in base.conclusions):
        ctx.fail(f"the base case {base.name!r} does not conclude P(1): {at(sp.Integer(1))}")
    if len(step.hypotheses) != 1:
        ctx.fail(f"the step {step.name!r} must have exactly one hypothesis, P({n}); it has {sorted(step.hypotheses)}")
    (label, hyp), = step.hypotheses.items()
    if not _same_relation(hyp, rel):
        ctx.fail(f"the hypothesis {label} of the step {step.name!r} is not P({n}) = {rel}: {hyp}")
    if not any(_same_relation(at(n + 1), c) for c in step.conclusions):
        ctx.fail(f"the step {step.name!r} does not conclude P({n} + 1): {at(n + 1)}")
    return "checked", f"induction on {n} from {base.name} and {step.name}"


@dataclass(frozen=True)
class Param:
    """A typed parameter of an axiom schema: kind is lambda, expr, symbol, integer, variables, matrix (explicit
    entries), matrix_expr (a matrix expression of symbolic size) or terms."""

    name: str
    kind: str


@dataclass(frozen=True)
class Condition:
    """A side condition: ``holds`` (a relation), ``density`` (a Lambda), ``free`` (expr, variables) or
    ``convex`` (a Lambda), ``pd`` (a matrix), ``generic`` (a Lambda relation proved at fresh points)."""

    description: str
    kind: str
    args: tuple


@dataclass(frozen=True)
class Axiom:
    """A named assumed principle: typed parameters, a schema, and side conditions the kernel checks."""

    name: str
    statement: str
    params: tuple[Param, ...]
    schema: Callable[..., sp.Basic]
    conditions: Callable[..., Sequence[Condition]] = lambda **_: ()
    reference: str = ""


_NONSMOOTH = (sp.Piecewise, sp.Abs, sp.Min, sp.Max, sp.floor, sp.ceiling, sp.sign, sp.Heaviside, sp.DiracDelta,
              sp.re, sp.im, sp.arg, sp.Mod, sp.frac)
_TYPES = {"lambda": sp.Lambda, "expr": sp.Expr, "symbol": sp.Symbol, "integer": sp.Expr,
          "variables": tuple, "matrix": sp.MatrixBase, "terms": tuple, "matrix_expr": sp.MatrixExpr}


def _condition(ctx: _Ctx, ax: Axiom, c: Condition) -> bool:
    if c.kind == "holds":
        return ctx.knows(c.args[0])
    if c.kind == "generic":  # for every index 1, 2, ...: the Lambda's variable must admit them all
        lam, kind = c.args
        return _holds(kind, ctx.generic(lam, index=True))
    if c.kind == "maps_into":  # every point (at every index) satisfies the assumptions of f's variable
        point, t = c.args
        ctx.admits(t, ctx.generic(point, index=True))
        return True
    if c.kind == "density":
        ctx.is_density(c.args[0], f"{ax.name}")
        return True
    if c.kind == "free":
        expr, variables = c.args
        return not (sp.sympify(expr).free_symbols & set(variables))
    if c.kind == "convex":
        (f,) = c.args
        (t,) = f.signature
        if f.expr.has(*_NONSMOOTH) or t.is_real is not True or _extra(t):
            return False
        second = sp.diff(f.expr, t, 2)
        return f.expr.is_real is True and second.is_finite is True and is_nonnegative(second)
    if c.kind == "pd":
        (S,) = c.args
        return S.is_symmetric() and all(ctx.knows(sp.Gt(S[:k, :k].det(), 0)) for k in range(1, S.shape[0] + 1))
    if c.kind == "integer":
        return sp.sympify(c.args[0]).is_integer is True
    if c.kind == "pointwise":
        rel, variables = c.args
        plain = all(isinstance(v, sp.Symbol) and v.is_real and _unsigned(v) for v in variables)
        return plain and not set(variables) & ctx.pinned and ctx.knows(rel)
    if c.kind == "check":
        return c.args[0] is True
    if c.kind == "real":
        return ctx.generic(c.args[0], index=True).is_real is True
    if c.kind == "range":
        idx, lo, hi = c.args
        return is_nonnegative(hi - lo) and ctx.in_range(idx, lo, hi)
    raise ProofError(f"{ax.name}: unknown kind of side condition {c.kind!r}")


def _freeze(v):
    """Lists and tuples as plain tuples, numbers as sympy numbers; anything else must be a sympy object."""
    if type(v) in (list, tuple):
        return tuple(_freeze(x) for x in v)
    if isinstance(v, (int, sp.Basic)) and not isinstance(v, bool):
        return sp.sympify(v) if isinstance(v, int) else v
    if isinstance(v, sp.MatrixBase):
        return sp.ImmutableMatrix(v)
    raise ProofError(f"an axiom argument must be a sympy object, a number or a list of them, got {type(v).__name__}")


def _bound_variables(e: sp.Basic) -> set:
    """The variables bound anywhere in ``e``: of sums, products, integrals, lambdas and expectations."""
    out = set()
    for b in sp.sympify(e).atoms(sp.concrete.expr_with_limits.ExprWithLimits, sp.Lambda, GaussianExpectation):
        out |= set(b.signature) if isinstance(b, sp.Lambda) else b.bound_symbols if \
            isinstance(b, GaussianExpectation) else {lim[0] for lim in b.limits}
    return out


def _captured(inst: sp.Basic, args: Mapping) -> str:
    """'' unless a variable bound in an axiom's instance (or its side conditions) is free in a lambda argument.

    A schema applies its lambda arguments inside the sums and integrals it builds (``a(j)`` under
    ``Sum(.., (j, 1, n))``, ``g(z)`` under the integral over ``z``); a free symbol of the lambda named like
    such a bound variable would be captured.  Every bound variable of the instance must therefore be free
    in no lambda argument (a bound variable is renamed, never captured).
    """
    def lambdas(v):
        if isinstance(v, sp.Lambda):
            yield v
        elif isinstance(v, tuple):
            for x in v:
                yield from lambdas(x)
    bound = _bound_variables(inst)
    for name, value in args.items():
        for lam in lambdas(value):
            clash = sorted(map(str, lam.free_symbols & bound))
            if clash:
                return (f"the argument {name} = {lam} has the free symbol(s) {', '.join(clash)}, bound in the "
                        "instance: applying it there would capture them; rename the bound variable")
    return ""


def _by_axiom(ctx, rel, why):
    ax = why.axiom
    if not any(ax is a for a in _AXIOMS):
        ctx.fail(f"{getattr(ax, 'name', ax)!r} is not a registered axiom")
    try:
        args = {k: _freeze(v) for k, v in dict(why.args).items()}  # a snapshot: no argument changes between uses
    except ProofError as exc:
        ctx.fail(str(exc))
    _clean(args, f"{ctx.name}, step ({ctx.step}): axiom argument")
    names = {p.name for p in ax.params}
    if set(args) - names:
        ctx.fail(f"{ax.name}: unknown arguments {sorted(set(args) - names)}")
    for p in ax.params:
        if p.name in args and not isinstance(args[p.name], _TYPES[p.kind]):
            ctx.fail(f"{ax.name}: argument {p.name} must be a {p.kind}, got {args[p.name]!r}")
    try:
        inst = ax.schema(**args)
        conds = ax.conditions(**args)
    except ProofError:
        raise
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"{ax.name}: the arguments do not fit the schema ({type(exc).__name__}: {exc})")
    _clean(inst, f"{ctx.name}, step ({ctx.step}): axiom instance")
    captured = _captured(sp.Tuple(inst, *(c.args[0] for c in conds if c.kind == "holds")), args)
    if captured:
        ctx.fail(f"{ax.name}: {captured}")
    if not _same_relation(rel, inst):
        ctx.fail(f"does not match {ax.name}: expected {inst}")
    for c in conds:
        if not _condition(ctx, ax, c):
            ctx.fail(f"side condition of {ax.name} not proved: {c.description} ({', '.join(map(str, c.args))})")
    ctx.axioms.append(ax)
    return "axiom", ax.name


#: The primitive rules, by the exact class of a step's justification.
RULES: dict[type, Callable] = {Algebra: _algebra, Integrate: _integrate, Combine: _combine,
                               ByTheorem: _by_theorem, ByAxiom: _by_axiom, Induction: _induction}
_AXIOMS: list[Axiom] = []
_SEALED: list[bool] = [False]


def register_axioms(axioms: Sequence[Axiom]) -> None:
    """Register the named axioms, once; afterwards the set is sealed."""
    if _SEALED[0]:
        raise ProofError("the axioms are sealed; no axiom can be added")
    _AXIOMS.extend(axioms)
    _SEALED[0] = True


# --- theorems ----------------------------------------------------------------------------------------
@dataclass
class StepResult:
    """Outcome of one step: status ('checked' or 'axiom'), detail, seconds, witness points."""

    label: str
    status: str
    detail: str
    seconds: float = 0.0
    witnessed: int = 0


_TOKEN = object()
_ISSUED: "weakref.WeakSet[Thm]" = weakref.WeakSet()
_DIGESTS: dict[int, str] = {}  # the statement digest of every issued Thm, by identity


class Thm:
    """A proved theorem; only :func:`prove` can make one."""

    __slots__ = ("name", "source", "conclusions", "hypotheses", "definitions", "ranges", "digest", "results",
                 "axioms", "__weakref__")

    def __init__(self, token, **fields):
        if token is not _TOKEN:
            raise ProofError("a Thm is issued by the kernel's prove() only")
        for k, v in fields.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, key, value):
        raise ProofError("a Thm cannot be changed")

    @property
    def witnessed_steps(self) -> int:
        return sum(r.witnessed > 0 for r in self.results)


def _assumptions(exprs) -> tuple:
    syms = set().union(*(sp.sympify(e).atoms(sp.Symbol, sp.IndexedBase) for e in exprs))
    return tuple(sorted((str(s), type(s).__name__, tuple(sorted((k, v) for k, v in s.assumptions0.items())))
                        for s in syms))


def statement_digest(name, conclusions, hypotheses, definitions, ranges) -> str:
    """A hash of the full statement: conclusions, hypotheses, definitions, ranges and every symbol's assumptions."""
    parts = [name, list(map(sp.srepr, conclusions)), sorted((k, sp.srepr(v)) for k, v in hypotheses.items()),
             sorted((sp.srepr(k), sp.srepr(v)) for k, v in definitions.items()),
             sorted((sp.srepr(k), sp.srepr(sp.Tuple(*v))) for k, v in ranges.items()),
             _assumptions([*conclusions, *hypotheses.values(), *definitions, *definitions.values()])]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _check_definitions(ctx: _Ctx) -> list[tuple]:
    """Definitions introduce fresh names, once, appearing in no hypothesis and in no definition's right side."""
    rules, heads = [], []
    for lhs, rhs in ctx.defs.items():
        if isinstance(lhs, sp.Symbol) and not isinstance(lhs, sp.Dummy):
            head = lhs
        elif isinstance(lhs, _APPLIED) and all(isinstance(a, sp.Symbol) for a in lhs.args) \
                and len(set(lhs.args)) == len(lhs.args):
            head = type(lhs)
        else:
            ctx.fail(f"definition of {lhs}: only a fresh symbol or a function of distinct variables can be defined")
        heads.append(head)
        if not isinstance(rhs, sp.Expr):
            ctx.fail(f"definition of {lhs}: the right side {rhs} is not an expression")
    for head, (lhs, rhs) in zip(heads, ctx.defs.items()):
        occurs = (lambda e, h=head: h in e.free_symbols if isinstance(h, sp.Symbol)
                  else any(type(f) is h for f in e.atoms(*_APPLIED)))
        if heads.count(head) > 1:
            ctx.fail(f"{lhs} is defined twice")
        if any(occurs(h) for h in ctx.hyps.values()):
            ctx.fail(f"the defined {lhs} appears in a hypothesis; a definition must introduce a fresh name")
        if any(occurs(r) for r in ctx.defs.values()):
            ctx.fail(f"the defined {lhs} appears in a definition's right side (circular or nested)")
        if isinstance(head, sp.Symbol):
            ctx.admits(head, rhs)
            rules.append((lhs, rhs))
        else:
            lam = sp.Lambda(lhs.args, rhs)
            if lam.signature != lhs.args:  # sympy makes Lambda(x, x) Lambda(_x, _x): x's assumptions are lost
                ctx.fail(f"definition of {lhs}: a function defined as its own variable is that variable; "
                         "use the variable")
            ctx.admits(lhs, rhs)
            if issubclass(head, Density):
                ctx.is_density(sp.Lambda(lhs.args[-1:], rhs), f"definition of {lhs}")
            rules.append((head, lam))
    for hyp in ctx.hyps.values():  # a hypothesis 'symbol = e', 'KL(..) = e' or 'sum = 1' rewrites its left side
        if isinstance(hyp, sp.Equality) and (isinstance(hyp.lhs, (sp.Symbol, Opaque)) or
                                             (isinstance(hyp.lhs, sp.Sum) and hyp.rhs == 1)):
            rules.append((hyp.lhs, hyp.rhs))
    return rules


def prove(source: Any, name: str, conclusions: Sequence, steps: Sequence, hypotheses: Mapping,
          definitions: Mapping, ranges: Mapping, proved: Sequence["Thm"], witness: bool = True) -> Thm:
    """Check every step of a theorem and issue its :class:`Thm`; raise :class:`ProofError` at the first failure."""
    conclusions, hyps = tuple(conclusions), dict(hypotheses)
    defs = {sp.sympify(k): sp.sympify(v) for k, v in dict(definitions).items()}
    ranges = {k: tuple(v) for k, v in ranges.items()}
    ctx = _Ctx(name, hyps, defs, ranges, tuple(proved))
    _clean([*conclusions, *hyps.values(), *defs, *defs.values(), *[sp.Tuple(k, *v) for k, v in ranges.items()]],
           f"{name}, step (statement)")
    for rel in [*conclusions, *hyps.values()]:
        if not isinstance(rel, sp.Rel):
            ctx.fail(f"{rel} is not a relation (evaluate=False keeps sympy from deciding it)")
    for e in [*conclusions, *hyps.values(), *defs, *defs.values(), *(s.statement for s in steps)]:
        if loose_matrix(e) is not None:
            ctx.fail(f"{e}: the matrix {loose_matrix(e)} stands outside a trace, determinant, form or KL term; "
                     "a statement relates scalars")
    if problem := matrix_symbol_problem([*conclusions, *hyps.values(), *defs, *defs.values(),
                                         *(s.statement for s in steps)]):
        ctx.fail(problem)
    _REWRITE.append(())
    try:
        _REWRITE[-1] = tuple(_check_definitions(ctx))
        for idx, (lo, hi) in ranges.items():
            if not isinstance(idx, sp.Symbol) or idx.is_integer is not True or not is_nonnegative(hi - lo):
                ctx.fail(f"the range {lo}..{hi} of {idx} must be of an integer symbol and provably nonempty")
        results = []
        for step in steps:
            ctx.step = step.label
            if step.label in ctx.facts:
                ctx.fail("label used twice")
            if type(step.why) not in RULES:
                ctx.fail(f"{type(step.why).__name__} is not a primitive rule of the kernel")
            if not isinstance(step.statement, sp.Rel):
                ctx.fail(f"{step.statement} is not a relation")
            _clean(step.statement, f"{name}, step ({step.label})")
            start = time.perf_counter()
            try:
                status, detail = RULES[type(step.why)](ctx, step.statement, step.why)
            except ProofError as exc:  # a refusal deep in substitution or reduction: name the step
                if str(exc).startswith(f"{name}, step"):
                    raise
                ctx.fail(str(exc))
            results.append(StepResult(step.label, status, detail, time.perf_counter() - start))
            ctx.facts[step.label] = step.statement
        ctx.step = "conclusion"
        for c in conclusions:
            if not any(s.statement == c for s in steps) and not (steps and _same_relation(c, steps[-1].statement)):
                raise ProofError(f"{name}: no step states the conclusion {c}")
        if witness:
            from .witness import witness_theorem
            for label, points, problem in witness_theorem(hyps, defs, ranges, [(s.label, s.statement) for s in steps]):
                if problem:
                    ctx.step = label
                    ctx.fail(f"numeric witness: {problem}")
                next(r for r in results if r.label == label).witnessed = points
    finally:
        _REWRITE.pop()
    thm = Thm(_TOKEN, name=name, source=source, conclusions=conclusions, hypotheses=hyps, definitions=defs,
              ranges=ranges, digest=statement_digest(name, conclusions, hyps, defs, ranges), results=results,
              axioms=tuple({a.name: a for a in ctx.axioms}.values()))
    _ISSUED.add(thm)
    _DIGESTS[id(thm)] = thm.digest
    weakref.finalize(thm, _DIGESTS.pop, id(thm), None)
    return thm
