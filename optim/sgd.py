"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from typing import Any, Iterable

from ..autograd.tensor import Tensor
from .kernel_update import KernelOptimizer
from .torch_options import accept_torch_switches


def _sgd_step(backend: Any, p: Any, g: Any, buf: Any, numbers: tuple, flags: tuple) -> None:
    """One SGD update of the array ``p`` in place (after the first momentum step)."""
    lr, mu, damp, weight_decay = numbers
    momentum, damped, decay, nesterov, maximize = flags
    if maximize:
        g = -g
    if decay:
        g = g + weight_decay * p
    if momentum:
        buf *= mu
        buf += damp * g if damped else g
        g = g + mu * buf if nesterov else buf
    p -= lr * g


class SGD(KernelOptimizer):
    """PyTorch's SGD. With weight decay wd, momentum mu and dampening tau, at step t:

        g <- -g if maximize;  g <- g + wd * p
        b <- g (t = 1)  or  b <- mu * b + (1 - tau) * g
        g <- g + mu * b if nesterov else b;   p <- p - lr * g

    >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 maximize: bool = False, **implementation: Any) -> None:
        switches = accept_torch_switches("SGD", implementation)
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, **switches))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        mu, tau = group["momentum"], group["dampening"]
        if not mu >= 0.0:
            raise ValueError(f"SGD: invalid momentum={mu!r} (must be >= 0)")
        if group["nesterov"] and (mu <= 0 or tau != 0):
            raise ValueError(f"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, "
                             f"got momentum={mu!r}, dampening={tau!r}")

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        mu = group["momentum"]
        buf = state.get("momentum_buffer")
        if mu and buf is None:            # the first step: the buffer starts as the gradient
            if group["maximize"] or group["weight_decay"]:
                g = self._l2_grad(p, g, group)
            buf = state["momentum_buffer"] = self._copy(p, g)
            p.data -= group["lr"] * (g + mu * buf if group["nesterov"] else buf)
            return
        self._run_kernel(p, g, state, group)

    update_kernel = staticmethod(_sgd_step)
    state_keys = ("momentum_buffer",)
    numbers_per_group = True
    flag_options = ("momentum", "dampening", "weight_decay", "nesterov", "maximize")

    def _numbers(self, state: dict, group: dict) -> dict:
        return {"lr": group["lr"], "momentum": group["momentum"],
                "damp": 1.0 - group["dampening"], "weight_decay": group["weight_decay"]}

    def _flags(self, group: dict) -> tuple:
        return (bool(group["momentum"]), group["dampening"] != 0.0,
                bool(group["weight_decay"]), bool(group["nesterov"]), bool(group["maximize"]))

    def _kernel_ready(self, state: dict, group: dict) -> bool:
        return not group["momentum"] or state.get("momentum_buffer") is not None
