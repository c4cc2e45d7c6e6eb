"""PyTorch's numeric helpers beyond the op families: gradient (finite differences, as
torch.gradient / numpy.gradient), the signal windows (bartlett, blackman, hamming, hann,
kaiser), binomial sampling and histogramdd. Compositions of existing ops: gradient is
differentiable; the windows are constants built on the target device."""
from __future__ import annotations

import math
from typing import Any, Sequence

from ...dtypes import float64, int64
from ..factories import arange, get_default_dtype, rand, tensor, zeros
from ..grad_mode import no_grad
from ..tensor import Tensor
from ._util import normalize_axis, require_tensor
from .arithmetic import where
from .shape import concat, unsqueeze

__all__ = ["gradient", "bartlett_window", "blackman_window", "hamming_window", "hann_window",
           "kaiser_window", "binomial", "histogramdd"]


# ---- gradient -------------------------------------------------------------------------------
def _take(x: Tensor, d: int, start: int | None, stop: int | None) -> Tensor:
    return x[(slice(None),) * d + (slice(start, stop),)]


def _along(v: Tensor, d: int, ndim: int) -> Tensor:
    """A 1-D tensor shaped to broadcast along dimension d of an ndim tensor."""
    shape = [1] * ndim
    shape[d] = v.shape[0]
    return v.reshape(shape)


def _gradient_1d(f: Tensor, d: int, h: Any, edge_order: int) -> Tensor:
    n = f.shape[d]
    if n < edge_order + 1:
        raise ValueError(f"gradient: dimension {d} of shape {f.shape} needs at least "
                         f"{edge_order + 1} points for edge_order={edge_order}")
    if not isinstance(h, Tensor):                           # uniform spacing h
        inner = (_take(f, d, 2, None) - _take(f, d, None, -2)) / (2.0 * h)
        if edge_order == 1:
            first = (_take(f, d, 1, 2) - _take(f, d, 0, 1)) / h
            last = (_take(f, d, -1, None) - _take(f, d, -2, -1)) / h
        else:
            first = (-1.5 * _take(f, d, 0, 1) + 2.0 * _take(f, d, 1, 2)
                     - 0.5 * _take(f, d, 2, 3)) / h
            last = (0.5 * _take(f, d, -3, -2) - 2.0 * _take(f, d, -2, -1)
                    + 1.5 * _take(f, d, -1, None)) / h
        return concat([first, inner, last], d)
    x = h.astype(f.dtype) if h.dtype != f.dtype else h      # coordinates along d
    if x.ndim != 1 or x.shape[0] != n:
        raise ValueError(f"gradient: coordinates of shape {h.shape} do not match dimension "
                         f"{d} of size {n}")
    dx = x[1:] - x[:-1]
    a, b = dx[:-1], dx[1:]                                  # numpy's hs (left), hd (right)
    c_prev = _along(-b / (a * (a + b)), d, f.ndim)
    c_mid = _along((b - a) / (a * b), d, f.ndim)
    c_next = _along(a / (b * (a + b)), d, f.ndim)
    inner = c_prev * _take(f, d, None, -2) + c_mid * _take(f, d, 1, -1) + \
        c_next * _take(f, d, 2, None)
    if edge_order == 1:
        first = (_take(f, d, 1, 2) - _take(f, d, 0, 1)) / dx[0]
        last = (_take(f, d, -1, None) - _take(f, d, -2, -1)) / dx[-1]
    else:
        h1, h2 = dx[0], dx[1]
        first = (-(2.0 * h1 + h2) / (h1 * (h1 + h2)) * _take(f, d, 0, 1)
                 + (h1 + h2) / (h1 * h2) * _take(f, d, 1, 2)
                 - h1 / (h2 * (h1 + h2)) * _take(f, d, 2, 3))
        h1, h2 = dx[-2], dx[-1]
        last = (h2 / (h1 * (h1 + h2)) * _take(f, d, -3, -2)
                - (h2 + h1) / (h1 * h2) * _take(f, d, -2, -1)
                + (2.0 * h2 + h1) / (h2 * (h1 + h2)) * _take(f, d, -1, None))
    return concat([first, inner, last], d)


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None,
             edge_order: int = 1) -> tuple:
    """Estimates of the derivative of ``input`` along each of ``dim`` (all by default) by
    central differences inside and one-sided ones of order ``edge_order`` (1 or 2) at the
    ends; ``spacing`` is one step for all, a step per dimension, or a 1-D tensor of
    coordinates per dimension. Differentiable.
    >>> xg.gradient(xg.tensor([1.0, 4.0, 9.0, 16.0]))    # ([3., 4., 6., 7.],)"""
    require_tensor(input, "gradient")
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order}")
    if dim is None:
        dims = list(range(input.ndim))
    elif isinstance(dim, int):
        dims = [dim]
    else:
        dims = list(dim)
    dims = [normalize_axis(d, input.ndim, "gradient") for d in dims]
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise ValueError(f"gradient: {len(spacing)} spacings given for {len(dims)} "
                             "dimensions; give one per dimension")
        steps = list(spacing)
    else:
        steps = [spacing] * len(dims)
    f = input if input.dtype.is_floating else input.astype(get_default_dtype())
    out = []
    for d, h in zip(dims, steps):
        if isinstance(h, Tensor) and h.ndim == 0:
            h = float(h.item())
        out.append(_gradient_1d(f, d, h, edge_order))
    return tuple(out)


# ---- windows --------------------------------------------------------------------------------
def _window_grid(op: str, window_length: int, periodic: bool, dtype: Any,
                 device: Any) -> tuple:
    if not isinstance(window_length, int) or window_length < 0:
        raise ValueError(f"{op}: window_length must be a non-negative int, got "
                         f"{window_length!r}")
    dtype = dtype or get_default_dtype()
    n = arange(window_length, dtype=float64, device=device)
    denominator = window_length if periodic else window_length - 1
    return n, float(denominator), dtype


def _finish(op: str, window_length: int, values: Any, dtype: Any, device: Any,
            requires_grad: bool) -> Tensor:
    if window_length <= 1:
        values = tensor([1.0] * window_length, dtype=float64, device=device)
    return values.astype(dtype).detach().requires_grad_(requires_grad)


def _cosine_window(op: str, coefficients: Sequence[float], window_length: int, periodic: bool,
                   dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    n, N, dtype = _window_grid(op, window_length, periodic, dtype, device)
    values = n * 0.0
    if window_length > 1:
        for k, c in enumerate(coefficients):
            values = values + (c * (-1) ** k) * (2.0 * math.pi * k * n / N).cos()
    return _finish(op, window_length, values, dtype, device, requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Hann window ``0.5 - 0.5 cos(2 pi n / N)`` (N = length if ``periodic``, else
    length - 1). >>> xg.hann_window(4)          # [0., 0.5, 1., 0.5]"""
    return _cosine_window("hann_window", (0.5, 0.5), window_length, periodic, dtype, device,
                          requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
    """The Hamming window ``alpha - beta cos(2 pi n / N)``. >>> xg.hamming_window(5, False)"""
    return _cosine_window("hamming_window", (alpha, beta), window_length, periodic, dtype,
                          device, requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Blackman window ``0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)``.
    >>> xg.blackman_window(5, periodic=False)"""
    return _cosine_window("blackman_window", (0.42, 0.5, 0.08), window_length, periodic, dtype,
                          device, requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    """The triangular Bartlett window ``1 - |2n / N - 1|``.
    >>> xg.bartlett_window(5, periodic=False)   # [0., 0.5, 1., 0.5, 0.]"""
    n, N, dtype = _window_grid("bartlett_window", window_length, periodic, dtype, device)
    values = 1.0 - (2.0 * n / N - 1.0).abs() if window_length > 1 else n
    return _finish("bartlett_window", window_length, values, dtype, device, requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The Kaiser window ``I0(beta sqrt(1 - (2n / N - 1)^2)) / I0(beta)``.
    >>> xg.kaiser_window(5, periodic=False, beta=5.0)"""
    from .extra_gamma_ops import i0
    n, N, dtype = _window_grid("kaiser_window", window_length, periodic, dtype, device)
    values = n
    if window_length > 1:
        r = 2.0 * n / N - 1.0
        arg = (1.0 - r * r).clip(0.0, None).sqrt() * beta
        values = i0(arg) / i0(tensor(float(beta), dtype=float64, device=device))
    return _finish("kaiser_window", window_length, values, dtype, device, requires_grad)


# ---- sampling and histograms ------------------------------------------------------------------
def binomial(count: Tensor, prob: Tensor, generator: Any = None) -> Tensor:
    """Binomial(count, prob) draws, one uniform per element through the inverse CDF over a
    window of mean +- 12 standard deviations (reads the widest window once: a host sync).
    >>> xg.binomial(xg.full((3,), 10.0), xg.full((3,), 0.5))   # e.g. [4., 6., 5.]"""
    from .extra_gamma_ops import lgamma
    from .reduce_scan import cumsum
    require_tensor(count, "binomial")
    require_tensor(prob, "binomial")
    if not count.dtype.is_floating or not prob.dtype.is_floating:
        raise TypeError(f"binomial: count and prob must be floating tensors, got "
                        f"{count.dtype} and {prob.dtype}")
    with no_grad():
        n, p = (t.detach().astype(float64) for t in (count, prob))
        shape = tuple((n + p * 0.0).shape)
        n, p = n.expand(*shape).reshape(-1), p.expand(*shape).reshape(-1)
        if n.numel() == 0:
            return zeros(*shape, dtype=count.dtype, device=count._backend)
        if bool(((n < 0) | (p < 0) | (p > 1) | (n != n.floor())).any().item()):
            raise ValueError("binomial: count must hold non-negative integers and prob "
                             "values in [0, 1]")
        sd = (n * p * (1.0 - p)).sqrt()
        width = int(min(float(n.max().item()) + 1.0,
                        math.ceil(24.0 * float(sd.max().item()) + 30.0)))
        low = (n * p - 12.0 * sd - 5.0).floor()
        low = where(low < 0, 0.0, low)
        k = unsqueeze(low, 1) + unsqueeze(arange(width, dtype=float64, device=n._backend), 0)
        nn, pp = unsqueeze(n, 1), unsqueeze(where((p > 0) & (p < 1), p, 0.5), 1)
        valid = k <= nn
        kk = where(valid, k, 0.0)
        logpmf = (lgamma(nn + 1.0) - lgamma(kk + 1.0) - lgamma(nn - kk + 1.0)
                  + kk * pp.log() + (nn - kk) * (-pp).log1p())
        pmf = where(valid, logpmf.exp(), 0.0)
        u = rand(n.shape[0], 1, dtype=float64, device=n._backend, generator=generator)
        draw = low + ((cumsum(pmf, 1) < u) & valid).astype(float64).sum(-1)
        draw = where(draw > n, n, draw)
        draw = where(p <= 0, 0.0, where(p >= 1, n, draw))
        return draw.reshape(shape).astype(count.dtype)


def histogramdd(input: Tensor, bins: Any = 10, *, range: Any = None,  # noqa: A002
                weight: Tensor | None = None, density: bool = False) -> tuple:
    """The D-dimensional histogram of the rows of ``input`` (..., D): ``bins`` is an int, one
    int per dimension, or one edge tensor per dimension; ``range`` is [lo_0, hi_0, lo_1,
    ...]. Returns ``(hist, bin_edges)``, as torch's. A constant.
    >>> hist, edges = xg.histogramdd(xg.rand(100, 2), bins=[3, 4])    # hist (3, 4)"""
    from .counting import bincount
    from .extra_stats import histogram
    from .sort_ops import searchsorted
    require_tensor(input, "histogramdd")
    if input.ndim < 1 or not input.dtype.is_floating:
        raise TypeError(f"histogramdd: input must be a floating tensor (..., D), got "
                        f"{input.dtype}{list(input.shape)}")
    D = input.shape[-1]
    x = input.detach().reshape(-1, D)
    specs = list(bins) if isinstance(bins, (list, tuple)) else [bins] * D
    if len(specs) != D:
        raise ValueError(f"histogramdd: {len(specs)} bin specifications for D = {D}")
    if range is not None and len(range) != 2 * D:
        raise ValueError(f"histogramdd: range needs 2 * D = {2 * D} values, got {len(range)}")
    with no_grad():
        edges, flat = [], None
        for d, spec in enumerate(specs):
            r = None if range is None else (range[2 * d], range[2 * d + 1])
            e = histogram(x[:, d], spec, range=r).bin_edges
            edges.append(e)
        sizes = [e.shape[0] - 1 for e in edges]
        inside = x[:, 0] == x[:, 0]
        for d, e in enumerate(edges):
            col = x[:, d]
            inside = inside & (col >= e[0]) & (col <= e[-1])
            pos = searchsorted(e, col, right=True) - 1
            pos = where(pos >= sizes[d], sizes[d] - 1, pos)
            pos = where(pos < 0, 0, pos).astype(int64)
            flat = pos if flat is None else flat * sizes[d] + pos
        w = x[:, 0] * 0.0 + 1.0 if weight is None else \
            weight.detach().reshape(-1).astype(x.dtype)
        w = where(inside, w, 0.0)
        total = math.prod(sizes)
        hist = bincount(flat, w, total)[:total].reshape(sizes)
        if density:
            volume = None
            for d, e in enumerate(edges):
                width = _along(e[1:] - e[:-1], d, D)
                volume = width if volume is None else volume * width
            hist = hist / hist.sum() / volume
    return hist.astype(input.dtype), edges
