"""Losses (modules and functional) against hand-computed values, extreme logits, gradcheck,
reductions and shape errors."""
import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn
import xpgrad.nn.functional as F


def t(values, device, dtype="float32", grad=False):
    return xg.tensor(np.asarray(values), dtype=dtype, device=device, requires_grad=grad)


def log_softmax_ref(x, axis=1):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def ce_ref(logits, target, weight=None, ignore_index=-100, eps=0.0):
    """PyTorch's formula, written out for (N, C) logits and integer targets."""
    n, c = logits.shape
    logp = log_softmax_ref(logits)
    w = np.ones(c) if weight is None else np.asarray(weight, float)
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    nll = -w[safe] * logp[np.arange(n), safe] * valid
    smooth = -(logp * w).sum(1) * valid
    denom = (w[safe] * valid).sum()
    return (1 - eps) * nll.sum() / denom + eps / c * smooth.sum() / denom


# ---- regression losses -----------------------------------------------------------------------
def test_mse_and_l1_values_and_reductions(device):
    x, y = t([1.0, 2.0, 3.0], device), t([1.0, 0.0, 5.0], device)
    assert nn.MSELoss()(x, y).item() == pytest.approx(8 / 3)
    assert nn.MSELoss(reduction="sum")(x, y).item() == 8.0
    assert nn.MSELoss(reduction="none")(x, y).tolist() == [0.0, 4.0, 4.0]
    assert nn.L1Loss()(x, y).item() == pytest.approx(4 / 3)
    assert F.l1_loss(x, y, reduction="sum").item() == 4.0
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_regression_gradcheck(device):
    rng = np.random.default_rng(0)
    a = t(rng.normal(size=(4, 3)), device, "float64", grad=True)
    b = t(rng.normal(size=(4, 3)) + 3.0, device, "float64", grad=True)   # |a - b| > 0
    for reduction in ("mean", "sum", "none"):
        assert xg.gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), (a, b))
        assert xg.gradcheck(lambda a, b: F.l1_loss(a, b, reduction=reduction), (a, b))


# ---- binary cross-entropy ----------------------------------------------------------------------
def test_bce_values_and_clamp(device):
    p, y = t([0.9, 0.2], device), t([1.0, 0.0], device)
    assert nn.BCELoss()(p, y).item() == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-6)
    edge = t([0.0, 1.0, 1.0, 0.0], device, grad=True)
    target = t([1.0, 0.0, 1.0, 0.0], device)
    loss = F.binary_cross_entropy(edge, target, reduction="none")
    assert loss.tolist() == [100.0, 100.0, 0.0, 0.0]         # logs clamped at -100
    loss.sum().backward()
    g = edge.grad.numpy()
    assert np.isfinite(g).all() and g[0] == pytest.approx(-1e12, rel=1e-6)
    weight = t([2.0, 0.0], device)
    assert nn.BCELoss(weight=weight, reduction="sum")(p, y).item() == pytest.approx(
        -2 * np.log(0.9), rel=1e-6)
    ints = xg.tensor([1, 0], device=device)                  # integer labels are cast
    assert F.binary_cross_entropy(p, ints).item() == pytest.approx(nn.BCELoss()(p, y).item())


def test_bce_with_logits_is_finite_for_extreme_logits(device):
    x = t([1000.0, -1000.0, 0.0, 2.0, -1000.0], device, grad=True)
    y = t([0.0, 1.0, 0.5, 1.0, 0.0], device)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.numpy(), [1000.0, 1000.0, np.log(2), np.log1p(np.exp(-2)),
                                              0.0], rtol=1e-6, atol=1e-7)
    nn.BCEWithLogitsLoss(reduction="sum")(x, y).backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, 0.0, 1 / (1 + np.exp(-2)) - 1, 0.0],
                               rtol=1e-6, atol=1e-7)


def test_bce_with_logits_pos_weight(device):
    x = np.array([[1.5, -0.5, 1000.0], [-2.0, 0.3, -1000.0]])
    y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    pw = np.array([3.0, 1.0, 0.5])
    log_sig = -np.logaddexp(0, -x)
    log_1m = -np.logaddexp(0, x)
    expected = -(pw * y * log_sig + (1 - y) * log_1m).mean()
    loss = nn.BCEWithLogitsLoss(pos_weight=t(pw, device))(t(x, device), t(y, device))
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="pos_weight of shape \\(2,\\)"):
        F.binary_cross_entropy_with_logits(t(x, device), t(y, device), pos_weight=t([1.0, 2.0],
                                                                                   device))


def test_bce_gradcheck(device):
    rng = np.random.default_rng(1)
    p = t(rng.uniform(0.1, 0.9, (3, 2)), device, "float64", grad=True)
    z = t(rng.normal(0, 3, (3, 2)), device, "float64", grad=True)
    y = t(rng.uniform(0, 1, (3, 2)), device, "float64", grad=True)
    pw = t([2.0, 0.5], device, "float64", grad=True)
    w = t([1.0, 3.0], device, "float64")
    assert xg.gradcheck(F.binary_cross_entropy, (p, y))
    assert xg.gradcheck(lambda p: F.binary_cross_entropy(p, y, w, reduction="sum"), (p,))
    assert xg.gradcheck(F.binary_cross_entropy_with_logits, (z, y))
    assert xg.gradcheck(lambda z, y, pw: F.binary_cross_entropy_with_logits(
        z, y, w, pos_weight=pw), (z, y, pw))
    assert xg.gradgradcheck(F.binary_cross_entropy_with_logits, (z, y))


# ---- cross-entropy and NLL ---------------------------------------------------------------------
LOGITS = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0], [0.5, -0.5, 0.0],
                   [-2.0, 1.0, 0.3]])
TARGET = np.array([2, 1, 0, 1])


def test_cross_entropy_index_targets_and_extremes(device):
    x = t(LOGITS, device, grad=True)
    target = xg.tensor(TARGET, device=device)
    per = nn.CrossEntropyLoss(reduction="none")(x, target).numpy()
    logp = log_softmax_ref(LOGITS)
    np.testing.assert_allclose(per, -logp[np.arange(4), TARGET], rtol=1e-6)
    assert per[1] == pytest.approx(1000.0)                     # finite at |logit| = 1000
    loss = F.cross_entropy(x, target)
    assert loss.item() == pytest.approx(per.mean(), rel=1e-6)
    loss.backward()
    probs = np.exp(logp)
    onehot = np.eye(3)[TARGET]
    np.testing.assert_allclose(x.grad.numpy(), (probs - onehot) / 4, rtol=1e-5, atol=1e-7)


def test_cross_entropy_probability_targets(device):
    x = t(LOGITS, device)
    onehot = t(np.eye(3)[TARGET], device)
    idx = xg.tensor(TARGET, device=device)
    assert F.cross_entropy(x, onehot).item() == pytest.approx(F.cross_entropy(x, idx).item())
    soft = np.array([[0.2, 0.3, 0.5]] * 4)
    expected = -(soft * log_softmax_ref(LOGITS)).sum(1).mean()
    assert F.cross_entropy(x, t(soft, device)).item() == pytest.approx(expected, rel=1e-6)
    eps = 0.1
    smoothed = -((soft * (1 - eps) + eps / 3) * log_softmax_ref(LOGITS)).sum(1).mean()
    assert F.cross_entropy(x, t(soft, device), label_smoothing=eps).item() == pytest.approx(
        smoothed, rel=1e-6)


@pytest.mark.parametrize("weight,ignore_index,eps", [
    (None, -100, 0.1), ([1.0, 2.0, 0.5], -100, 0.0), ([1.0, 2.0, 0.5], -100, 0.2),
    (None, 1, 0.0), ([0.3, 1.0, 2.0], 0, 0.15)])
def test_cross_entropy_weight_ignore_smoothing(device, weight, ignore_index, eps):
    target = TARGET.copy()
    if ignore_index == -100:
        target[2] = -100
    w = None if weight is None else t(weight, device)
    loss = nn.CrossEntropyLoss(weight=w, ignore_index=ignore_index, label_smoothing=eps)
    got = loss(t(LOGITS, device), xg.tensor(target, device=device)).item()
    assert got == pytest.approx(ce_ref(LOGITS, target, weight, ignore_index, eps), rel=1e-5)


def test_cross_entropy_nd_and_unbatched(device):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4))
    y = rng.integers(0, 3, (2, 4))
    flat_x = np.moveaxis(x, 1, -1).reshape(-1, 3)
    per = F.cross_entropy(t(x, device), xg.tensor(y, device=device), reduction="none")
    assert per.shape == (2, 4)
    np.testing.assert_allclose(per.numpy().ravel(),
                               -log_softmax_ref(flat_x)[np.arange(8), y.ravel()], rtol=1e-5)
    single = F.cross_entropy(t(LOGITS[0], device), xg.tensor(2, device=device))
    assert single.shape == () and single.item() == pytest.approx(-log_softmax_ref(LOGITS)[0, 2],
                                                                  rel=1e-6)


def test_nll_loss(device):
    logp = log_softmax_ref(LOGITS)
    target = xg.tensor(TARGET, device=device)
    assert nn.NLLLoss()(t(logp, device), target).item() == pytest.approx(
        -logp[np.arange(4), TARGET].mean(), rel=1e-6)
    w = [2.0, 1.0, 0.5]
    expected = ce_ref(LOGITS, TARGET, w)
    got = F.nll_loss(F.log_softmax(t(LOGITS, device), dim=1), target, weight=t(w, device))
    assert got.item() == pytest.approx(expected, rel=1e-5)
    assert F.nll_loss(t(logp, device), target, reduction="none").shape == (4,)


def test_cross_entropy_and_nll_gradcheck(device):
    rng = np.random.default_rng(3)
    x = t(rng.normal(size=(4, 3)), device, "float64", grad=True)
    target = xg.tensor(np.array([0, 2, 1, 2]), device=device)
    probs = t(rng.dirichlet(np.ones(3), 4), device, "float64", grad=True)
    w = t([0.5, 2.0, 1.0], device, "float64")
    assert xg.gradcheck(lambda x: F.cross_entropy(x, target), (x,))
    assert xg.gradcheck(lambda x: F.cross_entropy(x, target, w, label_smoothing=0.1), (x,))
    assert xg.gradcheck(lambda x, p: F.cross_entropy(x, p, label_smoothing=0.2), (x, probs))
    assert xg.gradcheck(lambda x: F.nll_loss(x, target, w, reduction="sum"), (x,))
    assert xg.gradgradcheck(lambda x: F.cross_entropy(x, target), (x,))
    x3 = t(rng.normal(size=(2, 3, 2)), device, "float64", grad=True)
    y3 = xg.tensor(np.array([[0, 2], [1, 1]]), device=device)
    assert xg.gradcheck(lambda x: F.cross_entropy(x, y3, ignore_index=2), (x3,))


def test_cross_entropy_target_errors(device):
    x = t(LOGITS, device)
    with pytest.raises(TypeError, match="integers, got float32 of shape \\(4,\\)"):
        F.cross_entropy(x, t(TARGET, device))
    bad = xg.tensor(np.array([0, 3, 1, 2]), device=device)
    if device == "cpu":
        with pytest.raises(IndexError, match="target 3 is out of bounds for 3 classes"):
            F.cross_entropy(x, bad)
    else:                                    # checking would sync the device: NaN instead
        assert np.isnan(F.cross_entropy(x, bad).item())


# ---- shape mismatches: one per loss, naming both shapes ---------------------------------------
REGRESSION_LIKE = [nn.MSELoss(), nn.L1Loss(), nn.BCELoss(), nn.BCEWithLogitsLoss()]


@pytest.mark.parametrize("loss", REGRESSION_LIKE, ids=lambda m: type(m).__name__)
def test_elementwise_losses_refuse_to_broadcast(device, loss):
    pred = t([0.2, 0.7, 0.9, 0.4], device)
    target = t([[0.0], [1.0], [1.0], [0.0]], device)
    with pytest.raises(ValueError, match=r"input shape \(4,\) and target shape \(4, 1\)"):
        loss(pred, target)
    with pytest.raises(ValueError, match=r"input shape \(4, 1\) and target shape \(4,\)"):
        loss(target, pred)


@pytest.mark.parametrize("loss", [nn.CrossEntropyLoss(), nn.NLLLoss()],
                         ids=lambda m: type(m).__name__)
def test_class_losses_name_both_shapes(device, loss):
    x = t(LOGITS, device)
    column = xg.tensor(TARGET.reshape(4, 1), device=device)
    with pytest.raises(ValueError, match=r"input shape \(4, 3\).*\(4,\).*\(4, 1\)"):
        loss(x, column)


def test_cross_entropy_probability_shape_error(device):
    with pytest.raises(ValueError, match=r"input shape \(4, 3\), target shape \(4, 2\)"):
        F.cross_entropy(t(LOGITS, device), t(np.ones((4, 2)) / 2, device))
    with pytest.raises(ValueError, match=r"weight must have one entry per class.*\(2,\)"):
        F.cross_entropy(t(LOGITS, device), xg.tensor(TARGET, device=device),
                        weight=t([1.0, 2.0], device))


def test_mse_and_l1_take_elementwise_weights_as_pytorch_2_13():
    a, b, w = xg.tensor([1.0, 2.0, 3.0]), xg.zeros(3), xg.tensor([1.0, 0.0, 2.0])
    assert abs(F.mse_loss(a, b, weight=w).item() - 19 / 3) < 1e-6
    assert F.mse_loss(a, b, weight=w, reduction="sum").item() == 19.0
    assert F.l1_loss(a, b, weight=w, reduction="none").tolist() == [1.0, 0.0, 6.0]
    with pytest.raises(ValueError, match="weights and input must have the same size"):
        F.mse_loss(xg.ones(2, 3), xg.zeros(2, 3), weight=xg.ones(3))
