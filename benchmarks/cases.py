"""The measured cases.  Each ``setup_*`` builds inputs; the returned callable is what is timed."""

from __future__ import annotations

import time

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


def _vae_mixture(n, d):
    """VAE-like encodings: half the dimensions active (means ~ N(0, 1), logvar ~ N(-3, 0.5)), the rest near the prior."""
    rng = np.random.default_rng(3)
    active = rng.random(d) < 0.5
    m = rng.normal(size=(n, d)) * np.where(active, 1.0, 0.05)
    lv = np.where(active, rng.normal(-3, 0.5, (n, d)), rng.normal(0, 0.05, (n, d)))
    return m, np.exp(lv), np.full(n, 1.0 / n)


MIXTURES = {"bench": _mixture, "vae": _vae_mixture}


def setup_mc_ours(n, d, s, kind="bench"):
    from numeric import DiagonalMixture, kl_monte_carlo

    m, v, w = MIXTURES[kind](n, d)
    mix = DiagonalMixture.create(m, v, weights=w)
    return lambda: kl_monte_carlo(mix, s, np.random.default_rng(2)).value


def torch_expert_kl(m, v, w, s, dtype, seed=2, chunk=1024):
    """KL(q̄ || p) as an expert writes it in torch: two matrix products and ``logsumexp`` per chunk of draws."""
    import torch

    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(seed)
    means, var = torch.tensor(m, dtype=dtype), torch.tensor(v, dtype=dtype)
    n, d = means.shape
    inv = 1.0 / var
    quad_coef, lin_coef = (-0.5 * inv).T.contiguous(), (means * inv).T.contiguous()
    const = (torch.tensor(np.log(w), dtype=dtype)
             - 0.5 * (d * np.log(2 * np.pi) + torch.log(var).sum(1) + (means * means * inv).sum(1)))
    comp = torch.multinomial(torch.tensor(w), s, replacement=True, generator=gen)
    total = 0.0
    with torch.no_grad():
        for start in range(0, s, chunk):
            c = comp[start:start + chunk]
            z = means[c] + var[c].sqrt() * torch.randn(c.shape[0], d, generator=gen, dtype=dtype)
            logq = torch.logsumexp(torch.addmm(const, z * z, quad_coef) + z @ lin_coef, dim=1)
            logp = -0.5 * (d * np.log(2 * np.pi) + (z * z).sum(1))
            total += float((logq - logp).sum())
    return total / s


def setup_mc_torch_expert(n, d, s, kind="bench", precision="float64"):
    import torch

    m, v, w = MIXTURES[kind](n, d)
    dtype = getattr(torch, precision)
    return lambda: torch_expert_kl(m, v, w, s, dtype)


def floor_seconds(n, d, s, repeats=3, with_cpu=False):
    """The floor of any exact-log-density estimate, timed with numpy on every core.

    One matrix product [z², z] · coefficients (4·S·N·d flops) and one ``exp`` over S x N
    values in the normal range, each in the cache-sized blocks that ours uses; the best of
    ``repeats`` for each part.  ``with_cpu``: also the CPU seconds of all threads (best of ``repeats``),
    which a loaded machine disturbs less than the wall time.
    """
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(5)
    rows, cols, threads = 256, 1024, 2
    left = rng.normal(size=(s, 2 * d))
    coef = rng.normal(size=(2 * d, n))
    values = rng.uniform(-700.0, 0.0, (rows, cols))

    def product(start):
        buf = np.empty((rows, cols))
        for c in range(0, n, cols):
            blk = coef[:, c:c + cols]
            np.matmul(left[start:start + rows], blk, out=buf[:min(rows, s - start), :blk.shape[1]])

    def exponential(start):
        buf = np.empty((rows, cols))
        for c in range(0, n, cols):
            np.exp(values[:min(rows, s - start), :min(cols, n - c)], out=buf[:min(rows, s - start), :min(cols, n - c)])

    best, best_cpu = {}, {}
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
        for part in (product, exponential):
            times, cpu = [], []
            for _ in range(repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                list(pool.map(part, range(0, s, rows)))
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            best[part.__name__] = min(times)
            best_cpu[part.__name__] = min(cpu)
    if with_cpu:
        return best["product"] + best["exponential"], best_cpu["product"] + best_cpu["exponential"]
    return best["product"] + best["exponential"]


def setup_mc_race(n, d, s, kind="bench", repeats=3):
    """Ours, expert torch in float64 and float32, and the floor, interleaved in one process: best of ``repeats``."""
    from numeric import DiagonalMixture, kl_monte_carlo

    m, v, w = MIXTURES[kind](n, d)
    mix = DiagonalMixture.create(m, v, weights=w)
    contenders = {"ours": lambda: kl_monte_carlo(mix, s, np.random.default_rng(2)).value}
    try:
        import torch

        contenders["torch_f64"] = lambda: torch_expert_kl(m, v, w, s, torch.float64)
        contenders["torch_f32"] = lambda: torch_expert_kl(m, v, w, s, torch.float32)
    except ImportError:
        pass

    def run():
        times = {k: [] for k in contenders}
        cpu = {k: [] for k in contenders}
        floors, floors_cpu = [], []
        for _ in range(repeats):
            for key, f in contenders.items():
                t0, c0 = time.perf_counter(), time.process_time()
                f()
                times[key].append(time.perf_counter() - t0)
                cpu[key].append(time.process_time() - c0)
            wall, cpu_s = floor_seconds(n, d, s, repeats=1, with_cpu=True)
            floors.append(wall)
            floors_cpu.append(cpu_s)
        out = {k: min(t) for k, t in times.items()}
        out.update({f"{k}_cpu": min(t) for k, t in cpu.items()})
        out["floor_cpu"] = min(floors_cpu)
        out["floor"] = min(floors)
        return out
    return run


def setup_mc_torch(n, d, s, kind="bench"):
    import torch
    from torch import distributions as D

    torch.set_num_threads(2)
    m, v, w = MIXTURES[kind](n, d)
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


def setup_mc_sklearn(n, d, s, kind="bench"):
    from sklearn.mixture import GaussianMixture

    m, v, w = MIXTURES[kind](n, d)
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


def _write_encodings(folder, n, d, block=50_000):
    """VAE-like means.npy and logvar.npy of shape (n, d), written a block at a time (never whole in memory)."""
    from numpy.lib.format import open_memmap

    rng = np.random.default_rng(3)
    active = rng.random(d) < 0.5
    means = open_memmap(folder / "means.npy", mode="w+", dtype=np.float64, shape=(n, d))
    logvar = open_memmap(folder / "logvar.npy", mode="w+", dtype=np.float64, shape=(n, d))
    for start in range(0, n, block):
        k = min(block, n - start)
        means[start:start + k] = rng.normal(size=(k, d)) * np.where(active, 1.0, 0.05)
        logvar[start:start + k] = np.where(active, rng.normal(-3, 0.5, (k, d)), rng.normal(0, 0.05, (k, d)))
    means.flush()
    logvar.flush()
    del means, logvar


def setup_encodings_cli(n, d, samples):
    """``kl-audit encodings`` on a generated .npy pair (N x d, float64) in a temporary folder, as a user runs it.

    Returns the wall time and the command's peak resident memory (the child's ``ru_maxrss``,
    which counts the memory-mapped input pages it touched).
    """
    import resource
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="kl-audit-bench-"))
    _write_encodings(folder, n, d)
    root = Path(__file__).resolve().parents[1]

    def run():
        out = folder / "report"
        if out.exists():
            shutil.rmtree(out)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "kl_audit", "encodings", str(folder / "means.npy"),
                               str(folder / "logvar.npy"), "--spread", "logvar", "--samples", str(samples),
                               "-o", str(out), "--quiet"], cwd=root, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        return {"seconds": seconds, "peak_bytes": peak, "stderr": proc.stderr.strip()[-400:]}

    import atexit

    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return run


def setup_dimwise_stage(n, d):
    """The encodings report's dimension-wise stage on a memory-mapped VAE-like .npy pair: KL(q̄_j || p_j) for every
    dimension j by quadrature, as :func:`numeric.decompose` runs it, beside ``kl_audit.cost``'s prediction.

    Returns the seconds of the stage, per dimension (active and near-prior dimensions apart), the prediction,
    the largest reported error, and the load average before and after (the machine may be shared).
    """
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from kl_audit.cost import estimate_encodings_cost
    from numeric import DiagonalMixture, kl_quadrature_1d

    folder = Path(tempfile.mkdtemp(prefix="kl-audit-bench-"))
    _write_encodings(folder, n, d)
    means = np.load(folder / "means.npy", mmap_mode="r")
    mix = DiagonalMixture.create(means, logvar=np.load(folder / "logvar.npy", mmap_mode="r"))
    active = np.asarray(means[:1000]).std(axis=0) > 0.5

    def run():
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        predicted = estimate_encodings_cost(mix, n_samples=1_000, max_bound_rows=8).dimensionwise
        probe = time.perf_counter() - t0
        per_dim, errors = [], []
        t0 = time.perf_counter()
        for j in range(d):
            t1 = time.perf_counter()
            _, err = kl_quadrature_1d(mix.weights, mix.means[:, j], mix.variances[:, j])
            per_dim.append(time.perf_counter() - t1)
            errors.append(float(err))
        seconds = time.perf_counter() - t0
        per_dim = np.array(per_dim)
        return {"seconds": seconds, "predicted": predicted, "probe_seconds": probe,
                "active_per_dim": float(per_dim[active].mean()) if active.any() else None,
                "near_prior_per_dim": float(per_dim[~active].mean()) if (~active).any() else None,
                "max_error": max(errors), "load_before": load, "load_after": os.getloadavg()[0]}

    import atexit

    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return run


SCALING_N = [1_000, 2_000, 5_000, 10_000, 20_000, 40_000]
SCALING_S = [1_000, 2_000, 5_000, 10_000, 20_000, 40_000]


def setup_mc_scaling(d=32, n_fixed=10_000, s_fixed=10_000, repeats=2):
    """Time of our Monte Carlo KL against N (S fixed) and against S (N fixed), best of ``repeats``."""
    from numeric import DiagonalMixture, kl_monte_carlo

    def best(n, s):
        m, v, w = _mixture(n, d)
        mix = DiagonalMixture.create(m, v, weights=w)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            kl_monte_carlo(mix, s, np.random.default_rng(2))
            times.append(time.perf_counter() - t0)
        return min(times)

    def run():
        return {"d": d, "n_fixed": n_fixed, "s_fixed": s_fixed,
                "by_n": [[n, best(n, s_fixed)] for n in SCALING_N],
                "by_s": [[s, best(n_fixed, s)] for s in SCALING_S]}
    return run


def setup_stages(n, d, samples):
    """The stages of ``kl-audit encodings`` timed one by one (:mod:`benchmarks.stages`) on a generated VAE-like
    .npy pair, beside the whole prediction of ``kl_audit.cost``; returns both."""
    import shutil
    import tempfile
    from pathlib import Path

    from benchmarks.stages import stage_times
    from kl_audit.cost import estimate_encodings_cost
    from kl_audit.inputs import read_encodings

    folder = Path(tempfile.mkdtemp(prefix="kl-audit-bench-"))
    _write_encodings(folder, n, d)

    def run():
        files = [folder / "means.npy", folder / "logvar.npy"]
        est = estimate_encodings_cost(read_encodings(files, spread="logvar"), n_samples=samples, max_bound_rows=2048)
        rows = stage_times(*files, n_samples=samples)
        return {"stages": rows, "predicted": {k: getattr(est, k) for k in
                                              ("monte_carlo", "total_correlation", "bounds", "dimensionwise", "setup")},
                "predicted_total": est.total}

    import atexit

    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return run


CASES = {
    "reproduce_ours": setup_reproduce_ours, "reproduce_loop": setup_reproduce_loop, "rng_floor": setup_rng_floor,
    "mc_ours": setup_mc_ours, "mc_torch": setup_mc_torch, "mc_sklearn": setup_mc_sklearn,
    "bounds_ours": setup_bounds_ours, "proof_check": setup_proof_check, "encodings_scale": setup_encodings_scale,
    "mc_torch_expert": setup_mc_torch_expert, "mc_race": setup_mc_race, "encodings_cli": setup_encodings_cli,
    "mc_scaling": setup_mc_scaling, "dimwise_stage": setup_dimwise_stage, "stages": setup_stages,
}
