"""Upsampling layers, as torch.nn: Upsample (every F.interpolate mode) and the fixed-mode
UpsamplingNearest2d and UpsamplingBilinear2d (align_corners=True, as PyTorch).

>>> nn.Upsample(scale_factor=2, mode="bilinear")(x)      # (N, C, H, W) -> (N, C, 2H, 2W)
>>> nn.UpsamplingNearest2d(size=(8, 8))(x)
"""
from __future__ import annotations

from typing import Any

from ..autograd.tensor import Tensor
from .module import Module
from .resample_interp import interpolate


class Upsample(Module):
    """Resample (N, C, *spatial) inputs to ``size`` or by ``scale_factor`` with
    :func:`F.interpolate`'s modes (nearest, nearest-exact, linear, bilinear, bicubic,
    trilinear, area); arguments and repr as PyTorch's.

    >>> nn.Upsample(scale_factor=2)          # Upsample(scale_factor=2.0, mode='nearest')
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W) inputs (PyTorch's legacy index rule).

    >>> nn.UpsamplingNearest2d(scale_factor=2)(x)
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of (N, C, H, W) inputs with align_corners=True (as PyTorch).

    >>> nn.UpsamplingBilinear2d(scale_factor=2)(x)
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
