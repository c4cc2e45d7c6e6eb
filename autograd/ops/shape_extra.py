"""Shape and indexing ops beyond the core, with PyTorch's names and semantics. The ops live in
shape_views (flip, roll, movedim, narrow, chunk, ...), shape_diag (tril/triu, diagonals),
shape_tile (repeat, tile, repeat_interleave, stacks, meshgrid, atleast_*), gather_ops
(gather, scatter, index_select, take_along_dim) and gather_masks (masked_fill,
masked_select, nonzero); this module lists them and their Tensor methods."""
from __future__ import annotations

import functools
from typing import Any

from ..tensor import Tensor
from ..tensor_args import _shape_args
from .gather_masks import argwhere, masked_fill, masked_select, nonzero
from .gather_ops import gather, index_select, scatter, scatter_add, take_along_dim
from .shape_diag import diag, diag_embed, diagonal, tril, triu
from .shape_tile import (atleast_1d, atleast_2d, atleast_3d, column_stack, dstack, hstack,
                         meshgrid, repeat, repeat_interleave, tile, vstack)
from .shape_views import (chunk, expand_as, flip, fliplr, flipud, movedim, moveaxis, narrow,
                          reshape_as, roll, swapaxes, swapdims, tensor_split, unbind, unflatten,
                          view_as)

__all__: list[str] = [
    "flip", "fliplr", "flipud", "roll", "tril", "triu", "repeat", "tile", "repeat_interleave",
    "chunk", "unbind", "narrow", "movedim", "moveaxis", "swapdims", "swapaxes", "unflatten",
    "gather", "scatter", "scatter_add", "index_select", "take_along_dim", "masked_fill",
    "masked_select", "diagonal", "diag", "diag_embed", "view_as", "reshape_as", "expand_as",
    "hstack", "vstack", "dstack", "column_stack", "meshgrid", "atleast_1d", "atleast_2d",
    "atleast_3d", "tensor_split", "nonzero", "argwhere",
]


# ---- Tensor methods (PyTorch's signatures: x.flip(0, 1), x.repeat(2, 1), x.tile(2)) ---------
def _flip(self: Tensor, *dims: Any, **kw: Any) -> Tensor:
    return flip(self, _dims_kw("flip", dims, kw))


def _repeat(self: Tensor, *sizes: Any) -> Tensor:
    return repeat(self, *sizes)


def _tile(self: Tensor, *dims: Any, **kw: Any) -> Tensor:
    return tile(self, _dims_kw("tile", dims, kw))


def _dims_kw(op: str, dims: tuple, kw: dict) -> Any:
    """``x.flip(0, 1)``, ``x.flip((0, 1))`` and ``x.flip(dims=(0, 1))``."""
    if kw:
        if set(kw) != {"dims"} or dims:
            raise TypeError(f"{op}: expected dims as arguments or as dims=, got {dims} and "
                            f"{sorted(kw)}")
        return kw["dims"]
    return _shape_args(dims)


def _roll(self: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    return roll(self, shifts, dims)


def _repeat_interleave(self: Tensor, repeats: Any = None, dim: int | None = None, *,
                       output_size: int | None = None) -> Tensor:
    return repeat_interleave(self, repeats, dim, output_size=output_size)


def _scatter(self: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
             reduce: str | None = None) -> Tensor:
    return scatter(self, dim, index, src, value=value, reduce=reduce)


def _nonzero(self: Tensor, *, as_tuple: bool = False) -> Any:
    return nonzero(self, as_tuple=as_tuple)


def _method(fn: Any) -> Any:
    @functools.wraps(fn)
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)
    return method


TENSOR_METHODS: dict = {      # name -> function(self, ...): installed on Tensor by ops/__init__
    "flip": _flip, "repeat": _repeat, "tile": _tile, "roll": _roll,
    "repeat_interleave": _repeat_interleave, "scatter": _scatter, "nonzero": _nonzero,
    **{fn.__name__: _method(fn) for fn in (
        fliplr, flipud, tril, triu, chunk, unbind, narrow, movedim, swapdims, unflatten,
        gather, scatter_add, index_select, take_along_dim, masked_fill, masked_select,
        diagonal, diag, diag_embed, view_as, reshape_as, expand_as, tensor_split, argwhere)},
    "moveaxis": _method(movedim),
}
for _name in ("flip", "repeat", "tile", "roll", "repeat_interleave", "scatter", "nonzero"):
    TENSOR_METHODS[_name].__doc__ = globals()[_name].__doc__
