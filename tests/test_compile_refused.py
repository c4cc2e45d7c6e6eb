"""What xg.compile refuses while recording, each with an xg.CompileError naming the call.

Tests that take ``device`` run on each backend (cpu, strict:device1, cuda when present).
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from xpgrad.autograd import function as _function


# ---- refused patterns ------------------------------------------------------------------------
def _refusal_setup():
    xg.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    return model, opt


def _loss(model, x):
    return (model(x) ** 2).mean()


def _anomaly(model, opt, x):
    with xg.autograd.detect_anomaly():
        return _loss(model, x)


def _if_on_tensor(model, opt, x):
    loss = _loss(model, x)
    if loss > 0:
        return loss
    return loss * 2


def _closure(model, opt, x):
    return opt.step(lambda: _loss(model, x))


def _plateau(model, opt, x):
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt)
    loss = _loss(model, x)
    sched.step(loss)
    return loss


REFUSED = [
    pytest.param(lambda m, o, x: _loss(m, x).item(), "item()", id="item"),
    pytest.param(lambda m, o, x: _loss(m, x).numpy(), "numpy()", id="numpy"),
    pytest.param(lambda m, o, x: m(x).tolist(), "tolist()", id="tolist"),
    pytest.param(lambda m, o, x: float(_loss(m, x)), "float(t)", id="float"),
    pytest.param(lambda m, o, x: int(_loss(m, x)), "int(t)", id="int"),
    pytest.param(lambda m, o, x: bool(_loss(m, x) > 0), "bool(t)", id="bool"),
    pytest.param(_if_on_tensor, "`if t:`", id="python-if"),
    pytest.param(lambda m, o, x: np.asarray(_loss(m, x)), "np.asarray", id="np.asarray"),
    pytest.param(lambda m, o, x: nn.Parameter(xg.zeros(3)), "creating a Parameter",
                 id="Parameter"),
    pytest.param(lambda m, o, x: nn.Linear(3, 2)(x), "creating a Parameter", id="new-layer"),
    pytest.param(lambda m, o, x: xg.zeros(3).requires_grad_(), "requires_grad_",
                 id="requires_grad_"),
    pytest.param(lambda m, o, x: xg.tensor([1.0], requires_grad=True), "requires_grad",
                 id="tensor-requires_grad"),
    pytest.param(lambda m, o, x: xg.zeros(2, requires_grad=True), "requires_grad",
                 id="zeros-requires_grad"),
    pytest.param(_closure, "optimizer.step(closure)", id="step-closure"),
    pytest.param(_anomaly, "detect_anomaly", id="detect_anomaly"),
    pytest.param(lambda m, o, x: (_loss(m, x), xg.ones(2, device="strict:device1") * 2.0),
                 "one device", id="two-devices"),
    pytest.param(lambda m, o, x: x.to("strict:device1"), "moving a tensor", id="tensor.to"),
    pytest.param(_plateau, "ReduceLROnPlateau", id="ReduceLROnPlateau"),
]


@pytest.mark.parametrize("body,names", REFUSED)
@pytest.mark.parametrize("warmup", [0, 1])
def test_refused_patterns_raise_compile_error_naming_the_call(body, names, warmup):
    model, opt = _refusal_setup()
    x = xg.ones(4, 3)
    step = xg.compile(lambda x: body(model, opt, x), warmup=warmup)
    for _ in range(warmup):
        step(x)                             # the warm-up calls run eagerly: no error
    with pytest.raises(xg.CompileError, match=re.escape(names)) as info:
        step(x)
    assert isinstance(info.value, RuntimeError)
    assert "xg.compile(" in str(info.value)
    assert _function.tracer is None         # the failed recording left no tracer behind
    assert step.programs() == []
    with pytest.raises(xg.CompileError):    # refused again, not cached as a success
        step(x)
    assert (model(x) * 2.0).sum().item() is not None    # eager work is unaffected


def test_post_accumulate_grad_hook_is_refused():
    model, opt = _refusal_setup()
    seen = []
    handle = model.weight.register_post_accumulate_grad_hook(lambda p: seen.append(1))

    def train_step(x):
        opt.zero_grad()
        _loss(model, x).backward()
        opt.step()
    step = xg.compile(train_step)
    x = xg.ones(4, 3)
    step(x)                                 # eager warm-up: the hook runs
    assert seen == [1]
    with pytest.raises(xg.CompileError, match="post-accumulate-grad hook"):
        step(x)
    handle.remove()
    step(x)                                 # without the hook it records and replays
    step(x)
    assert step.traces == 1


def test_compile_error_is_exported_everywhere():
    assert xg.CompileError is xg.autograd.CompileError
    assert issubclass(xg.CompileError, RuntimeError)
