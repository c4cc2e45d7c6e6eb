"""Activations, dropout and noise layers, and BatchNorm1d, against hand computations."""
import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn
import xpgrad.nn.functional as F

EXTREME = np.array([-1000.0, -2.0, -0.5, 0.5, 2.0, 1000.0])


def f64(*shape, device, seed=0, away_from_zero=False):
    z = np.random.default_rng(seed).standard_normal(shape)
    if away_from_zero:                       # keep finite differences off the kink at 0
        z = np.sign(z) * (0.2 + np.abs(z))
    return xg.tensor(z, dtype="float64", device=device, requires_grad=True)


def softplus_ref(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    (nn.PReLU(), lambda x: np.where(x > 0, x, 0.25 * x)),
    (nn.ELU(0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0)))),
    (nn.Softplus(), softplus_ref),
    (nn.Softplus(beta=2.0), lambda x: softplus_ref(2 * x) / 2),
    (nn.Sigmoid(), lambda x: np.exp(-softplus_ref(-x))),
    (nn.Tanh(), np.tanh),
]


@pytest.mark.parametrize("layer,ref", ACTIVATIONS, ids=lambda v: type(v).__name__)
def test_activation_values_finite_at_extremes(device, layer, ref):
    layer.to(device)
    out = layer(xg.tensor(EXTREME, dtype="float32", device=device)).numpy()
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, ref(EXTREME), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("layer,ref", ACTIVATIONS, ids=lambda v: type(v).__name__)
def test_activation_gradcheck(device, layer, ref):
    layer.to(device).double()
    assert xg.gradcheck(layer, (f64(3, 4, device=device, away_from_zero=True),))


def test_functional_forms_match_modules(device):
    x = xg.tensor(EXTREME, device=device)
    assert F.relu(x).tolist() == nn.ReLU()(x).tolist()
    assert F.leaky_relu(x, 0.2).tolist() == nn.LeakyReLU(0.2)(x).tolist()
    assert F.elu(x).tolist() == nn.ELU()(x).tolist()
    assert F.sigmoid(x).tolist() == nn.Sigmoid()(x).tolist()
    assert F.tanh(x).tolist() == nn.Tanh()(x).tolist()
    assert F.softplus(x).tolist() == nn.Softplus()(x).tolist()


def test_softmax_dim_or_axis_and_extremes(device):
    x = xg.tensor([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], device=device)
    e = np.exp(np.array([1.0, 2.0, 3.0]) - 3.0)
    expected = np.array([[1.0, 0.0, 0.0], e / e.sum()])
    for layer in (nn.Softmax(dim=1), nn.Softmax(axis=-1), nn.Softmax()):
        np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(F.softmax(x, dim=0).numpy().sum(0), [1.0, 1.0, 1.0], rtol=1e-6)
    logp = nn.LogSoftmax(dim=1)(x).numpy()
    assert np.isfinite(logp).all()
    np.testing.assert_allclose(logp[0], [0.0, -1000.0, -2000.0], rtol=1e-6)
    np.testing.assert_allclose(F.log_softmax(x, axis=1).numpy(), logp)
    with pytest.raises(ValueError, match="dim=0 and axis=1"):
        nn.Softmax(dim=0, axis=1)
    z = f64(3, 4, device=device)
    assert xg.gradcheck(lambda z: F.softmax(z, dim=0), (z,))
    assert xg.gradcheck(lambda z: F.log_softmax(z, dim=1), (z,))


def test_prelu_learns_per_channel_slopes(device):
    layer = nn.PReLU(num_parameters=3, device=device)
    assert layer.weight.tolist() == [0.25] * 3
    x = xg.tensor([[[-4.0, 2.0], [-4.0, -8.0], [1.0, -2.0]]], device=device)   # (1, 3, 2)
    out = layer(x)
    assert out.tolist() == [[[-1.0, 2.0], [-1.0, -2.0], [1.0, -0.5]]]
    out.sum().backward()
    assert layer.weight.grad.tolist() == [-4.0, -12.0, -2.0]     # sum of x where x <= 0
    w = xg.tensor([0.1, 0.2, 0.3], dtype="float64", device=device, requires_grad=True)
    assert xg.gradcheck(F.prelu, (f64(2, 3, 4, device=device, away_from_zero=True), w))
    with pytest.raises(ValueError, match="3 slopes.*\\(2, 4\\)"):
        layer(xg.ones(2, 4, device=device))


# ---- dropout and noise -----------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_keeps_expectation(device, seeded, p):
    layer = nn.Dropout(p)
    x = xg.ones(400_000, device=device, requires_grad=True)
    out = layer(x)
    values = out.numpy()
    kept = values != 0
    assert abs(values.mean() - 1.0) < 0.02
    assert abs(kept.mean() - (1 - p)) < 0.005
    np.testing.assert_allclose(values[kept], 1 / (1 - p), rtol=1e-6)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)      # the same scaled mask


def test_dropout_eval_identity_edges_and_seed(device):
    x = xg.randn(5, 4, device=device)
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).numpy().any()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    layer.train()
    xg.manual_seed(3)
    a = layer(x).numpy()
    xg.manual_seed(3)
    np.testing.assert_array_equal(layer(x).numpy(), a)


def reseeded(fn):
    """fn with the same random draw on every call, so finite differences see one mask."""
    def wrapped(x):
        xg.manual_seed(5)
        return fn(x)
    return wrapped


def test_noise_layers_gradcheck(device):
    x = f64(4, 5, device=device, away_from_zero=True)
    assert xg.gradcheck(reseeded(lambda x: F.dropout(x, 0.3)), (x,))
    assert xg.gradcheck(reseeded(lambda x: F.gaussian_noise(x, 0.1)), (x,))
    assert xg.gradcheck(reseeded(lambda x: F.noisy_relu(x, 0.01)), (x,))


def test_gaussian_noise_train_and_eval(device, seeded):
    layer = nn.GaussianNoise(0.3)
    x = xg.zeros(200_000, device=device)
    noise = layer(x).numpy()
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.3) < 0.005
    assert layer.eval()(x) is x


def test_noisy_relu(device, seeded):
    x = xg.full((100_000,), 10.0, device=device)
    fixed = nn.NoisyReLU(stddev=0.5)
    spread = fixed(x).numpy() - 10.0
    assert abs(spread.std() - 0.5) < 0.01
    paper = nn.NoisyReLU()                                # variance sigmoid(x) ~ 1 at x = 10
    assert abs((paper(x).numpy() - 10.0).std() - 1.0) < 0.02
    y = xg.tensor([-3.0, 0.5, 2.0], device=device)
    assert (paper(y).numpy() >= 0).all()
    assert paper.eval()(y).tolist() == [0.0, 0.5, 2.0]


# ---- batch norm --------------------------------------------------------------------------------
def bn_ref(x, mean, var, w, b, eps=1e-5):
    return (x - mean) / np.sqrt(var + eps) * w + b


def test_batchnorm_train_eval_and_running_stats(device):
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(3, device=device)
    with xg.no_grad():
        bn.weight.copy_(xg.tensor([1.0, 2.0, 0.5], device=device))
        bn.bias.copy_(xg.tensor([0.0, -1.0, 3.0], device=device))
    w, b = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
    rm, rv = np.zeros(3), np.ones(3)
    for step in range(2):
        x = rng.normal(2.0, 3.0, (8, 3))
        out = bn(xg.tensor(x, device=device)).numpy()
        np.testing.assert_allclose(out, bn_ref(x, x.mean(0), x.var(0), w, b), rtol=1e-4,
                                   atol=1e-5)
        rm = 0.9 * rm + 0.1 * x.mean(0)
        rv = 0.9 * rv + 0.1 * x.var(0, ddof=1)            # unbiased, as PyTorch
        np.testing.assert_allclose(bn.running_mean.numpy(), rm, rtol=1e-5)
        np.testing.assert_allclose(bn.running_var.numpy(), rv, rtol=1e-5)
        assert bn.num_batches_tracked.item() == step + 1
    bn.eval()
    x = rng.normal(0.0, 1.0, (4, 3))
    out = bn(xg.tensor(x, device=device)).numpy()
    np.testing.assert_allclose(out, bn_ref(x, rm, rv, w, b), rtol=1e-4, atol=1e-5)
    bn(xg.tensor(x, device=device))
    assert bn.num_batches_tracked.item() == 2               # eval leaves the stats alone


def test_batchnorm_3d_input_and_cumulative_momentum(device):
    rng = np.random.default_rng(1)
    bn = nn.BatchNorm1d(2, momentum=None, device=device)
    batches = [rng.normal(1.0, 2.0, (4, 2, 5)) for _ in range(3)]
    for x in batches:
        out = bn(xg.tensor(x, device=device)).numpy()
        mean, var = x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)
        np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.running_mean.numpy(),
                               np.mean([x.mean((0, 2)) for x in batches], 0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(),
                               np.mean([x.var((0, 2), ddof=1) for x in batches], 0), rtol=1e-5)


def test_batchnorm_without_running_stats_or_affine(device):
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False, device=device)
    assert list(bn.parameters()) == [] and list(bn.buffers()) == []
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
    for mode in (True, False):                             # batch statistics in both modes
        np.testing.assert_allclose(bn.train(mode)(xg.tensor(x, device=device)).numpy(),
                                   expected, rtol=1e-5)


def test_batchnorm_functional_weight_without_bias(device):
    x = f64(6, 2, device=device)
    w = f64(2, device=device, seed=1)
    assert xg.gradcheck(lambda x, w: F.batch_norm(x, None, None, w, None, training=True), (x, w))


def test_one_hot(device):
    labels = xg.tensor([[0, 2], [1, 0]], device=device)
    hot = F.one_hot(labels, 3)
    assert hot.dtype == xg.int64 and hot.tolist() == [[[1, 0, 0], [0, 0, 1]],
                                                      [[0, 1, 0], [1, 0, 0]]]
    assert F.one_hot(labels).shape == (2, 2, 3)
    with pytest.raises(TypeError, match="float32"):
        F.one_hot(xg.ones(2, device=device))


def test_batchnorm_errors(device):
    bn = nn.BatchNorm1d(4, device=device)
    with pytest.raises(ValueError, match=r"\(N, 4\).*\(8, 3\)"):
        bn(xg.ones(8, 3, device=device))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(xg.ones(1, 4, device=device))
    bn.eval()
    assert bn(xg.ones(1, 4, device=device)).shape == (1, 4)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
def test_batchnorm_gradcheck(device, shape):
    x = f64(*shape, device=device)
    w, b = f64(3, device=device, seed=1), f64(3, device=device, seed=2)
    train = lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)
    assert xg.gradcheck(train, (x, w, b))
    assert xg.gradcheck(lambda x: F.batch_norm(x, None, None, training=True), (x,))
    assert xg.gradgradcheck(train, (x, w, b))
    rm = xg.tensor([0.1, -0.2, 0.3], dtype="float64", device=device)
    rv = xg.tensor([1.5, 0.5, 2.0], dtype="float64", device=device)
    assert xg.gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), (x, w, b))
