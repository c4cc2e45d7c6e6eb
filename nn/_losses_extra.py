"""Functional losses beyond the lectures' set (exported by nn.functional), with PyTorch's
names, positional order, defaults and formulas, its deprecated ``size_average``/``reduce``
included where PyTorch has them (given, they override ``reduction`` and warn; see
_losses.legacy_reduction).

As the core losses, shapes are checked, never silently broadcast: an input of shape (N,)
against a target of shape (N, 1) raises and names both shapes.

>>> F.huber_loss(pred, y, delta=0.5); F.kl_div(log_p, q, reduction="batchmean")
>>> F.multi_margin_loss(scores, labels); F.triplet_margin_loss(a, p, n)
"""
from __future__ import annotations

import functools
import math
import warnings
from typing import Any

from ..autograd.function import Function, apply2, host_check, run_kernel
from ..autograd.ops import where
from ..autograd.tensor import Tensor, make_tensor
from ._losses import (_check_input, _prepare, _reduce, _refuse_bad_targets, _weighted,
                      legacy_reduction)
from .layer_distance import pairwise_distance

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


class HuberFn(Function):
    """Elementwise Huber loss of d = x - t: d^2 / 2 where |d| < delta, else
    delta (|d| - delta / 2); times ``scale`` (smooth L1 is Huber / beta). The gradient is
    scale * clip(d, -delta, delta), written with Tensor ops (create_graph works).

    args: (delta, scale)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, x, t, delta, scale):
        d = x - t
        a = xp.abs(d)
        loss = xp.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
        if scale != 1.0:
            loss = loss * scale
        return loss

    def backward(self, gy):
        x, t = self.inputs
        delta, scale = self.args
        g = gy * (x - t).clip(-delta, delta)
        if scale != 1.0:
            g = g * scale
        return (g if x._rg else None), (-g if t._rg else None)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Squared error for |input - target| < delta, linear (slope delta) beyond; ``weight``
    (the input's shape) scales each element's loss.

    >>> F.huber_loss(xg.tensor([0.5, 3.0]), xg.tensor([0.0, 0.0]))   # (0.125 + 2.5) / 2
    """
    name = "huber_loss"
    target = _prepare(input, target, name, reduction)
    if not delta > 0:
        raise ValueError(f"{name} does not support non-positive values for delta, got {delta}")
    loss = apply2(HuberFn, input, target, float(delta), 1.0)
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        raise ValueError(f"{name}: weight of shape {tuple(weight.shape)} must have the input's "
                         f"shape {tuple(input.shape)}")
    return _reduce(_weighted(loss, weight, name), reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta for |d| < beta, else |d| - beta / 2 (d = input - target); beta = 0 is
    the L1 loss. >>> F.smooth_l1_loss(pred, y, beta=0.5)"""
    name = "smooth_l1_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, name)
    target = _prepare(input, target, name, reduction)
    if beta < 0:
        raise ValueError(f"{name} does not support negative values for beta, got {beta}")
    if beta == 0:
        return _reduce((input - target).abs(), reduction)
    return _reduce(apply2(HuberFn, input, target, float(beta), 1.0 / beta), reduction)


def _weighted_same(loss: Tensor, weight: Tensor | None, name: str) -> Tensor:
    """loss * weight, refusing a weight that would broadcast the loss to another shape."""
    out = _weighted(loss, weight, name)
    if tuple(out.shape) != tuple(loss.shape):
        raise ValueError(f"{name}: weight of shape {tuple(weight.shape)} would broadcast the "
                         f"loss of shape {tuple(loss.shape)} to {tuple(out.shape)}")
    return out


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence: target * (log(target) - input), with ``input`` log-
    probabilities and ``target`` probabilities (log-probabilities if ``log_target``).
    ``reduction='batchmean'`` divides the sum by the batch size (the KL divergence);
    'mean' divides by the element count (and warns, as PyTorch). As PyTorch's, a legacy
    ``size_average``/``reduce`` picks the reduction, and 'batchmean' still divides that by N.

    >>> F.kl_div(F.log_softmax(logits, dim=1), q, reduction="batchmean")
    """
    name = "kl_div"
    legacy = size_average is not None or reduce is not None
    if legacy:
        reduced = legacy_reduction(size_average, reduce, reduction, name)
    elif reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(f"{name}: reduction must be 'mean', 'batchmean', 'sum' or 'none', "
                         f"got {reduction!r}")
    else:
        reduced = "sum" if reduction == "batchmean" else reduction
    target = _prepare(input, target, name, reduced)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        pos = target > 0
        loss = where(pos, target * where(pos, target, 1.0).log(), 0.0) - target * input
    if reduction == "mean" and not legacy:
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size "
                      "and the support size; 'batchmean' divides only by the batch size and "
                      "aligns with the KL divergence's definition", UserWarning, stacklevel=2)
    loss = _reduce(loss, reduced)
    return loss / input.shape[0] if reduction == "batchmean" and input.ndim else loss


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input)) for targets in {1, -1} (stable for any input).
    >>> F.soft_margin_loss(scores, labels)"""
    reduction = legacy_reduction(size_average, reduce, reduction, "soft_margin_loss")
    target = _prepare(input, target, "soft_margin_loss", reduction)
    return _reduce((-target * input).softplus(), reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,
                     full: bool = False, size_average: bool | None = None, eps: float = 1e-8,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: exp(input) - target * input for log-rates
    (``log_input``), else input - target * log(input + eps); ``full`` adds Stirling's
    approximation of log(target!) where target > 1. >>> F.poisson_nll_loss(log_rate, counts)"""
    reduction = legacy_reduction(size_average, reduce, reduction, "poisson_nll_loss")
    target = _prepare(input, target, "poisson_nll_loss", reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        big = target > 1
        t = where(big, target, 2.0)
        stirling = t * t.log() - t + 0.5 * (t * (2.0 * math.pi)).log()
        loss = loss + where(big, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood 0.5 (log(var) + (input - target)^2 / var) (+ 0.5
    log(2 pi) if ``full``), var clamped at ``eps`` (the gradient passes the clamp, as
    PyTorch). ``var`` has the input's shape, or one dimension of size 1 (or the last one
    missing) for a shared variance, or is a number. A negative var raises on the CPU and
    gives NaN elsewhere (checking there would sync).

    >>> F.gaussian_nll_loss(mean, y, var)
    """
    name = "gaussian_nll_loss"
    target = _prepare(input, target, name, reduction)
    var = _gaussian_var(input, var, name)
    backend = input._backend
    if backend.kind == "numpy":
        host_check(backend, _refuse_negative_var, var.data)
    clamped = var + (var.detach().clip(eps, None) - var.detach())
    d = input - target
    loss = 0.5 * (clamped.log() + d * d / clamped)
    if full:
        loss = loss + _HALF_LOG_2PI
    if backend.kind != "numpy":
        loss = where(var < 0, math.nan, loss)
    return _reduce(loss, reduction)


def _gaussian_var(input: Tensor, var: Any, name: str) -> Tensor:
    if isinstance(var, (int, float)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError(f"{name}: var has negative entry/entries")
        from ..autograd.factories import full
        return full(tuple(input.shape), float(var), dtype=input.dtype, device=input._backend)
    if not isinstance(var, Tensor):
        raise TypeError(f"{name}: var must be a Tensor or a number, got {type(var).__name__}")
    if var._backend is not input._backend:
        raise RuntimeError(f"{name}: input is on {input.device} but var is on {var.device}")
    if var.dtype is not input.dtype:
        var = var.astype(input.dtype)
    ishape, vshape = tuple(input.shape), tuple(var.shape)
    if vshape == ishape:
        return var
    if input.ndim and vshape == ishape[:-1]:
        return var.unsqueeze(-1)
    if len(vshape) == len(ishape) and sum(v for i, v in zip(ishape, vshape) if i != v) == 1:
        return var
    raise ValueError(f"{name}: var is of incorrect size: var shape {vshape} for input shape "
                     f"{ishape} (expected the input's shape, one dimension of size 1, or the "
                     "last dimension missing)")


def _refuse_negative_var(var: Any) -> None:
    if var.size and bool((var < 0).any()):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin), targets in {1, -1}: input1 should rank
    higher where target is 1. >>> F.margin_ranking_loss(s1, s2, y, margin=0.5)"""
    name = "margin_ranking_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, name)
    input2 = _prepare(input1, input2, name, reduction)
    target = _prepare(input1, target, name, reduction)
    return _reduce((-target * (input1 - input2) + margin).clip(0.0, None), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """input where target is 1, max(0, margin - input) where target is -1 (input: e.g. a
    distance). >>> F.hinge_embedding_loss(dist, y)"""
    reduction = legacy_reduction(size_average, reduce, reduction, "hinge_embedding_loss")
    target = _prepare(input, target, "hinge_embedding_loss", reduction)
    hinge = where(target != 1, (margin - input).clip(0.0, None), 0.0)
    return _reduce(hinge + where(target != -1, input, 0.0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where it is -1;
    inputs (N, D) with targets (N,), or (D,) with a 0-d target.
    >>> F.cosine_embedding_loss(a, b, y)"""
    name = "cosine_embedding_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, name)
    _check_input(input1, name, reduction)
    input2 = _prepare(input1, input2, name, reduction)
    if input1.ndim not in (1, 2):
        raise ValueError(f"{name}: expected 1D or 2D inputs, got shape {tuple(input1.shape)}")
    target = _prepare(input1.sum(-1).detach(), target, name, reduction)
    dim = input1.ndim - 1
    prod = (input1 * input2).sum(dim)
    eps = 9.999999960041972e-13              # PyTorch's EPSILON: the float32 1e-12
    mag1 = (input1 * input1).sum(dim) + eps
    mag2 = (input2 * input2).sum(dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    loss = (where(target == 1, 1.0 - cos, 0.0)
            + where(target == -1, (cos - margin).clip(0.0, None), 0.0))
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """Multi-label one-versus-all loss: per sample, the mean over classes of the binary
    cross-entropy of sigmoid(input) against 0/1 targets (``weight`` per class).
    >>> F.multilabel_soft_margin_loss(logits, labels)"""
    name = "multilabel_soft_margin_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, name)
    target = _prepare(input, target, name, reduction)
    if input.ndim == 0:
        raise ValueError(f"{name}: input needs a class dimension, got a 0-d tensor")
    # -[t log s(x) + (1 - t) log s(-x)] = (1 - t) x + softplus(-x)
    loss = (1.0 - target) * input + (-input).softplus()
    loss = _weighted_same(loss, weight, name)
    return _reduce(loss.sum(-1) / input.shape[-1], reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                        swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the pairwise p-norm
    distance; ``swap`` uses min(d(a, n), d(p, n)) as the negative distance.
    >>> F.triplet_margin_loss(a, pos, neg, margin=0.5)"""
    name = "triplet_margin_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, name)
    _check_input(anchor, name, reduction)
    positive = _prepare(anchor, positive, name, reduction)
    negative = _prepare(anchor, negative, name, reduction)
    if anchor.ndim not in (1, 2):
        raise ValueError(f"{name}: expected 1D (D,) or 2D (N, D) inputs, got shape "
                         f"{tuple(anchor.shape)}")
    if not margin > 0:
        raise ValueError(f"{name}: expected margin to be greater than 0, got {margin}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        from ..autograd.ops import minimum
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clip(0.0, None), reduction)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: bool | None = None,
                      reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: per sample, sum over classes j != y of
    max(0, margin - x[y] + x[j])^p (times weight[y]), divided by the number of classes;
    input (N, C) with integer targets (N,), or (C,) with a 0-d target.
    >>> F.multi_margin_loss(scores, labels)"""
    name = "multi_margin_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, name)
    _check_input(input, name, reduction)
    if p not in (1, 2):
        raise ValueError(f"{name}: only p == 1 and p == 2 are supported, got p={p}")
    if input.ndim not in (1, 2):
        raise ValueError(f"{name}: expected 1D (C,) or 2D (N, C) input, got shape "
                         f"{tuple(input.shape)}")
    x = input if input.ndim == 2 else input.unsqueeze(0)
    hot = _one_hot(x, target, name, 0 if input.ndim == 2 else 1)
    c = x.shape[1]
    z = ((margin - (x * hot).sum(1, keepdims=True)) + x).relu()
    if p == 2:
        z = z * z
    z = z * (1.0 - hot)
    if weight is not None:
        if tuple(weight.shape) != (c,):
            raise ValueError(f"{name}: weight must have one entry per class, shape ({c},), "
                             f"got {tuple(weight.shape)}")
        z = z * (hot * weight.astype(x.dtype)).sum(1, keepdims=True)
    loss = z.sum(1) / c
    if input.ndim == 1:
        loss = loss.squeeze(0)
    return _reduce(loss, reduction)


def _one_hot(x: Tensor, target: Any, name: str, unbatched: int) -> Tensor:
    """(N, C) one-hot rows of integer targets in x's dtype; a target outside [0, C) raises
    on the CPU and gives a NaN row elsewhere (checking there would sync)."""
    if not isinstance(target, Tensor):
        from ..autograd.factories import tensor
        target = tensor(target, device=x._backend)
    if not target.dtype.is_integer:
        raise TypeError(f"{name}: targets must be integer class indices, got {target.dtype} "
                        f"of shape {tuple(target.shape)}")
    expected = () if unbatched else (x.shape[0],)
    if tuple(target.shape) != expected:
        raise ValueError(f"{name}: input shape {tuple(x.shape[unbatched:])} needs targets of "
                         f"shape {expected}, got {tuple(target.shape)}")
    if target._backend is not x._backend:
        raise RuntimeError(f"{name}: input is on {x.device} but target is on {target.device}")
    backend = x._backend
    c = x.shape[1]
    check_here = backend.kind == "numpy"
    if check_here:
        host_check(backend, functools.partial(_refuse_bad_targets, None, name=name, c=c,
                                              shape=tuple(x.shape)), target.data)
    hot = run_kernel(backend, _hot_rows, target.data, c, x.data.dtype, target.dtype,
                     not check_here)
    return make_tensor(hot, backend, False, None)


def _hot_rows(backend: Any, t: Any, c: int, dtype: Any, index_dtype: Any, mark_bad: bool) -> Any:
    xp = backend.xp
    t = xp.reshape(t, (-1, 1))
    hot = xp.astype(t == backend.arange(0, c, 1, index_dtype), dtype)
    if mark_bad:
        hot = xp.where(xp.logical_or(t < 0, t >= c), xp.nan, hot)
    return hot
