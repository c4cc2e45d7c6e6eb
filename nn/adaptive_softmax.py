"""AdaptiveLogSoftmaxWithLoss (Grave et al. 2016, "Efficient softmax approximation for GPUs"),
with PyTorch's parameters, state_dict keys, outputs and errors.

The classes split at ``cutoffs`` into a shortlist (the most frequent ones, scored by the head)
and clusters; the head also scores one entry per cluster, and each cluster has its own small
tail network (in -> in / div_value^(i+1) -> cluster size). log p(class) = head log-prob of
its cluster entry + the tail's log-prob within the cluster.

>>> asm = nn.AdaptiveLogSoftmaxWithLoss(64, 1000, cutoffs=[100, 400])
>>> out, loss = asm(hidden, targets)       # out: log p(target) per sample, loss = -out.mean()
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from ..autograd.factories import zeros
from ..autograd.ops import concat
from ..autograd.tensor import Tensor
from .attention_module import torch_linear_init
from .containers import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]


class ASMoutput(NamedTuple):
    output: Tensor
    loss: Tensor


class AdaptiveLogSoftmaxWithLoss(Module):
    """The adaptive softmax: ``forward(input, target)`` gives ``(output, loss)`` with the
    log-probability of each target and their negative mean; ``log_prob(input)`` the full
    (N, n_classes) log-probabilities and ``predict(input)`` the most likely class."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             f"n_classes-1 (got {cutoffs} for n_classes={n_classes})")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        options = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **options)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **options),
                                        Linear(hidden, size, bias=False, **options)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's nn.Linear initialisation for the head and every tail layer (U(+-1/sqrt
        (in)), not our Linear's Keras default): the module is PyTorch's, so are its values."""
        for layer in [self.head] + [layer for projection in self.tail for layer in projection]:
            if layer.weight.size:
                torch_linear_init(layer)

    def _batched(self, input: Tensor, op: str) -> tuple[Tensor, bool]:
        if not isinstance(input, Tensor):
            raise TypeError(f"{op}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (1, 2) or input.shape[-1] != self.in_features:
            raise ValueError(f"{op}: expected input of shape (N, {self.in_features}) or "
                             f"({self.in_features},), got {input.shape}")
        return (input.reshape(1, -1), True) if input.ndim == 1 else (input, False)

    def forward(self, input_: Tensor, target_: Tensor) -> ASMoutput:
        input, target = input_, target_                # PyTorch's parameter names
        x, unbatched = self._batched(input, "AdaptiveLogSoftmaxWithLoss")
        if not isinstance(target, Tensor) or target.dtype.is_floating:
            raise TypeError("AdaptiveLogSoftmaxWithLoss: target must be an integer tensor")
        t = target.reshape(1) if unbatched else target
        if t.ndim != 1 or t.shape[0] != x.shape[0]:
            raise RuntimeError(f"AdaptiveLogSoftmaxWithLoss: input and target should have the "
                               f"same size in the batch dimension (input {input.shape}, "
                               f"target {target.shape})")
        if t.numel() and (int(t.min()) < 0 or int(t.max()) >= self.n_classes):
            raise RuntimeError(f"AdaptiveLogSoftmaxWithLoss: target values should be in "
                               f"[0, {self.n_classes - 1}], got values from {int(t.min())} to "
                               f"{int(t.max())}")
        head_lp = self.head(x).log_softmax(1)
        cluster = zeros(t.shape, dtype=t.dtype, device=t.device)
        for low in self.cutoffs[:-1]:
            cluster = cluster + (t >= low).astype(t.dtype)      # 0: shortlist, i: cluster i
        head_column = (t * (cluster == 0).astype(t.dtype)
                       + (self.shortlist_size - 1 + cluster) * (cluster > 0).astype(t.dtype))
        output = head_lp.gather(1, head_column.reshape(-1, 1)).reshape(-1)
        for i in range(self.n_clusters):
            rows = (cluster == i + 1).nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            tail_lp = self.tail[i](x.index_select(0, rows)).log_softmax(1)
            local = (t.index_select(0, rows) - self.cutoffs[i]).reshape(-1, 1)
            output = output.index_add(0, rows, tail_lp.gather(1, local).reshape(-1))
        loss = -output.mean()
        return ASMoutput(output.reshape(()) if unbatched else output, loss)

    def _full_log_prob(self, x: Tensor) -> Tensor:
        head_lp = self.head(x).log_softmax(1)
        pieces = [head_lp[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_lp = head_lp[:, self.shortlist_size + i:self.shortlist_size + i + 1]
            pieces.append(self.tail[i](x).log_softmax(1) + cluster_lp)
        return concat(pieces, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """The log-probability of every class: (N, n_classes), or (n_classes,) unbatched."""
        x, unbatched = self._batched(input, "log_prob")
        out = self._full_log_prob(x)
        return out.reshape(-1) if unbatched else out

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each sample (int64): (N,), or () unbatched."""
        x, unbatched = self._batched(input, "predict")
        out = self._full_log_prob(x).argmax(1)
        return out.reshape(()) if unbatched else out

    def extra_repr(self) -> str:
        return ""
