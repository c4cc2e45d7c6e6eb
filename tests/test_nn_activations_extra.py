"""The activations beyond the lectures' set (nn/functional_activations.py, nn/activation_extra.py)
cross-checked against PyTorch: values, first and second derivatives (subgradients at the
kinks included), defaults, reprs, dtypes, edge shapes, errors, and rrelu's random slopes."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn
from xpgrad.nn import functional_activations

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# Every kink of every op below, plus a spread of ordinary values; SMOOTH avoids the kinks.
KINKS = [-6.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 6.0, 7.0]
VALUES = np.concatenate([KINKS, np.random.default_rng(0).normal(scale=3.0, size=36)])
SMOOTH = np.random.default_rng(5).uniform(-4.0, 4.0, size=48)
SMOOTH = SMOOTH[np.min(np.abs(SMOOTH[:, None] - np.array(KINKS)), axis=1) > 0.05][:24]
SMOOTH = np.concatenate([SMOOTH, -SMOOTH])

# name -> (ours, torch's, smooth): smooth ops also get their second derivative compared.
CASES = {
    "gelu": (F.gelu, TF.gelu, True),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda x: TF.gelu(x, approximate="tanh"), True),
    "silu": (F.silu, TF.silu, True),
    "mish": (F.mish, TF.mish, True),
    "hardtanh": (F.hardtanh, TF.hardtanh, False),
    "hardtanh_bounds": (lambda x: F.hardtanh(x, -2.0, 0.5), lambda x: TF.hardtanh(x, -2.0, 0.5),
                        False),
    "relu6": (F.relu6, TF.relu6, False),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid, False),
    "hardswish": (F.hardswish, TF.hardswish, False),
    "selu": (F.selu, TF.selu, False),
    "celu": (F.celu, TF.celu, False),
    "celu_alpha": (lambda x: F.celu(x, alpha=0.5), lambda x: TF.celu(x, alpha=0.5), False),
    "celu_int_alpha": (lambda x: F.celu(x, 2), lambda x: TF.celu(x, 2), False),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid, True),
    "softsign": (F.softsign, TF.softsign, False),
    "tanhshrink": (F.tanhshrink, TF.tanhshrink, True),
    "hardshrink": (F.hardshrink, TF.hardshrink, False),
    "hardshrink_1": (lambda x: F.hardshrink(x, 1.0), lambda x: TF.hardshrink(x, 1.0), False),
    "softshrink": (F.softshrink, TF.softshrink, False),
    "softshrink_2": (lambda x: F.softshrink(x, 2.0), lambda x: TF.softshrink(x, 2.0), False),
    "softshrink_0": (lambda x: F.softshrink(x, 0.0), lambda x: TF.softshrink(x, 0.0), False),
    "threshold": (lambda x: F.threshold(x, 0.5, 20.0), lambda x: TF.threshold(x, 0.5, 20.0),
                  False),
    "threshold_neg": (lambda x: F.threshold(x, -1.0, -3.0), lambda x: TF.threshold(x, -1.0, -3.0),
                      False),
    "rrelu_eval": (F.rrelu, TF.rrelu, False),
    "rrelu_eval_bounds": (lambda x: F.rrelu(x, 0.1, 0.3), lambda x: TF.rrelu(x, 0.1, 0.3), False),
    "softmin_0": (lambda x: F.softmin(x.reshape(6, 8), dim=0),
                  lambda x: TF.softmin(x.reshape(6, 8), dim=0), True),
    "softmin_last": (lambda x: F.softmin(x.reshape(6, 8), dim=-1),
                     lambda x: TF.softmin(x.reshape(6, 8), dim=-1), True),
    "glu": (lambda x: F.glu(x.reshape(6, 8)), lambda x: TF.glu(x.reshape(6, 8)), True),
    "glu_dim0": (lambda x: F.glu(x.reshape(6, 8), 0), lambda x: TF.glu(x.reshape(6, 8), 0), True),
    "glu_neg2": (lambda x: F.glu(x.reshape(2, 6, 4), dim=-2),
                 lambda x: TF.glu(x.reshape(2, 6, 4), dim=-2), True),
}
# PyTorch's hardsigmoid backward multiplies by float32(1/6) even in float64: off by 3e-8.
GRAD_RTOL = {"hardsigmoid": 1e-7}
# Second derivatives exist away from the kinks: compared there for the piecewise-smooth ones.
# (Piecewise-linear ops have none: their gradient is a constant of the graph.)
PIECEWISE_SMOOTH = ["hardswish", "selu", "celu", "celu_alpha", "softsign"]


def _pair(values: np.ndarray, dtype: str, device: str) -> tuple:
    ours = xg.tensor(values, dtype=dtype, device=device, requires_grad=True)
    theirs = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    return ours, theirs


def _close(ours: xg.Tensor, theirs: torch.Tensor, what: str, rtol: float) -> None:
    assert ours.dtype == str(theirs.dtype).replace("torch.", ""), what
    assert tuple(ours.shape) == tuple(theirs.shape), what
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=rtol,
                               err_msg=what)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_match_torch(name: str, dtype: str, device: str) -> None:
    ours_fn, torch_fn, _ = CASES[name]
    rtol = 1e-12 if dtype == "float64" else 2e-6
    x, tx = _pair(VALUES, dtype, device)
    y, ty = ours_fn(x), torch_fn(tx)
    _close(y, ty, f"{name} forward", rtol)
    gy = np.random.default_rng(1).normal(size=tuple(ty.shape))
    gx, = xg.autograd.grad(y, x, xg.tensor(gy, dtype=dtype, device=device))
    tgx, = torch.autograd.grad(ty, tx, torch.tensor(gy, dtype=getattr(torch, dtype)))
    _close(gx, tgx, f"{name} gradient (kinks included)", max(rtol, GRAD_RTOL.get(name, 0.0)))


def _second_order(fn, x, gy, v, grad):
    g, = grad(fn(x), x, gy, create_graph=True)
    gg, = grad(g, x, v)
    return g, gg


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c[2]] + PIECEWISE_SMOOTH)
def test_second_derivatives_match_torch(name: str, device: str) -> None:
    ours_fn, torch_fn, _ = CASES[name]
    values = SMOOTH
    x, tx = _pair(values, "float64", device)
    shape = tuple(torch_fn(tx).shape)
    rng = np.random.default_rng(2)
    gy, v = rng.normal(size=shape), rng.normal(size=values.shape)
    ours = _second_order(ours_fn, x, xg.tensor(gy, device=device, dtype="float64"),
                         xg.tensor(v, device=device, dtype="float64"), xg.autograd.grad)
    theirs = _second_order(torch_fn, tx, torch.tensor(gy), torch.tensor(v), torch.autograd.grad)
    _close(ours[1], theirs[1], f"{name} second derivative", 1e-10)


def test_third_derivative_of_the_fused_ops() -> None:
    """The fused gradient ops' own backward is made of Tensor ops: one more order works."""
    values = np.linspace(-2.5, 2.5, 11)
    for ours_fn, torch_fn in [(F.gelu, TF.gelu), (F.silu, TF.silu), (F.mish, TF.mish),
                              (lambda x: F.gelu(x, approximate="tanh"),
                               lambda x: TF.gelu(x, approximate="tanh"))]:
        x, tx = _pair(values, "float64", "cpu")
        results = []
        for fn, grad, t in [(ours_fn, xg.autograd.grad, x), (torch_fn, torch.autograd.grad, tx)]:
            g, = grad(fn(t).sum(), t, create_graph=True)
            gg, = grad(g.sum(), t, create_graph=True)
            ggg, = grad(gg.sum(), t)
            results.append(ggg)
        _close(results[0], results[1], "third derivative", 1e-9)


@pytest.mark.parametrize("name,op", [("gelu", F.gelu), ("silu", F.silu), ("mish", F.mish),
                                     ("hardswish", F.hardswish)])
def test_hot_ops_are_one_node_with_a_fused_backward(name: str, op) -> None:
    x = xg.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = op(x)
    assert type(y.grad_fn).__name__.lower() == name
    g, = xg.autograd.grad(y.sum(), x, create_graph=True)
    assert type(g.grad_fn).__name__.lower() == name + "grad"


# ---- stability and edge shapes ------------------------------------------------------------
@pytest.mark.parametrize("name", ["logsigmoid", "silu", "mish", "gelu", "gelu_tanh", "softsign",
                                  "selu", "celu", "tanhshrink", "hardswish"])
def test_large_inputs_are_finite_and_match_torch(name: str, device: str) -> None:
    ours_fn, torch_fn, _ = CASES[name]
    for dtype in ("float64", "float32"):
        x, tx = _pair(np.array([-1000.0, -100.0, -30.0, 30.0, 100.0, 1000.0]), dtype, device)
        y, ty = ours_fn(x), torch_fn(tx)
        gx, = xg.autograd.grad(y.sum(), x)
        tgx, = torch.autograd.grad(ty.sum(), tx)
        assert np.isfinite(y.numpy()).all() and np.isfinite(gx.numpy()).all(), name
        _close(y, ty, f"{name} at |x| = 1000", 1e-6)
        _close(gx, tgx, f"{name} gradient at |x| = 1000", 1e-6)


UNARY = [n for n in CASES if not n.startswith(("softmin", "glu"))]


@pytest.mark.parametrize("shape", [(), (0,), (2, 0, 3), (1,)], ids=str)
@pytest.mark.parametrize("name", UNARY)
def test_zero_dim_and_empty_like_torch(name: str, shape: tuple, device: str) -> None:
    ours_fn, torch_fn, _ = CASES[name]
    values = np.full(shape, -0.7)
    x, tx = _pair(values, "float32", device)
    y, ty = ours_fn(x), torch_fn(tx)
    _close(y, ty, f"{name} on shape {shape}", 1e-6)
    gx, = xg.autograd.grad(y.sum(), x)
    assert tuple(gx.shape) == shape


@pytest.mark.parametrize("shape,dim", [((), None), ((), 0), ((), -1), ((0,), 0), ((2, 0), 1),
                                       ((3,), -1), ((2, 3, 4), -2), ((2, 3, 4), 0)], ids=str)
def test_softmin_shapes_like_torch(shape: tuple, dim, device: str) -> None:
    values = np.random.default_rng(3).normal(size=shape)
    x, tx = _pair(values, "float64", device)
    expected = TF.softmin(tx, dim=-1 if dim is None else dim)    # ours: the last axis by default
    _close(F.softmin(x, dim=dim), expected, f"softmin {shape} dim={dim}", 1e-12)
    _close(F.softmin(x, axis=dim), expected, f"softmin {shape} axis={dim}", 1e-12)


def test_softmin_dtype_argument_like_torch() -> None:
    x = xg.tensor([[1.0, 2.0], [0.5, -1.0]])
    y = F.softmin(x, dim=1, dtype="float64")
    ty = TF.softmin(torch.tensor(x.numpy()), dim=1, dtype=torch.float64)
    _close(y, ty, "softmin dtype=float64", 1e-12)


@pytest.mark.parametrize("shape,dim", [((2, 0), 1), ((0, 4), -1), ((4,), 0), ((2, 2, 1), 0)],
                         ids=str)
def test_glu_shapes_like_torch(shape: tuple, dim: int, device: str) -> None:
    values = np.random.default_rng(4).normal(size=shape)
    x, tx = _pair(values, "float32", device)
    _close(F.glu(x, dim), TF.glu(tx, dim), f"glu {shape} dim={dim}", 1e-6)


def test_float32_default_and_python_numbers_keep_the_dtype() -> None:
    x = xg.tensor([-1.5, 0.25, 2.0])
    for name, (fn, _, _) in CASES.items():
        assert fn(xg.tensor(VALUES.tolist())).dtype == xg.float32, name
    assert F.threshold(x, 1, 5).dtype == xg.float32
    assert F.hardtanh(x, -1, 1).dtype == xg.float32


@pytest.mark.filterwarnings("ignore:Implicit dimension choice")
def test_integer_inputs_like_torch() -> None:
    ints = np.array([-7, -2, 0, 1, 3, 8])
    x, tx = xg.tensor(ints), torch.tensor(ints)
    for ours, theirs in [(F.hardtanh(x), TF.hardtanh(tx)), (F.relu6(x), TF.relu6(tx)),
                         (F.threshold(x, 1, 5), TF.threshold(tx, 1, 5)),
                         (F.threshold(x, -0.5, 9), TF.threshold(tx, -0.5, 9)),
                         (F.hardtanh(x, -2, 4), TF.hardtanh(tx, -2, 4)),
                         (F.softsign(x), TF.softsign(tx)), (F.tanhshrink(x), TF.tanhshrink(tx))]:
        _close(ours, theirs, "integer input", 1e-6)
    for name in ["gelu", "silu", "mish", "hardsigmoid", "hardswish", "selu", "celu", "logsigmoid",
                 "hardshrink", "softshrink", "rrelu", "glu", "softmin"]:
        with pytest.raises(TypeError, match=name + r": expected a floating-point tensor, got "
                                                   r"int64 of shape \(6,\) on cpu"):
            getattr(F, name)(x)
        with pytest.raises(Exception):
            getattr(TF, name)(tx)


def test_inplace_is_accepted_and_the_result_is_new() -> None:
    for name in ["silu", "mish", "hardtanh", "relu6", "hardsigmoid", "hardswish", "selu", "celu"]:
        x = xg.tensor([-1.0, 2.0])
        y = getattr(F, name)(x, inplace=True)
        assert y is not x and x.tolist() == [-1.0, 2.0], name
    x = xg.tensor([-1.0, 2.0])
    assert F.threshold(x, 0.0, 5.0, inplace=True).tolist() == [5.0, 2.0]
    assert F.rrelu(x, inplace=True) is not x


@pytest.mark.parametrize("call,error,match", [
    (lambda: F.gelu(xg.ones(2), approximate="tan"), ValueError, "approximate must be 'none' or"),
    (lambda: F.glu(xg.ones(2, 3)), ValueError, r"halving dimension must be even.*size 3"),
    (lambda: F.glu(xg.ones(())), ValueError, "glu: does not support 0-d"),
    (lambda: F.celu(xg.ones(2), alpha=0), ValueError, "celu: alpha cannot be 0"),
    (lambda: F.hardtanh(xg.ones(2), 2.0, 1.0), ValueError, "min_val cannot be greater"),
    (lambda: F.softshrink(xg.ones(2), -0.5), ValueError, "lambd must be >= 0"),
    (lambda: F.rrelu(xg.ones(2), 0.4, 0.2, True), ValueError, "lower bound should be less"),
    (lambda: F.softmin(xg.ones(2), dim=1), ValueError, "softmin: axis 1 is out of range"),
    (lambda: F.softsign([1.0, 2.0]), TypeError, "softsign: expected a Tensor, got list"),
    (lambda: F.gelu(np.ones(2)), TypeError, "gelu: expected a Tensor, got ndarray"),
    (lambda: nn.GELU("fast"), ValueError, "GELU: approximate must be"),
    (lambda: nn.Hardtanh(1.0, 1.0), ValueError, "max_val must be greater than min_val"),
    (lambda: nn.CELU(0.0), ValueError, "CELU: alpha cannot be 0"),
    (lambda: nn.Softshrink(-1.0), ValueError, "Softshrink: lambd must be >= 0"),
    (lambda: nn.RReLU(0.5, 0.1), ValueError, "RReLU: lower bound"),
])
def test_bad_arguments_raise_clear_errors(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


# ---- defaults, modules and reprs --------------------------------------------------------------
BUILTIN_DEFAULTS = {"gelu": {"approximate": "none"}, "logsigmoid": {}, "hardshrink": {"lambd": 0.5},
                    "softshrink": {"lambd": 0.5}}


def _defaults(fn) -> dict:
    return {k: p.default for k, p in inspect.signature(fn).parameters.items()
            if k not in ("self", "args", "kwargs", "_stacklevel")}


@pytest.mark.parametrize("name", functional_activations.__all__)
def test_functional_signatures_match_torch(name: str) -> None:
    ours = _defaults(getattr(F, name))
    theirs = BUILTIN_DEFAULTS.get(name)
    if theirs is None:
        theirs = _defaults(getattr(TF, name))
    theirs.setdefault("input", inspect.Parameter.empty)
    for key, default in theirs.items():
        assert key in ours, f"{name}: missing argument {key!r}"
        assert ours[key] == default, f"{name}({key}=...): {ours[key]!r} != torch's {default!r}"


MODULES = ["GELU", "SiLU", "Mish", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "SELU", "CELU",
           "LogSigmoid", "Softsign", "Softmin", "GLU", "Tanhshrink", "Hardshrink", "Softshrink",
           "Threshold", "RReLU"]


@pytest.mark.parametrize("name", MODULES)
def test_module_signatures_match_torch(name: str) -> None:
    ours, theirs = _defaults(getattr(nn, name).__init__), _defaults(getattr(torch.nn, name).__init__)
    for key, default in theirs.items():
        assert key in ours and ours[key] == default, f"nn.{name}({key}=...)"


REPRS = [("GELU", ()), ("GELU", ("tanh",)), ("SiLU", ()), ("SiLU", (True,)), ("Mish", ()),
         ("Mish", (True,)), ("Hardtanh", ()), ("Hardtanh", (-2, 3, True)),
         ("Hardtanh", (-0.5, 0.25)), ("ReLU6", ()), ("ReLU6", (True,)), ("Hardsigmoid", ()),
         ("Hardsigmoid", (True,)), ("Hardswish", (True,)), ("SELU", ()), ("SELU", (True,)),
         ("CELU", ()), ("CELU", (2.0, True)), ("CELU", (2,)), ("LogSigmoid", ()),
         ("Softsign", ()), ("Softmin", (1,)), ("Softmin", (-1,)), ("GLU", ()), ("GLU", (0,)),
         ("Tanhshrink", ()), ("Hardshrink", ()), ("Hardshrink", (1,)), ("Softshrink", ()),
         ("Softshrink", (2.0,)), ("Threshold", (0.1, 20)), ("Threshold", (1.0, 2.0, True)),
         ("RReLU", ()), ("RReLU", (0.1, 0.3, True))]


@pytest.mark.parametrize("name,args", REPRS, ids=[f"{n}{a}" for n, a in REPRS])
def test_module_reprs_and_outputs_match_torch(name: str, args: tuple) -> None:
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    ours.eval(), theirs.eval()
    x = xg.tensor(VALUES.reshape(6, 8), dtype="float64")
    _close(ours(x), theirs(torch.tensor(VALUES.reshape(6, 8))), f"nn.{name}{args}", 1e-12)


def test_softmin_module_defaults_to_the_last_axis() -> None:
    """As our nn.Softmax (Keras' default): PyTorch's implicit-dim guess is not copied."""
    assert repr(nn.Softmin()) == "Softmin(dim=-1)" and nn.Softmin(axis=0).dim == 0
    x = xg.tensor(np.arange(6.0).reshape(2, 3))
    _close(nn.Softmin()(x), TF.softmin(torch.tensor(x.numpy()), dim=-1), "Softmin()", 1e-6)


def test_modules_in_a_model() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 8), nn.GLU(),
                          nn.Hardswish(), nn.Linear(4, 1))
    out = model(xg.randn(5, 4))
    out.sum().backward()
    assert out.shape == (5, 1)
    assert all(p.grad is not None for p in model.parameters())
    assert "(1): GELU(approximate='none')" in repr(model)


# ---- rrelu: random slopes while training ------------------------------------------------------
def test_rrelu_training_draws_slopes_in_range(device: str) -> None:
    xg.manual_seed(7)
    values = np.linspace(-3.0, 3.0, 2001)
    x = xg.tensor(values, device=device, dtype="float64", requires_grad=True)
    y = F.rrelu(x, 0.1, 0.4, training=True)
    gx, = xg.autograd.grad(y.sum(), x)
    slope, out = gx.numpy(), y.numpy()
    neg = values <= 0
    assert np.all(out[~neg] == values[~neg]) and np.all(slope[~neg] == 1.0)
    assert np.all((slope[neg] >= 0.1) & (slope[neg] < 0.4))
    np.testing.assert_allclose(out[neg], values[neg] * slope[neg], rtol=1e-12)
    assert len(np.unique(slope[neg])) > 900                        # one slope per element
    assert abs(slope[neg].mean() - 0.25) < 0.02
    xg.manual_seed(7)
    again = F.rrelu(xg.tensor(values, device=device, dtype="float64"), 0.1, 0.4, training=True)
    np.testing.assert_array_equal(again.numpy(), out)              # the backend's generator
    assert F.rrelu(x, 0.1, 0.4, training=True).dtype == xg.float64


def test_rrelu_module_trains_randomly_and_evaluates_with_the_mean_slope() -> None:
    xg.manual_seed(0)
    m = nn.RReLU()
    x = xg.tensor(-np.ones(1000))
    y_train = m(x).numpy()
    assert y_train.std() > 0.01 and np.all((-y_train >= 1 / 8) & (-y_train < 1 / 3))
    m.eval()
    np.testing.assert_allclose(m(x).numpy(), -(1 / 8 + 1 / 3) / 2, rtol=1e-6)
    theirs = torch.nn.RReLU().eval()(torch.tensor(x.numpy()))
    _close(m(x), theirs, "RReLU eval", 1e-6)


def test_rrelu_training_under_compile_draws_new_slopes() -> None:
    xg.manual_seed(3)
    step = xg.compile(lambda t: F.rrelu(t, training=True))
    x = xg.tensor(-np.ones(64))
    outs = [step(x).numpy() for _ in range(4)]
    assert all(not np.array_equal(outs[i], outs[i + 1]) for i in range(3))
    assert all(np.all((-o >= 1 / 8) & (-o < 1 / 3)) for o in outs)
