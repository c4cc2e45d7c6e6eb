"""Convolution as three linear ops, each one GEMM per group (one for groups=1):

- ``Conv(x, w[, b])``: im2col of x in a channel-major layout (C * K, N * L), times the weight
  seen as (O, C * K), plus the bias;
- ``ConvInputGrad(gy, w)``: the weight transposed times gy, folded back onto the input
  (col2im); with another geometry this is the transposed convolution;
- ``ConvWeightGrad(gy, x)``: gy times the columns of x.

Each is linear in each argument and the derivatives of each are the others (e.g. d/dw of
<ConvInputGrad(gy, w), g> is ConvWeightGrad(gy, g)), so gradients of every order exist.
One large GEMM beats a batch of N small ones on NumPy, and keeps BLAS threads in step.

Geometries are those of ``conv_windows``; ``groups`` splits channels as PyTorch does.
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function, applyn
from .conv_windows import canvas_zeros, interior, kernel_count, offsets


def _swap01(xp: Any, a: Any) -> Any:
    """(A, B, ...) -> (B, A, ...) as a view."""
    return xp.permute_dims(a, (1, 0) + tuple(range(2, a.ndim)))


def _length(geo: tuple) -> int:
    return _prod(g[6] for g in geo)


def channels_first(xp: Any, x: Any, geo: tuple) -> Any:
    """(N, C, *spatial) -> (C, N, *padded): a contiguous copy with zero padding, so that the
    window slices read memory in order."""
    n, c = x.shape[0], x.shape[1]
    shape = (c, n) + tuple(g[3] + g[5] + g[4] for g in geo)
    if all(g[3] == 0 and g[4] == 0 for g in geo):
        out = xp.empty(shape, dtype=x.dtype, device=x.device)
    else:
        out = xp.zeros(shape, dtype=x.dtype, device=x.device)
    out[interior(geo)] = _swap01(xp, x)
    return out


def columns(xp: Any, x: Any, geo: tuple, groups: int) -> Any:
    """(N, C, *spatial) -> (groups, C / groups * K, N * L), channel-major then kernel offset."""
    xt = channels_first(xp, x, geo)
    n, c = x.shape[0], x.shape[1]
    k = kernel_count(geo)
    outs = tuple(g[6] for g in geo)
    cols = xp.empty((c, k, n) + outs, dtype=x.dtype, device=x.device)
    rest = (slice(None),) * (len(geo) + 1)
    for i, key in enumerate(offsets(geo)):
        cols[(slice(None), i) + rest] = xt[key]
    return xp.reshape(cols, (groups, c // groups * k, n * _length(geo)))


def _gy_matrix(xp: Any, gy: Any, groups: int) -> Any:
    """(N, O, *out) -> (groups, O / groups, N * L) (a copy: channels first)."""
    n, o = gy.shape[0], gy.shape[1]
    return xp.reshape(_swap01(xp, gy), (groups, o // groups, n * _prod(gy.shape[2:])))


def _weight_matrix(xp: Any, w: Any, groups: int) -> Any:
    """(O, C / groups, *k) -> (groups, O / groups, C / groups * K)."""
    return xp.reshape(w, (groups, w.shape[0] // groups, _prod(w.shape[1:])))


def _prod(values: Any) -> int:
    n = 1
    for v in values:
        n *= v
    return n


class Conv(Function):
    """y[n, o] = sum over c, kernel offsets of w[o, c, k] * x_padded[n, c, window k] (+ b[o]).

    args: (geo, groups, saved): forward appends its columns to the list ``saved``; the first
    backward takes them for the weight gradient (a second one recomputes them)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays, geo, groups, saved):
        x, w = arrays[0], arrays[1]
        cols = columns(xp, x, geo, groups)
        saved.append(cols)
        y = xp.matmul(_weight_matrix(xp, w, groups), cols)          # (G, O / G, N * L)
        n, o = x.shape[0], w.shape[0]
        outs = tuple(g[6] for g in geo)
        out = xp.empty((n, o) + outs, dtype=y.dtype, device=x.device)
        out[...] = _swap01(xp, xp.reshape(y, (o, n) + outs))
        if len(arrays) == 3:
            out += xp.reshape(arrays[2], (o,) + (1,) * len(geo))
        return out

    def backward(self, gy):
        x, w = self.inputs[0], self.inputs[1]
        geo, groups, saved = self.args
        cols = saved.pop() if saved else None
        gx = applyn(ConvInputGrad, (gy, w), geo, groups) if x._rg else None
        gw = applyn(ConvWeightGrad, (gy, x), geo, groups, cols) if w._rg else None
        if len(self.inputs) == 2:
            return gx, gw
        b = self.inputs[2]
        gb = gy.sum((0,) + tuple(range(2, gy.ndim))) if b._rg else None
        return gx, gw, gb


class ConvInputGrad(Function):
    """gx = col2im(w^T gy): the gradient of Conv with respect to x; with the geometry of a
    transposed convolution (input = the output canvas), conv_transpose itself."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays, geo, groups):
        gy, w = arrays
        gcols = xp.matmul(_weight_matrix(xp, w, groups).mT, _gy_matrix(xp, gy, groups))
        n, c = gy.shape[0], w.shape[1] * groups
        k = kernel_count(geo)
        outs = tuple(g[6] for g in geo)
        gcols = xp.reshape(gcols, (c, k, n) + outs)              # (C, K, N, *out)
        canvas = canvas_zeros(xp, gcols, (c, n), geo)            # (C, N, *padded)
        rest = (slice(None),) * (len(geo) + 1)
        for i, key in enumerate(offsets(geo)):
            canvas[key] += gcols[(slice(None), i) + rest]
        gx = xp.empty((n, c) + tuple(g[5] for g in geo), dtype=gy.dtype, device=gy.device)
        gx[...] = _swap01(xp, canvas[interior(geo)])
        return gx

    def backward(self, ggx):
        gy, w = self.inputs
        geo, groups = self.args
        g_gy = applyn(Conv, (ggx, w), geo, groups, []) if gy._rg else None
        g_w = applyn(ConvWeightGrad, (gy, ggx), geo, groups, None) if w._rg else None
        return g_gy, g_w


class ConvWeightGrad(Function):
    """gw = gy times the columns of x, summed over the batch: the gradient of Conv with
    respect to w. args: (geo, groups, cols) where cols are x's columns or None."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays, geo, groups, cols):
        gy, x = arrays
        if cols is None:
            cols = columns(xp, x, geo, groups)
        gw = xp.matmul(_gy_matrix(xp, gy, groups), cols.mT)        # (G, O / G, C / G * K)
        shape = (gy.shape[1], x.shape[1] // groups) + tuple(g[0] for g in geo)
        return xp.reshape(gw, shape)

    def backward(self, ggw):
        gy, x = self.inputs
        geo, groups, _ = self.args
        g_gy = applyn(Conv, (x, ggw), geo, groups, []) if gy._rg else None
        g_x = applyn(ConvInputGrad, (gy, ggw), geo, groups) if x._rg else None
        return g_gy, g_x
