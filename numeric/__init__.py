"""Numerical routes to the same quantities as ``proofs``: closed forms, mixtures, the script.

``numeric`` imports neither sympy nor ``proofs``.
"""

from .gaussian import entropy_diag, kl_diag, kl_diag_standard, kl_full_standard, ratio_term
from .mixture import (DiagonalMixture, Estimate, Prior, avg_kl, entropy_of_weights, kl_monte_carlo,
                      kl_monte_carlo_batch, kl_quadrature_1d, log_density, log_density_ratio, mixture_moments, moment_matched_kl,
                      moments, mutual_information, mutual_information_quadrature_1d, pairwise_bhattacharyya, pairwise_bounds, pairwise_kl)
from .encodings import (BoundsEstimate, Decomposition, decompose, linear_vae_encodings,
                        mutual_information_monte_carlo, pairwise_bounds_sampled)
from .script import ScriptTrials, draw_components, reproduce, script_estimate

__all__ = [
    "BoundsEstimate", "Decomposition", "decompose", "linear_vae_encodings", "mutual_information_monte_carlo",
    "pairwise_bounds_sampled",
    "DiagonalMixture", "Estimate", "Prior", "ScriptTrials", "avg_kl", "draw_components", "entropy_diag",
    "entropy_of_weights", "kl_diag", "kl_diag_standard", "kl_full_standard", "kl_monte_carlo",
    "kl_monte_carlo_batch", "kl_quadrature_1d", "log_density", "log_density_ratio", "mixture_moments", "moment_matched_kl", "moments",
    "mutual_information", "mutual_information_quadrature_1d", "pairwise_bhattacharyya", "pairwise_bounds", "pairwise_kl", "ratio_term", "reproduce",
    "script_estimate",
]
