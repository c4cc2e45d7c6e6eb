"""xg.compile's own behaviour, beside tests/test_compile.py: warm-up/record/replay, the
signature cache, guards, outputs, the refused patterns, gradient accumulation, argument
gradients, nested and random steps."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim


def _batch(rng, n=8, d=5, device="cpu"):
    return (xg.tensor(rng.standard_normal((n, d)).astype(np.float32), device=device),
            xg.tensor(rng.standard_normal((n, 1)).astype(np.float32), device=device))


def _setup(device="cpu", seed=0, dropout=0.0):
    xg.manual_seed(seed)
    layers = [nn.Linear(5, 6), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    model = nn.Sequential(*layers, nn.Linear(6, 1)).to(device)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(x, y):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, opt, step


def _params(model):
    return [p.numpy() for p in model.parameters()]


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_warm_up_record_replay(device):
    model, _, step = _setup(device)
    compiled = xg.compile(step)
    rng = np.random.default_rng(0)
    compiled(*_batch(rng, device=device))
    assert compiled.traces == 0 and not compiled.programs()       # call 1: eager warm-up
    compiled(*_batch(rng, device=device))
    assert compiled.traces == 1                                   # call 2: recorded
    for _ in range(3):
        compiled(*_batch(rng, device=device))
    assert compiled.traces == 1                                   # later calls replay


def test_warmup_zero_records_the_first_call():
    _, _, step = _setup()
    compiled = xg.compile(step, warmup=0)
    compiled(*_batch(np.random.default_rng(0)))
    assert compiled.traces == 1


@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_n_compiled_steps_equal_n_eager_steps(device, dropout):
    m1, _, s1 = _setup(device, dropout=dropout)
    m2, _, s2 = _setup(device, dropout=dropout)
    c2 = xg.compile(s2)
    r1, r2 = np.random.default_rng(1), np.random.default_rng(1)
    xg.manual_seed(7)
    l1 = [s1(*_batch(r1, device=device)).item() for _ in range(8)]
    xg.manual_seed(7)
    l2 = [c2(*_batch(r2, device=device)).item() for _ in range(8)]
    assert l1 == l2
    assert _same(_params(m1), _params(m2))


def test_new_batch_size_records_again_and_old_one_replays():
    _, _, step = _setup()
    compiled = xg.compile(step)
    rng = np.random.default_rng(0)
    for n in (8, 8, 8, 3, 3, 3, 8, 3):
        compiled(*_batch(rng, n=n))
    assert compiled.traces == 2 and len(compiled.programs()) == 2


def test_cache_is_bounded_lru():
    _, _, step = _setup()
    compiled = xg.compile(step, cache_size=2, warmup=0)
    rng = np.random.default_rng(0)
    for n in (2, 3, 4):
        compiled(*_batch(rng, n=n))
    assert len(compiled.programs()) == 2
    compiled(*_batch(rng, n=2))                    # evicted: recorded again
    assert compiled.traces == 4


def test_outputs_are_detached_copies_and_structures_survive():
    w = xg.tensor([1.0, 2.0], requires_grad=True)

    @xg.compile
    def step(x):
        y = (w * x).sum()
        y.backward()
        return {"loss": y, "pair": (y * 2, x + 1), "tag": "ok", "n": 3}
    held = None
    for k in range(5):
        out = step(xg.tensor([float(k), 1.0]))
        if k == 3:
            held = out
        w.grad = None
    assert held["loss"].item() == 5.0                # not overwritten by the next replay
    assert out["tag"] == "ok" and out["n"] == 3 and isinstance(out["pair"], tuple)
    assert not out["loss"].requires_grad and out["loss"].grad_fn is None
    assert np.array_equal(out["pair"][1].numpy(), [5.0, 2.0])


@pytest.mark.parametrize("what, body, match", [
    ("item", lambda t: t.sum().item(), "item()"),
    ("numpy", lambda t: t.numpy(), "numpy()"),
    ("tolist", lambda t: t.tolist(), "tolist()"),
    ("bool", lambda t: 1 if t.sum() > 0 else 0, "bool|item"),
    ("float", lambda t: float(t.sum()), "item"),
    ("asarray", lambda t: np.asarray(t), "asarray"),
    ("parameter", lambda t: nn.Parameter(t), "Parameter"),
    ("requires_grad", lambda t: t.requires_grad_(), "requires_grad"),
    ("new leaf", lambda t: xg.zeros(2, requires_grad=True), "requires_grad"),
])
def test_refused_patterns_name_the_call(what, body, match):
    compiled = xg.compile(lambda x: body(x * 2), warmup=0)
    with pytest.raises(xg.CompileError, match=match):
        compiled(xg.ones(3))


def test_refused_optimizer_closure_and_anomaly_and_two_devices():
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)

    def closure_step(x):
        return opt.step(lambda: model(x).sum())
    with pytest.raises(xg.CompileError, match="closure"):
        xg.compile(closure_step, warmup=0)(xg.ones(1, 2))

    def anomaly_step(x):
        with xg.autograd.detect_anomaly():
            loss = model(x).sum()
            loss.backward()
            return loss
    with pytest.raises(xg.CompileError, match="detect_anomaly"):
        xg.compile(anomaly_step, warmup=0)(xg.ones(1, 2))

    with pytest.raises(xg.CompileError, match="one device"):
        xg.compile(lambda a, b: a + b, warmup=0)(xg.ones(2), xg.ones(2, device="strict"))
    elsewhere = xg.ones(2, device="strict")
    with pytest.raises(xg.CompileError, match="moving a tensor from strict to cpu"):
        xg.compile(lambda a: a + elsewhere.to("cpu"), warmup=0)(xg.ones(2))


def test_compiled_function_still_works_after_a_refusal():
    calls = []

    def step(x, read):
        y = x * 3
        if read:
            calls.append(y.item())
        return y
    compiled = xg.compile(step, warmup=0)
    with pytest.raises(xg.CompileError):
        compiled(xg.ones(()), True)
    assert compiled(xg.ones(()), False).item() == 3.0          # another signature: fine
    assert xg.autograd.function.tracer is None                   # nothing left recording


def test_guards_record_again_when_parameters_are_replaced_or_the_mode_changes():
    m1, _, s1 = _setup(dropout=0.2)
    m2, _, s2 = _setup(dropout=0.2)
    c2 = xg.compile(s2)
    r1, r2 = np.random.default_rng(3), np.random.default_rng(3)
    for k in range(8):
        if k == 4:                                   # load new weights (new arrays)
            state = {n: xg.tensor(p.numpy() * 0.5) for n, p in m1.state_dict().items()}
            m1.load_state_dict(state)
            m2.load_state_dict(state)
        if k == 6:
            m1.eval(), m2.eval()
        xg.manual_seed(k)
        a = s1(*_batch(r1)).item()
        xg.manual_seed(k)
        b = c2(*_batch(r2)).item()
        assert a == b, k
    assert _same(_params(m1), _params(m2))
    assert c2.traces >= 2


def test_gradient_accumulation_zeroed_outside_every_two_calls():
    results = []
    for compiled in (False, True):
        xg.manual_seed(0)
        model = nn.Linear(4, 2)
        opt = optim.SGD(model.parameters(), lr=0.05)

        def accumulate(x):
            (model(x) ** 2).mean().backward()
            return model.weight.grad * 1.0
        fn = xg.compile(accumulate) if compiled else accumulate
        rng = np.random.default_rng(0)
        grads = []
        for k in range(8):
            grads.append(fn(xg.tensor(rng.standard_normal((3, 4)).astype(np.float32))).numpy())
            if k % 2 == 1:
                opt.step()
                opt.zero_grad()
        results.append((grads, _params(model)))
    assert fn.traces <= 4           # a variant per .grad state, not one recording per call
    assert all(np.array_equal(a, b) for a, b in zip(results[0][0], results[1][0]))
    assert _same(results[0][1], results[1][1])


def test_backward_into_argument_tensors_sets_each_calls_grad():
    @xg.compile
    def step(x):
        (x * x).sum().backward()
    grads = []
    for k in range(4):
        x = xg.tensor([float(k), 1.0], requires_grad=True)
        step(x)
        grads.append(x.grad)
    assert [g.tolist() for g in grads] == [[0.0, 2.0], [2.0, 2.0], [4.0, 2.0], [6.0, 2.0]]


def test_a_guard_failing_on_every_call_warns_and_stays_correct():
    w = xg.tensor(2.0, requires_grad=True)

    @xg.compile
    def step():
        w.grad = None                     # not recorded: the replay's guard sees the old grad
        y = w * w
        y.backward()
        return w.grad * 1.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = [step().item() for _ in range(8)]
    assert values == [4.0] * 8
    assert any("recorded the same signature" in str(c.message) for c in caught)


def test_nested_compiled_function_is_part_of_the_outer_trace():
    inner = xg.compile(lambda x: x * 2, warmup=0)
    outer = xg.compile(lambda x: inner(x) + 1, warmup=0)
    for k in range(3):
        assert outer(xg.tensor([float(k)])).tolist() == [2.0 * k + 1]
    assert outer.traces == 1 and inner.traces == 0


def test_bad_arguments_are_explained():
    with pytest.raises(TypeError, match="expects a function"):
        xg.compile(3)
    with pytest.raises(ValueError, match="warmup"):
        xg.compile(lambda: None, warmup=-1)
    fn = xg.compile(lambda x: x)
    with pytest.raises(TypeError, match="as tensors"):
        fn(np.ones(2))
    with pytest.raises(TypeError, match="hashable"):
        fn([1, 2])


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
