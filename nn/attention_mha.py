"""Multi-head attention as a function: torch.nn.functional.multi_head_attention_forward,
step for step (shape checks, mask canonicalisation, in-projection, extra bias/zero key,
key padding, then explicit weights or scaled_dot_product_attention), so outputs, weights
and NaN/zero behaviour on fully masked rows are PyTorch's.

Inputs are sequence-first: query (L, N, E) or unbatched (L, E); key/value (S, N, E*).
MHA masks are the opposite of SDPA's bool masks: True means *masked out*.

>>> out, w = F.multi_head_attention_forward(q, k, v, 8, 2, in_w, in_b, None, None, False,
...                                         0.0, out_w, out_b, training=False)
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.factories import zeros
from ..autograd.ops import concat
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from . import functional as F
from .attention_sdpa import scaled_dot_product_attention
from ._errors import TorchAssertionError, TorchValueError


def _canonical_mask(mask: Tensor | None, mask_name: str, target: Tensor) -> Tensor | None:
    """A bool mask (True = masked out) as the float additive mask PyTorch makes of it
    (-inf where True, 0 elsewhere, in the dtype of ``target``); float masks pass."""
    if mask is None:
        return None
    require_tensor(mask, mask_name)
    if mask.dtype.is_bool:
        filled = zeros(*mask.shape, dtype=target.dtype, device=mask._backend)
        return filled.masked_fill(mask, -math.inf)
    if not mask.dtype.is_floating:
        raise TypeError(f"only bool and floating types of {mask_name} are supported, got "
                        f"{mask.dtype}")
    if mask.dtype is not target.dtype:
        raise TypeError(f"{mask_name} dtype {mask.dtype} does not match the query's "
                        f"{target.dtype}; pass a bool mask or one of dtype {target.dtype}")
    return mask


def _dims(t: Any) -> str:
    return f"{t.ndim}-D"


def _check_shapes(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None,
                 attn_mask: Tensor | None, num_heads: int) -> bool:
    """PyTorch's _mha_shape_check: True for batched (3-D) query, False for unbatched."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        require_tensor(t, "multi_head_attention_forward")
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise ValueError(f"For batched (3-D) `query`, expected `key` and `value` to be "
                             f"3-D but found {_dims(key)} and {_dims(value)} tensors "
                             "respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise ValueError(f"For batched (3-D) `query`, expected `key_padding_mask` to be "
                             f"`None` or 2-D but found {_dims(key_padding_mask)} tensor "
                             "instead")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise ValueError(f"For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                             f"2-D or 3-D but found {_dims(attn_mask)} tensor instead")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise ValueError(f"For unbatched (2-D) `query`, expected `key` and `value` to be "
                             f"2-D but found {_dims(key)} and {_dims(value)} tensors "
                             "respectively")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise ValueError(f"For unbatched (2-D) `query`, expected `key_padding_mask` to "
                             f"be `None` or 1-D but found {_dims(key_padding_mask)} tensor "
                             "instead")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise ValueError(f"For unbatched (2-D) `query`, expected `attn_mask` to be "
                                 f"`None`, 2-D or 3-D but found {_dims(attn_mask)} tensor "
                                 "instead")
            expected = (num_heads, query.shape[0], key.shape[0])
            if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
                raise ValueError(f"Expected `attn_mask` shape to be {expected} but got "
                                 f"{tuple(attn_mask.shape)}")
        return False
    raise ValueError(f"query should be unbatched 2D or batched 3D tensor but received "
                     f"{_dims(query)} query tensor of shape {tuple(query.shape)}")


def _in_projection(query: Tensor, key: Tensor, value: Tensor, w_q: Tensor, w_k: Tensor,
                   w_v: Tensor, bias: Tensor | None, embed_dim: int) -> tuple:
    b_q = b_k = b_v = None
    if bias is not None:
        b_q, b_k, b_v = bias[:embed_dim], bias[embed_dim:2 * embed_dim], bias[2 * embed_dim:]
    return (F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v))


def _in_projection_packed(query: Tensor, key: Tensor, value: Tensor, weight: Tensor,
                          bias: Tensor | None, e: int) -> tuple:
    """One GEMM for self-attention (q is k is v), two when k is v: PyTorch's fast forms."""
    if key is value and query is key:
        proj = F.linear(query, weight, bias)
        return proj[..., :e], proj[..., e:2 * e], proj[..., 2 * e:]
    if key is value:
        b_q, b_kv = (None, None) if bias is None else (bias[:e], bias[e:])
        kv = F.linear(key, weight[e:], b_kv)
        return F.linear(query, weight[:e], b_q), kv[..., :e], kv[..., e:]
    return _in_projection(query, key, value, weight[:e], weight[e:2 * e], weight[2 * e:],
                          bias, e)


def _pad_last(mask: Tensor | None) -> Tensor | None:
    """One more (zero, i.e. visible) key column for bias_k / add_zero_attn."""
    return None if mask is None else F.pad(mask, (0, 1))


def _check_attn_mask(attn_mask: Tensor, tgt_len: int, src_len: int, bsz_heads: int) -> Tensor:
    if attn_mask.ndim == 2:
        if tuple(attn_mask.shape) != (tgt_len, src_len):
            raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, "
                               f"but should be {(tgt_len, src_len)}.")
        return attn_mask.unsqueeze(0)
    if attn_mask.ndim == 3:
        if tuple(attn_mask.shape) != (bsz_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, "
                               f"but should be {(bsz_heads, tgt_len, src_len)}.")
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
        out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention (Vaswani et al. 2017) with PyTorch's signature; returns
    ``(attn_output, attn_weights or None)``, the weights averaged over heads when
    ``average_attn_weights``. See torch.nn.MultiheadAttention for the argument meanings.

    >>> out, w = F.multi_head_attention_forward(x, x, x, 8, 2, in_w, in_b, None, None,
    ...                                         False, 0.0, out_w, out_b, training=False)
    """
    is_batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:                   # unbatched: a batch of one, removed at the end
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if key.ndim != 3 or value.ndim != 3 or key.shape[1] != bsz or value.shape[1] != bsz:
        raise TorchValueError(f"multi_head_attention_forward: query of shape "
                              f"{tuple(query.shape)} has batch size {bsz} but key and value "
                              f"have shapes {tuple(key.shape)} and {tuple(value.shape)} "
                              "(sequence first: (L, N, E); batch_first puts N first)")
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None                 # the hint alone: SDPA builds the causal mask
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", query)
        if key_padding_mask is not None:
            is_causal = False            # the hint cannot cover the padding
    if embed_dim != embed_dim_to_check:
        raise TorchAssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, "
                                  f"but got {embed_dim} (query of shape {tuple(query.shape)})")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise TorchAssertionError(f"embed_dim {embed_dim} not divisible by num_heads "
                                  f"{num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise TorchAssertionError(f"key's sequence and batch dims {tuple(key.shape[:2])} "
                                      f"do not match value's {tuple(value.shape[:2])}")
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise ValueError("use_separate_proj_weight is True but q_proj_weight, "
                             "k_proj_weight or v_proj_weight is None")
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, in_proj_bias, embed_dim)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise TorchAssertionError(f"key shape {tuple(key.shape)} does not match value "
                                      f"shape {tuple(value.shape)}")
        if in_proj_weight is None:
            raise ValueError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias,
                                        embed_dim)
    bsz_heads = bsz * num_heads
    if attn_mask is not None:
        attn_mask = _check_attn_mask(attn_mask, tgt_len, src_len, bsz_heads)
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise ValueError("bias cannot be added to static key/value")
        k = concat([k, bias_k.repeat(1, bsz, 1)])
        v = concat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    elif (bias_k is None) != (bias_v is None):
        raise ValueError("bias_k and bias_v must both be given or both be None")
    q = q.reshape(tgt_len, bsz_heads, head_dim).transpose(0, 1)
    k = _static_or_heads(k, static_k, "static_k", bsz_heads, head_dim)
    v = _static_or_heads(v, static_v, "static_v", bsz_heads, head_dim)
    if add_zero_attn:
        zero = zeros(bsz_heads, 1, head_dim, dtype=q.dtype, device=q._backend)
        k, v = concat([k, zero], axis=1), concat([v, zero], axis=1)
        attn_mask, key_padding_mask = _pad_last(attn_mask), _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise TorchAssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, "
                                      f"but got {tuple(key_padding_mask.shape)}")
        padding = (key_padding_mask.reshape(bsz, 1, 1, src_len)
                   .expand(bsz, num_heads, 1, src_len).reshape(bsz_heads, 1, src_len))
        attn_mask = padding if attn_mask is None else attn_mask + padding
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = (q * (1.0 / math.sqrt(head_dim))) @ k.transpose(-2, -1)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = scores.softmax(-1)      # plain softmax: NaN on fully masked rows, as torch
        if dropout_p > 0.0:
            weights = F.dropout(weights, dropout_p, True)
        out = (weights @ v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = F.linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if attn_mask is not None:
        if attn_mask.shape[0] == 1:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = F.linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    return (out if is_batched else out.squeeze(1)), None


def _static_or_heads(t: Tensor, static: Tensor | None, name: str, bsz_heads: int,
                     head_dim: int) -> Tensor:
    """(S, N, E) -> (N * heads, S, head_dim), or the given precomputed ``static_k/v``."""
    if static is None:
        return t.reshape(t.shape[0], bsz_heads, head_dim).transpose(0, 1)
    if static.ndim != 3 or static.shape[0] != bsz_heads or static.shape[2] != head_dim:
        raise ValueError(f"expecting {name} of shape ({bsz_heads}, S, {head_dim}), but got "
                         f"{tuple(static.shape)}")
    return static
