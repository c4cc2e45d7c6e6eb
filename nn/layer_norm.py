"""Normalisation over features rather than over the batch: LayerNorm, GroupNorm and the
functional forms layer_norm, group_norm and instance_norm (PyTorch's signatures).

All three normalise with one fused op, :class:`LayerNormFn` (statistics over the trailing
axes, the affine map folded in): a cheap first-order backward from the saved statistics,
and an exact create_graph backward that recomputes them with Tensor ops (as BatchNormTrain).

>>> ln = nn.LayerNorm(16); y = ln(x)              # x: (..., 16)
>>> F.group_norm(x, 2, weight, bias)              # x: (N, C, *), C divisible by 2
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

from ..autograd.factories import ones, zeros
from ..autograd.function import Function, applyn, run_kernel
from ..autograd.grad_mode import grad_mode, no_grad
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor, make_tensor
from ..autograd.ops.torch_errors import TorchValueError
from ._fused import standardize
from .module import Module
from .parameter import Parameter


class LayerNormFn(Function):
    """(x - mean) / sqrt(var + eps) [* weight] [+ bias], statistics over the trailing
    ``axes`` (biased variance); weight and bias have the shape of those axes.

    args: (axes, eps, affine, saved): ``affine`` = (has_weight, has_bias); ``saved`` is a
    list forward fills with the (mean, var, 1/std) arrays (keepdims), for the backward and
    for instance norm's running statistics."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays, axes, eps, affine, saved):
        y = standardize(xp, arrays[0], axes, eps, saved)
        if affine[0]:
            y = y * arrays[1]
        if affine[1]:
            y = y + arrays[-1]
        return y

    def backward(self, gy):
        x = self.inputs[0]
        axes, eps, affine, saved = self.args
        if grad_mode.enabled:          # create_graph: statistics as functions of x
            xc = x - x.mean(axes, keepdims=True)
            inv = ((xc * xc).mean(axes, keepdims=True) + eps) ** -0.5
        else:
            backend = x._backend
            mean, _, inv = saved[-1]
            xc = x - make_tensor(mean, backend, False, None)
            inv = make_tensor(inv, backend, False, None)
        xhat = xc * inv
        w = self.inputs[1] if affine[0] else None
        gxhat = gy * w if w is not None else gy
        gx = None
        if x._rg:
            gx = inv * (gxhat - gxhat.mean(axes, keepdims=True)
                        - xhat * (gxhat * xhat).mean(axes, keepdims=True))
        grads = [gx]
        lead = tuple(range(x.ndim - len(axes)))
        if w is not None:
            grads.append((gy * xhat).sum(lead) if w._rg else None)
        if affine[1]:
            grads.append(gy.sum(lead) if self.inputs[-1]._rg else None)
        return grads[0] if len(grads) == 1 else tuple(grads)


def _check_param(t: Any, name: str, op: str, input: Tensor, shape: tuple) -> None:
    if t is None:
        return
    require_tensor(t, op)
    if tuple(t.shape) != shape:
        raise ValueError(f"{op}: {name} must have shape {shape}, got {tuple(t.shape)} "
                         f"(input shape {tuple(input.shape)})")
    if t.dtype is not input.dtype:
        raise TypeError(f"{op}: {name} dtype {t.dtype} does not match the input's "
                        f"{input.dtype}")
    if t._backend is not input._backend:
        raise RuntimeError(f"{op}: input is on {input.device} but {name} is on {t.device}; "
                           "move one with .to(device)")


def _check_floating(input: Any, op: str) -> None:
    require_tensor(input, op)
    if not input.dtype.is_floating:
        raise TypeError(f"{op}: expected a floating-point input, got {input.dtype} of shape "
                        f"{tuple(input.shape)}")


def normalize_trailing(input: Tensor, k: int, weight: Tensor | None, bias: Tensor | None,
                       eps: float, saved: list | None = None) -> Tensor:
    """LayerNormFn over the last ``k`` axes (no checks: callers have made them)."""
    if input.size == 0:                      # no statistics to take: the affine map alone
        out = input * 1.0
        out = out if weight is None else out * weight
        return out if bias is None else out + bias
    inputs = [input] + [t for t in (weight, bias) if t is not None]
    axes = tuple(range(input.ndim - k, input.ndim))
    return applyn(LayerNormFn, inputs, axes, float(eps), (weight is not None, bias is not None),
                  [] if saved is None else saved)


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` axes, then scale and shift.

    >>> F.layer_norm(x, (16,), weight, bias)       # x: (..., 16)
    """
    op = "layer_norm"
    _check_floating(input, op)
    shape = _as_shape(normalized_shape, op)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise TorchValueError(f"{op}: given normalized_shape={list(shape)}, expected input with "
                              f"shape [*, {', '.join(map(str, shape))}], but got input of shape "
                              f"{tuple(input.shape)}")
    _check_param(weight, "weight", op, input, shape)
    _check_param(bias, "bias", op, input, shape)
    return normalize_trailing(input, k, weight, bias, eps)


def _as_shape(normalized_shape: Any, op: str) -> tuple:
    shape = ((normalized_shape,) if isinstance(normalized_shape, int)
             else tuple(normalized_shape))
    if not shape or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                            for d in shape):
        raise ValueError(f"{op}: normalized_shape must be a non-empty sequence of "
                         f"non-negative ints, got {normalized_shape!r}")
    return shape


def _channel_affine(y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    pshape = (y.shape[1],) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(pshape)
    if bias is not None:
        y = y + bias.reshape(pshape)
    return y


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample over groups of ``C / num_groups`` channels (and all spatial
    positions), then apply the per-channel affine map.

    >>> F.group_norm(x, 2, weight, bias)           # x: (N, C, *)
    """
    op = "group_norm"
    _check_floating(input, op)
    if input.ndim < 2:
        raise ValueError(f"{op}: expected an input of shape (N, C, *), got "
                         f"{tuple(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    g = int(num_groups)
    if g < 1 or c % g:
        raise ValueError(f"{op}: expected the number of channels {c} (input shape "
                         f"{tuple(input.shape)}) to be divisible by num_groups={num_groups}")
    _check_param(weight, "weight", op, input, (c,))
    _check_param(bias, "bias", op, input, (c,))
    per_group = math.prod(input.shape[1:]) // g
    y = normalize_trailing(input.reshape(n, g, per_group), 1, None, None, eps)
    return _channel_affine(y.reshape(input.shape), weight, bias)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) over its spatial positions; (N, C, *) input.

    With ``use_input_stats`` the running stats (if given) are updated in place as
    ``(1 - momentum) * running + momentum * batch``, the batch value being the mean over
    the samples of each instance's mean and unbiased variance (PyTorch's rule); otherwise
    the running stats normalise.

    >>> F.instance_norm(x)                           # x: (N, C, L) or (N, C, H, W)
    """
    op = "instance_norm"
    _check_floating(input, op)
    if input.ndim < 3:
        raise ValueError(f"{op}: expected an input of shape (N, C, *spatial), got "
                         f"{tuple(input.shape)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None:
            require_tensor(t, op)
            if tuple(t.shape) != (c,):
                raise ValueError(f"{op}: {name} has shape {tuple(t.shape)} but the input "
                                 f"of shape {tuple(input.shape)} has {c} channels")
    _check_param(weight, "weight", op, input, (c,))
    _check_param(bias, "bias", op, input, (c,))
    k = input.ndim - 2
    spatial = math.prod(input.shape[2:])
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: use_input_stats=False needs running_mean and running_var")
        pshape = (c,) + (1,) * k
        scale = (running_var + eps) ** -0.5
        y = (input - running_mean.reshape(pshape)) * scale.reshape(pshape)
        return _channel_affine(y, weight, bias)
    if spatial <= 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input "
                         f"size {list(input.shape)}")
    saved: list = []
    y = normalize_trailing(input, k, None, None, eps, saved)
    if running_mean is not None and running_var is not None and saved:
        mean, var, _ = saved[-1]
        run_kernel(input._backend, _update_instance_stats, running_mean.data,
                   running_var.data, mean, var, spatial, momentum)
    return _channel_affine(y, weight, bias)


def _update_instance_stats(backend: Any, running_mean: Any, running_var: Any, mean: Any,
                           var: Any, n: int, momentum: Any) -> None:
    xp = backend.xp
    shape = mean.shape[:2]
    batch_mean = xp.mean(xp.reshape(mean, shape), axis=0)
    batch_var = xp.mean(xp.reshape(var, shape), axis=0) * (n / (n - 1))
    for running, batch in ((running_mean, batch_mean), (running_var, batch_var)):
        if batch.dtype != running.dtype:
            batch = xp.astype(batch, running.dtype)
        backend.setitem(running, Ellipsis, running * (1.0 - momentum) + batch * momentum)


# ---- modules ---------------------------------------------------------------------------------
class LayerNorm(Module):
    """Layer normalisation over the trailing ``normalized_shape`` axes (Ba et al. 2016):
    weight (ones) and bias (zeros) of that shape when ``elementwise_affine``; ``bias=False``
    keeps the weight only.

    >>> nn.LayerNorm(16)(x)                         # x: (..., 16)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape, "LayerNorm")
        self.eps, self.elementwise_affine = eps, bool(elementwise_affine)
        self.bias_flag = self.elementwise_affine and bool(bias)      # PyTorch's repr
        if self.elementwise_affine:
            self.weight = Parameter(ones(*self.normalized_shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(zeros(*self.normalized_shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias_flag}")


class GroupNorm(Module):
    """Group normalisation (Wu & He 2018): channels in ``num_groups`` groups, each sample
    normalised per group; per-channel weight (ones) and bias (zeros) when ``affine``.

    >>> nn.GroupNorm(2, 6)(x)                      # x: (N, 6, *)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if int(num_groups) < 1 or int(num_channels) % int(num_groups):
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine = eps, bool(affine)
        self.bias_flag = self.affine and bool(bias)
        c = self.num_channels
        if self.affine:
            self.weight = Parameter(ones(c, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
        if self.bias_flag:
            self.bias = Parameter(zeros(c, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.zero_()

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise TorchValueError(f"GroupNorm({self.num_groups}, {self.num_channels}): expected "
                                  f"input of shape (N, {self.num_channels}, *), got "
                                  f"{tuple(input.shape)}")
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias_flag}")


def warn_channels(name: str, expected: int, got: int) -> None:
    warnings.warn(f"{name}: input has {got} channels but num_features={expected}; they are "
                  "ignored because affine=False and track_running_stats=False", stacklevel=3)
