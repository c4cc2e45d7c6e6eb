"""xg.compile's core: results bit-identical to eager, warm-up/record/replay and the
signature cache (retracing, LRU bound, reset, frozen Python numbers).

Tests that take ``device`` run on each backend (cpu, strict:device1, cuda when present).
"""
from __future__ import annotations

import re

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from xpgrad.autograd.compiled import CompiledFunction
from compile_helpers import (mse_step, assert_arrays_equal, assert_same, heart, heart_batches, small,
                             small_batches, state)


# ---- bit-identical results -------------------------------------------------------------------
@pytest.mark.parametrize("opt_cls,opt_kw", [
    pytest.param(optim.SGD, {}, id="SGD"),
    pytest.param(optim.SGD, {"momentum": 0.9, "nesterov": True}, id="SGD-nesterov"),
    pytest.param(optim.Adam, {"lr": 0.01}, id="Adam"),
    pytest.param(optim.RMSprop, {"lr": 0.01}, id="RMSprop"),
])
def test_heart_step_is_bit_identical_to_eager(device, opt_cls, opt_kw):
    m1, _, s1 = heart(device, opt_cls=opt_cls, **opt_kw)
    m2, _, s2 = heart(device, opt_cls=opt_cls, **opt_kw)
    step = xg.compile(s2)
    eager = [s1(x, y).numpy() for x, y in heart_batches(device, 8)]
    comp = [step(x, y).numpy() for x, y in heart_batches(device, 8)]
    assert_arrays_equal(eager, comp)
    assert_same(state(m1), state(m2))
    assert step.traces == 1 and len(step.programs()) == 1
    assert len(set(float(v) for v in comp)) > 1          # the batches really changed


def test_state_is_identical_after_every_single_step(device):
    m1, o1 = small(device, bn=True, dropout=0.2, opt_cls=optim.Adam, lr=0.01)
    m2, o2 = small(device, bn=True, dropout=0.2, opt_cls=optim.Adam, lr=0.01)

    s1, s2 = mse_step(m1, o1), xg.compile(mse_step(m2, o2))
    xg.manual_seed(3)
    eager = []
    for x, y in small_batches(device, 6):
        eager.append((s1(x, y).numpy(), state(m1), o1.state_dict()["state"][0]["step"]))
    xg.manual_seed(3)
    for i, (x, y) in enumerate(small_batches(device, 6)):
        loss = s2(x, y).numpy()
        assert np.array_equal(loss, eager[i][0]), f"step {i}"
        assert_same(eager[i][1], state(m2))
        assert o2.state_dict()["state"][0]["step"] == eager[i][2] == i + 1   # Adam's count
    assert s2.traces == 1


# ---- warm-up, record, replay -----------------------------------------------------------------
@pytest.mark.parametrize("warmup", [0, 1, 3])
def test_warmup_calls_run_eagerly_then_one_records(warmup):
    _, _, s = heart()
    step = xg.compile(s, warmup=warmup)
    assert step.traces == 0 and step.programs() == []
    assert "nothing traced yet" in step.describe()
    batches = heart_batches("cpu", warmup + 3)
    for i, (x, y) in enumerate(batches):
        step(x, y)
        expected = 0 if i < warmup else 1
        assert step.traces == expected, f"after call {i + 1}"
        assert len(step.programs()) == expected


def test_decorator_forms_and_wrapper_metadata():
    calls = []

    @xg.compile
    def double(x):
        """Twice x."""
        calls.append(1)
        return x * 2

    @xg.compile(warmup=0, cache_size=2)
    def triple(x):
        calls.append(1)
        return x * 3

    assert isinstance(double, CompiledFunction) and isinstance(triple, CompiledFunction)
    assert double.__name__ == "double" and double.__doc__ == "Twice x."
    assert double.warmup == 1 and triple.warmup == 0 and triple.cache_size == 2
    x = xg.tensor([1.0, 2.0])
    for _ in range(4):
        assert double(x).tolist() == [2.0, 4.0]
        assert triple(x).tolist() == [3.0, 6.0]
    assert double.traces == 1 and triple.traces == 1
    # Python runs only on the warm-up and recording calls: 2 for double, 1 for triple
    assert len(calls) == 3
    assert "double" in repr(double)


def test_replays_do_not_run_the_python_function():
    seen = []

    def f(x):
        seen.append(x.shape)
        return (x * x).sum()

    step = xg.compile(f)
    for i in range(5):
        out = step(xg.tensor([1.0, 2.0, float(i)]))
        assert out.item() == 5.0 + i * i
    assert len(seen) == 2


@pytest.mark.parametrize("kwargs,exc,match", [
    pytest.param({"warmup": -1}, ValueError, "warmup", id="warmup<0"),
    pytest.param({"cache_size": 0}, ValueError, "cache_size", id="cache_size<1"),
])
def test_bad_options_are_refused(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        xg.compile(lambda x: x, **kwargs)


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="expects a function"):
        xg.compile(5)
    step = xg.compile(lambda x, k: x * 2)
    x = xg.tensor([1.0])
    with pytest.raises(TypeError, match="hashable"):
        step(x, [1, 2])
    with pytest.raises(TypeError, match=re.escape("xg.tensor(")):
        step(x, np.ones(2))


# ---- the signature cache ---------------------------------------------------------------------
def test_new_batch_size_retraces_and_the_old_one_is_reused(device):
    sizes = [16, 16, 16, 8, 8, 8, 16, 16, 8, 8]
    traces_after = [0, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    rs = np.random.RandomState(0)
    data = [(rs.randn(n, 29).astype("float32"), (rs.rand(n, 1) > 0.5).astype("float32"))
            for n in sizes]
    m1, _, s1 = heart(device)
    m2, _, s2 = heart(device)
    step = xg.compile(s2)
    for i, (x, y) in enumerate(data):
        e = s1(xg.tensor(x, device=device), xg.tensor(y, device=device)).numpy()
        c = step(xg.tensor(x, device=device), xg.tensor(y, device=device)).numpy()
        assert np.array_equal(e, c), f"call {i}"
        assert step.traces == traces_after[i], f"call {i} (batch {sizes[i]})"
    assert len(step.programs()) == 2
    assert_same(state(m1), state(m2))


def test_cache_is_bounded_and_least_recently_used():
    f = xg.compile(lambda x: (x * 2.0).sum(), warmup=0, cache_size=2)

    def call(n):
        out = f(xg.ones(n))
        assert out.item() == 2.0 * n
    call(4)
    call(5)
    assert f.traces == 2 and len(f.programs()) == 2
    call(4)                                 # a hit: 4 becomes the most recent
    assert f.traces == 2
    call(6)                                 # evicts 5, the least recently used
    assert f.traces == 3 and len(f.programs()) == 2
    call(4)                                 # still cached
    assert f.traces == 3
    call(5)                                 # evicted: records again (and evicts 6)
    assert f.traces == 4 and len(f.programs()) == 2
    call(6)
    assert f.traces == 5
    assert len(f.programs()) <= 2


def test_cache_size_one_keeps_only_the_latest_signature():
    f = xg.compile(lambda x: x.sum(), warmup=0, cache_size=1)
    for n in (2, 3, 2, 3):
        assert f(xg.ones(n)).item() == n
        assert len(f.programs()) == 1
    assert f.traces == 4


@pytest.mark.parametrize("change", ["dtype", "requires_grad", "grad_mode", "static_arg",
                                    "kwarg"])
def test_signature_parts_record_separately(change):
    def f(x, scale=1.0, *, shift=0.0):
        return (x * scale + shift).sum()

    step = xg.compile(f, warmup=0)
    x32 = xg.tensor([1.0, 2.0, 3.0])
    step(x32)
    step(x32)
    assert step.traces == 1
    if change == "dtype":
        other, expect = (lambda: step(xg.tensor([1.0, 2.0, 3.0], dtype="float64"))), 6.0
    elif change == "requires_grad":
        xr = xg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        other, expect = (lambda: step(xr)), 6.0
    elif change == "grad_mode":
        def other():
            with xg.no_grad():
                return step(x32)
        expect = 6.0
    elif change == "static_arg":
        other, expect = (lambda: step(x32, 2.0)), 12.0
    else:
        other, expect = (lambda: step(x32, shift=1.0)), 9.0
    for _ in range(3):
        out = other()
        assert out.item() == expect
    assert step.traces == 2 and len(step.programs()) == 2
    assert step(x32).item() == 6.0           # the first signature still replays
    assert step.traces == 2
    if change == "dtype":
        assert other().dtype == xg.float64


def test_static_python_arguments_match_eager(device):
    m1, o1 = small(device)
    m2, o2 = small(device)

    def make(model, opt):
        def train_step(x, y, weight, reduction="mean"):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y, reduction=reduction) * weight
            loss.backward()
            opt.step()
            return loss
        return train_step
    s1, s2 = make(m1, o1), xg.compile(make(m2, o2))
    plan = [(1.0, "mean"), (1.0, "mean"), (0.5, "mean"), (1.0, "mean"), (0.5, "sum"),
            (0.5, "mean"), (0.5, "sum"), (1.0, "mean")]
    for i, ((x, y), (w, r)) in enumerate(zip(small_batches(device, len(plan)), plan)):
        assert np.array_equal(s1(x, y, w, reduction=r).numpy(),
                              s2(x, y, w, reduction=r).numpy()), f"call {i}"
    assert_same(state(m1), state(m2))
    assert s2.traces == 3


def test_reset_forgets_the_tapes():
    _, _, s = heart()
    step = xg.compile(s)
    batches = heart_batches("cpu", 6)
    for x, y in batches[:3]:
        step(x, y)
    assert step.traces == 1
    step.reset()
    assert step.programs() == [] and "nothing traced yet" in step.describe()
    step(*batches[3])                       # a warm-up call again
    assert step.programs() == []
    step(*batches[4])                       # and a new recording
    assert len(step.programs()) == 1 and step.traces == 2


def test_python_numbers_are_frozen_until_reset(device):
    """Documented: a Python number the step reads is frozen at trace time; reset() picks up
    the new value (then the compiled run equals eager again)."""
    weight = {"value": 1.0}
    m1, o1 = small(device)
    m2, o2 = small(device)

    def make(model, opt):
        def train_step(x, y):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y) * weight["value"]
            loss.backward()
            opt.step()
            return loss
        return train_step
    s1, s2 = make(m1, o1), xg.compile(make(m2, o2))
    batches = small_batches(device, 8)
    for x, y in batches[:3]:
        assert np.array_equal(s1(x, y).numpy(), s2(x, y).numpy())
    weight["value"] = 3.0
    s2.reset()
    for x, y in batches[3:]:
        assert np.array_equal(s1(x, y).numpy(), s2(x, y).numpy())
    assert_same(state(m1), state(m2))
