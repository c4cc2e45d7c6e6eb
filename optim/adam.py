"""Adam (with AMSGrad) and AdamW (decoupled weight decay), as PyTorch computes them."""
from __future__ import annotations

import math
from typing import Any, Iterable

from ..autograd.tensor import Tensor
from .optimizer import Optimizer


class Adam(Optimizer):
    """m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2 (v_max <- max(v_max, v) with amsgrad);
    p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). Weight decay adds wd * p
    to g (L2); AdamW instead shrinks p by lr * wd first.

    >>> opt = optim.Adam(model.parameters(), lr=1e-3)
    """

    decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, maximize: bool = False) -> None:
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"{type(self).__name__}: invalid betas {betas!r}; each must be in [0, 1)")
        if eps < 0:
            raise ValueError(f"{type(self).__name__}: invalid eps {eps!r}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if group["maximize"]:
            g = -g
        if wd:
            if self.decoupled:
                p.data *= 1.0 - lr * wd
            else:
                g = g + wd * p.data
        if "exp_avg" not in state:
            state["exp_avg"] = self._zeros_like(p)
            state["exp_avg_sq"] = self._zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = self._zeros_like(p)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * (g * g)
        t = state["step"]
        bias1, bias2 = 1.0 - beta1 ** t, 1.0 - beta2 ** t
        if group["amsgrad"]:
            vmax = state["max_exp_avg_sq"]
            p._backend.setitem(vmax, Ellipsis, xp.maximum(vmax, v))
            v = vmax
        denom = xp.sqrt(v)
        denom /= math.sqrt(bias2)
        denom += eps
        p.data -= (lr / bias1) * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01): p <- p (1 - lr wd) before the step.

    >>> opt = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    """

    decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
