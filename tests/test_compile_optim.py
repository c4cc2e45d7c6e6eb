"""Every optimizer option set, gradient clipping, regulariser and learning-rate schedule
through xg.compile, bit-identical to eager after every step (the harness:
tests/compile_cases.py)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from xpgrad.optim import lr_scheduler as lrs
from compile_helpers import mse_step
from compile_cases import IN, N_STEPS, Case, check_case, make_batches, mlp


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
    pytest.param(lambda p: optim.Adamax(p, lr=0.01, weight_decay=0.01), id="Adamax-wd"),
    pytest.param(lambda p: optim.NAdam(p, lr=0.01), id="NAdam"),
    pytest.param(lambda p: optim.RAdam(p, lr=0.01, betas=(0.5, 0.6), weight_decay=0.01,
                                       decoupled_weight_decay=True), id="RAdam-rectified-wd"),
    pytest.param(lambda p: optim.Rprop(p, lr=0.01), id="Rprop"),
    pytest.param(lambda p: optim.ASGD(p, lr=0.05, lambd=0.01, t0=2, weight_decay=0.01),
                 id="ASGD-averaging-wd"),
    pytest.param(lambda p: optim.Adafactor(p, lr=0.05, weight_decay=0.01), id="Adafactor-wd"),
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

    step = xg.compile(mse_step(model, opt))
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
