"""Quantiles, histograms and random draws of PyTorch's top level: quantile, nanquantile
(differentiable as PyTorch's: a sort, then a gather and lerp of the neighbours), histogram,
multinomial and poisson (draws from the library's streams: xg.manual_seed or generator=)."""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from ...dtypes import float64, int64
from ..function import host_check
from ..grad_mode import no_grad
from ..tensor import Tensor
from ._util import NUMBER_TYPES, require_tensor
from .torch_errors import TorchTypeError, TorchValueError, axis as normalize_axis
from .arithmetic import where
from .gather_ops import gather
from .math_binary import lerp
from .sort_ops import sort

__all__ = ["quantile", "nanquantile", "histogram", "multinomial", "poisson"]

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(op: str, input: Tensor, q: Any, dim: Any, keepdim: bool, interpolation: str,
              ignore_nan: bool) -> Tensor:
    require_tensor(input, op)
    if not input.dtype.is_floating:
        raise TorchTypeError(f"{op}() input tensor must be either float or double dtype, "
                             f"got {input.dtype}")
    if interpolation not in _MODES:
        raise TorchValueError(f"{op}() interpolation must be one of {_MODES}. "
                              f"Got '{interpolation}'")
    from ..factories import tensor
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise TorchValueError(f"{op}() q must be a scalar or 1D tensor, got shape "
                                  f"{q.shape}")
        if q.dtype != input.dtype:
            raise TorchTypeError(f"{op}() q tensor must be same dtype as the input tensor "
                                 f"({q.dtype} and {input.dtype})")
        scalar_q, qt = q.ndim == 0, q.detach().reshape(-1)
    else:
        values = [float(v) for v in q] if isinstance(q, (list, tuple)) else [float(q)]
        if any(not 0.0 <= v <= 1.0 for v in values):
            raise TorchValueError(f"{op}() q values must be in the range [0, 1], got {q}")
        scalar_q = isinstance(q, NUMBER_TYPES)
        qt = tensor(values, dtype=input.dtype, device=input._backend)
    if input.numel() == 0:
        raise TorchValueError(f"{op}() input tensor must be non-empty")
    if dim is None:
        x = input.reshape(-1)
        out_shape = (1,) * input.ndim if keepdim else ()
    else:
        d = normalize_axis(dim, max(input.ndim, 1), op)
        x = input.reshape(1) if input.ndim == 0 else input.movedim(d, -1)
        out_shape = tuple(1 if k == d else n for k, n in enumerate(input.shape)) if keepdim \
            else tuple(n for k, n in enumerate(input.shape) if k != d)
    values = sort(x, -1).values                         # NaN sorts last
    n = values.shape[-1]
    nan = (values != values).detach()
    ranks_shape = tuple(values.shape[:-1]) + (qt.shape[0],)
    qb = qt.reshape((1,) * (values.ndim - 1) + (-1,))
    if ignore_nan:   # ranks over the non-NaN values; all NaN -> rank 0 (a NaN)
        count = (~nan).astype(values.dtype).sum(-1, keepdims=True)
        ranks = qb * (count - 1.0)
        ranks = where(ranks < 0, 0.0, ranks)
    else:            # a NaN in the slice -> the last rank (a NaN)
        ranks = where(nan.any(-1, keepdims=True), float(n - 1), qb * float(n - 1))
    ranks = ranks.broadcast_to(ranks_shape)
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()
    below = ranks.astype(int64)
    out = gather(values, -1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks - below.astype(ranks.dtype) if interpolation == "linear" else 0.5
        above = gather(values, -1, ranks.ceil().astype(int64))
        out = lerp(out, above, weights)
    out = out.movedim(-1, 0)                           # q first, as PyTorch
    out = out.reshape((qt.shape[0],) + out_shape)
    return out[0] if scalar_q else out


def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The q-th quantiles of input along ``dim`` (all elements when None); q a number or a
    1-D tensor (its dimension first in the result). A NaN in a slice makes its quantiles NaN.

    >>> xg.quantile(xg.tensor([1.0, 2.0, 3.0, 4.0]), 0.5)  # tensor(2.5000)
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """quantile ignoring NaN (NaN only for an all-NaN slice).

    >>> xg.nanquantile(xg.tensor([1.0, float("nan"), 3.0]), 0.5)  # tensor(2.)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


class HistogramResult(NamedTuple):
    hist: Tensor
    bin_edges: Tensor


def _linspace_edges(lo: Tensor, hi: Tensor, steps: int) -> Tensor:
    """PyTorch's linspace: from the start for the first half, from the end for the rest."""
    from ..factories import arange
    i = arange(steps, dtype=lo.dtype, device=lo._backend)
    step = (hi - lo) / float(max(steps - 1, 1))
    half = steps // 2
    return where(i < half, lo + step * i, hi - step * (float(steps - 1) - i))


def histogram(input: Tensor, bins: Any = 100, *, range: Any = None, weight: Tensor | None = None,
              density: bool = False) -> HistogramResult:
    """Counts (or summed weights) of input's values in bins: ``bins`` equal bins over range
    (default: input's min to max) or the given increasing edges (a 1-D tensor); the last bin
    includes its right edge. A constant.

    >>> xg.histogram(xg.tensor([1.0, 2.0, 1.0]), bins=2)  # hist [2., 1.], edges [1., 1.5, 2.]
    """
    from ..factories import tensor
    from .counting import bincount
    from .sort_ops import searchsorted
    require_tensor(input, "histogram")
    if not input.dtype.is_floating:
        raise TypeError(f"histogram: input must be a floating tensor, got {input.dtype}")
    with no_grad():
        x = input.detach().reshape(-1)
        if isinstance(bins, Tensor):
            if bins.ndim != 1 or bins.shape[0] < 1:
                raise ValueError(f"histogram: bins tensor should be 1-D, got {bins.shape}")
            edges = bins.detach().astype(input.dtype)
        else:
            if not isinstance(bins, int) or bins < 1:
                raise ValueError(f"histogram: bins must be a positive int, got {bins!r}")
            if range is not None:
                lo, hi = (tensor(float(v), dtype=input.dtype, device=input._backend)
                          for v in range)
                if float(range[0]) > float(range[1]):
                    raise ValueError(f"histogram: min should not exceed max, got {range}")
            elif x.numel():
                lo, hi = x.min(), x.max()
            else:
                lo, hi = (tensor(v, dtype=input.dtype, device=input._backend) for v in (0., 1.))
            same = lo == hi       # PyTorch widens an empty range by 1/2 on each side
            lo, hi = where(same, lo - 0.5, lo), where(same, hi + 0.5, hi)
            edges = _linspace_edges(lo, hi, bins + 1)
        nbins = edges.shape[0] - 1
        w = (x * 0.0 + 1.0) if weight is None else weight.detach().reshape(-1).astype(x.dtype)
        inside = (x >= edges[0]) & (x <= edges[-1])
        position = searchsorted(edges, x, right=True) - 1
        position = where(position >= nbins, nbins - 1, position)      # the right edge
        position = where(inside, position, 0)
        hist = bincount(position, weights=where(inside, w, 0.0), minlength=max(nbins, 1))
        hist = hist[:nbins].astype(input.dtype)
        if density:
            widths = edges[1:] - edges[:-1]
            hist = hist / (hist.sum() * widths)
    return HistogramResult(hist, edges)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Tensor:
    """Category indices drawn from the rows of ``input`` (non-negative weights, 1-D or 2-D):
    with replacement by the inverse CDF, without by the exponential race (the Gumbel top-k
    trick), so each draw is a fixed number of device ops.

    >>> xg.multinomial(xg.tensor([0.0, 1.0, 3.0]), 2)  # e.g. tensor([2, 1])
    """
    from ..factories import rand
    require_tensor(input, "multinomial")
    if input.ndim not in (1, 2):
        raise ValueError(f"multinomial: prob_dist must be 1 or 2 dim, got {input.ndim}")
    if not input.dtype.is_floating:
        raise TypeError(f"multinomial: only supports floating-point dtypes for input, got "
                        f"{input.dtype}")
    n = input.shape[-1]
    if num_samples <= 0:
        raise ValueError(f"multinomial: cannot sample n_sample <= 0 samples, got {num_samples}")
    if not replacement and num_samples > n:
        raise ValueError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                         f"without replacement ({num_samples} > {n})")
    with no_grad():
        p = input.detach().astype(float64)
        p = p.reshape(1, -1) if p.ndim == 1 else p
        if p._backend.kind == "numpy":      # host memory: the check costs no sync
            host_check(p._backend, _refuse_bad_probabilities, p.data)
        rows = p.shape[0]
        u = rand(rows, num_samples if replacement else n, dtype=float64, device=input._backend,
                 generator=generator)
        if replacement:
            from .reduce_scan import cumsum
            from .sort_ops import searchsorted
            cdf = cumsum(p, 1)
            cdf = cdf / cdf[:, -1:]
            out = searchsorted(cdf, u, right=True)
            out = where(out >= n, n - 1, out)
        else:
            keys = where(p > 0, (u.log() * -1.0).log() * -1.0 + p.log(), -math.inf)
            out = keys.topk(num_samples, -1).indices
        out = out.astype(int64)
    return out.reshape(-1) if input.ndim == 1 else out


def _refuse_bad_probabilities(p: Any) -> None:
    if not (p >= 0).all() or not (p < math.inf).all():
        raise ValueError("multinomial: probability tensor contains either inf, nan or an "
                         "element < 0")
    if not (p.sum(axis=1) > 0).all():
        raise ValueError("multinomial: invalid multinomial distribution (a row sums to 0)")


def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """Poisson samples with the rates in input (input's dtype): one uniform per element through
    the inverse CDF over a window of mean +- 12 standard deviations. The window's width reads
    the largest rate once (a host sync, so not inside xg.compile).

    >>> xg.poisson(xg.full((3,), 4.0))  # e.g. tensor([3., 6., 4.])
    """
    from ..factories import arange, rand
    from .extra_gamma_ops import lgamma
    from .reduce_scan import cumsum
    require_tensor(input, "poisson")
    if not input.dtype.is_floating:
        raise TypeError(f"poisson: expected a floating tensor of rates, got {input.dtype}")
    with no_grad():
        rate = input.detach().astype(float64).reshape(-1)
        if rate.numel() == 0:
            return input.detach().clone()
        top = float(rate.max().item())
        if not top >= 0.0 or math.isinf(top):
            raise ValueError(f"poisson: rates must be finite and non-negative, got max {top}")
        width = int(math.ceil(24.0 * math.sqrt(top) + 30.0))
        low = (rate - 12.0 * rate.sqrt() - 5.0).floor()
        low = where(low < 0, 0.0, low)
        k = low[:, None] + arange(width, dtype=float64, device=input._backend)[None, :]
        safe = where(rate > 0, rate, 1.0)[:, None]
        pmf = (k * safe.log() - safe - lgamma(k + 1.0)).exp()
        cdf = cumsum(pmf, 1)
        u = rand(rate.shape[0], 1, dtype=float64, device=input._backend, generator=generator)
        draw = low + (cdf < u).astype(float64).sum(-1)
        draw = where(rate > 0, draw, 0.0)
        if bool((rate < 0).any().item()):
            raise ValueError("poisson: rates must be non-negative")
    return draw.reshape(input.shape).astype(input.dtype)
