"""Symbolic objects the derivations talk about: densities and the KL divergence.

A density is an undefined, positive sympy function; an indexed family
``q(i, z)`` prints as :math:`q_i(z)`.  ``KL(f, g)`` is an unevaluated
divergence between two densities given as ``Lambda(z, ...)``; it only turns
into an integral through the *definition* axiom, never silently.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["Density", "NormalDiag", "density", "KL", "Opaque", "GaussianExpectation", "KLNormal", "NamedQuantity",
           "z", "matrix_latex", "matrix_name", "gaussian_pdf", "gaussians"]

#: The integration variable of every one-dimensional derivation.
z = sp.Symbol("z", real=True)


class Density(sp.Function):
    """A positive function; the last argument is the point, earlier ones index a family."""

    is_positive = True
    is_real = True
    _latex_name = "q"

    def _latex(self, printer):
        *index, point = self.args
        head = self._latex_name
        if index:
            head += "_{" + ",".join(printer._print(a) for a in index) + "}"
        return rf"{head}\left({printer._print(point)}\right)"


class NormalDiag(Density):
    """Density of N((a_1..a_d), diag(b_1..b_d)) at a point of R^d: ``NormalDiag(a, b, d, x)``.

    ``a`` and ``b`` are ``Lambda(j, ...)`` giving the j-th mean and variance;
    the point ``x`` stands for a block of d coordinates, as in the theorem
    ``kl_product``.  Only the axioms of :mod:`proofs.axioms_dimension` relate
    it to one-dimensional densities; algebra treats it as a named density.
    """

    nargs = 4
    witnessable = False  # a block of d coordinates: the numeric witness does not evaluate it

    def name_latex(self, printer) -> str:
        a, b, d, _ = self.args
        (k,) = a.signature
        dim = printer._print(d)
        part = lambda f: ("{" + printer._print(f.expr.base) + "}_{1:" + dim + "}" if isinstance(f.expr, sp.Indexed)  # noqa: E731
                          else printer._print(f))
        mean = "0" if a.expr == 0 else part(a)
        if b.expr == 1:
            return r"\mathcal N\left(" + mean + ", I_{" + dim + r"}\right)"
        return r"\mathcal N\left(" + mean + r", \operatorname{diag} " + part(b) + r"\right)"

    def _latex(self, printer):
        return self.name_latex(printer) + r"\left(" + printer._print(self.args[-1]) + r"\right)"


def density(name: str, latex_name: str | None = None) -> type[Density]:
    """A new density symbol called ``name`` (printed as ``latex_name``)."""
    return type(name, (Density,), {"_latex_name": latex_name or name})


#: LaTeX names of density expressions built by :func:`gaussian_pdf`.
_DENSITY_NAMES: dict[sp.Expr, str] = {}
#: Every density built by :func:`gaussian_pdf`: its expression -> (point, mean, variance).
_GAUSSIANS: dict[sp.Expr, tuple[sp.Expr, sp.Expr, sp.Expr]] = {}


def gaussians() -> dict[sp.Expr, tuple[sp.Expr, sp.Expr, sp.Expr]]:
    """The Gaussian densities built so far, ``{expression: (point, mean, variance)}`` (for printing)."""
    return dict(_GAUSSIANS)


def _density_latex(printer, f: sp.Lambda) -> str:
    """Print ``Lambda(z, q(i, z))`` as ``q_i``, a Gaussian as N(mean, var), else the body."""
    body = f.expr
    var = f.signature[-1]
    if body in _DENSITY_NAMES:
        return _DENSITY_NAMES[body]
    if isinstance(body, NormalDiag) or hasattr(body, "name_latex"):  # a named Gaussian on a block of coordinates
        return body.name_latex(printer)
    if len(f.signature) == 1 and isinstance(body, Density) and body.args[-1] == var:
        *index, _ = body.args
        head = body._latex_name
        if index:
            head += "_{" + ",".join(printer._print(a) for a in index) + "}"
        return head
    return printer._print(body)


class Opaque(sp.Function):
    """An object algebra never looks inside (a KL term, an expectation): equal only when congruent."""


class KL(Opaque):
    """Unevaluated KL(f || g) of two densities ``f, g`` given as ``Lambda(z, ...)``."""

    nargs = 2
    is_real = True

    def _latex(self, printer):
        f, g = self.args
        return (
            r"\operatorname{KL}\left(" + _density_latex(printer, f)
            + r"\,\middle\|\," + _density_latex(printer, g) + r"\right)"
        )


class GaussianExpectation(Opaque):
    """Unevaluated E[h(z)] for z ~ N(mean, cov): arguments h, the point (a column of symbols), mean, cov."""

    nargs = 4
    is_real = True

    @property
    def bound_symbols(self) -> set:
        """The point's symbols: bound, like an integral's variable."""
        return set(self.args[1].free_symbols)

    @property
    def free_symbols(self) -> set:
        h, point, mean, cov = self.args
        return (h.free_symbols - point.free_symbols) | mean.free_symbols | cov.free_symbols

    def _latex(self, printer):
        h, point, mean, cov = self.args
        z_tex = matrix_latex(printer, point)
        return (r"\mathbb E_{" + z_tex + r" \sim \mathcal N\left(" + matrix_latex(printer, mean) + ", "
                + matrix_latex(printer, cov) + r"\right)}\left[" + _integrand_latex(printer, h, point, mean, cov)
                + r"\right]")


class KLNormal(Opaque):
    """Unevaluated KL(N(m, S) || N(0, I)) for a mean vector and covariance matrix."""

    nargs = 2
    is_real = True

    def _latex(self, printer):
        mean, cov = self.args
        return (r"\operatorname{KL}\left(\mathcal N\left(" + matrix_latex(printer, mean) + ", "
                + matrix_latex(printer, cov) + r"\right)\,\middle\|\,\mathcal N(0, I)\right)")


# --- printing vectors and matrices by name ------------------------------------


def _stem(entry: sp.Basic) -> tuple[str, str] | None:
    """``("S", "12")`` for the symbol ``S_12``; ``None`` for anything else."""
    if not isinstance(entry, sp.Symbol) or "_" not in entry.name:
        return None
    stem, _, index = entry.name.partition("_")
    return stem, index


def matrix_name(M: sp.MatrixBase) -> str | None:
    """The letter a vector or matrix of indexed symbols is named by, or ``None``.

    A column ``(m_1, ..., m_d)`` is ``m``; a matrix whose entry in row r and
    column c is ``S_rc`` (or ``S_cr`` where the matrix is symmetric) is ``S``.
    Anything else has no name.
    """
    rows, cols = M.shape
    stems = [_stem(e) for e in M]
    if any(s is None for s in stems) or len({s[0] for s in stems}) != 1:
        return None
    stem = stems[0][0]
    if cols == 1 and all(s[1] == str(k + 1) for k, s in enumerate(stems)):
        return stem
    symmetric = rows == cols and M == M.T
    if rows == cols and all(_stem(M[r, c])[1] == f"{r + 1}{c + 1}" or (symmetric and _stem(M[r, c])[1] == f"{c + 1}{r + 1}")
                            for r in range(rows) for c in range(cols)):
        return stem
    return None


def matrix_latex(printer, M: sp.Basic) -> str:
    """A vector or matrix as a reader writes it: ``m``, ``S``, ``0``, ``I``, ``\\operatorname{diag}(v)``.

    Falls back to the entries for a matrix with no name.
    """
    if not isinstance(M, sp.MatrixBase):
        return printer._print(M)
    name = matrix_name(M)
    if name is not None:
        return printer._print(sp.Symbol(name))
    rows, cols = M.shape
    if all(e == 0 for e in M):
        return "0"
    if rows == cols and M.is_diagonal():
        diag = [M[k, k] for k in range(rows)]
        if all(e == 1 for e in diag):
            return "I"
        name = matrix_name(sp.ImmutableMatrix(diag))
        if name is not None:
            return r"\operatorname{diag}\left(" + printer._print(sp.Symbol(name)) + r"\right)"
        return r"\operatorname{diag}\left(" + ", ".join(printer._print(e) for e in diag) + r"\right)"
    return printer._print(M)


#: Printed quadratic forms already recognized: (h, point, mean, cov) -> LaTeX.
_FORMS: dict[tuple, str] = {}


def _integrand_latex(printer, h: sp.Expr, point: sp.MatrixBase, mean: sp.MatrixBase, cov: sp.MatrixBase) -> str:
    """``h`` as ``(z - m)^\\top S^{-1} (z - m)`` or ``z^\\top z`` where it is that form, else as itself."""
    key = (h, point, mean, cov)
    if key not in _FORMS:
        _FORMS[key] = printer._print(h)
        z_tex, m_tex, s_tex = (matrix_latex(printer, a) for a in (point, mean, cov))
        if isinstance(point, sp.MatrixBase) and isinstance(cov, sp.MatrixBase) and matrix_name(point):
            diff = point - mean
            candidates = [(r"{z}^\top {z}".format(z=z_tex), (point.T * point)[0, 0])]
            if matrix_name(mean) is not None and matrix_name(cov) is not None:
                candidates.append((rf"\left({z_tex} - {m_tex}\right)^\top {s_tex}^{{-1}} \left({z_tex} - {m_tex}\right)",
                                   (diff.T * sp.ImmutableMatrix(cov.inv()) * diff)[0, 0]))
            for tex, form in candidates:
                if h == form or sp.cancel(sp.together(h - form)) == 0:
                    _FORMS[key] = tex
                    break
    return _FORMS[key]


class NamedQuantity(sp.Symbol):
    """A real number with a name and a LaTeX rendering, opaque to algebra."""

    def __new__(cls, name: str, latex: str, **assumptions):
        obj = super().__new__(cls, name, real=True, **assumptions)
        obj._latex_text = latex
        return obj

    def _latex(self, printer):
        return self._latex_text


def gaussian_pdf(x: sp.Expr, mean: sp.Expr, variance: sp.Expr) -> sp.Expr:
    """Density of N(mean, variance) at x (one dimension)."""
    expr = sp.exp(-((x - mean) ** 2) / (2 * variance)) / sp.sqrt(2 * sp.pi * variance)
    _DENSITY_NAMES[expr] = rf"\mathcal N\left({sp.latex(mean)}, {sp.latex(variance)}\right)"
    _GAUSSIANS[expr] = (x, mean, variance)
    return expr
