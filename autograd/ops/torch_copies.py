"""The ``*_copy`` forms of PyTorch's view ops (view_copy, permute_copy, ..., unfold_copy):
the view's values in a fresh array, differentiable exactly as the view; as_strided (and its
copy and scatter forms) over the tensor's elements in row-major order; and the in-place
function forms of the ``*_`` Tensor methods (``xg.sin_(x)`` is ``x.sin_()``)."""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from ...dtypes import int64
from ..factories import arange, full
from ..tensor import Tensor
from ._util import normalize_axis, require_tensor
from .elementwise import clone
from .shape import split, squeeze, transpose, unsqueeze

__all__ = [
    "view_copy", "permute_copy", "expand_copy", "transpose_copy", "t_copy", "squeeze_copy",
    "unsqueeze_copy", "diagonal_copy", "select_copy", "slice_copy", "unbind_copy",
    "split_copy", "split_with_sizes_copy", "narrow_copy", "alias_copy", "detach_copy",
    "unfold_copy", "as_strided", "as_strided_copy", "as_strided_scatter",
]


def view_copy(input: Tensor, size: Sequence[int]) -> Tensor:
    """A copy of ``input.view(size)``. >>> xg.view_copy(x, (2, -1))"""
    require_tensor(input, "view_copy")
    return clone(input.reshape(*size))


def permute_copy(input: Tensor, dims: Sequence[int]) -> Tensor:
    """A copy of ``input.permute(dims)``. >>> xg.permute_copy(x, (1, 0))"""
    require_tensor(input, "permute_copy")
    return clone(input.permute(*dims))


def expand_copy(input: Tensor, size: Sequence[int], *, implicit: bool = False) -> Tensor:
    """A copy of ``input.expand(size)`` (a real array, not a broadcast view).
    >>> xg.expand_copy(xg.ones(1, 3), (2, 3))"""
    require_tensor(input, "expand_copy")
    return clone(input.expand(*size))


def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A copy of ``input.transpose(dim0, dim1)``. >>> xg.transpose_copy(x, 0, 1)"""
    require_tensor(input, "transpose_copy")
    return clone(transpose(input, dim0, dim1))


def t_copy(input: Tensor) -> Tensor:
    """A copy of ``input.t()``. >>> xg.t_copy(x)"""
    require_tensor(input, "t_copy")
    return clone(input.t())


def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:
    """A copy of ``input.squeeze(dim)``. >>> xg.squeeze_copy(xg.ones(1, 3))"""
    require_tensor(input, "squeeze_copy")
    return clone(squeeze(input, dim))


def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:
    """A copy of ``input.unsqueeze(dim)``. >>> xg.unsqueeze_copy(x, 0)"""
    require_tensor(input, "unsqueeze_copy")
    return clone(unsqueeze(input, dim))


def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``xg.diagonal(input, offset, dim1, dim2)``. >>> xg.diagonal_copy(xg.eye(2))"""
    from .shape_diag import diagonal
    require_tensor(input, "diagonal_copy")
    return clone(diagonal(input, offset, dim1, dim2))


def select_copy(input: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input.select(dim, index)``. >>> xg.select_copy(x, 0, 1)"""
    from .extra_shape import select
    require_tensor(input, "select_copy")
    return clone(select(input, dim, index))


def slice_copy(input: Tensor, dim: int = 0, start: int | None = None, end: int | None = None,
               step: int = 1) -> Tensor:
    """A copy of ``input[start:end:step]`` along ``dim``. >>> xg.slice_copy(x, 1, 0, 2)"""
    require_tensor(input, "slice_copy")
    d = normalize_axis(dim, input.ndim, "slice_copy")
    if step <= 0:
        raise ValueError(f"slice_copy: step must be positive, got {step}")
    key = (slice(None),) * d + (slice(start, end, step),)
    return clone(input[key])


def unbind_copy(input: Tensor, dim: int = 0) -> tuple:
    """Copies of ``input.unbind(dim)``. >>> xg.unbind_copy(x)"""
    require_tensor(input, "unbind_copy")
    return tuple(clone(t) for t in input.unbind(dim))


def split_copy(input: Tensor, split_size: Any, dim: int = 0) -> tuple:
    """Copies of ``xg.split(input, split_size, dim)``. >>> xg.split_copy(x, 2)"""
    require_tensor(input, "split_copy")
    return tuple(clone(t) for t in split(input, split_size, dim))


def split_with_sizes_copy(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple:
    """Copies of ``xg.split_with_sizes(input, split_sizes, dim)``.
    >>> xg.split_with_sizes_copy(x, [1, 2])"""
    from .torch_more import split_with_sizes
    return tuple(clone(t) for t in split_with_sizes(input, split_sizes, dim))


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """A copy of ``input.narrow(dim, start, length)``. >>> xg.narrow_copy(x, 0, 1, 2)"""
    require_tensor(input, "narrow_copy")
    return clone(input.narrow(dim, start, length))


def alias_copy(input: Tensor) -> Tensor:
    """A copy of ``input`` (torch's alias, copied). >>> xg.alias_copy(x)"""
    require_tensor(input, "alias_copy")
    return clone(input)


def detach_copy(input: Tensor) -> Tensor:
    """A copy of ``input.detach()``. >>> xg.detach_copy(y)"""
    require_tensor(input, "detach_copy")
    return clone(input.detach())


def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """A copy of ``input.unfold(dimension, size, step)``. >>> xg.unfold_copy(x, 0, 2, 1)"""
    require_tensor(input, "unfold_copy")
    return clone(input.unfold(dimension, size, step))


# ---- as_strided -------------------------------------------------------------------------------
def _strided_index(op: str, input: Tensor, size: Sequence[int], stride: Sequence[int],
                   storage_offset: int | None) -> Tensor:
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    offset = int(storage_offset or 0)
    if len(size) != len(stride):
        raise ValueError(f"{op}: size {size} and stride {stride} must have the same length")
    if any(s < 0 for s in size) or any(s < 0 for s in stride) or offset < 0:
        raise ValueError(f"{op}: size, stride and storage_offset must be non-negative, got "
                         f"{size}, {stride}, {offset}")
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if math.prod(size) else 0
    if last >= max(input.numel(), 1) or (math.prod(size) and input.numel() == 0):
        raise ValueError(f"{op}: size {size}, stride {stride} and offset {offset} reach "
                         f"element {last}, beyond the {input.numel()} elements of shape "
                         f"{input.shape}")
    index = full((1,) * len(size), offset, dtype=int64, device=input._backend)
    for axis, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[axis] = n
        index = index + (arange(n, dtype=int64, device=input._backend) * s).reshape(shape)
    return index


def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int],
               storage_offset: int | None = None) -> Tensor:
    """The elements ``flat[offset + sum(i_k * stride_k)]`` of input's row-major elements,
    shaped ``size`` (torch reads its storage, the same for a contiguous tensor); a copy
    here, differentiable (overlapping windows add their gradients).
    >>> xg.as_strided(xg.arange(6.0), (2, 2), (1, 2))     # [[0, 2], [1, 3]]"""
    require_tensor(input, "as_strided")
    index = _strided_index("as_strided", input, size, stride, storage_offset)
    return input.reshape(-1)[index]


as_strided_copy = as_strided


def as_strided_scatter(input: Tensor, src: Tensor, size: Sequence[int], stride: Sequence[int],
                       storage_offset: int | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` written where ``as_strided(input, size, stride,
    storage_offset)`` reads. >>> xg.as_strided_scatter(xg.zeros(4), xg.ones(2), (2,), (2,))"""
    from .extra_scatter import index_put
    require_tensor(input, "as_strided_scatter")
    require_tensor(src, "as_strided_scatter")
    index = _strided_index("as_strided_scatter", input, size, stride, storage_offset)
    if tuple(src.shape) != tuple(index.shape):
        raise ValueError(f"as_strided_scatter: src of shape {src.shape} must have the shape "
                         f"{tuple(index.shape)} of the strided view")
    out = index_put(input.reshape(-1), (index.reshape(-1),), src.reshape(-1).astype(input.dtype))
    return out.reshape(input.shape)


# ---- in-place function forms ------------------------------------------------------------------
INPLACE_NAMES: tuple = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_",
    "arctan_", "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_",
    "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_",
    "exp2_", "exp_", "expm1_", "fix_", "floor_", "frac_", "gcd_", "i0_", "lcm_", "ldexp_",
    "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_",
    "rad2deg_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_",
    "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_",
)


def _inplace_function(name: str) -> Callable:
    method = "neg_" if name == "negative_" else name

    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        require_tensor(input, name)
        return getattr(input, method)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"``input.{method}(...)``: the in-place form, as torch.{name}.\n"
                  f"    >>> xg.{name}(x)          # x changed and returned")
    return fn


for _name in INPLACE_NAMES:
    globals()[_name] = _inplace_function(_name)
__all__ += list(INPLACE_NAMES)
