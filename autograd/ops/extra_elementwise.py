"""Elementwise functions of PyTorch's top level that the core lacks: aliases (absolute, sgn,
true_divide), sign and NaN helpers (signbit, copysign, fmax, fmin, isposinf, ...), unit
conversions, logit, float_power, ldexp/frexp, nextafter, gcd/lcm and the bitwise family, and
the complex-number views of a real tensor (real, conj, adjoint, ...). Differentiable ones are
composites of Tensor ops; the others are constants, as in PyTorch."""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from ...dtypes import float64, int32
from ..function import Function, apply1
from ..tensor import Tensor
from ._util import NUMBER_TYPES, TorchValueError, as_operand, link_zero_grad, require_tensor
from .arithmetic import _default_float, sub, truediv, where
from .comparison import constant_op
from .promotion import promote_all, result_type_of, wrapped
from .elementwise import abs, floating, log, sign

__all__ = [
    "absolute", "sgn", "signbit", "copysign", "heaviside", "fmax", "fmin", "float_power",
    "true_divide", "rsub", "deg2rad", "rad2deg", "logit", "isneginf", "isposinf", "isreal",
    "ldexp", "frexp", "nextafter", "gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "real", "imag", "conj", "resolve_conj", "resolve_neg", "adjoint",
]


def _tensor_pair(op: str, a: Any, b: Any, promoted: bool = False,
                 floating: bool = False) -> tuple[Tensor, Tensor]:
    """Both operands as tensors on one device, refusing shapes that do not broadcast; with
    ``promoted``, cast to PyTorch's result type (a Python number is weak, and an int out of
    the dtype's range wraps), with ``floating`` to a float type."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    if promoted or floating:
        a, b = promote_all(a, b, floating=floating)
    else:
        a, b = (a, as_operand(b, a)) if isinstance(a, Tensor) else (as_operand(a, b), b)
    _check_broadcast(op, a, b)
    return a, b


def _check_broadcast(op: str, a: Tensor, b: Tensor) -> None:
    for m, n in zip(reversed(a.shape), reversed(b.shape)):
        if m != n and m != 1 and n != 1:
            raise ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot broadcast "
                             f"({a.dtype}{list(a.shape)} and {b.dtype}{list(b.shape)})")


def absolute(input: Tensor) -> Tensor:
    """Alias of abs. >>> xg.absolute(xg.tensor([-1.0]))  # tensor([1.])"""
    return abs(input)


def sgn(input: Tensor) -> Tensor:
    """sign(x) for a real tensor (x / |x| for complex in PyTorch); 0 at NaN, as PyTorch's.
    >>> xg.sgn(xg.tensor([-2.]))  # tensor([-1.])"""
    require_tensor(input, "sgn")
    out = sign(input)
    return where(input != input, 0.0, out) if input.dtype.is_floating else out


def true_divide(dividend: Any, divisor: Any) -> Tensor:
    """Alias of div (true division). >>> xg.true_divide(xg.tensor([3]), 2)  # tensor([1.5])"""
    return truediv(dividend, divisor)


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """other - alpha * input. >>> xg.rsub(xg.tensor([1.0]), 3.0)  # tensor([2.])"""
    return sub(other, input, alpha=alpha)


def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set (-0.0 and -NaN included); integers: x < 0.

    >>> xg.signbit(xg.tensor([-0.0, 1.0]))  # tensor([ True, False])
    """
    require_tensor(input, "signbit")
    if input.dtype.is_floating:
        return constant_op("signbit", input)
    if input.dtype.is_bool:
        return input != input
    return input < 0


def copysign(input: Any, other: Any) -> Tensor:
    """|input| with the sign (bit) of other; the gradient of other is 0, as in PyTorch.

    >>> xg.copysign(xg.tensor([1.0, 2.0]), -1.0)  # tensor([-1., -2.])
    """
    a, b = _tensor_pair("copysign", input, other, floating=True)
    magnitude = abs(a)
    out = where(signbit(b), -magnitude, magnitude)
    return link_zero_grad(out, b)


def heaviside(input: Tensor, values: Any) -> Tensor:
    """0 where input < 0, ``values`` where input == 0, 1 where input > 0 (NaN gives 0, as in
    PyTorch); a constant. >>> xg.heaviside(xg.tensor([-1.0, 0.0, 2.0]), xg.tensor(0.5))"""
    require_tensor(input, "heaviside")
    require_tensor(values, "heaviside")
    if input.dtype != values.dtype:
        raise TypeError(f"heaviside: input and values must have the same dtype, got "
                        f"{input.dtype} and {values.dtype}")
    x, v = input.detach(), values.detach()
    return where(x == 0, v, (x > 0).astype(x.dtype))


def _nan_ignoring(op: str, a: Any, b: Any, keep_a: Any) -> Tensor:
    for c in (a, b):                  # (torch takes no Python numbers): compare, never wrap
        other = b if c is a else a
        if c.__class__ is int and isinstance(other, Tensor):
            dtype = result_type_of((other, c))
            if dtype.is_integer and wrapped(c, dtype) != c:
                raise TorchValueError(f"{op}: value {c} cannot be converted to type {dtype} "
                                      "without overflow")
    a, b = _tensor_pair(op, a, b, promoted=True)
    if a.dtype.is_floating or b.dtype.is_floating:
        return where(keep_a(a, b) | (b != b), a, b)
    return where(keep_a(a, b), a, b)


def fmax(input: Any, other: Any) -> Tensor:
    """Elementwise max that ignores NaN (NaN only where both are NaN); ties go to input.

    >>> xg.fmax(xg.tensor([1.0, float("nan")]), xg.tensor([2.0, 0.0]))  # tensor([2., 0.])
    """
    return _nan_ignoring("fmax", input, other, lambda a, b: a >= b)


def fmin(input: Any, other: Any) -> Tensor:
    """Elementwise min that ignores NaN. >>> xg.fmin(xg.tensor([1.0]), xg.tensor([float("nan")]))"""
    return _nan_ignoring("fmin", input, other, lambda a, b: a <= b)


def float_power(input: Any, exponent: Any) -> Tensor:
    """input ** exponent computed in float64 (always a float64 result).

    >>> xg.float_power(xg.tensor([2]), 3).dtype  # xg.float64
    """
    a, b = _tensor_pair("float_power", input, exponent)
    if isinstance(exponent, NUMBER_TYPES) and not isinstance(exponent, bool):
        return a.astype(float64) ** float(exponent)
    if isinstance(input, NUMBER_TYPES) and not isinstance(input, bool):
        return float(input) ** b.astype(float64)
    return a.astype(float64) ** b.astype(float64)


def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians. >>> xg.deg2rad(xg.tensor([180.0]))  # tensor([3.1416])"""
    return floating(input) * (math.pi / 180.0)


def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees. >>> xg.rad2deg(xg.tensor([3.14159265]))  # tensor([180.])"""
    return floating(input) * (180.0 / math.pi)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given (gradient 0
    outside). >>> xg.logit(xg.tensor([0.5]))  # tensor([0.])"""
    require_tensor(input, "logit")
    return apply1(Logit, floating(input), None if eps is None else float(eps))


class Logit(Function):
    """PyTorch's gradient 1 / (x (1 - x)): NaN outside [0, 1] without eps (inf at 0 and 1),
    0 outside [eps, 1 - eps] with it (the clamp's flat parts)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, eps):
        if eps is not None:
            a = xp.clip(a, eps, 1.0 - eps)
        return xp.log(a / (1.0 - a))
    def backward(self, gy):
        x, = self.inputs
        eps = self.args[0]
        g = gy / (x * (1.0 - x))
        if eps is None:
            return where((x < 0.0) | (x > 1.0), math.nan, g)
        return where((x < eps) | (x > 1.0 - eps), 0.0, g)


def isposinf(input: Tensor) -> Tensor:
    """True where input is +inf. >>> xg.isposinf(xg.tensor([float("inf"), 1.0]))"""
    require_tensor(input, "isposinf")
    if not input.dtype.is_floating:
        return input != input
    return input == math.inf


def isneginf(input: Tensor) -> Tensor:
    """True where input is -inf. >>> xg.isneginf(xg.tensor([-float("inf"), 1.0]))"""
    require_tensor(input, "isneginf")
    if not input.dtype.is_floating:
        return input != input
    return input == -math.inf


def isreal(input: Tensor) -> Tensor:
    """True everywhere for a real tensor (xpgrad has no complex dtypes).
    >>> xg.isreal(xg.tensor([1.0]))  # tensor([True])"""
    require_tensor(input, "isreal")
    return constant_op("ones_like", input, dtype=input.backend.xp.bool)


def ldexp(input: Any, other: Any) -> Tensor:
    """input * 2 ** other. >>> xg.ldexp(xg.tensor([1.0]), xg.tensor([3]))  # tensor([8.])"""
    a, b = _tensor_pair("ldexp", input, other)
    a = _default_float(a)
    # the power in input's float dtype (2 ** -1029 is a float64 subnormal, 0 in float32), in
    # two factors so that ldexp(0.9, 1024) stays finite
    return _scale(a, b if b.dtype.is_floating else b.astype(a.dtype))


class FrexpResult(NamedTuple):
    mantissa: Tensor
    exponent: Tensor


def frexp(input: Tensor) -> FrexpResult:
    """(mantissa, exponent) with input = mantissa * 2 ** exponent and 0.5 <= |mantissa| < 1
    (0, inf and NaN keep exponent 0); exponent is int32. The mantissa's gradient is
    2 ** -exponent. >>> xg.frexp(xg.tensor([8.0]))  # (tensor([0.5]), tensor([4]))"""
    require_tensor(input, "frexp")
    if not input.dtype.is_floating:
        raise TypeError(f"frexp: only supports floating-point dtypes, got {input.dtype}")
    x = input.detach()
    finite = x.isfinite() & (x != 0)
    ax = where(finite, abs(x), 1.0)
    e = (log(ax) / math.log(2.0)).floor() + 1.0
    for _ in range(2):    # log2 may be off by one next to a power of two: fix it exactly
        m = _scale(ax, -e)
        e = where(m >= 1.0, e + 1.0, where(m < 0.5, e - 1.0, e))
    e = where(finite, e, 0.0)
    mantissa = _scale(input, -e)
    return FrexpResult(mantissa, e.astype(int32))


def _scale(x: Tensor, e: Tensor) -> Tensor:
    """x * 2 ** e for integer-valued e, in two factors so that neither overflows."""
    half = (e * 0.5).floor()
    return x * (2.0 ** half) * (2.0 ** (e - half))


def nextafter(input: Tensor, other: Any) -> Tensor:
    """The next representable value after input towards other (a constant).

    >>> xg.nextafter(xg.tensor([1.0]), xg.tensor([2.0])) - 1  # tensor([2.2204e-16]) (float64)
    """
    a, b = _tensor_pair("nextafter", input, other)
    if not a.dtype.is_floating or a.dtype != b.dtype:
        raise TypeError(f"nextafter: expected floating tensors of one dtype, got {a.dtype} and "
                        f"{b.dtype}")
    return constant_op("nextafter", a, b)


def _integers(op: str, a: Any, b: Any, allow_bool: bool) -> tuple[Tensor, Tensor]:
    a, b = _tensor_pair(op, a, b)
    for t in (a, b):
        if t.dtype.is_floating or (t.dtype.is_bool and not allow_bool):
            kinds = "integer or bool" if allow_bool else "integer"
            raise TypeError(f"{op}: expected {kinds} tensors, got {a.dtype} and {b.dtype}")
    if a.dtype.is_bool != b.dtype.is_bool:
        raise TypeError(f"{op}: cannot mix bool and integer tensors ({a.dtype} and {b.dtype})")
    return a, b


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """The greatest common divisor (non-negative; gcd(0, 0) = 0) of integer tensors.

    >>> xg.gcd(xg.tensor([4, -6]), xg.tensor([6, 4]))  # tensor([2, 2])
    """
    a, b = _integers("gcd", input, other, False)
    a, b = abs(a.detach()), abs(b.detach())
    a, b = a + b * 0, b + a * 0           # one broadcast shape and dtype for both
    # Euclid's steps; consecutive Fibonacci numbers (the worst case) need 92 of them in int64
    steps = {1: 12, 2: 23, 4: 46}.get(a.element_size(), 92)
    for _ in range(steps):
        nonzero = b != 0
        r = where(nonzero, a.remainder(where(nonzero, b, 1)), 0)
        a, b = where(nonzero, b, a), r
    return a


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """The least common multiple (non-negative; 0 if either is 0) of integer tensors.

    >>> xg.lcm(xg.tensor([4]), xg.tensor([6]))  # tensor([12])
    """
    a, b = _integers("lcm", input, other, False)
    g = gcd(a, b)
    a, b = a.detach(), b.detach()
    return where(g == 0, 0, abs(a.floor_divide(where(g == 0, 1, g)) * b))


def _kind(value: Any) -> str:
    return str(value.dtype) if isinstance(value, Tensor) else type(value).__name__


class BitwiseDtypeError(TypeError, NotImplementedError):
    """A bitwise op on a float (or a shift of bools): PyTorch's NotImplementedError ("... not
    implemented for 'Float'"), our earlier TypeError."""


def _bitwise(name: str, doc: str, allow_bool: bool = True) -> Any:
    def op(input: Any, other: Any) -> Tensor:
        # PyTorch's result type: bool & 3 is int64, uint8 & an int8 0-d tensor uint8
        a, b = _tensor_pair(name, input, other, promoted=True)
        if a.dtype.is_floating or (a.dtype.is_bool and not allow_bool):
            kinds = "integer or bool" if allow_bool else "integer"
            raise BitwiseDtypeError(f"{name}: expected {kinds} tensors, got "
                                    f"{_kind(input)} and {_kind(other)} (not implemented "
                                    f"for {a.dtype})")
        return constant_op(name, a, b)
    op.__name__ = name
    op.__doc__ = doc
    return op


bitwise_and = _bitwise("bitwise_and", "Bitwise AND of integer or bool tensors (as ``&``).\n\n"
                       "    >>> xg.bitwise_and(xg.tensor([12]), xg.tensor([10]))  # tensor([8])")
bitwise_or = _bitwise("bitwise_or", "Bitwise OR of integer or bool tensors.\n\n"
                      "    >>> xg.bitwise_or(xg.tensor([12]), xg.tensor([10]))  # tensor([14])")
bitwise_xor = _bitwise("bitwise_xor", "Bitwise XOR of integer or bool tensors (as ``^``).\n\n"
                       "    >>> xg.bitwise_xor(xg.tensor([12]), xg.tensor([10]))  # tensor([6])")
bitwise_left_shift = _bitwise("bitwise_left_shift", "Shift integer bits left (as ``<<``).\n\n"
                              "    >>> xg.bitwise_left_shift(xg.tensor([1, 2]), 1)  # [2, 4]",
                              allow_bool=False)
bitwise_right_shift = _bitwise("bitwise_right_shift", "Shift integer bits right, arithmetically "
                               "(as ``>>``).\n\n"
                               "    >>> xg.bitwise_right_shift(xg.tensor([4, -4]), 1)  # [2, -2]",
                               allow_bool=False)


def bitwise_not(input: Tensor) -> Tensor:
    """Bitwise NOT of an integer or bool tensor. >>> xg.bitwise_not(xg.tensor([0]))  # [-1]"""
    require_tensor(input, "bitwise_not")
    if input.dtype.is_floating:
        raise TypeError(f"bitwise_not: expected an integer or bool tensor, got {input.dtype}")
    return constant_op("bitwise_invert", input)


# ---- a real tensor seen as complex ----------------------------------------------------------
def real(input: Tensor) -> Tensor:
    """The real part: the tensor itself for a real dtype. >>> xg.real(x) is x  # True"""
    require_tensor(input, "real")
    return input


def imag(input: Tensor) -> Tensor:
    """The imaginary part: PyTorch refuses it for real tensors, and so does xpgrad."""
    require_tensor(input, "imag")
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes "
                       f"(got {input.dtype})")


def conj(input: Tensor) -> Tensor:
    """The complex conjugate: the tensor itself for a real dtype. >>> xg.conj(x) is x"""
    require_tensor(input, "conj")
    return input


def resolve_conj(input: Tensor) -> Tensor:
    """The tensor itself (a real tensor has no lazy conjugation). >>> xg.resolve_conj(x)"""
    require_tensor(input, "resolve_conj")
    return input


def resolve_neg(input: Tensor) -> Tensor:
    """The tensor itself (xpgrad has no lazy negation). >>> xg.resolve_neg(x)"""
    require_tensor(input, "resolve_neg")
    return input


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (a transpose for a real tensor).

    >>> xg.adjoint(xg.zeros(2, 3)).shape  # (3, 2)
    """
    require_tensor(input, "adjoint")
    if input.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {input.ndim}-D tensor.")
    return input.transpose(-2, -1)

