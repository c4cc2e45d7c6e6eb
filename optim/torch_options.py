"""PyTorch's implementation switches, which every optimizer here accepts and ignores: the
update is one path on each backend (foreach/fused/capturable pick among CUDA kernels there,
differentiable makes the update part of a graph, which xpgrad's updates never are)."""
from __future__ import annotations

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
