"""Covariance and distances with PyTorch's semantics: cov, corrcoef, cdist. Composites of
Tensor ops, so their gradients (of every order) come from those."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ._util import link_zero_grad, require_tensor
from .arithmetic import _default_float, where
from .elementwise import abs, sqrt
from .linalg import matmul
from .reduction import max, sum

__all__ = ["cov", "corrcoef", "cdist"]


def _observations(op: str, input: Tensor) -> Tensor:
    require_tensor(input, op)
    if input.ndim > 2:
        raise ValueError(f"{op}: expects a 1-D or 2-D tensor (variables x observations), got "
                         f"shape {input.shape}")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    return _default_float(x)


def _weights(op: str, name: str, w: Any, n: int, integer: bool) -> Tensor:
    require_tensor(w, op)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"{op}: {name} must be 1-D with one weight per observation ({n}), got "
                         f"shape {w.shape}")
    if integer and not w.dtype.is_integer:
        raise TypeError(f"{op}: fweights must be integers, got {w.dtype}")
    return w


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """Covariance of the variables in the rows of ``input`` (columns are observations), with
    frequency and/or importance weights; ``correction=1`` is the unbiased estimate.

    >>> xg.cov(xg.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))  # [[1., -1.], [-1., 1.]]
    """
    x = _observations("cov", input)
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = _weights("cov", "fweights", fweights, n, True).astype(x.dtype)
    if aweights is not None:
        a = _weights("cov", "aweights", aweights, n, False).astype(x.dtype)
        w = a if w is None else w * a
    if w is None:
        mean = x.mean(axis=1, keepdims=True)
        norm: Any = n - correction
        centred = x - mean
        product = matmul(centred, centred.mT)
    else:
        w_sum = w.sum()
        mean = sum(x * w, axis=1, keepdims=True) / w_sum
        if aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * sum(w * a) / w_sum
        centred = x - mean
        product = matmul(centred * w, centred.mT)
    # PyTorch clamps a negative divisor to 0 (giving inf/nan), it never flips the sign
    if isinstance(norm, Tensor):
        norm = where(norm > 0, norm, 0.0)
    else:
        norm = norm if norm > 0 else 0.0
    out = product / norm
    return out.reshape(()) if x.shape[0] == 1 else out      # one variable: a 0-d result


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows of ``input``, clipped to [-1, 1].

    >>> xg.corrcoef(xg.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))  # [[1., -1.], [-1., 1.]]
    """
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    std = sqrt(d)
    return (c / std[:, None] / std[None, :]).clip(-1.0, 1.0)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of ``x1`` (..., P, M) and each of ``x2`` (..., R,
    M): shape (..., P, R). The gradient at a zero distance is 0, as in PyTorch.

    >>> xg.cdist(xg.zeros(2, 3), xg.ones(4, 3)).shape  # (2, 4)
    """
    for t in (x1, x2):
        require_tensor(t, "cdist")
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: x1 {x1.shape} and x2 {x2.shape} need at least 2 dimensions "
                         "and the same size of the last one")
    if not (x1.dtype.is_floating and x2.dtype.is_floating):
        raise TypeError(f"cdist: needs floating tensors, got {x1.dtype} and {x2.dtype}")
    p = float(p)
    if p < 0:
        raise ValueError(f"cdist: p must be non-negative, got {p}")
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
             "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes:
        raise ValueError(f"cdist: compute_mode must be one of {modes}, got {compute_mode!r}")
    use_mm = p == 2.0 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == modes[0] and (x1.shape[-2] > 25 or x2.shape[-2] > 25)))
    if use_mm:     # |a|^2 + |b|^2 - 2 a.b: one matmul instead of a (P, R, M) difference
        square = (sum(x1 * x1, axis=-1)[..., :, None] + sum(x2 * x2, axis=-1)[..., None, :]
                  - 2.0 * matmul(x1, x2.mT))
        square = where(square > 0, square, 0.0)
        return _safe_sqrt(square)
    diff = x1[..., :, None, :] - x2[..., None, :, :]
    if p == 0.0:
        # a count: its gradient is 0, but it is one (PyTorch's result requires grad)
        return link_zero_grad(sum((diff != 0).astype(x1.dtype), axis=-1), diff)
    if p == float("inf"):
        return max(abs(diff), axis=-1)
    if p == 1.0:
        return sum(abs(diff), axis=-1)
    if p == 2.0:
        return _safe_sqrt(sum(diff * diff, axis=-1))
    from .linalg_norms import abs_pow      # p < 1: a zero difference gets gradient 0
    powered = sum(abs_pow(diff, p), axis=-1)
    positive = powered > 0
    return where(positive, where(positive, powered, 1.0) ** (1.0 / p), 0.0)


def _safe_sqrt(square: Tensor) -> Tensor:
    """sqrt with gradient 0 (not inf * 0 = nan) where the argument is 0."""
    positive = square > 0
    return where(positive, sqrt(where(positive, square, 1.0)), 0.0)


# name -> function(self, ...): installed on Tensor by ops/__init__
TENSOR_METHODS: dict = {"cov": cov, "corrcoef": corrcoef}
