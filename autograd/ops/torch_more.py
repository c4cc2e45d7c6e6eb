"""PyTorch's remaining top-level spellings over existing ops: comparison and arithmetic
aliases (greater, multiply, ...), tensor queries (is_signed, is_nonzero, ...), factories
(scalar_tensor, range, asarray, empty_strided), the split variants, the ``*_copy`` forms of
the view ops (a copy, differentiable as the view), the in-place function forms
(``xg.sin_(x)`` is ``x.sin_()``), and index_put_, put, index_reduce, nonzero_static,
norm_except_dim, angle.

``TENSOR_METHODS`` adds ``put``, ``put_``, ``index_reduce``, ``index_reduce_``,
``split_with_sizes`` and the DLPack protocol (``__dlpack__``, ``__dlpack_device__``),
installed by ops/__init__."""
from __future__ import annotations

import builtins
import math
from typing import Any, Callable, Sequence

from ...backends import get_backend
from ...dtypes import as_dtype, bool_, float32, int64
from ..factories import full, get_default_dtype, tensor, zeros_like
from ..factories_extra import empty
from ..tensor import Tensor, make_tensor
from ._util import as_operand, link_zero_grad, normalize_axis, require_tensor
from .arithmetic import mul, neg, sub, where
from .comparison import ge, gt, le, lt, ne
from .elementwise import clone
from .shape import broadcast_to, concat, split

_builtin_range = builtins.range

__all__ = [
    "greater", "greater_equal", "less", "less_equal", "not_equal", "multiply", "subtract",
    "negative", "positive", "row_stack", "detach", "detach_", "fill", "fill_", "zero_",
    "is_complex", "is_signed", "is_nonzero", "is_same_size", "is_conj", "is_neg",
    "is_inference", "conj_physical", "conj_physical_",
    "scalar_tensor", "range", "asarray", "empty_strided", "empty_permuted",
    "split_with_sizes", "unsafe_split", "unsafe_split_with_sizes", "unsafe_chunk",
    "index_put_", "put", "index_reduce", "nonzero_static", "norm_except_dim", "angle",
]

greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
multiply, negative = mul, neg


def subtract(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other`` (torch.subtract). >>> xg.subtract(x, y, alpha=2)"""
    return sub(input, other, alpha=alpha)


def positive(input: Tensor) -> Tensor:
    """``input`` itself (torch.positive; refused for bool). >>> xg.positive(x) is x"""
    require_tensor(input, "positive")
    if input.dtype.is_bool:
        raise TypeError("positive: the unary + is not supported for bool tensors")
    return input


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """torch.row_stack, the same as vstack. >>> xg.row_stack([a, b])"""
    from .shape_tile import vstack
    return vstack(tensors)


# ---- graph and filling ---------------------------------------------------------------------
def detach(input: Tensor) -> Tensor:
    """``input.detach()``: the same values cut from the graph. >>> xg.detach(y)"""
    require_tensor(input, "detach")
    return input.detach()


def detach_(input: Tensor) -> Tensor:
    """``input.detach_()``: make ``input`` a leaf in place. >>> xg.detach_(y)"""
    require_tensor(input, "detach_")
    return input.detach_()


def fill(input: Tensor, value: Any) -> Tensor:
    """A new tensor like ``input`` filled with ``value`` (a number or a 0-d tensor, whose
    gradient is the sum of the result's). >>> xg.fill(xg.zeros(2), 3.0)    # [3., 3.]"""
    require_tensor(input, "fill")
    v = as_operand(value, input)
    if v.ndim != 0:
        raise ValueError(f"fill: value must be a number or a 0-d tensor, got shape {v.shape}")
    everywhere = full(tuple(input.shape), True, dtype=bool_, device=input._backend)
    return where(everywhere, v.astype(input.dtype), input)      # input: a zero gradient


def fill_(input: Tensor, value: Any) -> Tensor:
    """``input.fill_(value)``. >>> xg.fill_(x, 0.5)"""
    require_tensor(input, "fill_")
    return input.fill_(value)


def zero_(input: Tensor) -> Tensor:
    """``input.zero_()``. >>> xg.zero_(x)"""
    require_tensor(input, "zero_")
    return input.zero_()


# ---- queries ---------------------------------------------------------------------------------
def is_complex(input: Tensor) -> bool:
    """False: xpgrad has no complex dtypes. >>> xg.is_complex(x)"""
    require_tensor(input, "is_complex")
    return False


def is_conj(input: Tensor) -> bool:
    """False: no tensor is a lazily conjugated view here. >>> xg.is_conj(x)"""
    require_tensor(input, "is_conj")
    return False


def is_neg(input: Tensor) -> bool:
    """False: no tensor is a lazily negated view here. >>> xg.is_neg(x)"""
    require_tensor(input, "is_neg")
    return False


def is_inference(input: Tensor) -> bool:
    """False: inference_mode makes ordinary tensors here. >>> xg.is_inference(x)"""
    require_tensor(input, "is_inference")
    return False


def conj_physical(input: Tensor) -> Tensor:
    """The conjugate as a new tensor: a copy for real dtypes (the only ones here).
    >>> xg.conj_physical(x)"""
    require_tensor(input, "conj_physical")
    return clone(input)


def conj_physical_(input: Tensor) -> Tensor:
    """In-place conj_physical: nothing to change for real dtypes. >>> xg.conj_physical_(x)"""
    require_tensor(input, "conj_physical_")
    return input


def is_signed(input: Tensor) -> bool:
    """Whether the dtype holds negative numbers (floats, int8...int64; not uint8, bool).
    >>> xg.is_signed(xg.zeros(2))        # True"""
    require_tensor(input, "is_signed")
    return not (input.dtype.is_bool or input.dtype.name.startswith("uint"))


def is_nonzero(input: Tensor) -> bool:
    """Whether a one-element tensor is not zero (an error for other sizes), as torch's.
    >>> xg.is_nonzero(xg.tensor([1.5]))   # True"""
    require_tensor(input, "is_nonzero")
    if input.numel() != 1:
        raise RuntimeError(f"is_nonzero: a tensor with {input.numel()} elements (shape "
                           f"{input.shape}) has no single truth value")
    return bool(input.item() != 0)


def is_same_size(input: Tensor, other: Tensor) -> bool:
    """Whether both tensors have the same shape. >>> xg.is_same_size(x, y)"""
    require_tensor(input, "is_same_size")
    require_tensor(other, "is_same_size")
    return tuple(input.shape) == tuple(other.shape)


# ---- factories -------------------------------------------------------------------------------
def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    """A 0-d tensor of ``s`` in the default float dtype unless ``dtype`` is given (ints too,
    as torch's). >>> xg.scalar_tensor(3)          # tensor(3.)"""
    return tensor(float(s) if dtype is None else s, dtype=dtype or get_default_dtype(),
                  device=device, requires_grad=requires_grad)


def range(start: float, end: float, step: float = 1, *, dtype: Any = None,  # noqa: A001
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """torch.range (deprecated there, in favour of arange): ``start, start + step, ...`` up
    to and including ``end``, in the default float dtype unless given.
    >>> xg.range(1, 4)        # tensor([1., 2., 3., 4.])"""
    if step == 0:
        raise ValueError("range: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"range: upper bound and larger bound inconsistent with step sign "
                         f"(start {start}, end {end}, step {step})")
    count = int(math.floor((end - start) / step)) + 1
    values = [start + i * step for i in _builtin_range(count)]
    return tensor(values, dtype=dtype or get_default_dtype(), device=device,
                  requires_grad=requires_grad)



def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """A tensor of ``obj``, sharing memory when it can (a tensor of the right dtype and
    device is returned as is unless ``copy=True``; a host array on the CPU is not copied
    unless it must be converted). >>> xg.asarray([1, 2])"""
    from ..factories import as_tensor
    if isinstance(obj, Tensor):
        same = ((dtype is None or as_dtype(dtype) == obj.dtype)
                and (device is None or get_backend(device) is obj._backend))
        if same and not copy:
            out = obj
        else:
            out = tensor(obj, dtype=dtype or obj.dtype, device=device or obj._backend)
    elif copy:
        out = tensor(obj, dtype=dtype, device=device)
    elif _shareable(obj, dtype, device):
        out = make_tensor(obj, get_backend(device), False, None)
    else:
        out = as_tensor(obj, dtype=dtype, device=device)
    return out.requires_grad_(True) if requires_grad and not out.requires_grad else out


def _shareable(obj: Any, dtype: Any, device: Any) -> bool:
    """Whether ``obj`` is already an array of ``device``'s backend in a dtype we can use."""
    backend = get_backend(device)
    if not isinstance(obj, backend.array_type):
        return False
    try:
        have = backend.dtype_of(obj)
    except (TypeError, KeyError, ValueError):
        return False
    return dtype is None or as_dtype(dtype) == have


def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: Any = None,
                  device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``size``; the strides are accepted and checked for length
    only (memory layout is the backend's business). >>> xg.empty_strided((2, 3), (3, 1))"""
    if len(tuple(stride)) != len(tuple(size)):
        raise ValueError(f"empty_strided: size {tuple(size)} and stride {tuple(stride)} must "
                         "have the same length")
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_permuted(size: Sequence[int], physical_layout: Sequence[int], *, dtype: Any = None,
                   device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of ``size`` (``physical_layout``, a permutation, is checked
    and otherwise left to the backend). >>> xg.empty_permuted((2, 3), (1, 0))"""
    if sorted(physical_layout) != list(_builtin_range(len(tuple(size)))):
        raise ValueError(f"empty_permuted: physical_layout {tuple(physical_layout)} is not a "
                         f"permutation of the {len(tuple(size))} dimensions")
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


# ---- splits ----------------------------------------------------------------------------------
def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """Pieces of the given sizes along ``dim`` (they must add up to its length).
    >>> a, b = xg.split_with_sizes(xg.arange(5), [2, 3])"""
    require_tensor(input, "split_with_sizes")
    d = normalize_axis(dim, input.ndim, "split_with_sizes")
    sizes = [int(s) for s in split_sizes]
    if sum(sizes) != input.shape[d] or any(s < 0 for s in sizes):
        raise ValueError(f"split_with_sizes: sizes {sizes} must be non-negative and add up to "
                         f"{input.shape[d]}, the length of dimension {dim} of shape "
                         f"{input.shape}")
    return tuple(split(input, sizes, d))


def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:
    """torch.unsafe_split: ``split`` (the pieces never alias here).
    >>> xg.unsafe_split(x, 2)"""
    return tuple(split(input, split_size, dim))


def unsafe_split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """torch.unsafe_split_with_sizes: ``split_with_sizes``. >>> xg.unsafe_split_with_sizes(x,
    [1, 2])"""
    return split_with_sizes(input, split_sizes, dim)


def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """torch.unsafe_chunk: ``chunk``. >>> xg.unsafe_chunk(x, 3)"""
    from .shape_views import chunk
    return tuple(chunk(input, chunks, dim))


# ---- indexing --------------------------------------------------------------------------------
def index_put_(input: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """``input.index_put_(indices, values, accumulate)``. >>> xg.index_put_(x, (i,), v)"""
    require_tensor(input, "index_put_")
    return input.index_put_(indices, values, accumulate)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written at the flat positions ``index`` (added,
    repeats summing, with ``accumulate``); differentiable in input and source.
    >>> xg.put(xg.zeros(2, 2), xg.tensor([3]), xg.tensor([1.0]))   # [[0, 0], [0, 1]]"""
    from .extra_scatter import index_put
    require_tensor(input, "put")
    require_tensor(index, "put")
    src = as_operand(source, input)
    if index.numel() != src.numel():
        raise ValueError(f"put: index ({index.numel()} elements) and source ({src.numel()} "
                         "elements) must have the same number of elements")
    n = input.numel()
    flat_index = index.reshape(-1).astype(int64)
    flat_index = where(flat_index < 0, flat_index + n, flat_index)
    out = index_put(input.reshape(-1), (flat_index,), src.reshape(-1).astype(input.dtype),
                    accumulate)
    return out.reshape(input.shape)


def _put_(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """In place ``put``: ``x.put_(index, source)``."""
    return self._write_result("put_()", lambda t: put(t, index, source, accumulate), source)


def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True) -> Tensor:
    """Combine slices of ``source`` into ``input`` at ``index`` along ``dim`` with
    'prod', 'mean', 'amax' or 'amin' (torch.index_reduce), through scatter_reduce.
    >>> xg.index_reduce(x, 0, xg.tensor([0, 0]), src, "amax")"""
    from .extra_scatter import scatter_reduce
    require_tensor(input, "index_reduce")
    require_tensor(index, "index_reduce")
    require_tensor(source, "index_reduce")
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise ValueError(f"index_reduce: reduce must be 'prod', 'mean', 'amax' or 'amin', got "
                         f"{reduce!r}")
    d = normalize_axis(dim, input.ndim, "index_reduce")
    if index.ndim != 1 or source.ndim != input.ndim or source.shape[d] != index.shape[0]:
        raise ValueError(f"index_reduce: index of shape {index.shape} and source of shape "
                         f"{source.shape} do not match input of shape {input.shape} along "
                         f"dim {dim}")
    shape = [1] * source.ndim
    shape[d] = index.shape[0]
    full_index = broadcast_to(index.astype(int64).reshape(shape), source.shape)
    return scatter_reduce(input, d, full_index, source, reduce, include_self=include_self)


def _index_reduce_(self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """In place ``index_reduce``."""
    return self._write_result("index_reduce_()", lambda t: index_reduce(
        t, dim, index, source, reduce, include_self=include_self), source)


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """The (n, ndim) indices of the non-zero elements, cut or padded with ``fill_value`` to
    exactly ``size`` rows. >>> xg.nonzero_static(xg.tensor([0, 3, 5]), size=3)"""
    require_tensor(input, "nonzero_static")
    found = input.nonzero()
    rows = found.shape[0]
    if rows >= size:
        return found[:size]
    pad = full((size - rows, found.shape[1]), fill_value, dtype=int64, device=input._backend)
    return concat([found, pad], 0)


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:  # noqa: A002
    """The ``pow``-norm over every dimension but ``dim``, kept as size-1 dimensions
    (``dim=-1``: over all of v), as weight_norm uses it. >>> xg.norm_except_dim(w, 2, 0)"""
    from .linalg_norms import vector_norm
    require_tensor(v, "norm_except_dim")
    if dim == -1:
        return vector_norm(v, pow)
    d = normalize_axis(dim, v.ndim, "norm_except_dim")
    others = tuple(i for i in _builtin_range(v.ndim) if i != d)
    return vector_norm(v, pow, others, True) if others else v.abs()


def angle(input: Tensor) -> Tensor:
    """The argument of each (real) element: 0 for x >= 0, pi for x < 0, NaN kept; zero
    gradient, as torch's for real input. >>> xg.angle(xg.tensor([-2.0, 3.0]))   # [pi, 0]"""
    require_tensor(input, "angle")
    x = input if input.dtype.is_floating else input.astype(float32)
    xd = x.detach()
    out = where(xd != xd, xd, where(xd < 0, math.pi, zeros_like(xd)))
    return link_zero_grad(out, x)


def _dlpack(self: Tensor, **kwargs: Any) -> Any:
    """The DLPack protocol: ``np.from_dlpack(t)``, ``torch.from_dlpack(t)`` share memory."""
    return self.data.__dlpack__(**kwargs)


def _dlpack_device(self: Tensor) -> Any:
    return self.data.__dlpack_device__()


TENSOR_METHODS: dict[str, Callable] = {
    "put": put, "put_": _put_, "index_reduce": index_reduce, "index_reduce_": _index_reduce_,
    "split_with_sizes": split_with_sizes, "__dlpack__": _dlpack,
    "__dlpack_device__": _dlpack_device,
}
