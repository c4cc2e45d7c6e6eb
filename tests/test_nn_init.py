"""nn.init (in place, seeded, PyTorch gains and fans) and nn.regularizers."""
import math

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn
from xpgrad.nn import init


def weight(device, shape=(400, 300)):
    return nn.Parameter(xg.zeros(*shape, device=device))


def test_calculate_gain_table():
    assert init.calculate_gain("linear") == 1.0 and init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="softsign"):
        init.calculate_gain("softsign")


@pytest.mark.parametrize("fn,bound", [
    (lambda w: init.xavier_uniform_(w), math.sqrt(6 / 700)),
    (lambda w: init.glorot_uniform_(w, gain=2.0), 2 * math.sqrt(6 / 700)),
    (lambda w: init.kaiming_uniform_(w), math.sqrt(6 / 300)),
    (lambda w: init.he_uniform_(w), math.sqrt(6 / 300)),
    (lambda w: init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu"),
     math.sqrt(6 / 400)),
    (lambda w: init.uniform_(w, -0.3, 0.3), 0.3),
])
def test_uniform_family_bounds_and_spread(device, seeded, fn, bound):
    w = weight(device)
    assert fn(w) is w
    values = w.numpy()
    assert np.abs(values).max() <= bound * (1 + 1e-6)
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert abs(values.mean()) < 0.02 * bound


@pytest.mark.parametrize("fn,std", [
    (lambda w: init.xavier_normal_(w), math.sqrt(2 / 700)),
    (lambda w: init.glorot_normal_(w), math.sqrt(2 / 700)),
    (lambda w: init.kaiming_normal_(w, nonlinearity="relu"), math.sqrt(2 / 300)),
    (lambda w: init.he_normal_(w), math.sqrt(2 / 300)),
    (lambda w: init.kaiming_normal_(w, a=0.2, mode="fan_out"),
     math.sqrt(2 / 1.04) / math.sqrt(400)),
    (lambda w: init.normal_(w, 0.0, 0.05), 0.05),
])
def test_normal_family_spread(device, seeded, fn, std):
    w = weight(device)
    fn(w)
    assert w.numpy().std() == pytest.approx(std, rel=0.02)


def test_fans_include_receptive_field(device, seeded):
    w = nn.Parameter(xg.zeros(16, 8, 3, 3, device=device))
    init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / (8 * 9 + 16 * 9))


def test_constant_family_and_mean(device):
    w = weight(device, (3, 2))
    assert init.constant_(w, 0.5).tolist() == [[0.5, 0.5]] * 3
    assert not init.zeros_(w).numpy().any()
    assert init.ones_(w).numpy().all()
    assert init.normal_(weight(device), mean=3.0, std=0.1).numpy().mean() == pytest.approx(
        3.0, abs=0.01)


def test_init_in_place_keeps_identity_device_and_records_no_graph(device):
    lin = nn.Linear(3, 2, device=device)
    w = lin.weight
    init.kaiming_normal_(lin.weight)
    assert lin.weight is w and w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w.device == xg.backends.canonical_device(device) and w.dtype == xg.float32
    assert list(lin.state_dict()) == ["weight", "bias"]


def test_init_is_seeded(device):
    a, b = weight(device, (4, 5)), weight(device, (4, 5))
    xg.manual_seed(7)
    init.xavier_normal_(a)
    xg.manual_seed(7)
    init.xavier_normal_(b)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    xg.manual_seed(7)
    m1 = nn.Linear(5, 4, device=device)
    xg.manual_seed(7)
    m2 = nn.Linear(5, 4, device=device)
    np.testing.assert_array_equal(m1.weight.numpy(), m2.weight.numpy())


def test_init_errors(device):
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions \(shape \(5,\)\)"):
        init.xavier_uniform_(nn.Parameter(xg.zeros(5, device=device)))
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_uniform_(weight(device), mode="fan_avg")
    with pytest.raises(TypeError, match="floating"):
        init.uniform_(xg.zeros(2, 2, dtype="int64", device=device))


# ---- regularizers -----------------------------------------------------------------------------
def make_model(device):
    model = nn.Sequential(nn.Linear(2, 2, device=device), nn.BatchNorm1d(2, device=device),
                          nn.Linear(2, 1, device=device))
    with xg.no_grad():
        model[0].weight.copy_(xg.tensor([[1.0, -2.0], [0.5, 0.0]], device=device))
        model[0].bias.copy_(xg.tensor([3.0, 3.0], device=device))
        model[2].weight.copy_(xg.tensor([[-1.0, 1.0]], device=device))
    return model


def test_regularizer_values_weights_only(device):
    model = make_model(device)
    l1_w, l2_w = 3.5 + 2.0, 5.25 + 2.0                       # weights only
    assert nn.regularizers.l1(model, 0.1).item() == pytest.approx(0.1 * l1_w)
    assert nn.regularizers.l2(model, 0.1).item() == pytest.approx(0.1 * l2_w)
    assert nn.regularizers.elastic_net(model, 0.1, l1_ratio=0.25).item() == pytest.approx(
        0.1 * (0.25 * l1_w + 0.75 * l2_w))
    assert nn.regularizers.l1_l2(model, l1=0.1, l2=0.2).item() == pytest.approx(
        0.1 * l1_w + 0.2 * l2_w)
    # all parameters: + biases (3, 3, 0) + BatchNorm gamma (1, 1) and beta (0, 0)
    everything = nn.regularizers.l1(model, 1.0, weights_only=False).item()
    assert everything == pytest.approx(l1_w + 6.0 + 2.0)
    assert nn.regularizers.l2(model[0].weight, 1.0).item() == pytest.approx(5.25)


def test_regularizer_gradient_and_errors(device):
    model = make_model(device)
    nn.regularizers.l2(model, 0.5).backward()
    np.testing.assert_allclose(model[0].weight.grad.numpy(), [[1.0, -2.0], [0.5, 0.0]])
    assert model[0].bias.grad is None
    with pytest.raises(ValueError, match="weights_only"):
        nn.regularizers.l1(nn.BatchNorm1d(3, device=device))
    with pytest.raises(ValueError, match="l1_ratio"):
        nn.regularizers.elastic_net(model, l1_ratio=1.5)
