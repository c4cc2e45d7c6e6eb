"""Module hooks against torch.nn.Module's: full backward (pre-)hooks (what they see, what
replacing does, order, removal), forward hooks' keyword options, state_dict hooks,
get_parameter / get_buffer."""
import warnings

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn

torch = pytest.importorskip("torch")


def _t(x):
    return torch.tensor(np.asarray(x.tolist(), dtype=np.float64))


def _same(a, b):
    if a is None or b is None:
        assert a is None and b is None
    else:
        np.testing.assert_allclose(np.asarray(a.tolist()), b.detach().numpy(), rtol=1e-10)


def _pair_linear(device="cpu"):
    lin = nn.Linear(3, 2, device=device).double()
    tlin = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        tlin.weight.copy_(_t(lin.weight))
        tlin.bias.copy_(_t(lin.bias))
    return lin, tlin


def _record(module, seen):
    module.register_full_backward_pre_hook(lambda m, gout: seen.append(("pre", gout)))
    module.register_full_backward_hook(lambda m, gin, gout: seen.append(("full", gin, gout)))


def _compare(seen, tseen):
    assert [s[0] for s in seen] == [s[0] for s in tseen]
    for ours, theirs in zip(seen, tseen):
        for a, b in zip(ours[1:], theirs[1:]):
            assert len(a) == len(b)
            for ga, gb in zip(a, b):
                _same(ga, gb)


def test_linear_backward_hooks_see_torchs_gradients(device):
    lin, tlin = _pair_linear(device)
    x = xg.randn(4, 3, device=device).double().requires_grad_()
    tx = _t(x).requires_grad_()
    seen, tseen = [], []
    _record(lin, seen)
    _record(tlin, tseen)
    (lin(x) ** 2).sum().backward()
    (tlin(tx) ** 2).sum().backward()
    _compare(seen, tseen)
    _same(x.grad, tx.grad)
    _same(lin.weight.grad, tlin.weight.grad)


def test_sequential_hooks_fire_children_first_as_torch():
    lin, tlin = _pair_linear()
    model, tmodel = nn.Sequential(lin, nn.Tanh()), torch.nn.Sequential(tlin, torch.nn.Tanh())
    order, torder = [], []
    for m, tm, name in [(model, tmodel, "seq"), (lin, tlin, "lin"), (model[1], tmodel[1], "tanh")]:
        m.register_full_backward_hook(lambda mod, gin, gout, n=name: order.append(n))
        tm.register_full_backward_hook(lambda mod, gin, gout, n=name: torder.append(n))
        m.register_full_backward_pre_hook(lambda mod, gout, n=name: order.append("pre-" + n))
        tm.register_full_backward_pre_hook(lambda mod, gout, n=name: torder.append("pre-" + n))
    x = xg.randn(2, 3).double().requires_grad_()
    model(x).sum().backward()
    tmodel(_t(x).requires_grad_()).sum().backward()
    assert order == torder


class Two(nn.Module):
    def forward(self, a, b, k=1.0):
        return a * b * k, a + b


class TorchTwo(torch.nn.Module):
    def forward(self, a, b, k=1.0):
        return a * b * k, a + b


@pytest.mark.parametrize("use_both", [False, True])
def test_two_inputs_one_frozen_and_a_tuple_output(use_both):
    a = xg.tensor([1.0, 2.0], requires_grad=True).double()
    b = xg.tensor([3.0, 4.0]).double()
    ta, tb = _t(a).requires_grad_(), _t(b)
    seen, tseen = [], []
    m, tm = Two(), TorchTwo()
    _record(m, seen)
    _record(tm, tseen)
    o1, o2 = m(a.detach().requires_grad_(), b, 2.0)
    t1, t2 = tm(ta, tb, 2.0)
    ((o1.sum() + (o2 * o2).sum()) if use_both else o1.sum()).backward()
    ((t1.sum() + (t2 * t2).sum()) if use_both else t1.sum()).backward()
    _compare(seen, tseen)
    assert seen[1][1][2] is None                  # the float argument
    assert (seen[0][1][1] is None) == (not use_both)   # the unused output


def test_no_input_requiring_grad_fires_at_the_outputs():
    lin, tlin = _pair_linear()
    seen, tseen = [], []
    lin.register_full_backward_hook(lambda m, gin, gout: seen.append((gin, gout)))
    tlin.register_full_backward_hook(lambda m, gin, gout: tseen.append((gin, gout)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lin(xg.ones(2, 3).double()).sum().backward()
        tlin(torch.ones(2, 3, dtype=torch.float64)).sum().backward()
    assert seen[0][0] == (None,) and tseen[0][0] == (None,)
    _same(seen[0][1][0], tseen[0][1][0])


def test_replacing_gradients_changes_upstream_as_torch():
    lin, tlin = _pair_linear()
    pre = nn.Linear(3, 3).double()
    tpre = torch.nn.Linear(3, 3).double()
    with torch.no_grad():
        tpre.weight.copy_(_t(pre.weight))
        tpre.bias.copy_(_t(pre.bias))
    for m in (lin, tlin):
        m.register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 3.0,))
        m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] + 1.0,))
    x = xg.randn(4, 3).double()
    (lin(pre(x)) ** 2).sum().backward()
    (tlin(tpre(_t(x))) ** 2).sum().backward()
    _same(pre.weight.grad, tpre.weight.grad)
    _same(lin.weight.grad, tlin.weight.grad)    # the pre hook's grad_output feeds the weight


def test_wrong_number_of_gradients_is_refused():
    lin = nn.Linear(3, 2)
    lin.register_full_backward_hook(lambda m, gin, gout: (gin[0], gin[0]))
    out = lin(xg.ones(1, 3, requires_grad=True)).sum()
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2"):
        out.backward()


def test_hook_order_prepend_and_remove():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_full_backward_hook(lambda *a: calls.append(1))
    lin.register_full_backward_hook(lambda *a: calls.append(2))
    h3 = lin.register_full_backward_hook(lambda *a: calls.append(3), prepend=True)
    x = xg.ones(1, 2, requires_grad=True)
    lin(x).sum().backward()
    assert calls == [3, 1, 2]
    h1.remove()
    h3.remove()
    h3.remove()                                  # twice is harmless, as torch
    calls.clear()
    lin(x).sum().backward()
    assert calls == [2]
    with lin.register_backward_hook(lambda *a: calls.append("old")):
        calls.clear()
        lin(x).sum().backward()
    assert calls == [2, "old"]
    assert len(lin._backward_hooks) == 1


def test_no_hooks_left_means_the_fast_path_again():
    lin = nn.Linear(2, 2)
    h = lin.register_forward_hook(lambda m, a, o: None)
    assert lin._has_hooks
    h.remove()
    y = lin(xg.ones(1, 2))
    assert not lin._has_hooks and y.grad_fn is not None
    assert type(y.grad_fn).__name__ != "_Pass"   # no identity wrapping without hooks


def test_backward_hooks_under_no_grad_and_retain_graph():
    lin = nn.Linear(2, 2)
    calls = []
    lin.register_full_backward_hook(lambda *a: calls.append(1))
    with xg.no_grad():
        assert not lin(xg.ones(1, 2, requires_grad=True)).requires_grad
    out = lin(xg.ones(1, 2, requires_grad=True)).sum()
    out.backward(retain_graph=True)
    out.backward()
    assert calls == [1, 1]


def test_forward_hooks_keyword_options_as_torch():
    class Scale(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    class TScale(torch.nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    results = []
    for m, make in [(Scale(), lambda v: xg.tensor(v)), (TScale(), lambda v: torch.tensor(v))]:
        log = []
        m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"scale": 3.0}),
                                    with_kwargs=True)
        m.register_forward_pre_hook(lambda mod, args: log.append("pre-first"), prepend=True)
        m.register_forward_hook(lambda mod, args, kwargs, out: out + kwargs["scale"],
                                with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out: log.append("first"), prepend=True)
        out = m(make([1.0, 2.0]), scale=2.0)
        results.append((out.tolist(), log))
    assert results[0] == results[1] == ([6.0, 9.0], ["pre-first", "first"])


def test_always_call_hook_runs_when_forward_raises():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    seen = []
    m.register_forward_hook(lambda mod, args, out: seen.append(("always", out)), always_call=True)
    m.register_forward_hook(lambda mod, args, out: seen.append("normal"))
    with pytest.raises(ValueError, match="boom"):
        m(xg.ones(1))
    assert seen == [("always", None)]
    bad = nn.Linear(1, 1)
    bad.register_forward_pre_hook(lambda mod, args, kwargs: "nope", with_kwargs=True)
    with pytest.raises(RuntimeError, match="new_args, new_kwargs"):
        bad(xg.ones(1, 1))


def test_get_parameter_get_buffer_share_memory():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert model.get_parameter("0.weight") is model[0].weight
    assert model.get_buffer("1.running_mean") is model[1].running_mean
    with pytest.raises(AttributeError, match="not an nn.Parameter"):
        model.get_parameter("1.running_mean")
    with pytest.raises(AttributeError, match="not a buffer"):
        model.get_buffer("0.weight")
    with pytest.raises(AttributeError, match="no attribute `nope`"):
        model.get_parameter("0.nope")
    assert model.share_memory() is model


def test_state_dict_hooks():
    model = nn.Sequential(nn.Linear(2, 3))
    seen = []
    model[0].register_state_dict_pre_hook(lambda m, prefix, keep: seen.append(("pre", prefix)))

    def post(m, sd, prefix, meta):
        seen.append(("post", prefix))
        sd[prefix + "extra"] = xg.tensor(1.0)

    h = model[0].register_state_dict_post_hook(post)
    sd = model.state_dict()
    assert seen == [("pre", "0."), ("post", "0.")] and "0.extra" in sd
    h.remove()
    assert "0.extra" not in model.state_dict()
