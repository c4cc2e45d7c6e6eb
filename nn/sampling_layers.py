"""Resampling and vision layers, as torch.nn (re-exported from ``xpgrad.nn``): Upsample and
its fixed-mode forms, PixelShuffle / PixelUnshuffle / ChannelShuffle, Bilinear and
LocalResponseNorm.

>>> nn.Upsample(scale_factor=2, mode="bilinear"); nn.PixelShuffle(2); nn.Bilinear(4, 5, 3)
"""
from __future__ import annotations

from .sampling_forms import Bilinear, LocalResponseNorm
from .sampling_shuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from .sampling_upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__: list[str] = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d",
                      "PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "Bilinear",
                      "LocalResponseNorm"]
