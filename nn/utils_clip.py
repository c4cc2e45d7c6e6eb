"""``nn.utils.get_total_norm`` and ``nn.utils.clip_grads_with_norm_``: the two halves of
``clip_grad_norm_``, as PyTorch splits them (so the norm can be computed, reduced or logged
between them).

>>> norm = nn.utils.get_total_norm([p.grad for p in model.parameters() if p.grad is not None])
>>> nn.utils.clip_grads_with_norm_(model.parameters(), 1.0, norm)
"""
from __future__ import annotations

from typing import Any, Iterable

from ..autograd.grad_mode import no_grad
from ..autograd.ops import stack
from ..autograd.tensor import Tensor
from ..autograd.ops.linalg_namespace import linalg


def get_total_norm(tensors: Iterable[Tensor] | Tensor, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: Any = None) -> Tensor:
    """The ``norm_type``-norm of the norms of ``tensors`` (usually gradients), as torch: a 0-d
    tensor on their device. ``error_if_nonfinite=True`` reads it on the host to raise on
    inf/nan. ``foreach`` is accepted for PyTorch compatibility and ignored.

    >>> nn.utils.get_total_norm([w.grad, b.grad], norm_type=2.0)
    """
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        from ..autograd.factories import tensor
        return tensor(0.0)
    devices = {t.device for t in tensors}
    if len(devices) > 1:
        raise ValueError(f"get_total_norm: the tensors live on several devices "
                         f"{sorted(devices)}; compute each device's norm separately")
    norms = [linalg.vector_norm(t, norm_type) for t in tensors]
    total = linalg.vector_norm(stack(norms), norm_type)
    if error_if_nonfinite and not bool(total.isfinite().item()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float,
                          total_norm: Tensor, foreach: Any = None) -> None:
    """Scale every ``.grad`` in place by ``min(1, max_norm / (total_norm + 1e-6))``.

    >>> nn.utils.clip_grads_with_norm_(model.parameters(), max_norm=1.0, total_norm=norm)
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return
    with no_grad():
        coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef if coef.dtype == g.dtype else coef.astype(g.dtype))
