"""Sliding windows over the trailing (spatial) dims of an array: the machinery behind
convolution, unfold/fold and pooling.

A window geometry is one tuple per spatial dim, ``(k, s, d, lo, hi, size, out)``: kernel size,
stride, dilation, padding before and after, the unpadded input size and the number of window
positions. Offset ``o`` of the kernel (0 <= o < k) sees the padded input at
``o*d, o*d + s, ..., o*d + s*(out - 1)``: one strided slice, so the work is a loop over the
prod(k) kernel offsets of whole-array slices (the Array API has no as_strided).

``Unfold`` (im2col) and ``Fold`` (col2im, the sum of overlapping windows) are linear and each
other's adjoint: each one's backward is the other, so derivatives of every order exist.
"""
from __future__ import annotations

import itertools
from typing import Any, Sequence

from ..autograd.function import Function, apply1

Geometry = tuple  # of (k, s, d, lo, hi, size, out) per spatial dim


def out_size(size: int, k: int, s: int, d: int, lo: int, hi: int, ceil: bool = False) -> int:
    """Number of window positions along one dim (PyTorch's formula, ceil_mode included: the
    last window must start inside the input or the left padding)."""
    span = size + lo + hi - d * (k - 1) - 1
    if span < 0:
        return 0
    n = (-(-span // s) if ceil else span // s) + 1
    if ceil and (n - 1) * s >= size + lo:
        n -= 1
    return n


def geometry(spatial: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
             dilation: Sequence[int], pads: Sequence[tuple], ceil: bool = False) -> Geometry:
    """The window geometry; with ``ceil`` the padding after grows so the last window fits."""
    geo = []
    for size, k, s, d, (lo, hi) in zip(spatial, kernel, stride, dilation, pads):
        n = out_size(size, k, s, d, lo, hi, ceil)
        need = (n - 1) * s + d * (k - 1) + 1 - size - lo       # padding after that is used
        geo.append((k, s, d, lo, max(hi, need), size, n))
    return tuple(geo)


def offsets(geo: Geometry) -> list:
    """The index key of each kernel offset (row-major, as PyTorch orders the kernel)."""
    keys = []
    for offs in itertools.product(*[range(g[0]) for g in geo]):
        keys.append((Ellipsis,) + tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                                        for o, (k, s, d, lo, hi, size, n) in zip(offs, geo)))
    return keys


def kernel_count(geo: Geometry) -> int:
    count = 1
    for g in geo:
        count *= g[0]
    return count


def padded(xp: Any, x: Any, geo: Geometry, value: float = 0.0) -> Any:
    """``x`` padded with ``value`` on its spatial dims (``x`` itself when no padding)."""
    if all(g[3] == 0 and g[4] == 0 for g in geo):
        return x
    nd = len(geo)
    lead = tuple(x.shape[:x.ndim - nd])
    shape = lead + tuple(g[3] + g[5] + g[4] for g in geo)
    canvas = xp.full(shape, value, dtype=x.dtype, device=x.device)
    canvas[interior(geo)] = x
    return canvas


def interior(geo: Geometry) -> tuple:
    """The key of the unpadded input inside the padded canvas."""
    return (Ellipsis,) + tuple(slice(g[3], g[3] + g[5]) for g in geo)


def canvas_zeros(xp: Any, like: Any, lead: tuple, geo: Geometry) -> Any:
    shape = tuple(lead) + tuple(g[3] + g[5] + g[4] for g in geo)
    return xp.zeros(shape, dtype=like.dtype, device=like.device)


def unfold_array(xp: Any, x: Any, geo: Geometry) -> Any:
    """(*lead, C, *spatial) -> (*lead, C, K, *out): one slab per kernel offset."""
    xpad = padded(xp, x, geo)
    nd = len(geo)
    lead = tuple(x.shape[:x.ndim - nd])
    cols = xp.empty(lead + (kernel_count(geo),) + tuple(g[6] for g in geo), dtype=x.dtype,
                    device=x.device)
    rest = (slice(None),) * nd
    for k, key in enumerate(offsets(geo)):       # into a C-ordered array (np.stack of strided
        cols[(Ellipsis, k) + rest] = xpad[key]    # slices may give another memory order)
    return cols


def fold_array(xp: Any, cols: Any, geo: Geometry) -> Any:
    """(*lead, C, K, *out) -> (*lead, C, *spatial): each slab added at its window."""
    nd = len(geo)
    lead = tuple(cols.shape[:cols.ndim - nd - 1])
    canvas = canvas_zeros(xp, cols, lead, geo)
    rest = (slice(None),) * nd
    for k, key in enumerate(offsets(geo)):
        canvas[key] += cols[(Ellipsis, k) + rest]
    return canvas[interior(geo)]


class Unfold(Function):
    """(*lead, C, *spatial) -> (*lead, C * K, L): PyTorch's unfold layout (channel-major, then
    the kernel offsets row-major; L = prod(out) window positions)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, x, geo):
        cols = unfold_array(xp, x, geo)
        nd = len(geo)
        lead = tuple(cols.shape[:cols.ndim - nd - 2])
        channels = cols.shape[cols.ndim - nd - 2]
        return xp.reshape(cols, lead + (channels * kernel_count(geo), _prod(g[6] for g in geo)))

    def backward(self, gy):
        return apply1(Fold, gy, self.args[0])


class Fold(Function):
    """(*lead, C * K, L) -> (*lead, C, *spatial): the sum of the windows (col2im)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, cols, geo):
        lead = tuple(cols.shape[:-2])
        k = kernel_count(geo)
        shape = lead + (cols.shape[-2] // k, k) + tuple(g[6] for g in geo)
        return fold_array(xp, xp.reshape(cols, shape), geo)

    def backward(self, gy):
        return apply1(Unfold, gy, self.args[0])


def _prod(values: Any) -> int:
    n = 1
    for v in values:
        n *= v
    return n
