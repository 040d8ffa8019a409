"""Check a VAE's own KL function against the closed form derived by :mod:`proofs`.

>>> import numpy as np
>>> from kl_audit import check_kl
>>> result = check_kl(lambda mu, lv: -0.5 * np.sum(1 + lv - mu**2 - np.exp(lv)), max_examples=20)
>>> result.passed, result.reduction
(True, 'sum')

The function takes ``(mu, spread)`` of shape (B, d) (numpy arrays, or float64 torch tensors)
and returns the KL term under one of three reductions: the sum over everything (a scalar),
the batch mean of per-example sums (a scalar), or per-example sums (shape (B,)). The
reduction is found on the first fixed probe and then held fixed.

Inputs: five fixed probes (d = 1, B = 1, |mu| = 1000, spreads over several decades), one seeded
input of every shape B, d in [1, 8] (smallest first, so a mistake tied to a shape is always met),
then hypothesis draws mu in [-1000, 1000] and the log-variance in [-16, 16] (σ from 3e-4 to 3e3),
at the smallest failing shape if the sweep found one, else with B and d in [1, 8], shrinking any
counterexample.

Tolerance: |got − expected| <= 1e-6 × S, S the same reduction of ½(v + mu² + 1 + |log v|), the
sum of the absolute values of the closed form's terms. Measured against S, rounding does not
depend on how much the terms cancel, so the float64 reference needs no extended precision: it
and any correct float64 implementation, in any order of operations, agree to a few 1e-16 × S.
Code that casts to float32 stays within about 5e-7 × S (the rounding of exp(log σ²) at
|log σ²| = 16 dominates), inside the tolerance, while each known mistake changes the result by
more than 1e-3 × S on the fixed probes.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from .variants import SPREAD_NAMES, SPREADS, from_logvar, reference_scale, reference_terms, to_variance, variants_for

__all__ = [
    "BACKENDS",
    "REDUCTIONS",
    "RTOL",
    "SHAPES",
    "CheckInputError",
    "CheckResult",
    "Counterexample",
    "check_kl",
    "load_function",
    "render_text",
]

#: Relative tolerance, against the sum of the absolute values of the closed form's terms.
RTOL = 1e-6
BACKENDS = ("auto", "numpy", "torch")
MAX_EXAMPLES = 10_000

#: name -> (description, reduction of per-coordinate terms (B, d), whether the result is a scalar)
REDUCTIONS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray], bool]] = {
    "sum": ("sum over the batch and the latent dimensions (a scalar)", lambda t: t.sum(), True),
    "batch mean": ("batch mean of per-example sums (a scalar)", lambda t: t.sum(axis=1).mean(), True),
    "per example": ("per-example sums over the latent dimensions (shape (B,))", lambda t: t.sum(axis=1), False),
}

# (mu, log-variance), each (B, d). Log-variances stay in [-8, 5.5] and away from 0, so that every
# known variant is finite on them, except a variance reading of a log (NaN where the log is
# negative; the third probe has none); the first has B != d, both > 1, so the reductions differ.
_PROBES = (
    ([[0.5, -1.2, 2.0, 0.25], [1.5, 0.3, -0.7, 3.0], [-2.5, 0.9, 0.1, -0.4]],
     [[0.3, -0.8, 1.1, -0.15], [-1.5, 0.6, 2.0, -0.2], [0.9, -2.2, 0.4, 1.3]]),
    ([[0.8]], [[-0.6]]),
    ([[1000.0], [-350.0]], [[2.0], [3.0]]),
    ([[0.2, -0.3, 0.4, -0.5, 0.6]], [[-8.0, -4.5, 0.5, 3.5, 5.5]]),
    ([[-1.1, 0.0], [2.2, -0.05]], [[0.05, -0.35], [1.7, -1.05]]),
)


class CheckInputError(ValueError):
    """The function cannot be checked: it raises, returns NaN or infinity, or the wrong shape or type."""


class _Raised(CheckInputError):
    """The function raised; ``what`` is the exception as "Type: message"."""

    def __init__(self, message: str, what: str):
        super().__init__(message)
        self.what = what


@dataclass(frozen=True)
class Counterexample:
    """Inputs (in the declared spread) on which the function and the closed form differ."""

    mu: list
    spread: list
    expected: float | list
    got: float | list


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check_kl` found.

    Attributes
    ----------
    passed : bool
        True when the function equals the closed form on every input tried.
    reduction : str
        Key of :data:`REDUCTIONS` the function was held to.
    spread, backend : str
        The parametrization of the second argument and the array type passed.
    examples : int
        Inputs tried (fixed probes and generated).
    counterexample : Counterexample or None
        The shrunk failing input.
    diagnosis : list of str
        Names of the known variants the function matches on every fixed probe and on the
        counterexample (failures only; empty: matches no known variant).
    mistakes : list of str
        What each diagnosed variant does wrong, in the same order.
    name : str
        The function's name in messages.

    Notes
    -----
    For a failure that matches neither the closed form nor a known variant under any reduction
    allowed by the result's shape, ``reduction`` is the one whose value is nearest on the first probe.
    """

    passed: bool
    reduction: str
    spread: str
    backend: str
    examples: int
    counterexample: Counterexample | None = None
    diagnosis: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)
    name: str = "function"

    @property
    def verdict(self) -> str:
        """"pass" or "fail"."""
        return "pass" if self.passed else "fail"

    def to_json(self) -> dict:
        """The verdict, reduction, counterexample and diagnosis as JSON-ready data."""
        return {
            "function": self.name,
            "verdict": self.verdict,
            "reduction": self.reduction,
            "reduction_description": REDUCTIONS[self.reduction][0],
            "spread": self.spread,
            "backend": self.backend,
            "examples": self.examples,
            "tolerance": {"relative": RTOL, "of": "sum of |terms| of the closed form, same reduction"},
            "counterexample": None if self.counterexample is None else _json_safe(asdict(self.counterexample)),
            "diagnosis": (None if self.passed else
                          [{"variant": n, "mistake": m} for n, m in zip(self.diagnosis, self.mistakes)]),
        }


def _json_safe(value):
    """Non-finite floats as the strings "nan", "inf", "-inf" (JSON has no such numbers)."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value if not isinstance(value, float) or math.isfinite(value) else str(value)


# --- calling the function --------------------------------------------------------------------
def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _user_output_to_stderr():
    """What the checked code prints goes to stderr: stdout carries only the report (``--json`` stays JSON)."""
    import sys

    return contextlib.redirect_stdout(sys.stderr)


def _describe(arr: np.ndarray) -> str:
    return f"mu of shape {arr.shape}"


class _Caller:
    """Calls ``fn`` on one backend, returning float64 numpy results; bad behaviour is a CheckInputError."""

    def __init__(self, fn: Callable, name: str, backend: str):
        self.fn, self.name, self.backend = fn, name, backend
        self.calls = 0

    def _convert(self, arr: np.ndarray):
        if self.backend == "torch":
            return _torch().tensor(arr, dtype=_torch().float64)
        return arr.copy()

    def __call__(self, mu: np.ndarray, x: np.ndarray) -> np.ndarray:
        self.calls += 1
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings(), _user_output_to_stderr():
                warnings.simplefilter("ignore")
                out = self.fn(self._convert(mu), self._convert(x))
        except (Exception, SystemExit) as exc:  # the user's code: any exception is reported, never propagated
            what = f"{type(exc).__name__}: {' '.join(str(exc).split()) or 'no message'}"
            raise _Raised(f"{self.name} raised {what} ({self.backend} input, {_describe(mu)})", what) from None
        return self._result(out, mu.shape)

    def _result(self, out, shape: tuple[int, int]) -> np.ndarray:
        kind = type(out).__name__
        if hasattr(out, "detach") and hasattr(out, "cpu"):
            out = out.detach().cpu().numpy()
        if out is None or isinstance(out, (str, bytes, dict)):
            raise CheckInputError(f"{self.name} returned {kind}; expected a number, an array or a tensor")
        try:
            value = np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError):
            raise CheckInputError(f"{self.name} returned {kind}; expected a number, an array or a tensor") from None
        batch = shape[0]
        if not (value.size == 1 and value.ndim <= 1) and value.shape != (batch,):
            raise CheckInputError(f"{self.name} returned shape {value.shape} for mu of shape {shape}; "
                                  f"expected a scalar or shape ({batch},)")
        return value.reshape(()) if value.size == 1 and value.shape != (batch,) else value


def _pick_backend(fn: Callable, name: str, backend: str, mu: np.ndarray, x: np.ndarray) -> tuple[_Caller, np.ndarray]:
    """The caller for ``backend`` ("auto": numpy, else torch if numpy input fails) and its first result."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {backend!r}")
    if backend == "torch" and _torch() is None:
        raise CheckInputError("backend 'torch' needs torch, which is not installed: pip install 'vae-kl-audit[torch]'")
    if backend != "auto":
        caller = _Caller(fn, name, backend)
        return caller, caller(mu, x)
    numpy_caller = _Caller(fn, name, "numpy")
    try:
        return numpy_caller, numpy_caller(mu, x)
    except _Raised as numpy_error:
        if _torch() is None:
            raise CheckInputError(f"{numpy_error}; torch is not installed, so torch input was not tried") from None
        torch_caller = _Caller(fn, name, "torch")
        try:
            result = torch_caller(mu, x)
        except _Raised as torch_error:
            raise CheckInputError(f"{name} raised {numpy_error.what} on numpy input and {torch_error.what} on "
                                  f"torch input ({_describe(mu)})") from None
        torch_caller.calls += numpy_caller.calls
        return torch_caller, result


# --- comparing ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Case:
    mu: np.ndarray       # (B, d)
    x: np.ndarray        # (B, d), the declared spread
    var: np.ndarray      # (B, d)

    @classmethod
    def from_logvar(cls, mu, logvar, spread: str) -> _Case:
        mu = np.asarray(mu, dtype=np.float64)
        x = from_logvar(logvar, spread)
        return cls(mu, x, to_variance(x, spread))


def _agrees(got: np.ndarray, expected: np.ndarray, scale: np.ndarray) -> bool:
    got, expected = np.broadcast_arrays(np.asarray(got, float), np.asarray(expected, float))
    return bool(np.all(np.isfinite(got)) and np.all(np.isfinite(expected))
                and np.all(np.abs(got - expected) <= RTOL * scale))


def _compare(got: np.ndarray, case: _Case, reduction: str, terms: np.ndarray | None = None) -> tuple[bool, np.ndarray]:
    """(agrees, expected) for ``terms`` (default: the closed form's) under ``reduction``."""
    reduce = REDUCTIONS[reduction][1]
    expected = reduce(reference_terms(case.mu, case.var) if terms is None else terms)
    scale = reduce(reference_scale(case.mu, case.var))
    return _agrees(got, expected, scale), expected


def _shape_reductions(got: np.ndarray, batch: int) -> list[str]:
    scalar = got.ndim == 0
    return [r for r, (_, _, is_scalar) in REDUCTIONS.items() if is_scalar == scalar or batch == 1]


def _detect_reduction(got: np.ndarray, case: _Case, spread: str) -> str:
    """The reduction under which the function matches the closed form, else a known variant, else the nearest."""
    candidates = _shape_reductions(got, case.mu.shape[0])
    for r in candidates:
        if _compare(got, case, r)[0]:
            return r
    for variant in variants_for(spread):
        terms = variant.terms(case.mu, case.x, spread)
        for r in candidates:
            if _compare(got, case, r, terms)[0]:
                return r

    def distance(r: str) -> float:
        expected = _compare(got, case, r)[1]
        with np.errstate(all="ignore"):
            return float(np.nanmax(np.abs(np.log(np.abs(got) + 1e-300) - np.log(np.abs(expected) + 1e-300))))

    return min(candidates, key=distance)


def _diagnose(results: list[tuple[_Case, np.ndarray]], reduction: str, spread: str) -> list:
    """The known variants that agree with the function on every (case, result) given."""
    return [v for v in variants_for(spread)
            if all(_compare(got, case, reduction, v.terms(case.mu, case.x, spread))[0] for case, got in results)]


def _reproduce_nonfinite(results: list[tuple[_Case, np.ndarray]], spread: str) -> list:
    """The known variants non-finite exactly where the function is, and agreeing with it elsewhere."""
    def same(got: np.ndarray, case: _Case, reduction: str, terms: np.ndarray) -> bool:
        reduce = REDUCTIONS[reduction][1]
        got, expected, scale = np.broadcast_arrays(got, reduce(terms), reduce(reference_scale(case.mu, case.var)))
        bad = ~np.isfinite(got)
        return bool(np.array_equal(bad, ~np.isfinite(expected))
                    and _agrees(got[~bad], expected[~bad], scale[~bad]))

    found = []
    for v in variants_for(spread):
        terms = [v.terms(case.mu, case.x, spread) for case, _ in results]
        if any(all(same(got, case, r, t) for (case, got), t in zip(results, terms, strict=True))
               for r in _shape_reductions(results[0][1], results[0][0].mu.shape[0])):
            found.append(v)
    return found


def _as_list(a: np.ndarray):
    return a.tolist() if np.ndim(a) else float(a)


# --- the check ---------------------------------------------------------------------------------
#: Every batch size and latent size that the generated inputs take, smallest first.
SHAPES = tuple(sorted(((b, d) for b in range(1, 9) for d in range(1, 9)), key=lambda s: (s[0] * s[1], s)))


def _sweep_inputs(seed: int | None):
    """One input of every shape in :data:`SHAPES`, smallest first, so a mistake tied to a shape is always met.

    Means uniform in [-3, 3], log-variances uniform in [-4, 4], from a seeded generator.
    """
    rng = np.random.default_rng(0 if seed is None else seed)
    for batch, dim in SHAPES:
        yield rng.uniform(-3, 3, (batch, dim)), rng.uniform(-4, 4, (batch, dim))


def _generated_inputs(shape: tuple[int, int] | None = None):
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    @st.composite
    def inputs(draw):
        batch, dim = shape or (draw(st.integers(1, 8)), draw(st.integers(1, 8)))
        mu = draw(hnp.arrays(np.float64, (batch, dim), elements=st.floats(-1e3, 1e3)))
        logvar = draw(hnp.arrays(np.float64, (batch, dim), elements=st.floats(-16, 16)))
        return mu, logvar

    return inputs()


@contextlib.contextmanager
def _hypothesis_files_elsewhere():
    """Hypothesis caches files under ./.hypothesis; a check writes nothing in the caller's folder."""
    from hypothesis import configuration

    previous = vars(configuration).get("__hypothesis_home_directory")
    with tempfile.TemporaryDirectory(prefix="kl-audit-check-") as folder:
        configuration.set_hypothesis_home_dir(folder)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(previous)


def _search(call: _Caller, spread: str, reduction: str, max_examples: int, seed: int | None):
    """Sweep every shape once, then run hypothesis; return the shrunk failing (case, got) or None.

    When the sweep meets a failure, hypothesis searches and shrinks at that shape (the smallest that fails);
    otherwise over every shape.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as fix_seed
    from hypothesis.errors import Flaky

    failures: list[tuple[_Case, np.ndarray]] = []

    def trial(mu: np.ndarray, logvar: np.ndarray) -> bool:
        case = _Case.from_logvar(mu, logvar, spread)
        got = call(case.mu, case.x)
        if case.mu.shape[0] > 1 and (got.ndim == 0) != REDUCTIONS[reduction][2]:
            raise CheckInputError(f"{call.name} returned shape {got.shape} for {_describe(case.mu)}, but "
                                  f"{'a scalar' if REDUCTIONS[reduction][2] else 'a vector'} on the fixed inputs")
        if _compare(got, case, reduction)[0]:
            return True
        failures.append((case, got))
        return False

    shape = next((mu.shape for mu, logvar in _sweep_inputs(seed) if not trial(mu, logvar)), None)

    @settings(max_examples=max_examples, database=None, deadline=None, derandomize=seed is None,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck),
              report_multiple_bugs=False, print_blob=False, verbosity=Verbosity.quiet)
    @given(_generated_inputs(shape))
    def agrees(inputs):
        if not trial(*inputs):
            raise AssertionError("differs from the closed form")

    if seed is not None:
        agrees = fix_seed(seed)(agrees)
    try:
        with _hypothesis_files_elsewhere():
            agrees()
    except AssertionError:
        return failures[-1]
    except Flaky:
        raise CheckInputError(f"{call.name} gives different results for the same input") from None
    return failures[-1] if failures else None


def check_kl(fn: Callable, spread: str = "logvar", *, backend: str | None = None, max_examples: int = 200,
             seed: int | None = None, name: str | None = None) -> CheckResult:
    """Check ``fn(mu, spread)`` against KL(N(mu, diag σ²) || N(0, I)) derived by :mod:`proofs`.

    Parameters
    ----------
    fn : callable
        ``fn(mu, x)`` with ``mu`` and ``x`` of shape (B, d), float64 (numpy arrays or torch tensors);
        returns the KL in nats summed over everything (scalar), the batch mean of per-example sums
        (scalar) or per-example sums (shape (B,)).
    spread : {"logvar", "var", "std", "logstd"}
        What ``x`` holds: log σ², σ², σ or log σ.
    backend : {"auto", "numpy", "torch"} or None
        The array type passed; None or "auto": numpy, and torch tensors if ``fn`` fails on numpy input.
    max_examples : int
        Generated inputs, 1 to 10,000 (besides five fixed probes); shrinking adds calls.
    seed : int or None
        Seed of the generated inputs; None: derandomized (the same inputs every run).
    name : str or None
        The function's name in messages (default: its ``__name__``).

    Returns
    -------
    CheckResult

    Raises
    ------
    CheckInputError
        ``fn`` raises, returns NaN or infinity on a fixed probe, or a value of the wrong shape or type.
    ValueError
        An argument is out of range; the message names it.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if spread not in SPREAD_NAMES:
        raise ValueError(f"spread must be one of {', '.join(SPREADS)}; got {spread!r}")
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or not 1 <= max_examples <= MAX_EXAMPLES:
        raise ValueError(f"max_examples must be an integer from 1 to {MAX_EXAMPLES}; got {max_examples!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"seed must be a nonnegative integer or None; got {seed!r}")
    name = name or getattr(fn, "__name__", "function")

    cases = [_Case.from_logvar(mu, lv, spread) for mu, lv in _PROBES]
    call, first = _pick_backend(fn, name, backend or "auto", cases[0].mu, cases[0].x)
    results = [(cases[0], first)] + [(c, call(c.mu, c.x)) for c in cases[1:]]
    for case, got in results:
        if not np.all(np.isfinite(got)):
            same = [f"; '{v.name}' gives the same values: {v.mistake}" for v in _reproduce_nonfinite(results, spread)]
            raise CheckInputError(f"{name} returned {_as_list(got)} for finite inputs ({_describe(case.mu)}, "
                                  f"mu = {case.mu.tolist()}, {spread} = {case.x.tolist()}){''.join(same)}")
    reduction = _detect_reduction(first, cases[0], spread)
    scalar = REDUCTIONS[reduction][2]
    for case, got in results:
        if case.mu.shape[0] > 1 and (got.ndim == 0) != scalar:
            raise CheckInputError(f"{name} returned shape {got.shape} for {_describe(case.mu)} but shape "
                                  f"{first.shape} for mu of shape {cases[0].mu.shape}")

    failure = next(((c, g) for c, g in results if not _compare(g, c, reduction)[0]), None)
    found = _search(call, spread, reduction, max_examples, seed)
    failure = found or failure
    if failure is None:
        return CheckResult(True, reduction, spread, call.backend, call.calls, name=name)
    case, got = failure
    evidence = results + ([failure] if np.all(np.isfinite(got)) else [])
    matched = _diagnose(evidence, reduction, spread)
    expected = _compare(got, case, reduction)[1]
    example = Counterexample(case.mu.tolist(), case.x.tolist(), _as_list(expected), _as_list(got))
    return CheckResult(False, reduction, spread, call.backend, call.calls, example,
                       [v.name for v in matched], [v.mistake for v in matched], name=name)


def _format(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    return repr(float(f"{value:.10g}")) if math.isfinite(value) else str(value)


def render_text(result: CheckResult) -> list[str]:
    """The report as lines of text: verdict, reduction, and for a failure the counterexample and diagnosis."""
    head = f"{result.name} (second argument: {SPREAD_NAMES[result.spread]}, {result.backend} input)"
    description = REDUCTIONS[result.reduction][0]
    if result.passed:
        return [f"PASS: {head} equals KL(N(mu, diag sigma^2) || N(0, I)) on {result.examples} inputs",
                f"reduction: {description}"]
    ce = result.counterexample
    lines = [f"FAIL: {head} is not KL(N(mu, diag sigma^2) || N(0, I))",
             f"reduction: {description}",
             f"counterexample (after shrinking, {result.examples} inputs tried), B = {len(ce.mu)}, d = {len(ce.mu[0])}:",
             f"  mu = {_format(ce.mu)}",
             f"  {result.spread} = {_format(ce.spread)}",
             f"  expected {_format(ce.expected)}, got {_format(ce.got)}"]
    if not result.diagnosis:
        lines.append("diagnosis: matches no known variant")
    for variant, mistake in zip(result.diagnosis, result.mistakes):
        lines.append(f"diagnosis: {variant}: {mistake}")
    return lines


# --- loading a function named on the command line ----------------------------------------------
def load_function(target: str) -> tuple[Callable, str]:
    """The callable named by ``PATH.py:FUNC`` or ``package.module:FUNC``, and that name.

    Raises
    ------
    CheckInputError
        The target is malformed, the file or module is missing or fails to import, or it has no such
        callable; the message repeats the target.
    """
    import importlib
    import importlib.util
    import os
    import sys
    from pathlib import Path

    source, sep, attr = target.rpartition(":")
    if not sep or not source or not attr:
        raise CheckInputError(f"expected PATH.py:FUNC or package.module:FUNC, got {target!r}")
    is_file = source.endswith(".py") or os.sep in source or "/" in source
    added = None
    try:
        if is_file:
            path = Path(source)
            if not path.is_file():
                raise CheckInputError(f"no such file: {source!r}")
            added = str(path.resolve().parent)
            sys.path.insert(0, added)
            spec = importlib.util.spec_from_file_location(f"_kl_check_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # as an import would: dataclasses and pickling look it up
            bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ beside it
            try:
                with _user_output_to_stderr():
                    spec.loader.exec_module(module)
            finally:
                sys.dont_write_bytecode = bytecode
        else:
            added = os.getcwd()
            sys.path.insert(0, added)
            with _user_output_to_stderr():
                module = importlib.import_module(source)
    except CheckInputError:
        raise
    except ModuleNotFoundError as exc:
        if not is_file and exc.name and (source + ".").startswith(exc.name + "."):
            raise CheckInputError(f"no module named {source!r}") from None
        raise CheckInputError(f"importing {source!r} raised ModuleNotFoundError: {exc}") from None
    except (Exception, SystemExit) as exc:
        message = " ".join(str(exc).split()) or "no message"
        raise CheckInputError(f"importing {source!r} raised {type(exc).__name__}: {message}") from None
    finally:
        if added is not None and added in sys.path:
            sys.path.remove(added)
    fn = module
    for part in attr.split("."):
        fn = getattr(fn, part, None)
        if fn is None:
            names = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
                           and getattr(v, "__module__", None) == module.__name__)
            known = f"; it defines: {', '.join(names)}" if names else ""
            raise CheckInputError(f"{source!r} has no function {attr!r}{known}")
    if not callable(fn):
        raise CheckInputError(f"{source}:{attr} is a {type(fn).__name__}, not a function")
    return fn, attr
