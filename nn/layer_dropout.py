"""Channel dropout (Dropout1d/2d/3d), alpha dropout for SELU networks (AlphaDropout,
FeatureAlphaDropout), their functional forms, and the Unflatten layer; PyTorch's names,
defaults and reprs. Masks are drawn on the tensor's device from its seeded generator.

>>> nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Dropout2d(0.2))
>>> nn.Sequential(nn.Linear(8, 8), nn.SELU(), nn.AlphaDropout(0.1))
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

from ..autograd.function import run_kernel
from ..autograd.ops._util import normalize_axis, require_tensor
from ..autograd.tensor import Tensor, make_tensor
from ..autograd.ops.torch_errors import TorchValueError
from .module import Module

_ALPHA = 1.7580993408473766         # -SELU's scale * alpha: SELU's negative saturation value


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(backend: Any, shape: tuple, dtype: Any, native: Any, p: float) -> Any:
    keep = backend.xp.astype(backend.random_uniform(shape, dtype) >= p, native)
    keep *= 1.0 / (1.0 - p)
    return keep


def _channel_dropout(input: Tensor, p: float, training: bool, mask_shape: tuple) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = run_kernel(input._backend, _keep_mask, mask_shape, input.dtype, input.data.dtype, p)
    return input * make_tensor(keep, input._backend, False, None)


def _floating(input: Any, op: str) -> None:
    require_tensor(input, op)
    if not input.dtype.is_floating:
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype} of shape "
                        f"{tuple(input.shape)}")


def _channel_shape(shape: tuple, batched: bool) -> tuple:
    """(N, C, 1, ...) for batched input, (C, 1, ...) otherwise: one draw per channel."""
    lead = 2 if batched else 1
    return tuple(shape[:lead]) + (1,) * (len(shape) - lead)


def _deprecated_dims(op: str, input: Tensor, spatial: int, dims: str, least: int = 2) -> None:
    """PyTorch's warning for a deprecated input rank (it still runs feature dropout on it)."""
    if input.ndim < least:
        raise ValueError(f"{op}: feature dropout requires at least 2 dimensions in the input, "
                         f"got shape {tuple(input.shape)}")
    warnings.warn(f"{op}: Received a {input.ndim}-D input to {op}, which is deprecated and "
                  "will result in an error in a future release. To retain the behavior and "
                  f"silence this warning, please use dropout instead. Note that {op} exists "
                  f"to provide channel-wise dropout on inputs with {spatial} spatial "
                  "dimensions, a channel dimension, and an optional batch dimension (i.e. "
                  f"{dims} inputs).", stacklevel=3)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input with probability ``p`` (scaling the
    rest by 1 / (1 - p)) while training. >>> F.dropout1d(x, 0.2)"""
    _floating(input, "dropout1d")
    if input.ndim not in (2, 3):
        raise ValueError(f"dropout1d: expected 2D or 3D input (C, L) or (N, C, L), but "
                         f"received a {input.ndim}D input of shape {tuple(input.shape)}")
    return _channel_dropout(input, p, training, _channel_shape(input.shape, input.ndim == 3))


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) input with probability ``p`` while training. A 3-D
    input is taken as (N, C, L), with PyTorch's warning. >>> F.dropout2d(x, 0.2)"""
    _floating(input, "dropout2d")
    if input.ndim not in (3, 4):
        _deprecated_dims("dropout2d", input, 2, "3D or 4D")
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    return _channel_dropout(input, p, training, _channel_shape(input.shape, True))


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability ``p``
    while training. >>> F.dropout3d(x, 0.2)"""
    _floating(input, "dropout3d")
    if input.ndim not in (4, 5):
        _deprecated_dims("dropout3d", input, 3, "4D or 5D", 1)
    return _channel_dropout(input, p, training, _channel_shape(input.shape, input.ndim == 5))


def _alpha_masks(backend: Any, shape: tuple, dtype: Any, native: Any, p: float) -> tuple:
    """(scale, shift) with out = x * scale + shift: kept elements a * x + alpha a p, dropped
    ones a alpha (p - 1), a = 1 / sqrt((alpha^2 p + 1)(1 - p)) (PyTorch's formula)."""
    keep = backend.xp.astype(backend.random_uniform(shape, dtype) >= p, native)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1.0) * (1.0 - p))
    shift = (keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p
    keep *= a
    return keep, shift


def _alpha_dropout(input: Tensor, p: float, training: bool, mask_shape: tuple) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    backend = input._backend
    scale, shift = run_kernel(backend, _alpha_masks, mask_shape, input.dtype, input.data.dtype,
                              p)
    return (input * make_tensor(scale, backend, False, None)
            + make_tensor(shift, backend, False, None))


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's zero mean and unit variance: dropped elements are set to
    SELU's saturation value and the result is rescaled (Klambauer et al. 2017). The
    identity unless ``training`` (False by default, as PyTorch). >>> F.alpha_dropout(x, 0.1,
    training=True)"""
    _floating(input, "alpha_dropout")
    return _alpha_dropout(input, p, training, tuple(input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels of (N, C, *) input. >>> F.feature_alpha_dropout(x,
    0.1, training=True)"""
    _floating(input, "feature_alpha_dropout")
    if input.ndim < 2:
        raise ValueError(f"feature_alpha_dropout: expected an input of shape (N, C, *), got "
                         f"{tuple(input.shape)}")
    return _alpha_dropout(input, p, training, _channel_shape(input.shape, True))


class _DropoutNd(Module):
    _fn: Any = None

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        _check_p(p)
        self.p, self.inplace = p, inplace     # as given, as torch's repr

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._fn(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Channel dropout of (N, C, L) or (C, L) input while training. >>> nn.Dropout1d(0.2)"""
    _fn = staticmethod(dropout1d)


class Dropout2d(_DropoutNd):
    """Channel dropout of (N, C, H, W) input while training. >>> nn.Dropout2d(0.2)"""
    _fn = staticmethod(dropout2d)


class Dropout3d(_DropoutNd):
    """Channel dropout of (N, C, D, H, W) or (C, D, H, W) input. >>> nn.Dropout3d(0.2)"""
    _fn = staticmethod(dropout3d)


class AlphaDropout(_DropoutNd):
    """Alpha dropout while training (for SELU networks). >>> nn.AlphaDropout(0.1)"""
    _fn = staticmethod(alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels while training. >>> nn.FeatureAlphaDropout(0.1)"""
    _fn = staticmethod(feature_alpha_dropout)


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (one entry may be -1): the inverse
    of Flatten. >>> nn.Unflatten(1, (2, 5))(xg.zeros(3, 10)).shape   # (3, 2, 5)"""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(dim, str):
            raise TypeError("Unflatten: named dimensions are not supported; dim must be an int")
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise TypeError(f"Unflatten: dim must be an int, got {dim!r}")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                isinstance(s, int) and not isinstance(s, bool) for s in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{unflattened_size!r}")
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        require_tensor(input, "Unflatten")
        d = normalize_axis(self.dim, input.ndim, "unflatten")
        sizes = list(self.unflattened_size)
        n = input.shape[d]
        if sizes.count(-1) > 1:
            raise ValueError(f"unflatten: only one dimension can be inferred (-1), got "
                             f"{self.unflattened_size}")
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes:
            if known == 0 or n % known:
                raise ValueError(f"unflatten: cannot infer -1 in {self.unflattened_size} "
                                 f"for dimension {d} of size {n} (input shape "
                                 f"{tuple(input.shape)})")
            sizes[sizes.index(-1)] = n // known
        elif known != n:
            raise TorchValueError(f"unflatten: provided sizes {self.unflattened_size} don't "
                                  f"multiply up to the size of dim {self.dim} ({n}) in the input "
                                  f"tensor of shape {tuple(input.shape)}")
        return input.reshape(tuple(input.shape[:d]) + tuple(sizes) + tuple(input.shape[d + 1:]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
