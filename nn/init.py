"""Weight initialisation in place, as ``torch.nn.init`` (with Keras' names as aliases).

Each function replaces the tensor's values under no_grad (the Parameter object stays the
same, so optimizers and state_dict keys are unaffected), draws from the tensor's own device
generator (seeded by ``xg.manual_seed``; or an ``xg.Generator`` passed as ``generator=``, as
in PyTorch), and returns the tensor.

Fans follow PyTorch: for a weight of shape (out, in, *kernel), fan_in = in * prod(kernel)
and fan_out = out * prod(kernel). Keras' names map as: glorot_uniform_ = xavier_uniform_,
glorot_normal_ = xavier_normal_, he_uniform_ = kaiming_uniform_(nonlinearity="relu"),
he_normal_ = kaiming_normal_(nonlinearity="relu"). The normal variants draw from a plain
(untruncated) normal as PyTorch does; Keras truncates at 2 standard deviations.

Beyond the fans: orthogonal_ (Saxe et al.), trunc_normal_ (inverse-CDF sampling inside
[a, b], as PyTorch), eye_, dirac_ (a convolution that starts as the identity) and sparse_
(Martens' sparse init), with PyTorch's algorithms and errors.

>>> nn.init.kaiming_normal_(layer.weight, nonlinearity="relu"); nn.init.zeros_(layer.bias)
"""
from __future__ import annotations

import math
import warnings
from typing import Any

from ..autograd.factories import _draw
from ..autograd.function import run_kernel
from ..autograd.ops.math_special import erfinv_array
from ..autograd.tensor import Tensor
from ..dtypes import int64

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "glorot_uniform_", "glorot_normal_", "he_uniform_", "he_normal_", "orthogonal_",
           "trunc_normal_", "eye_", "dirac_", "sparse_"]


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


def _uniform(backend: Any, dst: Any, dtype: Any, a: float, b: float, generator: Any) -> None:
    draw = _draw(backend, generator, "uniform", "nn.init")
    backend.setitem(dst, Ellipsis, draw(dst.shape, dtype) * (b - a) + a)


def _normal(backend: Any, dst: Any, dtype: Any, mean: float, std: float, generator: Any) -> None:
    draw = _draw(backend, generator, "normal", "nn.init")
    backend.setitem(dst, Ellipsis, draw(dst.shape, dtype) * std + mean)


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


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with samples of U(a, b) (from ``generator``, an xg.Generator, if given)."""
    _check(tensor, "uniform_")
    if not b >= a:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    return _fill(tensor, _uniform, tensor.dtype, a, b, generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Any = None) -> Tensor:
    """Fill with samples of N(mean, std^2)."""
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _fill(tensor, _normal, tensor.dtype, mean, std, generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    _check(tensor, "constant_")
    return _fill(tensor, _constant, tensor.dtype, val)


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Keras' Dense
    default)."""
    _check(tensor, "xavier_uniform_")
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    _check(tensor, "xavier_normal_")
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str, name: str) -> float:
    _check(tensor, name)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor, name)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan); the default gain (leaky_relu with
    a = 0) is sqrt(2), so b = sqrt(6 / fan_in), Keras' HeUniform."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He normal: N(0, std^2) with std = gain / sqrt(fan) (sqrt(2 / fan_in) by default)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_"),
                   generator)


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


# ---- structured initialisers -------------------------------------------------------------------
def _orthogonal(backend: Any, dst: Any, dtype: Any, gain: float, generator: Any) -> None:
    xp = backend.xp
    rows = dst.shape[0]
    cols = math.prod(dst.shape) // rows
    flat = _draw(backend, generator, "normal", "nn.init")((rows, cols), dtype)
    if rows < cols:
        flat = flat.T                                  # QR of the tall one: orthonormal rows
    q, r = xp.linalg.qr(flat)
    k = r.shape[0]
    diag = xp.sum(r * xp.eye(k, dtype=r.dtype, device=r.device), axis=0)
    q = q * xp.sign(diag)          # Q uniform over the orthogonal group (Mezzadri 2007)
    if rows < cols:
        q = q.T
    backend.setitem(dst, Ellipsis, xp.reshape(q * gain, dst.shape))


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix (Saxe et al. 2013): the tensor seen as
    (shape[0], rest) gets orthonormal rows (rows <= cols) or columns, times ``gain``; Q of
    the QR of a normal matrix, with the signs of R's diagonal, as PyTorch.

    >>> nn.init.orthogonal_(rnn.weight_hh_l0)
    """
    _check(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: Only tensors with 2 or more dimensions are supported, "
                         f"got shape {tuple(tensor.shape)}")
    if tensor.size == 0:
        return tensor
    return _fill(tensor, _orthogonal, tensor.dtype, gain, generator)


def _norm_cdf(x: float) -> float:
    return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0


def _trunc_normal(backend: Any, dst: Any, dtype: Any, mean: float, std: float, a: float,
                  b: float, generator: Any) -> None:
    xp = backend.xp
    low, high = 2 * _norm_cdf((a - mean) / std) - 1, 2 * _norm_cdf((b - mean) / std) - 1
    u = _draw(backend, generator, "uniform", "nn.init")(dst.shape, dtype) * (high - low) + low
    values = erfinv_array(xp, u) * (std * math.sqrt(2.0)) + mean
    backend.setitem(dst, Ellipsis, xp.clip(values, a, b))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """Fill with N(mean, std^2) truncated to [a, b] (absolute bounds, not in stds): uniform
    samples of the CDF between a and b mapped back through the inverse CDF, as PyTorch.

    >>> nn.init.trunc_normal_(vit.pos_embed, std=0.02)
    """
    _check(tensor, "trunc_normal_")
    if not std > 0:
        raise ValueError(f"trunc_normal_: std must be positive, got std={std}")
    if not a <= b:
        raise ValueError(f"trunc_normal_: expected a <= b, got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The "
                      "distribution of values may be incorrect.", stacklevel=2)
    return _fill(tensor, _trunc_normal, tensor.dtype, mean, std, a, b, generator)


def _require_tensor(tensor: Any, name: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}: expected a Tensor (e.g. layer.weight), got "
                        f"{type(tensor).__name__}")


def _eye(backend: Any, dst: Any, dtype: Any) -> None:
    backend.setitem(dst, Ellipsis, backend.eye(dst.shape[0], dst.shape[1], dtype))


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the main diagonal): a Linear layer
    that starts by passing its inputs through.

    >>> nn.init.eye_(nn.Linear(4, 4).weight)
    """
    _require_tensor(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError(f"eye_: Only tensors with 2 dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}")
    return _fill(tensor, _eye, tensor.dtype)


def _dirac(backend: Any, dst: Any, dtype: Any, groups: int) -> None:
    xp = backend.xp
    per_group = dst.shape[0] // groups
    channels = min(per_group, dst.shape[1])
    backend.setitem(dst, Ellipsis, backend.zeros(dst.shape, dtype))
    if channels == 0:
        return
    idx = backend.native_dtype(int64)
    out = [g * per_group + d for g in range(groups) for d in range(channels)]
    inp = [d for _ in range(groups) for d in range(channels)]
    key = (xp.asarray(out, dtype=idx, device=dst.device),
           xp.asarray(inp, dtype=idx, device=dst.device)) + tuple(k // 2 for k in dst.shape[2:])
    backend.setitem(dst, key, backend.ones((len(out),), dtype))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight (out, in / groups, *kernel) with the Dirac
    delta: output channel d of each group copies its input channel d (kernel centre 1,
    rest 0), so the convolution starts as the identity on the first min(out/groups, in)
    channels.

    >>> nn.init.dirac_(nn.Conv2d(8, 8, 3, padding=1).weight)
    """
    _require_tensor(tensor, "dirac_")
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: Only tensors with 3, 4, or 5 dimensions are supported, got "
                         f"shape {tuple(tensor.shape)}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
        raise ValueError(f"dirac_: groups must be a positive int, got {groups!r}")
    if tensor.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 must be divisible by groups, got shape "
                         f"{tuple(tensor.shape)} and groups={groups}")
    return _fill(tensor, _dirac, tensor.dtype, groups)


def _sparse(backend: Any, dst: Any, dtype: Any, zeros_per_column: int, std: float,
            generator: Any) -> None:
    xp = backend.xp
    values = _draw(backend, generator, "normal", "nn.init")(dst.shape, dtype) * std
    if zeros_per_column:
        # each column's rows in a random order (the ranks of uniform noise), the first
        # zeros_per_column of them set to zero: a randperm per column, in one pass
        noise = _draw(backend, generator, "uniform", "nn.init")(dst.shape, dtype)
        ranks = xp.argsort(xp.argsort(noise, axis=0), axis=0)
        values = xp.where(ranks < zeros_per_column, xp.zeros_like(values), values)
    backend.setitem(dst, Ellipsis, values)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01,
            generator: Any = None) -> Tensor:
    """Fill a 2-D tensor as a sparse matrix (Martens 2010): N(0, std^2) values, with
    ceil(sparsity * rows) entries of every column set to zero at random rows.

    >>> nn.init.sparse_(layer.weight, sparsity=0.9)
    """
    _check(tensor, "sparse_")
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: Only tensors with 2 dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}")
    if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float)) \
            or not 0 <= sparsity <= 1:
        raise ValueError(f"sparse_: sparsity must be a fraction in [0, 1], got {sparsity!r}")
    if std < 0:
        raise ValueError(f"sparse_: std must be >= 0, got {std}")
    zeros_per_column = int(math.ceil(sparsity * tensor.shape[0]))
    return _fill(tensor, _sparse, tensor.dtype, zeros_per_column, std, generator)
