"""nn.MultiheadAttention, as PyTorch's: the same parameters (in_proj_weight / in_proj_bias,
or q/k/v_proj_weight when kdim or vdim differ from embed_dim; bias_k / bias_v; out_proj),
state_dict keys, initialisation, forward signature and outputs.

>>> mha = nn.MultiheadAttention(16, 4, batch_first=True)
>>> out, weights = mha(x, x, x, key_padding_mask=pad)   # x: (N, L, 16), pad: bool (N, L)
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.factories import zeros
from ..autograd.tensor import Tensor
from . import init
from .attention_mha import multi_head_attention_forward
from .linear import Linear
from .module import Module
from .parameter import Parameter
from ._errors import TorchAssertionError


def torch_linear_init(linear: Linear) -> None:
    """PyTorch's nn.Linear initialisation (our Linear follows Keras' Dense instead):
    kaiming_uniform_(a=sqrt(5)) weight, i.e. U(+-1/sqrt(in)), and a U(+-1/sqrt(in)) bias."""
    init.kaiming_uniform_(linear.weight, a=math.sqrt(5))
    if linear.bias is not None:
        bound = 1.0 / math.sqrt(linear.in_features)
        init.uniform_(linear.bias, -bound, bound)


class NonDynamicallyQuantizableLinear(Linear):
    """The Linear of MultiheadAttention.out_proj (PyTorch's name, for the same repr),
    initialised as PyTorch's nn.Linear."""

    def reset_parameters(self) -> None:
        torch_linear_init(self)


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of ``embed_dim // num_heads`` features each
    (Vaswani et al. 2017), PyTorch's module.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (attn_output, attn_weights or None).
    query (L, N, E) (or (N, L, E) with ``batch_first``, or unbatched (L, E)); key/value
    (S, N, kdim/vdim). Bool masks: True = *not* allowed to attend; float masks are added.
    attn_mask is (L, S) or (N * num_heads, L, S); key_padding_mask (N, S). ``dropout``
    drops attention weights while training.

    >>> mha = nn.MultiheadAttention(16, 4)
    >>> out, w = mha(q, k, v)                       # w: (N, L, S), averaged over heads
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if int(embed_dim) <= 0 or int(num_heads) <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater "
                             f"than 0, got embed_dim={embed_dim} and num_heads={num_heads}")
        e = self.embed_dim = int(embed_dim)
        self.kdim = e if kdim is None else int(kdim)
        self.vdim = e if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == e and self.vdim == e
        self.num_heads = int(num_heads)
        self.dropout = float(dropout)
        self.batch_first = bool(batch_first)
        self.head_dim = e // self.num_heads
        if self.head_dim * self.num_heads != e:
            raise TorchAssertionError(f"MultiheadAttention: embed_dim must be divisible by "
                                      f"num_heads, got embed_dim={e} and num_heads={num_heads}")
        kw = {"dtype": dtype, "device": device}
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(zeros(3 * e, e, **kw))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(zeros(e, e, **kw))
            self.k_proj_weight = Parameter(zeros(e, self.kdim, **kw))
            self.v_proj_weight = Parameter(zeros(e, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(zeros(3 * e, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(zeros(1, 1, e, **kw))
            self.bias_v = Parameter(zeros(1, 1, e, **kw))
        else:
            self.bias_k = self.bias_v = None        # plain attributes, as PyTorch
        self.add_zero_attn = bool(add_zero_attn)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v (PyTorch)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        is_batched = query.ndim == 3
        if self.batch_first and is_batched:       # keep `is` identities: the packed GEMMs
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (t.transpose(1, 0) for t in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        if self.batch_first and is_batched:
            out = out.transpose(1, 0)
        return out, weights
