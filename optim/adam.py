"""Adam (with AMSGrad) and AdamW (decoupled weight decay), as PyTorch computes them."""
from __future__ import annotations

import math
from typing import Any, Iterable

from ..autograd.tensor import Tensor
from .optimizer import Optimizer


class Adam(Optimizer):
    """At step t, with L2 weight decay wd added to the gradient:

        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2;   (amsgrad: v <- max(v_max, v))
        p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    >>> opt = optim.Adam(model.parameters(), lr=1e-3)
    """

    decoupled = False      # AdamW: shrink p by lr * wd instead of adding wd * p to g

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        name, betas = type(self).__name__, group["betas"]
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"{name}: invalid betas={tuple(betas)!r} (two values in [0, 1))")
        if not group["eps"] >= 0.0:
            raise ValueError(f"{name}: invalid eps={group['eps']!r} (must be >= 0)")

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        beta1, beta2 = group["betas"]
        if wd and self.decoupled:
            p.data *= 1.0 - lr * wd                     # AdamW: shrink, then a plain Adam step
            g = -g if group["maximize"] else g
        else:
            g = self._l2_grad(p, g, group)
        m = state.get("exp_avg")
        if m is None:
            m = state["exp_avg"] = self._zeros_like(p)
            state["exp_avg_sq"] = self._zeros_like(p)
        v = state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * (g * g)
        t = state["step"]
        if group["amsgrad"]:
            vmax = state.get("max_exp_avg_sq")
            if vmax is None:
                vmax = state["max_exp_avg_sq"] = self._zeros_like(p)
            p._backend.setitem(vmax, Ellipsis, xp.maximum(vmax, v))
            v = vmax
        denom = xp.sqrt(v)
        denom /= math.sqrt(1.0 - beta2 ** t)
        denom += eps
        p.data -= (lr / (1.0 - beta1 ** t)) * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01): p <- p (1 - lr wd) before the Adam
    step, instead of adding wd * p to the gradient.

    >>> opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    """

    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
