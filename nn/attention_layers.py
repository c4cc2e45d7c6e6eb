"""Attention and transformer layers, as torch.nn: MultiheadAttention, RMSNorm,
TransformerEncoderLayer / TransformerDecoderLayer, TransformerEncoder / TransformerDecoder
and Transformer (re-exported as ``xg.nn.<Name>``).

>>> layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, batch_first=True)
>>> model = nn.TransformerEncoder(layer, num_layers=2)
"""
from __future__ import annotations

from .attention_module import MultiheadAttention
from .transformer_layers import TransformerDecoderLayer, TransformerEncoderLayer
from .transformer_rmsnorm import RMSNorm
from .transformer_stack import Transformer, TransformerDecoder, TransformerEncoder

__all__: list[str] = ["MultiheadAttention", "RMSNorm", "TransformerEncoderLayer",
                      "TransformerDecoderLayer", "TransformerEncoder", "TransformerDecoder",
                      "Transformer"]
