"""Abuses of matrix symbols and matrix scalars that the kernel refuses, each with the reason it gives.

sympy's ``MatrixSymbol`` hides the symbols of its shape from ``free_symbols``, identifies a symbol by its name
and shape, and evaluates some of its own matrix scalars wrongly at size 0.  Each attack below builds a
derivation that reaches a false statement if one of the checks of :mod:`proofs.matrices` were missing, and
expects a :class:`ProofError` naming the reason.  The witness is off: the symbolic kernel alone must refuse.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from proofs import axioms_matrix as mx
from proofs.checker import Algebra, ByAxiom, ByTheorem, Combine, ProofError, Step, Theorem
from proofs.dimension import d, j, v
from proofs.kernel import subst
from proofs.matrices import (Corr, Det, Diag, DiagEntry, ExpectedForm, ExpectedLogDensity, Form, RealMatrix, SPDMatrix, Tr,
                             Vec, real_matrix, spd)
from proofs.objects import KL, density, z

i = sp.Symbol("i", integer=True, positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)  # a size that may be 0
n = sp.Symbol("n", integer=True, positive=True)
w = sp.Symbol("w", real=True)
c = sp.Symbol("c")  # a complex number
S = SPDMatrix("Sigma", d)
E = Tr(S)  # an opaque scalar on both sides keeps the statements out of plain arithmetic
I, ZERO = sp.Identity(d), sp.ZeroMatrix(d, 1)
mean = RealMatrix("m", d, 1)


def theorem(name, conclusion, *steps, **kw) -> Theorem:
    return Theorem(name=name, title=name, conclusion=conclusion, steps=list(steps), **kw)


def algebra(name, statement, **kw) -> Theorem:
    return theorem(name, statement, Step("1", statement, Algebra()), **kw)


def rejected(reason: str, final: Theorem) -> None:
    """``final`` (and what it uses) does not check, for ``reason``."""
    with pytest.raises(ProofError) as info:
        done = []
        for t in (*final.dependencies(), final):
            done.append(t.check(done, witness=False).thm)
    assert re.search(reason, str(info.value)), str(info.value)


# --- a symbol of a matrix's size -------------------------------------------------------------------------
def test_sum_over_a_matrix_size_is_refused():
    """sum_{i=1}^2 det S_i = 2 det S_i (sympy pulls det S_i out of the sum): cited at i = 1, det S_2 = det S_1."""
    Si = SPDMatrix("S", i)
    st = sp.Eq(sp.Sum(Det(Si), (i, 1, 2)), 2 * Det(Si))
    rejected(r"step \(statement\): the size i x i of the matrix S contains the bound variable i", algebra("t", st))


def test_a_lambda_over_a_matrix_size_is_refused():
    """The entries of a diagonal matrix may not bind a symbol of a matrix's size either."""
    st = sp.Gt(Det(Diag(sp.Lambda(i, Det(SPDMatrix("S", i))), d)), 0, evaluate=False)
    rejected(r"the size i x i of the matrix S contains the bound variable i", algebra("t", st))


def test_matrix_symbols_show_their_size():
    """What sympy hides: a sum over i sees that S_i depends on i, and a substitution renames a capturing bound j."""
    Si, Tj = SPDMatrix("S", i), SPDMatrix("T", j)
    assert i in Si.free_symbols and d in RealMatrix("m", d, 1).free_symbols
    assert sp.Sum(Det(Si), (i, 1, 2)).doit() != 2 * Det(Si)
    renamed = subst(sp.Sum(w * j, (j, 1, 2)), {w: Det(Tj)})
    assert renamed != sp.Sum(Det(Tj) * j, (j, 1, 2)) and j in renamed.free_symbols
    assert renamed.limits[0][0] != j


def test_capture_through_a_size_in_a_citation_is_refused():
    """sum_j w j = 3 w cited with w -> det T_j: the bound j must not capture T_j's size."""
    Tj = SPDMatrix("T", j)
    t1 = algebra("scalar_sum", sp.Eq(sp.Sum(w * j, (j, 1, 2)), 3 * w))
    st = sp.Eq(sp.Sum(Det(Tj) * j, (j, 1, 2)), 3 * Det(Tj))
    t2 = theorem("captured", st, Step("1", st, ByTheorem(t1, {w: Det(Tj)})), uses=(t1,))
    rejected(r"the size j x j of the matrix T contains the bound variable j", t2)


def test_an_index_only_in_a_size_keeps_its_range():
    """A theorem about S_i for 1 <= i <= n cannot be cited at i = n + 1 although i occurs only in a size."""
    Si = SPDMatrix("S", i)
    t1 = algebra("in_range", sp.Eq(Det(Si), Det(Si), evaluate=False), ranges={i: (1, n)})
    st = sp.Eq(Det(SPDMatrix("S", n + 1)), Det(SPDMatrix("S", n + 1)), evaluate=False)
    t2 = theorem("out_of_range", st, Step("1", st, ByTheorem(t1, {i: n + 1})), uses=(t1,))
    rejected(r"index n \+ 1 is not provably in 1..n", t2)


# --- names --------------------------------------------------------------------------------------------------
def test_one_name_for_two_sizes_is_refused():
    """S_d and S_n merge under d = n, yet a citation would treat them as two matrices: det A = det B."""
    st = sp.Eq(Det(SPDMatrix("S", d)), Det(SPDMatrix("S", n)))
    rejected(r"the name S names two matrices, SPDMatrix d x d and SPDMatrix n x n",
             algebra("same_name", st, hypotheses={"h": sp.Eq(d, n)}))


def test_one_name_for_two_kinds_is_refused():
    """An SPD matrix and a real matrix of one name and size print alike but are different symbols."""
    st = sp.Eq(Tr(SPDMatrix("S", d)) - Tr(RealMatrix("S", d, d)), 0, evaluate=False)
    rejected(r"the name S names two matrices", algebra("two_kinds", st))


def test_a_citation_may_not_bring_a_second_matrix_of_one_name():
    """The values of a citation are checked with the statement they produce."""
    A = SPDMatrix("A", d)
    t1 = algebra("tr_tr", sp.Eq(Tr(A), Tr(A), evaluate=False))
    st = sp.Eq(Tr(S), Tr(S), evaluate=False)
    t2 = theorem("clash", st, Step("1", st, ByTheorem(t1, {A: S, RealMatrix("Sigma", n, n): RealMatrix("Sigma", n, n)})),
                 uses=(t1,))
    rejected(r"the name Sigma names two matrices", t2)


def test_an_undeclared_matrix_symbol_is_refused():
    """sympy's MatrixSymbol hides its size and says nothing of its entries."""
    st = sp.Eq(Tr(sp.MatrixSymbol("B", d, d)), Tr(sp.MatrixSymbol("B", d, d)), evaluate=False)
    rejected(r"the matrix symbol B \(d x d\) is not declared: use RealMatrix or SPDMatrix", algebra("plain", st))


# --- real entries -------------------------------------------------------------------------------------------
def test_trace_of_complex_entries_is_not_real():
    """tr diag(c v) = c sum v is complex: it may not replace a real variable, nor TRACE_DIAGONAL hide it."""
    D = Diag(sp.Lambda(j, c * v[j]), d)
    assert Tr(D).is_real is None and Det(D).is_real is None and not real_matrix(D)
    assert Tr(S).is_real and Form(mean, S.I, mean).is_real and Tr(Diag(sp.Lambda(j, v[j]), d)).is_real
    t1 = algebra("square", sp.Ge(w ** 2 + E, E, evaluate=False))
    st = sp.Ge(Tr(D) ** 2 + E, E, evaluate=False)
    t2 = theorem("complex", st, Step("1", st, ByTheorem(t1, {w: Tr(D)})), uses=(t1,))
    rejected(r"step \(1\): .*Tr\(Diag\(Lambda\(j, c\*v\[j\]\), d\)\)", t2)
    f = sp.Lambda(j, c * v[j])
    st = sp.Eq(Tr(D), sp.Sum(c * v[j], (j, 1, d)))
    rejected(r"side condition of the trace of a diagonal matrix not proved: the entries are real",
             theorem("trace_diag", st, Step("1", st, ByAxiom(mx.TRACE_DIAGONAL, f=f, n=d, j=j))))


def test_a_real_matrix_is_replaced_only_by_a_real_one():
    """A theorem about a real column m says nothing of a complex column."""
    t1 = algebra("form", sp.Eq(Form(mean, I, mean), Form(mean, I, mean), evaluate=False))
    x = Vec(sp.Lambda(j, c * v[j]), d)
    st = sp.Eq(Form(x, I, x), Form(x, I, x), evaluate=False)
    rejected(r"m has real entries but .* does not by construction",
             theorem("complex_column", st, Step("1", st, ByTheorem(t1, {mean: x})), uses=(t1,)))


def test_correlation_of_a_real_matrix_is_not_real():
    """D^(-1/2) A D^(-1/2) has imaginary entries where a diagonal entry of A is negative."""
    B = RealMatrix("B", d, d)
    assert real_matrix(B) and not real_matrix(Corr(B)) and Tr(Corr(B)).is_real is None
    assert real_matrix(Corr(S)) and Tr(Corr(S)).is_real


def test_expectations_are_real_only_under_a_gaussian():
    assert ExpectedForm(S.I, mean, mean, S).is_real and ExpectedLogDensity(ZERO, I, mean, S).is_real
    B = RealMatrix("B", d, d)
    assert ExpectedForm(S.I, mean, mean, B).is_real is None and ExpectedLogDensity(ZERO, B, mean, S).is_real is None


# --- sympy's own matrix scalars --------------------------------------------------------------------------------
@pytest.mark.parametrize("scalar", [sp.Determinant(sp.ZeroMatrix(k, k)), sp.Trace(sp.ZeroMatrix(k, k)),
                                    SPDMatrix("Sigma", d)[0, 0]], ids=["Determinant", "Trace", "MatrixElement"])
def test_sympy_matrix_scalars_are_refused_even_under_a_density(scalar):
    """sympy's det of the k x k zero matrix is 0, wrong at k = 0: q(det 0) = q(0) would give q(1) = q(0)."""
    q = density("q")
    for st in (sp.Eq(q(scalar), q(scalar), evaluate=False), sp.Eq(scalar + E, E + scalar, evaluate=False)):
        rejected(r"step \(statement\): .* stands outside a trace, determinant, form or KL term", algebra("t", st))


@pytest.mark.parametrize("entry", [sp.Determinant(sp.ZeroMatrix(k, k)), sp.Trace(S) + 1, S[j, j]],
                         ids=["Determinant", "Trace", "MatrixElement"])
def test_sympy_scalars_inside_the_entries_of_a_matrix_are_kept_and_refused(entry):
    """Building tr diag(det 0_{k x k}) does not let sympy evaluate the entry to 0; the statement is refused."""
    D = Diag(sp.Lambda(j, entry), d)
    assert Tr(D).args[0] == D
    st = sp.Eq(Tr(D), sp.Sum(entry, (j, 1, d)), evaluate=False)
    rejected(r"stands outside a trace, determinant, form or KL term", algebra("t", st))


def test_size_zero_values_are_those_of_the_empty_matrix():
    """The built-in values hold at size 0 too, and a matrix of size 0 is no covariance."""
    assert Det(sp.Identity(k)).subs(k, 0) == 1 and Tr(sp.Identity(k)).subs(k, 0) == 0
    assert not spd(sp.Identity(k)) and not spd(sp.ZeroMatrix(d, d)) and not spd(SPDMatrix("S", k))
    st = sp.Eq(KL(mx.gaussian(sp.ZeroMatrix(k, 1), sp.Identity(k)), mx.gaussian(sp.ZeroMatrix(k, 1), sp.Identity(k))), 0)
    rejected(r"has a covariance that is not symmetric positive definite", algebra("empty", st))


def test_inverse_of_a_diagonal_with_a_zero_entry_is_refused():
    D = Diag(sp.Lambda(j, j - 1), d)
    rejected(r"contains the inverse of .*Diag", algebra("singular", sp.Gt(Tr(D.I), 0)))


def test_explicit_matrices_are_no_symbolic_covariance():
    """An explicit matrix where a covariance of symbolic size is asked: a refusal, not a crash."""
    M = sp.ImmutableMatrix([[1, 0], [0, 1]])
    assert spd(M) is False
    st = sp.Eq(KL(mx.gaussian(ZERO, M), mx.gaussian(ZERO, I)), 0)
    with pytest.raises(ProofError):
        theorem("explicit", st, Step("1", st, ByAxiom(mx.KL_EXPECTED_LOG_RATIO_D, mean=ZERO, cov=M, prior_mean=ZERO,
                                                     prior_cov=I))).check([], witness=False)


# --- the point of a Gaussian --------------------------------------------------------------------------------
def _kl_at_own_point(mean_, cov):
    K = KL(mx.gaussian(mean_, cov), mx.gaussian(ZERO, I))
    st = sp.Eq(K, ExpectedLogDensity(mean_, cov, mean_, cov) - ExpectedLogDensity(ZERO, I, mean_, cov))
    return theorem("captured", st, Step("1", st, ByAxiom(mx.KL_EXPECTED_LOG_RATIO_D, mean=mean_, cov=cov, prior_mean=ZERO,
                                                         prior_cov=I)))


def test_a_gaussian_built_by_an_axiom_is_free_of_its_point():
    """N(m(z), S)(z) with the point captured: citing the KL at z = 1 and z = 0 gave d = 0."""
    reason = r"side condition of KL between Gaussians .* not proved: the means and covariances are free of the point z"
    rejected(reason, _kl_at_own_point(Vec(sp.Lambda(j, z), d), S))
    rejected(reason, _kl_at_own_point(ZERO, Diag(sp.Lambda(j, z ** 2 + 1), d)))


def test_the_theorems_still_use_real_declared_matrices():
    from proofs.covariance import mean as cov_mean, prior_mean

    assert isinstance(cov_mean, RealMatrix) and isinstance(prior_mean, RealMatrix)
    assert real_matrix(S.I * cov_mean - prior_mean) and DiagEntry(S, j).is_positive


def test_a_citation_value_is_a_statement_too():
    """A value that only meets a hypothesis is refused like a stated one: the kernel would decide det 0 = 0 by sympy."""
    y = sp.Symbol("y")  # no assumption to vet the value against
    st = sp.Ge(E + 1, E, evaluate=False)
    t1 = algebra("hyp_only", st, hypotheses={"h": sp.Eq(y, 0)})
    t2 = theorem("cite", st, Step("1", st, ByTheorem(t1, {y: sp.Determinant(sp.ZeroMatrix(k, k))})), uses=(t1,))
    rejected(r"step \(1\): the value Determinant\(0\): the matrix 0 stands outside", t2)


def test_a_citation_renames_the_point_a_mean_would_capture():
    """Substituting m -> (z, ..., z) into KL(N(m, S) || N(0, I)) renames the density's bound point."""
    mz = Vec(sp.Lambda(j, z), d)
    K = subst(KL(mx.gaussian(mean, S), mx.gaussian(ZERO, I)), {mean: mz})
    own = K.args[0]
    assert own.signature[0] != z and own.expr.args[0] == mz and z in K.free_symbols


# --- signs of the matrix scalars -------------------------------------------------------------------------
@pytest.mark.parametrize("scalar", ["trace", "determinant"])
def test_the_scalars_of_a_plain_real_matrix_have_no_sign(scalar):
    """tr B > 0 and det B > 0 hold for SPD B, not for a real B (B = -I): only SPD matrices give them a sign."""
    B = RealMatrix("B", d, d)
    st = sp.Gt((Tr if scalar == "trace" else Det)(B) + E, E)
    rejected(r"step \(1\)", algebra("sign", st))
    assert (Tr if scalar == "trace" else Det)(S).is_positive  # the same statement of an SPD matrix holds


@pytest.mark.parametrize("scalar", ["diagonal entry", "eigenvalue"])
def test_indexed_scalars_are_positive_only_at_an_integer_index(scalar):
    """S_jj > 0 and lambda_j(S) > 0 for SPD S at j = 1..n; at a real t the clamped index says nothing."""
    from proofs.matrices import Eigenvalue

    t = sp.Symbol("t", positive=True)
    make = DiagEntry if scalar == "diagonal entry" else Eigenvalue
    rejected(r"step \(1\)", algebra("index", sp.Gt(make(S, t) + E, E)))
    assert make(S, j).is_positive and make(RealMatrix("B", d, d), j).is_positive is None


def test_a_family_of_columns_is_not_positive_definite():
    """m_i m_iᵀ from a family of columns is singular (rank one): it is not SPD, and its inverse is refused;
    only a family declared SPD is, and only it is its own transpose."""
    from proofs.matrices import ColumnFamily, SPDFamily

    col = ColumnFamily("m", i, d)
    outer = col * col.T
    assert not spd(outer) and not spd(col)
    assert spd(SPDFamily("Sigma", i, d)) and SPDFamily("Sigma", i, d).T == SPDFamily("Sigma", i, d)
    assert col.T != col
    rejected(r"contains the inverse", algebra("rank one", sp.Gt(Tr(outer.I) + E, E)))
