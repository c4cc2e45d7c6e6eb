"""PyTorch's in-place method spellings (``x.sin_()``, ``x.masked_fill_(m, v)``, ``x.t_()``,
...): each leaves the tensor holding what the out-of-place method returns, keeps its dtype,
is recorded in the graph on a non-leaf and refused on a leaf that requires grad; plus
``unfold``, ``apply_``/``map_`` and the small queries."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad.autograd.ops.inplace_methods import _WRITTEN_BACK

UNARY = ["absolute", "acos", "asin", "atan", "arccos", "arcsin", "arctan", "ceil", "cos",
         "cosh", "deg2rad", "digamma", "erf", "erfc", "erfinv", "exp2", "expm1", "fix", "floor",
         "frac", "i0", "lgamma", "log10", "log1p", "log2", "logit", "nan_to_num", "negative",
         "rad2deg", "reciprocal", "round", "rsqrt", "sgn", "sign", "sin", "sinc", "sinh", "tan",
         "tril", "triu", "trunc", "asinh", "arcsinh", "atanh", "arctanh"]
BINARY = ["arctan2", "atan2", "copysign", "divide", "float_power", "floor_divide", "fmod",
          "heaviside", "hypot", "multiply", "nextafter", "remainder", "subtract",
          "true_divide", "xlogy", "eq", "ne", "lt", "le", "gt", "ge", "less", "greater",
          "less_equal", "greater_equal", "not_equal"]


def _x(device):
    return xg.tensor([[0.1, 0.25, 0.5], [0.75, 0.3, 0.9]], dtype="float64", device=device)


@pytest.mark.parametrize("name", UNARY)
def test_unary_in_place_equals_out_of_place(name, device):
    x = _x(device)
    expected = getattr(x, name)()
    y = x.clone()
    assert getattr(y, name + "_")() is y
    np.testing.assert_allclose(y.numpy(), expected.numpy())


@pytest.mark.parametrize("name", BINARY)
def test_binary_in_place_equals_out_of_place(name, device):
    x, other = _x(device), _x(device).flip(1) + 0.05
    expected = getattr(x, name)(other)
    y = x.clone()
    getattr(y, name + "_")(other)
    assert y.dtype == xg.float64                  # comparisons write 1.0/0.0 in x's dtype
    np.testing.assert_allclose(y.numpy(), expected.astype("float64").numpy())


def test_every_listed_name_is_installed():
    t = xg.ones(1)
    assert all(callable(getattr(t, name + "_")) for name in _WRITTEN_BACK)
    assert set(UNARY + BINARY) <= set(_WRITTEN_BACK)


def test_argument_taking_forms(device):
    x = xg.arange(12.0, device=device).reshape(3, 4)
    y = x.clone().masked_fill_(x > 5, -1.0)
    assert y.tolist() == [[0, 1, 2, 3], [4, 5, -1, -1], [-1, -1, -1, -1]]
    z = xg.zeros(3, 4, device=device).scatter_(1, xg.tensor([[1], [2], [0]], device=device), 1.0)
    assert z.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 0]]
    a = xg.zeros(3, device=device).index_fill_(0, xg.tensor([0, 2], device=device), 7.0)
    assert a.tolist() == [7, 0, 7]
    b = x.clone().clamp_min_(3.0).clamp_max_(8.0)
    assert b.min().item() == 3.0 and b.max().item() == 8.0
    c = xg.ones(2, device=device).addcmul_(xg.full((2,), 2.0, device=device),
                                          xg.full((2,), 3.0, device=device), value=0.5)
    assert c.tolist() == [4.0, 4.0]
    d = xg.ones(2, device=device).lerp_(xg.full((2,), 3.0, device=device), 0.5)
    assert d.tolist() == [2.0, 2.0]
    e = xg.arange(4.0, device=device).cumsum_(0)
    assert e.tolist() == [0, 1, 3, 6]


def test_in_place_methods_are_recorded_on_non_leaves_and_refused_on_leaves():
    w = xg.tensor([0.5, 1.0, 2.0], dtype="float64", requires_grad=True)
    h = w * 2
    h.sin_()
    h.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.cos(2 * w.detach().numpy()))
    with pytest.raises(RuntimeError, match="requires grad"):
        w.sin_()
    with xg.no_grad():
        w.clamp_min_(1.0)
    assert w.tolist() == [1.0, 1.0, 2.0]


def test_in_place_shape_changes(device):
    x = xg.arange(6.0, device=device).reshape(2, 3)
    assert x.t_() is x and x.shape == (3, 2) and x[0].tolist() == [0.0, 3.0]
    x.unsqueeze_(0)
    assert x.shape == (1, 3, 2)
    x.squeeze_()
    assert x.shape == (3, 2)
    x.transpose_(0, 1)
    assert x.shape == (2, 3) and x.tolist() == [[0, 1, 2], [3, 4, 5]]
    w = xg.ones(2, 3, requires_grad=True)
    v = w * 1
    v.transpose_(0, 1)
    (v * xg.tensor([[1.0, 2.0]] * 3)).sum().backward()
    assert v.shape == (3, 2) and w.grad.tolist() == [[1.0] * 3, [2.0] * 3]


def test_unfold_windows_and_gradient(device):
    a = xg.arange(5.0, requires_grad=True, device=device)
    windows = a.unfold(0, 3, 1)
    assert windows.tolist() == [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    windows.sum().backward()
    assert a.grad.tolist() == [1, 2, 3, 2, 1]
    assert xg.arange(5.0, device=device).unfold(0, 2, 2).tolist() == [[0, 1], [2, 3]]
    assert xg.ones(2, 7, 3, device=device).unfold(1, 3, 2).shape == (2, 3, 3, 3)
    with pytest.raises(ValueError, match="unfold: size 6"):
        xg.ones(5).unfold(0, 6, 1)
    with pytest.raises(ValueError, match="step must be positive"):
        xg.ones(5).unfold(0, 2, 0)


def test_apply_map_and_queries():
    x = xg.arange(4.0)
    assert x.clone().apply_(lambda v: v * v).tolist() == [0, 1, 4, 9]
    assert x.clone().map_(xg.ones(4), lambda a, b: a - b).tolist() == [-1, 0, 1, 2]
    assert x.data_ptr() != x.clone().data_ptr()
    assert x.is_cpu and not xg.ones(1, device="strict:device1").is_cpu
    assert x.ndimension() == 1 and x.get_device() == -1 and x.positive() is x
    assert x.is_signed() and not xg.ones(1, dtype="uint8").is_signed()
    assert x.is_same_size(xg.zeros(4)) and not x.is_same_size(xg.zeros(3))
    assert xg.tensor([2.0]).is_nonzero() and not xg.tensor(0.0).is_nonzero()
    w = xg.ones(2, requires_grad=True)
    h = w * 2
    h.retain_grad()
    assert h.retains_grad and not (w * 3).retains_grad


def test_in_place_methods_match_torch():
    torch = pytest.importorskip("torch")
    data = np.array([[0.1, -0.25, 0.5], [0.75, -0.3, 0.9]])
    for name in UNARY:
        if name in ("acos", "asin", "arccos", "arcsin", "logit", "erfinv", "atanh", "arctanh",
                    "rsqrt", "log10", "log2", "digamma", "lgamma"):
            src = np.abs(data)
        else:
            src = data
        ours, theirs = xg.tensor(src.copy()), torch.tensor(src.copy())
        getattr(ours, name + "_")()
        getattr(theirs, name + "_")()
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, err_msg=name)
