"""nn.TransformerEncoderLayer and nn.TransformerDecoderLayer, as PyTorch's: the same
submodules (so the same state_dict keys: self_attn.in_proj_weight, linear1.weight,
norm1.weight, ...), initialisation, post-norm or pre-norm (``norm_first``) residual blocks,
masks and causal hints. PyTorch's fused "fast path" is an optimisation with the same
values, so it has no counterpart here.

>>> layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, batch_first=True)
>>> y = layer(x, src_key_padding_mask=pad)          # x: (N, L, 32), pad: bool (N, L)
"""
from __future__ import annotations

from typing import Any, Callable

from ..autograd.tensor import Tensor
from . import functional as F
from .attention_module import MultiheadAttention, torch_linear_init
from .dropout import Dropout
from .layer_norm import LayerNorm
from .linear import Linear
from .module import Module


def _activation_fn(activation: str | Callable) -> Callable:
    """'relu' or 'gelu' (PyTorch's names) to the function; a callable is kept as is."""
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    if not callable(activation):
        raise TypeError(f"activation should be 'relu', 'gelu' or a callable, got "
                        f"{type(activation).__name__}")
    return activation


def _linear(in_features: int, out_features: int, bias: bool, kw: dict) -> Linear:
    linear = Linear(in_features, out_features, bias=bias, **kw)
    torch_linear_init(linear)
    return linear


class _FeedForwardMixin:
    """linear2(dropout(activation(linear1(x)))), then the block's own dropout."""

    def _ff_block(self, x: Tensor, dropout: Module) -> Tensor:
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def _init_common(self, d_model: int, dim_feedforward: int, dropout: float,
                     activation: Any, layer_norm_eps: float, bias: bool, norms: int,
                     kw: dict) -> None:
        self.linear1 = _linear(d_model, dim_feedforward, bias, kw)
        self.dropout = Dropout(dropout)
        self.linear2 = _linear(dim_feedforward, d_model, bias, kw)
        for i in range(1, norms + 1):
            setattr(self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        for i in range(1, norms + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation_fn(activation)


class TransformerEncoderLayer(_FeedForwardMixin, Module):
    """Self-attention then a feed-forward network, each in a residual block with
    LayerNorm after (``norm_first=False``, the original Transformer) or before it.

    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False): src (S, N, E)
    (or (N, S, E) with ``batch_first``, or unbatched (S, E)); masks as MultiheadAttention
    (bool True = masked out, or float added). ``is_causal`` is a hint that src_mask is
    the causal mask.

    >>> nn.TransformerEncoderLayer(32, 4, dim_feedforward=64)(x)   # x: (S, N, 32)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.norm_first = bool(norm_first)
        self._init_common(d_model, dim_feedforward, dropout, activation, layer_norm_eps,
                          bias, 2, kw)

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x), self.dropout2)
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x, self.dropout2))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None,
                  key_padding_mask: Tensor | None, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)


class TransformerDecoderLayer(_FeedForwardMixin, Module):
    """Self-attention over the target, attention to the encoder's ``memory``, then a
    feed-forward network, each in a residual block with LayerNorm (after, or before with
    ``norm_first``).

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False).

    >>> nn.TransformerDecoderLayer(32, 4, dim_feedforward=64)(tgt, memory)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, **kw)
        self.norm_first = bool(norm_first)
        self._init_common(d_model, dim_feedforward, dropout, activation, layer_norm_eps,
                          bias, 3, kw)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask,
                                   tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x), self.dropout3)
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask,
                                              tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask,
                                               memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x, self.dropout3))
        return x

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None,
                  key_padding_mask: Tensor | None, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x: Tensor, mem: Tensor, attn_mask: Tensor | None,
                   key_padding_mask: Tensor | None, is_causal: bool) -> Tensor:
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)
