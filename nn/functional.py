"""nn.functional: the stateless form of every layer and loss, named as in PyTorch.

>>> import xpgrad.nn.functional as F
>>> F.relu(x); F.softmax(x, dim=1); F.dropout(x, 0.5, training=True)
>>> F.cross_entropy(logits, labels); F.binary_cross_entropy_with_logits(z, y)

Random layers (dropout, gaussian_noise, noisy_relu) draw from the tensor's backend generator,
seeded by ``xg.manual_seed``; nothing here copies to the host or synchronises the device.
"""
from __future__ import annotations

import functools
from typing import Any

from ..autograd import ops
from ..autograd.function import applyn, apply2, host_check, run_kernel
from ..autograd.grad_mode import no_grad
from ..autograd.ops import (elu as _elu, leaky_relu as _leaky_relu, log_softmax as _log_softmax,
                            relu as _relu, sigmoid as _sigmoid, softmax as _softmax,
                            softplus as _softplus, tanh as _tanh)
from ..autograd.tensor import Tensor, make_tensor
from ..autograd.ops.torch_errors import TorchValueError
from ._fused import BatchNormTrain, PReLUFn
from ._losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                      l1_loss, mse_loss, nll_loss)

__all__ = ["relu", "leaky_relu", "prelu", "elu", "softplus", "sigmoid", "tanh", "softmax",
           "log_softmax", "maxout", "gaussian_noise", "noisy_relu", "dropout", "linear",
           "batch_norm", "one_hot", "mse_loss", "l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss"]


# ---- activations ---------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0). ``inplace`` is accepted for PyTorch compatibility; the result is new."""
    return _relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return _leaky_relu(input, negative_slope)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learned slope: one slope (weight of shape (1,)) or one per channel
    (shape (C,), channels on dim 1 as in PyTorch)."""
    if weight.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-D, got shape {weight.shape}")
    n = weight.shape[0]
    if n != 1:
        if input.ndim < 2 or input.shape[1] != n:
            raise TorchValueError(f"prelu: weight has {n} slopes but input of shape {input.shape} "
                                  f"has {input.shape[1] if input.ndim >= 2 else 'no'} channels on "
                                  "dim 1")
        weight = weight.reshape((n,) + (1,) * (input.ndim - 2))
    elif input.ndim == 0:                  # one slope on a 0-d input stays 0-d, as torch
        weight = weight.reshape(())
    return apply2(PReLUFn, input, weight)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (e^x - 1) otherwise."""
    return _elu(input, alpha)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, computed without overflow for any x; where
    beta x > threshold it is x itself (PyTorch's linear cut-over, gradient 1 there).

    >>> F.softplus(x, beta=2.0)
    """
    scaled = input if beta == 1.0 else input * beta
    out = _softplus(scaled) if beta == 1.0 else _softplus(scaled) / beta
    return ops.where(scaled > threshold, input, out)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x), stable for any x."""
    return _sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return _tanh(input)


def _resolve_dim(dim: Any, axis: Any, name: str) -> int:
    if dim is not None and axis is not None and dim != axis:
        raise ValueError(f"{name}: got dim={dim} and axis={axis}; pass only one")
    chosen = dim if dim is not None else axis
    return -1 if chosen is None else chosen


def softmax(input: Tensor, dim: int | None = None, axis: int | None = None, *,
            dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (PyTorch) or ``axis`` (Keras); the last axis when
    neither is given (Keras' default; PyTorch would guess and warn)."""
    chosen = _resolve_dim(dim, axis, "softmax")
    if getattr(input, "ndim", None) == 0 and chosen in (0, -1):   # torch: a 0-d tensor is 1
        return _softmax(input.reshape(1), 0, dtype=dtype).reshape(())
    return _softmax(input, chosen, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, axis: int | None = None, *,
                dtype: Any = None) -> Tensor:
    """x - logsumexp(x) along ``dim``/``axis`` (default: the last); finite for finite x."""
    chosen = _resolve_dim(dim, axis, "log_softmax")
    if getattr(input, "ndim", None) == 0 and chosen in (0, -1):   # torch: a 0-d tensor is 0
        return _log_softmax(input.reshape(1), 0, dtype=dtype).reshape(())
    return _log_softmax(input, chosen, dtype=dtype)


def maxout(input: Tensor, pool_size: int) -> Tensor:
    """Max over groups of ``pool_size`` consecutive features of the last axis: an input of
    shape (..., units * pool_size) gives (..., units); unit j is the max of features
    j*pool_size ... (j+1)*pool_size - 1 (Goodfellow et al. 2013)."""
    k = int(pool_size)
    last = input.shape[-1] if input.ndim else 0
    if k < 1 or last % k:
        raise ValueError(f"maxout: the last dimension of shape {input.shape} must be a "
                         f"multiple of pool_size={pool_size}")
    return input.reshape(input.shape[:-1] + (last // k, k)).max(axis=-1)


# ---- noise and dropout (identity when not training) ----------------------------------------
def _constant(array: Any, like: Tensor) -> Tensor:
    return make_tensor(array, like._backend, False, None)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale the others by
    1 / (1 - p), so the expectation is unchanged; the identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = run_kernel(input._backend, _dropout_mask, input.shape, input.dtype, input.data.dtype,
                      p)
    return input * _constant(keep, input)


def _dropout_mask(backend: Any, shape: tuple, dtype: Any, native: Any, p: float) -> Any:
    keep = backend.xp.astype(backend.random_uniform(shape, dtype) >= p, native)
    keep *= 1.0 / (1.0 - p)
    return keep


def gaussian_noise(input: Tensor, stddev: float, training: bool = True) -> Tensor:
    """x + N(0, stddev^2) noise while training (Keras GaussianNoise); identity otherwise."""
    if stddev < 0:
        raise ValueError(f"gaussian_noise: stddev must be >= 0, got {stddev}")
    if not training or stddev == 0:
        return input
    noise = run_kernel(input._backend, _scaled_normal, input.shape, input.dtype, stddev)
    return input + _constant(noise, input)


def _scaled_normal(backend: Any, shape: tuple, dtype: Any, scale: Any) -> Any:
    noise = backend.random_normal(shape, dtype)
    noise *= scale
    return noise


def noisy_relu(input: Tensor, stddev: float | None = None, training: bool = True) -> Tensor:
    """max(0, x + noise) while training, plain ReLU otherwise (Nair & Hinton 2010).

    With ``stddev=None`` the noise variance is sigmoid(x), the paper's choice (the lecture's
    phi ~ N(0, sigma(x))); with a number it is N(0, stddev^2). The noise is a constant of the
    graph: gradients flow through x only."""
    if not training or stddev == 0:
        return _relu(input)
    backend = input._backend
    if stddev is None:
        with no_grad():
            std = run_kernel(backend, _sqrt, _sigmoid(input.detach()).data)
        noise = run_kernel(backend, _scaled_normal, input.shape, input.dtype, std)
    else:
        if stddev < 0:
            raise ValueError(f"noisy_relu: stddev must be >= 0, got {stddev}")
        noise = run_kernel(backend, _scaled_normal, input.shape, input.dtype, stddev)
    return _relu(input + _constant(noise, input))


def _sqrt(backend: Any, a: Any) -> Any:
    return backend.xp.sqrt(a)


# ---- layers ----------------------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias, with weight of shape (out_features, in_features). The input
    must have the weight's dtype (as PyTorch; NumPy would silently promote to float64)."""
    if input.data.dtype != weight.data.dtype:
        raise TypeError(f"linear: input dtype {input.dtype} (shape {tuple(input.shape)}) does "
                        f"not match the weight's {weight.dtype}; convert the input "
                        f"(x.astype(xg.{weight.dtype})) or the model (model.to({input.dtype}))")
    return ops.linear(input, weight, bias)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: Any = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over dim 1 of an (N, C) or (N, C, L) input (PyTorch's signature).

    Training: normalise with the batch mean and biased variance, and update the running
    stats in place as ``(1 - momentum) * running + momentum * batch`` with the *unbiased*
    batch variance. Otherwise: normalise with the running stats. ``momentum`` may be a 0-d
    array (the cumulative average of BatchNorm1d(momentum=None)); nothing syncs the device.
    """
    if input.ndim not in (2, 3):
        raise ValueError(f"batch_norm: expected 2D (N, C) or 3D (N, C, L) input, got shape "
                         f"{input.shape}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ValueError(f"batch_norm: {name} has shape {t.shape} but the input of shape "
                             f"{input.shape} has {c} channels")
    axes = (0,) if input.ndim == 2 else (0, 2)
    pshape = (c,) + (1,) * (input.ndim - 2)
    if training:
        n = input.shape[0] * (input.shape[2] if input.ndim == 3 else 1)
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got "
                             f"input of shape {input.shape}")
        saved: list = []
        if (weight is None) != (bias is None):         # one of them: the other is constant
            from ..autograd.factories import ones_like, zeros_like
            weight = ones_like(bias) if weight is None else weight
            bias = zeros_like(weight) if bias is None else bias
        inputs = (input,) if weight is None else (input, weight, bias)
        out = applyn(BatchNormTrain, inputs, axes, pshape, eps, saved)
        if running_mean is not None and running_var is not None:
            mean, var, _ = saved[0]
            run_kernel(input._backend, _update_running_stats, running_mean.data,
                       running_var.data, mean, var, n, momentum)
        return out
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: evaluation needs running_mean and running_var "
                         "(or training=True to use batch statistics)")
    scale = (running_var + eps) ** -0.5
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(pshape) + shift.reshape(pshape)


def _update_running_stats(backend: Any, running_mean: Any, running_var: Any, mean: Any,
                          var: Any, n: int, momentum: Any) -> None:
    """(1 - momentum) * running + momentum * batch, written into the running arrays (in
    place, as PyTorch: views and compiled steps see the update), with the unbiased var."""
    xp = backend.xp
    c = running_mean.shape[0]
    _blend(backend, running_mean, xp.reshape(mean, (c,)), momentum)
    _blend(backend, running_var, xp.reshape(var, (c,)) * (n / (n - 1)), momentum)


def _blend(backend: Any, running: Any, batch: Any, momentum: Any) -> None:
    if batch.dtype != running.dtype:
        batch = backend.xp.astype(batch, running.dtype)
    backend.setitem(running, Ellipsis, running * (1.0 - momentum) + batch * momentum)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Integer class indices (any shape) to a one-hot int64 tensor with a new last axis.
    ``num_classes=-1`` reads the largest index from the device (a sync): pass it if known."""
    if not tensor.dtype.is_integer:
        raise TypeError(f"one_hot: expected integer class indices, got {tensor.dtype} of "
                        f"shape {tensor.shape}")
    backend = tensor._backend
    if num_classes < 0:
        num_classes = int(tensor.max().item()) + 1 if tensor.size else 0
    if backend.kind == "numpy":         # host memory: the check costs no sync
        host_check(backend, functools.partial(_refuse_out_of_range, n=num_classes), tensor.data)
    return make_tensor(run_kernel(backend, _one_hot, tensor.data, num_classes, tensor.dtype),
                       backend, False, None)


def _refuse_out_of_range(t: Any, n: int) -> None:
    if t.size and not (0 <= t.min() and t.max() < n):
        raise ValueError(f"one_hot: class values must be in [0, num_classes) = [0, {n}), got "
                         f"values from {int(t.min())} to {int(t.max())}")


def _one_hot(backend: Any, t: Any, num_classes: int, dtype: Any) -> Any:
    xp = backend.xp
    hot = xp.expand_dims(t, axis=-1) == backend.arange(0, num_classes, 1, dtype)
    return xp.astype(hot, t.dtype)


# The functional forms beyond the lectures' set, each family in its own module.
from . import functional_activations as _functional_activations  # noqa: E402
from . import functional_layers as _functional_layers  # noqa: E402
from . import functional_conv as _functional_conv  # noqa: E402
from . import functional_attention as _functional_attention  # noqa: E402
from . import functional_sampling as _functional_sampling  # noqa: E402
from . import functional_more as _functional_more  # noqa: E402
from .functional_activations import *  # noqa: F401,F403,E402
from .functional_layers import *  # noqa: F401,F403,E402
from .functional_conv import *  # noqa: F401,F403,E402
from .functional_attention import *  # noqa: F401,F403,E402
from .functional_sampling import *  # noqa: F401,F403,E402
from .functional_more import *  # noqa: F401,F403,E402
__all__ += (_functional_activations.__all__ + _functional_layers.__all__
            + _functional_conv.__all__ + _functional_attention.__all__
            + _functional_sampling.__all__ + _functional_more.__all__)
from .pool_fractional import (fractional_max_pool2d, fractional_max_pool2d_with_indices,  # noqa: E402
                              fractional_max_pool3d, fractional_max_pool3d_with_indices)
__all__ += ["fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
            "fractional_max_pool3d_with_indices"]
