"""PyTorch 2.13's type promotion and integer/bool semantics, hard-coded (no torch needed):
the result dtype of mixed operands, values where promotion changes them (uint8 with a
negative 0-d int8, Python ints wrapping around), bool arithmetic, integer pow and integer
division by zero. Each case runs on 'cpu' and 'strict:device1' (array_api_strict refuses
mixed dtypes, so the promotion must be xpgrad's own)."""
from __future__ import annotations

import math

import pytest

import xpgrad as xg

DEVICES = ["cpu", "strict:device1"]
NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]

# torch.result_type(a, b) for (dimensioned, dimensioned), (dimensioned, 0-d), (0-d, dimensioned)
RT = {
    ('bool', 'bool'): ('bool', 'bool', 'bool'),
    ('bool', 'uint8'): ('uint8', 'uint8', 'uint8'),
    ('bool', 'int8'): ('int8', 'int8', 'int8'),
    ('bool', 'int16'): ('int16', 'int16', 'int16'),
    ('bool', 'int32'): ('int32', 'int32', 'int32'),
    ('bool', 'int64'): ('int64', 'int64', 'int64'),
    ('bool', 'float16'): ('float16', 'float16', 'float16'),
    ('bool', 'float32'): ('float32', 'float32', 'float32'),
    ('bool', 'float64'): ('float64', 'float64', 'float64'),
    ('uint8', 'bool'): ('uint8', 'uint8', 'uint8'),
    ('uint8', 'uint8'): ('uint8', 'uint8', 'uint8'),
    ('uint8', 'int8'): ('int16', 'uint8', 'int8'),
    ('uint8', 'int16'): ('int16', 'uint8', 'int16'),
    ('uint8', 'int32'): ('int32', 'uint8', 'int32'),
    ('uint8', 'int64'): ('int64', 'uint8', 'int64'),
    ('uint8', 'float16'): ('float16', 'float16', 'float16'),
    ('uint8', 'float32'): ('float32', 'float32', 'float32'),
    ('uint8', 'float64'): ('float64', 'float64', 'float64'),
    ('int8', 'bool'): ('int8', 'int8', 'int8'),
    ('int8', 'uint8'): ('int16', 'int8', 'uint8'),
    ('int8', 'int8'): ('int8', 'int8', 'int8'),
    ('int8', 'int16'): ('int16', 'int8', 'int16'),
    ('int8', 'int32'): ('int32', 'int8', 'int32'),
    ('int8', 'int64'): ('int64', 'int8', 'int64'),
    ('int8', 'float16'): ('float16', 'float16', 'float16'),
    ('int8', 'float32'): ('float32', 'float32', 'float32'),
    ('int8', 'float64'): ('float64', 'float64', 'float64'),
    ('int16', 'bool'): ('int16', 'int16', 'int16'),
    ('int16', 'uint8'): ('int16', 'int16', 'uint8'),
    ('int16', 'int8'): ('int16', 'int16', 'int8'),
    ('int16', 'int16'): ('int16', 'int16', 'int16'),
    ('int16', 'int32'): ('int32', 'int16', 'int32'),
    ('int16', 'int64'): ('int64', 'int16', 'int64'),
    ('int16', 'float16'): ('float16', 'float16', 'float16'),
    ('int16', 'float32'): ('float32', 'float32', 'float32'),
    ('int16', 'float64'): ('float64', 'float64', 'float64'),
    ('int32', 'bool'): ('int32', 'int32', 'int32'),
    ('int32', 'uint8'): ('int32', 'int32', 'uint8'),
    ('int32', 'int8'): ('int32', 'int32', 'int8'),
    ('int32', 'int16'): ('int32', 'int32', 'int16'),
    ('int32', 'int32'): ('int32', 'int32', 'int32'),
    ('int32', 'int64'): ('int64', 'int32', 'int64'),
    ('int32', 'float16'): ('float16', 'float16', 'float16'),
    ('int32', 'float32'): ('float32', 'float32', 'float32'),
    ('int32', 'float64'): ('float64', 'float64', 'float64'),
    ('int64', 'bool'): ('int64', 'int64', 'int64'),
    ('int64', 'uint8'): ('int64', 'int64', 'uint8'),
    ('int64', 'int8'): ('int64', 'int64', 'int8'),
    ('int64', 'int16'): ('int64', 'int64', 'int16'),
    ('int64', 'int32'): ('int64', 'int64', 'int32'),
    ('int64', 'int64'): ('int64', 'int64', 'int64'),
    ('int64', 'float16'): ('float16', 'float16', 'float16'),
    ('int64', 'float32'): ('float32', 'float32', 'float32'),
    ('int64', 'float64'): ('float64', 'float64', 'float64'),
    ('float16', 'bool'): ('float16', 'float16', 'float16'),
    ('float16', 'uint8'): ('float16', 'float16', 'float16'),
    ('float16', 'int8'): ('float16', 'float16', 'float16'),
    ('float16', 'int16'): ('float16', 'float16', 'float16'),
    ('float16', 'int32'): ('float16', 'float16', 'float16'),
    ('float16', 'int64'): ('float16', 'float16', 'float16'),
    ('float16', 'float16'): ('float16', 'float16', 'float16'),
    ('float16', 'float32'): ('float32', 'float16', 'float32'),
    ('float16', 'float64'): ('float64', 'float16', 'float64'),
    ('float32', 'bool'): ('float32', 'float32', 'float32'),
    ('float32', 'uint8'): ('float32', 'float32', 'float32'),
    ('float32', 'int8'): ('float32', 'float32', 'float32'),
    ('float32', 'int16'): ('float32', 'float32', 'float32'),
    ('float32', 'int32'): ('float32', 'float32', 'float32'),
    ('float32', 'int64'): ('float32', 'float32', 'float32'),
    ('float32', 'float16'): ('float32', 'float32', 'float16'),
    ('float32', 'float32'): ('float32', 'float32', 'float32'),
    ('float32', 'float64'): ('float64', 'float32', 'float64'),
    ('float64', 'bool'): ('float64', 'float64', 'float64'),
    ('float64', 'uint8'): ('float64', 'float64', 'float64'),
    ('float64', 'int8'): ('float64', 'float64', 'float64'),
    ('float64', 'int16'): ('float64', 'float64', 'float64'),
    ('float64', 'int32'): ('float64', 'float64', 'float64'),
    ('float64', 'int64'): ('float64', 'float64', 'float64'),
    ('float64', 'float16'): ('float64', 'float64', 'float16'),
    ('float64', 'float32'): ('float64', 'float64', 'float32'),
    ('float64', 'float64'): ('float64', 'float64', 'float64'),
}
SCALAR_RT = {
    'bool': ('int64', 'float32', 'bool', 'int64', 'float32', 'bool'),
    'uint8': ('uint8', 'float32', 'uint8', 'uint8', 'float32', 'uint8'),
    'int8': ('int8', 'float32', 'int8', 'int8', 'float32', 'int8'),
    'int16': ('int16', 'float32', 'int16', 'int16', 'float32', 'int16'),
    'int32': ('int32', 'float32', 'int32', 'int32', 'float32', 'int32'),
    'int64': ('int64', 'float32', 'int64', 'int64', 'float32', 'int64'),
    'float16': ('float16', 'float16', 'float16', 'float16', 'float16', 'float16'),
    'float32': ('float32', 'float32', 'float32', 'float32', 'float32', 'float32'),
    'float64': ('float64', 'float64', 'float64', 'float64', 'float64', 'float64'),
}


def _dt(name):
    return getattr(xg, "bool_" if name == "bool" else name)


def _ones(name, ndim, device="cpu"):
    return xg.ones(*((2,) if ndim else ()), dtype=_dt(name), device=device)


def _vals(x):
    return x.tolist()


@pytest.mark.parametrize("a", NAMES)
def test_result_type_table(a):
    for b in NAMES:
        for (na, nb), want in zip([(1, 1), (1, 0), (0, 1)], RT[(a, b)]):
            x, y = _ones(a, na), _ones(b, nb)
            assert xg.result_type(x, y).name == want, (a, na, b, nb)
            if "bool" not in (a, b) or a == b:
                out = x + y if not (a == b == "bool") else x * y
                assert out.dtype.name == want, ("+", a, na, b, nb)
            assert (x / y).dtype.name == (want if want.startswith("float") else "float32")
        assert xg.promote_types(_dt(a), _dt(b)).name == RT[(a, b)][0]


@pytest.mark.parametrize("a", NAMES)
def test_result_type_with_python_numbers(a):
    got = tuple(xg.result_type(_ones(a, nd), s).name for nd in (1, 0) for s in (1, 1.5, True))
    assert got == SCALAR_RT[a]
    x = _ones(a, 1)
    if a != "bool":
        assert ((x + 1).dtype.name, (x * 1.5).dtype.name, (1 - x).dtype.name) == \
            SCALAR_RT[a][:2] + SCALAR_RT[a][:1]


def test_default_dtype_float64_drives_python_floats():
    xg.set_default_dtype(xg.float64)
    try:
        assert xg.get_default_dtype() is xg.float64
        assert xg.tensor([1.5]).dtype is xg.float64
        assert (xg.tensor([1]) + 1.5).dtype is xg.float64
        assert (xg.tensor([1]) / 2).dtype is xg.float64
        assert (xg.tensor([1.0], dtype=xg.float32) + 1.5).dtype is xg.float32
        assert xg.arange(0.0, 1.0, 0.5).dtype is xg.float64
        assert xg.zeros(1).dtype is xg.float64 and xg.full((1,), 1.5).dtype is xg.float64
        assert xg.result_type(xg.tensor([1]), 1.0) is xg.float64
        assert xg.finfo().bits == 64
    finally:
        xg.set_default_dtype(xg.float32)
    with pytest.raises(TypeError):
        xg.set_default_dtype(xg.int64)


# ---- values where the promotion decides the answer ---------------------------------------
U8 = [200, 3, 7]


def _u8(d):
    return xg.tensor(U8, dtype=xg.uint8, device=d)


def _i8_0d(d, v=-100):
    return xg.tensor(v, dtype=xg.int8, device=d)


@pytest.mark.parametrize("device", DEVICES)
def test_dimensioned_uint8_with_0d_signed(device):
    out = _u8(device) / _i8_0d(device)          # divides the original values in float32
    assert out.dtype is xg.float32
    assert _vals(out) == pytest.approx([-2.0, -0.03, -0.07])
    assert _vals(_u8(device) < _i8_0d(device)) == [False, True, True]   # -100 -> 156
    s = _u8(device) + _i8_0d(device)
    assert s.dtype is xg.uint8 and _vals(s) == [100, 159, 163]
    a = xg.atan2(_u8(device), xg.tensor(-7, dtype=xg.int16, device=device))
    assert a.dtype is xg.float32
    assert _vals(a) == pytest.approx([1.6057820320129395, 2.7367007732391357,
                                      2.356194496154785])
    h = xg.hypot(xg.tensor([3.0, 5.0], device=device), xg.tensor(4, device=device))
    assert h.dtype is xg.float32 and _vals(h) == pytest.approx([5.0, 6.4031243324279785])
    q = _u8(device)[1:] // _i8_0d(device, -3)   # -3 -> 253
    assert q.dtype is xg.uint8 and _vals(q) == [0, 0]
    m = xg.maximum(xg.tensor([200, 1], dtype=xg.uint8, device=device),
                   xg.tensor([-1, 2], dtype=xg.int8, device=device))
    assert m.dtype is xg.int16 and _vals(m) == [200, 2]
    z = xg.tensor(300, device=device) + xg.tensor([1], dtype=xg.uint8, device=device)
    assert z.dtype is xg.uint8 and _vals(z) == [45]


@pytest.mark.parametrize("device", DEVICES)
def test_python_ints_wrap_around(device):
    assert _vals(_u8(device) < 300) == [False, True, True]         # 300 -> 44
    assert _vals(-2 < _u8(device)) == [False, False, False]        # -2 -> 254
    assert _vals(_u8(device) == -56) == [True, False, False]
    i8 = xg.tensor([-100, 3, 5], dtype=xg.int8, device=device)
    assert _vals(i8 + 300) == [-56, 47, 49] and (i8 + 300).dtype is xg.int8
    assert _vals(i8 * 200) == [-32, 88, -24]
    assert _vals(300 - _u8(device)) == [100, 41, 37]
    assert _vals(_u8(device) - 300) == [156, 215, 219]
    big = xg.tensor([127], dtype=xg.int8, device=device) + xg.tensor([1], dtype=xg.int8,
                                                                     device=device)
    assert _vals(big) == [-128]
    assert _vals(xg.tensor([2 ** 62], device=device) * 4) == [0]
    neg = -xg.tensor([5, 0], dtype=xg.uint8, device=device)
    assert neg.dtype is xg.uint8 and _vals(neg) == [251, 0]
    assert _vals(-xg.tensor([-128], dtype=xg.int8, device=device)) == [-128]


@pytest.mark.parametrize("device", DEVICES)
def test_bool_arithmetic(device):
    b = xg.tensor([True, False], device=device)
    t = xg.tensor([True, True], device=device)
    for out, want in ((b + True, [True, True]), (b * False, [False, False]),
                      (b + t, [True, True]), (b * t, [True, False]), (b ** True, [True, False]),
                      (b ** False, [True, True]), (b < t, [False, True]),
                      (b >= False, [True, True]), (xg.maximum(b, ~t), [True, False]),
                      (xg.minimum(b, t), [True, False])):
        assert out.dtype is xg.bool_ and _vals(out) == want
    for out, dtype, want in ((b + 3, xg.int64, [4, 3]), (b / t, xg.float32, [1.0, 0.0]),
                             (b ** 2, xg.int64, [1, 0]), (2 ** b, xg.int64, [2, 1]),
                             (xg.clamp(b, 0, 1), xg.int64, [1, 0])):
        assert out.dtype is dtype and _vals(out) == want
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        b - t
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        xg.tensor([1], device=device) - True
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        1.5 - b
    with pytest.raises(RuntimeError, match="negation .* bool tensor .*is not supported"):
        -b
    for fn in (lambda: b // t, lambda: b % True, lambda: xg.fmod(b, t), lambda: b ** t,
               lambda: True ** b,
               lambda: xg.addcmul(b, b, b)):
        with pytest.raises(NotImplementedError, match="not implemented for bool"):
            fn()


@pytest.mark.parametrize("device", DEVICES)
def test_logical_ops_take_truth_values(device):
    a = xg.tensor([1, 0, 2], device=device)
    out = xg.logical_and(a, xg.tensor([0.5, 1.0, 0.0], device=device))
    assert out.dtype is xg.bool_ and _vals(out) == [True, False, False]
    nan = xg.tensor([1.0, 0.0, math.nan], device=device)
    assert _vals(xg.logical_not(nan)) == [False, True, False]
    assert _vals(xg.logical_or(a, 0)) == [True, False, True]


@pytest.mark.parametrize("device", DEVICES)
def test_integer_pow(device):
    base = xg.tensor([2, 1, -1, -1, 0, 3], device=device)
    out = base ** xg.tensor([-1, -1, -3, -2, -1, 2], device=device)
    assert out.dtype is xg.int64 and _vals(out) == [0, 1, -1, 1, 0, 9]
    assert _vals(2 ** xg.tensor([-1, 0, 3], device=device)) == [0, 1, 8]
    assert _vals(xg.tensor([3], dtype=xg.int8, device=device) ** 5) == [-13]
    with pytest.raises(RuntimeError, match="negative integer powers are not allowed"):
        xg.tensor([2], device=device) ** -1
    with pytest.raises(RuntimeError, match="negative integer powers are not allowed"):
        _u8(device) ** -2


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("device", DEVICES)
def test_integer_division_by_zero_raises(device):
    i = xg.tensor([5, 2], device=device)
    zero = xg.tensor([0, 1], device=device)
    for fn in (lambda: i // 0, lambda: i // zero, lambda: i % 0, lambda: i % zero,
               lambda: xg.fmod(i, 0), lambda: xg.fmod(i, zero), lambda: xg.remainder(7, zero),
               lambda: xg.div(i, 0, rounding_mode="floor"),
               lambda: xg.div(i, zero, rounding_mode="trunc"),
               lambda: 7 // xg.tensor([True, False], device=device),
               lambda: xg.tensor([3], dtype=xg.uint8, device=device) % xg.tensor([False],
                                                                                 device=device)):
        with pytest.raises(RuntimeError, match="^ZeroDivisionError"):
            fn()
    # floats divide by zero to inf / nan, as in PyTorch; true division of ints too
    f = xg.tensor([5.0, -5.0, 0.0], device=device) // 0
    assert str(_vals(f)) == "[inf, -inf, nan]"
    d = xg.tensor([5, 0, -5], device=device) / 0
    assert d.dtype is xg.float32 and str(_vals(d)) == "[inf, nan, -inf]"
    assert _vals(xg.tensor([-7, 7], device=device) // 2) == [-4, 3]
    assert _vals(xg.remainder(xg.tensor([-7, 7], device=device), -3)) == [-1, -2]
    assert _vals(xg.fmod(xg.tensor([-7, 7], device=device), -3)) == [-1, 1]


@pytest.mark.parametrize("device", DEVICES)
def test_where_clamp_addcmul_promotion(device):
    c = xg.tensor([True, False], device=device)
    for out, dtype, want in (
            (xg.where(c, xg.tensor([True, False], device=device), 5), xg.int64, [1, 5]),
            (xg.where(c, 1, 0), xg.int64, [1, 0]),
            (xg.where(c, 1.0, 0), xg.float32, [1.0, 0.0]),
            (xg.where(c, xg.tensor([1, 2], dtype=xg.int32, device=device), 2.5), xg.float32,
             [1.0, 2.5]),
            (xg.where(c, xg.tensor([200, 2], dtype=xg.uint8, device=device),
                      xg.tensor([-1, -2], dtype=xg.int8, device=device)), xg.int16, [200, -2]),
            (xg.where(c, xg.tensor([1.0, 2.0], device=device),
                      xg.tensor(3.0, dtype=xg.float64, device=device)), xg.float32, [1.0, 3.0]),
            (xg.clamp(xg.tensor([1, 5], device=device), 1.5, 3), xg.float32, [1.5, 3.0]),
            (xg.addcmul(xg.tensor([1], device=device), xg.tensor([2], device=device),
                        xg.tensor([3], device=device), value=1.5), xg.int64, [7])):
        assert out.dtype is dtype and _vals(out) == want
    with pytest.raises(RuntimeError, match="cannot be converted to int8 without overflow"):
        xg.clamp(xg.tensor([1, 5], dtype=xg.int8, device=device), 2, 300)


def test_float16_follows_the_dimensioned_tensor():
    h = xg.tensor([1.5], dtype=xg.float16)
    assert (h * xg.tensor(2.0)).dtype is xg.float16
    assert (h * xg.tensor([2.0])).dtype is xg.float32
    assert (xg.tensor([1], dtype=xg.int8) + xg.tensor(0.5, dtype=xg.float64)).dtype is xg.float64
    x = xg.tensor([1.0, 2.0], dtype=xg.float16, requires_grad=True)
    (x * xg.tensor([2.0, 3.0])).sum().backward()
    assert x.grad.dtype is xg.float16 and _vals(x.grad) == [2.0, 3.0]
    y = xg.tensor([1.0, 2.0], dtype=xg.float16, requires_grad=True)
    (y.exp().sum() + (y * y).mean()).backward()
    assert y.grad.dtype is xg.float16
    assert _vals(y.grad) == pytest.approx([3.71875, 9.390625], rel=1e-3)


def test_integer_results_do_not_require_grad():
    w = xg.tensor([1.0, 2.0], requires_grad=True)
    assert (xg.tensor([1, 2]) * w).requires_grad
    assert not (xg.tensor([1, 2]) + 1).requires_grad
    assert not (w > 1).requires_grad
    assert not (w // 1).requires_grad
