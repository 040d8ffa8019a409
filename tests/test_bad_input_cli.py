"""The command line on careless input: files, options, output folders, signals.

Each case is one line on stderr, exit status 2, no traceback, nothing written
half-way and no user file deleted; or, for input that is legal, a report that
says what it read and never prints an impossible number.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from kl_audit.cli import main
from kl_audit.output import MARKER

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--samples", "400", "--quiet"]


def _run(argv, capsys):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _one_error_line(code, err, *needles):
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


def _enc(tmp, n=40, d=2, seed=0, **extra):
    rng = np.random.default_rng(seed)
    return _npz(tmp / "e.npz", mean=rng.normal(size=(n, d)), logvar=rng.normal(-1, 0.3, size=(n, d)), **extra)


# --- item 3: a KL term of zero -------------------------------------------------------------

def test_a_kl_term_of_zero_prints_no_percentage(tmp_path, capsys):
    src = _npz(tmp_path / "z.npz", mean=np.zeros((30, 2)), logvar=np.zeros((30, 2)))
    code, out, err = _run(["encodings", src, "-o", tmp_path / "r", *SMALL], capsys)
    assert code == 0, err
    md = (tmp_path / "r" / "report.md").read_text()
    assert "% of the KL term" not in md
    assert "zero within" in md


def test_a_near_zero_kl_term_prints_no_wild_percentage(tmp_path, capsys):
    rng = np.random.default_rng(1)
    src = _npz(tmp_path / "z.npz", mean=1e-4 * rng.normal(size=(30, 2)), logvar=1e-4 * rng.normal(size=(30, 2)))
    code, out, err = _run(["encodings", src, "-o", tmp_path / "r", *SMALL], capsys)
    assert code == 0, err
    md = (tmp_path / "r" / "report.md").read_text()
    assert "% of the KL term" not in md


# --- item 4: overflow found before the work, no numpy warning reaches the user ---------------

def test_a_log_variance_of_600_is_refused_before_the_work(tmp_path, capsys, monkeypatch):
    import kl_audit.encodings_report as report

    lv = np.zeros((20, 2))
    lv[3, 1] = 600.0
    src = _npz(tmp_path / "e.npz", mean=np.zeros((20, 2)), logvar=lv)
    monkeypatch.setattr(report, "decompose", lambda *a, **k: pytest.fail("the work started"))
    code, out, err = _run(["encodings", src, "-o", tmp_path / "r", *SMALL], capsys)
    _one_error_line(code, err, "e.npz", "index (3, 1)", "overflow")
    assert not (tmp_path / "r").exists()


def test_bound_rows_of_one_is_refused(tmp_path, capsys):
    code, out, err = _run(["encodings", _enc(tmp_path), "--bound-rows", "1", "-o", tmp_path / "r", *SMALL], capsys)
    _one_error_line(code, err, "--bound-rows", "got 1")


def test_no_numpy_warning_reaches_the_terminal(tmp_path):
    """Variances spanning 1e-200 to 1e140 are legal and run the whole work; stderr has no RuntimeWarning."""
    v = np.ones((20, 2))
    v[0, 0], v[1, 1] = 1e-200, 1e140
    src = _npz(tmp_path / "e.npz", mean=np.zeros((20, 2)), var=v)
    proc = subprocess.run([sys.executable, "-m", "kl_audit", "encodings", str(src), "-o", str(tmp_path / "r"), *SMALL],
                          cwd=ROOT, capture_output=True, text=True)
    assert "Warning" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 2)
    if proc.returncode == 2:
        _one_error_line(2, proc.stderr)


# --- item 5: .csv files --------------------------------------------------------------------

def _csv_rows(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return [",".join(f"{x:.6f}" for x in row) for row in np.c_[rng.normal(size=(n, 2)), rng.normal(-1, .2, size=(n, 2))]]


def test_a_csv_with_a_byte_order_mark_keeps_its_first_row(tmp_path, capsys):
    src = tmp_path / "e.csv"
    src.write_bytes(b"\xef\xbb\xbf" + "\n".join(_csv_rows()).encode() + b"\n")
    code, out, err = _run(["encodings", src, "--spread", "logvar", "-o", tmp_path / "r", *SMALL], capsys)
    assert code == 0, err
    assert json.loads((tmp_path / "r" / "report.json").read_text())["n"] == 200
    assert "200 rows read, no header" in out
    assert "200 rows read, no header" in (tmp_path / "r" / "report.md").read_text()


def test_a_csv_header_is_skipped_and_said(tmp_path, capsys):
    src = tmp_path / "e.csv"
    src.write_text("\ufeffmu0,mu1,lv0,lv1\n" + "\n".join(_csv_rows()) + "\n", encoding="utf-8")
    code, out, err = _run(["encodings", src, "--spread", "logvar", "-o", tmp_path / "r", *SMALL], capsys)
    assert code == 0, err
    assert json.loads((tmp_path / "r" / "report.json").read_text())["n"] == 200
    assert "200 rows read, header on line 1 skipped" in out


def test_a_typo_in_the_first_row_is_not_taken_for_a_header(tmp_path, capsys):
    src = tmp_path / "e.csv"
    src.write_text("1,2,x,0\n" + "\n".join(_csv_rows()) + "\n")
    code, out, err = _run(["encodings", src, "--spread", "logvar", "-o", tmp_path / "r", *SMALL], capsys)
    _one_error_line(code, err, "line 1", "'x'")


def test_csv_errors_give_the_real_line_number(tmp_path, capsys):
    src = tmp_path / "e.csv"
    rows = _csv_rows(10)
    rows[6] = "1,2,3,oops"
    src.write_text("\n\n" + "\n".join(rows[:3]) + "\n\n" + "\n".join(rows[3:]) + "\n")
    code, out, err = _run(["encodings", src, "--spread", "logvar", "-o", tmp_path / "r", *SMALL], capsys)
    _one_error_line(code, err, "line 10", "'oops'")


# --- items 6 and 7: sizes checked before reading; .npz members read lazily ---------------------

def _huge_npy(path, shape=(10**6, 10**6)):
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, header)
        fh.write(b"\0" * 64)
    return path


def test_a_npy_whose_header_claims_a_huge_shape(tmp_path, capsys):
    m, v = _huge_npy(tmp_path / "m.npy"), _huge_npy(tmp_path / "v.npy")
    code, out, err = _run(["encodings", m, v, "--spread", "var", "-o", tmp_path / "r", *SMALL], capsys)
    _one_error_line(code, err, "m.npy", "(1000000, 1000000)", "TB")


def test_a_npz_whose_member_claims_a_huge_shape(tmp_path, capsys):
    src = tmp_path / "e.npz"
    with zipfile.ZipFile(src, "w") as z:
        _huge_npy(tmp_path / "mean.npy")
        z.write(tmp_path / "mean.npy", "mean.npy")
        z.write(tmp_path / "mean.npy", "logvar.npy")
    code, out, err = _run(["encodings", src, "-o", tmp_path / "r", *SMALL], capsys)
    _one_error_line(code, err, "'mean'", "(1000000, 1000000)")


@pytest.mark.parametrize("argv, option", [
    (["--trials", "1000000000000"], "--trials"),
    (["--iterations", "1000000000000"], "--iterations"),
    (["--k", "1000000000000"], "--k"),
    (["encodings", "--example", "digits", "--samples", "1000000000000"], "--samples"),
])
def test_options_too_large_for_memory(argv, option, tmp_path, capsys):
    code, out, err = _run([*argv, "-o", tmp_path / "r", "--quiet"], capsys)
    _one_error_line(code, err, option, "memory")
    assert list(tmp_path.iterdir()) == []


def test_a_memory_error_during_the_work_is_one_line(tmp_path, capsys, monkeypatch):
    import kl_audit.encodings_report as report

    def exhausted(*a, **k):
        raise MemoryError("Unable to allocate 7.28 TiB for an array with shape (1000000, 1000000)")

    monkeypatch.setattr(report, "decompose", exhausted)
    code, out, err = _run(["encodings", _enc(tmp_path), "-o", tmp_path / "r", *SMALL], capsys)
    _one_error_line(code, err, "out of memory", "7.28 TiB")
    assert not (tmp_path / "r").exists()


def test_unused_npz_members_are_not_decompressed(tmp_path):
    import tracemalloc

    from kl_audit.inputs import read_encodings

    rng = np.random.default_rng(0)
    src = tmp_path / "e.npz"
    np.savez_compressed(src, mean=rng.normal(size=(50, 2)), logvar=np.zeros((50, 2)), images=np.zeros((4000, 4000)))
    tracemalloc.start()
    mix = read_encodings([src])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert mix.n == 50
    assert peak < 16 * 2**20, peak        # the unused member is 128 MB once decompressed


def test_npy_inputs_are_memory_mapped(tmp_path, monkeypatch):
    import kl_audit.inputs as inputs

    modes = []
    real = np.load

    def spy(path, *args, **kwargs):
        modes.append(kwargs.get("mmap_mode"))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(inputs.np, "load", spy)
    np.save(tmp_path / "m.npy", np.zeros((10, 2)))
    np.save(tmp_path / "v.npy", np.ones((10, 2)))
    inputs.read_encodings([tmp_path / "m.npy", tmp_path / "v.npy"], spread="var")
    assert modes == ["r", "r"]


def test_ambiguous_npz_keys_are_refused(tmp_path, capsys):
    src = _npz(tmp_path / "e.npz", mean=np.zeros((5, 2)), mu=np.zeros((5, 2)), logvar=np.zeros((5, 2)))
    code, out, err = _run(["encodings", src, "-o", tmp_path / "r", *SMALL], capsys)
    _one_error_line(code, err, "'mean'", "'mu'", "ambiguous")


def test_the_keys_used_are_said(tmp_path, capsys):
    code, out, err = _run(["encodings", _enc(tmp_path, extra=np.zeros(3)), "-o", tmp_path / "r", *SMALL], capsys)
    assert code == 0, err
    assert "keys used: mean, logvar" in out


# --- item 8: errors before the heavy imports --------------------------------------------------

@pytest.mark.parametrize("argv", [["encodings", "missing.npz"], ["encodings", "--bogus"], ["--k", "1"],
                                  ["encodings", "a.npz", "--weights", "missing.npy"]])
def test_errors_answer_before_heavy_imports(argv, tmp_path):
    code = ("import sys; from kl_audit.cli import main; rc = main(sys.argv[1:]); "
            "heavy = [m for m in ('numpy', 'scipy', 'matplotlib', 'sympy', 'numba') if m in sys.modules]; "
            "print(','.join(heavy)); sys.exit(rc)")
    if argv[1:2] == ["a.npz"]:
        (tmp_path / "a.npz").write_bytes(b"")
    proc = subprocess.run([sys.executable, "-c", code, *argv], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout.strip() == "", f"imported before answering: {proc.stdout}"


# --- items 9 to 12: output folders ----------------------------------------------------------------

def test_force_never_deletes_a_file_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "mydata"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = _run(["encodings", _enc(tmp_path), "-o", out, "--force", *SMALL], capsys)
    assert code == 0, err
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "report.md").exists() and (out / MARKER).exists()
    # run again without --force: it is a report now; our files are replaced, the user's kept
    code, _, err = _run(["encodings", _enc(tmp_path, seed=1), "-o", out, *SMALL], capsys)
    assert code == 0, err
    assert (out / "notes.txt").read_text() == "mine"


def test_force_refuses_to_overwrite_a_file_of_ours_name_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "mydata"
    out.mkdir()
    (out / "report.md").write_text("my own report")
    code, _, err = _run(["encodings", _enc(tmp_path), "-o", out, "--force", *SMALL], capsys)
    _one_error_line(code, err, "report.md", "did not write")
    assert (out / "report.md").read_text() == "my own report"


def test_files_of_an_earlier_report_no_longer_written_are_removed(tmp_path, capsys):
    out = tmp_path / "r"
    assert _run(["encodings", _enc(tmp_path), "-o", out, *SMALL], capsys)[0] == 0
    extra = out / "figures" / "old.png"
    extra.write_bytes(b"x")
    marker = json.loads((out / MARKER).read_text())
    marker["files"].append("figures/old.png")
    (out / MARKER).write_text(json.dumps(marker))
    assert _run(["encodings", _enc(tmp_path), "-o", out, *SMALL], capsys)[0] == 0
    assert not extra.exists()


def test_report_folders_honor_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert _run(["encodings", _enc(tmp_path), "-o", tmp_path / "r", *SMALL], capsys)[0] == 0
    finally:
        os.umask(old)
    assert (tmp_path / "r").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "r" / "figures").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "r" / "report.md").stat().st_mode & 0o777 == 0o644


def test_output_through_a_symlink_writes_into_its_target(tmp_path, capsys):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    code, _, err = _run(["encodings", _enc(tmp_path), "-o", link, *SMALL], capsys)
    assert code == 0, err
    assert link.is_symlink() and (real / "report.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npz", "link", "real"]


def test_a_dangling_symlink_is_refused_before_the_work(tmp_path, capsys):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    code, _, err = _run(["encodings", _enc(tmp_path), "-o", link, *SMALL], capsys)
    _one_error_line(code, err, "symbolic link", "nowhere")


def test_output_to_the_current_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _enc(tmp_path)
    code, _, err = _run(["encodings", "e.npz", "-o", "."] + SMALL, capsys)
    _one_error_line(code, err, "not a kl-audit report", "--force")
    code, _, err = _run(["encodings", "e.npz", "-o", ".", "--force"] + SMALL, capsys)
    assert code == 0, err
    assert (tmp_path / "e.npz").exists() and (tmp_path / "report.md").exists()
    assert not [p for p in tmp_path.parent.iterdir() if p.name.startswith(".") and "old" in p.name]


def test_stale_temporary_folders_of_killed_runs_are_removed(tmp_path, capsys):
    from kl_audit.output import PARTIAL

    stale = tmp_path / ".r.kl-audit-tmp.abc123"
    stale.mkdir()
    (stale / PARTIAL).write_text(json.dumps({"pid": 2**22 + 12345}))
    foreign = tmp_path / ".r.kl-audit-tmp.mine"
    foreign.mkdir()                                 # no marker: not ours, kept
    elsewhere = tmp_path / ".r.kl-audit-tmp.other-host"
    elsewhere.mkdir()                               # a run on another host sharing the folder: kept
    (elsewhere / PARTIAL).write_text(json.dumps({"pid": 2**22 + 12345, "host": "another-host.invalid"}))
    code, _, err = _run(["encodings", _enc(tmp_path), "-o", tmp_path / "r", *SMALL], capsys)
    assert code == 0, err
    assert not stale.exists() and foreign.exists() and elsewhere.exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_termination_signals_clean_up_like_ctrl_c(sig, tmp_path):
    src = _enc(tmp_path, n=400, d=4)
    proc = subprocess.Popen([sys.executable, "-m", "kl_audit", "encodings", str(src), "-o", str(tmp_path / "r"),
                             "--samples", "4000000", "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not [p for p in tmp_path.iterdir() if p.name.startswith(".r.")]:
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else "slow"
        time.sleep(0.05)
    proc.send_signal(sig)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npz"]


# --- item 2: an impossible value is never printed as a result -------------------------------------

def _data(**change):
    """report.json-like numbers of a sound decomposition, with ``change`` applied."""
    est = lambda v, se: {"value": v, "stderr": se, "ci_low": v - 1.96 * se, "ci_high": v + 1.96 * se}  # noqa: E731
    data = {"avg_kl": 10.0, "d": 2, "ceiling": np.log(100), "ceiling_name": "log N",
            "mutual_information": est(3.0, 0.01), "kl_aggregate": est(7.0, 0.02),
            "pairwise_bounds": {"lower": 6.5, "upper": 7.5, "lower_stderr": 0.0, "upper_stderr": 0.0}}
    for key, value in change.items():
        data[key] = value
    return data


@pytest.mark.parametrize("change, words", [
    ({"mutual_information": {"value": -150698.0, "stderr": 330.0, "ci_low": -151346.0, "ci_high": -150049.0}},
     "is negative"),
    ({"mutual_information": {"value": 5.0, "stderr": 0.01, "ci_low": 4.98, "ci_high": 5.02}}, "above its ceiling"),
    ({"kl_aggregate": {"value": -1.0, "stderr": 0.1, "ci_low": -1.2, "ci_high": -0.8}}, "KL(qbar||p) = -1 "),
    ({"kl_aggregate": {"value": 11.0, "stderr": 0.1, "ci_low": 10.8, "ci_high": 11.2}}, "above avg KL"),
    ({"pairwise_bounds": {"lower": 8.0, "upper": 7.5, "lower_stderr": 0.0, "upper_stderr": 0.0}}, "lower bound 8"),
    ({"total_correlation": {"value": -3.0, "stderr": 0.1, "ci_low": -3.2, "ci_high": -2.8}}, "total correlation = -3"),
])
def test_impossible_values_are_named(change, words):
    from kl_audit.encodings_report import impossible_values

    assert impossible_values(_data()) == []
    found = impossible_values(_data(**change))
    assert len(found) == 1 and words in found[0], found


def test_a_negative_mutual_information_is_refused_however_large_avg_kl():
    from kl_audit.encodings_report import impossible_values

    data = _data(avg_kl=2e16, mutual_information={"value": -146.3, "stderr": 1.2, "ci_low": -148.7, "ci_high": -143.9})
    assert any("I(i; z) = -146.3" in line for line in impossible_values(data))


def test_an_impossible_result_is_refused_with_its_magnitude(tmp_path, capsys, monkeypatch):
    import kl_audit.encodings_report as report

    real = report._data

    def rounded_away(*args, **kwargs):      # what float64 rounding does to I(i; z) when the means are ~1e8
        data = real(*args, **kwargs)
        data["mutual_information"] = {**data["mutual_information"], "value": -150698.0, "ci_low": -151346.0,
                                      "ci_high": -150049.0}
        return data

    monkeypatch.setattr(report, "_data", rounded_away)
    rng = np.random.default_rng(0)
    src = _npz(tmp_path / "e.npz", mean=1e8 + rng.normal(size=(30, 2)), logvar=np.zeros((30, 2)))
    code, out, err = _run(["encodings", src, "-o", tmp_path / "r", *SMALL], capsys)
    _one_error_line(code, err, "I(i; z) = -150698", "is negative", "|m| = 1e+08")
    assert "-150698" not in out and not (tmp_path / "r").exists()


# --- items 13 to 16: what the report claims -----------------------------------------------------------

def test_the_residual_check_is_no_pass_fail_verdict_at_chance_level():
    from kl_audit.encodings_report import _residual_sentence

    chance = _residual_sentence({"value": -0.0313, "stderr": 0.0152, "ci_low": -0.061, "ci_high": -0.0015})
    assert "NOT" not in chance and "Beyond sampling noise" not in chance and "2.1 standard errors" in chance
    real = _residual_sentence({"value": -0.5, "stderr": 0.01, "ci_low": -0.52, "ci_high": -0.48})
    assert "Beyond sampling noise" in real


def test_best_bounds_never_go_below_zero_and_say_which():
    from kl_audit.encodings_report import best_bounds

    assert best_bounds(1.5, -0.90, 1.03, 0.2) == {"lower": 0.2, "lower_from": "KL(G || p), moment-matched",
                                                   "upper": 1.03, "upper_from": "the pairwise bound"}
    assert best_bounds(1.0, -0.9, 1.3, -0.0)["lower_from"].startswith("0")
    assert best_bounds(1.0, 0.4, 1.3, 0.1) == {"lower": 0.4, "lower_from": "the pairwise bound", "upper": 1.0,
                                                "upper_from": "avg KL (convexity)"}


def test_the_gap_figure_does_not_claim_every_point_lies_between_the_lines():
    from kl_audit.figures import GAP_TITLE

    assert "every point" not in GAP_TITLE and "KL(G || p) <= KL(q̄ || p)" in GAP_TITLE


def test_with_weights_the_ceiling_is_their_entropy_and_reaching_it_is_flagged(tmp_path, capsys):
    rng = np.random.default_rng(0)
    w = rng.dirichlet(np.ones(500))
    src = _npz(tmp_path / "e.npz", mean=3 * rng.normal(size=(500, 3)), logvar=np.full((500, 3), -8.0), weights=w)
    code, out, err = _run(["encodings", src, "-o", tmp_path / "r", "--samples", "2000", "--quiet"], capsys)
    assert code == 0, err
    data = json.loads((tmp_path / "r" / "report.json").read_text())
    h = float(-(w * np.log(w)).sum())
    assert data["ceiling_name"] == "H(w)" and data["ceiling"] == pytest.approx(h, rel=1e-12)
    md = (tmp_path / "r" / "report.md").read_text()
    assert "I(i; z) is at its ceiling** H(w)" in md and "log N, its ceiling" not in md
    assert "at its ceiling H(w)" in out


def test_no_ceiling_flag_far_below_it(tmp_path, capsys):
    code, out, err = _run(["encodings", _enc(tmp_path), "-o", tmp_path / "r", *SMALL], capsys)
    assert code == 0, err
    assert "ceiling" not in out.split("\n", 3)[-1]
    assert "at its ceiling" not in (tmp_path / "r" / "report.md").read_text()


def test_a_monte_carlo_estimate_outside_the_bounds_is_flagged(tmp_path, capsys):
    from kl_audit.encodings_report import encodings_verdict

    data = _data(best_bounds={"lower": 6.9, "lower_from": "the pairwise bound", "upper": 7.5,
                              "upper_from": "the pairwise bound"},
                 kl_aggregate={"value": 6.0, "stderr": 0.1, "ci_low": 5.8, "ci_high": 6.2},
                 active_units=2, total_correlation={"value": 1.0}, dimwise_kl_sum=1.0)
    assert any("below the lower bound 6.9000" in line for line in encodings_verdict(data))
    inside = {**data, "kl_aggregate": {"value": 7.0, "stderr": 0.1, "ci_low": 6.8, "ci_high": 7.2}}
    assert not any("bound" in line for line in encodings_verdict(inside))


def test_report_has_per_example_histogram_split_figure_and_posterior_variances(tmp_path, capsys):
    code, out, err = _run(["encodings", _enc(tmp_path), "-o", tmp_path / "r", *SMALL], capsys)
    assert code == 0, err
    figs = {p.name for p in (tmp_path / "r" / "figures").iterdir()}
    assert {"per_example_kl.png", "split.png"} <= figs
    data = json.loads((tmp_path / "r" / "report.json").read_text())
    assert len(data["per_dimension"]["mean_posterior_variance"]) == 2
    assert "mean posterior variance" in (tmp_path / "r" / "report.md").read_text()


def _figures_of(monkeypatch):
    import matplotlib.figure

    seen = []
    real = matplotlib.figure.Figure.savefig

    def keep(fig, path, *args, **kwargs):
        seen.append((Path(path).name, fig))
        return real(fig, path, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", keep)
    return seen


def test_figures_at_one_dimension_have_axis_labels(tmp_path, capsys, monkeypatch):
    seen = _figures_of(monkeypatch)
    code, out, err = _run(["encodings", _enc(tmp_path, d=1), "-o", tmp_path / "r", *SMALL], capsys)
    assert code == 0, err
    for name, fig in seen:
        for ax in fig.axes:
            if ax.get_visible():
                assert ax.get_ylabel() or not ax.get_yticks().size, (name, "no y label")
        assert fig.axes[-1].get_xlabel(), (name, "no x label")


def test_per_dimension_figure_at_d_2000_is_capped_with_integer_ticks(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from kl_audit.encodings_report import MAX_BARS, _bars

    rng = np.random.default_rng(0)
    d = 2000
    avg = rng.gamma(2.0, size=d)
    dec = SimpleNamespace(d=d, avg_kl_per_dim=avg, dimwise_kl=avg / 3, variance_of_means=rng.gamma(1.0, size=d),
                          active=rng.random(d) > 0.1)
    seen = _figures_of(monkeypatch)
    _bars(dec, rng.gamma(1.0, size=d), tmp_path / "bars.png")
    fig = dict(seen)["bars.png"]
    assert fig.get_size_inches()[0] * fig.dpi <= 14 * 120
    top, bottom = fig.axes
    assert len(top.patches) == 2 * MAX_BARS
    assert {p.get_height() for p in top.patches[:MAX_BARS]} == set(np.sort(avg)[-MAX_BARS:])   # the largest shown
    labels = [t.get_text() for t in bottom.get_xticklabels()]
    assert labels and all(text.isdigit() and 0 <= int(text) < d for text in labels)
    assert f"the {MAX_BARS} of 2000" in top.get_title()
    box = top.get_legend().get_window_extent()
    assert not any(box.overlaps(p.get_window_extent()) for p in top.patches + bottom.patches)


def test_reproduce_leaves_no_partial_figure_on_failure(tmp_path, capsys, monkeypatch):
    import kl_audit.figures as figures

    def broken(trials, path, title):
        Path(path).write_bytes(b"half a png")
        raise OSError("disk full")

    monkeypatch.setattr(figures, "script_scatter", broken)
    code, _, err = _run(["reproduce", "--iterations", "5", "-o", tmp_path / "f.png"], capsys)
    _one_error_line(code, err, "disk full")
    assert list(tmp_path.iterdir()) == []


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("kl-audit ")


@pytest.mark.parametrize("command", ["audit", "reproduce", "derive", "encodings"])
def test_every_help_shows_the_defaults(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "(default:" in text
    if command == "encodings":
        assert "(default: 20000)" in text and "(default: 2048)" in text
