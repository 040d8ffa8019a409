"""Encodings: the linear-VAE known answer, the decomposition adding up, file input, the command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kl_audit.cli import main
from kl_audit.inputs import read_encodings
from numeric import (DiagonalMixture, decompose, linear_vae_encodings, moment_matched_kl, moments,
                     pairwise_bounds, pairwise_bounds_sampled)
from tests.extras import require


def _data(n=600, dim=12, seed=0):
    rng = np.random.default_rng(seed)
    scales = np.linspace(3, 0.3, dim)
    return rng.normal(size=(n, dim)) * scales @ np.linalg.qr(rng.normal(size=(dim, dim)))[0] + 5


@pytest.fixture(scope="module")
def linear_vae():
    means, variances = linear_vae_encodings(_data(), 4)
    mix = DiagonalMixture.create(means, variances)
    return mix, decompose(mix, np.random.default_rng(1), n_samples=20_000)


def test_linear_vae_aggregate_is_standard_normal_in_its_moments(linear_vae):
    mix, dec = linear_vae
    mu, cov = moments(mix)
    np.testing.assert_allclose(mu, 0, atol=1e-12)
    np.testing.assert_allclose(cov, np.eye(mix.d), atol=1e-12)
    assert abs(dec.moment_matched_kl) < 1e-12 and abs(dec.moment_matched_kl_diag) < 1e-12


def test_linear_vae_aggregate_is_not_the_prior(linear_vae):
    """KL(G || p) = 0, yet KL(q̄ || p) > 0: moments matching is not distributions matching."""
    _, dec = linear_vae
    assert dec.kl_aggregate.value > 5 * dec.kl_aggregate.stderr


def test_mutual_information_below_log_n(linear_vae):
    _, dec = linear_vae
    assert dec.mutual_information.value - 4 * dec.mutual_information.stderr <= dec.log_n


def test_decomposition_adds_up_within_its_error(linear_vae):
    """I, TC and KL(q̄ || p) come from independent draws and Σ_j KL_j from quadrature: both identities are checks."""
    _, dec = linear_vae
    total = dec.mutual_information.value + dec.total_correlation.value + dec.dimwise_kl.sum()
    assert abs(dec.avg_kl - total) <= 4 * dec.residual.stderr + dec.dimwise_error.sum()
    assert dec.residual.value == pytest.approx(dec.avg_kl - total, abs=1e-12)
    assert abs(dec.gap_residual.value) <= 4 * dec.gap_residual.stderr
    # the residual's error is that of the two Monte Carlo estimates in it, not zero
    assert dec.residual.stderr == pytest.approx(np.hypot(dec.mutual_information.stderr, dec.total_correlation.stderr))
    assert dec.total_correlation.stderr > 0
    assert dec.bounds.lower - 4 * dec.kl_aggregate.stderr <= dec.kl_aggregate.value <= dec.bounds.upper + 4 * dec.kl_aggregate.stderr


def test_digits_example_known_answer():
    require("sklearn")
    from kl_audit.encodings_report import digits_example

    means, variances, _ = digits_example(10)
    mix = DiagonalMixture.create(means, variances)
    assert abs(moment_matched_kl(mix)) < 1e-10
    dec = decompose(mix, np.random.default_rng(0), n_samples=10_000)
    assert dec.mutual_information.value <= dec.log_n
    assert abs(dec.residual.value) <= 4 * dec.residual.stderr + dec.dimwise_error.sum()
    assert abs(dec.gap_residual.value) <= 4 * dec.gap_residual.stderr


def test_active_units_and_dimensionwise_kl():
    rng = np.random.default_rng(3)
    n = 400
    means = np.column_stack([rng.normal(0, 1, n), rng.normal(0, 0.01, n)])   # one active, one collapsed
    variances = np.column_stack([np.full(n, 0.1), np.full(n, 1.0)])
    dec = decompose(DiagonalMixture.create(means, variances), rng, n_samples=5_000)
    assert dec.active.tolist() == [True, False]
    assert dec.dimwise_kl[1] < 1e-3 and dec.dimwise_kl[0] > 0


def test_row_subsampled_bounds_agree_with_exact_within_their_error():
    rng = np.random.default_rng(4)
    mix = DiagonalMixture.create(rng.normal(size=(3000, 5)), np.exp(rng.normal(-1, 0.3, (3000, 5))))
    lower, upper = pairwise_bounds(mix)
    sub = pairwise_bounds_sampled(mix, max_rows=500, rng=np.random.default_rng(5))
    assert not sub.exact and sub.rows == 500
    assert abs(sub.lower - lower) <= 4 * sub.lower_stderr and abs(sub.upper - upper) <= 4 * sub.upper_stderr


def test_linear_vae_rejects_bad_latent():
    with pytest.raises(ValueError, match="latent must be an integer in"):
        linear_vae_encodings(_data(50, 4), 4)


# --- reading files ---------------------------------------------------------------

@pytest.fixture()
def encodings(tmp_path):
    rng = np.random.default_rng(6)
    return tmp_path, rng.normal(size=(50, 3)), rng.normal(-1, 0.5, (50, 3))


@pytest.mark.parametrize("mean_key,spread_key", [("mean", "logvar"), ("mu", "log_var"), ("mu", "var"), ("mean", "std")])
def test_npz_keys(encodings, mean_key, spread_key):
    tmp, m, lv = encodings
    spread = {"logvar": lv, "log_var": lv, "var": np.exp(lv), "std": np.exp(lv / 2)}[spread_key]
    np.savez(tmp / "e.npz", **{mean_key: m, spread_key: spread})
    mix = read_encodings([tmp / "e.npz"])
    np.testing.assert_allclose(mix.variances, np.exp(lv), rtol=1e-12)
    np.testing.assert_array_equal(mix.means, m)


def test_npz_wrong_keys_lists_what_was_found(encodings):
    tmp, m, lv = encodings
    np.savez(tmp / "e.npz", z=m, s=lv)
    with pytest.raises(ValueError, match="found keys: s, z"):
        read_encodings([tmp / "e.npz"])


def test_pair_of_npy_and_csv(encodings):
    tmp, m, lv = encodings
    np.save(tmp / "m.npy", m)
    np.save(tmp / "lv.npy", lv)
    a = read_encodings([tmp / "m.npy", tmp / "lv.npy"], spread="logvar")
    (tmp / "e.csv").write_text("m0,m1,m2,s0,s1,s2\n" + "\n".join(",".join(repr(float(x)) for x in row) for row in np.hstack([m, lv])))
    b = read_encodings([tmp / "e.csv"], spread="logvar")
    for mix in (a, b):                                  # each against the arrays written, not only against each other
        np.testing.assert_allclose(mix.variances, np.exp(lv), rtol=1e-12)
        np.testing.assert_allclose(mix.means, m, rtol=1e-15)
    with pytest.raises(ValueError, match="--spread logvar, var or std"):
        read_encodings([tmp / "m.npy", tmp / "lv.npy"])


def test_weights_from_file(encodings):
    tmp, m, lv = encodings
    np.savez(tmp / "e.npz", mean=m, logvar=lv)
    w = np.random.default_rng(7).dirichlet(np.ones(50))
    np.save(tmp / "w.npy", w)
    np.testing.assert_allclose(read_encodings([tmp / "e.npz"], weights=tmp / "w.npy").weights, w / w.sum())


def test_encodings_command_writes_a_report(encodings, capsys):
    tmp, m, lv = encodings
    np.savez(tmp / "e.npz", mean=m, logvar=lv)
    out = tmp / "report"
    assert main(["encodings", str(tmp / "e.npz"), "-o", str(out), "--samples", "2000", "--quiet"]) == 0
    data = json.loads((out / "report.json").read_text())
    for key in ("avg_kl", "kl_aggregate", "mutual_information", "log_n", "total_correlation", "dimwise_kl_sum",
                "decomposition_residual", "pairwise_bounds", "active_units", "per_dimension"):
        assert key in data
    # the numbers: the script's formula written out, log N, and the checks within their errors
    assert data["avg_kl"] == pytest.approx(0.5 * np.mean(np.sum(np.exp(lv) + m**2 - 1 - lv, axis=1)), rel=1e-12, abs=0)
    assert data["log_n"] == pytest.approx(np.log(50), rel=1e-15, abs=0)
    residual = data["decomposition_residual"]
    assert abs(residual["value"]) <= 4 * residual["stderr"]
    kl, bounds = data["kl_aggregate"], data["pairwise_bounds"]
    assert bounds["lower"] - 4 * kl["stderr"] <= kl["value"] <= bounds["upper"] + 4 * kl["stderr"]
    assert {p.name for p in (out / "figures").iterdir()} == {"per_dimension.png", "aggregate_posterior.png", "split.png",
                                                            "per_example_kl.png"}
    assert "I(i; z)" in capsys.readouterr().out
