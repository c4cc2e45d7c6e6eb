"""NumPy references of convolution, transposed convolution, pooling, adaptive pooling, LP
pooling and unfold/fold for the registry (tests/op_db_conv.py): loops over kernel offsets and
output positions, written independently of nn/conv_windows.py."""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np


def _tup(v: Any, n: int) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


# ---- references -----------------------------------------------------------------------------
def np_conv(x: Any, w: Any, b: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
            groups: int = 1) -> Any:
    nd = w.ndim - 2
    if x.ndim == nd + 1:
        return np_conv(x[None], w, b, stride, padding, dilation, groups)[0]
    st_, dl, k = _tup(stride, nd), _tup(dilation, nd), w.shape[2:]
    if padding == "valid":
        pads = [(0, 0)] * nd
    elif padding == "same":
        pads = [(d * (kk - 1) // 2, d * (kk - 1) - d * (kk - 1) // 2) for d, kk in zip(dl, k)]
    else:
        pads = [(p, p) for p in _tup(padding, nd)]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    out = [(xp.shape[2 + i] - dl[i] * (k[i] - 1) - 1) // st_[i] + 1 for i in range(nd)]
    n, c = x.shape[:2]
    o = w.shape[0]
    cg, og = c // groups, o // groups
    y = np.zeros((n, o, *out), dtype=x.dtype)
    for offs in itertools.product(*[range(kk) for kk in k]):
        sl = tuple(slice(q * d, q * d + s * (m - 1) + 1, s)
                   for q, d, s, m in zip(offs, dl, st_, out))
        patch = xp[(slice(None), slice(None)) + sl]
        for g in range(groups):
            wk = w[(slice(g * og, (g + 1) * og), slice(None)) + offs]
            y[:, g * og:(g + 1) * og] += np.einsum("nc...,oc->no...",
                                                   patch[:, g * cg:(g + 1) * cg], wk)
    if b is not None:
        y += b.reshape((o,) + (1,) * nd)
    return y


def np_conv_transpose(x: Any, w: Any, b: Any = None, stride: Any = 1, padding: Any = 0,
                      output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Any:
    nd = w.ndim - 2
    if x.ndim == nd + 1:
        return np_conv_transpose(x[None], w, b, stride, padding, output_padding, groups,
                                 dilation)[0]
    st_, dl, pd, op_ = (_tup(v, nd) for v in (stride, dilation, padding, output_padding))
    k, sp = w.shape[2:], x.shape[2:]
    full = [(i - 1) * s + d * (kk - 1) + 1 + e for i, s, d, kk, e in zip(sp, st_, dl, k, op_)]
    n, cin = x.shape[:2]
    og, cg = w.shape[1], cin // groups
    canvas = np.zeros((n, og * groups, *full), dtype=x.dtype)
    for offs in itertools.product(*[range(kk) for kk in k]):
        sl = tuple(slice(q * d, q * d + s * (i - 1) + 1, s)
                   for q, d, s, i in zip(offs, dl, st_, sp))
        for g in range(groups):
            wk = w[(slice(g * cg, (g + 1) * cg), slice(None)) + offs]
            canvas[(slice(None), slice(g * og, (g + 1) * og)) + sl] += np.einsum(
                "nc...,co->no...", x[:, g * cg:(g + 1) * cg], wk)
    y = canvas[(slice(None), slice(None)) + tuple(slice(p, f - p) for p, f in zip(pd, full))]
    if b is not None:
        y = y + b.reshape((-1,) + (1,) * nd)
    return np.ascontiguousarray(y)


def _windows(size: int, k: int, s: int, p: int, d: int, ceil: bool) -> list:
    """Per output position: (its input positions, the count torch divides by with padding)."""
    span = size + 2 * p - d * (k - 1) - 1
    n = (-(-span // s) if ceil else span // s) + 1
    if ceil and (n - 1) * s >= size + p:
        n -= 1
    out = []
    for i in range(n):
        start = i * s - p
        positions = [start + j * d for j in range(k)]
        padded_count = min(start + k, size + p) - start
        out.append(([q for q in positions if 0 <= q < size], padded_count))
    return out


def np_pool(x: Any, kind: str, nd: int, kernel_size: Any, stride: Any = None, padding: Any = 0,
            dilation: Any = 1, ceil_mode: bool = False, count_include_pad: bool = True,
            divisor_override: Any = None) -> Any:
    k = _tup(kernel_size, nd)
    s = k if stride is None else _tup(stride, nd)
    p, d = _tup(padding, nd), _tup(dilation, nd)
    wins = [_windows(x.shape[x.ndim - nd + i], k[i], s[i], p[i], d[i], ceil_mode)
            for i in range(nd)]
    y = np.zeros(x.shape[:x.ndim - nd] + tuple(len(w) for w in wins), dtype=x.dtype)
    for idx in itertools.product(*[range(len(w)) for w in wins]):
        pos = [wins[i][j][0] for i, j in enumerate(idx)]
        count = int(np.prod([len(q) for q in pos]))
        block = x[(Ellipsis,) + np.ix_(*pos)].reshape(x.shape[:x.ndim - nd] + (count,))
        if kind == "max":
            y[(Ellipsis,) + idx] = block.max(-1)
        else:
            div = divisor_override or (np.prod([wins[i][j][1] for i, j in enumerate(idx)])
                                       if count_include_pad else block.shape[-1])
            y[(Ellipsis,) + idx] = block.sum(-1) / div
    return y


def np_adaptive(x: Any, kind: str, nd: int, output_size: Any) -> Any:
    sizes = _tup(output_size, nd)
    sp = x.shape[x.ndim - nd:]
    sizes = tuple(s if o is None else o for s, o in zip(sp, sizes))
    y = np.zeros(x.shape[:x.ndim - nd] + sizes, dtype=x.dtype)
    for idx in itertools.product(*[range(o) for o in sizes]):
        key = tuple(slice(i * s // o, -(-(i + 1) * s // o)) for i, s, o in zip(idx, sp, sizes))
        block = x[(Ellipsis,) + key]
        axes = tuple(range(-nd, 0))
        y[(Ellipsis,) + idx] = block.max(axes) if kind == "max" else block.mean(axes)
    return y


def np_unfold(x: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
              stride: Any = 1) -> Any:
    k, d, p, s = (_tup(v, 2) for v in (kernel_size, dilation, padding, stride))
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p[0], p[0]), (p[1], p[1])])
    out = [(xp.shape[-2 + i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]
    blocks = []
    for c in range(x.shape[-3]):
        for i, j in itertools.product(range(k[0]), range(k[1])):
            blocks.append(xp[..., c, i * d[0]::s[0], j * d[1]::s[1]][..., :out[0], :out[1]]
                          .reshape(x.shape[:-3] + (-1,)))
    return np.stack(blocks, axis=-2)


def np_fold(cols: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
            stride: Any = 1) -> Any:
    k, d, p, s, size = (_tup(v, 2) for v in (kernel_size, dilation, padding, stride,
                                                output_size))
    out = [(size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]
    c = cols.shape[-2] // (k[0] * k[1])
    canvas = np.zeros(cols.shape[:-2] + (c, size[0] + 2 * p[0], size[1] + 2 * p[1]), cols.dtype)
    blocks = cols.reshape(cols.shape[:-2] + (c, k[0], k[1], out[0], out[1]))
    for i, j in itertools.product(range(k[0]), range(k[1])):
        canvas[..., i * d[0]:i * d[0] + s[0] * (out[0] - 1) + 1:s[0],
               j * d[1]:j * d[1] + s[1] * (out[1] - 1) + 1:s[1]] += blocks[..., i, j, :, :]
    return canvas[..., p[0]:p[0] + size[0], p[1]:p[1] + size[1]]


def np_lp_pool(x: Any, nd: int, norm_type: float, kernel_size: Any, stride: Any = None,
               ceil_mode: bool = False) -> Any:
    """PyTorch's definition: avg_pool(x^p) * prod(kernel), to the power 1/p (windows cut by
    ceil_mode divide by their in-bounds count, so this is not quite the window's p-norm)."""
    k = _tup(kernel_size, nd)
    avg = np_pool(x ** norm_type, "avg", nd, k, stride, ceil_mode=ceil_mode)
    return (avg * int(np.prod(k))) ** (1.0 / norm_type)
