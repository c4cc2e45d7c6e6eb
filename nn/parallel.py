"""Data-parallel modules built on ``xpgrad.distributed``: DataParallel and SyncBatchNorm.

Run the same script on every rank (``python -m xpgrad.distributed -n 4 train.py``), give
each rank its own shard of the data, and wrap the model: its parameters start equal on
all ranks and stay equal, because every backward ends with the gradients averaged over
ranks (as PyTorch's DistributedDataParallel).

>>> model = nn.DataParallel(model)
>>> loss_fn(model(x), y).backward(); opt.step()      # gradients already averaged
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from ..autograd import function as _function
from ..autograd.factories import full
from ..autograd.grad_mode import no_grad
from ..autograd.ops import concat
from ..autograd.tensor import Tensor
from ..distributed import functional as dist_functional
from ..distributed.comm import broadcast
from ..distributed.grad_sync import GradientAverager, broadcast_parameters
from ..distributed.world import get_world
from .module import Module
from .normalization import BatchNorm1d


class DataParallel(Module):
    """Wrap ``module`` for data-parallel training over all ranks.

    On construction it checks that every rank built the same parameter shapes (the error
    names the parameter) and copies rank 0's parameters and buffers to every rank. The
    gradients are averaged over ranks during backward, in buckets of ``bucket_bytes``
    overlapped with the rest of the pass, and the average is in ``p.grad`` when
    ``backward()`` returns: nothing else to call. One exception: if some parameter may get
    no gradient on some rank (a branch not taken), call ``finish_gradient_sync()`` after
    ``backward()`` and before ``optimizer.step()`` (``fit`` always does). With
    ``broadcast_buffers`` (default) each training forward copies rank 0's buffers (e.g.
    BatchNorm running statistics) to all ranks, as PyTorch does. Wrap the model after
    moving it to its device. The wrapped model is ``.module``; state_dict keys carry the
    ``module.`` prefix, as in PyTorch.

    >>> ddp = nn.DataParallel(model); ddp(x)
    """

    def __init__(self, module: Module, bucket_bytes: int = 25 * 2 ** 20,
                 broadcast_buffers: bool = True) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel wraps an nn.Module, got {type(module).__name__}")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        broadcast_parameters(module, root=0)
        averager = GradientAverager(list(module.named_parameters()), bucket_bytes)
        object.__setattr__(self, "_averager", averager)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if self._averager.pending:
            names = [n for b in self._averager.buckets for (n, _), ok in zip(b.params, b.ready)
                     if not ok]
            raise RuntimeError(f"the gradients of the last backward were not averaged: "
                               f"{names[:5]} got no gradient on this rank; call "
                               "model.finish_gradient_sync() after backward() (before "
                               "optimizer.step()) when some parameters may be unused")
        if self.broadcast_buffers and self.training and get_world().size > 1:
            for _, buf in self.module.named_buffers():
                broadcast(buf, 0)
        return self.module(*args, **kwargs)

    def finish_gradient_sync(self) -> None:
        """Make sure ``p.grad`` holds the average over ranks (a no-op when backward already
        finished it); call once after each backward.

        >>> loss.backward(); model.finish_gradient_sync(); opt.step()
        """
        self._averager.finish()

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Accumulate gradients locally inside the block (no communication).

        >>> with model.no_sync(): loss_fn(model(x1), y1).backward()
        """
        with self._averager.no_sync():
            yield

    def extra_repr(self) -> str:
        return f"world_size={get_world().size}"


def _check_group(process_group: Any) -> None:
    if process_group is not None:
        raise NotImplementedError("SyncBatchNorm: process groups are not supported; the "
                                  "statistics are reduced over all processes "
                                  "(process_group=None)")


class SyncBatchNorm(BatchNorm1d):
    """BatchNorm1d whose training statistics cover the whole global batch (all ranks).

    The per-channel sum, sum of squares and count of every rank are added with one
    all-reduce, so the normalisation, the running statistics and the gradients equal
    those of one process on the full batch. The sums are taken around the running mean
    (a constant shift, identical on all ranks) to keep E[x^2] - E[x]^2 accurate. The
    all-reduce is a differentiable op whose backward all-reduces the gradient, so
    autograd computes the backward through the other ranks' statistics. With one
    process, or in evaluation, it is exactly BatchNorm1d.

    >>> bn = nn.SyncBatchNorm(64)     # or nn.SyncBatchNorm.convert_sync_batchnorm(model)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 process_group: Any = None, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        # torch's signature; the statistics always cover the whole world (no sub-groups)
        _check_group(process_group)
        super().__init__(num_features, eps, momentum, affine, track_running_stats,
                         device=device, dtype=dtype, bias=bias)
        self.process_group = process_group

    def forward(self, input: Tensor) -> Tensor:
        use_batch = self.training or self.running_mean is None
        if not use_batch or get_world().size == 1:
            return super().forward(input)
        if _function.tracer is not None:
            _function.tracer.refuse("SyncBatchNorm across processes (its statistics are "
                                    "all-reduced on the host)")
        if input.ndim not in (2, 3) or input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm({self.num_features}): expected input of shape "
                             f"(N, {self.num_features}) or (N, {self.num_features}, L), got "
                             f"{tuple(input.shape)}")
        c = self.num_features
        axes = (0,) if input.ndim == 2 else (0, 2)
        pshape = (c,) + (1,) * (input.ndim - 2)
        n_local = input.shape[0] * (input.shape[2] if input.ndim == 3 else 1)
        shift = None if self.running_mean is None else self.running_mean.detach()
        if shift is not None and shift.dtype is not input.dtype:
            shift = shift.astype(input.dtype)
        xc = input if shift is None else input - shift.reshape(pshape)
        count = full((1,), float(n_local), dtype=input.dtype, device=input._backend)
        stats = dist_functional.all_reduce(
            concat([xc.sum(axis=axes), (xc * xc).sum(axis=axes), count]))
        total = stats[2 * c:]
        mean_c = stats[:c] / total
        var = stats[c:2 * c] / total - mean_c * mean_c
        mean = mean_c if shift is None else mean_c + shift
        out = (input - mean.reshape(pshape)) * ((var + self.eps) ** -0.5).reshape(pshape)
        if self.weight is not None:
            out = out * self.weight.reshape(pshape) + self.bias.reshape(pshape)
        if self.track_running_stats and self.running_mean is not None:
            self._update_running(mean.detach(), var.detach(), total.detach())
        return out

    def _update_running(self, mean: Tensor, var: Tensor, total: Tensor) -> None:
        with no_grad():
            nbt = self.num_batches_tracked
            nbt.data = nbt._backend.wrap(nbt.data + 1)
            if self.momentum is None:
                factor: Any = 1.0 / nbt.astype(mean.dtype)
            else:
                factor = self.momentum
            unbiased = var * (total / (total - 1.0))
            for running, batch in ((self.running_mean, mean), (self.running_var, unbiased)):
                batch = batch.astype(running.dtype)
                running.data = (running * (1.0 - factor) + batch * factor).data

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Replace every BatchNorm1d inside ``module`` by a SyncBatchNorm sharing its
        parameters and buffers; returns the (possibly new) top module.

        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        """
        _check_group(process_group)
        if isinstance(module, BatchNorm1d) and not isinstance(module, cls):
            sync = cls.__new__(cls)
            Module.__init__(sync)
            fresh = set(sync.__dict__)        # the Module's own registries and hook tables
            for key, value in module.__dict__.items():
                if key not in fresh:
                    object.__setattr__(sync, key, value)
            for name, p in module._parameters.items():
                sync.register_parameter(name, p)
            for name, b in module._buffers.items():
                sync.register_buffer(name, b, name not in module._non_persistent)
            sync.train(module.training)
            sync.process_group = process_group
            return sync
        for name, child in list(module._modules.items()):
            if child is not None:
                new = cls.convert_sync_batchnorm(child)
                if new is not child:          # in place: keeps the children's order
                    module._modules[name] = new
                    module.__dict__[name] = new
        return module
