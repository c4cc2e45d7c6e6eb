"""Noise layers, active only in training mode: Dropout and GaussianNoise."""
from __future__ import annotations

from ..autograd.tensor import Tensor
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` (the *drop* probability, as PyTorch; Keras
    calls it ``rate``) and scale the kept ones by 1 / (1 - p) while training ("inverted"
    dropout: no rescaling at test time); the identity in eval mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace     # as given, as torch's repr

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class GaussianNoise(Module):
    """Add N(0, stddev^2) noise while training (Keras' GaussianNoise); identity in eval."""

    def __init__(self, stddev: float) -> None:
        super().__init__()
        if stddev < 0:
            raise ValueError(f"GaussianNoise: stddev must be >= 0, got {stddev}")
        self.stddev = float(stddev)

    def forward(self, input: Tensor) -> Tensor:
        return F.gaussian_noise(input, self.stddev, self.training)

    def extra_repr(self) -> str:
        return f"stddev={self.stddev}"
