"""Counting, membership, covariance and distances against PyTorch (skipped without it):
unique, unique_consecutive, bincount, histc, isin, cov, corrcoef, cdist — values, dtypes,
shapes, gradients, edge cases and errors."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _same(ours, theirs, exact: bool = True) -> None:
    theirs = theirs.detach()
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    if exact:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    else:
        tol = 1e-10 if ours.dtype == xg.float64 else 1e-6
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=tol, atol=tol * 1e-2,
                                   equal_nan=True)


@pytest.mark.parametrize("values", [
    [3, 1, 1, 2, 3, 3], [[5, 4], [4, 5]], [2.5, -1.0, 2.5], [7], [], [True, False, True],
])
@pytest.mark.parametrize("inverse, counts", [(False, False), (True, False), (False, True),
                                             (True, True)])
def test_unique_like_torch(values, inverse, counts):
    a = np.array(values)
    ours = xg.unique(xg.tensor(a), return_inverse=inverse, return_counts=counts)
    theirs = torch.unique(torch.tensor(a), return_inverse=inverse, return_counts=counts)
    if not (inverse or counts):
        ours, theirs = (ours,), (theirs,)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        _same(o, t)


@pytest.mark.parametrize("values", [[1, 1, 2, 2, 3, 1, 1, 2], [4], [], [[1, 1], [1, 2]]])
def test_unique_consecutive_like_torch(values):
    a = np.array(values, dtype=np.int64)
    ours = xg.unique_consecutive(xg.tensor(a), return_inverse=True, return_counts=True)
    theirs = torch.unique_consecutive(torch.tensor(a), return_inverse=True, return_counts=True)
    for o, t in zip(ours, theirs):
        _same(o, t)


def test_unique_is_a_constant_and_a_method():
    x = xg.tensor([2.0, 1.0, 2.0], requires_grad=True)
    out = x.unique()
    assert not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0])
    with pytest.raises(NotImplementedError, match="unique: dim="):
        xg.unique(x, dim=0)


@pytest.mark.parametrize("values, minlength", [([1, 1, 3], 0), ([0], 5), ([], 0), ([], 3),
                                               ([4, 0, 4, 4], 2)])
def test_bincount_like_torch(values, minlength):
    a = np.array(values, dtype=np.int64)
    _same(xg.bincount(xg.tensor(a), minlength=minlength),
          torch.bincount(torch.tensor(a), minlength=minlength))
    w = RNG.random(len(values))
    for dtype in (np.float32, np.float64):
        _same(xg.tensor(a).bincount(xg.tensor(w.astype(dtype)), minlength),
              torch.tensor(a).bincount(torch.tensor(w.astype(dtype)), minlength), exact=False)


def test_bincount_errors():
    with pytest.raises(ValueError, match="bincount: the input must be non-negative"):
        xg.bincount(xg.tensor([1, -2]))
    with pytest.raises(TypeError, match="bincount: needs a 1-D integer tensor"):
        xg.bincount(xg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="bincount: needs a 1-D integer tensor"):
        xg.bincount(xg.tensor([[1, 2]]))
    with pytest.raises(ValueError, match="bincount: weights of shape"):
        xg.bincount(xg.tensor([1, 2]), weights=xg.ones(3))


@pytest.mark.parametrize("bins, lo, hi", [(4, 0, 0), (5, -1, 1), (3, 0.5, 0.5), (10, -3, 3),
                                          (1, 0, 0)])
def test_histc_like_torch(bins, lo, hi):
    a = np.concatenate([RNG.standard_normal(50), [1.0, -1.0, 3.0]])
    for dtype in (np.float32, np.float64):
        _same(xg.histc(xg.tensor(a.astype(dtype)), bins=bins, min=lo, max=hi),
              torch.histc(torch.tensor(a.astype(dtype)), bins=bins, min=lo, max=hi))
    _same(xg.histc(xg.tensor([2.0, 2.0]), bins=4), torch.histc(torch.tensor([2.0, 2.0]), bins=4))


def test_histc_errors():
    with pytest.raises(TypeError, match="histc: needs a floating tensor"):
        xg.histc(xg.tensor([1, 2]))
    with pytest.raises(ValueError, match="histc: max"):
        xg.histc(xg.tensor([1.0]), min=2, max=1)


@pytest.mark.parametrize("invert", [False, True])
def test_isin_like_torch(invert):
    a, b = np.array([[1, 2, 3], [4, 5, 6]]), np.array([2, 6, 9])
    _same(xg.isin(xg.tensor(a), xg.tensor(b), invert=invert),
          torch.isin(torch.tensor(a), torch.tensor(b), invert=invert))
    _same(xg.isin(xg.tensor(a), 5, invert=invert), torch.isin(torch.tensor(a), 5, invert=invert))
    _same(xg.isin(xg.tensor([1.0, 2.5]), xg.tensor([1, 2])),
          torch.isin(torch.tensor([1.0, 2.5]), torch.tensor([1, 2])))
    _same(xg.isin(xg.tensor(a), xg.tensor(np.zeros(0, dtype=np.int64)), invert=invert),
          torch.isin(torch.tensor(a), torch.tensor(np.zeros(0, dtype=np.int64)), invert=invert))


def _grads(fn_ours, fn_torch, *arrays):
    xs = [xg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn_ours(*xs), fn_torch(*ts)
    _same(out, tout, exact=False)
    weight = RNG.standard_normal(tuple(tout.shape))
    (out * xg.tensor(weight)).sum().backward()
    (tout * torch.tensor(weight)).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("shape", [(3, 6), (6,), (1, 5), (2, 4)])
@pytest.mark.parametrize("correction", [1, 0, 2])
def test_cov_and_corrcoef_like_torch(shape, correction):
    a = RNG.standard_normal(shape)
    _grads(lambda x: xg.cov(x, correction=correction),
           lambda x: torch.cov(x, correction=correction), a)
    _grads(xg.corrcoef, torch.corrcoef, a)


def test_cov_weights_like_torch():
    a = RNG.standard_normal((3, 5))
    fw, aw = np.array([1, 2, 1, 3, 1]), RNG.random(5) + 0.5
    for f, w in ((fw, None), (None, aw), (fw, aw)):
        _grads(lambda x: xg.cov(x, fweights=None if f is None else xg.tensor(f),
                                aweights=None if w is None else xg.tensor(w)),
               lambda x: torch.cov(x, fweights=None if f is None else torch.tensor(f),
                                   aweights=None if w is None else torch.tensor(w)), a)
    _same(xg.cov(xg.tensor([[1, 2, 4], [3, 3, 1]])),
          torch.cov(torch.tensor([[1, 2, 4], [3, 3, 1]])), exact=False)


def test_cov_errors():
    with pytest.raises(ValueError, match="cov: expects a 1-D or 2-D tensor"):
        xg.cov(xg.ones(2, 2, 2))
    with pytest.raises(ValueError, match="cov: fweights must be 1-D"):
        xg.cov(xg.ones(2, 3), fweights=xg.tensor([1, 2]))
    with pytest.raises(TypeError, match="cov: fweights must be integers"):
        xg.cov(xg.ones(2, 3), fweights=xg.ones(3))


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, 0.5, float("inf")])
@pytest.mark.parametrize("shapes", [((4, 3), (5, 3)), ((2, 4, 3), (2, 5, 3)), ((30, 2), (3, 2))])
def test_cdist_like_torch(p, shapes):
    a, b = RNG.standard_normal(shapes[0]), RNG.standard_normal(shapes[1])
    _grads(lambda x, y: xg.cdist(x, y, p=p), lambda x, y: torch.cdist(x, y, p=p), a, b)


def test_cdist_zero_distance_has_zero_gradient():
    a = RNG.standard_normal((3, 2))
    for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
        x = xg.tensor(a, requires_grad=True)
        xg.cdist(x, x.detach(), compute_mode=mode).sum().backward()
        assert np.all(np.isfinite(x.grad.numpy()))


def test_cdist_errors():
    with pytest.raises(ValueError, match="cdist: x1 .* and x2 .* need at least 2 dimensions"):
        xg.cdist(xg.ones(3, 2), xg.ones(3, 4))
    with pytest.raises(ValueError, match="cdist: p must be non-negative"):
        xg.cdist(xg.ones(3, 2), xg.ones(3, 2), p=-1)
    with pytest.raises(ValueError, match="cdist: compute_mode must be one of"):
        xg.cdist(xg.ones(3, 2), xg.ones(3, 2), compute_mode="fast")


def test_counting_on_every_device(device):
    a = np.array([3, 1, 1, 2, 3, 3])
    x = xg.tensor(a, device=device)
    values, inverse, counts = xg.unique(x, return_inverse=True, return_counts=True)
    assert values.device == x.device
    np.testing.assert_array_equal(values.numpy(), [1, 2, 3])
    np.testing.assert_array_equal(inverse.numpy(), [2, 0, 0, 1, 2, 2])
    np.testing.assert_array_equal(counts.numpy(), [2, 1, 3])
    np.testing.assert_array_equal(xg.unique_consecutive(x).numpy(), [3, 1, 2, 3])
    np.testing.assert_array_equal(xg.bincount(x, minlength=6).numpy(), [0, 2, 1, 3, 0, 0])
    w = xg.tensor(np.arange(6.0), device=device)
    np.testing.assert_array_equal(xg.bincount(x, weights=w).numpy(), [0, 3, 3, 9])
    np.testing.assert_array_equal(xg.histc(x.double(), bins=3).numpy(), [2, 1, 3])
    np.testing.assert_array_equal(xg.isin(x, xg.tensor([1, 9], device=device)).numpy(),
                                  a == 1)
