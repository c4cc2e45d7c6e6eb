"""Triangles and diagonals with PyTorch's semantics: tril, triu, diagonal, diag, diag_embed.

A diagonal of an (n, m) matrix is the basic slice ``[start::m + 1]`` of its flattened form, so
diagonal is a reshape plus a slice (its backward writes into zeros, no scatter), and
diag_embed is that slice's backward: both directions reuse getitem's pair."""
from __future__ import annotations

from ..function import Function, apply1
from ..tensor import Tensor
from ..views import mark_view, view_info
from ._util import require_tensor
from .indexing import GetItem, GetItemBackward
from .shape_views import movedim
from .torch_errors import TorchValueError, axis as normalize_axis


class Tril(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, k): return xp.tril(a, k=k)
    def backward(self, gy): return apply1(Tril, gy, self.args[0])


class Triu(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, k): return xp.triu(a, k=k)
    def backward(self, gy): return apply1(Triu, gy, self.args[0])


class Diagonal(GetItem):
    __slots__ = ()


class DiagEmbed(GetItemBackward):
    __slots__ = ()


DiagEmbed.__name__ = "Diag_Embed"


def _triangle(cls: type, op: str, input: Tensor, diagonal: int) -> Tensor:
    require_tensor(input, op)
    if input.ndim < 2:
        raise TorchValueError(f"{op}: needs at least 2 dimensions, got shape {input.shape}")
    if isinstance(diagonal, bool) or not isinstance(diagonal, int):
        raise TypeError(f"{op}: diagonal must be an int, got {diagonal!r}")
    return apply1(cls, input, diagonal)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions (entries above ``diagonal`` zeroed).
    >>> xg.tril(x, -1)"""
    return _triangle(Tril, "tril", input, diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions (entries below ``diagonal`` zeroed).
    >>> xg.triu(x, 1)"""
    return _triangle(Triu, "triu", input, diagonal)


def _slice_of(n: int, m: int, offset: int) -> tuple[int, slice]:
    """(length, slice) of diagonal ``offset`` of an (n, m) matrix in its flattened form."""
    row, col = max(-offset, 0), max(offset, 0)
    k = max(0, min(n - row, m - col))
    start = row * m + col
    return k, slice(start, start + (k - 1) * (m + 1) + 1 if k else start, m + 1)


def _dims(op: str, ndim: int, dim1: int, dim2: int) -> tuple[int, int]:
    d1 = normalize_axis(dim1, ndim, op)
    d2 = normalize_axis(dim2, ndim, op)
    if d1 == d2:
        raise TorchValueError(f"{op}: dim1 and dim2 cannot be the same dimension, got {dim1} and "
                              f"{dim2}")
    return d1, d2


def _check_offset(op: str, offset: int) -> None:
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise TypeError(f"{op}: offset must be an int, got {offset!r}")


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` (> 0 above the main one) of the (dim1, dim2) planes, as the
    last dimension of the result: a view of input (writes to it reach input) where the
    planes flatten without a copy, as for a contiguous input. >>> xg.diagonal(x, 0, -2, -1)"""
    require_tensor(input, "diagonal")
    _check_offset("diagonal", offset)
    d1, d2 = _dims("diagonal", input.ndim, dim1, dim2)
    planes = movedim(input, (d1, d2), (-2, -1))
    *batch, n, m = planes.shape
    flat = planes.reshape(tuple(batch) + (n * m,))
    _, key = _slice_of(n, m, offset)
    args = ((Ellipsis, key), input._backend)
    out = apply1(Diagonal, flat, *args)
    if view_info(flat) is not None:     # a view of input, as torch's (x.diagonal().zero_())
        mark_view(flat, out, ((Diagonal, args),))
    return out


_diagonal = diagonal


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose diagonal ``offset`` holds the last dimension of ``input`` (zeros
    elsewhere), in the planes (dim1, dim2) of the result. >>> xg.diag_embed(xg.ones(2, 3))"""
    require_tensor(input, "diag_embed")
    _check_offset("diag_embed", offset)
    if input.ndim == 0:
        raise TorchValueError("diag_embed: needs at least 1 dimension, got a 0-d tensor")
    d1, d2 = _dims("diag_embed", input.ndim + 1, dim1, dim2)
    *batch, n = input.shape
    m = n + abs(offset)
    _, key = _slice_of(m, m, offset)
    flat = apply1(DiagEmbed, input, tuple(batch) + (m * m,), (Ellipsis, key), input._backend)
    return movedim(flat.reshape(tuple(batch) + (m, m)), (-2, -1), (d1, d2))


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D -> the square matrix with ``input`` on diagonal ``diagonal``; 2-D -> that
    diagonal as a 1-D tensor. >>> xg.diag(xg.tensor([1.0, 2.0]))"""
    require_tensor(input, "diag")
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return _diagonal(input, diagonal, 0, 1)
    raise TorchValueError(f"diag: supports 1-D or 2-D tensors, got shape {input.shape}")
