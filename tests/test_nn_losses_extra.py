"""The losses beyond the lectures' set (nn/loss_extra.py, nn/_losses_extra.py) against PyTorch:
values and gradients (inputs and float targets) for every reduction, second derivatives of
the smooth ones, defaults, reprs, state_dict keys of the weighted ones, dtypes, edge cases
(0-d, empty, kinks), and the errors (never a silent broadcast)."""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(1)


def _normal(*shape):
    return RNG.standard_normal(shape)


def _pm1(*shape):
    return np.where(RNG.uniform(size=shape) > 0.5, 1.0, -1.0)


def _pos(*shape):
    return RNG.uniform(0.1, 3.0, size=shape)


def _labels(*shape):
    return RNG.integers(0, 4, size=shape)


# name -> (module kwargs, inputs: list of (array, differentiable)); the module is nn.<name>
CASES = {
    "HuberLoss": ({}, lambda: [(_normal(3, 4) * 2, True), (_normal(3, 4), True)]),
    "HuberLoss_delta": ({"delta": 0.3}, lambda: [(_normal(5), True), (_normal(5), True)]),
    "SmoothL1Loss": ({}, lambda: [(_normal(3, 4) * 2, True), (_normal(3, 4), True)]),
    "SmoothL1Loss_beta": ({"beta": 0.4}, lambda: [(_normal(6), True), (_normal(6), True)]),
    "SmoothL1Loss_beta0": ({"beta": 0.0}, lambda: [(_normal(6), True), (_normal(6), True)]),
    "KLDivLoss": ({}, lambda: [(_normal(3, 4), True), (_pos(3, 4) / 3, True)]),
    "KLDivLoss_batchmean": ({"reduction": "batchmean"},
                            lambda: [(_normal(3, 4), True), (_pos(3, 4) / 3, True)]),
    "KLDivLoss_log": ({"log_target": True}, lambda: [(_normal(3, 4), True), (_normal(3, 4), True)]),
    "SoftMarginLoss": ({}, lambda: [(_normal(3, 4), True), (_pm1(3, 4), False)]),
    "PoissonNLLLoss": ({}, lambda: [(_normal(3, 4), True), (_pos(3, 4), True)]),
    "PoissonNLLLoss_full": ({"full": True}, lambda: [(_normal(8), True), (_pos(8), True)]),
    "PoissonNLLLoss_rate": ({"log_input": False, "eps": 1e-3},
                            lambda: [(_pos(3, 4), True), (_pos(3, 4), True)]),
    "GaussianNLLLoss": ({}, lambda: [(_normal(3, 4), True), (_normal(3, 4), True),
                                     (_pos(3, 4), True)]),
    "GaussianNLLLoss_shared": ({"full": True, "eps": 0.2},
                               lambda: [(_normal(3, 4), True), (_normal(3, 4), True),
                                        (_pos(3, 1), True)]),
    "GaussianNLLLoss_missing": ({}, lambda: [(_normal(3, 4), True), (_normal(3, 4), True),
                                             (_pos(3), True)]),
    "MarginRankingLoss": ({"margin": 0.3}, lambda: [(_normal(6), True), (_normal(6), True),
                                                    (_pm1(6), False)]),
    "HingeEmbeddingLoss": ({"margin": 0.7}, lambda: [(_normal(3, 4), True), (_pm1(3, 4), False)]),
    "CosineEmbeddingLoss": ({"margin": 0.2}, lambda: [(_normal(4, 5), True), (_normal(4, 5), True),
                                                      (_pm1(4), False)]),
    "CosineEmbeddingLoss_1d": ({}, lambda: [(_normal(5), True), (_normal(5), True),
                                            (np.array(-1.0), False)]),
    "MultiLabelSoftMarginLoss": ({}, lambda: [(_normal(3, 4), True),
                                              ((RNG.uniform(size=(3, 4)) > 0.5) * 1.0, True)]),
    "TripletMarginLoss": ({}, lambda: [(_normal(4, 5), True) for _ in range(3)]),
    "TripletMarginLoss_swap": ({"swap": True, "p": 1.0, "margin": 2.0},
                               lambda: [(_normal(4, 5), True) for _ in range(3)]),
    "TripletMarginLoss_1d": ({"p": 3.0}, lambda: [(_normal(5), True) for _ in range(3)]),
    "MultiMarginLoss": ({}, lambda: [(_normal(5, 4), True), (_labels(5), False)]),
    "MultiMarginLoss_p2": ({"p": 2, "margin": 0.5}, lambda: [(_normal(5, 4), True),
                                                             (_labels(5), False)]),
    "MultiMarginLoss_1d": ({}, lambda: [(_normal(4), True), (np.array(2), False)]),
}


def _tensors(inputs, device):
    ours, theirs = [], []
    for a, diff in inputs:
        if a.dtype.kind == "i":
            ours.append(xg.tensor(a, device=device))
            theirs.append(torch.tensor(a))
        else:
            ours.append(xg.tensor(a, dtype="float64", device=device, requires_grad=diff))
            theirs.append(torch.tensor(a, requires_grad=diff))
    return ours, theirs


def _compare(yo, yt, ours, theirs, device, rtol=1e-10):
    assert yo.shape == tuple(yt.shape)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=rtol, atol=1e-12)
    g = RNG.standard_normal(tuple(yt.shape))
    diff = [i for i, t in enumerate(theirs) if t.requires_grad]
    go = xg.autograd.grad((yo * xg.tensor(g, device=device)).sum(), [ours[i] for i in diff])
    gt = torch.autograd.grad((yt * torch.tensor(g)).sum(), [theirs[i] for i in diff])
    for i, a, b in zip(diff, go, gt):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-10,
                                   err_msg=f"gradient of input {i}")


@pytest.mark.filterwarnings("ignore:kl_div")
@pytest.mark.filterwarnings("ignore:reduction. 'mean'")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", list(CASES))
def test_losses_match_torch(name, reduction, device):
    kwargs, make = CASES[name]
    kwargs = {"reduction": reduction, **kwargs}
    cls = name.split("_")[0]
    ours_m, theirs_m = getattr(nn, cls)(**kwargs), getattr(torch.nn, cls)(**kwargs)
    ours, theirs = _tensors(make(), device)
    _compare(ours_m(*ours), theirs_m(*theirs), ours, theirs, device)


SMOOTH = {
    "huber": (lambda m, x, y: m.huber_loss(x, y, delta=0.5), 2),
    "smooth_l1": (lambda m, x, y: m.smooth_l1_loss(x, y, beta=0.5), 2),
    "kl_div": (lambda m, x, y: m.kl_div(x, y.abs() + 0.1, reduction="batchmean"), 2),
    "poisson": (lambda m, x, y: m.poisson_nll_loss(x, y.abs()), 2),
    "gaussian": (lambda m, x, y, v: m.gaussian_nll_loss(x, y, v.abs() + 0.1), 3),
    "soft_margin": (lambda m, x, y: m.soft_margin_loss(x * y, y.detach().sign()), 2),
    "multilabel": (lambda m, x, y: m.multilabel_soft_margin_loss(x * y, (y > 0) * 1.0), 2),
    "cosine_embedding": (lambda m, a, b: m.cosine_embedding_loss(
        a, b, (a.sum(1) > 0) * 2.0 - 1.0, -0.5), 2),
    "triplet": (lambda m, a, p, n: m.triplet_margin_loss(a, p, n, margin=5.0), 3),
}


@pytest.mark.parametrize("name", list(SMOOTH))
def test_second_derivatives_match_torch(name):
    fn, n = SMOOTH[name]
    arrays = [RNG.standard_normal((3, 4)) for _ in range(n)]
    ours = [xg.tensor(a, dtype="float64", requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    go = xg.autograd.grad(fn(F, *ours), ours, create_graph=True)
    gt = torch.autograd.grad(fn(TF, *theirs), theirs, create_graph=True)
    ggo = xg.autograd.grad(sum((g * g).sum() for g in go), ours, allow_unused=True)
    ggt = torch.autograd.grad(sum((g * g).sum() for g in gt), theirs, allow_unused=True)
    for a, b in zip(ggo, ggt):
        if b is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7, atol=1e-9)


def test_kinks_take_torchs_subgradient():
    x = torch.tensor([-1.0, 0.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    ours = xg.tensor(x.detach().numpy(), requires_grad=True)
    y = np.array([1.0, -1.0, 1.0, -1.0])
    for fn in [lambda m, a, t: m.margin_ranking_loss(a, a * 0 + 1, t, reduction="sum"),
               lambda m, a, t: m.hinge_embedding_loss(a, t, margin=1.0, reduction="sum"),
               lambda m, a, t: m.huber_loss(a, t * 0, delta=1.0, reduction="sum"),
               lambda m, a, t: m.smooth_l1_loss(a, t * 0, beta=0.0, reduction="sum")]:
        ours.grad = x.grad = None
        fn(F, ours, xg.tensor(y)).backward()
        fn(TF, x, torch.tensor(y)).backward()
        assert ours.grad.tolist() == x.grad.tolist()
    scores = [[1.0, 0.0, 2.0]]                    # a margin term exactly at 0: no gradient
    s, st = xg.tensor(scores, requires_grad=True), torch.tensor(scores, requires_grad=True)
    F.multi_margin_loss(s, xg.tensor([2])).backward()
    TF.multi_margin_loss(st, torch.tensor([2])).backward()
    assert s.grad.tolist() == st.grad.tolist()


def test_weighted_losses_state_dict_and_values():
    w = RNG.uniform(0.5, 2.0, 4)
    for cls in ("MultiLabelSoftMarginLoss", "MultiMarginLoss"):
        ours, theirs = getattr(nn, cls)(weight=xg.tensor(w)), getattr(torch.nn, cls)(
            weight=torch.tensor(w))
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
        assert list(getattr(nn, cls)().state_dict()) == list(getattr(torch.nn, cls)().state_dict())
        x = _normal(5, 4)
        target = _labels(5) if cls == "MultiMarginLoss" else (_normal(5, 4) > 0) * 1.0
        yo = ours(xg.tensor(x, dtype="float64"), xg.tensor(target))
        yt = theirs(torch.tensor(x), torch.tensor(target))
        np.testing.assert_allclose(yo.numpy(), yt.numpy(), rtol=1e-12)
    w = RNG.uniform(0.5, 2.0, (5, 4))
    yo = F.huber_loss(xg.tensor(x), xg.tensor(x * 0), weight=xg.tensor(w))
    yt = TF.huber_loss(torch.tensor(x), torch.tensor(x * 0), weight=torch.tensor(w))
    np.testing.assert_allclose(yo.numpy(), yt.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"huber_loss: weight of shape \(4,\) must have the "
                                         r"input's shape \(5, 4\)"):
        F.huber_loss(xg.tensor(x), xg.tensor(x), weight=xg.tensor(w[0]))


def test_defaults_match_torch():
    legacy = {"self", "args", "kwargs"}
    for name in ["HuberLoss", "SmoothL1Loss", "KLDivLoss", "SoftMarginLoss", "PoissonNLLLoss",
                 "GaussianNLLLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
                 "CosineEmbeddingLoss", "MultiLabelSoftMarginLoss", "TripletMarginLoss",
                 "MultiMarginLoss"]:
        ours = inspect.signature(getattr(nn, name).__init__).parameters
        theirs = inspect.signature(getattr(torch.nn, name).__init__).parameters
        assert list(ours) == list(theirs), name
        for p in set(theirs) - legacy:
            assert ours[p].default == theirs[p].default, (name, p)
        assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)()) == f"{name}()"
    for name in ["huber_loss", "smooth_l1_loss", "kl_div", "poisson_nll_loss",
                 "gaussian_nll_loss", "triplet_margin_loss", "multi_margin_loss",
                 "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss"]:
        ours = inspect.signature(getattr(F, name)).parameters
        theirs = inspect.signature(getattr(TF, name)).parameters
        assert list(theirs) == list(ours), name           # size_average/reduce included
        assert all(ours[p].default == theirs[p].default for p in ours), name


@pytest.mark.filterwarnings("ignore:invalid value encountered")
def test_dtypes_and_edge_shapes():
    x, y = xg.randn(3, 4), xg.randn(3, 4)
    for out in [F.huber_loss(x, y), F.smooth_l1_loss(x, y, reduction="none"),
                F.kl_div(x, y.abs(), reduction="batchmean"), F.poisson_nll_loss(x, y.abs()),
                F.gaussian_nll_loss(x, y, 1.0),
                F.multi_margin_loss(x, xg.tensor([0, 1, 3])), F.triplet_margin_loss(x, y, x)]:
        assert out.dtype == xg.float32
    empty = xg.zeros(0, requires_grad=True)
    assert F.huber_loss(empty, xg.zeros(0), "sum").item() == 0.0
    assert math.isnan(F.smooth_l1_loss(empty, xg.zeros(0)).item())
    assert math.isnan(TF.smooth_l1_loss(torch.zeros(0), torch.zeros(0)).item())
    zero_d = F.kl_div(xg.tensor(-1.0), xg.tensor(0.5), reduction="batchmean")
    assert math.isclose(zero_d.item(), TF.kl_div(torch.tensor(-1.0), torch.tensor(0.5),
                                                 reduction="batchmean").item(), rel_tol=1e-6)
    with pytest.warns(UserWarning, match="reduction='mean' divides the total loss"):
        F.kl_div(x, y.abs())
    assert F.kl_div(x, xg.zeros(3, 4), reduction="sum").item() == 0.0      # 0 log 0 = 0


BAD_SHAPES = [
    lambda m: m.huber_loss, lambda m: m.smooth_l1_loss, lambda m: m.kl_div,
    lambda m: m.soft_margin_loss, lambda m: m.poisson_nll_loss,
    lambda m: m.hinge_embedding_loss, lambda m: m.multilabel_soft_margin_loss,
    lambda m: (lambda a, b: m.gaussian_nll_loss(a, b, 1.0)),
    lambda m: (lambda a, b: m.margin_ranking_loss(a, a, b)),
]


@pytest.mark.parametrize("k", range(len(BAD_SHAPES)))
def test_shapes_never_broadcast(k, device):
    fn = BAD_SHAPES[k](F)
    with pytest.raises(ValueError, match=r"\(4,\) .*\(4, 1\).*never broadcast"):
        fn(xg.zeros(4, device=device), xg.zeros(4, 1, device=device))


def test_errors(device):
    x = xg.randn(2, 3, device=device)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(x, x, xg.ones(3, 3, device=device))
    with pytest.raises(RuntimeError, match="but target is on"):
        F.huber_loss(x, xg.randn(2, 3, device="cpu" if device != "cpu" else "strict:device1"))
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="reduction must be"):
        nn.HuberLoss(reduction="avg")
    with pytest.raises(ValueError, match="expected margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
    bad_var, bad_labels = xg.tensor([[1.0, -1.0, 1.0]] * 2, device=device), xg.tensor(
        [0, 5], device=device)
    if device == "cpu":
        with pytest.raises(ValueError, match="var has negative entry"):
            F.gaussian_nll_loss(x, x, bad_var)
        with pytest.raises(IndexError, match="multi_margin_loss: target 5 is out of bounds"):
            F.multi_margin_loss(x, bad_labels)
    else:                                     # checking would sync: NaN instead
        assert np.isnan(F.gaussian_nll_loss(x, x, bad_var, reduction="none").numpy()[:, 1]).all()
        out = F.multi_margin_loss(x, bad_labels, reduction="none").numpy()
        assert np.isfinite(out[0]) and np.isnan(out[1])


# ---- xg.compile: each loss in a training step, bit-identical to eager --------------------------
def _model(out=1, last=None):
    return lambda: nn.Sequential(nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, out),
                                 *([last()] if last else []))


COMPILED = {
    "HuberLoss": (lambda: nn.HuberLoss(delta=0.5), _model(), "reg1"),
    "SmoothL1Loss": (nn.SmoothL1Loss, _model(), "reg1"),
    "KLDivLoss": (lambda: nn.KLDivLoss(reduction="batchmean"),
                  _model(4, lambda: nn.LogSoftmax(dim=1)), "prob4"),
    "SoftMarginLoss": (nn.SoftMarginLoss, _model(), "reg1"),
    "PoissonNLLLoss": (lambda: nn.PoissonNLLLoss(full=True), _model(4), "prob4"),
    "MultiLabelSoftMarginLoss": (nn.MultiLabelSoftMarginLoss, _model(3), "bin3"),
    "MultiMarginLoss": (lambda: nn.MultiMarginLoss(p=2), _model(4), "cls4"),
}


@pytest.mark.parametrize("name", list(COMPILED))
def test_losses_compile_like_eager(name, device):
    from compile_cases import Case, check_case
    loss, model, target = COMPILED[name]
    check_case(Case(model, target=target, loss=loss), device)
