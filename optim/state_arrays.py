"""Saved optimizer state whose arrays do not have their parameter's shape (LBFGS's flat
vectors, Adafactor's row and column moments), restored onto the parameter's device."""
from __future__ import annotations

import copy
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
    return _copy_onto(value, p, any_dtype=True)


def _copy_onto(value: Tensor, p: Tensor, any_dtype: bool) -> Any:
    """A fresh backend array of ``value`` on ``p``'s device, cast to ``p``'s dtype (only a
    floating ``value`` unless ``any_dtype``)."""
    value = value.detach()
    if value.device != p.device:
        value = value.to(p.device)
    if value.dtype != p.dtype and (any_dtype or value.dtype.is_floating):
        value = value.astype(p.dtype)
    return p._backend.copy(value.data)


# state that is a Python number here and a 0-d tensor in a PyTorch state dict (the step
# count; NAdam's momentum product; ASGD's eta and mu): loaded back as a number, so steps
# never read the device
NUMBER_STATE = frozenset({"step", "mu_product", "eta", "mu"})


def restore_entry(value: Any, p: Tensor, name: str, index: int) -> Any:
    """A saved state entry as an array on ``p``'s device in ``p``'s floating dtype; numbers
    pass through, and a 0-d tensor under a NUMBER_STATE name becomes a number (PyTorch's
    ``tensor(3.)`` step -> 3).

    >>> state[i] = {k: restore_entry(v, params[i], k, i) for k, v in saved.items()}
    """
    if not isinstance(value, Tensor) and hasattr(value, "shape") and hasattr(value, "dtype"):
        from ..autograd.factories import tensor         # a host array from a file
        value = tensor(value)
    if isinstance(value, Tensor):
        if name in NUMBER_STATE and value.ndim == 0:
            number = value.item()
            return int(number) if name == "step" and float(number).is_integer() else number
        if value.ndim and value.shape != p.shape:
            raise ValueError(f"optimizer state {name!r} of parameter {index} has shape "
                             f"{value.shape}, the parameter has {p.shape}")
        return p._backend.wrap(_copy_onto(value, p, any_dtype=False))
    return copy.deepcopy(value)
