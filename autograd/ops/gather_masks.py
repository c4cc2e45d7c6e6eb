"""Boolean-mask ops with PyTorch's semantics: masked_fill, masked_select, and the index
queries nonzero / argwhere (constants: int64 results that never require grad)."""
from __future__ import annotations

import functools
import math
from typing import Any

from ..function import Function, apply1, apply2, host_check, run_kernel
from ..tensor import Tensor, make_tensor
from ._util import NUMBER_TYPES, require_tensor
from .indexing import GetItem


class MaskedFill(Function):
    """where(mask, value, x) for a number ``value``; with value 0 it is its own adjoint."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, mask, value): return xp.where(mask, value, a)
    def backward(self, gy):
        _, mask = self.inputs
        return apply2(MaskedFill, gy, mask, 0.0), None


class MaskedSelect(GetItem):
    __slots__ = ()


MaskedFill.__name__, MaskedSelect.__name__ = "Masked_Fill", "Masked_Select"


def _mask(op: str, x: Tensor, mask: Any) -> Tensor:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}: mask must be a bool Tensor, got {type(mask).__name__}")
    if mask._backend is not x._backend:
        raise RuntimeError(f"{op}: mask is on {mask.device} but the input is on {x.device}; "
                           "move one with .to(device)")
    if not mask.dtype.is_bool:
        raise TypeError(f"{op}: mask must be a bool tensor, got {mask.dtype}{list(mask.shape)}; "
                        "compare to make one (e.g. x > 0) or use .bool()")
    return mask


def broadcast_shapes(op: str, a: tuple, b: tuple) -> tuple:
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        m = a[-i] if i <= len(a) else 1
        n = b[-i] if i <= len(b) else 1
        if m != n and m != 1 and n != 1:
            raise ValueError(f"{op}: input shape {a} and mask shape {b} do not broadcast")
        out.append(n if m == 1 else m)
    return tuple(reversed(out))


def _number_for(op: str, dtype: Any, value: Any) -> Any:
    """A Python number as the tensor's dtype takes it (PyTorch truncates toward zero)."""
    if dtype.is_floating:
        return float(value)
    if dtype.is_bool:
        return bool(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{op}: cannot fill an integer tensor ({dtype}) with {value}")
    return int(value)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``value`` where ``mask`` is true, else ``input`` (mask broadcasts; out of place).
    ``value`` is a number or a 0-d tensor (then differentiable in it too).
    >>> scores.masked_fill(~keep, float("-inf"))"""
    require_tensor(input, "masked_fill")
    mask = _mask("masked_fill", input, mask)
    broadcast_shapes("masked_fill", input.shape, mask.shape)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape "
                             f"{value.shape}")
        if value._backend is not input._backend:
            raise RuntimeError(f"masked_fill: value is on {value.device} but the input is on "
                               f"{input.device}; move one with .to(device)")
        from .arithmetic import where
        return where(mask, value if value.dtype == input.dtype else value.astype(input.dtype),
                     input)
    if not isinstance(value, NUMBER_TYPES):
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got "
                        f"{type(value).__name__}")
    return apply2(MaskedFill, input, mask, _number_for("masked_fill", input.dtype, value))


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The entries of ``input`` where ``mask`` is true, as a 1-D tensor (both broadcast).
    >>> x.masked_select(x > 0)"""
    require_tensor(input, "masked_select")
    mask = _mask("masked_select", input, mask)
    shape = broadcast_shapes("masked_select", input.shape, mask.shape)
    if input.shape != shape:
        input = input.broadcast_to(shape)
    if mask.shape != shape:
        mask = mask.broadcast_to(shape)
    if not shape:                   # a 0-d mask keeps or drops the one element
        input, mask = input.reshape((1,)), mask.reshape((1,))
    return shape_guard("masked_select", apply1(MaskedSelect, input, mask.data, input._backend))


def shape_guard(op: str, t: Tensor) -> Tensor:
    """While xg.compile records a step on the CPU, make each replay check that ``t`` (whose
    shape depends on tensor values) has its traced shape again: a clear error instead of a
    NumPy broadcast failure in the buffers planned for that shape."""
    from .. import function as _function
    if _function.tracer is not None and t._backend.kind == "numpy":
        host_check(t._backend, functools.partial(_same_shape, op=op, shape=t.shape), t.data)
    return t


def _same_shape(array: Any, op: str, shape: tuple) -> None:
    if array.shape != shape:
        raise RuntimeError(f"{op}: its result had shape {shape} when the compiled step was "
                           f"traced but has shape {tuple(array.shape)} now (it depends on the "
                           "values); shapes that depend on values cannot be replayed, so run "
                           "this part outside xg.compile")


def _nonzero_parts(backend: Any, a: Any) -> tuple:
    xp = backend.xp
    return tuple(xp.nonzero(xp.reshape(a, (1,)) if a.ndim == 0 else a))


def _nonzero_result(backend: Any, parts: tuple, scalar: bool, as_tuple: bool) -> Any:
    xp = backend.xp
    parts = tuple(xp.astype(p, xp.int64) for p in parts)
    if as_tuple:
        return parts
    out = xp.stack(parts, axis=1)
    return out[:, :0] if scalar else out


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """Indices of the non-zero entries: an int64 (count, ndim) tensor, or with as_tuple=True
    one 1-D tensor per dimension (``x[x.nonzero(as_tuple=True)]`` selects them).
    >>> xg.tensor([0, 3, 0, 5]).nonzero()"""
    require_tensor(input, "nonzero")
    backend = input._backend
    parts = run_kernel(backend, _nonzero_parts, input.data)
    shape_guard("nonzero", make_tensor(parts[0], backend, False, None))
    out = run_kernel(backend, _nonzero_result, parts, input.ndim == 0, as_tuple)
    if as_tuple:
        return tuple(make_tensor(p, backend, False, None) for p in out)
    return make_tensor(out, backend, False, None)


def argwhere(input: Tensor) -> Tensor:
    """Indices of the non-zero entries as an int64 (count, ndim) tensor (= nonzero).
    >>> xg.argwhere(xg.eye(2))"""
    return nonzero(input)
