"""Sorting and selection with PyTorch's semantics: sort, argsort, msort, topk, kthvalue,
searchsorted, bucketize. Indices are computed without a graph (a stable argsort on the
device; NaN sorts as the largest value, as in PyTorch); values are a gather of the input at
those indices, so their gradient scatters back to the chosen elements."""
from __future__ import annotations

from typing import Any

from ...dtypes import int32, int64
from ..function import apply1, backend_call, run_kernel
from ..tensor import Tensor, make_tensor
from ._util import NUMBER_TYPES, require_tensor
from .torch_errors import TorchValueError, axis as normalize_axis
from .gather_ops import Gather, along_key
from .elementwise import clone
from .reduction import ValuesIndices


def argsort_array(xp: Any, a: Any, axis: int, descending: bool) -> Any:
    """A stable argsort; descending keeps equal elements in their original order and puts
    NaN first (the reverse of the ascending order of the reversed input)."""
    if a.ndim == 0:
        return xp.zeros_like(a, dtype=xp.int64)
    if xp.isdtype(a.dtype, "bool"):
        a = xp.astype(a, xp.uint8)
    if not descending:
        return _stable_argsort(xp, a, axis)
    n = a.shape[axis]
    idx = _stable_argsort(xp, xp.flip(a, axis=axis), axis)
    return (n - 1) - xp.flip(idx, axis=axis)


def _stable_argsort(xp: Any, a: Any, axis: int) -> Any:
    try:
        out = xp.argsort(a, axis=axis, stable=True)
    except TypeError:                       # CuPy's argsort is stable and takes no keyword
        out = xp.argsort(a, axis=axis)
    return xp.astype(out, xp.int64) if out.dtype != xp.int64 else out


def _argsort_kernel(backend: Any, a: Any, axis: int, descending: bool) -> Any:
    return argsort_array(backend.xp, a, axis, descending)


def sorted_indices(x: Tensor, axis: int, descending: bool) -> Tensor:
    """The (constant) permutation that sorts ``x`` along ``axis``."""
    return make_tensor(run_kernel(x._backend, _argsort_kernel, x.data, axis, descending),
                       x._backend, False, None)


def take(x: Tensor, indices: Tensor, axis: int) -> Tensor:
    """``x`` gathered at ``indices`` along ``axis`` (no bounds check: the indices are ours)."""
    if x.ndim == 0:
        return clone(x) if indices.ndim == 0 else x.reshape((1,)).expand(*indices.shape)
    return apply1(Gather, x, along_key(x, indices, axis), x._backend)


def _dim(op: str, x: Tensor, dim: Any) -> int:
    require_tensor(x, op)
    d = normalize_axis(dim, max(x.ndim, 1), op)     # a 0-d tensor takes dim 0 or -1 (PyTorch)
    return d if x.ndim else 0


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *,
         axis: int | None = None) -> ValuesIndices:
    """Sorted values along ``dim`` and the indices they came from (always a stable sort).

    >>> values, indices = xg.sort(xg.tensor([3.0, 1.0, 2.0]))   # [1, 2, 3], [1, 2, 0]
    """
    d = _dim("sort", input, dim if axis is None else axis)
    indices = sorted_indices(input, d, bool(descending))
    return ValuesIndices(take(input, indices, d), indices)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False, *,
            axis: int | None = None) -> Tensor:
    """Indices that sort ``input`` along ``dim`` (int64). >>> xg.argsort(xg.tensor([3.0, 1.0]))"""
    d = _dim("argsort", input, dim if axis is None else axis)
    return sorted_indices(input, d, bool(descending))


def msort(input: Tensor) -> Tensor:
    """``sort(input, dim=0).values``. >>> xg.msort(xg.tensor([[2.0], [1.0]]))"""
    return sort(input, 0).values


def _slice_along(t: Tensor, axis: int, start: int, stop: int) -> Tensor:
    return t[(slice(None),) * axis + (slice(start, stop),)]


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> ValuesIndices:
    """The ``k`` largest (``largest=False``: smallest) values along ``dim``, sorted, and
    their indices. >>> xg.topk(xg.tensor([1.0, 3.0, 2.0]), 2).values      # [3, 2]"""
    d = _dim("topk", input, dim)
    n = input.shape[d] if input.ndim else 1
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= n:
        raise TorchValueError(f"topk: k={k!r} is out of range for dimension {d} of size {n} "
                              f"(shape {input.shape})")
    indices = sorted_indices(input, d, bool(largest))
    if input.ndim:
        indices = _slice_along(indices, d, 0, k)
    elif k == 0:
        indices = indices.reshape((1,))[:0]
    return ValuesIndices(take(input, indices, d), indices)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The ``k``-th smallest value (1-based) along ``dim`` and its index.
    >>> xg.kthvalue(xg.tensor([3.0, 1.0, 2.0]), 2).values     # 2."""
    d = _dim("kthvalue", input, dim)
    n = input.shape[d] if input.ndim else 1
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= n:
        raise TorchValueError(f"kthvalue: k={k!r} is out of range for dimension {d} of size {n} "
                              f"(shape {input.shape}); expected 1 <= k <= {n}")
    return select_position(input, d, k - 1, keepdim)


def select_position(input: Tensor, d: int, position: Any, keepdim: bool) -> ValuesIndices:
    """The element at ``position`` (an int or an int64 tensor shaped like the result with
    keepdim) of the ascending order along ``d``."""
    if input.ndim == 0:
        backend = input._backend
        return ValuesIndices(clone(input), make_tensor(
            backend_call(backend.zeros, (), int64), backend, False, None))
    order = sorted_indices(input, d, False)
    if isinstance(position, int):
        indices = _slice_along(order, d, position, position + 1)
    else:
        indices = take(order, position, d)
    values = take(input, indices, d)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return ValuesIndices(values, indices)


# ---- binary search ------------------------------------------------------------------------
def _search_kernel(backend: Any, seq: Any, values: Any, side: str, dtype: Any) -> Any:
    xp = backend.xp
    if seq.ndim == 1:
        out = xp.searchsorted(seq, values, side=side)
    else:                     # rows of a batch: count the elements before each value
        s = xp.expand_dims(seq, axis=-2)
        v = xp.expand_dims(values, axis=-1)
        out = xp.sum(xp.astype(s < v if side == "left" else s <= v, xp.int64), axis=-1)
    return xp.astype(out, dtype)


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None,
                 sorter: Tensor | None = None) -> Tensor:
    """Where ``input`` would be inserted into ``sorted_sequence`` (along its last dimension)
    to keep it sorted. >>> xg.searchsorted(xg.tensor([1.0, 2.0, 3.0]), xg.tensor([2.5]))  # [2]"""
    require_tensor(sorted_sequence, "searchsorted")
    seq = sorted_sequence
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError("searchsorted: side='left' contradicts right=True")
        right = side == "right"
    scalar = isinstance(input, NUMBER_TYPES)
    if scalar:
        from ._util import as_operand
        input = as_operand(input, seq).reshape((1,))
    require_tensor(input, "searchsorted")
    if input._backend is not seq._backend:
        raise RuntimeError(f"searchsorted: expected all tensors on the same device, but found "
                           f"{seq.device} and {input.device}")
    if seq.ndim == 0:
        raise ValueError("searchsorted: sorted_sequence must have at least 1 dimension")
    if sorter is not None:
        seq = take(seq, sorter, seq.ndim - 1)
    if seq.ndim > 1 and (scalar or input.shape[:-1] != seq.shape[:-1]):
        raise ValueError(f"searchsorted: the leading dimensions of sorted_sequence "
                         f"{seq.shape} and input {input.shape} must match")
    from .arithmetic import promote
    seq, values = promote(seq, input)
    dtype = seq._backend.native_dtype(int32 if out_int32 else int64)
    out = run_kernel(seq._backend, _search_kernel, seq.data, values.data,
                     "right" if right else "left", dtype)
    result = make_tensor(out, seq._backend, False, None)
    return result.reshape(()) if scalar else result


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each value: i with boundaries[i-1] < v <= boundaries[i] (``right=True``:
    boundaries[i-1] <= v < boundaries[i]). >>> xg.bucketize(xg.tensor([0.5, 2.0]), b)"""
    require_tensor(boundaries, "bucketize")
    if boundaries.ndim != 1:
        raise ValueError(f"bucketize: boundaries must be 1-D, got shape {boundaries.shape}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
