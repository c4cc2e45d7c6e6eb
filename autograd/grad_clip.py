"""Gradient clipping on the device, as ``optim.clip_grad_norm_`` and ``nn.utils.clip_grad_norm_``
(it lives here, below both): the total norm stays a 0-d tensor, and the scale
min(1, max_norm / (norm + 1e-6)) is applied without a host sync (as PyTorch does)."""
from __future__ import annotations

import functools
import math
from typing import Any, Iterable

from .function import host_check, run_kernel
from .tensor import Tensor, make_tensor


def _with_grads(parameters: Any) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: Any = None) -> Tensor:
    """Scale all gradients together so that their joint ``norm_type``-norm is at most
    ``max_norm``; return that norm (before clipping) as a 0-d tensor on the gradients'
    device. ``error_if_nonfinite=True`` reads the norm on the host (a sync) to raise on
    inf/nan. ``foreach`` is accepted for PyTorch compatibility and ignored.

    >>> total = optim.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    params = _with_grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not params:
        from ..autograd.factories import tensor
        return tensor(0.0)
    backend = params[0]._backend
    devices = {p.grad.device for p in params}
    if len(devices) > 1:
        raise ValueError(f"clip_grad_norm_: gradients live on several devices {sorted(devices)}"
                         "; clip each device's parameters separately")
    grads = [p.grad.data for p in params]
    total = run_kernel(backend, _total_norm, grads, norm_type)
    if error_if_nonfinite:
        host_check(backend, functools.partial(_refuse_nonfinite, backend=backend,
                                              norm_type=norm_type), total)
    run_kernel(backend, _scale, grads, total, max_norm)
    return make_tensor(total, backend, False, None)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float,
                     foreach: Any = None) -> None:
    """Clip every gradient element to [-clip_value, clip_value], in place.

    >>> optim.clip_grad_value_(model.parameters(), 0.5)
    """
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        g = p.grad
        run_kernel(g._backend, _clip_values, g.data, clip_value)


def _total_norm(backend: Any, grads: list, norm_type: float) -> Any:
    xp = backend.xp
    if norm_type == math.inf:
        parts = [xp.max(xp.abs(g)) for g in grads]
        total = parts[0]
        for part in parts[1:]:
            total = xp.maximum(total, part)
    elif norm_type == -math.inf:
        parts = [xp.min(xp.abs(g)) for g in grads]
        total = parts[0]
        for part in parts[1:]:
            total = xp.minimum(total, part)
    elif norm_type == 0.0:          # PyTorch: the 0-"norm" of the per-tensor 0-norms
        total = sum(xp.astype(xp.any(g != 0), g.dtype) for g in grads)
    else:
        if norm_type == 2.0:
            parts = [xp.sum(g * g) for g in grads]
        elif norm_type == 1.0:
            parts = [xp.sum(xp.abs(g)) for g in grads]
        else:
            parts = [xp.sum(xp.abs(g) ** norm_type) for g in grads]
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        total = xp.sqrt(total) if norm_type == 2.0 else \
            total if norm_type == 1.0 else total ** (1.0 / norm_type)
    return backend.wrap(total)


def _refuse_nonfinite(total: Any, backend: Any, norm_type: float) -> None:
    xp = backend.xp
    if not bool(backend.to_host(xp.all(xp.isfinite(total)))):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           "gradients is non-finite, so it cannot be clipped; pass "
                           "error_if_nonfinite=False to scale by it anyway")


def _scale(backend: Any, grads: list, total: Any, max_norm: float) -> None:
    xp = backend.xp
    scale = xp.clip(max_norm / (total + 1e-6), None, 1.0)
    for g in grads:
        g *= scale if scale.dtype == g.dtype else xp.astype(scale, g.dtype)


def _clip_values(backend: Any, g: Any, clip_value: float) -> None:
    backend.setitem(g, Ellipsis, backend.xp.clip(g, -clip_value, clip_value))
