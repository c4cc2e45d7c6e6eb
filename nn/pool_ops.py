"""Pooling ops over the trailing spatial dims (window geometries of ``conv_windows``).

Max pooling takes the elementwise maximum of the prod(k) window slices; its gradient goes to
the first maximum of each window in row-major order, or to the window's last NaN (PyTorch's
rules). ``MaxPoolGrad`` (scatter the gradient to those positions) and ``MaxPoolGather``
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


def lowest(xp: Any, x: Any) -> Any:
    """The fill that never wins a max: -inf, or the smallest integer of an integer dtype
    (PyTorch max-pools integer tensors too)."""
    try:
        xp.finfo(x.dtype)
        return -float("inf")
    except (TypeError, ValueError):
        return int(xp.iinfo(x.dtype).min)


def argmax_masks(xp: Any, x: Any, y: Any, geo: tuple) -> list:
    """(key, mask) per kernel offset: mask marks the windows whose chosen maximum sits at that
    offset, exactly one offset per window: the first maximum in row-major order, or in a
    window with a NaN its last NaN (PyTorch's rules, from its ``val > max || isnan(val)``)."""
    xpad = padded(xp, x, geo, lowest(xp, x))
    keys = offsets(geo)
    is_nan = xpad != xpad
    equal = [xpad[key] == y for key in keys]         # all False in a NaN window
    masks, taken = [], None
    for eq in equal:
        masks.append(eq if taken is None else eq & xp.logical_not(taken))
        taken = eq if taken is None else taken | eq
    taken = None
    for i in range(len(keys) - 1, -1, -1):
        nan = is_nan[keys[i]]
        masks[i] = masks[i] | (nan if taken is None else nan & xp.logical_not(taken))
        taken = nan if taken is None else taken | nan
    return list(zip(keys, masks))


class MaxPool(Function):
    """y = max over each window (padding counts as -inf)."""
    __slots__ = ()
    save_output = True

    @staticmethod
    def forward(xp, x, geo):
        xpad = padded(xp, x, geo, lowest(xp, x))
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
    """gy scattered to the chosen maximum of each window of x (y = max_pool(x))."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays, geo):
        gy, x, y = arrays
        canvas = canvas_zeros(xp, gy, _lead(gy, geo), geo)
        disjoint = all(g[2] * (g[0] - 1) < g[1] for g in geo)    # no overlap: store, no sum
        for key, mask in argmax_masks(xp, x, y, geo):
            if disjoint:
                canvas[key] = xp.where(mask, gy, 0.0)
            else:
                canvas[key] += xp.where(mask, gy, 0.0)
        return canvas[interior(geo)]

    def backward(self, ggx):
        _, x, y = self.inputs
        return applyn(MaxPoolGather, (ggx, x, y), self.args[0]), None, None


class MaxPoolGather(Function):
    """g read at the chosen maximum of each window of x: the adjoint of MaxPoolGrad."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays, geo):
        g, x, y = arrays
        gpad = padded(xp, g, geo)
        out = xp.zeros(y.shape, dtype=g.dtype, device=g.device)
        for key, m in argmax_masks(xp, x, y, geo):
            out = xp.where(m, gpad[key], out)
        return out

    def backward(self, gg):
        _, x, y = self.inputs
        return applyn(MaxPoolGrad, (gg, x, y), self.args[0]), None, None


def max_indices(backend: Any, x: Any, y: Any, geo: tuple) -> Any:
    """int64 flat indices (over the unpadded spatial dims) of each window's chosen maximum,
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
    for key, m in argmax_masks(xp, x, y, geo):
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
