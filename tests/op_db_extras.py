"""Registry entries of PyTorch's extra top-level functions and xg.special
(autograd/ops/torch_extras.py and the extra_* modules, special.py), appended to
tests/op_db.py's OPS. Import this only through op_db (from op_db import OPS).

References are NumPy, Python's math/statistics, or mpmath (in the dev extra)
element by element; domains stay away from poles and kinks."""
from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np
from hypothesis import strategies as st

import xpgrad as xg
from op_db import POSITIVE, ErrorInput, OpInfo, t
from op_samples import Sample, Samples, away_from, broadcast, distinct, unary


def _fixed(*samples: Sample) -> Samples:
    return Samples(st.sampled_from(samples), samples)


def _by_element(fn: Any) -> Any:
    """A scalar function (math, mpmath) as a dtype-preserving NumPy function."""
    def ref(x: Any, *args: Any) -> Any:
        x = np.asarray(x)
        out = np.array([float(fn(float(v), *args)) for v in x.reshape(-1)], dtype=np.float64)
        return out.reshape(x.shape).astype(x.dtype)
    return ref


def _mp(name: str) -> Any:
    def fn(v: float, *args: Any) -> Any:
        import mpmath
        mpmath.mp.dps = 30
        return getattr(mpmath, name)(*args, v)
    return fn


def _np_log_ndtr(x: Any) -> Any:
    import mpmath
    mpmath.mp.dps = 30
    return _by_element(lambda v: mpmath.log(mpmath.ncdf(v)))(x)


_NORMAL = statistics.NormalDist()
UNIT = (0.05, 0.95)
# fewer edge shapes for the costlier series (the full set is run on the cheap ops)
_SMALL = _fixed(Sample(((2, 3),)), Sample(((),)), Sample(((0,),)))

OPS: list = [
    # ---- elementwise --------------------------------------------------------------------
    OpInfo("copysign", xg.copysign, np.copysign, samples=broadcast(), adjust=away_from(0.0),
           errors=(ErrorInput(lambda d: xg.copysign(1.0, 2.0), TypeError,
                              "copysign: expected at least one Tensor"),)),
    OpInfo("fmax", xg.fmax, np.fmax, samples=broadcast(), adjust=distinct),
    OpInfo("fmin", lambda a, b: a.fmin(b), np.fmin, samples=broadcast(), adjust=distinct),
    # float_power computes in float64 (checked in test_ops_extras_torch.py); cast back here so
    # the float32 test of the registry sees its dtype rule
    OpInfo("float_power", lambda a, b: xg.float_power(a, b).astype(a.dtype),
           lambda a, b: np.power(a, b), samples=broadcast(), domain=(POSITIVE, (-2.0, 2.0))),
    OpInfo("ldexp", xg.ldexp, lambda a, b: a * 2.0 ** b, samples=broadcast()),
    OpInfo("logit", lambda x: x.logit(), lambda x: np.log(x / (1 - x)), domain=UNIT),
    OpInfo("frexp_mantissa", lambda x: xg.frexp(x).mantissa, lambda x: np.frexp(x)[0],
           domain=(-50.0, 50.0), errors=(ErrorInput(lambda d: xg.frexp(t(d, 2, dtype="int64")),
                                                    TypeError, "frexp: only supports"),)),
    OpInfo("adjoint", xg.adjoint, lambda x: np.swapaxes(x, -1, -2),
           samples=unary(min_dims=2),
           errors=(ErrorInput(lambda d: xg.adjoint(t(d, 3)), RuntimeError,
                              r"only supported on matrices.*1-D"),)),
    # ---- gamma and Bessel ---------------------------------------------------------------
    OpInfo("lgamma", xg.lgamma, _by_element(math.lgamma), domain=(-2.9, 4.0),
           adjust=away_from(-3.0, -2.0, -1.0, 0.0)),
    OpInfo("digamma", lambda x: x.digamma(), _by_element(_mp("digamma")), domain=(-2.9, 4.0),
           adjust=away_from(-3.0, -2.0, -1.0, 0.0)),
    OpInfo("polygamma", lambda x, n: xg.polygamma(n, x), lambda x, n: _by_element(
        lambda v: _mp("polygamma")(v, n))(x), samples=unary({"n": [1, 2]}),
        domain=(-1.9, 4.0), adjust=away_from(-2.0, -1.0, 0.0, margin=0.2),
        # near the poles polygamma(3, x) reaches 1e4: finite differences of it lose ~1e-7 absolute
        tol={"atol": 1e-6},
        errors=(ErrorInput(lambda d: xg.polygamma(-1, t(d, 2)), ValueError,
                           "polygamma: n must be a non-negative int"),)),
    OpInfo("i0", lambda x: x.i0(), np.i0, domain=(-6.0, 6.0), samples=_SMALL),
    OpInfo("special_i1", xg.special.i1, _by_element(lambda v: _mp("besseli")(v, 1)),
           domain=(-6.0, 6.0), samples=_SMALL),
    OpInfo("special_i0e", xg.special.i0e, lambda x: np.i0(x) * np.exp(-np.abs(x)),
           adjust=away_from(0.0)),
    OpInfo("special_i1e", xg.special.i1e, _by_element(
        lambda v: _mp("besseli")(v, 1) * math.exp(-abs(v))), domain=(-6.0, 6.0), samples=_SMALL,
        adjust=away_from(0.0)),
    OpInfo("special_erfcx", xg.special.erfcx, _by_element(
        lambda v: _mp("erfc")(v) * _mp("exp")(v * v)), domain=(-1.5, 8.0), samples=_SMALL),
    OpInfo("special_ndtri", xg.special.ndtri, _by_element(_NORMAL.inv_cdf), domain=UNIT,
           samples=_SMALL, gradgrad=False),
    # above ~4 the derivative is below 1e-4 and one hypothesis draw on strict:device1 missed
    # the tolerance by 2e-7 once (not reproduced); the upper tail is compared with PyTorch
    OpInfo("special_log_ndtr", xg.special.log_ndtr, _np_log_ndtr, domain=(-30.0, 3.0)),
    OpInfo("special_xlog1py", xg.special.xlog1py, lambda x, y: x * np.log1p(y),
           samples=broadcast(), domain=((-2.0, 2.0), (-0.5, 2.0))),
    OpInfo("special_entr", xg.special.entr, lambda x: -x * np.log(x), domain=POSITIVE),
]

# ---- shape, scatter and statistics (composites: a few entries check their gradients) ------
_M23 = _fixed(Sample(((2, 3),)), Sample(((3, 3),)), Sample(((2, 3, 4),)))


def _np_quantile(x: Any, q: float, dim: Any, method: str) -> Any:
    return np.asarray(np.quantile(x, q, axis=dim, method=method), dtype=x.dtype)


OPS += [
    OpInfo("rot90", lambda x: xg.rot90(x, 1, (0, 1)), lambda x: np.rot90(x, 1, (0, 1)).copy(),
           samples=_M23),
    OpInfo("take", lambda x: xg.take(x, xg.tensor([0, -1, 2, 2], device=x.device)),
           lambda x: x.reshape(-1)[[0, -1, 2, 2]], samples=_M23),
    OpInfo("block_diag", lambda a, b: xg.block_diag(a, b), lambda a, b: np.block(
        [[a, np.zeros((a.shape[0], b.shape[1]), a.dtype)],
         [np.zeros((b.shape[0], a.shape[1]), a.dtype), b]]),
        samples=_fixed(Sample(((2, 3), (1, 2))), Sample(((1, 1), (3, 2))))),
    OpInfo("vander", lambda x: xg.vander(x, N=4), lambda x: np.vander(x, 4).astype(x.dtype),
           samples=_fixed(Sample(((3,),)), Sample(((1,),)))),
    OpInfo("diagonal_scatter", lambda x, s: xg.diagonal_scatter(x, s, 1),
           lambda x, s: _np_diag_put(x, s, 1), samples=_fixed(Sample(((3, 4), (3,))),
                                                              Sample(((2, 2), (1,))))),
    OpInfo("slice_scatter", lambda x, s: xg.slice_scatter(x, s, 1, 0, 3, 2),
           lambda x, s: _np_slice_put(x, s), samples=_fixed(Sample(((2, 4), (2, 2))))),
    OpInfo("index_copy", lambda x, s: x.index_copy(0, xg.tensor([2, 0], device=x.device), s),
           lambda x, s: _np_rows_put(x, s, [2, 0]), samples=_fixed(Sample(((3, 2), (2, 2))))),
    OpInfo("masked_scatter", lambda x, s: x.masked_scatter(
        xg.tensor([True, False, True], device=x.device), s),
        lambda x, s: np.where([True, False, True], np.stack(
            [s.reshape(-1)[[2 * i, 0, 2 * i + 1]] for i in range(x.shape[0])]), x),
        samples=_fixed(Sample(((2, 3), (5,))))),
    OpInfo("scatter_reduce_amax", lambda x, s: x.scatter_reduce(
        0, xg.tensor([[0, 1], [0, 0]], device=x.device), s, "amax"),
        lambda x, s: _np_scatter_amax(x, s), samples=_fixed(Sample(((2, 2), (2, 2)))),
        adjust=distinct),
    OpInfo("scatter_reduce_prod", lambda x, s: xg.scatter_reduce(
        x, 1, xg.tensor([[0, 0, 1]], device=x.device), s, "prod", include_self=False),
        lambda x, s: np.stack([[s[0, 0] * s[0, 1], s[0, 2]]]), samples=_fixed(
            Sample(((1, 2), (1, 3)))), adjust=away_from(0.0)),
    OpInfo("renorm", lambda x: x.renorm(2, 0, 1.0), lambda x: x * np.where(
        np.linalg.norm(x, axis=1, keepdims=True) > 1.0,
        1.0 / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-7), 1.0),
        samples=_fixed(Sample(((3, 4),))), domain=(-1.0, 1.0)),
    OpInfo("dist", lambda a, b: xg.dist(a, b, 3), lambda a, b: np.asarray(
        np.sum(np.abs(a - b) ** 3) ** (1 / 3)), samples=_fixed(Sample(((2, 3), (3,))))),
    OpInfo("quantile", lambda x: xg.quantile(x, 0.3, 1), lambda x: _np_quantile(
        x, 0.3, 1, "linear"), samples=_fixed(Sample(((2, 5),)), Sample(((3, 4),))),
        adjust=distinct),
    OpInfo("nanquantile_midpoint", lambda x: x.nanquantile(0.5, interpolation="midpoint"),
           lambda x: _np_quantile(x, 0.5, None, "midpoint"), samples=_fixed(
               Sample(((2, 4),)), Sample(((5,),))), adjust=distinct),
]


def _np_diag_put(x: Any, s: Any, offset: int) -> Any:
    out = x.copy()
    for k in range(s.shape[0]):
        out[k, k + offset] = s[k]
    return out


def _np_slice_put(x: Any, s: Any) -> Any:
    out = x.copy()
    out[:, 0:3:2] = s
    return out


def _np_rows_put(x: Any, s: Any, rows: list) -> Any:
    out = x.copy()
    out[rows] = s
    return out


def _np_scatter_amax(x: Any, s: Any) -> Any:
    out = x.copy()
    for (i, j), target in np.ndenumerate(np.array([[0, 1], [0, 0]])):
        out[target, j] = max(out[target, j], s[i, j])
    return out
