"""numeric/gaussian.py: the namespace of the result follows the input, for plain sequences and torch tensors.

``ratio_term`` takes numpy arrays, Python numbers and sequences (a float64 numpy result)
and torch tensors (a tensor of their dtype); the overflow message names the dtype of the
computation.  The values are checked against ``r - 1 - log r`` evaluated by mpmath.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from numeric import kl_diag
from numeric.gaussian import ratio_term
from tests.extras import require

#: log r near 0 (the series), at the switch and beyond (expm1), as a plain list.
LOG_RATIOS = [-3.0, -0.5, -1e-2, -1e-3, 0.0, 2e-6, 5e-3, 0.02, 1.0, 4.0]


def _exact(t: float) -> float:
    with mpmath.workdps(40):
        return float(mpmath.expm1(t) - t)


def test_a_plain_list_gives_float64_numpy_values():
    out = ratio_term(LOG_RATIOS)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.shape == (len(LOG_RATIOS),)
    np.testing.assert_allclose(out, [_exact(t) for t in LOG_RATIOS], rtol=1e-13, atol=0)
    assert ratio_term(1e-3) == pytest.approx(_exact(1e-3), rel=1e-13, abs=0)


def test_a_torch_tensor_gives_a_tensor_of_its_dtype():
    torch = require("torch")
    require("array_api_compat")
    for dtype, rtol in ((torch.float64, 1e-13), (torch.float32, 1e-5)):
        out = ratio_term(torch.tensor(LOG_RATIOS, dtype=dtype))
        assert isinstance(out, torch.Tensor) and out.dtype == dtype, (type(out), getattr(out, "dtype", None))
        np.testing.assert_allclose(out.double().numpy(), [_exact(t) for t in LOG_RATIOS], rtol=rtol, atol=0)


def test_float32_overflow_is_named_float32():
    """(m1 - m2)²/v2 of 1e20 in float32 overflows; the message names the tensor's dtype, not numpy's."""
    torch = require("torch")
    require("array_api_compat")
    m = torch.tensor([[1e20, 0.0]], dtype=torch.float32)
    v = torch.ones((1, 2), dtype=torch.float32)
    with pytest.raises(ValueError, match=r"^the KL divergence is not representable in float32 \(overflow\)"):
        kl_diag(m, v, torch.zeros_like(m), v)
    assert math.isfinite(float(kl_diag(m / 1e18, v, torch.zeros_like(m), v)))


@pytest.mark.parametrize("position", range(4), ids=["mean1", "var1", "mean2", "var2"])
def test_kl_diag_follows_a_tensor_in_any_argument(position):
    """One argument a float32 tensor, the others numpy: the result is a float32 tensor with numpy's float64 value
    (within float32 rounding), in d = 3 with a batch of 2."""
    torch = require("torch")
    require("array_api_compat")
    rng = np.random.default_rng(4)
    args = [rng.normal(0, 1, (2, 3)), np.exp(rng.normal(0, 0.5, (2, 3))), rng.normal(0, 1, (2, 3)),
            np.exp(rng.normal(0, 0.5, (2, 3)))]
    args = [a.astype(np.float32).astype(np.float64) for a in args]      # exactly representable in float32
    want = kl_diag(*args)
    mixed = list(args)
    mixed[position] = torch.as_tensor(args[position], dtype=torch.float32)
    out = kl_diag(*mixed)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32 and tuple(out.shape) == (2,)
    np.testing.assert_allclose(out.double().numpy(), want, rtol=1e-5, atol=0)
