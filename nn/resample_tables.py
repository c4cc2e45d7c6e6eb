"""Index and weight tables of the separable resamplers behind ``F.interpolate``: for one
spatial axis, which input positions each output position reads (``taps`` of them) and with
what weights. They depend on sizes only, and are built on the input's device in one
``run_kernel`` call per axis, with PyTorch's arithmetic (its float32 nearest-neighbour
scale, its source-index rules and clamps, the bicubic kernel with A = -0.75), so indices
agree with PyTorch exactly and weights to the last bits.

>>> index, weights = run_kernel(backend, linear_table, 5, 8, 0.625, False, float32, float32)
"""
from __future__ import annotations

import struct
from typing import Any

from ..dtypes import float32, float64, int64

CUBIC_A = -0.75          # PyTorch's (and OpenCV's) bicubic convolution constant


def as_float32(value: float) -> float:
    """``value`` rounded to the nearest float32 (PyTorch computes these scales in float)."""
    return struct.unpack("f", struct.pack("f", value))[0]


def source_scale(n_in: int, n_out: int, align_corners: bool, scale_factor: float | None,
                 single: bool) -> float:
    """PyTorch's area_pixel_compute_scale: the input step per output step, in float32 when
    ``single`` (float32 arithmetic) else in double."""
    if align_corners:
        value = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    elif scale_factor is not None and scale_factor > 0:
        value = 1.0 / scale_factor
    else:
        value = n_in / n_out
    return as_float32(value) if single else value


def nearest_table(backend: Any, n_in: int, n_out: int, scale: float, exact: bool) -> Any:
    """The input position of each output position: floor(dst * scale) (legacy ``nearest``,
    float32 arithmetic) or floor((dst + 0.5) * scale) (``nearest-exact``, a double product
    rounded to float), clamped to n_in - 1; ``scale`` is a float32 value."""
    xp = backend.xp
    if exact:
        src = xp.astype((backend.arange(0, n_out, 1, float64) + 0.5) * scale,
                        backend.native_dtype(float32))
    else:
        src = backend.arange(0, n_out, 1, float32) * scale
    return xp.clip(xp.astype(xp.floor(src), backend.native_dtype(int64)), 0, n_in - 1)


def _source(backend: Any, n_out: int, scale: float, align_corners: bool, cubic: bool,
            opmath: Any) -> Any:
    """PyTorch's area_pixel_compute_source_index for every output position."""
    xp = backend.xp
    dst = backend.arange(0, n_out, 1, opmath)
    if align_corners:
        return dst * scale
    src = (dst + 0.5) * scale - 0.5
    # linear modes read position 0 for the negative coordinates near the first edge
    return src if cubic else xp.where(src < 0, xp.zeros_like(src), src)


def _floor_and_fraction(backend: Any, src: Any, n_in: int) -> tuple:
    """PyTorch's guard_index_and_lambda: i = min(floor(src), n_in - 1), t = clip(src - i)."""
    xp = backend.xp
    i0 = xp.clip(xp.floor(src), None, float(n_in - 1))
    return i0, xp.clip(src - i0, 0.0, 1.0)


def _trailing(backend: Any, weights: Any, trailing: int, dtype: Any) -> Any:
    """(taps, n_out) weights in the input's dtype, shaped to broadcast over the axes after."""
    xp = backend.xp
    weights = xp.astype(weights, backend.native_dtype(dtype))
    return xp.reshape(weights, tuple(weights.shape) + (1,) * trailing)


def linear_table(backend: Any, n_in: int, n_out: int, scale: float, align_corners: bool,
                 opmath: Any, dtype: Any, trailing: int) -> tuple:
    """Two taps per output: (index (2 * n_out,), weights (2, n_out, 1, ...)), the taps
    floor(src) and the next position (the same one at the last edge)."""
    xp = backend.xp
    src = _source(backend, n_out, scale, align_corners, False, opmath)
    i0, lam = _floor_and_fraction(backend, src, n_in)
    i0 = xp.astype(i0, backend.native_dtype(int64))
    i1 = xp.where(i0 < n_in - 1, i0 + 1, i0)
    weights = xp.stack([1.0 - lam, lam])
    return xp.concat([i0, i1]), _trailing(backend, weights, trailing, dtype)


def _cubic_inner(x: Any) -> Any:          # |x| <= 1
    a = CUBIC_A
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic_outer(x: Any) -> Any:          # 1 < |x| < 2
    a = CUBIC_A
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def cubic_table(backend: Any, n_in: int, n_out: int, scale: float, align_corners: bool,
                opmath: Any, dtype: Any, trailing: int) -> tuple:
    """Four taps per output, floor(src) - 1 ... floor(src) + 2 clamped into the input (the
    border is replicated, as PyTorch), with the cubic convolution weights."""
    xp = backend.xp
    src = _source(backend, n_out, scale, align_corners, True, opmath)
    i0, t = _floor_and_fraction(backend, src, n_in)
    i0 = xp.astype(i0, backend.native_dtype(int64))
    index = xp.concat([xp.clip(i0 + (k - 1), 0, n_in - 1) for k in range(4)])
    u = 1.0 - t
    weights = xp.stack([_cubic_outer(t + 1.0), _cubic_inner(t), _cubic_inner(u),
                        _cubic_outer(u + 1.0)])
    return index, _trailing(backend, weights, trailing, dtype)


def _aa_filter(x: float, cubic: bool) -> float:
    """PyTorch's antialias filters: the triangle (bilinear) or Keys' cubic with A = -0.5."""
    x = abs(x)
    if not cubic:
        return 1.0 - x if x < 1.0 else 0.0
    a = -0.5
    if x < 1.0:
        return ((a + 2) * x - (a + 3)) * x * x + 1
    if x < 2.0:
        return (((x - 5) * x + 8) * x - 4) * a
    return 0.0


def antialias_table(backend: Any, n_in: int, n_out: int, scale: float, cubic: bool,
                    dtype: Any, trailing: int) -> tuple:
    """The taps of antialiased resampling (PyTorch's separable ``antialias=True``, as PIL):
    when shrinking, the filter widens by the scale so every input position contributes;
    each output's weights are normalised to sum to 1. Returns (index (taps * n_out,),
    weights (taps, n_out, 1, ...)), short windows padded with zero weights."""
    xp = backend.xp
    support = (2.0 if cubic else 1.0) * (scale if scale >= 1.0 else 1.0)
    inv = 1.0 / scale if scale >= 1.0 else 1.0
    windows = []
    for i in range(n_out):
        center = scale * (i + 0.5)
        low = max(int(center - support + 0.5), 0)
        high = min(int(center + support + 0.5), n_in)
        w = [_aa_filter((j - center + 0.5) * inv, cubic) for j in range(low, high)]
        total = sum(w)
        windows.append((low, [v / total if total else 0.0 for v in w]))
    taps = max(len(w) for _, w in windows)
    index = [[min(low + k, n_in - 1) for low, _ in windows] for k in range(taps)]
    weights = [[w[k] if k < len(w) else 0.0 for _, w in windows] for k in range(taps)]
    index = backend.asarray(sum(index, []), int64)
    weights = backend.asarray(weights, float64)
    return index, _trailing(backend, weights, trailing, dtype)
