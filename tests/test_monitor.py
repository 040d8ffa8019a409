"""LatentMonitor on a real model: a small torch VAE on scikit-learn's digits, with β = 1 and with β = 50.

The monitor's numbers must equal numpy's ``numeric`` on the same encodings (avg KL exactly,
the Monte Carlo estimates within 3.29 combined standard errors: seeded, so deterministic),
and the collapse of the β = 50 model must be flagged.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from numeric import DiagonalMixture, avg_kl, decompose, kl_monte_carlo, mutual_information_monte_carlo
from tests.extras import require

torch = require("torch")
require("array_api_compat")
require("sklearn")
from kl_audit import LatentMonitor, main  # noqa: E402
from tests.vae import as_numpy, encode_all, train_vae  # noqa: E402

SAMPLES = 5000
Z = 3.29  # two-sided 0.1%


@pytest.fixture(scope="module")
def trained():
    """{beta: model}, trained for 5 epochs each (about a second apiece on two cores)."""
    torch.manual_seed(0)
    return {beta: train_vae(beta, epochs=5) for beta in (1.0, 50.0)}


def _run(model, tmp_path, **options):
    monitor = LatentMonitor(n_samples=SAMPLES, log_to=tmp_path / "run.jsonl", **options)
    mu, logvar = encode_all(model, monitor)                       # update(mu, logvar) batch by batch
    return monitor.compute(), mu, logvar


def _agrees(est, ref):
    assert abs(est.value - ref.value) <= Z * math.hypot(est.stderr, ref.stderr) + 1e-12, (est, ref)


def test_beta_one_matches_numeric_and_is_not_flagged(trained, tmp_path):
    result, mu, logvar = _run(trained[1.0], tmp_path)
    mix = DiagonalMixture.create(as_numpy(mu), logvar=as_numpy(logvar))
    ref = decompose(mix, np.random.default_rng(1), n_samples=SAMPLES)
    assert result.n == 1797 and result.d == 4
    assert result.avg_kl == pytest.approx(avg_kl(mix), rel=1e-10)
    assert result.avg_kl == pytest.approx(ref.avg_kl, rel=1e-10)
    _agrees(result.kl_aggregate, ref.kl_aggregate)
    _agrees(result.mutual_information, ref.mutual_information)
    assert result.active_units == int(ref.active.sum()) >= 1
    np.testing.assert_allclose(result.variance_of_means, ref.variance_of_means, rtol=1e-10)
    assert result.ceiling == pytest.approx(math.log(1797)) and result.ceiling_name == "log N"
    assert result.mutual_information.value > 0.5                 # the encoder carries information...
    assert not result.collapsed and not result.memorizing        # ...far from identifying each digit
    # the gap identity, through independent estimates: avg KL = I(i; z) + KL(q̄ || p)
    gap = result.avg_kl - result.mutual_information.value - result.kl_aggregate.value
    assert abs(gap) <= Z * math.hypot(result.mutual_information.stderr, result.kl_aggregate.stderr)


def test_beta_fifty_collapses_and_is_flagged(trained, tmp_path):
    result, mu, logvar = _run(trained[50.0], tmp_path)
    mix = DiagonalMixture.create(as_numpy(mu), logvar=as_numpy(logvar))
    assert result.collapsed and result.active_units == 0
    assert not result.memorizing
    assert result.avg_kl == pytest.approx(avg_kl(mix), rel=1e-10)
    assert result.avg_kl < 0.05
    _agrees(result.kl_aggregate, kl_monte_carlo(mix, SAMPLES, np.random.default_rng(2)))
    _agrees(result.mutual_information, mutual_information_monte_carlo(mix, SAMPLES, np.random.default_rng(3)))
    assert "COLLAPSED" in str(result)
    record = json.loads((tmp_path / "run.jsonl").read_text().splitlines()[-1])
    assert record["collapsed"] is True and record["active_units"] == 0


def test_log_lines_and_the_plot(trained, tmp_path, capsys):
    log = tmp_path / "run.jsonl"
    log.write_text("")                                           # an existing file is appended to, never truncated
    monitor = LatentMonitor(n_samples=500, log_to=log)
    for model in (trained[1.0], trained[50.0]):
        encode_all(model, monitor)
        monitor.compute()
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [r["epoch"] for r in lines] == [0, 1]
    assert [r["collapsed"] for r in lines] == [False, True]
    for r in lines:
        mi = r["mutual_information"]
        assert 0 <= mi["ci_low"] <= mi["value"] <= mi["ci_high"] <= r["ceiling"]
    png = tmp_path / "fig.png"
    assert main(["monitor-plot", str(log), "-o", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()
    (tmp_path / "bad.jsonl").write_text(log.read_text() + "{not json\n")
    assert main(["monitor-plot", str(tmp_path / "bad.jsonl"), "-o", str(tmp_path / "bad.png")]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:3 is not JSON" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "bad.png").exists()


def test_memorizing_is_flagged_against_log_n_and_against_h_of_w():
    gen = torch.Generator().manual_seed(0)
    mu = 30 * torch.randn(64, 3, generator=gen, dtype=torch.float64)     # far apart, narrow: codes identify examples
    logvar = torch.full((64, 3), -6.0, dtype=torch.float64)
    monitor = LatentMonitor(n_samples=2000)
    monitor.update(mu, logvar)
    result = monitor.compute()
    assert result.memorizing and result.ceiling == pytest.approx(math.log(64))
    w = torch.distributions.Dirichlet(torch.ones(64, dtype=torch.float64)).sample()
    w = w / w.sum()
    weighted = LatentMonitor(n_samples=2000, weights=w)
    weighted.update(mu, logvar)
    result = weighted.compute()
    h = float(-(w * w.log()).sum())
    assert result.ceiling_name == "H(w)" and result.ceiling == pytest.approx(h, rel=1e-12) and result.memorizing
    overlapping = LatentMonitor(n_samples=2000)
    overlapping.update(mu / 30, torch.zeros(64, 3, dtype=torch.float64))
    assert not overlapping.compute().memorizing


def test_update_compute_reset_protocol():
    monitor = LatentMonitor(n_samples=200)
    monitor.update(torch.randn(10, 2), torch.zeros(10, 2))
    monitor.update(np.zeros((5, 2)), np.zeros((5, 2)))          # numpy batches are accepted too
    assert monitor.n == 15
    first = monitor.compute()
    assert first.n == 15 and first.epoch == 0 and monitor.n == 0  # compute() starts the next pass
    monitor.update(torch.randn(10, 2), torch.zeros(10, 2))
    monitor.reset()
    assert monitor.n == 0
    monitor.update(torch.randn(10, 2), torch.zeros(10, 2))
    assert monitor.compute(epoch=7).epoch == 7
    same_seed = [LatentMonitor(n_samples=300, seed=4) for _ in range(2)]
    data = torch.randn(20, 2), torch.zeros(20, 2)
    values = []
    for m in same_seed:
        m.update(*data)
        values.append(m.compute().kl_aggregate.value)
    assert values[0] == values[1]


@pytest.mark.parametrize("call, message", [
    (lambda m: m.compute(), r"compute\(\) before any update"),
    (lambda m: m.update(torch.zeros(4, 2), torch.zeros(4, 3)), r"mu has shape \(4, 2\) but logvar has shape \(4, 3\)"),
    (lambda m: m.update(torch.zeros(4), torch.zeros(4)), r"mu must have shape \(batch, d\), got \(4,\)"),
    (lambda m: (m.update(torch.zeros(4, 2), torch.zeros(4, 2)), m.update(torch.zeros(4, 3), torch.zeros(4, 3))),
     r"mu has d = 3 latent dimensions but earlier batches had 2"),
    (lambda m: (m.update(torch.tensor([[0.0], [float("nan")]]), torch.zeros(2, 1)), m.compute()),
     r"mu has a non-finite value nan at index \(1, 0\)"),
    (lambda m: (m.update(torch.zeros(2, 1), torch.tensor([[0.0], [float("inf")]])), m.compute()),
     r"logvar has a non-finite value inf at index \(1, 0\)"),
])
def test_bad_batches_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call(LatentMonitor(n_samples=100))


def test_bad_options_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"n_samples must be an integer >= 2, got 1"):
        LatentMonitor(n_samples=1)
    with pytest.raises(ValueError, match=r"log_to .* the folder .* does not exist"):
        LatentMonitor(log_to=tmp_path / "missing" / "run.jsonl")
    with pytest.raises(ValueError, match=r"log_to .* is a folder"):
        LatentMonitor(log_to=tmp_path)
    with pytest.raises(ValueError, match=r"weights has 3 entries but there are 2 components"):
        m = LatentMonitor(weights=torch.full((3,), 1 / 3))
        m.update(torch.zeros(2, 1), torch.zeros(2, 1))
        m.compute()


def test_encodings_device_option(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "enc.npz", mean=rng.normal(size=(300, 3)), logvar=rng.normal(-2, 0.3, (300, 3)))
    reports = {}
    for name, extra in (("numpy", []), ("torch", ["--device", "cpu"])):
        assert main(["encodings", str(tmp_path / "enc.npz"), "--quiet", "--samples", "3000",
                     "-o", str(tmp_path / name), *extra]) == 0
        reports[name] = json.loads((tmp_path / name / "report.json").read_text())
    a, b = reports["torch"], reports["numpy"]
    assert a["avg_kl"] == pytest.approx(b["avg_kl"], rel=1e-10)
    np.testing.assert_allclose(a["per_dimension"]["dimwise_kl"], b["per_dimension"]["dimwise_kl"], rtol=1e-10)
    assert a["pairwise_bounds"]["lower"] == pytest.approx(b["pairwise_bounds"]["lower"], rel=1e-10)
    for key in ("kl_aggregate", "mutual_information"):
        assert abs(a[key]["value"] - b[key]["value"]) <= Z * math.hypot(a[key]["stderr"], b[key]["stderr"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present here")
def test_encodings_device_cuda_without_a_gpu_is_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["encodings", "--example", "digits", "--device", "cuda", "-o", str(tmp_path / "out")])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"kl-audit encodings: error: argument --device: device 'cuda' is not available: torch {torch.__version__} "
        "sees no CUDA GPU"]
    assert not (tmp_path / "out").exists()
