"""Convolution, unfold/fold and pooling, as ``torch.nn.functional`` (names, arguments, defaults).

A convolution is im2col and one GEMM per group (``conv_ops``): the prod(kernel) shifted slices
of the padded input are stacked into (C * K, N * L) columns (L window positions) and the
weight, seen as (out, C * K), multiplies them. Its input and weight gradients are ops of the
same kind, so gradients of every order (gradgradcheck) exist. The transposed convolution is
the input gradient's op with the roles swapped. ``unfold``/``fold`` (im2col/col2im in
PyTorch's (N, C * K, L) layout) are linear ops that are each other's backward.

>>> y = F.conv2d(x, w, b, stride=1, padding="same")          # x (N, C, H, W), w (O, C, 3, 3)
>>> F.max_pool2d(y, 2); F.avg_pool2d(y, 3, stride=1, padding=1); F.adaptive_avg_pool2d(y, 1)

Every op is written for any number of spatial dims; the 1-, 2- and 3-D functions only fix it.
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import apply1, applyn
from ..autograd.ops.torch_errors import TorchValueError
from ..autograd.tensor import Tensor
from .conv_args import check_floating, check_input, conv_pads, ntuple, positive, size_text
from .conv_ops import Conv, ConvInputGrad
from .conv_windows import Fold, Unfold, geometry
from .pool_functional import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,
                              adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d,
                              avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d,
                              max_pool3d)
from .pool_lp_unpool import (adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
                             adaptive_max_pool3d_with_indices, lp_pool1d, lp_pool2d, lp_pool3d,
                             max_pool1d_with_indices, max_pool2d_with_indices,
                             max_pool3d_with_indices, max_unpool1d, max_unpool2d, max_unpool3d)

_POOLS = (max_pool1d, max_pool2d, max_pool3d, avg_pool1d, avg_pool2d, avg_pool3d,
          adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d, adaptive_max_pool1d,
          adaptive_max_pool2d, adaptive_max_pool3d, lp_pool1d, lp_pool2d, lp_pool3d,
          max_unpool1d, max_unpool2d, max_unpool3d, max_pool1d_with_indices,
          max_pool2d_with_indices, max_pool3d_with_indices, adaptive_max_pool1d_with_indices,
          adaptive_max_pool2d_with_indices, adaptive_max_pool3d_with_indices)
__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold"] + [fn.__name__ for fn in _POOLS]


def _prod(values: Any) -> int:
    n = 1
    for v in values:
        n *= v
    return n


def _check_weight(weight: Any, nd: int, op: str, layout: str) -> None:
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: expected weight to be a Tensor, got {type(weight).__name__}")
    if weight.ndim != nd + 2:
        raise TorchValueError(f"{op}: expected a {nd + 2}D weight {layout}, got weight of shape "
                              f"{tuple(weight.shape)}")


def _check_bias(bias: Any, channels: int, weight: Tensor, op: str) -> None:
    if bias is None:
        return
    if not isinstance(bias, Tensor):
        raise TypeError(f"{op}: expected bias to be a Tensor or None, got {type(bias).__name__}")
    if tuple(bias.shape) != (channels,):
        raise TorchValueError(f"{op}: given weight of shape {tuple(weight.shape)}, expected bias "
                              f"to "
                              f"be 1-dimensional with {channels} elements, but got bias of shape "
                              f"{tuple(bias.shape)}")


def _groups(groups: Any, op: str) -> int:
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"{op}: groups must be an int, got {groups!r}")
    if groups <= 0:
        raise TorchValueError(f"{op}: non-positive groups is not supported, got groups={groups}")
    return groups


def _add_bias(y: Tensor, bias: Tensor | None, nd: int) -> Tensor:
    if bias is None:
        return y
    return y + bias.reshape((bias.shape[0],) + (1,) * nd)


def _conv(nd: int, op: str, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
          padding: Any, dilation: Any, groups: Any) -> Tensor:
    check_input(input, nd, op)
    _check_weight(weight, nd, op, "(out_channels, in_channels / groups, *kernel_size)")
    check_floating(op, input, weight, bias)
    stride = ntuple(stride, nd, "stride", op)
    dilation = ntuple(dilation, nd, "dilation", op)
    positive(stride, "stride", op)
    positive(dilation, "dilation", op)
    groups = _groups(groups, op)
    kernel = tuple(weight.shape[2:])
    pads = conv_pads(padding, nd, kernel, dilation, stride, op)
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    out_ch, in_per_group = weight.shape[0], weight.shape[1]
    if out_ch % groups:
        raise TorchValueError(f"{op}: given groups={groups}, expected weight to be divisible by "
                              f"{groups} at dimension 0, but got weight of shape "
                              f"{tuple(weight.shape)}")
    if x.shape[1] != in_per_group * groups:
        raise TorchValueError(f"{op}: given groups={groups}, weight of shape "
                              f"{tuple(weight.shape)}, "
                              f"expected input{list(x.shape)} to have {in_per_group * groups} "
                              f"channels, but got {x.shape[1]} channels instead")
    _check_bias(bias, out_ch, weight, op)
    spatial = tuple(x.shape[2:])
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(spatial, pads))
    effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < e for p, e in zip(padded, effective)):
        raise TorchValueError(f"{op}: calculated padded input size per channel: "
                              f"({size_text(padded)}). Kernel size: ({size_text(effective)}). "
                              "Kernel size can't be greater than actual input size (input shape "
                              f"{tuple(input.shape)}, weight shape {tuple(weight.shape)})")
    geo = geometry(spatial, kernel, stride, dilation, pads)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    y = applyn(Conv, inputs, geo, groups, [])
    return y.reshape(y.shape[1:]) if unbatched else y


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation, as PyTorch) of (N, C, L) or (C, L) input with a
    (out_channels, C / groups, k) weight; padding an int, a tuple, 'valid' or 'same'.

    >>> F.conv1d(x, w, b, padding="same")      # x (N, 4, 50), w (8, 4, 5) -> (N, 8, 50)
    """
    return _conv(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch) of (N, C, H, W) or (C, H, W) input with
    an (out_channels, C / groups, kh, kw) weight; padding an int, a pair, 'valid' or 'same'.

    >>> F.conv2d(x, w, b)           # x (64, 1, 28, 28), w (32, 1, 3, 3) -> (64, 32, 26, 26)
    """
    return _conv(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D convolution (cross-correlation, as PyTorch) of (N, C, D, H, W) or (C, D, H, W)
    input with an (out_channels, C / groups, kd, kh, kw) weight; padding an int, a triple,
    'valid' or 'same'.

    >>> F.conv3d(x, w, padding=1)   # x (N, 2, 8, 8, 8), w (4, 2, 3, 3, 3) -> (N, 4, 8, 8, 8)
    """
    return _conv(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(nd: int, op: str, input: Tensor, weight: Tensor, bias: Tensor | None,
                    stride: Any, padding: Any, output_padding: Any, groups: Any,
                    dilation: Any) -> Tensor:
    check_input(input, nd, op)
    _check_weight(weight, nd, op, "(in_channels, out_channels / groups, *kernel_size)")
    check_floating(op, input, weight, bias)
    stride = ntuple(stride, nd, "stride", op)
    dilation = ntuple(dilation, nd, "dilation", op)
    pad = ntuple(padding, nd, "padding", op)
    out_pad = ntuple(output_padding, nd, "output_padding", op)
    positive(stride, "stride", op)
    positive(dilation, "dilation", op)
    groups = _groups(groups, op)
    if any(p < 0 for p in pad + out_pad):
        raise TorchValueError(f"{op}: negative padding is not supported, got padding={pad}, "
                              f"output_padding={out_pad}")
    if any(op_ >= s and op_ >= d for op_, s, d in zip(out_pad, stride, dilation)):
        raise TorchValueError(f"{op}: output padding must be smaller than either stride or "
                              f"dilation, but got output_padding={out_pad}, stride={stride}, "
                              f"dilation={dilation}")
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    in_ch, out_per_group = weight.shape[0], weight.shape[1]
    if in_ch % groups:
        raise TorchValueError(f"{op}: given groups={groups}, expected weight to be divisible by "
                              f"{groups} at dimension 0, but got weight of shape "
                              f"{tuple(weight.shape)}")
    if x.shape[1] != in_ch:
        raise TorchValueError(f"{op}: given transposed=1, weight of shape {tuple(weight.shape)}, "
                              f"expected input{list(x.shape)} to have {in_ch} channels, but got "
                              f"{x.shape[1]} channels instead")
    out_ch = out_per_group * groups
    _check_bias(bias, out_ch, weight, op)
    kernel = tuple(weight.shape[2:])
    spatial = tuple(x.shape[2:])
    outs = tuple((i - 1) * s - 2 * p + d * (k - 1) + o + 1 for i, s, p, d, k, o in
                 zip(spatial, stride, pad, dilation, kernel, out_pad))
    if any(o <= 0 for o in outs) or any(i == 0 for i in spatial):
        raise TorchValueError(f"{op}: given input of shape {tuple(input.shape)} and weight of "
                              f"shape "
                              f"{tuple(weight.shape)}, the calculated output size "
                              f"({size_text(outs)}) is too small")
    geo = tuple((k, s, d, p, p, o, i) for k, s, d, p, o, i in
                zip(kernel, stride, dilation, pad, outs, spatial))
    y = _add_bias(applyn(ConvInputGrad, (x, weight), geo, groups), bias, nd)
    return y.reshape(y.shape[1:]) if unbatched else y


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 1-D convolution (the gradient of conv1d with respect to its input) of
    (N, C_in, L) input with a (C_in, out_channels / groups, k) weight.

    >>> F.conv_transpose1d(x, w, stride=2)      # x (N, 4, 10), w (4, 2, 3) -> (N, 2, 21)
    """
    return _conv_transpose(1, "conv_transpose1d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 2-D convolution ("deconvolution") of (N, C_in, H, W) input with a
    (C_in, out_channels / groups, kh, kw) weight; output size
    (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1.

    >>> F.conv_transpose2d(x, w, stride=2, output_padding=1)   # (N, 8, 7, 7) -> (N, 4, 14, 14)
    """
    return _conv_transpose(2, "conv_transpose2d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """Transposed 3-D convolution of (N, C_in, D, H, W) input with a (C_in, out_channels /
    groups, kd, kh, kw) weight; each output size is
    (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

    >>> F.conv_transpose3d(x, w, stride=2)      # (N, 4, 3, 3, 3), w (4, 2, 2, 2, 2) -> 6^3
    """
    return _conv_transpose(3, "conv_transpose3d", input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def _fold_args(kernel_size: Any, dilation: Any, padding: Any, stride: Any, op: str) -> tuple:
    kernel = ntuple(kernel_size, 2, "kernel_size", op)
    dilation = ntuple(dilation, 2, "dilation", op)
    pad = ntuple(padding, 2, "padding", op)
    stride = ntuple(stride, 2, "stride", op)
    positive(kernel, "kernel_size", op)
    positive(dilation, "dilation", op)
    positive(stride, "stride", op)
    if any(p < 0 for p in pad):
        raise TorchValueError(f"{op}: negative padding is not supported, got padding={pad}")
    return kernel, dilation, tuple((p, p) for p in pad), stride


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """Sliding local blocks (im2col): (N, C, H, W) -> (N, C * kh * kw, L), L the number of
    block positions; (C, H, W) -> (C * kh * kw, L).

    >>> F.unfold(x, 3, padding=1).shape        # x (2, 3, 8, 8) -> (2, 27, 64)
    """
    op = "unfold"
    check_input(input, 2, op)
    kernel, dilation, pads, stride = _fold_args(kernel_size, dilation, padding, stride, op)
    spatial = tuple(input.shape[-2:])
    geo = geometry(spatial, kernel, stride, dilation, pads)
    if any(g[6] <= 0 for g in geo):
        raise TorchValueError(f"{op}: given input of shape {tuple(input.shape)}, kernel_size="
                              f"{kernel}, dilation={dilation}, padding={padding}, stride={stride}, "
                              "the calculated shape of the array of sliding blocks is "
                              f"({size_text(g[6] for g in geo)}), but its components must be at "
                              "least one")
    return apply1(Unfold, input, geo)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """Sum sliding local blocks back into an image (col2im, the adjoint of unfold):
    (N, C * kh * kw, L) -> (N, C, *output_size); overlapping blocks add up.

    >>> F.fold(F.unfold(x, 2, stride=2), x.shape[-2:], 2, stride=2)    # == x
    """
    op = "fold"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim not in (2, 3):
        raise TorchValueError(f"{op}: expected 2D (unbatched) or 3D (batched) input, but got input "
                              f"of shape {tuple(input.shape)}")
    size = ntuple(output_size, 2, "output_size", op)
    kernel, dilation, pads, stride = _fold_args(kernel_size, dilation, padding, stride, op)
    k = _prod(kernel)
    if input.shape[-2] % k:
        raise TorchValueError(f"{op}: expected size of input's dimension {input.ndim - 2} to be "
                              f"divisible by the product of kernel_size={kernel}, but got "
                              f"{input.shape[-2]} (input shape {tuple(input.shape)})")
    geo = geometry(size, kernel, stride, dilation, pads)
    blocks = _prod(g[6] for g in geo)
    if any(g[6] <= 0 for g in geo) or input.shape[-1] != blocks:
        raise TorchValueError(f"{op}: given output_size={size}, kernel_size={kernel}, dilation="
                              f"{dilation}, padding={padding}, stride={stride}, expected size of "
                              f"input's last dimension to match the calculated number of sliding "
                              f"blocks {' * '.join(str(g[6]) for g in geo)} = {blocks}, but got "
                              f"{input.shape[-1]} (input shape {tuple(input.shape)})")
    return apply1(Fold, input, geo)
