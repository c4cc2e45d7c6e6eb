"""Weight initialisation in place, as ``torch.nn.init`` (with Keras' names as aliases).

Each function replaces the tensor's values under no_grad (the Parameter object stays the
same, so optimizers and state_dict keys are unaffected), draws from the tensor's own device
generator (seeded by ``xg.manual_seed``), and returns the tensor.

Fans follow PyTorch: for a weight of shape (out, in, *kernel), fan_in = in * prod(kernel)
and fan_out = out * prod(kernel). Keras' names map as: glorot_uniform_ = xavier_uniform_,
glorot_normal_ = xavier_normal_, he_uniform_ = kaiming_uniform_(nonlinearity="relu"),
he_normal_ = kaiming_normal_(nonlinearity="relu"). The normal variants draw from a plain
(untruncated) normal as PyTorch does; Keras truncates at 2 standard deviations.

>>> nn.init.kaiming_normal_(layer.weight, nonlinearity="relu"); nn.init.zeros_(layer.bias)
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.function import run_kernel
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "glorot_uniform_", "glorot_normal_", "he_uniform_", "he_normal_"]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for an activation (PyTorch's table): 1 for linear and sigmoid,
    5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope 0.01 by
    default), 3/4 for selu."""
    if nonlinearity in ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d",
                        "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def _check(tensor: Any, name: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: expected a Tensor (e.g. layer.weight), got "
                        f"{type(tensor).__name__}")
    if not tensor.dtype.is_floating:
        raise TypeError(f"{name}: expected a floating-point tensor, got {tensor.dtype} of "
                        f"shape {tuple(tensor.shape)}")


def _fill(tensor: Tensor, kernel: Any, *args: Any) -> Tensor:
    # In place, as PyTorch's init functions: the array keeps its identity and memory layout,
    # so an optimizer (or a view) that already holds it sees the new values.
    run_kernel(tensor._backend, kernel, tensor.data, *args)
    return tensor


def _uniform(backend: Any, dst: Any, dtype: Any, a: float, b: float) -> None:
    backend.setitem(dst, Ellipsis, backend.random_uniform(dst.shape, dtype) * (b - a) + a)


def _normal(backend: Any, dst: Any, dtype: Any, mean: float, std: float) -> None:
    backend.setitem(dst, Ellipsis, backend.random_normal(dst.shape, dtype) * std + mean)


def _constant(backend: Any, dst: Any, dtype: Any, value: float) -> None:
    backend.setitem(dst, Ellipsis, backend.full(dst.shape, value, dtype))


def _fans(tensor: Tensor, name: str) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(f"{name}: fan in and fan out can not be computed for a tensor with "
                         f"fewer than 2 dimensions (shape {tuple(tensor.shape)}); use it on "
                         "weights, not biases")
    receptive = 1
    for d in tensor.shape[2:]:
        receptive *= d
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples of U(a, b)."""
    _check(tensor, "uniform_")
    if not b >= a:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    return _fill(tensor, _uniform, tensor.dtype, a, b)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples of N(mean, std^2)."""
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _fill(tensor, _normal, tensor.dtype, mean, std)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    _check(tensor, "constant_")
    return _fill(tensor, _constant, tensor.dtype, val)


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Keras' Dense
    default)."""
    _check(tensor, "xavier_uniform_")
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    _check(tensor, "xavier_normal_")
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str, name: str) -> float:
    _check(tensor, name)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor, name)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan); the default gain (leaky_relu with
    a = 0) is sqrt(2), so b = sqrt(6 / fan_in), Keras' HeUniform."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He normal: N(0, std^2) with std = gain / sqrt(fan) (sqrt(2 / fan_in) by default)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_"))


def glorot_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Keras' name for xavier_uniform_."""
    return xavier_uniform_(tensor, gain)


def glorot_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Keras' name for xavier_normal_ (untruncated, see the module docstring)."""
    return xavier_normal_(tensor, gain)


def he_uniform_(tensor: Tensor, mode: str = "fan_in") -> Tensor:
    """Keras' HeUniform: U(-sqrt(6 / fan_in), sqrt(6 / fan_in))."""
    return kaiming_uniform_(tensor, 0.0, mode, "relu")


def he_normal_(tensor: Tensor, mode: str = "fan_in") -> Tensor:
    """Keras' HeNormal (untruncated): N(0, 2 / fan_in)."""
    return kaiming_normal_(tensor, 0.0, mode, "relu")
