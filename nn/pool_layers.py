"""Pooling layers (MaxPool, AvgPool, AdaptiveAvgPool, AdaptiveMaxPool, LPPool and MaxUnpool,
each 1d/2d/3d) as PyTorch's: arguments, defaults (stride = kernel_size), stored attributes and
reprs. Re-exported by ``nn``.

>>> nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1))
"""
from __future__ import annotations

from typing import Any

from ..autograd.tensor import Tensor
from .conv_args import ntuple
from .module import Module
from .pool_functional import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d,
                              adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d,
                              avg_pool1d, avg_pool2d, avg_pool3d, max_pool1d, max_pool2d,
                              max_pool3d)
from .pool_lp_unpool import (lp_pool1d, lp_pool2d, lp_pool3d, max_unpool1d, max_unpool2d,
                             max_unpool3d)

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d",
           "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class _MaxPoolNd(Module):
    _fn: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Any:
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                              self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of (N, C, L) input; stride defaults to kernel_size.

    >>> nn.MaxPool1d(2)             # (N, C, 10) -> (N, C, 5)
    """
    _fn = staticmethod(max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of (N, C, H, W) input; stride defaults to kernel_size.

    >>> nn.MaxPool2d(2)             # (N, C, 28, 28) -> (N, C, 14, 14)
    """
    _fn = staticmethod(max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of (N, C, D, H, W) input; stride defaults to kernel_size.

    >>> nn.MaxPool3d(2)             # (N, C, 8, 8, 8) -> (N, C, 4, 4, 4)
    """
    _fn = staticmethod(max_pool3d)


class AvgPool1d(Module):
    """Mean over sliding windows of (N, C, L) input (PyTorch stores its sizes as 1-tuples).

    >>> nn.AvgPool1d(3, stride=2)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        single = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,)  # noqa: E731
        self.kernel_size = single(kernel_size)
        self.stride = single(stride if stride is not None else kernel_size)
        self.padding = single(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(Module):
    _fn: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding,
                              self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, H, W) input; stride defaults to kernel_size.

    >>> nn.AvgPool2d(2)             # (N, C, 28, 28) -> (N, C, 14, 14)
    """
    _fn = staticmethod(avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, D, H, W) input; stride defaults to kernel_size.

    >>> nn.AvgPool3d(2, count_include_pad=False)
    """
    _fn = staticmethod(avg_pool3d)


class _AdaptiveNd(Module):
    _fn: Any = None

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveNd):
    """Average pooling of (N, C, L) input to output_size positions.

    >>> nn.AdaptiveAvgPool1d(1)
    """
    _fn = staticmethod(adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveNd):
    """Average pooling of (N, C, H, W) input to output_size (int, pair, None keeps a size).

    >>> nn.AdaptiveAvgPool2d(1)     # global average pooling -> (N, C, 1, 1)
    """
    _fn = staticmethod(adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveNd):
    """Average pooling of (N, C, D, H, W) input to output_size (int, triple, None keeps).

    >>> nn.AdaptiveAvgPool3d(1)     # global average pooling -> (N, C, 1, 1, 1)
    """
    _fn = staticmethod(adaptive_avg_pool3d)


class _AdaptiveMaxNd(_AdaptiveNd):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        return type(self)._fn(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptiveMaxNd):
    """Max pooling of (N, C, L) input to output_size positions.

    >>> nn.AdaptiveMaxPool1d(4)
    """
    _fn = staticmethod(adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxNd):
    """Max pooling of (N, C, H, W) input to output_size.

    >>> nn.AdaptiveMaxPool2d((2, 2))
    """
    _fn = staticmethod(adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxNd):
    """Max pooling of (N, C, D, H, W) input to output_size.

    >>> nn.AdaptiveMaxPool3d((1, 2, 2))
    """
    _fn = staticmethod(adaptive_max_pool3d)


class _LPPoolNd(Module):
    _fn: Any = None

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride,
                              self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """Power-average pooling of (N, C, L) input: (sum of x^p over each window)^(1/p).

    >>> nn.LPPool1d(2, 3, stride=2)
    """
    _fn = staticmethod(lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling of (N, C, H, W) input (p = 1: sum pooling, p = inf: max |x|).

    >>> nn.LPPool2d(2, (3, 2))
    """
    _fn = staticmethod(lp_pool2d)


class LPPool3d(_LPPoolNd):
    """Power-average pooling of (N, C, D, H, W) input.

    >>> nn.LPPool3d(2, 2)
    """
    _fn = staticmethod(lp_pool3d)


class _MaxUnpoolNd(Module):
    _fn: Any = None
    _nd = 0

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        self.kernel_size = ntuple(kernel_size, nd, "kernel_size", name)
        self.stride = ntuple(stride if stride is not None else kernel_size, nd, "stride", name)
        self.padding = ntuple(padding, nd, "padding", name)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: values at their indices, zeros elsewhere.

    >>> nn.MaxUnpool1d(2)(*nn.MaxPool1d(2, return_indices=True)(x))
    """
    _fn, _nd = staticmethod(max_unpool1d), 1


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d; forward(input, indices, output_size=None).

    >>> unpool = nn.MaxUnpool2d(2); unpool(y, idx, output_size=x.shape)
    """
    _fn, _nd = staticmethod(max_unpool2d), 2


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d.

    >>> nn.MaxUnpool3d(2)(*nn.MaxPool3d(2, return_indices=True)(x))
    """
    _fn, _nd = staticmethod(max_unpool3d), 3
