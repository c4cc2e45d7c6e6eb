"""xg.compile's guards: replaced parameters, load_state_dict, optimizer state and options,
train/eval, .grad state and gradient accumulation, freezing, hooks, added param groups,
schedulers inside the step; every case equals eager.

Tests that take ``device`` run on each backend (cpu, strict:device1, cuda when present).
"""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from compile_helpers import (mse_step, assert_arrays_equal, assert_same, paired, small, small_batches,
                             state)


# ---- guards ----------------------------------------------------------------------------------
def test_replacing_a_parameters_data_retraces_and_matches_eager(device):
    def mutate(i, model, opt):
        if i in (3, 5):
            w = model[0].weight
            with xg.no_grad():
                w.data = (w.detach() * 0.5).data      # a new array object
    fn = paired(device, mutate)
    assert fn.traces >= 2


def test_load_state_dict_between_calls_matches_eager(device):
    saved = {}

    def mutate(i, model, opt):
        if i == 1:
            saved["m"] = {k: v.clone() for k, v in model.state_dict().items()}
            saved["o"] = opt.state_dict()
        if i == 5:
            model.load_state_dict(saved["m"])
            opt.load_state_dict(saved["o"])
    paired(device, mutate, opt_cls=optim.SGD, momentum=0.9)


@pytest.mark.parametrize("opt_cls", [optim.SGD, optim.Adam, optim.RMSprop])
def test_clearing_optimizer_state_between_calls_matches_eager(device, opt_cls):
    def mutate(i, model, opt):
        if i == 4:
            opt.state.clear()
    kw = {"momentum": 0.9} if opt_cls is optim.SGD else {}
    paired(device, mutate, opt_cls=opt_cls, **kw)


@pytest.mark.parametrize("key,value,opt_cls,kw", [
    pytest.param("lr", 0.2, optim.SGD, {"momentum": 0.9}, id="SGD-lr"),
    pytest.param("momentum", 0.5, optim.SGD, {"momentum": 0.9}, id="SGD-momentum"),
    pytest.param("nesterov", True, optim.SGD, {"momentum": 0.9}, id="SGD-nesterov"),
    pytest.param("weight_decay", 0.1, optim.SGD, {}, id="SGD-weight_decay"),
    pytest.param("betas", (0.5, 0.9), optim.Adam, {}, id="Adam-betas"),
    pytest.param("amsgrad", True, optim.Adam, {}, id="Adam-amsgrad"),
    pytest.param("weight_decay", 0.1, optim.RMSprop, {}, id="RMSprop-weight_decay"),
])
def test_changing_optimizer_options_between_calls_matches_eager(device, key, value, opt_cls, kw):
    def mutate(i, model, opt):
        if i == 4:
            opt.param_groups[0][key] = value
    paired(device, mutate, opt_cls=opt_cls, **kw)


def test_train_eval_toggle_matches_eager(device):
    modes = [True, True, True, False, False, True, True, False, True, False]

    def mutate(i, model, opt):
        model.train(modes[i])
    fn = paired(device, mutate, n=len(modes), model_kw={"bn": True, "dropout": 0.3})
    assert fn.traces == 2                   # one tape per mode, both kept


def test_submodule_mode_toggle_matches_eager(device):
    def mutate(i, model, opt):
        model[-2].train(i % 3 != 2)          # only the Dropout layer
    paired(device, mutate, model_kw={"dropout": 0.5})


def test_not_zeroing_gradients_accumulates_like_eager(device):
    def body(model, opt, x, y):
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()                     # no zero_grad: gradients accumulate
        opt.step()
        return loss
    fn = paired(device, lambda i, m, o: None, step_body=body)
    assert fn.traces <= 2


def test_zero_grad_to_zeros_inside_the_step_matches_eager(device):
    def body(model, opt, x, y):
        opt.zero_grad(set_to_none=False)
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss
    fn = paired(device, lambda i, m, o: None, step_body=body)
    assert fn.traces <= 2


@pytest.mark.filterwarnings("ignore:xg.compile.*recorded the same signature:RuntimeWarning")
@pytest.mark.parametrize("where", ["step-outside", "step-inside"])
def test_gradient_accumulation_zeroed_outside_every_two_calls(device, where):
    results = []
    for compiled in (False, True):
        model, opt = small(device, momentum=0.9)

        def accumulate(x, y):
            loss = nn.functional.mse_loss(model(x), y) / 2
            loss.backward()
            if where == "step-inside":
                opt.step()
            return loss
        fn = xg.compile(accumulate) if compiled else accumulate
        losses, grads, traces = [], [], []
        for i, (x, y) in enumerate(small_batches(device, 10)):
            losses.append(fn(x, y).numpy())
            grads.append(model[0].weight.grad.numpy())
            traces.append(getattr(fn, "traces", 0))
            if i % 2 == 1:
                if where == "step-outside":
                    opt.step()
                opt.zero_grad()
        results.append((losses, grads, state(model), traces))
    (l1, g1, s1, _), (l2, g2, s2, traces) = results
    assert_arrays_equal(l1, l2)
    assert_arrays_equal(g1, g2)
    assert_same(s1, s2)
    # the accumulated gradient really is the sum of two batches' gradients
    assert not np.array_equal(g2[0], g2[1])
    assert traces[-1] >= 1


@pytest.mark.filterwarnings("ignore:xg.compile.*recorded the same signature:RuntimeWarning")
@pytest.mark.parametrize("loss_kind", ["mse", "sum"])
def test_gradient_accumulation_settles_into_replays(device, loss_kind):
    """The .grad states alternate (None after zeroing, set after a call), but the guarded
    variants of the signature cover both: after a few calls every call replays (also where
    a replay makes the gradient anew: strict:device1, or the constant bias gradient of a
    sum loss, which a replay copies into one holder array)."""
    model, opt = small(device)

    def accumulate(x, y):
        out = model(x)
        loss = nn.functional.mse_loss(out, y) / 2 if loss_kind == "mse" else out.sum()
        loss.backward()
        return loss
    fn = xg.compile(accumulate)
    traces = []
    for i, (x, y) in enumerate(small_batches(device, 16)):
        fn(x, y)
        traces.append(fn.traces)
        if i % 2 == 1:
            opt.step()
            opt.zero_grad()
    assert traces[-1] == traces[7] <= 4, traces


def test_rebinding_grad_outside_between_calls_matches_eager(device):
    def mutate(i, model, opt):
        if i == 4:
            for p in model.parameters():
                p.grad = xg.zeros_like(p)
    def body(model, opt, x, y):
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss
    paired(device, mutate, step_body=body)


def test_freezing_a_parameter_between_calls_matches_eager():
    def mutate(i, model, opt):
        if i == 3:
            model[0].weight.requires_grad_(False)
    paired("cpu", mutate)


def test_registering_a_grad_hook_between_calls_matches_eager():
    def mutate(i, model, opt):
        if i == 3:
            model[2].weight.register_hook(lambda g: g * 10.0)
    paired("cpu", mutate)


@pytest.mark.parametrize("opt_cls", [optim.SGD, optim.RMSprop])
def test_add_param_group_between_calls_matches_eager(opt_cls):
    results = []
    for compiled in (False, True):
        model, _ = small("cpu")
        opt = opt_cls(list(model[-1].parameters()), lr=0.05)

        train_step = mse_step(model, opt)
        fn = xg.compile(train_step) if compiled else train_step
        losses = []
        for i, (x, y) in enumerate(small_batches("cpu", 6)):
            if i == 3:
                opt.add_param_group({"params": list(model[0].parameters())})
            losses.append(fn(x, y).numpy())
        results.append((losses, state(model)))
    assert_arrays_equal(results[0][0], results[1][0])
    assert_same(results[0][1], results[1][1])


def test_gradient_hook_registered_before_compiling_matches_eager(device):
    def body(model, opt, x, y):
        opt.zero_grad()
        hidden = model[0](x)
        hidden.register_hook(lambda g: g * 0.5)            # a hook on an intermediate
        loss = nn.functional.mse_loss(model[2](model[1](hidden)), y)
        loss.backward()
        opt.step()
        return loss
    handles = []

    def mutate(i, model, opt):
        if i == 0:
            handles.append(model[2].weight.register_hook(lambda g: g * 10.0))
    fn = paired(device, mutate, step_body=body)
    assert fn.traces == 1


@pytest.mark.parametrize("make_sched", [
    pytest.param(lambda o: optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5), id="StepLR"),
    pytest.param(lambda o: optim.lr_scheduler.OneCycleLR(o, max_lr=0.2, total_steps=10),
                 id="OneCycleLR"),
    pytest.param(lambda o: optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                       step_size_up=2), id="CyclicLR"),
])
def test_scheduler_stepped_inside_the_step_matches_eager(device, make_sched):
    scheds = {}

    def body(model, opt, x, y):
        if id(opt) not in scheds:
            scheds[id(opt)] = make_sched(opt)
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        scheds[id(opt)].step()
        return loss
    paired(device, lambda i, m, o: None, step_body=body, momentum=0.9)


def test_a_guard_failing_every_call_stays_correct_and_warns():
    def mutate(i, model, opt):
        w = model[0].weight
        with xg.no_grad():
            w.data = (w.detach() * 1.0).data          # a new array every call
    with pytest.warns(RuntimeWarning, match="guard"):
        fn = paired("cpu", mutate, n=8)
    assert fn.traces >= 5
