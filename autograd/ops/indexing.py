"""Indexing: ``t[key]`` with ints, slices, None, Ellipsis, integer arrays and boolean masks.
The backward scatters (adds) the gradient into zeros, so repeated indices accumulate."""
from __future__ import annotations

from typing import Any

from ..function import Function, apply1
from ..tensor import Tensor
from ._util import NUMBER_TYPES


class GetItem(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, key, backend): return backend.getitem(a, key)
    def backward(self, gy):
        x, = self.inputs
        key, backend = self.args
        return apply1(GetItemBackward, gy, x.shape, key, backend)


class GetItemBackward(Function):
    """zeros(shape) with gy added at [key]; linear, so its backward is getitem again."""
    __slots__ = ()
    @staticmethod
    def forward(xp, gy, shape, key, backend): return backend.scatter_add(shape, key, gy)
    def backward(self, ggx):
        _, key, backend = self.args
        return apply1(GetItem, ggx, key, backend)


def _convert_key(x: Tensor, key: Any) -> Any:
    """Replace Tensors (and lists / host arrays) in an index by arrays of x's backend."""
    items = key if isinstance(key, tuple) else (key,)
    out = []
    for k in items:
        if isinstance(k, Tensor):
            if k._backend is not x._backend:
                raise RuntimeError(f"getitem: index tensor is on {k.device} but the indexed "
                                   f"tensor is on {x.device}")
            if k.dtype.is_floating:
                raise IndexError(f"getitem: tensors used as indices must be integer or bool, "
                                 f"got {k.dtype}")
            out.append(k.data)
        elif isinstance(k, (list, tuple)) or (hasattr(k, "__array__") and not isinstance(k, NUMBER_TYPES)):
            from ..factories import tensor
            out.append(_convert_key(x, tensor(k, device=x._backend)))
        elif isinstance(k, NUMBER_TYPES) or k is None or k is Ellipsis or isinstance(k, slice):
            out.append(k)
        elif hasattr(k, "__index__"):
            out.append(k.__index__())
        else:
            raise IndexError(f"getitem: unsupported index {k!r} of type {type(k).__name__}")
    return tuple(out) if isinstance(key, tuple) else out[0]


def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]`` (NumPy semantics). >>> x[0, 1:3], x[mask], x[[0, 2]]"""
    return apply1(GetItem, x, _convert_key(x, key), x._backend)


def setitem_(x: Tensor, key: Any, value: Any) -> None:
    """In-place ``x[key] = value`` on the array (callers check that no graph is affected)."""
    from ._util import as_operand
    converted = _convert_key(x, key)
    if isinstance(value, Tensor) and value._backend is not x._backend:
        raise RuntimeError(f"setitem: value is on {value.device} but the tensor is on {x.device}")
    v = value if isinstance(value, NUMBER_TYPES) else as_operand(value, x).astype(x.dtype).data
    from ..function import backend_call
    backend_call(x._backend.setitem, x.data, converted, v)
