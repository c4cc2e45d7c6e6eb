"""Similarities and distances between vectors: F.cosine_similarity, F.pairwise_distance,
F.normalize and the layers CosineSimilarity and PairwiseDistance (PyTorch's signatures;
the two inputs broadcast, as in PyTorch).

The p-norms here have PyTorch's gradient at a zero vector (0, not NaN).

>>> F.cosine_similarity(a, b)                  # (N, D), (N, D) -> (N,)
>>> F.normalize(x, dim=1)                      # unit rows
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.ops import where
from ..autograd.ops._util import normalize_axis, require_tensor
from ..autograd.ops.linalg_norms import abs_pow
from ..autograd.tensor import Tensor
from ..autograd.ops.torch_errors import TorchValueError
from .module import Module


def _floating_pair(x1: Any, x2: Any, op: str) -> tuple[Tensor, Tensor]:
    require_tensor(x1, op)
    require_tensor(x2, op)
    for t in (x1, x2):
        if not t.dtype.is_floating:
            raise TypeError(f"{op}: expected floating-point inputs, got {x1.dtype} of shape "
                            f"{tuple(x1.shape)} and {x2.dtype} of shape {tuple(x2.shape)}")
    if x1._backend is not x2._backend:
        raise RuntimeError(f"{op}: x1 is on {x1.device} but x2 is on {x2.device}; move one "
                           "with .to(device)")
    return x1, x2


def _broadcast_shape(a: tuple, b: tuple, op: str) -> tuple:
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for i, j in zip(a, b):
        if i != j and 1 not in (i, j):
            raise TorchValueError(f"{op}: shapes {a} and {b} cannot be broadcast together")
        out.append(j if i == 1 else i)
    return tuple(out)


def _safe_root(s: Tensor, p: float) -> Tensor:
    """s ** (1 / p) for s >= 0 with gradient 0 (not inf * 0 = NaN) where s == 0."""
    pos = s > 0
    root = where(pos, s, 1.0)
    root = root.sqrt() if p == 2 else root ** (1.0 / p)
    return where(pos, root, 0.0)


def vector_norm(x: Tensor, p: float, dim: Any, keepdim: bool = False) -> Tensor:
    """The p-norm along ``dim`` (p = inf: max |x|; p = 0: the count of non-zeros, with a zero
    gradient), with gradient 0 at a zero vector (and at zero entries for p < 1), as PyTorch."""
    if p == 2:
        return _safe_root((x * x).sum(dim, keepdim), 2)
    if p == 1:
        return x.abs().sum(dim, keepdim)
    if p == math.inf:
        return x.abs().max(axis=dim, keepdims=keepdim)
    if p == -math.inf:
        return x.abs().min(axis=dim, keepdims=keepdim)
    if p == 0:
        return where(x != 0, 1.0, x * 0.0).sum(dim, keepdim)     # in the graph, as torch's
    return _safe_root(abs_pow(x, p).sum(dim, keepdim), p)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (the inputs
    broadcast); each input is divided by its norm first, as PyTorch, so |result| <= 1.

    >>> F.cosine_similarity(xg.tensor([[1.0, 0.0]]), xg.tensor([[1.0, 1.0]]))  # [0.7071]
    """
    op = "cosine_similarity"
    x1, x2 = _floating_pair(x1, x2, op)
    shape = _broadcast_shape(tuple(x1.shape), tuple(x2.shape), op)
    d = normalize_axis(dim, len(shape), op)
    if tuple(x1.shape) != shape:
        x1 = x1.broadcast_to(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.broadcast_to(shape)
    floor = float(eps) * float(eps)          # max(||x||, eps) = sqrt(max(||x||^2, eps^2))
    n1 = (x1 * x1).sum(d, keepdims=True).clip(floor, None).sqrt()
    n2 = (x2 * x2).sum(d, keepdims=True).clip(floor, None).sqrt()
    return ((x1 / n1) * (x2 / n2)).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p along the last axis (the inputs broadcast).

    >>> F.pairwise_distance(xg.zeros(2, 3), xg.ones(2, 3))   # [1.7320, 1.7320]
    """
    op = "pairwise_distance"
    x1, x2 = _floating_pair(x1, x2, op)
    _broadcast_shape(tuple(x1.shape), tuple(x2.shape), op)
    diff = x1 - x2 + eps
    if diff.ndim == 0:
        return diff.abs() if p != 0 else (diff != 0).astype(diff.dtype)
    return vector_norm(diff, p, -1, keepdim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """input / max(||input||_p, eps) along ``dim``.

    >>> F.normalize(xg.tensor([[3.0, 4.0]]))       # [[0.6, 0.8]]
    """
    op = "normalize"
    require_tensor(input, op)
    if not input.dtype.is_floating:
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype} of shape "
                        f"{tuple(input.shape)}")
    if input.ndim == 0:
        d = None
        if dim not in (0, -1):
            normalize_axis(dim, 1, op)
    else:
        d = normalize_axis(dim, input.ndim, op)
    norm = vector_norm(input, p, d, True) if d is not None else vector_norm(
        input.reshape(1), p, 0, False)
    return input / norm.clip(eps, None)


class CosineSimilarity(Module):
    """Cosine similarity of two inputs along ``dim``. >>> nn.CosineSimilarity(dim=1)(a, b)"""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """p-norm distance along the last axis: ||x1 - x2 + eps||_p.
    >>> nn.PairwiseDistance(p=2)(a, b)"""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
