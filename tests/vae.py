"""A small torch VAE (64 -> 32 -> latent, MLP) on scikit-learn's digits, trained on the CPU in about a second."""

from __future__ import annotations

import numpy as np

__all__ = ["digits", "train_vae", "encode_all"]


def digits():
    """scikit-learn's 1797 handwritten digits as float32 in [0, 1], shape (1797, 64)."""
    import torch
    from sklearn.datasets import load_digits

    return torch.as_tensor(load_digits().data / 16.0, dtype=torch.float32)


def make_vae(latent: int = 4, hidden: int = 32):
    import torch
    from torch import nn

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
            self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 64))

        def encode(self, x):
            mu, logvar = self.encoder(x).chunk(2, dim=1)
            return mu, logvar

        def loss(self, x, beta: float):
            """Negative β-ELBO per example: Bernoulli reconstruction + β · KL(q(z|x) || N(0, I))."""
            mu, logvar = self.encode(x)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            rec = nn.functional.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="sum") / x.shape[0]
            kl = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1).mean()
            return rec + beta * kl

    return VAE()


def train_vae(beta: float, *, epochs: int = 10, latent: int = 4, seed: int = 0, lr: float = 1e-2, batch: int = 128):
    """Train with Adam on all digits, on one CPU thread (tiny layers only lose to threading); returns the model in eval mode."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _train(beta, epochs, latent, seed, lr, batch)
    finally:
        torch.set_num_threads(threads)


def _train(beta, epochs, latent, seed, lr, batch):
    import torch

    torch.manual_seed(seed)
    x = digits()
    model = make_vae(latent)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(x.shape[0], generator=gen).split(batch):
            opt.zero_grad()
            model.loss(x[idx], beta).backward()
            opt.step()
    return model.eval()


def encode_all(model, monitor=None, batch: int = 256):
    """One evaluation pass: (mu, logvar) of every digit, fed batch by batch to ``monitor`` when given."""
    import torch

    x = digits()
    mus, logvars = [], []
    with torch.no_grad():
        for xb in x.split(batch):
            mu, logvar = model.encode(xb)
            if monitor is not None:
                monitor.update(mu, logvar)
            mus.append(mu)
            logvars.append(logvar)
    return torch.cat(mus), torch.cat(logvars)


def as_numpy(t) -> np.ndarray:
    return t.detach().cpu().double().numpy()
