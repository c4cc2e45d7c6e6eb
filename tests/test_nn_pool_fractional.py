"""Fractional max pooling: PyTorch's windows for given samples (2-d and 3-d, values and
indices), output_ratio, gradients (gradcheck), the modules and errors."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn

RNG = np.random.default_rng(0)


def test_windows_by_hand():
    x = xg.arange(25.0).reshape(1, 1, 5, 5)
    samples = xg.tensor([[[0.3, 0.7]]])
    y, idx = F.fractional_max_pool2d(x, 2, output_size=3, return_indices=True,
                                     _random_samples=samples)
    # alpha = 1.5: the windows start at 0, 1 and 3 along both dims
    assert y.tolist() == [[[[6, 7, 9], [11, 12, 14], [21, 22, 24]]]]
    assert idx.tolist() == [[[[6, 7, 9], [11, 12, 14], [21, 22, 24]]]]


@pytest.mark.parametrize("shape, kernel, out", [((2, 3, 9, 11), (2, 3), (4, 5)),
                                                ((2, 7, 7), 3, (3, 3)), ((1, 1, 5, 5), 2, (1, 3))])
def test_2d_matches_torch(shape, kernel, out):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(shape)
    batch = (shape[0], shape[1]) if len(shape) == 4 else (1, shape[0])
    s = RNG.random(batch + (2,))
    yt, it = torch.nn.functional.fractional_max_pool2d(
        torch.tensor(x, requires_grad=True), kernel, output_size=out, return_indices=True,
        _random_samples=torch.tensor(s))
    xo = xg.tensor(x, requires_grad=True)
    yo, io = F.fractional_max_pool2d(xo, kernel, output_size=out, return_indices=True,
                                     _random_samples=xg.tensor(s))
    np.testing.assert_array_equal(yo.numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(io.numpy(), it.numpy())


def test_3d_matches_torch():
    torch = pytest.importorskip("torch")
    x, s = RNG.standard_normal((2, 2, 6, 7, 8)), RNG.random((2, 2, 3))
    yt, it = torch.nn.functional.fractional_max_pool3d(
        torch.tensor(x), 2, output_size=(3, 4, 5), return_indices=True,
        _random_samples=torch.tensor(s))
    yo, io = F.fractional_max_pool3d(xg.tensor(x), 2, output_size=(3, 4, 5), return_indices=True,
                                     _random_samples=xg.tensor(s))
    np.testing.assert_array_equal(yo.numpy(), yt.numpy())
    np.testing.assert_array_equal(io.numpy(), it.numpy())


def test_gradients_and_modules(device):
    x = xg.tensor(RNG.standard_normal((1, 2, 6, 6)), requires_grad=True, device=device)
    s = xg.tensor(RNG.random((1, 2, 2)), device=device)
    xg.gradcheck(lambda a: F.fractional_max_pool2d(a, 2, output_ratio=0.5, _random_samples=s),
                 (x,))
    pool = nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5), return_indices=True)
    y, idx = pool(xg.randn(2, 3, 10, 12, device=device))
    assert y.shape == (2, 3, 5, 6) and idx.shape == (2, 3, 5, 6) and idx.dtype == xg.int64
    assert nn.FractionalMaxPool3d(2, output_size=3)(xg.randn(1, 1, 5, 5, 5)).shape == (1, 1, 3, 3, 3)


def test_errors():
    with pytest.raises(ValueError, match="output size, or a pooling ratio"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.FractionalMaxPool2d(2, output_ratio=1.5)
    with pytest.raises(ValueError, match="too large"):
        F.fractional_max_pool2d(xg.ones(1, 1, 4, 4), 3, output_size=3)
    with pytest.raises(ValueError, match="_random_samples must have shape"):
        F.fractional_max_pool2d(xg.ones(1, 1, 4, 4), 2, output_size=2,
                                _random_samples=xg.ones(1, 1, 3))
