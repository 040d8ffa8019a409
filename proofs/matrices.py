"""Matrices of symbolic size d and the scalars the derivations take from them.

A covariance in d dimensions is a :class:`SPDMatrix`, a d x d matrix symbol
declared symmetric positive definite, as a scalar symbol is declared
``positive=True``: the declaration is part of every statement that uses it,
and a theorem about it can be cited for another matrix only if that matrix is
symmetric positive definite by construction (:func:`spd`).  Matrices built
from others: :class:`Diag` (a diagonal matrix from a sequence of entries),
:class:`Corr` (the correlation matrix D^(-1/2) S D^(-1/2) with D = diag S),
:class:`Vec` (a column from a sequence).  sympy's own matrix expressions
(identity, zero, inverse, product, sum, transpose) are used as they are, with
sympy's canonical simplifications (I A = A, A^(-1) A = I, x - x = 0); an
inverse may appear in a checked statement only of a matrix that is symmetric
positive definite by construction (the kernel's ``_clean``).

The scalars are opaque to algebra (:class:`proofs.objects.Opaque`): the trace
:class:`Tr`, the determinant :class:`Det`, the bilinear form :class:`Form`
(x^T A y), the diagonal entry :class:`DiagEntry`, the eigenvalue
:class:`Eigenvalue`, and two expectations under N(m, S):
:class:`ExpectedForm` E[(z - a)^T B (z - a)] and :class:`ExpectedLogDensity`
E[log N(z; a, A)].  What relates them is a named axiom of
:mod:`proofs.axioms_matrix`, never algebra.  Their only built-in values are
tr I_n = n, det I_n = 1 and a form with a zero vector, 0.  Determinants,
traces, diagonal entries and eigenvalues of a matrix that is symmetric
positive definite by construction are positive.

Indices out of range: ``DiagEntry(A, j)`` and ``Eigenvalue(A, j)`` are
defined for every integer j, as the entry or eigenvalue at the index clamped
to 1..n (eigenvalues in increasing order); the axioms only speak of 1..n.
"""

from __future__ import annotations

import sympy as sp
from sympy.core.symbol import Str

from .objects import Density, Opaque

__all__ = ["RealMatrix", "SPDMatrix", "SPDFamily", "ColumnFamily", "MixtureMean", "MixtureCov", "NormalFull", "Diag", "Corr", "Vec", "Tr", "Det", "Form", "DiagEntry", "Eigenvalue", "ExpectedForm",
           "ExpectedLogDensity", "spd", "square_size", "column_size", "inverse_problem", "loose_matrix", "real_matrix", "matrix_symbol_problem", "citation_problem", "gaussian_problem",
           "substitution_problem"]


def _tex(printer, e: sp.Basic) -> str:
    """A matrix as a reader writes it: I for an identity, 0 for a zero matrix."""
    if isinstance(e, sp.Identity):
        return "I"
    if isinstance(e, sp.ZeroMatrix):
        return "0"
    return printer._print(e)


def _range(printer, base: sp.IndexedBase, n: sp.Expr) -> str:
    """``v_{1:d}``: the entries 1 to n of a sequence, as :class:`proofs.objects.NormalDiag` prints them."""
    return "{" + _tex(printer, base) + "}_{1:" + _tex(printer, n) + "}"


def _matrix_doit(M: sp.Basic) -> sp.Basic:
    """M with sympy's matrix simplifications applied to its matrix parts only: the scalars inside (the entries
    of a :class:`Diag`, a sum, a determinant of sympy's own) are left as written, never evaluated by sympy."""
    if not isinstance(M, sp.MatrixExpr) or isinstance(M, (sp.MatrixBase, sp.MatrixSymbol)):
        return M
    args = tuple(_matrix_doit(a) for a in M.args)
    return (M.func(*args) if args != M.args else M).doit(deep=False)


def _canonical(args: tuple) -> tuple | None:
    """The arguments with sympy's matrix simplifications applied (I^(-1) = I, I A = A), or None if unchanged."""
    done = tuple(_matrix_doit(a) for a in args)
    return done if done != args else None


class RealMatrix(sp.MatrixSymbol):
    """A ``n x m`` matrix symbol of real entries: ``RealMatrix("m", d, 1)``.

    Its free symbols are itself and the symbols of its shape (sympy's
    ``MatrixSymbol`` hides the shape), so a sum over i sees that
    ``RealMatrix("S", i, i)`` depends on i and a substitution renames a bound
    variable that would capture its size.
    """

    @property
    def free_symbols(self) -> set:
        return {self}.union(*(sp.sympify(n).free_symbols for n in self.shape))


class SPDMatrix(RealMatrix):
    """A ``n x n`` matrix symbol declared symmetric positive definite: ``SPDMatrix("Sigma", d)``."""

    def __new__(cls, name, n, m=None):
        n = sp.sympify(n)
        m = n if m is None else sp.sympify(m)
        if m != n:
            raise ValueError(f"SPDMatrix {name}: a symmetric matrix is square, got {n} x {m}")
        return super().__new__(cls, name, n, n)

    def _eval_transpose(self):
        return self


class _Family(sp.MatrixExpr):
    """The i-th member of a named family of matrices of size n: ``Family("name", i, n)``, printed name_i."""

    is_commutative = False

    def __new__(cls, name, index, n):
        name = name if isinstance(name, Str) else Str(name)
        return sp.Basic.__new__(cls, name, sp.sympify(index), sp.sympify(n))

    def _latex(self, printer):
        return printer._print(sp.Symbol(self.args[0].name)) + "_{" + _tex(printer, self.args[1]) + "}"


class SPDFamily(_Family):
    """The i-th of a family of n x n matrices declared symmetric positive definite: ``SPDFamily("Sigma", i, d)``."""

    @property
    def shape(self):
        return (self.args[2], self.args[2])

    def _eval_transpose(self):
        return self


class ColumnFamily(_Family):
    """The i-th of a family of n x 1 columns: ``ColumnFamily("m", i, d)``."""

    @property
    def shape(self):
        return (self.args[2], sp.Integer(1))


def _family(f: sp.Lambda, cls: type) -> bool:
    """``f`` is ``Lambda(i, member i of a family of class cls)``."""
    return isinstance(f, sp.Lambda) and len(f.signature) == 1 and isinstance(f.expr, cls) and \
        f.expr.args[1] == f.signature[0]


class MixtureMean(sp.MatrixExpr):
    """The mean of the mixture sum_i w_i N(m_i, S_i), i = 1..N, with the weights normalized: sum_i w_i m_i / sum_i w_i.

    Arguments: the weights (an indexed base ``w``), the means ``Lambda(i, ColumnFamily(..., i, d))`` and N.
    """

    is_commutative = False

    def __new__(cls, weights, means, size):
        if not (isinstance(weights, sp.IndexedBase) and _family(means, ColumnFamily)):
            raise ValueError(f"MixtureMean: the weights must be an indexed base and the means a family, got {weights}, "
                             f"{means}")
        return sp.Basic.__new__(cls, weights, means, sp.sympify(size))

    @property
    def shape(self):
        return self.args[1].expr.shape

    def _latex(self, printer):
        return r"\bar\mu"


class MixtureCov(sp.MatrixExpr):
    """The covariance of the mixture sum_i w_i N(m_i, S_i), i = 1..N, with the weights normalized:
    sum_i w_i (S_i + m_i m_i') / W - mbar mbar' with W = sum_i w_i and mbar = :class:`MixtureMean`.

    Arguments: the weights (an indexed base), the means, the covariances (``Lambda(i, SPDFamily(..., i, d))``)
    and N.  Symmetric positive definite by construction when the weights are declared positive and N is a
    positive integer: it is at least the weighted mean of the S_i.
    """

    is_commutative = False

    def __new__(cls, weights, means, covs, size):
        if not (isinstance(weights, sp.IndexedBase) and _family(means, ColumnFamily) and _family(covs, SPDFamily)):
            raise ValueError("MixtureCov: the weights must be an indexed base, the means and covariances families")
        return sp.Basic.__new__(cls, weights, means, covs, sp.sympify(size))

    @property
    def shape(self):
        return self.args[2].expr.shape

    def _eval_transpose(self):
        return self

    def _latex(self, printer):
        return r"\bar\Sigma"


class _Built(sp.MatrixExpr):
    """A matrix built from others; sympy treats it as an opaque matrix of its shape."""

    is_commutative = False


class Diag(_Built):
    """diag(f(1), ..., f(n)) for a ``Lambda(j, ...)`` f: ``Diag(Lambda(j, v[j]), d)``."""

    def __new__(cls, f, n):
        if not isinstance(f, sp.Lambda) or len(f.signature) != 1:
            raise ValueError(f"Diag: the entries must be a Lambda of one index, got {f}")
        return sp.Basic.__new__(cls, f, sp.sympify(n))

    @property
    def shape(self):
        return (self.args[1], self.args[1])

    def _eval_transpose(self):
        return self

    def _latex(self, printer):
        f, n = self.args
        body = f.expr
        if isinstance(body, DiagEntry) and body.args[1] == f.signature[0]:
            return r"\operatorname{diag} " + _tex(printer, body.args[0])
        if isinstance(body, sp.Indexed) and body.indices == (f.signature[0],):
            return r"\operatorname{diag} " + _range(printer, body.base, n)
        return r"\operatorname{diag}\left(" + _tex(printer, f) + r"\right)"


class Vec(_Built):
    """The column (f(1), ..., f(n)) for a ``Lambda(j, ...)`` f: ``Vec(Lambda(j, m[j]), d)``."""

    def __new__(cls, f, n):
        if not isinstance(f, sp.Lambda) or len(f.signature) != 1:
            raise ValueError(f"Vec: the entries must be a Lambda of one index, got {f}")
        return sp.Basic.__new__(cls, f, sp.sympify(n))

    @property
    def shape(self):
        return (self.args[1], sp.Integer(1))

    def _latex(self, printer):
        f, n = self.args
        if isinstance(f.expr, sp.Indexed) and f.expr.indices == (f.signature[0],):
            return _range(printer, f.expr.base, n)
        return r"\left(" + _tex(printer, f) + r"\right)"


class Corr(_Built):
    """The correlation matrix of A: D^(-1/2) A D^(-1/2) with D = diag(A_11, ..., A_nn)."""

    def __new__(cls, A):
        return sp.Basic.__new__(cls, A)

    @property
    def shape(self):
        return self.args[0].shape

    def _eval_transpose(self):
        return self if spd(self.args[0]) else None

    def _latex(self, printer):
        return r"R_{" + _tex(printer, self.args[0]) + "}"


def square_size(A: sp.Basic) -> sp.Expr | None:
    """n for an n x n matrix expression, else ``None``."""
    shape = getattr(A, "shape", None)
    if not isinstance(A, sp.MatrixExpr) or shape is None or shape[0] != shape[1]:
        return None
    return sp.sympify(shape[0])


def column_size(x: sp.Basic) -> sp.Expr | None:
    """n for an n x 1 matrix expression, else ``None``."""
    shape = getattr(x, "shape", None)
    if not isinstance(x, sp.MatrixExpr) or shape is None or shape[1] != 1:
        return None
    return sp.sympify(shape[0])


def spd(A: sp.Basic) -> bool:
    """A is symmetric positive definite by construction.

    An :class:`SPDMatrix` or :class:`SPDFamily` member, an identity, a
    :class:`Diag` whose entry f(k) is positive by the symbols' assumptions at
    every positive integer k, the covariance of a mixture with positive
    weights, and the correlation matrix of a
    matrix that is.  Nothing else (a sum, a product, an inverse, a plain
    matrix symbol) counts, whatever its value, nor a matrix whose size is not a positive integer.
    """
    n = square_size(A)
    if n is None or isinstance(A, sp.MatrixBase) or n.is_integer is not True or n.is_positive is not True:
        return False
    if isinstance(A, (SPDMatrix, SPDFamily)) or isinstance(A, sp.Identity):
        return True
    if isinstance(A, MixtureCov):
        weights, _, covs, size = A.args
        return weights.assumptions0.get("positive") is True and size.is_integer is True and size.is_positive is True and \
            spd(covs.expr)
    if isinstance(A, Diag):  # the entries f(1), ..., f(n): positive at every positive integer
        f, _ = A.args
        return f(sp.Dummy("k", integer=True, positive=True)).is_positive is True
    if isinstance(A, Corr):
        return spd(A.args[0])
    return False


def inverse_problem(e: sp.Basic) -> str:
    """'' unless ``e`` inverts a matrix that is not symmetric positive definite by construction."""
    e = sp.sympify(e)
    bases = [inv.arg for inv in e.atoms(sp.Inverse)]
    bases += [p.base for p in e.atoms(sp.MatPow) if not (p.exp.is_integer and p.exp.is_nonnegative)]
    for base in bases:
        if not spd(base):
            return f"the inverse of {base}, which is not symmetric positive definite by construction"
    return ""


def real_matrix(A: sp.Basic) -> bool:
    """A has real entries by construction.

    A :class:`RealMatrix` (an :class:`SPDMatrix` among them), a family member, an identity or zero matrix, a
    :class:`Diag` or :class:`Vec` whose entry f(k) is real at every positive integer k, a mixture's moments with
    real weights, the correlation matrix of a matrix symmetric positive definite by construction, and sums, products, transposes, inverses and integer
    powers of real matrices with real scalar factors.  Not a plain ``MatrixSymbol`` (its entries are complex).
    """
    if isinstance(A, (RealMatrix, SPDFamily, ColumnFamily, sp.Identity, sp.ZeroMatrix)):
        return True
    if isinstance(A, (Diag, Vec)):
        return A.args[0](sp.Dummy("k", integer=True, positive=True)).is_real is True
    if isinstance(A, (MixtureMean, MixtureCov)):
        return A.args[0].assumptions0.get("real") is True
    if isinstance(A, Corr):  # D^(-1/2) is real only for a positive diagonal
        return spd(A.args[0])
    if isinstance(A, sp.MatPow):
        return A.exp.is_integer is True and real_matrix(A.base)
    if isinstance(A, (sp.MatAdd, sp.MatMul, sp.Transpose, sp.Inverse)):
        return all(real_matrix(a) if isinstance(a, sp.MatrixExpr) else a.is_real is True for a in A.args)
    return False


def _holders() -> tuple:
    """The scalars that may take a matrix as an argument: the opaque objects and the Gaussian density."""
    return (Opaque, NormalFull)


def loose_matrix(e: sp.Basic, held: bool = False) -> sp.Basic | None:
    """A matrix expression of ``e`` that is not an argument of a trace, determinant, form, ... or None.

    Checked statements relate scalars; a matrix stands only as an argument of an opaque scalar
    (:class:`Tr`, :class:`Det`, :class:`Form`, ... a KL term) or of a Gaussian :class:`NormalFull`, and may be
    built from other matrices.  Other densities do not take matrices.
    sympy's own scalars of a matrix (``Determinant``, ``Trace``, ``MatrixElement`` ...) are not among them:
    sympy evaluates some of them wrongly at size 0 (det of the 0 x 0 zero matrix is 1, not 0).  The scalars
    inside a matrix (the entries of a :class:`Diag`) are checked in turn.
    """
    if isinstance(e, (sp.MatrixExpr, sp.MatrixBase)):
        if not held:
            return e
        if isinstance(e, sp.MatrixBase):
            return next((m for a in e if (m := loose_matrix(sp.sympify(a))) is not None), None)
        parts = [a.expr if isinstance(a, sp.Lambda) else a for a in e.args if isinstance(a, sp.Basic)]  # entries, families
        return next((m for a in parts if (m := loose_matrix(a, isinstance(a, (sp.MatrixExpr, sp.MatrixBase)))) is not None),
                    None)
    holder = isinstance(e, _holders())
    return next((m for a in getattr(e, "args", ()) if isinstance(a, sp.Basic) and (m := loose_matrix(a, holder)) is not None),
                None)


def _binders(e: sp.Basic) -> set:
    """Every variable bound anywhere in ``e`` (by a sum, product, integral, lambda, expectation ...)."""
    out = set(getattr(e, "bound_symbols", ()) or ())
    if isinstance(e, sp.Lambda):
        out |= set(e.signature)
    for a in getattr(e, "args", ()):
        if isinstance(a, sp.Basic):
            out |= _binders(a)
    return out


def matrix_symbol_problem(exprs) -> str:
    """'' unless the matrix symbols of ``exprs`` (the statements of one theorem) are ill declared.

    Every matrix symbol is a :class:`RealMatrix` or :class:`SPDMatrix` (whose free symbols show their size); no
    symbol of a matrix's size is bound anywhere in the statements (a sum over i of a matrix of size i); and one
    name names one matrix (``SPDMatrix("S", d)`` and ``SPDMatrix("S", n)`` would merge under d = n).
    """
    exprs = [sp.sympify(e) for e in exprs]
    symbols = set().union(*(e.atoms(sp.MatrixSymbol) for e in exprs))
    for M in sorted(symbols, key=sp.default_sort_key):
        if not isinstance(M, RealMatrix):
            return f"the matrix symbol {M} ({M.shape[0]} x {M.shape[1]}) is not declared: use RealMatrix or SPDMatrix"
    bound = set().union(*(_binders(e) for e in exprs))
    for M in sorted(symbols, key=sp.default_sort_key):
        hidden = sorted(set().union(*(sp.sympify(n).free_symbols for n in M.shape)) & bound, key=str)
        if hidden:
            return f"the size {M.shape[0]} x {M.shape[1]} of the matrix {M} contains the bound variable {hidden[0]}"
    names: dict = {}
    for M in sorted(symbols, key=sp.default_sort_key):
        other = names.setdefault(M.name, M)
        if other is not M and other != M:
            return (f"the name {M.name} names two matrices, {type(other).__name__} {other.shape[0]} x {other.shape[1]} "
                    f"and {type(M).__name__} {M.shape[0]} x {M.shape[1]}")
    return ""


def citation_problem(rel: sp.Basic, values) -> str:
    """'' unless the values of a citation (``{target: value}``) misplace a matrix or a matrix symbol.

    A scalar value holds matrices only inside opaque scalars, as a statement does (:func:`loose_matrix`: a
    hypothesis of the cited theorem, instantiated, is decided without being stated), and the values together
    with the citing step ``rel`` pass :func:`matrix_symbol_problem`.
    """
    values = [v for v in values if isinstance(v, sp.Basic)]
    for v in values:
        m = loose_matrix(v, isinstance(v, sp.MatrixExpr) and not isinstance(v, sp.MatrixBase))
        if m is not None:
            return f"the value {v}: the matrix {m} stands outside a trace, determinant, form or KL term"
    return matrix_symbol_problem([rel, *values])


def substitution_problem(target: sp.MatrixSymbol, value: sp.Basic, shape: tuple) -> str:
    """'' when ``value`` may replace the matrix symbol ``target`` (whose shape, substituted, is ``shape``)."""
    if not isinstance(value, sp.MatrixExpr) or isinstance(value, sp.MatrixBase):
        return f"the matrix symbol {target} must be replaced by a matrix expression, got {value!r}"
    if tuple(value.shape) != tuple(shape):
        return f"the matrix symbol {target} is {shape[0]} x {shape[1]} but {value} is {value.shape[0]} x {value.shape[1]}"
    if isinstance(target, SPDMatrix) and not spd(value):
        return f"{target} is symmetric positive definite but {value} is not so by construction"
    if isinstance(target, RealMatrix) and not real_matrix(value):
        return f"{target} has real entries but {value} does not by construction"
    return ""


class _SquareScalar(Opaque):
    """A scalar function of one square matrix expression A: real when A is, positive when A is SPD."""

    nargs = 1
    is_commutative = True  # a scalar, though its argument is a matrix

    @staticmethod
    def _at_identity(n: sp.Expr) -> sp.Expr:
        raise NotImplementedError

    def _eval_is_real(self):
        return True if real_matrix(self.args[0]) else None

    @classmethod
    def eval(cls, A):
        if isinstance(A, sp.Identity):
            return cls._at_identity(A.shape[0])
        again = _canonical((A,))
        return cls(*again) if again else None

    def _eval_is_positive(self):
        return True if spd(self.args[0]) else None


class Tr(_SquareScalar):
    """tr A, for a square matrix expression A; tr I_n = n."""

    @staticmethod
    def _at_identity(n: sp.Expr) -> sp.Expr:
        return n

    def _latex(self, printer):
        return r"\operatorname{tr} " + _paren(printer, self.args[0])


class Det(_SquareScalar):
    """det A, for a square matrix expression A; det I_n = 1."""

    @staticmethod
    def _at_identity(n: sp.Expr) -> sp.Expr:
        return sp.Integer(1)

    def _latex(self, printer):
        return r"\det " + _paren(printer, self.args[0])


class Form(Opaque):
    """x^T A y for columns x, y and a square A; 0 when x or y is a zero vector."""

    nargs = 3
    is_commutative = True  # a scalar, though its arguments are matrices

    def _eval_is_real(self):
        return True if all(real_matrix(M) for M in self.args) else None

    @classmethod
    def eval(cls, x, A, y):
        if isinstance(x, sp.ZeroMatrix) or isinstance(y, sp.ZeroMatrix):
            return sp.Integer(0)
        again = _canonical((x, A, y))
        return cls(*again) if again else None

    def _latex(self, printer):
        x, A, y = self.args
        middle = " " if isinstance(A, sp.Identity) else " " + _paren(printer, A) + " "
        return _paren(printer, x) + r"^\top" + middle + _paren(printer, y)


class _IndexedScalar(Opaque):
    """The j-th of n scalars of a square matrix A (the index clamped to 1..n): positive at an integer j when A
    is symmetric positive definite by construction."""

    nargs = 2
    is_commutative = True  # a scalar, though its arguments are matrices

    def _eval_is_positive(self):
        return True if spd(self.args[0]) and self.args[1].is_integer else None


class DiagEntry(_IndexedScalar):
    """A_jj (the index clamped to 1..n); positive when A is symmetric positive definite by construction."""

    def _eval_is_real(self):
        return True if real_matrix(self.args[0]) else None

    def _latex(self, printer):
        A, k = self.args
        return "{" + _paren(printer, A) + "}_{" + _tex(printer, k) + _tex(printer, k) + "}"


class Eigenvalue(_IndexedScalar):
    """lambda_j(A), the j-th smallest eigenvalue of a symmetric A (the index clamped to 1..n)."""

    def _eval_is_real(self):
        return True if spd(self.args[0]) else None

    def _latex(self, printer):
        A, k = self.args
        return r"\lambda_{" + _tex(printer, k) + r"}\left(" + _tex(printer, A) + r"\right)"


def _paren(printer, M: sp.Basic) -> str:
    tex = _tex(printer, M)
    if isinstance(M, (sp.MatrixSymbol, sp.Identity, sp.ZeroMatrix, Corr, Vec, sp.Indexed, sp.Symbol, SPDFamily,
                      ColumnFamily, MixtureMean, MixtureCov)) or \
            isinstance(M, sp.Inverse) and isinstance(M.arg, sp.MatrixSymbol):
        return tex
    return r"\left(" + tex + r"\right)"


def _under(printer, mean, cov) -> str:
    return r"\mathbb E_{z \sim \mathcal N\left(" + _tex(printer, mean) + ", " + _tex(printer, cov) + r"\right)}"


def _shift(printer, a) -> str:
    return "z" if isinstance(a, sp.ZeroMatrix) else r"\left(z - " + _tex(printer, a) + r"\right)"


class ExpectedForm(Opaque):
    """E[(z - a)^T B (z - a)] for z ~ N(m, S): arguments B, a, m, S."""

    nargs = 4
    is_commutative = True  # a scalar, though its arguments are matrices

    def _eval_is_real(self):
        return True if real_matrix(self.args[0]) and real_matrix(self.args[1]) and real_matrix(self.args[2]) and spd(self.args[3]) else None

    def _latex(self, printer):
        B, a, m, S = self.args
        middle = " " if isinstance(B, sp.Identity) else " " + _paren(printer, B) + " "
        return _under(printer, m, S) + r"\left[" + _shift(printer, a) + r"^\top" + middle + _shift(printer, a) + r"\right]"


class ExpectedLogDensity(Opaque):
    """E[log N(z; a, A)] for z ~ N(m, S): arguments a, A, m, S."""

    nargs = 4
    is_commutative = True  # a scalar, though its arguments are matrices

    def _eval_is_real(self):
        return True if real_matrix(self.args[0]) and spd(self.args[1]) and real_matrix(self.args[2]) and spd(self.args[3]) else None

    def _latex(self, printer):
        a, A, m, S = self.args
        return (_under(printer, m, S) + r"\left[\log \mathcal N\left(z; " + _tex(printer, a) + ", " + _tex(printer, A)
                + r"\right)\right]")


class NormalFull(Density):
    """Density of N(mean, cov) at a point of R^n: ``NormalFull(mean, cov, x)``.

    The point ``x`` stands for a block of n coordinates, as for :class:`proofs.objects.NormalDiag`; only the
    axioms of :mod:`proofs.axioms_matrix` relate it to anything, and a checked statement may use it only with a
    covariance that is symmetric positive definite by construction and a mean of the covariance's size.
    """

    nargs = 3
    witnessable = False  # a block of n coordinates: the numeric witness does not evaluate it

    def name_latex(self, printer) -> str:
        mean, cov, _ = self.args
        return r"\mathcal N\left(" + _tex(printer, mean) + ", " + _tex(printer, cov) + r"\right)"

    def _latex(self, printer):
        return self.name_latex(printer) + r"\left(" + printer._print(self.args[-1]) + r"\right)"


def gaussian_problem(e: sp.Basic) -> str:
    """'' unless ``e`` applies :class:`NormalFull` to a covariance not SPD by construction or a mean of another size."""
    for g in sp.sympify(e).atoms(NormalFull):
        mean, cov, _ = g.args
        if not spd(cov):
            return f"the Gaussian {g} has a covariance that is not symmetric positive definite by construction"
        if column_size(mean) != square_size(cov):
            return f"the Gaussian {g} has a mean whose length is not the covariance's size"
    return ""
