"""torch's lower-level nn entry points, over nn.functional: convolution (one call for every
convolution), conv_tbc, grid_sampler (integer modes), affine_grid_generator, the RNN cells
(rnn_tanh_cell, rnn_relu_cell, gru_cell, lstm_cell), the native_* functions that also
return their statistics or masks, and embedding_bag's 4-tuple. Star-imported by
``xpgrad/__init__.py`` (see torch_namespace.py for why these live at the package root)."""
from __future__ import annotations

import math
from typing import Any, Sequence

from .autograd import Tensor, no_grad
from .autograd.factories import arange, rand_like, zeros
from .autograd.ops import where
from .autograd.ops._util import require_tensor
from .dtypes import int64
from .nn import functional as F

__all__ = ["convolution", "conv_tbc", "grid_sampler", "grid_sampler_2d", "grid_sampler_3d",
           "affine_grid_generator", "rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell",
           "native_layer_norm", "native_batch_norm", "native_group_norm", "native_dropout",
           "native_channel_shuffle", "embedding_bag"]

_CONV = {1: (F.conv1d, F.conv_transpose1d), 2: (F.conv2d, F.conv_transpose2d),
         3: (F.conv3d, F.conv_transpose3d)}


def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride: Sequence[int],
                padding: Sequence[int], dilation: Sequence[int], transposed: bool,
                output_padding: Sequence[int], groups: int) -> Tensor:
    """torch.convolution: conv{1,2,3}d or conv_transpose{1,2,3}d by the weight's rank.
    >>> xg.convolution(x, w, None, [1], [0], [1], False, [0], 1)"""
    require_tensor(weight, "convolution")
    n = weight.ndim - 2
    if n not in _CONV:
        raise ValueError(f"convolution: weight must have 3, 4 or 5 dimensions, got shape "
                         f"{weight.shape}")
    forward, transpose = _CONV[n]
    if transposed:
        return transpose(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return forward(input, weight, bias, stride, padding, dilation, groups)


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    """1-D convolution of (time, batch, channels) input with a (width, in, out) weight
    (torch.conv_tbc). >>> xg.conv_tbc(x, w, b, 1)"""
    require_tensor(input, "conv_tbc")
    require_tensor(weight, "conv_tbc")
    if input.ndim != 3 or weight.ndim != 3:
        raise ValueError(f"conv_tbc: input (T, B, C) and weight (K, C, O) must be 3-D, got "
                         f"shapes {input.shape} and {weight.shape}")
    out = F.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, 1, pad)
    return out.permute(2, 0, 1)


_INTERPOLATION = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    """F.grid_sample with torch's integer modes (0 bilinear, 1 nearest, 2 bicubic; 0 zeros,
    1 border, 2 reflection). >>> xg.grid_sampler(x, grid, 0, 0, False)"""
    if interpolation_mode not in _INTERPOLATION or padding_mode not in _PADDING:
        raise ValueError(f"grid_sampler: unknown interpolation_mode {interpolation_mode!r} or "
                         f"padding_mode {padding_mode!r}")
    return F.grid_sample(input, grid, _INTERPOLATION[interpolation_mode], _PADDING[padding_mode],
                         align_corners)


grid_sampler_2d = grid_sampler_3d = grid_sampler


def affine_grid_generator(theta: Tensor, size: Sequence[int], align_corners: bool) -> Tensor:
    """torch.affine_grid_generator: F.affine_grid. >>> xg.affine_grid_generator(t, (1, 1, 2, 2),
    False)"""
    return F.affine_grid(theta, list(size), align_corners)


# ---- RNN cells --------------------------------------------------------------------------------
def _gates(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
           b_hh: Tensor | None) -> tuple:
    return F.linear(input, w_ih, b_ih), F.linear(hx, w_hh, b_hh)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``. >>> h = xg.rnn_tanh_cell(x, h, w_ih, w_hh)"""
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return (gi + gh).tanh()


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """``relu(x W_ih^T + b_ih + h W_hh^T + b_hh)``. >>> h = xg.rnn_relu_cell(x, h, w_ih, w_hh)"""
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return (gi + gh).relu()


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step (gates r, z, n in that order, as nn.GRUCell).
    >>> h = xg.gru_cell(x, h, w_ih, w_hh, b_ih, b_hh)"""
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return (1.0 - z) * n + z * hx


def lstm_cell(input: Tensor, hx: Sequence[Tensor], w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> tuple:
    """One LSTM step from ``hx = (h, c)`` (gates i, f, g, o): returns ``(h', c')``.
    >>> h, c = xg.lstm_cell(x, (h, c), w_ih, w_hh, b_ih, b_hh)"""
    h, c = hx
    gi, gh = _gates(input, h, w_ih, w_hh, b_ih, b_hh)
    i, f, g, o = (gi + gh).chunk(4, -1)
    c_new = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c_new.tanh(), c_new


# ---- native_* ---------------------------------------------------------------------------------
def native_layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None,
                      bias: Tensor | None, eps: float) -> tuple:
    """``(out, mean, rstd)``: layer_norm with its statistics (kept dims of size 1).
    >>> out, mean, rstd = xg.native_layer_norm(x, (4,), None, None, 1e-5)"""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    mean = input.mean(dims, keepdims=True)
    var = ((input - mean) ** 2).mean(dims, keepdims=True)
    return F.layer_norm(input, shape, weight, bias, eps), mean, (var + eps).rsqrt()


def native_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                      running_mean: Tensor | None, running_var: Tensor | None, training: bool,
                      momentum: float, eps: float) -> tuple:
    """``(out, save_mean, save_invstd)``: batch_norm with the batch statistics (empty when
    not training, as torch's). >>> out, m, s = xg.native_batch_norm(x, None, None, None,
    None, True, 0.1, 1e-5)"""
    out = F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training:
        empty = zeros(0, dtype=input.dtype, device=input._backend)
        return out, empty, empty
    dims = (0,) + tuple(range(2, input.ndim))
    mean = input.mean(dims)
    shape = (1, -1) + (1,) * (input.ndim - 2)
    var = ((input - mean.reshape(shape)) ** 2).mean(dims)
    return out, mean, (var + eps).rsqrt()


def native_group_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, N: int, C: int,
                      HxW: int, group: int, eps: float) -> tuple:
    """``(out, mean, rstd)`` of group_norm, the statistics shaped (N, group).
    >>> out, mean, rstd = xg.native_group_norm(x, None, None, 2, 4, 6, 2, 1e-5)"""
    if tuple(input.shape[:2]) != (N, C) or math.prod(input.shape[2:]) != HxW:
        raise ValueError(f"native_group_norm: input of shape {input.shape} does not match N={N}, "
                         f"C={C}, HxW={HxW}")
    grouped = input.reshape(N, group, -1)
    mean = grouped.mean(-1)
    var = ((grouped - mean.unsqueeze(-1)) ** 2).mean(-1)
    return F.group_norm(input, group, weight, bias, eps), mean, (var + eps).rsqrt()


def native_dropout(input: Tensor, p: float, train: bool | None) -> tuple:
    """``(out, mask)``: inverted dropout and its boolean keep mask (all True, out a copy,
    when not training). >>> out, mask = xg.native_dropout(x, 0.5, True)"""
    require_tensor(input, "native_dropout")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"native_dropout: p must be in [0, 1], got {p}")
    if train is False or p == 0.0:
        return input.clone(), (input == input) | (input != input)
    with no_grad():
        keep = rand_like(input) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    return input * keep.astype(input.dtype) * scale, keep


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """torch.native_channel_shuffle: F.channel_shuffle. >>> xg.native_channel_shuffle(x, 2)"""
    return F.channel_shuffle(input, groups)


_BAG_MODES = {0: "sum", 1: "mean", 2: "max", "sum": "sum", "mean": "mean", "max": "max"}


def embedding_bag(weight: Tensor, indices: Tensor, offsets: Tensor,
                  scale_grad_by_freq: bool = False, mode: Any = 0, sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> tuple:
    """torch.embedding_bag(weight, indices, offsets, ...) with mode 0 sum, 1 mean, 2 max:
    ``(output, offset2bag, bag_size, max_indices)`` as torch's CPU kernel fills them
    (offset2bag always: torch leaves it empty on its float32 'sum' fast path; for 'sum'
    bag_size and max_indices are zeros; max_indices is (B, dim) for 'max', else (B,)). >>> out, *_ = xg.embedding_bag(table, idx, offsets)"""
    if mode not in _BAG_MODES:
        raise ValueError(f"embedding_bag: mode must be 0 (sum), 1 (mean) or 2 (max), got {mode!r}")
    name = _BAG_MODES[mode]
    pad = None if padding_idx is None or padding_idx < 0 else padding_idx
    output = F.embedding_bag(indices, weight, offsets, None, 2.0, scale_grad_by_freq, name,
                             sparse, per_sample_weights, include_last_offset, pad)
    B = output.shape[0]
    backend = weight._backend
    with no_grad():
        idx = indices.detach().reshape(-1).astype(int64)
        if indices.ndim == 2:
            starts = arange(0, idx.shape[0], indices.shape[1], dtype=int64, device=backend)
        else:
            starts = offsets.detach().astype(int64)[:B]
        positions = arange(idx.shape[0], dtype=int64, device=backend)
        bag = (positions.unsqueeze(0) >= starts.unsqueeze(1)).astype(int64).sum(0) - 1
        member = bag.unsqueeze(0) == arange(B, dtype=int64, device=backend).unsqueeze(1)
        if name == "sum":
            nothing = zeros(B, dtype=int64, device=backend)
            return output, bag, nothing, nothing
        bag_size = member.astype(int64).sum(1)
        if name == "mean":
            return output, bag, bag_size, bag_size
        rows = weight.detach()[idx]                                          # (n, dim)
        masked = where(member.unsqueeze(-1), rows.unsqueeze(0), -math.inf)
        best = idx[masked.argmax(1)]                                         # (B, dim)
        best = where((bag_size > 0).unsqueeze(-1), best, -1)
        return output, bag, bag_size, best
