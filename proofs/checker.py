"""A small proof checker: theorems as ordered steps, each verified by sympy.

A :class:`Theorem` is a list of :class:`Step` objects.  Every step states a
sympy relation (``Eq``, ``Ge`` or ``Le``) and carries one justification:

``Algebra``
    checked: the two sides differ by something sympy reduces to zero
    (equalities) or proves nonnegative under the declared symbol assumptions
    (inequalities).
``Integrate``
    checked: sympy evaluates every integral on the left and the result
    reduces to the right-hand side.
``Combine``
    checked: the statement is a combination of earlier steps and hypotheses
    (transitivity, adding equalities, scaling by a factor, summing a step
    stated for a free index over that index) whose inequalities enter with
    factors proved nonnegative, up to a remainder that reduces to zero or is
    provably nonnegative.  This is the arithmetic of ordered fields, so it is
    not listed as an axiom.
``ByTheorem``
    checked: the statement is an instance of an already proved theorem; the
    substituted expressions must satisfy that theorem's symbol assumptions
    and hypotheses.
``ByAxiom``
    an assumed principle, named (see :mod:`proofs.axioms`).  The statement
    must match the axiom's schema exactly, and the axiom's side conditions
    (convexity, nonnegative weights, ...) are checked where sympy can.

During algebra, integrals and KL terms are opaque atoms: two of them are
identified only when their integrands (arguments) agree, so linearity of the
integral or Fubini can never be used without naming them.  Numbers obtained by
sampling are never a justification.
"""

from __future__ import annotations

import contextvars
import functools
import time
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import sympy as sp

from .objects import KL, Density

__all__ = [
    "Algebra",
    "Axiom",
    "ByAxiom",
    "ByTheorem",
    "Combine",
    "Condition",
    "Integrate",
    "ProofError",
    "Step",
    "StepResult",
    "Theorem",
    "TheoremReport",
    "clear_cache",
    "instantiate",
    "is_zero",
    "is_nonnegative",
]

Status = Literal["checked", "axiom"]


class ProofError(AssertionError):
    """A step that the checker could not verify; the message names the step."""


# ---------------------------------------------------------------------------
# Reduction helpers
# ---------------------------------------------------------------------------

_OPAQUE = (sp.Integral, KL)

#: Definitional rewrite rules of the theorem being checked (``qbar(z) -> sum``).
_RULES: contextvars.ContextVar[Mapping] = contextvars.ContextVar("rules", default=types.MappingProxyType({}))


def _fingerprint(e: sp.Basic) -> tuple[frozenset, frozenset]:
    """Functions applied and free symbols, after unfolding definitions.

    Expressions that reduce to the same thing have the same fingerprint, so a
    differing fingerprint rejects an identification without any simplification.
    """
    try:
        e = sp.expand_log(sp.expand(e), force=False)
    except Exception:  # noqa: BLE001
        pass
    e = e.xreplace(_RULES.get())
    heads = frozenset(type(f) for f in e.atoms(sp.Function) if isinstance(f, sp.core.function.AppliedUndef) or isinstance(f, Density))
    return heads, frozenset(e.free_symbols)


def _same_opaque(a: sp.Basic, b: sp.Basic) -> bool:
    """Whether two integrals (or two KL terms) are the same object up to algebra."""
    if type(a) is not type(b):
        return False
    if a == b:
        return True
    if _fingerprint(a) != _fingerprint(b):
        return False
    if isinstance(a, sp.Integral):
        if a.limits != b.limits:
            return False
        return is_zero(a.function - b.function)
    if isinstance(a, KL):
        return all(_same_function(fa, fb) for fa, fb in zip(a.args, b.args))
    return a == b


def _same_function(fa: sp.Basic, fb: sp.Basic) -> bool:
    """Two ``Lambda`` densities agree at every point (checked on fresh dummies)."""
    if isinstance(fa, sp.Lambda) and isinstance(fb, sp.Lambda):
        if len(fa.signature) != len(fb.signature):
            return False
        point = [sp.Dummy(real=True) for _ in fa.signature]
        return is_zero(fa(*point) - fb(*point))
    return is_zero(fa - fb)


def _make_opaque(expr: sp.Basic) -> sp.Basic:
    """Replace integrals and KL terms by undefined functions of their free symbols.

    Equal atoms (same limits, integrands that reduce to the same thing) share
    one function, so algebra can cancel them but never look inside.
    """
    outer: list[sp.Basic] = []

    def collect(e: sp.Basic) -> None:
        if isinstance(e, _OPAQUE):
            outer.append(e)
        else:
            for arg in e.args:
                collect(arg)

    collect(expr)
    classes: list[sp.Basic] = []
    mapping: dict[sp.Basic, sp.Basic] = {}
    for a in outer:
        if a in mapping:
            continue
        for k, rep in enumerate(classes):
            if _same_opaque(a, rep):
                break
        else:
            k = len(classes)
            classes.append(a)
        args = sorted(a.free_symbols, key=sp.default_sort_key)
        mapping[a] = sp.Function(f"_atom{k}")(*args) if args else sp.Symbol(f"_atom{k}")
    return expr.xreplace(mapping)


_STRATEGIES: tuple[Callable[[sp.Expr], sp.Expr], ...] = (
    lambda e: e,
    sp.expand,
    lambda e: sp.expand_log(sp.expand(e), force=False),
    sp.simplify,
    lambda e: sp.simplify(sp.expand_log(sp.expand(e), force=False)),
    lambda e: sp.simplify(sp.expand_log(sp.expand(e.doit()), force=False)),
)


def _reductions(expr: sp.Expr) -> Iterator[sp.Expr]:
    """Equivalent forms of ``expr``; a strategy that fails inside sympy is skipped."""
    for strategy in _STRATEGIES:
        try:
            yield strategy(expr)
        except Exception:  # noqa: BLE001 - a sympy failure only means "not shown"
            continue


def _candidates(expr: sp.Expr):
    """Reduced forms of ``expr``, then of it with the definitions unfolded."""
    rules = _RULES.get()
    expr = sp.sympify(expr)
    yield from _reductions(_make_opaque(expr))
    if rules:
        unfolded = _make_opaque(expr.xreplace(rules))
        for r in _reductions(unfolded):
            yield r
            yield from _reductions(r.xreplace(rules))


def is_zero(expr: sp.Expr) -> bool:
    """True when sympy reduces ``expr`` to zero (integrals and KL terms opaque)."""
    return _is_zero_cached(sp.sympify(expr), tuple(_RULES.get().items()))


@functools.lru_cache(maxsize=4096)
def _is_zero_cached(expr: sp.Expr, rules: tuple) -> bool:
    if _surely_nonzero(expr):
        return False
    return any(r == 0 for r in _candidates(expr))


def clear_cache() -> None:
    """Forget remembered reductions (the next check does all its algebra again)."""
    _is_zero_cached.cache_clear()


def _surely_nonzero(expr: sp.Expr) -> bool:
    """A fast *rejection*: ``expr`` is far from zero at one admissible point.

    Used only to skip simplification for an expression that is certainly
    not identically zero; no step is ever accepted because of a number.
    Definitions are unfolded first, symbolic sum lengths become 3, indexed
    weights that a definition makes sum to one get values that do, and each
    undefined positive function becomes a fixed smooth positive function.
    An identity that holds for every density holds for these, so a true step
    is never rejected here.  Integrals, KL terms and derivatives are left to
    algebra.
    """
    rules = _RULES.get()
    e = expr.xreplace(rules)
    if e.has(sp.Integral, KL, sp.Derivative):
        return False
    values: dict[sp.Basic, sp.Basic] = {}
    for k, sym in enumerate(sorted(e.free_symbols, key=sp.default_sort_key)):
        if sym.is_integer:
            values[sym] = sp.Integer(3)
        elif sym.is_positive:
            values[sym] = sp.Rational(7 + 3 * k, 11)
        else:
            values[sym] = sp.Rational(-5 + 3 * k, 13)
    try:
        e = e.xreplace(values).doit()
        normalized = {lhs.function.base for lhs, rhs in rules.items()
                      if isinstance(lhs, sp.Sum) and rhs == 1 and isinstance(lhs.function, sp.Indexed)}

        def indexed_value(x: sp.Indexed) -> sp.Expr:
            (idx,) = x.indices
            raw = [sp.Rational(2 + 3 * k, 7) for k in range(1, 4)]
            if x.base in normalized:
                return raw[int(idx) - 1] / sum(raw)
            return raw[int(idx) - 1] if x.base.assumptions0.get("positive") else raw[int(idx) - 1] - 1

        e = e.replace(lambda x: isinstance(x, sp.Indexed), indexed_value)
        e = e.replace(
            lambda x: isinstance(x, sp.core.function.AppliedUndef),
            lambda x: sp.exp(sp.sin(len(type(x).__name__) + sum((k + 1) * sp.Rational(7, 10) * a
                                                                for k, a in enumerate(x.args)))),
        )
        value = complex(e.evalf(30))
    except (TypeError, ValueError, IndexError):
        return False
    return abs(value) > 1e-6


def is_nonnegative(expr: sp.Expr) -> bool:
    """True when sympy proves ``expr >= 0`` from the symbols' assumptions."""
    for r in _candidates(expr):
        if r == 0 or r.is_nonnegative or sp.factor(r).is_nonnegative:
            return True
    return False


def _normal(rel: sp.Basic) -> tuple[str, sp.Expr]:
    """``('eq', a - b)`` for ``a = b``; ``('ge', big - small)`` for inequalities."""
    if isinstance(rel, sp.Equality):
        return "eq", rel.lhs - rel.rhs
    if isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan)):
        return "ge", rel.lhs - rel.rhs
    if isinstance(rel, (sp.LessThan, sp.StrictLessThan)):
        return "ge", rel.rhs - rel.lhs
    raise TypeError(f"a step must state Eq, Ge or Le, got {type(rel).__name__}: {rel}")


def _same_relation(a: sp.Basic, b: sp.Basic) -> bool:
    if a == b:
        return True
    ka, da = _normal(a)
    kb, db = _normal(b)
    if ka != kb:
        return False
    if ka == "eq":
        return is_zero(da - db) or is_zero(da + db)
    return is_zero(da - db)


def instantiate(expr: sp.Basic, subs: Mapping[sp.Basic, sp.Basic]) -> sp.Basic:
    """Substitute symbols by expressions, and indexed bases or functions by Lambdas.

    ``{a: Lambda(i, w[i]*q(i, z))}`` rewrites every ``a[k]`` as ``w[k]*q(k, z)``.
    """
    plain = {k: v for k, v in subs.items() if not isinstance(v, sp.Lambda)}
    out = expr
    for base, lam in subs.items():
        if not isinstance(lam, sp.Lambda):
            continue
        if isinstance(base, sp.IndexedBase):
            out = out.replace(
                lambda e, b=base: isinstance(e, sp.Indexed) and e.base == b,
                lambda e, lam=lam: lam(*e.indices),
            )
        else:
            out = out.replace(base, lam)
    return out.xreplace(plain)


def _assumption_holds(target: sp.Basic, value: sp.Basic) -> tuple[bool, str]:
    """Whether ``value`` satisfies the positivity/realness assumptions of ``target``."""
    probe = value.expr if isinstance(value, sp.Lambda) else value
    for name in ("positive", "nonnegative", "real"):
        required = getattr(target, f"is_{name}", None)
        if isinstance(target, sp.IndexedBase):
            required = target.assumptions0.get(name)
        if required:
            if name == "positive" and not (probe.is_positive or _probe_positive(probe)):
                return False, f"{probe} is not provably positive"
            if name == "nonnegative" and not is_nonnegative(probe):
                return False, f"{probe} is not provably nonnegative"
            if name == "real" and probe.is_real is False:
                return False, f"{probe} is not real"
    return True, ""


def _probe_positive(e: sp.Expr) -> bool:
    return bool(sp.simplify(e).is_positive)


# ---------------------------------------------------------------------------
# Axioms and justifications
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A side condition of an axiom: a relation the checker must prove."""

    description: str
    relation: sp.Basic


@dataclass(frozen=True)
class Axiom:
    """An assumed principle, named and stated in words, with a schema.

    ``schema(**args)`` returns the relation the axiom licenses for those
    arguments; ``conditions(**args)`` returns the side conditions to prove.
    """

    name: str
    statement: str
    schema: Callable[..., sp.Basic]
    conditions: Callable[..., Sequence[Condition]] = lambda **_: ()
    reference: str = ""


@dataclass
class StepResult:
    """Outcome of checking one step."""

    label: str
    status: Status
    detail: str
    seconds: float = 0.0


class Justification:
    """Base class; ``check`` returns a status or raises :class:`ProofError`."""

    def check(self, step: "Step", ctx: "_Context") -> tuple[Status, str]:  # pragma: no cover
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class Algebra(Justification):
    """The two sides agree (or are ordered) by algebra alone."""

    def check(self, step, ctx):
        kind, diff = _normal(step.statement)
        if kind == "eq" and is_zero(diff):
            return "checked", "difference reduces to 0"
        if kind == "ge" and is_nonnegative(diff):
            return "checked", "difference proved nonnegative"
        what = "reduce to 0" if kind == "eq" else "have a provable sign"
        raise ProofError(f"{ctx.where(step)}: algebra: {diff} does not {what}")

    def describe(self):
        return "algebra"


@dataclass(frozen=True)
class Integrate(Justification):
    """sympy evaluates the integrals on the left; the result is the right side."""

    def check(self, step, ctx):
        rel = step.statement
        if not isinstance(rel, sp.Equality) or not rel.lhs.has(sp.Integral):
            raise ProofError(f"{ctx.where(step)}: Integrate needs 'integral = value'")
        value = rel.lhs.doit()
        if value.has(sp.Integral):
            raise ProofError(f"{ctx.where(step)}: sympy could not evaluate {rel.lhs}")
        if not is_zero(value - rel.rhs):
            raise ProofError(
                f"{ctx.where(step)}: the integral evaluates to {sp.simplify(value)}, "
                f"not {rel.rhs}"
            )
        return "checked", "integral evaluated by sympy"

    def describe(self):
        return "evaluating the integral"


def _as_ref(ref: str | tuple) -> tuple[str, sp.Expr, tuple | None]:
    """``"s1"``, ``("s1", c)`` or ``("s1", c, (i, 1, N))`` as ``(label, coefficient, over)``."""
    if isinstance(ref, str):
        return ref, sp.Integer(1), None
    label, coeff, *over = ref
    return label, sp.sympify(coeff), (over[0] if over else None)


@dataclass(frozen=True)
class Combine(Justification):
    """A nonnegative combination of earlier steps or hypotheses.

    ``Combine("s1", "s2")`` adds steps ``s1`` and ``s2``;
    ``Combine(("s1", B))`` scales ``s1`` by ``B`` (provably >= 0 when ``s1`` is
    an inequality); ``Combine(("s1", w[i], (i, 1, N)))`` sums ``w[i]`` times
    step ``s1`` (stated for a free index ``i``) over ``i``.  What remains must
    reduce to zero, or, for an inequality, be provably nonnegative.
    """

    refs: tuple = ()

    def __init__(self, *refs: str | tuple):
        object.__setattr__(self, "refs", tuple(_as_ref(r) for r in refs))

    def check(self, step, ctx):
        kind, residual = _normal(step.statement)
        for label, coeff, over in self.refs:
            rk, rd = _normal(ctx.fact(label, step))
            coeff = sp.sympify(coeff)
            if rk == "ge":
                if kind == "eq":
                    raise ProofError(f"{ctx.where(step)}: an equality cannot follow from inequality {label!r}")
                if not is_nonnegative(coeff):
                    raise ProofError(f"{ctx.where(step)}: factor {coeff} on {label!r} is not provably >= 0")
            residual -= sp.Sum(coeff * rd, over) if over else coeff * rd
        if is_zero(residual) or (kind == "ge" and is_nonnegative(residual)):
            return "checked", "combination of " + ", ".join(l for l, _, _ in self.refs)
        raise ProofError(
            f"{ctx.where(step)}: does not follow from {', '.join(l for l, _, _ in self.refs)}; "
            f"remainder {residual}"
        )

    def describe(self):
        parts = []
        for label, coeff, over in self.refs:
            text = f"({label})"
            if coeff != 1:
                text += f" times ${sp.latex(coeff)}$"
            if over:
                text += f" summed over ${sp.latex(over[0])}$"
            parts.append(text)
        return "from " + ", ".join(parts)


@dataclass(frozen=True)
class ByTheorem(Justification):
    """An instance of a proved theorem under the substitution ``subs``.

    With ``over=(j, 1, d)`` the instance (an equality with free index ``j``)
    is applied to every term of a sum over ``j``.  With ``part=k`` the k-th
    conclusion of a theorem with several is used.
    """

    theorem: "Theorem"
    subs: Mapping = field(default_factory=dict)
    over: tuple | None = None
    part: int = 0

    def check(self, step, ctx):
        if not ctx.is_proved(self.theorem):
            raise ProofError(f"{ctx.where(step)}: {self.theorem.name!r} is not proved yet")
        for target, value in self.subs.items():
            ok, why = _assumption_holds(target, value)
            if not ok:
                raise ProofError(f"{ctx.where(step)}: substituting {target}: {why}")
        for label, hyp in self.theorem.hypotheses.items():
            need = instantiate(hyp, self.subs)
            if not (_provable(need) or ctx.knows(need)):
                raise ProofError(f"{ctx.where(step)}: hypothesis {label} of {self.theorem.name!r} not met: {need}")
        inst = instantiate(self.theorem.conclusions[self.part], self.subs)
        if self.over is not None:
            if not isinstance(inst, sp.Equality):
                raise ProofError(f"{ctx.where(step)}: only equalities apply termwise")
            inst = sp.Eq(sp.Sum(inst.lhs, self.over), sp.Sum(inst.rhs, self.over))
        if not _same_relation(step.statement, inst):
            raise ProofError(f"{ctx.where(step)}: not an instance of {self.theorem.name!r}; expected {inst}")
        return "checked", f"instance of {self.theorem.name}"

    def describe(self):
        text = f"by the theorem \u201c{self.theorem.title}\u201d"
        return text + (" applied to every term" if self.over is not None else "")


@dataclass(frozen=True)
class ByAxiom(Justification):
    """An application of a named axiom with arguments ``args``."""

    axiom: Axiom
    args: Mapping = field(default_factory=dict)

    def __init__(self, axiom: Axiom, **args):
        object.__setattr__(self, "axiom", axiom)
        object.__setattr__(self, "args", args)

    def check(self, step, ctx):
        inst = self.axiom.schema(**self.args)
        if not _same_relation(step.statement, inst):
            raise ProofError(f"{ctx.where(step)}: does not match {self.axiom.name}: expected {inst}")
        for cond in self.axiom.conditions(**self.args):
            if cond.relation is sp.true:
                continue
            if cond.relation is sp.false or not (ctx.knows(cond.relation) or _provable(cond.relation)):
                raise ProofError(
                    f"{ctx.where(step)}: side condition of {self.axiom.name} not proved: "
                    f"{cond.description} ({cond.relation})"
                )
        ctx.axioms_used.append(self.axiom)
        return "axiom", self.axiom.name

    def describe(self):
        return self.axiom.name


def _provable(rel: sp.Basic) -> bool:
    if rel in (sp.true, sp.false):
        return rel is sp.true
    kind, diff = _normal(rel)
    return is_zero(diff) if kind == "eq" else is_nonnegative(diff)


# ---------------------------------------------------------------------------
# Theorems
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of a derivation: a relation, why it holds, and a note in words."""

    label: str
    statement: sp.Basic
    why: Justification
    note: str = ""

    def __post_init__(self):
        if self.statement in (sp.true, sp.false):
            raise TypeError(
                f"step ({self.label}): sympy already evaluated the statement to {self.statement}; "
                "build the relation with evaluate=False"
            )


@dataclass
class TheoremReport:
    """Per-step outcome of :meth:`Theorem.check`."""

    theorem: "Theorem"
    steps: list[StepResult]
    axioms: list[Axiom]

    @property
    def ok(self) -> bool:
        return len(self.steps) == len(self.theorem.steps)


class _Context:
    def __init__(self, theorem: "Theorem", proved: set[str]):
        self.theorem = theorem
        self.facts: dict[str, sp.Basic] = dict(theorem.hypotheses)
        self.proved = proved
        self.axioms_used: list[Axiom] = []

    def where(self, step: Step) -> str:
        return f"{self.theorem.name}, step ({step.label})"

    def fact(self, label: str, step: Step) -> sp.Basic:
        if label not in self.facts:
            raise ProofError(f"{self.where(step)}: refers to unknown step or hypothesis {label!r}")
        return self.facts[label]

    def knows(self, rel: sp.Basic) -> bool:
        if rel in (sp.true, sp.false):
            return rel is sp.true
        return any(_same_relation(rel, f) for f in self.facts.values())

    def is_proved(self, theorem: "Theorem") -> bool:
        return theorem.name in self.proved


@dataclass
class Theorem:
    """A named result: hypotheses, a conclusion, and the steps that reach it.

    Symbol assumptions (``positive=True``...) are part of the statement.
    ``uses`` lists theorems that must be checked first.
    """

    name: str
    title: str
    conclusion: sp.Basic
    steps: list[Step]
    hypotheses: dict[str, sp.Basic] = field(default_factory=dict)
    definitions: dict[sp.Basic, sp.Basic] = field(default_factory=dict)
    summary: str = ""
    uses: tuple["Theorem", ...] = ()

    @property
    def conclusions(self) -> tuple[sp.Basic, ...]:
        """The conclusion as a tuple (a theorem may conclude several relations)."""
        c = self.conclusion
        return tuple(c) if isinstance(c, (tuple, list)) else (c,)

    def check(self, proved: set[str] | None = None) -> TheoremReport:
        """Check every step in order; raise :class:`ProofError` at the first failure.

        ``definitions`` (``{qbar(z): Sum(...)}``) are unfolded during algebra;
        ``hypotheses`` may be cited by label like steps.
        """
        if proved is None:
            proved = set()
            for dep in self.dependencies():
                dep.check(proved)
                proved.add(dep.name)
        token = _RULES.set(dict(self.definitions))
        try:
            ctx = _Context(self, proved)
            results = []
            for step in self.steps:
                if step.label in ctx.facts:
                    raise ProofError(f"{ctx.where(step)}: label used twice")
                start = time.perf_counter()
                status, detail = step.why.check(step, ctx)
                results.append(StepResult(step.label, status, detail, time.perf_counter() - start))
                ctx.facts[step.label] = step.statement
            for c in self.conclusions:
                stated = any(s.statement == c for s in self.steps)
                if not (stated or (self.steps and _same_relation(self.steps[-1].statement, c))):
                    raise ProofError(f"{self.name}: no step states the conclusion {c}")
        finally:
            _RULES.reset(token)
        unique = list({a.name: a for a in ctx.axioms_used}.values())
        return TheoremReport(self, results, unique)

    def dependencies(self) -> list["Theorem"]:
        """Theorems this one rests on, in an order where each follows its own."""
        order: list[Theorem] = []

        def visit(t: Theorem) -> None:
            for u in t.uses:
                visit(u)
                if u not in order:
                    order.append(u)

        visit(self)
        return order

    def __hash__(self) -> int:
        return hash(self.name)

    def _repr_latex_(self) -> str:
        from .render import theorem_repr_latex  # rendering is not part of the checker

        return theorem_repr_latex(self)

    def _repr_markdown_(self) -> str:
        from .render import theorem_repr_markdown

        return theorem_repr_markdown(self)
