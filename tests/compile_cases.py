"""The harness of tests/test_compile_layers.py and tests/test_compile_optim.py: xg.compile against eager execution for every layer, activation, loss, optimizer, gradient
clipping, regulariser and learning-rate schedule of xpgrad.nn / xpgrad.optim.

Each case builds the same model twice (``xg.manual_seed`` before each construction), runs
N training steps eagerly and N through ``xg.compile`` (one warm-up call, one traced call,
the rest replayed) with a different input batch at every step and the same random seed
sequence, and checks that the losses, parameters, buffers and optimizer state are
*bit-identical* (``np.array_equal``) after every step. Every case runs on each backend
(cpu, strict:device1, cuda when present)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import xpgrad as xg
from xpgrad import nn, optim
from xpgrad.optim import lr_scheduler as lrs

N_STEPS = 7
BATCH = 12
IN = 8


# ---- data -----------------------------------------------------------------------------------
def _targets(kind: str, rs: np.random.RandomState, n: int) -> np.ndarray:
    """Host targets of the given kind for a batch of n."""
    if kind == "reg1":                      # (N, 1) regression
        return rs.randn(n, 1).astype("float32")
    if kind == "reg4":                      # (N, 4) regression
        return rs.randn(n, 4).astype("float32")
    if kind == "prob4":                     # (N, 4) rows in the simplex (softmax targets)
        p = rs.rand(n, 4).astype("float32") + 0.1
        return (p / p.sum(1, keepdims=True)).astype("float32")
    if kind == "bin1":                      # (N, 1) zeros and ones
        return (rs.rand(n, 1) > 0.5).astype("float32")
    if kind == "bin3":                      # (N, 3) zeros and ones (multi-label)
        return (rs.rand(n, 3) > 0.5).astype("float32")
    if kind == "soft3":                     # (N, 3) soft binary labels in [0, 1]
        return rs.rand(n, 3).astype("float32")
    if kind == "cls4":                      # (N,) class indices
        return rs.randint(0, 4, size=n).astype("int64")
    if kind == "cls4_ignore":               # class indices with some ignored (-100)
        t = rs.randint(0, 4, size=n).astype("int64")
        t[rs.rand(n) < 0.25] = -100
        t[0] = 1                                # never all ignored
        return t
    if kind == "cls4_ignore2":              # ignore_index=2 is a real class value
        return rs.randint(0, 4, size=n).astype("int64")
    raise AssertionError(kind)


def make_batches(device: str, target: str, n_steps: int = N_STEPS, batch: int = BATCH,
                 seed: int = 1234, dtype: str = "float32") -> list:
    """n_steps different (x, y) batches (fresh tensors each call: both runs get their own)."""
    rs = np.random.RandomState(seed)
    out = []
    for _ in range(n_steps):
        x = rs.randn(batch, IN).astype(dtype)
        y = _targets(target, rs, batch)
        if y.dtype == np.float32 and dtype != "float32":
            y = y.astype(dtype)
        out.append((xg.tensor(x, device=device), xg.tensor(y, device=device)))
    return out


# ---- state snapshots -------------------------------------------------------------------------
def _host(v: Any) -> Any:
    if isinstance(v, xg.Tensor):
        return v.numpy()
    return v


def snapshot(model: nn.Module, opt: Any) -> dict:
    """Parameters, buffers, gradients and optimizer state, as host values."""
    out = {f"model.{k}": _host(v) for k, v in model.state_dict().items()}
    for k, p in model.named_parameters():
        out[f"grad.{k}"] = None if p.grad is None else p.grad.numpy()
    if opt is not None:
        sd = opt.state_dict()
        for i, entries in sd["state"].items():
            for k, v in entries.items():
                out[f"opt.{i}.{k}"] = _host(v)
        for gi, g in enumerate(sd["param_groups"]):
            for k, v in g.items():
                if k != "params":
                    out[f"group.{gi}.{k}"] = v
    return out


def assert_same_state(a: dict, b: dict, where: str) -> None:
    assert a.keys() == b.keys(), where
    for k in a:
        va, vb = a[k], b[k]
        if isinstance(va, np.ndarray):
            assert va.dtype == vb.dtype, f"{where}: {k} dtype {va.dtype} vs {vb.dtype}"
            assert np.array_equal(va, vb), f"{where}: {k} differs\neager={va}\ncompiled={vb}"
        else:
            assert va == vb, f"{where}: {k}: {va!r} vs {vb!r}"


# ---- the harness -----------------------------------------------------------------------------
@dataclass
class Case:
    """model(device) -> Module; loss() -> criterion; opt(params) -> Optimizer."""
    model: Callable
    target: str = "reg1"
    loss: Callable = nn.MSELoss
    opt: Callable = lambda params: optim.SGD(params, lr=0.05)
    sched: Callable | None = None           # sched(opt) -> scheduler stepped after each call
    clip: Callable | None = None            # clip(params) inside the step, after backward
    reg: Callable | None = None             # reg(model) -> a penalty added to the loss
    dtype: str = "float32"
    loss_args: Callable | None = None       # loss_args(device) -> kwargs for loss()


def _build(case: Case, device: str) -> tuple:
    xg.manual_seed(0)
    model = case.model()
    model.to(device)
    if case.dtype != "float32":
        model.to(getattr(xg, case.dtype))
    kwargs = case.loss_args(device) if case.loss_args else {}
    criterion = case.loss(**kwargs)
    opt = case.opt(list(model.parameters()))
    sched = case.sched(opt) if case.sched else None
    return model, criterion, opt, sched


def run(case: Case, device: str, compiled: bool) -> tuple:
    model, criterion, opt, sched = _build(case, device)

    def train_step(x, y):
        opt.zero_grad()
        out = model(x)
        loss = criterion(out, y)
        if case.reg is not None:
            loss = loss + case.reg(model)
        loss.backward()
        extra = ()
        if case.clip is not None:
            norm = case.clip(model.parameters())
            extra = () if norm is None else (norm,)
        opt.step()
        return (loss,) + extra

    fn = xg.compile(train_step) if compiled else train_step
    batches = make_batches(device, case.target, dtype=case.dtype)
    xg.manual_seed(7)                       # the same random stream for both runs
    history = []
    for i, (x, y) in enumerate(batches):
        outs = fn(x, y)
        if sched is not None:
            if isinstance(sched, lrs.ReduceLROnPlateau):
                sched.step(outs[0].item())
            else:
                sched.step()
        history.append(([o.numpy() for o in outs], snapshot(model, opt)))
    return history, fn, model


def check_case(case: Case, device: str) -> None:
    eager, _, _ = run(case, device, compiled=False)
    comp, fn, model = run(case, device, compiled=True)
    assert len(eager) == len(comp) == N_STEPS
    for i, ((eo, es), (co, cs)) in enumerate(zip(eager, comp)):
        assert len(eo) == len(co)
        for a, b in zip(eo, co):
            assert a.dtype == b.dtype and a.shape == b.shape, f"step {i}"
            assert np.array_equal(a, b), f"step {i}: output differs: {a} vs {b}"
        assert_same_state(es, cs, f"step {i}")
    # the compiled run really replayed: one trace for the one signature, N - 2 replays
    assert fn.traces == 1
    assert len(fn.programs()) == 1
    # training moved the parameters (the comparison is not between two untouched models)
    first, last = comp[0][1], comp[-1][1]
    assert any(not np.array_equal(first[k], last[k]) for k in first
               if k.startswith("model.") and isinstance(first[k], np.ndarray)
               and first[k].dtype.kind == "f")


class Stack(nn.Module):
    """A user Module holding its layers in a ModuleList."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(IN, 6), nn.Linear(6, 5), nn.Linear(5, 1)])

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = x.tanh()
        return x


def mlp(*middle: Any, out: int = 1, width: int = 6) -> Callable:
    """Linear(IN, width), *middle, Linear(width, out)."""
    return lambda: nn.Sequential(nn.Linear(IN, width), *[m() for m in middle],
                                 nn.Linear(width, out))
