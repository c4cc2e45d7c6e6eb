"""Optimizer update rules, checked against the documented algorithms written out in plain
Python floats (one element at a time), then on the lecture's bowl g(w1, w2) = w1^2 + w2^2 + 2.
Every test runs on each backend (cpu, strict:device1, cuda when present)."""
import math

import pytest

import xpgrad as xg
from xpgrad import optim

W0 = [1.0, -2.0]
GRADS = [[0.5, -1.0], [0.25, 2.0], [-1.5, 0.75], [1.0, 0.1]]


def trajectory(device, cls, kwargs, grads=GRADS, dtype="float64"):
    """Parameter values after each step, the gradients set by hand."""
    p = xg.tensor(W0, dtype=dtype, device=device, requires_grad=True)
    opt = cls([p], **kwargs)
    out = []
    for g in grads:
        p.grad = xg.tensor(g, dtype=dtype, device=device)
        opt.step()
        out.append(p.tolist())
    return out


# ---- the update rules in plain floats (PyTorch's documented algorithms) ---------------
def ref_sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    w, buf, out = list(W0), [None, None], []
    for t, grad in enumerate(GRADS, 1):
        for i, g in enumerate(grad):
            g = -g if maximize else g
            g = g + weight_decay * w[i]
            if momentum:
                buf[i] = g if t == 1 else momentum * buf[i] + (1 - dampening) * g
                g = g + momentum * buf[i] if nesterov else buf[i]
            w[i] = w[i] - lr * g
        out.append(list(w))
    return out


def ref_adagrad(lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    w, s, out = list(W0), [initial_accumulator_value] * 2, []
    for t, grad in enumerate(GRADS, 1):
        clr = lr / (1 + (t - 1) * lr_decay)
        for i, g in enumerate(grad):
            g = g + weight_decay * w[i]
            s[i] += g * g
            w[i] -= clr * g / (math.sqrt(s[i]) + eps)
        out.append(list(w))
    return out


def ref_adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    w, v, u, out = list(W0), [0.0, 0.0], [0.0, 0.0], []
    for grad in GRADS:
        for i, g in enumerate(grad):
            g = g + weight_decay * w[i]
            v[i] = rho * v[i] + (1 - rho) * g * g
            dx = math.sqrt(u[i] + eps) / math.sqrt(v[i] + eps) * g
            u[i] = rho * u[i] + (1 - rho) * dx * dx
            w[i] -= lr * dx
        out.append(list(w))
    return out


def ref_rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    w, v, gavg, buf, out = list(W0), [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], []
    for grad in GRADS:
        for i, g in enumerate(grad):
            g = g + weight_decay * w[i]
            v[i] = alpha * v[i] + (1 - alpha) * g * g
            vt = v[i]
            if centered:
                gavg[i] = alpha * gavg[i] + (1 - alpha) * g
                vt = vt - gavg[i] ** 2
            if momentum > 0:
                buf[i] = momentum * buf[i] + g / (math.sqrt(vt) + eps)
                w[i] -= lr * buf[i]
            else:
                w[i] -= lr * g / (math.sqrt(vt) + eps)
        out.append(list(w))
    return out


def ref_adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
             maximize=False, decoupled=False):
    b1, b2 = betas
    w, m, v, vmax, out = list(W0), [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], []
    for t, grad in enumerate(GRADS, 1):
        for i, g in enumerate(grad):
            g = -g if maximize else g
            if decoupled:                       # AdamW: shrink the weight, not the gradient
                w[i] *= 1 - lr * weight_decay
            else:
                g = g + weight_decay * w[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            if amsgrad:                         # PyTorch keeps the max of the raw moments
                vmax[i] = max(vmax[i], v[i])
            second = vmax[i] if amsgrad else v[i]
            m_hat = m[i] / (1 - b1 ** t)
            w[i] -= lr * m_hat / (math.sqrt(second) / math.sqrt(1 - b2 ** t) + eps)
        out.append(list(w))
    return out


CASES = [
    ("sgd", optim.SGD, dict(lr=0.1), ref_sgd),
    ("sgd-wd", optim.SGD, dict(lr=0.1, weight_decay=0.1), ref_sgd),
    ("sgd-momentum", optim.SGD, dict(lr=0.1, momentum=0.9), ref_sgd),
    ("sgd-dampening", optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.01),
     ref_sgd),
    ("sgd-nesterov", optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
     ref_sgd),
    ("sgd-maximize", optim.SGD, dict(lr=0.1, momentum=0.5, maximize=True), ref_sgd),
    ("adagrad", optim.Adagrad, dict(lr=0.1), ref_adagrad),
    ("adagrad-all", optim.Adagrad, dict(lr=0.1, lr_decay=0.1, weight_decay=0.2,
                                        initial_accumulator_value=0.5, eps=1e-3), ref_adagrad),
    ("adadelta", optim.Adadelta, dict(), ref_adadelta),
    ("adadelta-wd", optim.Adadelta, dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1),
     ref_adadelta),
    ("rmsprop", optim.RMSprop, dict(lr=0.01), ref_rmsprop),
    ("rmsprop-momentum", optim.RMSprop, dict(lr=0.01, momentum=0.9, weight_decay=0.1),
     ref_rmsprop),
    ("rmsprop-centered", optim.RMSprop, dict(lr=0.01, alpha=0.9, centered=True), ref_rmsprop),
    ("rmsprop-centered-momentum", optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True),
     ref_rmsprop),
    ("adam", optim.Adam, dict(lr=0.1), ref_adam),
    ("adam-wd", optim.Adam, dict(lr=0.1, betas=(0.8, 0.9), weight_decay=0.1), ref_adam),
    ("adam-amsgrad", optim.Adam, dict(lr=0.1, amsgrad=True), ref_adam),
    ("adam-maximize", optim.Adam, dict(lr=0.1, maximize=True, eps=1e-3), ref_adam),
]


@pytest.mark.parametrize("name,cls,kwargs,ref", CASES, ids=[c[0] for c in CASES])
def test_steps_match_the_update_rule(device, name, cls, kwargs, ref):
    assert trajectory(device, cls, kwargs) == [pytest.approx(w, rel=1e-12, abs=1e-15)
                                              for w in ref(**kwargs)]


@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.1, weight_decay=0.5),
                                    dict(lr=0.1, weight_decay=0.5, amsgrad=True)])
def test_adamw_decouples_weight_decay(device, kwargs):
    expected = ref_adam(**{"weight_decay": 1e-2, **kwargs}, decoupled=True)
    assert trajectory(device, optim.AdamW, kwargs) == [pytest.approx(w, rel=1e-12)
                                                       for w in expected]


def test_first_steps_by_hand(device):
    # SGD with momentum 0.9, lr 0.1: b1 = g1, then b2 = 0.9 b1 + g2
    got = trajectory(device, optim.SGD, dict(lr=0.1, momentum=0.9))
    assert got[0] == pytest.approx([1.0 - 0.1 * 0.5, -2.0 + 0.1 * 1.0])
    assert got[1] == pytest.approx([0.95 - 0.1 * (0.45 + 0.25), -1.9 - 0.1 * (-0.9 + 2.0)])
    # Adam's first step is lr * sign(g) (up to eps): m_hat = g, v_hat = g^2
    got = trajectory(device, optim.Adam, dict(lr=0.1))
    assert got[0] == pytest.approx([0.9, -1.9], rel=1e-7)
    # Adagrad's first step is lr * sign(g) too: s = g^2
    got = trajectory(device, optim.Adagrad, dict(lr=0.1))
    assert got[0] == pytest.approx([0.9, -1.9], rel=1e-9)
    # Adadelta's first step: sqrt(eps) / sqrt(0.1 g^2 + eps) * g
    got = trajectory(device, optim.Adadelta, dict())
    step = [math.sqrt(1e-6) / math.sqrt(0.1 * g * g + 1e-6) * g for g in GRADS[0]]
    assert got[0] == pytest.approx([W0[0] - step[0], W0[1] - step[1]])


@pytest.mark.parametrize("name,cls,kwargs,ref", CASES[::3], ids=[c[0] for c in CASES[::3]])
def test_float32_parameters_stay_float32_on_their_device(device, name, cls, kwargs, ref):
    p = xg.tensor(W0, device=device, requires_grad=True)
    opt = cls([p], **kwargs)
    for g in GRADS:
        p.grad = xg.tensor(g, device=device)
        opt.step()
    assert p.dtype == xg.float32 and p.device == xg.tensor(0.0, device=device).device
    assert p.tolist() == pytest.approx(ref(**kwargs)[-1], rel=1e-5, abs=1e-6)
    for value in opt.state[0].values():
        if hasattr(value, "shape"):
            assert isinstance(value, p._backend.array_type) and value.dtype == p.data.dtype


BOWL = [
    (optim.SGD, dict(lr=0.1), 50),
    (optim.SGD, dict(lr=0.05, momentum=0.9), 100),
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True), 100),
    (optim.Adagrad, dict(lr=1.0), 100),
    (optim.Adadelta, dict(lr=1.0), 1500),
    (optim.RMSprop, dict(lr=0.05), 150),
    (optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True), 200),
    (optim.Adam, dict(lr=0.1), 200),
    (optim.Adam, dict(lr=0.1, amsgrad=True), 200),
    (optim.AdamW, dict(lr=0.1), 200),
]


@pytest.mark.parametrize("cls,kwargs,budget", BOWL,
                         ids=[f"{c.__name__}-{'-'.join(k)}" for c, k, _ in BOWL])
def test_minimises_the_lecture_bowl(device, cls, kwargs, budget):
    # g(w1, w2) = w1^2 + w2^2 + 2, minimum 2 at (0, 0), started from (3, -2)
    w = xg.tensor([3.0, -2.0], device=device, requires_grad=True)
    opt = cls([w], **kwargs)
    for _ in range(budget):
        opt.zero_grad()
        loss = (w * w).sum() + 2.0
        loss.backward()
        opt.step()
        if max(abs(v) for v in w.tolist()) < 1e-2:
            break
    assert w.tolist() == pytest.approx([0.0, 0.0], abs=1e-2)
    assert ((w * w).sum() + 2.0).item() == pytest.approx(2.0, abs=1e-3)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.RMSprop, optim.Adagrad,
                                 optim.Adadelta])
def test_scalar_parameter(device, cls):
    # micrograd style: w = xg.tensor(2.5, requires_grad=True); the state stays a 0-d array
    w = xg.tensor(2.5, device=device, requires_grad=True)
    kwargs = {"momentum": 0.9} if cls in (optim.SGD, optim.RMSprop) else {}
    opt = cls([w], lr=0.1, **kwargs)
    for _ in range(3):
        opt.zero_grad()
        (w * w).backward()
        opt.step()
    assert w.shape == () and w.item() < 2.5
    for value in opt.state[0].values():
        if not isinstance(value, int):
            assert isinstance(value, w._backend.array_type) and value.shape == ()


def test_parameters_without_grad_are_skipped(device):
    a = xg.tensor(W0, device=device, requires_grad=True)
    b = xg.tensor(W0, device=device, requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = xg.tensor(GRADS[0], device=device)
    opt.step()
    assert b.tolist() == W0 and a.tolist() != W0
    assert list(opt.state) == [0] and opt.state[0]["step"] == 1
    b.grad = xg.tensor(GRADS[0], device=device)
    opt.step()
    assert opt.state[0]["step"] == 2 and opt.state[1]["step"] == 1
    assert b.tolist() == pytest.approx(trajectory(device, optim.Adam, dict(lr=0.1))[0])


def test_param_groups_have_their_own_options(device):
    a = xg.tensor(W0, dtype="float64", device=device, requires_grad=True)
    b = xg.tensor(W0, dtype="float64", device=device, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.01, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[0]["momentum"] == 0.0
    for g in GRADS:
        a.grad = xg.tensor(g, dtype="float64", device=device)
        b.grad = xg.tensor(g, dtype="float64", device=device)
        opt.step()
    assert a.tolist() == pytest.approx(ref_sgd(lr=0.1)[-1], rel=1e-12)
    assert b.tolist() == pytest.approx(ref_sgd(lr=0.01, momentum=0.9)[-1], rel=1e-12)
