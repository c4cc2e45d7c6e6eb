"""Averaged SGD (Polyak & Juditsky; PyTorch's ``torch.optim.ASGD``): SGD with a decaying
step size eta_t, and a running average ``ax`` of the iterates that starts after ``t0``
steps."""
from __future__ import annotations

from typing import Any, Iterable

from ..autograd.tensor import Tensor
from .adam_variants import _torch_only
from .optimizer import Optimizer


class ASGD(Optimizer):
    """At step t, with eta and mu kept from the previous step (eta_1 = lr, mu_1 = 1):

        g <- -g if maximize;  g <- g + wd * p
        p <- p (1 - lambd eta) - eta g
        ax <- ax + mu (p - ax)                       (ax <- p while mu = 1)
        eta <- lr / (1 + lambd lr t)^alpha;   mu <- 1 / max(1, t - t0)

    ``eta`` and ``mu`` are Python floats in the state (PyTorch keeps them in float32
    tensors unless the default dtype is float64, where both agree to the last bit).
    ``foreach``, ``differentiable`` and ``capturable`` are accepted and have no effect.

    >>> opt = optim.ASGD(model.parameters(), lr=0.01, t0=100)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0.0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False,
                 **torch_only: Any) -> None:
        switches = _torch_only("ASGD", dict(torch_only, foreach=foreach,
                                            differentiable=differentiable,
                                            capturable=capturable))
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, maximize=maximize,
                                      **switches))

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        lr, lambd = group["lr"], group["lambd"]
        if state.get("ax") is None:
            state["eta"], state["mu"] = float(lr), 1.0
            state["ax"] = self._zeros_like(p)
        g = self._l2_grad(p, g, group)
        eta, mu, ax = state["eta"], state["mu"], state["ax"]
        p.data *= 1.0 - lambd * eta
        p.data -= eta * g
        if mu != 1.0:
            ax += mu * (p.data - ax)
        else:
            p._backend.setitem(ax, Ellipsis, p.data)
        t = state["step"]
        state["eta"] = lr / ((1.0 + lambd * lr * t) ** group["alpha"])
        state["mu"] = 1.0 / max(1.0, t - group["t0"])
