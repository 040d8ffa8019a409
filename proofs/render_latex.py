"""Typesetting pieces shared by the LaTeX, Markdown and Jupyter renderings.

- :func:`latex` prints a sympy expression the way the derivations read:
  numbers, weights and variables before densities, densities before
  logarithms, sums and integrals last (``w_i q_i(z) \\log(q_i(z)/p(z))``
  rather than sympy's ``\\log(q_i(z)/p(z)) q_i(z) w_i``); positive terms
  before negative ones; a common rational factor pulled in front
  (``\\frac12 (\\sigma^2 + \\mu^2 - 1 - \\log \\sigma^2)``); a Gaussian density
  built by :func:`proofs.objects.gaussian_pdf` as
  :math:`\\mathcal N(z; \\mu, \\sigma^2)`; a determinant of a symbolic
  matrix of size three or more as :math:`\\det S`, and the trace of
  :math:`S^{-1} S` by that name.  The kernel's Gaussian objects
  (``KLNormal``, ``GaussianExpectation``) print their vectors and matrices
  by name (:func:`proofs.objects.matrix_latex`): ``m``, ``S``,
  ``diag(v)``, ``I``, ``0``.
- :func:`prose_latex` and :func:`prose_markdown` escape prose: plain text
  with inline math in ``$...$`` and code in backticks.
- :func:`display_lines` breaks a long relation over lines at the top-level
  ``+`` and ``-`` signs and after the relation sign, using
  :func:`estimate_width` (in ems of 10pt Computer Modern).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .mixture import w as _mixture_weight
from .objects import KL, Density, Opaque, gaussians

__all__ = [
    "DerivationPrinter",
    "display_lines",
    "estimate_width",
    "latex",
    "matrix_names",
    "prose_latex",
    "prose_markdown",
    "relation_parts",
]

# ---------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------


class _Named(sp.Symbol):
    """A placeholder that prints as a given LaTeX string (a named sub-expression)."""

    def __new__(cls, tex: str, rank: int):
        obj = super().__new__(cls, f"_named[{tex}]", real=True)
        obj._tex = tex
        obj._rank = rank
        return obj

    def _latex(self, printer) -> str:
        return self._tex


#: Sort rank of a factor in a product: lower ranks print first.
_NUMBER, _WEIGHT, _VARIABLE, _DENSITY, _ADD, _SUM, _FUNCTION, _DIVERGENCE, _INTEGRAL = range(9)


def _rank(factor: sp.Basic) -> int:
    base = factor.base if isinstance(factor, sp.Pow) else factor
    if isinstance(base, _Named):
        return base._rank
    if base.is_Number or base in (sp.pi, sp.E):
        return _NUMBER
    if isinstance(base, sp.Indexed) and base.base == _mixture_weight:
        return _WEIGHT
    if isinstance(base, (sp.Symbol, sp.Indexed)):
        return _VARIABLE
    if isinstance(base, (Density, sp.core.function.AppliedUndef)):
        return _DENSITY
    if isinstance(base, sp.Add):
        return _ADD
    if isinstance(base, (sp.Sum, sp.Product)):
        return _SUM
    if isinstance(base, KL) or type(base).__name__.startswith("KL"):
        return _DIVERGENCE
    if isinstance(base, (sp.Integral, sp.Derivative)):
        return _INTEGRAL
    return _FUNCTION


class DerivationPrinter(LatexPrinter):
    """sympy's LaTeX printer with the term and factor order of a written derivation."""

    def __init__(self, settings: dict | None = None):
        super().__init__({"order": "none", **(settings or {})})

    def _print_Identity(self, expr: sp.Identity) -> str:
        return "I"

    def _print_ZeroMatrix(self, expr: sp.ZeroMatrix) -> str:
        return "0"

    def _print_Inverse(self, expr: sp.Inverse) -> str:
        """A^{-1}, with brackets only around a matrix that is not written as one letter."""
        from .matrices import MixtureCov, SPDFamily

        tex = self._print(expr.arg)
        if isinstance(expr.arg, (sp.MatrixSymbol, MixtureCov, SPDFamily)):
            return "{" + tex + "}^{-1}"
        return r"\left(" + tex + r"\right)^{-1}"

    def _product(self, factors: Sequence[sp.Basic]) -> str:
        ordered = sorted(factors, key=_rank)
        out = []
        for k, f in enumerate(ordered):
            tex = self._print(f)
            if len(ordered) > 1 and self._needs_mul_brackets(f, first=(k == 0), last=(k == len(ordered) - 1)):
                tex = rf"\left({tex}\right)"
            if out and re.search(r"[0-9]$", out[-1]) and re.match(r"[0-9]", tex):
                out.append(r"\cdot")
            out.append(tex)
        return " ".join(out)

    def _print_Mul(self, expr: sp.Mul) -> str:
        if expr.could_extract_minus_sign():
            inner = -expr
            tex = self._print(inner)
            if isinstance(inner, sp.Add):
                tex = rf"\left({tex}\right)"
            return "- " + tex
        numer, denom = sp.fraction(expr, exact=True)
        if denom == 1:
            return self._product(sp.Mul.make_args(expr))
        num_factors = sp.Mul.make_args(numer)
        # integrals, sums and divergences stay out of a fraction: \frac{a}{b} \int ...
        big = [f for f in num_factors if _rank(f) in (_SUM, _DIVERGENCE, _INTEGRAL)]
        if big:
            rest = sp.Mul(*[f for f in num_factors if f not in big]) / denom
            return self._product([rest]) + " " + self._product(big)
        # a long numerator over a number reads better as a coefficient: \frac{1}{2} (...)
        if denom.is_Number and numer != 1 and len(num_factors) == 1 and isinstance(numer, sp.Add):
            return rf"\frac{{1}}{{{self._print(denom)}}} \left({self._print(numer)}\right)"
        return rf"\frac{{{self._product(num_factors)}}}{{{self._product(sp.Mul.make_args(denom))}}}"

    def _ordered_terms(self, expr: sp.Add) -> list[sp.Basic]:
        terms = list(self._as_ordered_terms(expr, order=None))
        return sorted(terms, key=lambda t: (t.could_extract_minus_sign(), t.is_number))

    def _print_Add(self, expr: sp.Add, order=None) -> str:
        content, primitive = expr.primitive()
        if content.is_Rational and content.q > 1 and len(expr.args) > 2 and isinstance(primitive, sp.Add):
            return rf"\frac{{{content.p}}}{{{content.q}}} \left({self._print_Add(primitive)}\right)"
        tex = ""
        for k, term in enumerate(self._ordered_terms(expr)):
            if k == 0:
                if term.could_extract_minus_sign():
                    tex += "- "
                    term = -term
            elif term.could_extract_minus_sign():
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            tex += term_tex
        return tex


def matrix_names(exprs: Iterable[sp.Basic]) -> dict[sp.Basic, str]:
    """``{det M: r'\\det S', tr(M^-1 M): r'\\operatorname{tr}(S^{-1} S)'}`` for the symbolic matrices in ``exprs``.

    The name is the letter its entries share (``S_11, S_12, ...`` give ``S``).
    Determinants of size 2 are short enough to print expanded; the trace of
    ``S^{-1} S`` is named from size 2 on (expanded, it is a sum of fractions).
    """
    names: dict[sp.Basic, str] = {}
    for e in exprs:
        for mat in sp.sympify(e).atoms(sp.ImmutableDenseMatrix):
            rows, cols = mat.shape
            if rows != cols or rows < 2 or mat.is_diagonal():
                continue
            letters = {str(s).split("_")[0] for s in mat.free_symbols}
            if len(letters) != 1:
                continue
            (letter,) = letters
            if rows >= 3:
                names[mat.det()] = rf"\det {letter}"
            names[(sp.ImmutableMatrix(mat.inv()) * mat).trace()] = \
                rf"\operatorname{{tr}}\left({letter}^{{-1}} {letter}\right)"
    return names


def _name_gaussians(expr: sp.Basic) -> sp.Basic:
    """Replace every Gaussian density built by ``gaussian_pdf`` by its name.

    sympy merges a density's factors into the surrounding product, so each
    product is divided by every registered density whose exponential it
    contains (multiplied, where the exponential is in the denominator); the
    result equals the input exactly, whatever is left over.
    """
    if isinstance(expr, type) or not expr.args or isinstance(expr, _Named):   # a density class has no arguments
        return expr
    known = gaussians()
    if isinstance(expr, sp.Mul) and known:
        named: list[sp.Basic] = []
        changed = True
        rounds = 0
        while changed and rounds < 8:  # each round removes one density; a product holds a few at most
            changed, rounds = False, rounds + 1
            factors = sp.Mul.make_args(expr)
            for body, (point, mean, var) in known.items():
                exps = [f for f in sp.Mul.make_args(body) if isinstance(f, sp.exp)]
                if not exps:
                    continue
                if exps[0] in factors:
                    expr, changed = expr / body, True
                    named.append(_Named(_gaussian_tex(point, mean, var), _DENSITY))
                elif sp.exp(-exps[0].args[0]) in factors:
                    expr, changed = expr * body, True
                    named.append(1 / _Named(_gaussian_tex(point, mean, var), _DENSITY))
                if changed:
                    break
        if named:
            return sp.Mul(*named, *[_name_gaussians(f) for f in sp.Mul.make_args(expr)])
    if isinstance(expr, (sp.Lambda, sp.ImmutableDenseMatrix)):
        return expr
    new_args = [_name_gaussians(a) for a in expr.args]
    if all(a is b for a, b in zip(new_args, expr.args)):
        return expr
    try:
        return expr.func(*new_args)
    except (TypeError, ValueError):
        return expr


def _gaussian_tex(point: sp.Expr, mean: sp.Expr, var: sp.Expr) -> str:
    """N(point; mean, var); the parameters print plainly (no Gaussian is named inside another's parameters)."""
    plain = lambda e: DerivationPrinter().doprint(sp.sympify(e))  # noqa: E731
    return rf"\mathcal N\left({plain(point)}; {plain(mean)}, {plain(var)}\right)"


def _prepare(expr: sp.Basic, names: Mapping[sp.Basic, str] | None = None) -> sp.Basic:
    expr = sp.sympify(expr)
    if names:
        # an opaque object (a KL term, an expectation) prints its own arguments: names stay outside it
        hidden = {o: sp.Dummy(real=True) for o in expr.atoms(Opaque)}
        expr = expr.xreplace(hidden).xreplace({k: _Named(v, _VARIABLE) for k, v in names.items()})
        expr = expr.xreplace({d: o for o, d in hidden.items()})
    return _name_gaussians(expr)


def latex(expr: sp.Basic, names: Mapping[sp.Basic, str] | None = None) -> str:
    """LaTeX of ``expr`` in the derivations' notation; ``names`` maps sub-expressions to LaTeX."""
    return DerivationPrinter().doprint(_prepare(expr, names))


_RELATIONS = {sp.Equality: "=", sp.GreaterThan: r"\geq", sp.LessThan: r"\leq",
              sp.StrictGreaterThan: ">", sp.StrictLessThan: "<"}


def relation_parts(rel: sp.Basic, names: Mapping[sp.Basic, str] | None = None) -> tuple[list[str], str, list[str]]:
    """The pieces of the left side, the relation sign and the pieces of the right side, as LaTeX.

    A side is cut between its top-level terms; a term that is a product
    with a sum in parentheses, or an integral of such a product, is cut
    between the terms inside (the parentheses become ``\\Bigl( ... \\Bigr)``).
    Every piece after the first carries its sign (``"+ x"``, ``"- y"``), so
    joining the pieces with spaces gives the whole side.  A plain
    expression is returned as its pieces, with an empty sign.
    """
    printer = DerivationPrinter()
    sign = next((s for t, s in _RELATIONS.items() if isinstance(rel, t)), None)
    if sign is None:
        return _pieces(printer, _prepare(rel, names)), "", []
    return _pieces(printer, _prepare(rel.lhs, names)), sign, _pieces(printer, _prepare(rel.rhs, names))


def _wrap(before: str, inner: list[str], after: str) -> list[str]:
    """``before \\Bigl( inner \\Bigr) after`` as pieces."""
    out = list(inner)
    out[0] = (before + r" \Bigl(" + out[0]).strip()
    out[-1] = out[-1] + r"\Bigr)" + (" " + after if after else "")
    return out


def _pieces(printer: DerivationPrinter, expr: sp.Basic, signed: bool = False) -> list[str]:
    """LaTeX pieces of ``expr`` between which a line may break; ``signed``: prefix ``+`` to the first."""
    if expr.could_extract_minus_sign() and not isinstance(expr, sp.Add):
        inner = _pieces(printer, -expr)
        if isinstance(-expr, sp.Add) and len(inner) > 1:
            inner = _wrap("", inner, "")
        inner[0] = "- " + inner[0]
        return inner
    prefix = "+ " if signed else ""
    if isinstance(expr, sp.Add):
        content, primitive = expr.primitive()
        if content.is_Rational and content.q > 1 and len(expr.args) > 2 and isinstance(primitive, sp.Add):
            out = _wrap(rf"\frac{{{content.p}}}{{{content.q}}}", _pieces(printer, primitive), "")
        else:
            out = []
            for k, term in enumerate(printer._ordered_terms(expr)):
                if k == 0:
                    out += _pieces(printer, term)
                elif term.could_extract_minus_sign():
                    out += _pieces(printer, term)
                else:
                    out += _pieces(printer, term, signed=True)
            out = [o if k == 0 or o.startswith(("+ ", "- ")) else o for k, o in enumerate(out)]
        out[0] = prefix + out[0]
        return out
    if isinstance(expr, sp.Mul):
        numer, denom = sp.fraction(expr, exact=True)
        factors = sorted(sp.Mul.make_args(expr), key=_rank)
        splittable = [f for f in factors if isinstance(f, (sp.Add, sp.Integral))]
        if denom == 1 and len(splittable) == 1:
            k = factors.index(splittable[0])
            inner = _pieces(printer, splittable[0])
            if len(inner) > 1:
                before = printer._product(factors[:k]) if factors[:k] else ""
                after = printer._product(factors[k + 1:]) if factors[k + 1:] else ""
                out = _wrap(before, inner, after) if isinstance(splittable[0], sp.Add) else \
                    [(before + " " + inner[0]).strip(), *inner[1:-1], inner[-1] + (" " + after if after else "")]
                out[0] = prefix + out[0]
                return out
    if isinstance(expr, sp.Integral) and all(len(lim) == 3 for lim in expr.limits):
        inner = _pieces(printer, expr.function)
        if len(inner) > 1:
            head = "".join(rf"\int\limits_{{{printer._print(lo)}}}^{{{printer._print(hi)}}}"
                           for _, lo, hi in expr.limits)
            tail = "".join(rf"\, d{printer._print(var)}" for var, _, _ in expr.limits)
            if isinstance(expr.function, sp.Add):
                inner = _wrap("", inner, "")
            inner[0] = prefix + head + " " + inner[0]
            inner[-1] += tail
            return inner
    return [prefix + printer.doprint(expr)]


# ---------------------------------------------------------------------------
# Widths and line breaks
# ---------------------------------------------------------------------------

_COMMAND_WIDTH = {"log": 1.35, "sum": 1.45, "int": 1.1, "limits": 0.0, "left": 0.0, "right": 0.0, "middle": 0.0,
                  "displaystyle": 0.0, "Bigl": 0.45, "Bigr": 0.45, "bigl": 0.4, "bigr": 0.4, ",": 0.17, ";": 0.28,
                  ":": 0.22, "quad": 1.0, "qquad": 2.0, "geq": 1.35, "leq": 1.35, "infty": 1.0, "cdot": 0.8,
                  "det": 1.4, "exp": 1.6, "|": 0.5, "mathcal": 0.0, "mathbb": 0.0, "top": 0.8, "partial": 0.6,
                  "bar": 0.0, "hat": 0.0, "operatorname": 0.0, "mathrm": 0.0, "text": 0.0, "tfrac": 0.0,
                  "frac": 0.0, "sqrt": 0.0, "dots": 1.2, "ldots": 1.2, "mid": 0.8, "sim": 1.35}
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}^_&])|(\s+)|(.)", re.S)


def _group(tokens: list, k: int) -> tuple[list, int]:
    """The tokens of the argument starting at ``tokens[k]`` (a braced group or one token)."""
    while k < len(tokens) and tokens[k][2]:
        k += 1
    if k >= len(tokens):
        return [], k
    if tokens[k][1] == "{":
        depth, start = 0, k
        while k < len(tokens):
            if tokens[k][1] == "{":
                depth += 1
            elif tokens[k][1] == "}":
                depth -= 1
                if depth == 0:
                    return tokens[start + 1:k], k + 1
            k += 1
        return tokens[start + 1:], k
    if tokens[k][0] and tokens[k][0] not in _COMMAND_WIDTH and tokens[k][0].isalpha():
        return tokens[k:k + 1], k + 1
    return tokens[k:k + 1], k + 1


def _width(tokens: list) -> float:
    total, k, last = 0.0, 0, ""
    while k < len(tokens):
        cmd, special, space, char = tokens[k]
        k += 1
        if space:
            continue
        if special not in ("^", "_"):
            last = cmd or ""
        if cmd is not None:
            if cmd == "frac" or cmd == "tfrac":
                num, k = _group(tokens, k)
                den, k = _group(tokens, k)
                scale = 0.7 if cmd == "tfrac" else 1.0
                total += scale * max(_width(num), _width(den)) + 0.25
            elif cmd == "sqrt":
                arg, k = _group(tokens, k)
                total += _width(arg) + 0.85
            elif cmd in ("operatorname", "mathrm", "text", "texttt"):
                arg, k = _group(tokens, k)
                total += 0.55 * len("".join(t[3] or t[0] or "" for t in arg)) + 0.2
            elif cmd in ("mathcal", "mathbb", "bar", "hat", "tilde"):
                arg, k = _group(tokens, k)
                total += _width(arg) + 0.1
            elif cmd == "begin":
                env, k = _group(tokens, k)
                depth, start = 1, k
                while k < len(tokens) and depth:
                    if tokens[k][0] == "begin":
                        depth += 1
                    elif tokens[k][0] == "end":
                        depth -= 1
                    k += 1
                body = tokens[start:k - 1]
                _, k = _group(tokens, k)
                total += _matrix_width(body)
            else:
                total += _COMMAND_WIDTH.get(cmd, 0.6)
        elif special in ("^", "_"):
            arg, k = _group(tokens, k)
            w = 0.7 * _width(arg)
            # a sub- and superscript stack; limits of a sum stack below it
            if k < len(tokens) and tokens[k][1] in ("^", "_"):
                other, k = _group(tokens, k + 1)
                w = max(w, 0.7 * _width(other))
            total += max(0.0, w - 1.45) if last in ("sum", "limits") else w
        elif special in ("{", "}"):
            continue
        elif special == "&":
            continue
        elif char in "=<>":
            total += 1.35
        elif char in "+-":
            total += 1.2
        elif char in "()[]|":
            total += 0.4
        elif char in ",;.":
            total += 0.3
        else:
            total += 0.52
    return total


def _matrix_width(body: list) -> float:
    rows, row, cell = [], [], []
    for t in body:
        if t[0] == "\\":
            row.append(cell)
            rows.append(row)
            row, cell = [], []
        elif t[1] == "&":
            row.append(cell)
            cell = []
        else:
            cell.append(t)
    row.append(cell)
    rows.append(row)
    ncols = max(len(r) for r in rows)
    widths = [max((_width(r[c]) for r in rows if c < len(r)), default=0.0) for c in range(ncols)]
    return 1.35 * (sum(widths) + 1.0 * (ncols - 1)) + 0.4


def estimate_width(tex: str) -> float:
    """Approximate width of display math ``tex`` in ems (10pt Computer Modern).

    Fractions count their wider part, scripts 70%, limits of sums and
    integrals stack.  An estimate only: the document measures the real width
    and scales what still does not fit.
    """
    return _width([(m.group(1), m.group(2), m.group(3), m.group(4)) for m in _TOKEN.finditer(tex)])


def display_lines(lhs: Sequence[str], sign: str, rhs: Sequence[str], width: float) -> list[str] | None:
    """Lines of an ``aligned`` environment for ``lhs sign rhs`` no wider than ``width`` ems.

    Breaks only between terms (before a top-level ``+`` or ``-``) and before
    the relation sign.  With a short left side the relation sign is the
    alignment point (``lhs &= a \\\\ &\\quad + b``); otherwise the left side
    has its own line and the rest is indented.  Returns ``None`` when the
    relation fits on one line.
    """
    one = " ".join([*lhs, sign, *rhs]).strip()
    if estimate_width(one) <= width:
        return None
    lhs_tex = " ".join(lhs)
    lhs_w = estimate_width(lhs_tex)
    if sign and lhs_w <= 0.5 * width:
        first = lhs_tex + " &" + sign + " "
        indent, budget_first = r"&\quad ", width - lhs_w - 1.5
        chunks = _pack(rhs, [budget_first] + [width - lhs_w - 1.5] * len(rhs))
        lines = [first + chunks[0]] + [indent + c for c in chunks[1:]]
        return lines
    tokens = list(lhs)
    if sign:
        tokens += [sign + " " + rhs[0], *rhs[1:]] if rhs else [sign]
    chunks = _pack(tokens, [width] + [width - 2.0] * len(tokens))
    return ["&" + chunks[0]] + [r"&\qquad " + c for c in chunks[1:]]


def _pack(tokens: Sequence[str], budgets: Sequence[float]) -> list[str]:
    """Greedy filling: as many tokens per line as the line's budget allows (at least one)."""
    lines: list[list[str]] = [[]]
    used = 0.0
    for tok in tokens:
        w = estimate_width(tok) + 0.3
        budget = budgets[min(len(lines) - 1, len(budgets) - 1)]
        if lines[-1] and used + w > budget:
            lines.append([])
            used = 0.0
        lines[-1].append(tok)
        used += w
    return [" ".join(line) for line in lines]


# ---------------------------------------------------------------------------
# Prose
# ---------------------------------------------------------------------------

_SEGMENTS = re.compile(r"(\$[^$]+\$|`[^`]+`)")

_LATEX_TEXT = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_",
    "^": r"\^{}", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    '"': "''", "$": r"\$",
    "\u2018": "`", "\u2019": "'", "\u201c": "``", "\u201d": "''", "\u2013": "--", "\u2014": "---",
    "\u2026": r"\dots{}", "\u00a0": "~", "\u00d7": r"$\times$", "\u2264": r"$\le$", "\u2265": r"$\ge$",
    "\u2016": r"$\|$", "\u2212": "$-$", "\u00e9": r"\'e", "\u00e8": r"\`e", "\u00fc": r'\"u', "\u00f6": r'\"o',
    "\u00e4": r'\"a', "\u00bd": r"$\frac12$", "\u00b2": r"$^2$",
}
_GREEK = {"\u03b1": "alpha", "\u03b2": "beta", "\u03b3": "gamma", "\u03b4": "delta", "\u03b5": "epsilon",
          "\u03bb": "lambda", "\u03bc": "mu", "\u03c0": "pi", "\u03c3": "sigma", "\u03a3": "Sigma",
          "\u03c4": "tau", "\u03b8": "theta", "\u0394": "Delta", "\u03c6": "phi"}


def _latex_text(text: str) -> str:
    out = []
    k = 0
    while k < len(text):
        ch = text[k]
        if k + 1 < len(text) and text[k + 1] == "\u0304":  # a letter with a combining bar: q̄
            out.append(rf"$\bar{{{_GREEK.get(ch) and chr(92) + _GREEK[ch] or ch}}}$")
            k += 2
            continue
        if ch in _LATEX_TEXT:
            out.append(_LATEX_TEXT[ch])
        elif ch in _GREEK:
            out.append(rf"$\{_GREEK[ch]}$")
        elif ord(ch) < 128:
            out.append(ch)
        else:
            raise ValueError(f"prose {text!r}: cannot typeset {ch!r} (U+{ord(ch):04X}); "
                             "write it as inline math in $...$")
        k += 1
    return "".join(out)


def prose_latex(text: str) -> str:
    """LaTeX for prose: inline ``$math$`` kept, ```code``` as ``\\texttt``, everything else escaped.

    Quotes, apostrophes and the characters LaTeX treats specially (``< > _ ^
    & % # { } \\``) print as themselves; common non-ASCII characters
    become their LaTeX spelling, any other raises ``ValueError`` naming it.
    """
    out = []
    for k, part in enumerate(_SEGMENTS.split(text)):
        if k % 2 and part.startswith("$"):
            if any(ord(ch) >= 128 for ch in part):
                raise ValueError(f"prose {text!r}: math {part!r} must be ASCII LaTeX")
            out.append(part)
        elif k % 2:
            out.append(r"\texttt{" + _latex_text(part[1:-1]).replace("'", r"\textquotesingle{}") + "}")
        else:
            out.append(_latex_text(part))
    return "".join(out)


_MARKDOWN_SPECIAL = re.compile(r"([\\*_\[\]<>#|])")


def prose_markdown(text: str) -> str:
    """Markdown for prose: inline ``$math$`` and ```code``` kept, Markdown's special characters escaped."""
    out = []
    for k, part in enumerate(_SEGMENTS.split(text)):
        out.append(part if k % 2 else _MARKDOWN_SPECIAL.sub(r"\\\1", part))
    return "".join(out)
