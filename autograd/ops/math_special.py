"""The error function family: erf, erfc, erfinv on any Array API namespace.

The standard has no erf, so it is built here from elementwise operations:

* erf(x) for |x| < 0.5: its Maclaurin series 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)),
  13 terms (the first dropped term is below 3e-18 relative there).
* erfc(x) for x >= 0: erfc(x) = exp(-x^2) * t * h(t) with t = 3 / (3 + x), which maps
  [0, inf) onto (0, 1]. h is smooth on the whole interval (as x -> inf, h -> 1 / (3 sqrt(pi))
  from the asymptotic series), so a single Chebyshev series in u = 2t - 1 serves every x >= 0.
  The coefficients below were computed for this module with mpmath at 50 digits
  (interpolation at 90 Chebyshev nodes); 28 terms reach 1e-19 relative, 13 terms 1e-9
  (enough for float32). exp(-x^2) is evaluated as exp(-h^2) exp(-(x - h)(x + h)) with h = x
  rounded down to a multiple of 1/16, so that the square is exact and the tail keeps full
  relative precision out to the underflow near x = 26.5.
* erf(x) for |x| >= 0.5 is 1 - erfc(|x|) with its sign; erfc(-x) = 2 - erfc(x).
* erfinv: a closed-form first guess (Winitzki's approximation, error ~2e-3), then Halley
  steps on erf (or on erfc near +-1, where 1 - |p| is exact): 3 steps in float64, 2 in float32.

float32 arrays are computed in float32 (shorter series), float16 through float32.
"""
from __future__ import annotations

import math
from typing import Any

from ..function import Function, apply1, apply2
from ..tensor import Tensor

__all__ = ["erf", "erfc", "erfinv"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0
_TAYLOR = [_TWO_OVER_SQRT_PI * (-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(13)]
_CHEB = [
    0.4711460746602906, 0.37715894969156577, 0.11803603344749546, 0.028362346699695153,
    0.004871757757605546, 0.00045985238787654427, -2.143022238105315e-05,
    -1.301447369924135e-05, -8.809283582853514e-07, 2.7464800479702846e-07,
    4.415991899223785e-08, -6.398408385575483e-09, -1.6768357212484645e-09,
    1.9473354700890025e-10, 6.247441303469389e-11, -8.124557552244496e-12,
    -2.330314613222566e-12, 4.191038539225333e-13, 8.19333526881303e-14,
    -2.3352472107929263e-14, -2.2442585649165363e-15, 1.2811435298050507e-15,
    1.1054582965396302e-18, -6.44579513564904e-17, 6.525175975538486e-18,
    2.679550553424818e-18, -6.6823667951207925e-19, -6.37266809680938e-20,
]


def _is64(xp: Any, a: Any) -> bool:
    return a.dtype == xp.float64


def _working(xp: Any, a: Any) -> tuple[Any, Any]:
    """(a in float32 or float64, the dtype to cast back to or None)."""
    if a.dtype == xp.float64 or a.dtype == xp.float32:
        return a, None
    return xp.astype(a, xp.float32), a.dtype


def _erf_small(xp: Any, a: Any, full: bool) -> Any:
    """The Maclaurin series of erf (accurate for |a| <= 0.5)."""
    coeffs = _TAYLOR if full else _TAYLOR[:7]
    z = a * a
    s = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        s = s * z + c
    return a * s


def _exp_minus_square(xp: Any, ax: Any) -> Any:
    """exp(-ax^2) for ax >= 0 with the square split so that it keeps full relative precision."""
    ax = xp.minimum(ax, 40.0)           # exp(-1600) is 0 anyway; keeps x - hi finite at inf
    hi = xp.floor(ax * 16.0) / 16.0
    return xp.exp(-(hi * hi)) * xp.exp(-((ax - hi) * (ax + hi)))


def _erfc_nonneg(xp: Any, ax: Any, full: bool) -> Any:
    """erfc(ax) for ax >= 0 (NaN stays NaN)."""
    t = 3.0 / (3.0 + ax)
    u2 = 4.0 * t - 2.0                  # 2u, u = 2t - 1 in [-1, 1]
    coeffs = _CHEB if full else _CHEB[:13]
    b1 = b2 = 0.0                       # Clenshaw's recurrence
    for c in reversed(coeffs[1:]):
        b1, b2 = u2 * b1 - b2 + c, b1
    h = (u2 * 0.5) * b1 - b2 + coeffs[0]
    return _exp_minus_square(xp, ax) * (t * h)


def erf_array(xp: Any, a: Any) -> Any:
    """erf on a backend array of a real floating dtype (same dtype out)."""
    a, back = _working(xp, a)
    full = _is64(xp, a)
    ax = xp.abs(a)
    large = 1.0 - _erfc_nonneg(xp, ax, full)
    out = xp.where(ax < 0.5, _erf_small(xp, a, full), xp.where(a < 0, -large, large))
    return out if back is None else xp.astype(out, back)


def erfc_array(xp: Any, a: Any) -> Any:
    """erfc on a backend array, accurate in the tail (not computed as 1 - erf)."""
    a, back = _working(xp, a)
    full = _is64(xp, a)
    ax = xp.abs(a)
    tail = _erfc_nonneg(xp, ax, full)
    out = xp.where(ax < 0.5, 1.0 - _erf_small(xp, a, full), xp.where(a < 0, 2.0 - tail, tail))
    return out if back is None else xp.astype(out, back)


def erfinv_array(xp: Any, a: Any) -> Any:
    """The inverse of erf on (-1, 1); +-inf at +-1 and NaN outside [-1, 1]."""
    a, back = _working(xp, a)
    full = _is64(xp, a)
    p = xp.abs(a)
    inside = p < 1.0
    ps = xp.where(inside, p, 0.5)       # keeps the iteration free of log(0) and NaN
    q = 1.0 - ps                        # exact for ps >= 0.5, where it is used
    # Winitzki's closed form: erfinv(p)^2 ~ sqrt(g^2 - L/k) - g, g = 2/(pi k) + L/2
    k = 0.147
    log1mp2 = xp.log(q * (1.0 + ps))
    g = 2.0 / (math.pi * k) + 0.5 * log1mp2
    x = xp.sqrt(xp.sqrt(g * g - log1mp2 / k) - g)
    near_one = ps > 0.5
    for _ in range(3 if full else 2):
        # residual r = erf(x) - p, from erfc near 1 where erf(x) alone would lose digits
        small = _erf_small(xp, x, full)
        tail = _erfc_nonneg(xp, x, full)
        r = xp.where(near_one, q - tail, xp.where(x < 0.5, small, 1.0 - tail) - ps)
        slope = _TWO_OVER_SQRT_PI * _exp_minus_square(xp, x)
        x = x - r / (slope + x * r)     # Halley's step, using erf'' = -2 x erf'
    zero = ps * 0.0                     # arrays of a's dtype (two Python floats give float64)
    x = xp.where(inside, x, xp.where(p == 1.0, zero + math.inf, zero + math.nan))
    out = xp.where(a < 0, -x, x)
    return out if back is None else xp.astype(out, back)


# ---- Functions ----------------------------------------------------------------------------
class ErfGrad(Function):
    """gy * scale * exp(-x^2): the derivative of erf (scale 2/sqrt(pi)) and erfc (negative)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, gy, x, scale): return gy * (scale * xp.exp(-(x * x)))
    def backward(self, ggx):
        gy, x = self.inputs
        scale = self.args[0]
        g_gy = apply2(ErfGrad, ggx, x, scale) if gy._rg else None
        g_x = apply2(ErfGrad, ggx * gy * x, x, -2.0 * scale) if x._rg else None
        return g_gy, g_x


class Erf(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return erf_array(xp, a)
    def backward(self, gy): return apply2(ErfGrad, gy, self.inputs[0], _TWO_OVER_SQRT_PI)


class Erfc(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a): return erfc_array(xp, a)
    def backward(self, gy): return apply2(ErfGrad, gy, self.inputs[0], -_TWO_OVER_SQRT_PI)


class Erfinv(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a): return erfinv_array(xp, a)
    def backward(self, gy):
        y = self.output()
        return gy * (y * y).exp() * _SQRT_PI_OVER_TWO


def _floating(x: Any, op: str) -> Tensor:
    """Integer and bool tensors become the default float dtype (as PyTorch's float ops)."""
    if not isinstance(x, Tensor):
        from ..function import not_a_tensor
        from ._util import _OpName
        raise not_a_tensor(_OpName(op), x)
    if x.dtype.is_floating:
        return x
    from ..factories import get_default_dtype
    return x.astype(get_default_dtype())


def erf(input: Tensor) -> Tensor:
    """The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt.

    >>> xg.erf(xg.tensor([0.0, 1.0]))  # tensor([0.    , 0.8427])
    """
    return apply1(Erf, _floating(input, "erf"))


def erfc(input: Tensor) -> Tensor:
    """1 - erf(x), accurate for large x (erfc(10) = 2.09e-45 in float64).

    >>> xg.erfc(xg.tensor([0.0, 3.0]))  # tensor([1.0000e+00, 2.2090e-05])
    """
    return apply1(Erfc, _floating(input, "erfc"))


def erfinv(input: Tensor) -> Tensor:
    """The inverse error function on [-1, 1] (inf at +-1, NaN outside).

    >>> xg.erfinv(xg.tensor([0.0, 0.5]))  # tensor([0.    , 0.4769])
    """
    return apply1(Erfinv, _floating(input, "erfinv"))
