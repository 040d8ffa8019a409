"""The derived KL term as a numpy function, and a registry of the ways VAE code gets it wrong.

The reference is the conclusion of the theorem ``kl_diagonal`` of :mod:`proofs`,
KL(N(m, diag v) || N(0, I)) = ½ Σ_j (v_j + m_j² − 1 − log v_j), turned into a
numpy function with ``sympy.lambdify``; its terms are never retyped here.

Each :class:`Variant` is one known mistake: a short function computing what
the mistaken code computes, per latent coordinate, with a docstring naming the
mistake. ``kl_two`` variants are wrong closed forms of the one-dimensional
KL(N(m1, v1) || N(m2, v2)) (the property tests feed the same functions to their
checks); spread variants read the second argument in the wrong parametrization;
``averages over latent dimensions`` divides the KL by d (a mean where a sum belongs).

Spreads (what the second argument of a KL function holds):

========  ================================  ===================
name      meaning                           variance v
========  ================================  ===================
logvar    log-variance, log σ²              exp(x)
var       variance, σ²                      x
std       standard deviation, σ             x²
logstd    log standard deviation, log σ     exp(2x)
========  ================================  ===================
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "SPREADS",
    "SPREAD_NAMES",
    "VARIANTS",
    "Variant",
    "from_logvar",
    "reference_scale",
    "reference_terms",
    "to_variance",
    "variants_for",
]

#: Human names of the spreads.
SPREAD_NAMES = {"logvar": "log-variance", "var": "variance", "std": "std", "logstd": "log-std"}
SPREADS = tuple(SPREAD_NAMES)

_TO_VARIANCE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "logvar": np.exp,
    "var": lambda x: x,
    "std": np.square,
    "logstd": lambda x: np.exp(2 * x),
}
_FROM_LOGVAR: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "logvar": lambda lv: lv,
    "var": np.exp,
    "std": lambda lv: np.exp(lv / 2),
    "logstd": lambda lv: lv / 2,
}


def _spread(spread: str) -> str:
    if spread not in SPREAD_NAMES:
        raise ValueError(f"spread must be one of {', '.join(SPREADS)}; got {spread!r}")
    return spread


def to_variance(x: np.ndarray, spread: str) -> np.ndarray:
    """The variance σ² held by ``x`` in the parametrization ``spread`` (same shape as ``x``)."""
    with np.errstate(all="ignore"):
        return _TO_VARIANCE[_spread(spread)](np.asarray(x, dtype=np.float64))


def from_logvar(logvar: np.ndarray, spread: str) -> np.ndarray:
    """The array in parametrization ``spread`` that holds the variance exp(``logvar``)."""
    return _FROM_LOGVAR[_spread(spread)](np.asarray(logvar, dtype=np.float64))


# --- the reference, from the proved theorem -------------------------------------------------------
@functools.cache
def _derived() -> tuple[Callable, Callable, Callable]:
    """Lambdified (coordinate term, sum of its absolute terms, 1-D two-Gaussian KL), built once."""
    import sympy as sp

    from proofs import theorem

    rhs = theorem("kl_diagonal").conclusion.rhs            # ½ Σ_j (v_j + m_j² − 1 − log v_j)
    sums = list(rhs.atoms(sp.Sum))
    if len(sums) != 1:
        raise RuntimeError(f"kl_diagonal's conclusion is not a single sum over coordinates: {rhs}")
    term = rhs.subs(sums[0], sums[0].function)              # the coordinate term
    indexed = {i.base.label.name: i for i in term.atoms(sp.Indexed)}
    if set(indexed) != {"m", "v"}:
        raise RuntimeError(f"kl_diagonal's coordinate term has symbols {sorted(indexed)}, expected m and v")
    m, v = sp.symbols("m v", real=True)
    term = term.subs({indexed["m"]: m, indexed["v"]: v})
    magnitude = sp.Add(*(sp.Abs(t) for t in sp.Add.make_args(sp.expand(term))))
    two = theorem("kl_two_gaussians").conclusion.rhs        # KL(N(mu_1, sigma_1²) || N(mu_2, sigma_2²))
    names = {s.name: s for s in two.free_symbols}
    wanted = ("mu_1", "sigma_1", "mu_2", "sigma_2")
    if set(names) != set(wanted):
        raise RuntimeError(f"kl_two_gaussians' conclusion has symbols {sorted(names)}, expected {', '.join(wanted)}")
    two_args = [names[n] for n in wanted]
    return (sp.lambdify((m, v), term, "numpy"), sp.lambdify((m, v), magnitude, "numpy"),
            sp.lambdify(two_args, two, "numpy"))


def reference_terms(mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """KL(N(mu_j, var_j) || N(0, 1)) per coordinate, from the derived closed form.

    Parameters
    ----------
    mu, var : ndarray, shape (B, d)
        Means and variances (nats result, same shape).
    """
    with np.errstate(all="ignore"):
        return np.asarray(_derived()[0](mu, var), dtype=np.float64) + np.zeros(np.shape(mu))


def reference_scale(mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """The sum of the absolute values of the closed form's terms per coordinate, shape (B, d).

    Rounding in float64 of the reference and of a correct implementation is a few machine
    epsilons of this sum, whatever the cancellation between the terms.
    """
    with np.errstate(all="ignore"):
        return np.asarray(_derived()[1](mu, var), dtype=np.float64) + np.zeros(np.shape(mu))


def _kl_two_derived(m1, v1, m2, v2):
    with np.errstate(all="ignore"):
        return _derived()[2](m1, np.sqrt(v1), m2, np.sqrt(v2))


# --- the registry ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    """A known wrong KL term.

    Attributes
    ----------
    name : str
        Short name, the registry key.
    mistake : str
        What the code does wrong, as the diagnosis prints it.
    terms : callable
        ``terms(mu, x, spread) -> (B, d)``: what the mistaken code computes per coordinate, for
        means ``mu`` and the second argument ``x`` in the declared ``spread`` (both (B, d)).
    kl_two : callable or None
        For a wrong closed form, the mistaken KL(N(m1, v1) || N(m2, v2)) in one dimension.
    spread : str or None
        The declared spread the variant applies to (None: every spread).
    """

    name: str
    mistake: str
    terms: Callable[[np.ndarray, np.ndarray, str], np.ndarray]
    kl_two: Callable | None = None
    spread: str | None = None


VARIANTS: dict[str, Variant] = {}


def _closed_form(name: str) -> Callable[[Callable], Callable]:
    """Register a wrong one-dimensional closed form; its docstring is the mistake."""

    def register(kl_two: Callable) -> Callable:
        def terms(mu, x, spread):
            with np.errstate(all="ignore"):
                return np.asarray(kl_two(mu, to_variance(x, spread), 0.0, 1.0), dtype=np.float64)

        VARIANTS[name] = Variant(name, " ".join(kl_two.__doc__.split()), terms, kl_two)
        return kl_two

    return register


def _ratio(v1, v2):
    return np.asarray(v1, dtype=np.float64) / np.asarray(v2, dtype=np.float64)


@_closed_form("sign of mu^2 flipped")
def sign_of_mean_term(m1, v1, m2, v2):
    """the mean term enters with the wrong sign: ½(v − mu² − 1 − log v)"""
    r = _ratio(v1, v2)
    return 0.5 * (r - 1 - np.log(r) - (np.asarray(m1) - m2) ** 2 / v2)


@_closed_form("lost 1/2")
def lost_half(m1, v1, m2, v2):
    """the factor ½ is missing: v + mu² − 1 − log v, twice the KL"""
    r = _ratio(v1, v2)
    return r - 1 - np.log(r) + (np.asarray(m1) - m2) ** 2 / v2


@_closed_form("log sigma where log sigma^2 belongs")
def log_sigma_for_log_variance(m1, v1, m2, v2):
    """log σ where log σ² belongs: ½(v + mu² − 1 − ½ log v)"""
    r = _ratio(v1, v2)
    return 0.5 * (r - 1 - 0.5 * np.log(r) + (np.asarray(m1) - m2) ** 2 / v2)


@_closed_form("the -1 dropped")
def minus_one_dropped(m1, v1, m2, v2):
    """the constant −1 per coordinate is dropped: ½(v + mu² − log v), off by d/2 per example"""
    r = _ratio(v1, v2)
    return 0.5 * (r - np.log(r) + (np.asarray(m1) - m2) ** 2 / v2)


@_closed_form("sign of log sigma^2 flipped")
def sign_of_log_term(m1, v1, m2, v2):
    """the log-variance term enters with the wrong sign: ½(v + mu² − 1 + log v)"""
    r = _ratio(v1, v2)
    return 0.5 * (r - 1 + np.log(r) + (np.asarray(m1) - m2) ** 2 / v2)


@_closed_form("KL(p||q) instead of KL(q||p)")
def reversed_kl(m1, v1, m2, v2):
    """the divergence is reversed, KL(N(0, 1) || q) = ½(1/v + mu²/v − 1 + log v) instead of KL(q || N(0, 1))"""
    return _kl_two_derived(m2, v2, m1, v1)


def _spread_mixup(declared: str, assumed: str) -> Variant:
    def terms(mu, x, spread):
        return reference_terms(mu, to_variance(x, assumed))

    name = f"{SPREAD_NAMES[declared]} passed where {SPREAD_NAMES[assumed]} is expected"
    mistake = (f"the second argument holds the {SPREAD_NAMES[declared]}, but the formula reads it as the "
               f"{SPREAD_NAMES[assumed]}")
    return Variant(name, mistake, terms, spread=declared)


# A variance reading of a log-variance or log-std takes the log of negative numbers: NaN wherever the
# argument is negative (the check reports the NaN, naming the variant that reproduces it).
for _declared in SPREADS:
    for _assumed in SPREADS:
        if _assumed != _declared:
            _v = _spread_mixup(_declared, _assumed)
            VARIANTS[_v.name] = _v


def _mean_over_dimensions(mu, x, spread):
    return reference_terms(mu, to_variance(x, spread)) / np.shape(mu)[-1]


VARIANTS["averages over latent dimensions"] = Variant(
    "averages over latent dimensions",
    "divides the KL by d, reweighting it against the reconstruction term",
    _mean_over_dimensions,
)


def variants_for(spread: str) -> tuple[Variant, ...]:
    """The registered variants that apply to a function whose second argument is ``spread``."""
    _spread(spread)
    return tuple(v for v in VARIANTS.values() if v.spread in (None, spread))
