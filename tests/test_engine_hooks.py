"""The backward engine, part 2: anomaly detection, hooks and gradient aliasing."""
import contextlib
import gc
import threading
import warnings
import weakref

import pytest

import xpgrad as xg
from xpgrad.autograd import detect_anomaly
from xpgrad.autograd.function import Function, apply2


def leaf(values, device, dtype=xg.float64):
    return xg.tensor(values, dtype=dtype, device=device, requires_grad=True)


# ---- anomaly detection ---------------------------------------------------------------------
def test_detect_anomaly_names_the_forward_op(device):
    x = leaf([-1.0, 1.0], device)
    with _quiet():
        with pytest.raises(FloatingPointError, match=r"Log forward"):
            with detect_anomaly():
                ((x * 2).log() * 3).exp()
    assert xg.is_grad_enabled()


def test_detect_anomaly_names_the_backward_op(device):
    x = leaf([0.0, 1.0], device)
    y = ((x * 2).sqrt() * 3).sum()           # forward is finite; sqrt'(0) is inf
    with _quiet():
        with pytest.raises(FloatingPointError, match=r"Sqrt backward"):
            with detect_anomaly():
                y.backward()


def test_detect_anomaly_names_the_backward_op_with_create_graph(device):
    x = leaf([0.0, 1.0], device)
    y = x.sqrt().sum()
    with _quiet():
        with pytest.raises(FloatingPointError, match=r"Sqrt backward"):
            with detect_anomaly():
                xg.autograd.grad(y, x, create_graph=True)


def test_without_anomaly_mode_nan_propagates(device):
    x = leaf([0.0, 1.0], device)
    with _quiet():
        (x.sqrt()).sum().backward()
    g = x.grad.tolist()
    assert g[0] == float("inf") and g[1] == pytest.approx(0.5)


@contextlib.contextmanager
def _quiet():
    """NumPy warns about log(-1) and 1/0; the test is about what xpgrad does with them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# ---- hooks ---------------------------------------------------------------------------------
def test_register_hook_can_replace_the_gradient_and_be_removed(device):
    x = leaf([1.0, 2.0], device)
    seen = []
    h1 = x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    h2 = y.register_hook(lambda g: g * 10)
    (y * y).sum().backward()                 # dy = 2y = [6, 12] -> hook -> [60, 120]
    assert seen == [[180.0, 360.0]]
    assert x.grad.tolist() == [180.0, 360.0]
    h1.remove()
    h2.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert seen == [[180.0, 360.0]] and x.grad.tolist() == [3.0, 3.0]


def test_retain_grad_keeps_a_non_leaf_gradient(device):
    x = leaf([1.0, 2.0], device)
    h = x * 3
    h.retain_grad()
    other = x * 4
    (h * h + other).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]
    assert other.grad is None


def test_post_accumulate_grad_hook_fires_once_after_all_contributions(device):
    x = leaf(2.0, device)
    fired = []
    x.register_post_accumulate_grad_hook(lambda t: fired.append(t.grad.item()))
    (x * x + 3 * x + x.exp()).backward()      # three paths into x
    assert fired == [pytest.approx(4.0 + 3.0 + 7.38905609893065)]
    (x * 5).backward()
    assert len(fired) == 2 and fired[1] == pytest.approx(fired[0] + 5.0)


class _FirstOnly(Function):
    """a + b whose backward gives no gradient to b (as a custom op may)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, a, b):
        return xp.add(a, b)

    def backward(self, gy):
        return gy, None


def test_post_accumulate_grad_hook_fires_when_one_path_gives_no_gradient(device):
    a, b = leaf(1.0, device), leaf(2.0, device)
    fired = []
    b.register_post_accumulate_grad_hook(lambda t: fired.append(t.grad.item()))
    (apply2(_FirstOnly, a, b) + b * 3).backward()
    assert fired == [3.0]
    assert a.grad.item() == 1.0


def test_post_accumulate_grad_hook_not_fired_without_gradient(device):
    a, b = leaf(1.0, device), leaf(2.0, device)
    fired = []
    b.register_post_accumulate_grad_hook(lambda t: fired.append(t))
    apply2(_FirstOnly, a, b).backward()
    assert fired == [] and b.grad is None and a.grad.item() == 1.0


# ---- aliasing ------------------------------------------------------------------------------
def test_gradients_of_two_leaves_never_alias(device):
    p, q = leaf([1.0, 2.0], device), leaf([1.0, 2.0], device)
    (p + q).sum().backward()
    with xg.no_grad():
        p.grad += 1.0
    assert q.grad.tolist() == [1.0, 1.0]
    p.grad = q.grad = None
    (p * 1.0 + q).sum().backward()
    with xg.no_grad():
        q.grad *= 5.0
    assert p.grad.tolist() == [1.0, 1.0]


def test_grad_does_not_alias_the_callers_gradient(device):
    x = leaf([1.0, 2.0], device)
    seed = xg.tensor([1.0, 1.0], dtype=xg.float64, device=device)
    (x + 0.0).backward(seed)
    (x + 0.0).backward(seed)                 # accumulating must not write into `seed`
    assert seed.tolist() == [1.0, 1.0]
    assert x.grad.tolist() == [2.0, 2.0]


def test_grad_does_not_alias_a_hook_result(device):
    x = leaf([1.0, 2.0], device)
    kept = xg.tensor([5.0, 5.0], dtype=xg.float64, device=device)
    x.register_hook(lambda g: kept)
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    assert kept.tolist() == [5.0, 5.0]
    assert x.grad.tolist() == [10.0, 10.0]


def test_grad_dtype_and_shape_follow_the_leaf(device):
    x = xg.tensor([[1.0, 2.0]], device=device, requires_grad=True)       # float32 (1, 2)
    y = (x.astype(xg.float64) * xg.ones(3, 1, dtype=xg.float64, device=device)).sum()
    y.backward()
    assert x.grad.dtype == xg.float32 and x.grad.shape == (1, 2)
    assert x.grad.tolist() == [[3.0, 3.0]]
