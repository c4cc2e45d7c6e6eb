"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

from typing import Any, Iterable

from ..autograd.tensor import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    """PyTorch's SGD. With weight decay wd, momentum mu and dampening tau, at step t:

        g <- -g if maximize;  g <- g + wd * p
        b <- g (t = 1)  or  b <- mu * b + (1 - tau) * g
        g <- g + mu * b if nesterov else b;   p <- p - lr * g

    >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

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
        if group["maximize"] or group["weight_decay"]:
            g = self._l2_grad(p, g, group)
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = self._copy(p, g)
            else:
                buf *= mu
                damp = 1.0 - group["dampening"]
                buf += g if damp == 1.0 else damp * g
            g = g + mu * buf if group["nesterov"] else buf
        p.data -= group["lr"] * g
