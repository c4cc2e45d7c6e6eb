"""Shape ops: reshape, permute/transpose, broadcast_to/expand, sum_to, squeeze/unsqueeze,
flatten, concat, stack, split. Forward results are views where the backend allows."""
from __future__ import annotations

from typing import Any, Sequence

from ..function import Function, apply1, applyn
from ..tensor import Tensor
from ..views import mark_view, strides_of, viewable
from ._util import TorchValueError, normalize_axes, normalize_axis, require_tensor


class Reshape(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, shape): return xp.reshape(a, shape)
    def backward(self, gy): return reshape(gy, self.inputs[0].shape)


class Permute(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, axes): return xp.permute_dims(a, axes)
    def backward(self, gy):
        axes = self.args[0]
        inverse = [0] * len(axes)
        for i, a in enumerate(axes):
            inverse[a] = i
        return permute(gy, tuple(inverse))


class MatrixTranspose(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return a.mT          # the standard's attribute: a view, no dispatch
    def backward(self, gy): return matrix_transpose(gy)


class Contiguous(Function):
    """A row-major copy (what ``contiguous()`` makes of a transpose)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, backend): return backend.copy(a)
    def backward(self, gy): return gy


def contiguous_copy(x: Tensor) -> Tensor:
    """A row-major copy of ``x`` (differentiable)."""
    require_tensor(x, "contiguous")
    return apply1(Contiguous, x, x._backend)


class BroadcastTo(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, shape): return xp.broadcast_to(a, shape)
    def backward(self, gy): return sum_to(gy, self.inputs[0].shape)


class SumTo(Function):
    """Sum a broadcast result back to ``shape``: the one place broadcasting is undone."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, shape):
        lead = a.ndim - len(shape)
        ones = tuple(lead + i for i, d in enumerate(shape) if d == 1 and a.shape[lead + i] != 1)
        if not ones:                # the common case (a bias): a fresh array, no reshape view
            return xp.sum(a, axis=tuple(range(lead)))
        out = xp.sum(a, axis=tuple(range(lead)) + ones, keepdims=True)
        return xp.reshape(out, shape)
    def backward(self, gy): return broadcast_to(gy, self.inputs[0].shape)


class Concat(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, arrays, axis): return xp.concat(arrays, axis=axis)
    def backward(self, gy):
        axis = self.args[0]
        grads, start = [], 0
        for t in self.inputs:
            size = t.shape[axis]
            index = (slice(None),) * axis + (slice(start, start + size),)
            grads.append(gy[index] if t._rg else None)
            start += size
        return tuple(grads)


# ---- public functions --------------------------------------------------------------------
def reshape(x: Tensor, shape: Any) -> Tensor:
    """A view with a new shape; one dimension may be -1. >>> x.reshape(2, -1)"""
    require_tensor(x, "reshape")
    shape = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
    if shape == x.shape:
        return x
    size, unknown = 1, 0
    for d in shape:
        if d == -1:
            unknown += 1
        else:
            size *= d
    total = x.size
    if unknown > 1 or (unknown == 0 and size != total) or (
            unknown == 1 and (size == 0 or total % size)):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({total} "
                         f"elements) into shape {shape}")
    out = apply1(Reshape, x, shape)
    if _c_contiguous(x.data) or viewable(x.shape, strides_of(x), out.shape):
        mark_view(x, out, ((Reshape, (out.shape,)),))   # a view, as torch's (else a copy)
    return out


def _c_contiguous(array: Any) -> bool:
    flags = getattr(array, "flags", None)
    return flags is None or flags.c_contiguous      # no strides (array_api_strict): row-major


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one."""
    require_tensor(x, "flatten")
    if x.ndim == 0:                  # dims 0 and -1 only, as PyTorch's
        normalize_axis(start_dim, 1, "flatten")
        normalize_axis(end_dim, 1, "flatten")
        return reshape(x, (1,))
    start = normalize_axis(start_dim, x.ndim, "flatten")
    end = normalize_axis(end_dim, x.ndim, "flatten")
    if start > end:
        raise TorchValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape
    return reshape(x, shape[:start] + (-1,) + shape[end + 1:] if x.size else
                   shape[:start] + (_prod(shape[start:end + 1]),) + shape[end + 1:])


def permute(x: Tensor, axes: Sequence[int]) -> Tensor:
    """Reorder dimensions. >>> x.permute(2, 0, 1)"""
    require_tensor(x, "permute")
    axes = tuple(axes)
    if len(axes) != x.ndim:
        raise TorchValueError(f"permute: expected {x.ndim} axes for shape {x.shape}, got {axes}")
    if sorted(normalize_axis(a, x.ndim, "permute") for a in axes) != list(range(x.ndim)):
        raise TorchValueError(f"permute: {axes} is not a permutation of the axes of shape "
                              f"{x.shape} (duplicate dims are not allowed)")
    axes = tuple(a % x.ndim for a in axes)
    if axes == tuple(range(x.ndim)):
        return x
    return mark_view(x, apply1(Permute, x, axes), ((Permute, (axes,)),))


def transpose(x: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    """Swap two dimensions (the last two by default)."""
    require_tensor(x, "transpose")
    d0 = normalize_axis(dim0, x.ndim, "transpose")
    d1 = normalize_axis(dim1, x.ndim, "transpose")
    axes = list(range(x.ndim))
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return permute(x, axes)


def matrix_transpose(x: Tensor) -> Tensor:
    """Swap the last two dimensions (a view)."""
    require_tensor(x, "matrix_transpose")
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose: needs at least 2 dimensions, got shape {x.shape}")
    return mark_view(x, apply1(MatrixTranspose, x), ((MatrixTranspose, ()),))


def broadcast_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Repeat size-1 (and missing leading) dimensions to ``shape`` without copying."""
    require_tensor(x, "broadcast_to")
    shape = tuple(shape)
    if shape == x.data.shape:
        return x
    out = apply1(BroadcastTo, x, shape)      # the backend's error names both shapes
    lead = len(shape) - x.ndim
    overlap = any(n > 1 for n in shape[:lead]) or any(
        n > 1 and d == 1 for n, d in zip(shape[lead:], x.shape))
    return mark_view(x, out, ((BroadcastTo, (shape,)),), overlap)


def expand(x: Tensor, shape: Sequence[int]) -> Tensor:
    """PyTorch's expand: like broadcast_to, where -1 keeps a dimension's size."""
    require_tensor(x, "expand")
    shape = tuple(shape)
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: target shape {shape} has fewer dimensions than {x.shape}")
    shape = tuple(x.shape[i - lead] if d == -1 and i >= lead else d for i, d in enumerate(shape))
    return broadcast_to(x, shape)


def sum_to(x: Tensor, shape: Sequence[int]) -> Tensor:
    """Sum ``x`` down to ``shape`` (the inverse of broadcast_to)."""
    require_tensor(x, "sum_to")
    shape = tuple(shape)
    if shape == x.shape:
        return x
    _check_broadcast(shape, x.shape, "sum_to")
    return apply1(SumTo, x, shape)


def squeeze(x: Tensor, axis: Any = None, *, dim: Any = None) -> Tensor:
    """Drop size-1 dimensions: all of them, or those of ``axis``/``dim`` that have size 1
    (others are left as they are, as in PyTorch). >>> x.squeeze(1)"""
    require_tensor(x, "squeeze")
    if dim is not None:
        if axis is not None:
            raise TypeError("squeeze: give axis or dim, not both")
        axis = dim
    if axis is None:
        axes = tuple(i for i, d in enumerate(x.shape) if d == 1)
    else:
        # a 0-d tensor takes axis 0 or -1, as in PyTorch
        axes = normalize_axes(axis, x.ndim or 1, "squeeze")
        axes = tuple(a for a in axes if x.ndim and x.shape[a] == 1)
    if not axes:
        return x
    return reshape(x, tuple(d for i, d in enumerate(x.shape) if i not in axes))


def unsqueeze(x: Tensor, axis: Any = None, *, dim: Any = None) -> Tensor:
    """Insert a size-1 dimension at ``axis`` (``dim``). >>> x.unsqueeze(0)"""
    require_tensor(x, "unsqueeze")
    if (axis is None) == (dim is None):
        raise TypeError("unsqueeze: give the position as axis or dim (one of them)")
    axis = dim if axis is None else axis
    axis = normalize_axis(axis, x.ndim + 1, "unsqueeze")
    shape = x.shape
    return reshape(x, shape[:axis] + (1,) + shape[axis:])


def concat(tensors: Sequence[Tensor], axis: int = 0, *, dim: Any = None) -> Tensor:
    """Join tensors along an existing axis (``dim=`` as PyTorch's ``torch.cat``).
    >>> xg.concat([a, b], axis=1)"""
    if dim is not None:
        axis = dim
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concat: expected a non-empty sequence of tensors")
    for t in tensors:
        require_tensor(t, "concat")
    if len(tensors) > 1 and any(t.ndim > 1 for t in tensors):
        # PyTorch's legacy rule: empty 1-d tensors (shape (0,)) join anything, as nothing
        tensors = [t for t in tensors if t.shape != (0,)] or tensors[:1]
    first = tensors[0]
    axis = normalize_axis(axis, first.ndim, "concat")
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(
                a != b for i, (a, b) in enumerate(zip(t.shape, first.shape)) if i != axis):
            raise ValueError(f"concat: shapes {[tuple(u.shape) for u in tensors]} differ "
                             f"outside axis {axis}")
    return applyn(Concat, _common_kind(tensors), axis)


def _common_kind(tensors: list) -> list:
    """PyTorch's rule: with floats among integers/bools, all take the widest float dtype
    (the backend promotes within a kind)."""
    floats = [t for t in tensors if t.dtype.is_floating]
    if not floats or len(floats) == len(tensors):
        return tensors
    widest = max(floats, key=lambda t: t.dtype.itemsize).dtype
    return [t if t.dtype.is_floating else t.astype(widest) for t in tensors]


cat = concatenate = concat


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: Any = None) -> Tensor:
    """Join tensors of equal shape along a new axis. >>> xg.stack([a, b], dim=1)"""
    if dim is not None:
        axis = dim
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {tuple(t.shape) for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    axis = normalize_axis(axis, tensors[0].ndim + 1, "stack")
    return concat([unsqueeze(t, axis) for t in tensors], axis)


def split(x: Tensor, split_size_or_sections: Any, axis: int = 0, *, dim: Any = None) -> tuple:
    """Split into pieces of ``split_size`` (an int; the last may be smaller) or of the given
    sizes (a list), as PyTorch's ``torch.split``. >>> a, b = xg.split(x, [1, 3], dim=1)"""
    require_tensor(x, "split")
    if dim is not None:
        axis = dim
    axis = normalize_axis(axis, x.ndim, "split")
    length = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0 or (step == 0 and length):      # 0 splits an empty axis (PyTorch)
            raise ValueError(f"split: split_size must be positive, got {step} (axis {axis} "
                             f"of shape {x.shape})")
        sizes = [min(step, length - s) for s in range(0, length, step)] if step else []
        sizes = sizes or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != length:
            raise ValueError(f"split: sizes {sizes} do not add up to {length}, the length of "
                             f"axis {axis} of shape {x.shape}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(x[(slice(None),) * axis + (slice(start, start + size),)])
        start += size
    return tuple(pieces)       # a tuple, as torch.split's


def _check_broadcast(src: tuple, dst: tuple, op: str) -> None:
    ok = len(src) <= len(dst) and all(
        s == d or s == 1 for s, d in zip(reversed(src), reversed(dst)))
    if not ok:
        raise ValueError(f"{op}: shape {src} cannot be broadcast to {dst}")


def _prod(shape: Sequence[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n
