"""Elementwise math beyond the core (autograd/ops/math_*.py) against PyTorch: forward values,
gradients, defaults, result dtypes and shapes, edge cases; and the error functions against
math.erf / math.erfc on dense grids reaching the tails."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg

torch = pytest.importorskip("torch")


def _xg(values, dtype="float64", device="cpu", grad=False):
    return xg.tensor(np.asarray(values), dtype=dtype, device=device, requires_grad=grad)


def _th(values, dtype=torch.float64, grad=False):
    return torch.tensor(np.asarray(values), dtype=dtype, requires_grad=grad)


def _close(ours, theirs, rtol=1e-12, atol=1e-14):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    got = ours.numpy() if isinstance(ours, xg.Tensor) else np.asarray(ours)
    assert got.shape == theirs.shape
    np.testing.assert_allclose(got, theirs, rtol=rtol, atol=atol, equal_nan=True)


# ---- erf, erfc, erfinv: accuracy -----------------------------------------------------------
GRID = np.concatenate([np.linspace(-30.0, 30.0, 12001), np.linspace(-1.0, 1.0, 4001),
                       np.geomspace(1e-300, 1.0, 400), -np.geomspace(1e-300, 1.0, 400),
                       np.linspace(0.49, 0.51, 401), [0.0, -0.0]])


def _relative_error(got, ref):
    ref = np.asarray(ref)
    mask = ref != 0
    assert np.all(got[~mask] == 0)
    return np.max(np.abs(got[mask] - ref[mask]) / np.abs(ref[mask]))


@pytest.mark.parametrize("device", ["cpu", "strict:device1"])
def test_erf_float64_accuracy_dense_grid(device):
    got = xg.erf(_xg(GRID, device=device)).numpy()
    assert _relative_error(got, [math.erf(v) for v in GRID]) < 1e-15


@pytest.mark.parametrize("device", ["cpu", "strict:device1"])
def test_erfc_float64_accuracy_in_the_tail(device):
    got = xg.erfc(_xg(GRID, device=device)).numpy()
    ref = np.array([math.erfc(v) for v in GRID])
    normal = ref > 1e-300                  # below that erfc is subnormal (few digits left)
    assert _relative_error(got[normal], ref[normal]) < 1e-15
    assert got[GRID > 27.3].max() == 0.0 and np.all(got[GRID < -6] == 2.0)
    assert xg.erfc(_xg([10.0, 26.0])).numpy()[1] > 0      # not 1 - erf (which is 0)
    np.testing.assert_allclose(xg.erfc(_xg([10.0])).numpy(), [2.088487583762545e-45],
                               rtol=1e-15)


def test_erf_float32_is_float32_and_accurate():
    x = GRID.astype(np.float32)
    got = xg.erf(xg.tensor(x))
    assert got.dtype == xg.float32
    ref = np.array([math.erf(float(v)) for v in x])
    # within 3 float32 ulps (the worst is just above 0.5, where 1 - erfc takes over)
    np.testing.assert_allclose(got.numpy(), ref, rtol=4e-7, atol=1e-44)
    got_c = xg.erfc(xg.tensor(x)).numpy()
    ref_c = np.array([math.erfc(float(v)) for v in x])
    normal = ref_c > 1e-37
    np.testing.assert_allclose(got_c[normal], ref_c[normal], rtol=1e-6)


def test_erf_special_values():
    got = xg.erf(_xg([np.inf, -np.inf, np.nan, 0.0, -0.0])).numpy()
    np.testing.assert_array_equal(got, [1.0, -1.0, np.nan, 0.0, -0.0])
    assert np.signbit(got[4])
    np.testing.assert_array_equal(xg.erfc(_xg([np.inf, -np.inf, np.nan])).numpy(),
                                  [0.0, 2.0, np.nan])


@pytest.mark.parametrize("dtype,rtol", [("float64", 2e-15), ("float32", 1e-6)])
def test_erfinv_inverts_erf(dtype, rtol):
    eps = np.finfo(dtype).eps
    p = np.concatenate([np.linspace(-0.999, 0.999, 3001), 1 - np.geomspace(eps, 0.5, 200),
                        -(1 - np.geomspace(eps, 0.5, 200)), np.geomspace(1e-30, 0.5, 200)])
    p = p.astype(dtype)
    got = xg.erfinv(xg.tensor(p)).numpy()
    assert got.dtype == np.dtype(dtype)
    ref = torch.erfinv(torch.tensor(p, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=0)
    edges = xg.erfinv(xg.tensor(np.array([1.0, -1.0, 1.5, -2.0, np.nan, 0.0], dtype=dtype)))
    np.testing.assert_array_equal(edges.numpy(), [np.inf, -np.inf, np.nan, np.nan, np.nan, 0.0])


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_error_function_gradients_match_torch(name):
    values = [-0.9, -0.3, 0.0, 0.2, 0.7] if name == "erfinv" else [-3.0, -0.4, 0.0, 0.6, 2.5]
    x, tx = _xg(values, grad=True), _th(values, grad=True)
    gx, = xg.autograd.grad(getattr(xg, name)(x).sum(), [x], create_graph=True)
    tgx, = torch.autograd.grad(getattr(torch, name)(tx).sum(), [tx], create_graph=True)
    _close(gx, tgx)
    ggx, = xg.autograd.grad(gx.sum(), [x])
    tggx, = torch.autograd.grad(tgx.sum(), [tx])
    _close(ggx, tggx, rtol=1e-10)


# ---- unary and binary float ops: values, gradients and dtypes like torch -----------------
UNARY = {"tan": (-1.2, 1.2), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9), "atan": (-3, 3),
         "sinh": (-3, 3), "cosh": (-3, 3), "asinh": (-3, 3), "acosh": (1.05, 4),
         "atanh": (-0.9, 0.9), "log2": (0.1, 5), "log10": (0.1, 5), "exp2": (-3, 3),
         "rsqrt": (0.1, 5), "reciprocal": (0.2, 3), "sinc": (-3, 3), "erf": (-3, 3),
         "erfc": (-3, 3), "erfinv": (-0.9, 0.9)}
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
           "arccosh": "acosh", "arctanh": "atanh", "arctan2": "atan2", "fix": "trunc"}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_torch(name):
    lo, hi = UNARY[name]
    values = np.random.default_rng(0).uniform(lo, hi, size=(3, 4))
    x, tx = _xg(values, grad=True), _th(values, grad=True)
    y, ty = getattr(xg, name)(x), getattr(torch, name)(tx)
    _close(y, ty)
    gy = np.random.default_rng(1).standard_normal((3, 4))
    y.backward(_xg(gy))
    ty.backward(_th(gy))
    _close(x.grad, tx.grad, rtol=1e-10)
    # method, float32 result, integer inputs give float32, 0-d and empty keep their shapes
    assert getattr(x.detach(), name)().shape == (3, 4)
    assert getattr(xg, name)(xg.tensor(values.astype(np.float32))).dtype == xg.float32
    ints = xg.tensor([1, 2])
    assert getattr(xg, name)(ints).dtype == xg.float32 == str(getattr(torch, name)(
        torch.tensor([1, 2])).dtype).split(".")[1]
    assert getattr(xg, name)(_xg(0.5 if name != "acosh" else 1.5)).shape == ()
    assert getattr(xg, name)(_xg(np.zeros((0, 2)))).shape == (0, 2)


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases(alias):
    assert getattr(xg, alias) is getattr(xg, ALIASES[alias])
    assert getattr(xg.Tensor, alias) is getattr(xg.Tensor, ALIASES[alias])


def test_sinc_at_zero_like_torch():
    x, tx = _xg([0.0, 1.0, 0.5, -2.0], grad=True), _th([0.0, 1.0, 0.5, -2.0], grad=True)
    xg.sinc(x).sum().backward()
    torch.sinc(tx).sum().backward()
    _close(xg.sinc(x.detach()), torch.sinc(tx.detach()))
    _close(x.grad, tx.grad)


BINARY = ["atan2", "logaddexp", "logaddexp2", "hypot", "xlogy"]


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 1), (3,)), ((), (2, 2)),
                                    ((0, 3), (1, 3))])
def test_binary_matches_torch(name, shapes):
    rng = np.random.default_rng(2)
    a = rng.uniform(-2, 2, size=shapes[0])
    b = rng.uniform(0.3, 2, size=shapes[1]) * np.where(rng.random(shapes[1]) < 0.5, -1, 1)
    if name == "xlogy":
        b = np.abs(b)
    xa, xb, ta, tb = _xg(a, grad=True), _xg(b, grad=True), _th(a, grad=True), _th(b, grad=True)
    y, ty = getattr(xg, name)(xa, xb), getattr(torch, name)(ta, tb)
    _close(y, ty)
    assert y.shape == tuple(ty.shape)
    if y.size:
        gy = rng.standard_normal(y.shape)
        y.backward(_xg(gy))
        ty.backward(_th(gy))
        _close(xa.grad, ta.grad, rtol=1e-10)
        _close(xb.grad, tb.grad, rtol=1e-10)
    assert getattr(xa.detach(), name)(xb.detach()).shape == y.shape
    assert getattr(xg, name)(xa.float(), xb.float()).dtype == xg.float32


def test_logaddexp_extremes_like_torch():
    values = [(1000.0, 1000.0), (-np.inf, -np.inf), (np.inf, np.inf), (np.inf, -np.inf),
              (-1000.0, 3.0), (5.0, -np.inf)]
    a, b = np.array(values).T
    for name in ("logaddexp", "logaddexp2"):
        _close(getattr(xg, name)(_xg(a), _xg(b)), getattr(torch, name)(_th(a), _th(b)))


def test_xlogy_zero_and_nan_like_torch():
    x = [0.0, 0.0, 0.0, 1.0, 2.0, -1.0]
    y = [0.0, np.nan, 3.0, 0.0, 3.0, 2.0]
    xa, xb, ta, tb = _xg(x, grad=True), _xg(y, grad=True), _th(x, grad=True), _th(y, grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = xg.xlogy(xa, xb)
        out.sum().backward()
    tout = torch.xlogy(ta, tb)
    tout.sum().backward()
    _close(out, tout)
    _close(xa.grad, ta.grad)
    _close(xb.grad, tb.grad)
    _close(xg.xlogy(2, _xg([3.0])), torch.xlogy(2, _th([3.0])))
    _close(xg.xlogy(_xg([3.0]), 2), torch.xlogy(_th([3.0]), 2))
    assert xg.xlogy(xg.tensor([3.0]), 2.0).dtype == xg.float32


@pytest.mark.parametrize("weight", [0.25, 0.75, -0.5, 1.0, 0.0, "tensor"])
def test_lerp_matches_torch(weight):
    rng = np.random.default_rng(3)
    a, e = rng.standard_normal((2, 3)), rng.standard_normal(3)
    w = rng.uniform(-0.5, 1.5, (2, 1)) if weight == "tensor" else weight
    xa, xe, ta, te = _xg(a, grad=True), _xg(e, grad=True), _th(a, grad=True), _th(e, grad=True)
    xw = _xg(w, grad=True) if weight == "tensor" else w
    tw = _th(w, grad=True) if weight == "tensor" else w
    y, ty = xg.lerp(xa, xe, xw), torch.lerp(ta, te, tw)
    _close(y, ty, rtol=1e-15, atol=0)              # the same formula: the same bits
    y.sum().backward()
    ty.sum().backward()
    _close(xa.grad, ta.grad)
    _close(xe.grad, te.grad)
    if weight == "tensor":
        _close(xw.grad, tw.grad)
    assert xa.detach().lerp(xe.detach(), xw if weight != "tensor" else xw.detach()).shape == (2, 3)


def test_lerp_end_points_are_exact():
    a, e = _xg([0.1, 1e10]), _xg([0.7, -3.3])
    np.testing.assert_array_equal(xg.lerp(a, e, 0.0).numpy(), a.numpy())
    np.testing.assert_array_equal(xg.lerp(a, e, 1.0).numpy(), e.numpy())


# ---- clamp_min / clamp_max: the subgradient at ties as torch -------------------------------
@pytest.mark.parametrize("name", ["clamp_min", "clamp_max"])
def test_clamp_one_sided_like_torch(name):
    x, tx = _xg([1.0, 2.0, 3.0], grad=True), _th([1.0, 2.0, 3.0], grad=True)
    m, tm = _xg([2.0, 2.0, 2.0], grad=True), _th([2.0, 2.0, 2.0], grad=True)
    getattr(xg, name)(x, m).sum().backward()
    getattr(torch, name)(tx, tm).sum().backward()
    _close(x.grad, tx.grad)
    _close(m.grad, tm.grad)
    x.grad, tx.grad = None, None
    getattr(x, name)(2.0).sum().backward()
    getattr(tx, name)(2.0).sum().backward()
    _close(x.grad, tx.grad)
    assert getattr(xg, name)(xg.tensor([1, 5]), 2).dtype == xg.int64


# ---- rounding ------------------------------------------------------------------------------
ROUNDING = ["floor", "ceil", "round", "trunc", "fix", "frac"]


@pytest.mark.parametrize("name", ROUNDING)
def test_rounding_like_torch(name):
    values = [-2.5, -1.5, -0.5, -0.2, 0.0, 0.5, 1.5, 2.5, 2.7, 1e20, np.inf, np.nan]
    x, tx = _xg(values, grad=True), _th(values, grad=True)
    y, ty = getattr(xg, name)(x), getattr(torch, name)(tx)
    with np.errstate(invalid="ignore"):
        _close(y, ty, rtol=0, atol=0)
    assert y.requires_grad
    y.backward(_xg(np.ones(len(values))))
    ty.backward(torch.ones(len(values), dtype=torch.float64))
    _close(x.grad, tx.grad)
    assert getattr(xg, name)(xg.tensor([1.5], dtype="float32")).dtype == xg.float32
    if name != "frac":                        # torch has no integer frac; ours gives zeros
        ints = xg.tensor([3, -7])
        out = getattr(xg, name)(ints)
        assert out.dtype == xg.int64 and out.tolist() == [3, -7] and out is not ints
    else:
        assert xg.frac(xg.tensor([3, -7])).tolist() == [0, 0]


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, -1, -2])
def test_round_decimals_like_torch(decimals):
    values = np.random.default_rng(4).uniform(-300, 300, 50).tolist() + [0.125, 1.25, 125.0,
                                                                         150.0, -2.5]
    for dtype, tdtype in (("float64", torch.float64), ("float32", torch.float32)):
        _close(xg.round(_xg(values, dtype), decimals=decimals),
               torch.round(_th(values, tdtype), decimals=decimals), rtol=0, atol=0)
    assert _xg(values).round(decimals=decimals).shape == (len(values),)


# ---- remainder, fmod, floor_divide ---------------------------------------------------------
PAIRS = [(a, b) for a in (-7.0, -5.5, -2.0, -0.0, 0.0, 3.0, 5.25, 7.0, 1e6 + 0.5)
         for b in (-3.0, -1.5, 2.0, 0.75, 4.0)]


@pytest.mark.parametrize("name", ["remainder", "fmod", "floor_divide"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_modular_like_torch(name, dtype):
    pairs = [(a, b) for a, b in PAIRS if dtype != "int64" or (a == int(a) and b == int(b))]
    a, b = (np.array(v) for v in zip(*pairs))
    tdtype = getattr(torch, dtype)
    y = getattr(xg, name)(xg.tensor(a, dtype=dtype), xg.tensor(b, dtype=dtype))
    ty = getattr(torch, name)(torch.tensor(a, dtype=tdtype), torch.tensor(b, dtype=tdtype))
    assert y.dtype == dtype
    _close(y, ty, rtol=0, atol=0)
    _close(getattr(xg, name)(xg.tensor(a, dtype=dtype), 3),
           getattr(torch, name)(torch.tensor(a, dtype=tdtype), 3), rtol=0, atol=0)


def test_modular_gradients_like_torch():
    a, b = np.array([-7.0, -5.5, 3.0, 5.25, 7.0]), np.array([-3.0, 2.0, 0.75, -1.5, 4.0])
    for name in ("remainder", "fmod"):
        xa, xb, ta, tb = _xg(a, grad=True), _xg(b, grad=True), _th(a, grad=True), _th(b, grad=True)
        getattr(xg, name)(xa, xb).sum().backward()
        getattr(torch, name)(ta, tb).sum().backward()
        _close(xa.grad, ta.grad)
        _close(xb.grad, tb.grad)
    x = _xg(b, grad=True)
    (5.5 % x).sum().backward()
    # PyTorch has no derivative for a number % tensor; the divisor's gradient is
    # -floor(a / b), the same as for a tensor dividend
    tx = _th(b, grad=True)
    torch.remainder(torch.full_like(tx, 5.5), tx).sum().backward()
    _close(x.grad, tx.grad)
    assert not xg.floor_divide(_xg(a, grad=True), _xg(b)).requires_grad


def test_operators_and_promotion_like_torch():
    i, ti = xg.tensor([3, -7]), torch.tensor([3, -7])
    for ours, theirs in [(i % 2, ti % 2), (i % 2.5, ti % 2.5), (5 % i, 5 % ti),
                         (5.5 % i, 5.5 % ti), (i // 2, ti // 2), (7 // i, 7 // ti),
                         (i // 2.5, ti // 2.5), (xg.fmod(i, 2.5), torch.fmod(ti, 2.5)),
                         (xg.fmod(i, -2), torch.fmod(ti, -2))]:
        assert ours.dtype == str(theirs.dtype).split(".")[1]
        _close(ours, theirs, rtol=0, atol=0)
    f = xg.tensor([5.0, -5.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        _close(xg.remainder(f, 0.0), torch.remainder(torch.tensor([5.0, -5.0]), 0.0))
        _close(xg.fmod(f, 0.0), torch.fmod(torch.tensor([5.0, -5.0]), 0.0))
        _close(f // 0.0, torch.tensor([5.0, -5.0]) // 0.0)
    assert (f % 2).dtype == xg.float32 and (f // 2).shape == (2,)


# ---- nan_to_num --------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"nan": 1.5}, {"posinf": 2.0}, {"neginf": -1.0},
                                    {"nan": -1.0, "posinf": 10.0, "neginf": -10.0}])
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_nan_to_num_like_torch(kwargs, dtype):
    values = [np.nan, np.inf, -np.inf, 1.0, -2.5, 0.0]
    x = xg.tensor(np.array(values), dtype=dtype, requires_grad=dtype != "float16")
    tx = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=dtype != "float16")
    y, ty = xg.nan_to_num(x, **kwargs), torch.nan_to_num(tx, **kwargs)
    assert y.dtype == dtype
    _close(y, ty.float() if dtype == "float16" else ty, rtol=0, atol=0)
    if dtype != "float16":
        y.sum().backward()
        ty.sum().backward()
        _close(x.grad, tx.grad)
    assert xg.nan_to_num(xg.tensor([3, -7])).tolist() == [3, -7]


# ---- errors ------------------------------------------------------------------------------
def test_clear_errors():
    with pytest.raises(TypeError, match="erf: expected a Tensor"):
        xg.erf([1.0])
    with pytest.raises(TypeError, match="round: decimals must be an int"):
        xg.round(xg.tensor([1.0]), 1.5)
    with pytest.raises(ValueError, match=r"atan2.*broadcast.*float32\[2\].*float32\[3\]"):
        xg.atan2(xg.ones(2), xg.ones(3))
    with pytest.raises(RuntimeError, match="same device"):
        xg.hypot(xg.ones(2), xg.ones(2, device="strict:device1"))
    with pytest.raises(TypeError, match="lerp: expected a Tensor"):
        xg.lerp(1.0, xg.ones(2), 0.5)
