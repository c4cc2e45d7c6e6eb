"""Per-coordinate learning rates: Adagrad, Adadelta, RMSprop (PyTorch's update rules)."""
from __future__ import annotations

from typing import Any, Iterable

from ..autograd.tensor import Tensor
from .optimizer import Optimizer
from .torch_options import accept_torch_switches


def _check_nonnegative(name: str, group: dict, *keys: str) -> None:
    for key in keys:
        if not group[key] >= 0.0:
            raise ValueError(f"{name}: invalid {key}={group[key]!r} (must be >= 0)")


class Adagrad(Optimizer):
    """s <- s + g^2;   p <- p - lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps),
    with s starting at the constructor's ``initial_accumulator_value`` in every group (as in
    PyTorch, which reads ``defaults`` for it and ignores a group's own value).

    >>> opt = optim.Adagrad(model.parameters(), lr=0.01)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 **implementation: Any) -> None:
        switches = accept_torch_switches("Adagrad", dict(implementation, foreach=foreach))
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize, **switches))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        _check_nonnegative("Adagrad", group, "lr_decay", "initial_accumulator_value", "eps")

    def add_param_group(self, param_group: dict) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]          # PyTorch creates the sums up front
        start = len(self._params()) - len(group["params"])
        for i, p in enumerate(group["params"], start):
            self.state[i] = {"step": 0, "sum": self._initial_sum(p)}

    def _initial_sum(self, p: Tensor) -> Any:
        return p._backend.xp.full_like(p.data, self.defaults["initial_accumulator_value"])

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        g = self._l2_grad(p, g, group)
        s = state.get("sum")
        if s is None:
            s = state["sum"] = self._initial_sum(p)
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        s += g * g
        std = p._backend.xp.sqrt(s)
        std += group["eps"]
        p.data -= clr * (g / std)


class Adadelta(Optimizer):
    """a <- rho a + (1 - rho) g^2;   d = sqrt(u + eps) / sqrt(a + eps) * g;
    u <- rho u + (1 - rho) d^2;   p <- p - lr d.

    >>> opt = optim.Adadelta(model.parameters())
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0.0, foreach: bool | None = None,
                 *, maximize: bool = False, **implementation: Any) -> None:
        switches = accept_torch_switches("Adadelta", dict(implementation, foreach=foreach))
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, **switches))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Adadelta: invalid rho={group['rho']!r} (must be in [0, 1])")
        _check_nonnegative("Adadelta", group, "eps")

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        rho, eps = group["rho"], group["eps"]
        g = self._l2_grad(p, g, group)
        a = state.get("square_avg")
        if a is None:
            a = state["square_avg"] = self._zeros_like(p)
            state["acc_delta"] = self._zeros_like(p)
        u = state["acc_delta"]
        a *= rho
        a += (1.0 - rho) * (g * g)
        delta = xp.sqrt(u + eps) / xp.sqrt(a + eps) * g
        u *= rho
        u += (1.0 - rho) * (delta * delta)
        p.data -= group["lr"] * delta


class RMSprop(Optimizer):
    """a <- alpha a + (1 - alpha) g^2;  centered: m <- alpha m + (1 - alpha) g, a' = a - m^2;
    r = g / (sqrt(a') + eps);  momentum mu > 0: b <- mu b + r, p <- p - lr b; else p <- p - lr r.

    >>> opt = optim.RMSprop(model.parameters(), lr=0.01, momentum=0.9, centered=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, **implementation: Any) -> None:
        switches = accept_torch_switches("RMSprop", dict(
            implementation, capturable=capturable, foreach=foreach,
            differentiable=differentiable))
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize,
                                      **switches))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        _check_nonnegative("RMSprop", group, "alpha", "eps", "momentum")

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        alpha, mu = group["alpha"], group["momentum"]
        g = self._l2_grad(p, g, group)
        a = state.get("square_avg")
        if a is None:
            a = state["square_avg"] = self._zeros_like(p)
        a *= alpha
        a += (1.0 - alpha) * (g * g)
        if group["centered"]:
            m = state.get("grad_avg")
            if m is None:
                m = state["grad_avg"] = self._zeros_like(p)
            m *= alpha
            m += (1.0 - alpha) * g
            avg = xp.sqrt(a - m * m)
        else:
            avg = xp.sqrt(a)
        avg += group["eps"]
        if mu > 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = self._zeros_like(p)
            buf *= mu
            buf += g / avg
            p.data -= group["lr"] * buf
        else:
            p.data -= group["lr"] * (g / avg)
