"""The extra shape, scatter and statistics functions (autograd/ops/extra_shape.py,
extra_scatter.py, extra_stats.py) against PyTorch: values, dtypes, shapes, gradients, errors;
random draws by their distribution. Registry gradchecks are in tests/op_db_extras.py."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg

torch = pytest.importorskip("torch")


def _pair(values, dtype="float64", requires_grad=False):
    a = np.asarray(values, dtype=dtype)
    return (xg.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _same(mine, ref, rtol=1e-12):
    if isinstance(ref, (tuple, list)):
        assert len(mine) == len(ref)
        for m, r in zip(mine, ref):
            _same(m, r, rtol)
        return
    ref = ref.detach()
    assert str(mine.dtype) == str(ref.dtype).replace("torch.", ""), (mine.dtype, ref.dtype)
    assert tuple(mine.shape) == tuple(ref.shape), (mine.shape, ref.shape)
    np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=rtol, atol=1e-14, equal_nan=True)


def _check_grad(fn, *arrays):
    """fn(module, *tensors) by value and by gradient (of a weighted sum) against torch."""
    mine = [xg.tensor(a, requires_grad=True) for a in arrays]
    ref = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn(xg, *mine), fn(torch, *ref)
    _same(out, tout)
    w = np.random.default_rng(1).standard_normal(tuple(tout.shape))
    got = xg.autograd.grad((out * xg.tensor(w)).sum(), mine, allow_unused=True)
    want = torch.autograd.grad((tout * torch.tensor(w)).sum(), ref, allow_unused=True)
    for g, r in zip(got, want):
        if r is None:
            assert g is None or not g.numpy().any()
        else:
            _same(g, r)


def _vander(m, x, n, increasing):
    """torch.vander's backward trips over its own in-place cumprod: compare with powers."""
    if m is xg:
        return xg.vander(x, N=n, increasing=increasing)
    powers = range(n) if increasing else reversed(range(n))
    return torch.stack([x ** k for k in powers], 1)


A = np.arange(24.0).reshape(2, 3, 4) / 7.0 - 1.0


@pytest.mark.parametrize("fn", [
    lambda m, x: m.ravel(x), lambda m, x: m.select(x, 1, -1), lambda m, x: x.select(2, 0),
    lambda m, x: m.take(x, m.tensor([[0, 5], [-1, 23]])), lambda m, x: m.rot90(x, 1, [1, 2]),
    lambda m, x: m.rot90(x, -1, [2, 0]), lambda m, x: m.rot90(x, 2), lambda m, x: m.t(x[0]),
    lambda m, x: m.diagflat(x[0, :2], 1), lambda m, x: m.block_diag(x[0], x[1, 0], x[0, 0, 0]),
    lambda m, x: m.broadcast_tensors(x[:, :1], x[0, 0])[1],
    lambda m, x: m.cartesian_prod(x[0, 0], x[1, 1, :2]), lambda m, x: m.combinations(x[0, 0]),
    lambda m, x: m.combinations(x[0, 0], 3, with_replacement=True),
    lambda m, x: m.chain_matmul(x[0], x[1].T, x[0]), lambda m, x: _vander(m, x[0, 0], 4, False),
    lambda m, x: _vander(m, x[0, 0], 2, True), lambda m, x: m.hsplit(x, [1])[1],
    lambda m, x: m.vsplit(x, 2)[1], lambda m, x: m.dsplit(x, 2)[0],
    lambda m, x: m.diagonal_scatter(x, x.diagonal(0, 0, 2) * 2, 0, 0, 2),
    lambda m, x: m.diagonal_scatter(x[0], x[0].diagonal(-1) * 3, -1),
    lambda m, x: m.select_scatter(x, x[:, 1] * 2, 1, 1),
    lambda m, x: m.slice_scatter(x, x[..., 1:4:2] ** 2, 2, 1, None, 2),
    lambda m, x: m.index_copy(x, 1, m.tensor([2, 0]), x[:, :2] * 5),
    lambda m, x: x.index_fill(2, m.tensor([0, 3]), -1.5),
    lambda m, x: m.index_fill(x, 0, m.tensor([1]), x[0, 0, 0] * 2),
    lambda m, x: m.index_add(x, 1, m.tensor([0, 0]), x[:, :2], alpha=2),
    lambda m, x: m.index_put(x, (m.tensor([1, 0]), m.tensor([2, 2])), x[0, :2] * 3),
    lambda m, x: m.masked_scatter(x, x > 0, x.flip(0) * 10),
    lambda m, x: m.renorm(x, 2, 1, 1.5), lambda m, x: x.renorm(1, -1, 0.7),
    lambda m, x: m.dist(x, x.flip(1)), lambda m, x: x.dist(x[0] * 2, 1.5),
])
def test_shape_and_scatter_functions(fn):
    _check_grad(fn, A)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5))
    src = rng.standard_normal((2, 4))
    index = rng.integers(0, 5, (2, 4))
    # a src larger than index is cropped (torch's backward refuses that case: values only)
    wide = np.concatenate([src, rng.standard_normal((2, 2))], 1)
    _same(xg.scatter_reduce(xg.tensor(x), 1, xg.tensor(index), xg.tensor(wide), reduce,
                            include_self=include_self),
          torch.scatter_reduce(torch.tensor(x), 1, torch.tensor(index), torch.tensor(wide),
                               reduce, include_self=include_self))
    _check_grad(lambda m, a, s: m.scatter_reduce(a, 1, m.tensor(index), s, reduce,
                                                 include_self=include_self), x, src)
    i = xg.tensor([[0, 1, 0]]), torch.tensor([[0, 1, 0]])
    a = _pair([[3, 7, 1, 4]], dtype="int64")
    s = _pair([[5, -2, 9]], dtype="int64")
    _same(xg.scatter_reduce(a[0], 1, i[0], s[0], reduce, include_self=include_self),
          torch.scatter_reduce(a[1], 1, i[1], s[1], reduce, include_self=include_self))


def test_index_builders():
    for args in [(3, 3), (3, 4, 1), (4, 3, -1), (0, 3), (2, 5, 7)]:
        _same(xg.tril_indices(*args), torch.tril_indices(*args))
        _same(xg.triu_indices(*args), torch.triu_indices(*args))
    idx = [0, 5, 11, -1, -12]
    _same(xg.unravel_index(xg.tensor(idx), (3, 4)), torch.unravel_index(torch.tensor(idx), (3, 4)))
    _same(xg.unravel_index(xg.tensor(7), (2, 2, 2)), torch.unravel_index(torch.tensor(7), (2, 2, 2)))
    assert xg.broadcast_shapes((2, 1), (3,), 1) == tuple(torch.broadcast_shapes((2, 1), (3,), 1))
    _same(xg.vander(xg.tensor([1, 2, 3])), torch.vander(torch.tensor([1, 2, 3])))
    _same(xg.combinations(xg.tensor([1, 2]), 3), torch.combinations(torch.tensor([1, 2]), 3))
    _same(xg.combinations(xg.tensor([1, 2]), 0), torch.combinations(torch.tensor([1, 2]), 0))
    _same(xg.block_diag(xg.tensor([[1, 2]]), xg.tensor([0.5])),
          torch.block_diag(torch.tensor([[1, 2]]), torch.tensor([0.5])))
    _same(xg.zeros(0, 3).ravel(), torch.zeros(0, 3).ravel())


def test_shape_errors():
    x = xg.zeros(2, 3)
    cases = [
        (lambda: xg.select(x, 0, 2), IndexError, r"select\(\): index 2 out of range"),
        (lambda: xg.rot90(x, 1, (0, 0)), ValueError, "rot90: expected rotation dims"),
        (lambda: xg.rot90(xg.zeros(3)), ValueError, "rot90: expected total dims >= 2"),
        (lambda: xg.hsplit(x, 2), RuntimeError, "torch.hsplit attempted to split along "
                                                "dimension 1, but the size of the dimension 3"),
        (lambda: xg.dsplit(x, 2), RuntimeError, "torch.dsplit requires a tensor with at least 3"),
        (lambda: xg.broadcast_shapes((2,), (3,)), RuntimeError, "Shape mismatch"),
        (lambda: xg.block_diag(xg.zeros(1, 1, 1)), ValueError, "block_diag: Input tensors must"),
        (lambda: xg.cartesian_prod(x), ValueError, "cartesian_prod: expect a 1D vector"),
        (lambda: xg.chain_matmul(xg.zeros(2)), ValueError, "chain_matmul.*dimension is 1"),
        (lambda: xg.take(x, xg.tensor([0.5])), TypeError, "take: index must be an integer"),
        (lambda: xg.select_scatter(x, xg.zeros(2), 0, 0), ValueError,
         r"select_scatter: src must have shape \(3,\)"),
        (lambda: xg.diagonal_scatter(x, xg.zeros(3)), ValueError,
         r"diagonal_scatter: src must have the diagonal's shape \(2,\)"),
        (lambda: xg.index_copy(x, 0, xg.tensor([0]), xg.zeros(2, 3)), ValueError,
         r"index_copy: source of shape \(2, 3\) must have shape \(1, 3\)"),
        (lambda: xg.masked_scatter(x, xg.zeros(3), x), TypeError, "masked_scatter: expected a bool"),
        (lambda: xg.scatter_reduce(x, 0, xg.tensor([[0]]), x, "max"), ValueError,
         "scatter_reduce: reduce argument must be one of"),
        (lambda: xg.scatter_reduce(x, 0, xg.tensor([0]), x, "sum"), ValueError,
         "same number of dimensions"),
        (lambda: xg.renorm(x, 0, 0, 1.0), ValueError, "renorm: non-positive-norm"),
        (lambda: xg.vander(x), ValueError, "vander: x must be a one-dimensional"),
    ]
    for call, error, match in cases:
        with pytest.raises(error, match=match):
            call()


# ---- statistics ---------------------------------------------------------------------------
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_matches_torch(interpolation):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4, 5))
    a[1, 2, 3] = np.nan
    a[2, :, 1] = np.nan
    for name in ("quantile", "nanquantile"):
        for q in (0.25, 1.0, [0.0, 0.4, 0.9]):
            for dim, keepdim in ((None, False), (None, True), (1, False), (-1, True)):
                def fn(m, x, q=q, dim=dim, keepdim=keepdim, name=name):
                    qq = m.tensor(q, dtype=m.float64) if isinstance(q, list) else q
                    return getattr(m, name)(x, qq, dim, keepdim, interpolation=interpolation)
                _same(fn(xg, xg.tensor(a)), fn(torch, torch.tensor(a)))
    _check_grad(lambda m, x: m.quantile(x, 0.37, 1, interpolation=interpolation), a[0])
    _check_grad(lambda m, x: x.nanquantile(m.tensor([0.1, 0.8], dtype=m.float64), 0,
                                           interpolation=interpolation), a[1])
    f32 = rng.standard_normal(7).astype(np.float32)
    _same(xg.quantile(xg.tensor(f32), 0.5), torch.quantile(torch.tensor(f32), 0.5), rtol=1e-6)


def test_quantile_errors():
    x = xg.zeros(3)
    with pytest.raises(ValueError, match=r"quantile\(\) q values must be in the range"):
        xg.quantile(x, 1.5)
    with pytest.raises(TypeError, match=r"quantile\(\) input tensor must be either float"):
        xg.quantile(xg.tensor([1, 2]), 0.5)
    with pytest.raises(TypeError, match=r"q tensor must be same dtype"):
        xg.quantile(x, xg.tensor([0.5], dtype="float64"))
    with pytest.raises(ValueError, match="interpolation must be one of"):
        xg.nanquantile(x, 0.5, interpolation="cubic")


def test_histogram_matches_torch():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(200)
    w = rng.random(200)
    x, tx = _pair(a)
    for kwargs in ({"bins": 10}, {"bins": 7, "range": (-1.0, 2.0)}, {"bins": 5, "density": True}):
        _same(xg.histogram(x, **kwargs), torch.histogram(tx, **kwargs))
        _same(xg.histogram(x, weight=xg.tensor(w), **kwargs),
              torch.histogram(tx, weight=torch.tensor(w), **kwargs))
    edges = [-3.0, -1.0, 0.0, 0.5, 3.0]
    _same(xg.histogram(x, xg.tensor(edges, dtype="float64")),
          torch.histogram(tx, torch.tensor(edges, dtype=torch.float64)))
    _same(xg.histogram(xg.tensor([1.0, 1.0, 1.0]), bins=4),
          torch.histogram(torch.tensor([1.0, 1.0, 1.0]), bins=4))
    with pytest.raises(TypeError, match="histogram: input must be a floating"):
        xg.histogram(xg.tensor([1, 2]))


def test_multinomial_draws():
    g = xg.Generator().manual_seed(0)
    p = xg.tensor([[0.0, 1.0, 3.0, 0.0], [2.0, 2.0, 0.0, 4.0]], dtype="float64")
    draws = xg.multinomial(p, 20000, replacement=True, generator=g)
    assert draws.shape == (2, 20000) and draws.dtype == xg.int64
    for row, probs in enumerate(p.numpy() / p.numpy().sum(1, keepdims=True)):
        freq = np.bincount(draws.numpy()[row], minlength=4) / 20000
        np.testing.assert_allclose(freq, probs, atol=0.015)
    once = xg.multinomial(p, 2, generator=g)            # without replacement: distinct, non-zero
    for row in once.numpy():
        assert len(set(row)) == 2
    assert set(once.numpy()[0]) == {1, 2}
    first = np.bincount([int(xg.multinomial(xg.tensor([1.0, 3.0]), 1, generator=g).item())
                         for _ in range(2000)], minlength=2) / 2000
    np.testing.assert_allclose(first, [0.25, 0.75], atol=0.04)
    again = xg.multinomial(p, 3, generator=xg.Generator().manual_seed(5))
    assert again.tolist() == xg.multinomial(p, 3, generator=xg.Generator().manual_seed(5)).tolist()
    assert xg.multinomial(xg.tensor([1.0, 1.0]), 4, True).shape == (4,)
    with pytest.raises(ValueError, match="cannot sample n_sample > prob_dist"):
        xg.multinomial(p, 5)


def test_poisson_draws():
    g = xg.Generator().manual_seed(0)
    rates = xg.tensor([0.0, 0.5, 4.0, 30.0, 1000.0], dtype="float64").reshape(5, 1).expand(5, 4000)
    draws = xg.poisson(rates, generator=g).numpy()
    assert draws.shape == (5, 4000) and (draws == np.round(draws)).all()
    for row, lam in zip(draws, [0.0, 0.5, 4.0, 30.0, 1000.0]):
        assert abs(row.mean() - lam) <= 4 * math.sqrt(lam / 4000) + 1e-12
        assert abs(row.var() - lam) <= 0.1 * lam + 1e-12
    assert xg.poisson(xg.zeros(2, 0)).shape == (2, 0)
    assert xg.poisson(xg.ones(3)).dtype == xg.float32
    with pytest.raises(ValueError, match="poisson: rates must be"):
        xg.poisson(xg.tensor([-1.0, 2.0]))


def test_top_level_and_tensor_methods_as_torch():
    from xpgrad.autograd.ops import torch_extras
    for name in torch_extras.__all__:
        assert hasattr(torch, name), name
        assert callable(getattr(xg, name)), name
        if name in ("true_divide", "t", "index_add", "index_put"):
            continue                       # Tensor methods defined elsewhere
        assert hasattr(xg.Tensor, name) == hasattr(torch.Tensor, name), name
    for name in xg.special.__all__:
        assert hasattr(torch.special, name), name
