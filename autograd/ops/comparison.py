"""Ops with no gradient: comparisons, logical ops, sign, argmax/argmin, all/any.
Their results are constants (requires_grad=False), as in PyTorch."""
from __future__ import annotations

from typing import Any

from ..function import device_error, op_error, run_kernel
from ..tracing import CompileError
from ..tensor import Tensor, make_tensor
from ._util import NUMBER_TYPES, as_operand, normalize_axes, torch_names
from .torch_errors import DimError, TorchTypeError, axis as normalize_axis
from .promotion import pair, promote, with_number


class _Named:
    """Stands in for a Function class in error messages of constant ops."""

    def __init__(self, name: str) -> None:
        self.__name__ = name


def constant_op(name: str, x: Tensor, *others: Any, **kwargs: Any) -> Tensor:
    """Call ``xp.<name>`` on tensors (and Python numbers) and wrap the result as a constant."""
    backend = x._backend
    args = [x.data]
    for other in others:
        if isinstance(other, NUMBER_TYPES):
            args.append(other)
            continue
        other = as_operand(other, x)
        if other._backend is not backend:
            raise device_error(_Named(name), x, other)
        args.append(other.data)
    try:
        out = run_kernel(backend, _namespace_call, name, args, kwargs)
    except (ValueError, TypeError, IndexError, RuntimeError) as exc:
        if isinstance(exc, CompileError):
            raise
        raise op_error(_Named(name), exc, (x, *others)) from exc
    return make_tensor(out, backend, False, None)


def _namespace_call(backend: Any, name: str, args: list, kwargs: dict) -> Any:
    return backend.wrap(getattr(backend.xp, name)(*args, **kwargs))


def _binary(name: str, logical: bool = False):
    ordering = name.startswith(("less", "greater"))

    def op(a: Any, b: Any) -> Tensor:
        if not logical and isinstance(a, Tensor) and isinstance(b, Tensor) and \
                a.data.dtype is b.data.dtype and not (ordering and a.dtype.is_bool):
            return constant_op(name, a, b)           # the common case, checked cheaply
        if logical:                      # truth values: nonzero is True (any dtype)
            a, b = _truth(a, b), _truth(b, a)
        elif isinstance(a, Tensor) and isinstance(b, NUMBER_TYPES):
            a, b = with_number(a, b)      # PyTorch compares in the result dtype
        elif isinstance(b, Tensor) and isinstance(a, NUMBER_TYPES):
            b, a = with_number(b, a)
        else:
            a, b = promote(*pair(a, b))
        if ordering and (a if isinstance(a, Tensor) else b).dtype.is_bool:
            a, b = _as_uint8(a), _as_uint8(b)   # the Array API orders no bools (False < True)
        if isinstance(a, Tensor):
            return constant_op(name, a, b)
        return constant_op(name, as_operand(a, b), b)
    op.__name__ = name
    op.__doc__ = f"Elementwise ``xp.{name}`` (a constant bool tensor)."
    return op


def _as_uint8(value: Any) -> Any:
    return value.astype("uint8") if isinstance(value, Tensor) else int(value)


def _truth(value: Any, other: Any) -> Any:
    if isinstance(value, NUMBER_TYPES):
        return bool(value)
    if not isinstance(value, Tensor):
        value = as_operand(value, other) if isinstance(other, Tensor) else value
    if isinstance(value, Tensor) and not value.dtype.is_bool:
        return ne(value, 0)
    return value


lt = _binary("less")
le = _binary("less_equal")
gt = _binary("greater")
ge = _binary("greater_equal")
eq = _binary("equal")
ne = _binary("not_equal")
logical_and = _binary("logical_and", True)
logical_or = _binary("logical_or", True)


def logical_not(x: Tensor) -> Tensor:
    if isinstance(x, Tensor) and not x.dtype.is_bool:
        return eq(x, 0)                   # the Array API's logical_not takes bools only
    return constant_op("logical_not", x)


def isnan(x: Tensor) -> Tensor:
    return constant_op("isnan", x)


def isfinite(x: Tensor) -> Tensor:
    return constant_op("isfinite", x)


def isinf(x: Tensor) -> Tensor:
    return constant_op("isinf", x)


def _arg_extremum(name: str, x: Tensor, axis: int | None, keepdims: bool) -> Tensor:
    """The index (PyTorch's rules: a 0-d tensor takes dim 0 or -1; an empty reduction raises
    an IndexError); bool input too (max(x, dim) of a bool tensor uses it)."""
    if x.dtype.is_bool:               # (the Array API has no argmax of bools)
        x = x.detach().astype("uint8")
    if axis is None:                  # over the flattened tensor, as NumPy and PyTorch
        if x.size == 0:
            raise DimError(f"{name}(): Expected reduction dim to be specified for "
                           f"input.numel() == 0 (an empty tensor of shape {x.shape}); pass "
                           "dim=")
        out = constant_op("reshape", x, shape=(-1,))
        out = constant_op(name, out)
        return out.reshape((1,) * x.ndim) if keepdims else out
    if x.ndim == 0:
        normalize_axis(axis, 0, name)
        return constant_op("zeros_like", x, dtype=x._backend.xp.int64)
    axis = normalize_axis(axis, x.ndim, name)
    if x.shape[axis] == 0:
        raise DimError(f"{name}(): Expected reduction dim {axis} to have non-zero size "
                       f"(an empty dim of shape {x.shape})")
    return constant_op(name, x, axis=axis, keepdims=keepdims)


def _no_bool(name: str, x: Any) -> None:
    if isinstance(x, Tensor) and x.dtype.is_bool:
        raise TorchTypeError(f"{name}(): does not support bool input (got {x.dtype}"
                             f"{list(x.shape)}); convert with .int() first")


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False, *, dim: Any = None,
           keepdim: bool | None = None) -> Tensor:
    """Index of the largest value (int64), over the flattened tensor when axis is None."""
    axis, keepdims = torch_names(axis, keepdims, dim, keepdim)
    _no_bool("argmax", x)
    return _arg_extremum("argmax", x, axis, keepdims)


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False, *, dim: Any = None,
           keepdim: bool | None = None) -> Tensor:
    """Index of the smallest value (int64), over the flattened tensor when axis is None."""
    axis, keepdims = torch_names(axis, keepdims, dim, keepdim)
    _no_bool("argmin", x)
    return _arg_extremum("argmin", x, axis, keepdims)


def all(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
        keepdim: bool | None = None) -> Tensor:
    """Whether every element is true, over ``axis``/``dim`` (None: all). >>> xg.all(x > 0, dim=1)"""
    axis, keepdims = torch_names(axis, keepdims, dim, keepdim)
    return constant_op("all", x, axis=normalize_axes(axis, x.ndim, "all"), keepdims=keepdims)


def any(x: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
        keepdim: bool | None = None) -> Tensor:
    """Whether some element is true, over ``axis``/``dim`` (None: all). >>> xg.any(x > 0, dim=1)"""
    axis, keepdims = torch_names(axis, keepdims, dim, keepdim)
    return constant_op("any", x, axis=normalize_axes(axis, x.ndim, "any"), keepdims=keepdims)


def logical_xor(a: Any, b: Any) -> Tensor:
    return _binary("logical_xor", True)(a, b)


def isclose(a: Tensor, b: Any, rtol: float = 1e-5, atol: float = 1e-8,
            equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol |b| elementwise (PyTorch's and NumPy's rule; a bool tensor).

    >>> xg.isclose(x, x + 1e-9)
    """
    from ..grad_mode import no_grad
    from .arithmetic import where
    with no_grad():
        a = a.detach() if isinstance(a, Tensor) else as_operand(a, b)
        b = as_operand(b, a).detach()
        finite = logical_and(isfinite(a), isfinite(b))
        fa, fb = where(finite, a, 0.0), where(finite, b, 0.0)     # no inf - inf warnings
        close = logical_and(finite, abs_diff(fa, fb) <= atol + rtol * abs_diff(fb, 0.0))
        close = logical_or(close, eq(a, b))                      # equal infinities are close
        if equal_nan:
            close = logical_or(close, logical_and(isnan(a), isnan(b)))
        return close


def abs_diff(a: Tensor, b: Any) -> Tensor:
    from .elementwise import abs as _abs
    return _abs(a - b)


def allclose(a: Tensor, b: Any, rtol: float = 1e-5, atol: float = 1e-8,
             equal_nan: bool = False) -> bool:
    """Whether every element is close (a Python bool: reads the device). >>> xg.allclose(x, y)"""
    return bool(all(isclose(a, b, rtol, atol, equal_nan)).item())


def equal(a: Tensor, b: Tensor) -> bool:
    """Same shape and the same values (a Python bool, as torch.equal)."""
    if tuple(a.shape) != tuple(b.shape):
        return False
    return bool(all(eq(a, b)).item())
