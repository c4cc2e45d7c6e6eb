"""Saved optimizer state whose arrays do not have their parameter's shape (LBFGS's flat
vectors, Adafactor's row and column moments), restored onto the parameter's device."""
from __future__ import annotations

from typing import Any

from ..autograd.tensor import Tensor


def restore_array(value: Any, p: Tensor, shape: tuple, what: str) -> Any:
    """``value`` (a Tensor or a host array) of shape ``shape`` as a fresh array on ``p``'s
    device in ``p``'s dtype; ``what`` names it in the error for another shape.

    >>> state["d"] = restore_array(saved["d"], first_param, (numel,), "LBFGS state 'd'")
    """
    if not isinstance(value, Tensor):
        from ..autograd.factories import tensor
        value = tensor(value)
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"{what} has shape {tuple(value.shape)}, expected {tuple(shape)}")
    value = value.detach()
    if value.device != p.device:
        value = value.to(p.device)
    if value.dtype != p.dtype:
        value = value.astype(p.dtype)
    return p._backend.copy(value.data)
