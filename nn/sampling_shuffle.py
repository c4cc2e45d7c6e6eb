"""Pixel and channel shuffles (sub-pixel convolution, ShuffleNet), as torch.nn: F.pixel_shuffle,
F.pixel_unshuffle, F.channel_shuffle and the modules PixelShuffle, PixelUnshuffle and
ChannelShuffle. Each is a reshape, a permutation and a reshape, so gradients are exact and of
every order.

>>> F.pixel_shuffle(x, 2)          # (N, 4C, H, W) -> (N, C, 2H, 2W)
>>> nn.ChannelShuffle(2)(x)        # (N, C, *) channels interleaved across 2 groups
"""
from __future__ import annotations

from typing import Any

from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from ..autograd.ops.torch_errors import TorchValueError
from .module import Module


def _factor(value: Any, name: str, op: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    if value <= 0:
        raise TorchValueError(f"{op} expects a positive {name}, but got {value}")
    return value


def _at_least_3d(input: Any, op: str) -> None:
    require_tensor(input, op)
    if input.ndim < 3:
        raise TorchValueError(f"{op} expects input to have at least 3 dimensions, but got input "
                              f"of shape {tuple(input.shape)}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r), r = ``upscale_factor``.

    >>> F.pixel_shuffle(xg.zeros(1, 8, 3, 3), 2).shape     # (1, 2, 6, 6)
    """
    op = "pixel_shuffle"
    r = _factor(upscale_factor, "upscale_factor", op)
    _at_least_3d(input, op)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise TorchValueError(f"{op} expects its input's 'channel' dimension to be divisible "
                              f"by the square of upscale_factor, but input.size(-3)={c} is not "
                              f"divisible by {r * r} (input shape {tuple(input.shape)})")
    lead, k = tuple(lead), len(lead)
    x = input.reshape(lead + (c // (r * r), r, r, h, w))
    x = x.permute(tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return x.reshape(lead + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W), the inverse of :func:`pixel_shuffle`.

    >>> F.pixel_unshuffle(xg.zeros(1, 2, 6, 6), 2).shape   # (1, 8, 3, 3)
    """
    op = "pixel_unshuffle"
    r = _factor(downscale_factor, "downscale_factor", op)
    _at_least_3d(input, op)
    *lead, c, h, w = input.shape
    for name, n, axis in (("height", h, -2), ("width", w, -1)):
        if n % r:
            raise TorchValueError(f"{op} expects {name} to be divisible by downscale_factor, but "
                                  f"input.size({axis})={n} is not divisible by {r} (input shape "
                                  f"{tuple(input.shape)})")
    lead, k = tuple(lead), len(lead)
    x = input.reshape(lead + (c, h // r, r, w // r, r))
    x = x.permute(tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return x.reshape(lead + (c * r * r, h // r, w // r))


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *): split the C channels into ``groups`` groups and interleave them (channel
    g * (C / groups) + i goes to i * groups + g).

    >>> F.channel_shuffle(x, 2)        # channels [0 1 2 3] -> [0 2 1 3]
    """
    op = "channel_shuffle"
    g = _factor(groups, "groups", op)
    require_tensor(input, op)
    if input.ndim <= 2:
        raise TorchValueError(f"{op} expects input with > 2 dims, but got input of shape "
                              f"{tuple(input.shape)}")
    n, c, *rest = input.shape
    if c % g:
        raise TorchValueError(f"{op}: number of channels must be divisible by groups. Got {c} "
                              f"channels and {g} groups (input shape {tuple(input.shape)})")
    rest = tuple(rest)
    x = input.reshape((n, g, c // g) + rest).transpose(1, 2)
    return x.reshape((n, c) + rest)


class PixelShuffle(Module):
    """Rearrange (*, C * r^2, H, W) into (*, C, H * r, W * r) (Shi et al. 2016).

    >>> nn.PixelShuffle(3)(xg.zeros(1, 9, 4, 4)).shape     # (1, 1, 12, 12)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = _factor(upscale_factor, "upscale_factor", "PixelShuffle")

    def forward(self, input: Tensor) -> Tensor:
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange (*, C, H * r, W * r) into (*, C * r^2, H, W), PixelShuffle's inverse.

    >>> nn.PixelUnshuffle(2)(xg.zeros(1, 1, 4, 4)).shape   # (1, 4, 2, 2)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = _factor(downscale_factor, "downscale_factor", "PixelUnshuffle")

    def forward(self, input: Tensor) -> Tensor:
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Interleave the channels of (N, C, *) across ``groups`` groups (ShuffleNet).

    >>> nn.ChannelShuffle(2)(x)
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = _factor(groups, "groups", "ChannelShuffle")

    def forward(self, input: Tensor) -> Tensor:
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
