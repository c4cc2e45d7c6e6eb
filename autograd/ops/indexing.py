"""Indexing: ``t[key]`` with ints, slices, None, Ellipsis, integer arrays and boolean masks.
The backward scatters (adds) the gradient into zeros, so repeated indices accumulate."""
from __future__ import annotations

from typing import Any

from ..function import Function, apply1, apply2
from ..tensor import Tensor
from ..views import mark_view
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


class SetItem(Function):
    """A copy of x with ``value`` (a tensor) written at [key]: what ``t[key] = v`` records on
    a tensor in a graph. The gradient of x is gy with [key] zeroed; of the value, gy[key]."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, v, key, backend):
        out = backend.copy(a)
        backend.setitem(out, key, v)
        return out
    def backward(self, gy):
        x, v = self.inputs
        key, backend = self.args
        gx = apply1(SetItemNumber, gy, key, 0, backend) if x._rg else None
        gv = None
        if v._rg:
            gv = apply1(GetItem, gy, key, backend)
            if gv.ndim < v.ndim:         # NumPy drops a value's leading 1s when assigning
                gv = gv.reshape((1,) * (v.ndim - gv.ndim) + tuple(gv.shape))
        return gx, gv


class SetItemNumber(Function):
    """A copy of x with a number written at [key]; for the number 0 it is its own adjoint
    (the overwritten positions get no gradient)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, key, number, backend):
        out = backend.copy(a)
        backend.setitem(out, key, number)
        return out
    def backward(self, gy):
        key, _, backend = self.args
        return apply1(SetItemNumber, gy, key, 0, backend)


def setitem_recorded(x: Tensor, key: Any, value: Any) -> Tensor:
    """The result of ``x[key] = value`` as a new graph node (x itself is not changed)."""
    from ._util import as_operand
    converted = _convert_key(x, key)
    if isinstance(value, NUMBER_TYPES):
        return apply1(SetItemNumber, x, converted, value, x._backend)
    if isinstance(value, Tensor) and value._backend is not x._backend:
        raise RuntimeError(f"setitem: value is on {value.device} but the tensor is on {x.device}")
    v = as_operand(value, x)
    if v.dtype != x.dtype:
        v = v.astype(x.dtype)
    return apply2(SetItem, x, _value_in_numpy_order(x, converted, v), converted, x._backend)


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


def _torch_order(x: Tensor, key: Any) -> tuple | None:
    """Where PyTorch and NumPy lay out ``x[key]`` differently, the permutation from NumPy's
    result dims to PyTorch's; else None. PyTorch applies ints (and 0-d integer tensors) first,
    as selects, and only then the index arrays; NumPy counts ints among the advanced indices,
    so in ``x[0, :, idx]`` the int and the array are apart and NumPy puts the indexed dims
    first, where PyTorch keeps them in place (shape (3, 2), not (2, 3), for x of (2, 3, 4))."""
    if not isinstance(key, tuple) or len(key) < 3:   # an int and an array, apart: 3 items
        return None
    kinds = []                          # (kind, dims consumed, dims of the index broadcast)
    for k in key:
        if k is None or k is Ellipsis:
            kinds.append(("n" if k is None else "e", 0, 0))
        elif isinstance(k, slice):
            kinds.append(("s", 1, 0))
        elif isinstance(k, NUMBER_TYPES):
            kinds.append(("m", 0, 1) if isinstance(k, bool) else ("i", 1, 0))
        elif x._backend.dtype_of(k).is_bool:
            kinds.append(("m", k.ndim, 1))
        else:
            kinds.append(("i", 1, 0) if k.ndim == 0 else ("a", 1, k.ndim))
    torch_kinds = [c for c in kinds if c[0] != "i"]
    if len(torch_kinds) == len(kinds) or not any(c[0] in "am" for c in kinds) or \
            not _apart(kinds, "iam") or _apart(torch_kinds, "am"):
        return None
    consumed = sum(c[1] for c in kinds)
    first = next(i for i, c in enumerate(torch_kinds) if c[0] in "am")
    p = sum(x.ndim - consumed if c[0] == "e" else 1 for c in torch_kinds[:first])
    if p == 0:
        return None
    b = max(c[2] for c in torch_kinds)
    return (b, p)


def _apart(kinds: list, members: str) -> bool:
    where = [i for i, c in enumerate(kinds) if c[0] in members]
    return where[-1] - where[0] + 1 != len(where)


def _perm(order: tuple, ndim: int, inverse: bool = False) -> tuple:
    b, p = order
    if inverse:                         # PyTorch's layout back to NumPy's
        return tuple(range(p, p + b)) + tuple(range(p)) + tuple(range(p + b, ndim))
    return tuple(range(b, b + p)) + tuple(range(b)) + tuple(range(b + p, ndim))


def _value_in_numpy_order(x: Tensor, key: Any, value: Tensor) -> Tensor:
    """A value for ``x[key] = value`` given in PyTorch's layout, in NumPy's."""
    order = _torch_order(x, key)
    if order is None:
        return value
    from .shape import broadcast_to, permute
    region = getitem(x.detach(), key, converted=True).shape
    value = broadcast_to(value, region) if tuple(value.shape) != tuple(region) else value
    return permute(value, _perm(order, len(region), inverse=True))


def getitem(x: Tensor, key: Any, converted: bool = False) -> Tensor:
    """``x[key]`` with PyTorch's semantics (NumPy's, except that ints apply first: see
    _torch_order). >>> x[0, 1:3], x[mask], x[[0, 2]]"""
    key = key if converted else _convert_key(x, key)
    out = apply1(GetItem, x, key, x._backend)
    if _basic(key):                     # ints, slices, None, ...: a view, as in torch
        return mark_view(x, out, ((GetItem, (key, x._backend)),))
    order = _torch_order(x, key)
    if order is None:
        return out
    from .shape import permute
    return permute(out, _perm(order, out.ndim))


def _basic(key: Any) -> bool:
    for k in key if isinstance(key, tuple) else (key,):
        if k.__class__ is bool or not (k.__class__ in (int, slice) or k is None or
                                       k is Ellipsis or isinstance(k, int)):
            return False
    return True


def setitem_(x: Tensor, key: Any, value: Any) -> None:
    """In-place ``x[key] = value`` on the array (callers check that no graph is affected)."""
    from ._util import as_operand
    converted = _convert_key(x, key)
    if isinstance(value, Tensor) and value._backend is not x._backend:
        raise RuntimeError(f"setitem: value is on {value.device} but the tensor is on {x.device}")
    v = value if isinstance(value, NUMBER_TYPES) else _value_in_numpy_order(
        x, converted, as_operand(value, x).astype(x.dtype)).data
    from ..function import backend_call
    backend_call(x._backend.setitem, x.data, converted, v)


def index_put(x: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """A copy of x with ``values`` written (or, with ``accumulate``, added: repeated indices
    add up) at ``x[indices]``, as PyTorch's. >>> x.index_put((xg.tensor([0, 2]),), v)"""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put: indices must be a tuple of index tensors, got "
                        f"{type(indices).__name__}")
    key = tuple(indices)
    if not accumulate:
        return setitem_recorded(x, key, values)
    from ._util import as_operand
    from .shape import broadcast_to
    converted = _convert_key(x, key)
    region = getitem(x.detach(), key).shape
    v = as_operand(values, x)
    if v.dtype != x.dtype:
        v = v.astype(x.dtype)
    if tuple(v.shape) != tuple(region):
        v = broadcast_to(v, region)
    v = _value_in_numpy_order(x, converted, v)
    return x + apply1(GetItemBackward, v, x.shape, converted, x._backend)


def index_add(x: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """A copy of x with ``alpha * source`` added along ``dim`` at the positions ``index``
    (repeated positions add up), as PyTorch's. >>> x.index_add(0, xg.tensor([0, 0]), src)"""
    from ._util import normalize_axis
    dim = normalize_axis(dim, x.ndim or 1, "index_add")
    if not isinstance(index, Tensor) or index.ndim > 1 or not index.dtype.is_integer:
        raise TypeError(f"index_add: index must be a 0-d or 1-D integer tensor, got "
                        f"{getattr(index, 'dtype', type(index).__name__)}")
    expected = tuple(x.shape[:dim]) + (index.numel(),) + tuple(x.shape[dim + 1:])
    if x.ndim and tuple(source.shape) != expected:
        raise ValueError(f"index_add: source of shape {source.shape} must have shape {expected} "
                         f"(the input's {x.shape} with {index.numel()} along dim {dim})")
    scaled = source if alpha == 1 else source * alpha
    return index_put(x, (slice(None),) * dim + (index.reshape(-1),), scaled, accumulate=True)
