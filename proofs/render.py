"""Render checked theorems as a standalone LaTeX document or as Markdown.

Every formula comes from sympy's LaTeX printer applied to the checked
objects; prose (notes, summaries) carries inline ``$...$`` math that both
LaTeX and GitHub's Markdown understand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import sympy as sp

from .axioms import AXIOMS
from .checker import ByAxiom, ByTheorem, Theorem, TheoremReport

__all__ = ["document_latex", "document_markdown", "theorem_latex_fragment", "theorem_markdown", "math"]


def math(rel: sp.Basic) -> str:
    """LaTeX of a relation or expression (sympy's printer)."""
    return sp.latex(rel)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _justification(step, theorem_number: dict[str, int], axiom_number: dict[str, int], latex: bool) -> str:
    """The step's justification in words, with a reference for theorems and axioms."""
    why = step.why
    if isinstance(why, ByAxiom):
        n = axiom_number[why.axiom.name]
        ref = rf"Axiom~\ref{{ax:{_slug(why.axiom.name)}}}" if latex else f"Axiom {n}"
        return f"{ref} ({why.axiom.name})"
    if isinstance(why, ByTheorem):
        n = theorem_number[why.theorem.name]
        ref = rf"Theorem~\ref{{thm:{why.theorem.name}}}" if latex else f"Theorem {n}"
        return ref + (", applied to every term" if why.over is not None else "")
    return why.describe()


def _status(report: TheoremReport | None, k: int) -> str:
    if report is None:
        return "unchecked"
    return report.steps[k].status


def _numbering(theorems: Sequence[Theorem]) -> tuple[dict[str, int], dict[str, int]]:
    return ({t.name: k + 1 for k, t in enumerate(theorems)}, {a.name: k + 1 for k, a in enumerate(AXIOMS)})


_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb,amsthm,graphicx}
\allowdisplaybreaks
%% A display wider than the line is scaled down to fit it.
\newcommand{\fit}[1]{\[\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{$\displaystyle #1$}\]}
\theoremstyle{plain}
\newtheorem{theorem}{Theorem}
\theoremstyle{definition}
\newtheorem{axiom}{Axiom}
\title{What the VAE's KL term constrains: checked derivations}
\date{%(date)s}
\begin{document}
\maketitle
"""


def document_latex(theorems: Sequence[Theorem], reports: Sequence[TheoremReport] | None = None) -> str:
    """A standalone LaTeX document: the axioms, then one theorem per derivation."""
    tnum, anum = _numbering(theorems)
    by_name = {r.theorem.name: r for r in reports or ()}
    out = [_PREAMBLE % {"date": date.today().isoformat()}]
    out.append(_summary_sentence(theorems, reports) + "\n")
    out.append(r"\section*{Axioms}" + "\nWhat is assumed, by name. Every other step is checked by sympy.\n")
    for ax in AXIOMS:
        out.append(rf"\begin{{axiom}}[{ax.name}]\label{{ax:{_slug(ax.name)}}} {ax.statement}"
                   + (f" ({ax.reference})" if ax.reference else "") + r"\end{axiom}" + "\n")
    out.append(r"\section*{Theorems}" + "\n")
    for t in theorems:
        out.append(theorem_latex_fragment(t, by_name.get(t.name), tnum, anum))
    out.append(r"\end{document}" + "\n")
    return "\n".join(out)


def theorem_latex_fragment(theorem: Theorem, report: TheoremReport | None = None,
                           tnum: dict[str, int] | None = None, anum: dict[str, int] | None = None) -> str:
    """One theorem with its proof, as LaTeX (amsthm environments)."""
    if tnum is None or anum is None:
        tnum, anum = _numbering([*theorem.dependencies(), theorem])
    lines = [rf"\begin{{theorem}}[{theorem.title}]\label{{thm:{theorem.name}}}"]
    if theorem.summary:
        lines.append(theorem.summary)
    if theorem.hypotheses:
        lines.append("Hypotheses: " + "; ".join(rf"({k}) ${math(h)}$" for k, h in theorem.hypotheses.items()) + ".")
    lines.append("Then")
    for c in theorem.conclusions:
        lines.append(rf"\fit{{{math(c)}}}")
    lines.append(r"\end{theorem}")
    lines.append(r"\begin{proof}\leavevmode")
    lines.append(r"\begin{description}")
    for k, step in enumerate(theorem.steps):
        status = _status(report, k)
        lines.append(rf"\item[({step.label})] \fit{{{math(step.statement)}}}")
        words = _justification(step, tnum, anum, latex=True)
        lines.append(f"By {words}" + (f": {step.note}" if step.note else "") + rf". \hfill \emph{{[{status}]}}")
    lines.append(r"\end{description}")
    lines.append(r"\end{proof}" + "\n")
    return "\n".join(lines)


def document_markdown(theorems: Sequence[Theorem], reports: Sequence[TheoremReport] | None = None) -> str:
    """The same document as Markdown with ``$$`` math (renders on GitHub)."""
    tnum, anum = _numbering(theorems)
    by_name = {r.theorem.name: r for r in reports or ()}
    out = ["# What the VAE's KL term constrains: checked derivations", "", _summary_sentence(theorems, reports), "",
           "## Axioms", "", "What is assumed, by name. Every other step is checked by sympy.", ""]
    for k, ax in enumerate(AXIOMS, 1):
        out.append(f"**Axiom {k} ({ax.name}).** {ax.statement}" + (f" ({ax.reference})" if ax.reference else ""))
        out.append("")
    out.append("## Theorems\n")
    for t in theorems:
        out.append(theorem_markdown(t, by_name.get(t.name), tnum, anum))
    return "\n".join(out)


def theorem_markdown(theorem: Theorem, report: TheoremReport | None = None,
                     tnum: dict[str, int] | None = None, anum: dict[str, int] | None = None) -> str:
    """One theorem with its proof, as Markdown."""
    if tnum is None or anum is None:
        tnum, anum = _numbering([*theorem.dependencies(), theorem])
    n = tnum.get(theorem.name, "")
    out = [f"### Theorem {n}: {theorem.title}", ""]
    if theorem.summary:
        out += [theorem.summary, ""]
    if theorem.hypotheses:
        out += ["Hypotheses: " + "; ".join(f"({k}) ${math(h)}$" for k, h in theorem.hypotheses.items()) + ".", ""]
    for c in theorem.conclusions:
        out += ["$$", math(c), "$$", ""]
    out += ["**Proof.**", ""]
    for k, step in enumerate(theorem.steps):
        words = _justification(step, tnum, anum, latex=False)
        out += [f"({step.label})", "", "$$", math(step.statement), "$$", "",
                f"By {words}" + (f": {step.note}" if step.note else "") + f". *[{_status(report, k)}]*", ""]
    return "\n".join(out)


def _summary_sentence(theorems: Sequence[Theorem], reports: Sequence[TheoremReport] | None) -> str:
    if not reports:
        return f"{len(theorems)} theorems, not checked in this rendering."
    steps = [s for r in reports for s in r.steps]
    checked = sum(s.status == "checked" for s in steps)
    return (f"{len(reports)} theorems, {len(steps)} steps: {checked} checked by sympy {sp.__version__}, "
            f"{len(steps) - checked} applications of named axioms. Every step is one or the other.")
