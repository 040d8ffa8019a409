"""numeric/script.py: the script's defaults, and how ``reproduce`` passes its generator, chunks and progress on.

The chunking is observed through a stand-in generator that records the shape of each
request and answers with broadcast views (no memory per draw), so the 2**24-draw cap on
a chunk is checked at the size where it binds without drawing 128 MiB of normals.
"""

from __future__ import annotations

import numpy as np
import pytest

from numeric import reproduce


class RecordingDraws:
    """A generator stand-in: ``standard_normal`` and ``random`` answer with seeded values broadcast to the shape asked."""

    def __init__(self, seed: int = 0) -> None:
        self.normal_shapes: list[tuple[int, ...]] = []
        self._rng = np.random.default_rng(seed)

    def standard_normal(self, shape):
        self.normal_shapes.append(tuple(shape))
        return np.broadcast_to(self._rng.standard_normal(shape[-2:]), shape)   # varies within a component

    def random(self, shape):
        return np.broadcast_to(self._rng.random(shape[-1:]), shape)


def test_defaults_are_the_scripts_values():
    """d = 1, N = 2, k = 100, MAX_ITER = 200, seed 0, as in kl_vae_convexity.m and the documented seed."""
    default = reproduce()
    explicit = reproduce(d=1, n=2, k=100, iterations=200, seed=0)
    assert default.means.shape == (200, 2, 1) and default.k == 100
    np.testing.assert_array_equal(default.plotted_kl, explicit.plotted_kl)
    np.testing.assert_array_equal(default.means, explicit.means)


def test_a_given_generator_is_used_and_the_seed_ignored():
    a = reproduce(iterations=50, seed=0, rng=np.random.default_rng(7))
    b = reproduce(iterations=50, seed=7)
    np.testing.assert_array_equal(a.plotted_kl, b.plotted_kl)
    assert not np.array_equal(a.plotted_kl, reproduce(iterations=50, seed=0).plotted_kl)


def test_chunks_follow_chunk_and_progress_counts_each_trial_once():
    seen: list[int] = []
    reproduce(iterations=7, chunk=3, progress=seen.append)
    assert seen == [3, 3, 1]
    seen.clear()
    reproduce(iterations=3, chunk=1, progress=seen.append)           # one trial a chunk is allowed
    assert seen == [1, 1, 1]
    seen.clear()
    reproduce(iterations=20_001, progress=seen.append)               # the default chunk is 20,000 trials
    assert seen == [20_000, 1]
    with pytest.raises(ValueError, match=r"^chunk must be an integer >= 1, got 0$"):
        reproduce(chunk=0)


@pytest.mark.parametrize("n,k,d,chunks", [(4, 2**12, 2**6, [16, 16, 8]),     # 2**20 draws a trial: 16 trials a chunk
                                          (3, 2**12, 2**6, [21, 19]),          # 2**24 // (3 * 2**18) = 21
                                          (2**12 + 1, 2**6, 2**6, [1])])       # over 2**24 a trial: still one trial
def test_a_chunk_holds_at_most_2_24_draws(n, k, d, chunks):
    draws = RecordingDraws()
    seen: list[int] = []
    reproduce(n=n, k=k, d=d, iterations=sum(chunks), rng=draws, progress=seen.append)
    assert seen == chunks
    assert draws.normal_shapes[1:] == [(c, n, k, d) for c in chunks]   # the first request is the means
