"""Activations as layers (PyTorch names): ReLU, LeakyReLU, PReLU, ELU, Softplus, Sigmoid,
Tanh, Softmax, LogSoftmax, and NoisyReLU from the lectures. Each calls nn.functional."""
from __future__ import annotations

from typing import Any

from ..autograd.factories import full
from ..autograd.tensor import Tensor
from . import functional as F
from .module import Module
from .parameter import Parameter


class ReLU(Module):
    """max(x, 0). ``inplace`` is accepted for PyTorch compatibility (results are new)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return input.relu()

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise (the lectures' delta)."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace   # as given (repr)

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Parametric leaky ReLU: the negative slope is learned. ``num_parameters`` is 1 (one
    slope shared by all) or the number of channels (dim 1 of the input); ``init`` is the
    initial slope (0.25, as in PyTorch and He et al. 2015)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if int(num_parameters) < 1:
            raise ValueError(f"PReLU: num_parameters must be >= 1, got {num_parameters}")
        self.num_parameters, self.init = int(num_parameters), float(init)
        self.weight = Parameter(full((self.num_parameters,), self.init, dtype=dtype or _default(),
                                     device=device))

    def reset_parameters(self) -> None:
        from .init import constant_
        constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


def _default() -> Any:
    from ..autograd.factories import get_default_dtype
    return get_default_dtype()


class ELU(Module):
    """x for x > 0, alpha * (e^x - 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, the smooth ReLU of the lectures; overflow-free."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold      # as given, as torch's repr

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Sigmoid(Module):
    """1 / (1 + e^-x); stable for any x."""

    def forward(self, input: Tensor) -> Tensor:
        return input.sigmoid()


class Tanh(Module):
    def forward(self, input: Tensor) -> Tensor:
        return input.tanh()


class Softmax(Module):
    """Softmax along ``dim`` (PyTorch) or ``axis`` (Keras); the last axis if neither."""

    def __init__(self, dim: int | None = None, axis: int | None = None) -> None:
        super().__init__()
        self.dim = F._resolve_dim(dim, axis, "Softmax")

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``/``axis`` (default: the last), computed stably."""

    def __init__(self, dim: int | None = None, axis: int | None = None) -> None:
        super().__init__()
        self.dim = F._resolve_dim(dim, axis, "LogSoftmax")

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class NoisyReLU(Module):
    """max(0, x + noise) in training, ReLU in evaluation (Nair & Hinton 2010). ``stddev=None``
    uses noise of variance sigmoid(x) as the paper; a number gives N(0, stddev^2) noise."""

    def __init__(self, stddev: float | None = None) -> None:
        super().__init__()
        if stddev is not None and stddev < 0:
            raise ValueError(f"NoisyReLU: stddev must be >= 0, got {stddev}")
        self.stddev = stddev

    def forward(self, input: Tensor) -> Tensor:
        return F.noisy_relu(input, self.stddev, self.training)

    def extra_repr(self) -> str:
        return "stddev=sigmoid(x)" if self.stddev is None else f"stddev={self.stddev}"
