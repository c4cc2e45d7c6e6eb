"""Pooling functions and layers against PyTorch: values, gradients (the first arg-max on ties),
indices, ceil_mode, count_include_pad, adaptive windows, reprs and errors."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _check(ours, theirs, x, device="cpu", seed=1):
    t = xg.tensor(x, dtype="float64", device=device, requires_grad=True)
    tt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y, ty = ours(t), theirs(tt)
    assert tuple(y.shape) == tuple(ty.shape), (y.shape, ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    y.backward(xg.tensor(g, dtype="float64", device=device))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-12, atol=1e-12)


def _values(shape, ties=False, seed=0):
    rng = np.random.default_rng(seed)
    if ties:                        # few distinct values: many ties inside each window
        return rng.integers(0, 3, size=shape).astype(np.float64)
    return rng.standard_normal(shape)


MAX = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((1, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((1, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((2, 1, 9, 8), {"kernel_size": (3, 2), "stride": (2, 3), "dilation": (2, 1),
                    "padding": (1, 0), "ceil_mode": True}),
    ((1, 2, 6, 6), {"kernel_size": 3, "stride": 1}),                 # overlapping windows
    ((3, 6, 5), {"kernel_size": 2, "stride": 1, "padding": 1}),      # unbatched
    ((1, 1, 1, 1), {"kernel_size": 1}),
    ((0, 2, 4, 4), {"kernel_size": 2}),                              # empty batch
]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("shape, kw", MAX)
def test_max_pool2d_matches_torch(shape, kw, ties, device):
    _check(lambda a: F.max_pool2d(a, **kw), lambda a: TF.max_pool2d(a, **kw),
           _values(shape, ties), device)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("shape, kw", [((2, 3, 9), {"kernel_size": 2}),
                                       ((1, 2, 10), {"kernel_size": 3, "stride": 2,
                                                     "padding": 1, "ceil_mode": True}),
                                       ((3, 7), {"kernel_size": 2, "dilation": 3})])
def test_max_pool1d_matches_torch(shape, kw, ties, device):
    _check(lambda a: F.max_pool1d(a, **kw), lambda a: TF.max_pool1d(a, **kw),
           _values(shape, ties), device)


@pytest.mark.parametrize("fn, shape, kw", [
    ("max_pool2d", (2, 2, 7, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("max_pool2d", (1, 2, 5, 6), {"kernel_size": 2, "ceil_mode": True, "dilation": (1, 2)}),
    ("max_pool1d", (2, 3, 9), {"kernel_size": 3, "stride": 2}),
    ("max_pool2d", (2, 4, 4), {"kernel_size": 2}),
])
def test_return_indices_match_torch(fn, shape, kw, device):
    x = _values(shape, ties=True)
    y, idx = getattr(F, fn)(xg.tensor(x, device=device), return_indices=True, **kw)
    ty, tidx = getattr(TF, fn)(torch.tensor(x), return_indices=True, **kw)
    assert idx.dtype == xg.int64 and not idx.requires_grad
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    np.testing.assert_allclose(y.numpy(), ty.numpy())


def test_max_pool_gradient_goes_to_the_first_maximum():
    x = xg.tensor([[[[1.0, 3.0], [3.0, 3.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[0.0, 1.0], [0.0, 0.0]]]]


def test_max_pool_nan_propagates_and_gets_the_gradient():
    x = np.array([[[1.0, np.nan, 2.0, 0.5]]])
    t = xg.tensor(x, requires_grad=True)
    y = F.max_pool1d(t, 2)
    assert np.isnan(y.numpy()[0, 0, 0]) and y.numpy()[0, 0, 1] == 2.0
    y.sum().backward()
    assert t.grad.tolist() == [[[0.0, 1.0, 1.0, 0.0]]]



def test_max_pool_chooses_the_last_nan_of_a_window_as_pytorch():
    # PyTorch's kernels keep `val > max || isnan(val)`: a later NaN takes over from an earlier
    x = xg.tensor([[[np.nan, 1.0, np.nan, 0.5]]], requires_grad=True)
    y, idx = F.max_pool1d(x, 4, return_indices=True)
    assert idx.tolist() == [[[2]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[0.0, 0.0, 1.0, 0.0]]]
    x2 = xg.tensor([[[[np.nan, 1.0], [np.nan, 0.5]]]], requires_grad=True)
    F.max_pool2d(x2, 2).sum().backward()
    assert x2.grad.tolist() == [[[[0.0, 0.0], [1.0, 0.0]]]]


def test_max_pool_overlapping_windows_sum_their_gradients():
    x = xg.tensor([[[0.0, 3.0, 1.0, 2.0, 1.0]]], requires_grad=True)
    F.max_pool1d(x, 3, stride=1).sum().backward()       # 3.0 is the maximum of 2 windows
    assert x.grad.tolist() == [[[0.0, 2.0, 0.0, 1.0, 0.0]]]

AVG = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((1, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((1, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ((1, 2, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((1, 2, 8, 6), {"kernel_size": (3, 2), "stride": (2, 3), "padding": (1, 1),
                    "ceil_mode": True, "count_include_pad": False}),
    ((1, 2, 6, 6), {"kernel_size": 3, "stride": 1, "padding": 1, "divisor_override": 5}),
    ((3, 6, 5), {"kernel_size": 2, "stride": 1}),
    ((0, 1, 4, 4), {"kernel_size": 2}),
]


@pytest.mark.parametrize("shape, kw", AVG)
def test_avg_pool2d_matches_torch(shape, kw, device):
    _check(lambda a: F.avg_pool2d(a, **kw), lambda a: TF.avg_pool2d(a, **kw), _values(shape),
           device)


@pytest.mark.parametrize("shape, kw", [((2, 3, 9), {"kernel_size": 2}),
                                       ((1, 2, 10), {"kernel_size": 3, "stride": 2,
                                                     "padding": 1, "ceil_mode": True,
                                                     "count_include_pad": False}),
                                       ((3, 7), {"kernel_size": 3, "padding": 1})])
def test_avg_pool1d_matches_torch(shape, kw, device):
    _check(lambda a: F.avg_pool1d(a, **kw), lambda a: TF.avg_pool1d(a, **kw), _values(shape),
           device)


ADAPTIVE2D = [((2, 3, 8, 8), 1), ((2, 3, 8, 8), (2, 4)), ((1, 2, 7, 5), (3, 2)),
              ((1, 2, 5, 7), (5, 3)), ((1, 2, 6, 7), (None, 4)), ((2, 5, 5), 3),
              ((1, 1, 3, 3), (4, 5)), ((1, 2, 6, 6), 6)]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("shape, size", ADAPTIVE2D)
def test_adaptive_pool2d_matches_torch(shape, size, ties, device):
    x = _values(shape, ties)
    _check(lambda a: F.adaptive_max_pool2d(a, size), lambda a: TF.adaptive_max_pool2d(a, size),
           x, device)
    _check(lambda a: F.adaptive_avg_pool2d(a, size), lambda a: TF.adaptive_avg_pool2d(a, size),
           x, device)


@pytest.mark.parametrize("shape, size", [((2, 3, 9), 3), ((1, 2, 7), 3), ((3, 5), 1),
                                         ((1, 1, 3), 5)])
def test_adaptive_pool1d_matches_torch(shape, size, device):
    x = _values(shape, ties=True)
    _check(lambda a: F.adaptive_max_pool1d(a, size), lambda a: TF.adaptive_max_pool1d(a, size),
           x, device)
    _check(lambda a: F.adaptive_avg_pool1d(a, size), lambda a: TF.adaptive_avg_pool1d(a, size),
           x, device)


@pytest.mark.parametrize("size", [(3, 2), (4, 3)])            # even and uneven windows
def test_adaptive_max_indices_match_torch(size):
    x = _values((1, 2, 6, 4), ties=True)
    y, idx = F.adaptive_max_pool2d(xg.tensor(x), size, return_indices=True)
    ty, tidx = TF.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    np.testing.assert_array_equal(y.numpy(), ty.numpy())


def test_pool_dtypes_follow_the_input():
    x = xg.randn(2, 3, 6, 6)
    for y in (F.max_pool2d(x, 2), F.avg_pool2d(x, 2), F.adaptive_avg_pool2d(x, 1),
              F.adaptive_max_pool2d(x, (2, 3)), F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)):
        assert y.dtype == xg.float32
    assert F.max_pool2d(x.astype("float64"), 2).dtype == xg.float64


MODULES = [
    (lambda m: m.MaxPool2d(2), (2, 3, 8, 8)),
    (lambda m: m.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 7, 7)),
    (lambda m: m.MaxPool1d(2), (2, 3, 9)),
    (lambda m: m.AvgPool2d(2), (2, 3, 8, 8)),
    (lambda m: m.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), (1, 2, 7, 8)),
    (lambda m: m.AvgPool1d(3, stride=2), (2, 3, 9)),
    (lambda m: m.AdaptiveAvgPool2d((2, None)), (1, 2, 5, 6)),
    (lambda m: m.AdaptiveAvgPool2d(1), (2, 3, 4, 4)),
    (lambda m: m.AdaptiveMaxPool2d((3, 2)), (1, 2, 7, 5)),
    (lambda m: m.AdaptiveAvgPool1d(3), (2, 3, 7)),
    (lambda m: m.AdaptiveMaxPool1d(2), (2, 3, 7)),
]


@pytest.mark.parametrize("make, shape", MODULES)
def test_pool_modules_match_torch(make, shape, device):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.parameters()) == []
    _check(ours, theirs, _values(shape), device)


def test_maxpool_module_return_indices():
    x = _values((1, 1, 4, 4), ties=True)
    y, idx = nn.MaxPool2d(2, return_indices=True)(xg.tensor(x))
    _, tidx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.max_pool2d(xg.ones(1, 2, 4, 4), 2, padding=2), ValueError,
     "max_pool2d: pad should be at most half of effective kernel size, but got pad=2"),
    (lambda: F.avg_pool2d(xg.ones(1, 2, 4, 4), 5), ValueError,
     r"avg_pool2d: given input size: \(2 x 4 x 4\). Calculated output size: \(2 x 0 x 0\)"),
    (lambda: F.max_pool1d(xg.ones(1, 2, 4, 4), 2), ValueError,
     r"max_pool1d: expected 2D \(unbatched\) or 3D \(batched\) input"),
    (lambda: F.avg_pool1d(xg.ones(2, 4), 0), ValueError,
     "avg_pool1d: kernel_size must be greater than zero"),
    (lambda: F.adaptive_avg_pool2d(xg.ones(4, 4), 2), ValueError,
     r"adaptive_avg_pool2d: expected 3D \(unbatched\) or 4D"),
    (lambda: F.adaptive_avg_pool2d(xg.ones(1, 4, 4), (2, 2, 2)), ValueError,
     "adaptive_avg_pool2d: output_size must be 2 values"),
    (lambda: F.adaptive_max_pool2d(xg.ones(1, 4, 4), 0), ValueError,
     "adaptive_max_pool2d: output_size must be positive"),
    (lambda: F.avg_pool2d(xg.ones(1, 4, 4), 2, divisor_override=0), ValueError,
     "avg_pool2d: divisor must be a positive int"),
    (lambda: F.max_pool2d(np.ones((1, 4, 4)), 2), TypeError, "max_pool2d: expected a Tensor"),
])
def test_pool_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
