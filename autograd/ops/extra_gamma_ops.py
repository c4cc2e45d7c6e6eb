"""The differentiable gamma/Bessel ops (Function classes and public functions) over the
array math of extra_gamma.py: lgamma' = digamma, digamma' = polygamma(1), polygamma(n)' =
polygamma(n + 1), i0' = i1, i1' = i0 - i1 / x, erfcx' = 2 x erfcx - 2 / sqrt(pi). Backwards are
written with these same ops, so every order of derivative is available."""
from __future__ import annotations

import math
from typing import Any

from ..function import Function, apply1, apply2
from .extra_gamma import (_LOG_PI, digamma_array, erfcx_array, i0_array, i0e_array, i1_array,
                          i1e_array, lgamma_array, ndtri_array, polygamma_array,
                          zeta_array)
from .math_special import _TWO_OVER_SQRT_PI

_SQRT_2PI = math.sqrt(2.0 * math.pi)

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "i0"]
SPECIAL_ONLY = ["i1", "i0e", "i1e", "erfcx", "zeta", "ndtri"]     # xg.special only, as in torch


# ---- Functions ----------------------------------------------------------------------------
class Lgamma(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return lgamma_array(xp, a)
    def backward(self, gy): return gy * apply1(Digamma, self.inputs[0])


class Digamma(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return digamma_array(xp, a)
    def backward(self, gy): return gy * apply1(Polygamma, self.inputs[0], 1)


class Polygamma(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, n): return polygamma_array(xp, a, n)
    def backward(self, gy): return gy * apply1(Polygamma, self.inputs[0], self.args[0] + 1)


class I0(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return i0_array(xp, a)
    def backward(self, gy): return gy * apply1(I1, self.inputs[0])


def _over_x(value: Any, x: Any, at_zero: float) -> Any:
    """value / x, with ``at_zero`` where x == 0 (the limit of the whole expression)."""
    from .arithmetic import where
    zero = x == 0
    return where(zero, at_zero, value / where(zero, 1.0, x))


class I1(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return i1_array(xp, a)
    def backward(self, gy):
        x = self.inputs[0]
        i1 = apply1(I1, x)
        # I1' = I0 - I1 / x, which is 1/2 at 0 (I1(x) / x -> 1/2)
        from .arithmetic import where
        return gy * where(x == 0, 0.5, apply1(I0, x) - _over_x(i1, x, 0.0))


class I0e(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return i0e_array(xp, a)
    def backward(self, gy):
        x = self.inputs[0]
        return gy * (apply1(I1e, x) - x.sign() * apply1(I0e, x))


class I1e(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return i1e_array(xp, a)
    def backward(self, gy):
        x = self.inputs[0]
        i1e = apply1(I1e, x)
        from .arithmetic import where
        slope = apply1(I0e, x) - i1e * x.sign() - _over_x(i1e, x, 0.0)
        return gy * where(x == 0, 0.5, slope)


class Erfcx(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return erfcx_array(xp, a)
    def backward(self, gy):
        x = self.inputs[0]
        return gy * (2.0 * x * apply1(Erfcx, x) - _TWO_OVER_SQRT_PI)


class Ndtri(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return ndtri_array(xp, a)
    def backward(self, gy):
        x = self.output()           # 1 / pdf(x) = sqrt(2 pi) exp(x^2 / 2)
        return gy * (x * x * 0.5).exp() * _SQRT_2PI


class Zeta(Function):
    """The Hurwitz zeta function; no derivative (as PyTorch's special.zeta)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, s, q):
        s, q = xp.broadcast_arrays(s, q)
        dtype = xp.result_type(s, q)
        out = zeta_array(xp, xp.astype(s, xp.float64), xp.astype(q, xp.float64))
        return xp.astype(out, dtype)


def zeta_op(s: Any, q: Any) -> Any:
    """Run Zeta without a graph node (its result is a constant)."""
    from ..grad_mode import no_grad
    with no_grad():
        return apply2(Zeta, s, q)


# ---- public functions ---------------------------------------------------------------------
def _float_input(x: Any, op: str) -> Any:
    from .math_special import _floating
    return _floating(x, op)


def lgamma(input: Any) -> Any:
    """log|Gamma(x)|; its derivative is digamma. >>> xg.lgamma(xg.tensor([0.5]))  # [0.5724]"""
    return apply1(Lgamma, _float_input(input, "lgamma"))


def digamma(input: Any) -> Any:
    """psi(x) = d/dx lgamma(x). >>> xg.digamma(xg.tensor([1.0]))  # tensor([-0.5772])"""
    return apply1(Digamma, _float_input(input, "digamma"))


def polygamma(n: int, input: Any) -> Any:
    """The n-th derivative of digamma (polygamma(0, x) is digamma).

    >>> xg.polygamma(1, xg.tensor([1.0]))  # tensor([1.6449]) (pi^2 / 6)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative int, got {n!r}")
    x = _float_input(input, "polygamma")
    return apply1(Digamma, x) if n == 0 else apply1(Polygamma, x, n)


def mvlgamma(input: Any, p: int) -> Any:
    """The multivariate log-gamma of dimension p: sum_j lgamma(x - j/2) + p(p-1)/4 log(pi).

    >>> xg.mvlgamma(xg.tensor([2.5]), 2)  # tensor([1.4235])
    """
    if isinstance(p, bool) or not isinstance(p, int) or p < 1:
        raise ValueError(f"mvlgamma: p has to be greater than or equal to 1, got {p!r}")
    x = _float_input(input, "mvlgamma")
    out = lgamma(x)
    for j in range(1, p):
        out = out + lgamma(x - 0.5 * j)
    return out + p * (p - 1) / 4.0 * _LOG_PI


def i0(input: Any) -> Any:
    """The modified Bessel function of the first kind, order 0; its derivative is i1.

    >>> xg.i0(xg.tensor([1.0]))  # tensor([1.2661])
    """
    return apply1(I0, _float_input(input, "i0"))


def i1(input: Any) -> Any:
    """The modified Bessel function of the first kind, order 1. >>> xg.special.i1(x)"""
    return apply1(I1, _float_input(input, "i1"))


def i0e(input: Any) -> Any:
    """exp(-|x|) i0(x). >>> xg.special.i0e(xg.tensor([1.0]))  # tensor([0.4658])"""
    return apply1(I0e, _float_input(input, "i0e"))


def i1e(input: Any) -> Any:
    """exp(-|x|) i1(x). >>> xg.special.i1e(xg.tensor([1.0]))  # tensor([0.2079])"""
    return apply1(I1e, _float_input(input, "i1e"))


def erfcx(input: Any) -> Any:
    """exp(x^2) erfc(x), the scaled complementary error function (finite for large x).

    >>> xg.special.erfcx(xg.tensor([30.0]))  # tensor([0.0188])
    """
    return apply1(Erfcx, _float_input(input, "erfcx"))


def zeta(input: Any, other: Any) -> Any:
    """The Hurwitz zeta function sum_k (k + other)^-input (a constant, as PyTorch's).

    >>> xg.special.zeta(xg.tensor([2.0]), xg.tensor([1.0]))  # tensor([1.6449])
    """
    from ._util import as_operand
    from .arithmetic import _default_float, promote
    from ..tensor import Tensor
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError("zeta: expected at least one Tensor")
    s = input if isinstance(input, Tensor) else as_operand(float(input), other)
    q = other if isinstance(other, Tensor) else as_operand(float(other), s)
    s, q = promote(_default_float(s), _default_float(q))
    return zeta_op(s, q)


def ndtri(input: Any) -> Any:
    """The inverse of the standard normal CDF (the probit), accurate deep into the tails.

    >>> xg.special.ndtri(xg.tensor([0.975]))  # tensor([1.9600])
    """
    return apply1(Ndtri, _float_input(input, "ndtri"))
