"""torch.autograd.functional's API (vjp, jvp, jacobian, hessian, hvp, vhp) against PyTorch
(skipped without it): values, result structure for tensor and tuple inputs/outputs, strict,
create_graph, errors; and set_grad_enabled / set_detect_anomaly as plain calls."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad.autograd import functional as F

torch = pytest.importorskip("torch")
TF = torch.autograd.functional

RNG = np.random.default_rng(11)
A, B, V = RNG.random(3), RNG.random((2, 3)), RNG.random(3)


def _same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same(o, t)
        return
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def _elementwise(m):
    return lambda x: x.sin() * x


def _two_in_two_out(m):
    return lambda x, y: (y @ x.exp(), (x * x).sum())


def _scalar(m):
    return lambda x: (x ** 3).sum() + x[0] * x[1] * x[2]


def _scalar_of_two(m):
    return lambda x, y: (x.exp().sum() * (y @ x)).sum()


def _both(m):
    return m.tensor(A), m.tensor(B), m.tensor(V)


@pytest.mark.parametrize("case", ["single", "tuple"])
def test_jacobian_and_hessian_like_torch(case):
    (x, y, _), (tx, ty, _) = _both(xg), _both(torch)
    if case == "single":
        _same(F.jacobian(_elementwise(xg), x), TF.jacobian(_elementwise(torch), tx))
        _same(F.hessian(_scalar(xg), x), TF.hessian(_scalar(torch), tx))
    else:
        _same(F.jacobian(_two_in_two_out(xg), (x, y)), TF.jacobian(_two_in_two_out(torch), (tx, ty)))
        _same(F.hessian(_scalar_of_two(xg), (x, y)), TF.hessian(_scalar_of_two(torch), (tx, ty)))


def test_products_like_torch():
    (x, y, v), (tx, ty, tv) = _both(xg), _both(torch)
    for ours, theirs in [
        (F.vjp(_elementwise(xg), x, v), TF.vjp(_elementwise(torch), tx, tv)),
        (F.vjp(_scalar(xg), x), TF.vjp(_scalar(torch), tx)),
        (F.jvp(_elementwise(xg), x, v), TF.jvp(_elementwise(torch), tx, tv)),
        (F.jvp(_two_in_two_out(xg), (x, y), (v, y)), TF.jvp(_two_in_two_out(torch), (tx, ty), (tv, ty))),
        (F.hvp(_scalar(xg), x, v), TF.hvp(_scalar(torch), tx, tv)),
        (F.vhp(_scalar_of_two(xg), (x, y), (v, y)), TF.vhp(_scalar_of_two(torch), (tx, ty), (tv, ty))),
    ]:
        _same(ours, theirs)


def test_results_are_detached_unless_create_graph():
    x = xg.tensor(A)
    jac = F.jacobian(_elementwise(xg), x)
    assert not jac.requires_grad and not x.requires_grad
    w = xg.tensor(A, requires_grad=True)
    jac = F.jacobian(lambda t: t * t * w, xg.tensor(A), create_graph=True)
    jac.sum().backward()                        # d/dw of sum(2 t w) = 2 t
    np.testing.assert_allclose(w.grad.numpy(), 2 * A)


def test_strict_and_independent_outputs():
    x = xg.tensor(A)
    zeros = F.jacobian(lambda t: xg.ones(2, dtype=xg.float64), x)
    assert zeros.shape == (2, 3) and not zeros.numpy().any()
    with pytest.raises(RuntimeError, match="independent of input 0"):
        F.jacobian(lambda t: xg.ones(2, dtype=xg.float64), x, strict=True)
    _, g = F.vjp(lambda t: (t * 0).sum() + 1.0, x)
    assert g.shape == (3,)


def test_errors():
    x = xg.tensor(A)
    with pytest.raises(RuntimeError, match="vjp: v can be omitted only"):
        F.vjp(_elementwise(xg), x)
    with pytest.raises(ValueError, match=r"jvp: v\[0\] has shape \(2,\), expected \(3,\)"):
        F.jvp(_elementwise(xg), x, xg.ones(2, dtype=xg.float64))
    with pytest.raises(RuntimeError, match="hessian: func must return a one-element Tensor"):
        F.hessian(_elementwise(xg), x)
    with pytest.raises(TypeError, match="jacobian: inputs must be floating point"):
        F.jacobian(_elementwise(xg), xg.tensor([1, 2]))
    with pytest.raises(TypeError, match=r"jacobian: inputs\[0\] must be a Tensor, got float"):
        F.jacobian(_elementwise(xg), [1.0, 2.0])


def test_jax_style_vjp_stays_at_the_top_level():
    out, vjp_fn = xg.vjp(lambda t: t * t, xg.tensor(A))
    g, = vjp_fn(xg.tensor(V))
    np.testing.assert_allclose(g.numpy(), 2 * A * V)


def test_on_every_device(device):
    x = xg.tensor(A, device=device)
    jac = F.jacobian(lambda t: t * t, x)
    assert jac.device == x.device
    np.testing.assert_allclose(jac.numpy(), np.diag(2 * A))
    np.testing.assert_allclose(F.hessian(lambda t: (t ** 3).sum(), x).numpy(), np.diag(6 * A))


def test_set_grad_enabled_and_set_detect_anomaly_as_calls():
    try:
        xg.set_grad_enabled(False)
        assert not xg.is_grad_enabled()
        assert not (xg.ones(2, requires_grad=True) * 2).requires_grad
    finally:
        xg.set_grad_enabled(True)
    assert xg.is_grad_enabled()
    with xg.set_grad_enabled(False):
        assert not xg.is_grad_enabled()
    assert xg.is_grad_enabled()

    @xg.set_grad_enabled(False)
    def inside():
        return xg.is_grad_enabled()
    assert xg.is_grad_enabled() and inside() is False and xg.is_grad_enabled()
    try:
        xg.autograd.set_detect_anomaly(True)
        x = xg.tensor([-1.0], requires_grad=True)
        with pytest.raises(FloatingPointError):
            x.log().sum().backward()
    finally:
        xg.autograd.set_detect_anomaly(False)


def test_grad_modes_as_bare_decorators_and_inference_mode():
    x = xg.ones(2, requires_grad=True)

    @xg.no_grad
    def frozen(t):
        return t * 2

    @xg.enable_grad
    def recorded(t):
        return t * 2

    @xg.inference_mode
    def inferred(t):
        return t * 2

    assert not frozen(x).requires_grad and not inferred(x).requires_grad
    with xg.no_grad():
        assert recorded(x).requires_grad
    with xg.inference_mode():
        assert not (x * 2).requires_grad
    with xg.inference_mode(False):
        assert (x * 2).requires_grad
    with pytest.raises(TypeError, match="expected a function to decorate"):
        xg.no_grad(3)
