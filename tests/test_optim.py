"""Optimizers: first steps against hand-computed update rules, the lecture's bowl, state_dict
round trips, clipping, bad arguments; every backend. PyTorch (when installed) cross-checks."""
import math

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import optim

G = [np.array([0.5, -1.0]), np.array([0.25, 2.0]), np.array([-1.5, 0.5])]   # gradient sequence
W0 = np.array([1.0, -2.0])


def run(name, device, steps=3, **kw):
    p = xg.tensor(W0, dtype=xg.float64, device=device, requires_grad=True)
    opt = getattr(optim, name)([p], **kw)
    for g in G[:steps]:
        p.grad = xg.tensor(g, dtype=xg.float64, device=device)
        opt.step()
    return p.numpy()


def hand(update, steps=3):
    """Apply ``update(w, g, t, state)`` per coordinate with plain Python floats."""
    out = []
    for i in range(2):
        w, state = W0[i], {}
        for t, g in enumerate(G[:steps], start=1):
            w = update(w, g[i], t, state)
        out.append(w)
    return np.array(out)


def sgd_rule(lr, mu=0.0, tau=0.0, wd=0.0, nesterov=False):
    def rule(w, g, t, s):
        g = g + wd * w
        if mu:
            s["b"] = g if t == 1 else mu * s["b"] + (1 - tau) * g
            g = g + mu * s["b"] if nesterov else s["b"]
        return w - lr * g
    return rule


def adam_rule(lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, amsgrad=False, decoupled=False):
    def rule(w, g, t, s):
        if decoupled:
            w = w * (1 - lr * wd)
        else:
            g = g + wd * w
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        v = s["v"]
        if amsgrad:
            s["vmax"] = v = max(s.get("vmax", 0.0), v)
        return w - lr / (1 - b1 ** t) * s["m"] / (math.sqrt(v) / math.sqrt(1 - b2 ** t) + eps)
    return rule


def adagrad_rule(lr, lr_decay=0.0, wd=0.0, init=0.0, eps=1e-10):
    def rule(w, g, t, s):
        g = g + wd * w
        s["s"] = s.get("s", init) + g * g
        return w - lr / (1 + (t - 1) * lr_decay) * g / (math.sqrt(s["s"]) + eps)
    return rule


def adadelta_rule(lr=1.0, rho=0.9, eps=1e-6):
    def rule(w, g, t, s):
        s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g * g
        d = math.sqrt(s.get("u", 0.0) + eps) / math.sqrt(s["a"] + eps) * g
        s["u"] = rho * s.get("u", 0.0) + (1 - rho) * d * d
        return w - lr * d
    return rule


def rmsprop_rule(lr, alpha=0.99, eps=1e-8, mu=0.0, centered=False):
    def rule(w, g, t, s):
        s["a"] = alpha * s.get("a", 0.0) + (1 - alpha) * g * g
        a = s["a"]
        if centered:
            s["ga"] = alpha * s.get("ga", 0.0) + (1 - alpha) * g
            a = a - s["ga"] ** 2
        step = g / (math.sqrt(a) + eps)
        if mu:
            s["b"] = mu * s.get("b", 0.0) + step
            step = s["b"]
        return w - lr * step
    return rule


CASES = [
    ("SGD", dict(lr=0.1), sgd_rule(0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01), sgd_rule(0.1, 0.9, wd=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True), sgd_rule(0.1, 0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.3), sgd_rule(0.1, 0.5, tau=0.3)),
    ("Adam", dict(lr=0.01), adam_rule(0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True), adam_rule(0.01, wd=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01), adam_rule(0.01, wd=0.01, decoupled=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1),
     adagrad_rule(0.1, 0.01, 0.1, 0.1)),
    ("Adadelta", dict(), adadelta_rule()),
    ("RMSprop", dict(lr=0.01), rmsprop_rule(0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True), rmsprop_rule(0.01, mu=0.9, centered=True)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for name, kw, _ in CASES]


@pytest.mark.parametrize("name,kw,rule", CASES, ids=IDS)
def test_first_steps_match_the_update_rule(device, name, kw, rule):
    np.testing.assert_allclose(run(name, device, **kw), hand(rule), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.05, momentum=0.9)),
                                     ("Adam", dict(lr=0.1)), ("AdamW", dict(lr=0.1)),
                                     ("Adagrad", dict(lr=0.5)), ("Adadelta", dict(lr=5.0)),
                                     ("RMSprop", dict(lr=0.05))])
def test_each_minimises_the_lecture_bowl(device, name, kw):
    w = xg.tensor([3.0, -2.0], dtype=xg.float64, device=device, requires_grad=True)
    opt = getattr(optim, name)([w], **kw)
    for _ in range(500):
        opt.zero_grad()
        loss = (w ** 2).sum() + 2           # g(w1, w2) = w1^2 + w2^2 + 2
        loss.backward()
        opt.step()
    assert np.abs(w.numpy()).max() < 0.05, (name, w.numpy())
    assert abs(((w ** 2).sum() + 2).item() - 2.0) < 1e-2


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                     ("Adagrad", dict(lr=0.1)), ("Adadelta", dict())])
def test_state_dict_round_trip_continues_identically(device, name, kw):
    def make():
        p = xg.tensor(W0, dtype=xg.float64, device=device, requires_grad=True)
        return p, getattr(optim, name)([p], **kw)
    p1, o1 = make()
    for g in G[:2]:
        p1.grad = xg.tensor(g, dtype=xg.float64, device=device)
        o1.step()
    saved = o1.state_dict()
    p2, o2 = make()
    with xg.no_grad():
        p2.copy_(p1)
    o2.load_state_dict(saved)
    for p, o in ((p1, o1), (p2, o2)):
        p.grad = xg.tensor(G[2], dtype=xg.float64, device=device)
        o.step()
    np.testing.assert_array_equal(p1.numpy(), p2.numpy())
    assert all(isinstance(k, int) for k in saved["state"])


def test_updates_are_in_place_on_the_parameter_array(device):
    p = xg.tensor(W0, dtype=xg.float32, device=device, requires_grad=True)
    array = p.data
    opt = optim.Adam([p], lr=0.1)
    p.grad = xg.tensor(G[0], device=device, dtype=p.dtype)
    opt.step()
    assert p.data is array and p.dtype == xg.float32


def test_param_groups_and_zero_grad(device):
    a = xg.ones(2, device=device, requires_grad=True)
    b = xg.ones(3, device=device, requires_grad=True)
    opt = optim.SGD([{"params": [a], "lr": 1.0}, {"params": [b]}], lr=0.1)
    a.grad, b.grad = xg.ones(2, device=device), xg.ones(3, device=device)
    opt.step()
    assert a.tolist() == [0.0, 0.0] and np.allclose(b.numpy(), 0.9)
    opt.zero_grad(set_to_none=False)
    assert a.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_parameters_without_grad_are_skipped(device):
    a = xg.ones(2, device=device, requires_grad=True)
    opt = optim.Adam([a], lr=0.1)
    opt.step()
    assert a.tolist() == [1.0, 1.0] and a not in opt.state


@pytest.mark.parametrize("make,match", [
    (lambda p: optim.SGD([p], lr=-1.0), "learning rate"),
    (lambda p: optim.SGD([p], lr=0.1, momentum=-0.5), "momentum"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "nesterov"),
    (lambda p: optim.Adam([p], betas=(1.0, 0.999)), "betas"),
    (lambda p: optim.Adam([p], weight_decay=-1), "weight_decay"),
    (lambda p: optim.SGD([], lr=0.1), "empty"),
    (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1), "more than one"),
    (lambda p: optim.SGD([xg.ones(2)], lr=0.1), "require grad"),
    (lambda p: optim.SGD(p, lr=0.1), "single Tensor"),
])
def test_bad_arguments(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make(xg.ones(2, requires_grad=True))


def test_clip_grad_norm(device):
    a = xg.ones(2, device=device, dtype=xg.float64, requires_grad=True)
    b = xg.ones(2, device=device, dtype=xg.float64, requires_grad=True)
    a.grad = xg.tensor([3.0, 0.0], dtype=xg.float64, device=device)
    b.grad = xg.tensor([0.0, 4.0], dtype=xg.float64, device=device)
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.device == a.device and abs(total.item() - 5.0) < 1e-12
    np.testing.assert_allclose(a.grad.numpy(), [3 / (5 + 1e-6), 0.0])
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 4 / (5 + 1e-6)])
    before = a.grad.numpy()
    optim.clip_grad_norm_([a, b], max_norm=10.0)       # already small enough: unchanged
    np.testing.assert_allclose(a.grad.numpy(), before)
    assert abs(optim.clip_grad_norm_([a, b], 100.0, norm_type=float("inf")).item() - 0.8) < 1e-6


def test_clip_grad_value(device):
    a = xg.ones(3, device=device, requires_grad=True)
    a.grad = xg.tensor([-2.0, 0.1, 3.0], device=device)
    optim.clip_grad_value_([a], 0.5)
    np.testing.assert_allclose(a.grad.numpy(), [-0.5, 0.1, 0.5])


@pytest.mark.parametrize("name,kw,rule", CASES, ids=IDS)
def test_same_trajectory_as_pytorch(name, kw, rule):
    torch = pytest.importorskip("torch")
    q = torch.tensor(W0, requires_grad=True)
    opt = getattr(torch.optim, name)([q], **kw)
    for g in G:
        q.grad = torch.tensor(g)
        opt.step()
    np.testing.assert_allclose(run(name, "cpu", **kw), q.detach().numpy(), rtol=1e-12, atol=1e-14)
