"""Kinds of step through xg.compile: random draws (dropout, noise, init), inference, higher
order, the lecture's scalar loop; each equals eager.

Tests that take ``device`` run on each backend (cpu, strict:device1, cuda when present).
"""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from compile_helpers import (assert_arrays_equal, assert_same, paired, small, small_batches,
                             state)


# ---- dropout and randomness ------------------------------------------------------------------
def _draws(layer, x, n: int, seed: int) -> tuple:
    """n calls of ``layer`` compiled and eagerly, from the same seed: (eager, compiled, fn)."""
    f = xg.compile(lambda x: layer(x))
    xg.manual_seed(seed)
    comp = [f(x).numpy() for _ in range(n)]
    xg.manual_seed(seed)
    eager = [layer(x).numpy() for _ in range(n)]
    assert_arrays_equal(eager, comp)
    return eager, comp, f


def test_dropout_masks_differ_between_replays_and_match_eager(device):
    _, comp, f = _draws(nn.Dropout(0.5), xg.ones(8, 16, device=device), 6, 5)
    for a, b in zip(comp, comp[1:]):
        assert not np.array_equal(a, b)      # a fresh mask each call, replays included
    for a in comp:
        assert set(np.unique(a)) <= {0.0, 2.0}
        assert 0.2 < (a == 0).mean() < 0.8
    assert f.traces == 1


def test_manual_seed_between_replays_restarts_the_stream(device):
    drop = nn.Dropout(0.5)
    f = xg.compile(lambda x: drop(x) * 1.0)
    x = xg.ones(4, 8, device=device)
    xg.manual_seed(9)
    first = [f(x).numpy() for _ in range(4)]
    xg.manual_seed(9)
    again = [f(x).numpy() for _ in range(4)]
    assert_arrays_equal(first, again)
    assert f.traces == 1


def test_dropout_training_step_matches_eager(device):
    paired(device, lambda i, m, o: None, model_kw={"dropout": 0.4}, opt_cls=optim.Adam,
            lr=0.01)


@pytest.mark.parametrize("layer", [
    pytest.param(lambda: nn.GaussianNoise(0.5), id="GaussianNoise"),
    pytest.param(lambda: nn.NoisyReLU(), id="NoisyReLU"),
])
def test_noise_layers_draw_fresh_noise_each_replay(device, layer):
    _, comp, _ = _draws(layer(), xg.ones(4, 8, device=device), 5, 2)
    assert not np.array_equal(comp[3], comp[4])


# ---- inference and higher order --------------------------------------------------------------
def test_inference_under_no_grad_in_eval_mode_matches_eager(device):
    model, _ = small(device, bn=True, dropout=0.5)
    # train once so that the running statistics are not the initial ones
    for x, y in small_batches(device, 2):
        nn.functional.mse_loss(model(x), y).backward()
    model.eval()
    before = state(model)

    def predict(x):
        return model(x).sigmoid()
    step = xg.compile(predict)
    batches = small_batches(device, 6, seed=4)
    with xg.no_grad():
        eager = [predict(x).numpy() for x, _ in batches]
        comp = [step(x).numpy() for x, _ in batches]
    assert_arrays_equal(eager, comp)
    assert step.traces == 1
    assert_same(before, state(model))        # eval: no running-stat update, no gradients
    assert not np.array_equal(comp[0], comp[1])


def test_higher_order_gradient_penalty_step_matches_eager(device):
    def body(model, opt, x, y):
        opt.zero_grad()
        x = x.detach()
        pred = model(x * 1.0)
        loss = nn.functional.mse_loss(pred, y)
        params = list(model.parameters())
        grads = xg.autograd.grad(loss, params, create_graph=True)
        penalty = grads[0].pow(2).sum() + grads[2].pow(2).sum()
        total = loss + 0.1 * penalty
        total.backward()
        opt.step()
        return total
    fn = paired(device, lambda i, m, o: None, step_body=body, n=6)
    assert fn.traces == 1


def test_second_derivative_matches_eager(device):
    def f(x):
        y = (x ** 3).sum()
        (g,) = xg.autograd.grad(y, x, create_graph=True)
        (h,) = xg.autograd.grad(g.sum(), x)
        return g, h
    step = xg.compile(f)
    for i in range(5):
        x = xg.tensor([1.0, 2.0, float(i)], device=device, requires_grad=True)
        g, h = step(x)
        ge, he = f(xg.tensor([1.0, 2.0, float(i)], device=device, requires_grad=True))
        assert np.array_equal(g.numpy(), ge.detach().numpy())
        assert np.array_equal(h.numpy(), he.numpy())
        assert h.tolist() == [6.0, 12.0, 6.0 * i]
    assert step.traces == 1


def test_lecture_scalar_gradient_descent_loop(device):
    """README's loop: g(w) = (w^4 + w^2 + 10 w) / 50, 100 steps of w -= 1.0 * w.grad."""
    def make():
        w = xg.tensor(2.5, device=device, requires_grad=True)

        def step():
            nonlocal w
            g = (w ** 4 + w ** 2 + 10 * w) / 50
            g.backward()
            with xg.no_grad():
                w -= 1.0 * w.grad
            w.grad = None
            return g
        return w, step
    w1, s1 = make()
    w2, s2 = make()
    step = xg.compile(s2)
    g1 = [s1().numpy() for _ in range(100)]
    g2 = [step().numpy() for _ in range(100)]
    assert_arrays_equal(g1, g2)
    assert np.array_equal(w1.numpy(), w2.numpy())
    assert w2.grad is None
    assert step.traces == 1
    assert abs(w2.item() - (-1.2348)) < 1e-3    # the minimum of g, near -1.23


def test_random_init_and_noise_inside_the_step_draw_fresh_numbers(device):
    """Random calls are recorded as calls to the backend's generator: each replay draws new
    numbers, the same sequence as eager from the same seed."""
    runs = []
    for compiled in (False, True):
        xg.manual_seed(0)
        lin = nn.Linear(3, 2).to(device)

        def step(x):
            lin.reset_parameters()
            nn.init.normal_(lin.bias, 0.0, 0.1)
            return lin(x + xg.randn(2, 3, device=device))
        fn = xg.compile(step) if compiled else step
        runs.append([fn(xg.ones(2, 3, device=device)).numpy() for _ in range(5)])
    assert all(np.array_equal(a, b) for a, b in zip(*runs))
    assert not np.array_equal(runs[1][3], runs[1][4])
