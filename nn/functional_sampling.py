"""Resampling and vision helpers, as torch.nn.functional (re-exported from
``xpgrad.nn.functional``): interpolate (and the deprecated upsample forms), pixel and channel
shuffles, the bilinear form, pdist, local response normalisation, affine_grid and
grid_sample.

>>> F.interpolate(x, scale_factor=2, mode="bilinear"); F.pixel_shuffle(x, 2)
>>> F.bilinear(x1, x2, weight, bias); F.pdist(points); F.local_response_norm(x, 5)
"""
from __future__ import annotations

from .resample_interp import interpolate, upsample, upsample_bilinear, upsample_nearest
from .sampling_grid import affine_grid, grid_sample
from .sampling_forms import bilinear, local_response_norm, pdist
from .sampling_shuffle import channel_shuffle, pixel_shuffle, pixel_unshuffle

__all__: list[str] = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
                      "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "bilinear",
                      "pdist", "local_response_norm", "affine_grid", "grid_sample"]
