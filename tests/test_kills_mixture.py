"""numeric/mixture.py: H(w) and the prior's arrays for torch input, against values computed by plain loops.

Weights that come out of an encoder carry autograd; H(w) reads them in their own namespace
(no numpy conversion, which a tensor requiring grad refuses).  ``Prior.arrays`` puts the
prior in the namespace and dtype of ``like``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from numeric import Prior, entropy_of_weights
from numeric.mixture import log_weights
from tests.extras import require

WEIGHTS = [0.5, 0.2, 0.0, 0.3]
#: H(w) by a plain loop, 0 log 0 = 0.
ENTROPY = -math.fsum(w * math.log(w) for w in WEIGHTS if w > 0)


# float() of a tensor that requires grad warns in torch; the value is the point here
@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True to a scalar")
def test_entropy_of_a_tensor_that_requires_grad():
    torch = require("torch")
    require("array_api_compat")
    w = torch.tensor(WEIGHTS, dtype=torch.float64, requires_grad=True)
    h = entropy_of_weights(w)
    assert isinstance(h, float) and h == pytest.approx(ENTROPY, rel=1e-15, abs=0)
    assert entropy_of_weights(WEIGHTS) == pytest.approx(ENTROPY, rel=1e-15, abs=0)


def test_prior_arrays_in_the_namespace_and_dtype_of_like():
    torch = require("torch")
    require("array_api_compat")
    prior = Prior(mean=[0.5, -1.0, 0.1], var=[2.0, 0.25, 3.0])
    m, v = prior.arrays(3, like=torch.zeros(2, dtype=torch.float32))
    assert isinstance(m, torch.Tensor) and isinstance(v, torch.Tensor)
    assert m.dtype == v.dtype == torch.float32
    np.testing.assert_array_equal(m.numpy(), np.float32([0.5, -1.0, 0.1]))
    np.testing.assert_array_equal(v.numpy(), np.float32([2.0, 0.25, 3.0]))
    m, v = Prior(mean=0.5, var=2.0).arrays(4)
    assert isinstance(m, np.ndarray) and m.dtype == v.dtype == np.float64
    np.testing.assert_array_equal(m, [0.5] * 4)
    np.testing.assert_array_equal(v, [2.0] * 4)


def test_log_weights_of_zero_is_minus_infinity_without_a_floating_point_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # numpy's divide-by-zero RuntimeWarning would raise
        out = log_weights(np.array(WEIGHTS))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [math.log(0.5), math.log(0.2), -math.inf, math.log(0.3)])


def test_log_weights_of_a_tensor_is_a_tensor():
    torch = require("torch")
    require("array_api_compat")
    out = log_weights(torch.tensor(WEIGHTS, dtype=torch.float32))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), np.log(np.float32([0.5, 0.2, 1.0, 0.3])) + [0, 0, -np.inf, 0])
