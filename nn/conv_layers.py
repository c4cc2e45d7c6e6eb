"""Convolution layers (Conv1d/2d/3d, ConvTranspose1d/2d/3d), Unfold and Fold, and the
pooling layers of ``pool_layers``, as PyTorch's: arguments, defaults, parameter names
and shapes, initialisation and reprs.

Initialisation is PyTorch's (not Keras'): the weight is kaiming_uniform_(a=sqrt(5)), i.e.
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), with
fan_in = weight.shape[1] * prod(kernel_size).

>>> conv = nn.Conv2d(1, 32, 3)       # weight (32, 1, 3, 3), bias (32,): 320 parameters
>>> nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 13 * 13, 10))
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.factories import zeros
from ..autograd.tensor import Tensor
from . import init
from .conv_args import PADDING_MODES, ntuple, pad_mode
from .functional_conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                              conv_transpose3d, fold, unfold)
from .module import Module
from .parameter import Parameter
from .pool_layers import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d,
                          AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d, AvgPool1d,
                          AvgPool2d, AvgPool3d, LPPool1d, LPPool2d, LPPool3d, MaxPool1d,
                          MaxPool2d, MaxPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)

_POOLS = (MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, AdaptiveAvgPool1d,
          AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
          AdaptiveMaxPool3d, LPPool1d, LPPool2d, LPPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d)
__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d", "Unfold", "Fold"] + [cls.__name__ for cls in _POOLS]


class _ConvNd(Module):
    """The shared state of the convolution layers (PyTorch's _ConvNd)."""

    _nd = 0
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 output_padding: Any = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups, got "
                             f"in_channels={in_channels} and groups={groups}")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups, got "
                             f"out_channels={out_channels} and groups={groups}")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, but got "
                             f"padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = ntuple(kernel_size, nd, "kernel_size", name)
        self.stride = ntuple(stride, nd, "stride", name)
        self.dilation = ntuple(dilation, nd, "dilation", name)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, should be one "
                                 "of 'valid', 'same'")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
            self.padding = padding
        else:
            self.padding = ntuple(padding, nd, "padding", name)
        self.output_padding = ntuple(output_padding, nd, "output_padding", name)
        self.transposed = self._transposed
        self.groups = groups
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (self.in_channels, self.out_channels // groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // groups) + self.kernel_size
        self.weight = Parameter(zeros(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(zeros(self.out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1]
            for k in self.kernel_size:
                fan_in *= k
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def _padding_pairs(self) -> tuple:
        """(before, after) per dim of the padding (PyTorch's order for 'same')."""
        if self.padding == "valid":
            return ((0, 0),) * self._nd
        if self.padding == "same":
            return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                         for k, d in zip(self.kernel_size, self.dilation))
        return tuple((p, p) for p in self.padding)

    def _conv(self, fn: Any, input: Tensor) -> Tensor:
        if self.padding_mode == "zeros":
            return fn(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)
        x = pad_mode(input, self._padding_pairs(), self.padding_mode, type(self).__name__)
        return fn(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """Conv1d/2d/3d: PyTorch's signature; each sets ``_nd`` and its ``_functional``."""

    _functional: Any = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return self._conv(self._functional, input)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) input: weight (out_channels, in_channels / groups,
    kernel_size), bias (out_channels,); padding an int, a tuple, 'valid' or 'same';
    padding_mode 'zeros', 'reflect', 'replicate' or 'circular'.

    >>> nn.Conv1d(4, 8, 5, padding="same")      # (N, 4, L) -> (N, 8, L)
    """
    _nd = 1

    _functional = staticmethod(conv1d)


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) input: weight (out_channels, in_channels / groups,
    kh, kw), bias (out_channels,); padding an int, a pair, 'valid' or 'same'; padding_mode
    'zeros', 'reflect', 'replicate' or 'circular'.

    >>> nn.Conv2d(1, 32, 3)        # (N, 1, 28, 28) -> (N, 32, 26, 26), 320 parameters
    """
    _nd = 2

    _functional = staticmethod(conv2d)


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) input: weight (out_channels, in_channels /
    groups, kd, kh, kw), bias (out_channels,); padding an int, a triple, 'valid' or 'same';
    padding_mode 'zeros', 'reflect', 'replicate' or 'circular'.

    >>> nn.Conv3d(1, 8, 3, padding=1)    # (N, 1, 16, 16, 16) -> (N, 8, 16, 16, 16)
    """
    _nd = 3

    _functional = staticmethod(conv3d)


class _ConvTransposeNd(_ConvNd):
    """ConvTranspose1d/2d/3d: PyTorch's signature; each sets ``_nd`` and ``_functional``."""

    _transposed = True
    _functional: Any = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}, got padding_mode={padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        return self._functional(input, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups,
                                self.dilation)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple:
        """output_padding, or the one that gives ``output_size`` (PyTorch's forward arg)."""
        if output_size is None:
            return self.output_padding
        nd, name = self._nd, type(self).__name__
        size = tuple(output_size)[-nd:] if len(tuple(output_size)) > nd else tuple(output_size)
        size = ntuple(tuple(int(s) for s in size), nd, "output_size", name)
        pads = []
        for i in range(nd):
            smallest = ((input.shape[input.ndim - nd + i] - 1) * self.stride[i]
                        - 2 * self.padding[i] + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            extra = size[i] - smallest
            if not 0 <= extra < max(self.stride[i], self.dilation[i]):
                raise ValueError(f"{name}: requested an output size of {size}, but valid "
                                 f"sizes along dim {i} range from {smallest} to "
                                 f"{smallest + max(self.stride[i], self.dilation[i]) - 1} "
                                 f"(for an input of shape {tuple(input.shape)})")
            pads.append(extra)
        return tuple(pads)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution: weight (in_channels, out_channels / groups, kernel_size);
    output length (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.

    >>> nn.ConvTranspose1d(8, 4, 3, stride=2)
    """
    _nd = 1

    _functional = staticmethod(conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution ("deconvolution"): weight (in_channels, out_channels /
    groups, kh, kw); forward(input, output_size=None) as PyTorch's.

    >>> nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)   # 7x7 -> 14x14
    """
    _nd = 2

    _functional = staticmethod(conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-D convolution: weight (in_channels, out_channels / groups, kd, kh, kw);
    forward(input, output_size=None) as PyTorch's.

    >>> nn.ConvTranspose3d(8, 4, 2, stride=2)       # (N, 8, 4, 4, 4) -> (N, 4, 8, 8, 8)
    """
    _nd = 3

    _functional = staticmethod(conv_transpose3d)


class Unfold(Module):
    """Extract sliding local blocks (im2col): (N, C, H, W) -> (N, C * prod(kernel_size), L).

    >>> nn.Unfold(kernel_size=3, padding=1)
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Sum sliding local blocks into an image (col2im): (N, C * prod(kernel_size), L) ->
    (N, C, *output_size).

    >>> nn.Fold(output_size=(4, 4), kernel_size=2)
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1,
                 padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
