"""What a compiled step returns and takes: structures and Python values, copies that later
calls leave alone, detached tensors; inputs passed twice, changed in place, non-contiguous,
with gradients of their own; nesting.

Tests that take ``device`` run on each backend (cpu, strict:device1, cuda when present).
"""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn
from compile_helpers import (mse_step, assert_arrays_equal, assert_same, heart, heart_batches, small,
                             small_batches, state)


# ---- outputs ---------------------------------------------------------------------------------
def test_outputs_structures_and_python_values_match_eager(device):
    results = []
    for compiled in (False, True):
        model, opt = small(device)

        def train_step(x, y):
            opt.zero_grad()
            pred = model(x)
            loss = nn.functional.mse_loss(pred, y)
            loss.backward()
            opt.step()
            return {"loss": loss, "pred": (pred, [pred * 2.0, x.shape[0]]), "tag": "step",
                    "n": 3, "none": None, "grad_norm": (model[0].weight.grad ** 2).sum()}
        fn = xg.compile(train_step) if compiled else train_step
        outs = [fn(x, y) for x, y in small_batches(device, 5)]
        results.append(outs)
    for i, (e, c) in enumerate(zip(*results)):
        assert type(c) is dict and list(c) == list(e)
        assert type(c["pred"]) is tuple and type(c["pred"][1]) is list
        assert c["tag"] == "step" and c["n"] == 3 and c["none"] is None
        assert c["pred"][1][1] == 12
        for get in (lambda o: o["loss"], lambda o: o["pred"][0], lambda o: o["pred"][1][0],
                    lambda o: o["grad_norm"]):
            te, tc = get(e), get(c)
            assert isinstance(tc, xg.Tensor)
            assert tc.requires_grad is False and tc.grad_fn is None
            assert tc.shape == te.shape and tc.dtype == te.dtype
            assert tc.device == te.device
            assert np.array_equal(te.numpy(), tc.numpy()), f"call {i}"


@pytest.mark.parametrize("shape", ["tuple", "list", "single", "none"])
def test_output_shapes_of_the_result(shape):
    def f(x):
        y = x * 2.0
        return {"tuple": (y, y.sum()), "list": [y], "single": y, "none": None}[shape]
    step = xg.compile(f)
    for i in range(4):
        out = step(xg.tensor([1.0, float(i)]))
        if shape == "none":
            assert out is None
        elif shape == "single":
            assert out.tolist() == [2.0, 2.0 * i]
        else:
            assert type(out) is {"tuple": tuple, "list": list}[shape]
            assert out[0].tolist() == [2.0, 2.0 * i]


def test_held_outputs_do_not_change_on_later_calls(device):
    """Outputs are copies: a loss held from a replay is not overwritten by the next one."""
    _, _, s = heart(device)
    step = xg.compile(s)
    held = []
    for x, y in heart_batches(device, 7):
        out = step(x, y)
        held.append((out, out.numpy()))
    for i, (t, v) in enumerate(held):
        assert np.array_equal(t.numpy(), v), f"call {i}: held output changed"
    assert len({float(v) for _, v in held}) == len(held)
    assert step.traces == 1


@pytest.mark.parametrize("what", ["parameter", "input"])
def test_returned_state_is_a_copy_on_every_call(what):
    model, opt = small("cpu")

    def train_step(x, y):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return {"parameter": model[0].bias, "input": x}[what]
    step = xg.compile(train_step)
    held = []
    for x, y in small_batches("cpu", 5):
        out = step(x, y)
        held.append((out, out.numpy()))
        if what == "input":
            x.data[...] = 0.0                # the caller reuses its batch array
    for i, (t, v) in enumerate(held):
        assert np.array_equal(t.numpy(), v), f"call {i}: held output changed"


def test_outputs_of_replays_are_new_tensors_not_aliases():
    step = xg.compile(lambda x: (x + 1.0, x * 1.0))
    x = xg.tensor([1.0, 2.0])
    a = step(x)
    b = step(x)
    c = step(x)
    assert c[0] is not b[0] and c[0].data is not b[0].data
    assert not np.shares_memory(c[0].data, b[0].data)
    assert not np.shares_memory(c[1].data, x.data)       # x * 1.0 is a copy of x
    x.data[...] = 5.0                                    # the caller's array changes
    assert c[1].tolist() == [1.0, 2.0] and a[0].tolist() == [2.0, 3.0]


def test_returning_an_input_gives_a_copy():
    step = xg.compile(lambda x: x)
    x = xg.tensor([1.0, 2.0])
    outs = [step(x) for _ in range(4)]
    x.data[...] = 9.0
    assert all(o.tolist() == [1.0, 2.0] for o in outs[2:])   # replayed outputs are copies


def test_same_tensor_passed_twice_matches_eager(device):
    def f(a, b):
        return (a * b).sum(), a - b
    step = xg.compile(f)
    for i in range(4):
        x = xg.tensor([1.0, 2.0, float(i)], device=device)
        s, d = step(x, x)
        assert s.item() == 5.0 + i * i
        assert d.tolist() == [0.0, 0.0, 0.0]


def test_input_modified_in_place_by_the_step(device):
    def f(x):
        with xg.no_grad():
            x += 1.0
        return x.sum()
    step = xg.compile(f)
    for i in range(4):
        x = xg.tensor([1.0, float(i)], device=device)
        out = step(x)
        assert x.tolist() == [2.0, i + 1.0]           # the caller's tensor changed, as eager
        assert out.item() == 3.0 + i


def test_non_contiguous_inputs_match_eager(device):
    m1, _, s1 = heart(device)
    m2, _, s2 = heart(device)
    step = xg.compile(s2)
    rs = np.random.RandomState(3)
    for i in range(6):
        x = rs.randn(29, 16).astype("float32").T          # (16, 29), Fortran order
        y = (rs.rand(16, 1) > 0.5).astype("float32")
        if i % 2:
            x = np.ascontiguousarray(x)
        e = s1(xg.tensor(x, device=device), xg.tensor(y, device=device)).numpy()
        c = step(xg.tensor(x, device=device), xg.tensor(y, device=device)).numpy()
        assert np.array_equal(e, c), f"call {i}"
    assert_same(state(m1), state(m2))


def test_step_without_tensor_arguments_matches_eager(device):
    results = []
    for compiled in (False, True):
        model, opt = small(device)
        x, y = small_batches(device, 1)[0]

        step = mse_step(model, opt)

        def train_step():
            return step(x, y)
        fn = xg.compile(train_step) if compiled else train_step
        results.append(([fn().numpy() for _ in range(6)], state(model)))
    assert_arrays_equal(results[0][0], results[1][0])
    assert_same(results[0][1], results[1][1])
    assert len({float(v) for v in results[1][0]}) == 6       # it trained


def test_input_tensor_gradients_are_per_call(device):
    """Backward into an argument tensor sets that call's tensor's .grad."""
    def f(x):
        loss = (x ** 3).sum()
        loss.backward()
        return loss
    step = xg.compile(f)
    xs = [xg.tensor([1.0, float(i)], device=device, requires_grad=True) for i in range(5)]
    for x in xs:
        step(x)
    for i, x in enumerate(xs):
        assert x.grad is not None
        assert x.grad.tolist() == [3.0, 3.0 * i * i]
    assert step.traces == 1


def test_nested_compiled_function_is_part_of_the_outer_trace():
    inner = xg.compile(lambda x: x * 3.0)
    outer = xg.compile(lambda x: inner(x) + 1.0)
    for i in range(4):
        assert outer(xg.tensor([float(i)])).tolist() == [3.0 * i + 1.0]
    assert outer.traces == 1 and inner.traces == 0
