"""Products and scans with PyTorch's semantics: prod, cumsum, cumprod, logcumsumexp, cummax,
cummin. Gradients of prod and cumprod are exact when inputs contain zeros (one or several),
and so are their second derivatives: prod's is built from exclusive cumulative products (no
division), cumprod's divides only where the input is non-zero and treats the first two zeros
of each slice on their own. Scans that the Array API lacks (logcumsumexp, cummax) run as
log-depth (Hillis-Steele) scans of standard calls."""
from __future__ import annotations

from typing import Any

from ...dtypes import int64
from ..factories import ones_like
from ..function import Function, apply1, run_kernel
from ..tensor import Tensor, make_tensor
from ._util import require_tensor
from .torch_errors import axes as normalize_axes, axis as normalize_axis
from .gather_ops import Gather, along_key
from .reduction import ValuesIndices, _grad_to_input, torch_names
from .shape import concat, permute, reshape


def _axis_slice(ndim: int, axis: int, sl: slice) -> tuple:
    return (slice(None),) * axis + (sl,) + (slice(None),) * (ndim - axis - 1)


def torch_axes(dim: Any, ndim: int, op: str) -> tuple:
    """``normalize_axes`` with PyTorch's allowance for 0-d tensors: dim 0 or -1 (alone or in
    a tuple) names the one element, so the reduction reduces nothing."""
    if ndim == 0 and dim is not None:
        items = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        for d in items:
            normalize_axis(d, 1, op)
        return ()
    return normalize_axes(dim, ndim, op)


def cumulative_sum(xp: Any, a: Any, axis: int) -> Any:
    fn = getattr(xp, "cumulative_sum", None)
    return fn(a, axis=axis) if fn is not None else xp.cumsum(a, axis=axis)


def _cumulative_prod(xp: Any, a: Any, axis: int) -> Any:
    fn = getattr(xp, "cumulative_prod", None)
    return fn(a, axis=axis) if fn is not None else xp.cumprod(a, axis=axis)


class Prod(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, axes, keepdims): return xp.prod(a, axis=axes, keepdims=keepdims)
    def backward(self, gy):
        x, = self.inputs
        axes, keepdims = self.args
        return _grad_to_input(gy, x, axes, keepdims) * _product_of_others(x, axes)


def _product_of_others(x: Tensor, axes: tuple) -> Tensor:
    """For each element, the product of the other elements of its reduced slice: exclusive
    cumulative products from the left times those from the right (exact with zeros)."""
    if not axes or x.size == 0:
        return ones_like(x)
    kept = tuple(d for d in range(x.ndim) if d not in axes)
    order = kept + axes
    moved = permute(x, order)
    lead = moved.shape[:len(kept)]
    flat = reshape(moved, lead + (-1,))
    ones = ones_like(flat[..., :1])
    left = concat([ones, cumprod(flat, -1)[..., :-1]], -1)
    right = concat([apply1(Cumprod, flat, flat.ndim - 1, True)[..., 1:], ones], -1)
    inverse = [order.index(d) for d in range(x.ndim)]
    return permute(reshape(left * right, moved.shape), inverse)


class Cumsum(Function):
    """Inclusive sum along ``axis``; ``reverse`` sums from the end (the adjoint)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, axis, reverse):
        if not reverse:
            return cumulative_sum(xp, a, axis)
        return xp.flip(cumulative_sum(xp, xp.flip(a, axis=axis), axis), axis=axis)
    def backward(self, gy):
        axis, reverse = self.args
        return apply1(Cumsum, gy, axis, not reverse)


class Cumprod(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, axis, reverse):
        if not reverse:
            return _cumulative_prod(xp, a, axis)
        return xp.flip(_cumulative_prod(xp, xp.flip(a, axis=axis), axis), axis=axis)
    def backward(self, gy):
        x, = self.inputs
        axis, reverse = self.args
        y = self.output()
        other = not reverse
        # Where x != 0, d y_k / d x_i = y_k / x_i (other zeros make both sides 0).
        zero = (x == 0).detach()
        safe = where_(zero, 1.0, x)
        fast = apply1(Cumsum, gy * y, axis, other) / safe
        # The first zero of a slice: the products with it replaced by 1. The second zero: 0,
        # written as x_first times the products with both replaced by 1, so that its
        # derivative with respect to x_first (second order) is exact too. Later zeros: 0,
        # and so are their first derivatives.
        counts = apply1(Cumsum, zero.astype(int64), axis, reverse)
        first = zero & (counts == 1)
        second = zero & (counts == 2)
        c_first = apply1(Cumprod, where_(first, 1.0, x), axis, reverse)
        slow = apply1(Cumsum, gy * c_first, axis, other)
        x_first = apply1(Cumsum, where_(first, x, 0.0), axis, reverse)     # 0, in the graph
        c_two = apply1(Cumprod, where_(first | second, 1.0, x), axis, reverse)
        slow2 = x_first * apply1(Cumsum, gy * c_two, axis, other)
        return where_(zero, where_(first, slow, where_(second, slow2, 0.0)), fast)


def where_(cond: Tensor, a: Any, b: Any) -> Tensor:
    from .arithmetic import where
    return where(cond, a, b)


def _integer_promoted(x: Tensor) -> Tensor:
    """PyTorch sums, products and scans of bool (and small integer) tensors in int64."""
    if x.dtype.is_bool or (x.dtype.is_integer and x.dtype.name != "uint64"):
        return x.astype(int64) if x.dtype != int64 else x
    return x


def _dtype_arg(x: Tensor, dtype: Any) -> Tensor:
    return _integer_promoted(x) if dtype is None else x.astype(dtype)


def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
         axis: Any = None, keepdims: bool | None = None) -> Tensor:
    """Product of the elements over ``dim`` (None: all); exact gradients with zeros.

    >>> xg.prod(xg.tensor([[1.0, 2.0], [3.0, 0.0]]), dim=1)     # [2., 0.]
    """
    require_tensor(input, "prod")
    dim, keepdim = torch_names(axis, keepdim if keepdims is None else keepdims, dim, None)
    x = _dtype_arg(input, dtype)
    return apply1(Prod, x, torch_axes(dim, x.ndim, "prod"), bool(keepdim))


def _scan_input(op: str, input: Tensor, dim: Any) -> tuple:
    require_tensor(input, op)
    if dim is None:
        raise TypeError(f"{op}: missing the dim argument (PyTorch's {op}(input, dim))")
    axis = normalize_axis(dim, max(input.ndim, 1), op)
    return axis, input.ndim == 0


def _scan(cls: type, op: str, input: Tensor, dim: Any, dtype: Any, *args: Any) -> Tensor:
    axis, scalar = _scan_input(op, input, dim)
    x = _dtype_arg(input, dtype)
    if scalar:
        return apply1(cls, x.reshape((1,)), 0, *args).reshape(())
    return apply1(cls, x, axis, *args)


def cumsum(input: Tensor, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
    """Cumulative sum along ``dim``. >>> xg.cumsum(xg.tensor([1.0, 2.0, 3.0]), 0)   # [1, 3, 6]"""
    return _scan(Cumsum, "cumsum", input, axis if dim is None else dim, dtype, False)


def cumprod(input: Tensor, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
    """Cumulative product along ``dim``; exact gradients with zeros.
    >>> xg.cumprod(xg.tensor([1.0, 2.0, 3.0]), 0)      # [1, 2, 6]"""
    return _scan(Cumprod, "cumprod", input, axis if dim is None else dim, dtype, False)


# ---- log-depth scans ------------------------------------------------------------------------
def _shifted(xp: Any, a: Any, axis: int, k: int, fill: Any) -> Any:
    """``a`` moved k places forward along ``axis``, the first k places filled."""
    n = a.shape[axis]      # *_like creation: CuPy's creation functions take no device=
    head = xp.full_like(a[_axis_slice(a.ndim, axis, slice(0, k))], fill)
    return xp.concat([head, a[_axis_slice(a.ndim, axis, slice(0, n - k))]], axis=axis)


def _logcumsumexp(xp: Any, a: Any, axis: int, reverse: bool) -> Any:
    if reverse:
        a = xp.flip(a, axis=axis)
    n, k = a.shape[axis], 1
    while k < n:
        a = xp.logaddexp(a, _shifted(xp, a, axis, k, -float("inf")))
        k *= 2
    return xp.flip(a, axis=axis) if reverse else a


class LogCumSumExp(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, axis, reverse): return _logcumsumexp(xp, a, axis, reverse)
    def backward(self, gy):
        # grad_i = sum_{k >= i} gy_k exp(x_i - y_k), in log space for each sign of gy
        x, = self.inputs
        axis, reverse = self.args
        y = self.output()
        other = not reverse
        # a finite stand-in for log(0): -inf would make inf - inf = NaN in second order
        floor = -6e4 if x.dtype.name == "float16" else -1e30
        total = None
        for sign in (1.0, -1.0):
            g = gy * sign
            positive = (g > 0).detach()
            log_g = where_(positive, where_(positive, g, 1.0).log(), floor)
            part = (apply1(LogCumSumExp, log_g - y, axis, other) + x).exp()
            total = part if total is None else total - part
        return total


def logcumsumexp(input: Tensor, dim: Any = None, *, axis: Any = None) -> Tensor:
    """log(cumsum(exp(x))) along ``dim``, without overflow (running in log space).
    >>> xg.logcumsumexp(xg.tensor([0.0, 0.0]), 0)      # [0, log 2]"""
    require_tensor(input, "logcumsumexp")
    if not input.dtype.is_floating:
        raise TypeError(f"logcumsumexp: expected a floating point tensor, got {input.dtype}")
    return _scan(LogCumSumExp, "logcumsumexp", input, axis if dim is None else dim, None, False)


def _cum_extremum_index(backend: Any, a: Any, axis: int, largest: bool) -> Any:
    """Index of the running max (min) along ``axis``: ties go to the later element, and a
    NaN is the answer from its occurrence on (the latest NaN; PyTorch's cummax/cummin)."""
    xp = backend.xp
    n = a.shape[axis]
    shape = (1,) * axis + (n,) + (1,) * (a.ndim - axis - 1)
    pos = xp.reshape(backend.arange(0, n, 1, int64), shape)
    idx = xp.broadcast_to(pos, a.shape)
    floating = xp.isdtype(a.dtype, "real floating")
    v, k = a, 1
    while k < n:
        lv, li = _shifted(xp, v, axis, k, 0), _shifted(xp, idx, axis, k, 0)
        better = (lv > v) if largest else (lv < v)
        if floating:          # NaN beats every number; of two NaNs the later one wins
            better = xp.logical_or(better, xp.logical_and(xp.isnan(lv),
                                                          xp.logical_not(xp.isnan(v))))
        take = xp.logical_and(pos >= k, better)
        v, idx = xp.where(take, lv, v), xp.where(take, li, idx)
        k *= 2
    return idx


def _cum_extremum(op: str, input: Tensor, dim: Any, largest: bool) -> ValuesIndices:
    axis, scalar = _scan_input(op, input, dim)
    x = input.reshape((1,)) if scalar else input
    a = x.astype("uint8").data if x.dtype.is_bool else x.data
    indices = make_tensor(run_kernel(x._backend, _cum_extremum_index, a, axis, largest),
                          x._backend, False, None)
    values = apply1(Gather, x, along_key(x, indices, axis), x._backend)
    if scalar:
        return ValuesIndices(values.reshape(()), indices.reshape(()))
    return ValuesIndices(values, indices)


def cummax(input: Tensor, dim: Any = None, *, axis: Any = None) -> ValuesIndices:
    """Running maximum along ``dim`` and where it was found: ``(values, indices)``.
    >>> xg.cummax(xg.tensor([1.0, 3.0, 2.0]), 0).values     # [1, 3, 3]"""
    return _cum_extremum("cummax", input, axis if dim is None else dim, True)


def cummin(input: Tensor, dim: Any = None, *, axis: Any = None) -> ValuesIndices:
    """Running minimum along ``dim`` and where it was found: ``(values, indices)``.
    >>> xg.cummin(xg.tensor([3.0, 1.0, 2.0]), 0).values     # [3, 1, 1]"""
    return _cum_extremum("cummin", input, axis if dim is None else dim, False)
