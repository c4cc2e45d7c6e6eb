"""Spatial transformers, as torch.nn.functional: ``affine_grid`` (sampling coordinates of an
affine map) and ``grid_sample`` (read a 4-D input at those coordinates, bilinear or nearest,
with zeros / border / reflection padding). Both are composites: the taps are a gather of the
flattened input, the weights functions of the grid, so the gradient reaches the input and
the grid (and, through affine_grid, theta).

>>> grid = F.affine_grid(theta, (N, C, H, W), align_corners=False)    # theta (N, 2, 3)
>>> F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
"""
from __future__ import annotations

import warnings
from typing import Any

from ..autograd.function import run_kernel
from ..autograd.ops import take_along_dim, where
from ..autograd.tensor import Tensor, make_tensor
from ..dtypes import int64
from .sampling_forms import _same_kind

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                  "old behavior is desired. See the documentation of grid_sample for details.")


def _base_axis(backend: Any, n: int, align_corners: bool, dtype: Any) -> Any:
    """linspace(-1, 1, n), scaled by (n - 1) / n for pixel centres (align_corners=False)."""
    steps = backend.arange(0, n, 1, dtype)
    if n == 1:
        return steps * 0.0                # PyTorch's single position is the centre, 0
    line = steps * (2.0 / (n - 1)) - 1.0
    return line if align_corners else line * ((n - 1) / n)


def _base_grid(backend: Any, h: int, w: int, align_corners: bool, dtype: Any) -> Any:
    """(h * w, 3) rows [x, y, 1] in row-major order."""
    xp = backend.xp
    xs = _base_axis(backend, w, align_corners, dtype)
    ys = _base_axis(backend, h, align_corners, dtype)
    gx = xp.reshape(xp.broadcast_to(xp.reshape(xs, (1, w)), (h, w)), (h * w,))
    gy = xp.reshape(xp.broadcast_to(xp.reshape(ys, (h, 1)), (h, w)), (h * w,))
    return xp.stack([gx, gy, xp.ones_like(gx)], axis=1)


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The (N, H, W, 2) sampling grid of the affine maps ``theta`` (N, 2, 3) for an output of
    ``size`` (N, C, H, W), in [-1, 1] coordinates (x first), as PyTorch.

    >>> F.affine_grid(xg.tensor([[[1.0, 0, 0], [0, 1, 0]]]), (1, 1, 2, 2), align_corners=False)
    """
    op = "affine_grid"
    _same_kind(op, theta)
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    size = tuple(size)
    if len(size) != 4 or any(isinstance(s, bool) or not isinstance(s, int) or s <= 0
                             for s in size):
        raise ValueError(f"{op}: only 4-D sizes (N, C, H, W) of positive ints are supported, "
                         f"got size={size}")
    n, _, h, w = size
    if tuple(theta.shape) != (n, 2, 3):
        raise ValueError(f"{op}: expected a batch of 2D affine matrices of shape Nx2x3 for "
                         f"size {size}, got theta of shape {tuple(theta.shape)}")
    base = run_kernel(theta._backend, _base_grid, h, w, bool(align_corners), theta.dtype)
    base = make_tensor(base, theta._backend, False, None)
    return (base @ theta.transpose(1, 2)).reshape((n, h, w, 2))


def _unnormalize(coord: Tensor, n: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1.0) * ((n - 1) / 2.0)
    return ((coord + 1.0) * n - 1.0) / 2.0


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """PyTorch's reflect_coordinates: fold coord into [low, high] by mirroring."""
    if twice_low == twice_high:
        return coord * 0.0
    low, span = twice_low / 2.0, (twice_high - twice_low) / 2.0
    dist = (coord - low).abs()
    flips = (dist.detach() / span).floor()
    extra = dist - flips * span              # fmod, with gradient 1 w.r.t. dist
    even = (flips - (flips / 2.0).floor() * 2.0) == 0
    return where(even, extra + low, (extra * -1.0) + (span + low))


def _source(coord: Tensor, n: int, padding_mode: str, align_corners: bool) -> Tensor:
    coord = _unnormalize(coord, n, align_corners)
    if padding_mode == "border":
        return coord.clip(0.0, float(n - 1))
    if padding_mode == "reflection":
        coord = (_reflect(coord, 0, 2 * (n - 1)) if align_corners
                 else _reflect(coord, -1, 2 * n - 1))
        return coord.clip(0.0, float(n - 1))
    return coord


def _tap(flat: Tensor, ix: Tensor, iy: Tensor, h: int, w: int) -> tuple:
    """input values at integer positions (ix, iy) (N, P) as (N, C, P), and the in-bounds
    mask (N, 1, P); out-of-bounds positions read position 0 and are masked by the caller."""
    inside = (ix >= 0) & (ix <= w - 1) & (iy >= 0) & (iy <= h - 1)
    flat_index = (iy.clip(0, h - 1) * w + ix.clip(0, w - 1)).astype(int64)
    n, p = ix.shape
    values = take_along_dim(flat, flat_index.reshape((n, 1, p)), 2)
    return values, inside.reshape((n, 1, p))


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample (N, C, H, W) ``input`` at ``grid`` (N, Ho, Wo, 2) positions in [-1, 1] (x, y)
    -> (N, C, Ho, Wo), as PyTorch (4-D inputs; bilinear or nearest; zeros, border or
    reflection padding).

    >>> F.grid_sample(x, F.affine_grid(theta, x.shape, False), align_corners=False)
    """
    op = "grid_sample"
    _same_kind(op, input, grid)
    if mode not in ("bilinear", "nearest"):
        raise NotImplementedError(f"{op}: mode must be 'bilinear' or 'nearest' (bicubic is "
                                  f"not supported), got {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"{op}: expected padding_mode to be 'zeros', 'border' or "
                         f"'reflection', got {padding_mode!r}")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or \
            grid.shape[0] != input.shape[0]:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) and a grid (N, Ho, Wo, 2) "
                         f"with the same N, got input of shape {tuple(input.shape)} and grid "
                         f"of shape {tuple(grid.shape)}")
    n, c, h, w = input.shape
    _, ho, wo, _ = grid.shape
    flat = input.reshape((n, c, h * w))
    gx = _source(grid[..., 0].reshape((n, ho * wo)), w, padding_mode, bool(align_corners))
    gy = _source(grid[..., 1].reshape((n, ho * wo)), h, padding_mode, bool(align_corners))
    if mode == "nearest":
        # PyTorch rounds half to even (nearbyint); the grid gets no gradient
        values, inside = _tap(flat, gx.detach().round(), gy.detach().round(), h, w)
        out = where(inside, values, 0.0)
        zero = grid.reshape((n, -1))[:, 0:0].sum(-1).reshape((n, 1, 1))   # grid on the graph
        return (out + zero).reshape((n, c, ho, wo))
    x0, y0 = gx.detach().floor(), gy.detach().floor()
    out = None
    for dx in (0, 1):
        for dy in (0, 1):
            ix, iy = x0 + dx, y0 + dy
            wx = (gx - x0) if dx else (x0 + 1.0 - gx)
            wy = (gy - y0) if dy else (y0 + 1.0 - gy)
            values, inside = _tap(flat, ix, iy, h, w)
            term = where(inside, values * (wx * wy).reshape((n, 1, ho * wo)), 0.0)
            out = term if out is None else out + term
    return out.reshape((n, c, ho, wo))
