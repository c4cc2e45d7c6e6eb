"""xg.func against torch.func: values, pytree structure, argnums, has_aux, nesting, vmap's
in_dims/out_dims and errors, per-sample gradients, functional_call and stack_module_state."""
import numpy as np
import pytest

import xpgrad as xg
import xpgrad.func as F
from xpgrad import nn

torch = pytest.importorskip("torch")
TF = torch.func
RNG = np.random.default_rng(0)


def arr(*shape):
    return RNG.standard_normal(shape)


def X(a):
    return xg.tensor(np.asarray(a), dtype="float64")


def T(a):
    return torch.tensor(np.asarray(a), dtype=torch.float64)


def same(ours, theirs, tol=1e-10):
    """Equal pytrees: the same structure (tuple/list/dict) and the same values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, xg.Tensor), type(ours)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for k in theirs:
            same(ours[k], theirs[k], tol)
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b, tol)
    else:
        assert ours == theirs


def both(fn_of, *arrays):
    """fn_of(lib) run with xpgrad and with torch on the same float64 data."""
    return fn_of(xg, *map(X, arrays)), fn_of(torch, *map(T, arrays))


# ---- grad, grad_and_value -------------------------------------------------------------------
def f2(x, y):
    return (x.sin() * y).sum() + (x * x).sum() * y.sum()


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0)])
def test_grad_and_argnums(argnums):
    a, b = arr(3), arr(3)
    same(F.grad(f2, argnums)(X(a), X(b)), TF.grad(f2, argnums)(T(a), T(b)))
    same(F.grad_and_value(f2, argnums)(X(a), X(b)), TF.grad_and_value(f2, argnums)(T(a), T(b)))


def test_grad_pytree_inputs_and_aux():
    def loss(p, x):
        out = (p["w"] * x).sum() + p["b"][0].exp().sum()
        return out, {"out": out * 2, "x": (x,)}
    a, b, c = arr(2), arr(2), arr(2)
    ours = F.grad(loss, has_aux=True)({"w": X(a), "b": (X(b),)}, X(c))
    theirs = TF.grad(loss, has_aux=True)({"w": T(a), "b": (T(b),)}, T(c))
    same(ours, theirs)
    ours = F.grad_and_value(loss, argnums=(0, 1), has_aux=True)({"w": X(a), "b": (X(b),)}, X(c))
    theirs = TF.grad_and_value(loss, argnums=(0, 1), has_aux=True)({"w": T(a), "b": (T(b),)}, T(c))
    same(ours, theirs)
    assert ours[0][0]["w"].grad_fn is None and not ours[0][0]["w"].requires_grad
    with pytest.raises(RuntimeError, match="Expected tensors, got unsupported type <class 'int'>"):
        F.grad(lambda t: (t.sum(), 3), has_aux=True)(X(a))


def test_nested_grad_second_and_third_derivatives():
    def f(x):
        return x.sin() * x ** 3
    for ours, theirs in ((F.grad(F.grad(f)), TF.grad(TF.grad(f))),
                         (F.grad(F.grad(F.grad(f))), TF.grad(TF.grad(TF.grad(f))))):
        for v in (0.3, -1.7, 2.0):
            same(ours(X(v)), theirs(T(v)))


def test_nested_grad_with_closures_keeps_levels_apart():
    def outer(lib, fgrad):
        def f(x):
            inner = fgrad(lambda y: (x * y).sum() * (y ** 2).sum())(x)   # closes over x
            return (inner * x).sum()
        return fgrad(f)
    a = arr(3)
    same(outer(xg, F.grad)(X(a)), outer(torch, TF.grad)(T(a)))


def test_grad_of_an_input_in_a_graph_stays_differentiable():
    a = arr(3)
    x, tx = X(a).requires_grad_(True), T(a).requires_grad_(True)
    g, tg = F.grad(lambda t: (t ** 3).sum())(x), TF.grad(lambda t: (t ** 3).sum())(tx)
    assert g.requires_grad
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    same(x.grad, tx.grad)


def test_grad_errors_are_torchs():
    x = X(arr(3))
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor, got "
                                           "tensor with 1 dims"):
        F.grad(lambda t: t * 2)(x)
    with pytest.raises(RuntimeError, match="to return a Tensor, got <class 'float'>"):
        F.grad(lambda t: 3.0)(x)
    with pytest.raises(RuntimeError, match="Got argnum=2, but only 1 positional inputs"):
        F.grad(lambda t: t.sum(), argnums=2)(x)
    with pytest.raises(RuntimeError, match="argnums must be non-empty"):
        F.grad(lambda t: t.sum(), argnums=())(x)
    with pytest.raises(RuntimeError, match="should be a tuple: \\(output, aux\\)"):
        F.grad(lambda t: t.sum(), has_aux=True)(x)
    same(F.grad(lambda t: x.sum())(X(arr(2))), TF.grad(lambda t: T([1.0]).sum())(T(arr(2))))


# ---- vjp, jvp, linearize ---------------------------------------------------------------------
def g2(x, p):
    return {"a": x * p["s"], "b": (x.sum() * p["s"].exp(),)}


def test_vjp_pytrees_and_aux():
    a, s, ca, cb = arr(3), arr(3), arr(3), arr(3)
    (o, fn), (to, tfn) = F.vjp(g2, X(a), {"s": X(s)}), TF.vjp(g2, T(a), {"s": T(s)})
    same(o, to)
    same(fn({"a": X(ca), "b": (X(cb),)}), tfn({"a": T(ca), "b": (T(cb),)}))
    with pytest.raises(RuntimeError, match="Expected pytree structure of cotangents"):
        fn(X(ca))
    out, fn, aux = F.vjp(lambda t: (t.exp(), {"k": t}), X(a), has_aux=True)
    tout, tfn, taux = TF.vjp(lambda t: (t.exp(), {"k": t}), T(a), has_aux=True)
    same((out, fn(X(ca)), aux), (tout, tfn(T(ca)), taux))


def test_jvp_and_linearize():
    a, s, ta, ts = arr(3), arr(3), arr(3), arr(3)
    ours = F.jvp(g2, (X(a), {"s": X(s)}), (X(ta), {"s": X(ts)}))
    same(ours, TF.jvp(g2, (T(a), {"s": T(s)}), (T(ta), {"s": T(ts)})))
    f = lambda t: (t.sin(), {"x": t * 2})          # noqa: E731
    same(F.jvp(f, (X(a),), (X(ta),), has_aux=True), TF.jvp(f, (T(a),), (T(ta),), has_aux=True))
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        F.jvp(lambda t: t, X(a), X(ta))
    out, jvp_fn = F.linearize(lambda t: t.sin() * t, X(a))
    tout, tjvp_fn = TF.linearize(lambda t: t.sin() * t, T(a))
    same((out, jvp_fn(X(ta)), jvp_fn(X(ts))), (tout, tjvp_fn(T(ta)), tjvp_fn(T(ts))))


# ---- jacrev, jacfwd, hessian -------------------------------------------------------------------
def h2(x, y):
    return {"p": x.exp() * y.sum(), "q": ((x[:, None] * y[None, :]).sin(), (x * x).sum())}


@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_jacobians_match_torch(argnums):
    a, b = arr(2, ), arr(3)
    theirs = TF.jacrev(h2, argnums)(T(a), T(b))
    same(F.jacrev(h2, argnums)(X(a), X(b)), theirs)
    same(F.jacfwd(h2, argnums)(X(a), X(b)), TF.jacfwd(h2, argnums)(T(a), T(b)))
    same(F.jacfwd(h2, argnums)(X(a), X(b)), theirs)


def test_jacobians_pytree_input_and_aux():
    f = lambda d: ((d["w"] @ d["v"]).tanh(), d["v"].sum())   # noqa: E731
    w, v = arr(2, 3), arr(3)
    same(F.jacrev(f, has_aux=True)({"w": X(w), "v": X(v)}),
         TF.jacrev(f, has_aux=True)({"w": T(w), "v": T(v)}))
    same(F.jacfwd(f, has_aux=True)({"w": X(w), "v": X(v)}),
         TF.jacfwd(f, has_aux=True)({"w": T(w), "v": T(v)}))
    assert F.jacrev(lambda t: t.sum())(X(arr(4, 2))).shape == (4, 2)


@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_hessian(argnums):
    f = lambda x, y: (x.sin() * (x @ y) ** 2).sum()          # noqa: E731
    a, b = arr(3), arr(3)
    same(F.hessian(f, argnums)(X(a), X(b)), TF.hessian(f, argnums)(T(a), T(b)), 1e-9)
    m = arr(2, 2)
    same(F.hessian(lambda t: (t ** 3).sum())(X(m)), TF.hessian(lambda t: (t ** 3).sum())(T(m)))


# ---- vmap ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("in_dims, out_dims, shapes", [
    (0, 0, [(4, 3), (4, 3)]),
    ((1, None), 0, [(3, 4), (3,)]),
    ((-1, 0), 1, [(3, 4), (4, 3)]),
    ((0, None), -1, [(4, 3), (3,)]),
    ((0, 0), (1, 0), [(4, 3), (4, 3)]),
])
def test_vmap_dims(in_dims, out_dims, shapes):
    arrays = [arr(*s) for s in shapes]

    def f(x, y):
        return (x * y + x.sum(), (x @ y).exp()) if isinstance(out_dims, tuple) else x * y.sin()
    same(F.vmap(f, in_dims, out_dims)(*map(X, arrays)),
         TF.vmap(f, in_dims, out_dims)(*map(T, arrays)))


def test_vmap_nested_in_dims_pytrees_and_kwargs():
    def f(d, scale=1.0):
        return {"y": [d["a"] + d["b"] * scale]}
    a, b = arr(3, 2), arr(2)
    dims = ({"a": 0, "b": None},)
    same(F.vmap(f, in_dims=dims)({"a": X(a), "b": X(b)}, scale=2.0),
         TF.vmap(f, in_dims=dims)({"a": T(a), "b": T(b)}, scale=2.0))
    same(F.vmap(lambda t: (t.sum(), 7), out_dims=(0, None))(X(a)),
         TF.vmap(lambda t: (t.sum(), 7), out_dims=(0, None))(T(a)))


def test_nested_vmap_outer_product():
    a, b = arr(3), arr(4)
    ours = F.vmap(F.vmap(lambda x, y: x * y, (None, 0)), (0, None))(X(a), X(b))
    same(ours, TF.vmap(TF.vmap(lambda x, y: x * y, (None, 0)), (0, None))(T(a), T(b)))


def test_vmap_errors_are_torchs():
    with pytest.raises(ValueError, match="vmap: Expected all tensors to have the same size in the "
                                         "mapped dimension, got sizes \\[3, 4\\] for the mapped"):
        F.vmap(lambda a, b: a + b)(X(arr(3, 2)), X(arr(4, 2)))
    with pytest.raises(ValueError, match="in_dims is not compatible with the structure"):
        F.vmap(lambda a: a, in_dims=(0, 1))(X(arr(3, 2)))
    with pytest.raises(ValueError, match="expected in_dim to satisfy -2 <= in_dim < 2"):
        F.vmap(lambda a: a, in_dims=3)(X(arr(3, 2)))
    with pytest.raises(ValueError, match="Expected at least one Tensor to vmap over"):
        F.vmap(lambda a: a, in_dims=(None,))(X(arr(3)))
    with pytest.raises(ValueError, match="We cannot vmap over non-Tensor arguments"):
        F.vmap(lambda a: a)(3.0)
    with pytest.raises(ValueError, match="must only return Tensors"):
        F.vmap(lambda a: 1.0)(X(arr(3)))
    with pytest.raises(RuntimeError, match="Only allowed values for randomness"):
        F.vmap(lambda a: a, randomness="sometimes")


def test_vmap_randomness_same_and_different():
    xs = X(arr(4, 2))
    same_draws = F.vmap(lambda t: xg.randn(3) + 0 * t.sum(), randomness="same")(xs).numpy()
    assert np.allclose(same_draws, same_draws[0])
    different = F.vmap(lambda t: xg.randn(3) + 0 * t.sum(), randomness="different")(xs).numpy()
    assert not np.allclose(different, different[0])


def test_grad_of_vmap_and_vmap_of_jacrev():
    a = arr(4, 3)
    f = lambda x: F.vmap(lambda r: (r.sin() * r).sum())(x).sum()   # noqa: E731
    tf = lambda x: TF.vmap(lambda r: (r.sin() * r).sum())(x).sum()  # noqa: E731
    same(F.grad(f)(X(a)), TF.grad(tf)(T(a)))
    same(F.vmap(F.jacrev(lambda r: r.exp() * r.sum()))(X(a)),
         TF.vmap(TF.jacrev(lambda r: r.exp() * r.sum()))(T(a)))


# ---- functional_call, per-sample gradients, ensembles -------------------------------------
def twin_linear(n_in=3, n_out=2):
    ours = nn.Linear(n_in, n_out).double()
    theirs = torch.nn.Linear(n_in, n_out).double()
    with torch.no_grad():
        theirs.weight.copy_(T(ours.weight.numpy()))
        theirs.bias.copy_(T(ours.bias.numpy()))
    return ours, theirs


def test_per_sample_gradients_of_a_linear_model():
    model, tmodel = twin_linear()
    xs, ys = arr(5, 3), arr(5, 2)

    def loss_of(lib, fc, m):
        def loss(params, x, y):
            out = fc(m, params, (x[None],))
            return ((out - y[None]) ** 2).mean()
        return loss
    params = {k: v.detach() for k, v in model.named_parameters()}
    tparams = {k: v.detach() for k, v in tmodel.named_parameters()}
    ours = F.vmap(F.grad(loss_of(xg, F.functional_call, model)), in_dims=(None, 0, 0))(
        params, X(xs), X(ys))
    theirs = TF.vmap(TF.grad(loss_of(torch, TF.functional_call, tmodel)), in_dims=(None, 0, 0))(
        tparams, T(xs), T(ys))
    same(ours, theirs)
    assert ours["weight"].shape == (5, 2, 3)


def test_functional_call_swaps_and_restores():
    model, tmodel = twin_linear()
    x, w, b = arr(4, 3), arr(2, 3), arr(2)
    same(F.functional_call(model, {"weight": X(w), "bias": X(b)}, X(x)),
         TF.functional_call(tmodel, {"weight": T(w), "bias": T(b)}, T(x)))
    same(F.functional_call(model, ({"weight": X(w)}, {"bias": X(b)}), (X(x),)),
         TF.functional_call(tmodel, ({"weight": T(w)}, {"bias": T(b)}), (T(x),)))
    original = model.weight

    def boom(module, args):
        raise KeyError("boom")
    handle = model.register_forward_pre_hook(boom)
    with pytest.raises(KeyError, match="boom"):
        F.functional_call(model, {"weight": X(w), "extra": X(b)}, (X(x),))
    handle.remove()
    assert model.weight is original and model._parameters["weight"] is original
    assert isinstance(model.weight, nn.Parameter) and not hasattr(model, "extra")
    with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
        F.functional_call(model, ({"weight": X(w)}, {"weight": X(w)}), (X(x),))
    with pytest.raises(RuntimeError, match="Error\\(s\\) in reparametrizing for Linear:\n\t"
                                           "Unexpected key\\(s\\): 'foo'.\n\tMissing key\\(s\\): "
                                           "'bias'."):
        F.functional_call(model, {"weight": X(w), "foo": X(b)}, (X(x),), strict=True)


def test_functional_call_tied_weights_and_buffers():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 2).double(), nn.Linear(2, 2).double()
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))
    m, x, w = Tied(), X(arr(3, 2)), X(np.zeros((2, 2)))
    given = {"a.weight": w, "a.bias": X([1.0, 2.0]), "b.bias": X([3.0, 4.0])}
    tied = F.functional_call(m, given, (x,))
    np.testing.assert_allclose(tied.numpy(), np.broadcast_to([3.0, 4.0], (3, 2)))
    untied = F.functional_call(m, given, (x,), tie_weights=False)
    assert not np.allclose(untied.numpy(), tied.numpy())
    with pytest.raises(ValueError, match="which are tied"):
        F.functional_call(m, {"a.weight": w, "b.weight": X(np.ones((2, 2)))}, (x,))
    bn = nn.BatchNorm1d(2).double().eval()
    out = F.functional_call(bn, {"running_mean": X([1.0, 2.0])}, (x,))
    np.testing.assert_allclose(out.numpy(), (x.numpy() - [1.0, 2.0]) / np.sqrt(1 + 1e-5))
    assert bn.running_mean.tolist() == [0.0, 0.0]


def test_stack_module_state_ensemble():
    models = [nn.Linear(3, 2).double() for _ in range(4)]
    params, buffers = F.stack_module_state(models)
    assert params["weight"].shape == (4, 2, 3) and params["weight"].requires_grad
    assert params["weight"].grad_fn is None and buffers == {}
    x = X(arr(5, 3))
    out = F.vmap(lambda p, b, x: F.functional_call(models[0], (p, b), (x,)),
                 in_dims=(0, 0, None))(params, buffers, x)
    for i, m in enumerate(models):
        np.testing.assert_allclose(out[i].numpy(), m(x).detach().numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="Expected at least one model, got 0"):
        F.stack_module_state([])
    models[1].eval()
    with pytest.raises(RuntimeError, match="same training/eval mode"):
        F.stack_module_state(models)


def test_transforms_on_every_device(device):
    x = xg.tensor([1.0, 2.0, 3.0], device=device)
    hess = F.hessian(lambda t: (t ** 3).sum())(x)
    assert hess.tolist() == [[6.0, 0, 0], [0, 12.0, 0], [0, 0, 18.0]]
    assert F.jacfwd(lambda t: t * 2)(x).device == x.device
    model = nn.Linear(2, 1).to(device)
    params = {k: v.detach() for k, v in model.named_parameters()}
    per_sample = F.vmap(F.grad(lambda p, r: F.functional_call(model, p, (r[None],)).sum()),
                        in_dims=(None, 0))(params, xg.ones(3, 2, device=device))
    assert per_sample["weight"].shape == (3, 1, 2) and per_sample["bias"].tolist() == [[1.0]] * 3
