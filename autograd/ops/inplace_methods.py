"""PyTorch's remaining in-place Tensor methods, each the out-of-place method written back
into the tensor (``x.sin_()`` is ``x`` holding ``x.sin()``), recorded in the graph as the
other in-place forms are (TensorExtras._write_result); the in-place shape changes
(``t_``, ``transpose_``, ``unsqueeze_``, ...); ``unfold``'s sliding windows; and the small
queries (``ndimension``, ``is_cpu``, ``data_ptr``, ...).

>>> x.clamp_min_(0).mul_(2)         # x itself, changed
"""
from __future__ import annotations

from typing import Any, Callable

from ..tensor import Tensor, make_tensor

# x.<name>_(*args) == x holding x.<name>(*args)
_WRITTEN_BACK = (
    "absolute acos acosh addbmm addcdiv addcmul addmm addmv addr arccos arccosh arcsin arcsinh "
    "arctan2 arctan arctanh asin asinh atan2 atan atanh baddbmm bitwise_and bitwise_left_shift "
    "bitwise_not bitwise_or bitwise_right_shift bitwise_xor ceil clamp_max clamp_min copysign "
    "cos cosh cumprod cumsum deg2rad digamma divide eq erf erfc erfinv exp2 expm1 fix "
    "float_power floor floor_divide fmod frac gcd ge greater greater_equal gt heaviside hypot "
    "i0 index_copy index_fill lcm ldexp le lerp less less_equal lgamma log10 log1p log2 "
    "logical_and logical_not logical_or logical_xor logit lt masked_fill masked_scatter "
    "multiply mvlgamma nan_to_num ne negative nextafter not_equal polygamma rad2deg reciprocal "
    "remainder renorm round rsqrt scatter scatter_add scatter_reduce sgn sign sin sinc sinh "
    "subtract tan tril triu true_divide trunc xlogy").split()

# in-place forms that change the shape: x.t_() is x holding x.t()
_RESHAPED = ("t", "transpose", "swapaxes", "swapdims", "squeeze", "unsqueeze")


def _first_tensor(args: tuple, kwargs: dict) -> Any:
    for a in (*args, *kwargs.values()):
        if isinstance(a, Tensor):
            return a
    return None


def _written_back(name: str) -> Callable:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return self._write_result(f"{name}_()", lambda t: getattr(t, name)(*args, **kwargs),
                                  _first_tensor(args, kwargs))
    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"In-place ``{name}``: this tensor holds ``self.{name}(...)``."
    return method


def _reshaped(name: str) -> Callable:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        what = f"{name}_()"
        if self.grad_fn is None and not self._rg:      # no graph: take the new array
            self.data = getattr(self.detach(), name)(*args, **kwargs).data
            return self
        self._rebind(what, lambda t: getattr(t, name)(*args, **kwargs))
        return self
    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"In-place ``{name}``: this tensor takes the shape of ``self.{name}(...)``."
    return method


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last
    axis (PyTorch's ``Tensor.unfold``); differentiable.

    >>> xg.arange(5.0).unfold(0, 2, 2)     # tensor([[0., 1.], [2., 3.]])
    """
    from ..factories import arange
    from ._util import normalize_axis
    dim = normalize_axis(dimension, max(self.ndim, 1), "unfold")
    length = self.shape[dim] if self.ndim else 1
    if size < 0 or size > length:
        raise ValueError(f"unfold: size {size} is not in [0, {length}], the length of dim "
                         f"{dim} of shape {self.shape}")
    if step <= 0:
        raise ValueError(f"unfold: step must be positive, got {step}")
    if self.ndim == 0:
        return self.reshape(1)
    count = (length - size) // step + 1
    starts = arange(0, count * step, step, device=self._backend).reshape(count, 1)
    index = (starts + arange(0, size, 1, device=self._backend)).reshape(-1)
    windows = self.index_select(dim, index)
    shape = self.shape[:dim] + (count, size) + self.shape[dim + 1:]
    return windows.reshape(shape).movedim(dim + 1, -1)


def apply_(self: Tensor, callable: Callable) -> Tensor:
    """Replace each element ``v`` with ``callable(v)``, element by element on the host (as
    PyTorch's CPU-only ``apply_``: slow, for tests and small tensors)."""
    values = [callable(v) for v in self.reshape(-1).tolist()]
    return self.copy_(make_like(self, values))


def map_(self: Tensor, other: Tensor, callable: Callable) -> Tensor:
    """Replace each element ``v`` with ``callable(v, w)`` for ``w`` of ``other`` broadcast to
    this tensor's shape, on the host (PyTorch's ``map_``)."""
    w = other.broadcast_to(self.shape) if isinstance(other, Tensor) else other
    pairs = zip(self.reshape(-1).tolist(), w.reshape(-1).tolist())
    return self.copy_(make_like(self, [callable(a, b) for a, b in pairs]))


def make_like(t: Tensor, values: list) -> Tensor:
    from ..factories import tensor
    return tensor(values, dtype=t.dtype, device=t._backend).reshape(t.shape)


def data_ptr(self: Tensor) -> int:
    """The address of the first element (NumPy's ``__array_interface__``, CuPy's pointer)."""
    array = getattr(self.data, "_array", self.data)      # array_api_strict wraps NumPy
    interface = getattr(array, "__array_interface__", None) or getattr(
        array, "__cuda_array_interface__", None)
    if interface is None:
        raise TypeError(f"data_ptr: the {self._backend.kind} backend exposes no address")
    return int(interface["data"][0])


def _retains(t: Tensor) -> bool:
    hooks = t.grad_fn.hooks if t.grad_fn is not None else None
    return any(isinstance(h, tuple) and h[0] == "retain" and h[1]() is t for h in hooks or ())


def _flag(fn: Callable, doc: str) -> property:
    return property(fn, doc=doc)


TENSOR_METHODS: dict = {f"{name}_": _written_back(name) for name in _WRITTEN_BACK}
TENSOR_METHODS.update({f"{name}_": _reshaped(name) for name in _RESHAPED})
TENSOR_METHODS.update({
    "unfold": unfold, "apply_": apply_, "map_": map_, "data_ptr": data_ptr,
    "ndimension": lambda self: self.ndim,
    "is_signed": lambda self: self.dtype.is_signed,
    "is_nonzero": lambda self: bool(self.item()),
    "is_same_size": lambda self, other: self.shape == other.shape,
    "is_inference": lambda self: False,
    "is_conj": lambda self: False,
    "is_neg": lambda self: False,
    "get_device": lambda self: -1 if self._backend.kind != "cupy" else (
        self._backend.device.index or 0),
    "positive": lambda self: self,
    "is_cpu": _flag(lambda self: self._backend.kind == "numpy", "Whether it lives on the CPU."),
    "mH": _flag(lambda self: self.mT, "The conjugate transpose of the last two dims (mT)."),
    "retains_grad": _flag(_retains, "Whether retain_grad() was called on this non-leaf."),
})

