"""PyTorch's type promotion for the binary ops, done by xpgrad itself (NumPy's rules differ
and array_api_strict refuses mixed dtypes), plus the integer/bool semantics that go with it:
Python ints wrap around to the tensor's dtype, integer division by zero raises.

The result dtype is ``xg.result_type``'s: dimensioned tensors decide within their kind
(bool < integer < float), 0-d tensors and Python numbers only raise the kind. Each operand is
then cast from its own dtype straight to the computation dtype (so ``uint8 / int8`` divides
the original values in float32, as PyTorch does, not values wrapped to uint8 first).
"""
from __future__ import annotations

from typing import Any

from ...dtypes import DType, bool_, int64, promote_types
from ..tensor import Tensor
from ._util import NUMBER_TYPES, as_operand


def default_float() -> Any:
    from ..factories import get_default_dtype
    return get_default_dtype()


def _operand_dtype(value: Any) -> tuple[DType, int]:
    """(dtype, priority): a dimensioned tensor 2, a 0-d tensor 1, a Python number 0."""
    if isinstance(value, Tensor):
        return value.dtype, 2 if value.ndim else 1
    if isinstance(value, bool):
        return bool_, 0
    if isinstance(value, int):
        return int64, 0
    if isinstance(value, float):
        return default_float(), 0
    raise TypeError(f"result_type: expected a Tensor or a Python number, got "
                    f"{type(value).__name__}")


def _combine(higher: DType | None, lower: DType | None) -> DType | None:
    """PyTorch's rule for joining the dtype of a higher-priority group of operands with a
    lower one: a float stays; a bool, or a lower float, promotes; an integer stays."""
    if higher is None or lower is None:
        return lower if higher is None else higher
    if higher.is_floating:
        return higher
    if higher is bool_ or lower.is_floating:
        return promote_types(higher, lower)
    return higher


def result_type_of(values: Any) -> DType:
    """PyTorch's result type of any number of operands (Tensors and Python numbers):
    dimensioned tensors, then 0-d tensors, then numbers, each group only raising the kind."""
    groups: list = [None, None, None]          # Python numbers, 0-d tensors, dimensioned
    for value in values:
        dt, priority = _operand_dtype(value)
        known = groups[priority]
        groups[priority] = dt if known is None else promote_types(known, dt)
    out = _combine(groups[2], _combine(groups[1], groups[0]))
    if out is None:
        raise TypeError("result_type: expected at least one operand")
    return out


def wrapped(c: int, dtype: Any) -> int:
    """A Python int outside an integer dtype's range wraps around as PyTorch's does
    (int8 tensor + 200 adds -56); NumPy would raise OverflowError."""
    bits = 8 * dtype.itemsize
    low = -(1 << (bits - 1)) if dtype.is_signed else 0
    if low <= c < low + (1 << bits):
        return c
    return (c - low) % (1 << bits) + low


def scalar_as(c: Any, dtype: Any) -> Any:
    """A Python number as the dtype's kind: float, bool, or an int wrapped to its range."""
    if dtype.is_floating:
        return float(c)
    if dtype.is_bool:
        return bool(c)
    return wrapped(int(c), dtype)


def cast(t: Tensor, dtype: Any) -> Tensor:
    return t if t.dtype is dtype else t.astype(dtype)


def pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Two tensors on one device (a number, list or host array joins the tensor's device)."""
    if isinstance(a, Tensor):
        return a, as_operand(b, a)
    if isinstance(b, Tensor):
        return as_operand(a, b), b
    raise TypeError(f"expected at least one Tensor operand, got {type(a).__name__} and "
                    f"{type(b).__name__}")


def _weak(value: Any, like: Tensor) -> Any:
    """A Python number stays one (a weak operand for result_type); anything else a tensor."""
    return value if isinstance(value, NUMBER_TYPES) else as_operand(value, like)


def promote_all(*values: Any, floating: bool = False,
                like: Tensor | None = None) -> tuple[Tensor, ...]:
    """The operands as tensors of one dtype, PyTorch's result type (with ``floating``, an
    integer or bool result becomes the default float dtype, as true division does). Numbers
    become tensors on the first tensor's device (or ``like``'s, when all are numbers)."""
    like = next((v for v in values if isinstance(v, Tensor)), like)
    if like is None:
        raise TypeError(f"expected at least one Tensor operand, got "
                        f"{', '.join(type(v).__name__ for v in values)}")
    values = tuple(_weak(v, like) for v in values)
    dt = like.data.dtype
    if not floating and all(v.data.dtype is dt for v in values if isinstance(v, Tensor)) and (
            like.dtype.is_floating or all(isinstance(v, Tensor) for v in values)):
        # tensors of one dtype, and numbers beside a floating one (weak: they take its dtype)
        return tuple(v if isinstance(v, Tensor) else as_operand(v, like) for v in values)
    target = result_type_of(values)
    if floating and not target.is_floating:
        target = default_float()
    from ..function import backend_call
    from ..tensor import make_tensor
    out = []
    for v in values:
        if isinstance(v, Tensor):
            out.append(cast(v, target))
        else:
            array = backend_call(like._backend.asarray, scalar_as(v, target), target)
            out.append(make_tensor(array, like._backend, False, None))
    return tuple(out)


def promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Two tensors cast to PyTorch's result dtype (a 0-d tensor gives way to a dimensioned
    one of the same kind: float32 vector * float64 0-d tensor is float32)."""
    if a.data.dtype is b.data.dtype:
        return a, b
    target = result_type_of((a, b))
    return cast(a, target), cast(b, target)


def promote_floating(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """As promote, but an integer or bool result type becomes the default float dtype; each
    operand is cast straight from its own dtype."""
    target = result_type_of((a, b))
    if not target.is_floating:
        target = default_float()
    return cast(a, target), cast(b, target)


def with_number(t: Tensor, c: Any, true_division: bool = False) -> tuple[Tensor, Any]:
    """A tensor and a Python number, converted for a scalar op: the tensor cast to the result
    dtype (int tensor * 2.5 is the default float; bool tensor + 3 is int64), the number to a
    Python value of that dtype (ints wrap around, as in PyTorch)."""
    dtype = t.dtype
    if dtype.is_floating:                          # the common cases, without the table
        return t, float(c)
    if dtype.is_integer and not true_division and type(c) is int:
        return t, wrapped(c, dtype)
    target = result_type_of((t, c))
    if true_division and not target.is_floating:
        target = default_float()
    t = cast(t, target)
    return t, scalar_as(c, target)


def kind_name(t: Any) -> str:
    if isinstance(t, Tensor):
        return f"{t.dtype}{list(t.shape)}"
    return type(t).__name__


class BoolArithmeticError(TypeError, RuntimeError):
    """Subtraction or negation of a bool tensor: PyTorch raises a RuntimeError; earlier
    xpgrad releases a TypeError, so it is both."""


def check_bool_sub(op: str, a: Any, b: Any) -> None:
    """PyTorch refuses subtraction with a bool operand (tensor or Python bool)."""
    if a.__class__ is bool or b.__class__ is bool or (isinstance(a, Tensor) and a.dtype.is_bool) \
            or (isinstance(b, Tensor) and b.dtype.is_bool):
        raise BoolArithmeticError(
            f"{op}: subtraction, the `-` operator, with a bool tensor is not supported "
            f"(got {kind_name(a)} and {kind_name(b)}). If you are trying to invert a mask, "
            "use the `~` or `logical_not()` operator instead.")


def refuse_bool(op: str, *values: Any) -> None:
    """PyTorch has no bool kernel for pow/floor_divide/remainder/fmod of two bool operands."""
    raise NotImplementedError(f"{op}: not implemented for bool operands (got "
                              f"{', '.join(kind_name(v) for v in values)}); convert with "
                              ".int() or .float() first")


def check_integer_divisor(op: str, a: Tensor, b: Any) -> None:
    """Integer division (//, %, fmod, div with rounding_mode) by zero raises, as PyTorch does
    on the CPU (NumPy would give 0 with a warning). A tensor divisor is read on the host
    (skipped while xg.compile records, where no value can be read)."""
    if isinstance(b, NUMBER_TYPES):
        zero = b == 0
    else:
        from .. import function
        if function.tracer is not None and function.tracer.active():
            return
        xp = b._backend.xp
        zero = bool(b._backend.to_host(xp.any(b.data == 0)))
    if zero:
        raise RuntimeError(f"ZeroDivisionError: {op}: integer division by zero "
                           f"({kind_name(a)} by {kind_name(b)})")


def int_pow(xp, a, b):
    """Integer a ** b as PyTorch's: where b < 0, 1 for a == 1, +-1 for a == -1, else 0."""
    if not xp.isdtype(b.dtype, "signed integer"):
        return xp.pow(a, b)
    negative = b < 0
    out = xp.pow(a, xp.where(negative, xp.zeros_like(b), b))
    one = xp.ones_like(out)
    odd = xp.remainder(b, 2) != 0
    special = xp.where(a == 1, one, xp.where(a == -1, xp.where(odd, -one, one),
                                             xp.zeros_like(out)))
    return xp.where(negative, special, out)
