"""Reductions (sum, mean, max, min, var, std, logsumexp) and softmax / log_softmax.
``axis`` is None (all axes), an int or a tuple, with ``keepdims`` (NumPy / Array API)."""
from __future__ import annotations

from typing import Any, NamedTuple

from ..function import Function, apply1
from ..tensor import Tensor
from ._util import require_tensor, torch_names
from .torch_errors import DimError, TorchTypeError, TorchValueError
from .torch_errors import axes as normalize_axes, axis as normalize_axis
from .comparison import _arg_extremum
from .shape import broadcast_to, reshape


def _keepdims_shape(shape: tuple, axes: tuple) -> tuple:
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


class Unreduce(Function):
    """Spread a reduced gradient back over the input's shape, divided by ``divisor`` (the
    count, for a mean): reshape, divide and broadcast in one op."""
    __slots__ = ()
    @staticmethod
    def forward(xp, gy, kept_shape, shape, divisor):
        g = xp.reshape(gy, kept_shape)
        return xp.broadcast_to(g / divisor if divisor != 1 else g, shape)
    def backward(self, ggx):
        gy, = self.inputs
        kept_shape, shape, divisor = self.args
        axes = tuple(i for i, (k, d) in enumerate(zip(kept_shape, shape)) if k != d)
        g = reshape(sum(ggx, axes, keepdims=True), gy.shape)
        return g / divisor if divisor != 1 else g


def _grad_to_input(gy: Tensor, x: Tensor, axes: tuple, keepdims: bool, divisor: int = 1) -> Tensor:
    shape = x.data.shape
    kept = tuple(1 if i in axes else d for i, d in enumerate(shape)) if not keepdims else gy.data.shape
    return apply1(Unreduce, gy, kept, shape, divisor)


def _count(shape: tuple, axes: tuple) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


class Sum(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, axes, keepdims): return xp.sum(a, axis=axes, keepdims=keepdims)
    def backward(self, gy):
        return _grad_to_input(gy, self.inputs[0], *self.args)


class Mean(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, axes, keepdims): return xp.mean(a, axis=axes, keepdims=keepdims)
    def backward(self, gy):
        x, = self.inputs
        axes, keepdims = self.args
        return _grad_to_input(gy, x, axes, keepdims, _count(x.shape, axes))


class Max(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, axes, keepdims): return xp.max(a, axis=axes, keepdims=keepdims)
    def backward(self, gy):
        return _extremum_grad(self, gy)


class Min(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, axes, keepdims): return xp.min(a, axis=axes, keepdims=keepdims)
    def backward(self, gy):
        return _extremum_grad(self, gy)


def _extremum_grad(node: Function, gy: Tensor) -> Tensor:
    """Gradient of max/min: shared evenly between tied extrema (never given to each in full),
    a NaN extremum among the NaNs (as PyTorch's ``x.max()``)."""
    x, = node.inputs
    axes, keepdims = node.args
    y = node.output().detach()
    if not keepdims:
        y = reshape(y, _keepdims_shape(x.shape, axes))
    xd = x.detach()
    mask = ((xd == y) | ((xd != xd) & (y != y))).astype(gy.dtype)     # NaN ties with NaN
    share = mask / mask.sum(axes, keepdims=True)
    return _grad_to_input(gy, x, axes, keepdims) * share


class ValueAtIndex(Function):
    """max/min along one dim with PyTorch's gradient for ``x.max(dim)``: all of it to the
    element at the returned index (the first extremum, or the first NaN), none to its ties.
    args: (name, axes, keepdims, index) with ``index`` kept along the reduced dim."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, name, axes, keepdims, index):
        if a.dtype == xp.bool:        # (the Array API has no max of bools)
            return (xp.any if name == "max" else xp.all)(a, axis=axes, keepdims=keepdims)
        return (xp.max if name == "max" else xp.min)(a, axis=axes, keepdims=keepdims)
    def backward(self, gy):
        from .gather_ops import along_key
        from .indexing import GetItemBackward
        x, = self.inputs
        _, axes, keepdims, index = self.args
        if x.ndim == 0:
            return gy
        if not keepdims:
            gy = reshape(gy, _keepdims_shape(x.shape, axes))
        return apply1(GetItemBackward, gy, x.shape, along_key(x, index, axes[0]), x._backend)


class LogSumExp(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, axes, keepdims):
        if any(a.shape[i] == 0 for i in axes):         # log(0): -inf, as PyTorch
            return xp.sum(a, axis=axes, keepdims=keepdims) - float("inf")
        m = xp.max(a, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))   # rows of -inf give -inf, not NaN
        out = xp.log(xp.sum(xp.exp(a - m), axis=axes, keepdims=True)) + m
        return out if keepdims else xp.reshape(out, tuple(
            d for i, d in enumerate(a.shape) if i not in axes))
    def backward(self, gy):
        x, = self.inputs
        axes, keepdims = self.args
        y = self.output()
        if not keepdims:
            y = reshape(y, _keepdims_shape(x.shape, axes))
        return _grad_to_input(gy, x, axes, keepdims) * (x - y).exp()


class Softmax(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, axis):
        if a.shape[axis] == 0:          # nothing to normalise (the max would have no value)
            return xp.zeros_like(a)
        e = xp.exp(a - xp.max(a, axis=axis, keepdims=True))
        e /= xp.sum(e, axis=axis, keepdims=True)
        return e
    def backward(self, gy):
        y = self.output()
        return y * (gy - (gy * y).sum(self.args[0], keepdims=True))


class LogSoftmax(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, axis):
        if a.shape[axis] == 0:          # nothing to normalise (the max would have no value)
            return xp.zeros_like(a)
        shifted = a - xp.max(a, axis=axis, keepdims=True)
        shifted -= xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
        return shifted
    def backward(self, gy):
        return gy - self.output().exp() * gy.sum(self.args[0], keepdims=True)


# ---- public functions --------------------------------------------------------------------
def sum(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
           keepdim: bool | None = None, dtype: Any = None) -> Tensor:
    """Sum over ``axis`` (None: all). >>> xg.sum(x, axis=0)"""
    require_tensor(x, "sum")
    axis, keepdims = torch_names(axis, keepdims, dim, keepdim)
    if dtype is None and not x.dtype.is_floating and x.dtype.name != "int64":
        dtype = "int64"         # PyTorch sums bools and every integer dtype as int64
    if dtype is not None:       # PyTorch casts the input first (to sum in float64, say)
        x = x.astype(dtype)
    return apply1(Sum, x, normalize_axes(axis, x.ndim, "sum"), keepdims)


def mean(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None, dtype: Any = None) -> Tensor:
    """Arithmetic mean over ``axis``."""
    require_tensor(x, "mean")
    axis, keepdims = torch_names(axis, keepdims, dim, keepdim)
    if dtype is not None:       # PyTorch casts the input first (to sum in float64, say)
        x = x.astype(dtype)
    elif not x.dtype.is_floating:
        raise TorchTypeError(f"mean: could not infer the output dtype of a {x.dtype} tensor (shape "
                        f"{x.shape}); pass dtype=xg.float32 or call .float() first, as in "
                        f"PyTorch")
    return apply1(Mean, x, normalize_axes(axis, x.ndim, "mean"), keepdims)


def _extremum(op: type, arg_op: Any, name: str, x: Tensor, dim: Any, keepdim: Any,
              axis: Any, keepdims: Any) -> Any:
    """PyTorch's overloads first: an int ``dim`` gives ``(values, indices)``, a Tensor the
    elementwise maximum/minimum; ``axis=`` (NumPy) and tuples of dims give the values."""
    require_tensor(x, name)
    if isinstance(dim, Tensor):
        from .arithmetic import maximum, minimum
        return (maximum if name == "max" else minimum)(x, dim)
    if isinstance(dim, int) and not isinstance(dim, bool):
        if axis is not None:
            raise TypeError(f"{name}: pass either axis= or dim=, not both")
        keep = bool(keepdim if keepdims is None else keepdims)
        if x.ndim == 0:                   # PyTorch takes dim 0 or -1 of a scalar
            normalize_axes(dim, 0, name)
            from ..factories import zeros_like
            index = zeros_like(x, dtype="int64")
            return ValuesIndices(apply1(ValueAtIndex, x, name, (), keep, index), index)
        axes = normalize_axes(dim, x.ndim, name)
        _check_nonempty(x, axes, name)
        index = _arg_extremum(arg_op, x, dim, True)    # bool input too, as torch.max
        values = apply1(ValueAtIndex, x, name, axes, keep, index)
        return ValuesIndices(values, index if keep else index.squeeze(axes[0]))
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{name}: pass either axis= or dim=, not both")
        axis = dim
    keep = bool(keepdim) if keepdims is None else bool(keepdims)
    axes = normalize_axes(axis, x.ndim, name)
    _check_nonempty(x, axes, name)
    return apply1(op, x, axes, keep)


def max(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None) -> Any:
    """Largest value, as PyTorch's overloads: ``max(x)`` over everything, ``max(x, 1)`` (an
    int dim) the pair ``(values, indices)``, ``max(x, y)`` the elementwise maximum. NumPy's
    ``axis=`` (an int or a tuple) gives the values only. Tied maxima share the gradient, except
    with an int ``dim``, where it goes to the returned index (PyTorch's rules).

    >>> values, indices = x.max(1); x.max(axis=1)        # values only
    """
    return _extremum(Max, "argmax", "max", x, dim, keepdim, axis, keepdims)


def min(x: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None) -> Any:
    """Smallest value: the same overloads as ``max``. >>> values, indices = x.min(0)"""
    return _extremum(Min, "argmin", "min", x, dim, keepdim, axis, keepdims)


def _unbiased_first(axis: Any, unbiased: Any) -> tuple:
    """PyTorch's positional forms: ``var(dim, unbiased, keepdim)``, and ``var(unbiased)``
    where the one argument is a bool."""
    if isinstance(axis, bool):
        if unbiased is not None:
            raise TypeError("var/std: a bool first argument is `unbiased`; pass dim= too")
        return None, axis
    if unbiased is not None and not isinstance(unbiased, bool):
        raise TypeError(f"var/std: unbiased must be a bool, got {type(unbiased).__name__} (the "
                        "arguments are (dim, unbiased, keepdim), as in PyTorch)")
    return axis, unbiased


def _correction(ddof: Any, correction: Any, unbiased: Any, op: str) -> Any:
    """One of NumPy's ``ddof``, the Array API's/PyTorch's ``correction`` or PyTorch's legacy
    ``unbiased``; none given means PyTorch's default, the unbiased estimate (1)."""
    if (ddof is not None) + (correction is not None) + (unbiased is not None) > 1:
        raise TypeError(f"{op}: pass only one of ddof=, correction= and unbiased=")
    if unbiased is not None:
        return 1 if unbiased else 0
    value = ddof if ddof is not None else correction
    return 1 if value is None else value


def var(x: Tensor, axis: Any = None, unbiased: bool | None = None, keepdims: bool = False, *,
        ddof: Any = None, correction: Any = None, dim: Any = None,
        keepdim: bool | None = None) -> Tensor:
    """Variance over ``axis``, unbiased by default as PyTorch's (``correction=1``); NumPy's
    ``ddof=0`` or ``unbiased=False`` give the population variance.

    >>> xg.tensor([1.0, 2.0, 4.0]).var()          # 2.3333, as torch.var
    """
    require_tensor(x, "var")
    axis, unbiased = _unbiased_first(axis, unbiased)
    axis, keepdims = torch_names(axis, keepdims, dim, keepdim)
    ddof = _correction(ddof, correction, unbiased, "var")
    if not x.dtype.is_floating:
        raise TorchTypeError(f"var/std: only support floating point dtypes, got {x.dtype} "
                             f"(shape {x.shape}); call .float() first, as in PyTorch")
    whole = axis is None or x.ndim == 0
    return apply1(Var, x, normalize_axes(axis, x.ndim, "var"), bool(keepdims), ddof, whole)


class Var(Function):
    """Variance over ``axes``. As PyTorch's, the divisor is max(n - correction, 0) (inf or
    nan, never a negative variance) while the gradient 2 (x - mean) / (n - correction) is
    not clamped (a 1-element slice with correction 5 has slope -0, not NaN), except for a
    reduction over everything (no dim given), whose slope is then inf (NaN at the mean)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, axes, keepdims, ddof, whole):
        centered = a - xp.mean(a, axis=axes, keepdims=True)
        divisor = _count(a.shape, axes) - ddof
        return xp.sum(centered * centered, axis=axes, keepdims=keepdims) / (
            divisor if divisor > 0 else 0)
    def backward(self, gy):
        x, = self.inputs
        axes, keepdims, ddof, whole = self.args
        divisor = _count(x.shape, axes) - ddof
        centered = x - mean(x, axes, keepdims=True)
        g = _grad_to_input(gy, x, axes, keepdims)
        if whole and divisor <= 0:
            from .arithmetic import where
            return g * where(centered == 0, float("nan"), float("inf"))
        return g * (centered * (2.0 / divisor if divisor != 0 else float("inf")))


def std(x: Tensor, axis: Any = None, unbiased: bool | None = None, keepdims: bool = False, *,
        ddof: Any = None, correction: Any = None, dim: Any = None,
        keepdim: bool | None = None) -> Tensor:
    """Standard deviation: sqrt(var(...)), unbiased by default as PyTorch's.

    >>> xg.tensor([1.0, 2.0, 4.0]).std(unbiased=False)
    """
    require_tensor(x, "std")
    axis, unbiased = _unbiased_first(axis, unbiased)
    axis, keepdims = torch_names(axis, keepdims, dim, keepdim)
    return apply1(StdOfVar, var(x, axis, keepdims=keepdims,
                                correction=_correction(ddof, correction, unbiased, "std")))


class StdOfVar(Function):
    """sqrt of a variance, with PyTorch's std gradient: 0 where the std is 0 (a constant
    slice) rather than sqrt's inf times a zero centered value, which is NaN."""
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, v): return xp.sqrt(v)
    def backward(self, gy):
        from .arithmetic import where
        y = self.output()
        zero = y == 0
        return where(zero, 0.0, gy / (where(zero, 1.0, y) * 2.0))


def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
                 keepdim: bool | None = None) -> Tensor:
    """log(sum(exp(x))) over ``axis`` without overflow."""
    require_tensor(x, "logsumexp")
    axis, keepdims = torch_names(axis, keepdims, dim, keepdim)
    if not x.dtype.is_floating:         # integers give the default float dtype (PyTorch)
        from .arithmetic import _default_float
        x = _default_float(x)
    return apply1(LogSumExp, x, normalize_axes(axis, x.ndim, "logsumexp"), keepdims)


def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None, dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``, shifted by the max so it never overflows."""
    require_tensor(x, "softmax")
    if dim is not None:
        axis = dim
    if dtype is not None:        # PyTorch casts the input first (to compute in float64, say)
        x = x.astype(dtype)
    axis = normalize_axis(axis, x.ndim, "softmax")
    if x.ndim == 0:              # PyTorch takes dim 0 / -1 of a scalar: softmax is 1
        return apply1(Softmax, x.reshape((1,)), 0).reshape(())
    return apply1(Softmax, x, axis)


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None, dtype: Any = None) -> Tensor:
    """x - logsumexp(x) along ``axis``; finite for any finite x."""
    require_tensor(x, "log_softmax")
    if dim is not None:
        axis = dim
    if dtype is not None:        # PyTorch casts the input first (to compute in float64, say)
        x = x.astype(dtype)
    axis = normalize_axis(axis, x.ndim, "log_softmax")
    if x.ndim == 0:              # PyTorch takes dim 0 / -1 of a scalar: log_softmax is 0
        return apply1(LogSoftmax, x.reshape((1,)), 0).reshape(())
    return apply1(LogSoftmax, x, axis)


class ValuesIndices(NamedTuple):
    """What ``max``/``min`` return for PyTorch's ``dim=``: ``values, indices = x.max(dim=1)``."""
    values: Tensor
    indices: Tensor


def _check_nonempty(x: Tensor, axes: tuple, op: str) -> None:
    # Only reduced axes matter: the max over axis 1 of a (0, 3) tensor is a (0,) tensor.
    # PyTorch raises IndexError for a named empty dim, RuntimeError for a full reduction.
    if x.size == 0 and any(x.shape[a] == 0 for a in axes):
        error = TorchValueError if len(axes) == x.ndim else DimError
        raise error(f"{op}: cannot reduce an empty tensor of shape {x.shape} over axes "
                    f"{axes} (the result has no identity value)")
