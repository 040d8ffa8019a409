"""``kl-audit derive``: check every derivation and write it as LaTeX and Markdown."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["write_derivations", "compile_pdf", "latex_engine", "NoLatexEngine"]


class NoLatexEngine(RuntimeError):
    """No LaTeX engine is installed."""


def write_derivations(tex_path: Path) -> tuple[Path, Path, list]:
    """Check all theorems, then write ``tex_path`` and the same stem with ``.md``."""
    from proofs import THEOREMS, check_all
    from proofs.render import document_latex, document_markdown

    reports = check_all()
    tex_path = Path(tex_path)
    md_path = tex_path.with_suffix(".md")
    tex_path.parent.mkdir(parents=True, exist_ok=True)
    tex_path.write_text(document_latex(THEOREMS, reports))
    md_path.write_text(document_markdown(THEOREMS, reports))
    return tex_path, md_path, reports


def latex_engine() -> list[str]:
    """The command that compiles a .tex to PDF: latexmk if installed, else pdflatex."""
    if shutil.which("latexmk"):
        return ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error"]
    if shutil.which("pdflatex"):
        return ["pdflatex", "-interaction=nonstopmode", "-halt-on-error"]
    raise NoLatexEngine("no LaTeX engine found (latexmk or pdflatex); install one, e.g. "
                        "'apt-get install latexmk texlive-latex-base texlive-latex-recommended'")


def compile_pdf(tex_path: Path) -> tuple[Path, str]:
    """Compile ``tex_path`` to a PDF beside it; returns the PDF path and the final LaTeX log.

    Compiles in a scratch folder (twice for pdflatex, so references resolve)
    and copies only the PDF back.  Raises ``RuntimeError`` with the first
    LaTeX error when compilation fails.
    """
    engine = latex_engine()
    tex_path = Path(tex_path).resolve()
    with tempfile.TemporaryDirectory() as work:
        shutil.copy(tex_path, work)
        runs = 1 if engine[0] == "latexmk" else 2
        for _ in range(runs):
            proc = subprocess.run([*engine, tex_path.name], cwd=work, capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                first = next((line for line in proc.stdout.splitlines() if line.startswith("!")), "see the log")
                raise RuntimeError(f"LaTeX failed on {tex_path.name}: {first}")
        log = (Path(work) / tex_path.with_suffix(".log").name).read_text(errors="replace")
        pdf = tex_path.with_suffix(".pdf")
        shutil.copy(Path(work) / pdf.name, pdf)
    return pdf, log
