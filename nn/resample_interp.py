"""``F.interpolate`` (and the deprecated ``F.upsample*``), as torch.nn.functional: nearest,
nearest-exact, linear / bilinear / trilinear, bicubic and area resampling of (N, C, *spatial)
inputs with 1 to 3 spatial axes.

Every mode but area is separable: each spatial axis is resampled in turn by one gather
(``index_select`` with the taps of all output positions) and, for the interpolating modes, a
weighted sum over the taps. The index and weight tables come from ``resample_tables``, on the
input's device; the gradient is the gather's scatter-add, so gradients of every order exist.
Area is adaptive average pooling, as in PyTorch.

>>> F.interpolate(x, scale_factor=2, mode="bilinear")           # (N, C, H, W) -> (N, C, 2H, 2W)
>>> F.interpolate(x, size=(3, 5), mode="bicubic", align_corners=True)
"""
from __future__ import annotations

import math
import warnings
from typing import Any

from ..autograd.function import run_kernel
from ..autograd.ops import index_select
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor, make_tensor
from ..dtypes import float32, float64
from .pool_functional import adaptive_avg_pool1d, adaptive_avg_pool2d
from .resample_tables import (antialias_table, cubic_table, linear_table, nearest_table,
                              source_scale)

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area")
# the interpolating modes and the one input rank each accepts
_LINEAR_RANK = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
_RANK_NAMES = {3: "3D", 4: "4D", 5: "5D"}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _output_geometry(input: Tensor, size: Any, scale_factor: Any,
                     recompute_scale_factor: Any, mode: str) -> tuple:
    """(output sizes, scale factors or None per axis), validated as PyTorch does."""
    dim = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(f"interpolate: input and output must have the same number of "
                                 f"spatial dimensions, but got input with spatial dimensions "
                                 f"of {spatial} and output size of {tuple(size)}")
            sizes = list(size)
        else:
            sizes = [size] * dim
        if not all(_is_int(s) for s in sizes):
            raise TypeError(f"interpolate: expected size to be an int or a tuple of {dim} "
                            f"ints, got {size!r}")
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                             "explicit size.")
        return _checked(input, sizes, mode), [None] * dim
    if scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError(f"interpolate: input and scale_factor must have the same number "
                             f"of spatial dimensions, but got input with spatial dimensions "
                             f"of {spatial} and scale_factor of {tuple(scale_factor)}")
        scales = list(scale_factor)
    else:
        scales = [scale_factor] * dim
    if not all(_is_number(s) and math.isfinite(s) for s in scales):
        raise TypeError(f"interpolate: expected scale_factor to be a number or a tuple of "
                        f"{dim} numbers, got {scale_factor!r}")
    scales = [float(s) for s in scales]
    sizes = [int(n * s) for n, s in zip(spatial, scales)]     # PyTorch truncates
    if recompute_scale_factor or mode == "area":
        scales = [None] * dim            # the coordinates follow the integer sizes alone
    return _checked(input, sizes, mode), scales


def _checked(input: Tensor, sizes: list, mode: str) -> list:
    if any(s <= 0 for s in sizes) or any(n <= 0 for n in input.shape[2:]):
        raise ValueError(f"interpolate ({mode}): input and output sizes should be greater "
                         f"than 0, but got input of shape {tuple(input.shape)} and output "
                         f"size {tuple(sizes)}")
    return sizes


def _check_mode(input: Tensor, mode: Any, align_corners: Any, antialias: bool) -> bool:
    """Validate mode against the rank; returns the effective align_corners."""
    if mode not in MODES:
        raise ValueError(f"interpolate: unknown mode {mode!r}; expected one of "
                         f"{' | '.join(MODES)}")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError("interpolate: align_corners option can only be set with the "
                             "interpolating modes: linear | bilinear | bicubic | trilinear")
        align_corners = False
    elif align_corners is None:
        align_corners = False
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"interpolate: only 3D, 4D and 5D input tensors are "
                                  f"supported (N, C, *spatial), got input of shape "
                                  f"{tuple(input.shape)} for mode {mode!r}")
    rank = _LINEAR_RANK.get(mode)
    if rank is not None and input.ndim != rank:
        raise NotImplementedError(f"interpolate: got {_RANK_NAMES[input.ndim]} input of shape "
                                  f"{tuple(input.shape)}, but {mode} mode needs "
                                  f"{_RANK_NAMES[rank]} input")
    if antialias and not (mode in ("bilinear", "bicubic") and input.ndim == 4):
        raise ValueError("interpolate: anti-alias option is restricted to bilinear and "
                         "bicubic modes and requires a 4-D tensor as input")
    if rank is not None and not input.dtype.is_floating:
        raise TypeError(f"interpolate: mode {mode!r} needs a floating-point input, got "
                        f"{input.dtype} of shape {tuple(input.shape)}")
    return bool(align_corners)


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resample the spatial axes of an (N, C, *spatial) tensor to ``size`` or by
    ``scale_factor`` (int/float or one per axis), as ``torch.nn.functional.interpolate``.

    >>> F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    """
    require_tensor(input, "interpolate")
    align_corners = _check_mode(input, mode, align_corners, antialias)
    sizes, scales = _output_geometry(input, size, scale_factor, recompute_scale_factor, mode)
    if mode == "area":
        return _area(input, sizes)
    x = input
    for i, (n_out, scale) in enumerate(zip(sizes, scales)):
        if antialias:
            x = _antialias_axis(x, 2 + i, n_out, scale, mode == "bicubic", align_corners)
        else:
            x = _resample_axis(x, 2 + i, n_out, scale, mode, align_corners)
    return x if x is not input else input.clone()


def _antialias_axis(x: Tensor, axis: int, n_out: int, scale: float | None, cubic: bool,
                    align_corners: bool) -> Tensor:
    """x resampled along one axis with the antialiasing filter (a weighted gather)."""
    backend = x._backend
    step = source_scale(x.shape[axis], n_out, align_corners, scale, False)
    index, weights = run_kernel(backend, antialias_table, x.shape[axis], n_out, step, cubic,
                                x.dtype, x.ndim - axis - 1)
    taps = weights.shape[0]
    picked = index_select(x, axis, make_tensor(index, backend, False, None))
    picked = picked.reshape(x.shape[:axis] + (taps, n_out) + x.shape[axis + 1:])
    return (picked * make_tensor(weights, backend, False, None)).sum(axis)


def _resample_axis(x: Tensor, axis: int, n_out: int, scale: float | None, mode: str,
                   align_corners: bool) -> Tensor:
    """x resampled along one axis (x itself where the map is the identity)."""
    n_in = x.shape[axis]
    backend = x._backend
    if mode in ("nearest", "nearest-exact"):
        if n_out == n_in and scale in (None, 1.0):
            return x
        step = source_scale(n_in, n_out, False, scale, True)
        index = run_kernel(backend, nearest_table, n_in, n_out, step, mode == "nearest-exact")
        return index_select(x, axis, make_tensor(index, backend, False, None))
    cubic = mode == "bicubic"
    if n_out == n_in and (not cubic or scale in (None, 1.0)):
        return x                          # PyTorch copies (linear modes, or a unit step)
    single = x.dtype is not float64       # PyTorch's opmath: float for float32/16
    step = source_scale(n_in, n_out, align_corners, scale, single)
    table = cubic_table if cubic else linear_table
    index, weights = run_kernel(backend, table, n_in, n_out, step, align_corners,
                                float32 if single else float64, x.dtype, x.ndim - axis - 1)
    taps = 4 if cubic else 2
    picked = index_select(x, axis, make_tensor(index, backend, False, None))
    picked = picked.reshape(x.shape[:axis] + (taps, n_out) + x.shape[axis + 1:])
    return (picked * make_tensor(weights, backend, False, None)).sum(axis)


def _area(input: Tensor, sizes: list) -> Tensor:
    """Adaptive average pooling (PyTorch's area mode); 3-D pools D after H and W."""
    if input.ndim == 3:
        return adaptive_avg_pool1d(input, sizes[0])
    if input.ndim == 4:
        return adaptive_avg_pool2d(input, tuple(sizes))
    n, c, d, h, w = input.shape
    x = adaptive_avg_pool2d(input.reshape((n, c * d, h, w)), tuple(sizes[1:]))
    ho, wo = sizes[1:]
    x = x.reshape((n * c, d, ho * wo)).transpose(1, 2)        # D last, for the 1-D pool
    x = adaptive_avg_pool1d(x, sizes[0]).transpose(1, 2)
    return x.reshape((n, c, sizes[0], ho, wo))


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (warns, as PyTorch).

    >>> F.upsample(x, scale_factor=2)
    """
    warnings.warn("nn.functional.upsample is deprecated. Use nn.functional.interpolate "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(..., mode="nearest")`` (warns, as PyTorch).

    >>> F.upsample_nearest(x, scale_factor=2)
    """
    warnings.warn("nn.functional.upsample_nearest is deprecated. Use "
                  "nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(..., mode="bilinear", align_corners=True)`` (warns).

    >>> F.upsample_bilinear(x, scale_factor=2)
    """
    warnings.warn("nn.functional.upsample_bilinear is deprecated. Use "
                  "nn.functional.interpolate instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
