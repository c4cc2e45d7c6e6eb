"""Per-coordinate learning rates: Adagrad, Adadelta, RMSprop (PyTorch's update rules)."""
from __future__ import annotations

from typing import Any, Iterable

from ..autograd.tensor import Tensor
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """s <- s + g^2;  p <- p - lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps).

    >>> opt = optim.Adagrad(model.parameters(), lr=0.01)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, maximize: bool = False) -> None:
        if lr_decay < 0 or initial_accumulator_value < 0 or eps < 0:
            raise ValueError("Adagrad: lr_decay, initial_accumulator_value and eps must be >= 0")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))
        for group in self.param_groups:        # PyTorch creates the sums up front
            for p in group["params"]:
                s = p._backend.xp.full_like(p.data, group["initial_accumulator_value"])
                self.state[p] = {"step": 0, "sum": s}

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        if group["maximize"]:
            g = -g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"]
        s += g * g
        std = xp.sqrt(s)
        std += group["eps"]
        p.data -= clr * (g / std)


class Adadelta(Optimizer):
    """a <- rho a + (1 - rho) g^2;  d = sqrt(u + eps) / sqrt(a + eps) * g;
    u <- rho u + (1 - rho) d^2;  p <- p - lr d.

    >>> opt = optim.Adadelta(model.parameters())
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0.0, maximize: bool = False) -> None:
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho {rho!r}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        rho, eps = group["rho"], group["eps"]
        if group["maximize"]:
            g = -g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        if "square_avg" not in state:
            state["square_avg"] = self._zeros_like(p)
            state["acc_delta"] = self._zeros_like(p)
        a, u = state["square_avg"], state["acc_delta"]
        a *= rho
        a += (1.0 - rho) * (g * g)
        delta = xp.sqrt(u + eps) / xp.sqrt(a + eps) * g
        u *= rho
        u += (1.0 - rho) * (delta * delta)
        p.data -= group["lr"] * delta


class RMSprop(Optimizer):
    """a <- alpha a + (1 - alpha) g^2;  (centered: subtract the squared mean gradient);
    step = g / (sqrt(a) + eps), through a momentum buffer when momentum > 0.

    >>> opt = optim.RMSprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, maximize: bool = False) -> None:
        if not 0.0 <= alpha <= 1.0 or momentum < 0 or eps < 0:
            raise ValueError(f"RMSprop: invalid alpha {alpha!r}, momentum {momentum!r} or eps {eps!r}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        alpha = group["alpha"]
        if group["maximize"]:
            g = -g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        if "square_avg" not in state:
            state["square_avg"] = self._zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = self._zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = self._zeros_like(p)
        a = state["square_avg"]
        a *= alpha
        a += (1.0 - alpha) * (g * g)
        if group["centered"]:
            ga = state["grad_avg"]
            ga *= alpha
            ga += (1.0 - alpha) * g
            avg = xp.sqrt(a - ga * ga)
        else:
            avg = xp.sqrt(a)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p.data -= group["lr"] * buf
        else:
            p.data -= group["lr"] * (g / avg)
