"""PyTorch's smaller Tensor conveniences: ``new_*`` factories, dtype queries, method spellings
of comparison and arithmetic ops, and the in-place ``*_`` forms.

Kept apart from tensor.py (the hot path) for size; Tensor inherits these methods.

In-place forms write into the tensor's own array, so views and aliases see the change, as in
PyTorch. They are refused on a tensor that requires grad or is part of a recorded graph (the
message says so): without PyTorch's version counters an in-place change there would silently
give wrong gradients. ``t += u`` (augmented assignment) is recorded instead, since Python
rebinds the name to the result.
"""
from __future__ import annotations

from typing import Any, Callable

from .grad_mode import grad_mode


def _ops() -> Any:
    from . import ops             # ops import tensor.py, which imports this module
    return ops


def _factories() -> Any:
    from . import factories
    return factories


class TensorExtras:
    """Mixin of Tensor: PyTorch's conveniences that are not on the hot path."""

    __slots__ = ()

    # ---- new tensors like this one (same device and dtype unless given) ------------------
    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
        """>>> x.new_zeros(2, 3)          # x's dtype and device"""
        return _factories().zeros(*size, dtype=dtype or self.dtype,
                                  device=device or self._backend, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        return _factories().ones(*size, dtype=dtype or self.dtype,
                                 device=device or self._backend, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        return _factories().full(size, fill_value, dtype=dtype or self.dtype,
                                 device=device or self._backend, requires_grad=requires_grad)

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Any:
        """A new leaf holding a copy of ``data``, with this tensor's dtype and device."""
        return _factories().tensor(data, dtype=dtype or self.dtype,
                                   device=device or self._backend, requires_grad=requires_grad)

    def type_as(self, other: Any) -> Any:
        """This tensor converted to ``other``'s dtype."""
        return self.astype(other.dtype)

    def half(self) -> Any: return self.astype("float16")
    def short(self) -> Any: return self.astype("int16")
    def char(self) -> Any: return self.astype("int8")
    def byte(self) -> Any: return self.astype("uint8")

    # ---- what it is -------------------------------------------------------------------
    def is_floating_point(self) -> bool:
        return self.dtype.is_floating

    def is_complex(self) -> bool:
        return False

    def is_contiguous(self) -> bool:
        return True          # layouts are the backend's business (contiguous() is a no-op)

    def stride(self, dim: Any = None) -> Any:
        """Strides in elements of the row-major layout that is_contiguous() reports (the
        backend's real layout is its own business). >>> xg.ones(2, 3).stride()  # (3, 1)"""
        strides, step = [], 1
        for size in reversed(self.shape):
            strides.append(step)
            step *= max(int(size), 1)
        strides = tuple(reversed(strides))
        if dim is None:
            return strides
        from .ops._util import normalize_axis
        return strides[normalize_axis(dim, self.ndim, "stride")]

    def element_size(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.dtype.itemsize * self.numel()

    @property
    def is_cuda(self) -> bool:
        return self._backend.kind == "cupy"

    # ---- method spellings of existing ops ----------------------------------------------
    def eq(self, other: Any) -> Any: return _ops().eq(self, other)
    def ne(self, other: Any) -> Any: return _ops().ne(self, other)
    def lt(self, other: Any) -> Any: return _ops().lt(self, other)
    def le(self, other: Any) -> Any: return _ops().le(self, other)
    def gt(self, other: Any) -> Any: return _ops().gt(self, other)
    def ge(self, other: Any) -> Any: return _ops().ge(self, other)
    less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne
    def neg(self) -> Any: return _ops().neg(self)
    negative = neg
    def multiply(self, other: Any) -> Any: return _ops().mul(self, other)
    def subtract(self, other: Any, *, alpha: Any = 1) -> Any: return _ops().sub(self, other, alpha=alpha)
    def true_divide(self, other: Any) -> Any: return _ops().truediv(self, other)
    divide = true_divide
    def logical_and(self, other: Any) -> Any: return _ops().logical_and(self, other)
    def logical_or(self, other: Any) -> Any: return _ops().logical_or(self, other)
    def logical_not(self) -> Any: return _ops().logical_not(self)
    def isnan(self) -> Any: return _ops().isnan(self)
    def isinf(self) -> Any: return _ops().isinf(self)
    def isfinite(self) -> Any: return _ops().isfinite(self)
    def allclose(self, other: Any, rtol: float = 1e-5, atol: float = 1e-8,
                 equal_nan: bool = False) -> bool:
        return _ops().allclose(self, other, rtol, atol, equal_nan)
    def isclose(self, other: Any, rtol: float = 1e-5, atol: float = 1e-8,
                equal_nan: bool = False) -> Any:
        return _ops().isclose(self, other, rtol, atol, equal_nan)
    def equal(self, other: Any) -> bool: return _ops().equal(self, other)

    # ---- in-place forms -----------------------------------------------------------------
    def _write_result(self, what: str, compute: Callable[[], Any]) -> Any:
        """Compute out of place, then write the values into this tensor's array."""
        if grad_mode.enabled and (self._rg or self.grad_fn is not None):
            kind = "a leaf that requires grad" if self.grad_fn is None else \
                "a tensor that is part of a recorded graph"
            raise RuntimeError(
                f"in-place {what} on {kind} (shape {self.shape}) would silently break its "
                f"gradient: write it out of place (t = t.{what.split('(')[0].rstrip('_')}(...)),"
                " or inside `with xg.no_grad():` / on .detach()")
        result = compute()
        if result.shape != self.shape:
            raise ValueError(f"in-place {what}: result shape {result.shape} does not match the "
                             f"tensor's shape {self.shape}")
        if getattr(result, "_rg", False) and grad_mode.enabled:
            raise RuntimeError(f"in-place {what} with an argument that requires grad: write it "
                               "out of place")
        return self.copy_(result)

    def add_(self, other: Any, *, alpha: Any = 1) -> Any:
        return self._write_result("add_()", lambda: _ops().add(self, other, alpha=alpha))

    def sub_(self, other: Any, *, alpha: Any = 1) -> Any:
        return self._write_result("sub_()", lambda: _ops().sub(self, other, alpha=alpha))

    def mul_(self, other: Any) -> Any:
        return self._write_result("mul_()", lambda: _ops().mul(self, other))

    def div_(self, other: Any) -> Any:
        return self._write_result("div_()", lambda: _ops().truediv(self, other))

    def pow_(self, exponent: Any) -> Any:
        return self._write_result("pow_()", lambda: _ops().pow(self, exponent))

    def clamp_(self, min: Any = None, max: Any = None) -> Any:
        return self._write_result("clamp_()", lambda: _ops().clip(self, min, max))

    clip_ = clamp_

    def neg_(self) -> Any: return self._write_result("neg_()", lambda: _ops().neg(self))
    def abs_(self) -> Any: return self._write_result("abs_()", lambda: _ops().abs(self))
    def exp_(self) -> Any: return self._write_result("exp_()", lambda: _ops().exp(self))
    def log_(self) -> Any: return self._write_result("log_()", lambda: _ops().log(self))
    def sqrt_(self) -> Any: return self._write_result("sqrt_()", lambda: _ops().sqrt(self))
    def square_(self) -> Any: return self._write_result("square_()", lambda: _ops().square(self))
    def relu_(self) -> Any: return self._write_result("relu_()", lambda: _ops().relu(self))
    def sigmoid_(self) -> Any: return self._write_result("sigmoid_()", lambda: _ops().sigmoid(self))
    def tanh_(self) -> Any: return self._write_result("tanh_()", lambda: _ops().tanh(self))

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Any:
        """Fill with values drawn uniformly from [a, b) (the backend's seeded generator)."""
        return self._write_result("uniform_()", lambda: _factories().rand_like(self) * (b - a) + a)

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Any:
        """Fill with values drawn from N(mean, std^2)."""
        return self._write_result("normal_()", lambda: _factories().randn_like(self) * std + mean)
