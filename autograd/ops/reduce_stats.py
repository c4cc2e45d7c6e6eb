"""Reductions beyond the core with PyTorch's semantics: amax/amin (tied extrema share the
gradient), aminmax, nansum, nanmean, count_nonzero, median, nanmedian, mode, diff,
trapezoid and cumulative_trapezoid. Selections (median, mode) gather the chosen element, so
its gradient goes to that element alone, as in PyTorch."""
from __future__ import annotations

from typing import Any, NamedTuple

from ...dtypes import int64
from ..function import Function, apply1, run_kernel
from ..tensor import Tensor, make_tensor
from ._util import as_operand, require_tensor
from .torch_errors import axis as normalize_axis
from .arithmetic import where
from .comparison import isnan, logical_xor
from .reduction import Max, Min, ValuesIndices, _check_nonempty, mean, sum, torch_names
from .reduce_scan import Cumsum, _dtype_arg, torch_axes
from .shape import concat
from .sort_ops import select_position, take


class MinMax(NamedTuple):
    """What ``aminmax`` returns: ``lo, hi = xg.aminmax(x)`` or ``.min`` / ``.max``."""
    min: Tensor
    max: Tensor


def _all_if_empty(dim: Any) -> Any:
    """PyTorch's amax/amin take ``dim=()`` (the default) as every dimension."""
    return None if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0) else dim


def _extremum(cls: type, op: str, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    require_tensor(input, op)
    axes = torch_axes(_all_if_empty(dim), input.ndim, op)
    _check_nonempty(input, axes, op)
    return apply1(cls, input, axes, bool(keepdim))


def amax(input: Tensor, dim: Any = (), keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Largest value over ``dim`` (default: all); tied maxima share the gradient evenly.
    >>> xg.amax(xg.tensor([[1.0, 3.0], [2.0, 0.0]]), dim=0)     # [2, 3]"""
    dim, keepdim = torch_names(axis, keepdim, None if dim == () else dim, keepdims)
    return _extremum(Max, "amax", input, dim, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False, *, axis: Any = None,
         keepdims: bool | None = None) -> Tensor:
    """Smallest value over ``dim`` (default: all); tied minima share the gradient evenly.
    >>> xg.amin(xg.tensor([[1.0, 3.0], [2.0, 0.0]]), dim=1)     # [1, 0]"""
    dim, keepdim = torch_names(axis, keepdim, None if dim == () else dim, keepdims)
    return _extremum(Min, "amin", input, dim, keepdim)


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
    """``(amin, amax)`` over ``dim`` (None: all) as a named pair ``(min, max)``.
    >>> lo, hi = xg.aminmax(xg.tensor([3.0, 1.0, 2.0]))      # 1., 3."""
    require_tensor(input, "aminmax")
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"aminmax: dim must be an int or None, got {dim!r}")
    if dim is not None:
        normalize_axis(dim, max(input.ndim, 1), "aminmax")
        if input.ndim == 0:
            dim = None
    return MinMax(_extremum(Min, "aminmax", input, dim, keepdim),
                  _extremum(Max, "aminmax", input, dim, keepdim))


class ZeroNaN(Function):
    """NaN replaced by 0, with the gradient of PyTorch's nansum: gy times the mask of the
    other values (a mask multiplied, not selected: an inf gy, the gradient of the mean of
    nothing, reaches the NaNs as NaN, as in PyTorch)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.where(xp.isnan(a), xp.zeros_like(a), a)
    def backward(self, gy): return gy * (~isnan(self.inputs[0])).astype(gy.dtype)


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum over ``dim`` treating NaN as zero (no gradient to NaNs).
    >>> xg.nansum(xg.tensor([1.0, float('nan'), 2.0]))      # 3."""
    require_tensor(input, "nansum")
    x = _dtype_arg(input, dtype)
    if x.dtype.is_floating:
        x = apply1(ZeroNaN, x)
    return sum(x, torch_axes(dim, x.ndim, "nansum"), bool(keepdim))


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean over ``dim`` of the non-NaN values (NaN where there are none).
    >>> xg.nanmean(xg.tensor([1.0, float('nan'), 2.0]))     # 1.5"""
    require_tensor(input, "nanmean")
    x = input if dtype is None else input.astype(dtype)
    if not x.dtype.is_floating:
        raise TypeError(f"nanmean: expected a floating point tensor, got {x.dtype} "
                        "(pass dtype=xg.float32)")
    axes = torch_axes(dim, x.ndim, "nanmean")
    missing = isnan(x)
    count = sum((~missing).astype(x.dtype), axes, bool(keepdim))
    return sum(apply1(ZeroNaN, x), axes, bool(keepdim)) / count


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """Number of non-zero elements over ``dim`` (None: all), as int64.
    >>> xg.count_nonzero(xg.tensor([[0.0, 1.0], [2.0, 3.0]]), dim=0)    # [1, 2]"""
    require_tensor(input, "count_nonzero")
    axes = torch_axes(dim, input.ndim, "count_nonzero")
    return (input != 0).astype(int64).sum(axes)


# ---- medians and mode ------------------------------------------------------------------------
def _median_position(backend: Any, a: Any, axis: int, skip_nan: bool) -> Any:
    return median_position(backend.xp, a, axis, skip_nan)


def median_position(xp: Any, a: Any, axis: int, skip_nan: bool) -> Any:
    """Position in the ascending order (NaN last) of the lower median of each slice: a NaN
    where there is one (median), or the lower median of the other values (nanmedian)."""
    n = a.shape[axis]
    if not xp.isdtype(a.dtype, "real floating"):
        one = a[(slice(None),) * axis + (slice(0, 1),) + (slice(None),) * (a.ndim - axis - 1)]
        return xp.full_like(one, (n - 1) // 2, dtype=xp.int64)
    nans = xp.sum(xp.astype(xp.isnan(a), xp.int64), axis=axis, keepdims=True)
    if skip_nan:
        return xp.maximum((n - nans - 1) // 2, 0)
    return xp.where(nans > 0, n - nans, (n - 1) // 2)


class MedianAll(Function):
    """The median of a 1-D tensor. As PyTorch's median() without dim, the gradient is shared
    evenly by every element equal to the median (every NaN, when the median is NaN)."""
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, skip_nan):
        pos = median_position(xp, a, 0, skip_nan)
        return xp.reshape(xp.take(xp.sort(a), xp.reshape(pos, (1,))), ())
    def backward(self, gy):
        x, = self.inputs
        y = self.output().detach()
        hit = where(isnan(y), isnan(x), x == y).detach().astype(gy.dtype)
        return gy * (hit / hit.sum())


def _median(op: str, input: Tensor, dim: Any, keepdim: bool, skip_nan: bool) -> Any:
    require_tensor(input, op)
    if dim is None:
        flat = input.reshape((-1,))
        if flat.size == 0:
            if not flat.dtype.is_floating:
                raise ValueError(f"{op}: cannot compute the median of an empty "
                                 f"{flat.dtype} tensor")
            return flat.sum() + float("nan")    # PyTorch: NaN, in the graph as PyTorch's
        return apply1(MedianAll, flat, skip_nan)
    d = normalize_axis(dim, max(input.ndim, 1), op)
    if input.ndim == 0:
        return select_position(input, 0, 0, keepdim)
    if input.shape[d] == 0:
        raise ValueError(f"{op}: cannot compute the median over dimension {d} of size 0 "
                         f"(shape {input.shape})")
    pos = make_tensor(run_kernel(input._backend, _median_position, input.data, d, skip_nan),
                      input._backend, False, None)
    return select_position(input, d, pos, keepdim)


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median (NaN if any value is NaN). Without ``dim``: of all elements, a
    tensor; with ``dim``: ``(values, indices)`` along it.
    >>> xg.median(xg.tensor([1.0, 4.0, 2.0, 3.0]))      # 2."""
    return _median("median", input, dim, keepdim, False)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """``median`` of the non-NaN values (NaN where every value is NaN).
    >>> xg.nanmedian(xg.tensor([1.0, float('nan'), 3.0]))     # 1."""
    return _median("nanmedian", input, dim, keepdim, True)


def _mode_index(backend: Any, a: Any, axis: int) -> Any:
    """Index of the last occurrence of the most frequent value (the smallest on ties)."""
    xp = backend.xp
    if xp.isdtype(a.dtype, "bool"):
        a = xp.astype(a, xp.uint8)
    rows = xp.moveaxis(a, axis, -1)
    n = rows.shape[-1]
    same = xp.expand_dims(rows, axis=-1) == xp.expand_dims(rows, axis=-2)
    counts = xp.sum(xp.astype(same, xp.int64), axis=-1)
    best = counts == xp.max(counts, axis=-1, keepdims=True)
    if xp.isdtype(rows.dtype, "real floating"):    # NaN equals nothing (PyTorch's mode)
        candidates = xp.where(xp.logical_and(best, xp.logical_not(xp.isnan(rows))), rows,
                              float("inf"))
    else:
        candidates = xp.where(best, rows, xp.max(rows, axis=-1, keepdims=True))
    value = xp.min(candidates, axis=-1, keepdims=True)
    pos = backend.arange(0, n, 1, int64)
    index = xp.max(xp.where(rows == value, pos, 0), axis=-1, keepdims=True)
    return xp.moveaxis(index, -1, axis)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The most frequent value along ``dim`` (the smallest of equally frequent ones) and the
    index of its last occurrence. >>> xg.mode(xg.tensor([2.0, 1.0, 1.0])).values     # 1."""
    require_tensor(input, "mode")
    d = normalize_axis(dim, max(input.ndim, 1), "mode")
    if input.ndim == 0:
        return select_position(input, 0, 0, keepdim)
    if input.shape[d] == 0:
        raise ValueError(f"mode: cannot compute the mode over dimension {d} of size 0 "
                         f"(shape {input.shape})")
    index = make_tensor(run_kernel(input._backend, _mode_index, input.data, d),
                        input._backend, False, None)
    values = take(input, index, d)
    if not keepdim:
        values, index = values.squeeze(d), index.squeeze(d)
    return ValuesIndices(values, index)


# ---- differences and integrals --------------------------------------------------------------
def _along(t: Tensor, d: int, sl: slice) -> Tensor:
    return t[(slice(None),) * d + (sl,)]


def _edge(value: Any, like: Tensor, d: int, name: str) -> Tensor:
    if not isinstance(value, Tensor):
        shape = like.shape[:d] + (1,) + like.shape[d + 1:]
        return as_operand(value, like).broadcast_to(shape)
    if value.ndim == 0:
        return value.broadcast_to(like.shape[:d] + (1,) + like.shape[d + 1:])
    if value.ndim != like.ndim:
        raise ValueError(f"diff: {name} of shape {value.shape} must have the same number of "
                         f"dimensions as the input {like.shape}")
    return value


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Any = None,
         append: Any = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (logical xor for bool tensors).
    >>> xg.diff(xg.tensor([1.0, 4.0, 9.0]))      # [3, 5]"""
    require_tensor(input, "diff")
    if input.ndim == 0:
        raise ValueError("diff: expected a tensor with at least 1 dimension, got a 0-d tensor")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
    d = normalize_axis(dim, input.ndim, "diff")
    parts = [_edge(prepend, input, d, "prepend")] if prepend is not None else []
    parts.append(input)
    if append is not None:
        parts.append(_edge(append, input, d, "append"))
    x = concat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        if x.shape[d] == 0:
            break
        hi, lo = _along(x, d, slice(1, None)), _along(x, d, slice(None, -1))
        x = logical_xor(hi, lo) if x.dtype.is_bool else hi - lo
    return x


def _spacing(op: str, y: Tensor, x: Any, dx: Any, d: int) -> Any:
    if x is None:
        return 1.0 if dx is None else dx
    if dx is not None:
        raise TypeError(f"{op}: pass either x or dx, not both")
    require_tensor(x, op)
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise ValueError(f"{op}: x of shape {x.shape} does not match dimension {d} of y "
                             f"{y.shape}")
        step = diff(x)
        return step.reshape((-1,) + (1,) * (y.ndim - d - 1))
    return diff(x, dim=d - y.ndim)


def _trapezoid_terms(op: str, y: Tensor, x: Any, dx: Any, dim: int) -> tuple:
    require_tensor(y, op)
    if y.ndim == 0:
        raise ValueError(f"{op}: y must have at least 1 dimension, got a 0-d tensor")
    d = normalize_axis(dim, y.ndim, op)
    step = _spacing(op, y, x, dx, d)
    if not y.dtype.is_floating:
        y = y.astype("float32")
    avg = (_along(y, d, slice(1, None)) + _along(y, d, slice(None, -1))) * 0.5
    return avg * step, d


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
              dim: int = -1) -> Tensor:
    """Integral of ``y`` along ``dim`` by the trapezoidal rule (sample points ``x`` or a
    constant spacing ``dx``, default 1). >>> xg.trapezoid(xg.tensor([1.0, 2.0, 3.0]))   # 4."""
    terms, d = _trapezoid_terms("trapezoid", y, x, dx, dim)
    return sum(terms, (d,))


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
                         dim: int = -1) -> Tensor:
    """Running trapezoidal integral along ``dim`` (one element fewer than ``y``).
    >>> xg.cumulative_trapezoid(xg.tensor([1.0, 2.0, 3.0]))     # [1.5, 4.]"""
    terms, d = _trapezoid_terms("cumulative_trapezoid", y, x, dx, dim)
    return apply1(Cumsum, terms, d, False)


def var_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: Any = None) -> tuple:
    """``(var, mean)`` over ``dim`` in one call (unbiased by default, as PyTorch).
    >>> v, m = xg.var_mean(xg.tensor([1.0, 2.0, 4.0]))"""
    require_tensor(input, "var_mean")
    spread = input.var(dim, unbiased, keepdims=keepdim, correction=correction)
    if isinstance(dim, bool):                    # var_mean(x, False): the bool is `unbiased`
        dim = None
    return spread, mean(input, dim, keepdim)


def std_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: Any = None) -> tuple:
    """``(std, mean)`` over ``dim`` in one call. >>> s, m = xg.std_mean(x, dim=0)"""
    require_tensor(input, "std_mean")
    spread = input.std(dim, unbiased, keepdims=keepdim, correction=correction)
    if isinstance(dim, bool):                    # std_mean(x, False): the bool is `unbiased`
        dim = None
    return spread, mean(input, dim, keepdim)
