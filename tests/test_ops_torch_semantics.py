"""Gradients and outputs at ties, kinks and special values, pinned to PyTorch's.

The expected numbers are PyTorch 2.13's (CPU, float64), hard-coded so these tests run
without torch. Each case once differed from PyTorch in xpgrad."""
import math

import numpy as np
import pytest

import xpgrad as xg

inf, nan = math.inf, math.nan


def _t(values, grad=True):
    return xg.tensor(values, dtype=xg.float64, requires_grad=grad)


def _grads(fn, *values):
    """fn(*tensors), and each tensor's gradient of out.sum() (of out for a scalar)."""
    ts = [_t(v) for v in values]
    out = fn(*ts)
    out.sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=1e-12, atol=0, equal_nan=True)


def test_relu_passes_the_gradient_at_nan():
    _, (g,) = _grads(xg.relu, [nan, -1.0, 0.0, 2.0])
    _close(g, [1.0, 0.0, 0.0, 1.0])


def test_acosh_gradient_at_minus_one_is_plus_inf():
    _, (g,) = _grads(xg.acosh, [-1.0, 1.0, 2.0])
    _close(g, [inf, inf, 0.5773502691896258])


def test_atan2_gradient_at_the_origin_is_zero():
    _, (ga, gb) = _grads(xg.atan2, [0.0, -0.0, 1.0], [0.0, 0.0, 0.0])
    _close(ga, [0.0, 0.0, 0.0])
    _close(gb, [0.0, 0.0, -1.0])


def test_pow_base_gradient_is_zero_for_a_zero_exponent_even_at_zero_base():
    out, (ga, gb) = _grads(xg.pow, [0.0, 0.0, -0.0, 2.0], [0.0, 0.0, 0.0, 3.0])
    _close(out, [1.0, 1.0, 1.0, 8.0])
    _close(ga, [0.0, 0.0, 0.0, 12.0])
    _close(gb, [0.0, 0.0, 0.0, 5.545177444479562])


def test_pow_half_and_minus_half_are_sqrt_and_rsqrt():
    out, (g,) = _grads(lambda x: x ** -0.5, [-0.0, -inf, 4.0])
    _close(out, [-inf, nan, 0.5])
    _close(g, [-inf, -0.0, -0.0625])
    out, (g,) = _grads(lambda x: x ** 0.5, [-0.0, -inf, 4.0])
    _close(out, [-0.0, nan, 2.0])
    _close(g, [-inf, nan, 0.25])
    assert np.signbit(out[0])
    out, (g,) = _grads(lambda x: xg.float_power(x, 0.5), [-0.0, 4.0])
    _close(g, [-inf, 0.25])


def test_zero_base_power_exponent_gradient():
    out, (g,) = _grads(lambda x: xg.pow(0.0, x), [-1.0, 0.0, 2.0, nan])
    _close(out, [inf, 1.0, 0.0, nan])
    _close(g, [-inf, 0.0, 0.0, nan])


def test_logit_gradient_outside_the_domain_and_the_eps_clamp():
    out, (g,) = _grads(xg.logit, [-0.5, 0.25, 1.5])
    _close(out, [nan, -1.0986122886681098, nan])
    _close(g, [nan, 5.333333333333333, nan])
    out, (g,) = _grads(lambda x: xg.logit(x, eps=0.1), [0.05, 0.25, 0.95])
    _close(out, [-2.197224577336219, -1.0986122886681098, 2.1972245773362196])
    _close(g, [0.0, 5.333333333333333, 0.0])


def test_clamp_with_tensor_bounds_sends_ties_to_the_input():
    x = [-1.0, 1.0, 0.0, -2.0, 2.0, 1.0, nan, 1.0]
    lo = [-1.0, -1.0, -1.0, -1.0, -1.0, 2.0, 0.0, nan]
    hi = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 2.0]
    out, (gx, glo, ghi) = _grads(xg.clamp, x, lo, hi)
    _close(out, [-1.0, 1.0, 0.0, -1.0, 1.0, 0.0, nan, nan])
    _close(gx, [1, 1, 1, 0, 0, 0, 0, 0])
    _close(glo, [0, 0, 0, 1, 0, 0, 0, 0])
    _close(ghi, [0, 0, 0, 0, 1, 1, 0, 0])
    out, (gx, gm) = _grads(lambda a, m: xg.clamp(a, min=m), [0.0, nan, -1.0], [0.0, 0.0, 0.0])
    _close(gx, [1, 0, 0])
    _close(gm, [0, 0, 1])
    out, (gx, gm) = _grads(lambda a, m: a.clip(None, m), [0.0, 2.0], [0.0, 1.0])
    _close(gx, [1, 0])
    _close(gm, [0, 1])


def test_clamp_min_and_max_give_a_nan_bound_no_gradient():
    _, (gx, gm) = _grads(xg.clamp_min, [0.0, nan, 1.0, -1.0], [0.0, 0.0, nan, 0.0])
    _close(gx, [1, 0, 0, 0])
    _close(gm, [0, 0, 0, 1])
    _, (gx, gm) = _grads(xg.clamp_max, [0.0, nan, 1.0, 2.0], [0.0, 0.0, nan, 1.0])
    _close(gx, [1, 0, 0, 0])
    _close(gm, [0, 0, 0, 1])


def test_clamp_of_an_integer_tensor_by_float_bounds_is_float():
    out = xg.clamp(xg.tensor([0, 1, 2]), 0.5, 1.5)
    assert out.dtype == xg.float32
    _close(out.numpy(), [0.5, 1.0, 1.5])
    assert xg.clamp(xg.tensor([0, 1, 2]), 1, 2).dtype == xg.int64


@pytest.mark.parametrize("p, values, norm, grad", [
    (0.5, [0.0, 4.0, -1.0], 9.0, [0.0, 1.5, -3.0]),
    (0.5, [0.0, 0.0], 0.0, [0.0, 0.0]),
    (-1.0, [0.0, 3.0], 0.0, [0.0, 0.0]),
    (-1.0, [2.0, 3.0], 1.2000000000000002, [0.3600000000000001, 0.16000000000000003]),
])
def test_vector_norm_below_one_has_zero_gradient_at_zero_entries(p, values, norm, grad):
    out, (g,) = _grads(lambda x: xg.linalg.vector_norm(x, p), values)
    _close(out, norm)
    _close(g, grad)


def test_cdist_and_dist_below_one_at_zero_differences():
    out, (ga, gb) = _grads(lambda a, b: xg.cdist(a, b, p=0.5), [[0.0, 0.0], [1.0, 2.0]],
                           [[0.0, 0.0], [1.0, 1.0]])
    _close(out, [[0.0, 4.0], [5.82842712474619, 1.0]])
    _close(ga, [[-2.0, -2.0], [2.414213562373095, 2.7071067811865475]])
    _close(gb, [[-2.414213562373095, -1.7071067811865475], [2.0, 1.0]])
    out, (ga, gb) = _grads(lambda a, b: xg.dist(a, b, 0.5), [1.0, 2.0], [1.0, 3.0])
    _close(out, 1.0)
    _close(ga, [0.0, -1.0])
    _close(gb, [0.0, 1.0])


def test_logsumexp_of_integers_is_the_default_float():
    out = xg.logsumexp(xg.tensor([1, 2]), 0)
    assert out.dtype == xg.float32
    np.testing.assert_allclose(out.numpy(), 2.3132617, rtol=1e-6)


def test_sign_of_bool_is_the_bool():
    out = xg.sign(xg.tensor([True, False]))
    assert out.dtype == xg.bool
    assert out.numpy().tolist() == [True, False]


def test_div_rounding_modes():
    a = xg.tensor([-7.0, 7.5], dtype=xg.float64, requires_grad=True)
    _close(xg.div(a, 2.0, rounding_mode="trunc").detach().numpy(), [-3.0, 3.0])
    floor = xg.div(a, 2.0, rounding_mode="floor")
    _close(floor.detach().numpy(), [-4.0, 3.0])
    floor.sum().backward()                      # PyTorch: a zero gradient, not an error
    _close(a.grad.numpy(), [0.0, 0.0])
    i, j = xg.tensor([-7, 7, -6, 6, 0]), xg.tensor([2, 2, -3, -4, 5])
    assert xg.div(i, j, rounding_mode="trunc").numpy().tolist() == [-3, 3, 2, -1, 0]
    assert xg.div(i, j, rounding_mode="floor").numpy().tolist() == [-4, 3, 2, -2, 0]
    assert xg.divide(i, 2, rounding_mode="trunc").dtype == xg.int64
    with pytest.raises(ValueError, match="rounding_mode"):
        xg.div(i, j, rounding_mode="round")


def test_tensor_div_methods_take_rounding_mode() -> None:
    a, b = xg.tensor([-7.0, 7.0, -1.5]), xg.tensor([2.0, -2.0, 1.0])
    assert a.div(b, rounding_mode="floor").tolist() == [-4.0, -4.0, -2.0]
    assert a.divide(b, rounding_mode="trunc").tolist() == [-3.0, -3.0, -1.0]
    c = a.clone()
    c.div_(b, rounding_mode="trunc")
    assert c.tolist() == [-3.0, -3.0, -1.0]
    assert xg.tensor([-7, 7]).div(xg.tensor([2, -2]), rounding_mode="trunc").tolist() == [-3, -3]


def test_xlog1py_and_entr_gradients_at_their_edges_as_pytorch() -> None:
    nan, inf = float("nan"), float("inf")
    x = xg.tensor([0.0, 0.0, 0.0, 2.0, 0.0, 1.0], dtype="float64", requires_grad=True)
    y = xg.tensor([1.0, -1.0, -2.0, -1.0, nan, 3.0], dtype="float64", requires_grad=True)
    xg.special.xlog1py(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [math.log(2.0), 0.0, 0.0, -inf, nan,
                                                    math.log(4.0)])
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, nan, -0.0, inf, nan, 0.25])
    e = xg.tensor([0.0, -1.0, inf, nan, 2.0], dtype="float64", requires_grad=True)
    out = xg.special.entr(e)
    np.testing.assert_array_equal(out.detach().numpy(), [0.0, -inf, -inf, nan,
                                                         -2.0 * math.log(2.0)])
    out.sum().backward()
    np.testing.assert_array_equal(e.grad.numpy(), [inf, nan, -inf, nan, -1.0 - math.log(2.0)])
