"""Registry entries of one op family, appended to tests/op_db.py's OPS.

Import this only through op_db (from op_db import OPS): it imports op_db's helpers, and
op_db imports it at its end.

The activations beyond the lectures' set (nn/functional_activations.py). Piecewise-linear
ops are sampled away from their kinks (their subgradients are checked against PyTorch in
tests/test_nn_activations_extra.py); rrelu is registered in evaluation mode only (training
draws random slopes, checked there too).
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

import xpgrad as xg
import xpgrad.nn.functional as F
from op_db import ErrorInput, OpInfo, _np_softmax, t
from op_samples import Sample, Samples, away_from, reduction, shapes, unary

_ERFC = np.vectorize(math.erfc, otypes=[np.float64])
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _same_dtype(fn):
    """A NumPy reference that returns its input's dtype (float32 in, float32 out)."""
    def ref(x, **kwargs):
        return np.asarray(fn(x.astype(np.float64), **kwargs)).astype(x.dtype)
    return ref


def _np_gelu(x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * _ERFC(-x / math.sqrt(2.0))


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_glu(x, dim):
    a, b = np.split(x, 2, axis=dim)
    return a * _np_sigmoid(b)


def _away_from_lambd(arrays, kwargs, rng):
    lambd = kwargs["lambd"]
    return away_from(lambd, -lambd)(arrays, kwargs, rng)


@st.composite
def _glu_sample(draw):
    """A shape whose ``dim`` has an even length (0, 2, 4 or 6)."""
    shape = list(draw(shapes(min_dims=1)))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    shape[dim] = 2 * draw(st.integers(0, 3))
    return Sample((tuple(shape),), {"dim": dim})


GLU_SAMPLES = Samples(_glu_sample(), tuple(Sample((s,), {"dim": d}) for s, d in [
    ((2, 4), -1), ((4,), 0), ((2, 1), 0), ((3, 2, 2), 1), ((2,), -1), ((2, 0), -1), ((0, 2), 1)]))

KINKS_0 = away_from(0.0)

OPS: list = [
    OpInfo("gelu", lambda x, approximate: F.gelu(x, approximate=approximate),
           _same_dtype(_np_gelu), samples=unary({"approximate": ["none", "tanh"]}),
           domain=(-3.0, 3.0),
           errors=(ErrorInput(lambda d: F.gelu(t(d, 2), approximate="erf"), ValueError,
                              "gelu: approximate must be 'none' or 'tanh', got 'erf'"),
                   ErrorInput(lambda d: F.gelu(t(d, 2, dtype="int64")), TypeError,
                              r"gelu: expected a floating-point tensor, got int64 of shape "
                              r"\(2,\)"))),
    OpInfo("silu", F.silu, _same_dtype(lambda x: x * _np_sigmoid(x)), domain=(-4.0, 4.0),
           errors=(ErrorInput(lambda d: F.silu(np.ones(2)), TypeError,
                              "silu: expected a Tensor, got ndarray"),)),
    OpInfo("mish", F.mish, _same_dtype(lambda x: x * np.tanh(np.logaddexp(0.0, x))),
           domain=(-4.0, 4.0)),
    OpInfo("hardtanh", lambda x, min_val, max_val: F.hardtanh(x, min_val, max_val),
           lambda x, min_val, max_val: np.clip(x, min_val, max_val),
           samples=unary({"min_val": [-1.0, -0.5], "max_val": [1.0, 0.7]}),
           adjust=away_from("min_val", "max_val"),
           errors=(ErrorInput(lambda d: F.hardtanh(t(d, 2), 1.0, -1.0), ValueError,
                              "hardtanh: min_val cannot be greater than max_val"),)),
    OpInfo("relu6", F.relu6, lambda x: np.clip(x, 0.0, 6.0), domain=(-1.0, 7.0),
           adjust=away_from(0.0, 6.0)),
    OpInfo("hardsigmoid", F.hardsigmoid, lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
           domain=(-4.0, 4.0), adjust=away_from(-3.0, 3.0)),
    OpInfo("hardswish", F.hardswish, lambda x: x * np.clip(x + 3.0, 0.0, 6.0) / 6.0,
           domain=(-4.0, 4.0), adjust=away_from(-3.0, 3.0)),
    OpInfo("selu", F.selu,
           _same_dtype(lambda x: _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(x))),
           adjust=KINKS_0),
    OpInfo("celu", lambda x, alpha: F.celu(x, alpha),
           _same_dtype(lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(x / alpha))),
           samples=unary({"alpha": [1.0, 0.5, 2.0, 3]}), adjust=KINKS_0,
           errors=(ErrorInput(lambda d: F.celu(t(d, 2), 0.0), ValueError,
                              "celu: alpha cannot be 0"),)),
    OpInfo("logsigmoid", F.logsigmoid, _same_dtype(lambda x: -np.logaddexp(0.0, -x)),
           domain=(-4.0, 4.0)),
    OpInfo("softsign", F.softsign, lambda x: x / (1.0 + np.abs(x)), adjust=KINKS_0),
    OpInfo("softmin", lambda x, axis: F.softmin(x, dim=axis), lambda x, axis: _np_softmax(-x, axis),
           samples=reduction("int"),
           errors=(ErrorInput(lambda d: F.softmin(t(d, 2, 3), dim=2), ValueError,
                              "softmin: axis 2 is out of range for a tensor with 2 dimension"),
                   ErrorInput(lambda d: F.softmin(t(d, 2, 3), dim=0, axis=1), ValueError,
                              "softmin: got dim=0 and axis=1"))),
    OpInfo("glu", lambda x, dim: F.glu(x, dim), _np_glu, samples=GLU_SAMPLES,
           errors=(ErrorInput(lambda d: F.glu(t(d, 2, 3)), ValueError,
                              r"glu: halving dimension must be even, but dimension -1 of the "
                              r"input of shape \(2, 3\) is size 3"),
                   ErrorInput(lambda d: F.glu(t(d)), ValueError, "glu: does not support 0-d"),
                   ErrorInput(lambda d: F.glu(t(d, 2, 4), dim=2), ValueError,
                              "glu: axis 2 is out of range"))),
    OpInfo("tanhshrink", F.tanhshrink, lambda x: x - np.tanh(x)),
    OpInfo("hardshrink", lambda x, lambd: F.hardshrink(x, lambd),
           lambda x, lambd: np.where(np.abs(x) > lambd, x, 0.0),
           samples=unary({"lambd": [0.5, 1.0, 0.0]}), adjust=_away_from_lambd),
    OpInfo("softshrink", lambda x, lambd: F.softshrink(x, lambd),
           lambda x, lambd: np.sign(x) * np.maximum(np.abs(x) - lambd, 0.0),
           samples=unary({"lambd": [0.5, 1.0, 0.0]}), adjust=_away_from_lambd,
           errors=(ErrorInput(lambda d: F.softshrink(t(d, 2), -1.0), ValueError,
                              "softshrink: lambd must be >= 0, got -1.0"),)),
    OpInfo("threshold", lambda x, threshold, value: F.threshold(x, threshold, value),
           lambda x, threshold, value: np.where(x > threshold, x, value),
           samples=unary({"threshold": [0.5, -1.0, 0.0], "value": [0.0, 2.0, -3]}),
           adjust=away_from("threshold")),
    OpInfo("rrelu_eval", lambda x, lower, upper: F.rrelu(x, lower, upper, training=False),
           lambda x, lower, upper: np.where(x > 0, x, x * ((lower + upper) / 2.0)),
           samples=unary({"lower": [1.0 / 8, 0.1], "upper": [1.0 / 3, 0.3]}), adjust=KINKS_0,
           errors=(ErrorInput(lambda d: F.rrelu(t(d, 2), 0.5, 0.1, training=True), ValueError,
                              "rrelu: lower bound should be less than or equal to the upper"),
                   ErrorInput(lambda d: F.rrelu(xg.tensor([1], device=d)), TypeError,
                              "rrelu: expected a floating-point tensor, got int64"))),
]
