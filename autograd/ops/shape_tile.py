"""Repeating and stacking with PyTorch's semantics: repeat (Tensor.repeat), tile,
repeat_interleave, hstack / vstack / dstack / column_stack, meshgrid, atleast_1d/2d/3d."""
from __future__ import annotations

from typing import Any

from ...dtypes import int64
from ..function import Function, apply1, host_check, run_kernel
from ..tensor import Tensor
from ._util import require_tensor
from .gather_masks import shape_guard
from .gather_ops import IndexSelect, index_tensor
from .shape import broadcast_to, concat, reshape
from .torch_errors import TorchValueError, axis as normalize_axis


class Repeat(Function):
    """PyTorch's Tensor.repeat: the whole tensor tiled ``reps`` times along each dimension."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, reps): return xp.tile(a, reps)
    def backward(self, gy):
        x, = self.inputs
        reps = self.args[0]
        shape = (1,) * (len(reps) - x.ndim) + x.shape
        if all(r == 1 for r in reps):
            return gy.reshape(x.shape)
        tiles = []
        for r, s in zip(reps, shape):        # (r0, s0, r1, s1, ...): sum the r axes
            tiles += [r, s]
        g = gy.reshape(tuple(tiles)).sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return g.reshape(x.shape)


class RepeatInterleave(Function):
    """Each entry repeated ``repeats`` (an int) times in place along ``axis``."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, repeats, axis): return xp.repeat(a, repeats, axis=axis)
    def backward(self, gy):
        x, = self.inputs
        repeats, axis = self.args
        shape = x.shape
        return gy.reshape(shape[:axis] + (shape[axis], repeats) + shape[axis + 1:]).sum(
            axis=axis + 1)


RepeatInterleave.__name__ = "Repeat_Interleave"


def _sizes(op: str, sizes: tuple) -> tuple:
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, int):
            raise TypeError(f"{op}: sizes must be ints, got {sizes!r}")
        if s < 0:
            raise TorchValueError(f"{op}: sizes must be non-negative, got {sizes}")
    return tuple(sizes)


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """PyTorch's ``Tensor.repeat``: tile the tensor ``sizes`` times (at least one size per
    dimension; extra sizes add leading dimensions). >>> x.repeat(2, 1)"""
    require_tensor(input, "repeat")
    sizes = _sizes("repeat", sizes)
    if len(sizes) < input.ndim:
        raise TorchValueError(f"repeat: needs at least one size per dimension of shape "
                              f"{input.shape}, got {sizes}")
    return apply1(Repeat, input, sizes)


def tile(input: Tensor, dims: Any) -> Tensor:
    """Like repeat, but fewer dims than dimensions are padded with leading 1s.
    >>> xg.tile(x, (2,))"""
    require_tensor(input, "tile")
    dims = _sizes("tile", (dims,) if isinstance(dims, int) else (tuple(dims),))
    return apply1(Repeat, input, (1,) * (input.ndim - len(dims)) + dims)


def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each entry along ``dim`` (the flattened tensor when None): ``repeats`` is an
    int or a 1-D integer tensor with one count per entry. With a tensor alone, the result
    is arange(n) repeated by it. >>> xg.repeat_interleave(x, 2, dim=0)"""
    require_tensor(input, "repeat_interleave")
    if repeats is None:                     # repeat_interleave(counts): indices repeated
        counts = index_tensor("repeat_interleave", input, input, "repeats")
        if counts.ndim != 1:
            raise TorchValueError(f"repeat_interleave: repeats must be 1-D, got shape "
                                  f"{counts.shape}")
        from ..factories import arange
        positions = arange(counts.shape[0], dtype=counts.dtype, device=counts._backend)
        return repeat_interleave(positions, counts, 0, output_size=output_size)
    if dim is None:
        input, dim = input.reshape((-1,)), 0
    dim = normalize_axis(dim, input.ndim, "repeat_interleave")
    n = input.shape[dim]
    if isinstance(repeats, Tensor):
        out = _by_tensor(input, repeats, dim, n)
    elif isinstance(repeats, bool) or not isinstance(repeats, int):
        raise TypeError(f"repeat_interleave: repeats must be an int or an integer tensor, got "
                        f"{type(repeats).__name__}")
    elif repeats < 0:
        raise TorchValueError(f"repeat_interleave: repeats must be non-negative, got {repeats}")
    else:
        out = apply1(RepeatInterleave, input, repeats, dim)
    if output_size is not None and out.shape[dim] != output_size:
        raise TorchValueError(f"repeat_interleave: output_size {output_size} does not match the "
                              f"{out.shape[dim]} entries the repeats give")
    return out


def _by_tensor(input: Tensor, repeats: Tensor, dim: int, n: int) -> Tensor:
    repeats = index_tensor("repeat_interleave", input, repeats, "repeats")
    if repeats.ndim > 1:
        raise TorchValueError(f"repeat_interleave: repeats must be 0-d or 1-d, got shape "
                              f"{repeats.shape}")
    if repeats.size != 1 and repeats.size != n:
        raise TorchValueError(f"repeat_interleave: repeats has {repeats.size} entries but the "
                              f"input "
                              f"has {n} along dimension {dim} (shape {input.shape})")
    backend = input._backend
    if backend.kind == "numpy" and repeats.size:
        host_check(backend, _refuse_negative, repeats.data)
    try:
        index = run_kernel(backend, _repeated_positions, repeats.data, n)
    except ValueError as exc:              # a negative count seen by the device's kernel
        raise TorchValueError(f"repeat_interleave: {exc} (repeats shape {repeats.shape})") from exc
    out = apply1(IndexSelect, input, (slice(None),) * dim + (index,), backend)
    return shape_guard("repeat_interleave", out)


def _refuse_negative(repeats: Any) -> None:
    if int(repeats.min()) < 0:
        raise TorchValueError(f"repeat_interleave: repeats must be non-negative, got "
                              f"{int(repeats.min())}")


def _repeated_positions(backend: Any, repeats: Any, n: int) -> Any:
    xp = backend.xp
    return xp.repeat(backend.arange(0, n, 1, int64), xp.reshape(repeats, (-1,)), axis=0)


# ---- stacking ------------------------------------------------------------------------------
def _result_dtype(dtypes: set) -> Any:
    """PyTorch's promotion across categories: any float wins (the widest), then integers."""
    for kind in ("is_floating", "is_integer"):
        found = [d for d in dtypes if getattr(d, kind)]
        if found:
            return max(found, key=lambda d: d.itemsize)
    return next(iter(dtypes))


def _tensors(op: str, tensors: Any) -> list:
    tensors = list(tensors)
    if not tensors:
        raise TorchValueError(f"{op}: expected a non-empty sequence of tensors")
    for t in tensors:
        require_tensor(t, op)
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) > 1:
        target = _result_dtype(dtypes)
        tensors = [t if t.dtype == target else t.astype(target) for t in tensors]
    return tensors


def _at_least(n: int, x: Tensor) -> Tensor:
    require_tensor(x, f"atleast_{n}d")
    if x.ndim >= n:
        return x
    if n == 3 and x.ndim == 2:
        return reshape(x, x.shape + (1,))
    if n == 3:                                  # 0-d -> (1, 1, 1), 1-D (k,) -> (1, k, 1)
        return reshape(x, (1, x.size, 1))
    return reshape(x, (1,) * (n - x.ndim) + x.shape)


def _at_least_many(n: int, tensors: tuple) -> Any:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_at_least(n, t) for t in tensors[0])
    if len(tensors) == 1:
        return _at_least(n, tensors[0])
    return tuple(_at_least(n, t) for t in tensors)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dimension (one tensor in, one out; else a tuple).
    >>> xg.atleast_1d(xg.tensor(1.0))"""
    return _at_least_many(1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dimensions ((k,) becomes (1, k)). >>> xg.atleast_2d(x)"""
    return _at_least_many(2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dimensions ((k,) -> (1, k, 1), (m, k) -> (m, k, 1)).
    >>> xg.atleast_3d(x)"""
    return _at_least_many(3, tensors)


def hstack(tensors: Any) -> Tensor:
    """Concatenate along dimension 1 (dimension 0 for 1-D tensors). >>> xg.hstack([a, b])"""
    tensors = [_at_least(1, t) for t in _tensors("hstack", tensors)]
    return concat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    """Concatenate along dimension 0 after atleast_2d. >>> xg.vstack([a, b])"""
    return concat([_at_least(2, t) for t in _tensors("vstack", tensors)], 0)


def dstack(tensors: Any) -> Tensor:
    """Concatenate along dimension 2 after atleast_3d. >>> xg.dstack([a, b])"""
    return concat([_at_least(3, t) for t in _tensors("dstack", tensors)], 2)


def column_stack(tensors: Any) -> Tensor:
    """Columns side by side: 0-d and 1-D tensors become (n, 1) columns, then dimension 1 is
    concatenated. >>> xg.column_stack([a, b])"""
    tensors = [reshape(t, (t.size, 1)) if t.ndim <= 1 else t
               for t in _tensors("column_stack", tensors)]
    return concat(tensors, 1)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors: with indexing='ij' (the default) output k varies
    along dimension k; 'xy' swaps the first two (Cartesian). >>> gx, gy = xg.meshgrid(a, b)"""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise TorchValueError("meshgrid: expected at least one tensor")
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise TorchValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in tensors:
        require_tensor(t, "meshgrid")
        if t.ndim > 1:
            raise TorchValueError(f"meshgrid: expects 0-d or 1-d tensors, got shape {t.shape}")
        if t.dtype != tensors[0].dtype:
            raise TypeError(f"meshgrid: all tensors need the same dtype, got "
                            f"{tensors[0].dtype} and {t.dtype}")
        if t._backend is not tensors[0]._backend:
            raise RuntimeError(f"meshgrid: expected all tensors on the same device, but found "
                               f"{tensors[0].device} and {t.device}")
    sizes = [t.size for t in tensors]
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for a, n in zip(axes, sizes):
        shape[a] = n
    out = []
    for t, a in zip(tensors, axes):
        view = [1] * len(tensors)
        view[a] = t.size
        out.append(broadcast_to(reshape(t, tuple(view)), tuple(shape)))
    return tuple(out)
