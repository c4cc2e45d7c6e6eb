"""Pixel / channel shuffles, the bilinear form, pdist and local response norm
(nn/sampling_shuffle.py, nn/sampling_forms.py) against PyTorch: values, gradients w.r.t.
inputs and parameters, state_dict keys, reprs, initialisation, errors, the strict device
and float64 gradcheck."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(1)


def _check_fn(ours, theirs, shapes, device="cpu", dtype="float64", inputs=None):
    """Same values and input gradients (float64 unless told) for random inputs."""
    arrays = inputs if inputs is not None else [RNG.standard_normal(s) for s in shapes]
    xo = [xg.tensor(a, dtype=dtype, device=device, requires_grad=True) for a in arrays]
    xt = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in arrays]
    yo, yt = ours(*xo), theirs(*xt)
    assert yo.shape == tuple(yt.shape) and yo.dtype.name == dtype
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), **tol)
    g = RNG.standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(g, dtype=yt.dtype))
    (yo * xg.tensor(g, dtype=dtype, device=device)).sum().backward()
    for a, b in zip(xo, xt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)


# ---- shuffles ------------------------------------------------------------------------------
SHUFFLES = [
    ("pixel_shuffle", 2, (2, 8, 3, 4)), ("pixel_shuffle", 3, (9, 2, 2)),
    ("pixel_shuffle", 2, (2, 3, 4, 2, 3)), ("pixel_shuffle", 1, (1, 3, 2, 2)),
    ("pixel_unshuffle", 2, (2, 2, 4, 6)), ("pixel_unshuffle", 3, (1, 3, 3)),
    ("pixel_unshuffle", 2, (2, 1, 3, 4, 2)),
    ("channel_shuffle", 2, (2, 6, 3)), ("channel_shuffle", 3, (1, 6, 2, 2)),
    ("channel_shuffle", 4, (2, 8, 1, 2, 3)),
]


@pytest.mark.parametrize("name,factor,shape", SHUFFLES,
                         ids=[f"{n}-{f}-{s}" for n, f, s in SHUFFLES])
def test_shuffles_match_torch(name, factor, shape):
    _check_fn(lambda x: getattr(F, name)(x, factor), lambda x: getattr(TF, name)(x, factor),
              [shape])


def test_shuffle_modules_and_reprs():
    for ours, theirs, shape in ((nn.PixelShuffle(2), torch.nn.PixelShuffle(2), (1, 8, 2, 3)),
                                (nn.PixelUnshuffle(3), torch.nn.PixelUnshuffle(3),
                                 (1, 2, 6, 3)),
                                (nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2),
                                 (2, 4, 3))):
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == []
        _check_fn(ours, theirs, [shape])
    x = xg.randn(2, 12, 3, 5)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(),
                                  x.numpy())


def test_pixel_shuffle_on_device(device):
    _check_fn(lambda x: F.pixel_shuffle(x, 2), lambda x: TF.pixel_shuffle(x, 2),
              [(2, 8, 3, 2)], device=device, dtype="float32")
    _check_fn(lambda x: F.pixel_unshuffle(x, 2), lambda x: TF.pixel_unshuffle(x, 2),
              [(2, 2, 4, 2)], device=device)


def test_shuffle_errors():
    with pytest.raises(ValueError, match=r"divisible by the square of upscale_factor.*"
                                         r"input.size\(-3\)=2 is not divisible by 4"):
        F.pixel_shuffle(xg.zeros(2, 3, 4), 2)
    with pytest.raises(ValueError, match=r"at least 3 dimensions.*\(3, 4\)"):
        F.pixel_shuffle(xg.zeros(3, 4), 2)
    with pytest.raises(ValueError, match=r"height to be divisible.*size\(-2\)=3"):
        F.pixel_unshuffle(xg.zeros(1, 3, 4), 2)
    with pytest.raises(ValueError, match=r"width to be divisible.*size\(-1\)=5"):
        F.pixel_unshuffle(xg.zeros(1, 4, 5), 2)
    with pytest.raises(ValueError, match="positive upscale_factor, but got 0"):
        F.pixel_shuffle(xg.zeros(1, 4, 2, 2), 0)
    with pytest.raises(TypeError, match="upscale_factor must be an int"):
        nn.PixelShuffle(2.0)
    with pytest.raises(ValueError, match="Got 3 channels and 2 groups"):
        F.channel_shuffle(xg.zeros(2, 3, 4), 2)
    with pytest.raises(ValueError, match=r"> 2 dims.*\(2, 4\)"):
        F.channel_shuffle(xg.zeros(2, 4), 2)


# ---- bilinear ------------------------------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("lead", [(5,), (2, 3), ()])
def test_bilinear_module_matches_torch(bias, lead):
    ours = nn.Bilinear(4, 3, 2, bias=bias).double()
    theirs = torch.nn.Bilinear(4, 3, 2, bias=bias).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight.shape == tuple(theirs.weight.shape)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x1, x2 = RNG.standard_normal(lead + (4,)), RNG.standard_normal(lead + (3,))
    xo1, xo2 = (xg.tensor(a, dtype="float64", requires_grad=True) for a in (x1, x2))
    xt1, xt2 = (torch.tensor(a, requires_grad=True) for a in (x1, x2))
    yo, yt = ours(xo1, xo2), theirs(xt1, xt2)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(tuple(yt.shape))
    (yo * xg.tensor(g)).sum().backward()
    yt.backward(torch.tensor(g))
    for a, b in ((xo1, xt1), (xo2, xt2)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), params[name].grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=name)


def test_bilinear_init_and_gradcheck():
    xg.manual_seed(0)
    layer = nn.Bilinear(16, 3, 40)
    bound = 1 / math.sqrt(16)
    w, b = layer.weight.numpy(), layer.bias.numpy()
    assert layer.weight.dtype == xg.float32 and w.shape == (40, 16, 3)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound and abs(w.mean()) < 0.05 and w.std() > 0.8 * bound / 3 ** .5
    x1, x2 = (xg.tensor(RNG.standard_normal(s), dtype="float64", requires_grad=True)
              for s in ((3, 4), (3, 2)))
    weight = xg.tensor(RNG.standard_normal((2, 4, 2)), dtype="float64", requires_grad=True)
    bias = xg.tensor(RNG.standard_normal(2), dtype="float64", requires_grad=True)
    assert xg.gradcheck(F.bilinear, (x1, x2, weight, bias))
    assert xg.gradgradcheck(lambda a, c, w: F.bilinear(a, c, w) ** 2, (x1, x2, weight))


def test_bilinear_on_device(device):
    w, b = RNG.standard_normal((2, 4, 3)), RNG.standard_normal(2)
    _check_fn(lambda x1, x2: F.bilinear(x1, x2, xg.tensor(w, dtype="float64", device=device),
                                        xg.tensor(b, dtype="float64", device=device)),
              lambda x1, x2: TF.bilinear(x1, x2, torch.tensor(w), torch.tensor(b)),
              [(5, 4), (5, 3)], device=device)


def test_bilinear_errors():
    w = xg.zeros(5, 3, 4)
    with pytest.raises(ValueError, match="batch dimensions do not match"):
        F.bilinear(xg.zeros(2, 3), xg.zeros(3, 4), w)
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(\*, 3\) and \(\*, 4\)"):
        F.bilinear(xg.zeros(2, 2), xg.zeros(2, 4), w)
    with pytest.raises(ValueError, match="3-D weight"):
        F.bilinear(xg.zeros(2, 3), xg.zeros(2, 4), xg.zeros(3, 4))
    with pytest.raises(ValueError, match=r"bias of shape \(5,\)"):
        F.bilinear(xg.zeros(2, 3), xg.zeros(2, 4), w, xg.zeros(4))
    with pytest.raises(TypeError, match="one dtype"):
        F.bilinear(xg.zeros(2, 3), xg.zeros(2, 4, dtype="float64"), w)
    with pytest.raises(ValueError, match="positive ints"):
        nn.Bilinear(0, 2, 3)


# ---- pdist ---------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 1, 0, 0.5, 1.5, 3, math.inf])
def test_pdist_matches_torch_with_repeated_rows(p):
    x = RNG.standard_normal((6, 3))
    x[3] = x[1]                       # a zero distance: gradient 0, as PyTorch
    x[4, 0] = x[0, 0]                 # a zero entry in one difference (p < 1 is guarded)
    _check_fn(lambda v: F.pdist(v, p), lambda v: torch.pdist(v, p), None, inputs=[x])


def test_pdist_float32_sizes_and_device(device):
    _check_fn(lambda v: F.pdist(v), lambda v: torch.pdist(v), [(7, 4)], device=device,
              dtype="float32")
    for n in (0, 1, 2, 50):           # pair order from the closed form, checked at length
        out = F.pdist(xg.tensor(RNG.standard_normal((n, 2))))
        assert out.shape == (n * (n - 1) // 2,)
    x = RNG.standard_normal((50, 2))
    np.testing.assert_allclose(F.pdist(xg.tensor(x, dtype="float64")).numpy(),
                               torch.pdist(torch.tensor(x)).numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match=r"only supports 2D tensors.*\(2, 3, 4\)"):
        F.pdist(xg.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="non-negative p"):
        F.pdist(xg.zeros(2, 3), -1)


def test_pdist_gradcheck():
    x = xg.tensor(RNG.standard_normal((4, 3)), dtype="float64", requires_grad=True)
    assert xg.gradcheck(lambda v: F.pdist(v), (x,))
    assert xg.gradcheck(lambda v: F.pdist(v, 3), (x,))


# ---- local response norm -------------------------------------------------------------------
@pytest.mark.parametrize("size,shape", [(2, (2, 5, 4)), (3, (2, 6, 3, 4)), (5, (1, 4, 2, 2, 3)),
                                        (1, (2, 3, 2))])
def test_local_response_norm_matches_torch(size, shape):
    kw = dict(alpha=0.3, beta=0.6, k=2.0)
    _check_fn(lambda x: F.local_response_norm(x, size, **kw),
              lambda x: TF.local_response_norm(x, size, **kw), [shape])
    ours, theirs = nn.LocalResponseNorm(size), torch.nn.LocalResponseNorm(size)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == []
    _check_fn(ours, theirs, [shape], dtype="float32")


def test_local_response_norm_gradcheck_and_errors(device):
    x = xg.tensor(RNG.standard_normal((2, 4, 3)), dtype="float64", device=device,
                  requires_grad=True)
    assert xg.gradcheck(lambda v: F.local_response_norm(v, 3, alpha=0.5), (x,))
    assert repr(nn.LocalResponseNorm(2, 1e-3, 0.5, 2)) == repr(
        torch.nn.LocalResponseNorm(2, 1e-3, 0.5, 2))
    with pytest.raises(ValueError, match="3D or higher.*got 2 dimensions"):
        F.local_response_norm(xg.zeros(2, 3), 2)
    with pytest.raises(TypeError, match="floating-point"):
        F.local_response_norm(xg.tensor(np.zeros((1, 2, 3), dtype=np.int64)), 2)
