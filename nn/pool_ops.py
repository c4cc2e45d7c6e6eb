"""Pooling ops over the trailing spatial dims (window geometries of ``conv_windows``).

Max pooling takes the elementwise maximum of the prod(k) window slices; its gradient goes to
the first maximum of each window in row-major order (PyTorch's rule for ties), a NaN being a
maximum. ``MaxPoolGrad`` (scatter the gradient to those positions) and ``MaxPoolGather``
(read a tensor at them) are each other's adjoint, so higher derivatives exist (they are zero
in x: the arg-max is piecewise constant).

Average pooling is linear: ``AvgPool`` and ``AvgPoolGrad`` are each other's backward. The
divisor is per window (count_include_pad=False, or windows cut by ceil_mode), given as one
tuple of counts per dim (window sizes multiply), or one number.
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function, applyn, apply1
from ..autograd.tensor import make_tensor
from .conv_windows import canvas_zeros, interior, offsets, padded


def _lead(a: Any, geo: tuple) -> tuple:
    return tuple(a.shape[:a.ndim - len(geo)])


def first_max_masks(xp: Any, x: Any, y: Any, geo: tuple):
    """(key, mask) per kernel offset: mask marks the windows whose first maximum (or first
    NaN) sits at that offset; exactly one offset per window is marked."""
    xpad = padded(xp, x, geo, -float("inf"))
    taken = None
    for key in offsets(geo):
        s = xpad[key]
        m = (s == y) | (s != s)
        if taken is None:
            taken = m
        else:
            m = m & xp.logical_not(taken)
            taken = taken | m
        yield key, m


class MaxPool(Function):
    """y = max over each window (padding counts as -inf)."""
    __slots__ = ()
    save_output = True

    @staticmethod
    def forward(xp, x, geo):
        xpad = padded(xp, x, geo, -float("inf"))
        keys = offsets(geo)
        if len(keys) == 1:
            return xp.asarray(xpad[keys[0]], copy=True)
        out = xp.maximum(xpad[keys[0]], xpad[keys[1]])
        for key in keys[2:]:
            out = xp.maximum(out, xpad[key])
        return out

    def backward(self, gy):
        x, = self.inputs
        y = make_tensor(self.out_data, x._backend, False, None)
        return applyn(MaxPoolGrad, (gy, x.detach(), y), self.args[0])


class MaxPoolGrad(Function):
    """gy scattered to the first maximum of each window of x (y = max_pool(x))."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays, geo):
        gy, x, y = arrays
        canvas = canvas_zeros(xp, gy, _lead(gy, geo), geo)
        xpad = padded(xp, x, geo, -float("inf"))
        keys = offsets(geo)
        rest = gy                  # the gradient of windows whose maximum is not met yet
        for key in keys[:-1]:
            s = xpad[key]
            hit = (s == y) | (s != s)
            canvas[key] += xp.where(hit, rest, 0.0)
            rest = xp.where(hit, 0.0, rest)
        canvas[keys[-1]] += rest   # every window has a maximum: the rest is at the last offset
        return canvas[interior(geo)]

    def backward(self, ggx):
        _, x, y = self.inputs
        return applyn(MaxPoolGather, (ggx, x, y), self.args[0]), None, None


class MaxPoolGather(Function):
    """g read at the first maximum of each window of x: the adjoint of MaxPoolGrad."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays, geo):
        g, x, y = arrays
        gpad = padded(xp, g, geo)
        out = xp.zeros(y.shape, dtype=g.dtype, device=g.device)
        for key, m in first_max_masks(xp, x, y, geo):
            out = xp.where(m, gpad[key], out)
        return out

    def backward(self, gg):
        _, x, y = self.inputs
        return applyn(MaxPoolGrad, (gg, x, y), self.args[0]), None, None


def max_indices(backend: Any, x: Any, y: Any, geo: tuple) -> Any:
    """int64 flat indices (over the unpadded spatial dims) of each window's first maximum,
    as PyTorch's return_indices."""
    xp = backend.xp
    idx_dtype = backend.native_dtype(_int64())
    # position of each window's start along each dim, broadcast over the spatial dims
    nd = len(geo)
    starts, mult = [], 1
    for i in reversed(range(nd)):
        k, s, d, lo, hi, size, n = geo[i]
        pos = xp.arange(0, n * s, s, dtype=idx_dtype, device=x.device) - lo
        starts.append((i, pos, mult, d))
        mult *= size
    idx = xp.zeros(y.shape, dtype=idx_dtype, device=x.device)
    for key, m in first_max_masks(xp, x, y, geo):
        flat = None
        for i, pos, mul, d in starts:
            o = key[1 + i].start // d if d else 0
            term = xp.reshape((pos + o * d) * mul, (-1,) + (1,) * (nd - 1 - i))
            flat = term if flat is None else flat + term
        idx = xp.where(m, flat, idx)
    return idx


def _int64() -> Any:
    from ..dtypes import int64
    return int64


def _divisor(xp: Any, like: Any, div: Any) -> Any:
    """A number, or the per-window divisor array from one tuple of counts per dim."""
    if not isinstance(div, tuple):
        return div
    nd = len(div)
    out = None
    for i, counts in enumerate(div):
        a = xp.reshape(xp.asarray(counts, dtype=like.dtype, device=like.device),
                       (-1,) + (1,) * (nd - 1 - i))
        out = a if out is None else out * a
    return out


class AvgPool(Function):
    """Sum over each window (zero padding) divided by the window's divisor."""
    __slots__ = ()

    @staticmethod
    def forward(xp, x, geo, div):
        xpad = padded(xp, x, geo)
        keys = offsets(geo)
        out = xpad[keys[0]]
        for key in keys[1:]:
            out = out + xpad[key]
        return out / _divisor(xp, x, div)

    def backward(self, gy):
        return apply1(AvgPoolGrad, gy, *self.args)


class AvgPoolGrad(Function):
    """gy / divisor added back over each window: the adjoint of AvgPool."""
    __slots__ = ()

    @staticmethod
    def forward(xp, gy, geo, div):
        g = gy / _divisor(xp, gy, div)
        canvas = canvas_zeros(xp, gy, _lead(gy, geo), geo)
        for key in offsets(geo):
            canvas[key] += g
        return canvas[interior(geo)]

    def backward(self, ggx):
        return apply1(AvgPool, ggx, *self.args)


def adaptive_max_indices(backend: Any, x: Any, sizes: tuple) -> Any:
    """int64 flat indices (over the spatial dims) of the first maximum of each adaptive
    window of x (*lead, *spatial), windows as PyTorch's [floor(i s / o), ceil((i + 1) s / o)).

    Windows along a dim may differ in length by one, so no strided slice reads them all: each
    dim is gathered (``take``) into (out, longest window) with the missing tail at -inf, then
    one argmax over the joint window (row-major, so ties go to the first maximum)."""
    xp = backend.xp
    idx_dtype = backend.native_dtype(_int64())
    nd = len(sizes)
    lead = tuple(x.shape[:x.ndim - nd])
    spatial = tuple(x.shape[x.ndim - nd:])
    starts, lengths, g = [], [], x
    for i, (s, o) in enumerate(zip(spatial, sizes)):
        bounds = [(j * s // o, -(-(j + 1) * s // o)) for j in range(o)]
        k = max(b - a for a, b in bounds)
        pos = [min(a + j, s - 1) for a, _ in bounds for j in range(k)]
        axis = len(lead) + 2 * i
        g = xp.take(g, xp.asarray(pos, dtype=idx_dtype, device=x.device), axis=axis)
        g = xp.reshape(g, tuple(g.shape[:axis]) + (o, k) + tuple(g.shape[axis + 1:]))
        valid = xp.asarray([[a + j < b for j in range(k)] for a, b in bounds], device=x.device)
        g = xp.where(xp.reshape(valid, (o, k) + (1,) * (nd - 1 - i)), g, -float("inf"))
        starts.append([a for a, _ in bounds])
        lengths.append(k)
    n = len(lead)
    order = tuple(range(n)) + tuple(n + 2 * i for i in range(nd)) + \
        tuple(n + 2 * i + 1 for i in range(nd))
    g = xp.reshape(xp.permute_dims(g, order), lead + tuple(sizes) + (-1,))
    local = xp.astype(xp.argmax(g, axis=-1), idx_dtype)       # row-major offset in the window
    flat, mult = None, 1
    for i in reversed(range(nd)):
        j = local % lengths[i]
        local = local // lengths[i]
        start = xp.reshape(xp.asarray(starts[i], dtype=idx_dtype, device=x.device),
                           (-1,) + (1,) * (nd - 1 - i))
        term = (start + j) * mult
        flat = term if flat is None else flat + term
        mult *= spatial[i]
    return flat
