"""Cross-entropy's fused integer-target path gives the general path's values, gradients and
second derivatives, and steps aside where it does not apply."""
import numpy as np
import pytest

import xpgrad as xg
from xpgrad.nn import functional as F
from xpgrad.nn._fused import SparseSoftmaxCrossEntropy


def data(seed=0, n=7, c=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, c)) * 3, rng.integers(0, c, n)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_fused_path_matches_the_general_path(device, reduction):
    x, t = data()
    a = xg.tensor(x, device=device, requires_grad=True)
    b = xg.tensor(x, device=device, requires_grad=True)
    target = xg.tensor(t, device=device)
    fused = F.cross_entropy(a, target, reduction=reduction)
    general = F.cross_entropy(b, target, weight=xg.ones(5, dtype=xg.float64, device=device),
                              reduction=reduction)          # weights force the general path
    np.testing.assert_allclose(fused.numpy(), general.numpy(), rtol=1e-12, atol=1e-12)
    (fused.sum() if reduction == "none" else fused).backward()
    (general.sum() if reduction == "none" else general).backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_fused_path_is_taken_on_the_cpu_and_has_second_derivatives():
    x, t = data(1)
    a = xg.tensor(x, requires_grad=True)
    loss = F.cross_entropy(a, xg.tensor(t), reduction="none")
    assert isinstance(loss.grad_fn, SparseSoftmaxCrossEntropy)
    xg.gradgradcheck(lambda a: F.cross_entropy(a, xg.tensor(t)), (a,), atol=1e-7, rtol=1e-5)


def test_ignore_index_inside_the_class_range_uses_the_general_path():
    x, t = data(2)
    t[:3] = 0
    a = xg.tensor(x, requires_grad=True)
    loss = F.cross_entropy(a, xg.tensor(t), ignore_index=0)
    keep = t != 0
    shifted = x[keep] - x[keep].max(1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    expected = -logp[np.arange(keep.sum()), t[keep]].mean()
    assert abs(loss.item() - expected) < 1e-12


def test_out_of_range_target_still_raises():
    x, t = data(3)
    t[0] = 5
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(xg.tensor(x), xg.tensor(t))
