"""Unary float math beyond the core: trigonometric and hyperbolic functions and their
inverses, log2/log10/exp2, rsqrt, reciprocal, sinc. Integer and bool inputs give the default
float dtype, as in PyTorch."""
from __future__ import annotations

import math

from ..function import Function, apply1
from ..tensor import Tensor
from .arithmetic import where
from .elementwise import cos
from .math_special import _floating

__all__ = ["tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan", "sinh", "cosh", "asinh",
           "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "log2", "log10", "exp2", "rsqrt",
           "reciprocal", "sinc"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


class Tan(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return xp.tan(a)
    def backward(self, gy):
        y = self.output()
        return gy * (y * y + 1.0)


class Asin(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.asin(a)
    def backward(self, gy):
        x, = self.inputs
        return gy / (1.0 - x * x).sqrt()


class Acos(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.acos(a)
    def backward(self, gy):
        x, = self.inputs
        return -gy / (1.0 - x * x).sqrt()


class Atan(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.atan(a)
    def backward(self, gy):
        x, = self.inputs
        return gy / (x * x + 1.0)


class Sinh(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.sinh(a)
    def backward(self, gy): return gy * cosh(self.inputs[0])


class Cosh(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.cosh(a)
    def backward(self, gy): return gy * sinh(self.inputs[0])


class Asinh(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.asinh(a)
    def backward(self, gy):
        x, = self.inputs
        return gy / (x * x + 1.0).sqrt()


class Acosh(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.acosh(a)
    def backward(self, gy):
        x, = self.inputs
        # (x-1)(x+1): no cancellation near 1; + 0.0 makes x = -1 give +inf (not -inf, from
        # sqrt(-0)), as PyTorch's rsqrt(x * x - 1)
        return gy / ((x - 1.0) * (x + 1.0) + 0.0).sqrt()


class Atanh(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.atanh(a)
    def backward(self, gy):
        x, = self.inputs
        return gy / (1.0 - x * x)


class Log2(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.log2(a)
    def backward(self, gy): return gy / (self.inputs[0] * _LN2)


class Log10(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return xp.log10(a)
    def backward(self, gy): return gy / (self.inputs[0] * _LN10)


class Exp2(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return xp.pow(2.0, a)
    def backward(self, gy): return gy * self.output() * _LN2


class Rsqrt(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return 1.0 / xp.sqrt(a)
    def backward(self, gy):
        y = self.output()
        return gy * (y * y * y) * -0.5


class Reciprocal(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return 1.0 / a
    def backward(self, gy):
        y = self.output()
        return -gy * (y * y)


class Sinc(Function):
    """sin(pi x) / (pi x), 1 at 0; the slope (cos(pi x) - sinc(x)) / x is 0 at 0 (PyTorch),
    taken from its Taylor series near 0 where the closed form loses all its digits."""
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a):
        zero = a == 0
        px = math.pi * xp.where(zero, 1.0, a)
        return xp.where(zero, 1.0, xp.sin(px) / px)
    def backward(self, gy):
        x, = self.inputs
        u = x * math.pi
        small = u.abs() < 0.5          # near 0 the closed form cancels: use its Taylor series
        safe = where(small, 1.0, x)
        slope = (cos(safe * math.pi) - self.output()) / safe
        u2 = u * u
        series = u * (u2 * (u2 * (u2 * (1.0 / 45360) - 1.0 / 840) + 1.0 / 30) - 1.0 / 3) * math.pi
        return gy * where(small, series, slope)


# ---- public functions --------------------------------------------------------------------
def tan(input: Tensor) -> Tensor:
    """Tangent. >>> xg.tan(xg.tensor([0.0, 0.5]))  # tensor([0.    , 0.5463])"""
    return apply1(Tan, _floating(input, "tan"))


def asin(input: Tensor) -> Tensor:
    """Inverse sine on [-1, 1]. >>> xg.asin(xg.tensor([0.5]))  # tensor([0.5236])"""
    return apply1(Asin, _floating(input, "asin"))


def acos(input: Tensor) -> Tensor:
    """Inverse cosine on [-1, 1]. >>> xg.acos(xg.tensor([0.5]))  # tensor([1.0472])"""
    return apply1(Acos, _floating(input, "acos"))


def atan(input: Tensor) -> Tensor:
    """Inverse tangent. >>> xg.atan(xg.tensor([1.0]))  # tensor([0.7854])"""
    return apply1(Atan, _floating(input, "atan"))


def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine. >>> xg.sinh(xg.tensor([1.0]))  # tensor([1.1752])"""
    return apply1(Sinh, _floating(input, "sinh"))


def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine. >>> xg.cosh(xg.tensor([1.0]))  # tensor([1.5431])"""
    return apply1(Cosh, _floating(input, "cosh"))


def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine. >>> xg.asinh(xg.tensor([1.0]))  # tensor([0.8814])"""
    return apply1(Asinh, _floating(input, "asinh"))


def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine on [1, inf). >>> xg.acosh(xg.tensor([2.0]))  # tensor([1.3170])"""
    return apply1(Acosh, _floating(input, "acosh"))


def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent on (-1, 1). >>> xg.atanh(xg.tensor([0.5]))  # tensor([0.5493])"""
    return apply1(Atanh, _floating(input, "atanh"))


def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm. >>> xg.log2(xg.tensor([8.0]))  # tensor([3.])"""
    return apply1(Log2, _floating(input, "log2"))


def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm. >>> xg.log10(xg.tensor([100.0]))  # tensor([2.])"""
    return apply1(Log10, _floating(input, "log10"))


def exp2(input: Tensor) -> Tensor:
    """2 ** x. >>> xg.exp2(xg.tensor([3.0]))  # tensor([8.])"""
    return apply1(Exp2, _floating(input, "exp2"))


def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(x). >>> xg.rsqrt(xg.tensor([4.0]))  # tensor([0.5000])"""
    return apply1(Rsqrt, _floating(input, "rsqrt"))


def reciprocal(input: Tensor) -> Tensor:
    """1 / x (integers give the default float dtype). >>> xg.reciprocal(xg.tensor([4.0]))"""
    return apply1(Reciprocal, _floating(input, "reciprocal"))


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc sin(pi x) / (pi x), 1 at x = 0. >>> xg.sinc(xg.tensor([0.0, 0.5]))"""
    return apply1(Sinc, _floating(input, "sinc"))


arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh
