"""The gamma and Bessel families on any Array API namespace: lgamma, digamma, polygamma,
the Hurwitz zeta, i0/i1 (and the scaled i0e/i1e), erfcx. The standard has none of them, so
they are built here from elementwise operations (every input is computed in float64 and cast
back, so float32 results are correctly rounded float64 values).

* lgamma(x), x > 0: with S(z) = lgamma(2 + z) = (1 - g) z + sum_k (-1)^k (zeta(k) - 1) / k z^k
  (g is Euler's constant; 28 terms reach 1e-17 for |z| <= 1/2):
  x < 1/2: S(x) - log1p(x) - log(x); x < 3/2: S(x - 1) - log1p(x - 1) (so the zeros at 1 and
  2 keep full relative precision); x < 8: S(y - 2) + log((x - 1)...(y)) with y in [3/2, 5/2);
  x >= 8: Stirling's series (10 terms). x <= 0: the reflection log(pi / |sin(pi x)|) -
  lgamma(1 - x), with sin(pi x) taken on the exactly reduced argument.
* digamma: PyTorch's (Cephes') scheme: the recurrence up to x >= 10, the asymptotic series,
  and psi(1 - x) - pi / tan(pi r) for x < 0 (r the fractional part of x, exact).
* polygamma(n >= 1, x) = (-1)^(n+1) n! zeta(n + 1, x) for x > 0; for x < 0 the reflection
  psi_n(x) = (-1)^n psi_n(1 - x) - pi^(n+1) P_n(cot(pi x)), P_0 = c, P_{k+1} = -(1 + c^2) P_k'.
* zeta(s, q), q > 0: ten terms of the sum, then the Euler-Maclaurin tail (12 Bernoulli terms);
  -64 < q < 0 (integer s): 64 terms summed directly, then the same.
* i0/i1: the power series for |x| <= 20 (positive terms, 37 of them) and the asymptotic series
  e^x / sqrt(2 pi x) sum_k (-1)^k a_k(nu) / x^k above (30 terms reach 1e-17 at x = 20).
* ndtri(p), the inverse of the normal CDF: sqrt(2) erfinv(2p - 1) for p in [1/4, 3/4] (where
  2p - 1 is exact); in the tails Abramowitz-Stegun 26.2.23 (error 4.5e-4), then four Newton
  steps on log(ndtr(x)) = log(p) with ndtr from erfc (accurate in the lower tail).
* erfcx(x) = exp(x^2) erfc(x): for x >= 1/2 the Chebyshev form of erfc in math_special without
  its exp(-x^2) factor, so it never underflows; 2 exp(x^2) - erfcx(-x) below -1/2.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from .math_special import _CHEB, _erf_small, erfc_array, erfinv_array

_EULER = 0.5772156649015329
_ZETA_M1 = [  # zeta(k) - 1 for k = 2 .. 30 (mpmath, 40 digits)
    0.6449340668482264, 0.2020569031595943, 0.08232323371113819, 0.03692775514336993,
    0.01734306198444914, 0.008349277381922827, 0.00407735619794434, 0.0020083928260822143,
    0.0009945751278180853, 0.0004941886041194645, 0.0002460865533080483,
    0.00012271334757848915, 6.124813505870483e-05, 3.058823630702049e-05,
    1.528225940865187e-05, 7.637197637899763e-06, 3.81729326499984e-06, 1.908212716553939e-06,
    9.539620338727962e-07, 4.769329867878064e-07, 2.38450502727733e-07,
    1.1921992596531106e-07, 5.960818905125948e-08, 2.980350351465228e-08,
    1.4901554828365043e-08, 7.45071178983543e-09, 3.725334024788457e-09,
    1.862659723513049e-09, 9.313274324196682e-10,
]
# S(z) = sum_{k>=1} _S[k-1] z^k
_S = [1.0 - _EULER] + [(-1) ** k * c / k for k, c in enumerate(_ZETA_M1, start=2)]
_BERNOULLI = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30),
              Fraction(5, 66), Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510),
              Fraction(43867, 798), Fraction(-174611, 330), Fraction(854513, 138),
              Fraction(-236364091, 2730)]                 # B_2, B_4, ..., B_24
_STIRLING = [float(b / ((2 * k) * (2 * k - 1))) for k, b in enumerate(_BERNOULLI[:10], 1)]
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_PI = math.log(math.pi)
_PSI_ASYM = [8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
             -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
             8.33333333333333333333E-2]                  # Cephes' psi, highest power first
_BESSEL_SWITCH = 20.0
_I0_SERIES = [1.0 / math.factorial(k) ** 2 for k in range(37)]
_I1_SERIES = [1.0 / (math.factorial(k) * math.factorial(k + 1)) for k in range(37)]


def _asymptotic(nu: int, terms: int) -> list:
    """(-1)^k a_k(nu) of I_nu(x) ~ e^x / sqrt(2 pi x) sum_k (-1)^k a_k(nu) x^-k."""
    out, c = [1.0], Fraction(1)
    for k in range(1, terms):
        c *= Fraction(4 * nu * nu - (2 * k - 1) ** 2, 8 * k)
        out.append(float((-1) ** k * c))
    return out


_I0_ASYM, _I1_ASYM = _asymptotic(0, 30), _asymptotic(1, 30)


def _horner(coeffs: list, z: Any) -> Any:
    s = coeffs[-1]
    for c in reversed(coeffs[:-1]):
        s = s * z + c
    return s


def in_float64(fn: Any) -> Any:
    """``fn(xp, a, ...)`` computed in float64, the result cast back to a's dtype."""
    def wrapped(xp: Any, a: Any, *args: Any) -> Any:
        if a.dtype == xp.float64:
            return fn(xp, a, *args)
        return xp.astype(fn(xp, xp.astype(a, xp.float64), *args), a.dtype)
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


def _sin_pi_abs(xp: Any, x: Any) -> Any:
    """|sin(pi x)| from the exactly reduced argument (zero at every integer)."""
    r = xp.abs(x - 2.0 * xp.round(x * 0.5))        # in [0, 1], exact
    r = xp.where(r > 0.5, 1.0 - r, r)               # in [0, 1/2], exact (Sterbenz)
    return xp.sin(math.pi * r)


def _lgamma_positive(xp: Any, x: Any) -> Any:
    """lgamma on x >= 1 and on (0, 1) (any x > 0)."""
    small = x < 8.0
    xs = xp.where(small, x, 2.0)
    n = xp.clip(xp.floor(xs - 1.5), 0.0, 6.0)      # recurrence steps down to [3/2, 5/2)
    y = xs - n
    w = xp.where(xs < 0.5, xs, xp.where(xs < 1.5, xs - 1.0, y - 2.0))
    s = w * _horner(_S, w)
    prod = xp.ones_like(xs)
    for k in range(1, 7):
        prod = prod * xp.where(n >= k, xs - k, 1.0)
    low = xp.where(xs < 0.5, xp.log1p(w) + xp.log(xp.where(xs < 0.5, xs, 1.0)),
                   xp.log1p(w))
    out_small = xp.where(xs < 1.5, s - low, s + xp.log(prod))
    xl = xp.where(small, 8.0, x)
    inv = 1.0 / xl
    z = inv * inv
    out_large = (xl * (xp.log(xl) - 1.0) - 0.5 * xp.log(xl) + _HALF_LOG_2PI
                 + inv * _horner(_STIRLING, z))
    return xp.where(small, out_small, out_large)


@in_float64
def lgamma_array(xp: Any, x: Any) -> Any:
    """log|Gamma(x)| (inf at 0 and at the negative integers, as PyTorch)."""
    negative = x <= 0.0
    a = xp.where(negative, 1.0 - x, x)
    a = xp.where(xp.isinf(a), 2.0, a)
    lg = _lgamma_positive(xp, a)
    sine = _sin_pi_abs(xp, xp.where(negative, x, 0.5))
    out = xp.where(negative, _LOG_PI - xp.log(sine) - lg, lg)
    return xp.where(xp.isinf(x), math.inf, out)


@in_float64
def digamma_array(xp: Any, x: Any) -> Any:
    """psi(x) = Gamma'(x) / Gamma(x): -inf at +0, inf at -0, NaN at the negative integers."""
    negative = x < 0.0
    z = xp.where(negative, 1.0 - x, x)
    z = xp.where(z == 0.0, 1.0, z)
    acc = xp.zeros_like(z)
    for _ in range(10):
        low = z < 10.0
        acc = acc - xp.where(low, 1.0 / z, 0.0)
        z = xp.where(low, z + 1.0, z)
    zz = 1.0 / (z * z)
    y = zz * _horner(_PSI_ASYM[::-1], zz)
    out = acc + xp.log(z) - 0.5 / z - y
    r = x - xp.trunc(x)
    reflect = math.pi / xp.tan(math.pi * xp.where(r == 0.0, 0.5, r))
    out = xp.where(negative, out - reflect, out)
    out = xp.where(negative & (r == 0.0), math.nan, out)
    return xp.where(x == 0.0, xp.where(xp.signbit(x), -x + math.inf, x - math.inf), out)


def _hurwitz_positive(xp: Any, s: Any, q: Any) -> Any:
    """zeta(s, q) for q > 0 and s > 1 (s a number or an array)."""
    total = xp.zeros_like(q)
    for k in range(10):
        total = total + (q + float(k)) ** (-s)
    a = q + 10.0
    tail = a ** (1.0 - s) / (s - 1.0) + 0.5 * a ** (-s)
    rising = s                              # s (s + 1) ... (s + 2j - 2)
    power = a ** (-s - 1.0)
    for j, b in enumerate(_BERNOULLI, start=1):
        tail = tail + float(b / math.factorial(2 * j)) * rising * power
        rising = rising * (s + 2.0 * j - 1.0) * (s + 2.0 * j)
        power = power / (a * a)
    return total + tail


def _cot_derivative_poly(n: int) -> list:
    """Coefficients (lowest first) of P_n with d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x))."""
    p = [0, 1]
    for _ in range(n):
        d = [k * c for k, c in enumerate(p)][1:] or [0]
        q = [0] * (len(d) + 2)
        for k, c in enumerate(d):          # -(1 + c^2) P'
            q[k] -= c
            q[k + 2] -= c
        p = q
    return p


@in_float64
def polygamma_array(xp: Any, x: Any, n: int) -> Any:
    """The n-th derivative of digamma (n >= 1)."""
    negative = x < 0.0
    q = xp.where(negative, 1.0 - x, x)
    q = xp.where((q == 0.0) | xp.isinf(q), 1.0, q)
    sign = (-1.0) ** (n + 1) * math.factorial(n)
    out = sign * _hurwitz_positive(xp, float(n + 1), q)
    r = x - xp.trunc(x)
    c = 1.0 / xp.tan(math.pi * xp.where(r == 0.0, 0.5, r))
    reflected = (-1.0) ** n * out - math.pi ** (n + 1) * _horner(
        [float(v) for v in _cot_derivative_poly(n)], c)
    out = xp.where(negative, reflected, out)
    pole = (x <= 0.0) & (r == 0.0)
    out = xp.where(pole, math.copysign(math.inf, sign), out)
    # PyTorch's values at +-inf (its trigamma for n = 1, Cephes' zeta above)
    at_inf, at_minus_inf = (0.0, math.nan) if n == 1 else (math.nan, math.copysign(math.inf, sign))
    zero = xp.zeros_like(x)
    return xp.where(xp.isinf(x), xp.where(x > 0, zero + at_inf, zero + at_minus_inf), out)


_ZETA_SHIFT = 64


def zeta_array(xp: Any, s: Any, q: Any) -> Any:
    """The Hurwitz zeta function sum_k (k + q)^-s (float64 arrays of one shape), as Cephes:
    inf at s = 1 and at q a non-positive integer, NaN for s < 1 and for q < 0 with s not an
    integer. For -64 < q < 0 the first 64 terms are summed directly (a negative base to an
    integer power is real); below -64 the result is NaN (not supported)."""
    positive = q > 0.0
    ss = xp.where(s > 1.0, s, 2.0)
    shifted = xp.where(positive, q, xp.where(q > -_ZETA_SHIFT, q + _ZETA_SHIFT, 1.0))
    out = _hurwitz_positive(xp, ss, shifted)
    qn = xp.where(positive | (q == xp.round(q)), -0.5, q)
    head = xp.zeros_like(q)
    for k in range(_ZETA_SHIFT):
        head = head + (qn + float(k)) ** (-ss)
    out = xp.where(positive, out, xp.where(q > -_ZETA_SHIFT, out + head, math.nan))
    out = xp.where(~positive & (ss != xp.round(ss)), math.nan, out)
    out = xp.where(~positive & (q == xp.round(q)), math.inf, out)
    out = xp.where(s == 1.0, math.inf, out)
    return xp.where((s < 1.0) | xp.isnan(s) | xp.isnan(q), math.nan, out)


def _bessel(xp: Any, x: Any, nu: int, scaled: bool) -> Any:
    """I_nu(x) (or e^-|x| I_nu(x)) for nu in {0, 1}."""
    ax = xp.abs(x)
    near = ax <= _BESSEL_SWITCH
    xs = xp.where(near, ax, 1.0)
    y = 0.25 * xs * xs
    series = _horner(_I0_SERIES if nu == 0 else _I1_SERIES, y)
    if nu == 1:
        series = 0.5 * xs * series
    if scaled:
        series = series * xp.exp(-xs)
    xl = xp.where(near, _BESSEL_SWITCH, ax)
    asym = _horner(_I0_ASYM if nu == 0 else _I1_ASYM, 1.0 / xl) / xp.sqrt(2.0 * math.pi * xl)
    if not scaled:                          # e^x in two halves: finite up to I0's own overflow
        half = xp.exp(0.5 * xl)
        asym = half * (half * asym)
    out = xp.where(near, series, asym)
    out = xp.where(xp.isinf(ax), 0.0 if scaled else math.inf, out)
    return out if nu == 0 else xp.where(x < 0, -out, out)


@in_float64
def i0_array(xp: Any, x: Any) -> Any:
    return _bessel(xp, x, 0, False)


@in_float64
def i1_array(xp: Any, x: Any) -> Any:
    return _bessel(xp, x, 1, False)


@in_float64
def i0e_array(xp: Any, x: Any) -> Any:
    return _bessel(xp, x, 0, True)


@in_float64
def i1e_array(xp: Any, x: Any) -> Any:
    return _bessel(xp, x, 1, True)


def _erfcx_nonneg(xp: Any, ax: Any) -> Any:
    t = 3.0 / (3.0 + ax)
    u2 = 4.0 * t - 2.0
    b1 = b2 = 0.0                       # Clenshaw's recurrence, as math_special's erfc
    for c in reversed(_CHEB[1:]):
        b1, b2 = u2 * b1 - b2 + c, b1
    return t * ((u2 * 0.5) * b1 - b2 + _CHEB[0])


@in_float64
def erfcx_array(xp: Any, x: Any) -> Any:
    """exp(x^2) erfc(x), finite for every x above -26.6 (inf below)."""
    ax = xp.abs(x)
    xm = xp.where(ax < 0.5, x, 0.0)
    mid = xp.exp(xm * xm) * (1.0 - _erf_small(xp, xm, True))
    big = xp.where(xp.isinf(ax), 1.0, ax)
    tail = xp.where(xp.isinf(ax), 0.0, _erfcx_nonneg(xp, big))
    xn = xp.where(x < -0.5, x, 0.0)
    neg = 2.0 * xp.exp(xn * xn) - tail
    return xp.where(ax < 0.5, mid, xp.where(x < 0, neg, tail))


_AS_NUM = (2.515517, 0.802853, 0.010328)
_AS_DEN = (1.0, 1.432788, 0.189269, 0.001308)


@in_float64
def ndtri_array(xp: Any, p: Any) -> Any:
    """The x with ndtr(x) = p: -inf at 0, inf at 1, NaN outside [0, 1]."""
    central = xp.abs(p - 0.5) <= 0.25
    pc = xp.where(central, p, 0.5)
    x_central = math.sqrt(2.0) * erfinv_array(xp, 2.0 * pc - 1.0)
    y = xp.where(p < 0.5, p, 1.0 - p)                   # exact for p >= 1/2
    y = xp.where((y > 0.0) & ~central, y, 0.1)
    log_y = xp.log(y)
    t = xp.sqrt(-2.0 * log_y)
    x = -(t - _horner(list(_AS_NUM), t) / _horner(list(_AS_DEN), t))
    for _ in range(4):
        cdf = 0.5 * erfc_array(xp, -x / math.sqrt(2.0))
        pdf = xp.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        x = x - (xp.log(cdf) - log_y) * cdf / pdf
    out = xp.where(central, x_central, xp.where(p < 0.5, x, -x))
    out = xp.where(p == 0.0, -math.inf, xp.where(p == 1.0, math.inf, out))
    return xp.where((p < 0.0) | (p > 1.0) | xp.isnan(p), math.nan, out)
