"""Full covariance in every dimension d: the theorems check, wrong variants and abuses of the matrix axioms do not.

Each attack builds a derivation that would reach a false or meaningless statement if one side condition
of a matrix axiom (:mod:`proofs.axioms_matrix`) or one check of the kernel on matrices were missing, and
expects a :class:`ProofError` naming the step and the reason.  Attacks run with the numeric witness off:
the symbolic kernel alone must refuse them.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
import sympy as sp

from proofs import axioms as ax
from proofs import axioms_matrix as mx
from proofs.checker import Algebra, ByAxiom, ByTheorem, Combine, ProofError, Step, Theorem
from proofs.covariance import (COVARIANCE_THEOREMS, DROP_COVARIANCE_D, DROP_COVARIANCE_PRIOR_D, PRIOR_DIAGONAL, HADAMARD_D, KL_FULL_COVARIANCE_D, kl_gaussians,
                               KL_FULL_TO_DIAGONAL_D, KL_GAUSSIANS_D, S, A, closed_form, diagonal_part,
                               kl_standard_normal, mean, prior_mean)
from proofs.chain import CHAIN, CHAIN_DIAGONAL_PRIOR
from proofs.dimension import d, j, m, v
from proofs.mixture import N, i as mix_i, w
from proofs.moments import COVS, MATCH, MBAR, MEANS, MOMENTS_MATCH_D, SBAR, S_i, m_i
from proofs.matrices import (ColumnFamily, Corr, Det, Diag, DiagEntry, Eigenvalue, ExpectedForm, ExpectedLogDensity,
                             Form, MixtureCov, MixtureMean, RealMatrix, SPDFamily, SPDMatrix, Tr, Vec, spd)

half = sp.Rational(1, 2)
I, ZERO = sp.Identity(d), sp.ZeroMatrix(d, 1)
B = RealMatrix("B", d, d)  # a square matrix of real entries with no other declared property
k = sp.Symbol("k", integer=True, nonnegative=True)  # a size that may be 0
n = sp.Symbol("n", integer=True, positive=True)  # another dimension
t = sp.Symbol("t", positive=True)


def thm(conclusion, *steps, **kw) -> Theorem:
    return Theorem(name="attack", title="attack", conclusion=conclusion, steps=list(steps), **kw)


def by_axiom(axiom, statement=None, **args) -> Theorem:
    """A one-step theorem citing ``axiom``; the statement is the schema's own unless given."""
    statement = statement if statement is not None else axiom.schema(**args)
    return thm(statement, Step("1", statement, ByAxiom(axiom, **args)))


_CHECKED: dict[int, object] = {}  # theorem id -> its Thm, each theorem checked once per session (the witness off)


def proved(*theorems):
    """The kernel's records of ``theorems`` and everything they use, in order."""
    out = []
    for th in theorems:
        for t in (*th.dependencies(), th):
            if id(t) not in _CHECKED:
                _CHECKED[id(t)] = t.check(out, witness=False).thm
            if all(p is not _CHECKED[id(t)] for p in out):
                out.append(_CHECKED[id(t)])
    return out


# --- the theorems ---------------------------------------------------------------------------------------
def test_every_theorem_checks(proof_reports):
    """Checked with the witness by the session's fixture; each concludes what its docstring says."""
    for t in (*COVARIANCE_THEOREMS, MOMENTS_MATCH_D, CHAIN, CHAIN_DIAGONAL_PRIOR):
        assert proof_reports[t.name].ok


def test_reduction_reaches_the_diagonal_theorem():
    """The full-covariance route ends at the script's sum and at the same KL as the induction."""
    from proofs.dimension import KL_DIAGONAL, SCRIPT_KL, diagonal_kl

    c1, c2 = KL_FULL_TO_DIAGONAL_D.conclusions
    assert c1.rhs == SCRIPT_KL == KL_DIAGONAL.conclusions[0].rhs
    assert c2.rhs == diagonal_kl(d) == KL_DIAGONAL.conclusions[0].lhs


def _wrong(theorem: Theorem, statement) -> Theorem:
    """``theorem`` with its last step (and conclusion) replaced by ``statement``."""
    last = theorem.steps[-1]
    steps = [*theorem.steps[:-1], dataclasses.replace(last, statement=statement)]
    return dataclasses.replace(theorem, name=theorem.name + "_wrong", conclusion=statement, steps=steps)


def _closed(minus_d=True, log_det=None, trace=None):
    log_det = sp.log(Det(S)) if log_det is None else log_det
    return half * ((Tr(S) if trace is None else trace) + Form(mean, I, mean) - (d if minus_d else 0) - log_det)


WRONG = {
    "missing -d": (KL_FULL_COVARIANCE_D, sp.Eq(kl_standard_normal(mean, S), _closed(minus_d=False))),
    "log det as the log of the diagonal product": (
        KL_FULL_COVARIANCE_D, sp.Eq(kl_standard_normal(mean, S),
                                    _closed(log_det=sp.Sum(sp.log(DiagEntry(S, j)), (j, 1, d))))),
    "tr of the inverse": (KL_FULL_COVARIANCE_D, sp.Eq(kl_standard_normal(mean, S), _closed(trace=Tr(S.I)))),
    "prior log-determinant with the wrong sign": (
        KL_GAUSSIANS_D, sp.Eq(kl_gaussians(mean, S, prior_mean, A),
                              half * (Tr(A.I * S) + Form(mean - prior_mean, A.I, mean - prior_mean) - d
                                      - sp.log(Det(A)) - sp.log(Det(S))))),
    "prior quadratic form without the inverse": (
        KL_GAUSSIANS_D, sp.Eq(kl_gaussians(mean, S, prior_mean, A),
                              half * (Tr(A.I * S) + Form(mean - prior_mean, A, mean - prior_mean) - d
                                      + sp.log(Det(A)) - sp.log(Det(S))))),
    "reduction without the -1 per coordinate": (
        KL_FULL_TO_DIAGONAL_D, sp.Eq(kl_standard_normal(Vec(sp.Lambda(j, m[j]), d), Diag(sp.Lambda(j, v[j]), d)),
                                     half * sp.Sum(v[j] + m[j] ** 2 - sp.log(v[j]), (j, 1, d)))),
    "reversed Hadamard": (HADAMARD_D, sp.Ge(sp.log(Det(S)), sp.Sum(sp.log(DiagEntry(S, j)), (j, 1, d)))),
    "Hadamard as an equality": (HADAMARD_D, sp.Eq(sp.log(Det(S)), sp.Sum(sp.log(DiagEntry(S, j)), (j, 1, d)))),
    "dropping the covariance raises the KL to a diagonal prior": (
        DROP_COVARIANCE_PRIOR_D, sp.Ge(kl_gaussians(mean, diagonal_part(S), prior_mean, PRIOR_DIAGONAL),
                                       kl_gaussians(mean, S, prior_mean, PRIOR_DIAGONAL))),
    "dropping the covariance raises the KL": (
        DROP_COVARIANCE_D, sp.Ge(kl_standard_normal(mean, diagonal_part(S)), kl_standard_normal(mean, S))),
}


@pytest.mark.parametrize("slip", list(WRONG))
def test_a_wrong_variant_is_rejected(slip):
    theorem, statement = WRONG[slip]
    done = proved(*theorem.dependencies())
    with pytest.raises(ProofError, match=r"_wrong, step \("):
        _wrong(theorem, statement).check(done, witness=False)


# --- attacks on the matrix axioms and the kernel's matrix checks ------------------------------------------
ATTACKS: dict[str, tuple[str, object]] = {}


def attack(reason: str):
    def register(build):
        ATTACKS[build.__name__] = (reason, build)
        return build
    return register


@attack(r"step \(statement\): the Gaussian NormalFull\(m, B, z\) has a covariance that is not symmetric positive")
def kl_of_a_matrix_not_declared_positive_definite():
    """A Gaussian is written only with a covariance SPD by construction (the axiom checks it again)."""
    return by_axiom(mx.KL_EXPECTED_LOG_RATIO_D, mean=mean, cov=B, prior_mean=ZERO, prior_cov=I)


@attack(r"step \(statement\): the Gaussian NormalFull\(0, B, z\) has a covariance that is not symmetric positive")
def kl_to_a_prior_not_positive_definite():
    return by_axiom(mx.KL_EXPECTED_LOG_RATIO_D, mean=mean, cov=S, prior_mean=ZERO, prior_cov=B)


@attack(r"step \(statement\): the Gaussian NormalFull\(m, Sigma, z\) has a mean whose length is not the covariance")
def kl_with_a_mean_of_another_length():
    return by_axiom(mx.KL_EXPECTED_LOG_RATIO_D, mean=RealMatrix("m", d + 1, 1), cov=S, prior_mean=ZERO,
                    prior_cov=I)


@attack(r"step \(1\): side condition of the Gaussian log-density .* prior_covariance is d x d")
def log_density_with_a_covariance_of_another_dimension():
    return by_axiom(mx.GAUSSIAN_LOG_DENSITY_D, a=sp.ZeroMatrix(n, 1), A=SPDMatrix("A", n), mean=mean, cov=S)


@attack(r"step \(statement\): contains the inverse of A, which is not symmetric positive definite")
def log_density_in_a_dimension_that_may_be_zero():
    """A matrix of a size that may be 0 is not positive definite by construction, so it has no inverse."""
    Ak = SPDMatrix("A", k)
    return by_axiom(mx.GAUSSIAN_LOG_DENSITY_D, a=sp.ZeroMatrix(k, 1), A=Ak, mean=RealMatrix("m", k, 1), cov=Ak)


@attack(r"step \(1\): side condition of the trace of a diagonal matrix not proved: the dimension is at least 1")
def trace_of_a_diagonal_of_negative_size():
    """sympy's convention makes sum_{j=1}^{-1} f(j) = -f(0): a 'trace' of a -1 x -1 matrix."""
    return by_axiom(mx.TRACE_DIAGONAL, f=sp.Lambda(j, v[j]), n=sp.Integer(-1), j=j)


@attack(r"step \(1\): does not match the Gaussian log-density")
def log_density_with_the_wrong_dimension_in_front():
    good = mx.GAUSSIAN_LOG_DENSITY_D.schema(a=ZERO, A=I, mean=mean, cov=S)
    bad = sp.Eq(good.lhs, good.rhs - sp.log(2 * sp.pi) / 2)
    return by_axiom(mx.GAUSSIAN_LOG_DENSITY_D, bad, a=ZERO, A=I, mean=mean, cov=S)


@attack(r"step \(1\): side condition of expectation of a quadratic form on .*R\^n\$ .* covariance is symmetric")
def quadratic_expectation_under_a_matrix_not_positive_definite():
    return by_axiom(mx.QUADRATIC_EXPECTATION_D, B=I, a=ZERO, mean=mean, cov=B)


@attack(r"step \(1\): (the arguments do not fit the schema|side condition of expectation .* B is d x d)")
def quadratic_expectation_of_a_form_of_another_size():
    return by_axiom(mx.QUADRATIC_EXPECTATION_D, B=RealMatrix("C", d + 1, d + 1), a=ZERO, mean=mean, cov=S)


@attack(r"step \(1\): does not match expectation of a quadratic form on .*R\^n\$")
def quadratic_expectation_with_another_matrix_in_the_form():
    """E[(z - a)' B (z - a)] stated with A in the trace: not the schema's instance."""
    bad = sp.Eq(ExpectedForm(B, ZERO, mean, S), Tr(A * S) + Form(mean, B, mean))
    return by_axiom(mx.QUADRATIC_EXPECTATION_D, bad, B=B, a=ZERO, mean=mean, cov=S)


@attack(r"step \(1\): does not match the trace of a diagonal matrix")
def trace_of_a_diagonal_over_a_range_that_lies():
    bad = sp.Eq(Tr(Diag(sp.Lambda(j, v[j]), d)), sp.Sum(v[j], (j, 1, d + 1)))
    return by_axiom(mx.TRACE_DIAGONAL, bad, f=sp.Lambda(j, v[j]), n=d, j=j)


@attack(r"step \(1\): (side condition of the trace of a diagonal matrix .* index occurs in nothing|the trace of a diagonal matrix: the argument f = .* would capture)")
def trace_of_a_diagonal_with_a_captured_index():
    """diag(v_i + j): summing over j would turn the constant j into the index."""
    i_ = sp.Symbol("i", integer=True, positive=True)
    return by_axiom(mx.TRACE_DIAGONAL, f=sp.Lambda(i_, v[i_] + j), n=d, j=j)


@attack(r"step \(1\): side condition of the log-determinant of a positive diagonal .* entries are positive")
def log_det_of_a_diagonal_with_signed_entries():
    return by_axiom(mx.LOG_DET_DIAGONAL, f=sp.Lambda(j, m[j]), n=d, j=j)


@attack(r"step \(1\): side condition of the squared norm of a column not proved: the entries are real")
def squared_norm_of_complex_entries():
    return by_axiom(mx.SQUARED_NORM, f=sp.Lambda(j, sp.I * v[j]), n=d, j=j)


@attack(r"step \(statement\): the size j x j of the matrix Sigma contains the bound variable j")
def trace_definition_summing_over_the_size():
    Sj = SPDMatrix("Sigma", j)
    return by_axiom(mx.TRACE_DEFINITION, A=Sj, j=j)


@attack(r"step \(1\): side condition of the determinant through the correlation matrix .* A is symmetric")
def correlation_of_a_matrix_not_positive_definite():
    return by_axiom(mx.CORRELATION_LOG_DET, A=B, j=j)


@attack(r"step \(1\): does not match the diagonal of a correlation matrix is one")
def correlation_trace_claimed_larger():
    return by_axiom(mx.CORRELATION_TRACE, sp.Eq(Tr(Corr(S)), d + 1), A=S)


@attack(r"step \(1\): side condition of the trace is the sum of the eigenvalues .* A is symmetric positive")
def spectral_theorem_for_a_matrix_not_positive_definite():
    return by_axiom(mx.SPECTRAL_TRACE, A=B, j=j)


@attack(r"step \(1\): does not match the log-determinant is the sum of the log-eigenvalues")
def spectral_log_det_over_a_range_that_lies():
    bad = sp.Eq(sp.log(Det(S)), sp.Sum(sp.log(Eigenvalue(S, j)), (j, 1, d - 1)))
    return by_axiom(mx.SPECTRAL_LOG_DET, bad, A=S, j=j)


@attack(r"step \(1\): side condition of Jensen's inequality not proved: every point is real \(Lambda\(j, Eigenvalue\(B, j\)\)\)")
def jensen_over_eigenvalues_of_a_matrix_not_positive_definite():
    """-log is convex on t > 0 only; the eigenvalues of an undeclared B need not be positive."""
    lam = Eigenvalue(B, j)
    st = sp.Ge(sp.Sum(-sp.log(lam) / d, (j, 1, d)), -sp.log(sp.Sum(lam / d, (j, 1, d))))
    return thm(st, Step("1", st, ByAxiom(ax.JENSEN, f=sp.Lambda(t, -sp.log(t)), weight=sp.Lambda(j, 1 / d),
                                         point=sp.Lambda(j, lam), i=j, n=d)))


@attack(r"step \(statement\): contains the inverse of B, which is not symmetric positive definite")
def inverse_of_a_matrix_not_positive_definite():
    """sympy cancels B^-1 B to I, which presumes B invertible: an inverse is written only of an SPD matrix."""
    st = sp.Gt(Tr(B.I * S), 0)
    return thm(st, Step("1", st, Algebra()))


@attack(r"stands outside a trace, determinant, form or KL term")
def a_relation_between_matrices():
    st = sp.Eq(B.T, B)
    return thm(st, Step("1", st, Algebra()))


@attack(r"step \(1\): algebra: .* does not have a provable strict sign")
def determinant_of_an_undeclared_matrix_is_positive():
    st = sp.Gt(Det(B), 0)
    return thm(st, Step("1", st, Algebra()))


@attack(r"step \(1\): algebra: .* does not have a provable strict sign")
def determinant_of_a_diagonal_of_size_zero_is_positive():
    st = sp.Gt(Det(Diag(sp.Lambda(j, v[j]), k)), 0)
    return thm(st, Step("1", st, Algebra()))


@attack(r"step \(1\): algebra: .* does not reduce to 0")
def traces_of_two_matrices_are_equal():
    st = sp.Eq(Tr(S), Tr(A))
    return thm(st, Step("1", st, Algebra()))


def _cite_full(cov, mu=mean):
    """The substitution itself is refused, before any instance is built (the statement is a placeholder)."""
    st = sp.Eq(d, d, evaluate=False)
    return thm(st, Step("1", st, ByTheorem(KL_FULL_COVARIANCE_D, {S: cov, mean: mu}))), proved(KL_FULL_COVARIANCE_D)


@attack(r"step \(1\): Sigma is symmetric positive definite but B is not so by construction")
def citing_the_closed_form_for_an_undeclared_matrix():
    return _cite_full(B)


@attack(r"step \(1\): Sigma is symmetric positive definite but Diag\(Lambda\(j, m\[j\]\), d\) is not so")
def citing_the_closed_form_for_a_diagonal_with_signed_entries():
    return _cite_full(Diag(sp.Lambda(j, m[j]), d))


@attack(r"step \(1\): the matrix symbol Sigma is d x d but A is d \+ 1 x d \+ 1")
def citing_the_closed_form_for_a_matrix_of_another_size():
    return _cite_full(SPDMatrix("A", d + 1))


@attack(r"step \(1\): the matrix symbol m must be replaced by a matrix expression")
def citing_the_closed_form_with_a_scalar_mean():
    return _cite_full(S, sp.Integer(0))


def test_kl_axiom_checks_its_covariances_and_shapes_itself():
    """Behind the statement check: the axiom's own conditions fail for a matrix not SPD and a mean of another size."""
    failed = lambda **args: [c.description for c in mx.KL_EXPECTED_LOG_RATIO_D.conditions(**args)  # noqa: E731
                             if c.kind == "check" and c.args[0] is not True]
    assert failed(mean=mean, cov=S, prior_mean=ZERO, prior_cov=I) == []
    assert failed(mean=mean, cov=B, prior_mean=ZERO, prior_cov=I) == ["the covariance is symmetric positive definite by construction"]
    assert failed(mean=mean, cov=S, prior_mean=ZERO, prior_cov=B) == [
        "the prior's covariance is symmetric positive definite by construction"]
    assert failed(mean=RealMatrix("m", d + 1, 1), cov=S, prior_mean=ZERO, prior_cov=I) == ["mean is a column of length d"]
    assert failed(mean=mean, cov=S, prior_mean=sp.ZeroMatrix(d + 1, 1), prior_cov=I) == [
        "prior_mean is a column of length d"]
    assert failed(mean=mean, cov=S, prior_mean=ZERO, prior_cov=sp.Identity(d + 1)) == ["prior_covariance is d x d"]


def test_declared_positive_definite_only_by_construction():
    j2 = sp.Symbol("i", integer=True)  # may be 0 or negative
    assert spd(S) and spd(I) and spd(Corr(S)) and spd(diagonal_part(S)) and spd(Diag(sp.Lambda(j, v[j]), d))
    assert not spd(B) and not spd(S + S) and not spd(S.I) and not spd(Corr(B))
    assert not spd(Diag(sp.Lambda(j, m[j]), d)) and not spd(Diag(sp.Lambda(j2, j2 - 1), d))
    assert not spd(Diag(sp.Lambda(j, v[j]), k)) and not spd(SPDMatrix("Sigma", sp.Symbol("x")))
    negative = sp.Symbol("t", negative=True)  # -t > 0 for t < 0, but the entries are f(1), ..., f(d) = -1, ..., -d
    assert not spd(Diag(sp.Lambda(negative, -negative), d))
    assert S.T == S and Det(S).is_positive and Eigenvalue(S, j).is_positive and DiagEntry(S, j).is_positive
    assert Det(B).is_positive is None and Eigenvalue(B, j).is_positive is None and Tr(B).is_positive is None
    assert Eigenvalue(S, t).is_positive is None and DiagEntry(S, t).is_positive is None  # an index that is no integer


def test_built_in_values_are_only_the_trivial_ones():
    assert Tr(I) == d and Det(I) == 1 and Form(ZERO, B, mean) == 0 and Tr(S.I * S) == d
    assert isinstance(Tr(S), Tr) and isinstance(Det(Diag(sp.Lambda(j, v[j]), d)), Det)
    assert isinstance(ExpectedLogDensity(ZERO, I, mean, S), ExpectedLogDensity)


def test_objects_print_as_written_by_hand():
    from proofs.render_latex import latex

    assert latex(Tr(S)) == r"\operatorname{tr} \Sigma"
    assert latex(sp.log(Det(S))).replace(" ", "") == r"\log{\left(\det\Sigma \right)}".replace(" ", "") or \
        r"\det \Sigma" in latex(sp.log(Det(S)))
    assert latex(Form(mean, I, mean)) == r"m^\top m"
    assert latex(DiagEntry(S, j)) == r"{\Sigma}_{jj}"
    assert r"\operatorname{diag} \Sigma" in latex(Tr(diagonal_part(S)))
    assert latex(kl_standard_normal(mean, S)) == (r"\operatorname{KL}\left(\mathcal N\left(m, \Sigma\right)\,\middle\|\,"
                                                  r"\mathcal N\left(0, I\right)\right)")


# --- moment matching and the chain in every dimension --------------------------------------------------------


def test_the_chain_needs_only_the_weights_to_sum_to_one(proof_reports):
    assert set(CHAIN.hypotheses) == {"w"}
    assert MOMENTS_MATCH_D.conclusions == (MATCH,)
    assert proof_reports["chain"].ok and proof_reports["moments_match_d"].ok


def _without(theorem: Theorem, label: str) -> Theorem:
    return dataclasses.replace(theorem, name=theorem.name + "_wrong",
                               hypotheses={k: h for k, h in theorem.hypotheses.items() if k != label})


def test_the_chain_holds_for_a_diagonal_prior(proof_reports):
    from proofs.dimension import mu_p, v_p

    prior = next(v_ for k_, v_ in CHAIN_DIAGONAL_PRIOR.definitions.items() if type(k_).__name__ == "p")
    assert prior.args[1] == Diag(sp.Lambda(j, v_p[j]), d) and prior.args[0] == Vec(sp.Lambda(j, mu_p[j]), d)
    assert set(CHAIN_DIAGONAL_PRIOR.hypotheses) == {"w"}
    assert proof_reports["chain_diagonal_prior"].ok


@attack(r"step \(1\): side condition of a diagonal weight sees only the diagonal not proved: X is d x d")
def diagonal_weight_of_a_matrix_of_another_size():
    args = dict(f=sp.Lambda(j, v[j]), n=d, X=SPDMatrix("A", d + 1), j=j)
    return by_axiom(mx.DIAGONAL_WEIGHT_TRACE, **args)


@attack(r"step \(1\): does not match a diagonal weight sees only the diagonal")
def diagonal_weight_dropping_the_weight():
    """tr(D^-1 X) is not tr(diag X) unless D = I."""
    D = Diag(sp.Lambda(j, v[j]), d)
    st = sp.Eq(Tr(D.I * S), Tr(diagonal_part(S)))
    return by_axiom(mx.DIAGONAL_WEIGHT_TRACE, st, f=sp.Lambda(j, v[j]), n=d, X=S, j=j)


def test_the_chain_without_the_weights_summing_to_one_is_rejected(proof_reports):
    done = [r.thm for r in proof_reports.values()]
    with pytest.raises(ProofError, match=r"chain_wrong, step \(statement\)|chain_wrong, step \(\d+\)"):
        _without(CHAIN, "w").check(done, witness=False)


def test_moment_matching_with_the_wrong_value_is_rejected():
    """E_q̄[log(G/p)] without the -d of tr(Σ̄^-1 Σ̄): step 15 must fail."""
    wrong = MOMENTS_MATCH_D.steps[14]
    assert wrong.label == "15"
    rel = sp.Eq(wrong.statement.lhs, wrong.statement.rhs + d / 2)
    steps = [*MOMENTS_MATCH_D.steps[:14], dataclasses.replace(wrong, statement=rel), *MOMENTS_MATCH_D.steps[15:]]
    bad = dataclasses.replace(MOMENTS_MATCH_D, name="moments_match_d_wrong", steps=steps)
    with pytest.raises(ProofError, match=r"moments_match_d_wrong, step \(15\)"):
        bad.check(proved(*MOMENTS_MATCH_D.dependencies()), witness=False)


def test_moment_matching_with_a_wrong_prior_is_rejected():
    """log(G/p) with p = N(0, I) replaced by N(0, Σ_1) in the expected log-density: no longer the definitions'."""
    wrong = MOMENTS_MATCH_D.steps[5]
    assert wrong.label == "6"
    other = ExpectedLogDensity(ZERO, SPDFamily("Sigma", 1, d), m_i, S_i)
    rel = sp.Eq(wrong.statement.lhs, other)
    steps = [*MOMENTS_MATCH_D.steps[:5], dataclasses.replace(wrong, statement=rel), *MOMENTS_MATCH_D.steps[6:]]
    bad = dataclasses.replace(MOMENTS_MATCH_D, name="moments_match_d_wrong", steps=steps)
    with pytest.raises(ProofError, match=r"moments_match_d_wrong, step \(6\): does not match"):
        bad.check(proved(*MOMENTS_MATCH_D.dependencies()), witness=False)


def _second_moment(**over):
    args = dict(weights=w, means=MEANS, covs=COVS, size=N, B=I, a=ZERO, i=mix_i)
    args.update(over)
    return args


@attack(r"step \(1\): side condition of the second moments of a mixture not proved: the weights sum to one")
def second_moments_of_weights_not_summing_to_one():
    """Without sum w = 1, sum_i w_i tr S_i is not tr of the mixture's covariance (double every weight)."""
    return by_axiom(mx.MIXTURE_SECOND_MOMENT, **_second_moment())


@attack(r"step \(1\): side condition of the second moments of a mixture not proved: the weights are nonnegative")
def second_moments_of_signed_weights():
    u = sp.IndexedBase("u", real=True)
    hyp = {"u": sp.Eq(sp.Sum(u[mix_i], (mix_i, 1, N)), 1)}
    args = _second_moment(weights=u)
    st = mx.MIXTURE_SECOND_MOMENT.schema(**args)
    return thm(st, Step("1", st, ByAxiom(mx.MIXTURE_SECOND_MOMENT, **args)), hypotheses=hyp)


@attack(r"step \(1\): side condition of the second moments of a mixture not proved: the summation index occurs")
def second_moments_with_the_index_in_the_form():
    hyp = {"w": sp.Eq(sp.Sum(w[mix_i], (mix_i, 1, N)), 1)}
    args = _second_moment(a=ColumnFamily("a", mix_i, d))
    st = mx.MIXTURE_SECOND_MOMENT.schema(**args)
    return thm(st, Step("1", st, ByAxiom(mx.MIXTURE_SECOND_MOMENT, **args)), hypotheses=hyp)


@attack(r"step \(1\): side condition of the second moments of a mixture not proved: B is d x d")
def second_moments_traced_against_a_matrix_of_another_size():
    hyp = {"w": sp.Eq(sp.Sum(w[mix_i], (mix_i, 1, N)), 1)}
    args = _second_moment(B=sp.Identity(d + 1))
    st = mx.MIXTURE_SECOND_MOMENT.schema(**args)
    return thm(st, Step("1", st, ByAxiom(mx.MIXTURE_SECOND_MOMENT, **args)), hypotheses=hyp)


@attack(r"step \(1\): does not match the expected Gaussian log-density as an integral")
def log_integral_with_the_densities_swapped():
    """E_{N(m,S)}[log N(a, A)] is not E_{N(a,A)}[log N(m, S)]."""
    from proofs.objects import z as z_
    from proofs.matrices import NormalFull

    st = sp.Eq(sp.Integral(NormalFull(ZERO, I, z_) * sp.log(NormalFull(mean, S, z_)), (z_, -sp.oo, sp.oo)),
               ExpectedLogDensity(ZERO, I, mean, S))
    return by_axiom(mx.GAUSSIAN_LOG_INTEGRAL, st, a=ZERO, A=I, mean=mean, cov=S, x=z_)


def test_mixture_covariance_is_declared_positive_definite_only_for_positive_weights():
    u = sp.IndexedBase("u", real=True)
    assert spd(SBAR) and not spd(MixtureCov(u, MEANS, COVS, N))
    assert not spd(MixtureCov(w, MEANS, COVS, sp.Symbol("K", integer=True)))
    assert MBAR.shape == (d, 1) and SBAR.shape == (d, d) and isinstance(MixtureMean(w, MEANS, N), MixtureMean)


@attack(r"step \(1\): side condition of expectation of a quadratic form on .*: a is a column of length d")
def quadratic_expectation_shifted_by_a_column_of_another_length():
    return by_axiom(mx.QUADRATIC_EXPECTATION_D, B=I, a=RealMatrix("a", d + 1, 1), mean=mean, cov=S)


@attack(r"step \(1\): side condition of the second moments of a mixture not proved: there is at least one component")
def second_moments_of_a_mixture_that_may_be_empty():
    """With no component the left side is 0, the right side the trace of a covariance that does not exist."""
    K = sp.Symbol("K", integer=True, nonnegative=True)
    hyp = {"w": sp.Eq(sp.Sum(w[mix_i], (mix_i, 1, K)), 1)}
    args = _second_moment(size=K)
    st = mx.MIXTURE_SECOND_MOMENT.schema(**args)
    return thm(st, Step("1", st, ByAxiom(mx.MIXTURE_SECOND_MOMENT, **args)), hypotheses=hyp)


@attack(r"step \(1\): side condition of the second moments of a mixture not proved: the covariances have the means' size")
def second_moments_with_covariances_of_another_size():
    hyp = {"w": sp.Eq(sp.Sum(w[mix_i], (mix_i, 1, N)), 1)}
    args = _second_moment(covs=sp.Lambda(mix_i, SPDFamily("Sigma", mix_i, d + 1)))
    st = mx.MIXTURE_SECOND_MOMENT.schema(**args)
    return thm(st, Step("1", st, ByAxiom(mx.MIXTURE_SECOND_MOMENT, **args)), hypotheses=hyp)


@attack(r"step \(1\): side condition of the diagonal of a correlation matrix is one not proved: A is symmetric")
def correlation_trace_of_a_matrix_not_positive_definite():
    return by_axiom(mx.CORRELATION_TRACE, A=B)


@attack(r"step \(statement\): the Gaussian NormalFull\(m, B, z\) has a covariance that is not symmetric positive")
def log_integral_under_a_matrix_not_positive_definite():
    from proofs.objects import z as z_

    return by_axiom(mx.GAUSSIAN_LOG_INTEGRAL, a=ZERO, A=I, mean=mean, cov=B, x=z_)


@pytest.mark.parametrize("key", list(ATTACKS))
def test_attack_is_rejected(key):
    reason, build = ATTACKS[key]
    with pytest.raises(ProofError) as info:
        built = build()
        theorem, done = built if isinstance(built, tuple) else (built, [])
        theorem.check(done, witness=False)
    assert re.search(reason, str(info.value)), str(info.value)
