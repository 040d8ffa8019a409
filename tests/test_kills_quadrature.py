"""numeric/quadrature.py: the blocks of the generic route, the plumbing of its parameters, batches and progress.

The generic (array API) route of the log-sums is run on numpy through a namespace that
records the index blocks it takes, and compared with the compiled kernel's sums: the
two are independent implementations of the same sums, so a wrong block boundary or a
lost panel shows as a difference, and the recorded blocks show the memory bound.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from numeric import kl_quadrature_1d, mutual_information_quadrature_1d, quadrature
from tests.extras import require

NODES = quadrature.quadrature_nodes()[0].size


class RecordingNumpy(SimpleNamespace):
    """numpy as an array namespace that records the length of every index block passed to ``take`` and the
    device named by every ``asarray`` (an array created without one would land on the library's default
    device, not necessarily the mixture's)."""

    def __init__(self) -> None:
        super().__init__(blocks=[], devices=[])

    def __getattr__(self, name):
        return getattr(np, name)

    def asarray(self, obj, dtype=None, device=None):
        self.devices.append(device)
        return np.asarray(obj, dtype=dtype)

    def take(self, a, idx, axis=0):
        self.blocks.append(len(idx))
        return np.take(a, idx, axis=axis)


def _block_of_rows(seed: int = 0, b: int = 3, n: int = 7):
    """B mixtures of N components, non-uniform weights, one zero weight, and panels spread over their rows."""
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(n), size=b)
    w[0, 2] = 0.0
    m, v = rng.normal(0, 2, (b, n)), np.exp(rng.normal(-1, 1, (b, n)))
    row = rng.integers(0, b, 11).astype(np.int64)
    left, half = rng.normal(0, 3, row.size), rng.uniform(0.05, 1.0, row.size)
    return quadrature._Rows.create(np, w, m, v), row, left, half


@pytest.mark.parametrize("moments", [False, True])
@pytest.mark.parametrize("per", [1, 2, 3, 11, 20])
def test_generic_log_sums_equal_the_kernels_in_blocks_no_larger_than_the_budget(per, moments):
    """Blocks of ``budget // (21 N)`` panels (at least one): the sums equal the compiled kernel's whatever the split."""
    mix, row, left, half = _block_of_rows()
    n = mix.m.shape[1]
    want_top, want = quadrature._log_sums(mix, row, left, half, mix.c, moments=moments)
    xp = RecordingNumpy()
    generic = quadrature._Rows(xp, *(getattr(mix, f) for f in ("w", "m", "v", "s", "h", "c", "lq", "live", "narrow",
                                                                  "c_max")))
    top, sums = quadrature._log_sums_xp(generic, row, left, half, mix.c, moments, budget=per * NODES * n)
    # the kernel shifts by an upper bound on the terms, the generic route by their maximum: compare what does not
    # depend on the shift, log Σ_i e^{a_i} = top + log sums[..., 0] and the weighted means of the moments
    np.testing.assert_allclose(top + np.log(sums[..., 0]), want_top + np.log(want[..., 0]), rtol=1e-13, atol=0)
    if moments:
        np.testing.assert_allclose(sums[..., 1:] / sums[..., :1], want[..., 1:] / want[..., :1], rtol=1e-11, atol=0)
    else:
        assert np.all(sums[..., 1:] == 0.0)
    blocks = xp.blocks[::4 if moments else 3]                 # m, h, c (and lq) are taken with the same block
    assert blocks == [min(per, row.size - start) for start in range(0, row.size, per)]
    assert xp.devices and set(xp.devices) == {"cpu"}          # the device of the mixture's (numpy) arrays


def test_a_budget_below_one_panel_still_takes_one_panel_at_a_time():
    mix, row, left, half = _block_of_rows(seed=1)
    xp = RecordingNumpy()
    generic = quadrature._Rows(xp, *(getattr(mix, f) for f in ("w", "m", "v", "s", "h", "c", "lq", "live", "narrow",
                                                                  "c_max")))
    top, sums = quadrature._log_sums_xp(generic, row, left, half, mix.c, False, budget=5)
    assert set(xp.blocks) == {1} and len(xp.blocks) == 3 * row.size
    want_top, want = quadrature._log_sums(mix, row, left, half, mix.c, moments=False)
    np.testing.assert_allclose(top + np.log(sums[..., 0]), want_top + np.log(want[..., 0]), rtol=1e-13, atol=0)


# --- batches, blocks of mixtures, progress -------------------------------------------------------

def _mixtures(seed: int, shape: tuple[int, ...], n: int):
    """Mixtures of N components with non-uniform weights, means off the origin and spread variances."""
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(n), size=shape)
    return w, rng.normal(0.5, 2.0, shape + (n,)), np.exp(rng.normal(-1.0, 1.0, shape + (n,)))


def test_a_batch_gives_each_mixtures_own_value_and_error():
    w, m, v = _mixtures(0, (2, 3), 4)
    prior = quadrature.Prior(0.3, 2.0)
    value, error = kl_quadrature_1d(w, m, v, prior=prior)
    mi, mi_error = mutual_information_quadrature_1d(w, m, v)
    assert value.shape == error.shape == mi.shape == mi_error.shape == (2, 3)
    for idx in np.ndindex(2, 3):
        one, one_error = kl_quadrature_1d(w[idx], m[idx], v[idx], prior=prior)
        one_mi, one_mi_error = mutual_information_quadrature_1d(w[idx], m[idx], v[idx])
        np.testing.assert_allclose([value[idx], mi[idx]], [one, one_mi], rtol=1e-14, atol=0)
        # the errors are sums of |Kronrod - Gauss|, differences at the rounding level of the values
        np.testing.assert_allclose([error[idx], mi_error[idx]], [one_error, one_mi_error], rtol=1e-3, atol=0)
    assert len(set(value.ravel().tolist())) == 6                # six different mixtures, six values


def test_weights_broadcast_against_a_batch_of_means():
    w, m, v = _mixtures(1, (3,), 5)
    value, _ = kl_quadrature_1d(w[0], m, v)
    for b in range(3):
        np.testing.assert_allclose(value[b], kl_quadrature_1d(w[0], m[b], v[b])[0], rtol=1e-14, atol=0)


@pytest.mark.parametrize(("rows", "n", "blocks"), [(257, 2, [256, 1]), (256, 8193, [255, 1])],
                         ids=["256 mixtures a block", "2**21 components a block"])
def test_blocks_hold_at_most_256_mixtures_and_2_21_components_in_order(rows, n, blocks, monkeypatch):
    """The blocks passed to the integral (seen by a stand-in that answers each mixture's first mean and
    variance), the progress reported, and each answer put back at its mixture's place."""
    rng = np.random.default_rng(2)
    w = np.full((rows, n), 1.0 / n)
    m, v = rng.normal(0, 2, (rows, n)), np.exp(rng.normal(-1, 0.5, (rows, n)))
    shapes = []

    def stand_in(kind, prior, mix, panels_per_sd, reach, tol):
        shapes.append(mix.m.shape)
        return np.array(mix.m[:, 0]), np.array(mix.v[:, 0])

    monkeypatch.setattr(quadrature, "_integrate", stand_in)
    seen: list[int] = []
    value, error = kl_quadrature_1d(w, m, v, progress=seen.append)
    assert seen == blocks and shapes == [(b, n) for b in blocks]
    np.testing.assert_array_equal(value, m[:, 0])
    np.testing.assert_array_equal(error, v[:, 0])


def test_one_live_component_per_mixture_gives_its_closed_form_over_two_blocks():
    """257 mixtures whose weight sits on one component (the others 0): KL(q̄ || p) is that component's KL."""
    rng = np.random.default_rng(3)
    w = np.zeros((257, 3))
    w[np.arange(257), rng.integers(0, 3, 257)] = 1.0
    m, v = rng.normal(0, 2, (257, 3)), np.exp(rng.normal(-1, 0.5, (257, 3)))
    value, error = kl_quadrature_1d(w, m, v)
    closed = (w * 0.5 * (v + m**2 - 1 - np.log(v))).sum(axis=1)
    assert np.all(np.abs(value - closed) <= error + 1e-13 * closed) and np.all(error < 1e-8)


# --- parameters reach the work ---------------------------------------------------------------------

def test_panels_per_sd_reach_and_tol_reach_the_panels(monkeypatch):
    w, m, v = _mixtures(3, (), 3)
    seen = {}
    edges = quadrature.panel_edges
    integrate = quadrature._integrate

    def spy_edges(m_, s_, live, panels_per_sd, reach):
        seen["edges"] = (panels_per_sd, reach)
        return edges(m_, s_, live, panels_per_sd, reach)

    def spy_integrate(kind, prior, mix, panels_per_sd, reach, tol):
        seen["integrate"] = (kind, prior, panels_per_sd, reach, tol)
        return integrate(kind, prior, mix, panels_per_sd, reach, tol)

    monkeypatch.setattr(quadrature, "panel_edges", spy_edges)
    monkeypatch.setattr(quadrature, "_integrate", spy_integrate)
    kl_quadrature_1d(w, m, v, prior=quadrature.Prior(0.25, 3.0), panels_per_sd=0.5, reach=7.0, tol=1e-7)
    assert seen == {"edges": (0.5, 7.0), "integrate": ("kl", (0.25, 3.0), 0.5, 7.0, 1e-7)}
    mutual_information_quadrature_1d(w, m, v, panels_per_sd=0.75, reach=9.0, tol=1e-6)
    assert seen == {"edges": (0.75, 9.0), "integrate": ("mi", None, 0.75, 9.0, 1e-6)}
    kl_quadrature_1d(w, m, v)
    assert seen == {"edges": (0.125, 10.0), "integrate": ("kl", (0.0, 1.0), 0.125, 10.0, 1e-10)}
    mutual_information_quadrature_1d(w, m, v)
    assert seen == {"edges": (0.125, 10.0), "integrate": ("mi", None, 0.125, 10.0, 1e-10)}


# --- components below float64's resolution, integrated in their own coordinate ---------------------

def test_a_lone_narrow_component_against_a_narrow_prior_gives_the_closed_form():
    """q̄ = N(1000, 1e-20) (s = 1e-10 < 1e-9·|m|) and p = N(1000 + 3e-10, 4e-20): only the component's own
    coordinate sees either, and KL = ½[v/pv - 1 - log(v/pv) + (m - pm)²/pv] ≈ 1.443 (m - pm exact in float64)."""
    m, v, pm, pv = 1e3, 1e-20, 1e3 + 3e-10, 4e-20
    value, error = kl_quadrature_1d([1.0], [m], [v], prior=quadrature.Prior(pm, pv))
    closed = 0.5 * (v / pv - 1 - math.log(v / pv) + (m - pm) ** 2 / pv)
    assert 0 < error < 1e-10
    assert abs(float(value) - closed) <= error


def test_a_narrow_component_inside_a_broad_one_against_20_digits():
    """N(0.5, 1e-20) inside N(0, 1): besides its own integral, the spike changes ∫ q_live log(q̄/q_live) by about
    500 s q_live ≈ 2e-8, which the error (~1e-12) must resolve; KL and I(i; z) against mpmath."""
    from tests.test_quadrature import _mp_integrals

    w, m, v = np.array([0.6, 0.4]), np.array([0.0, 0.5]), np.array([1.0, 1e-20])
    kl_ref, mi_ref = _mp_integrals(w, m, v)
    kl, kl_error = kl_quadrature_1d(w, m, v)
    mi, mi_error = mutual_information_quadrature_1d(w, m, v)
    assert abs(float(kl) - kl_ref) <= kl_error < 1e-10
    assert abs(float(mi) - mi_ref) <= mi_error < 1e-10


# --- the refinement rule -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["kl", "mi"])
def test_panels_are_halved_exactly_when_their_error_exceeds_their_share_of_tol(kind, monkeypatch):
    """The documented rule, replayed on the panels the integral scores: a panel whose |Kronrod - Gauss| exceeds
    both its rounding bound and ½ tol (width / L + ∫|f| / Σ∫|f|) (L the span of the panels, Σ∫|f| over the
    first panels) is replaced by its two halves at the next level; the others are final; the value and error
    are the sums over the final panels."""
    # close to the prior, so that Σ∫|f| is well below 1 (the share's second part is then not ∫|f| itself)
    w, m, v = np.array([0.5, 0.3, 0.2]), np.array([-0.1, 0.15, 0.05]), np.array([0.9, 1.1, 0.8])
    tol = 1e-9
    levels = []
    panels = quadrature._panels

    def spy(kind_, prior, mix, row, left, width):
        out = panels(kind_, prior, mix, row, left, width)
        levels.append((left.copy(), width.copy(), *out))
        return out

    monkeypatch.setattr(quadrature, "_panels", spy)
    call = kl_quadrature_1d if kind == "kl" else mutual_information_quadrature_1d
    value, error = call(w, m, v, tol=tol)
    edges = quadrature.panel_edges(m[None], np.sqrt(v)[None], np.ones((1, 3), bool), 0.125, 10.0)[0]
    np.testing.assert_array_equal(levels[0][0], edges[:-1])
    span, mass = edges[-1] - edges[0], levels[0][4].sum()
    assert mass < 0.1
    total, total_error = 0.0, 0.0
    for level, (left, width, kronrod, gauss, absolute, rounding) in enumerate(levels):
        estimate = np.abs(kronrod - gauss)
        share = 0.5 * tol * (width / span + absolute / mass)
        halve = (estimate > share) & (estimate > rounding) & (level < 8)
        total += kronrod[~halve].sum()
        total_error += (estimate + rounding)[~halve].sum()
        if level + 1 < len(levels):
            halves = np.stack([left[halve], left[halve] + 0.5 * width[halve]], axis=1).ravel()
            np.testing.assert_array_equal(levels[level + 1][0], halves)
        else:
            assert not halve.any()
    assert len(levels) >= 2                                   # the rule was exercised: some panel was halved
    assert float(value) == pytest.approx(total, rel=1e-13, abs=0)
    assert float(error) == pytest.approx(total_error, rel=1e-12, abs=0)


def test_the_relative_rounding_bound_is_its_documented_formula():
    """ε (N + 8 + 3 (max_i |c_i| + |top| + 42)) at each node, |top| read as 0 where no component contributes
    (top = -inf), max over the positive weights only; by plain loops."""
    mix, row, _, _ = _block_of_rows(seed=4, b=3, n=7)
    top = np.array([[-3.5, 0.25, -np.inf], [12.0, -0.5, 2.0]])
    rows = np.array([2, 0])
    got = quadrature._relative_rounding(mix, rows, top)
    eps = 2.0**-52
    for p, r in enumerate(rows.tolist()):
        c_max = max(abs(c) for c, w in zip(mix.c[r].tolist(), mix.w[r].tolist()) if w > 0)
        for k, t in enumerate(top[p].tolist()):
            size = c_max + (abs(t) if math.isfinite(t) else 0.0)
            assert got[p, k] == pytest.approx(eps * (7 + 8 + 3 * (size + 42)), rel=1e-15, abs=0), (p, k)


def test_numpy_input_takes_the_compiled_kernel(monkeypatch):
    """The generic route is for other namespaces; numpy arrays are scored by the compiled kernel."""
    generic = []
    monkeypatch.setattr(quadrature, "_log_sums_xp", lambda *a, **k: generic.append(a) or quadrature._log_sums_xp(*a))
    w, m, v = _mixtures(5, (), 3)
    kl_quadrature_1d(w, m, v)
    mutual_information_quadrature_1d(w, m, v)
    assert generic == []


# --- input -------------------------------------------------------------------------------------------

def test_a_prior_of_two_coordinates_is_refused_by_the_one_dimensional_quadrature():
    with pytest.raises(ValueError, match=r"^the prior has shape \(2,\)/\(\), which does not fit d = 1$"):
        kl_quadrature_1d([1.0], [0.0], [1.0], prior=quadrature.Prior(mean=[0.0, 1.0]))


@pytest.mark.parametrize(("args", "error", "message"), [
    (([1.0], "0.5", [1.0]), TypeError, r"^means must be numeric, got a string '0.5'$"),
    (([1.0], [0.5], [0.0]), ValueError, r"^variances must be > 0, got 0.0 at index 0$"),
    (([1.0], [0.5], [-2.0]), ValueError, r"^variances must be > 0, got -2.0 at index 0$"),
])
def test_bad_input_is_named(args, error, message):
    for call in (kl_quadrature_1d, mutual_information_quadrature_1d):
        with pytest.raises(error, match=message):
            call(*args)


def test_a_tensor_in_any_argument_gives_numpys_values():
    torch = require("torch")
    require("array_api_compat")
    w, m, v = _mixtures(6, (), 4)
    want, _ = kl_quadrature_1d(w, m, v)
    for position in range(3):
        args = [w, m, v]
        args[position] = torch.as_tensor(args[position])
        value, _ = kl_quadrature_1d(*args)
        assert float(value) == pytest.approx(float(want), rel=1e-12, abs=0), position
