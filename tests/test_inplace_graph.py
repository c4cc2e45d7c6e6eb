"""In-place writes inside a graph, as PyTorch records them: ``t[key] = v`` on an intermediate
(or with a value that requires grad) and index_put_/index_add_ make t the output of a new
node; where that would make an earlier op's gradient wrong, they are refused with a clear
error (never a silently wrong gradient)."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg

torch = pytest.importorskip("torch")

A = np.random.default_rng(3).random((3, 4))


def _like_torch(fn):
    x, tx = xg.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    out, tout = fn(xg, x), fn(torch, tx)
    w = np.random.default_rng(4).random(tuple(tout.shape))
    (out * xg.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def _clone_number(m, x):
    y = x.clone()
    y[0] = 5.0
    return y


def _column_from_tensor(m, x):
    y = x * 2
    y[:, 1] = x[:, 2] * 3
    return y


def _into_zeros(m, x):
    out = m.zeros(3, 4, dtype=x.dtype)       # does not require grad: the value brings it in
    out[1] = x[0] * x[1]
    out[2, 1:3] = x[2, :2].exp()
    return out


def _mask(m, x):
    y = x * 3
    y[y > 1.5] = 0.0
    return y


def _integer_rows(m, x):
    y = x - 1
    y[[0, 2]] = x[1]
    return y


def _broadcast_scalar_tensor(m, x):
    y = x * 1
    y[0, 0] = x.sum()
    y[1] = x[2, 3]
    return y


def _loop_of_rows(m, x):
    out = m.zeros(4, 3, dtype=x.dtype)
    for t in range(4):
        out[t] = x[:, t] * (t + 1)
    return out


def _index_put(m, x):
    return x.index_put((m.tensor([0, 2]),), x[1] * 2)


def _index_put_accumulate(m, x):
    return x.index_put((m.tensor([0, 0]), m.tensor([1, 1])), x[1, 0] * 3, accumulate=True)


def _index_add(m, x):
    return x.index_add(1, m.tensor([0, 0, 3]), x[:, :3] * 2, alpha=0.5)


def _index_put_inplace(m, x):
    y = x * 2
    y.index_put_((m.tensor([1]),), x[0])
    return y


def _index_add_inplace(m, x):
    out = m.zeros(3, 4, dtype=x.dtype)
    out.index_add_(0, m.tensor([2, 2]), x[:2])
    return out


@pytest.mark.parametrize("fn", [_clone_number, _column_from_tensor, _into_zeros, _mask,
                                _integer_rows, _broadcast_scalar_tensor, _loop_of_rows,
                                _index_put, _index_put_accumulate, _index_add,
                                _index_put_inplace, _index_add_inplace],
                         ids=lambda f: f.__name__.strip("_"))
def test_recorded_inplace_writes_like_torch(fn):
    _like_torch(fn)


def _augmented(m, x):
    y = x * 2
    y[0] += 1                    # reads y[0] first: that use is rewired to y's old state
    y[1] *= x[2]
    return y


def _running_product(m, x):      # each row written from the row before
    out = m.zeros(4, 3, dtype=x.dtype)
    out[0] = x[:, 0]
    for t in range(1, 4):
        out[t] = out[t - 1] * x[:, t]
    return out


def _running_product_ref(m, x):
    rows = [x[:, 0]]
    for t in range(1, 4):
        rows.append(rows[-1] * x[:, t])
    return m.stack(rows)


def _shifted_add(m, x):
    y = x + 0
    y[:, 1:] += y[:, :-1] * 0.5
    return y


def _shifted_add_ref(m, x):
    y = x + 0
    return m.cat([y[:, :1], y[:, 1:] + y[:, :-1] * 0.5], 1)


def _index_add_of_itself(m, x):
    y = x * 1
    y.index_add_(0, m.tensor([0, 2]), y[1:].exp())
    return y


def _index_add_of_itself_ref(m, x):
    y = x * 1
    return y.index_add(0, m.tensor([0, 2]), y[1:].exp())


@pytest.mark.parametrize("fn, ref", [(_augmented, None),
                                     (_running_product, _running_product_ref),
                                     (_shifted_add, _shifted_add_ref),
                                     (_index_add_of_itself, _index_add_of_itself_ref)],
                         ids=["augmented", "running_product", "shifted_add", "index_add_self"])
def test_writes_of_values_read_from_the_tensor_itself(fn, ref):
    # PyTorch refuses some of these (the read was saved); the out-of-place spelling is the
    # reference, and the uses of the old state are rewired so every gradient is right
    x, tx = xg.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    out, tout = fn(xg, x), (ref or fn)(torch, tx)
    w = np.random.default_rng(5).random(tuple(tout.shape))
    (out * xg.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_write_after_a_saving_op_keeps_its_gradient_right():
    # PyTorch refuses this one (exp saved its output); the copy-on-write here keeps it right
    x = xg.tensor(A, requires_grad=True)
    y = x.exp()
    y[0] = 0.0
    y.sum().backward()
    expected = np.exp(A)
    expected[0] = 0.0
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_write_to_a_tensor_already_used_is_refused():
    x = xg.tensor(A, requires_grad=True)
    y = x * 2
    z = y * y                                     # z's gradient needs y as it was
    with pytest.raises(RuntimeError, match="already used in the graph"):
        y[0] = 1.0
    with pytest.raises(RuntimeError, match="already used in the graph"):
        y[0] = x[0] * 3                           # z does not feed the value: not rewired
    with pytest.raises(RuntimeError, match="already used in the graph"):
        y.index_put_((xg.tensor([0]),), xg.tensor(1.0, dtype=xg.float64))
    plain = xg.zeros(3, 4, dtype=xg.float64)
    w = plain * x                                 # plain is an input of a recorded op
    with pytest.raises(RuntimeError, match="already used in the graph"):
        plain[0] = x[0]
    del z, w


def test_write_to_a_leaf_that_requires_grad_is_refused():
    x = xg.tensor(A, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        x[0] = 1.0
    with pytest.raises(RuntimeError, match="requires grad"):
        x.index_add_(0, xg.tensor([0]), xg.ones(1, 4, dtype=xg.float64))
    with xg.no_grad():
        x[0] = 1.0                                # the optimizer's way: allowed
    assert x.numpy()[0].tolist() == [1.0] * 4


def test_plain_tensors_are_still_written_in_place():
    z = xg.zeros(3)
    alias = z[:2]                                 # a view of z's array sees the write
    z[0] = 2.0
    z.index_put_((xg.tensor([1]),), xg.tensor(3.0))
    z.index_add_(0, xg.tensor([2, 2]), xg.tensor([1.0, 1.0]))
    assert z.tolist() == [2.0, 3.0, 2.0] and not z.requires_grad
    assert alias.tolist() == [2.0, 3.0]


def test_index_put_and_index_add_errors():
    x = xg.zeros(3, 4)
    with pytest.raises(TypeError, match="index_put: indices must be a tuple"):
        x.index_put(xg.tensor([0]), xg.tensor(1.0))
    with pytest.raises(ValueError, match=r"index_add: source of shape \(2, 4\) must have shape "
                                         r"\(3, 4\)"):
        x.index_add(0, xg.tensor([0, 1, 2]), xg.ones(2, 4))
    with pytest.raises(TypeError, match="index_add: index must be a 0-d or 1-D integer"):
        x.index_add(0, xg.tensor([0.0]), xg.ones(1, 4))


def test_recorded_write_on_every_device(device):
    x = xg.tensor(A, requires_grad=True, device=device)
    out = xg.zeros(3, 4, dtype=xg.float64, device=device)
    out[1] = x[0] * 2
    out.index_add_(0, xg.tensor([2, 2], device=device), x[:2])
    out.sum().backward()
    expected = np.array([[3.0] * 4, [1.0] * 4, [0.0] * 4])   # 2 + 1, 1, unused
    np.testing.assert_allclose(x.grad.numpy(), expected)
