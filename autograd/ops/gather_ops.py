"""Index-driven ops with PyTorch's semantics: gather, scatter, scatter_add, index_select,
take_along_dim. Each is one advanced-indexing key built on the device from the index tensor
(``aranges`` along the other dimensions), so the gradients reuse getitem's scatter-add pair:
the backward of a gather scatters (repeats accumulate), the backward of a scatter gathers.

Index values are checked on the CPU, where reading them costs no sync (an IndexError naming
the op, the index and the dimension). Other devices do not read them back: an index past the
end raises there from the backend's own indexing, as getitem's does."""
from __future__ import annotations

import functools
from typing import Any

from ...dtypes import int64
from ..function import Function, apply1, apply2, host_check, run_kernel
from ..tensor import Tensor
from ._util import NUMBER_TYPES, normalize_axis, require_tensor
from .indexing import GetItem, SetItem, SetItemNumber


# ---- checks shared by the index ops ----------------------------------------------------------
def index_tensor(op: str, x: Tensor, index: Any, name: str = "index") -> Tensor:
    """``index`` must be an integer Tensor on x's device."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor of integers, got "
                        f"{type(index).__name__}; convert it with xg.tensor(..., dtype=xg.int64)")
    if index._backend is not x._backend:
        raise RuntimeError(f"{op}: {name} tensor is on {index.device} but the input tensor is "
                           f"on {x.device}; move one with .to(device)")
    if not index.dtype.is_integer:
        raise IndexError(f"{op}: {name} must be an integer tensor, got "
                         f"{index.dtype}{list(index.shape)}")
    return index


def check_bounds(op: str, x: Tensor, index: Tensor, size: int, dim: int,
                 negative_ok: bool = False) -> None:
    """On the CPU, raise IndexError for an index outside [0, size) ([-size, size) when
    ``negative_ok``); a compiled step repeats the check on every replay."""
    backend = x._backend
    if backend.kind != "numpy" or index.size == 0:
        return
    host_check(backend, functools.partial(_refuse_out_of_bounds, op=op, size=size, dim=dim,
                                          negative_ok=negative_ok), index.data)


def _refuse_out_of_bounds(index: Any, op: str, size: int, dim: int, negative_ok: bool) -> None:
    low, high = int(index.min()), int(index.max())
    floor = -size if negative_ok else 0
    if low < floor or high >= size:
        bad = low if low < floor else high
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {dim} with size "
                         f"{size}")


def _along_key(backend: Any, index: Any, dim: int, ndim: int, wrap: int) -> tuple:
    """The advanced-indexing key of ``x.gather(dim, index)``: ``index`` at ``dim``, an arange
    (shaped to broadcast) at every other dimension. ``wrap`` > 0 maps negatives to n + i."""
    xp = backend.xp
    key = []
    for d in range(ndim):
        if d == dim:
            key.append(xp.where(index < 0, index + wrap, index) if wrap else index)
            continue
        n = index.shape[d]
        steps = backend.arange(0, n, 1, int64)
        key.append(xp.reshape(steps, (1,) * d + (n,) + (1,) * (ndim - d - 1)))
    return tuple(key)


def along_key(x: Tensor, index: Tensor, dim: int, wrap: int = 0) -> tuple:
    return run_kernel(x._backend, _along_key, index.data, dim, index.ndim, wrap)


def _check_index_shape(op: str, x: Tensor, index: Tensor, dim: int, src: Tensor | None) -> None:
    if index.ndim != x.ndim:
        raise ValueError(f"{op}: index must have as many dimensions as the input, got index "
                         f"shape {index.shape} and input shape {x.shape}")
    for d, n in enumerate(index.shape):
        if d != dim and n > x.shape[d]:
            raise ValueError(f"{op}: index shape {index.shape} is larger than input shape "
                             f"{x.shape} at dimension {d} (only dimension {dim} may be larger)")
    if src is not None:
        if src.ndim != index.ndim or any(n > s for n, s in zip(index.shape, src.shape)):
            raise ValueError(f"{op}: index shape {index.shape} must be no larger than src "
                             f"shape {src.shape} in every dimension")


def _as_1d(x: Tensor) -> Tensor:
    return x.reshape((1,))


# ---- Functions: named subclasses of getitem's pair, so errors name the op ------------------
# Error messages name an op by its class name in lower case: multi-word ops keep a "_".
class Gather(GetItem):
    __slots__ = ()


class IndexSelect(GetItem):
    __slots__ = ()


class TakeAlongDim(GetItem):
    __slots__ = ()


IndexSelect.__name__, TakeAlongDim.__name__ = "Index_Select", "Take_Along_Dim"


class Scatter(SetItem):
    """A copy of the input with ``src`` written at ``key`` (out of place): t[key] = src."""
    __slots__ = ()


class ScatterValue(SetItemNumber):
    """A copy of the input with the number ``value`` written at ``key``."""
    __slots__ = ()


class ScatterAdd(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, src, key, backend): return a + backend.scatter_add(a.shape, key, src)
    def backward(self, gy):
        x, src = self.inputs
        key, backend = self.args
        return (gy if x._rg else None), (apply1(Gather, gy, key, backend) if src._rg else None)


ScatterValue.__name__, ScatterAdd.__name__ = "Scatter", "Scatter_Add"


# ---- public functions ----------------------------------------------------------------------
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Values along ``dim`` at ``index`` (same ndim; no larger elsewhere): out[i][j] =
    input[index[i][j]][j] for dim=0; gradients are dense (``sparse_grad`` is accepted for
    PyTorch's signature). >>> x.gather(1, xg.tensor([[0], [2]]))"""
    require_tensor(input, "gather")
    index = index_tensor("gather", input, index)
    if input.ndim == 0:                      # a scalar counts as one element (PyTorch)
        if index.ndim > 1:
            raise ValueError(f"gather: index of shape {index.shape} for a 0-d input")
        normalize_axis(dim, 1, "gather")
        return gather(_as_1d(input), 0, index.reshape((-1,))).reshape(index.shape)
    dim = normalize_axis(dim, input.ndim, "gather")
    _check_index_shape("gather", input, index, dim, None)
    check_bounds("gather", input, index, input.shape[dim], dim)
    return apply1(Gather, input, along_key(input, index, dim), input._backend)


def _scatter_args(op: str, input: Any, dim: int, index: Any, src: Any) -> tuple:
    require_tensor(input, op)
    index = index_tensor(op, input, index)
    if isinstance(src, Tensor):
        if src._backend is not input._backend:
            raise RuntimeError(f"{op}: src is on {src.device} but the input is on "
                               f"{input.device}; move one with .to(device)")
        if src.dtype != input.dtype:
            raise TypeError(f"{op}: src has dtype {src.dtype} but the input has dtype "
                            f"{input.dtype}; convert one with .astype(...)")
    dim = normalize_axis(dim, max(input.ndim, 1), op)
    return index, dim


def _scalar_case(fn: Any, input: Tensor, dim: int, index: Tensor, src: Any) -> Tensor:
    """Run ``fn`` on 1-element views of a 0-d input (PyTorch treats scalars so)."""
    if index.ndim > 1 or (isinstance(src, Tensor) and src.ndim > 1):
        raise ValueError(f"{fn.__name__}: index of shape {index.shape} for a 0-d input")
    src = src.reshape((-1,)) if isinstance(src, Tensor) else src
    return fn(_as_1d(input), 0, index.reshape((-1,)), src).reshape(())


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or the number ``value``) written along
    ``dim`` at ``index``: out[index[i][j]][j] = src[i][j] for dim=0 (out of place).
    >>> x.scatter(1, xg.tensor([[0], [2]]), 0.0)"""
    if isinstance(src, NUMBER_TYPES):
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError("scatter: pass exactly one of src (a tensor) and value (a number)")
    if reduce is not None:
        if reduce == "add" and src is not None:
            return scatter_add(input, dim, index, src)
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported; use "
                                  "xg.scatter_add for reduce='add'")
    index, dim = _scatter_args("scatter", input, dim, index, src)
    if src is not None and not isinstance(src, Tensor):
        raise TypeError(f"scatter: src must be a Tensor or a number, got {type(src).__name__}")
    if value is not None and not isinstance(value, NUMBER_TYPES):
        raise TypeError(f"scatter: value must be a number, got {type(value).__name__}")
    if input.ndim == 0:
        return _scalar_case(scatter, input, dim, index,
                            src if src is not None else value)
    _check_index_shape("scatter", input, index, dim, src)
    check_bounds("scatter", input, index, input.shape[dim], dim)
    key = along_key(input, index, dim)
    if src is None:
        return apply1(ScatterValue, input, key, value, input._backend)
    return apply2(Scatter, input, _crop(src, index.shape), key, input._backend)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` plus ``src`` added along ``dim`` at ``index`` (repeats accumulate; out of
    place). >>> xg.zeros(3).scatter_add(0, xg.tensor([0, 0, 2]), xg.ones(3))"""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}")
    index, dim = _scatter_args("scatter_add", input, dim, index, src)
    if input.ndim == 0:
        return _scalar_case(scatter_add, input, dim, index, src)
    _check_index_shape("scatter_add", input, index, dim, src)
    check_bounds("scatter_add", input, index, input.shape[dim], dim)
    return apply2(ScatterAdd, input, _crop(src, index.shape), along_key(input, index, dim),
                  input._backend)


def _crop(src: Tensor, shape: tuple) -> Tensor:
    """The leading ``shape`` block of ``src`` (PyTorch lets src be larger than index)."""
    if src.shape == shape:
        return src
    return src[tuple(slice(0, n) for n in shape)]


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries of ``input`` at the 1-D ``index`` along ``dim``.
    >>> x.index_select(0, xg.tensor([2, 0]))"""
    require_tensor(input, "index_select")
    index = index_tensor("index_select", input, index)
    if index.ndim > 1:
        raise IndexError(f"index_select: index must be 0-d or 1-d, got shape {index.shape}")
    if input.ndim == 0:
        normalize_axis(dim, 1, "index_select")
        if index.size != 1:
            raise IndexError(f"index_select: a 0-d input takes one index, got {index.size}")
        return index_select(_as_1d(input), 0, index.reshape((1,))).reshape(())
    dim = normalize_axis(dim, input.ndim, "index_select")
    index = index.reshape((-1,))
    check_bounds("index_select", input, index, input.shape[dim], dim)
    key = (slice(None),) * dim + (index.data,)
    return apply1(IndexSelect, input, key, input._backend)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` after broadcasting input and indices outside ``dim`` (negative indices count
    from the end); dim=None works on the flattened tensors.
    >>> x.take_along_dim(x.argmax(1, keepdims=True), 1)"""
    require_tensor(input, "take_along_dim")
    indices = index_tensor("take_along_dim", input, indices, "indices")
    if dim is None:
        return take_along_dim(input.reshape((-1,)), indices.reshape((-1,)), 0)
    if input.ndim == 0:
        raise ValueError("take_along_dim: a 0-d input has no dimension to take along; "
                         "pass dim=None")
    if indices.ndim != input.ndim:
        raise ValueError(f"take_along_dim: input and indices need the same number of "
                         f"dimensions, got shapes {input.shape} and {indices.shape}")
    dim = normalize_axis(dim, input.ndim, "take_along_dim")
    shape = []
    for d, (a, b) in enumerate(zip(input.shape, indices.shape)):
        if d != dim and a != b and a != 1 and b != 1:
            raise ValueError(f"take_along_dim: shapes {input.shape} and {indices.shape} do not "
                             f"broadcast outside dimension {dim}")
        shape.append(a if d == dim else (b if a == 1 else a))
    n = input.shape[dim]
    if tuple(shape) != input.shape:
        input = input.broadcast_to(tuple(shape))
    if indices.size and n == 0:
        raise IndexError(f"take_along_dim: cannot take indices from an empty dimension {dim} "
                         f"(input shape {input.shape})")
    check_bounds("take_along_dim", input, indices, n, dim, negative_ok=True)
    key = run_kernel(input._backend, _broadcast_key, indices.data, dim, tuple(shape), n)
    return apply1(TakeAlongDim, input, key, input._backend)


def _broadcast_key(backend: Any, index: Any, dim: int, shape: tuple, n: int) -> tuple:
    target = shape[:dim] + (index.shape[dim],) + shape[dim + 1:]
    if index.shape != target:
        index = backend.xp.broadcast_to(index, target)
    return _along_key(backend, index, dim, len(shape), n)
