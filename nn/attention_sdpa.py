"""Scaled dot-product attention, as torch.nn.functional.scaled_dot_product_attention.

softmax(q k^T * scale + mask) v over the last two axes, composed of differentiable Tensor
ops (so gradients of every order come for free) around one small op, :class:`SafeSoftmax`:
a softmax that gives 0 instead of NaN on a row that is masked out entirely, which is what
PyTorch returns for such a query (its ``_safe_softmax``).

>>> out = F.scaled_dot_product_attention(q, k, v, is_causal=True)   # (N, H, L, E) -> (N, H, L, Ev)
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.factories import arange
from ..autograd.function import Function, apply1
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from . import functional as F

_NEG_INF = -math.inf


class SafeSoftmax(Function):
    """Softmax along ``axis`` (shifted by the max, so it never overflows) that is 0 on a
    row whose entries are all -inf, where a plain softmax gives 0/0 = NaN."""
    __slots__ = ()
    save_output = True

    @staticmethod
    def forward(xp, a, axis):
        if a.shape[axis] == 0:
            return xp.zeros_like(a)
        m = xp.max(a, axis=axis, keepdims=True)
        m = xp.where(m == _NEG_INF, xp.zeros_like(m), m)     # a dead row: exp(-inf) = 0
        e = xp.exp(a - m)
        s = xp.sum(e, axis=axis, keepdims=True)
        e /= xp.where(s == 0.0, xp.ones_like(s), s)
        return e

    def backward(self, gy):
        y = self.output()
        return y * (gy - (gy * y).sum(self.args[0], keepdims=True))


def _safe_softmax(scores: Tensor, dim: int = -1) -> Tensor:
    """Softmax along ``dim`` with fully masked (all -inf) rows giving zeros, not NaN."""
    return apply1(SafeSoftmax, scores, dim % scores.ndim)


def _causal_keep(q_len: int, k_len: int, like: Tensor) -> Tensor:
    """The (L, S) bool mask of PyTorch's is_causal: query i sees keys 0..i (a lower
    triangle aligned to the upper-left corner, also when L != S)."""
    rows = arange(q_len, dtype="int64", device=like._backend).reshape(q_len, 1)
    return rows >= arange(k_len, dtype="int64", device=like._backend)


def _check_inputs(query: Any, key: Any, value: Any, op: str) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        require_tensor(t, op)
        if t.ndim < 2:
            raise ValueError(f"{op}: {name} must have at least 2 dimensions (..., seq, "
                             f"features), got shape {tuple(t.shape)}")
    if not (query.dtype is key.dtype is value.dtype):
        raise TypeError(f"{op}: expected query, key, and value to have the same dtype, but "
                        f"got query.dtype: {query.dtype}, key.dtype: {key.dtype} and "
                        f"value.dtype: {value.dtype}")
    if not query.dtype.is_floating:
        raise TypeError(f"{op}: expected floating-point query, key and value, got "
                        f"{query.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"{op}: query and key must have the same embedding size (last "
                         f"dimension), got query {tuple(query.shape)} and key "
                         f"{tuple(key.shape)}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{op}: key and value must have the same sequence length "
                         f"(dimension -2), got key {tuple(key.shape)} and value "
                         f"{tuple(value.shape)}")


def _repeat_kv_heads(query: Tensor, key: Tensor, value: Tensor, op: str) -> tuple:
    """enable_gqa: each key/value head serves Hq / Hkv consecutive query heads."""
    if query.ndim < 3 or key.ndim < 3 or value.ndim < 3:
        raise ValueError(f"{op}: enable_gqa needs (..., heads, seq, features) inputs, got "
                         f"query {tuple(query.shape)}, key {tuple(key.shape)} and value "
                         f"{tuple(value.shape)}")
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hk != hv or hq % hk:
        raise ValueError(f"{op}: enable_gqa needs the number of query heads ({hq}) to be a "
                         f"multiple of the key and value heads (key {hk}, value {hv})")
    if hq == hk:
        return key, value
    return (key.repeat_interleave(hq // hk, dim=-3),
            value.repeat_interleave(hq // hv, dim=-3))


def _broadcasts_to(shape: tuple, target: tuple) -> bool:
    if len(shape) > len(target):
        return False
    return all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))


def _apply_mask(scores: Tensor, attn_mask: Tensor, op: str) -> Tensor:
    """A bool mask (True = take part) sets the other scores to -inf; a float mask is added."""
    require_tensor(attn_mask, op)
    if not _broadcasts_to(tuple(attn_mask.shape), tuple(scores.shape)):
        raise ValueError(f"{op}: attn_mask of shape {tuple(attn_mask.shape)} does not "
                         f"broadcast to the attention scores' shape {tuple(scores.shape)} "
                         "(..., L, S)")
    if attn_mask.dtype.is_bool:
        return scores.masked_fill(attn_mask.logical_not(), _NEG_INF)
    if attn_mask.dtype is not scores.dtype:
        raise TypeError(f"{op}: expected attn_mask dtype to be bool or to match the query "
                        f"dtype {scores.dtype}, got {attn_mask.dtype}")
    return scores + attn_mask


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, PyTorch's signature and semantics.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev). ``attn_mask``
    broadcasts to (..., L, S): bool (True = may attend) or float (added to the scores).
    ``is_causal`` masks key j > query i (upper-left aligned). ``scale`` defaults to
    1/sqrt(E). ``dropout_p`` > 0 drops attention weights (always, as PyTorch's function:
    pass 0.0 at evaluation). ``enable_gqa`` repeats each of the Hkv key/value heads (dim
    -3) for Hq / Hkv query heads. A query whose keys are all masked gets zeros.

    >>> F.scaled_dot_product_attention(q, k, v, attn_mask=keep)   # keep: bool (L, S)
    """
    op = "scaled_dot_product_attention"
    _check_inputs(query, key, value, op)
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{op}: Explicit attn_mask should not be set when is_causal=True")
    if enable_gqa:
        key, value = _repeat_kv_heads(query, key, value, op)
    q_len, k_len = query.shape[-2], key.shape[-2]
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = (query * factor) @ key.transpose(-2, -1)       # scaling q costs L*E, not L*S
    if is_causal:
        scores = scores.masked_fill(_causal_keep(q_len, k_len, query).logical_not(), _NEG_INF)
        weights = _safe_softmax(scores)
    elif attn_mask is not None:
        weights = _safe_softmax(_apply_mask(scores, attn_mask, op))
    else:
        weights = scores.softmax(-1)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p, True)
    return weights @ value
