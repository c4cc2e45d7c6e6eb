"""Functional attention, as torch.nn.functional: scaled_dot_product_attention,
multi_head_attention_forward and rms_norm (re-exported from ``xpgrad.nn.functional``).

>>> F.scaled_dot_product_attention(q, k, v, is_causal=True)
>>> F.rms_norm(x, (16,), weight)
"""
from __future__ import annotations

from .attention_mha import multi_head_attention_forward
from .attention_sdpa import scaled_dot_product_attention
from .transformer_rmsnorm import rms_norm

__all__: list[str] = ["scaled_dot_product_attention", "multi_head_attention_forward",
                      "rms_norm"]
