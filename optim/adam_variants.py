"""Adam's relatives and Rprop, with PyTorch's update rules and defaults: Adamax, NAdam, RAdam,
Rprop. Each update runs in place on the parameter's device; under xg.compile they replay as
host regions (as Adagrad/RMSprop do)."""
from __future__ import annotations

import math
from typing import Any, Iterable

from ..autograd.tensor import Tensor
from .adaptive import _check_nonnegative
from .optimizer import Optimizer
from .torch_options import accept_torch_switches


def _check_betas(name: str, group: dict) -> None:
    beta1, beta2 = group["betas"]
    if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
        raise ValueError(f"{name}: invalid betas={group['betas']!r} (each must be in [0, 1))")
    _check_nonnegative(name, group, "eps", "weight_decay")


def _moments(opt: Optimizer, p: Tensor, g: Any, state: dict, group: dict) -> tuple[Any, Any]:
    """Update and return Adam's first and second moments of ``g``."""
    beta1, beta2 = group["betas"]
    m, v = state.get("exp_avg"), state.get("exp_avg_sq")
    if m is None:
        m = state["exp_avg"] = opt._zeros_like(p)
        v = state["exp_avg_sq"] = opt._zeros_like(p)
    m *= beta1
    m += (1.0 - beta1) * g
    v *= beta2
    v += (1.0 - beta2) * (g * g)
    return m, v


def _decayed_grad(p: Tensor, g: Any, group: dict) -> Any:
    """maximize, then weight decay: decoupled (p shrinks, as AdamW) or added to g (L2)."""
    if group["maximize"]:
        g = -g
    wd = group["weight_decay"]
    if wd:
        if group.get("decoupled_weight_decay"):
            p.data *= 1.0 - group["lr"] * wd
        else:
            g = g + wd * p.data
    return g


class Adamax(Optimizer):
    """Adam with the infinity norm: u <- max(beta2 u, |g| + eps);
    p <- p - lr / (1 - beta1^t) * m / u.

    >>> opt = optim.Adamax(model.parameters(), lr=2e-3)
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, foreach: bool | None = None, *,
                 maximize: bool = False, **torch_only: Any) -> None:
        switches = _torch_only("Adamax", dict(torch_only, foreach=foreach))
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize,
                                      **switches))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        _check_betas("Adamax", group)

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        beta1, beta2 = group["betas"]
        g = self._l2_grad(p, g, group)
        m, u = state.get("exp_avg"), state.get("exp_inf")
        if m is None:
            m = state["exp_avg"] = self._zeros_like(p)
            u = state["exp_inf"] = self._zeros_like(p)
        m *= beta1
        m += (1.0 - beta1) * g
        u *= beta2
        p._backend.setitem(u, Ellipsis, xp.maximum(u, xp.abs(g) + group["eps"]))
        p.data -= (group["lr"] / (1.0 - beta1 ** state["step"])) * (m / u)


class NAdam(Optimizer):
    """Adam with Nesterov momentum and the momentum schedule
    mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay)) (PyTorch's NAdam).

    >>> opt = optim.NAdam(model.parameters(), lr=2e-3)
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, maximize: bool = False,
                 **torch_only: Any) -> None:
        switches = _torch_only("NAdam", torch_only)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, **switches))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        _check_betas("NAdam", group)
        _check_nonnegative("NAdam", group, "momentum_decay")

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        beta1, beta2 = group["betas"]
        lr, t, decay = group["lr"], state["step"], group["momentum_decay"]
        g = _decayed_grad(p, g, group)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * decay))
        mu_product = state["mu_product"] = state.get("mu_product", 1.0) * mu
        m, v = _moments(self, p, g, state, group)
        denom = xp.sqrt(v / (1.0 - beta2 ** t))
        denom += group["eps"]
        p.data -= (lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
        p.data -= (lr * mu_next / (1.0 - mu_product * mu_next)) * (m / denom)


class RAdam(Optimizer):
    """Adam with the variance rectification of Liu et al.: while the approximated SMA length
    rho_t <= 5 the step is plain momentum SGD, afterwards Adam's step times the rectifier.

    >>> opt = optim.RAdam(model.parameters(), lr=1e-3)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False,
                 maximize: bool = False, **torch_only: Any) -> None:
        switches = _torch_only("RAdam", torch_only)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, **switches))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        _check_betas("RAdam", group)

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        beta1, beta2 = group["betas"]
        lr, t = group["lr"], state["step"]
        g = _decayed_grad(p, g, group)
        m, v = _moments(self, p, g, state, group)
        bias1, bias2 = 1.0 - beta1 ** t, 1.0 - beta2 ** t
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        rho_t = rho_inf - 2.0 * t * beta2 ** t / bias2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf
                             / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
            denom = xp.sqrt(v)
            denom += group["eps"]
            p.data -= (lr / bias1 * rect * math.sqrt(bias2)) * (m / denom)
        else:
            p.data -= (lr / bias1) * m


class Rprop(Optimizer):
    """Resilient backpropagation: each weight's step grows by etas[1] while its gradient keeps
    its sign and shrinks by etas[0] when it flips (that step is then skipped), clamped to
    step_sizes; p <- p - sign(g) * step.

    >>> opt = optim.Rprop(model.parameters(), lr=0.01)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50.0), maximize: bool = False,
                 **torch_only: Any) -> None:
        switches = _torch_only("Rprop", torch_only)
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      maximize=maximize, **switches))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        minus, plus = group["etas"]
        if not 0.0 < minus < 1.0 < plus:
            raise ValueError(f"Rprop: invalid etas={group['etas']!r} "
                             "(need 0 < etaminus < 1 < etaplus)")

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        minus, plus = group["etas"]
        low, high = group["step_sizes"]
        if group["maximize"]:
            g = -g
        prev = state.get("prev")
        if prev is None:
            prev = state["prev"] = self._zeros_like(p)
            state["step_size"] = xp.full_like(p.data, group["lr"])
        step = state["step_size"]
        agreement = xp.sign(g * prev)
        factor = xp.where(agreement > 0, plus, xp.where(agreement < 0, minus, xp.ones_like(step)))
        backend = p._backend
        backend.setitem(step, Ellipsis, xp.clip(step * factor, low, high))
        g = xp.where(agreement < 0, 0.0, g)          # a flipped sign: no step, forget it
        p.data -= xp.sign(g) * step
        backend.setitem(prev, Ellipsis, g)


def _torch_only(name: str, options: dict) -> dict:
    return accept_torch_switches(name, options)