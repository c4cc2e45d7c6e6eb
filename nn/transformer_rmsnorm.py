"""Root-mean-square normalisation (Zhang & Sennrich 2019), as torch.nn.RMSNorm and
torch.nn.functional.rms_norm: x / sqrt(mean(x^2) + eps) [* weight] over trailing axes.

>>> nn.RMSNorm(16)(x)                               # x: (..., 16)
>>> F.rms_norm(x, (16,), weight)
"""
from __future__ import annotations

from typing import Any, Sequence

from ..autograd.factories import ones
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..autograd.ops.torch_errors import TorchValueError
from .layer_norm import _as_shape, _check_floating, _check_param
from .module import Module
from .parameter import Parameter


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int],
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """Divide by the root mean square over the trailing ``normalized_shape`` axes, then
    scale by ``weight``; ``eps=None`` is the machine epsilon of the input dtype (PyTorch).

    >>> F.rms_norm(x, (16,), weight)               # x: (..., 16)
    """
    op = "rms_norm"
    _check_floating(input, op)
    shape = _as_shape(normalized_shape, op)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise TorchValueError(f"{op}: given normalized_shape={list(shape)}, expected input with "
                              f"shape [*, {', '.join(map(str, shape))}], but got input of shape "
                              f"{tuple(input.shape)}")
    _check_param(weight, "weight", op, input, shape)
    if eps is None:
        eps = float(input._backend.xp.finfo(input.data.dtype).eps)
    axes = tuple(range(input.ndim - k, input.ndim))
    out = input * ((input * input).mean(axes, keepdims=True) + eps).rsqrt()
    return out if weight is None else out * weight


class RMSNorm(Module):
    """RMS normalisation over the trailing ``normalized_shape`` axes, with a weight (ones)
    of that shape when ``elementwise_affine``; no bias, no centring.

    >>> nn.RMSNorm(16)(x)                           # x: (..., 16)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape, "RMSNorm")
        self.eps = eps                      # as given, as torch's repr
        self.elementwise_affine = bool(elementwise_affine)
        if self.elementwise_affine:
            self.weight = Parameter(ones(*self.normalized_shape, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            with no_grad():
                self.weight.fill_(1.0)

    def forward(self, x: Tensor) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
