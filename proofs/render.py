"""Render checked theorems as a LaTeX document, as Markdown, and in Jupyter.

A theorem is printed whole: its summary, the definitions it unfolds, its
hypotheses (tagged with their labels), the conclusion, then every step with
its justification in words and symbols and its status from the check.
Formulas come from :func:`proofs.render_latex.latex`; prose (titles,
summaries, notes) is plain text with inline ``$...$`` math and code in
backticks, escaped for each output.

In the LaTeX document every display goes through the ``\\fitdisplay`` macro:
it keeps the one-line form when it fits the line, else the form broken over
lines at top-level ``+``/``-`` signs and after the relation sign, and scales
down only what still does not fit.  It writes ``fitdisplay: <width> <available>``
to the LaTeX log for every display; :func:`display_scales` reads those lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import sympy as sp

from .axioms import AXIOMS
from .checker import Algebra, ByAxiom, ByTheorem, Combine, Integrate, ProofError, Theorem, TheoremReport
from .render_latex import (display_lines, latex, matrix_names, prose_latex, prose_markdown, relation_parts)
from .objects import GaussianExpectation, KLNormal, matrix_name

__all__ = [
    "combine_words",
    "display_scales",
    "document_latex",
    "document_markdown",
    "justification_words",
    "math",
    "report_for",
    "theorem_latex_fragment",
    "theorem_markdown",
    "theorem_number",
    "theorem_repr_latex",
    "theorem_repr_markdown",
]

#: Width of the text block of the LaTeX document in ems (10pt, 2cm margins on letter paper).
LINE_EMS = 50.0
#: Room kept for an equation tag such as ``(match)``, in ems.
TAG_EMS = 5.0
NOT_CHECKED = "not yet checked"


def math(rel: sp.Basic, names: Mapping[sp.Basic, str] | None = None) -> str:
    """LaTeX of a relation or expression in the derivations' notation."""
    return latex(rel, names)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------------------
# Numbering, reports
# ---------------------------------------------------------------------------


def theorem_number(theorem: Theorem) -> int | None:
    """Position (from 1) of ``theorem`` in ``proofs.THEOREMS``; ``None`` for a theorem not listed there."""
    from . import THEOREMS

    for k, t in enumerate(THEOREMS, 1):
        if t is theorem or t.name == theorem.name:
            return k
    return None


_REPORTS: dict[int, tuple[Theorem, TheoremReport | ProofError]] = {}


def report_for(theorem: Theorem) -> TheoremReport | ProofError:
    """The outcome of checking ``theorem`` (and the theorems it uses), checked once per object.

    Returns the :class:`TheoremReport`, or the :class:`ProofError` that the
    check raised; later calls return the remembered outcome.
    """
    hit = _REPORTS.get(id(theorem))
    if hit is not None and hit[0] is theorem:
        return hit[1]
    try:
        outcome: TheoremReport | ProofError = theorem.check()
    except ProofError as exc:
        outcome = exc
    _REPORTS[id(theorem)] = (theorem, outcome)
    return outcome


def _status(report: TheoremReport | None, k: int) -> str:
    if report is None or k >= len(report.steps):
        return NOT_CHECKED
    return report.steps[k].status


def _numbering(theorems: Sequence[Theorem]) -> tuple[dict[str, int], dict[str, int]]:
    return ({t.name: k + 1 for k, t in enumerate(theorems)}, {a.name: k + 1 for k, a in enumerate(AXIOMS)})


def _global_numbering(theorem: Theorem) -> tuple[dict[str, int], dict[str, int]]:
    from . import THEOREMS

    listed = list(THEOREMS)
    extra = [t for t in [*theorem.dependencies(), theorem] if t.name not in {u.name for u in listed}]
    tnum, anum = _numbering(listed)
    for t in extra:
        tnum.pop(t.name, None)
    return tnum, anum


# ---------------------------------------------------------------------------
# Justifications in words and symbols
# ---------------------------------------------------------------------------


def _inline(expr: sp.Basic) -> str:
    """LaTeX for inline math in a sentence: integral limits beside the sign, not above and below it."""
    return latex(expr).replace(r"\limits", "")


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _endpoints(rel: sp.Basic) -> tuple[sp.Basic, sp.Basic] | None:
    """(smaller or equal side, larger side) of a relation, in reading order for a chain."""
    if isinstance(rel, (sp.Equality, sp.LessThan, sp.StrictLessThan)):
        return rel.lhs, rel.rhs
    if isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan)):
        return rel.lhs, rel.rhs
    return None


def combine_words(why: Combine, facts: Mapping[str, sp.Basic], hypotheses: Sequence[str] = ()) -> tuple[str, str]:
    """What a :class:`Combine` step does, in words and as a formula over the cited labels.

    ``facts`` maps labels of earlier steps and hypotheses to their relations
    (used to recognise a chain ``a = b``, ``b = c``).  Returns
    ``(words, symbols)``, e.g. ``("adding (1) and (2) multiplied by $w_i$ and
    summed over $i = 1, \\dots, N$", "$(1) + \\sum_{i=1}^{N} w_i\\,(2)$")``;
    ``symbols`` is empty where the words say everything.
    """
    refs = list(why.refs)

    def name(label: str) -> str:
        return f"hypothesis ({label})" if label in hypotheses else f"({label})"

    plain = all(c == 1 and over is None for _, c, over in refs)
    if plain and len(refs) == 1:
        return f"rearranging {name(refs[0][0])}", ""
    if plain:
        ends = [_endpoints(facts[label]) if label in facts else None for label, _, _ in refs]
        if all(ends) and all(a[1] == b[0] for a, b in zip(ends, ends[1:])):
            return "chaining " + _join([name(label) for label, _, _ in refs]), ""
        return "adding " + _join([name(label) for label, _, _ in refs]), ""
    added, subtracted, symbols = [], [], []
    for k, (label, c, over) in enumerate(refs):
        neg = bool(c.could_extract_minus_sign())
        mag = -c if neg else c
        text = name(label)
        if mag != 1:
            text += f" multiplied by ${_inline(mag)}$"
        if over is not None:
            var, lo, hi = over
            text += f" and summed over ${_inline(var)} = {_inline(lo)}, \\dots, {_inline(hi)}$" if mag != 1 else \
                f" summed over ${_inline(var)} = {_inline(lo)}, \\dots, {_inline(hi)}$"
        (subtracted if neg else added).append(text)
        term = r"\text{(" + label + ")}"
        if mag != 1:
            coeff = _inline(mag)
            term = (rf"\left({coeff}\right)" if isinstance(mag, sp.Add) else coeff) + r"\," + term
        if over is not None:
            var, lo, hi = over
            term = rf"\sum_{{{_inline(var)}={_inline(lo)}}}^{{{_inline(hi)}}} " + term
        symbols.append(("- " if neg else ("+ " if k else "")) + term)
    if len(added) == 1 and subtracted:
        return f"subtracting {_join(subtracted)} from {added[0]}", "$" + " ".join(symbols) + "$"
    parts = []
    if added:
        parts.append(("adding " if len(added) > 1 or subtracted else "") + _join(added))
    if subtracted:
        parts.append("subtracting " + _join(subtracted))
    return "; ".join(parts), "$" + " ".join(symbols) + "$"


def _substitution_text(subs: Mapping) -> str:
    items = []
    for target, value in subs.items():
        if isinstance(value, sp.Lambda):
            args = value.signature
            head = target[args] if isinstance(target, sp.IndexedBase) else target
            if isinstance(target, sp.IndexedBase):
                items.append(f"${_inline(head)} = {_inline(value.expr)}$")
            else:
                items.append(f"${_inline(target)} = {_inline(value)}$")
        else:
            items.append(f"${_inline(target)} = {_inline(value)}$")
    return ", ".join(items)


def justification_words(step, facts: Mapping[str, sp.Basic], hypotheses: Sequence[str], tnum: Mapping[str, int],
                        anum: Mapping[str, int], latex_refs: bool) -> str:
    """The step's justification as a sentence (prose markup: ``$...$`` math), without the note."""
    why = step.why
    if isinstance(why, ByAxiom):
        ref = rf"Axiom~\ref{{ax:{_slug(why.axiom.name)}}}" if latex_refs else f"Axiom {anum[why.axiom.name]}"
        return f"By {ref} ({why.axiom.name})"
    if isinstance(why, ByTheorem):
        t = why.theorem
        if latex_refs and t.name in tnum:
            ref = rf"Theorem~\ref{{thm:{t.name}}}"
        else:
            ref = f"Theorem {tnum[t.name]}" if t.name in tnum else f"the theorem `{t.name}`"
        text = f"By {ref} ({t.title})"
        if why.part:
            text += f", conclusion {why.part + 1}"
        if why.subs:
            text += " with " + _substitution_text(why.subs)
        if why.over is not None:
            var, lo, hi = why.over
            text += f", applied to every term of the sum over ${_inline(var)} = {_inline(lo)}, \\dots, {_inline(hi)}$"
        return text
    if isinstance(why, Combine):
        words, symbols = combine_words(why, facts, hypotheses)
        return "By " + words + (": " + symbols if symbols else "")
    if isinstance(why, Integrate):
        return "By evaluating the integral (sympy)"
    if isinstance(why, Algebra):
        return "By algebra"
    return "By " + why.describe()


def _facts(theorem: Theorem) -> dict[str, sp.Basic]:
    return {**theorem.hypotheses, **{s.label: s.statement for s in theorem.steps}}


def _definitions(theorem: Theorem) -> list[sp.Basic]:
    """The theorem's definitions as relations ``lhs = rhs``, leaving out those that restate a hypothesis."""
    out = []
    for lhs, rhs in theorem.definitions.items():
        rel = sp.Eq(lhs, rhs, evaluate=False)
        if any(rel == h for h in theorem.hypotheses.values()):
            continue
        out.append(rel)
    return out


def _ranges_text(theorem: Theorem) -> str:
    """The index ranges of the statement (``ranges={i: (1, N)}``) as prose, or ``""``."""
    ranges = getattr(theorem, "ranges", None) or {}
    parts = [f"${latex(var)} = {latex(lo)}, \\dots, {latex(hi)}$" for var, (lo, hi) in ranges.items()]
    return ("For " + _join(parts) + ".") if parts else ""


def _notation_text(theorem: Theorem) -> str:
    """What the named vectors and matrices of the statements stand for, as prose (or ``""``).

    ``KLNormal`` and ``GaussianExpectation`` print their arguments by name
    (``m``, ``S``); the formulas around them use the entries (``m_1``,
    ``S_12``), so the sentence says which entries make up which name.
    """
    found: dict[str, sp.MatrixBase] = {}
    exprs = [*theorem.conclusions, *theorem.hypotheses.values(), *(s.statement for s in theorem.steps)]
    for e in exprs:
        for obj in sp.sympify(e).atoms(KLNormal, GaussianExpectation):
            for arg in obj.args:
                if isinstance(arg, sp.MatrixBase):
                    for cand in [arg, sp.ImmutableMatrix([arg[k, k] for k in range(arg.shape[0])])
                                 if arg.shape[0] == arg.shape[1] and arg.is_diagonal() else None]:
                        if cand is not None and matrix_name(cand) is not None:
                            found.setdefault(matrix_name(cand), cand)
    parts = []
    for name, M in found.items():
        rows, cols = M.shape
        if cols == 1:
            parts.append(f"${latex(sp.Symbol(name))} = ({', '.join(latex(e) for e in M)})^\\top$")
        else:
            symmetric = M == M.T
            entries = ", ".join(latex(M[r, c]) for r in range(rows) for c in range(cols) if c >= r or not symmetric)
            parts.append(f"${latex(sp.Symbol(name))}$ is the {'symmetric ' if symmetric else ''}"
                         f"${rows} \\times {cols}$ matrix with entries ${entries}$")
    return ("Here " + "; ".join(parts) + ".") if parts else ""


def _names(theorem: Theorem) -> dict[sp.Basic, str]:
    exprs = [*theorem.conclusions, *theorem.hypotheses.values(), *(s.statement for s in theorem.steps)]
    return matrix_names(exprs)


# ---------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------

_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb,amsthm,graphicx}
\allowdisplaybreaks
% \fitdisplay{tag}{one line}{broken over lines}: the one-line form if it fits the line, else the broken
% form, scaled down only if that still does not fit. Logs "fitdisplay: <width> <available>".
\newsavebox{\fitbox}
\newlength{\fitavail}
\newcommand{\fitdisplay}[3]{%
  \setlength{\fitavail}{\linewidth}%
  \if\relax\detokenize{#1}\relax\else\addtolength{\fitavail}{-@TAG@em}\fi
  \sbox{\fitbox}{$\displaystyle #2$}%
  \ifdim\wd\fitbox>\fitavail
    \if\relax\detokenize{#3}\relax\else\sbox{\fitbox}{$\displaystyle #3$}\fi
  \fi
  \typeout{fitdisplay: \the\wd\fitbox\space\the\fitavail}%
  \ifdim\wd\fitbox>\fitavail
    \sbox{\fitbox}{\resizebox{\fitavail}{!}{\usebox{\fitbox}}}%
  \fi
  \if\relax\detokenize{#1}\relax\[\usebox{\fitbox}\]\else\[\usebox{\fitbox}\tag*{#1}\]\fi}
\theoremstyle{plain}
\newtheorem{theorem}{Theorem}
\theoremstyle{definition}
\newtheorem{axiom}{Axiom}
\title{What the VAE's KL term constrains: checked derivations}
\date{@DATE@}
\begin{document}
\maketitle
"""


def _display_latex(rel: sp.Basic, tag: str = "", names: Mapping[sp.Basic, str] | None = None) -> str:
    lhs, sign, rhs = relation_parts(rel, names)
    one = math(rel, names)
    width = LINE_EMS - (TAG_EMS if tag else 0.0)
    lines = display_lines(lhs, sign, rhs, 0.92 * width)
    broken = r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}" if lines else ""
    return rf"\fitdisplay{{{tag}}}{{{one}}}{{{broken}}}"


def display_scales(log: str) -> list[float]:
    """Scale of every display in a compiled document, from its LaTeX log (1.0 where it fits)."""
    scales = []
    for width, avail in re.findall(r"fitdisplay: ([0-9.]+)pt ([0-9.]+)pt", log):
        w, a = float(width), float(avail)
        scales.append(1.0 if w <= a else a / w)
    return scales


def document_latex(theorems: Sequence[Theorem], reports: Sequence[TheoremReport] | None = None) -> str:
    """A standalone LaTeX document: the axioms, then one theorem per derivation."""
    tnum, anum = _numbering(theorems)
    by_name = {r.theorem.name: r for r in reports or ()}
    out = [_PREAMBLE.replace("@DATE@", date.today().isoformat()).replace("@TAG@", f"{TAG_EMS:g}")]
    out.append(prose_latex(_summary_sentence(theorems, reports)) + "\n")
    out.append(r"\section*{Axioms}" + "\nWhat is assumed, by name. Every other step is checked by sympy.\n")
    for ax in AXIOMS:
        out.append(rf"\begin{{axiom}}[{prose_latex(ax.name)}]\label{{ax:{_slug(ax.name)}}} {prose_latex(ax.statement)}"
                   + (f" ({prose_latex(ax.reference)})" if ax.reference else "") + r"\end{axiom}" + "\n")
    out.append(r"\section*{Theorems}" + "\n")
    for t in theorems:
        out.append(theorem_latex_fragment(t, by_name.get(t.name), tnum, anum, latex_refs=True))
    out.append(r"\end{document}" + "\n")
    return "\n".join(out)


def theorem_latex_fragment(theorem: Theorem, report: TheoremReport | None = None,
                           tnum: Mapping[str, int] | None = None, anum: Mapping[str, int] | None = None,
                           latex_refs: bool = False) -> str:
    """One theorem with its proof, as LaTeX for the document (amsthm environments, ``\\fitdisplay``).

    Without ``report`` every step is marked "not yet checked".  With
    ``latex_refs`` theorems and axioms are cited by ``\\ref`` (inside the
    document), else by their number in ``proofs.THEOREMS`` and ``AXIOMS``.
    """
    if tnum is None or anum is None:
        tnum, anum = _global_numbering(theorem)
    names = _names(theorem)
    lines = [rf"\begin{{theorem}}[{prose_latex(theorem.title)}]\label{{thm:{theorem.name}}}"]
    if theorem.summary:
        lines.append(prose_latex(theorem.summary))
    if _notation_text(theorem):
        lines.append(prose_latex(_notation_text(theorem)))
    definitions = _definitions(theorem)
    if definitions:
        lines.append(r"\par\noindent Definitions:")
        lines += [_display_latex(d, "", names) for d in definitions]
    if theorem.hypotheses:
        lines.append(r"\par\noindent Hypotheses:")
        lines += [_display_latex(h, f"({label})", names) for label, h in theorem.hypotheses.items()]
    if _ranges_text(theorem):
        lines.append(r"\par\noindent " + prose_latex(_ranges_text(theorem)))
    lines.append(r"\par\noindent Then")
    lines += [_display_latex(c, "", names) for c in theorem.conclusions]
    lines.append(r"\end{theorem}")
    lines.append(r"\par\noindent\emph{Proof.}")
    facts, hyps = _facts(theorem), list(theorem.hypotheses)
    for k, step in enumerate(theorem.steps):
        lines.append(r"\par" + _display_latex(step.statement, f"({step.label})", names))
        words = justification_words(step, facts, hyps, tnum, anum, latex_refs)
        text = _prose_with_refs(words) if latex_refs else prose_latex(words)
        if step.note:
            text += ": " + prose_latex(step.note)
        end = r"\quad$\square$" if k == len(theorem.steps) - 1 else ""
        lines.append(text + rf". \hfill \emph{{[{_status(report, k)}]}}{end}")
    lines.append(r"\par\medskip" + "\n")
    return "\n".join(lines)


_REF = re.compile(r"((?:Axiom|Theorem)~\\ref\{[^}]*\})")


def _prose_with_refs(words: str) -> str:
    """Escape prose but keep ``Axiom~\\ref{...}`` and ``Theorem~\\ref{...}`` as LaTeX."""
    parts = _REF.split(words)
    return "".join(p if k % 2 else prose_latex(p) for k, p in enumerate(parts))


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def document_markdown(theorems: Sequence[Theorem], reports: Sequence[TheoremReport] | None = None) -> str:
    """The same document as Markdown with ``$$`` math (renders on GitHub)."""
    tnum, anum = _numbering(theorems)
    by_name = {r.theorem.name: r for r in reports or ()}
    out = ["# What the VAE's KL term constrains: checked derivations", "",
           prose_markdown(_summary_sentence(theorems, reports)), "",
           "## Axioms", "", "What is assumed, by name. Every other step is checked by sympy.", ""]
    for k, ax in enumerate(AXIOMS, 1):
        out.append(f"**Axiom {k} ({prose_markdown(ax.name)}).** {prose_markdown(ax.statement)}"
                   + (f" ({prose_markdown(ax.reference)})" if ax.reference else ""))
        out.append("")
    out.append("## Theorems\n")
    for t in theorems:
        out.append(theorem_markdown(t, by_name.get(t.name), tnum, anum))
    return "\n".join(out)


def theorem_markdown(theorem: Theorem, report: TheoremReport | None = None,
                     tnum: Mapping[str, int] | None = None, anum: Mapping[str, int] | None = None) -> str:
    """One theorem with its proof, as Markdown; without ``report`` every step is "not yet checked"."""
    if tnum is None or anum is None:
        tnum, anum = _global_numbering(theorem)
    names = _names(theorem)
    n = tnum.get(theorem.name)
    head = f"Theorem {n}" if n is not None else "Theorem"
    out = [f"### {head}: {prose_markdown(theorem.title)}", ""]
    if theorem.summary:
        out += [prose_markdown(theorem.summary), ""]
    if _notation_text(theorem):
        out += [prose_markdown(_notation_text(theorem)), ""]
    definitions = _definitions(theorem)
    if definitions:
        out += ["Definitions:", ""] + [line for d in definitions for line in ("$$", math(d, names), "$$", "")]
    if theorem.hypotheses:
        out += ["Hypotheses:", ""]
        for label, h in theorem.hypotheses.items():
            out += ["$$", math(h, names) + rf" \tag*{{({label})}}", "$$", ""]
    if _ranges_text(theorem):
        out += [prose_markdown(_ranges_text(theorem)), ""]
    out += ["Then", ""]
    for c in theorem.conclusions:
        out += ["$$", math(c, names), "$$", ""]
    out += ["**Proof.**", ""]
    facts, hyps = _facts(theorem), list(theorem.hypotheses)
    for k, step in enumerate(theorem.steps):
        words = prose_markdown(justification_words(step, facts, hyps, tnum, anum, latex_refs=False))
        if step.note:
            words += ": " + prose_markdown(step.note)
        out += [f"({step.label})", "", "$$", math(step.statement, names), "$$", "",
                f"{words}. *[{_status(report, k)}]*", ""]
    return "\n".join(out)


def _summary_sentence(theorems: Sequence[Theorem], reports: Sequence[TheoremReport] | None) -> str:
    if not reports:
        return f"{len(theorems)} theorems, not checked in this rendering."
    steps = [s for r in reports for s in r.steps]
    checked = sum(s.status == "checked" for s in steps)
    return (f"{len(reports)} theorems, {len(steps)} steps: {checked} checked by sympy {sp.__version__}, "
            f"{len(steps) - checked} applications of named axioms. Every step is one or the other.")


# ---------------------------------------------------------------------------
# Jupyter
# ---------------------------------------------------------------------------


def _mathjax_text(prose: str) -> str:
    """Prose as MathJax: text in ``\\text{...}``, inline math kept, code in ``\\texttt``."""
    out = []
    for k, part in enumerate(re.split(r"(\$[^$]+\$|`[^`]+`)", prose)):
        if not part:
            continue
        if k % 2 and part.startswith("$"):
            out.append(part[1:-1])
        else:
            body = part[1:-1] if k % 2 else part
            body = re.sub(r"([{}#%&_$])", r"\\\1", body.replace("\\", r"\backslash "))
            out.append((r"\texttt{" if k % 2 else r"\text{") + body + "}")
    return " ".join(out)


def _checked_outcome(theorem: Theorem, check: bool) -> tuple[TheoremReport | None, str]:
    if not check:
        return None, (f"{NOT_CHECKED}: call `.check()` on the theorem, or "
                      "`proofs.render.report_for(theorem)`")
    outcome = report_for(theorem)
    if isinstance(outcome, ProofError):
        return None, f"the check failed: {outcome}"
    return outcome, f"checked with sympy {sp.__version__}"


def theorem_repr_latex(theorem: Theorem, check: bool = True) -> str:
    """The whole theorem as one MathJax display, for ``_repr_latex_`` in Jupyter.

    Title with its number in ``proofs.THEOREMS``, summary, definitions,
    hypotheses, conclusion, and every step with its justification and its
    status.  With ``check`` (the default) the theorem is checked on first
    display and the outcome remembered (:func:`report_for`); otherwise every
    step says "not yet checked".
    """
    tnum, anum = _global_numbering(theorem)
    report, outcome = _checked_outcome(theorem, check)
    names = _names(theorem)
    n = tnum.get(theorem.name)
    rows = [rf"\textbf{{Theorem{' ' + str(n) if n is not None else ''}}} & " + _mathjax_text(theorem.title)]
    if theorem.summary:
        rows.append("& " + _mathjax_text(theorem.summary))
    if _notation_text(theorem):
        rows.append("& " + _mathjax_text(_notation_text(theorem)))
    for d in _definitions(theorem):
        rows.append(r"\text{Definition} & " + math(d, names))
    for label, h in theorem.hypotheses.items():
        rows.append(rf"\text{{({label})}} & " + math(h, names))
    if _ranges_text(theorem):
        rows.append("& " + _mathjax_text(_ranges_text(theorem)))
    for k, c in enumerate(theorem.conclusions):
        rows.append((r"\text{Then}" if k == 0 else "") + " & " + math(c, names))
    rows.append(r"\textit{Proof} & " + _mathjax_text(outcome))
    facts, hyps = _facts(theorem), list(theorem.hypotheses)
    for k, step in enumerate(theorem.steps):
        words = justification_words(step, facts, hyps, tnum, anum, latex_refs=False)
        if step.note:
            words += ": " + step.note
        rows.append(rf"\text{{({step.label})}} & " + math(step.statement, names))
        rows.append("& " + _mathjax_text(words + ".") + rf"\quad \textit{{[{_status(report, k)}]}}")
    return "$$\\begin{array}{rl}\n" + " \\\\\n".join(rows) + "\n\\end{array}$$"


def theorem_repr_markdown(theorem: Theorem, check: bool = True) -> str:
    """The whole theorem as Markdown, for ``_repr_markdown_`` in Jupyter (see :func:`theorem_repr_latex`)."""
    report, outcome = _checked_outcome(theorem, check)
    text = theorem_markdown(theorem, report)
    return text.replace("**Proof.**", f"**Proof** ({prose_markdown(outcome)}).", 1)
