"""F.interpolate and the Upsample layers (nn/resample_*.py, nn/sampling_upsample.py) against
PyTorch: every mode, rank, align_corners and size / scale_factor form, up- and downsampling
to odd sizes, values and input gradients in float64 and float32, reprs, the errors, the
strict device, and float64 gradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(0)

# (mode, align_corners, input shape): every mode on each rank it accepts
MODES = [
    ("nearest", None, (2, 3, 7)), ("nearest", None, (1, 2, 5, 7)),
    ("nearest", None, (1, 2, 3, 4, 5)),
    ("nearest-exact", None, (2, 3, 7)), ("nearest-exact", None, (1, 2, 5, 7)),
    ("nearest-exact", None, (1, 1, 3, 4, 5)),
    ("linear", False, (2, 3, 7)), ("linear", True, (2, 3, 7)),
    ("bilinear", False, (2, 2, 5, 7)), ("bilinear", True, (2, 2, 5, 7)),
    ("trilinear", False, (1, 2, 3, 4, 5)), ("trilinear", True, (1, 2, 3, 4, 5)),
    ("bicubic", False, (2, 2, 5, 7)), ("bicubic", True, (2, 2, 5, 7)),
    ("area", None, (2, 3, 7)), ("area", None, (1, 2, 7, 5)), ("area", None, (1, 1, 5, 7, 4)),
]
# up and down, odd sizes (7 -> 3, 5 -> 8), one value for every axis or one per axis
SIZES = [1, 3, 8, (8, 3, 2), (2, 9, 6)]
SCALES = [0.5, 0.7, 2, 2.5, 1.7, (1.5, 0.6, 3.0), (2, 2, 2)]


def _per_axis(value, nd):
    return tuple(value[:nd]) if isinstance(value, tuple) else value


def _torch_nearest_backward_differs(mode, shape, kw):
    """PyTorch's nearest backward special-cases out == in and out == 2 * in even where its
    forward (given a scale_factor) does not, so its gradient is not its forward's adjoint
    there (see test_nearest_gradient_is_the_adjoint_of_the_forward)."""
    if mode != "nearest" or "scale_factor" not in kw or kw.get("recompute_scale_factor"):
        return False
    scales = kw["scale_factor"]
    scales = scales if isinstance(scales, tuple) else (scales,) * (len(shape) - 2)
    for n, s in zip(shape[2:], scales):
        out = int(n * s)
        if s not in (1.0, 2.0) and out in (n, 2 * n):
            return True
    return False


def _compare(mode, align_corners, shape, kw, dtype, device="cpu"):
    x = RNG.standard_normal(shape)
    xt = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    yt = TF.interpolate(xt, mode=mode, align_corners=align_corners, **kw)
    xo = xg.tensor(x, dtype=dtype, device=device, requires_grad=True)
    yo = F.interpolate(xo, mode=mode, align_corners=align_corners, **kw)
    assert yo.shape == tuple(yt.shape) and yo.dtype.name == dtype and yo.device == xo.device
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), **tol)
    g = RNG.standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(g, dtype=xt.dtype))
    (yo * xg.tensor(g, dtype=dtype, device=device)).sum().backward()
    if not _torch_nearest_backward_differs(mode, shape, kw):
        np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), **tol)


@pytest.mark.parametrize("mode,align_corners,shape", MODES,
                         ids=[f"{m}-{a}-{len(s) - 2}d" for m, a, s in MODES])
def test_interpolate_matches_torch(mode, align_corners, shape):
    nd = len(shape) - 2
    cases = ([dict(size=_per_axis(s, nd)) for s in SIZES]
             + [dict(scale_factor=_per_axis(s, nd)) for s in SCALES]
             + [dict(scale_factor=1.7, recompute_scale_factor=True)])
    for kw in cases:
        for dtype in ("float64", "float32"):
            _compare(mode, align_corners, shape, kw, dtype)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear"])
def test_one_axis_index_rules_match_torch(mode):
    """Every input length 1..12 to every output length 1..14 and to the tricky scale factors
    (1.05 and 2.05 keep or double the size), forward in float32: the indices agree exactly."""
    align = None if mode.startswith("nearest") else False
    for n in range(1, 13):
        x = RNG.standard_normal((1, 1, n)).astype(np.float32)
        kws = [dict(size=s) for s in range(1, 15)]
        kws += [dict(scale_factor=f) for f in (0.3, 0.5, 1.05, 1.2, 1.9, 2.05, 3.3)]
        for kw in kws:
            if int(n * kw.get("scale_factor", 1)) == 0:
                continue
            yt = TF.interpolate(torch.tensor(x), mode=mode, align_corners=align, **kw)
            yo = F.interpolate(xg.tensor(x), mode=mode, align_corners=align, **kw)
            np.testing.assert_allclose(yo.numpy(), yt.numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{n} {kw}")


def test_nearest_gradient_is_the_adjoint_of_the_forward():
    """scale_factor 1.2 keeps 4 -> 4, yet PyTorch's forward reads [0, 0, 1, 2]; its backward
    treats the axis as a copy. Ours is the transpose of the forward (torch's forward matrix)."""
    x = xg.tensor(RNG.standard_normal((1, 1, 4)), dtype="float64", requires_grad=True)
    y = F.interpolate(x, scale_factor=1.2)
    basis = torch.eye(4, dtype=torch.float64).reshape(4, 1, 4)
    matrix = TF.interpolate(basis, scale_factor=1.2)[:, 0, :].T.numpy()     # (out, in)
    np.testing.assert_array_equal(y.numpy()[0, 0], matrix @ x.numpy()[0, 0])
    g = RNG.standard_normal(4)
    (y * xg.tensor(g.reshape(1, 1, 4))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[0, 0], g @ matrix, rtol=1e-12)


def test_nearest_keeps_integer_dtypes():
    x = np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4)    # torch takes uint8, not int64
    yo = F.interpolate(xg.tensor(x), scale_factor=(2, 1.5))
    yt = TF.interpolate(torch.tensor(x), scale_factor=(2, 1.5))
    assert yo.dtype == xg.uint8
    np.testing.assert_array_equal(yo.numpy(), yt.numpy())


def test_identity_size_returns_a_new_tensor():
    x = xg.randn(1, 2, 3, 4, requires_grad=True)
    y = F.interpolate(x, size=(3, 4), mode="bilinear")
    assert y is not x
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((1, 2, 3, 4)))


@pytest.mark.parametrize("mode,align_corners", [("bilinear", False), ("bilinear", True),
                                                ("nearest", None)])
def test_interpolate_on_device(device, mode, align_corners):
    _compare(mode, align_corners, (2, 2, 5, 7), dict(size=(3, 8)), "float64", device)
    _compare(mode, align_corners, (2, 2, 5, 7), dict(scale_factor=1.5), "float32", device)


@pytest.mark.parametrize("mode,align_corners", [("bilinear", False), ("bilinear", True),
                                                ("bicubic", False), ("bicubic", True),
                                                ("trilinear", False)])
def test_interpolate_gradcheck(mode, align_corners):
    shape = (1, 2, 3, 2, 3) if mode == "trilinear" else (1, 2, 4, 3)
    x = xg.tensor(RNG.standard_normal(shape), dtype="float64", requires_grad=True)
    size = (2, 3, 5) if mode == "trilinear" else (3, 5)
    fn = lambda v: F.interpolate(v, size=size, mode=mode, align_corners=align_corners)  # noqa: E731
    assert xg.gradcheck(fn, (x,))
    assert xg.gradgradcheck(lambda v: fn(v) ** 2, (x,))


def test_interpolate_errors():
    x4 = xg.randn(1, 1, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x4, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x4)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x4, size=2, mode="nearest", align_corners=True)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x4, size=2, mode="area", align_corners=False)
    with pytest.raises(NotImplementedError, match="bilinear mode needs 4D input"):
        F.interpolate(xg.randn(1, 1, 4), size=2, mode="bilinear")
    with pytest.raises(NotImplementedError, match="linear mode needs 3D input"):
        F.interpolate(x4, size=2, mode="linear")
    with pytest.raises(NotImplementedError, match="trilinear mode needs 5D input"):
        F.interpolate(x4, size=2, mode="trilinear")
    with pytest.raises(NotImplementedError, match="bicubic mode needs 4D input"):
        F.interpolate(xg.randn(1, 1, 2, 2, 2), size=2, mode="bicubic")
    with pytest.raises(NotImplementedError, match=r"3D, 4D and 5D .*shape \(4, 4\)"):
        F.interpolate(xg.randn(4, 4), size=2)
    with pytest.raises(ValueError, match="unknown mode 'cubic'"):
        F.interpolate(x4, size=2, mode="cubic")
    with pytest.raises(ValueError, match=r"spatial dimensions of \[4, 4\] and output size"):
        F.interpolate(x4, size=(2, 2, 2))
    with pytest.raises(ValueError, match="scale_factor of"):
        F.interpolate(x4, scale_factor=(2.0,))
    with pytest.raises(TypeError, match="expected size to be an int"):
        F.interpolate(x4, size=2.5)
    with pytest.raises(TypeError, match="expected scale_factor"):
        F.interpolate(x4, scale_factor="2")
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(x4, size=2, recompute_scale_factor=True)
    with pytest.raises(ValueError, match=r"greater than 0.*\(1, 1, 4, 4\).*\(0, 0\)"):
        F.interpolate(x4, scale_factor=0.1)
    with pytest.raises(TypeError, match="needs a floating-point input, got int64"):
        F.interpolate(xg.tensor(np.zeros((1, 1, 2, 2), dtype=np.int64)), size=3,
                      mode="bilinear")
    with pytest.raises(ValueError, match="anti-alias option is restricted"):
        F.interpolate(x4, size=2, mode="nearest", antialias=True)
    with pytest.raises(TypeError, match="interpolate"):
        F.interpolate(np.zeros((1, 1, 2, 2)), size=3)


UPSAMPLES = [
    ("Upsample(scale_factor=2)", lambda m: m.Upsample(scale_factor=2)),
    ("Upsample(size=(3,5),bilinear)", lambda m: m.Upsample(size=(3, 5), mode="bilinear")),
    ("Upsample(scale_factor=(1.5,2),bicubic,ac)",
     lambda m: m.Upsample(scale_factor=(1.5, 2), mode="bicubic", align_corners=True)),
    ("Upsample(recompute)", lambda m: m.Upsample(scale_factor=1.7, mode="bilinear",
                                                 recompute_scale_factor=True)),
    ("Upsample(nearest-exact)", lambda m: m.Upsample(size=3, mode="nearest-exact")),
    ("UpsamplingNearest2d", lambda m: m.UpsamplingNearest2d(scale_factor=3)),
    ("UpsamplingNearest2d(size)", lambda m: m.UpsamplingNearest2d(size=(2, 9))),
    ("UpsamplingBilinear2d", lambda m: m.UpsamplingBilinear2d(scale_factor=2)),
    ("UpsamplingBilinear2d(size)", lambda m: m.UpsamplingBilinear2d(size=3)),
]


@pytest.mark.parametrize("make", [m for _, m in UPSAMPLES], ids=[n for n, _ in UPSAMPLES])
def test_upsample_layers_match_torch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == [] and list(ours.parameters()) == []
    for attr in ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor",
                 "name"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    x = RNG.standard_normal((2, 3, 5, 4))
    xo = xg.tensor(x, dtype="float64", requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_upsample_defaults_and_deprecated_forms():
    up = nn.Upsample()
    assert (up.size, up.scale_factor, up.mode, up.align_corners) == (None, None, "nearest",
                                                                      None)
    x = RNG.standard_normal((1, 2, 3, 4))
    for ours, theirs, kw in ((F.upsample, TF.upsample, dict(scale_factor=2, mode="bilinear")),
                             (F.upsample_nearest, TF.upsample_nearest, dict(size=5)),
                             (F.upsample_bilinear, TF.upsample_bilinear, dict(size=(2, 7)))):
        with pytest.warns(UserWarning, match="deprecated"):
            yo = ours(xg.tensor(x, dtype="float64"), **kw)
        with pytest.warns(UserWarning):
            yt = theirs(torch.tensor(x), **kw)
        np.testing.assert_allclose(yo.numpy(), yt.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kwargs", [{"size": (5, 4)}, {"scale_factor": 0.37},
                                    {"size": (30, 20)}, {"scale_factor": (0.5, 1.7)}])
def test_antialias_matches_torch(mode, align_corners, kwargs):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 3, 17, 13))
    xt, xo = torch.tensor(x, requires_grad=True), xg.tensor(x, requires_grad=True)
    yt = torch.nn.functional.interpolate(xt, mode=mode, align_corners=align_corners,
                                         antialias=True, **kwargs)
    yo = F.interpolate(xo, mode=mode, align_corners=align_corners, antialias=True, **kwargs)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-13)
    w = np.random.default_rng(2).standard_normal(tuple(yt.shape))
    (yt * torch.tensor(w)).sum().backward()
    (yo * xg.tensor(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-11, atol=1e-12)
    x32 = x.astype(np.float32)
    np.testing.assert_allclose(
        F.interpolate(xg.tensor(x32), mode=mode, align_corners=align_corners, antialias=True,
                      **kwargs).numpy(),
        torch.nn.functional.interpolate(torch.tensor(x32), mode=mode, antialias=True,
                                        align_corners=align_corners, **kwargs).numpy(),
        rtol=1e-5, atol=1e-5)


def test_antialias_weights_by_hand_and_errors(device):
    # halving widens the triangle filter to 2 inputs each side: the inner outputs weigh
    # 1/8, 3/8, 3/8, 1/8; the edge ones lose a tap and renormalise 3/4, 3/4, 1/4 to sevenths
    x = xg.arange(8.0, dtype="float64", device=device).reshape(1, 1, 1, 8)
    y = F.interpolate(x, size=(1, 4), mode="bilinear", antialias=True)
    np.testing.assert_allclose(y.numpy().ravel(), [5 / 7, 2.5, 4.5, 44 / 7], rtol=1e-12)
    with pytest.raises(ValueError, match="anti-alias option is restricted"):
        F.interpolate(xg.ones(1, 1, 4), size=2, mode="linear", antialias=True)
