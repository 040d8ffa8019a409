"""Numerical routes to the same quantities as ``proofs``: closed forms, mixtures, the script.

One module per method: :mod:`~numeric.gaussian` (closed forms), :mod:`~numeric.mixture`
(the mixture and the prior), :mod:`~numeric.moments`, :mod:`~numeric.density`,
:mod:`~numeric.montecarlo`, :mod:`~numeric.quadrature`, :mod:`~numeric.bounds`,
:mod:`~numeric.encodings` (the decomposition of a VAE's KL term) and
:mod:`~numeric.script` (the 2016 script).  ``numeric`` imports neither sympy nor ``proofs``.
"""

from .bounds import BoundsEstimate, pairwise_bhattacharyya, pairwise_bounds, pairwise_bounds_sampled, pairwise_kl
from .density import log_density, log_density_ratio, log_prior
from .encodings import Decomposition, decompose, linear_vae_encodings
from .estimate import Estimate
from .gaussian import entropy_diag, kl_diag, kl_diag_standard, kl_full_standard, ratio_term
from .mixture import DiagonalMixture, Prior, avg_kl, entropy_of_weights
from .moments import mixture_moments, moment_matched_kl, moments
from .montecarlo import (kl_monte_carlo, kl_monte_carlo_batch, mutual_information, mutual_information_monte_carlo)
from .quadrature import kl_quadrature_1d, mutual_information_quadrature_1d
from .script import ScriptTrials, draw_components, reproduce, script_estimate

__all__ = [
    "BoundsEstimate", "Decomposition", "DiagonalMixture", "Estimate", "Prior", "ScriptTrials", "avg_kl", "decompose",
    "draw_components", "entropy_diag", "entropy_of_weights", "kl_diag", "kl_diag_standard", "kl_full_standard",
    "kl_monte_carlo", "kl_monte_carlo_batch", "kl_quadrature_1d", "linear_vae_encodings", "log_density",
    "log_density_ratio", "log_prior", "mixture_moments", "moment_matched_kl", "moments", "mutual_information",
    "mutual_information_monte_carlo", "mutual_information_quadrature_1d", "pairwise_bhattacharyya", "pairwise_bounds",
    "pairwise_bounds_sampled", "pairwise_kl", "ratio_term", "reproduce", "script_estimate",
]
