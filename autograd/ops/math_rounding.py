"""Rounding and modular arithmetic: floor, ceil, round, trunc/fix, frac, remainder, fmod,
floor_divide, nan_to_num.

As in PyTorch: floor/ceil/round/trunc have gradient 0 and frac gradient 1; integer inputs come
back with their dtype (a copy); remainder takes the sign of the divisor (Python's %), fmod the
sign of the dividend (C's fmod); floor_divide gives a constant (no gradient). Integer division
by zero raises, as PyTorch's does on the CPU (NumPy would give 0 with a warning).
"""
from __future__ import annotations

from typing import Any

from ..function import Function, apply1, apply2
from ..tensor import Tensor
from ._util import NUMBER_TYPES, as_operand, link_zero_grad, require_tensor, zero_slope
from .arithmetic import _with_number, promote, truediv, where
from .promotion import check_integer_divisor, pair, refuse_bool
from .comparison import constant_op

__all__ = ["floor", "ceil", "round", "trunc", "fix", "frac", "remainder", "fmod",
           "floor_divide", "nan_to_num"]


class Floor(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.floor(a)
    def backward(self, gy): return zero_slope(gy)


class Ceil(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.ceil(a)
    def backward(self, gy): return zero_slope(gy)


class Trunc(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.trunc(a)
    def backward(self, gy): return zero_slope(gy)


class Round(Function):
    """Half to even, at ``decimals`` digits: round(x * 10^d) / 10^d (PyTorch's form)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, decimals):
        if decimals == 0:
            return xp.round(a)
        if decimals > 0:
            scale = 10.0 ** decimals
            return xp.round(a * scale) / scale
        scale = 10.0 ** -decimals
        return xp.round(a / scale) * scale
    def backward(self, gy): return zero_slope(gy)


class Frac(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return a - xp.trunc(a)
    def backward(self, gy): return gy


def _rounding(cls: type, x: Any, op: str, *args: Any) -> Tensor:
    require_tensor(x, op)
    if x.dtype.is_floating:
        return apply1(cls, x, *args)
    if x.dtype.is_bool:
        raise TypeError(f"{op}: not supported for bool tensors (shape {x.shape}); convert with "
                        ".astype(xg.float32) or .astype(xg.int64)")
    return constant_op("asarray", x, copy=True)


def floor(input: Tensor) -> Tensor:
    """The largest integer <= x (gradient 0). >>> xg.floor(xg.tensor([-1.5, 1.5]))  # [-2., 1.]"""
    return _rounding(Floor, input, "floor")


def ceil(input: Tensor) -> Tensor:
    """The smallest integer >= x (gradient 0). >>> xg.ceil(xg.tensor([-1.5, 1.5]))  # [-1., 2.]"""
    return _rounding(Ceil, input, "ceil")


def trunc(input: Tensor) -> Tensor:
    """Round toward zero (gradient 0). >>> xg.trunc(xg.tensor([-1.5, 1.5]))  # [-1., 1.]"""
    return _rounding(Trunc, input, "trunc")


fix = trunc


def round(input: Tensor, decimals: int = 0) -> Tensor:
    """Round half to even at ``decimals`` digits (negative: tens, hundreds, ...); gradient 0.

    >>> xg.round(xg.tensor([0.5, 1.5, 2.5]))  # tensor([0., 2., 2.])
    """
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an int, got {decimals!r}")
    require_tensor(input, "round")
    if decimals != 0 and not input.dtype.is_floating:
        raise TypeError(f"round: decimals={decimals} is not supported for integer tensors "
                        f"({input.dtype}{list(input.shape)}), as in PyTorch")
    return _rounding(Round, input, "round", decimals)


def frac(input: Tensor) -> Tensor:
    """x - trunc(x), with the sign of x (gradient 1). >>> xg.frac(xg.tensor([-1.25, 2.5]))"""
    require_tensor(input, "frac")
    if not input.dtype.is_floating and not input.dtype.is_bool:
        return constant_op("zeros_like", input)
    return _rounding(Frac, input, "frac")


# ---- remainder, fmod, floor_divide --------------------------------------------------------
def _quotient(name: str, a: Any, b: Any) -> Tensor:
    """The constant rounded quotient a / b (floor or trunc) that the gradients need."""
    a = a.detach() if isinstance(a, Tensor) else a
    b = b.detach() if isinstance(b, Tensor) else b
    if name == "floor":
        return floor_divide(a, b)
    if not isinstance(a, Tensor):
        a = as_operand(a, b)
    return trunc(a / b)


class Remainder(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return xp.remainder(a, b)
    def backward(self, gy):
        a, b = self.inputs
        return (gy if a._rg else None), (-gy * _quotient("floor", a, b) if b._rg else None)


class RemainderScalar(Function):          # x % c
    __slots__ = ()
    @staticmethod
    def forward(xp, a, c): return xp.remainder(a, c)
    def backward(self, gy): return gy


class RRemainderScalar(Function):         # c % x
    __slots__ = ()
    @staticmethod
    def forward(xp, a, c): return c % a
    def backward(self, gy): return -gy * _quotient("floor", self.args[0], self.inputs[0])


def _fmod(xp: Any, a: Any, b: Any) -> Any:
    """C's fmod from the standard's remainder: exact (|a| mod |b| needs no correction)."""
    if xp.isdtype(a.dtype, "real floating"):
        return xp.copysign(xp.remainder(xp.abs(a), xp.abs(b)), a)
    r = xp.remainder(a, b)
    return xp.where((r != 0) & ((a < 0) != (b < 0)), r - b, r)


class Fmod(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return _fmod(xp, a, b)
    def backward(self, gy):
        a, b = self.inputs
        return (gy if a._rg else None), (-gy * _quotient("trunc", a, b) if b._rg else None)


class FmodScalar(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, c):
        if xp.isdtype(a.dtype, "real floating"):
            return xp.copysign(xp.remainder(xp.abs(a), abs(c)), a)
        r = xp.remainder(a, c)
        return xp.where((r != 0) & ((a < 0) != (c < 0)), r - c, r)
    def backward(self, gy): return gy


def _operands(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    """The operands of //, %, fmod in PyTorch's result dtype (one may stay a Python number);
    bool / bool is refused and an integer division by zero raises, as in PyTorch."""
    if isinstance(a, Tensor) and isinstance(b, NUMBER_TYPES):
        a, b = _with_number(a, b, False)
        t = a
    elif isinstance(b, Tensor) and isinstance(a, NUMBER_TYPES):
        b, a = _with_number(b, a, False)
        t = b
    else:
        if not isinstance(a, Tensor):
            require_tensor(b, op)
        a, b = promote(*pair(a, b))
        t = a
    if t.dtype.is_bool:
        refuse_bool(op, a, b)
    if not t.dtype.is_floating:
        check_integer_divisor(op, t, b)
    return a, b


def remainder(input: Any, other: Any) -> Tensor:
    """input - floor(input / other) * other: the sign of the divisor, as Python's ``%``.

    >>> xg.remainder(xg.tensor([-3.0, 3.0]), 2.0)  # tensor([1., 1.])
    """
    a, b = _operands("remainder", input, other)
    if not isinstance(b, Tensor):
        return apply1(RemainderScalar, a, b)
    if not isinstance(a, Tensor):
        return apply1(RRemainderScalar, b, a)
    return apply2(Remainder, a, b)


def fmod(input: Tensor, other: Any) -> Tensor:
    """input - trunc(input / other) * other: the sign of the dividend, as C's fmod.

    >>> xg.fmod(xg.tensor([-3.0, 3.0]), 2.0)  # tensor([-1., 1.])
    """
    require_tensor(input, "fmod")
    a, b = _operands("fmod", input, other)
    if not isinstance(b, Tensor):
        return apply1(FmodScalar, a, b)
    return apply2(Fmod, a, b)


def floor_divide(input: Any, other: Any) -> Tensor:
    """floor(input / other) as Python's ``//`` (a constant: no gradient).

    >>> xg.floor_divide(xg.tensor([-3.0, 3.0]), 2.0)  # tensor([-2., 1.])
    """
    a, b = _operands("floor_divide", input, other)
    if not isinstance(a, Tensor):
        a = as_operand(a, b)
    return constant_op("floor_divide", a, b)


def div(a: Any, b: Any, *, rounding_mode: str | None = None) -> Tensor:
    """a / b, or the quotient rounded by ``rounding_mode`` 'trunc' or 'floor' (integers stay
    integers then, and the gradient is 0, as PyTorch's)."""
    if rounding_mode is None:
        return truediv(a, b)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    q = floor_divide(a, b)
    if q.dtype.is_floating:
        q = trunc(truediv(a, b)) if rounding_mode == "trunc" else q
        for t in (t for t in (a, b) if isinstance(t, Tensor)):
            q = link_zero_grad(q, t)
    elif rounding_mode == "trunc":     # floor, plus 1 where an inexact quotient is negative
        q = where((q * b != a) & (q < 0), q + 1, q)
    return q


divide = div


# ---- nan_to_num ---------------------------------------------------------------------------
_LARGEST = {"float16": 65504.0, "float32": 3.4028234663852886e38,
            "float64": 1.7976931348623157e308}


class NanToNum(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, nan, posinf, neginf):
        out = xp.where(a == float("inf"), posinf, a)
        out = xp.where(a == -float("inf"), neginf, out)
        return xp.where(xp.isnan(a), nan, out)
    def backward(self, gy):
        return gy * self.inputs[0].isfinite().astype(gy.dtype)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's largest
    finite values); the gradient passes where the input is finite.

    >>> xg.nan_to_num(xg.tensor([float("nan"), 1.0]))  # tensor([0., 1.])
    """
    require_tensor(input, "nan_to_num")
    if not input.dtype.is_floating:
        return constant_op("asarray", input, copy=True)
    largest = _LARGEST[input.dtype.name]
    posinf = largest if posinf is None else float(posinf)
    neginf = -largest if neginf is None else float(neginf)
    return apply1(NanToNum, input, float(nan), posinf, neginf)
