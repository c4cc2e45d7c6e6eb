"""Adam (with AMSGrad) and AdamW (decoupled weight decay), as PyTorch computes them."""
from __future__ import annotations

import math
from typing import Any, Iterable

from ..autograd.tensor import Tensor
from .kernel_update import KernelOptimizer
from .torch_options import accept_torch_switches


def _adam_step(backend: Any, p: Any, g: Any, m: Any, v: Any, vmax: Any, numbers: tuple,
               flags: tuple) -> None:
    """One Adam / AdamW update of the array ``p`` and its moments, in place."""
    (step_size, bias2_sqrt, shrink, beta1, beta2, one_minus_beta1, one_minus_beta2, eps,
     weight_decay) = numbers
    decay, amsgrad, maximize, decoupled = flags
    xp = backend.xp
    if decay and decoupled:
        p *= shrink                                 # AdamW: shrink, then a plain Adam step
        g = -g if maximize else g
    else:
        if maximize:
            g = -g
        if decay:
            g = g + weight_decay * p
    m *= beta1
    m += one_minus_beta1 * g
    v *= beta2
    v += one_minus_beta2 * (g * g)
    if amsgrad:
        backend.setitem(vmax, Ellipsis, xp.maximum(vmax, v))
        v = vmax
    denom = xp.sqrt(v)
    denom /= bias2_sqrt
    denom += eps
    p -= step_size * (m / denom)


class Adam(KernelOptimizer):
    """At step t, with L2 weight decay wd added to the gradient:

        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2;   (amsgrad: v <- max(v_max, v))
        p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    >>> opt = optim.Adam(model.parameters(), lr=1e-3)
    """

    decoupled = False      # AdamW: shrink p by lr * wd instead of adding wd * p to g

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False, *, decoupled_weight_decay: bool = False,
                 **implementation: Any) -> None:
        switches = accept_torch_switches(type(self).__name__, implementation)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, **switches, decoupled_weight_decay=bool(
                                          decoupled_weight_decay or self.decoupled)))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        name, betas = type(self).__name__, group["betas"]
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"{name}: invalid betas={tuple(betas)!r} (two values in [0, 1))")
        if not group["eps"] >= 0.0:
            raise ValueError(f"{name}: invalid eps={group['eps']!r} (must be >= 0)")

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        if state.get("exp_avg") is None:
            state["exp_avg"] = self._zeros_like(p)
            state["exp_avg_sq"] = self._zeros_like(p)
        if group["amsgrad"] and state.get("max_exp_avg_sq") is None:
            state["max_exp_avg_sq"] = self._zeros_like(p)
        self._run_kernel(p, g, state, group)

    update_kernel = staticmethod(_adam_step)
    state_keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def _numbers(self, state: dict, group: dict) -> dict:
        """The step's numbers: lr / (1 - b1^t), sqrt(1 - b2^t), AdamW's 1 - lr wd, ..."""
        lr, t, wd = group["lr"], state["step"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        return {"step_size": lr / (1.0 - beta1 ** t), "bias2_sqrt": math.sqrt(1.0 - beta2 ** t),
                "shrink": 1.0 - lr * wd, "beta1": beta1, "beta2": beta2,
                "one_minus_beta1": 1.0 - beta1, "one_minus_beta2": 1.0 - beta2,
                "eps": group["eps"], "weight_decay": wd}

    flag_options = ("weight_decay", "amsgrad", "maximize", "decoupled_weight_decay")

    def _flags(self, group: dict) -> tuple:
        decoupled = group.get("decoupled_weight_decay", self.decoupled)
        return (bool(group["weight_decay"]), bool(group["amsgrad"]), bool(group["maximize"]),
                bool(decoupled))

    def _kernel_ready(self, state: dict, group: dict) -> bool:
        return state.get("exp_avg") is not None and (
            not group["amsgrad"] or state.get("max_exp_avg_sq") is not None)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01): p <- p (1 - lr wd) before the Adam
    step, instead of adding wd * p to the gradient.

    >>> opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    """

    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False, **implementation: Any) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize,
                         **implementation)
