"""Convolution layers and functions against PyTorch: values, gradients, defaults, init,
parameter names, reprs, dtypes, shape errors (pooling: tests/test_nn_conv_pool.py)."""
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


def _pair(shape_x, shape_w, seed=0, bias=True):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape_x), rng.standard_normal(shape_w)]
    if bias:
        arrays.append(rng.standard_normal(shape_w[0]))
    return arrays


def _check(ours, theirs, arrays, device="cpu", atol=1e-10, seed=1):
    """Forward values and the gradients of every input for a random cotangent."""
    xs = [xg.tensor(a, dtype="float64", device=device, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    y, ty = ours(*xs), theirs(*ts)
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), atol=atol, rtol=1e-9)
    g = np.random.default_rng(seed).standard_normal(tuple(ty.shape))
    y.backward(xg.tensor(g, dtype="float64", device=device))
    ty.backward(torch.tensor(g))
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=atol, rtol=1e-9)


CONV2D = [
    ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    ((1, 1, 8, 8), (2, 1, 3, 3), {"stride": 2}),
    ((2, 2, 9, 7), (3, 2, 3, 2), {"stride": (2, 3), "padding": (1, 2)}),
    ((1, 4, 8, 8), (6, 2, 3, 3), {"groups": 2, "dilation": 2, "padding": 2}),
    ((2, 6, 5, 5), (6, 1, 3, 3), {"groups": 6, "padding": "same"}),          # depthwise
    ((1, 2, 6, 7), (2, 2, 4, 2), {"padding": "same", "dilation": (1, 2)}),   # even kernel
    ((1, 2, 6, 7), (2, 2, 4, 5), {"padding": "valid"}),
    ((3, 1, 5, 5), (1, 1, 1, 1), {}),                                         # 1x1, 1 channel
    ((1, 3, 10, 10), (2, 3, 5, 5), {"stride": 3, "padding": 2, "dilation": 1}),
    ((2, 3, 4, 5), (2, 3, 4, 5), {}),                                         # kernel = input
    ((3, 5, 6), (4, 3, 2, 2), {"padding": 1}),                                # unbatched
    ((0, 2, 5, 5), (3, 2, 3, 3), {"padding": 1}),                             # empty batch
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("xs, ws, kw", CONV2D)
def test_conv2d_matches_torch(xs, ws, kw, bias, device):
    arrays = _pair(xs, ws, bias=bias)
    _check(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), arrays, device)


CONV1D = [
    ((2, 3, 9), (4, 3, 3), {}),
    ((1, 2, 10), (4, 1, 4), {"stride": 3, "padding": 2, "groups": 2}),
    ((2, 2, 7), (2, 2, 3), {"dilation": 3, "padding": "same"}),
    ((3, 8), (2, 3, 2), {"padding": "same"}),                                 # unbatched
    ((1, 1, 5), (1, 1, 5), {}),
]


@pytest.mark.parametrize("xs, ws, kw", CONV1D)
def test_conv1d_matches_torch(xs, ws, kw, device):
    _check(lambda *a: F.conv1d(*a, **kw), lambda *a: TF.conv1d(*a, **kw), _pair(xs, ws),
           device)


CONV_T = [
    ((2, 3, 4, 5), (3, 2, 3, 3), {}),
    ((1, 2, 3, 3), (2, 3, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((2, 4, 3, 2), (4, 1, 2, 3), {"stride": (2, 1), "groups": 2, "dilation": (1, 2)}),
    ((1, 2, 2, 2), (2, 2, 3, 3), {"stride": 2, "dilation": 3, "output_padding": 2}),
    ((3, 3, 3), (3, 2, 2, 2), {"stride": 2}),                                 # unbatched
]


@pytest.mark.parametrize("xs, ws, kw", CONV_T)
def test_conv_transpose2d_matches_torch(xs, ws, kw, device):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws),
              rng.standard_normal(ws[1] * kw.get("groups", 1))]
    _check(lambda *a: F.conv_transpose2d(*a, **kw), lambda *a: TF.conv_transpose2d(*a, **kw),
           arrays, device)


def test_conv_transpose1d_matches_torch(device):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 4, 5)), rng.standard_normal((4, 3, 3)),
              rng.standard_normal(6)]
    kw = {"stride": 3, "padding": 1, "output_padding": 2, "groups": 2}
    _check(lambda *a: F.conv_transpose1d(*a, **kw), lambda *a: TF.conv_transpose1d(*a, **kw),
           arrays, device)


@pytest.mark.parametrize("kw", [{"kernel_size": 3}, {"kernel_size": (2, 3), "dilation": (2, 1),
                                                      "padding": 1, "stride": (1, 2)}])
def test_unfold_fold_match_torch(kw, device):
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    _check(lambda a: F.unfold(a, **kw), lambda a: TF.unfold(a, **kw), [x], device)
    cols = TF.unfold(torch.tensor(x), **kw).numpy()
    _check(lambda a: F.fold(a, (7, 6), **kw), lambda a: TF.fold(a, (7, 6), **kw), [cols],
           device)


def test_conv_float32_and_second_order_against_torch():
    rng = np.random.default_rng(3)
    x32, w32 = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    y = F.conv2d(xg.tensor(x32, dtype="float32"), xg.tensor(w32, dtype="float32"), stride=2)
    assert y.dtype == xg.float32
    ty = TF.conv2d(torch.tensor(x32, dtype=torch.float32), torch.tensor(w32, dtype=torch.float32),
                   stride=2)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-5, atol=1e-5)
    # d/dw of sum(grad_x^2): a second derivative through both conv backward ops
    x, w = (xg.tensor(a, dtype="float64", requires_grad=True) for a in (x32, w32))
    tx, tw = (torch.tensor(a, requires_grad=True) for a in (x32, w32))
    gx, = xg.autograd.grad(F.conv2d(x, w, padding=1).tanh().sum(), [x], create_graph=True)
    (gx ** 2).sum().backward()
    tgx, = torch.autograd.grad(TF.conv2d(tx, tw, padding=1).tanh().sum(), [tx],
                               create_graph=True)
    (tgx ** 2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-10)


# ---- modules ----------------------------------------------------------------------------------
MODULES = [
    (lambda m: m.Conv2d(1, 32, 3), (2, 1, 9, 9)),
    (lambda m: m.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=(2, 1), groups=2,
                        bias=False), (2, 4, 9, 8)),
    (lambda m: m.Conv2d(2, 4, 3, padding="same"), (1, 2, 5, 6)),
    (lambda m: m.Conv2d(2, 2, 3, padding=2, padding_mode="reflect"), (1, 2, 5, 6)),
    (lambda m: m.Conv2d(2, 2, (2, 3), padding=(1, 2), padding_mode="replicate"), (1, 2, 4, 4)),
    (lambda m: m.Conv2d(2, 2, 3, padding=1, padding_mode="circular"), (2, 2, 4, 5)),
    (lambda m: m.Conv2d(2, 2, 4, padding="same", padding_mode="reflect"), (1, 2, 6, 6)),
    (lambda m: m.Conv1d(3, 5, 4, stride=2, padding=1), (2, 3, 11)),
    (lambda m: m.Conv1d(2, 4, 3, padding="valid", padding_mode="circular"), (2, 2, 6)),
    (lambda m: m.Conv1d(2, 2, 3, padding=2, padding_mode="reflect"), (2, 2, 6)),
    (lambda m: m.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 4)),
    (lambda m: m.ConvTranspose1d(2, 4, 3, stride=2, groups=2), (1, 2, 5)),
    (lambda m: m.Unfold(kernel_size=2, stride=2), (1, 2, 4, 4)),
]


@pytest.mark.parametrize("make, shape", MODULES)
def test_modules_match_torch(make, shape, device):
    ours, theirs = make(nn), make(torch.nn).double()
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for (_, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert tuple(p.shape) == tuple(tp.shape) and p.dtype == xg.float32
    state = {k: xg.tensor(v.detach().numpy(), dtype="float64", device=device)
             for k, v in theirs.state_dict().items()}
    ours.to(device, "float64")
    ours.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal(shape)
    _check(ours, theirs, [x], device)
    g = {n: p.grad for n, p in ours.named_parameters()}
    for n, tp in theirs.named_parameters():
        np.testing.assert_allclose(g[n].numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_conv_transpose_output_size_argument():
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2)
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype(np.float32)
    assert ours(xg.tensor(x), output_size=(10, 9)).shape == \
        tuple(theirs(torch.tensor(x), output_size=(10, 9)).shape) == (1, 3, 10, 9)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested an output size of"):
        ours(xg.tensor(x), output_size=(12, 9))


@pytest.mark.parametrize("cls, args", [("Conv1d", (4, 6, 3)), ("Conv2d", (3, 8, (3, 5))),
                                       ("Conv2d", (4, 8, 3, 1, 0, 1, 2)),
                                       ("ConvTranspose2d", (4, 6, 3))])
def test_default_init_bounds_like_torch(cls, args):
    xg.manual_seed(0)
    layer = getattr(nn, cls)(*args)
    w = layer.weight.numpy()
    fan_in = w.shape[1] * int(np.prod(w.shape[2:]))
    bound = 1 / math.sqrt(fan_in)            # kaiming_uniform(a=sqrt(5)) = U(+-1/sqrt(fan_in))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.2 * bound
    b = layer.bias.numpy()
    assert np.abs(b).max() <= bound and b.std() > 0
    tw = getattr(torch.nn, cls)(*args).weight
    assert tuple(tw.shape) == w.shape


def test_module_argument_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(4, 4, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="invalid padding string 'full'"):
        nn.Conv1d(4, 4, 3, padding="full")
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.Conv2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="padding .* is too large for padding_mode='reflect'"):
        nn.Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(xg.ones(1, 1, 3, 3))


def test_mnist_sized_training_step_runs_and_learns():
    xg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 8, 3,
                          padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(8, 2))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 1, 12, 12)).astype(np.float32)
    labels = (x[:, 0, :6].mean((1, 2)) > x[:, 0, 6:].mean((1, 2))).astype(np.int64)
    opt = xg.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(model(xg.tensor(x)), xg.tensor(labels))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
    assert all(p.grad.dtype == xg.float32 for p in model.parameters())


def test_compiled_cnn_step_matches_eager(device):
    def build():
        xg.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(4, 4, 3, groups=2, padding_mode="circular", padding=1),
                              nn.AvgPool2d(2, ceil_mode=True), nn.AdaptiveMaxPool2d(1),
                              nn.Flatten(), nn.Linear(4, 3)).to(device)
        opt = xg.optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = nn.CrossEntropyLoss()(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return model, step
    (eager_model, eager), (compiled_model, step) = build(), build()
    compiled = xg.compile(step)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = rng.standard_normal((6, 1, 9, 9)).astype(np.float32)
        y = rng.integers(0, 3, 6)
        a = eager(xg.tensor(x, device=device), xg.tensor(y, device=device))
        b = compiled(xg.tensor(x, device=device), xg.tensor(y, device=device))
        assert a.item() == b.item()
    for p, q in zip(eager_model.parameters(), compiled_model.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert compiled.traces == 1
