"""The kl-audit command: the report it writes, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kl_audit.cli import main

SMALL = ["--trials", "400", "--sweep-trials", "200", "--k-sweep", "2,100", "--d-sweep", "1,2", "--n-sweep", "1,2",
         "--quiet"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "report"
    assert main(["-o", str(out), *SMALL]) == 0
    return out


def test_report_folder_contents(report):
    names = {p.name for p in report.iterdir()}
    assert {"report.md", "report.json", "figures", "derivations.tex", "derivations.md"} <= names
    assert {p.name for p in (report / "figures").iterdir()} == {
        "script_as_published.png", "gap.png", "sweep_k.png", "sweep_d.png", "sweep_n.png"}


def test_report_json_has_the_documented_keys(report):
    data = json.loads((report / "report.json").read_text())
    for key in ("tool", "verdict", "script_as_published", "trials", "chain", "gap", "sweeps", "config", "versions",
                "figures", "derivations"):
        assert key in data
    assert data["config"]["trials"] == 400 and data["config"]["seed"] == 0
    assert sum(data["chain"]["breaks"].values()) == 0
    ws = data["trials"]["wrong_side"]
    assert ws["ci_low"] <= ws["rate"] <= ws["ci_high"] and ws["rate"] == ws["count"] / ws["trials"]
    # the Wilson (1927) score interval at 95%, written out: not merely an interval that contains the rate
    z, n, p = 1.959963984540054, ws["trials"], ws["count"] / ws["trials"]
    centre, half = p + z * z / (2 * n), z * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    assert (ws["ci_low"], ws["ci_high"]) == (pytest.approx((centre - half) / (1 + z * z / n), rel=1e-9, abs=1e-15),
                                             pytest.approx((centre + half) / (1 + z * z / n), rel=1e-9, abs=1e-15))
    gap = data["gap"]                                   # 0 <= I(i; z) <= log N in every trial
    assert 0 <= gap["mutual_information"]["mean"] <= gap["max_mutual_information"] <= gap["log_n"]


def test_report_markdown_embeds_figures_and_verdict(report):
    md = (report / "report.md").read_text()
    assert "## Verdict" in md and "figures/gap.png" in md and "derivations.md" in md


def test_seeded_report_repeats(report, tmp_path):
    out = tmp_path / "again"
    assert main(["-o", str(out), *SMALL, "--no-derivations"]) == 0
    a, b = (json.loads((p / "report.json").read_text()) for p in (report, out))
    assert a["trials"] == b["trials"] and a["gap"] == b["gap"]


def test_existing_report_is_replaced_but_a_foreign_folder_is_not(report, tmp_path, capsys):
    assert main(["-o", str(report), *SMALL, "--no-derivations"]) == 0       # an earlier report: replaced
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    assert main(["-o", str(foreign), *SMALL]) == 2
    assert "not a kl-audit report" in capsys.readouterr().err
    assert [p.name for p in foreign.iterdir()] == ["thesis.tex"]


@pytest.mark.parametrize("args,fragment", [
    (["--k", "1"], "--k: must be >= 2"),
    (["--trials", "0"], "--trials: must be >= 1"),
    (["--iterations", "-5"], "--iterations: must be >= 1"),
    (["--k-sweep", "1,5"], "must be >= 2"),
    (["--seed", "x"], "expected an integer"),
    (["reproduce", "--k", "0"], "must be >= 2"),
    (["derive", "-o", "x.pdf"], "--output must end in .tex"),
])
def test_bad_options_give_one_line_and_status_2(args, fragment, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "kl_audit", *args], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_reproduce_writes_the_figure(tmp_path, capsys):
    out = tmp_path / "fig.png"
    assert main(["reproduce", "--iterations", "50", "-o", str(out)]) == 0
    assert out.stat().st_size > 5_000 and "50 iterations" in capsys.readouterr().out


def test_derive_pdf_says_plainly_when_no_latex_engine(tmp_path, monkeypatch, capsys):
    import kl_audit.derive as derive

    monkeypatch.setattr(derive.shutil, "which", lambda name: None)
    assert main(["derive", "-o", str(tmp_path / "d.tex"), "--pdf"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no LaTeX engine found (latexmk or pdflatex)" in err[0]
    assert (tmp_path / "d.tex").exists() and (tmp_path / "d.md").exists()   # the sources are complete


def test_audit_in_two_dimensions_uses_monte_carlo_and_finds_no_break(tmp_path):
    out = tmp_path / "r2"
    assert main(["-o", str(out), "--d", "2", "--n", "3", "--trials", "200", "--mc-samples", "2000",
                 "--sweep-trials", "100", "--k-sweep", "2", "--d-sweep", "2", "--n-sweep", "3", "--quiet",
                 "--no-derivations"]) == 0
    data = json.loads((out / "report.json").read_text())
    assert data["chain"]["method"].startswith("Monte Carlo")
    assert sum(data["chain"]["breaks"].values()) == 0
