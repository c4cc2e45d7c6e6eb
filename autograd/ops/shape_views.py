"""Rearranging ops with PyTorch's semantics: flip, roll, movedim, swapdims, unflatten, narrow,
chunk, unbind, tensor_split and the *_as family. flip and roll are one Function each; the rest
are permutes, reshapes and slices of the core ops."""
from __future__ import annotations

from typing import Any, Sequence

from ..function import Function, apply1
from ..tensor import Tensor
from ._util import normalize_axes, normalize_axis, require_tensor
from .shape import expand, permute, reshape, split, transpose


def _int_tuple(value: Any, op: str, what: str) -> tuple:
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{op}: {what} must be an int or a tuple of ints, got {value!r}")
    return items


class Flip(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, axes): return xp.flip(a, axis=axes)
    def backward(self, gy): return apply1(Flip, gy, self.args[0])


class Roll(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, shifts, axes): return xp.roll(a, shift=shifts, axis=axes)
    def backward(self, gy):
        shifts, axes = self.args
        back = -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)
        return apply1(Roll, gy, back, axes)


def flip(input: Tensor, dims: Any) -> Tensor:
    """Reverse the order of the entries along ``dims`` (a copy). >>> xg.flip(x, (0, 1))"""
    require_tensor(input, "flip")
    dims = _int_tuple(dims, "flip", "dims")
    axes = normalize_axes(dims, max(input.ndim, 1), "flip")   # a 0-d tensor takes dim 0/-1
    return apply1(Flip, input, axes if input.ndim else ())


def fliplr(input: Tensor) -> Tensor:
    """Reverse the columns (dimension 1) of a tensor with at least 2 dimensions.
    >>> xg.fliplr(xg.eye(2))"""
    require_tensor(input, "fliplr")
    if input.ndim < 2:
        raise ValueError(f"fliplr: needs at least 2 dimensions, got shape {input.shape}")
    return apply1(Flip, input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Reverse the rows (dimension 0) of a tensor with at least 1 dimension.
    >>> xg.flipud(xg.arange(3))"""
    require_tensor(input, "flipud")
    if input.ndim < 1:
        raise ValueError(f"flipud: needs at least 1 dimension, got shape {input.shape}")
    return apply1(Flip, input, (0,))


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift entries cyclically by ``shifts`` along ``dims`` (over the flattened tensor when
    dims is None, keeping the shape). >>> xg.roll(x, 1, 0)"""
    require_tensor(input, "roll")
    shifts = _int_tuple(shifts, "roll", "shifts")
    if dims is None:
        if len(shifts) != 1:
            raise ValueError(f"roll: without dims, shifts must be one int, got {shifts}")
        return apply1(Roll, input, shifts[0], None)
    dims = _int_tuple(dims, "roll", "dims")
    if len(shifts) != len(dims):
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    axes = tuple(normalize_axis(d, input.ndim, "roll") for d in dims)
    return apply1(Roll, input, shifts, axes)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Move dimensions ``source`` to positions ``destination``; the others keep their order.
    >>> xg.movedim(x, 0, -1)"""
    require_tensor(input, "movedim")
    src = _int_tuple(source, "movedim", "source")
    dst = _int_tuple(destination, "movedim", "destination")
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {src} and destination {dst} must have the same "
                         "length")
    n = input.ndim
    src_n = [normalize_axis(d, max(n, 1), "movedim") for d in src]
    dst_n = [normalize_axis(d, max(n, 1), "movedim") for d in dst]
    for name, dims, given in (("source", src_n, src), ("destination", dst_n, dst)):
        if len(set(dims)) != len(dims):
            raise ValueError(f"movedim: repeated dim in {name} {given}")
    if n == 0:
        return input
    order: list = [None] * n
    for s, d in zip(src_n, dst_n):
        order[d] = s
    rest = iter(d for d in range(n) if d not in src_n)
    return permute(input, [s if s is not None else next(rest) for s in order])


moveaxis = movedim


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (PyTorch's alias of transpose). >>> xg.swapdims(x, 0, 1)"""
    return transpose(input, dim0, dim1)


swapaxes = swapdims


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one may be -1). >>> x.unflatten(1, (2, -1))"""
    require_tensor(input, "unflatten")
    dim = normalize_axis(dim, input.ndim, "unflatten")
    sizes = _int_tuple(sizes, "unflatten", "sizes")
    if not sizes:
        raise ValueError("unflatten: sizes must be non-empty")
    n = input.shape[dim]
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    unknown = sizes.count(-1)
    if unknown > 1 or any(s < -1 for s in sizes) or (unknown == 0 and known != n) or (
            unknown == 1 and (known == 0 or n % known)):
        raise ValueError(f"unflatten: sizes {sizes} do not multiply up to {n}, the size of "
                         f"dimension {dim} of shape {input.shape}")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return reshape(input, input.shape[:dim] + sizes + input.shape[dim + 1:])


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` entries from ``start`` along ``dim`` (start may be negative).
    >>> x.narrow(1, 0, 2)"""
    require_tensor(input, "narrow")
    if input.ndim == 0:
        raise ValueError("narrow: cannot be applied to a 0-d tensor")
    dim = normalize_axis(dim, input.ndim, "narrow")
    start, length = int(start), int(length)
    n = input.shape[dim]
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range for dimension {dim} of size "
                         f"{n} (expected -{n} to {n})")
    if length < 0:
        raise ValueError(f"narrow: length must be non-negative, got {length}")
    start = start % n if start < 0 else start
    if start + length > n:
        raise ValueError(f"narrow: start ({start}) + length ({length}) exceeds the size {n} of "
                         f"dimension {dim}")
    return input[(slice(None),) * dim + (slice(start, start + length),)]


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of equal size (the last may be smaller, and there may be
    fewer pieces). >>> a, b = x.chunk(2)"""
    require_tensor(input, "chunk")
    if input.ndim == 0:
        raise ValueError("chunk: expects a tensor with at least 1 dimension")
    if isinstance(chunks, bool) or not isinstance(chunks, int) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    dim = normalize_axis(dim, input.ndim, "chunk")
    n = input.shape[dim]
    if n == 0:                        # PyTorch gives `chunks` empty pieces
        return tuple(split(input, [0] * chunks, dim))
    return tuple(split(input, -(-n // chunks), dim))


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple:
    """Split into ``sections`` near-equal pieces (an int: the first n % sections are one
    longer), or at the given indices (a list). >>> x.tensor_split([1, 3])"""
    require_tensor(input, "tensor_split")
    if input.ndim == 0:
        raise ValueError("tensor_split: expects a tensor with at least 1 dimension")
    dim = normalize_axis(dim, input.ndim, "tensor_split")
    spec = indices_or_sections
    if isinstance(spec, Tensor):      # a 0-d tensor holds sections, a 1-D one indices
        if not spec.dtype.is_integer or spec.ndim > 1:
            raise TypeError(f"tensor_split: a tensor of sections or indices must be 0-d or "
                            f"1-d integers, got {spec.dtype}{list(spec.shape)}")
        spec = spec.tolist()
    n = input.shape[dim]
    if isinstance(spec, int) and not isinstance(spec, bool):
        if spec <= 0:
            raise ValueError(f"tensor_split: number of sections must be positive, got {spec}")
        small, extra = divmod(n, spec)
        bounds, start = [], 0
        for i in range(spec):
            start += small + (1 if i < extra else 0)
            bounds.append(start)
        bounds = bounds[:-1]
    else:
        bounds = list(_int_tuple(spec, "tensor_split", "indices"))
    pieces, prev = [], 0
    for b in bounds + [None]:
        pieces.append(input[(slice(None),) * dim + (slice(prev, b),)])
        prev = b
    return tuple(pieces)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, that dimension removed. >>> rows = x.unbind(0)"""
    require_tensor(input, "unbind")
    dim = normalize_axis(dim, input.ndim, "unbind")
    lead = (slice(None),) * dim
    return tuple(input[lead + (i,)] for i in range(input.shape[dim]))


def _other(op: str, other: Any) -> Tensor:
    if not isinstance(other, Tensor):
        raise TypeError(f"{op}: other must be a Tensor, got {type(other).__name__}")
    return other


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` reshaped to ``other``'s shape. >>> x.view_as(y)"""
    require_tensor(input, "view_as")
    return reshape(input, _other("view_as", other).shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` reshaped to ``other``'s shape. >>> x.reshape_as(y)"""
    require_tensor(input, "reshape_as")
    return reshape(input, _other("reshape_as", other).shape)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` broadcast to ``other``'s shape (no copy). >>> b.expand_as(x)"""
    require_tensor(input, "expand_as")
    return expand(input, _other("expand_as", other).shape)
