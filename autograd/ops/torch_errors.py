"""Exception types that match PyTorch's and stay what our API promised.

PyTorch raises ``RuntimeError`` for a bad argument value (an odd size to halve, a k out of
range), ``IndexError`` for a dim out of range; NumPy-minded callers (and our own earlier
API) catch ``ValueError``. Each class here is both, so ``except RuntimeError`` and
``except ValueError`` catch the same error. ``axes`` / ``axis`` are the shared axis
normalisers with PyTorch's rules: a 0-d tensor takes dim 0 or -1, and a dim out of range
raises an IndexError."""
from __future__ import annotations

from typing import Any

# the classes live in _util.py (its axis helpers raise them); this is their public home
from ._util import DimError, TorchTypeError, TorchValueError, normalize_axes, normalize_axis

__all__ = ["TorchValueError", "TorchTypeError", "DimError", "axes", "axis"]


def _reraise(exc: ValueError, ndim: int = 1) -> Exception:
    text = str(exc)
    if "out of range" not in text:
        return TorchValueError(text)
    if ndim == 0:            # checked as one dimension: say what the tensor really has
        text = text.replace("with 1 dimension(s)",
                            "with 0 dimensions (a 0-d tensor takes dim 0 or -1)")
    return DimError(text)


def axes(axis: Any, ndim: int, op: str) -> tuple:
    """``normalize_axes`` (None: every axis) where a 0-d tensor takes dim 0 / -1 (alone or in
    a tuple): the reduction then reduces nothing, as in PyTorch."""
    try:
        if ndim == 0 and axis is not None:
            items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
            normalize_axes(items, 1, op)
            return ()
        return normalize_axes(axis, ndim, op)
    except ValueError as exc:
        raise _reraise(exc, ndim) from None


def axis(dim: Any, ndim: int, op: str) -> int:
    """``normalize_axis`` for one dim; a 0-d tensor takes dim 0 or -1 (returned as 0)."""
    try:
        return normalize_axis(dim, max(ndim, 1), op)
    except ValueError as exc:
        raise _reraise(exc, ndim) from None
