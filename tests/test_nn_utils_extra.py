"""nn.utils against torch.nn.utils: get_total_norm / clip_grads_with_norm_, weight_norm and
spectral_norm (both APIs), parametrize, batch-norm fusion, stateless.functional_call."""
import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn

torch = pytest.importorskip("torch")
tnn = torch.nn


def _t(x):
    return torch.tensor(np.asarray(x.tolist(), dtype=np.float64))


def _close(a, b, rtol=1e-9, atol=1e-12):
    np.testing.assert_allclose(np.asarray(a.tolist()), b.detach().numpy(), rtol=rtol, atol=atol)


def _copy_into(tmod, mod):
    with torch.no_grad():
        for name, t in mod.state_dict().items():
            tmod.state_dict()[name].copy_(_t(t))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), 0.0])
def test_get_total_norm_and_clip_grads_with_norm(norm_type, device):
    grads = [xg.randn(3, 4, device=device).double(), xg.randn(5, device=device).double()]
    grads[1] = grads[1] * (grads[1] > 0)              # zeros, for the 0-"norm"
    tgrads = [_t(g) for g in grads]
    total = nn.utils.get_total_norm(grads, norm_type)
    ttotal = tnn.utils.get_total_norm(tgrads, norm_type)
    _close(total, ttotal)
    params = [xg.zeros(3, 4, device=device).double().requires_grad_(), xg.zeros(5, device=device).double().requires_grad_()]
    tparams = [torch.zeros(3, 4, dtype=torch.float64, requires_grad=True),
               torch.zeros(5, dtype=torch.float64, requires_grad=True)]
    for p, tp, g, tg in zip(params, tparams, grads, tgrads):
        p.grad, tp.grad = g.clone(), tg.clone()
    nn.utils.clip_grads_with_norm_(params, 0.5, total)
    tnn.utils.clip_grads_with_norm_(tparams, 0.5, ttotal)
    for p, tp in zip(params, tparams):
        _close(p.grad, tp.grad)


def test_get_total_norm_nonfinite_and_empty():
    assert nn.utils.get_total_norm([]).item() == 0.0
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.get_total_norm([xg.tensor([float("inf")])], error_if_nonfinite=True)


@pytest.mark.filterwarnings("ignore::FutureWarning")   # torch deprecates the old API
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_as_torch(dim):
    conv = nn.Conv2d(2, 3, 3).double()
    tconv = tnn.Conv2d(2, 3, 3).double()
    _copy_into(tconv, conv)
    nn.utils.weight_norm(conv, dim=dim)
    tnn.utils.weight_norm(tconv, dim=dim)
    assert [n for n, _ in conv.named_parameters()] == [n for n, _ in tconv.named_parameters()]
    assert list(conv.state_dict()) == list(tconv.state_dict())
    assert conv.weight_g.shape == tuple(tconv.weight_g.shape)
    x = xg.randn(2, 2, 5, 5).double()
    for _ in range(2):                 # the second forward recomputes from the updated g, v
        out, tout = conv(x), tconv(_t(x))
        _close(out, tout)
        (out ** 2).sum().backward()
        (tout ** 2).sum().backward()
        for name in ("weight_g", "weight_v", "bias"):
            _close(getattr(conv, name).grad, getattr(tconv, name).grad)
        with xg.no_grad(), torch.no_grad():
            conv.weight_g.add_(0.1)
            tconv.weight_g.add_(0.1)
    nn.utils.remove_weight_norm(conv)
    tnn.utils.remove_weight_norm(tconv)
    assert [n for n, _ in conv.named_parameters()] == [n for n, _ in tconv.named_parameters()]
    _close(conv.weight, tconv.weight)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(conv)


def test_spectral_norm_power_iteration_as_torch():
    lin = nn.Linear(4, 3).double()
    tlin = tnn.Linear(4, 3).double()
    _copy_into(tlin, lin)
    nn.utils.spectral_norm(lin, n_power_iterations=2)
    tnn.utils.spectral_norm(tlin, n_power_iterations=2)
    with torch.no_grad():
        tlin.weight_u.copy_(_t(lin.weight_u))
        tlin.weight_v.copy_(_t(lin.weight_v))
    assert list(lin.state_dict()) == list(tlin.state_dict())
    assert [n for n, _ in lin.named_buffers()] == [n for n, _ in tlin.named_buffers()]
    x = xg.randn(5, 4).double()
    for step in range(3):
        out, tout = lin(x), tlin(_t(x))
        _close(out, tout, rtol=1e-8)
        _close(lin.weight_u, tlin.weight_u, rtol=1e-8)
        (out ** 2).sum().backward()
        (tout ** 2).sum().backward()
        _close(lin.weight_orig.grad, tlin.weight_orig.grad, rtol=1e-8)
        with xg.no_grad(), torch.no_grad():
            lin.weight_orig.sub_(0.1 * lin.weight_orig.grad)
            tlin.weight_orig.sub_(0.1 * tlin.weight_orig.grad)
    lin.eval()
    tlin.eval()
    u = lin.weight_u.clone()
    _close(lin(x), tlin(_t(x)), rtol=1e-8)
    assert lin.weight_u.tolist() == u.tolist()              # no power step in eval mode
    nn.utils.remove_spectral_norm(lin)
    tnn.utils.remove_spectral_norm(tlin)
    assert list(lin.state_dict()) == list(tlin.state_dict())
    _close(lin.weight, tlin.weight, rtol=1e-8)


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class TSymmetric(tnn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class Scaled(nn.Module):           # with a parameter of its own and a right_inverse
    def __init__(self):
        super().__init__()
        self.s = nn.Parameter(xg.tensor(2.0).double())

    def forward(self, X):
        return X * self.s

    def right_inverse(self, Y):
        return Y / 2.0


class TScaled(tnn.Module):
    def __init__(self):
        super().__init__()
        self.s = tnn.Parameter(torch.tensor(2.0, dtype=torch.float64))

    def forward(self, X):
        return X * self.s

    def right_inverse(self, Y):
        return Y / 2.0


@pytest.mark.parametrize("leave", [True, False])
def test_parametrize_as_torch(leave):
    P, TP = nn.utils.parametrize, tnn.utils.parametrize
    lin, tlin = nn.Linear(3, 3).double(), tnn.Linear(3, 3).double()
    _copy_into(tlin, lin)
    weight = lin.weight
    P.register_parametrization(lin, "weight", Symmetric())
    TP.register_parametrization(tlin, "weight", TSymmetric())
    P.register_parametrization(lin, "weight", Scaled())
    TP.register_parametrization(tlin, "weight", TScaled())
    assert type(lin).__name__ == type(tlin).__name__ == "ParametrizedLinear"
    assert P.is_parametrized(lin) and P.is_parametrized(lin, "weight")
    assert not P.is_parametrized(lin, "bias")
    assert list(lin.state_dict()) == list(tlin.state_dict())
    assert lin.parametrizations.weight.original is weight      # the same Parameter object
    _close(lin.weight, tlin.weight)
    x = xg.randn(4, 3).double()
    (lin(x) ** 2).sum().backward()
    (tlin(_t(x)) ** 2).sum().backward()
    _close(lin.parametrizations.weight.original.grad, tlin.parametrizations.weight.original.grad)
    _close(lin.parametrizations.weight[1].s.grad, tlin.parametrizations.weight[1].s.grad)
    with P.cached():
        assert lin.weight is lin.weight
    assert lin.weight is not lin.weight
    target = xg.eye(3).double()
    lin.weight = target                                         # right_inverse of both
    tlin.weight = _t(target)
    _close(lin.parametrizations.weight.original, tlin.parametrizations.weight.original)
    P.remove_parametrizations(lin, "weight", leave_parametrized=leave)
    TP.remove_parametrizations(tlin, "weight", leave_parametrized=leave)
    assert type(lin) is nn.Linear and list(lin.state_dict()) == list(tlin.state_dict())
    assert lin.weight is weight
    _close(lin.weight, tlin.weight)
    with pytest.raises(ValueError, match="does not have a parametrization"):
        P.remove_parametrizations(lin, "weight")


def test_parametrizations_weight_norm_and_spectral_norm_as_torch():
    Pz, TPz = nn.utils.parametrizations, tnn.utils.parametrizations
    lin, tlin = nn.Linear(4, 3).double(), tnn.Linear(4, 3).double()
    _copy_into(tlin, lin)
    Pz.weight_norm(lin)
    TPz.weight_norm(tlin)
    assert list(lin.state_dict()) == list(tlin.state_dict())
    x = xg.randn(2, 4).double()
    (lin(x) ** 2).sum().backward()
    (tlin(_t(x)) ** 2).sum().backward()
    for name in ("original0", "original1"):
        _close(getattr(lin.parametrizations.weight, name).grad,
               getattr(tlin.parametrizations.weight, name).grad)

    lin, tlin = nn.Linear(4, 3).double(), tnn.Linear(4, 3).double()
    _copy_into(tlin, lin)
    Pz.spectral_norm(lin)
    TPz.spectral_norm(tlin)
    assert list(lin.state_dict()) == list(tlin.state_dict())
    sn, tsn = lin.parametrizations.weight[0], tlin.parametrizations.weight[0]
    with torch.no_grad():
        tsn._u.copy_(_t(sn._u))
        tsn._v.copy_(_t(sn._v))
    for _ in range(3):
        out, tout = lin(x), tlin(_t(x))
        _close(out, tout, rtol=1e-8)
        (out ** 2).sum().backward()
        (tout ** 2).sum().backward()
        _close(lin.parametrizations.weight.original.grad,
               tlin.parametrizations.weight.original.grad, rtol=1e-8)
        _close(sn._v, tsn._v, rtol=1e-8)


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_eval_equals_conv_then_bn(transpose):
    conv = (nn.ConvTranspose2d(2, 3, 3) if transpose else nn.Conv2d(2, 3, 3, bias=False)).double()
    bn = nn.BatchNorm2d(3).double()
    with xg.no_grad():
        bn.running_mean.copy_(xg.randn(3).double())
        bn.running_var.copy_(xg.rand(3).double() + 0.5)
        bn.weight.copy_(xg.randn(3).double())
        bn.bias.copy_(xg.randn(3).double())
    conv.eval()
    bn.eval()
    fused = nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
    x = xg.randn(2, 2, 6, 6).double()
    np.testing.assert_allclose(np.asarray(fused(x).tolist()), np.asarray(bn(conv(x)).tolist()),
                               rtol=1e-10, atol=1e-12)
    assert fused is not conv and isinstance(fused.bias, nn.Parameter)
    tconv = (tnn.ConvTranspose2d(2, 3, 3) if transpose else tnn.Conv2d(2, 3, 3, bias=False))
    tconv, tbn = tconv.double().eval(), tnn.BatchNorm2d(3).double().eval()
    _copy_into(tconv, conv)
    _copy_into(tbn, bn)
    tfused = tnn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
    _close(fused.weight, tfused.weight)
    _close(fused.bias, tfused.bias)
    with pytest.raises(AssertionError, match="only for eval"):
        nn.utils.fuse_conv_bn_eval(conv.train(), bn)


def test_fuse_linear_bn_eval_equals_linear_then_bn():
    lin, bn = nn.Linear(4, 3).double().eval(), nn.BatchNorm1d(3).double()
    with xg.no_grad():
        bn.running_mean.copy_(xg.randn(3).double())
        bn.running_var.copy_(xg.rand(3).double() + 0.5)
    bn.eval()
    fused = nn.utils.fuse_linear_bn_eval(lin, bn)
    x = xg.randn(5, 4).double()
    np.testing.assert_allclose(np.asarray(fused(x).tolist()), np.asarray(bn(lin(x)).tolist()),
                               rtol=1e-10, atol=1e-12)


def test_functional_call_as_torch():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    tmodel = tnn.Sequential(tnn.Linear(3, 4), tnn.Tanh(), tnn.Linear(4, 2)).double()
    _copy_into(tmodel, model)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    w = xg.randn(4, 3).double().requires_grad_()
    tw = _t(w).requires_grad_()
    x = xg.randn(5, 3).double()
    out = nn.utils.stateless.functional_call(model, {"0.weight": w}, (x,))
    tout = torch.func.functional_call(tmodel, {"0.weight": tw}, (_t(x),))
    _close(out, tout)
    (out ** 2).sum().backward()
    (tout ** 2).sum().backward()
    _close(w.grad, tw.grad)
    assert model[0].weight.grad is None              # it was swapped out for the call
    _close(model[2].weight.grad, tmodel[2].weight.grad)   # the others still take part
    assert model[0].weight is model.get_parameter("0.weight")
    for k, v in model.state_dict().items():
        assert v.tolist() == before[k].tolist()
    with pytest.raises(RuntimeError, match="Missing key"):
        nn.utils.stateless.functional_call(model, {"0.weight": w}, (x,), strict=True)


def test_functional_call_restores_after_an_error_and_ties_weights():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2, bias=False)
            self.b = nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x, fail=False):
            if fail:
                raise ValueError("boom")
            return self.b(self.a(x))

    m = Tied()
    w = m.a.weight
    new = xg.eye(2)
    x = xg.tensor([[1.0, 2.0]])
    assert nn.utils.stateless.functional_call(m, {"a.weight": new}, x).tolist() == [[1.0, 2.0]]
    with pytest.raises(ValueError, match="boom"):
        nn.utils.stateless.functional_call(m, {"a.weight": new}, (x,), {"fail": True})
    assert m.a.weight is w and m.b.weight is w and m._parameters is m.__dict__["_parameters"]
    with pytest.raises(ValueError, match="tied"):
        nn.utils.stateless.functional_call(m, {"a.weight": new, "b.weight": new * 2}, x)
    untied = nn.utils.stateless.functional_call(m, {"a.weight": new}, x, tie_weights=False)
    assert untied.tolist() == (x @ w.T).tolist()        # a takes eye(2), b keeps w


def test_skip_init_needs_a_device_argument():
    lin = nn.utils.skip_init(nn.Linear, 3, 4, device="cpu")
    assert lin.weight.shape == (4, 3)
    with pytest.raises(ValueError, match="device"):
        nn.utils.skip_init(Symmetric)
