"""Fractional max pooling (Graham 2014), as PyTorch's FractionalMaxPool2d/3d and
F.fractional_max_pool2d/3d: pooling windows of ``kernel_size`` at pseudo-random starts chosen
so that ``output_size`` (or ``output_ratio`` of the input) windows cover each spatial dim.

One uniform sample per (batch, channel, dim) places the windows: with
alpha = (in - k) / (out - 1), window i starts at floor((i + u) alpha) - floor(u alpha), and
the last at in - k (PyTorch's intervals; ``_random_samples`` fixes u, shape (N, C, dims),
in PyTorch's order: (W, H) in 2-d, (T, H, W) in 3-d). The windows are gathered and reduced in one max, so gradients of
every order flow through the gather.

>>> pool = nn.FractionalMaxPool2d(3, output_ratio=0.5); y = pool(x)   # (N, C, H/2, W/2)
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.factories import arange, rand
from ..autograd.ops import concat
from ..autograd.tensor import Tensor
from .module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d", "fractional_max_pool2d",
           "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]


def _tuple(value: Any, dims: int, name: str, op: str) -> tuple:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * dims
    if len(values) != dims:
        raise ValueError(f"{op}: {name} must be an int or a {dims}-tuple, got {value!r}")
    return values


def _output_size(spatial: tuple, kernel: tuple, output_size: Any, output_ratio: Any,
                 op: str) -> tuple:
    dims = len(spatial)
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if output_size is not None and output_ratio is not None:
        raise ValueError(f"{op}: only one of output_size and output_ratio may be specified")
    if output_size is None:
        ratio = _tuple(output_ratio, dims, "output_ratio", op)
        if not all(0 < r < 1 for r in ratio):
            raise ValueError(f"{op}: output_ratio must be between 0 and 1 (got {output_ratio})")
        output_size = tuple(int(s * r) for s, r in zip(spatial, ratio))
    size = tuple(int(v) for v in _tuple(output_size, dims, "output_size", op))
    for s, k, o in zip(spatial, kernel, size):
        if o + k - 1 > s or o < 1:
            raise ValueError(f"{op}: output size {size} with kernel {kernel} is too large for "
                             f"an input of spatial size {spatial}")
    return size


def _starts(u: Tensor, length: int, kernel: int, out: int) -> Tensor:
    """(N, C) samples -> (N, C, out) int64 window starts along one dim."""
    last = (u * 0).unsqueeze(-1) + (length - kernel)
    if out == 1:
        return last.astype("int64")
    alpha = (length - kernel) / (out - 1)
    i = arange(0, out - 1, 1, dtype=u.dtype, device=u._backend)
    starts = ((i + u.unsqueeze(-1)) * alpha).floor() - (u * alpha).floor().unsqueeze(-1)
    return concat([starts, last], -1).astype("int64")


def _fractional(input: Tensor, kernel_size: Any, output_size: Any, output_ratio: Any,
                samples: Any, dims: int, op: str) -> tuple[Tensor, Tensor]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise ValueError(f"{op}: expected a {dims + 1}-D or {dims + 2}-D input, got shape "
                         f"{input.shape}")
    unbatched = input.ndim == dims + 1
    x = input.unsqueeze(0) if unbatched else input
    n, c, spatial = x.shape[0], x.shape[1], tuple(x.shape[2:])
    kernel = tuple(int(k) for k in _tuple(kernel_size, dims, "kernel_size", op))
    out = _output_size(spatial, kernel, output_size, output_ratio, op)
    if samples is None:
        samples = rand(n, c, dims, dtype=x.dtype if x.dtype.is_floating else "float32",
                       device=x._backend)
    elif tuple(samples.shape) != (n, c, dims):
        raise ValueError(f"{op}: _random_samples must have shape {(n, c, dims)}, got "
                         f"{tuple(samples.shape)}")
    # flat index into each (N, C) plane of every element of every window
    strides = [math.prod(spatial[d + 1:]) for d in range(dims)]
    index = None
    for d in range(dims):
        # PyTorch's 2-d samples list W then H; its 3-d ones T, H, W
        u = samples[:, :, dims - 1 - d] if dims == 2 else samples[:, :, d]
        starts = _starts(u, spatial[d], kernel[d], out[d])            # (N, C, out_d)
        offsets = starts.unsqueeze(-1) + arange(0, kernel[d], 1, dtype="int64",
                                                device=x._backend)     # (N, C, out_d, k_d)
        # put out_d at axis 2 + d and k_d at axis 2 + dims + d, size 1 elsewhere
        shape = [n, c] + [1] * (2 * dims)
        shape[2 + d], shape[2 + dims + d] = out[d], kernel[d]
        term = (offsets * strides[d]).reshape(shape)
        index = term if index is None else index + term
    window = math.prod(kernel)
    full = (n, c) + out + kernel
    index = index.broadcast_to(full).reshape(n, c, math.prod(out), window)
    planes = x.reshape(n, c, 1, math.prod(spatial)).broadcast_to(
        (n, c, math.prod(out), math.prod(spatial)))
    values = planes.gather(3, index)                                # (N, C, L, K)
    best = values.argmax(3, keepdim=True)
    pooled = values.gather(3, best).reshape((n, c) + out)
    indices = index.gather(3, best).reshape((n, c) + out)
    if unbatched:
        pooled, indices = pooled[0], indices[0]
    return pooled, indices


def _functionals(dims: int) -> tuple:
    op = f"fractional_max_pool{dims}d"

    def with_indices(input: Tensor, kernel_size: Any, output_size: Any = None,
                     output_ratio: Any = None, return_indices: bool = False,
                     _random_samples: Any = None) -> tuple[Tensor, Tensor]:
        return _fractional(input, kernel_size, output_size, output_ratio, _random_samples,
                           dims, op)

    def pool(input: Tensor, kernel_size: Any, output_size: Any = None,
             output_ratio: Any = None, return_indices: bool = False,
             _random_samples: Any = None) -> Any:
        pooled, indices = with_indices(input, kernel_size, output_size, output_ratio,
                                       return_indices, _random_samples)
        return (pooled, indices) if return_indices else pooled
    with_indices.__name__, pool.__name__ = f"{op}_with_indices", op
    layout = "(N, C, H, W) or (C, H, W)" if dims == 2 else "(N, C, D, H, W) or (C, D, H, W)"
    pool.__doc__ = (f"Fractional max pooling over {layout}; with ``return_indices`` also the "
                    f"indices into each flattened input plane.\n\n    >>> F.{op}(x, 2, "
                    f"output_ratio=0.5)")
    with_indices.__doc__ = f"{op} that always returns (pooled, indices)."
    return pool, with_indices


fractional_max_pool2d, fractional_max_pool2d_with_indices = _functionals(2)
fractional_max_pool3d, fractional_max_pool3d_with_indices = _functionals(3)


class _FractionalMaxPool(Module):
    dims = 2

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _tuple(kernel_size, self.dims, "kernel_size", name)
        self.output_size = None if output_size is None else _tuple(output_size, self.dims,
                                                                   "output_size", name)
        self.output_ratio = None if output_ratio is None else _tuple(output_ratio, self.dims,
                                                                     "output_ratio", name)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling "
                             "ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input: Tensor) -> Any:
        pooled, indices = _fractional(input, self.kernel_size, self.output_size,
                                      self.output_ratio, self._random_samples, self.dims,
                                      type(self).__name__)
        return (pooled, indices) if self.return_indices else pooled


class FractionalMaxPool2d(_FractionalMaxPool):
    """Fractional max pooling over (N, C, H, W) (PyTorch's module and arguments)."""
    dims = 2


class FractionalMaxPool3d(_FractionalMaxPool):
    """Fractional max pooling over (N, C, D, H, W)."""
    dims = 3
