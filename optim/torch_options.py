"""PyTorch's implementation switches, which every optimizer here accepts and ignores: the
update is one path on each backend (foreach/fused/capturable pick among CUDA kernels there,
differentiable makes the update part of a graph, which xpgrad's updates never are)."""
from __future__ import annotations

from typing import Any

IMPLEMENTATION_SWITCHES = frozenset({"foreach", "fused", "capturable", "differentiable"})


def accept_torch_switches(name: str, options: dict) -> None:
    """Accept ``foreach=``, ``fused=``, ``capturable=``, ``differentiable=``; anything else is
    a typo worth an error. >>> accept_torch_switches("SGD", {"foreach": True})"""
    unknown = set(options) - IMPLEMENTATION_SWITCHES
    if unknown:
        raise TypeError(f"{name}: unexpected keyword argument(s) {sorted(unknown)}")
    if options.get("differentiable"):
        raise NotImplementedError(f"{name}: differentiable=True (an update recorded in the "
                                  "graph) is not supported; updates run outside the graph")


def plain_lr(name: str, lr: Any) -> Any:
    """A one-element Tensor learning rate (PyTorch accepts ``lr=torch.tensor(0.01)``) as the
    Python float the updates use, read once here so steps never read the device; anything
    else is returned for the caller's check. >>> plain_lr("SGD", xg.tensor(0.1)) -> 0.1"""
    from ..autograd.tensor import Tensor
    if isinstance(lr, Tensor):
        if lr.numel() != 1:
            raise ValueError(f"{name}: a Tensor lr must have one element, got shape {lr.shape}")
        return float(lr.item())
    return lr
