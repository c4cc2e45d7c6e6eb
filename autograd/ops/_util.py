"""Helpers shared by the op families: axis normalisation and operand coercion."""
from __future__ import annotations

from typing import Any

from ..function import Function, apply2
from ..grad_mode import grad_mode
from ..tensor import Tensor, make_tensor

NUMBER_TYPES = (int, float, bool)


# PyTorch's exception types that stay what our API promised (re-exported by torch_errors.py,
# defined here so that the axis helpers below can raise them)
class TorchValueError(RuntimeError, ValueError):
    """A bad argument value: PyTorch's RuntimeError, our ValueError."""


class TorchTypeError(RuntimeError, TypeError):
    """A bad dtype where PyTorch raises RuntimeError (mean of an int tensor, say)."""


class DimError(IndexError, ValueError):
    """A dim out of range: PyTorch's IndexError, our ValueError."""


def normalize_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...]:
    """``None`` -> every axis; an int or a sequence -> a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in items:
        if isinstance(a, Tensor) or not isinstance(a, int) or isinstance(a, bool):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < ndim:         # a 0-d tensor has no axis (NumPy, Array API)
            raise DimError(f"{op}: axis {a} is out of range for a tensor with {ndim} "
                           f"dimension(s)")
        if a % ndim in out:               # PyTorch: a RuntimeError
            raise TorchValueError(f"{op}: repeated axis: dim {a % ndim} appears multiple "
                                  f"times in the list of dims {axis!r}")
        out.append(a % ndim)
    return tuple(sorted(out))


def normalize_axis(axis: int, ndim: int, op: str) -> int:
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise DimError(f"{op}: axis {axis} is out of range for a tensor with {ndim} dimension(s)")
    return axis % ndim


def as_operand(value: Any, like: Tensor) -> Tensor:
    """Turn a Python number, a host array or a nested list into a constant on ``like``'s device.

    Python numbers take ``like``'s dtype (so ``float32 * 2.0`` stays float32, as in PyTorch)."""
    if isinstance(value, Tensor):
        return value
    backend = like._backend
    if isinstance(value, NUMBER_TYPES):
        dtype = like.dtype
        if isinstance(value, float) and not dtype.is_floating:
            from ...dtypes import float32
            dtype = float32
        from ..function import backend_call
        return make_tensor(backend_call(backend.asarray, value, dtype), backend, False, None)
    from ..factories import tensor
    return tensor(value, device=backend)


class _OpName:
    def __init__(self, name: str) -> None:
        self.__name__ = name


def require_tensor(x: Any, op: str) -> None:
    """Public functions that look at ``x.ndim``/``x.shape`` before running call this first."""
    if not isinstance(x, Tensor):
        from ..function import not_a_tensor
        raise not_a_tensor(_OpName(op), x)



class ZeroGradLink(Function):
    """g, unchanged (a copy), whose derivative with respect to x is 0."""
    __slots__ = ()

    @staticmethod
    def forward(xp, g, x):
        return xp.asarray(g, copy=True)

    def backward(self, ggx):
        x = self.inputs[1]
        return ggx, (_zeros_like(x) if x._rg else None)


def _zeros_like(x: Tensor) -> Tensor:
    from ..factories import zeros_like
    return zeros_like(x)


def link_zero_grad(g: Tensor, x: Tensor) -> Tensor:
    """``g`` joined to ``x`` with a zero derivative, for the backward of a piecewise-linear op
    under ``create_graph``: PyTorch's relu/leaky_relu/abs gradients depend on x (with slope
    0), so a second ``grad`` through them gives zeros rather than "does not require grad"."""
    if not (grad_mode.enabled and x._rg):
        return g
    return apply2(ZeroGradLink, g, x)


def zero_slope(gy: Tensor) -> Tensor:
    """The gradient of a piecewise-constant op (floor, round, x ** 0): exact zeros, as
    PyTorch's ``zeros_like(grad)``, so an inf or NaN gradient arriving does not become NaN
    (``gy * 0`` would); still joined to ``gy``'s graph, as ``gy * 0`` was."""
    return link_zero_grad(_zeros_like(gy).detach(), gy)


def torch_names(axis: Any, keepdims: bool, dim: Any, keepdim: bool | None) -> tuple:
    """Accept PyTorch's ``dim=``/``keepdim=`` beside NumPy's ``axis=``/``keepdims=``."""
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis= or dim=, not both")
        axis = dim
    return axis, keepdims if keepdim is None else keepdim
