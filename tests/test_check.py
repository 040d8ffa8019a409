"""``kl-audit check``: right KL functions pass with their reduction, each known mistake is diagnosed,
bad functions and bad targets are exit status 2 with one line on stderr.

User functions are written here as VAE code writes them (not through the registry), once for a
namespace ``xp`` that is numpy or torch.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import numeric
from kl_audit.check import _PROBES, REDUCTIONS, RTOL, SHAPES, CheckInputError, check_kl, load_function, render_text
from kl_audit.cli import main
from kl_audit.variants import (
    SPREAD_NAMES,
    SPREADS,
    VARIANTS,
    from_logvar,
    reference_scale,
    reference_terms,
    to_variance,
    variants_for,
)

#: Generated inputs per check: the five fixed probes carry the diagnosis, hypothesis the search.
EXAMPLES = 25
DATA = "tests/data/kl_functions.py"


def need_torch():
    """torch, or a skip where it is missing; under CI (``CI`` set) a failure instead of a skip."""
    try:
        import torch
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("torch is not installed, and CI must run the torch checks: pip install '.[torch]'")
        pytest.skip("torch is not installed (pip install '.[torch]')")
    return torch


def namespace(backend: str):
    return np if backend == "numpy" else need_torch()


BACKENDS = ["numpy", "torch"]

#: The KL term as users write it for each spread, summed over everything.
RIGHT = {
    "logvar": lambda xp: lambda mu, lv: -0.5 * (1 + lv - mu**2 - xp.exp(lv)).sum(),
    "var": lambda xp: lambda mu, var: 0.5 * (var + mu**2 - 1 - xp.log(var)).sum(),
    "std": lambda xp: lambda mu, std: 0.5 * (std**2 + mu**2 - 1 - xp.log(std**2)).sum(),
    "logstd": lambda xp: lambda mu, ls: 0.5 * (xp.exp(2 * ls) + mu**2 - 1 - 2 * ls).sum(),
}

#: One wrong function per known mistake in a closed form: (declared spread, function of xp).
WRONG_FORMULAS = {
    "sign of mu^2 flipped": ("logvar", lambda xp: lambda mu, lv: -0.5 * (1 + lv + mu**2 - xp.exp(lv)).sum()),
    "lost 1/2": ("logvar", lambda xp: lambda mu, lv: -(1 + lv - mu**2 - xp.exp(lv)).sum()),
    "log sigma where log sigma^2 belongs": (
        "std", lambda xp: lambda mu, std: 0.5 * (std**2 + mu**2 - 1 - xp.log(std)).sum()),
    "the -1 dropped": ("logvar", lambda xp: lambda mu, lv: (-0.5 * (lv - mu**2 - xp.exp(lv)).sum(1)).mean()),
    "sign of log sigma^2 flipped": ("var", lambda xp: lambda mu, var: 0.5 * (var + mu**2 - 1 + xp.log(var)).sum(1)),
    "KL(p||q) instead of KL(q||p)": (
        "logvar", lambda xp: lambda mu, lv: 0.5 * (xp.exp(-lv) * (1 + mu**2) - 1 + lv).sum()),
    "averages over latent dimensions": ("logvar", lambda xp: lambda mu, lv: -0.5 * (1 + lv - mu**2 - xp.exp(lv)).mean()),
}


def wrong_functions():
    """(variant name, declared spread, function of xp) for every registered variant."""
    cases = [(name, spread, make) for name, (spread, make) in WRONG_FORMULAS.items()]
    for variant in VARIANTS.values():
        if variant.spread is not None:  # the formula for one spread, given another
            assumed = next(s for s in SPREADS if variant.name.endswith(f"where {SPREAD_NAMES[s]} is expected"))
            cases.append((variant.name, variant.spread, RIGHT[assumed]))
    return cases


WRONG = wrong_functions()


def test_every_variant_has_a_wrong_function():
    assert sorted(name for name, _, _ in WRONG) == sorted(VARIANTS)


# --- the reference ------------------------------------------------------------------------------
def test_reference_from_proofs_equals_numeric():
    rng = np.random.default_rng(0)
    mu, logvar = rng.normal(0, 30, (50, 7)), rng.uniform(-16, 16, (50, 7))
    ours = reference_terms(mu, np.exp(logvar)).sum(axis=1)
    theirs = np.array([numeric.kl_diag_standard(m, np.exp(lv)) for m, lv in zip(mu, logvar)])
    scale = reference_scale(mu, np.exp(logvar)).sum(axis=1)
    np.testing.assert_array_less(np.abs(ours - theirs), 1e-12 * scale)
    assert np.allclose(scale, 0.5 * (np.exp(logvar) + mu**2 + 1 + np.abs(logvar)).sum(axis=1), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fixed_probes_tell_every_variant_apart(reduction):
    """On the fixed probes each variant is finite and differs from the closed form and from every other
    variant by far more than the tolerance, under every reduction: a diagnosis names one mistake."""
    reduce = REDUCTIONS[reduction][1]
    for spread in SPREADS:
        rows = {"closed form": []}
        scales = []
        for mu, lv in _PROBES:
            mu, x = np.asarray(mu), from_logvar(np.asarray(lv), spread)
            var = to_variance(x, spread)
            rows["closed form"].append(reduce(reference_terms(mu, var)))
            for v in variants_for(spread):
                rows.setdefault(v.name, []).append(reduce(v.terms(mu, x, spread)))
            scales.append(reduce(reference_scale(mu, var)))
        for name, values in rows.items():
            finite = np.all(np.isfinite(np.concatenate([np.ravel(v) for v in values])))
            assert finite == (name not in NAN), (spread, name)
        names = [name for name in rows if name not in NAN]
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                gap = max(float(np.max(np.abs(np.asarray(p) - np.asarray(q)) / s))
                          for p, q, s in zip(rows[a], rows[b], scales))
                assert gap > 1e3 * RTOL, (spread, a, b, gap)


# --- right functions pass, with their reduction -------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("spread", SPREADS)
def test_right_function_passes_for_each_spread(spread, backend):
    result = check_kl(RIGHT[spread](namespace(backend)), spread, backend=backend, max_examples=EXAMPLES)
    assert result.passed, render_text(result)
    assert (result.reduction, result.backend, result.counterexample) == ("sum", backend, None)
    assert result.examples == 5 + len(SHAPES) + EXAMPLES   # probes, the shape sweep, generated


@pytest.mark.parametrize("backend", BACKENDS)
def test_reductions_are_recognized(backend):
    xp = namespace(backend)

    def terms(mu, lv):
        return -0.5 * (1 + lv - mu**2 - xp.exp(lv))

    for fn, reduction in [(lambda mu, lv: terms(mu, lv).sum(), "sum"),
                          (lambda mu, lv: terms(mu, lv).sum(1).mean(), "batch mean"),
                          (lambda mu, lv: terms(mu, lv).sum(-1), "per example")]:
        result = check_kl(fn, backend=backend, max_examples=EXAMPLES)
        assert (result.passed, result.reduction) == (True, reduction), render_text(result)


def test_classic_pytorch_term_found_by_auto_backend():
    torch = need_torch()
    result = check_kl(lambda mu, logvar: -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()),
                      max_examples=EXAMPLES)
    assert (result.passed, result.reduction, result.backend) == (True, "sum", "torch")


def test_keras_style_batch_mean():
    fn, _ = load_function(f"{DATA}:kl_keras")
    result = check_kl(fn, max_examples=EXAMPLES)
    assert (result.passed, result.reduction, result.backend) == (True, "batch mean", "numpy")


def test_torch_distributions_normal_summed_over_dimensions():
    torch = need_torch()
    from torch.distributions import Normal, kl_divergence

    def from_std(mu, std):
        return kl_divergence(Normal(mu, std), Normal(torch.zeros_like(mu), torch.ones_like(std))).sum(-1)

    def from_logvar(mu, logvar):
        return kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum()

    result = check_kl(from_std, "std", max_examples=EXAMPLES)
    assert (result.passed, result.reduction, result.backend) == (True, "per example", "torch")
    result = check_kl(from_logvar, "logvar", max_examples=EXAMPLES)
    assert (result.passed, result.reduction) == (True, "sum")


def test_float32_code_is_within_the_tolerance():
    torch = need_torch()
    result = check_kl(lambda mu, lv: -0.5 * torch.sum(1 + lv.float() - mu.float() ** 2 - lv.float().exp()),
                      max_examples=EXAMPLES)
    assert result.passed, render_text(result)


# --- wrong functions fail, each with its diagnosis ----------------------------------------------
#: Variants that return NaN on legal input: the log of a negative log-variance or log-std.
NAN = {"log-variance passed where variance is expected", "log-std passed where variance is expected"}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name, spread, make", WRONG, ids=[w[0] for w in WRONG])
def test_each_known_mistake_is_diagnosed(name, spread, make, backend):
    if name in NAN:  # an input error, the message naming the variant
        with pytest.raises(CheckInputError, match="returned nan for finite inputs") as err:
            check_kl(make(namespace(backend)), spread, backend=backend, max_examples=EXAMPLES)
        assert str(err.value).endswith(f"; '{name}' gives the same values: {VARIANTS[name].mistake}")
        return
    result = check_kl(make(namespace(backend)), spread, backend=backend, max_examples=EXAMPLES)
    assert not result.passed
    assert result.diagnosis == [name], render_text(result)
    ce = result.counterexample
    assert not np.allclose(ce.expected, ce.got)
    text = "\n".join(render_text(result))
    assert f"diagnosis: {name}: {VARIANTS[name].mistake}" in text and "expected" in text


def test_mean_over_dimensions_is_a_failure_with_its_own_diagnosis():
    fn, _ = load_function(f"{DATA}:kl_mean")
    result = check_kl(fn, max_examples=EXAMPLES)
    assert not result.passed and result.diagnosis == ["averages over latent dimensions"]
    assert ("diagnosis: averages over latent dimensions: divides the KL by d, reweighting it against the "
            "reconstruction term") in render_text(result)
    assert len(result.counterexample.mu[0]) > 1  # with d = 1 the mean is the sum


def test_unknown_mistake_matches_no_variant():
    result = check_kl(lambda mu, lv: -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv)) + 1e-3, max_examples=EXAMPLES)
    assert not result.passed and result.diagnosis == []
    assert "diagnosis: matches no known variant" in render_text(result)


def test_generated_inputs_find_and_shrink_what_the_fixed_probes_miss():
    def wrong_at_batch_five(mu, lv):
        kl = -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv))
        return kl + 1.0 if mu.shape[0] == 5 else kl

    result = check_kl(wrong_at_batch_five, max_examples=100)
    assert not result.passed
    ce = result.counterexample
    assert (len(ce.mu), len(ce.mu[0])) == (5, 1)                 # shrunk to d = 1
    assert ce.got == pytest.approx(ce.expected + 1.0)
    assert result.diagnosis == []


def test_seeded_runs_repeat():
    fn = WRONG_FORMULAS["lost 1/2"][1](np)
    first, again = (check_kl(fn, max_examples=EXAMPLES, seed=7) for _ in range(2))
    assert first == again


# --- bad functions and arguments ----------------------------------------------------------------
@pytest.mark.parametrize("fn, message", [
    (lambda mu, lv: 1 / 0, "raised ZeroDivisionError: division by zero"),
    (lambda mu, lv: np.sum(np.log(mu)), "returned nan for finite inputs"),
    (lambda mu, lv: -0.5 * (1 + lv - mu**2 - np.exp(lv)), "returned shape (3, 4) for mu of shape (3, 4)"),
    (lambda mu, lv: "0.5", "returned str; expected a number"),
    (lambda mu, lv: None, "returned NoneType; expected a number"),
    (lambda mu, lv: -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv), axis=-1, keepdims=True).T,
     "returned shape (1, 3)"),
])
def test_bad_functions_are_input_errors(fn, message):
    with pytest.raises(CheckInputError, match="f") as err:
        check_kl(fn, backend="numpy", max_examples=EXAMPLES, name="f")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_function_that_changes_its_reduction_is_an_input_error():
    def scalar_at_batch_five(mu, lv):
        kl = -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv), axis=1)
        return kl.sum() if mu.shape[0] == 5 else kl

    with pytest.raises(CheckInputError, match=r"returned shape \(\) for mu of shape \(5, 1\), but a vector"):
        check_kl(scalar_at_batch_five, max_examples=100)


def test_a_function_that_raises_on_generated_input_is_an_input_error():
    def raises_for_one_dimension(mu, lv):
        if mu.shape[1] == 7:
            raise IndexError("latent size 7 is not supported")
        return -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv))

    with pytest.raises(CheckInputError, match="raised IndexError: latent size 7 is not supported"):
        check_kl(raises_for_one_dimension, max_examples=100)


def test_without_torch_the_messages_say_so(monkeypatch):
    import kl_audit.check as check

    monkeypatch.setattr(check, "_torch", lambda: None)
    with pytest.raises(CheckInputError, match=r"backend 'torch' needs torch, which is not installed"):
        check_kl(RIGHT["logvar"](np), backend="torch")
    with pytest.raises(CheckInputError, match="has no attribute 'pow'.*torch is not installed, so torch input was not"):
        check_kl(lambda mu, lv: -0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum())


@pytest.mark.parametrize("kwargs, message", [
    (dict(spread="sigma"), "spread must be one of logvar, var, std, logstd; got 'sigma'"),
    (dict(backend="jax"), "backend must be one of auto, numpy, torch; got 'jax'"),
    (dict(max_examples=0), "max_examples must be an integer from 1 to 10000; got 0"),
    (dict(max_examples=10**6), "max_examples must be an integer from 1 to 10000; got 1000000"),
    (dict(seed=-1), "seed must be a nonnegative integer or None; got -1"),
])
def test_bad_arguments_name_themselves(kwargs, message):
    with pytest.raises(ValueError) as err:
        check_kl(RIGHT["logvar"](np), **kwargs)
    assert str(err.value) == message


# --- the command line ---------------------------------------------------------------------------
def run(capsys, *argv):
    try:
        status = main(["check", *argv])
    except SystemExit as exc:  # usage errors leave through argparse
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_pass_fail_and_json(capsys):
    status, out, err = run(capsys, f"{DATA}:kl_sum", "--examples", str(EXAMPLES))
    assert (status, err) == (0, "") and out.startswith("PASS: ") and "reduction: sum over" in out
    status, out, err = run(capsys, f"{DATA}:kl_sign_flipped", "--examples", str(EXAMPLES))
    assert status == 1 and out.startswith("FAIL: ") and "diagnosis: sign of mu^2 flipped" in out
    assert "counterexample" in out and "expected 0.5, got -0.5" in out
    status, out, err = run(capsys, "tests.data.kl_functions:kl_mean", "--json", "--examples", str(EXAMPLES),
                           "--seed", "3")
    data = json.loads(out)
    assert status == 1 and data["verdict"] == "fail" and data["examples"] >= 6
    assert data["diagnosis"][0]["variant"] == "averages over latent dimensions"
    assert set(data["counterexample"]) == {"mu", "spread", "expected", "got"}
    status, out, _ = run(capsys, "tests.data.kl_functions:kl_keras", "--json", "--examples", str(EXAMPLES))
    data = json.loads(out)
    assert (status, data["verdict"], data["reduction"], data["counterexample"], data["diagnosis"]) == (
        0, "pass", "batch mean", None, None)


def test_cli_spread_and_backend(capsys):
    need_torch()
    status, out, _ = run(capsys, f"{DATA}:kl_sum", "--spread", "std", "--examples", str(EXAMPLES))
    assert status == 1 and "diagnosis: std passed where log-variance is expected" in out
    status, _, err = run(capsys, f"{DATA}:kl_sum", "--backend", "torch", "--examples", str(EXAMPLES))
    assert status == 2 and "raised TypeError" in err and "torch input" in err


@pytest.mark.parametrize("target, message", [
    ("tests/data/missing.py:kl", "no such file: 'tests/data/missing.py'"),
    (f"{DATA}:kl_missing", "has no function 'kl_missing'; it defines: kl_keras, kl_mean"),
    (f"{DATA}:NOT_A_FUNCTION", "is a int, not a function"),
    ("no_such_package.kl:kl", "no module named 'no_such_package.kl'"),
    ("kl_sum", "expected PATH.py:FUNC or package.module:FUNC, got 'kl_sum'"),
    (f"{DATA}:kl_raises", "kl_raises raised ValueError: expected a torch.Tensor"),
    (f"{DATA}:kl_nan", "returned nan for finite inputs"),
    (f"{DATA}:kl_unreduced", "returned shape (3, 4) for mu of shape (3, 4); expected a scalar or shape (3,)"),
    (f"{DATA}:kl_text", "returned str"),
])
def test_cli_bad_input_is_one_line_and_status_2(capsys, target, message):
    status, out, err = run(capsys, target, "--examples", str(EXAMPLES), "--backend", "numpy")
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("kl-audit: error: ") and message in err, err


def test_cli_json_is_json_when_the_function_prints(capsys, tmp_path):
    (tmp_path / "noisy.py").write_text("import numpy as np\nprint('loading')\n\n\ndef kl(mu, logvar):\n"
                                      "    print('kl', mu.shape)\n"
                                      "    return -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar))\n")
    status, out, err = run(capsys, f"{tmp_path / 'noisy.py'}:kl", "--json", "--examples", str(EXAMPLES))
    assert status == 0 and json.loads(out)["verdict"] == "pass" and "loading" in err and "kl (3, 4)" in err


def test_cli_import_error_is_one_line(capsys, tmp_path):
    (tmp_path / "broken.py").write_text("def kl(mu, logvar)\n    return 0\n")
    (tmp_path / "needs.py").write_text("import not_installed_anywhere\n")
    for name, message in [("broken", "raised SyntaxError"), ("needs", "raised ModuleNotFoundError")]:
        status, _, err = run(capsys, f"{tmp_path / name}.py:kl")
        assert status == 2 and err.count("\n") == 1 and message in err and "Traceback" not in err, err


def test_cli_loads_a_file_that_defines_a_dataclass(capsys, tmp_path):
    (tmp_path / "model.py").write_text(
        "import dataclasses\nimport numpy as np\n\n\n@dataclasses.dataclass\nclass Config:\n    beta: float = 1.0\n\n\n"
        "def kl(mu, logvar):\n    return Config().beta * -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar), axis=1)\n")
    status, out, err = run(capsys, f"{tmp_path / 'model.py'}:kl", "--examples", str(EXAMPLES))
    assert (status, err) == (0, "") and "reduction: per-example sums" in out


def test_cli_writes_nothing_in_the_working_folder(tmp_path):
    """In a fresh process (hypothesis caches files under the working folder unless told otherwise)."""
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "vae.py").write_text("import numpy as np\n\n\ndef kl(mu, logvar):\n"
                                    "    return 0.5 * np.sum(np.exp(logvar) + mu**2 - 1 - logvar)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run([sys.executable, "-m", "kl_audit", "check", "vae.py:kl", "--examples", "5"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vae.py"]


def test_cli_option_errors(capsys):
    for argv, message in [(["--examples", "0"], "must be >= 1"), (["--examples", "20000"], "must be <= 10000"),
                          (["--spread", "sigma"], "invalid choice")]:
        status, _, err = run(capsys, f"{DATA}:kl_sum", *argv)
        assert status == 2 and err.count("\n") == 1 and message in err, err
