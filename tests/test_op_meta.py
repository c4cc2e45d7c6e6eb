"""Tests of the test machinery, and numerically extreme inputs.

A gradcheck that never fails proves nothing: deliberately wrong backwards (off by 0.1%) must
fail it at the suite's tolerances, on every device, while the correct ones pass. Then the
stable ops (sigmoid, softplus, logsumexp, softmax, log_softmax) must stay finite, values and
gradients, at |x| = 1000.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import xpgrad as xg
from xpgrad.autograd.function import Function, apply1, apply2
from op_db import GRADCHECK_TOL
from op_samples import away_from, distinct


class Square(Function):
    """x * x with a backward scaled by ``scale`` (1.0: right; 1.001: off by 0.1%)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, scale): return a * a
    def backward(self, gy): return gy * self.inputs[0] * (2.0 * self.args[0])


class Mul(Function):
    """a * b whose gradient for b alone is scaled: every input must be checked."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b, scale): return a * b
    def backward(self, gy):
        a, b = self.inputs
        return gy * b, gy * a * self.args[0]


class Cube(Function):
    """x ** 3: the first derivative 3x^2 is exact in value, but the graph built for the second
    derivative is scaled (6x * scale), which only gradgradcheck can see."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, scale): return a * a * a
    def backward(self, gy):
        x, = self.inputs
        s = self.args[0]
        return gy * 3.0 * (x * x * s - (x * x * (s - 1.0)).detach())


def inputs(device: str, *shapes: tuple, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [xg.tensor(rng.uniform(0.5, 2.0, size=s), dtype="float64", device=device,
                      requires_grad=True) for s in shapes]


CASES = [
    ("square", xg.gradcheck, lambda s: (lambda x: apply1(Square, x, s)), [(2, 3)]),
    ("mul_second_input", xg.gradcheck, lambda s: (lambda a, b: apply2(Mul, a, b, s)), [(3,), (3,)]),
    ("cube_second_order", xg.gradgradcheck, lambda s: (lambda x: apply1(Cube, x, s)), [(2, 2)]),
]


@pytest.mark.parametrize("check,make,shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_correct_backward_passes(check: Callable, make: Callable, shapes: list, device: str) -> None:
    assert check(make(1.0), inputs(device, *shapes), **GRADCHECK_TOL)


@pytest.mark.parametrize("check,make,shapes", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("scale", [1.001, 0.999])
def test_backward_off_by_a_tenth_of_a_percent_fails(check: Callable, make: Callable, shapes: list,
                                                    scale: float, device: str) -> None:
    with pytest.raises(xg.GradcheckError, match=r"gradcheck failed for input \d \(shape .*"
                       r"dtype float64, device " + device.split(":")[0] + r".*worst element"):
        check(make(scale), inputs(device, *shapes), **GRADCHECK_TOL)


def test_wrong_backward_fails_without_raising_when_asked(device: str) -> None:
    x, = inputs(device, (3,))
    assert xg.gradcheck(lambda t: apply1(Square, t, 1.001), (x,), raise_exception=False,
                        **GRADCHECK_TOL) is False


# ---- the registry's value helpers keep samples where gradcheck is meaningful ----------------
def test_distinct_leaves_no_ties_within_or_across_inputs() -> None:
    rng = np.random.default_rng(0)
    arrays = distinct([np.zeros((2, 3)), np.zeros(4), np.zeros(())], {}, rng)
    flat = np.sort(np.concatenate([a.ravel() for a in arrays]))
    assert [a.shape for a in arrays] == [(2, 3), (4,), ()]
    assert np.min(np.diff(flat)) >= 0.1 - 1e-12


def test_away_from_keeps_a_margin_around_each_kink() -> None:
    values = np.linspace(-1.0, 1.0, 201)
    moved, = away_from("bounds", margin=0.1)([values], {"bounds": (-0.5, 0.5)}, None)
    assert np.min(np.abs(moved[:, None] - np.array([-0.5, 0.5]))) >= 0.1 - 1e-12


# ---- extreme values: |x| = 1000 --------------------------------------------------------------
ROW = [-1000.0, -1.0, 0.0, 1.0, 1000.0]
GRID = [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, -1000.0]]


def _np_log_softmax(x: np.ndarray) -> np.ndarray:
    m = np.max(x, axis=-1, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def _np_logsumexp(x: np.ndarray) -> np.ndarray:
    m = np.max(x, axis=-1)
    return m + np.log(np.sum(np.exp(x - m[..., None]), axis=-1))


EXTREME = [  # name, xpgrad function, reference in float64 (stable forms)
    ("sigmoid", xg.sigmoid, lambda x: np.exp(-np.logaddexp(0.0, -x))),
    ("softplus", xg.softplus, lambda x: np.logaddexp(0.0, x)),
    ("logsumexp", lambda x: x.logsumexp(axis=-1), _np_logsumexp),
    ("softmax", lambda x: x.softmax(-1), lambda x: np.exp(_np_log_softmax(x))),
    ("log_softmax", lambda x: x.log_softmax(-1), _np_log_softmax),
]


@pytest.mark.parametrize("fn,ref", [e[1:] for e in EXTREME], ids=[e[0] for e in EXTREME])
@pytest.mark.parametrize("values", [ROW, GRID], ids=["row", "grid"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_extreme_values_stay_finite(fn: Callable, ref: Callable, values: Any, dtype: str,
                                   device: str) -> None:
    host = np.array(values)
    x = xg.tensor(host, dtype=dtype, device=device, requires_grad=True)
    y = fn(x)
    out = y.numpy()
    assert np.all(np.isfinite(out)), f"non-finite values {out}"
    np.testing.assert_allclose(out, ref(host), rtol=1e-6 if dtype == "float32" else 1e-12,
                               atol=1e-6 if dtype == "float32" else 1e-12)
    gy = xg.tensor(np.random.default_rng(0).standard_normal(y.shape), dtype=dtype, device=device)
    gx, = xg.autograd.grad(y, x, gy, create_graph=True)
    assert np.all(np.isfinite(gx.numpy())), f"non-finite gradient {gx.numpy()}"
    ggx, = xg.autograd.grad((gx * gx).sum(), x)         # second order stays finite too
    assert np.all(np.isfinite(ggx.numpy())), f"non-finite second derivative {ggx.numpy()}"
