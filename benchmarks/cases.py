"""The measured cases.  Each ``setup_*`` builds inputs; the returned callable is what is timed."""

from __future__ import annotations

import numpy as np

__all__ = ["CASES"]


# --- the reproduction ----------------------------------------------------------------

def setup_reproduce_ours(trials, d, n, k):
    from numeric import reproduce

    return lambda: reproduce(d=d, n=n, k=k, iterations=trials, seed=0)


def setup_reproduce_loop(trials, d, n, k):
    """The script ported line by line: one trial at a time, mvnrnd as multivariate_normal."""
    def run():
        rng = np.random.default_rng(0)
        out = np.empty((2, trials))
        kl = lambda m, v: 0.5 * np.sum(v + m**2 - 1 - np.log(v))  # noqa: E731
        for it in range(trials):
            means = rng.standard_normal((d, n))
            variances = 0.1 + 2 * rng.random((d, n))
            samps = np.concatenate([rng.multivariate_normal(means[:, i], np.diag(variances[:, i]), k).T
                                    for i in range(n)], axis=1)
            mu = samps.mean(axis=1)
            cov = np.atleast_2d(np.cov(samps))
            out[0, it] = kl(mu, np.diag(cov))
            out[1, it] = np.mean([kl(means[:, i], variances[:, i]) for i in range(n)])
        return out
    return run


def setup_rng_floor(trials, d, n, k):
    """Drawing the same count of standard normals, nothing else."""
    return lambda: np.random.default_rng(0).standard_normal(trials * n * k * d)


# --- the mixture Monte Carlo KL -------------------------------------------------------

def _mixture(n, d):
    rng = np.random.default_rng(1)
    return rng.normal(size=(n, d)), np.exp(rng.normal(-1, 0.5, (n, d))), np.full(n, 1.0 / n)


def setup_mc_ours(n, d, s):
    from numeric import DiagonalMixture, kl_monte_carlo

    m, v, w = _mixture(n, d)
    mix = DiagonalMixture.create(m, v, weights=w)
    return lambda: kl_monte_carlo(mix, s, np.random.default_rng(2)).value


def setup_mc_torch(n, d, s):
    import torch
    from torch import distributions as D

    torch.set_num_threads(2)
    m, v, w = _mixture(n, d)
    mix = D.MixtureSameFamily(D.Categorical(probs=torch.tensor(w)),
                              D.Independent(D.Normal(torch.tensor(m), torch.tensor(np.sqrt(v))), 1))
    prior = D.Independent(D.Normal(torch.zeros(d, dtype=torch.float64), torch.ones(d, dtype=torch.float64)), 1)
    chunk = max(1, (2**30) // (8 * n * d * 2))  # log_prob forms (chunk, N, d): keep it near 1 GiB

    def run():
        torch.manual_seed(2)
        total = 0.0
        with torch.no_grad():
            for start in range(0, s, chunk):   # sample() also forms (chunk, N, d): chunk it too
                zc = mix.sample((min(chunk, s - start),))
                total += float((mix.log_prob(zc) - prior.log_prob(zc)).sum())
        return total / s
    return run


def setup_mc_sklearn(n, d, s):
    from sklearn.mixture import GaussianMixture

    m, v, w = _mixture(n, d)
    gm = GaussianMixture(n_components=n, covariance_type="diag", random_state=2)
    gm.weights_, gm.means_, gm.covariances_ = w, m, v
    gm.precisions_cholesky_ = 1.0 / np.sqrt(v)

    def run():
        z, _ = gm.sample(s)
        logp = -0.5 * (d * np.log(2 * np.pi) + (z * z).sum(1))
        return float((gm.score_samples(z) - logp).mean())
    return run


# --- pairwise bounds and the proof check -------------------------------------------------

def setup_bounds_ours(n, d):
    from numeric import DiagonalMixture, pairwise_bounds

    m, v, w = _mixture(n, d)
    mix = DiagonalMixture.create(m, v, weights=w)
    pairwise_bounds(DiagonalMixture.create(m[:3], v[:3]))   # compile the kernel outside the timing
    return lambda: pairwise_bounds(mix)


def setup_proof_check():
    from proofs import check_all
    from proofs.checker import clear_cache

    def run():
        clear_cache()
        return len(check_all())
    return run


def setup_encodings_scale(n, d, samples):
    """The encodings report's computation for N encodings in d dimensions (issue: 60,000 x 64)."""
    from numeric import DiagonalMixture, decompose

    rng = np.random.default_rng(3)
    active = rng.random(d) < 0.5
    m = rng.normal(size=(n, d)) * np.where(active, 1.0, 0.05)
    lv = np.where(active, rng.normal(-3, 0.5, (n, d)), rng.normal(0, 0.05, (n, d)))
    mix = DiagonalMixture.create(m, logvar=lv)
    DiagonalMixture  # noqa: B018
    return lambda: decompose(mix, np.random.default_rng(4), n_samples=samples)


CASES = {
    "reproduce_ours": setup_reproduce_ours, "reproduce_loop": setup_reproduce_loop, "rng_floor": setup_rng_floor,
    "mc_ours": setup_mc_ours, "mc_torch": setup_mc_torch, "mc_sklearn": setup_mc_sklearn,
    "bounds_ours": setup_bounds_ours, "proof_check": setup_proof_check, "encodings_scale": setup_encodings_scale,
}
