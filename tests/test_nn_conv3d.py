"""3-D convolution (F.conv3d, F.conv_transpose3d, nn.Conv3d, nn.ConvTranspose3d) against
PyTorch: values, gradients of inputs and parameters, padding modes, reprs, state_dict keys and
default initialisation. Tiny shapes: a 3-D kernel multiplies the work."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
TF = torch.nn.functional


def _arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def _check(ours, theirs, arrays, device="cpu", seed=1):
    """Forward values and the gradients of every input for a random cotangent."""
    xs = [xg.tensor(a, dtype="float64", device=device, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    y, ty = ours(*xs), theirs(*ts)
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=1e-10, rtol=1e-9)
    g = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    y.backward(xg.tensor(g, dtype="float64", device=device))
    ty.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-10, rtol=1e-9)


CONV3D = [
    ((2, 2, 4, 5, 3), (3, 2, 2, 3, 2), {}),
    ((1, 2, 5, 5, 5), (2, 2, 3, 3, 3), {"stride": 2, "padding": 1}),
    ((1, 4, 5, 4, 6), (4, 2, 2, 2, 3), {"stride": (1, 2, 3), "padding": (1, 0, 2),
                                        "dilation": (2, 1, 1), "groups": 2}),
    ((1, 3, 4, 4, 4), (3, 1, 3, 3, 3), {"groups": 3, "padding": "same"}),     # depthwise
    ((1, 2, 5, 4, 4), (2, 2, 2, 3, 4), {"padding": "same", "dilation": (2, 1, 1)}),
    ((2, 3, 4, 5), (2, 2, 2, 2, 2), {"padding": "valid"}),                     # unbatched
    ((0, 2, 3, 3, 3), (2, 2, 2, 2, 2), {}),                                    # empty batch
]


@pytest.mark.parametrize("xs, ws, kw", CONV3D)
def test_conv3d_matches_torch(xs, ws, kw, device):
    arrays = _arrays(xs, ws, (ws[0],))
    _check(lambda *a: F.conv3d(*a, **kw), lambda *a: TF.conv3d(*a, **kw), arrays, device)


def test_conv3d_without_bias_and_float32():
    x, w = _arrays((2, 2, 4, 4, 4), (3, 2, 3, 3, 3))
    _check(lambda a, b: F.conv3d(a, b, stride=(2, 1, 1)),
           lambda a, b: TF.conv3d(a, b, stride=(2, 1, 1)), [x, w])
    y = F.conv3d(xg.tensor(x, dtype="float32"), xg.tensor(w, dtype="float32"))
    assert y.dtype == xg.float32
    ty = TF.conv3d(torch.tensor(x, dtype=torch.float32), torch.tensor(w, dtype=torch.float32))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=1e-5)


CONV_T3D = [
    ((2, 3, 2, 3, 2), (3, 2, 2, 2, 3), {}),
    ((1, 2, 3, 2, 3), (2, 3, 3, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((1, 4, 2, 3, 2), (4, 1, 2, 3, 2), {"stride": (2, 1, 3), "groups": 2, "dilation": (1, 2, 1),
                                        "output_padding": (1, 0, 2)}),
    ((2, 2, 3, 2), (2, 2, 2, 2, 2), {"stride": 2}),                            # unbatched
]


@pytest.mark.parametrize("xs, ws, kw", CONV_T3D)
def test_conv_transpose3d_matches_torch(xs, ws, kw, device):
    arrays = _arrays(xs, ws, (ws[1] * kw.get("groups", 1),))
    _check(lambda *a: F.conv_transpose3d(*a, **kw), lambda *a: TF.conv_transpose3d(*a, **kw),
           arrays, device)


def test_conv3d_second_order_against_torch():
    x0, w0 = _arrays((1, 2, 4, 4, 3), (2, 2, 2, 2, 2), seed=3)
    x, w = (xg.tensor(a, dtype="float64", requires_grad=True) for a in (x0, w0))
    tx, tw = (torch.tensor(a, requires_grad=True) for a in (x0, w0))
    gx, = xg.autograd.grad(F.conv3d(x, w, padding=1).tanh().sum(), [x], create_graph=True)
    (gx ** 2).sum().backward()
    tgx, = torch.autograd.grad(TF.conv3d(tx, tw, padding=1).tanh().sum(), [tx],
                               create_graph=True)
    (tgx ** 2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-10)


# ---- modules ----------------------------------------------------------------------------------
MODULES = [
    (lambda m: m.Conv3d(2, 4, 3), (2, 2, 4, 5, 4)),
    (lambda m: m.Conv3d(4, 2, (2, 3, 1), stride=(2, 1, 1), padding=1, dilation=(1, 2, 1),
                        groups=2, bias=False), (1, 4, 5, 5, 3)),
    (lambda m: m.Conv3d(2, 2, 3, padding="same"), (1, 2, 3, 4, 5)),
    (lambda m: m.Conv3d(2, 2, 3, padding=2, padding_mode="reflect"), (1, 2, 3, 4, 3)),
    (lambda m: m.Conv3d(1, 2, (2, 3, 2), padding=(1, 1, 2), padding_mode="replicate"),
     (2, 1, 3, 3, 3)),
    (lambda m: m.Conv3d(2, 2, 3, padding=1, padding_mode="circular"), (1, 2, 3, 4, 4)),
    (lambda m: m.Conv3d(2, 2, 2, padding="same", padding_mode="reflect"), (1, 2, 3, 3, 4)),
    (lambda m: m.ConvTranspose3d(3, 2, 3, stride=2, padding=1, output_padding=1),
     (1, 3, 2, 3, 2)),
    (lambda m: m.ConvTranspose3d(2, 4, (2, 1, 2), stride=(1, 2, 2), groups=2, dilation=2,
                                 bias=False), (2, 2, 2, 2, 3)),
]


@pytest.mark.parametrize("make, shape", MODULES)
def test_modules_match_torch(make, shape, device):
    ours, theirs = make(nn), make(torch.nn).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (_, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert tuple(p.shape) == tuple(tp.shape) and p.dtype == xg.float32
    state = {k: xg.tensor(v.detach().numpy(), dtype="float64", device=device)
             for k, v in theirs.state_dict().items()}
    ours.to(device, "float64")
    ours.load_state_dict(state)
    _check(ours, theirs, _arrays(shape), device)
    grads = {n: p.grad for n, p in ours.named_parameters()}
    for n, tp in theirs.named_parameters():
        np.testing.assert_allclose(grads[n].numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_conv_transpose3d_output_size_argument():
    ours, theirs = nn.ConvTranspose3d(2, 3, 3, stride=2), torch.nn.ConvTranspose3d(2, 3, 3,
                                                                                  stride=2)
    x = np.random.default_rng(0).standard_normal((1, 2, 2, 3, 2)).astype(np.float32)
    assert ours(xg.tensor(x), output_size=(6, 8, 5)).shape == \
        tuple(theirs(torch.tensor(x), output_size=(6, 8, 5)).shape) == (1, 3, 6, 8, 5)
    with pytest.raises(ValueError, match=r"ConvTranspose3d: requested an output size of"):
        ours(xg.tensor(x), output_size=(7, 7, 7))


@pytest.mark.parametrize("cls, args", [("Conv3d", (2, 6, 3)), ("Conv3d", (4, 8, (1, 3, 2), 1,
                                                                          0, 1, 2)),
                                       ("ConvTranspose3d", (4, 6, 2))])
def test_default_init_bounds_like_torch(cls, args):
    xg.manual_seed(0)
    layer = getattr(nn, cls)(*args)
    w = layer.weight.numpy()
    bound = 1 / math.sqrt(w.shape[1] * int(np.prod(w.shape[2:])))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(layer.bias.numpy()).max() <= bound
    assert tuple(getattr(torch.nn, cls)(*args).weight.shape) == w.shape


@pytest.mark.parametrize("call, match", [
    (lambda: F.conv3d(xg.ones(1, 2, 3, 3, 3), xg.ones(2, 2, 2, 2)),
     r"conv3d: expected a 5D weight"),
    (lambda: F.conv3d(xg.ones(1, 2, 2, 2, 2), xg.ones(1, 2, 3, 3, 3)),
     r"conv3d: calculated padded input size per channel: \(2 x 2 x 2\)"),
    (lambda: F.conv3d(xg.ones(1, 2, 3, 3, 3), xg.ones(1, 2, 2, 2, 2), stride=(1, 1)),
     r"conv3d: expected stride to be a single integer value or a list of 3 values"),
    (lambda: F.conv_transpose3d(xg.ones(1, 2, 2, 2, 2), xg.ones(2, 1, 2, 2, 2), stride=2,
                                output_padding=2),
     r"conv_transpose3d: output padding must be smaller than either stride or dilation"),
    (lambda: nn.Conv3d(3, 4, 3, groups=2), r"in_channels must be divisible by groups"),
    (lambda: nn.ConvTranspose3d(2, 2, 3, padding_mode="circular"),
     r'Only "zeros" padding mode is supported for ConvTranspose3d'),
])
def test_errors_name_the_op(call, match):
    with pytest.raises(ValueError, match=match):
        call()
