"""PyTorch's implementation switches, which every optimizer here accepts and ignores: the
update is one path on each backend (foreach/fused/capturable pick among CUDA kernels there,
differentiable makes the update part of a graph, which xpgrad's updates never are). They are
kept in the parameter groups, as PyTorch keeps them, so state dicts have the same keys."""
from __future__ import annotations

from typing import Any

IMPLEMENTATION_SWITCHES = frozenset({"foreach", "fused", "capturable", "differentiable"})

_SWITCH_DEFAULTS = {"foreach": None, "fused": None, "capturable": False,
                    "differentiable": False}
_ADC = ("foreach", "capturable", "differentiable")
# the switches each torch.optim class takes and keeps in its groups (torch 2.13)
TORCH_SWITCHES = {
    "SGD": ("foreach", "differentiable", "fused"),
    "Adam": ("foreach", "capturable", "differentiable", "fused"),
    "AdamW": ("foreach", "capturable", "differentiable", "fused"),
    "Adagrad": ("foreach", "differentiable", "fused"),
    "Adadelta": _ADC, "RMSprop": _ADC, "Adamax": _ADC, "NAdam": _ADC, "RAdam": _ADC,
    "Rprop": _ADC, "ASGD": _ADC, "Adafactor": ("foreach",),
}


def accept_torch_switches(name: str, options: dict) -> dict:
    """Accept ``foreach=``, ``fused=``, ``capturable=``, ``differentiable=`` (ignored);
    anything else is a typo worth an error. Returns the switches torch's ``name`` keeps in
    its parameter groups, defaults filled in, for the optimizer's defaults.

    >>> accept_torch_switches("SGD", {"foreach": True})
    {'foreach': True, 'differentiable': False, 'fused': None}
    """
    allowed = TORCH_SWITCHES.get(name, ())
    unknown = set(options) - IMPLEMENTATION_SWITCHES
    if unknown:
        raise TypeError(f"{name}: unexpected keyword argument(s) "
                        f"{sorted(unknown)}")
    if options.get("differentiable"):
        raise NotImplementedError(f"{name}: differentiable=True (an update recorded in the "
                                  "graph) is not supported; updates run outside the graph")
    if options.get("fused") and options.get("foreach"):
        raise RuntimeError(f"{name}: `fused` and `foreach` cannot be `True` together.")
    return {k: options.get(k, _SWITCH_DEFAULTS[k]) for k in allowed}


def plain_lr(name: str, lr: Any, key: str = "lr") -> Any:
    """A one-element tensor option (PyTorch accepts ``lr=torch.tensor(0.01)``, tensor
    ``betas`` and ``weight_decay``; a torch checkpoint holds torch tensors) as the Python
    float the updates use, read once here so steps never read the device; a tuple of them
    elementwise; anything else is returned for the caller's check.

    >>> plain_lr("SGD", xg.tensor(0.1)) -> 0.1
    """
    if isinstance(lr, tuple) or (isinstance(lr, list) and key != "params"):
        return type(lr)(plain_lr(name, v, key) for v in lr)
    if isinstance(lr, (int, float, str, bool)) or lr is None:
        return lr
    if hasattr(lr, "item") and hasattr(lr, "shape"):     # xpgrad's, torch's, NumPy's
        size = 1
        for n in tuple(lr.shape):
            size *= n
        if size != 1:
            raise ValueError(f"{name}: a Tensor {key} must have one element, got shape "
                             f"{tuple(lr.shape)}")
        if hasattr(lr, "detach"):
            lr = lr.detach()
        return float(lr.item())
    return lr


def plain_options(name: str, group: dict) -> None:
    """Every option of ``group`` through ``plain_lr`` (tensors to floats), in place."""
    for key, value in group.items():
        if key not in ("params", "param_names") and not isinstance(value, (int, float, str)):
            group[key] = plain_lr(name, value, key)

