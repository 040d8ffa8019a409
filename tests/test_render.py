"""LaTeX, Markdown and Jupyter renderings of the checked derivations.

The LaTeX document compiles, no display in it is scaled below 80% of its
size (measured from the LaTeX log), prose is escaped, every Combine step
says what it combines with which factors, and a theorem renders whole in
Jupyter with its number in ``proofs.THEOREMS`` and the status of each step.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
import sympy as sp

from proofs import AXIOMS, THEOREMS, theorem
from proofs.checker import Algebra, Combine, Step, Theorem
from proofs.mixture import i, p, q, w
from proofs.objects import gaussians, z
from proofs.render import (LINE_EMS, combine_words, display_scales, document_latex, document_markdown,
                           theorem_markdown, theorem_repr_latex, theorem_repr_markdown)
from proofs.render_latex import (_Named, _prepare, display_lines, estimate_width, latex, matrix_names,
                                 prose_latex, prose_markdown, relation_parts)

#: The smallest scale a display may be shrunk to.
MIN_SCALE = 0.8


@pytest.fixture(scope="module")
def documents(proof_reports):
    reports = [proof_reports[t.name] for t in THEOREMS]
    return document_latex(THEOREMS, reports), document_markdown(THEOREMS, reports)


def test_latex_lists_axioms_first_then_every_theorem(documents):
    tex, _ = documents
    assert tex.index(r"\section*{Axioms}") < tex.index(r"\section*{Theorems}")
    assert tex.count(r"\begin{axiom}") == len(AXIOMS)
    assert tex.count(r"\begin{theorem}") == len(THEOREMS)
    for t in THEOREMS:
        assert rf"\label{{thm:{t.name}}}" in tex


def test_every_step_is_marked_checked_or_axiom(documents):
    tex, md = documents
    n_steps = sum(len(t.steps) for t in THEOREMS)
    marks = re.findall(r"\\emph\{\[(checked|axiom|not yet checked)\]\}", tex)
    assert len(marks) == n_steps and set(marks) <= {"checked", "axiom"}
    assert len(re.findall(r"\*\[(checked|axiom)\]\*", md)) == n_steps


def test_markdown_math_blocks_are_balanced(documents):
    _, md = documents
    assert md.count("$$") % 2 == 0 and md.count("$$") >= 2 * sum(len(t.steps) for t in THEOREMS)
    assert "\\begin{" not in md.replace("\\begin{matrix}", "").replace("\\begin{array}", "")


def test_no_raw_unicode_in_latex(documents):
    tex, _ = documents
    assert all(ord(ch) < 128 for ch in tex), [ch for ch in tex if ord(ch) >= 128][:5]


# --- definitions and hypotheses ---------------------------------------------


def test_each_theorem_prints_its_definitions_and_hypotheses(documents):
    tex, md = documents
    blocks = tex.split(r"\begin{theorem}")[1:]
    for t, block in zip(THEOREMS, blocks):
        for label in t.hypotheses:
            assert rf"\fitdisplay{{({label})}}" in block, (t.name, label)
        if any(sp.Eq(a, b, evaluate=False) not in t.hypotheses.values() for a, b in t.definitions.items()):
            assert "Definitions:" in block, t.name
    mixture = md.split("the average KL bounds the KL of the aggregate posterior")[1].split("### Theorem")[0]
    assert "Definitions:" in mixture and r"\bar q\left(z\right) = \sum_{i=1}^{N} {w}_{i} q_{i}\left(z\right)" in mixture
    assert r"\tag*{(w)}" in mixture


# --- prose ------------------------------------------------------------------


def test_prose_is_escaped_for_latex():
    text = "Gibbs' inequality, “quoted” – for t > 0 & a_b: 5% #1 ^ ~ {x} \\ <y> |z|"
    out = prose_latex(text)
    assert all(ord(ch) < 128 for ch in out)
    for raw, safe in [("&", r"\&"), ("%", r"\%"), ("#", r"\#"), ("_", r"\_"), (">", r"\textgreater{}"),
                      ("<", r"\textless{}"), ("{", r"\{"), ("\\", r"\textbackslash{}"), ("|", r"\textbar{}")]:
        assert safe in out, (raw, out)
    assert "Gibbs' inequality" in out and "``quoted''" in out and "--" in out
    assert r"\'" not in out  # an apostrophe never becomes an accent


def test_prose_keeps_math_and_typesets_code():
    assert prose_latex(r"for $t > 0$, $\bar q$") == r"for $t > 0$, $\bar q$"
    assert prose_latex("the script's `m.^2 - 1`") == r"the script's \texttt{m.\^{}2 - 1}"
    assert prose_markdown("the script's `m.^2 - 1` for $t > 0$ and a_b") == \
        r"the script's `m.^2 - 1` for $t > 0$ and a\_b"


def test_prose_with_a_character_latex_cannot_typeset_names_it():
    with pytest.raises(ValueError, match=r"U\+2603"):
        prose_latex("a snowman \u2603")


def test_no_broken_accents_or_raw_text_commands(documents):
    tex, md = documents
    outside_math = re.sub(r"\$[^$]*\$", "", tex)
    assert r"\' " not in tex and "\\'s" not in tex
    assert r"\textbackslash" not in tex  # no prose carries raw LaTeX
    for raw in (r"\texttt", r"\^{}", r"\textbackslash", r"\emph", r"\'"):
        assert raw not in md, raw
    assert "`KL = @(m,v) .5*sum(v + m.^2 - 1 - log(v))`" in md
    assert r"[$t \log t$ is convex on $t > 0$]" in tex
    assert ">" not in "".join(re.findall(r"\\begin\{theorem\}\[([^\]]*)\]", outside_math))


# --- formulas ---------------------------------------------------------------


def _unnamed(expr: sp.Basic) -> sp.Basic:
    """Undo the printing names: every placeholder back to what it stands for."""
    back = {}
    for body, (point, mean, var) in gaussians().items():
        back[rf"\mathcal N\left({latex(point)}; {latex(mean)}, {latex(var)}\right)"] = body
    return expr.replace(lambda e: isinstance(e, _Named), lambda e: back[e._tex])


@pytest.mark.parametrize("t", THEOREMS, ids=[t.name for t in THEOREMS])
def test_named_gaussians_stand_for_the_same_expression(t):
    """Printing a Gaussian by name changes nothing: substituted back, every statement is unchanged."""
    for s in t.steps:
        prepared = _prepare(s.statement)
        if prepared.has(_Named):
            restored = _unnamed(prepared)
            for side in ("lhs", "rhs"):
                assert sp.simplify(getattr(restored, side) - getattr(s.statement, side)) == 0, (t.name, s.label)


def test_the_loops_over_named_gaussians_and_combined_references_are_not_empty():
    """The two theorem-by-theorem tests above and below check something: Gaussians printed by name, references combined."""
    assert any(_prepare(s.statement).has(_Named) for t in THEOREMS for s in t.steps)
    assert any(isinstance(s.why, Combine) and s.why.refs for t in THEOREMS for s in t.steps)


def test_factors_print_weight_density_then_log():
    assert latex(w[i] * q(i, z) * sp.log(q(i, z) / p(z))).startswith(r"{w}_{i} q_{i}\left(z\right) \log")
    log_sum = theorem("log_sum").conclusion
    assert latex(log_sum).startswith(r"\sum_{i=1}^{N} {a}_{i} \log")
    assert r"\frac{1}{2} \left(" in latex(theorem("kl_standard").conclusion)


def test_gaussians_and_determinants_print_by_name():
    two = latex(theorem("kl_two_gaussians").steps[0].statement)
    assert r"\mathcal N\left(z; \mu_{1}, \sigma_{1}^{2}\right)" in two and "e^{" not in two
    full3 = theorem("kl_full_covariance_3")
    names = matrix_names([full3.conclusion])
    assert r"\log{\left(\det S \right)}" in latex(full3.conclusion, names)
    full2 = theorem("kl_full_covariance_2")
    assert r"\det" not in latex(full2.conclusion, matrix_names([full2.conclusion]))  # short: expanded


def test_long_relations_break_between_terms():
    x = sp.symbols("x0:12", positive=True)
    rel = sp.Eq(sp.Symbol("y"), sum(sp.log(xk) * xk for xk in x))
    lhs, sign, rhs = relation_parts(rel)
    assert len(rhs) == 12 and all(r.startswith("+ ") for r in rhs[1:])
    lines = display_lines(lhs, sign, rhs, 20.0)
    assert lines is not None and len(lines) > 1
    assert all(estimate_width(line) <= 20.0 + 0.5 for line in lines)
    flat = re.sub(r"\\quad|&", "", " ".join(lines)).split()
    assert flat == " ".join([*lhs, sign, *rhs]).split()
    assert display_lines(lhs[:1], sign, rhs[:2], 20.0) is None  # short: one line


def test_no_display_is_estimated_far_wider_than_the_line(documents):
    """Without a LaTeX engine: the widest line of every display, as estimated, is within 1/0.8 of the line."""
    tex, _ = documents
    body = tex[tex.index(r"\begin{document}"):]
    displays = list(re.finditer(r"\\fitdisplay\{([^}]*)\}\{", body))
    assert len(displays) >= len(THEOREMS)                  # the loop below is not empty
    for m in displays:
        one, broken = _two_arguments(body, m.end() - 1)
        widest = max(estimate_width(line) for line in (broken.split(r"\\") if broken else [one]))
        assert widest <= LINE_EMS / MIN_SCALE, one[:120]


def _two_arguments(text: str, start: int) -> tuple[str, str]:
    out, k = [], start
    for _ in range(2):
        depth, begin = 0, k
        while True:
            depth += {"{": 1, "}": -1}.get(text[k], 0)
            if depth == 0:
                break
            k += 1
        out.append(text[begin + 1:k])
        k += 1
    return out[0], out[1]


def test_display_scales_read_from_the_log():
    log = "fitdisplay: 100.0pt 500.0pt\nother\nfitdisplay: 625.0pt 500.0pt\n"
    assert display_scales(log) == [1.0, 0.8]


# --- justifications ---------------------------------------------------------


def test_combine_steps_say_what_is_combined_with_which_factors(documents):
    tex, md = documents
    assert "By from" not in tex and "By from" not in md
    facts = {s.label: s.statement for s in theorem("gap_nonnegative").steps}
    words, symbols = combine_words(theorem("gap_nonnegative").steps[1].why, facts)
    assert words == r"(1) multiplied by ${w}_{i}$ and summed over $i = 1, \dots, N$"
    assert symbols == r"$\sum_{i=1}^{N} {w}_{i}\,\text{(1)}$"
    had = theorem("hadamard_2d")
    words, symbols = combine_words(had.steps[-1].why, {s.label: s.statement for s in had.steps})
    assert words == r"adding (1) and (4) multiplied by $\frac{1}{2}$; subtracting (2)"
    assert symbols == r"$\text{(1)} - \text{(2)} + \frac{1}{2}\,\text{(4)}$"
    chain = theorem("chain")
    words, symbols = combine_words(chain.steps[8].why, {s.label: s.statement for s in chain.steps})
    assert (words, symbols) == ("subtracting (7) from (8)", r"$- \text{(7)} + \text{(8)}$")
    conv = theorem("t_log_t_convex")
    assert combine_words(conv.steps[-1].why, {s.label: s.statement for s in conv.steps}) == \
        ("chaining (1) and (2)", "")
    mm = theorem("moment_matching")
    words, _ = combine_words(mm.steps[4].why, {s.label: s.statement for s in mm.steps}, list(mm.hypotheses))
    assert "hypothesis (match)" in words


@pytest.mark.parametrize("t", THEOREMS, ids=[t.name for t in THEOREMS])
def test_every_combine_names_each_reference_on_its_side(t):
    """A reference with a negative factor is subtracted, any other added: the words follow the factors."""
    facts = {**t.hypotheses, **{s.label: s.statement for s in t.steps}}
    for step in t.steps:
        if not isinstance(step.why, Combine):
            continue
        words, symbols = combine_words(step.why, facts, list(t.hypotheses))
        if " from " in words and words.startswith("subtracting"):
            subtracted, _, added = words.partition(" from ")
        else:
            added, _, subtracted = words.partition("subtracting")
        for label, coeff, _ in step.why.refs:
            side = subtracted if coeff.could_extract_minus_sign() else added
            assert f"({label})" in side, (t.name, step.label, label, words)
            if symbols:
                assert rf"\text{{({label})}}" in symbols


# --- Jupyter ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["log_sum", "moment_matching", "gap_identity"])
def test_jupyter_renders_the_whole_theorem_with_its_number_and_status(name, proof_reports):
    t = theorem(name)
    number = [u.name for u in THEOREMS].index(name) + 1
    tex, md = t._repr_latex_(), t._repr_markdown_()
    assert tex.startswith("$$") and tex.endswith("$$")
    assert rf"\textbf{{Theorem {number}}}" in tex and md.startswith(f"### Theorem {number}: ")
    for label in t.hypotheses:
        assert rf"\text{{({label})}}" in tex and rf"\tag*{{({label})}}" in md
    statuses = [s.status for s in proof_reports[name].steps]
    for step, status in zip(t.steps, statuses):
        assert rf"\text{{({step.label})}}" in tex and f"({step.label})" in md
    assert re.findall(r"\\textit\{\[(\w+)\]\}", tex) == statuses
    assert re.findall(r"\*\[(\w+)\]\*", md) == statuses
    assert "not yet checked" not in tex + md


def test_jupyter_shows_definitions():
    tex = theorem("log_sum")._repr_latex_()
    assert r"\text{Definition} & A = \sum_{i=1}^{N} {a}_{i}" in tex


def test_without_a_check_the_status_says_so_and_how_to_check():
    md = theorem_repr_markdown(theorem("kl_standard"), check=False)
    assert "not yet checked" in md and ".check()" in md and "[checked]" not in md
    assert theorem_markdown(theorem("kl_standard")).count("*[not yet checked]*") == 1


def test_a_false_theorem_renders_as_failed_never_checked():
    x = sp.Symbol("x", real=True)
    bad = Theorem("bad_shift", "x equals x + 1", sp.Eq(x, x + 1, evaluate=False),
                  [Step("1", sp.Eq(x, x + 1, evaluate=False), Algebra())])
    tex, md = theorem_repr_latex(bad), bad._repr_markdown_()
    assert "the check failed" in tex and "the check failed" in md
    assert "[checked]" not in tex + md and "not yet checked" in md
    assert md.startswith("### Theorem: ")  # not in proofs.THEOREMS: no number


# --- the compiled document ------------------------------------------------------


def _engine_available() -> bool:
    return bool(shutil.which("latexmk") or shutil.which("pdflatex"))


@pytest.fixture(scope="module")
def compiled(documents, tmp_path_factory):
    if not _engine_available() and not os.environ.get("CI"):
        pytest.skip("no LaTeX engine installed")
    from kl_audit.derive import compile_pdf

    tex_path = tmp_path_factory.mktemp("derive") / "derivations.tex"
    tex_path.write_text(documents[0])
    return compile_pdf(tex_path)


@pytest.mark.latex
def test_latex_compiles_without_errors_or_undefined_references(compiled):
    pdf, log = compiled
    assert pdf.stat().st_size > 10_000
    assert "There were undefined references" not in log
    assert not re.search(r"^! ", log, re.M)
    assert not re.search(r"Reference `[^']*' on page \d+ undefined", log)


@pytest.mark.latex
def test_no_display_is_scaled_below_80_percent(compiled, documents):
    _, log = compiled
    scales = display_scales(log)
    assert len(scales) == documents[0].count(r"\fitdisplay{") - 1  # less the definition in the preamble
    assert min(scales) >= MIN_SCALE, sorted(scales)[:5]


def test_index_ranges_of_the_statement_are_printed():
    x = sp.Symbol("x", real=True)
    t = Theorem("squares_nonnegative", "squares are nonnegative", sp.Ge(x**2, 0, evaluate=False),
                [Step("1", sp.Ge(x**2, 0, evaluate=False), Algebra())])
    t.ranges = {i: (1, sp.Symbol("N"))}  # a field of the statement in the kernel's Theorem
    assert r"For $i = 1, \dots, N$." in theorem_markdown(t)
    assert r"\text{For } i = 1, \dots, N \text{.}" in theorem_repr_latex(t, check=False)


# --- Gaussians of the kernel: named vectors and matrices ----------------------------


def test_normal_objects_print_their_mean_and_covariance_by_name(documents):
    from proofs.render import _names

    full3 = theorem("kl_full_covariance_3")
    names = _names(full3)
    steps = [latex(s.statement, names) for s in full3.steps]
    kl = r"\operatorname{KL}\left(\mathcal N\left(m, S\right)\,\middle\|\,\mathcal N(0, I)\right)"
    form = r"\mathbb E_{z \sim \mathcal N\left(m, S\right)}\left[\left(z - m\right)^\top S^{-1} \left(z - m\right)\right]"
    assert steps[0].startswith(kl) and form in steps[0] and r"\left[z^\top z\right]" in steps[0]
    assert steps[1] == form + r" = \operatorname{tr}\left(S^{-1} S\right)"
    had = latex(theorem("hadamard_2d").conclusion)
    assert r"\mathcal N\left(m, \operatorname{diag}\left(S_{11}, S_{22}\right)\right)" in had
    diag3 = latex(theorem("kl_full_to_diagonal_3").conclusion)
    assert r"\mathcal N\left(m, \operatorname{diag}\left(v\right)\right)" in diag3
    for doc in documents:
        assert r"\begin{matrix}" not in doc


def test_only_what_matches_its_name_prints_by_name():
    """A matrix that is not symmetric, or an integrand that is not the quadratic form, prints its entries."""
    from proofs.objects import GaussianExpectation, KLNormal, matrix_name

    s11, s12, s21, s22 = sp.symbols("S_11 S_12 S_21 S_22", real=True)
    m = sp.ImmutableMatrix(sp.symbols("m_1 m_2", real=True))
    zs = sp.ImmutableMatrix(sp.symbols("z_1 z_2", real=True))
    S = sp.ImmutableMatrix([[s11, s12], [s12, s22]])
    assert matrix_name(S) == "S" and matrix_name(m) == "m"
    assert matrix_name(sp.ImmutableMatrix([[s11, s12], [s21, s22]])) == "S"
    assert matrix_name(sp.ImmutableMatrix([[s11, s21], [s12, s22]])) is None  # the transpose of S
    assert matrix_name(sp.ImmutableMatrix([[s11, s12], [s12, s12]])) is None
    assert matrix_name(sp.ImmutableMatrix(sp.symbols("m_2 m_1", real=True))) is None
    assert r"\begin{matrix}" in latex(KLNormal(m, sp.ImmutableMatrix([[s11, s21], [s12, s22]])))
    diff = zs - m
    right = (diff.T * sp.ImmutableMatrix(S.inv()) * diff)[0, 0]
    wrong = (diff.T * S * diff)[0, 0]  # S where S^{-1} belongs
    assert r"S^{-1}" in latex(GaussianExpectation(right, zs, m, S))
    assert r"S^{-1}" not in latex(GaussianExpectation(wrong, zs, m, S))
    assert r"z^\top z" not in latex(GaussianExpectation((zs.T * zs)[0, 0] + 1, zs, m, S))


def test_named_vectors_and_matrices_are_spelled_out_once(documents):
    """The formulas use m_1 and S_12 beside m and S: a sentence says which entries make up which name."""
    from proofs.render import _notation_text

    text = _notation_text(theorem("kl_full_covariance_2"))
    assert r"$m = (m_{1}, m_{2})^\top$" in text
    assert r"$S$ is the symmetric $2 \times 2$ matrix with entries $S_{11}, S_{12}, S_{22}$" in text
    assert _notation_text(theorem("log_sum")) == ""
    tex, md = documents
    assert tex.count(r"$m = (m_{1}, m_{2})^\top$") == md.count(r"$m = (m_{1}, m_{2})^\top$") >= 3
    assert r"$m = (m_{1}, m_{2})^\top$" in theorem("hadamard_2d")._repr_markdown_()
