"""Batch normalisation: BatchNorm1d, as PyTorch's (momentum 0.1, eps 1e-5, unbiased running
variance), for (N, C) inputs after a Linear layer and (N, C, L) sequences."""
from __future__ import annotations

from typing import Any

from ..autograd.factories import ones, tensor, zeros
from ..autograd.function import run_kernel
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..autograd.ops.torch_errors import TorchValueError
from . import functional as F
from .module import Module
from .parameter import Parameter


class _NormBase(Module):
    """The state BatchNorm and InstanceNorm share (PyTorch's _NormBase): weight and bias
    (with affine; bias also with bias=True), running_mean/var and num_batches_tracked (with
    track_running_stats), their resets and the repr."""

    def __init__(self, num_features: int, eps: float, momentum: float | None, affine: bool,
                 track_running_stats: bool, device: Any, dtype: Any, bias: bool) -> None:
        super().__init__()
        if int(num_features) < 1:
            raise ValueError(f"{type(self).__name__}: num_features must be >= 1, got "
                             f"{num_features}")
        self.num_features = int(num_features)
        self.eps, self.momentum = eps, momentum      # as given, as torch's repr
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.bias_flag = bool(affine and bias)        # PyTorch's repr shows bias=
        c = self.num_features
        if affine:
            self.weight = Parameter(ones(c, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
        if self.bias_flag:
            self.bias = Parameter(zeros(c, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(c, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(c, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked",
                                 tensor(0, dtype="int64", device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        with no_grad():
            if self.weight is not None:
                self.weight.fill_(1.0)
            if self.bias is not None:
                self.bias.zero_()

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias_flag}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_NormBase):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1).

    Training uses the batch's mean and (biased) variance and updates the buffers
    ``running_mean``/``running_var`` as ``(1 - momentum) * running + momentum * batch``,
    with the unbiased batch variance; ``momentum=None`` keeps a cumulative average instead.
    Evaluation normalises with the running statistics. With ``track_running_stats=False``
    batch statistics are used in both modes. In ``nn.summary`` the running mean and
    variance count as non-trainable parameters, as in Keras (4 * C parameters, 2 * C
    trainable).

    Parameter names differ from Keras': weight = gamma, bias = beta,
    running_mean = moving_mean, running_var = moving_variance; Keras' momentum 0.99 is
    PyTorch's 0.01.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (2, 3) or input.shape[1] != self.num_features:
            raise TorchValueError(f"BatchNorm1d({self.num_features}): expected input of shape "
                                  f"(N, {self.num_features}) or (N, {self.num_features}, L), got "
                                  f"{tuple(input.shape)}")
        factor: Any = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            nbt = self.num_batches_tracked           # counted on the device: no sync
            factor = run_kernel(nbt._backend, _count_batch, nbt.data, input.data.dtype,
                                self.momentum is None)
            if factor is None:
                factor = self.momentum
        use_batch = self.training or self.running_mean is None
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            use_batch, factor, self.eps)



def _count_batch(backend: Any, count: Any, dtype: Any, cumulative: bool) -> Any:
    """num_batches_tracked += 1 (in place); for momentum=None the cumulative average's
    factor 1 / count, as a 0-d array on the device."""
    count += 1
    if cumulative:
        return 1.0 / backend.xp.astype(count, dtype)
    return None
