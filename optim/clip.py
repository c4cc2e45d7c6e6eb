"""Gradient clipping, on the device: no host sync (the norm stays a 0-d tensor)."""
from __future__ import annotations

from typing import Any, Iterable

from ..autograd.tensor import Tensor, make_tensor


def _grads(parameters: Any) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so their joint norm is at most ``max_norm``; returns the
    norm before clipping. The scale min(1, max_norm / (norm + 1e-6)) is computed on the device.

    >>> total = optim.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    params = _grads(parameters)
    if not params:
        from ..autograd.factories import tensor
        return tensor(0.0)
    backend = params[0]._backend
    xp = backend.xp
    norm_type = float(norm_type)
    if norm_type == float("inf"):
        norms = [xp.max(xp.abs(p.grad.data)) for p in params]
        total = norms[0]
        for n in norms[1:]:
            total = xp.maximum(total, n)
    else:
        total = None
        for p in params:
            part = xp.sum(xp.abs(p.grad.data) ** norm_type)
            total = part if total is None else total + part
        total = total ** (1.0 / norm_type)
    total = backend.wrap(total)
    if error_if_nonfinite and not bool(xp.all(xp.isfinite(total))):   # an explicit sync, opt-in
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} is not finite")
    scale = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for p in params:
        p.grad.data *= xp.astype(scale, p.grad.data.dtype)
    return make_tensor(total, backend, False, None)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clip every gradient element to [-clip_value, clip_value] in place.

    >>> optim.clip_grad_value_(model.parameters(), 0.5)
    """
    clip_value = float(clip_value)
    for p in _grads(parameters):
        g = p.grad
        g._backend.setitem(g.data, Ellipsis, g._backend.xp.clip(g.data, -clip_value, clip_value))
