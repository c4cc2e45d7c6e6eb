"""PyTorch's extra top-level functions and xg.special against PyTorch itself: values in float32
and float64, dtypes, gradients, edge cases (0-d, empty, NaN/inf) and errors. The registry
(tests/op_db_extras.py) gradchecks the differentiable ones on every device."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg

torch = pytest.importorskip("torch")

SPECIAL_VALUES = [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, math.inf, -math.inf, math.nan, 1e-300, 1e300]


def _pair(values, dtype="float64", requires_grad=False):
    a = np.asarray(values, dtype=dtype)
    return (xg.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _same(mine, ref, rtol=1e-13, atol=0.0):
    ref = ref.detach()
    assert str(mine.dtype) == str(ref.dtype).replace("torch.", ""), (mine.dtype, ref.dtype)
    assert tuple(mine.shape) == tuple(ref.shape)
    np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=rtol, atol=atol, equal_nan=True)


def _grid(lo, hi, n=2001):
    x = np.linspace(lo, hi, n)
    return x[np.abs(x - np.round(x)) > 1e-3]          # off the poles at the integers


# ---- gamma, Bessel and the special functions ------------------------------------------------
@pytest.mark.parametrize("name, lo, hi, rtol", [
    ("lgamma", -20.0, 40.0, 1e-11), ("digamma", -20.0, 40.0, 1e-12),
    ("i0", -700.0, 700.0, 1e-14), ("special.i1", -700.0, 700.0, 1e-14),
    ("special.i0e", -800.0, 800.0, 1e-14), ("special.i1e", -800.0, 800.0, 1e-14),
    ("special.erfcx", -26.0, 1e4, 1e-13), ("special.ndtri", 1e-6, 1.0 - 1e-6, 1e-12),
    ("special.log_ndtr", -300.0, 30.0, 1e-12), ("special.ndtr", -30.0, 10.0, 1e-13),
    ("special.entr", 0.0, 10.0, 1e-14), ("special.expit", -30.0, 30.0, 1e-14),
    ("special.logit", 1e-6, 1.0 - 1e-6, 1e-12), ("special.gammaln", 0.01, 30.0, 1e-12),
])
def test_special_values_float64(name, lo, hi, rtol):
    fn_x, fn_t = xg, torch
    for part in name.split("."):
        fn_x, fn_t = getattr(fn_x, part), getattr(fn_t, part)
    x, tx = _pair(_grid(lo, hi))
    _same(fn_x(x), fn_t(tx), rtol=rtol, atol=1e-14)
    # 0-d and empty keep their shapes
    assert fn_x(xg.tensor(0.5, dtype="float64")).shape == ()
    assert fn_x(xg.zeros(0, 2)).shape == (0, 2)


@pytest.mark.parametrize("name", ["lgamma", "digamma", "i0", "special.i1", "special.i0e",
                                  "special.erfcx", "special.ndtri", "special.log_ndtr"])
def test_special_float32_and_ints(name):
    fn_x, fn_t = xg, torch
    for part in name.split("."):
        fn_x, fn_t = getattr(fn_x, part), getattr(fn_t, part)
    x, tx = _pair(np.linspace(0.05, 0.95, 50) * 7.0 if "ndtri" not in name
                  else np.linspace(0.01, 0.99, 50), dtype="float32")
    _same(fn_x(x), fn_t(tx), rtol=2e-6, atol=1e-6)
    assert fn_x(xg.tensor([1, 2])).dtype == xg.float32          # integers: the default float


def test_gamma_edge_values_as_torch():
    x, tx = _pair(SPECIAL_VALUES + [-3.0, -1.5, 0.5])
    _same(xg.lgamma(x), torch.lgamma(tx))
    _same(xg.digamma(x), torch.digamma(tx))
    # off the poles: there torch's reflection gives huge finite values, ours inf
    off, toff = _pair([1.0, 2.5, -2.5, math.inf, -math.inf, math.nan, 1e-300, 1e300, -1.5, 0.5])
    for n in (1, 2, 3):
        # torch's trigamma (n = 1) is a short asymptotic series, good to ~1e-9
        _same(xg.polygamma(n, off), torch.polygamma(n, toff), rtol=1e-8)
    assert xg.polygamma(1, xg.tensor([0.0, -1.0, -3.0])).tolist() == [math.inf] * 3
    _same(xg.special.i0e(x), torch.special.i0e(tx))
    _same(xg.special.erfcx(x), torch.special.erfcx(tx))


def test_polygamma_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    xs = [-2.7, -0.4, 1e-3, 0.3, 1.4616, 3.0, 12.5, 100.0]
    for n in (1, 2, 3, 5):
        got = xg.polygamma(n, xg.tensor(xs, dtype="float64")).numpy()
        want = [float(mpmath.polygamma(n, v)) for v in xs]
        np.testing.assert_allclose(got, want, rtol=1e-12)
    # torch's own polygamma agrees where its series is accurate
    x, tx = _pair(_grid(-10.0, 30.0, 401))
    _same(xg.polygamma(2, x), torch.polygamma(2, tx), rtol=1e-9)
    _same(xg.polygamma(1, x), torch.polygamma(1, tx), rtol=1e-8)


def test_zeta_and_mvlgamma():
    s, ts = _pair([2.0, 3.5, 2.0, 3.0, 2.0, 0.5, 1.0, 4.0])
    q, tq = _pair([1.0, 2.3, -1.5, -2.5, -2.0, 1.0, 1.0, 1e3])
    _same(xg.special.zeta(s, q), torch.special.zeta(ts, tq), rtol=1e-12)
    x, tx = _pair(np.linspace(1.6, 9.0, 40))
    for p in (1, 3):
        _same(xg.mvlgamma(x, p), torch.mvlgamma(tx, p), rtol=1e-12)
        _same(xg.special.multigammaln(x, p), torch.special.multigammaln(tx, p), rtol=1e-12)
    with pytest.raises(ValueError, match="mvlgamma: p has to be"):
        xg.mvlgamma(x, 0)


@pytest.mark.parametrize("name, lo, hi", [
    ("lgamma", -3.7, 6.0), ("digamma", -3.7, 6.0), ("i0", -30.0, 30.0),
    ("special.i1", -30.0, 30.0), ("special.i0e", -30.0, 30.0), ("special.i1e", -30.0, 30.0),
    ("special.erfcx", -3.0, 40.0), ("special.ndtri", 0.01, 0.99),
    ("special.log_ndtr", -40.0, 8.0), ("special.entr", 0.1, 3.0),
])
def test_special_gradients_match_torch(name, lo, hi):
    fn_x, fn_t = xg, torch
    for part in name.split("."):
        fn_x, fn_t = getattr(fn_x, part), getattr(fn_t, part)
    x, tx = _pair(_grid(lo, hi, 101), requires_grad=True)
    g, = xg.autograd.grad(fn_x(x).sum(), [x], create_graph=True)
    tg, = torch.autograd.grad(fn_t(tx).sum(), [tx], create_graph=True)
    _same(g, tg, rtol=1e-9, atol=1e-12)
    gg, = xg.autograd.grad(g.sum(), [x])
    tgg, = torch.autograd.grad(tg.sum(), [tx])
    _same(gg, tgg, rtol=1e-7, atol=1e-10)


def test_polygamma_and_mvlgamma_gradients():
    x, tx = _pair(np.linspace(0.7, 5.0, 30), requires_grad=True)
    g, = xg.autograd.grad(xg.polygamma(2, x).sum(), [x])
    tg, = torch.autograd.grad(torch.polygamma(2, tx).sum(), [tx])
    _same(g, tg, rtol=1e-9)
    g, = xg.autograd.grad(xg.mvlgamma(x + 1.0, 2).sum(), [x])
    tg, = torch.autograd.grad(torch.mvlgamma(tx + 1.0, 2).sum(), [tx])
    _same(g, tg, rtol=1e-12)
    assert xg.tensor([2.0]).polygamma(1).item() == pytest.approx(math.pi ** 2 / 6 - 1)


def test_special_composites():
    x, tx = _pair([0.0, 0.0, 2.0, -0.5, math.nan])
    y, ty = _pair([-1.0, math.nan, 1.0, 3.0, 0.0])
    _same(xg.special.xlog1py(x, y), torch.special.xlog1py(tx, ty))
    _same(xg.special.xlogy(x, y), torch.special.xlogy(tx, ty))
    e, te = _pair([-1.0, 0.0, 0.5, math.nan, math.inf])
    _same(xg.special.entr(e), torch.special.entr(te))
    _same(xg.special.ndtri(e), torch.special.ndtri(te))
    z, tz = _pair([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    _same(xg.special.logsumexp(z, 1), torch.special.logsumexp(tz, 1))
    _same(xg.special.softmax(z, 0), torch.special.softmax(tz, 0))
    _same(xg.special.log_softmax(z, -1), torch.special.log_softmax(tz, -1))
    _same(xg.special.round(z * 0.25, decimals=1), torch.special.round(tz * 0.25, decimals=1))
    for name in ("erf", "erfc", "erfinv", "expm1", "exp2", "log1p", "sinc", "psi"):
        _same(getattr(xg.special, name)(z * 0.3), getattr(torch.special, name)(tz * 0.3),
              rtol=1e-12)


# ---- elementwise ------------------------------------------------------------------------
def test_sign_helpers_with_nan_inf_and_zeros():
    v = [0.0, -0.0, 1.5, -2.0, math.inf, -math.inf, math.nan]
    x, tx = _pair(v)
    for name in ("signbit", "isposinf", "isneginf", "isreal", "sgn", "absolute"):
        _same(getattr(xg, name)(x), getattr(torch, name)(tx))
        _same(getattr(x, name)(), getattr(tx, name)())
    i, ti = _pair([-3, 0, 4], dtype="int64")
    for name in ("signbit", "isposinf", "isneginf", "isreal"):
        _same(getattr(xg, name)(i), getattr(torch, name)(ti))
    a, ta = _pair([[v_ for v_ in v]] * len(v))
    b, tb = _pair([[w] * len(v) for w in v])
    for name in ("copysign", "fmax", "fmin", "nextafter"):
        _same(getattr(xg, name)(a, b), getattr(torch, name)(ta, tb))
    _same(xg.heaviside(x, xg.tensor([0.5], dtype="float64")),
          torch.heaviside(tx, torch.tensor([0.5], dtype=torch.float64)))


def test_elementwise_dtypes_follow_torch():
    ints, tints = _pair([1, -2, 3], dtype="int64")
    f32, tf32 = _pair([0.5, -1.0, 2.0], dtype="float32")
    f64, tf64 = _pair([0.5, -1.0, 2.0])
    cases = [
        lambda m, a, b, c: m.copysign(a, -1.0), lambda m, a, b, c: m.copysign(a, b),
        lambda m, a, b, c: m.copysign(b, c), lambda m, a, b, c: m.fmax(a, b),
        lambda m, a, b, c: m.fmin(a, a), lambda m, a, b, c: m.float_power(a, 2),
        lambda m, a, b, c: m.float_power(b, b), lambda m, a, b, c: m.float_power(2, b),
        lambda m, a, b, c: m.deg2rad(a), lambda m, a, b, c: m.rad2deg(b),
        lambda m, a, b, c: m.ldexp(b, a), lambda m, a, b, c: m.ldexp(c, a),
        lambda m, a, b, c: m.logit(b * 0.2 + 0.5), lambda m, a, b, c: m.true_divide(a, 2),
        lambda m, a, b, c: m.rsub(b, 3.0), lambda m, a, b, c: m.rsub(a, a, alpha=2),
        lambda m, a, b, c: m.fmax(b, c),
    ]
    for k, case in enumerate(cases):
        _same(case(xg, ints, f32, f64), case(torch, tints, tf32, tf64), rtol=1e-6)


def test_elementwise_gradients_match_torch():
    a, ta = _pair([[0.5, -1.5, 2.0], [1.0, -0.3, 0.7]], requires_grad=True)
    b, tb = _pair([[-1.0, 2.0, 0.5], [0.2, -2.0, 0.9]], requires_grad=True)
    fns = [
        lambda m, x, y: m.copysign(x, y), lambda m, x, y: m.fmax(x, y),
        lambda m, x, y: m.fmin(x, y), lambda m, x, y: m.float_power(x.abs(), y),
        lambda m, x, y: m.ldexp(x, y), lambda m, x, y: m.logit(x.sigmoid(), eps=0.3),
        lambda m, x, y: m.rad2deg(x) * m.deg2rad(y), lambda m, x, y: m.frexp(x * 9).mantissa,
        lambda m, x, y: m.adjoint(x) @ y, lambda m, x, y: m.rsub(x, y, alpha=3),
    ]
    for fn in fns:
        out, tout = fn(xg, a, b), fn(torch, ta, tb)
        _same(out, tout, rtol=1e-12)
        got = xg.autograd.grad(out.sum(), [a, b], allow_unused=True)
        want = torch.autograd.grad(tout.sum(), [ta, tb], allow_unused=True)
        for g, w in zip(got, want):
            if w is None or not w.any():
                assert g is None or not g.numpy().any()
            else:
                _same(g, w, rtol=1e-12)


def test_frexp_ldexp_round_trip():
    v = [0.0, 1.0, -3.0, 8.0, 0.1, 1e-310, 1.7e308, -2.5e-8, 7.0]
    x, tx = _pair(v)
    m, e = xg.frexp(x)
    tm, te = torch.frexp(tx)
    _same(m, tm)
    _same(e, te)
    _same(xg.ldexp(m, e), torch.ldexp(tm, te))
    _same(xg.ldexp(m, e)[:6], tx[:6])
    f, tf = _pair(v[:5] + [65504.0], dtype="float32")
    _same(xg.frexp(f).mantissa, torch.frexp(tf).mantissa)
    with pytest.raises(TypeError, match="frexp: only supports floating"):
        xg.frexp(xg.tensor([1, 2]))


def test_integer_functions():
    rng = np.random.default_rng(0)
    for dtype in ("int64", "int32", "int16", "uint8"):
        lo = 0 if dtype == "uint8" else -300
        hi = 255 if dtype == "uint8" else 300
        a, ta = _pair(rng.integers(lo, hi, (40,)), dtype=dtype)
        b, tb = _pair(rng.integers(lo, hi, (40,)), dtype=dtype)
        for name in ("gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor"):
            if name == "lcm" and dtype != "int64":
                continue          # torch's lcm overflows in narrow types (as ours would)
            _same(getattr(xg, name)(a, b), getattr(torch, name)(ta, tb))
        _same(xg.bitwise_not(a), torch.bitwise_not(ta))
        _same(a ^ b, ta ^ tb)
    fib = [7540113804746346429, 4660046610375530309]          # Euclid's worst case in int64
    _same(xg.gcd(xg.tensor([fib[0]]), xg.tensor([fib[1]])),
          torch.gcd(torch.tensor([fib[0]]), torch.tensor([fib[1]])))
    p, tp = _pair([True, False, True], dtype="bool")
    q, tq = _pair([True, True, False], dtype="bool")
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        _same(getattr(xg, name)(p, q), getattr(torch, name)(tp, tq))
    _same(xg.bitwise_not(p), torch.bitwise_not(tp))
    _same(5 ^ xg.tensor([3]), 5 ^ torch.tensor([3]))
    _same(xg.bitwise_and(xg.tensor([12, 7]), 10), torch.bitwise_and(torch.tensor([12, 7]), 10))
    with pytest.raises(TypeError, match=r"gcd: expected integer tensors, got float32"):
        xg.gcd(xg.tensor([1.0]), xg.tensor([2.0]))
    with pytest.raises(TypeError, match=r"bitwise_xor: expected integer or bool"):
        xg.bitwise_xor(xg.tensor([1.0]), xg.tensor([2]))
    with pytest.raises(TypeError, match=r"bitwise_not: expected an integer or bool"):
        xg.tensor([1.0]).bitwise_not()


def test_complex_views_of_real_tensors():
    x = xg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert xg.real(x) is x and x.real is x and xg.conj(x) is x and x.conj() is x
    assert xg.resolve_conj(x) is x and xg.resolve_neg(x) is x
    assert x.adjoint().shape == (3, 1) and xg.adjoint(xg.zeros(2, 4, 3)).shape == (2, 3, 4)
    for call in (lambda: x.imag, lambda: xg.imag(x)):
        with pytest.raises(RuntimeError, match="imag is not implemented for tensors with "
                                               "non-complex dtypes"):
            call()
    with pytest.raises(RuntimeError, match="adjoint.*Got 1-D tensor"):
        xg.adjoint(xg.zeros(3))


def test_binary_errors_name_the_op():
    with pytest.raises(TypeError, match="heaviside: input and values must have the same dtype"):
        xg.heaviside(xg.tensor([1.0]), xg.tensor([1.0], dtype="float64"))
    with pytest.raises(TypeError, match="nextafter: expected floating tensors of one dtype"):
        xg.nextafter(xg.tensor([1.0]), xg.tensor([1.0], dtype="float64"))
    with pytest.raises(ValueError, match="fmax.*broadcast"):
        xg.fmax(xg.zeros(2, 3), xg.zeros(4))
    with pytest.raises(ValueError, match="polygamma: n must be a non-negative int"):
        xg.polygamma(1.5, xg.zeros(2))
