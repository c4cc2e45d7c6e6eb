"""PyTorch discrepancies found by the sweeps, pinned to what torch 2.13 gives (values and
dtypes hard-coded here, so that these tests run without torch): bitwise promotion, copysign,
fmax/fmin with numbers, abs of bool, argmax/argmin edge cases, dim errors, xlogy's gradient
at 0, linalg.LinAlgError, item(), and diagonal as a view."""
import math

import numpy as np
import pytest

import xpgrad as xg

DEVICES = ["cpu", "strict:device1"]


def _t(values, dtype=None, device="cpu", **kw):
    return xg.tensor(values, dtype=dtype, device=device, **kw)


def _check(out, dtype, values):
    assert out.dtype == getattr(xg, dtype), (out.dtype, dtype)
    assert out.tolist() == values


# ---- bitwise ops: torch's result type -----------------------------------------------------
BITWISE = [   # (name, build, torch's dtype, torch's values)
    ("bool & 3", lambda d: _t([True, False], device=d) & 3, "int64", [1, 0]),
    ("3 & bool", lambda d: 3 & _t([True, False], device=d), "int64", [1, 0]),
    ("bool | int8", lambda d: _t([True, False], device=d) | _t([3, 4], "int8", d), "int8", [3, 4]),
    ("bool ^ int64", lambda d: _t([True, False], device=d) ^ _t([3, 4], device=d), "int64", [2, 4]),
    ("uint8 & int8 0-d", lambda d: _t([3, 4], "uint8", d) & _t(5, "int8", d), "uint8", [1, 4]),
    ("uint8 & int8", lambda d: _t([3, 4], "uint8", d) & _t([5, 6], "int8", d), "int16", [1, 4]),
    ("int32 & int64 0-d", lambda d: _t([3, 4], "int32", d) & _t(5, device=d), "int32", [1, 4]),
    ("bool & True", lambda d: _t([True, False], device=d) & True, "bool", [True, False]),
    ("int8 & 300 wraps", lambda d: _t([3, 4], "int8", d) & 300, "int8", [0, 4]),
    ("bool 0-d & int8", lambda d: _t(True, device=d) & _t([3], "int8", d), "int8", [1]),
    ("bool << 1", lambda d: _t([True, False], device=d) << 1, "int64", [2, 0]),
    ("int8 << bool", lambda d: _t([1, 2], "int8", d) << _t([True, False], device=d), "int8", [2, 2]),
    ("uint8 >> int8", lambda d: _t([16, 32], "uint8", d) >> _t([1, 2], "int8", d), "int16", [8, 8]),
    ("bitwise_and(bool, 3)", lambda d: xg.bitwise_and(_t([True], device=d), 3), "int64", [1]),
    ("bitwise_left_shift(bool, 1)", lambda d: xg.bitwise_left_shift(_t([True], device=d), 1),
     "int64", [2]),
    ("bitwise_right_shift(int32, int64)",
     lambda d: xg.bitwise_right_shift(_t([8], "int32", d), _t([1], device=d)), "int64", [4]),
    ("bitwise_xor(3, t)", lambda d: xg.bitwise_xor(3, _t([1], device=d)), "int64", [2]),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("case", BITWISE, ids=[c[0] for c in BITWISE])
def test_bitwise_promotes_as_torch(device, case):
    _, build, dtype, values = case
    _check(build(device), dtype, values)


@pytest.mark.parametrize("build", [
    lambda: xg.ones(2) & 1, lambda: _t([1]) & 1.5, lambda: _t([True]) << _t([True]),
    lambda: xg.bitwise_or(_t([1.0]), _t([2]))])
def test_bitwise_of_floats_or_bool_shifts_is_not_implemented(build):
    # torch: NotImplementedError ('"bitwise_and_cpu" not implemented for 'Float''); ours is
    # a TypeError too
    with pytest.raises(NotImplementedError, match="bitwise_"):
        build()
    with pytest.raises(TypeError, match="bitwise_"):
        build()


# ---- copysign and fmax/fmin ---------------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
def test_copysign_result_type_and_sign(device):
    _check(xg.copysign(_t([1, 2], "int32", device), _t([-1.0, 1.0], "float64", device)),
           "float64", [-1.0, 2.0])
    out = _t([True, False], device=device).copysign(-2)
    _check(out, "float32", [-1.0, -0.0])
    assert [math.copysign(1.0, v) for v in out.tolist()] == [-1.0, -1.0]
    _check(_t([1, 2], "uint8", device).copysign(-2), "float32", [-1.0, -2.0])
    _check(_t([1.0, 2.0], device=device).copysign(_t(-1.0, "float64", device)), "float32",
           [-1.0, -2.0])
    _check(_t([1, 2], "uint8", device).copysign(_t([1, 1], "uint8", device)), "float32",
           [1.0, 2.0])


def test_copysign_and_fmax_with_float16():        # (float16: not on strict:device1)
    _check(xg.copysign(_t([1, 2], "int32"), _t([-1.0, 1.0], "float16")), "float16",
           [-1.0, 2.0])
    _check(_t([1, 2], "float16").copysign(-2), "float16", [-1.0, -2.0])
    _check(_t([1.0, 2.0], "float16").copysign(_t(-1.0)), "float16", [-1.0, -2.0])
    _check(xg.fmax(_t([1.0, 2.0], "float16"), _t(1.5)), "float16", [1.5, 2.0])


@pytest.mark.parametrize("device", DEVICES)
def test_fmax_fmin_promote_and_refuse_overflowing_numbers(device):
    _check(xg.fmax(_t([1, 200], "uint8", device), _t([-1, 2], "int8", device)), "int16",
           [1, 200])
    _check(xg.fmax(_t([True, False], device=device), _t([False, False], device=device)),
           "bool", [True, False])
    # torch takes tensors only; a number is weak here, and compared, never wrapped
    _check(xg.fmax(_t([True, False], device=device), 3), "int64", [3, 3])
    _check(xg.fmin(_t([1, 2], "int8", device), 100), "int8", [1, 2])
    for op, t, c in ((xg.fmax, _t([1, 2], "int8", device), 300),
                     (xg.fmin, _t([1, 2], "int8", device), 300),
                     (xg.fmax, _t([1, 2], "uint8", device), -1),
                     (xg.fmax, _t([1, 2], device=device), 2 ** 70)):
        with pytest.raises(RuntimeError, match="cannot be converted to type .* without overflow"):
            op(t, c)
        with pytest.raises(ValueError):
            op(t, c)


# ---- abs of bool --------------------------------------------------------------------------
def test_abs_of_bool_is_not_implemented():
    x = _t([True, False])
    for call in (lambda: xg.abs(x), lambda: x.abs(), lambda: abs(x), lambda: xg.absolute(x),
                 lambda: x.abs_()):
        with pytest.raises(NotImplementedError, match="abs.*not implemented for 'Bool'"):
            call()
    _check(xg.abs(_t([1, 2], "uint8")), "uint8", [1, 2])


# ---- argmax / argmin ----------------------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
def test_argmax_argmin_edge_cases(device):
    s = _t(3.0, device=device)
    for out in (s.argmax(0), s.argmax(-1), s.argmin(0), s.argmax(0, keepdim=True)):
        _check(out, "int64", 0)
        assert out.shape == ()
    with pytest.raises(IndexError, match="out of range"):
        s.argmax(1)
    e = xg.zeros(0, 3, device=device)
    with pytest.raises(IndexError, match=r"argmax\(\): Expected reduction dim to be specified"):
        e.argmax()
    with pytest.raises(IndexError, match=r"argmin\(\): Expected reduction dim to be specified"):
        xg.zeros(2, 0, device=device).argmin()
    with pytest.raises(IndexError, match=r"Expected reduction dim 0 to have non-zero size"):
        e.argmax(0)
    _check(e.argmax(1), "int64", [])
    assert e.argmax(1, keepdim=True).shape == (0, 1)
    b = _t([True, False], device=device)
    for call in (lambda: b.argmax(), lambda: b.argmin(0), lambda: xg.argmax(b)):
        with pytest.raises(RuntimeError, match="does not support bool input"):
            call()
    values, indices = b.max(0)          # torch.max(bool, dim) works
    assert values.tolist() is True and indices.tolist() == 0
    with pytest.raises(IndexError):
        xg.zeros(2, 3, device=device).argmax(2)


# ---- dims out of range and repeated dims --------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda x: xg.flip(x, (5,)), lambda x: x.squeeze(5), lambda x: x.transpose(0, 5),
    lambda x: x.sum(5), lambda x: x.cumsum(5), lambda x: x.softmax(5), lambda x: xg.max(x, 3),
    lambda x: x.max(-3), lambda x: xg.min(x, 3), lambda x: xg.max(xg.tensor(2.0), 1),
    lambda x: xg.tensor(1.0).sum(1)])
def test_dim_out_of_range_is_an_index_error(call):
    x = xg.zeros(2, 3)
    with pytest.raises(IndexError, match="out of range"):
        call(x)
    with pytest.raises(ValueError, match="out of range"):
        call(x)


@pytest.mark.parametrize("call, dim", [
    (lambda x: xg.flip(x, (0, 0)), 0), (lambda x: xg.flip(x, (1, -1)), 1),
    (lambda x: x.sum((0, 0)), 0), (lambda x: x.sum((1, -1)), 1),
    (lambda x: xg.amax(x, (0, 0)), 0), (lambda x: x.std((0, 0)), 0),
    (lambda x: x.logsumexp((1, 1)), 1), (lambda x: x.all((1, 1)), 1),
    (lambda x: xg.linalg.vector_norm(x, dim=(1, 1)), 1)])
def test_repeated_dim_is_a_runtime_error(call, dim):
    x = xg.zeros(2, 3)
    with pytest.raises(RuntimeError, match=f"dim {dim} appears multiple times in the list of dims"):
        call(x)
    with pytest.raises(ValueError):
        call(x)


def test_permute_and_flatten_errors_are_runtime_errors():
    with pytest.raises(RuntimeError, match="duplicate dims are not allowed"):
        xg.zeros(2, 3).permute(0, 0)
    with pytest.raises(RuntimeError, match="expected 2 axes"):
        xg.zeros(2, 3).permute(0)
    with pytest.raises(RuntimeError, match="start_dim 2 comes after end_dim 1"):
        xg.zeros(2, 3, 4).flatten(2, 1)


def test_max_with_a_number_second_argument():
    x = xg.zeros(2, 3)
    with pytest.raises(IndexError):          # torch.max(t, 3): dim=3
        xg.max(x, 3)
    with pytest.raises(TypeError):
        xg.max(x, 2.5)
    values, indices = xg.max(_t([[1.0, 5.0, 2.0]]), 1)
    assert values.tolist() == [5.0] and indices.tolist() == [1]
    assert xg.max(x, _t([1.0, -1.0, 0.0])).tolist() == [[1.0, 0.0, 0.0]] * 2
    values, indices = xg.max(xg.tensor(2.0), 0)
    assert values.tolist() == 2.0 and indices.tolist() == 0


# ---- xlogy's gradient at x = 0 ------------------------------------------------------------
XLOGY = [   # x, y, torch's (out, d/dx, d/dy)
    (0.0, 0.0, (0.0, 0.0, math.nan)), (0.0, 2.0, (0.0, math.log(2.0), 0.0)),
    (0.0, -2.0, (0.0, 0.0, -0.0)), (1.0, 0.0, (-math.inf, -math.inf, math.inf)),
    (2.0, -1.0, (math.nan, math.nan, -2.0)), (0.0, math.inf, (0.0, math.inf, 0.0)),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("x0, y0, expected", XLOGY)
def test_xlogy_gradients_as_torch(device, x0, y0, expected):
    x = _t(x0, "float64", device, requires_grad=True)
    y = _t(y0, "float64", device, requires_grad=True)
    with np.errstate(all="ignore"):
        out = xg.xlogy(x, y)
        out.backward()
    got = (out.item(), x.grad.item(), y.grad.item())
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_xlogy_with_a_number_as_torch():
    x = _t([0.0, 1.0, 0.0], requires_grad=True)
    with np.errstate(all="ignore"):
        xg.xlogy(x, 0.0).sum().backward()
    assert x.grad.tolist() == [0.0, -math.inf, 0.0]
    y = _t([0.0, 1.0], requires_grad=True)
    with np.errstate(all="ignore"):
        xg.xlogy(0.0, y).sum().backward()
    assert math.isnan(y.grad.tolist()[0]) and y.grad.tolist()[1] == 0.0


# ---- linalg.LinAlgError -------------------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
def test_linalg_error_is_a_runtime_error(device):
    assert issubclass(xg.linalg.LinAlgError, RuntimeError)
    assert issubclass(xg.linalg.LinAlgError, np.linalg.LinAlgError)   # what backends raise
    singular = _t([[1.0, 2.0], [2.0, 4.0]], device=device)
    calls = [lambda: xg.linalg.inv(singular), lambda: singular.inverse(),
             lambda: xg.linalg.solve(singular, xg.ones(2, device=device)),
             lambda: xg.linalg.cholesky(-xg.eye(2, device=device)),
             lambda: xg.linalg.matrix_power(singular, -1),
             lambda: xg.linalg.inv_ex(singular, check_errors=True),
             lambda: xg.linalg.cholesky_ex(-xg.eye(2, device=device), check_errors=True)]
    for call in calls:
        for kind in (xg.linalg.LinAlgError, RuntimeError, np.linalg.LinAlgError, ValueError):
            with pytest.raises(kind):
                call()


# ---- item() and bool() --------------------------------------------------------------------
def test_item_and_bool_of_several_elements_are_runtime_errors():
    x = xg.zeros(2, 3)
    for kind in (RuntimeError, ValueError):
        with pytest.raises(kind, match="a Tensor with 6 elements cannot be converted to Scalar"):
            x.item()
        with pytest.raises(kind, match="a Tensor with 0 elements cannot be converted"):
            xg.zeros(0).item()
        with pytest.raises(kind, match="Boolean value of a tensor with 6 elements"):
            bool(x)
    with pytest.raises(ValueError):
        float(x)                             # torch: ValueError
    assert xg.tensor([2.5]).item() == 2.5


# ---- diagonal is a view -------------------------------------------------------------------
@pytest.mark.parametrize("device", DEVICES)
def test_writes_through_diagonal_reach_the_tensor(device):
    x = xg.arange(9.0, device=device).reshape(3, 3)
    x.diagonal().fill_(0)
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 0.0, 5.0], [6.0, 7.0, 0.0]]
    x = xg.ones(3, 3, device=device)
    x.diagonal().zero_()
    assert x.tolist() == [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    x = xg.ones(2, 3, device=device)
    x.diagonal(1).fill_(7)
    assert x.tolist() == [[1.0, 7.0, 1.0], [1.0, 1.0, 7.0]]
    x = xg.ones(3, 2, device=device)
    x.diagonal(-1).fill_(7)
    assert x.tolist() == [[1.0, 1.0], [7.0, 1.0], [1.0, 7.0]]
    x = xg.ones(2, 2, 2, device=device)
    x.diagonal(0, 1, 2).fill_(0)
    assert x.tolist() == [[[0.0, 1.0], [1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]]
    x = xg.ones(3, 3, device=device)
    x.diagonal().copy_(xg.tensor([1.0, 2.0, 3.0], device=device))
    assert x.tolist() == [[1.0, 1.0, 1.0], [1.0, 2.0, 1.0], [1.0, 1.0, 3.0]]
    x = xg.ones(3, 3, device=device)
    d = x.diagonal()
    x.fill_(2)
    assert d.tolist() == [2.0, 2.0, 2.0]
    w = xg.ones(3, 3, requires_grad=True, device=device)
    with xg.no_grad():
        w.diagonal().fill_(0)
    assert w.tolist() == [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]


@pytest.mark.parametrize("device", DEVICES)
def test_recorded_write_through_diagonal_as_torch(device):
    w = xg.ones(3, 3, requires_grad=True, device=device)
    y = w * 2
    y.diagonal().mul_(3)
    y.sum().backward()
    expected = [[6.0, 2.0, 2.0], [2.0, 6.0, 2.0], [2.0, 2.0, 6.0]]
    assert y.tolist() == expected and w.grad.tolist() == expected
    leaf = xg.ones(3, 3, requires_grad=True, device=device)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        leaf.diagonal().fill_(0)
    x = xg.ones(3, 3, requires_grad=True, device=device)
    d = x.diagonal()
    d.sum().backward()                       # an ordinary op still
    assert x.grad.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


@pytest.mark.parametrize("device", DEVICES)
def test_inplace_shape_methods_on_views_as_torch(device):
    x = xg.ones(4, 4, device=device)
    x[1:3].fill_diagonal_(0)
    assert x.tolist() == [[1.0] * 4, [0.0, 1.0, 1.0, 1.0], [1.0, 0.0, 1.0, 1.0], [1.0] * 4]
    x = xg.ones(4, 4, device=device)
    x[:, 1:].fill_diagonal_(0)
    assert x.tolist() == [[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 1.0], [1.0, 1.0, 1.0, 0.0],
                          [1.0] * 4]
    x = xg.arange(6.0, device=device).reshape(2, 3)
    v = x[0:2]
    v.t_()
    assert tuple(v.shape) == (3, 2) and tuple(x.shape) == (2, 3)
    assert v.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    x = xg.arange(6.0, device=device).reshape(2, 3)
    v = x[0]
    v.unsqueeze_(0)
    v.fill_(0)
    assert tuple(v.shape) == (1, 3) and x.tolist() == [[0.0, 0.0, 0.0], [3.0, 4.0, 5.0]]
    x = xg.arange(6.0, device=device).reshape(2, 3)
    v = x.view(3, 2)
    v.t_()
    v[0, 0] = 100
    assert x.tolist() == [[100.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
