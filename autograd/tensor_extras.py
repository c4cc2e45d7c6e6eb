"""PyTorch's smaller Tensor conveniences: ``new_*`` factories, dtype queries, method spellings
of comparison and arithmetic ops, and the in-place ``*_`` forms.

Kept apart from tensor.py (the hot path) for size; Tensor inherits these methods.

In-place forms write into the tensor's own array, so views and aliases see the change, as in
PyTorch. On a tensor that is part of a graph (or with an argument that requires grad) they
are recorded as a new node, as ``t[...] = v`` is (tensor_mutation.py); on a leaf that requires
grad they are refused, as PyTorch refuses them.
"""
from __future__ import annotations

import math
from typing import Any, Callable

_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _ops() -> Any:
    from . import ops             # ops import tensor.py, which imports this module
    return ops


def _factories() -> Any:
    from . import factories
    return factories


_MANTISSA = {16: 11, 32: 24, 64: 53}      # binary digits of the significand, by float width


def _factories_extra() -> Any:
    from . import factories_extra
    return factories_extra


def _float_of(t: Any) -> Any:
    """The dtype random draws for ``t`` are made in: its own if floating, else float64."""
    return t.dtype if t.dtype.is_floating else "float64"


def _uniform(t: Any) -> Any:
    return _factories().rand_like(t, dtype=_float_of(t))


class _DimError(IndexError, ValueError):
    """A dim out of range: torch's IndexError, this API's earlier ValueError."""


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

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the elements lie in row-major order (torch's rule: size-1 dims do not
        count). >>> xg.ones(2, 3).t().is_contiguous()  # False"""
        from .views import is_contiguous, strides_of
        return is_contiguous(tuple(self.shape), strides_of(self))

    def stride(self, dim: Any = None) -> Any:
        """Strides in elements, as torch's: the array's own on NumPy and CuPy (a transpose
        has (1, n)), row-major on a backend without strides.
        >>> xg.ones(2, 3).stride()  # (3, 1)"""
        from .views import strides_of
        strides = strides_of(self)
        if dim is None:
            return strides
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"stride(): dim must be an int, got {dim!r}")
        n = max(self.ndim, 1)
        if not -n <= dim < n:
            raise _DimError(f"stride: axis {dim} is out of range (expected to be in range "
                            f"of [{-n}, {n - 1}], but got {dim})")
        return strides[dim] if self.ndim else 1

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

    def divide(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        return _ops().div(self, other, rounding_mode=rounding_mode)
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
    def _write_result(self, what: str, compute: Callable[[Any], Any], value: Any = None) -> Any:
        """Make this tensor hold ``compute(self)``: written into its array when no graph is
        involved (views and aliases see it), else recorded as a new graph node, as PyTorch
        records an in-place op (see TensorMutation._rebind); refused on a leaf that requires
        grad. The result keeps this tensor's dtype, as PyTorch's in-place ops do."""
        def checked(t: Any) -> Any:
            result = compute(t)
            if tuple(result.shape) != tuple(self.shape):
                raise ValueError(f"in-place {what}: result shape {result.shape} does not match "
                                 f"the tensor's shape {self.shape}")
            if result.dtype != self.dtype:
                if result.dtype.is_floating and not self.dtype.is_floating:
                    raise RuntimeError(f"in-place {what}: the result type {result.dtype} can't be "
                                       f"cast to the tensor's dtype {self.dtype}")
                result = result.astype(self.dtype)
            return result
        self._rebind(what, checked, value)
        return self

    def add_(self, other: Any, *, alpha: Any = 1) -> Any:
        return self._write_result("add_()", lambda t: _ops().add(t, other, alpha=alpha), other)

    def sub_(self, other: Any, *, alpha: Any = 1) -> Any:
        return self._write_result("sub_()", lambda t: _ops().sub(t, other, alpha=alpha), other)

    def mul_(self, other: Any) -> Any:
        return self._write_result("mul_()", lambda t: _ops().mul(t, other), other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        return self._write_result(
            "div_()", lambda t: _ops().div(t, other, rounding_mode=rounding_mode), other)

    def pow_(self, exponent: Any) -> Any:
        return self._write_result("pow_()", lambda t: _ops().pow(t, exponent), exponent)

    def clamp_(self, min: Any = None, max: Any = None) -> Any:
        return self._write_result("clamp_()", lambda t: _ops().clip(t, min, max))

    clip_ = clamp_

    def neg_(self) -> Any: return self._write_result("neg_()", lambda t: _ops().neg(t))
    def abs_(self) -> Any: return self._write_result("abs_()", lambda t: _ops().abs(t))
    def exp_(self) -> Any: return self._write_result("exp_()", lambda t: _ops().exp(t))
    def log_(self) -> Any: return self._write_result("log_()", lambda t: _ops().log(t))
    def sqrt_(self) -> Any: return self._write_result("sqrt_()", lambda t: _ops().sqrt(t))
    def square_(self) -> Any: return self._write_result("square_()", lambda t: _ops().square(t))
    def relu_(self) -> Any: return self._write_result("relu_()", lambda t: _ops().relu(t))
    def sigmoid_(self) -> Any: return self._write_result("sigmoid_()", lambda t: _ops().sigmoid(t))
    def tanh_(self) -> Any: return self._write_result("tanh_()", lambda t: _ops().tanh(t))

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Any:
        """Fill with values drawn uniformly from [a, b) (the backend's seeded generator)."""
        return self._write_result("uniform_()",
                                  lambda t: _factories().rand_like(t) * (b - a) + a)

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Any:
        """Fill with values drawn from N(mean, std^2)."""
        return self._write_result("normal_()", lambda t: _factories().randn_like(t) * std + mean)

    def bernoulli_(self, p: Any = 0.5) -> Any:
        """Fill with 1 where a uniform draw is below ``p`` (a number or a tensor), else 0."""
        return self._write_result("bernoulli_()", lambda t: (_uniform(t) < p).astype(t.dtype))

    def exponential_(self, lambd: float = 1.0) -> Any:
        """Fill with draws from the exponential distribution of rate ``lambd``."""
        return self._write_result("exponential_()",
                                  lambda t: -_ops().log1p(-_uniform(t)) / lambd)

    def geometric_(self, p: float) -> Any:
        """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
        return self._write_result("geometric_()", lambda t: _ops().ceil(
            _ops().log1p(-_uniform(t)) / math.log1p(-p)).clip(1, None))

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0) -> Any:
        """Fill with draws from the Cauchy distribution."""
        return self._write_result("cauchy_()", lambda t: _ops().tan(
            math.pi * (_uniform(t) - 0.5)) * sigma + median)

    def log_normal_(self, mean: float = 1.0, std: float = 2.0) -> Any:
        """Fill with exp of N(mean, std^2) draws."""
        return self._write_result("log_normal_()", lambda t: _ops().exp(
            _factories().randn_like(t, dtype=_float_of(t)) * std + mean))

    def random_(self, from_: int = 0, to: Any = None) -> Any:
        """Fill with integers drawn uniformly from [from_, to - 1] (``random_(to)`` is
        [0, to - 1]; with no bound, [0, 2^mantissa] for floats and the dtype's max for ints)."""
        if to is None and from_ != 0:
            from_, to = 0, from_
        if to is None:
            dt = self.dtype
            bits = 8 * dt.itemsize
            to = 2 ** _MANTISSA[bits] + 1 if dt.is_floating else (2 if dt.is_bool else (
                2 ** (bits - 1) - 1 if dt.name.startswith("int") else 2 ** bits - 1))
        return self._write_result("random_()", lambda t: _factories_extra().randint_like(
            t, from_, to, dtype="int64").astype(t.dtype))

    # ---- printing and type names (PyTorch's) ---------------------------------------------
    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a one-element tensor's value, as PyTorch's."""
        if self.size == 1 and self.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        from . import function as _function
        if _function.tracer is not None and _function.tracer.active():
            return (f"tensor(<traced by xg.compile>, shape={tuple(self.shape)}, "
                    f"dtype={self.dtype}, device={self.device})")
        host = self._backend.to_host(self.data)
        body = repr(host)
        if body.startswith("array("):
            body = body[len("array("):].rstrip()
            cut = body.rfind("dtype=")          # NumPy may put it on a line of its own
            body = body[:cut].rstrip().rstrip(",") if cut != -1 else body[:-1]
            body = body.replace("\n      ", "\n       ")
        extra = [f"dtype={self.dtype}", f"device={self.device}"]
        if self.grad_fn is not None:
            extra.append(f"grad_fn=<{type(self.grad_fn).__name__}Backward>")
        elif self._rg:
            extra.append("requires_grad=True")
        return f"tensor({body}, {', '.join(extra)})"

    def type(self, dtype: Any = None) -> Any:
        """Without a dtype, PyTorch's type name ('xpgrad.FloatTensor'); with one (a dtype, a
        legacy type such as xg.LongTensor, or its name, 'torch.LongTensor' too), a cast."""
        if dtype is None:
            return f"xpgrad.{_TYPE_NAMES.get(self.dtype.name, self.dtype.name)}Tensor"
        from .tensor_types import legacy_type
        kind = legacy_type(dtype)
        return self.astype(kind.dtype if kind is not None else dtype)

