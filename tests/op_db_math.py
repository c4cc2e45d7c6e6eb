"""Registry entries of one op family, appended to tests/op_db.py's OPS.

Import this only through op_db (from op_db import OPS): it imports op_db's helpers, and
op_db imports it at its end.

Elementwise math beyond the core (autograd/ops/math_*.py). The error functions are checked
here against math.erf on float64 (the dense-grid accuracy test is tests/test_ops_math_torch.py).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import xpgrad as xg
from op_db import POSITIVE, ErrorInput, OpInfo, _bad_broadcast, _binary_errors, _mixed, t
from op_samples import away_from, broadcast, distinct, unary


# ---- NumPy references ---------------------------------------------------------------------
def _by_element(fn: Any) -> Any:
    """A float function of Python's math module as a dtype-preserving NumPy function."""
    def ref(x: Any) -> Any:
        x = np.asarray(x)
        out = np.array([fn(float(v)) for v in x.reshape(-1)], dtype=np.float64)
        return out.reshape(x.shape).astype(x.dtype)
    return ref


def _np_erfinv(p: Any) -> Any:
    """Newton's method on math.erf in float64 (inputs inside (-1, 1))."""
    p = np.asarray(p)
    q = p.astype(np.float64)
    erf = np.vectorize(math.erf, otypes=[np.float64])
    y = q * (1.0 + 0.2 * q * q)
    for _ in range(60 if q.size else 0):
        y = y - (erf(y) - q) / (2.0 / math.sqrt(math.pi) * np.exp(-y * y))
    return y.astype(p.dtype)


def _np_xlogy(x: Any, y: Any) -> Any:
    like = x if isinstance(x, np.ndarray) else y       # Python numbers take the array's dtype
    x, y = np.asarray(x, dtype=like.dtype), np.asarray(y, dtype=like.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((x == 0) & ~np.isnan(y), 0.0 * x, x * np.log(y))


def _np_lerp(a: Any, e: Any, weight: Any) -> Any:
    w = weight
    return np.where(np.abs(w) < 0.5, a + w * (e - a), e - (e - a) * (1 - w))


def _np_round(x: Any, decimals: int) -> Any:
    if decimals >= 0:
        return np.round(x * 10.0 ** decimals) / 10.0 ** decimals
    return np.round(x / 10.0 ** -decimals) * 10.0 ** -decimals


# ---- value adjustments --------------------------------------------------------------------
INTEGERS = away_from(-2.0, -1.0, 0.0, 1.0, 2.0)
HALVES = away_from(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)


def _off_round_kinks(arrays: list, kwargs: dict, rng: Any) -> list:
    """Values a quarter step away from round()'s half-way points at kwargs["decimals"]."""
    scale = 10.0 ** kwargs["decimals"]
    out = []
    for a in arrays:
        y = a * scale
        base = np.floor(y)
        out.append((base + np.where(y - base < 0.5, 0.25, 0.75)) / scale)
    return out


def _mod_grid(arrays: list, kwargs: dict, rng: Any) -> list:
    """Divisors in {+-0.5, +-1, +-2} and dividends odd multiples of 1/16: a / b is never
    within 1/32 of an integer, where remainder, fmod and floor_divide jump."""
    out = [(2.0 * np.floor(arrays[0] * 8.0) + 1.0) / 16.0]
    for b in arrays[1:]:
        power = np.clip(np.round(np.log2(np.abs(b) + 1e-300)), -1, 1)
        out.append(np.where(b < 0, -1.0, 1.0) * 2.0 ** power)
    return out


def _divisor_grid(arrays: list, kwargs: dict, rng: Any) -> list:
    """A single input that is a divisor (c % x): {+-0.5, +-1, +-2}."""
    return _mod_grid([np.zeros(0)] + arrays, kwargs, rng)[1:]


def _with_specials(arrays: list, kwargs: dict, rng: Any, only_nan: bool = False) -> list:
    """Every fifth value NaN, +inf or -inf (for nan_to_num)."""
    out = []
    for a in arrays:
        flat = a.reshape(-1).copy()
        specials = np.array([np.nan] if only_nan else [np.nan, np.inf, -np.inf])
        idx = np.arange(flat.size)
        pick = idx % 5 == 1
        flat[pick] = specials[(idx[pick] // 5) % specials.size]
        out.append(flat.reshape(a.shape))
    return out


def _unary_float(name: str, fn: Any, ref: Any, **kw: Any) -> OpInfo:
    return OpInfo(name, fn, ref, errors=(
        ErrorInput(lambda d: fn(np.ones(2)), TypeError, name + r": expected a Tensor"),), **kw)


UNIT = (-0.9, 0.9)

OPS: list = [
    # ---- the error functions --------------------------------------------------------------
    _unary_float("erf", xg.erf, _by_element(math.erf), domain=(-3.0, 3.0)),
    _unary_float("erfc", xg.erfc, _by_element(math.erfc), domain=(-2.0, 4.0)),
    _unary_float("erfinv", xg.erfinv, _np_erfinv, domain=UNIT),
    OpInfo("erf_method", lambda x: x.erf() + x.erfc(), lambda x: np.ones_like(x)),

    # ---- trigonometric, hyperbolic and their inverses -------------------------------------
    _unary_float("tan", xg.tan, np.tan, domain=(-1.2, 1.2)),
    _unary_float("asin", xg.asin, np.arcsin, domain=UNIT),
    _unary_float("acos", xg.acos, np.arccos, domain=UNIT),
    _unary_float("atan", xg.atan, np.arctan),
    _unary_float("sinh", xg.sinh, np.sinh),
    _unary_float("cosh", xg.cosh, np.cosh),
    _unary_float("asinh", xg.asinh, np.arcsinh),
    _unary_float("acosh", xg.acosh, np.arccosh, domain=(1.1, 3.0)),
    _unary_float("atanh", xg.atanh, np.arctanh, domain=UNIT),
    OpInfo("arc_aliases", lambda x: xg.arcsin(x) + xg.arccos(x) + x.arctan() + x.arcsinh()
           + xg.arctanh(x), lambda x: np.pi / 2 + np.arctan(x) + np.arcsinh(x) + np.arctanh(x),
           domain=UNIT),
    OpInfo("arccosh_method", lambda x: x.arccosh(), np.arccosh, domain=(1.1, 3.0)),

    # ---- logs, powers, reciprocals ----------------------------------------------------------
    _unary_float("log2", xg.log2, np.log2, domain=POSITIVE),
    _unary_float("log10", xg.log10, np.log10, domain=POSITIVE),
    _unary_float("exp2", xg.exp2, np.exp2),
    _unary_float("rsqrt", xg.rsqrt, lambda x: 1 / np.sqrt(x), domain=POSITIVE),
    _unary_float("reciprocal", xg.reciprocal, lambda x: 1 / x, adjust=away_from(0.0)),
    _unary_float("sinc", xg.sinc, np.sinc),

    # ---- binary ---------------------------------------------------------------------------
    # atan2 jumps across the negative x-axis and has no slope at the origin: both away from 0
    OpInfo("atan2", xg.atan2, np.arctan2, samples=broadcast(), adjust=away_from(0.0),
           errors=_binary_errors("atan2", xg.atan2)),
    OpInfo("arctan2_method", lambda a, b: a.arctan2(b), np.arctan2, samples=broadcast(),
           adjust=away_from(0.0)),
    OpInfo("logaddexp", xg.logaddexp, np.logaddexp, samples=broadcast(), domain=(-3.0, 3.0),
           errors=_binary_errors("logaddexp", xg.logaddexp)),
    OpInfo("logaddexp2", xg.logaddexp2, np.logaddexp2, samples=broadcast(), domain=(-3.0, 3.0),
           errors=_binary_errors("logaddexp2", xg.logaddexp2)),
    OpInfo("hypot", xg.hypot, np.hypot, samples=broadcast(), adjust=away_from(0.0),
           errors=_binary_errors("hypot", xg.hypot)),
    OpInfo("xlogy", xg.xlogy, _np_xlogy, samples=broadcast(), domain=((-2.0, 2.0), POSITIVE),
           errors=_binary_errors("xlogy", xg.xlogy)),
    OpInfo("xlogy_scalar", lambda x, c: xg.xlogy(x, c), lambda x, c: _np_xlogy(x, c),
           samples=unary({"c": [2.0, 0.5, 3]})),
    OpInfo("rxlogy_scalar", lambda y, c: xg.xlogy(c, y),
           lambda y, c: _np_xlogy(c, y), samples=unary({"c": [2.0, -1.5, 0.0]}),
           domain=POSITIVE),
    OpInfo("lerp", xg.lerp, _np_lerp, samples=broadcast(3), domain=((-2.0, 2.0), (-2.0, 2.0),
                                                                        (-0.5, 1.5)),
           errors=(_bad_broadcast("lerp", lambda a, b: xg.lerp(a, b, b)),
                   _bad_broadcast("lerp", lambda a, b: xg.lerp(a, b, 0.5)),
                   _mixed(lambda a, b: xg.lerp(a, b, 0.5)),
                   _mixed(lambda a, b: xg.lerp(a, a, b)))),
    OpInfo("lerp_scalar", lambda a, e, weight: a.lerp(e, weight), _np_lerp,
           samples=broadcast(2, {"weight": [0.25, 0.75, -0.3, 1.5, 0, 1]})),
    OpInfo("clamp_min", lambda x, v: xg.clamp_min(x, v), lambda x, v: np.maximum(x, v),
           samples=unary({"v": [0.0, 0.55, -1]}), adjust=away_from("v")),
    OpInfo("clamp_max", lambda x, v: x.clamp_max(v), lambda x, v: np.minimum(x, v),
           samples=unary({"v": [0.0, 0.55, 1]}), adjust=away_from("v")),
    OpInfo("clamp_min_tensor", xg.clamp_min, np.maximum, samples=broadcast(), adjust=distinct,
           errors=_binary_errors("clampmin", xg.clamp_min)),
    OpInfo("clamp_max_tensor", xg.clamp_max, np.minimum, samples=broadcast(), adjust=distinct,
           errors=_binary_errors("clampmax", xg.clamp_max)),
    OpInfo("addcmul", lambda a, b, c, value: xg.addcmul(a, b, c, value=value),
           lambda a, b, c, value: a + value * b * c, samples=broadcast(3, {"value": [1, 0.5, -2]})),
    OpInfo("addcdiv", lambda a, b, c, value: a.addcdiv(b, c, value=value),
           lambda a, b, c, value: a + value * b / c, samples=broadcast(3, {"value": [1, 0.5, -2]}),
           domain=((-2.0, 2.0), (-2.0, 2.0), (0.5, 2.0)),
           errors=(ErrorInput(lambda d: xg.addcdiv(t(d, 2), t(d, 2, dtype="int64"),
                                                   t(d, 2, dtype="int64")), TypeError,
                              "addcdiv: integer division"),)),

    # ---- rounding: gradient 0 (frac: 1) away from the jumps ---------------------------------
    OpInfo("floor", xg.floor, np.floor, domain=(-2.5, 2.5), adjust=INTEGERS,
           errors=(ErrorInput(lambda d: xg.floor(t(d, 2, dtype="bool")), TypeError,
                              r"floor: not supported for bool"),)),
    OpInfo("ceil", lambda x: x.ceil(), np.ceil, domain=(-2.5, 2.5), adjust=INTEGERS),
    OpInfo("trunc", xg.trunc, np.trunc, domain=(-2.5, 2.5), adjust=INTEGERS),
    OpInfo("fix", lambda x: x.fix(), np.trunc, domain=(-2.5, 2.5), adjust=INTEGERS),
    OpInfo("frac", xg.frac, lambda x: x - np.trunc(x), domain=(-2.5, 2.5), adjust=INTEGERS),
    OpInfo("round", xg.round, np.round, domain=(-3.0, 3.0), adjust=HALVES,
           errors=(ErrorInput(lambda d: xg.round(t(d, 2), decimals=0.5), TypeError,
                              r"round: decimals must be an int"),
                   ErrorInput(lambda d: xg.round(t(d, 2, dtype="int64"), decimals=1),
                              TypeError, r"round: decimals=1 is not supported for integer"))),
    OpInfo("round_decimals", lambda x, decimals: x.round(decimals=decimals), _np_round,
           samples=unary({"decimals": [1, 2, -1, 0]}), adjust=_off_round_kinks),

    # ---- modular arithmetic -----------------------------------------------------------------
    OpInfo("remainder", xg.remainder, np.remainder, samples=broadcast(), adjust=_mod_grid,
           errors=_binary_errors("remainder", xg.remainder)),
    OpInfo("mod_operator", lambda a, b: a % b, np.remainder, samples=broadcast(),
           adjust=_mod_grid),
    OpInfo("mod_scalar", lambda x, c: x % c, lambda x, c: np.remainder(x, c),
           samples=unary({"c": [2.0, -0.5, 1]}), adjust=_mod_grid),
    OpInfo("rmod_scalar", lambda x, c: c % x, lambda x, c: np.remainder(c, x),
           samples=unary({"c": [0.3125, -1.5625]}), adjust=_divisor_grid),
    OpInfo("fmod", xg.fmod, np.fmod, samples=broadcast(), adjust=_mod_grid,
           errors=_binary_errors("fmod", xg.fmod)),
    OpInfo("fmod_scalar", lambda x, c: x.fmod(c), lambda x, c: np.fmod(x, c),
           samples=unary({"c": [2.0, -0.5, 1]}), adjust=_mod_grid),
    OpInfo("floor_divide", xg.floor_divide, np.floor_divide, samples=broadcast(),
           adjust=_mod_grid, differentiable=False,
           errors=_binary_errors("floor_divide", xg.floor_divide)),
    OpInfo("floordiv_operators", lambda x, c: [x // c, c // x, x // x],
           lambda x, c: [x // c, c // x, x // x], samples=unary({"c": [2.0, -0.5, 3]}),
           adjust=_divisor_grid, differentiable=False),

    # ---- nan_to_num: the gradient passes where the input is finite ---------------------------
    # (the default posinf, the dtype's largest value, would swamp every finite difference:
    # the torch cross-check covers it)
    OpInfo("nan_to_num", lambda x, nan, posinf, neginf: xg.nan_to_num(x, nan, posinf, neginf),
           lambda x, nan, posinf, neginf: np.nan_to_num(x, nan=nan, posinf=posinf,
                                                        neginf=neginf),
           samples=unary({"nan": [0.0, 1.5], "posinf": [2.0, 1e3], "neginf": [-3.0, -1e3]}),
           adjust=_with_specials),
    OpInfo("nan_to_num_method", lambda x: x.nan_to_num(), np.nan_to_num,
           adjust=lambda arrays, kwargs, rng: _with_specials(arrays, kwargs, rng, True)),
]
