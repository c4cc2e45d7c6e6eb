"""Power-average (LP) pooling, max unpooling and the ``*_with_indices`` spellings, as
``torch.nn.functional`` (re-exported from ``nn.functional``).

LP pooling is PyTorch's composite: (sum over the window of x^p)^(1/p), computed as
``avg_pool(x^p) * prod(kernel)`` so ceil_mode windows cut at the edge behave as PyTorch's; p =
inf is the max of |x|. Max unpooling writes each value at its flat index (per (N, C) plane,
PyTorch's ``return_indices`` convention) into zeros: a scatter, whose gradient is a gather.

>>> y, idx = F.max_pool2d(x, 2, return_indices=True); F.max_unpool2d(y, idx, 2)  # x's maxima
>>> F.lp_pool2d(x, 2, 3, stride=2)           # the L2 norm of each 3 x 3 window
"""
from __future__ import annotations

import functools
import math
from typing import Any

from ..autograd.factories import zeros
from ..autograd.function import host_check
from ..autograd.ops.gather_ops import scatter
from ..autograd.tensor import Tensor
from .conv_args import check_floating, check_input, ntuple
from .pool_functional import (_adaptive_max, _avg_pool, _max_pool, max_pool1d, max_pool2d,
                              max_pool3d)

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d", "max_unpool2d",
           "max_unpool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices"]

_MAX_POOLS = {1: max_pool1d, 2: max_pool2d, 3: max_pool3d}


def _prod(values: Any) -> int:
    n = 1
    for v in values:
        n *= v
    return n


# ---- LP pooling --------------------------------------------------------------------------------
def _lp_pool(nd: int, op: str, input: Tensor, norm_type: Any, kernel_size: Any, stride: Any,
             ceil_mode: bool) -> Tensor:
    check_input(input, nd, op)
    check_floating(op, input)
    if isinstance(norm_type, bool) or not isinstance(norm_type, (int, float)) \
            or norm_type == 0 or math.isnan(norm_type):
        raise ValueError(f"{op}: norm_type must be a non-zero number (or +-inf), got "
                         f"norm_type={norm_type!r}")
    kernel = ntuple(kernel_size, nd, "kernel_size", op)
    if math.isinf(norm_type):
        pooled = _MAX_POOLS[nd](input.abs() if norm_type > 0 else -input.abs(), kernel_size,
                                stride, 0, 1, ceil_mode)
        return pooled if norm_type > 0 else -pooled
    out = _avg_pool(nd, op, input.pow(norm_type), kernel_size, stride, 0, ceil_mode, True, None)
    # sign * relu(|.|) as PyTorch: a window summing to 0 gets a zero gradient, not NaN
    return (out.sign() * out.abs().relu()).mul(_prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of (N, C, L) or (C, L) input: (sum of x^p over each window)^(1/p)
    (no padding; stride defaults to the kernel size).

    >>> F.lp_pool1d(x, 2, 3)        # the L2 norm of each window of 3
    """
    return _lp_pool(1, "lp_pool1d", input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of (N, C, H, W) or (C, H, W) input: (sum of x^p over each
    window)^(1/p); p = inf gives max pooling of |x|.

    >>> F.lp_pool2d(x, 2, (3, 2), stride=2)
    """
    return _lp_pool(2, "lp_pool2d", input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Tensor:
    """Power-average pooling of (N, C, D, H, W) or (C, D, H, W) input.

    >>> F.lp_pool3d(x, 1.5, 2)
    """
    return _lp_pool(3, "lp_pool3d", input, norm_type, kernel_size, stride, ceil_mode)


# ---- max unpooling -----------------------------------------------------------------------------
def unpool_output_size(op: str, input: Tensor, kernel: tuple, stride: tuple, padding: tuple,
                       output_size: Any) -> tuple:
    """PyTorch's _unpool_output_size: (in - 1) * stride - 2 * padding + kernel per dim, or
    ``output_size`` (nd sizes, or nd + 2 with N and C first) within one stride of it."""
    nd = len(kernel)
    default = tuple((input.shape[input.ndim - nd + d] - 1) * stride[d] + kernel[d]
                    - 2 * padding[d] for d in range(nd))
    if output_size is None:
        size = default
    else:
        size = tuple(int(s) for s in output_size)
        if len(size) == nd + 2:
            size = size[2:]
        if len(size) != nd:
            raise ValueError(f"{op}: output_size should be a sequence containing {nd} or "
                             f"{nd + 2} elements, but it has a length of '{len(size)}'")
        for d in range(nd):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < size[d] < high:
                raise ValueError(f'{op}: invalid output_size "{list(size)}" (dim {d} must be '
                                 f"between {low} and {high})")
    if any(s < 0 for s in size):
        raise ValueError(f"{op}: output_size must contain non-negative spatial dimensions, "
                         f"but got {size} (input shape {tuple(input.shape)})")
    return size


def _refuse_bad_index(index: Any, op: str, size: tuple) -> None:
    low, high = int(index.min()), int(index.max())
    if low < 0 or high >= _prod(size):
        bad = low if low < 0 else high
        raise RuntimeError(f"{op}: found an invalid max index {bad} (output volumes are of "
                           f"size {' x '.join(str(s) for s in size)})")


def _max_unpool(nd: int, op: str, input: Tensor, indices: Any, kernel_size: Any, stride: Any,
                padding: Any, output_size: Any) -> Tensor:
    check_input(input, nd, op)
    check_floating(op, input)
    if not isinstance(indices, Tensor) or not indices.dtype.is_integer:
        raise TypeError(f"{op}: indices must be an integer Tensor (the indices of "
                        f"max_pool{nd}d(..., return_indices=True)), got "
                        f"{getattr(indices, 'dtype', type(indices).__name__)}")
    if indices._backend is not input._backend:
        raise RuntimeError(f"{op}: expected input and indices on the same device, but found "
                           f"{input.device} and {indices.device}")
    if tuple(indices.shape) != tuple(input.shape):
        raise ValueError(f"{op}: expected shape of indices to be same as that of the input "
                         f"tensor ({tuple(input.shape)}) but got indices tensor with shape "
                         f"{tuple(indices.shape)}")
    kernel = ntuple(kernel_size, nd, "kernel_size", op)
    stride = kernel if stride is None else ntuple(stride, nd, "stride", op)
    pad = ntuple(padding, nd, "padding", op)
    size = unpool_output_size(op, input, kernel, stride, pad, output_size)
    backend = input._backend
    if backend.kind == "numpy" and indices.size:       # read back only where it costs no sync
        host_check(backend, functools.partial(_refuse_bad_index, op=op, size=size),
                   indices.data)
    lead = tuple(input.shape[:input.ndim - nd])
    canvas = zeros(*(lead + (_prod(size),)), dtype=input.dtype, device=input.device)
    plane = lead + (_prod(input.shape[input.ndim - nd:]),)
    out = scatter(canvas, -1, indices.reshape(plane), input.reshape(plane))
    return out.reshape(lead + size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of max_pool1d: each value of (N, C, L) input written at its index
    of ``max_pool1d(..., return_indices=True)`` into zeros of length
    (L - 1) * stride - 2 * padding + kernel_size (or ``output_size``).

    >>> F.max_unpool1d(*F.max_pool1d(x, 2, return_indices=True), 2)
    """
    return _max_unpool(1, "max_unpool1d", input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of max_pool2d: values of (N, C, H, W) input written at their flat
    indices h * W_out + w into zeros (non-maxima are 0).

    >>> F.max_unpool2d(y, idx, 2, output_size=x.shape)
    """
    return _max_unpool(2, "max_unpool2d", input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """The partial inverse of max_pool3d on (N, C, D, H, W) input.

    >>> F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2)
    """
    return _max_unpool(3, "max_unpool3d", input, indices, kernel_size, stride, padding,
                       output_size)


# ---- the *_with_indices spellings (always a pair, as PyTorch's) --------------------------------
def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple:
    """max_pool1d's (values, int64 indices). >>> y, idx = F.max_pool1d_with_indices(x, 2)"""
    return _max_pool(1, "max_pool1d_with_indices", input, kernel_size, stride, padding,
                     dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple:
    """max_pool2d's (values, int64 indices). >>> y, idx = F.max_pool2d_with_indices(x, 2)"""
    return _max_pool(2, "max_pool2d_with_indices", input, kernel_size, stride, padding,
                     dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size: Any, stride: Any = None,
                            padding: Any = 0, dilation: Any = 1, ceil_mode: bool = False,
                            return_indices: bool = False) -> tuple:
    """max_pool3d's (values, int64 indices). >>> y, idx = F.max_pool3d_with_indices(x, 2)"""
    return _max_pool(3, "max_pool3d_with_indices", input, kernel_size, stride, padding,
                     dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple:
    """adaptive_max_pool1d's (values, indices). >>> F.adaptive_max_pool1d_with_indices(x, 4)"""
    return _adaptive_max(1, "adaptive_max_pool1d_with_indices", input, output_size, True)


def adaptive_max_pool2d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple:
    """adaptive_max_pool2d's (values, indices). >>> F.adaptive_max_pool2d_with_indices(x, 3)"""
    return _adaptive_max(2, "adaptive_max_pool2d_with_indices", input, output_size, True)


def adaptive_max_pool3d_with_indices(input: Tensor, output_size: Any,
                                     return_indices: bool = False) -> tuple:
    """adaptive_max_pool3d's (values, indices). >>> F.adaptive_max_pool3d_with_indices(x, 2)"""
    return _adaptive_max(3, "adaptive_max_pool3d_with_indices", input, output_size, True)
