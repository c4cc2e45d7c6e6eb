"""Norms with PyTorch's semantics: vector_norm, matrix_norm, linalg.norm and torch.norm
(``xg.norm`` / ``Tensor.norm``). Composites of reductions and elementwise ops, so gradients
of every order come from those; the root of a p-norm is taken through a guarded ``where``,
so the gradient at the zero vector is 0 (PyTorch's subgradient), never NaN."""
from __future__ import annotations

import math
from typing import Any

from ..tensor import Tensor
from ._util import normalize_axes, require_tensor
from .arithmetic import where
from .reduction import sum
from .reduce_stats import amax, amin
from .shape import permute
from .linalg_spectral import svdvals

_INF = math.inf


def _float_input(op: str, x: Tensor, dtype: Any) -> Tensor:
    require_tensor(x, op)
    if dtype is not None:
        x = x.astype(dtype)
    if not x.dtype.is_floating:
        raise TypeError(f"{op}: expected a floating point tensor, got {x.dtype}{list(x.shape)} "
                        "(pass dtype=xg.float32 or convert it)")
    return x


def _root(s: Tensor, p: float) -> Tensor:
    """s ** (1/p) for s >= 0, with a zero gradient where s is 0."""
    zero = (s == 0).detach()
    safe = where(zero, 1.0, s)
    return where(zero, 0.0, safe.sqrt() if p == 2 else safe ** (1.0 / p))


def _check_ord(op: str, ord: Any) -> float:
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(f"{op}: ord must be a number (or inf), got {ord!r}")
    return float(ord)


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The ``ord``-norm over ``dim`` (None: all elements, as one vector): sum(|x|^ord)^(1/ord),
    max|x| for inf, min|x| for -inf, the count of non-zeros for 0.

    >>> xg.linalg.vector_norm(xg.tensor([3.0, 4.0]))           # 5.
    """
    x = _float_input("vector_norm", x, dtype)
    p = _check_ord("vector_norm", ord)
    axes = normalize_axes(dim, x.ndim, "vector_norm")
    keep = bool(keepdim)
    if x.ndim == 0 and dim is None:
        axes = ()
    if p == _INF or p == -_INF:
        if x.size == 0 and any(x.shape[a] == 0 for a in axes):
            if p == _INF:                   # PyTorch: the max of nothing has no value either
                raise ValueError(f"vector_norm: ord=inf of an empty tensor of shape {x.shape} "
                                 f"over dims {axes} has no value")
        return (amax if p == _INF else amin)(x.abs(), axes, keep)
    if p == 0:
        nonzero = where(x != 0, 1.0, x * 0.0)           # zero gradient, still in the graph
        return sum(nonzero, axes, keep)
    if p == 1:
        return sum(x.abs(), axes, keep)
    if p == 2:
        return _root(sum(x * x, axes, keep), 2.0)
    return _root(sum(abs_pow(x, p), axes, keep), p)


def abs_pow(x: Tensor, p: float) -> Tensor:
    """|x| ** p; for p < 1 the gradient at x == 0 is 0 (PyTorch's norm and cdist), not the
    NaN of 0 * inf (|x| ** p is still 0, or inf for p < 0, there)."""
    a = x.abs()
    if p >= 1:
        return a ** p
    zero = (a == 0).detach()
    return where(zero, 0.0 if p > 0 else _INF, where(zero, 1.0, a) ** p)


def _matrix_dims(op: str, A: Tensor, dim: Any) -> tuple:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"{op}: dim must be a pair of dimensions, got {dim!r}")
    if A.ndim < 2:
        raise ValueError(f"{op}: A must have at least 2 dimensions, got shape {A.shape}")
    d0, d1 = (normalize_axes(d, A.ndim, op)[0] for d in dim)
    if d0 == d1:
        raise ValueError(f"{op}: dim {tuple(dim)} names the same dimension twice")
    return d0, d1


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """A matrix norm over the two dimensions ``dim``: 'fro' (Frobenius), 'nuc' (the sum of
    the singular values), inf / -inf (max / min absolute row sum), 1 / -1 (max / min
    absolute column sum), 2 / -2 (largest / smallest singular value).

    >>> xg.linalg.matrix_norm(xg.eye(3))                        # sqrt(3)
    """
    A = _float_input("matrix_norm", A, dtype)
    d0, d1 = _matrix_dims("matrix_norm", A, dim)
    keep = bool(keepdim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keep)
    if ord in ("nuc", 2, -2, 2.0, -2.0):
        if A.shape[d0] == 0 or A.shape[d1] == 0:
            raise ValueError(f"matrix_norm: ord={ord!r} needs a non-empty matrix, got shape "
                             f"{A.shape}")
        rest = [d for d in range(A.ndim) if d not in (d0, d1)]
        s = svdvals(permute(A, rest + [d0, d1]))
        out = sum(s, -1) if ord == "nuc" else (amax if ord > 0 else amin)(s, -1)
        if keep:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if isinstance(ord, str) or isinstance(ord, bool) or ord not in (1, -1, _INF, -_INF):
        raise ValueError(f"matrix_norm: ord must be 'fro', 'nuc', inf, -inf, 1, -1, 2 or -2, "
                         f"got {ord!r}")
    # 1: max over columns (d1) of the sums over rows (d0); inf: the other way round
    summed, kept = (d0, d1) if abs(ord) == 1 else (d1, d0)
    if A.shape[kept] == 0:
        raise ValueError(f"matrix_norm: ord={ord!r} of an empty matrix (shape {A.shape}) has no "
                         "value")
    sums = sum(A.abs(), summed, True)
    out = (amax if ord > 0 else amin)(sums, kept, True)
    return out if keep else out.squeeze((d0, d1))


def linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """torch.linalg.norm: a vector norm when ``dim`` is an int (or ``A`` is 1-D), a matrix norm
    when it is a pair (or ``A`` is 2-D); with neither ``ord`` nor ``dim``, the 2-norm of all
    elements. >>> xg.linalg.norm(xg.tensor([[3.0, 4.0]]))      # 5."""
    require_tensor(A, "norm")
    if dim is not None and not isinstance(dim, (tuple, list)):
        dim = (dim,)
    if dim is None:
        if ord is None:
            return vector_norm(A, 2, None, keepdim, dtype=dtype)
        if A.ndim not in (1, 2):
            raise ValueError(f"norm: with ord={ord!r} and no dim, A must be 1-D or 2-D, got "
                             f"shape {A.shape}")
        dim = tuple(range(A.ndim))
    if len(dim) == 1:
        if isinstance(ord, str):
            raise ValueError(f"norm: ord={ord!r} is a matrix norm, but dim {tuple(dim)} names "
                             "one dimension")
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, tuple(dim), keepdim, dtype=dtype)
    raise ValueError(f"norm: dim must be an int or a pair of ints, got {dim!r}")


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """torch.norm: ``p`` a number gives the vector norm over ``dim`` (None: all elements);
    'fro' the Frobenius norm (over all elements, or the dims given); 'nuc' the nuclear norm
    of the matrices over ``dim`` (default the last two). >>> xg.norm(x, 1, dim=0)"""
    require_tensor(input, "norm")
    if isinstance(dim, int) and not isinstance(dim, bool):
        dim = (dim,)
    if p == "fro":
        if dim is not None and len(dim) > 2:           # a matrix norm, as PyTorch's
            raise ValueError(f"norm: p='fro' takes one dim or a pair, got dim={tuple(dim)} "
                             f"(shape {input.shape})")
        return vector_norm(input, 2, dim, keepdim, dtype=dtype)
    if p == "nuc":
        return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if isinstance(p, str):
        raise ValueError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)
