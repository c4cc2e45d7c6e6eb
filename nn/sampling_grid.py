"""Spatial transformers, as torch.nn.functional: ``affine_grid`` (sampling coordinates of an
affine map, 2-D or 3-D) and ``grid_sample`` (read a 4-D or 5-D input at those coordinates,
bilinear/trilinear, nearest or (4-D) bicubic, with zeros / border / reflection padding). Both are composites: the taps are a gather of the
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


def _base_grid(backend: Any, sizes: tuple, align_corners: bool, dtype: Any) -> Any:
    """(prod(sizes), len(sizes) + 1) rows [x, y(, z), 1] for spatial ``sizes`` (H, W) or
    (D, H, W), in row-major order (x runs along the last dim)."""
    xp = backend.xp
    count = 1
    for n in sizes:
        count *= n
    columns = []
    for axis in reversed(range(len(sizes))):           # x (the last dim) first
        line = _base_axis(backend, sizes[axis], align_corners, dtype)
        shape = [1] * len(sizes)
        shape[axis] = sizes[axis]
        columns.append(xp.reshape(xp.broadcast_to(xp.reshape(line, tuple(shape)), sizes),
                                  (count,)))
    return xp.stack(columns + [xp.ones_like(columns[0])], axis=1)


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of the affine maps ``theta`` for an output of ``size``: (N, 2, 3)
    and (N, C, H, W) give (N, H, W, 2); (N, 3, 4) and (N, C, D, H, W) give (N, D, H, W, 3);
    in [-1, 1] coordinates (x first), as PyTorch.

    >>> F.affine_grid(xg.tensor([[[1.0, 0, 0], [0, 1, 0]]]), (1, 1, 2, 2), align_corners=False)
    """
    op = "affine_grid"
    _same_kind(op, theta)
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    size = tuple(size)
    if len(size) not in (4, 5) or any(isinstance(s, bool) or not isinstance(s, int) or s <= 0
                                      for s in size):
        raise ValueError(f"{op}: only 4-D (N, C, H, W) and 5-D (N, C, D, H, W) sizes of "
                         f"positive ints are supported, got size={size}")
    n, spatial = size[0], size[2:]
    k = len(spatial)
    if tuple(theta.shape) != (n, k, k + 1):
        raise ValueError(f"{op}: expected a batch of {k}D affine matrices of shape "
                         f"Nx{k}x{k + 1} for size {size}, got theta of shape "
                         f"{tuple(theta.shape)}")
    base = run_kernel(theta._backend, _base_grid, spatial, bool(align_corners), theta.dtype)
    base = make_tensor(base, theta._backend, False, None)
    return (base @ theta.transpose(1, 2)).reshape((n,) + spatial + (k,))


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


def _tap(flat: Tensor, coords: list, sizes: tuple) -> tuple:
    """input values at integer positions ``coords`` (one (N, P) tensor per spatial dim, in
    the order of ``sizes``) as (N, C, P), and the in-bounds mask (N, 1, P); out-of-bounds
    positions read position 0 and are masked by the caller."""
    inside, flat_index = None, None
    for coord, size in zip(coords, sizes):
        ok = (coord >= 0) & (coord <= size - 1)
        inside = ok if inside is None else inside & ok
        clipped = coord.clip(0, size - 1)
        flat_index = clipped if flat_index is None else flat_index * size + clipped
    n, p = coords[0].shape
    values = take_along_dim(flat, flat_index.astype(int64).reshape((n, 1, p)), 2)
    return values, inside.reshape((n, 1, p))


def _cubic_weights(t: Tensor) -> list:
    """The four cubic-convolution weights (A = -0.75, PyTorch's) of taps -1, 0, 1, 2."""
    a = -0.75

    def inner(x: Tensor) -> Tensor:
        return ((x * (a + 2) - (a + 3)) * x) * x + 1

    def outer(x: Tensor) -> Tensor:
        return ((x * a - 5 * a) * x + 8 * a) * x - 4 * a
    return [outer(t + 1.0), inner(t), inner(1.0 - t), outer(2.0 - t)]


def _bicubic(flat: Tensor, grid: Tensor, sizes: tuple, padding_mode: str,
             align_corners: bool) -> Tensor:
    """PyTorch's bicubic grid_sample: 4 x 4 taps around the unpadded source position, each
    tap's integer coordinate padded (border, reflection) or read as zero outside."""
    n = grid.shape[0]
    p = grid[..., 0].numel() // n
    h, w = sizes
    x = _unnormalize(grid[..., 0].reshape((n, p)), w, align_corners)
    y = _unnormalize(grid[..., 1].reshape((n, p)), h, align_corners)
    x0, y0 = x.detach().floor(), y.detach().floor()
    wx, wy = _cubic_weights(x - x0), _cubic_weights(y - y0)
    out = None
    for i in range(4):
        tap_y = y0 + (i - 1)
        if padding_mode != "zeros":
            tap_y = _padded_tap(tap_y, h, padding_mode, align_corners)
        for j in range(4):
            tap_x = x0 + (j - 1)
            if padding_mode != "zeros":
                tap_x = _padded_tap(tap_x, w, padding_mode, align_corners)
            values, inside = _tap(flat, [tap_y, tap_x], sizes)
            term = where(inside, values * (wy[i] * wx[j]).reshape((n, 1, p)), 0.0)
            out = term if out is None else out + term
    return out


def _padded_tap(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """An integer tap coordinate moved into the input by the padding mode (no gradient)."""
    if padding_mode == "reflection":
        coord = (_reflect(coord, 0, 2 * (size - 1)) if align_corners
                 else _reflect(coord, -1, 2 * size - 1))
    return coord.clip(0.0, float(size - 1))


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample (N, C, H, W) ``input`` at ``grid`` (N, Ho, Wo, 2) positions in [-1, 1] (x, y)
    -> (N, C, Ho, Wo), or (N, C, D, H, W) at (N, Do, Ho, Wo, 3) (x, y, z) -> (N, C, Do, Ho,
    Wo), as PyTorch (bilinear, trilinear in 5-D, nearest, or bicubic in 4-D; zeros, border
    or reflection padding).

    >>> F.grid_sample(x, F.affine_grid(theta, x.shape, False), align_corners=False)
    """
    op = "grid_sample"
    _same_kind(op, input, grid)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"{op}: expected mode to be 'bilinear', 'nearest' or 'bicubic', got "
                         f"{mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"{op}: expected padding_mode to be 'zeros', 'border' or "
                         f"'reflection', got {padding_mode!r}")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    k = input.ndim - 2
    if input.ndim not in (4, 5) or grid.ndim != input.ndim or grid.shape[-1] != k or \
            grid.shape[0] != input.shape[0]:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) and a grid (N, Ho, Wo, 2), "
                         f"or a 5-D input and a grid (N, Do, Ho, Wo, 3), with the same N; got "
                         f"input of shape {tuple(input.shape)} and grid of shape "
                         f"{tuple(grid.shape)}")
    n, c, sizes = input.shape[0], input.shape[1], tuple(input.shape[2:])
    outs = tuple(grid.shape[1:-1])
    p = 1
    for o in outs:
        p *= o
    flat = input.reshape((n, c, -1))
    if mode == "bicubic":
        if k != 2:
            raise ValueError(f"{op}: bicubic interpolation only supports 4D input")
        return _bicubic(flat, grid, sizes, padding_mode, bool(align_corners)).reshape(
            (n, c) + outs)
    # the grid's components are x, y(, z): the last spatial dim first
    coords = [_source(grid[..., k - 1 - d].reshape((n, p)), sizes[d], padding_mode,
                      bool(align_corners)) for d in range(k)]
    if mode == "nearest":
        # PyTorch rounds half to even (nearbyint); the grid gets no gradient
        values, inside = _tap(flat, [g.detach().round() for g in coords], sizes)
        out = where(inside, values, 0.0)
        zero = grid.reshape((n, -1))[:, 0:0].sum(-1).reshape((n, 1, 1))   # grid on the graph
        return (out + zero).reshape((n, c) + outs)
    lows = [g.detach().floor() for g in coords]
    out = None
    for corner in range(2 ** k):
        taps, weight = [], None
        for d in range(k):
            up = (corner >> d) & 1
            taps.append(lows[d] + up)
            wd = (coords[d] - lows[d]) if up else (lows[d] + 1.0 - coords[d])
            weight = wd if weight is None else weight * wd
        values, inside = _tap(flat, taps, sizes)
        term = where(inside, values * weight.reshape((n, 1, p)), 0.0)
        out = term if out is None else out + term
    return out.reshape((n, c) + outs)
