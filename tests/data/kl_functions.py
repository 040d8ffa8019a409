"""KL functions as VAE code writes them, right and wrong, for ``kl-audit check`` (numpy only)."""

import numpy as np


def kl_sum(mu, logvar):
    """The classic term, summed over everything."""
    return -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar))


def kl_keras(mu, logvar):
    """Keras style: per-example sums, then the batch mean."""
    kl = -0.5 * np.sum(1 + logvar - np.square(mu) - np.exp(logvar), axis=-1)
    return np.mean(kl)


def kl_sign_flipped(mu, logvar):
    """The sign of mu^2 flipped."""
    return -0.5 * np.sum(1 + logvar + mu**2 - np.exp(logvar))


def kl_mean(mu, logvar):
    """Averages over the latent dimensions too."""
    return -0.5 * np.mean(1 + logvar - mu**2 - np.exp(logvar))


def kl_raises(mu, logvar):
    raise ValueError("expected a torch.Tensor")


def kl_nan(mu, logvar):
    return np.sum(np.log(mu))


def kl_unreduced(mu, logvar):
    return -0.5 * (1 + logvar - mu**2 - np.exp(logvar))


def kl_text(mu, logvar):
    return "0.5"


NOT_A_FUNCTION = 3
