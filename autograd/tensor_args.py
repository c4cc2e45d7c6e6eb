"""Argument handling of Tensor's methods: PyTorch's spellings beside NumPy's (``dim=`` for
``axis=``, ``reshape(2, 3)`` for ``reshape((2, 3))``, ``.size()`` as well as ``.size``)."""
from __future__ import annotations

from typing import Any

from ..dtypes import as_dtype
from .tensor_types import Size


class _Size(int):
    """An int (the element count) that, called, gives the shape (an ``xg.Size``) or one
    dimension."""

    def __new__(cls, n: int, shape: tuple) -> "_Size":
        out = super().__new__(cls, n)
        out.shape = Size(shape)
        return out

    def __call__(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]


def _axis_args(axis: Any, keepdims: bool, torch_kw: dict) -> tuple:
    """``dim=``/``keepdim=`` (PyTorch) as aliases of ``axis=``/``keepdims=`` (NumPy)."""
    if torch_kw:
        unknown = set(torch_kw) - {"dim", "keepdim"}
        if unknown:
            raise TypeError(f"unexpected keyword argument(s) {sorted(unknown)}")
        if "dim" in torch_kw:
            if axis is not None:
                raise TypeError("pass either axis= or dim=, not both")
            axis = torch_kw["dim"]
        keepdims = torch_kw.get("keepdim", keepdims)
    return axis, keepdims


def _shape_args(args: tuple) -> tuple:
    """Accept both ``t.reshape(2, 3)`` and ``t.reshape((2, 3))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return args


def _looks_like_dtype(obj: Any) -> bool:
    try:
        as_dtype(obj)
        return not isinstance(obj, str) or obj not in ("cpu", "cuda")
    except TypeError:
        return False
