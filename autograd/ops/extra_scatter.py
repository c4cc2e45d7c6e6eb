"""Out-of-place writes and norms of PyTorch's top level: diagonal_scatter, select_scatter,
slice_scatter, index_copy, index_fill, index_add/index_put (the Tensor methods of indexing.py
as functions), masked_scatter, scatter_reduce, renorm, dist. Each is a composite of recorded
writes (``x[key] = v`` as a graph node), gathers and reductions, so gradients flow to the
input and to the written values as in PyTorch."""
from __future__ import annotations

import math
from typing import Any

from ...dtypes import int64
from ..tensor import Tensor
from ._util import NUMBER_TYPES, normalize_axis, require_tensor
from .arithmetic import where
from .indexing import index_add, index_put, setitem_recorded  # noqa: F401  (also top-level)
from .shape import concat
from .shape_views import movedim

__all__ = [
    "diagonal_scatter", "select_scatter", "slice_scatter", "index_copy", "index_fill",
    "index_add", "index_put", "masked_scatter", "scatter_reduce", "renorm", "dist",
]


def _index_1d(op: str, index: Any) -> Tensor:
    if not isinstance(index, Tensor) or index.ndim > 1 or not index.dtype.is_integer:
        raise TypeError(f"{op}: index must be a 0-d or 1-D integer tensor, got "
                        f"{getattr(index, 'dtype', type(index).__name__)}")
    return index.reshape(-1)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,
                     dim2: int = 1) -> Tensor:
    """A copy of input with ``src`` written on its diagonal (as input.diagonal(offset, dim1,
    dim2) sees it). >>> xg.diagonal_scatter(xg.zeros(2, 2), xg.ones(2))  # the identity"""
    require_tensor(input, "diagonal_scatter")
    require_tensor(src, "diagonal_scatter")
    d1 = normalize_axis(dim1, input.ndim, "diagonal_scatter")
    d2 = normalize_axis(dim2, input.ndim, "diagonal_scatter")
    if d1 == d2:
        raise ValueError(f"diagonal_scatter: dim1 and dim2 must differ, got {dim1} and {dim2}")
    expected = tuple(input.diagonal(offset, d1, d2).shape)
    if tuple(src.shape) != expected:
        raise ValueError(f"diagonal_scatter: src must have the diagonal's shape {expected}, "
                         f"got {tuple(src.shape)}")
    from ..factories import arange
    length = expected[-1]
    i = arange(length, dtype=int64, device=input._backend) + max(-offset, 0)
    j = arange(length, dtype=int64, device=input._backend) + max(offset, 0)
    key: list = [slice(None)] * input.ndim
    key[d1], key[d2] = i, j
    # NumPy puts the two index dims where they stand if adjacent, else in front
    where_to = min(d1, d2) if abs(d1 - d2) == 1 else 0
    return setitem_recorded(input, tuple(key), movedim(src, -1, where_to))


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of input with ``src`` written at ``index`` along ``dim`` (src has that slice's
    shape). >>> xg.select_scatter(xg.zeros(2, 2), xg.ones(2), 0, 0)  # [[1, 1], [0, 0]]"""
    require_tensor(input, "select_scatter")
    require_tensor(src, "select_scatter")
    d = normalize_axis(dim, input.ndim, "select_scatter")
    expected = tuple(input.shape[:d]) + tuple(input.shape[d + 1:])
    if tuple(src.shape) != expected:
        raise ValueError(f"select_scatter: src must have shape {expected}, got "
                         f"{tuple(src.shape)}")
    size = input.shape[d]
    if not -size <= int(index) < size:
        raise IndexError(f"select_scatter: index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return setitem_recorded(input, (slice(None),) * d + (int(index),), src)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,
                  end: int | None = None, step: int = 1) -> Tensor:
    """A copy of input with ``src`` written at input[start:end:step] along ``dim``.
    >>> xg.slice_scatter(xg.zeros(4), xg.ones(2), start=2)  # [0, 0, 1, 1]"""
    require_tensor(input, "slice_scatter")
    require_tensor(src, "slice_scatter")
    d = normalize_axis(dim, input.ndim, "slice_scatter")
    key = (slice(None),) * d + (slice(start, end, step),)
    expected = tuple(input.detach()[key].shape)
    if tuple(src.shape) != expected:
        raise ValueError(f"slice_scatter: src must have shape {expected}, got "
                         f"{tuple(src.shape)}")
    return setitem_recorded(input, key, src)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of input with the slices of ``source`` written at positions ``index`` along
    ``dim``. >>> xg.index_copy(xg.zeros(3, 2), 0, xg.tensor([2]), xg.ones(1, 2))"""
    require_tensor(input, "index_copy")
    require_tensor(source, "index_copy")
    d = normalize_axis(dim, max(input.ndim, 1), "index_copy")
    idx = _index_1d("index_copy", index)
    if input.ndim == 0:
        return setitem_recorded(input, (), source.reshape(()))
    expected = tuple(input.shape[:d]) + (idx.shape[0],) + tuple(input.shape[d + 1:])
    if tuple(source.shape) != expected:
        raise ValueError(f"index_copy: source of shape {tuple(source.shape)} must have shape "
                         f"{expected}")
    return setitem_recorded(input, (slice(None),) * d + (idx,), source)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of input with ``value`` (a number or a 0-d tensor) at positions ``index`` along
    ``dim``. >>> xg.index_fill(xg.zeros(2, 3), 1, xg.tensor([0, 2]), -1.0)"""
    require_tensor(input, "index_fill")
    d = normalize_axis(dim, max(input.ndim, 1), "index_fill")
    idx = _index_1d("index_fill", index)
    key = (slice(None),) * d + (idx,) if input.ndim else ()
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(f"index_fill: only supports a 0-dimensional value tensor, got "
                             f"{value.ndim} dimensions")
        region = (tuple(input.shape[:d]) + (idx.shape[0],) + tuple(input.shape[d + 1:])
                  if input.ndim else ())
        return setitem_recorded(input, key, value.astype(input.dtype).expand(*region))
    if not isinstance(value, NUMBER_TYPES):
        raise TypeError(f"index_fill: value must be a number or a 0-d tensor, got "
                        f"{type(value).__name__}")
    return setitem_recorded(input, key, value)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of input with the elements of ``source`` (in order) where ``mask`` (broadcast
    to input) is True. >>> xg.masked_scatter(xg.zeros(3), xg.tensor([1, 0, 1]).bool(), s)"""
    from .reduce_scan import cumsum
    for x in (input, mask, source):
        require_tensor(x, "masked_scatter")
    if not mask.dtype.is_bool:
        raise TypeError(f"masked_scatter: expected a bool mask, got {mask.dtype}")
    m = mask.broadcast_to(input.shape) if tuple(mask.shape) != tuple(input.shape) else mask
    flat = m.reshape(-1)
    position = cumsum(flat.astype(int64), 0) - 1        # the source element each True takes
    position = where(flat, position, 0)
    src = source.reshape(-1)
    if src.shape[0] == 0:           # nothing to take (any True then fails as in PyTorch)
        src = concat([src, src.detach().new_zeros(1)])
    taken = src[position].reshape(input.shape)
    return where(m, taken.astype(input.dtype), input)


def _crop(x: Tensor, shape: tuple) -> Tensor:
    if tuple(x.shape) == tuple(shape):
        return x
    return x[tuple(slice(0, n) for n in shape)]


def _paste(big: Tensor, small: Tensor) -> Tensor:
    """big with big[:s0, :s1, ...] replaced by small (concatenating back what lies outside)."""
    piece = small
    for k in reversed(range(big.ndim)):
        if piece.shape[k] < big.shape[k]:
            rest = big[tuple(slice(0, n) for n in small.shape[:k])
                       + (slice(piece.shape[k], None),)]
            piece = concat([piece, rest], axis=k)
    return piece


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Reduce the elements of ``src`` into input at the positions ``index`` along ``dim``
    with "sum", "prod", "mean", "amax" or "amin" (input's own value taking part unless
    include_self=False). Gradients as PyTorch's (amax/amin share ties evenly).
    prod/amax/amin compare every source with every target position along ``dim`` (memory
    ~ input.shape[dim] x index.shape[dim] per slice).

    >>> xg.scatter_reduce(xg.zeros(2), 0, xg.tensor([0, 0, 1]), xg.tensor([1., 2., 3.]), "amax")
    """
    for x in (input, index, src):
        require_tensor(x, "scatter_reduce")
    if reduce not in _REDUCTIONS:
        raise ValueError(f"scatter_reduce: reduce argument must be one of {_REDUCTIONS}, got "
                         f"{reduce!r}")
    if not index.dtype.is_integer:
        raise TypeError(f"scatter_reduce: index must be an integer tensor, got {index.dtype}")
    if not (input.ndim == index.ndim == src.ndim):
        raise ValueError(f"scatter_reduce: index {index.shape}, src {src.shape} and input "
                         f"{input.shape} must have the same number of dimensions")
    d = normalize_axis(dim, max(input.ndim, 1), "scatter_reduce")
    for k, n in enumerate(index.shape):
        if n > src.shape[k] or (k != d and n > input.shape[k]):
            raise ValueError(f"scatter_reduce: index {tuple(index.shape)} must not be larger "
                             f"than src {tuple(src.shape)}, nor than input "
                             f"{tuple(input.shape)} outside dim {d}")
    src = _crop(src, index.shape).astype(input.dtype)
    if index.numel() == 0:
        return input.clone()
    if reduce in ("sum", "mean"):
        base = input if include_self else input.scatter(d, index, value=0)
        total = base.scatter_add(d, index, src)
        if reduce == "sum":
            return total
        from ..factories import ones_like, zeros_like
        count = zeros_like(input).scatter_add(d, index, ones_like(src)) + int(include_self)
        safe = where(count > 0, count, 1)
        mean = total.floor_divide(safe) if not input.dtype.is_floating else total / safe
        return where(count > 0, mean, input)
    region = tuple(index.shape[k] if k != d else input.shape[d] for k in range(input.ndim))
    own = movedim(_crop(input, region), d, -1)                  # (..., n)
    idx, values = movedim(index, d, -1), movedim(src, d, -1)    # (..., m)
    from ..factories import arange
    targets = arange(own.shape[-1], dtype=idx.dtype, device=input._backend).reshape(-1, 1)
    member = idx[..., None, :] == targets                       # (..., n, m)
    spread = values[..., None, :]
    hit = member.any(axis=-1)
    if reduce == "prod":
        out = where(member, spread, 1).prod(-1)
        out = out * own if include_self else where(hit, out, own)
    else:
        if input.dtype.is_floating:      # a non-member never ties with a member (gradients)
            filler: Any = -math.inf if reduce == "amax" else math.inf
        else:                            # no gradients: any value not above the members
            filler = values.detach().min() if reduce == "amax" else values.detach().max()
        candidates = where(member, spread, filler)
        if include_self:
            candidates = concat([own[..., None], candidates], axis=-1)
        out = candidates.amax(-1) if reduce == "amax" else candidates.amin(-1)
        out = where(hit, out, own)
    return _paste(input, movedim(out, -1, d))


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along ``dim`` whose p-norm exceeds maxnorm, scaled to norm maxnorm.

    >>> xg.renorm(xg.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)  # [[0.6, 0.8], [0.3, 0.4]]
    """
    from .linalg_norms import vector_norm
    require_tensor(input, "renorm")
    if not input.dtype.is_floating:
        raise TypeError(f"renorm: expected a floating tensor, got {input.dtype}")
    if p <= 0:
        raise ValueError(f"renorm: non-positive-norm not supported, got p = {p}")
    if maxnorm < 0:
        raise ValueError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = normalize_axis(dim, max(input.ndim, 1), "renorm")
    others = tuple(k for k in range(input.ndim) if k != d)
    norm = vector_norm(input, p, others, keepdim=True) if others else input.abs()
    # PyTorch's factor, 1e-7 included (it keeps the result just inside maxnorm)
    factor = where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0)
    return input * factor


def dist(input: Tensor, other: Any, p: float = 2) -> Tensor:
    """The p-norm of input - other (broadcast). >>> xg.dist(xg.zeros(2), xg.ones(2))  # 1.4142"""
    from .linalg_norms import vector_norm
    require_tensor(input, "dist")
    return vector_norm(input - other, p)

