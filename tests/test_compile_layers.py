"""xg.compile against eager execution for every layer, activation, loss, optimizer, gradient
clipping, regulariser and learning-rate schedule of xpgrad.nn / xpgrad.optim.

Each case builds the same model twice (``xg.manual_seed`` before each construction), runs
N training steps eagerly and N through ``xg.compile`` (one warm-up call, one traced call,
the rest replayed) with a different input batch at every step and the same random seed
sequence, and checks that the losses, parameters, buffers and optimizer state are
*bit-identical* (``np.array_equal``) after every step. Every case runs on each backend
(cpu, strict:device1, cuda when present)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

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


# ---- layers -----------------------------------------------------------------------------------
LAYERS = [
    pytest.param(Case(lambda: nn.Linear(IN, 4), target="reg4"), id="Linear"),
    pytest.param(Case(lambda: nn.Sequential(nn.Linear(IN, 4, bias=False)), target="reg4"),
                 id="Linear-nobias"),
    pytest.param(Case(lambda: nn.Sequential(nn.Maxout(IN, 5, k=3), nn.Linear(5, 1))),
                 id="Maxout-k3"),
    pytest.param(Case(lambda: nn.Sequential(nn.Maxout(IN, 4, k=2), nn.Linear(4, 1))),
                 id="Maxout-k2"),
    pytest.param(Case(mlp(lambda: nn.BatchNorm1d(6), nn.ReLU)), id="BatchNorm1d-momentum0.1"),
    pytest.param(Case(mlp(lambda: nn.BatchNorm1d(6, momentum=None), nn.ReLU)),
                 id="BatchNorm1d-momentumNone"),
    pytest.param(Case(mlp(lambda: nn.BatchNorm1d(6, affine=False), nn.Tanh)),
                 id="BatchNorm1d-noaffine"),
    pytest.param(Case(mlp(lambda: nn.BatchNorm1d(6, track_running_stats=False), nn.ReLU)),
                 id="BatchNorm1d-nostats"),
    pytest.param(Case(mlp(nn.ReLU, lambda: nn.Dropout(0.3))), id="Dropout-0.3"),
    pytest.param(Case(mlp(nn.ReLU, lambda: nn.Dropout(0.0))), id="Dropout-0.0"),
    pytest.param(Case(mlp(nn.ReLU, lambda: nn.GaussianNoise(0.2))), id="GaussianNoise"),
    pytest.param(Case(mlp(lambda: nn.NoisyReLU())), id="NoisyReLU-sigmoid"),
    pytest.param(Case(mlp(lambda: nn.NoisyReLU(stddev=0.3))), id="NoisyReLU-0.3"),
    pytest.param(Case(lambda: nn.Sequential(nn.Identity(), nn.Flatten(), nn.Linear(IN, 1))),
                 id="Identity-Flatten"),
    pytest.param(Case(lambda: Stack()), id="ModuleList-custom-Module"),
    pytest.param(Case(mlp(nn.ReLU, lambda: nn.BatchNorm1d(6), lambda: nn.Dropout(0.25),
                          nn.Tanh)), id="BatchNorm-Dropout-stack"),
]

ACTIVATIONS = [
    pytest.param(Case(mlp(nn.ReLU)), id="ReLU"),
    pytest.param(Case(mlp(lambda: nn.LeakyReLU(0.1))), id="LeakyReLU"),
    pytest.param(Case(mlp(nn.PReLU)), id="PReLU-shared"),
    pytest.param(Case(mlp(lambda: nn.PReLU(6, init=0.1))), id="PReLU-per-channel"),
    pytest.param(Case(mlp(nn.ELU)), id="ELU"),
    pytest.param(Case(mlp(lambda: nn.ELU(alpha=0.5))), id="ELU-alpha0.5"),
    pytest.param(Case(mlp(nn.Softplus)), id="Softplus"),
    pytest.param(Case(mlp(lambda: nn.Softplus(beta=2.0, threshold=1.0))), id="Softplus-beta2"),
    pytest.param(Case(mlp(nn.Sigmoid)), id="Sigmoid"),
    pytest.param(Case(mlp(nn.Tanh)), id="Tanh"),
    pytest.param(Case(lambda: nn.Sequential(nn.Linear(IN, 4), nn.Softmax(dim=1)),
                      target="prob4"), id="Softmax"),
    pytest.param(Case(lambda: nn.Sequential(nn.Linear(IN, 4), nn.LogSoftmax(dim=1)),
                      target="reg4"), id="LogSoftmax"),
]


def _w(values):
    return lambda device: xg.tensor(values, device=device)


LOSSES = [
    pytest.param(Case(mlp(nn.ReLU), loss=nn.MSELoss), id="MSELoss"),
    pytest.param(Case(mlp(nn.ReLU), loss=lambda: nn.MSELoss(reduction="sum")),
                 id="MSELoss-sum"),
    pytest.param(Case(mlp(nn.ReLU), loss=nn.L1Loss), id="L1Loss"),
    pytest.param(Case(mlp(nn.ReLU), loss=lambda: nn.L1Loss(reduction="sum")), id="L1Loss-sum"),
    pytest.param(Case(lambda: nn.Sequential(nn.Linear(IN, 1), nn.Sigmoid()), target="bin1",
                      loss=nn.BCELoss), id="BCELoss"),
    pytest.param(Case(lambda: nn.Sequential(nn.Linear(IN, 3), nn.Sigmoid()), target="soft3",
                      loss=nn.BCELoss,
                      loss_args=lambda d: {"weight": xg.tensor([1.0, 2.0, 0.5], device=d)}),
                 id="BCELoss-weight"),
    pytest.param(Case(mlp(nn.ReLU), target="bin1", loss=nn.BCEWithLogitsLoss),
                 id="BCEWithLogitsLoss"),
    pytest.param(Case(mlp(nn.ReLU, out=3), target="bin3", loss=nn.BCEWithLogitsLoss,
                      loss_args=lambda d: {"pos_weight": xg.tensor([2.0, 0.5, 3.0], device=d)}),
                 id="BCEWithLogitsLoss-pos_weight"),
    pytest.param(Case(mlp(nn.ReLU, out=3), target="soft3", loss=nn.BCEWithLogitsLoss,
                      loss_args=lambda d: {"weight": xg.tensor([1.0, 2.0, 0.5], device=d),
                                           "reduction": "sum"}),
                 id="BCEWithLogitsLoss-weight-sum"),
    pytest.param(Case(mlp(nn.ReLU, out=4), target="cls4", loss=nn.CrossEntropyLoss),
                 id="CrossEntropyLoss"),
    pytest.param(Case(mlp(nn.ReLU, out=4), target="cls4", loss=nn.CrossEntropyLoss,
                      loss_args=lambda d: {"weight": xg.tensor([1.0, 2.0, 0.5, 1.5],
                                                               device=d)}),
                 id="CrossEntropyLoss-weight"),
    pytest.param(Case(mlp(nn.ReLU, out=4), target="cls4_ignore", loss=nn.CrossEntropyLoss),
                 id="CrossEntropyLoss-ignore_index-default"),
    pytest.param(Case(mlp(nn.ReLU, out=4), target="cls4_ignore2", loss=nn.CrossEntropyLoss,
                      loss_args=lambda d: {"ignore_index": 2}),
                 id="CrossEntropyLoss-ignore_index-2"),
    pytest.param(Case(mlp(nn.ReLU, out=4), target="cls4", loss=nn.CrossEntropyLoss,
                      loss_args=lambda d: {"label_smoothing": 0.1}),
                 id="CrossEntropyLoss-label_smoothing"),
    pytest.param(Case(mlp(nn.ReLU, out=4), target="cls4_ignore", loss=nn.CrossEntropyLoss,
                      loss_args=lambda d: {"weight": xg.tensor([1.0, 2.0, 0.5, 1.5], device=d),
                                           "label_smoothing": 0.2}),
                 id="CrossEntropyLoss-weight-smoothing-ignore"),
    pytest.param(Case(mlp(nn.ReLU, out=4), target="prob4", loss=nn.CrossEntropyLoss),
                 id="CrossEntropyLoss-prob-targets"),
    pytest.param(Case(mlp(nn.ReLU, out=4), target="prob4", loss=nn.CrossEntropyLoss,
                      loss_args=lambda d: {"label_smoothing": 0.1}),
                 id="CrossEntropyLoss-prob-targets-smoothing"),
    pytest.param(Case(mlp(nn.ReLU, out=4), target="cls4",
                      loss=lambda: nn.CrossEntropyLoss(reduction="sum")),
                 id="CrossEntropyLoss-sum"),
    pytest.param(Case(lambda: nn.Sequential(nn.Linear(IN, 4), nn.LogSoftmax(dim=1)),
                      target="cls4", loss=nn.NLLLoss), id="NLLLoss"),
    pytest.param(Case(lambda: nn.Sequential(nn.Linear(IN, 4), nn.LogSoftmax(dim=1)),
                      target="cls4_ignore", loss=nn.NLLLoss,
                      loss_args=lambda d: {"weight": xg.tensor([1.0, 2.0, 0.5, 1.5],
                                                               device=d)}),
                 id="NLLLoss-weight-ignore"),
]

OPTIMIZERS = [
    pytest.param(lambda p: optim.SGD(p, lr=0.05), id="SGD"),
    pytest.param(lambda p: optim.SGD(p, lr=0.05, momentum=0.9), id="SGD-momentum"),
    pytest.param(lambda p: optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.3),
                 id="SGD-dampening"),
    pytest.param(lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), id="SGD-nesterov"),
    pytest.param(lambda p: optim.SGD(p, lr=0.05, weight_decay=0.01), id="SGD-weight_decay"),
    pytest.param(lambda p: optim.SGD(p, lr=0.05, momentum=0.5, maximize=True), id="SGD-maximize"),
    pytest.param(lambda p: optim.SGD([{"params": p[:1], "lr": 0.1}, {"params": p[1:]}],
                                     lr=0.01, momentum=0.9), id="SGD-param-groups"),
    pytest.param(lambda p: optim.Adam(p, lr=0.01), id="Adam"),
    pytest.param(lambda p: optim.Adam(p, lr=0.01, amsgrad=True), id="Adam-amsgrad"),
    pytest.param(lambda p: optim.Adam(p, lr=0.01, weight_decay=0.01), id="Adam-weight_decay"),
    pytest.param(lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.9), maximize=True),
                 id="Adam-betas-maximize"),
    pytest.param(lambda p: optim.AdamW(p, lr=0.01), id="AdamW"),
    pytest.param(lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1, amsgrad=True),
                 id="AdamW-amsgrad"),
    pytest.param(lambda p: optim.RMSprop(p, lr=0.01), id="RMSprop"),
    pytest.param(lambda p: optim.RMSprop(p, lr=0.01, centered=True), id="RMSprop-centered"),
    pytest.param(lambda p: optim.RMSprop(p, lr=0.01, momentum=0.9), id="RMSprop-momentum"),
    pytest.param(lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True,
                                         weight_decay=0.01), id="RMSprop-centered-momentum-wd"),
    pytest.param(lambda p: optim.Adagrad(p, lr=0.05), id="Adagrad"),
    pytest.param(lambda p: optim.Adagrad(p, lr=0.05, lr_decay=0.1, weight_decay=0.01,
                                         initial_accumulator_value=0.1),
                 id="Adagrad-decay-wd-init"),
    pytest.param(lambda p: optim.Adadelta(p), id="Adadelta"),
    pytest.param(lambda p: optim.Adadelta(p, lr=0.5, rho=0.8, weight_decay=0.01),
                 id="Adadelta-rho-wd"),
]

CLIPPING = [
    pytest.param(lambda ps: optim.clip_grad_norm_(ps, max_norm=0.05), id="clip_grad_norm-2"),
    pytest.param(lambda ps: optim.clip_grad_norm_(ps, max_norm=100.0), id="clip_grad_norm-noop"),
    pytest.param(lambda ps: optim.clip_grad_norm_(ps, max_norm=0.05, norm_type=1.0),
                 id="clip_grad_norm-1"),
    pytest.param(lambda ps: optim.clip_grad_norm_(ps, max_norm=0.02, norm_type=math.inf),
                 id="clip_grad_norm-inf"),
    pytest.param(lambda ps: optim.clip_grad_norm_(ps, max_norm=0.05, norm_type=3.0),
                 id="clip_grad_norm-3"),
    pytest.param(lambda ps: optim.clip_grad_value_(ps, 0.01), id="clip_grad_value"),
]

REGULARIZERS = [
    pytest.param(lambda m: nn.regularizers.l1(m, 1e-2), id="l1"),
    pytest.param(lambda m: nn.regularizers.l2(m, 1e-2), id="l2"),
    pytest.param(lambda m: nn.regularizers.l2(m, 1e-2, weights_only=False), id="l2-all"),
    pytest.param(lambda m: nn.regularizers.elastic_net(m, 1e-2, l1_ratio=0.3), id="elastic_net"),
    pytest.param(lambda m: nn.regularizers.l1_l2(m, l1=1e-3, l2=1e-2), id="l1_l2"),
]

SCHEDULERS = [
    pytest.param((lambda p: optim.SGD(p, lr=0.1), lambda o: lrs.StepLR(o, step_size=2, gamma=0.5)),
                 id="StepLR"),
    pytest.param((lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                  lambda o: lrs.MultiStepLR(o, milestones=[1, 3, 4], gamma=0.3)),
                 id="MultiStepLR"),
    pytest.param((lambda p: optim.Adam(p, lr=0.02), lambda o: lrs.ExponentialLR(o, gamma=0.7)),
                 id="ExponentialLR"),
    pytest.param((lambda p: optim.SGD(p, lr=0.1), lambda o: lrs.CosineAnnealingLR(o, T_max=5)),
                 id="CosineAnnealingLR"),
    pytest.param((lambda p: optim.SGD(p, lr=0.1),
                  lambda o: lrs.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2)),
                 id="CosineAnnealingWarmRestarts"),
    pytest.param((lambda p: optim.RMSprop(p, lr=0.01),
                  lambda o: lrs.LinearLR(o, start_factor=0.2, total_iters=4)), id="LinearLR"),
    pytest.param((lambda p: optim.SGD(p, lr=0.1),
                  lambda o: lrs.LambdaLR(o, lambda e: 1.0 / (1 + e))), id="LambdaLR"),
    pytest.param((lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                  lambda o: lrs.OneCycleLR(o, max_lr=0.2, total_steps=N_STEPS + 1)),
                 id="OneCycleLR-SGD-momentum"),
    pytest.param((lambda p: optim.Adam(p, lr=0.01),
                  lambda o: lrs.OneCycleLR(o, max_lr=0.05, total_steps=N_STEPS + 1,
                                           anneal_strategy="linear")),
                 id="OneCycleLR-Adam-betas"),
    pytest.param((lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
                  lambda o: lrs.CyclicLR(o, base_lr=0.01, max_lr=0.2, step_size_up=2)),
                 id="CyclicLR-momentum"),
    pytest.param((lambda p: optim.Adam(p, lr=0.01),
                  lambda o: lrs.CyclicLR(o, base_lr=0.001, max_lr=0.05, step_size_up=2,
                                         mode="triangular2", cycle_momentum=False)),
                 id="CyclicLR-triangular2-Adam"),
    pytest.param((lambda p: optim.SGD(p, lr=0.1),
                  lambda o: lrs.ReduceLROnPlateau(o, factor=0.5, patience=0)),
                 id="ReduceLROnPlateau"),
]


@pytest.mark.parametrize("case", LAYERS)
def test_layer_compiled_matches_eager(case, device):
    check_case(case, device)


@pytest.mark.parametrize("case", ACTIVATIONS)
def test_activation_compiled_matches_eager(case, device):
    check_case(case, device)


@pytest.mark.parametrize("case", LOSSES)
def test_loss_compiled_matches_eager(case, device):
    check_case(case, device)


@pytest.mark.parametrize("make_opt", OPTIMIZERS)
def test_optimizer_compiled_matches_eager(make_opt, device):
    check_case(Case(mlp(nn.Tanh), opt=make_opt), device)


@pytest.mark.parametrize("make_opt", [
    pytest.param(lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), id="SGD-nesterov"),
    pytest.param(lambda p: optim.Adam(p, lr=0.01, amsgrad=True), id="Adam-amsgrad"),
    pytest.param(lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
                 id="RMSprop-centered-momentum"),
])
def test_optimizer_float64_compiled_matches_eager(make_opt, device):
    check_case(Case(mlp(nn.ReLU), opt=make_opt, dtype="float64"), device)


@pytest.mark.parametrize("clip", CLIPPING)
def test_clipping_inside_the_step_matches_eager(clip, device):
    check_case(Case(mlp(nn.ReLU), clip=clip, opt=lambda p: optim.SGD(p, lr=0.5, momentum=0.5)),
               device)


@pytest.mark.parametrize("clip", [CLIPPING[0], CLIPPING[-1]])
@pytest.mark.parametrize("make_opt", [
    pytest.param(lambda p: optim.Adam(p, lr=0.05), id="Adam"),
    pytest.param(lambda p: optim.AdamW(p, lr=0.05), id="AdamW"),
    pytest.param(lambda p: optim.RMSprop(p, lr=0.05, centered=True), id="RMSprop"),
    pytest.param(lambda p: optim.Adagrad(p, lr=0.1), id="Adagrad"),
    pytest.param(lambda p: optim.Adadelta(p, lr=1.0), id="Adadelta"),
])
def test_clipped_gradients_reach_every_optimizer(make_opt, clip, device):
    """The optimizer (recorded or a host region) sees the clipped gradients on replays."""
    check_case(Case(mlp(nn.ReLU), clip=clip, opt=make_opt), device)


def test_clip_grad_norm_error_if_nonfinite_finite_case(device):
    """The host check of error_if_nonfinite=True replays (finite norms: no error)."""
    check_case(Case(mlp(nn.ReLU), clip=lambda ps: optim.clip_grad_norm_(
        ps, max_norm=0.05, error_if_nonfinite=True)), device)


@pytest.mark.parametrize("reg", REGULARIZERS)
def test_regularizer_in_the_loss_matches_eager(reg, device):
    check_case(Case(mlp(nn.ReLU), reg=reg), device)


@pytest.mark.parametrize("pair", SCHEDULERS)
def test_scheduler_between_calls_matches_eager(pair, device):
    make_opt, make_sched = pair
    check_case(Case(mlp(nn.Tanh), opt=make_opt, sched=make_sched), device)


def test_scheduler_changes_are_seen_by_replays(device):
    """A learning rate set by hand between replays takes effect (lr lives in Python), and an
    lr of 0 freezes the parameters during a replay."""
    def build():
        xg.manual_seed(0)
        model = nn.Linear(IN, 1).to(device)
        return model, optim.SGD(model.parameters(), lr=0.1)

    model, opt = build()

    def train_step(x, y):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    step = xg.compile(train_step)
    batches = make_batches(device, "reg1", n_steps=5)
    for x, y in batches[:3]:
        step(x, y)                          # warm-up, trace, replay
    assert step.traces == 1
    opt.param_groups[0]["lr"] = 0.0
    before = {k: v.numpy() for k, v in model.state_dict().items()}
    step(*batches[3])
    after = {k: v.numpy() for k, v in model.state_dict().items()}
    assert all(np.array_equal(before[k], after[k]) for k in before)
    opt.param_groups[0]["lr"] = 0.1
    step(*batches[4])
    moved = {k: v.numpy() for k, v in model.state_dict().items()}
    assert any(not np.array_equal(after[k], moved[k]) for k in after)
    assert step.traces == 1


@pytest.mark.parametrize("make_opt", [
    pytest.param(lambda p: optim.Adam(p, lr=0.01), id="Adam"),
    pytest.param(lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), id="SGD-nesterov"),
    pytest.param(lambda p: optim.RMSprop(p, lr=0.01, centered=True), id="RMSprop-centered"),
])
def test_full_stack_bn_dropout_ce_clip_sched(make_opt, device):
    """Everything at once: BatchNorm + Dropout + PReLU, cross-entropy with label smoothing,
    an L2 penalty, clipping and a schedule."""
    check_case(Case(lambda: nn.Sequential(nn.Linear(IN, 8), nn.BatchNorm1d(8), nn.PReLU(),
                                          nn.Dropout(0.2), nn.Linear(8, 4)),
                    target="cls4", loss=nn.CrossEntropyLoss,
                    loss_args=lambda d: {"label_smoothing": 0.05},
                    opt=make_opt, reg=lambda m: nn.regularizers.l2(m, 1e-3),
                    clip=lambda ps: optim.clip_grad_norm_(ps, 0.5),
                    sched=lambda o: lrs.StepLR(o, step_size=2, gamma=0.5)), device)
