"""nn.TransformerEncoder, nn.TransformerDecoder and nn.Transformer, as PyTorch's: stacks
of deep copies of one layer (keys layers.0...., layers.1...., then norm.*), the whole
encoder-decoder model, and ``generate_square_subsequent_mask``.

PyTorch inspects a mask to detect that it is causal (a device sync) and may then take a
faster kernel with the same values; here the mask is simply applied, which gives those
values too. One inference path of PyTorch's does change values: an encoder with
``enable_nested_tensor`` (the default) over batch_first post-norm layers, run in eval
mode without gradients on a left-aligned ``src_key_padding_mask``, packs the sequences into
a nested tensor and unpacks them with zeros at the padded positions (before ``norm``).
Ours gives those zeros in exactly that case (``_nested_padding``); elsewhere the padded
positions hold whatever the layers computed for them, as PyTorch's do.

>>> model = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=2,
...                        num_decoder_layers=2, dim_feedforward=64, batch_first=True)
>>> out = model(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(T))
"""
from __future__ import annotations

import copy
import math
from typing import Any, Callable

from ..autograd.factories import arange, full, zeros
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.ops import where
from ..autograd.tensor import Tensor
from . import functional as F
from . import init
from .containers import ModuleList
from .layer_norm import LayerNorm
from .module import Module
from .transformer_layers import TransformerDecoderLayer, TransformerEncoderLayer


def _clones(module: Module, n: int) -> ModuleList:
    if int(n) < 0:
        raise ValueError(f"num_layers must be >= 0, got {n}")
    return ModuleList([copy.deepcopy(module) for _ in range(int(n))])


class TransformerEncoder(Module):
    """``num_layers`` independent copies of ``encoder_layer`` applied in turn, then
    ``norm`` if given.

    forward(src, mask=None, src_key_padding_mask=None, is_causal=None).

    >>> layer = nn.TransformerEncoderLayer(32, 4, dim_feedforward=64)
    >>> nn.TransformerEncoder(layer, num_layers=2)(x)     # x: (S, N, 32)
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor = bool(enable_nested_tensor)
        self.mask_check = bool(mask_check)

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=bool(is_causal),
                           src_key_padding_mask=src_key_padding_mask)
        padded = _nested_padding(self, src, mask, src_key_padding_mask)
        if padded is not None:                 # PyTorch's nested-tensor round trip
            output = where(padded, 0.0, output)
        return output if self.norm is None else self.norm(output)


def _nested_padding(encoder: TransformerEncoder, src: Tensor, mask: Any,
                    key_padding_mask: Any) -> Tensor | None:
    """(N, S, 1) bool, True at the padded positions, when PyTorch's TransformerEncoder
    would take its nested-tensor path (which returns zeros there); else None. The
    conditions are PyTorch's (TransformerEncoder.__init__ and forward)."""
    if not (encoder.enable_nested_tensor and len(encoder.layers) and mask is None
            and key_padding_mask is not None and src.ndim == 3):
        return None
    layer = encoder.layers[0]
    if not isinstance(layer, TransformerEncoderLayer) or layer.training or layer.norm_first:
        return None
    attn = layer.self_attn
    if (not attn.batch_first or not attn._qkv_same_embed_dim or attn.in_proj_bias is None
            or attn.num_heads % 2 or layer.norm1.eps != layer.norm2.eps
            or not (layer.activation in (F.relu, F.gelu)
                    or type(layer.activation).__name__ in ("ReLU", "GELU"))):
        return None
    if is_grad_enabled() and (src.requires_grad
                              or any(p.requires_grad for p in _fast_path_params(layer))):
        return None
    padded = key_padding_mask if key_padding_mask.dtype.is_bool else key_padding_mask != 0
    if tuple(padded.shape) != tuple(src.shape[:2]):
        return None
    rows = padded.tolist()                     # host read: PyTorch's mask check syncs too
    if any(row[i] and not row[i + 1] for row in rows for i in range(len(row) - 1)):
        return None                            # not left-aligned: PyTorch keeps the plain path
    return padded.unsqueeze(2)


def _fast_path_params(layer: TransformerEncoderLayer) -> list:
    attn = layer.self_attn
    return [t for t in (attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight,
                        attn.out_proj.bias, layer.norm1.weight, layer.norm1.bias,
                        layer.norm2.weight, layer.norm2.bias, layer.linear1.weight,
                        layer.linear1.bias, layer.linear2.weight, layer.linear2.bias)
            if t is not None]


class TransformerDecoder(Module):
    """``num_layers`` independent copies of ``decoder_layer`` applied in turn (each
    attending to ``memory``), then ``norm`` if given.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False).

    >>> layer = nn.TransformerDecoderLayer(32, 4, dim_feedforward=64)
    >>> nn.TransformerDecoder(layer, num_layers=2)(tgt, memory)
    """

    def __init__(self, decoder_layer: Module, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = int(num_layers)
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=bool(tgt_is_causal),
                           memory_is_causal=memory_is_causal)
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder Transformer (Vaswani et al. 2017), PyTorch's module: an
    encoder and a decoder of ``num_*_layers`` layers, each ending in a LayerNorm, every
    weight matrix re-initialised Xavier-uniform.

    forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False) -> (T, N, E).

    >>> model = nn.Transformer(d_model=32, nhead=4, dim_feedforward=64)
    >>> model(src, tgt, tgt_mask=model.generate_square_subsequent_mask(tgt.shape[0]))
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable = F.relu,
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, **kw)
            self.encoder = TransformerEncoder(
                layer, num_encoder_layers, LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                     **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first,
                                            norm_first, bias, **kw)
            self.decoder = TransformerDecoder(
                layer, num_decoder_layers, LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                     **kw))
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = int(d_model), int(nhead), bool(batch_first)

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        if src.ndim == 3:
            batch_dim = 0 if self.batch_first else 1
            if src.shape[batch_dim] != tgt.shape[batch_dim]:
                raise RuntimeError(f"the batch number of src and tgt must be equal, got src "
                                   f"{tuple(src.shape)} and tgt {tuple(tgt.shape)} "
                                   f"(batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}), got src {tuple(src.shape)} and tgt "
                               f"{tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None,
                                        dtype: Any = None) -> Tensor:
        """The (sz, sz) float mask with -inf above the diagonal and 0 elsewhere: position i
        attends to positions 0..i.

        >>> nn.Transformer.generate_square_subsequent_mask(3)   # [[0, -inf, -inf], ...]
        """
        return _square_subsequent_mask(int(sz), device, dtype)


def _square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
    """-inf where column > row, 0 elsewhere (built by comparison: triu of -inf would
    multiply -inf by 0 below the diagonal)."""
    rows = arange(sz, dtype="int64", device=device).reshape(sz, 1)
    future = arange(sz, dtype="int64", device=device) > rows
    return where(future, full((sz, sz), -math.inf, dtype=dtype, device=device),
                 zeros(sz, sz, dtype=dtype, device=device))
