"""Activations as layers beyond the lectures' set, named, defaulted and printed as PyTorch's
(re-exported from ``xpgrad.nn``). Each calls ``nn.functional``.

>>> nn.Sequential(nn.Linear(4, 8), nn.GELU(approximate='tanh'), nn.Linear(8, 1))
"""
from __future__ import annotations

from ..autograd.tensor import Tensor
from . import functional_activations as F
from .module import Module

__all__ = ["GELU", "SiLU", "Mish", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "SELU",
           "CELU", "LogSigmoid", "Softsign", "Softmin", "GLU", "Tanhshrink", "Hardshrink",
           "Softshrink", "Threshold", "RReLU"]


def _inplace(inplace: bool, prefix: str = "") -> str:
    if not inplace:
        return prefix
    return f"{prefix}, inplace=True" if prefix else "inplace=True"


class _Inplace(Module):
    """An activation whose only setting is ``inplace`` (accepted; results are new)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class GELU(Module):
    """x * Phi(x); ``approximate='tanh'`` for the tanh form. >>> nn.GELU(approximate='tanh')"""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_Inplace):
    """x * sigmoid(x). >>> nn.SiLU()"""

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)


class Mish(_Inplace):
    """x * tanh(softplus(x)). >>> nn.Mish()"""

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input)


class Hardtanh(Module):
    """x clipped to [min_val, max_val] (the deprecated ``min_value``/``max_value`` spellings
    are accepted as in PyTorch). >>> nn.Hardtanh(-2.0, 2.0)"""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        if not max_val > min_val:
            raise ValueError(f"{type(self).__name__}: max_val must be greater than min_val, "
                             f"got min_val={min_val}, max_val={max_val}")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, f"min_val={self.min_val}, max_val={self.max_val}")


class ReLU6(Hardtanh):
    """min(max(x, 0), 6). >>> nn.ReLU6()"""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class Hardsigmoid(_Inplace):
    """relu6(x + 3) / 6. >>> nn.Hardsigmoid()"""

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input)

    def extra_repr(self) -> str:          # PyTorch prints no settings here
        return ""


class Hardswish(_Inplace):
    """x * relu6(x + 3) / 6. >>> nn.Hardswish()"""

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input)

    def extra_repr(self) -> str:
        return ""


class SELU(_Inplace):
    """scale * elu(x, alpha), the self-normalising constants. >>> nn.SELU()"""

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input)


class CELU(Module):
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)). >>> nn.CELU(alpha=0.5)"""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if alpha == 0:
            raise ValueError("CELU: alpha cannot be 0 (it divides x)")
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, f"alpha={self.alpha}")


class LogSigmoid(Module):
    """log(sigmoid(x)), stable for any x. >>> nn.LogSigmoid()"""

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|). >>> nn.Softsign()"""

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class Softmin(Module):
    """softmax(-x) along ``dim`` (or ``axis``); the last axis if neither, as nn.Softmax.
    >>> nn.Softmin(dim=1)"""

    def __init__(self, dim: int | None = None, axis: int | None = None) -> None:
        super().__init__()
        if dim is not None and axis is not None and dim != axis:
            raise ValueError(f"Softmin: got dim={dim} and axis={axis}; pass only one")
        chosen = dim if dim is not None else axis
        self.dim = -1 if chosen is None else chosen

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GLU(Module):
    """a * sigmoid(b) for the halves a, b of the input along ``dim``. >>> nn.GLU(dim=-1)"""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Tanhshrink(Module):
    """x - tanh(x). >>> nn.Tanhshrink()"""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class Hardshrink(Module):
    """x where |x| > lambd, else 0. >>> nn.Hardshrink(0.5)"""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """sign(x) * max(|x| - lambd, 0). >>> nn.Softshrink(0.5)"""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        if not lambd >= 0:
            raise ValueError(f"Softshrink: lambd must be >= 0, got {lambd}")
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Threshold(Module):
    """x where x > threshold, else ``value``. >>> nn.Threshold(0.1, 20.0)"""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, f"threshold={self.threshold}, value={self.value}")


class RReLU(Module):
    """Randomized leaky ReLU: a random slope in [lower, upper) per negative element while
    training, the mean slope in evaluation. >>> nn.RReLU(0.1, 0.3)"""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        if lower > upper:
            raise ValueError(f"RReLU: lower bound should be less than or equal to the upper "
                             f"bound, got lower={lower}, upper={upper}")
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, f"lower={self.lower}, upper={self.upper}")
