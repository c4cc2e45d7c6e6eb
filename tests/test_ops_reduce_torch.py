"""Reductions, scans and sorting (autograd/ops/reduce_*.py, sort_ops.py) against PyTorch
(skipped without it): values, dtypes, shapes, gradients, named-tuple fields, keepdim,
negative dims, dim=None, integer inputs, zeros in products, NaN and ties, and errors, on cpu
and strict:device1. Each case is one function of ``m`` (xpgrad or torch): one spelling."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import xpgrad as xg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A23 = RNG.standard_normal((2, 3)).astype(np.float32)
A234 = RNG.standard_normal((2, 3, 4)).astype(np.float32)
A5 = RNG.standard_normal(5).astype(np.float32)
S = np.array(1.5, dtype=np.float32)
E = np.zeros((0, 3), dtype=np.float32)
I23 = np.array([[3, -1, 2], [0, 5, 2]])                 # int64
B23 = np.array([[True, False, True], [True, True, False]])
ZEROS = np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 3.0, 0.0, 0.5],
                  [2.0, -0.5, 1.5, 0.0]], dtype=np.float32)     # one or two zeros per row
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 1.0, 2.0]], dtype=np.float32)
NAN = np.array([[1.0, np.nan, 0.5, 2.0], [np.nan, np.nan, 1.0, -1.0],
                [3.0, 0.0, -2.0, 1.0]], dtype=np.float32)
D6 = np.array([[0.3, -1.2, 2.5, 0.1, -0.4, 1.1],
               [1.7, 0.2, -0.8, -2.1, 0.9, 0.05]], dtype=np.float32)   # distinct values
SEQ = np.array([-1.0, 0.0, 0.5, 2.0, 2.0, 3.0], dtype=np.float32)
SEQ2 = np.array([[0.0, 1.0, 2.0], [-1.0, 1.0, 4.0]], dtype=np.float32)


def T(m: Any, values: Any, dtype: str | None = None) -> Any:
    """A constant tensor of ``m`` (int64 for integer data, as both libraries default)."""
    if m is torch:
        return torch.tensor(np.asarray(values), dtype=dtype and getattr(torch, dtype))
    return xg.tensor(np.asarray(values), dtype=dtype, device=_DEVICE[0])


_DEVICE = ["cpu"]

# (id, inputs, fn(m, *tensors)); float inputs require grad and are checked by gradient too
CASES: list[tuple[str, tuple, Callable]] = [
    # ---- prod, scans ------------------------------------------------------------------------
    ("prod_all", (A23,), lambda m, x: x.prod()),
    ("prod_dim", (A234,), lambda m, x: m.prod(x, 1)),
    ("prod_neg_keepdim", (A234,), lambda m, x: x.prod(-1, keepdim=True)),
    ("prod_zeros", (ZEROS,), lambda m, x: x.prod(1)),
    ("prod_zeros_all", (ZEROS,), lambda m, x: x.prod()),
    ("prod_zeros_dim0", (ZEROS,), lambda m, x: m.prod(x, dim=0)),
    ("prod_int", (I23,), lambda m, x: x.prod(1)),
    ("prod_bool", (B23,), lambda m, x: x.prod()),
    ("prod_dtype", (I23,), lambda m, x: x.prod(0, dtype=m.float64)),
    ("prod_0d", (S,), lambda m, x: x.prod(0)),
    ("prod_empty", (E,), lambda m, x: x.prod(0)),
    ("cumsum", (A234,), lambda m, x: x.cumsum(1)),
    ("cumsum_neg", (A234,), lambda m, x: m.cumsum(x, dim=-1)),
    ("cumsum_int", (I23,), lambda m, x: x.cumsum(0)),
    ("cumsum_bool", (B23,), lambda m, x: x.cumsum(1)),
    ("cumsum_dtype", (I23,), lambda m, x: m.cumsum(x, 1, dtype=m.float32)),
    ("cumsum_0d", (S,), lambda m, x: x.cumsum(0)),
    ("cumsum_empty", (E,), lambda m, x: x.cumsum(0)),
    ("cumprod", (A234,), lambda m, x: x.cumprod(2)),
    ("cumprod_zeros", (ZEROS,), lambda m, x: x.cumprod(1)),
    ("cumprod_zeros_dim0", (ZEROS,), lambda m, x: m.cumprod(x, 0)),
    ("cumprod_int", (I23,), lambda m, x: x.cumprod(1)),
    ("logcumsumexp", (A234,), lambda m, x: x.logcumsumexp(1)),
    ("logcumsumexp_neg", (A5,), lambda m, x: m.logcumsumexp(x * 30, -1)),
    ("logcumsumexp_0d", (S,), lambda m, x: x.logcumsumexp(0)),
    ("cummax", (D6,), lambda m, x: x.cummax(1)),
    ("cummax_ties", (TIES,), lambda m, x: m.cummax(x, dim=1)),
    ("cummin_ties", (TIES,), lambda m, x: x.cummin(-1)),
    ("cummax_dim0", (A234,), lambda m, x: x.cummax(0)),
    ("cummin", (D6,), lambda m, x: m.cummin(x, 0)),
    ("cummax_nan", (NAN,), lambda m, x: x.cummax(1)),
    ("cummin_nan", (NAN,), lambda m, x: x.cummin(1)),
    ("cummax_int", (I23,), lambda m, x: x.cummax(1)),
    ("cummax_0d", (S,), lambda m, x: x.cummax(0)),
    ("cummax_fields", (D6,), lambda m, x: (x.cummax(1).values, x.cummin(1).indices)),
    # ---- amax, amin, nan reductions, count ------------------------------------------------
    ("amax", (A234,), lambda m, x: x.amax()),
    ("amax_dims", (A234,), lambda m, x: m.amax(x, (0, -1), keepdim=True)),
    ("amax_ties", (TIES,), lambda m, x: x.amax(1)),
    ("amin_ties", (TIES,), lambda m, x: m.amin(x, dim=0)),
    ("amin_int", (I23,), lambda m, x: x.amin(1)),
    ("aminmax", (A23,), lambda m, x: m.aminmax(x)),
    ("aminmax_dim", (TIES,), lambda m, x: x.aminmax(dim=1, keepdim=True)),
    ("aminmax_fields", (A234,), lambda m, x: (m.aminmax(x, dim=-1).min, x.aminmax(dim=0).max)),
    ("nansum", (NAN,), lambda m, x: x.nansum()),
    ("nansum_dim", (NAN,), lambda m, x: m.nansum(x, 1, keepdim=True)),
    ("nansum_int", (I23,), lambda m, x: x.nansum(0)),
    ("nanmean", (NAN,), lambda m, x: x.nanmean(1)),
    ("nanmean_all", (NAN,), lambda m, x: m.nanmean(x)),
    ("nanmean_all_nan_column", (NAN,), lambda m, x: x[:2].nanmean(0)),
    ("count_nonzero", (ZEROS,), lambda m, x: x.count_nonzero()),
    ("count_nonzero_dim", (ZEROS,), lambda m, x: m.count_nonzero(x, dim=1)),
    ("count_nonzero_dims", (I23,), lambda m, x: m.count_nonzero(x, (0, 1))),
    # ---- median, nanmedian, mode ----------------------------------------------------------
    ("median_all", (D6,), lambda m, x: x.median()),
    ("median_all_even", (A234,), lambda m, x: m.median(x)),
    ("median_dim", (D6,), lambda m, x: x.median(1)),
    ("median_dim_keepdim", (A234,), lambda m, x: m.median(x, 0, keepdim=True)),
    ("median_neg", (A234,), lambda m, x: x.median(dim=-2)),
    ("median_nan", (NAN,), lambda m, x: x.median(1)),
    ("median_nan_all", (NAN,), lambda m, x: x.median()),
    ("median_int", (I23,), lambda m, x: x.median(1)),
    ("median_0d", (S,), lambda m, x: x.median(0)),
    ("nanmedian", (NAN,), lambda m, x: x.nanmedian(1)),
    ("nanmedian_all", (NAN,), lambda m, x: m.nanmedian(x)),
    ("nanmedian_dim0", (NAN,), lambda m, x: x.nanmedian(0)),
    ("median_fields", (D6,), lambda m, x: (x.median(1).values, x.median(0).indices)),
    ("mode_int", (np.array([[1, 2, 2, 3], [4, 4, 1, 1]]),), lambda m, x: x.mode()),
    ("mode_float", (np.array([[0.5, 2.0, 0.5, 1.0], [3.0, 1.0, 2.0, 3.0]],
                             dtype=np.float32),), lambda m, x: m.mode(x, 1)),
    ("mode_dim0", (np.array([[1.0, 2.0], [1.0, 3.0], [2.0, 3.0]], dtype=np.float32),),
     lambda m, x: x.mode(0, keepdim=True)),
    # ---- differences, integrals, var/std_mean ---------------------------------------------
    ("diff", (A234,), lambda m, x: x.diff()),
    ("diff_n2_dim0", (A234,), lambda m, x: m.diff(x, 2, 1)),
    ("diff_prepend_append", (A23, A23), lambda m, x, p: m.diff(x, dim=1, prepend=p[:, :1],
                                                               append=p)),
    ("diff_int", (I23,), lambda m, x: x.diff(dim=0)),
    ("diff_bool", (B23,), lambda m, x: x.diff()),
    ("diff_n_too_large", (A5,), lambda m, x: x.diff(7)),
    ("trapezoid", (A234,), lambda m, x: m.trapezoid(x)),
    ("trapezoid_dx", (A234,), lambda m, x: m.trapezoid(x, dx=0.5, dim=1)),
    ("trapezoid_x", (A23, np.array([0.0, 0.5, 2.0], dtype=np.float32)),
     lambda m, y, x: m.trapezoid(y, x)),
    ("trapz", (A23,), lambda m, y: m.trapz(y, dim=0)),
    ("cumulative_trapezoid", (A234,), lambda m, x: m.cumulative_trapezoid(x, dim=1)),
    ("cumulative_trapezoid_x", (A23, np.array([0.0, 0.5, 2.0], dtype=np.float32)),
     lambda m, y, x: m.cumulative_trapezoid(y, x)),
    ("var_mean", (A234,), lambda m, x: m.var_mean(x, 1)),
    ("std_mean", (A234,), lambda m, x: m.std_mean(x, (0, 2), correction=0, keepdim=True)),
    ("std_mean_all", (A23,), lambda m, x: m.std_mean(x)),
    # ---- sorting and selection ------------------------------------------------------------
    ("sort", (D6,), lambda m, x: x.sort()),
    ("sort_desc", (D6,), lambda m, x: m.sort(x, 0, descending=True)),
    ("sort_ties_stable", (TIES,), lambda m, x: x.sort(stable=True)),
    ("sort_ties_desc_stable", (TIES,), lambda m, x: m.sort(x, descending=True, stable=True)),
    ("sort_nan", (NAN,), lambda m, x: x.sort(1)),
    ("sort_nan_desc", (NAN,), lambda m, x: x.sort(1, descending=True)),
    ("sort_int", (I23,), lambda m, x: x.sort(0)),
    ("sort_0d", (S,), lambda m, x: x.sort()),
    ("sort_empty", (E,), lambda m, x: x.sort(0)),
    ("sort_fields", (A234,), lambda m, x: (x.sort(1).values, x.sort(1).indices)),
    ("argsort", (A234,), lambda m, x: x.argsort(1)),
    ("argsort_desc_ties", (TIES,), lambda m, x: m.argsort(x, descending=True, stable=True)),
    ("msort", (A234,), lambda m, x: m.msort(x)),
    ("msort_method", (D6,), lambda m, x: x.msort()),
    ("topk", (D6,), lambda m, x: x.topk(3)),
    ("topk_smallest", (D6,), lambda m, x: m.topk(x, 2, dim=0, largest=False)),
    ("topk_dim", (A234,), lambda m, x: x.topk(2, 1)),
    ("topk_zero", (D6,), lambda m, x: x.topk(0)),
    ("topk_all", (D6,), lambda m, x: x.topk(6)),
    ("topk_fields", (D6,), lambda m, x: (x.topk(2).values, x.topk(2).indices)),
    ("kthvalue", (D6,), lambda m, x: x.kthvalue(2)),
    ("kthvalue_dim0_keepdim", (A234,), lambda m, x: m.kthvalue(x, 1, 0, keepdim=True)),
    ("kthvalue_neg", (A234,), lambda m, x: x.kthvalue(3, dim=-2)),
    ("searchsorted", (), lambda m: m.searchsorted(T(m, SEQ), T(m, [[-2.0, 0.5], [2.0, 9.0]]))),
    ("searchsorted_right", (), lambda m: m.searchsorted(T(m, SEQ), T(m, [0.5, 2.0, 2.5]),
                                                        right=True)),
    ("searchsorted_side", (), lambda m: m.searchsorted(T(m, SEQ), T(m, [2.0]), side="right")),
    ("searchsorted_int32", (), lambda m: m.searchsorted(T(m, SEQ), T(m, [1.0]),
                                                        out_int32=True)),
    ("searchsorted_batched", (), lambda m: m.searchsorted(T(m, SEQ2), T(m, [[1.0, 1.5],
                                                                           [0.0, 5.0]]))),
    ("searchsorted_scalar", (), lambda m: m.searchsorted(T(m, SEQ), 0.7)),
    ("searchsorted_sorter", (), lambda m: m.searchsorted(
        T(m, [3.0, 1.0, 2.0]), T(m, [1.5, 2.5]), sorter=T(m, [1, 2, 0]))),
    ("bucketize", (), lambda m: m.bucketize(T(m, [[0.5, 2.0], [-3.0, 3.0]]), T(m, SEQ))),
    ("bucketize_right", (), lambda m: m.bucketize(T(m, [0.0, 2.0, 7.0]), T(m, SEQ),
                                                  right=True)),
]


def _outputs(out: Any) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _dtype_name(t: Any) -> str:
    return str(t.dtype).replace("torch.", "")


@pytest.fixture(params=["cpu", "strict:device1"], ids=["cpu", "strict"])
def on_device(request):
    _DEVICE[0] = request.param
    yield request.param
    _DEVICE[0] = "cpu"


def compare(inputs: tuple, fn: Callable, device: str, rtol: float = 1e-5) -> None:
    """Outputs (shape, dtype, requires_grad, values) and gradients of a random weighting of
    the outputs, ours against torch's."""
    floating = [np.asarray(a).dtype.kind == "f" for a in inputs]
    ours = [xg.tensor(np.array(a), device=device, requires_grad=f)
            for a, f in zip(inputs, floating)]
    theirs = [torch.tensor(np.array(a), requires_grad=f) for a, f in zip(inputs, floating)]
    got, want = _outputs(fn(xg, *ours)), _outputs(fn(torch, *theirs))
    assert len(got) == len(want)
    for o, w in zip(got, want):
        assert tuple(o.shape) == tuple(w.shape), (o.shape, w.shape)
        assert o.dtype == _dtype_name(w), (o.dtype, w.dtype)
        assert o.requires_grad == w.requires_grad
        np.testing.assert_allclose(o.numpy(), w.detach().numpy(), rtol=rtol, atol=rtol)
    pairs = [(o, w) for o, w in zip(got, want) if w.requires_grad and w.numel()]
    if not pairs or not any(floating):
        return
    weights = [RNG.standard_normal(tuple(w.shape)).astype(_dtype_name(w)) for _, w in pairs]
    loss_ours = sum((o * xg.tensor(c, device=device)).nansum() for (o, _), c in zip(pairs, weights))
    loss_theirs = sum((w * torch.tensor(c)).nansum() for (_, w), c in zip(pairs, weights))
    leaves_ours = [x for x, f in zip(ours, floating) if f]
    leaves_theirs = [x for x, f in zip(theirs, floating) if f]
    g_ours = xg.autograd.grad(loss_ours, leaves_ours, allow_unused=True)
    g_theirs = torch.autograd.grad(loss_theirs, leaves_theirs, allow_unused=True)
    for a, b in zip(g_ours, g_theirs):
        if b is None or a is None:      # no gradient on one side: zeros on the other
            assert (a is None or not a.numpy().any()) and (b is None or not b.numpy().any())
            continue
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=rtol, atol=rtol)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")   # 0/0: NaN
@pytest.mark.parametrize("inputs, fn", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_torch(inputs: tuple, fn: Callable, on_device: str) -> None:
    compare(inputs, fn, on_device)


# ---- named results: the same fields as torch's return types --------------------------------
FIELDS = [
    ("sort", lambda m, x: m.sort(x)), ("topk", lambda m, x: m.topk(x, 2)),
    ("kthvalue", lambda m, x: m.kthvalue(x, 1)), ("cummax", lambda m, x: m.cummax(x, 0)),
    ("cummin", lambda m, x: x.cummin(1)), ("median", lambda m, x: x.median(0)),
    ("nanmedian", lambda m, x: m.nanmedian(x, 1)), ("mode", lambda m, x: x.mode()),
    ("aminmax", lambda m, x: m.aminmax(x)), ("max", lambda m, x: x.max(1)),
]


@pytest.mark.parametrize("fn", [f for _, f in FIELDS], ids=[n for n, _ in FIELDS])
def test_result_fields(fn: Callable) -> None:
    ours, theirs = fn(xg, xg.tensor(D6)), fn(torch, torch.tensor(D6))
    assert ours._fields == type(theirs).__match_args__
    assert len(ours) == len(theirs)
    for field in ours._fields:
        np.testing.assert_allclose(getattr(ours, field).numpy(), getattr(theirs, field).numpy())


def test_prod_and_cumprod_second_derivatives_with_zeros(on_device: str) -> None:
    """Two zeros in a slice: the first derivatives are 0 except at the zeros, and the second
    derivatives (with respect to the other zero) still match torch's."""
    values = np.array([[2.0, 0.0, 3.0, 0.0, 1.5], [0.0, 1.0, -2.0, 0.5, 0.0]])
    for name in ("prod", "cumprod"):
        x = xg.tensor(values, device=on_device, requires_grad=True)
        tx = torch.tensor(values, requires_grad=True)
        y, ty = getattr(x, name)(1), getattr(tx, name)(1)
        w = RNG.standard_normal(tuple(ty.shape))
        g, = xg.autograd.grad((y * xg.tensor(w, device=on_device)).sum(), [x], create_graph=True)
        tg, = torch.autograd.grad((ty * torch.tensor(w)).sum(), [tx], create_graph=True)
        np.testing.assert_allclose(g.numpy(), tg.detach().numpy(), rtol=1e-12, atol=1e-12)
        v = RNG.standard_normal(values.shape)
        gg, = xg.autograd.grad((g * xg.tensor(v, device=on_device)).sum(), [x])
        tgg, = torch.autograd.grad((tg * torch.tensor(v)).sum(), [tx])
        np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-12, atol=1e-12)


def test_float64_values_of_long_scans(on_device: str) -> None:
    """Log-depth scans (logcumsumexp, cummax) over a longer axis, with ties and large values."""
    x = np.round(RNG.standard_normal((3, 37)) * 4) * 25.0
    for fn in (lambda m, t: m.logcumsumexp(t, 1), lambda m, t: m.cummax(t, 1),
               lambda m, t: m.cummin(t, -1), lambda m, t: m.cumprod(t / 100, 1)):
        compare((x,), fn, on_device, rtol=1e-9)


# ---- errors: ours raise where torch raises ------------------------------------------------
ERRORS = [
    ("cumsum_no_dim", lambda m, x: m.cumsum(x), TypeError, "cumsum: missing the dim argument"),
    ("cumsum_bad_dim", lambda m, x: x.cumsum(2), ValueError,
     "cumsum: axis 2 is out of range for a tensor with 2 dimension"),
    ("prod_bad_dim", lambda m, x: x.prod(-3), ValueError, "prod: axis -3 is out of range"),
    ("logcumsumexp_int", lambda m, x: m.logcumsumexp(x.long(), 0), TypeError,
     "logcumsumexp: expected a floating point tensor, got int64"),
    ("amax_empty", lambda m, x: x[:0].amax(0), ValueError,
     r"amax: cannot reduce an empty tensor of shape \(0, 3\)"),
    ("median_empty_dim", lambda m, x: x[:, :0].median(1), ValueError,
     r"median: cannot compute the median over dimension 1 of size 0 \(shape \(2, 0\)\)"),
    ("mode_empty", lambda m, x: x[:, :0].mode(1), ValueError,
     "mode: cannot compute the mode over dimension 1 of size 0"),
    ("nanmean_int", lambda m, x: x.long().nanmean(), TypeError,
     "nanmean: expected a floating point tensor, got int64"),
    ("topk_k", lambda m, x: x.topk(4), ValueError,
     r"topk: k=4 is out of range for dimension 1 of size 3 \(shape \(2, 3\)\)"),
    ("kthvalue_k", lambda m, x: x.kthvalue(0, 0), ValueError,
     r"kthvalue: k=0 is out of range for dimension 0 of size 2 \(shape \(2, 3\)\); expected "
     r"1 <= k <= 2"),
    ("sort_dim", lambda m, x: x.sort(2), ValueError, "sort: axis 2 is out of range"),
    ("diff_0d", lambda m, x: x.sum().diff(), ValueError, "diff: expected a tensor with at least"),
    ("diff_prepend", lambda m, x: x.diff(prepend=x[0]), ValueError,
     r"diff: prepend of shape \(3,\) must have the same number of dimensions as the input"),
    ("trapezoid_x", lambda m, x: m.trapezoid(x, x[0, :2]), ValueError,
     r"trapezoid: x of shape \(2,\) does not match dimension 1 of y \(2, 3\)"),
    ("searchsorted_batch", lambda m, x: m.searchsorted(x, x[:1]), ValueError,
     r"searchsorted: the leading dimensions of sorted_sequence \(2, 3\) and input \(1, 3\)"),
    ("bucketize_2d", lambda m, x: m.bucketize(x, x), ValueError,
     r"bucketize: boundaries must be 1-D, got shape \(2, 3\)"),
]


@pytest.mark.parametrize("fn, error, match", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_where_torch_errors(fn: Callable, error: type, match: str, on_device: str) -> None:
    with pytest.raises(Exception):
        fn(torch, torch.tensor(A23))
    with pytest.raises(error, match=match):
        fn(xg, xg.tensor(A23, device=on_device))
