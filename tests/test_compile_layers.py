"""Every layer, activation and loss of xpgrad.nn through xg.compile, bit-identical to eager
after every step (the harness: tests/compile_cases.py)."""
from __future__ import annotations

import pytest

import xpgrad as xg
from xpgrad import nn
from compile_cases import IN, Case, Stack, check_case, mlp


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


@pytest.mark.parametrize("case", LAYERS)
def test_layer_compiled_matches_eager(case, device):
    check_case(case, device)


@pytest.mark.parametrize("case", ACTIVATIONS)
def test_activation_compiled_matches_eager(case, device):
    check_case(case, device)


@pytest.mark.parametrize("case", LOSSES)
def test_loss_compiled_matches_eager(case, device):
    check_case(case, device)
