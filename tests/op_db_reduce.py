"""Registry entries of the reductions, scans and sorting ops beyond the core
(autograd/ops/reduce_scan.py, reduce_stats.py, sort_ops.py) and, from op_db_linalg.py, of
the linear algebra family; appended to tests/op_db.py's OPS. Import this only through
op_db (from op_db import OPS): it imports op_db's helpers, and op_db imports it at its end.

Selections (sort, topk, kthvalue, median, cummax, mode) return only their values here (the
indices are constants, checked against PyTorch in tests/test_ops_reduce_torch.py) and take
distinct values, where they are differentiable. Products and cumulative products also run
with zeros in the input, where their gradients are exact polynomials still.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import xpgrad as xg
from op_db import ErrorInput, OpInfo, _mixed, t
from op_samples import Sample, Samples, derived, distinct, ints, on_grid, reduction, shapes

E = ErrorInput


def S(dims: tuple, /, **kwargs: Any) -> Sample: return Sample((dims,), kwargs)   # one input


def fixed(*samples: Sample) -> Samples:
    """Exactly these samples (hypothesis draws among them, with new values each time)."""
    return Samples(st.sampled_from(samples), tuple(samples))


def _some_zeros(arrays: list, kwargs: dict, rng: Any) -> list:
    """Every third element 0 (one or more zeros per slice), the others away from 0."""
    out = []
    for a in arrays:
        a = np.where(np.abs(a) < 0.3, 0.3 * np.sign(a + 1e-9), a)
        out.append(np.where(np.arange(a.size).reshape(a.shape) % 3 == 1, 0.0, a))
    return out


def _with_nans(arrays: list, kwargs: dict, rng: Any) -> list:
    """Distinct values with every fourth one NaN."""
    out = []
    for a in distinct(arrays, kwargs, rng):
        out.append(np.where(np.arange(a.size).reshape(a.shape) % 4 == 1, np.nan, a))
    return out


def _sorted_first(arrays: list, kwargs: dict, rng: Any) -> list:
    """The first input sorted along its last axis (searchsorted's sequence), on a grid so the
    values meet its entries."""
    grid = on_grid(arrays, kwargs, rng)
    return [np.sort(grid[0], axis=-1)] + grid[1:]


# ---- NumPy references -----------------------------------------------------------------------
def _np_axes(axis: Any) -> Any:
    """PyTorch's amax/amin: dim=() means every dimension."""
    return None if axis == () else axis


def _np_take_sorted(x: Any, axis: int, pos: Any) -> Any:
    """The element at ascending position ``pos`` along ``axis`` (NaN sorts last)."""
    if x.ndim == 0:
        return x.copy()
    return np.take(np.sort(x, axis=axis), pos, axis=axis)


def _np_median(x: Any, axis: Any, keepdims: bool, skip_nan: bool = False) -> Any:
    if axis is None:
        flat = np.sort(x.reshape(-1))
        n = int(np.sum(~np.isnan(flat))) if skip_nan else flat.size
        if not skip_nan and np.isnan(flat).any():
            return np.asarray(np.nan, dtype=x.dtype)
        return np.asarray(flat[max((n - 1) // 2, 0)])
    if x.ndim == 0:
        return x.copy()
    s = np.sort(x, axis=axis)
    nans = np.sum(np.isnan(s), axis=axis, keepdims=True)
    n = x.shape[axis]
    pos = np.maximum((n - nans - 1) // 2, 0) if skip_nan else np.where(nans > 0, n - nans,
                                                                       (n - 1) // 2)
    out = np.take_along_axis(s, pos, axis)
    return out if keepdims else np.squeeze(out, axis)


def _np_topk(x: Any, k: int, dim: int, largest: bool) -> Any:
    if x.ndim == 0:
        return x.reshape(1)[:k].reshape(()) if k else x.reshape(1)[:0]
    s = np.sort(x, axis=dim)
    if largest:
        s = np.flip(s, axis=dim)
    return np.take(s, np.arange(k), axis=dim)


def _np_argsort(x: Any, dim: int, descending: bool) -> Any:
    if x.ndim == 0:
        return np.zeros((), np.int64)
    return np.argsort(-x if descending else x, axis=dim, kind="stable").astype(np.int64)


def _np_searchsorted(seq: Any, v: Any, right: bool) -> Any:
    side = "right" if right else "left"
    if seq.ndim == 1:
        return np.searchsorted(seq, v, side=side).astype(np.int64)
    out = np.zeros(v.shape, dtype=np.int64)
    for i in np.ndindex(*v.shape[:-1]):
        out[i] = np.searchsorted(seq[i], v[i], side=side)
    return out


def _np_diff(x: Any, n: int, dim: int, prepend: Any = None, append: Any = None) -> Any:
    parts = [p for p in (prepend, x, append) if p is not None]
    x = np.concatenate(parts, axis=dim) if len(parts) > 1 else x
    for _ in range(n):
        if x.shape[dim] == 0:
            break
        x = np.diff(x, axis=dim)
    return x


def _np_trapezoid_terms(y: Any, dx: float, dim: int) -> Any:
    hi = np.take(y, np.arange(1, y.shape[dim]), axis=dim)
    lo = np.take(y, np.arange(0, max(y.shape[dim] - 1, 0)), axis=dim)
    return (hi + lo) * 0.5 * dx


def _np_logcumsumexp(x: Any, axis: int) -> Any:
    return np.logaddexp.accumulate(x, axis=axis) if x.shape[axis] else x.copy()


def _np_mode(x: Any, dim: int) -> Any:
    """The mode values for distinct inputs: every value occurs once, so the smallest."""
    return np.min(x, axis=dim) if x.ndim else x.copy()


# ---- samples --------------------------------------------------------------------------------
def _int_dim(draw: Any, s: tuple) -> int:
    return draw(ints(-len(s), len(s) - 1)) if s else draw(st.sampled_from([0, -1]))


def _dim_kwargs(**options: list) -> Any:
    """``{"dim": an int valid for the shape, **one of each option}``."""
    def kwargs_of(draw: Any, s: tuple) -> dict:
        return {"dim": _int_dim(draw, s), **{k: draw(st.sampled_from(v))
                                             for k, v in options.items()}}
    return kwargs_of


def _scan(name: str, fn: Any, ref: Any, **kw: Any) -> OpInfo:
    return OpInfo(name, lambda x, dim: fn(x, dim), lambda x, dim: ref(x, dim % max(x.ndim, 1))
                  if x.ndim else x.copy(),
                  samples=derived(shapes(), _dim_kwargs(), [
                      S((2, 3), dim=1), S((2, 3), dim=-2), S((3,), dim=0), S((), dim=0),
                      S((2, 0), dim=1), S((3, 1, 2), dim=0)]), **kw)


def _topk_kwargs(draw: Any, s: tuple) -> dict:
    dim = _int_dim(draw, s)
    n = s[dim] if s else 1
    return {"dim": dim, "k": draw(ints(0, n)), "largest": draw(st.booleans())}


def _kth_kwargs(draw: Any, s: tuple) -> dict:
    dim = _int_dim(draw, s)
    return {"dim": dim, "k": draw(ints(1, s[dim] if s else 1)), "keepdim": draw(st.booleans())}


def _diff_kwargs(draw: Any, s: tuple) -> dict:
    return {"n": draw(ints(0, 3)), "dim": draw(ints(-len(s), len(s) - 1))}


@st.composite
def _diff_edges(draw: Any) -> Sample:
    """x, prepend and append agreeing outside ``dim``."""
    base = draw(shapes(min_dims=1, min_side=1))
    dim = draw(ints(0, len(base) - 1))
    side = [tuple(draw(ints(0, 2)) if i == dim else d for i, d in enumerate(base))
            for _ in range(2)]
    return Sample((base, side[0], side[1]), {"n": draw(ints(1, 2)), "dim": dim})


@st.composite
def _search(draw: Any) -> Sample:
    batched = draw(st.booleans())
    seq = draw(shapes(min_dims=1, max_dims=1, min_side=1))
    lead = (draw(ints(1, 2)),) if batched else ()
    values = lead + (draw(ints(0, 3)),) if batched else draw(shapes(max_dims=2))
    return Sample((lead + seq, values), {"right": draw(st.booleans())})


AMAX = fixed(S((2, 3), axis=(), keepdims=False), S((2, 3), axis=1, keepdims=True),
             S((3, 1, 2), axis=(0, -1), keepdims=False), S((), axis=None, keepdims=True),
             S((0, 2), axis=1, keepdims=False), S((2, 3), axis=-2, keepdims=False))
SCALAR_DIM = [S((2, 3), dim=1, keepdim=False), S((2, 3), dim=-2, keepdim=True),
              S((3,), dim=0, keepdim=False), S((), dim=0, keepdim=False)]

OPS: list = [
    # ---- prod and scans -----------------------------------------------------------------------
    OpInfo("prod", lambda x, axis, keepdims: x.prod(axis, keepdims),
           lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
           samples=reduction(), domain=(-1.5, 1.5),
           errors=(E(lambda d: t(d, 2, 3).prod(2), ValueError,
                     "prod: axis 2 is out of range for a tensor with 2 dimension"),)),
    OpInfo("prod_zeros", lambda x, axis, keepdims: xg.prod(x, dim=axis, keepdim=keepdims),
           lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
           samples=reduction(min_side=1), adjust=_some_zeros, domain=(-1.5, 1.5)),
    _scan("cumsum", xg.cumsum, np.cumsum,
          errors=(E(lambda d: xg.cumsum(t(d, 2)), TypeError, "cumsum: missing the dim"),
                  E(lambda d: t(d, 2).cumsum(1), ValueError, "cumsum: axis 1 is out of range"))),
    _scan("cumprod", lambda x, dim: x.cumprod(dim), np.cumprod, domain=(-1.5, 1.5)),
    _scan("cumprod_zeros", xg.cumprod, np.cumprod, adjust=_some_zeros, domain=(-1.5, 1.5)),
    _scan("logcumsumexp", lambda x, dim: x.logcumsumexp(dim), _np_logcumsumexp,
          domain=(-3.0, 3.0),
          errors=(E(lambda d: xg.logcumsumexp(t(d, 2, dtype="int64"), 0), TypeError,
                    "logcumsumexp: expected a floating point tensor, got int64"),)),
    _scan("cummax", lambda x, dim: xg.cummax(x, dim).values, np.maximum.accumulate,
          adjust=distinct),
    _scan("cummin", lambda x, dim: x.cummin(dim=dim).values, np.minimum.accumulate,
          adjust=distinct),

    # ---- amax, amin, nan reductions -------------------------------------------------------
    OpInfo("amax", lambda x, axis, keepdims: x.amax(axis, keepdims),
           lambda x, axis, keepdims: np.max(x, axis=_np_axes(axis), keepdims=keepdims),
           samples=AMAX, adjust=distinct,
           errors=(E(lambda d: t(d, 0, 2).amax(0), ValueError, "amax: cannot reduce an empty"),)),
    OpInfo("amin", lambda x, axis, keepdims: xg.amin(x, dim=axis, keepdim=keepdims),
           lambda x, axis, keepdims: np.min(x, axis=_np_axes(axis), keepdims=keepdims),
           samples=AMAX, adjust=distinct),
    OpInfo("aminmax", lambda x, dim, keepdim: xg.aminmax(x, dim=dim, keepdim=keepdim),
           lambda x, dim, keepdim: (np.min(x, axis=dim, keepdims=keepdim),
                                    np.max(x, axis=dim, keepdims=keepdim)),
           samples=fixed(S((2, 3), dim=None, keepdim=False), S((2, 3), dim=1, keepdim=True),
                         S((3, 1, 2), dim=-1, keepdim=False), S((), dim=None, keepdim=False)),
           adjust=distinct,
           errors=(E(lambda d: xg.aminmax(t(d, 2), dim=(0,)), TypeError,
                     "aminmax: dim must be an int or None"),)),
    OpInfo("nansum", lambda x, axis, keepdims: x.nansum(axis, keepdims),
           lambda x, axis, keepdims: np.nansum(x, axis=axis, keepdims=keepdims),
           samples=reduction(), adjust=_with_nans),
    OpInfo("nanmean", lambda x, axis, keepdims: xg.nanmean(x, axis, keepdims),
           lambda x, axis, keepdims: np.nanmean(x, axis=axis, keepdims=keepdims),
           samples=fixed(S((2, 3), axis=None, keepdims=False), S((3, 4), axis=1, keepdims=True),
                         S((4, 3, 2), axis=(0, 2), keepdims=False), S((), axis=None,
                                                                       keepdims=False)),
           adjust=_with_nans,
           errors=(E(lambda d: xg.nanmean(t(d, 2, dtype="int64")), TypeError,
                     "nanmean: expected a floating point tensor, got int64"),)),
    OpInfo("count_nonzero", lambda x, axis: xg.count_nonzero(x, axis),
           lambda x, axis: np.asarray(np.count_nonzero(x, axis=axis), dtype=np.int64),
           samples=fixed(S((2, 3), axis=None), S((2, 3), axis=1), S((3, 1, 2), axis=(0, 2)),
                         S((), axis=None), S((0, 2), axis=0)),
           adjust=on_grid, differentiable=False),

    # ---- medians and mode (values, distinct) --------------------------------------------
    OpInfo("median", lambda x, dim, keepdim: x.median(dim, keepdim).values,
           lambda x, dim, keepdim: _np_median(x, dim, keepdim),
           samples=derived(shapes(min_side=1), _dim_kwargs(keepdim=[False, True]), SCALAR_DIM),
           adjust=distinct,
           errors=(E(lambda d: t(d, 2, 0).median(1), ValueError,
                     r"median: cannot compute the median over dimension 1 of size 0"),)),
    OpInfo("median_all", lambda x: xg.median(x), lambda x: _np_median(x, None, False),
           samples=fixed(S((2, 3)), S((4,)), S(()), S((3, 1, 2))), adjust=distinct),
    OpInfo("median_all_ties", lambda x: x.median(), lambda x: _np_median(x, None, False),
           samples=fixed(S((2, 3)), S((5,))),
           adjust=lambda a, k, r: [np.where(np.arange(x.size).reshape(x.shape) % 2, 0.25, x)
                                   for x in distinct(a, k, r)]),
    OpInfo("nanmedian", lambda x, dim, keepdim: xg.nanmedian(x, dim, keepdim).values,
           lambda x, dim, keepdim: _np_median(x, dim, keepdim, skip_nan=True),
           samples=fixed(*SCALAR_DIM, S((4, 3), dim=0, keepdim=False)), adjust=_with_nans),
    OpInfo("nanmedian_all", lambda x: x.nanmedian(), lambda x: _np_median(x, None, False, True),
           samples=fixed(S((2, 3)), S((4,)), S((3, 3))), adjust=_with_nans),
    OpInfo("mode", lambda x, dim, keepdim: x.mode(dim, keepdim).values,
           lambda x, dim, keepdim: _np_mode(x, dim) if not keepdim else
           np.expand_dims(_np_mode(x, dim), dim),
           samples=fixed(*SCALAR_DIM[:3]), adjust=distinct),

    # ---- differences, integrals, var/std_mean -----------------------------------------------
    OpInfo("diff", lambda x, n, dim: x.diff(n, dim), _np_diff,
           samples=derived(shapes(min_dims=1), _diff_kwargs, [
               S((2, 3), n=1, dim=-1), S((3, 2), n=2, dim=0), S((4,), n=5, dim=0),
               S((2, 0), n=1, dim=1), S((3,), n=0, dim=0)]),
           errors=(E(lambda d: t(d).diff(), ValueError, "diff: expected a tensor with at least 1"),
                   E(lambda d: t(d, 2).diff(-1), ValueError, "diff: n must be a non-negative"))),
    OpInfo("diff_prepend_append", lambda x, p, a, n, dim: xg.diff(x, n, dim, p, a),
           lambda x, p, a, n, dim: _np_diff(x, n, dim, p, a),
           samples=Samples(_diff_edges(), (Sample(((2, 3), (2, 1), (2, 2)), {"n": 1, "dim": 1}),
                                           Sample(((3,), (0,), (2,)), {"n": 2, "dim": 0})))),
    OpInfo("trapezoid", lambda y, dx, dim: xg.trapezoid(y, dx=dx, dim=dim),
           lambda y, dx, dim: np.sum(_np_trapezoid_terms(y, 1.0 if dx is None else dx, dim),
                                     axis=dim),
           samples=derived(shapes(min_dims=1), _dim_kwargs(dx=[None, 0.5]), [
               S((2, 3), dx=None, dim=-1), S((3, 2), dx=0.5, dim=0), S((1,), dx=None, dim=0),
               S((2, 0), dx=2.0, dim=0)]),
           errors=(E(lambda d: xg.trapezoid(t(d)), ValueError,
                     "trapezoid: y must have at least"),)),
    OpInfo("trapezoid_x", lambda y, x: xg.trapezoid(y, x), lambda y, x: np.trapezoid(y, x),
           samples=fixed(Sample(((2, 3), (3,))), Sample(((4,), (4,))), Sample(((2, 3), (2, 3)))),
           errors=(E(lambda d: xg.trapezoid(t(d, 2, 3), t(d, 2)), ValueError,
                     r"trapezoid: x of shape \(2,\) does not match dimension 1 of y"),)),
    OpInfo("cumulative_trapezoid", lambda y, dx, dim: xg.cumulative_trapezoid(y, dx=dx, dim=dim),
           lambda y, dx, dim: np.cumsum(_np_trapezoid_terms(y, dx, dim), axis=dim),
           samples=fixed(S((2, 3), dx=1.0, dim=-1), S((3, 2), dx=0.5, dim=0), S((1,), dx=1.0,
                                                                               dim=0))),
    OpInfo("var_mean", lambda x, dim, keepdim: xg.var_mean(x, dim, keepdim=keepdim),
           lambda x, dim, keepdim: (np.var(x, axis=dim, ddof=1, keepdims=keepdim),
                                    np.mean(x, axis=dim, keepdims=keepdim)),
           samples=fixed(S((2, 3), dim=None, keepdim=False), S((2, 3), dim=1, keepdim=True),
                         S((3, 2, 2), dim=(0, 2), keepdim=False))),
    OpInfo("std_mean", lambda x, dim: xg.std_mean(x, dim, correction=0),
           lambda x, dim: (np.std(x, axis=dim), np.mean(x, axis=dim)),
           samples=fixed(S((2, 3), dim=None), S((2, 3), dim=-1), S((3, 2, 2), dim=(0, 1)))),

    # ---- sorting and selection (values) ---------------------------------------------------
    OpInfo("sort", lambda x, dim, descending: x.sort(dim, descending).values,
           lambda x, dim, descending: np.flip(np.sort(x, dim), dim) if descending and x.ndim
           else (np.sort(x, dim) if x.ndim else x.copy()),
           samples=derived(shapes(), _dim_kwargs(descending=[False, True]), [
               S((2, 3), dim=-1, descending=False), S((2, 3), dim=0, descending=True),
               S((), dim=0, descending=False), S((0, 2), dim=0, descending=True)]),
           adjust=distinct,
           errors=(E(lambda d: t(d, 2).sort(1), ValueError, "sort: axis 1 is out of range"),)),
    OpInfo("msort", xg.msort, lambda x: np.sort(x, 0) if x.ndim else x.copy(),
           samples=fixed(S((3, 2)), S((3,)), S(())), adjust=distinct),
    OpInfo("topk", lambda x, k, dim, largest: xg.topk(x, k, dim, largest).values, _np_topk,
           samples=derived(shapes(min_side=1), _topk_kwargs, [
               S((2, 3), k=2, dim=-1, largest=True), S((3, 2), k=1, dim=0, largest=False),
               S((2, 3), k=0, dim=1, largest=True), S((), k=1, dim=0, largest=True)]),
           adjust=distinct,
           errors=(E(lambda d: t(d, 2, 3).topk(4), ValueError,
                     r"topk: k=4 is out of range for dimension 1 of size 3 \(shape \(2, 3\)\)"),)),
    OpInfo("kthvalue", lambda x, k, dim, keepdim: x.kthvalue(k, dim, keepdim).values,
           lambda x, k, dim, keepdim: _np_take_sorted(x, dim, [k - 1] if keepdim else k - 1),
           samples=derived(shapes(min_side=1), _kth_kwargs, [
               S((2, 3), k=2, dim=-1, keepdim=False), S((3, 2), k=3, dim=0, keepdim=True),
               S((), k=1, dim=0, keepdim=False)]),
           adjust=distinct,
           errors=(E(lambda d: t(d, 2, 3).kthvalue(0), ValueError,
                     r"kthvalue: k=0 is out of range for dimension 1 of size 3"),)),
    OpInfo("argsort", lambda x, dim, descending: x.argsort(dim, descending, stable=True),
           _np_argsort, differentiable=False, adjust=on_grid,
           samples=derived(shapes(), _dim_kwargs(descending=[False, True]), [
               S((2, 3), dim=-1, descending=False), S((4,), dim=0, descending=True),
               S((), dim=0, descending=False)])),
    OpInfo("searchsorted", lambda s, v, right: xg.searchsorted(s, v, right=right),
           _np_searchsorted, differentiable=False, adjust=_sorted_first,
           samples=Samples(_search(), (Sample(((5,), (2, 3)), {"right": False}),
                                       Sample(((4,), (3,)), {"right": True}),
                                       Sample(((2, 3), (2, 2)), {"right": False}),
                                       Sample(((3,), ()), {"right": False}))),
           errors=(E(lambda d: xg.searchsorted(t(d), t(d, 2)), ValueError,
                     "searchsorted: sorted_sequence must have at least 1 dimension"),
                   E(lambda d: xg.searchsorted(t(d, 2, 3), t(d, 3, 1)), ValueError,
                     r"searchsorted: the leading dimensions of sorted_sequence \(2, 3\)"),
                   _mixed(xg.searchsorted))),
    OpInfo("bucketize", lambda v, b, right: xg.bucketize(v, b, right=right),
           lambda v, b, right: np.searchsorted(b, v, "right" if right else "left").astype(
               np.int64),
           differentiable=False,
           adjust=lambda a, k, r: on_grid(a, k, r)[:1] + [np.sort(on_grid(a, k, r)[1])],
           samples=fixed(Sample(((2, 3), (4,)), {"right": False}),
                         Sample(((3,), (3,)), {"right": True})),
           errors=(E(lambda d: xg.bucketize(t(d, 2), t(d, 2, 2)), ValueError,
                     r"bucketize: boundaries must be 1-D, got shape \(2, 2\)"),)),
]

from op_db_linalg import OPS as _LINALG  # noqa: E402
OPS += _LINALG
