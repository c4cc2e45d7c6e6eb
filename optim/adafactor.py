"""Adafactor (Shazeer & Stern 2018), as PyTorch 2.13's ``torch.optim.Adafactor``: second
moments factored into row and column means for parameters of two or more dimensions,
relative step sizes scaled by the parameter's RMS, and update clipping by its RMS."""
from __future__ import annotations

import math
from typing import Any, Iterable

from ..autograd.tensor import Tensor
from .optimizer import Optimizer
from .state_arrays import restore_array


class Adafactor(Optimizer):
    """At step t, with beta2_t = 1 - t^beta2_decay and rho_t = min(lr, 1 / sqrt(t)):

        g <- -g if maximize;   alpha <- max(eps2, RMS(p)) rho_t;   p <- p (1 - lr wd)
        >= 2-D: R <- lerp(R, mean(g^2, -1), 1 - beta2_t);  C <- lerp(C, mean(g^2, -2), ...)
                V = R C / max(mean(R, -2), eps1)           (R: [..., m, 1], C: [..., 1, n])
        else:   V <- lerp(V, g^2, 1 - beta2_t)
        u = g / sqrt(max(V, eps1^2));   p <- p - alpha / max(1, RMS(u) / d) u

    ``eps1`` None is the machine epsilon of the parameter's dtype. The RMS scalars stay
    0-d arrays on the device (no host sync). ``foreach`` is accepted and has no effect.

    >>> opt = optim.Adafactor(model.parameters(), lr=1e-2)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize))

    def _check_group(self, group: dict) -> None:
        super()._check_group(group)
        if not group["beta2_decay"] <= 0.0:
            raise ValueError(f"Adafactor: invalid beta2_decay={group['beta2_decay']!r} "
                             "(must be <= 0)")
        eps = group["eps"]
        if len(eps) != 2 or (eps[0] is not None and not eps[0] >= 0.0) or \
                not eps[1] >= 0.0:
            raise ValueError(f"Adafactor: invalid eps={eps!r} (a pair (eps1 >= 0 or None, "
                             "eps2 >= 0))")
        if not group["d"] >= 1.0:
            raise ValueError(f"Adafactor: invalid clipping threshold d={group['d']!r} "
                             "(must be >= 1)")

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        xp = p._backend.xp
        if group["maximize"]:
            g = -g
        factored = g.ndim > 1
        if factored and state.get("row_var") is None:
            shape = tuple(g.shape)
            state["row_var"] = p._backend.zeros(shape[:-1] + (1,), p.dtype)
            state["col_var"] = p._backend.zeros(shape[:-2] + (1,) + shape[-1:], p.dtype)
        elif not factored and state.get("variance") is None:
            state["variance"] = self._zeros_like(p)
        t, lr = state["step"], group["lr"]
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(xp.finfo(p.data.dtype).eps)
        weight = t ** group["beta2_decay"]            # 1 - beta2_t
        rho = min(lr, 1.0 / t ** 0.5)
        root_n = math.sqrt(p.size)
        alpha = xp.clip(_norm(xp, p.data) / root_n, min=eps2) * rho
        if group["weight_decay"]:
            p.data *= 1.0 - lr * group["weight_decay"]
        g2 = g * g
        if factored:
            row_var, col_var = state["row_var"], state["col_var"]
            row_var += weight * (xp.mean(g2, axis=-1, keepdims=True) - row_var)
            col_var += weight * (xp.mean(g2, axis=-2, keepdims=True) - col_var)
            var = xp.matmul(row_var, col_var)
            var /= xp.clip(xp.mean(row_var, axis=-2, keepdims=True), min=eps1)
        else:
            var = state["variance"]
            var += weight * (g2 - var)
        update = 1.0 / xp.sqrt(xp.clip(var, min=eps1 * eps1))   # a new array: var is state
        update *= g
        denom = xp.clip(_norm(xp, update) / (root_n * group["d"]), min=1.0)
        p.data -= (alpha / denom) * update


    def load_state_dict(self, state_dict: dict) -> None:
        """As ``Optimizer.load_state_dict``; the factored moments have the parameter's shape
        with a 1 in its last (rows) or second-to-last (columns) dimension."""
        factored, plain = {}, {}
        for key, entries in state_dict["state"].items():
            plain[key] = {k: v for k, v in entries.items() if k not in _FACTORS}
            factored[key] = {k: v for k, v in entries.items() if k in _FACTORS}
        super().load_state_dict({**state_dict, "state": plain})
        where = {}                          # saved key -> position (as the base class maps)
        start = 0
        for saved, group in zip(state_dict["param_groups"], self.param_groups):
            for j, key in enumerate(saved["params"]):
                where[key] = where[str(key)] = start + j
            start += len(group["params"])
        params = self._params()
        for key, entries in factored.items():
            i = where[key]
            for name, value in entries.items():
                shape = list(params[i].shape)
                shape[-1 if name == "row_var" else -2] = 1
                self.state[i][name] = restore_array(
                    value, params[i], tuple(shape),
                    f"Adafactor: state {name!r} of parameter {i} (shape {params[i].shape})")


_FACTORS = ("row_var", "col_var")


def _norm(xp: Any, array: Any) -> Any:
    """The 2-norm of all elements, as a 0-d array."""
    return xp.sqrt(xp.sum(array * array))
