"""Batch normalisation of images and volumes (BatchNorm2d, BatchNorm3d), on BatchNorm1d's
machinery (running stats, momentum 0.1, unbiased running variance, eval mode), and
instance normalisation (InstanceNorm1d/2d/3d), with PyTorch's arguments, state_dict keys
and reprs.

>>> nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
>>> nn.InstanceNorm2d(8, affine=True)
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import run_kernel
from ..autograd.tensor import Tensor
from . import functional as F
from .layer_norm import instance_norm, warn_channels
from .normalization import BatchNorm1d, _NormBase, _count_batch


class _BatchNormNd(BatchNorm1d):
    """BatchNorm1d over (N, C, *spatial): the spatial axes are merged into one (a view), so
    the statistics, running-stat updates and gradients are BatchNorm1d's."""
    _spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _check(self, input: Tensor) -> None:
        k = self._spatial
        if input.ndim != k + 2 or input.shape[1] != self.num_features:
            dims = ", ".join(["N", str(self.num_features)] + list("DHW"[3 - k:]))
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected input of "
                             f"shape ({dims}), got {tuple(input.shape)}")

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        n, c = input.shape[0], input.shape[1]
        flat = input.reshape(n, c, -1) if input.size else input.reshape(n, c, 0)
        factor: Any = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            nbt = self.num_batches_tracked           # counted on the device: no sync
            factor = run_kernel(nbt._backend, _count_batch, nbt.data, input.data.dtype,
                                self.momentum is None)
            if factor is None:
                factor = self.momentum
        use_batch = self.training or self.running_mean is None
        out = F.batch_norm(flat, self.running_mean, self.running_var, self.weight, self.bias,
                           use_batch, factor, self.eps)
        return out.reshape(input.shape)


class BatchNorm2d(_BatchNormNd):
    """Batch normalisation per channel of (N, C, H, W) images: PyTorch's defaults
    (momentum 0.1, eps 1e-5, unbiased running variance).

    >>> nn.BatchNorm2d(8)(x)                       # x: (N, 8, H, W)
    """
    _spatial = 2


class BatchNorm3d(_BatchNormNd):
    """Batch normalisation per channel of (N, C, D, H, W) volumes.

    >>> nn.BatchNorm3d(8)(x)                       # x: (N, 8, D, H, W)
    """
    _spatial = 3


class _InstanceNorm(_NormBase):
    """Instance normalisation over (N, C, *spatial) or unbatched (C, *spatial) input."""
    _spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias)

    def forward(self, input: Tensor) -> Tensor:
        k = self._spatial
        name = type(self).__name__
        if input.ndim not in (k + 1, k + 2):
            raise ValueError(f"{name}: expected {k + 1}D (unbatched) or {k + 2}D (batched) "
                             f"input, got shape {tuple(input.shape)}")
        unbatched = input.ndim == k + 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features:
            if self.affine or self.track_running_stats:
                raise ValueError(f"{name}: expected input's size at dim={1 - unbatched} to "
                                 f"match num_features ({self.num_features}), but got: "
                                 f"{x.shape[1]}.")
            warn_channels(name, self.num_features, x.shape[1])
        use_input_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum    # PyTorch's choice
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_input_stats, momentum, self.eps)
        return out.squeeze(0) if unbatched else out



class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) sequences. >>> nn.InstanceNorm1d(8)"""
    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) images. >>> nn.InstanceNorm2d(8)"""
    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W) volumes.
    >>> nn.InstanceNorm3d(8)"""
    _spatial = 3
