"""PyTorch 2.13's factory and conversion rules, hard-coded (no torch needed): dtype
inference of xg.tensor/full/arange, arange's length and float64 arithmetic, integer dtypes,
conversions (truncation toward zero), .item() types, and the errors PyTorch raises."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg

DEVICES = ["cpu", "strict:device1"]


def _is(x, dtype, values):
    assert x.dtype is dtype, x.dtype
    assert x.tolist() == values


@pytest.mark.parametrize("device", DEVICES)
def test_tensor_dtype_inference(device):
    _is(xg.tensor([[1, 2], [3, 4]], device=device), xg.int64, [[1, 2], [3, 4]])
    _is(xg.tensor([True, False], device=device), xg.bool_, [True, False])
    _is(xg.tensor([True, 2, 3.5], device=device), xg.float32, [1.0, 2.0, 3.5])
    _is(xg.tensor([True, 2], device=device), xg.int64, [1, 2])
    _is(xg.tensor(2.5, device=device), xg.float32, 2.5)
    _is(xg.tensor(np.array([1.5], dtype=np.float32), device=device), xg.float32, [1.5])
    _is(xg.tensor(np.array([1, 2], dtype=np.int32), device=device), xg.int32, [1, 2])
    _is(xg.tensor(np.float64(1.5), device=device), xg.float64, 1.5)
    _is(xg.tensor([np.float64(1.5), np.float64(2)], device=device), xg.float64, [1.5, 2.0])
    _is(xg.tensor([1.7, -1.7], dtype=xg.int64, device=device), xg.int64, [1, -1])


def test_tensor_refuses_what_does_not_fit():
    with pytest.raises(RuntimeError, match="cannot be converted to uint8 without overflow"):
        xg.tensor([300], dtype=xg.uint8)
    with pytest.raises(RuntimeError, match="cannot be converted to int32 without overflow"):
        xg.tensor([math.nan], dtype=xg.int32)
    with pytest.raises(RuntimeError, match="floating-point tensors can require gradients"):
        xg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating-point tensors can require gradients"):
        xg.ones(2, dtype=xg.int64, requires_grad=True)


@pytest.mark.parametrize("device", DEVICES)
def test_full_and_eye(device):
    _is(xg.full((2,), 3, device=device), xg.int64, [3, 3])
    _is(xg.full((2,), True, device=device), xg.bool_, [True, True])
    _is(xg.full((2,), 3.5, device=device), xg.float32, [3.5, 3.5])
    _is(xg.full((2,), 3.7, dtype=xg.int64, device=device), xg.int64, [3, 3])
    _is(xg.full_like(xg.tensor([1, 2], device=device), 2.7), xg.int64, [2, 2])
    _is(xg.eye(2, 3, device=device), xg.float32, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    _is(xg.linspace(0, 1, 5, device=device), xg.float32, [0.0, 0.25, 0.5, 0.75, 1.0])
    _is(xg.linspace(0, 10, 4, dtype=xg.int64, device=device), xg.int64, [0, 3, 6, 10])
    _is(xg.logspace(0, 3, 4, base=2, device=device), xg.float32, [1.0, 2.0, 4.0, 8.0])


ARANGE = [  # (args, dtype, torch's values)
    ((-1, 1, 0.3), None, [-1.0, -0.699999988079071, -0.4000000059604645,
                          -0.10000000149011612, 0.20000000298023224, 0.5, 0.800000011920929]),
    ((0, 1, 0.1), None, [0.0, 0.10000000149011612, 0.20000000298023224, 0.30000001192092896,
                         0.4000000059604645, 0.5, 0.6000000238418579, 0.699999988079071,
                         0.800000011920929, 0.8999999761581421]),
    ((0, 1, 1 / 3), None, [0.0, 0.3333333432674408, 0.6666666865348816]),
    ((1, 2.5, 0.5), None, [1.0, 1.5, 2.0]),
    ((5, 0, -1.5), "int64", [5, 4, 3, 2, 1]),          # start, end, step truncated first
    ((0, 5.5, 1), "int64", [0, 1, 2, 3, 4]),
    ((0.5, 5), "float64", [0.5, 1.5, 2.5, 3.5, 4.5]),
    ((0, 10, 3), None, [0, 3, 6, 9]),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("args,dtype,want", ARANGE)
def test_arange_like_torch(device, args, dtype, want):
    out = xg.arange(*args, dtype=None if dtype is None else getattr(xg, dtype), device=device)
    assert out.dtype is (getattr(xg, dtype) if dtype else
                         (xg.int64 if all(isinstance(a, int) for a in args) else xg.float32))
    assert out.tolist() == want


def test_arange_arguments_and_errors():
    _is(xg.arange(end=4), xg.int64, [0, 1, 2, 3])
    _is(xg.arange(xg.tensor(3)), xg.int64, [0, 1, 2])
    _is(xg.arange(5.0), xg.float32, [0.0, 1.0, 2.0, 3.0, 4.0])
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        xg.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        xg.arange(0, 5, -1)
    with pytest.raises(ValueError, match="step must be nonzero"):
        xg.arange(0, 2.5, 0.5, dtype=xg.int64)     # the step truncates to 0


def test_random_factories():
    assert xg.randint(0, 10, (3,)).dtype is xg.int64
    assert xg.randint(10, (3,)).dtype is xg.int64
    assert xg.rand(2, dtype=xg.float64).dtype is xg.float64
    assert xg.randn(2, dtype=xg.float64).dtype is xg.float64
    assert xg.randperm(4).dtype is xg.int64 and sorted(xg.randperm(4).tolist()) == [0, 1, 2, 3]
    for fn in (lambda: xg.rand(2, dtype=xg.int64), lambda: xg.randn(2, dtype=xg.int32),
               lambda: xg.rand_like(xg.tensor([1, 2])), lambda: xg.randn_like(xg.tensor([1]))):
        with pytest.raises(RuntimeError, match="not supported"):   # NotImplementedError
            fn()


@pytest.mark.parametrize("device", DEVICES)
def test_conversions(device):
    f = xg.tensor([-1.7, 1.7, -0.5], device=device)
    _is(f.long(), xg.int64, [-1, 1, 0])                # toward zero
    _is(xg.tensor([0.0, 0.1, math.nan], device=device).bool(), xg.bool_, [False, True, True])
    _is(xg.tensor([0, 2, -1], device=device).bool(), xg.bool_, [False, True, True])
    _is(xg.tensor([3.9, 255.0], device=device).to(xg.uint8), xg.uint8, [3, 255])
    _is(xg.tensor([2 ** 40 + 1], device=device).float(), xg.float32, [1099511627776.0])
    _is(xg.tensor([1], device=device).double(), xg.float64, [1.0])
    _is(xg.tensor([1.5], device=device).int(), xg.int32, [1])
    assert type(xg.tensor(3, dtype=xg.uint8).item()) is int
    assert type(xg.tensor(3.5, dtype=xg.float16).item()) is float
    assert type(xg.tensor(True).item()) is bool
    assert [type(v) for v in xg.tensor([1, 2]).tolist()] == [int, int]
    assert xg.tensor([1.0]).half().dtype is xg.float16


def test_dtype_objects():
    assert [d.itemsize for d in (xg.bool_, xg.uint8, xg.int16, xg.float16, xg.float64)] == \
        [1, 1, 2, 2, 8]
    assert xg.float16.is_floating_point and not xg.int64.is_floating_point
    assert not xg.float32.is_complex and not xg.is_complex(xg.tensor([1.0]))
    assert not xg.is_floating_point(xg.tensor([1])) and xg.tensor([1.0]).is_floating_point()
    assert xg.finfo(xg.float16).eps == 0.0009765625 and xg.finfo(xg.float16).max == 65504.0
    assert xg.finfo(xg.float32).tiny == 1.1754943508222875e-38
    assert (xg.iinfo(xg.uint8).max, xg.iinfo(xg.int64).min) == (255, -9223372036854775808)
    assert xg.can_cast(xg.int64, xg.float16) and not xg.can_cast(xg.float32, xg.int64)
    assert not xg.can_cast(xg.int8, xg.bool_)
