"""Bad input and numerical extremes: every case gets a clear error naming the argument, never a silent NaN.

The catalogue: library calls (ValueError/TypeError naming the argument and the offending
value or position), then files and options of the command line (one line on stderr,
exit status 2, no traceback, nothing left behind).  Weights must sum to one within
``numeric._validate.WEIGHT_SUM_TOLERANCE`` (1e-6) and are then renormalized exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kl_audit.cli import main
from numeric import (DiagonalMixture, Prior, avg_kl, kl_diag_standard, kl_full_standard, kl_monte_carlo,
                     kl_quadrature_1d, log_density, reproduce)

M = np.zeros((3, 2))
V = np.ones((3, 2))


def _with(a, index, value):
    a = np.array(a, dtype=float)
    a[index] = value
    return a


LIBRARY = {
    "zero variance": (lambda: DiagonalMixture.create(M, _with(V, (1, 0), 0.0)), ValueError, r"var must be > 0, got 0.0 at index \(1, 0\)"),
    "negative variance": (lambda: DiagonalMixture.create(M, _with(V, (2, 1), -0.5)), ValueError, r"var must be > 0, got -0.5 at index \(2, 1\)"),
    "NaN mean": (lambda: DiagonalMixture.create(_with(M, (0, 1), np.nan), V), ValueError, r"means has a non-finite value nan at index \(0, 1\)"),
    "infinite mean": (lambda: DiagonalMixture.create(_with(M, (2, 0), np.inf), V), ValueError, r"means has a non-finite value inf"),
    "NaN variance": (lambda: DiagonalMixture.create(M, _with(V, (0, 0), np.nan)), ValueError, r"var has a non-finite value nan"),
    "infinite log-variance": (lambda: DiagonalMixture.create(M, logvar=_with(np.zeros((3, 2)), (1, 1), -np.inf)), ValueError, r"logvar has a non-finite value -inf"),
    "log-variance 800 (overflow)": (lambda: kl_diag_standard([0.0], logvar=[800.0]), ValueError, r"logvar = 800.0 at index 0 overflows"),
    "log-variance -800 (underflow)": (lambda: kl_diag_standard([0.0], logvar=[-800.0]), ValueError, r"logvar = -800.0 at index 0 underflows"),
    "mismatched shapes": (lambda: DiagonalMixture.create(M, np.ones((3, 3))), ValueError, r"means have shape \(3, 2\) but the variances have shape \(3, 3\)"),
    "ragged means": (lambda: DiagonalMixture.create([[0.0, 1.0], [2.0]], V), ValueError, r"means is ragged"),
    "N = 0": (lambda: DiagonalMixture.create(np.zeros((0, 2)), np.ones((0, 2))), ValueError, r"no components \(N = 0\)"),
    "d = 0": (lambda: DiagonalMixture.create(np.zeros((3, 0)), np.ones((3, 0))), ValueError, r"zero dimensions \(d = 0\)"),
    "negative weight": (lambda: DiagonalMixture.create(M, V, weights=[0.5, 0.7, -0.2]), ValueError, r"weights must be >= 0, got -0.2 at index 2"),
    "weights all zero": (lambda: DiagonalMixture.create(M, V, weights=[0.0, 0.0, 0.0]), ValueError, r"weights must sum to 1 \(within 1e-06\), got a sum of 0$"),
    "weights not summing to one": (lambda: DiagonalMixture.create(M, V, weights=[0.5, 0.2, 0.2]), ValueError, r"weights must sum to 1 \(within 1e-06\), got a sum of 0\.9$"),
    "weights of the wrong length": (lambda: DiagonalMixture.create(M, V, weights=[0.5, 0.5]), ValueError, r"weights has 2 entries but there are 3 components"),
    "NaN weight": (lambda: DiagonalMixture.create(M, V, weights=[np.nan, 0.5, 0.5]), ValueError, r"weights has a non-finite value nan at index 0"),
    "non-numeric means": (lambda: DiagonalMixture.create(np.array([["a", "b"]] * 3), V), TypeError, r"means must be numeric, got dtype <U1"),
    "a string": (lambda: kl_diag_standard("0.5", [1.0]), TypeError, r"mean must be numeric, got a string"),
    "complex means": (lambda: DiagonalMixture.create(M + 1j, V), TypeError, r"means must be real, got complex values"),
    "means of the wrong rank": (lambda: DiagonalMixture.create(np.zeros(3), np.ones(3)), ValueError, r"means must have 2 dimension\(s\), got shape \(3,\)"),
    "both var and logvar": (lambda: kl_diag_standard([0.0], [1.0], logvar=[0.0]), TypeError, r"give exactly one of var and logvar"),
    "neither var nor logvar": (lambda: kl_diag_standard([0.0]), TypeError, r"give exactly one of var and logvar"),
    "covariance not positive definite": (lambda: kl_full_standard([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]), ValueError, r"cov is not positive definite"),
    "covariance of the wrong shape": (lambda: kl_full_standard([0.0, 0.0], np.eye(3)), ValueError, r"cov must have shape \(\.\.\., 2, 2\) to match mean, got \(3, 3\)"),
    "one Monte Carlo sample": (lambda: kl_monte_carlo(DiagonalMixture.create(M, V), 1, np.random.default_rng(0)), ValueError, r"n_samples must be an integer >= 2, got 1"),
    "negative sample count": (lambda: kl_monte_carlo(DiagonalMixture.create(M, V), -5, np.random.default_rng(0)), ValueError, r"n_samples must be an integer >= 2, got -5"),
    "fractional sample count": (lambda: kl_monte_carlo(DiagonalMixture.create(M, V), 100.5, np.random.default_rng(0)), ValueError, r"got 100.5"),
    "k < 2 in the script": (lambda: reproduce(k=1), ValueError, r"k must be an integer >= 2, got 1"),
    "zero iterations": (lambda: reproduce(iterations=0), ValueError, r"iterations must be an integer >= 1, got 0"),
    "prior variance <= 0": (lambda: avg_kl(DiagonalMixture.create(M, V), prior=Prior(var=[1.0, 0.0])), ValueError, r"prior var must be > 0, got 0.0 at index 1"),
    "prior of the wrong size": (lambda: avg_kl(DiagonalMixture.create(M, V), prior=Prior(mean=[0.0, 0.0, 0.0])), ValueError, r"does not fit d = 2"),
    "points of the wrong dimension": (lambda: log_density(DiagonalMixture.create(M, V), np.zeros((4, 3))), ValueError, r"z has 3 coordinates but the mixture has d = 2"),
    "NaN in quadrature input": (lambda: kl_quadrature_1d([1.0], [np.nan], [1.0]), ValueError, r"means has a non-finite value nan"),
    "a mean too large to square": (lambda: kl_diag_standard([1e160], [1.0]), ValueError, r"not representable in float64"),
}


@pytest.mark.parametrize("case", LIBRARY, ids=list(LIBRARY))
def test_library_rejects(case):
    call, error, message = LIBRARY[case]
    with pytest.raises(error, match=message):
        call()


# --- the command line ---------------------------------------------------------------------

def _write(tmp, name, content):
    path = tmp / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _npz(tmp, name="e.npz", **arrays):
    path = tmp / name
    np.savez(path, **arrays)
    return path


def _truncated(tmp):
    path = _npz(tmp, "full.npz", mean=np.zeros((50, 3)), logvar=np.zeros((50, 3)))
    data = path.read_bytes()
    path.unlink()
    return _write(tmp, "cut.npz", data[: len(data) // 2])


CLI = {
    "missing file": (lambda t: ["encodings", str(t / "nope.npz")], "no such file"),
    "wrong keys": (lambda t: ["encodings", str(_npz(t, z=np.zeros((4, 2)), s=np.zeros((4, 2))))], "found keys: s, z"),
    "truncated .npz": (lambda t: ["encodings", str(_truncated(t))], "cannot read"),
    "corrupt .npz": (lambda t: ["encodings", str(_write(t, "bad.npz", b"PK\x03\x04 not really a zip"))], "cannot read"),
    "text in a .npz array": (lambda t: ["encodings", str(_npz(t, mean=np.array([["a"]]), logvar=np.array([["b"]])))], "must hold numbers"),
    "negative std": (lambda t: ["encodings", str(_npz(t, mean=np.zeros((4, 2)), std=-np.ones((4, 2))))], "std must be > 0, got -1.0 at row 0, column 0"),
    "NaN in the encodings": (lambda t: ["encodings", str(_npz(t, mean=_with(np.zeros((4, 2)), (3, 1), np.nan), logvar=np.zeros((4, 2))))], r"non-finite value nan at index (3, 1)"),
    "non-numeric .csv": (lambda t: ["encodings", str(_write(t, "e.csv", "1,2\n3,x\n")), "--spread", "var"], "line 2: 'x' is not a number"),
    "ragged .csv": (lambda t: ["encodings", str(_write(t, "e.csv", "1,2\n3,4,5,6\n")), "--spread", "var"], "rows have different numbers of columns"),
    "odd .csv columns": (lambda t: ["encodings", str(_write(t, "e.csv", "1,2,3\n4,5,6\n")), "--spread", "var"], "expected 2d columns"),
    ".csv without --spread": (lambda t: ["encodings", str(_write(t, "e.csv", "1,2\n"))], "--spread logvar, var or std"),
    "pair of .npy of different shapes": (lambda t: ["encodings", str(_np(t, "m.npy", (5, 2))), str(_np(t, "v.npy", (5, 3))), "--spread", "var"], "the means have shape (5, 2) but the var has shape (5, 3)"),
    "a folder as input": (lambda t: ["encodings", str(t)], "is a folder, not a file"),
    "unknown file type": (lambda t: ["encodings", str(_write(t, "e.txt", "1"))], "expected one .npz, one .csv, or two .npy"),
    "missing weights file": (lambda t: ["encodings", str(_npz(t, mean=np.zeros((4, 2)), logvar=np.zeros((4, 2)))), "--weights", str(t / "w.npy")], "--weights: no such file"),
    "weights of the wrong length": (lambda t: ["encodings", str(_npz(t, mean=np.zeros((4, 2)), logvar=np.zeros((4, 2)), weights=np.ones(3) / 3))], "weights has 3 entries but there are 4 components"),
    "no input at all": (lambda t: ["encodings"], "give the encodings file(s), or --example digits"),
    "k < 2": (lambda t: ["--k", "1"], "--k: must be >= 2, got 1"),
    "zero iterations": (lambda t: ["--iterations", "0"], "--iterations: must be >= 1, got 0"),
    "negative trials": (lambda t: ["--trials", "-3"], "--trials: must be >= 1, got -3"),
    "one Monte Carlo sample": (lambda t: ["encodings", "--example", "digits", "--samples", "1"], "--samples: must be >= 2, got 1"),
    "negative sample count": (lambda t: ["encodings", "--example", "digits", "--samples", "-10"], "--samples: must be >= 2, got -10"),
    "a word for a number": (lambda t: ["--seed", "many"], "expected an integer, got 'many'"),
    "unwritable output folder": (lambda t: ["reproduce", "--iterations", "5", "-o", "/proc/kl-audit/fig.png"], "kl-audit: error:"),
    "report folder inside a file": (lambda t: ["--trials", "10", "-o", str(_write(t, "afile", "x") / "report")], "kl-audit: error:"),
    "output is an existing file": (lambda t: ["--trials", "10", "-o", str(_write(t, "report", "x"))], "exists and is not a folder"),
    "derive to a non-.tex path": (lambda t: ["derive", "-o", str(t / "d.pdf")], "--output must end in .tex"),
}


def _np(tmp, name, shape):
    path = tmp / name
    np.save(path, np.ones(shape))
    return path


@pytest.mark.parametrize("case", CLI, ids=list(CLI))
def test_command_line_rejects(case, tmp_path, capsys):
    args, message = CLI[case]
    argv = args(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    try:
        code = main(argv)
    except SystemExit as exc:      # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and message in err[0], err
    assert "Traceback" not in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before   # nothing written, nothing left half-way


def test_catalogue_size():
    assert len(LIBRARY) + len(CLI) >= 30


# --- extremes -------------------------------------------------------------------------

@pytest.mark.parametrize("var", [1e-300, 1e-150, 1e150, 1e300])
def test_extreme_variances_give_finite_kl(var):
    """½ Σ_j (v + m_j² - 1 - log v) with m = (0, 1): v - ½ - log v, finite and exact to rounding."""
    kl = kl_diag_standard([0.0, 1.0], [var, var])
    assert np.isfinite(kl) and kl == pytest.approx(var - 0.5 - math.log(var), rel=1e-13, abs=0)


@pytest.mark.parametrize("logvar", [-700.0, 700.0])
def test_extreme_log_variances(logvar):
    kl = kl_diag_standard([0.0], logvar=[logvar])
    expected = 0.5 * (np.exp(logvar) - 1 - logvar)
    assert kl == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("mean", [1e150, -1e150])
def test_extreme_means(mean):
    assert kl_diag_standard([mean], [1.0]) == pytest.approx(0.5 * mean**2, rel=1e-12)


def test_ten_thousand_dimensions():
    rng = np.random.default_rng(0)
    m, v = rng.normal(size=10_000), np.exp(rng.normal(size=10_000))
    assert kl_diag_standard(m, v) == pytest.approx(0.5 * np.sum(v + m**2 - 1 - np.log(v)), rel=1e-12)
    mix = DiagonalMixture.create(np.vstack([m, -m]), np.vstack([v, v]))
    est = kl_monte_carlo(mix, 200, np.random.default_rng(1))
    assert np.isfinite(est.value) and np.isfinite(est.stderr)


WIDE = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(hnp.arrays(np.float64, st.integers(1, 6), elements=WIDE), hnp.arrays(np.float64, st.integers(1, 6), elements=WIDE))
def test_validation_never_returns_nan_or_inf(mean, var):
    """Any float64 input, NaN and infinities included: a finite KL, or a ValueError that says why."""
    if mean.shape != var.shape:
        var = np.resize(var, mean.shape)
    try:
        kl = kl_diag_standard(mean, var)
    except ValueError as exc:
        assert str(exc)
    else:
        assert np.isfinite(kl) and kl >= 0


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 3)), elements=WIDE),
       st.floats(allow_nan=True, allow_infinity=True))
def test_mixture_validation_over_wide_floats(means, logvar):
    try:
        mix = DiagonalMixture.create(means, logvar=np.full(means.shape, logvar))
        value = avg_kl(mix)
    except ValueError as exc:
        assert str(exc)
    else:
        assert np.isfinite(value)


# --- honest error bars -----------------------------------------------------------------

def test_monte_carlo_interval_covers_the_quadrature_value():
    """1000 seeded repetitions: the 95% interval covers the exact value in 93% to 97% of them.

    With 1000 repetitions at a true coverage of 95%, the observed rate falls below 93%
    with probability about 0.002 and above 97% with probability about 0.0007 (binomial), and
    the seeds make the run repeatable.  The upper end catches an interval too wide to mean
    anything (twice the width covers 99.99%).
    """
    w = np.array([0.2, 0.5, 0.3])
    m = np.array([[-1.5], [0.3], [2.0]])
    v = np.array([[0.2], [1.0], [0.05]])
    exact, _ = kl_quadrature_1d(w, m[:, 0], v[:, 0])
    mix = DiagonalMixture.create(m, v, weights=w)
    covered = sum(e.low <= exact <= e.high for e in (kl_monte_carlo(mix, 2_000, np.random.default_rng(s))
                                                     for s in range(1000)))
    assert 930 <= covered <= 970, covered


# --- safe output --------------------------------------------------------------------------

def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, monkeypatch, capsys):
    import kl_audit.report as report

    def broken(result, folder, **kwargs):
        (folder / "report.md").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(report, "build_report", broken)
    out = tmp_path / "report"
    assert main(["-o", str(out), "--trials", "50", "--sweep-trials", "20", "--k-sweep", "2", "--d-sweep", "1",
                 "--n-sweep", "2", "--quiet"]) == 2
    assert "disk full" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_force_adds_to_a_foreign_folder_and_keeps_its_files(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("x")
    assert main(["-o", str(out), "--force", "--trials", "50", "--sweep-trials", "20", "--k-sweep", "2",
                 "--d-sweep", "1", "--n-sweep", "2", "--quiet", "--no-derivations"]) == 0
    assert (out / "report.md").exists() and (out / "notes.txt").read_text() == "x"
