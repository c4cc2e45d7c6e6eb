"""Dense layers: Linear (Keras' Dense), Maxout, Flatten, Identity."""
from __future__ import annotations

from typing import Any

from ..autograd.factories import zeros
from ..autograd.tensor import Tensor
from ..autograd.ops.torch_errors import TorchValueError
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """y = x @ weight.T + bias, weight of shape (out_features, in_features), as PyTorch.

    Initialisation follows Keras' Dense, which the lectures use, not PyTorch: the weight is
    Glorot-uniform (U(-a, a), a = sqrt(6 / (in + out))) and the bias zeros. PyTorch draws
    both from U(-1/sqrt(in), 1/sqrt(in)); call ``reset_parameters`` or ``nn.init`` for
    another scheme. Parameter count: in * out + out (29 -> 16 is 480).

    >>> nn.Linear(29, 16)        # Dense(16) on 29 inputs
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if int(in_features) < 0 or int(out_features) < 0:
            raise TorchValueError(f"Linear: in_features and out_features must be non-negative, got "
                                  f"{in_features} and {out_features}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        # Stored transposed in memory (an (in, out) array seen as (out, in)): the forward
        # x @ weight.T and the weight's gradient then run as plain GEMMs, about 25% faster
        # on the CPU than with a row-major (out, in) array. Shape and values are PyTorch's.
        self.weight = Parameter(zeros(self.in_features, self.out_features, dtype=dtype,
                                      device=device).T)
        if bias:
            self.bias = Parameter(zeros(self.out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Glorot-uniform weight, zero bias (Keras' Dense defaults)."""
        if self.weight.size:               # a zero-size layer has nothing to draw
            init.xavier_uniform_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Maxout(Linear):
    """Maxout units (Goodfellow et al. 2013): ``k`` linear pieces per output unit, and the
    output is their maximum: y_j = max_i (x @ W_ji + b_ji).

    Signature ``Maxout(in_features, out_features, k)``: the pieces are one Linear of
    ``in_features -> out_features * k`` (weight (out_features * k, in_features), Glorot
    uniform; bias zeros) whose outputs j*k ... j*k + k - 1 feed unit j (see F.maxout).
    Parameters: (in_features + 1) * out_features * k.
    """

    def __init__(self, in_features: int, out_features: int, k: int = 2, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        if int(k) < 1:
            raise ValueError(f"Maxout: k (pieces per unit) must be >= 1, got {k}")
        super().__init__(in_features, int(out_features) * int(k), bias, device, dtype)
        self.out_features, self.k = int(out_features), int(k)

    def forward(self, input: Tensor) -> Tensor:
        return F.maxout(F.linear(input, self.weight, self.bias), self.k)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"k={self.k}, bias={self.bias is not None}")


class Flatten(Module):
    """Merge dims start_dim..end_dim (by default all but the batch dim): (N, 28, 28) ->
    (N, 784), like Keras' Flatten."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
