"""nn.init's structured initialisers (orthogonal_, trunc_normal_, eye_, dirac_, sparse_):
their defining properties, statistics on large tensors, PyTorch's exact results where they are
deterministic, reproducibility under xg.manual_seed, and PyTorch's errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn
from xpgrad.nn import init

torch = pytest.importorskip("torch")


def _param(device, *shape, dtype="float32"):
    return nn.Parameter(xg.zeros(*shape, device=device, dtype=dtype))


# ---- orthogonal_ --------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, gain", [((3, 5), 1.0), ((5, 3), 1.0), ((4, 4), 2.0),
                                         ((4, 2, 3, 3), 1.0), ((6, 2, 2), 0.5)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, gain, device):
    w = _param(device, *shape, dtype="float64")
    assert init.orthogonal_(w, gain=gain) is w
    assert w.grad_fn is None and w.requires_grad and w.dtype == xg.float64
    m = w.numpy().reshape(shape[0], -1)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(gram.shape[0]), atol=1e-12)


def test_orthogonal_float32_and_torch_agree_on_the_property():
    w = init.orthogonal_(_param("cpu", 20, 50))
    t = torch.nn.init.orthogonal_(torch.empty(20, 50))
    for m in (w.numpy(), t.numpy()):
        np.testing.assert_allclose(m @ m.T, np.eye(20), atol=1e-5)


def test_orthogonal_is_uniform_thanks_to_the_sign_fix():
    # without the signs of R's diagonal, Q's diagonal leans to one sign (Householder QR)
    xg.manual_seed(0)
    diag = [np.diag(init.orthogonal_(_param("cpu", 3, 3, dtype="float64")).numpy())
            for _ in range(300)]
    assert abs(np.mean(diag)) < 0.08


def test_orthogonal_empty_and_errors():
    empty = _param("cpu", 0, 3)
    assert init.orthogonal_(empty) is empty
    with pytest.raises(ValueError, match="orthogonal_: Only tensors with 2 or more dimensions"):
        init.orthogonal_(_param("cpu", 4))
    with pytest.raises(TypeError, match="orthogonal_: expected a floating-point tensor"):
        init.orthogonal_(xg.zeros(3, 3, dtype="int64"))


# ---- trunc_normal_ ------------------------------------------------------------------------------
def _truncated_moments(mean, std, a, b):
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2             # noqa: E731
    alpha, beta = (a - mean) / std, (b - mean) / std
    pa = pdf(alpha) if math.isfinite(alpha) else 0.0
    pb = pdf(beta) if math.isfinite(beta) else 0.0
    za = alpha * pa if math.isfinite(alpha) else 0.0
    zb = beta * pb if math.isfinite(beta) else 0.0
    z = cdf(beta) - cdf(alpha)
    mu = mean + std * (pa - pb) / z
    var = std ** 2 * (1 + (za - zb) / z - ((pa - pb) / z) ** 2)
    return mu, math.sqrt(var)


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0),
                                             (0.0, 0.02, -0.04, 0.04), (1.0, 1.0, 0.0, math.inf)])
def test_trunc_normal_bounds_and_moments(mean, std, a, b, device):
    xg.manual_seed(0)
    w = _param(device, 200, 500)
    assert init.trunc_normal_(w, mean, std, a, b) is w
    v = w.numpy()
    assert v.min() >= a and v.max() <= b and np.isfinite(v).all()
    mu, sigma = _truncated_moments(mean, std, a, b)
    assert abs(v.mean() - mu) < 0.02 * sigma and abs(v.std() - sigma) < 0.02 * sigma
    t = torch.nn.init.trunc_normal_(torch.empty(200, 500), mean, std, a, b).numpy()
    assert abs(t.mean() - v.mean()) < 0.03 * sigma and abs(t.std() - v.std()) < 0.03 * sigma


def test_trunc_normal_defaults_and_errors():
    v = init.trunc_normal_(_param("cpu", 1000)).numpy()
    assert v.min() >= -2 and v.max() <= 2 and v.std() > 0.7
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(_param("cpu", 10), mean=10.0, a=-1.0, b=1.0)
    with pytest.raises(ValueError, match="trunc_normal_: std must be positive"):
        init.trunc_normal_(_param("cpu", 10), std=0.0)
    with pytest.raises(ValueError, match=r"trunc_normal_: expected a <= b, got a=1, b=-1"):
        init.trunc_normal_(_param("cpu", 10), a=1, b=-1)


# ---- eye_ and dirac_ ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 5), (4, 2), (3, 3)])
def test_eye_equals_torch(shape, device):
    w = _param(device, *shape)
    init.normal_(w)
    assert init.eye_(w) is w
    np.testing.assert_array_equal(w.numpy(), torch.nn.init.eye_(torch.empty(shape)).numpy())
    ints = xg.zeros(*shape, dtype="int64", device=device)
    assert init.eye_(ints).tolist() == np.eye(*shape, dtype=np.int64).tolist()


@pytest.mark.parametrize("shape, groups", [((4, 2, 3), 1), ((6, 3, 3, 3), 1), ((2, 4, 3, 2), 1),
                                           ((8, 2, 3, 3), 2), ((6, 2, 2, 3, 3), 3),
                                           ((3, 5, 1, 1, 1), 1)])
def test_dirac_equals_torch(shape, groups, device):
    w = _param(device, *shape)
    init.uniform_(w)
    assert init.dirac_(w, groups) is w
    expected = torch.nn.init.dirac_(torch.empty(shape), groups).numpy()
    np.testing.assert_array_equal(w.numpy(), expected)


@pytest.mark.parametrize("nd, groups", [(1, 1), (2, 1), (2, 2), (3, 1)])
def test_dirac_makes_a_convolution_the_identity(nd, groups, device):
    conv = getattr(nn, f"Conv{nd}d")(4, 4, 3, padding=1, groups=groups, bias=False).to(device)
    init.dirac_(conv.weight, groups)
    x = xg.randn(2, 4, *([5] * nd), device=device)
    np.testing.assert_allclose(conv(x).numpy(), x.numpy(), atol=1e-6)
    y = getattr(F, f"conv{nd}d")(x, conv.weight, padding=1, groups=groups)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-6)


def test_eye_and_dirac_errors():
    with pytest.raises(ValueError, match=r"eye_: Only tensors with 2 dimensions are supported"):
        init.eye_(_param("cpu", 2, 2, 2))
    with pytest.raises(ValueError, match=r"dirac_: Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(_param("cpu", 2, 2))
    with pytest.raises(ValueError, match=r"dirac_: dim 0 must be divisible by groups"):
        init.dirac_(_param("cpu", 5, 2, 3), groups=2)
    with pytest.raises(TypeError, match=r"eye_: expected a Tensor"):
        init.eye_(np.zeros((2, 2)))


# ---- sparse_ ------------------------------------------------------------------------------------
@pytest.mark.parametrize("rows, cols, sparsity", [(100, 30, 0.25), (7, 5, 0.5), (10, 4, 0.0),
                                                  (6, 3, 1.0)])
def test_sparse_zeros_per_column_and_spread(rows, cols, sparsity, device):
    xg.manual_seed(0)
    w = _param(device, rows, cols)
    assert init.sparse_(w, sparsity, std=0.5) is w
    v = w.numpy()
    zeros = (v == 0).sum(axis=0)
    assert zeros.tolist() == [math.ceil(sparsity * rows)] * cols
    t = torch.nn.init.sparse_(torch.empty(rows, cols), sparsity, std=0.5).numpy()
    assert (t == 0).sum(axis=0).tolist() == zeros.tolist()
    if rows == 100:
        assert abs(v[v != 0].std() - 0.5) < 0.05
        assert len({tuple(np.flatnonzero(v[:, j] == 0)) for j in range(cols)}) > cols // 2


def test_sparse_errors():
    with pytest.raises(ValueError, match=r"sparse_: Only tensors with 2 dimensions"):
        init.sparse_(_param("cpu", 3, 3, 3), 0.5)
    with pytest.raises(ValueError, match=r"sparse_: sparsity must be a fraction in \[0, 1\]"):
        init.sparse_(_param("cpu", 3, 3), 1.5)


# ---- reproducibility ----------------------------------------------------------------------------
@pytest.mark.parametrize("fill", [lambda w: init.orthogonal_(w, 1.5),
                                  lambda w: init.trunc_normal_(w, 0.1, 0.5, -0.5, 1.0),
                                  lambda w: init.sparse_(w, 0.3)])
def test_seeded_initialisers_are_reproducible(fill, device):
    def draw(seed):
        xg.manual_seed(seed)
        return fill(_param(device, 6, 9)).numpy()
    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.array_equal(draw(3), draw(4))


@pytest.mark.parametrize("name, kwargs", [
    ("uniform_", {}), ("normal_", {}), ("xavier_uniform_", {}), ("xavier_normal_", {}),
    ("kaiming_uniform_", {}), ("kaiming_normal_", {}), ("orthogonal_", {}),
    ("trunc_normal_", {}), ("sparse_", {"sparsity": 0.5})])
def test_init_draws_from_a_generator_when_given(name, kwargs, device):
    fn = getattr(nn.init, name)
    w = xg.empty(4, 5, device=device)
    first = fn(w, generator=xg.Generator().manual_seed(7), **kwargs).numpy().copy()
    again = fn(w, generator=xg.Generator().manual_seed(7), **kwargs).numpy().copy()
    other = fn(w, generator=xg.Generator().manual_seed(8), **kwargs).numpy().copy()
    assert (first == again).all() and not (first == other).all()
    xg.manual_seed(0)
    fn(w, **kwargs)
    global_draw = w.numpy().copy()
    xg.manual_seed(0)
    fn(w, generator=xg.Generator().manual_seed(1), **kwargs)    # leaves the global stream alone
    fn(w, **kwargs)
    assert (w.numpy() == global_draw).all()
