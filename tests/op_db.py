"""The op registry (OpInfo-lite, STYLE-ANCHORS section 11): one entry per op.

tests/test_ops.py runs every entry on every device: forward against the NumPy reference,
float64 gradcheck, gradgradcheck, no mutation, no aliasing, non-contiguous inputs, and the
promised errors. Samples come from tests/op_samples.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import xpgrad as xg
from op_samples import (CONCAT, MATMUL, Sample, Samples, away_from, broadcast, broadcast_target,
                        np_expand, np_squeeze, derived, distinct, flatten_kwargs, ints, on_grid, reduction, reshape_kwargs,
                        shapes, split_kwargs, squeeze_kwargs, unary)

# The tolerances of the whole suite: float64 central differences are good to ~1e-9 here, so a
# backward that is off by 0.1% fails (test_op_meta.py proves it).
GRADCHECK_TOL = {"eps": 1e-6, "atol": 1e-7, "rtol": 1e-5}


class ErrorInput:
    """``call(device)`` must raise ``error`` with a message matching ``match``."""

    def __init__(self, call: Callable[[str], Any], error: type, match: str) -> None:
        self.call, self.error, self.match = call, error, match


@dataclass(frozen=True)
class OpInfo:
    name: str
    op: Callable[..., Any]                   # (*tensors, **kwargs) -> Tensor or list of Tensors
    ref: Callable[..., Any] | None = None    # the same on NumPy arrays; None: ``op`` works on both
    samples: Samples = unary()
    domain: Any = (-2.0, 2.0)                # (low, high), or one pair per input
    adjust: Callable | None = None           # moves values off kinks/ties (or onto ties)
    differentiable: bool = True              # False: a constant result (comparisons, argmax)
    gradgrad: bool = True                    # second derivatives checked too
    errors: tuple = ()                       # ErrorInputs
    tol: dict = field(default_factory=dict)  # gradcheck overrides (casts through float32)

    def reference(self, *arrays: Any, **kwargs: Any) -> Any:
        return (self.ref or self.op)(*arrays, **kwargs)


def t(device: str, *shape: int, dtype: str = "float64") -> xg.Tensor:
    """A small tensor for error inputs."""
    return xg.tensor(np.ones(shape), dtype=dtype, device=device)


def other_device(device: str) -> str:
    return "strict:device1" if device != "strict:device1" else "cpu"


def _mixed(fn: Callable) -> ErrorInput:
    return ErrorInput(lambda d: fn(t(d, 2), t(other_device(d), 2)), RuntimeError,
                      r"expected all tensors on the same device, but found")


def _bad_broadcast(name: str, fn: Callable) -> ErrorInput:
    return ErrorInput(lambda d: fn(t(d, 2, 3), t(d, 4)), ValueError,
                      name + r".*broadcast.*float64\[2, 3\].*float64\[4\]")


def _bad_axis(name: str, fn: Callable) -> tuple:
    return (ErrorInput(lambda d: fn(t(d, 2, 3), axis=2), ValueError,
                       name + r": axis 2 is out of range for a tensor with 2 dimension"),
            ErrorInput(lambda d: fn(t(d, 2, 3), axis=0.5), TypeError,
                       name + r": axis must be an int"),
            # a 0-d tensor takes dim 0 and -1, as in torch, but no other
            ErrorInput(lambda d: fn(t(d), axis=1), ValueError,
                       name + r": axis 1 is out of range for a tensor with 0 dimension"))


def _binary_errors(name: str, fn: Callable) -> tuple:
    return (_bad_broadcast(name, fn), _mixed(fn))


def _on_device(key: Any, x: xg.Tensor) -> Any:
    """Index arrays as tensors on x's device (the strict backend takes no NumPy arrays)."""
    if isinstance(key, tuple):
        return tuple(_on_device(k, x) for k in key)
    return xg.tensor(key, device=x.device) if isinstance(key, np.ndarray) else key


def _np_softmax(x: Any, axis: int) -> Any:
    if x.shape[axis] == 0:
        return x.copy()
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


def _np_split(x: Any, sizes: Any, axis: int) -> list:
    length = x.shape[axis]
    cuts = (list(range(sizes, length, sizes)) if isinstance(sizes, int)
            else list(np.cumsum(sizes)[:-1]))
    return np.split(x, cuts, axis=axis)


POSITIVE = (0.5, 2.5)
SCALARS = {"c": [2.0, -1.5, 3, 0.5]}

OPS: list[OpInfo] = [
    # ---- arithmetic (operators on Tensors work on NumPy arrays too: ref=None) -------------
    OpInfo("add", lambda a, b: a + b, samples=broadcast(), errors=_binary_errors("add", xg.add)),
    OpInfo("sub", lambda a, b: a - b, samples=broadcast(), errors=_binary_errors("sub", xg.sub)),
    OpInfo("mul", lambda a, b: a * b, samples=broadcast(), errors=_binary_errors("mul", xg.mul)),
    OpInfo("truediv", lambda a, b: a / b, samples=broadcast(), adjust=away_from(0.0, inputs=(1,)),
           errors=_binary_errors("div", xg.truediv)),
    OpInfo("neg", lambda x: -x),
    OpInfo("add_scalar", lambda x, c: x + c, samples=unary(SCALARS)),
    OpInfo("radd_scalar", lambda x, c: c + x, samples=unary(SCALARS)),
    OpInfo("sub_scalar", lambda x, c: x - c, samples=unary(SCALARS)),
    OpInfo("rsub_scalar", lambda x, c: c - x, samples=unary(SCALARS)),
    OpInfo("mul_scalar", lambda x, c: x * c, samples=unary(SCALARS)),
    OpInfo("rmul_scalar", lambda x, c: c * x, samples=unary(SCALARS)),
    OpInfo("div_scalar", lambda x, c: x / c, samples=unary(SCALARS)),
    OpInfo("rdiv_scalar", lambda x, c: c / x, samples=unary(SCALARS), adjust=away_from(0.0)),
    # pow: a positive base keeps a ** b real for any exponent and d/db = a^b log(a) finite
    OpInfo("pow", lambda a, b: a ** b, samples=broadcast(), domain=(POSITIVE, (-2.0, 2.0)),
           errors=_binary_errors("pow", xg.pow)),
    OpInfo("pow_scalar", lambda x, c: x ** c, domain=POSITIVE,
           samples=unary({"c": [2, 0.5, -1.5, 3, 0, 1, -2, 2.5]})),
    # integer exponents are defined for negative bases too (x ** -1 needs x away from 0)
    OpInfo("pow_int_exponent", lambda x, c: x ** c, samples=unary({"c": [2, 3, -1]}),
           adjust=away_from(0.0)),
    OpInfo("rpow_scalar", lambda x, c: c ** x, samples=unary({"c": [2.0, 0.5, 3, 1.0]})),
    # 0 ** x is 0 for x > 0: slope 0 (PyTorch's convention), never 0 * log(0) = NaN
    OpInfo("rpow_zero_base", lambda x: 0.0 ** x, domain=POSITIVE),
    OpInfo("pow_zero_base", lambda b: (b.detach() * 0.0) ** b, lambda b: np.zeros_like(b) ** b,
           domain=POSITIVE),
    OpInfo("maximum", xg.maximum, np.maximum, samples=broadcast(), adjust=distinct,
           errors=_binary_errors("maximum", xg.maximum)),
    OpInfo("minimum", xg.minimum, np.minimum, samples=broadcast(), adjust=distinct,
           errors=_binary_errors("minimum", xg.minimum)),
    OpInfo("maximum_scalar", lambda x, c: xg.maximum(x, c), lambda x, c: np.maximum(x, c),
           samples=unary({"c": [0.0, 0.55]}), adjust=away_from("c")),
    OpInfo("where", lambda c, a, b: xg.where(c > 0, a, b), lambda c, a, b: np.where(c > 0, a, b),
           samples=broadcast(3), adjust=away_from(0.0, inputs=(0,)),
           errors=(ErrorInput(lambda d: xg.where(True, 1.0, 2.0), TypeError,
                              "where: at least one argument must be a Tensor"),
                   _bad_broadcast("where", lambda a, b: xg.where(a > 0, a, b)))),
    OpInfo("where_scalar", lambda c, a: xg.where(c > 0, a, 0.0), lambda c, a: np.where(c > 0, a, 0.0),
           samples=broadcast(2), adjust=away_from(0.0, inputs=(0,))),
    OpInfo("clip", lambda x, bounds: xg.clip(x, *bounds), lambda x, bounds: np.clip(x, *bounds),
           samples=unary({"bounds": [(-0.5, 0.5), (None, 1.0), (-1.0, None), (0, 0)]}),
           adjust=away_from("bounds"),
           errors=(ErrorInput(lambda d: xg.clip(t(d, 2)), ValueError,
                              "clip: at least one of min and max must be given"),)),
    OpInfo("clip_tensor_bounds", xg.clip, lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
           samples=broadcast(3), adjust=distinct),

    # ---- unary math and activations -------------------------------------------------------
    OpInfo("exp", xg.exp, np.exp),
    OpInfo("log", xg.log, np.log, domain=POSITIVE),
    OpInfo("log1p", xg.log1p, np.log1p, domain=(-0.5, 2.0)),
    OpInfo("expm1", xg.expm1, np.expm1),
    OpInfo("sqrt", xg.sqrt, np.sqrt, domain=POSITIVE),
    OpInfo("square", xg.square, np.square),
    OpInfo("abs", xg.abs, np.abs, adjust=away_from(0.0)),            # kink at 0
    OpInfo("sin", xg.sin, np.sin),
    OpInfo("cos", xg.cos, np.cos),
    OpInfo("tanh", xg.tanh, np.tanh),
    OpInfo("sigmoid", xg.sigmoid, lambda x: 1.0 / (1.0 + np.exp(-x))),
    OpInfo("softplus", xg.softplus, lambda x: np.logaddexp(0.0, x)),
    OpInfo("relu", xg.relu, lambda x: np.maximum(x, 0.0), adjust=away_from(0.0)),
    OpInfo("leaky_relu", lambda x, slope: xg.leaky_relu(x, slope),
           lambda x, slope: np.where(x > 0, x, slope * x), samples=unary({"slope": [0.01, 0.2]}),
           adjust=away_from(0.0)),
    OpInfo("elu", lambda x, alpha: xg.elu(x, alpha),
           lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(x)),
           samples=unary({"alpha": [1.0, 0.5]}), adjust=away_from(0.0)),
    OpInfo("clone", xg.clone, np.copy),
    # float32 keeps ~7 digits: finite differences through it need a larger step
    OpInfo("astype_float32", lambda x: x.astype(xg.float32), lambda x: x.astype(np.float32),
           tol={"eps": 1e-2, "atol": 1e-3, "rtol": 1e-3},
           errors=(ErrorInput(lambda d: t(d, 2).astype("float7"), TypeError, "float7"),)),
    OpInfo("astype_roundtrip", lambda x: x.astype("float32").astype("float64"),
           lambda x: x.astype(np.float32).astype(np.float64),
           tol={"eps": 1e-2, "atol": 1e-3, "rtol": 1e-3}),

    # ---- reductions -----------------------------------------------------------------------
    OpInfo("sum", lambda x, axis, keepdims: x.sum(axis, keepdims),
           lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
           samples=reduction(), errors=_bad_axis("sum", xg.sum)),
    # the mean of nothing is NaN with a warning: reduced axes are never empty
    OpInfo("mean", lambda x, axis, keepdims: x.mean(axis, keepdims),
           lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims),
           samples=reduction(min_side=1), errors=_bad_axis("mean", xg.mean)),
    # max/min of nothing has no value (an error, below); ties are kinks, so values are distinct
    OpInfo("max", lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims),
           lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
           samples=reduction(min_side=1), adjust=distinct,
           errors=_bad_axis("max", xg.max) + (
               ErrorInput(lambda d: t(d, 0, 2).max(), ValueError, r"max: cannot reduce an empty"),
               ErrorInput(lambda d: t(d, 2, 0).max(axis=1), ValueError, r"max: cannot reduce"))),
    OpInfo("min", lambda x, axis, keepdims: x.min(axis=axis, keepdims=keepdims),
           lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims),
           samples=reduction(min_side=1), adjust=distinct,
           errors=(ErrorInput(lambda d: t(d, 0).min(), ValueError, r"min: cannot reduce"),)),
    # var/std over one element (or fewer than ddof + 1) has no spread: sqrt'(0) is infinite
    OpInfo("var", lambda x, axis, keepdims, ddof: x.var(axis, keepdims=keepdims, ddof=ddof),
           lambda x, axis, keepdims, ddof: np.var(x, axis=axis, keepdims=keepdims, ddof=ddof),
           samples=reduction(min_side=2, options={"ddof": [0, 1]}), errors=_bad_axis("var", xg.var)),
    OpInfo("std", lambda x, axis, keepdims, ddof: x.std(axis, keepdims=keepdims, ddof=ddof),
           lambda x, axis, keepdims, ddof: np.std(x, axis=axis, keepdims=keepdims, ddof=ddof),
           samples=reduction(min_side=2, options={"ddof": [0, 1]})),
    OpInfo("logsumexp", lambda x, axis, keepdims: x.logsumexp(axis, keepdims), _np_logsumexp,
           samples=reduction(min_side=1), errors=_bad_axis("logsumexp", xg.logsumexp)),
    OpInfo("softmax", lambda x, axis: x.softmax(axis), _np_softmax, samples=reduction("int"),
           errors=_bad_axis("softmax", xg.softmax)),
    OpInfo("log_softmax", lambda x, axis: x.log_softmax(axis),
           lambda x, axis: np.log(_np_softmax(x, axis)), samples=reduction("int"),
           errors=_bad_axis("log_softmax", xg.log_softmax)),

    # ---- linear algebra -------------------------------------------------------------------
    OpInfo("matmul", lambda a, b: a @ b, samples=MATMUL, errors=(
        ErrorInput(lambda d: t(d, 2, 3) @ t(d, 2, 3), ValueError,
                   r"matmul: shapes \(2, 3\) and \(2, 3\) are not aligned"),
        ErrorInput(lambda d: xg.matmul(t(d), t(d, 2)), ValueError, r"at least 1 dimension"),
        ErrorInput(lambda d: t(d, 2, 2, 3) @ t(d, 3, 3, 2), ValueError,
                   r"batch dimensions of shapes \(2, 2, 3\) and \(3, 3, 2\)"),
        _mixed(xg.matmul))),
]


# ---- shape ops ----------------------------------------------------------------------------
def _np_flatten(x: Any, start_dim: int, end_dim: int) -> Any:
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:])


SMALL_SIDES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=2)   # many 1s

OPS += [
    OpInfo("reshape", lambda x, shape: x.reshape(*shape), lambda x, shape: x.reshape(shape),
           samples=derived(shapes(), reshape_kwargs, [Sample(((2, 3),), {"shape": (3, -1)}),
                                                       Sample(((),), {"shape": (1, 1)}),
                                                       Sample(((2, 0),), {"shape": (0, 4)})]),
           errors=(ErrorInput(lambda d: t(d, 2, 3).reshape(4), ValueError,
                              r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) "
                              r"into shape \(4,\)"),)),
    OpInfo("flatten", lambda x, start_dim, end_dim: x.flatten(start_dim, end_dim), _np_flatten,
           samples=derived(shapes(), flatten_kwargs, [
               Sample(((2, 3, 2),), {"start_dim": 1, "end_dim": -1}),
               Sample(((),), {"start_dim": 0, "end_dim": -1}),
               Sample(((2, 0, 3),), {"start_dim": 0, "end_dim": 1})]),
           errors=(ErrorInput(lambda d: t(d, 2, 3, 4).flatten(2, 1), ValueError,
                              "flatten: start_dim 2 comes after end_dim 1"),)),
    OpInfo("permute", lambda x, axes: x.permute(*axes), lambda x, axes: np.transpose(x, axes),
           samples=derived(shapes(), lambda draw, s: {"axes": tuple(draw(st.permutations(range(len(s)))))},
                           [Sample(((2, 3, 1),), {"axes": (2, 0, 1)}), Sample(((),), {"axes": ()})]),
           errors=(ErrorInput(lambda d: t(d, 2, 3).permute(0, 0), ValueError,
                              r"permute: \(0, 0\) is not a permutation of the axes of shape \(2, 3\)"),
                   ErrorInput(lambda d: t(d, 2, 3).permute(0), ValueError,
                              r"permute: expected 2 axes for shape \(2, 3\)"))),
    OpInfo("transpose", lambda x, d0, d1: x.transpose(d0, d1), lambda x, d0, d1: np.swapaxes(x, d0, d1),
           samples=derived(shapes(min_dims=1), lambda draw, s: {
               "d0": draw(ints(-len(s), len(s) - 1)), "d1": draw(ints(-len(s), len(s) - 1))},
               [Sample(((2, 3),), {"d0": 0, "d1": 1}), Sample(((2, 1, 3),), {"d0": -1, "d1": 0})]),
           errors=(ErrorInput(lambda d: t(d, 2, 3).transpose(0, 2), ValueError,
                              "transpose: axis 2 is out of range"),
                   ErrorInput(lambda d: t(d).transpose(0, 0), ValueError,
                              "transpose: axis 0 is out of range for a tensor with 0 dim"))),
    OpInfo("T", lambda x: x.T),
    OpInfo("mT", lambda x: x.mT, samples=unary(min_dims=2),
           errors=(ErrorInput(lambda d: t(d, 3).mT, ValueError,
                              r"matrix_transpose: needs at least 2 dimensions, got shape \(3,\)"),)),
    OpInfo("expand", lambda x, shape: x.expand(*shape), np_expand,
           samples=broadcast_target(minus_one=True),
           errors=(ErrorInput(lambda d: t(d, 2, 3).expand(3), ValueError,
                              r"expand: target shape \(3,\) has fewer dimensions than \(2, 3\)"),)),
    OpInfo("broadcast_to", lambda x, shape: x.broadcast_to(shape), np.broadcast_to,
           samples=broadcast_target(),
           errors=(ErrorInput(lambda d: t(d, 2, 3).broadcast_to((4, 3)), ValueError,
                              r"broadcast.*\(2, ?3\).*\(4, ?3\)"),)),
    OpInfo("squeeze", lambda x, axis: x.squeeze(axis), np_squeeze,
           samples=derived(SMALL_SIDES, squeeze_kwargs, [
               Sample(((1, 2, 1),), {"axis": None}), Sample(((1, 2, 1),), {"axis": -1}),
               Sample(((1, 1),), {"axis": (0, 1)}), Sample(((),), {"axis": None}),
               Sample(((2, 1),), {"axis": (0, 1)}), Sample(((),), {"axis": 0})]),
           errors=(ErrorInput(lambda d: t(d, 2, 3).squeeze(2), ValueError,
                              "squeeze: axis 2 is out of range"),)),
    OpInfo("unsqueeze", lambda x, axis: x.unsqueeze(axis), np.expand_dims,
           samples=derived(shapes(), lambda draw, s: {"axis": draw(ints(-len(s) - 1, len(s)))},
                           [Sample(((),), {"axis": 0}), Sample(((2, 3),), {"axis": -1}),
                            Sample(((2, 3),), {"axis": 1})]),
           errors=(ErrorInput(lambda d: t(d, 2, 3).unsqueeze(4), ValueError,
                              "unsqueeze: axis 4 is out of range"),)),
    OpInfo("concat", lambda *ts, axis: xg.concat(ts, axis), lambda *xs, axis: np.concatenate(xs, axis),
           samples=CONCAT, errors=(
               ErrorInput(lambda d: xg.concat([t(d, 2, 3), t(d, 3, 2)]), ValueError,
                          r"concat: shapes \[\(2, 3\), \(3, 2\)\] differ outside axis 0"),
               ErrorInput(lambda d: xg.concat([]), ValueError, "concat: expected a non-empty"),
               _mixed(lambda a, b: xg.concat([a, b])))),
    OpInfo("stack", lambda *ts, axis, n: xg.stack(ts, axis), lambda *xs, axis, n: np.stack(xs, axis),
           samples=derived(shapes(max_dims=2), lambda draw, s: {
               "axis": draw(ints(-len(s) - 1, len(s))), "n": draw(ints(1, 3))},
               [Sample(((2, 3),) * 2, {"axis": 1, "n": 2}), Sample(((),) * 3, {"axis": 0, "n": 3}),
                Sample(((0, 2),) * 2, {"axis": -1, "n": 2})], n_inputs=lambda kw: kw["n"]),
           errors=(ErrorInput(lambda d: xg.stack([t(d, 2), t(d, 3)]), ValueError,
                              r"stack: all tensors need the same shape, got \[\(2,\), \(3,\)\]"),)),
    OpInfo("split", lambda x, sizes, axis: x.split(sizes, axis), _np_split,
           samples=derived(shapes(min_dims=1), split_kwargs, [
               Sample(((5,),), {"sizes": 2, "axis": 0}), Sample(((2, 3),), {"sizes": [1, 0, 2], "axis": 1}),
               Sample(((0, 2),), {"sizes": 1, "axis": 0})]),
           errors=(ErrorInput(lambda d: t(d, 4).split([1, 2]), ValueError,
                              r"split: sizes \[1, 2\] do not add up to 4"),
                   ErrorInput(lambda d: t(d, 4).split(0), ValueError,
                              "split: split_size must be positive"))),

    # ---- indexing: the backward scatters, so repeated indices must accumulate ---------------
    OpInfo("getitem_basic", lambda x, key: x[key], samples=derived(shapes(), lambda draw, s: {
        "key": draw(hnp.basic_indices(s, allow_newaxis=True))}, [
            Sample(((3, 2),), {"key": (1,)}), Sample(((3, 2),), {"key": (slice(None, None, -2), None)}),
            Sample(((2, 3),), {"key": (Ellipsis, -1)}), Sample(((),), {"key": ()}),
            Sample(((2, 0),), {"key": (slice(1, None),)})]),
           errors=(ErrorInput(lambda d: t(d, 3)[5], IndexError,
                              r"getitem: .*5 is out of bounds.*float64\[3\]"),
                   ErrorInput(lambda d: t(d, 3)[0, 0], IndexError, r"getitem: too many indices"))),
    OpInfo("getitem_int_array", lambda x, key: x[_on_device(key, x)], lambda x, key: x[key],
           samples=derived(shapes(min_dims=1, min_side=1), lambda draw, s: {
               "key": draw(hnp.integer_array_indices(s, result_shape=hnp.array_shapes(
                   min_dims=0, max_dims=2, max_side=4)))}, [
               Sample(((3,),), {"key": np.array([0, 0, 2, 0])}),
               Sample(((2, 3),), {"key": (np.array([1, 1]), np.array([-1, -1]))}),
               Sample(((2, 3),), {"key": (slice(None), np.array([[2, 0], [2, 2]]))})]),
           errors=(ErrorInput(lambda d: t(d, 3)[xg.tensor([0.0], device=d)], IndexError,
                              "getitem: tensors used as indices must be integer or bool"),
                   ErrorInput(lambda d: t(d, 3)[xg.tensor([0], device=other_device(d))],
                              RuntimeError, "getitem: index tensor is on"))),
    OpInfo("getitem_list", lambda x, key: x[key], samples=derived(
        shapes(min_dims=1, min_side=1), lambda draw, s: {
            "key": draw(st.lists(ints(-s[0], s[0] - 1), min_size=1, max_size=4))},
        [Sample(((3, 2),), {"key": [2, 2, -1]}), Sample(((1,),), {"key": [0, 0]})])),
    OpInfo("getitem_mask", lambda x, key: x[_on_device(key, x)], lambda x, key: x[key],
           samples=derived(shapes(min_dims=1), lambda draw, s: {
               "key": draw(hnp.arrays(bool, s[:draw(ints(1, len(s)))]))}, [
               Sample(((3,),), {"key": np.array([True, False, True])}),
               Sample(((2, 3),), {"key": np.array([False, False])}),
               Sample(((2, 2),), {"key": np.array([[True, False], [True, True]])})])),

    # ---- constant results: comparisons and argmax/argmin never require grad ----------------
    *(OpInfo(name, fn, samples=broadcast(), adjust=on_grid, differentiable=False,
             errors=(_bad_broadcast(xname, fn), _mixed(fn)))
      for name, xname, fn in [("lt", "less", lambda a, b: a < b),
                              ("le", "less_equal", lambda a, b: a <= b),
                              ("gt", "greater", lambda a, b: a > b),
                              ("ge", "greater_equal", lambda a, b: a >= b),
                              ("eq", "equal", lambda a, b: a == b),
                              ("ne", "not_equal", lambda a, b: a != b)]),
    OpInfo("gt_scalar", lambda x, c: x > c, samples=unary({"c": [0.5, 0, -1.0]}), adjust=on_grid,
           differentiable=False),
    OpInfo("rlt_scalar", lambda x, c: c < x, samples=unary({"c": [0.5, 0]}), adjust=on_grid,
           differentiable=False),
    # argmax of nothing has no answer: samples are never empty, the error is promised instead
    *(OpInfo(name, lambda x, axis, keepdims, _n=name: getattr(x, _n)(axis, keepdims),
             lambda x, axis, keepdims, _n=name: getattr(np, _n)(x, axis=axis, keepdims=keepdims),
             samples=derived(shapes(min_side=1), lambda draw, s: {
                 "axis": draw(st.none() | (ints(-len(s), len(s) - 1) if s else st.nothing())),
                 "keepdims": draw(st.booleans())}, [
                 Sample(((2, 3),), {"axis": None, "keepdims": False}),
                 Sample(((2, 3),), {"axis": 1, "keepdims": True}),
                 Sample(((),), {"axis": None, "keepdims": True})]),
             adjust=on_grid, differentiable=False,
             errors=(ErrorInput(lambda d, _n=name: getattr(t(d, 0), _n)(), ValueError,
                                name + r".*empty"),
                     ErrorInput(lambda d, _n=name: getattr(t(d, 2), _n)(1), ValueError,
                                name + r": axis 1 is out of range")))
      for name in ("argmax", "argmin")),
]


# The families beyond the core, each in its own file (they import the helpers above).
from op_db_math import OPS as _MATH  # noqa: E402
from op_db_shape import OPS as _SHAPE  # noqa: E402
from op_db_reduce import OPS as _REDUCE  # noqa: E402
from op_db_activations import OPS as _ACTIVATIONS  # noqa: E402
from op_db_layers import OPS as _LAYERS  # noqa: E402
from op_db_losses import OPS as _LOSSES  # noqa: E402
from op_db_conv import OPS as _CONV  # noqa: E402
from op_db_stats import OPS as _STATS  # noqa: E402
from op_db_extras import OPS as _EXTRAS  # noqa: E402
OPS += _MATH + _SHAPE + _REDUCE + _ACTIVATIONS + _LAYERS + _LOSSES + _CONV + _STATS + _EXTRAS

OPS_BY_NAME = {info.name: info for info in OPS}
assert len(OPS_BY_NAME) == len(OPS), "op names must be unique"
