"""xg.compile's core behaviour: results bit-identical to eager, warm-up/record/replay, the
signature cache (retracing, LRU bound, reset), guards (replaced parameters, train/eval,
.grad state, optimizer state), outputs (structures, copies, detached), the refused
patterns, memory over 1,000 replays, dropout masks, gradient accumulation, inference,
higher-order steps, the lecture's scalar loop, the debug listing and the out= buffer plan.

Tests that take ``device`` run on each backend (cpu, strict:device1, cuda when present).
"""
from __future__ import annotations

import gc
import re
import tracemalloc

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from xpgrad.autograd import function as _function
from xpgrad.autograd.compiled import CompiledFunction


# ---- helpers ---------------------------------------------------------------------------------
def heart(device: str = "cpu", seed: int = 0, opt_cls=optim.SGD, **opt_kw):
    """The lectures' heart MLP (29-16-1, BCEWithLogitsLoss, SGD) and its training step."""
    xg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(29, 16), nn.ReLU(), nn.Linear(16, 1)).to(device)
    opt = opt_cls(model.parameters(), **({"lr": 0.1} | opt_kw))
    criterion = nn.BCEWithLogitsLoss()

    def train_step(x, y):
        opt.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return model, opt, train_step


def heart_batches(device: str, n: int, batch: int = 16, seed: int = 0) -> list:
    rs = np.random.RandomState(seed)
    return [(xg.tensor(rs.randn(batch, 29).astype("float32"), device=device),
             xg.tensor((rs.rand(batch, 1) > 0.5).astype("float32"), device=device))
            for _ in range(n)]


def small(device: str = "cpu", seed: int = 0, dropout: float = 0.0, bn: bool = False,
          opt_cls=optim.SGD, **opt_kw):
    """A small regression MLP (8-6-1) with optional BatchNorm and Dropout."""
    xg.manual_seed(seed)
    layers = [nn.Linear(8, 6)]
    if bn:
        layers.append(nn.BatchNorm1d(6))
    layers.append(nn.Tanh())
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(6, 1))
    model = nn.Sequential(*layers).to(device)
    opt = opt_cls(model.parameters(), **({"lr": 0.05} | opt_kw))
    return model, opt


def small_batches(device: str, n: int, batch: int = 12, seed: int = 1, dtype="float32") -> list:
    rs = np.random.RandomState(seed)
    return [(xg.tensor(rs.randn(batch, 8).astype(dtype), device=device),
             xg.tensor(rs.randn(batch, 1).astype(dtype), device=device)) for _ in range(n)]


def state(model: nn.Module) -> dict:
    """Parameters, buffers and gradients as host arrays."""
    out = {k: v.numpy() for k, v in model.state_dict().items()}
    for k, p in model.named_parameters():
        out["grad." + k] = None if p.grad is None else p.grad.numpy()
    return out


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if a[k] is None or b[k] is None:
            assert a[k] is None and b[k] is None, f"{k}: {a[k]} vs {b[k]}"
        else:
            assert a[k].dtype == b[k].dtype, k
            assert np.array_equal(a[k], b[k]), f"{k} differs:\n{a[k]}\nvs\n{b[k]}"


def assert_arrays_equal(a: list, b: list) -> None:
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert np.array_equal(x, y), f"item {i}: {x} vs {y}"


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

    def make(model, opt):
        def train_step(x, y):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return train_step
    s1, s2 = make(m1, o1), xg.compile(make(m2, o2))
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


# ---- guards ----------------------------------------------------------------------------------
def _paired(device, mutate, n=8, model_kw=None, step_body=None, opt_cls=optim.SGD, **opt_kw):
    """Run the same step eagerly and compiled, calling mutate(i, model, opt) before call i in
    both; returns (eager losses, compiled losses, eager state, compiled state, compiled)."""
    model_kw = model_kw or {}
    results = []
    for compiled in (False, True):
        model, opt = small(device, opt_cls=opt_cls, **model_kw, **opt_kw)

        def train_step(x, y, model=model, opt=opt):
            if step_body is not None:
                return step_body(model, opt, x, y)
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss
        fn = xg.compile(train_step) if compiled else train_step
        xg.manual_seed(11)
        losses = []
        for i, (x, y) in enumerate(small_batches(device, n)):
            mutate(i, model, opt)
            losses.append(fn(x, y).numpy())
        results.append((losses, state(model), fn))
    (l1, st1, _), (l2, st2, fn) = results
    assert_arrays_equal(l1, l2)
    assert_same(st1, st2)
    return fn


def test_replacing_a_parameters_data_retraces_and_matches_eager(device):
    def mutate(i, model, opt):
        if i in (3, 5):
            w = model[0].weight
            with xg.no_grad():
                w.data = (w.detach() * 0.5).data      # a new array object
    fn = _paired(device, mutate)
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
    _paired(device, mutate, opt_cls=optim.SGD, momentum=0.9)


@pytest.mark.parametrize("opt_cls", [optim.SGD, optim.Adam, optim.RMSprop])
def test_clearing_optimizer_state_between_calls_matches_eager(device, opt_cls):
    def mutate(i, model, opt):
        if i == 4:
            opt.state.clear()
    kw = {"momentum": 0.9} if opt_cls is optim.SGD else {}
    _paired(device, mutate, opt_cls=opt_cls, **kw)


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
    _paired(device, mutate, opt_cls=opt_cls, **kw)


def test_train_eval_toggle_matches_eager(device):
    modes = [True, True, True, False, False, True, True, False, True, False]

    def mutate(i, model, opt):
        model.train(modes[i])
    fn = _paired(device, mutate, n=len(modes), model_kw={"bn": True, "dropout": 0.3})
    assert fn.traces == 2                   # one tape per mode, both kept


def test_submodule_mode_toggle_matches_eager(device):
    def mutate(i, model, opt):
        model[-2].train(i % 3 != 2)          # only the Dropout layer
    _paired(device, mutate, model_kw={"dropout": 0.5})


def test_not_zeroing_gradients_accumulates_like_eager(device):
    def body(model, opt, x, y):
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()                     # no zero_grad: gradients accumulate
        opt.step()
        return loss
    fn = _paired(device, lambda i, m, o: None, step_body=body)
    assert fn.traces <= 2


def test_zero_grad_to_zeros_inside_the_step_matches_eager(device):
    def body(model, opt, x, y):
        opt.zero_grad(set_to_none=False)
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss
    fn = _paired(device, lambda i, m, o: None, step_body=body)
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
    _paired(device, mutate, step_body=body)


def test_freezing_a_parameter_between_calls_matches_eager():
    def mutate(i, model, opt):
        if i == 3:
            model[0].weight.requires_grad_(False)
    _paired("cpu", mutate)


def test_registering_a_grad_hook_between_calls_matches_eager():
    def mutate(i, model, opt):
        if i == 3:
            model[2].weight.register_hook(lambda g: g * 10.0)
    _paired("cpu", mutate)


@pytest.mark.parametrize("opt_cls", [optim.SGD, optim.RMSprop])
def test_add_param_group_between_calls_matches_eager(opt_cls):
    results = []
    for compiled in (False, True):
        model, _ = small("cpu")
        opt = opt_cls(list(model[-1].parameters()), lr=0.05)

        def train_step(x, y):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss
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
    fn = _paired(device, mutate, step_body=body)
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
    _paired(device, lambda i, m, o: None, step_body=body, momentum=0.9)


def test_a_guard_failing_every_call_stays_correct_and_warns():
    def mutate(i, model, opt):
        w = model[0].weight
        with xg.no_grad():
            w.data = (w.detach() * 1.0).data          # a new array every call
    with pytest.warns(RuntimeWarning, match="guard"):
        fn = _paired("cpu", mutate, n=8)
    assert fn.traces >= 5


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

        def train_step():
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss
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


# ---- dropout and randomness ------------------------------------------------------------------
def test_dropout_masks_differ_between_replays_and_match_eager(device):
    drop = nn.Dropout(0.5)
    f = xg.compile(lambda x: drop(x))
    x = xg.ones(8, 16, device=device)
    xg.manual_seed(5)
    comp = [f(x).numpy() for _ in range(6)]
    xg.manual_seed(5)
    eager = [drop(x).numpy() for _ in range(6)]
    assert_arrays_equal(eager, comp)
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
    _paired(device, lambda i, m, o: None, model_kw={"dropout": 0.4}, opt_cls=optim.Adam,
            lr=0.01)


@pytest.mark.parametrize("layer", [
    pytest.param(lambda: nn.GaussianNoise(0.5), id="GaussianNoise"),
    pytest.param(lambda: nn.NoisyReLU(), id="NoisyReLU"),
])
def test_noise_layers_draw_fresh_noise_each_replay(device, layer):
    noise = layer()
    f = xg.compile(lambda x: noise(x))
    x = xg.ones(4, 8, device=device)
    xg.manual_seed(2)
    comp = [f(x).numpy() for _ in range(5)]
    xg.manual_seed(2)
    eager = [noise(x).numpy() for _ in range(5)]
    assert_arrays_equal(eager, comp)
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
    fn = _paired(device, lambda i, m, o: None, step_body=body, n=6)
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


# ---- memory ----------------------------------------------------------------------------------
def test_memory_does_not_grow_over_1000_replays():
    _, _, s = heart("cpu")
    step = xg.compile(s)
    x, y = heart_batches("cpu", 1, batch=32)[0]
    for _ in range(3):                      # warm-up, record, first replay
        step(x, y)
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(10):
            step(x, y)
        gc.collect()
        after_10 = tracemalloc.get_traced_memory()[0]
        for _ in range(990):
            step(x, y)
        gc.collect()
        after_1000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert step.traces == 1
    assert after_1000 - after_10 < 64 * 1024, (after_10, after_1000)


def test_memory_of_held_outputs_is_released():
    """Outputs are new arrays each call: dropping them frees them (nothing keeps them)."""
    _, _, s = heart("cpu")
    step = xg.compile(s)
    x, y = heart_batches("cpu", 1, batch=32)[0]
    for _ in range(3):
        step(x, y)
    gc.collect()
    tracemalloc.start()
    try:
        held = [step(x, y) for _ in range(200)]
        with_outputs = tracemalloc.get_traced_memory()[0]
        del held
        gc.collect()
        released = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert released < with_outputs


# ---- debug listing and the buffer plan -------------------------------------------------------
def test_debug_prints_the_tape_once(capsys):
    _, _, s = heart()
    step = xg.compile(s, debug=True)
    batches = heart_batches("cpu", 5)
    step(*batches[0])
    assert capsys.readouterr().out == ""            # warm-up: nothing printed
    step(*batches[1])
    out = capsys.readouterr().out
    assert "def replay" in out and "xg.compile(train_step)" in out
    assert "backend calls" in out
    for x, y in batches[2:]:
        step(x, y)
    assert capsys.readouterr().out == ""            # replays print nothing


def test_describe_and_program_source(device):
    _, _, s = heart(device)
    step = xg.compile(s)
    for x, y in heart_batches(device, 3):
        step(x, y)
    text = step.describe()
    assert "def replay" in text and text.startswith("# xg.compile(train_step)")
    (program,) = step.programs()
    assert "def replay" in program.source and program.source in text
    assert step.describe(program) == text
    stats = program.stats
    assert {"calls", "allocating", "buffers", "distinct_buffers", "buffer_bytes", "folded",
            "views", "dropped", "host"} <= set(stats)
    assert stats["calls"] > 0 and 0 <= stats["allocating"] <= stats["calls"]
    assert f"{stats['calls']} backend calls" in text


def test_out_buffer_planning_on_cpu():
    _, _, s = heart("cpu")
    step = xg.compile(s)
    for x, y in heart_batches("cpu", 3, batch=32):
        step(x, y)
    stats = step.programs()[0].stats
    assert stats["buffers"] > 0 and stats["buffer_bytes"] > 0
    assert 0 < stats["distinct_buffers"] <= stats["buffers"]     # liveness reuses buffers
    assert stats["allocating"] < 0.25 * stats["calls"], stats
    assert "out=" in step.describe()


def test_strict_device_plans_no_buffers_and_still_matches_eager():
    m1, _, s1 = heart("strict:device1")
    m2, _, s2 = heart("strict:device1")
    step = xg.compile(s2)
    eager = [s1(x, y).numpy() for x, y in heart_batches("strict:device1", 6, batch=32)]
    comp = [step(x, y).numpy() for x, y in heart_batches("strict:device1", 6, batch=32)]
    assert_arrays_equal(eager, comp)
    assert_same(state(m1), state(m2))
    stats = step.programs()[0].stats
    assert stats["buffers"] == 0 and stats["buffer_bytes"] == 0
    assert stats["distinct_buffers"] == 0
    assert "out=" not in step.programs()[0].source
