"""3-D pooling, LP pooling, max unpooling and indices against PyTorch: values, gradients (the
first arg-max on ties), indices equal to torch's (also for uneven adaptive windows), unpool
round trips, output_size, reprs and errors."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _check(ours, theirs, x, device="cpu", seed=1, tol=1e-12):
    t = xg.tensor(x, dtype="float64", device=device, requires_grad=True)
    tt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y, ty = ours(t), theirs(tt)
    assert tuple(y.shape) == tuple(ty.shape), (y.shape, ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    y.backward(xg.tensor(g, dtype="float64", device=device))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=tol, atol=tol)


def _values(shape, ties=False, seed=0):
    rng = np.random.default_rng(seed)
    if ties:                        # few distinct values: many ties inside each window
        return rng.integers(0, 3, size=shape).astype(np.float64)
    return rng.standard_normal(shape)


MAX3D = [
    ((2, 2, 4, 4, 4), {"kernel_size": 2}),
    ((1, 2, 5, 6, 5), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((1, 1, 5, 6, 7), {"kernel_size": (2, 3, 2), "stride": (2, 2, 3), "padding": (1, 1, 0),
                       "dilation": (1, 1, 2), "ceil_mode": True}),
    ((2, 3, 4, 3), {"kernel_size": 2, "stride": 1, "padding": 1}),             # unbatched
    ((0, 2, 2, 2, 2), {"kernel_size": 2}),                                     # empty batch
]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("shape, kw", MAX3D)
def test_max_pool3d_matches_torch(shape, kw, ties, device):
    _check(lambda a: F.max_pool3d(a, **kw), lambda a: TF.max_pool3d(a, **kw),
           _values(shape, ties), device)


@pytest.mark.parametrize("shape, kw", MAX3D[:4])
def test_max_pool3d_indices_match_torch(shape, kw, device):
    x = _values(shape, ties=True)
    y, idx = F.max_pool3d(xg.tensor(x, device=device), return_indices=True, **kw)
    ty, tidx = TF.max_pool3d(torch.tensor(x), return_indices=True, **kw)
    assert idx.dtype == xg.int64 and not idx.requires_grad
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    y2, idx2 = F.max_pool3d_with_indices(xg.tensor(x, device=device), **kw)
    np.testing.assert_array_equal(idx2.numpy(), tidx.numpy())
    np.testing.assert_array_equal(y2.numpy(), ty.numpy())


@pytest.mark.parametrize("shape, kw", [
    ((2, 2, 4, 4, 4), {"kernel_size": 2}),
    ((1, 2, 5, 6, 5), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((1, 2, 5, 6, 5), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ((1, 1, 5, 7, 6), {"kernel_size": (2, 3, 2), "stride": (2, 2, 3), "padding": (1, 1, 0),
                       "ceil_mode": True}),
    ((1, 1, 5, 7, 6), {"kernel_size": (3, 3, 2), "stride": 2, "padding": (1, 1, 1),
                       "ceil_mode": True, "count_include_pad": False}),
    ((1, 2, 4, 4, 4), {"kernel_size": 3, "stride": 1, "padding": 1, "divisor_override": 5}),
    ((2, 3, 4, 3), {"kernel_size": 2, "stride": 1}),
])
def test_avg_pool3d_matches_torch(shape, kw, device):
    _check(lambda a: F.avg_pool3d(a, **kw), lambda a: TF.avg_pool3d(a, **kw), _values(shape),
           device)


ADAPTIVE3D = [((2, 2, 4, 4, 4), 1), ((1, 2, 4, 6, 3), (2, 3, 1)), ((1, 1, 5, 7, 3), (3, 4, 2)),
              ((1, 2, 3, 5, 4), (None, 2, 3)), ((2, 3, 3, 5), 2), ((1, 1, 2, 3, 2), (3, 4, 5))]


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("shape, size", ADAPTIVE3D)
def test_adaptive_pool3d_matches_torch(shape, size, ties, device):
    x = _values(shape, ties)
    _check(lambda a: F.adaptive_max_pool3d(a, size), lambda a: TF.adaptive_max_pool3d(a, size),
           x, device)
    _check(lambda a: F.adaptive_avg_pool3d(a, size), lambda a: TF.adaptive_avg_pool3d(a, size),
           x, device)


@pytest.mark.parametrize("nd, shape, size", [
    (1, (2, 3, 7), 3), (1, (3, 5), 4), (2, (1, 2, 7, 5), (3, 2)), (2, (2, 5, 7), (5, 3)),
    (2, (1, 1, 3, 3), (4, 5)), (3, (1, 2, 5, 7, 3), (3, 4, 2)), (3, (1, 2, 4, 4, 4), 2)])
def test_adaptive_max_indices_match_torch_for_uneven_windows(nd, shape, size, device):
    x = _values(shape, ties=True)
    ours = getattr(F, f"adaptive_max_pool{nd}d")
    theirs = getattr(TF, f"adaptive_max_pool{nd}d")
    ty, tidx = theirs(torch.tensor(x), size, return_indices=True)
    for y, idx in (ours(xg.tensor(x, device=device), size, return_indices=True),
                   getattr(F, f"adaptive_max_pool{nd}d_with_indices")(
                       xg.tensor(x, device=device), size)):
        assert idx.dtype == xg.int64
        np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
    # the values of the indices path carry the gradient too
    _check(lambda a: ours(a, size, return_indices=True)[0],
           lambda a: theirs(a, size, return_indices=True)[0], _values(shape), device)


# ---- LP pooling ---------------------------------------------------------------------------------
LP = [
    (1, (2, 3, 9), {"norm_type": 2, "kernel_size": 3}),
    (1, (1, 2, 10), {"norm_type": 1.5, "kernel_size": 3, "stride": 2, "ceil_mode": True}),
    (2, (2, 2, 6, 6), {"norm_type": 2, "kernel_size": 2}),
    (2, (1, 2, 7, 6), {"norm_type": 3, "kernel_size": (3, 2), "stride": (2, 1),
                       "ceil_mode": True}),
    (2, (2, 5, 5), {"norm_type": 1, "kernel_size": 2, "stride": 1}),
    (2, (1, 2, 5, 5), {"norm_type": float("inf"), "kernel_size": 2}),
    (3, (1, 2, 4, 5, 4), {"norm_type": 2, "kernel_size": 2}),
    (3, (1, 1, 5, 4, 5), {"norm_type": 2.5, "kernel_size": (3, 2, 2), "stride": (2, 1, 2),
                          "ceil_mode": True}),
]


@pytest.mark.parametrize("nd, shape, kw", LP)
def test_lp_pool_matches_torch(nd, shape, kw, device):
    x = np.abs(_values(shape)) + 0.1         # fractional powers of negatives are NaN in both
    _check(lambda a: getattr(F, f"lp_pool{nd}d")(a, **kw),
           lambda a: getattr(TF, f"lp_pool{nd}d")(a, **kw), x, device, tol=1e-10)


def test_lp_pool_of_signed_input_and_a_zero_window_as_torch():
    x = _values((1, 1, 4, 4))
    x[..., :2, :2] = 0.0                      # a window whose power sum is 0: gradient 0
    with np.errstate(divide="ignore", invalid="ignore"):
        _check(lambda a: F.lp_pool2d(a, 2, 2), lambda a: TF.lp_pool2d(a, 2, 2), x, tol=1e-10)


# ---- max unpooling ------------------------------------------------------------------------------
UNPOOL = [
    (1, (2, 3, 8), {"kernel_size": 2}, None),
    (1, (1, 2, 9), {"kernel_size": 3, "stride": 2, "padding": 1}, None),
    (2, (1, 2, 6, 6), {"kernel_size": 2}, None),
    (2, (2, 5, 7), {"kernel_size": (2, 3), "stride": (2, 2)}, (5, 7)),          # unbatched
    (2, (1, 1, 7, 7), {"kernel_size": 3, "stride": 2, "padding": 1}, (1, 1, 7, 7)),
    (3, (1, 2, 4, 4, 4), {"kernel_size": 2}, None),
    (3, (1, 1, 5, 4, 5), {"kernel_size": (2, 2, 3), "stride": (2, 1, 2)}, (5, 4, 5)),
]


@pytest.mark.parametrize("nd, shape, kw, size", UNPOOL)
def test_max_unpool_inverts_max_pool_as_torch(nd, shape, kw, size, device):
    x = _values(shape)
    pool = getattr(F, f"max_pool{nd}d")
    y, idx = pool(xg.tensor(x, device=device), return_indices=True, **kw)
    ty, tidx = getattr(TF, f"max_pool{nd}d")(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    unpool, tunpool = getattr(F, f"max_unpool{nd}d"), getattr(TF, f"max_unpool{nd}d")
    _check(lambda a: unpool(a, idx, output_size=size, **kw),
           lambda a: tunpool(a, tidx, output_size=size, **kw), y.numpy(), device)
    # the round trip keeps every maximum in place and zeros the rest
    back = unpool(y, idx, output_size=size, **kw).numpy()
    if size is not None or back.shape == x.shape:
        assert back.shape == x.shape
        kept = back != 0
        np.testing.assert_array_equal(back[kept], x[kept])


def test_max_unpool_gradcheck():
    x = _values((1, 2, 4, 4))
    y, idx = F.max_pool2d(xg.tensor(x), 2, return_indices=True)
    yy = xg.tensor(y.numpy(), dtype="float64", requires_grad=True)
    assert xg.gradcheck(lambda a: F.max_unpool2d(a, idx, 2), (yy,))


@pytest.mark.parametrize("call, error, match", [
    (lambda y, i: F.max_unpool2d(y, i, 2, output_size=(9, 9)), ValueError,
     r'max_unpool2d: invalid output_size "\[9, 9\]" \(dim 0 must be between 2 and 6\)'),
    (lambda y, i: F.max_unpool2d(y, i, 2, output_size=(4, 4, 4)), ValueError,
     r"max_unpool2d: output_size should be a sequence containing 2 or 4 elements"),
    (lambda y, i: F.max_unpool2d(y, i[..., :1], 2), ValueError,
     r"max_unpool2d: expected shape of indices to be same as that of the input"),
    (lambda y, i: F.max_unpool2d(y, i.astype("float64"), 2), TypeError,
     r"max_unpool2d: indices must be an integer Tensor"),
    (lambda y, i: F.max_unpool2d(y, i + 100, 2), RuntimeError,
     r"max_unpool2d: found an invalid max index 1\d\d \(output volumes are of size 4 x 4\)"),
    (lambda y, i: F.max_unpool3d(y[0], i[0], 2), ValueError,
     r"max_unpool3d: expected 4D \(unbatched\) or 5D \(batched\) input"),
    (lambda y, i: F.lp_pool2d(y, 0, 2), ValueError, r"lp_pool2d: norm_type must be a non-zero"),
    (lambda y, i: F.lp_pool3d(y[0], 2, 2), ValueError, r"lp_pool3d: expected 4D \(unbatched\)"),
    (lambda y, i: F.avg_pool3d(y[0], 2), ValueError, r"avg_pool3d: expected 4D \(unbatched\)"),
    (lambda y, i: F.adaptive_max_pool3d(y[None], (1, 0, 1)), ValueError,
     r"adaptive_max_pool3d: output_size must be positive"),
])
def test_errors_name_the_op(call, error, match):
    y, idx = F.max_pool2d(xg.randn(1, 2, 4, 4), 2, return_indices=True)
    with pytest.raises(error, match=match):
        call(y, idx)


# ---- modules ------------------------------------------------------------------------------------
MODULES = [
    (lambda m: m.MaxPool3d(2), (2, 2, 4, 4, 4)),
    (lambda m: m.MaxPool3d((2, 3, 2), stride=(1, 2, 2), padding=1, dilation=(1, 1, 2),
                           ceil_mode=True), (1, 2, 4, 5, 6)),
    (lambda m: m.AvgPool3d(2), (2, 2, 4, 4, 4)),
    (lambda m: m.AvgPool3d(3, 2, 1, ceil_mode=True, count_include_pad=False,
                           divisor_override=None), (1, 2, 5, 6, 5)),
    (lambda m: m.AvgPool3d(2, 1, divisor_override=3), (1, 1, 3, 3, 3)),
    (lambda m: m.AdaptiveAvgPool3d((2, None, 1)), (1, 2, 5, 4, 3)),
    (lambda m: m.AdaptiveMaxPool3d(2), (1, 2, 5, 4, 3)),
    (lambda m: m.LPPool1d(2, 3, stride=2), (2, 3, 9)),
    (lambda m: m.LPPool2d(1.5, (3, 2), ceil_mode=True), (1, 2, 7, 5)),
    (lambda m: m.LPPool3d(2, 2), (1, 2, 4, 4, 4)),
]


@pytest.mark.parametrize("make, shape", MODULES)
def test_pool_modules_match_torch(make, shape, device):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.parameters()) == [] and list(ours.state_dict()) == []
    _check(ours, theirs, np.abs(_values(shape)) + 0.1, device, tol=1e-10)


@pytest.mark.parametrize("nd, shape", [(1, (1, 2, 8)), (2, (1, 2, 6, 6)), (3, (1, 1, 4, 4, 4))])
def test_unpool_modules_invert_return_indices_modules(nd, shape, device):
    ours_pool = getattr(nn, f"MaxPool{nd}d")(2, return_indices=True)
    ours = getattr(nn, f"MaxUnpool{nd}d")(2)
    theirs_pool = getattr(torch.nn, f"MaxPool{nd}d")(2, return_indices=True)
    theirs = getattr(torch.nn, f"MaxUnpool{nd}d")(2)
    assert repr(ours) == repr(theirs)
    assert (ours.kernel_size, ours.stride, ours.padding) == \
        (theirs.kernel_size, theirs.stride, theirs.padding)
    x = _values(shape)
    y, idx = ours_pool(xg.tensor(x, device=device))
    ty, tidx = theirs_pool(torch.tensor(x))
    out = ours(y, idx, output_size=list(shape))
    np.testing.assert_array_equal(out.numpy(), theirs(ty, tidx, output_size=list(shape)).numpy())
    assert repr(nn.MaxUnpool2d((2, 3), stride=1, padding=(0, 1))) == \
        repr(torch.nn.MaxUnpool2d((2, 3), stride=1, padding=(0, 1)))


def test_max_pool3d_module_return_indices_and_unpool_round_trip():
    x = _values((1, 1, 4, 4, 4), ties=True)
    y, idx = nn.MaxPool3d(2, return_indices=True)(xg.tensor(x))
    ty, tidx = torch.nn.MaxPool3d(2, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    np.testing.assert_array_equal(nn.MaxUnpool3d(2)(y, idx).numpy(),
                                  torch.nn.MaxUnpool3d(2)(ty, tidx).numpy())
