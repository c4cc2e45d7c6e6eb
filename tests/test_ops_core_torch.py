"""Core shape and selection ops where PyTorch's semantics differ from NumPy's, against PyTorch
(skipped without it): squeeze of a non-1 dimension is a no-op, concat/stack promote an integer
tensor to the float one's dtype, where(condition) alone gives the indices."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg

torch = pytest.importorskip("torch")


def _same(ours, theirs) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("shape, dims", [
    ((2, 1, 3), (1,)), ((2, 1, 3), (0,)), ((2, 1, 3), (0, 1)), ((1, 1), (-1,)),
    ((2, 3), (0,)), ((), (0,)), ((), (-1,)), ((1, 2, 1), ()),
])
def test_squeeze_like_torch(shape, dims):
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    x, tx = xg.tensor(a), torch.tensor(a)
    dim = dims[0] if len(dims) == 1 else dims
    _same(x.squeeze(dim), tx.squeeze(dim))
    _same(x.squeeze(dim=dim), tx.squeeze(dim=dim))
    _same(xg.squeeze(x, dim), torch.squeeze(tx, dim))
    _same(x.squeeze(), tx.squeeze())


def test_squeeze_errors():
    with pytest.raises(ValueError, match="squeeze: axis 2 is out of range"):
        xg.ones(2, 3).squeeze(2)
    with pytest.raises(TypeError, match="axis or dim, not both"):
        xg.ones(2, 1).squeeze(1, dim=1)


def test_squeeze_gradient_of_kept_dimension():
    x = xg.ones(2, 3, requires_grad=True)
    x.squeeze(0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))


@pytest.mark.parametrize("dtypes", [
    ("float32", "int64"), ("int64", "float32"), ("float16", "int32", "float32"),
    ("int32", "int64"), ("bool", "int64"), ("float64", "float32"), ("uint8", "int8"),
    ("bool", "float16"),
])
@pytest.mark.parametrize("join", ["cat", "stack"])
def test_concat_promotes_like_torch(dtypes, join):
    parts = [np.arange(3).astype(d) for d in dtypes]
    ours = getattr(xg, join)([xg.tensor(p) for p in parts])
    theirs = getattr(torch, join)([torch.tensor(p) for p in parts])
    _same(ours, theirs)


def test_concat_gradient_reaches_the_float_input_only():
    a = xg.tensor([1.0, 2.0], dtype=xg.float32, requires_grad=True)
    out = xg.cat([a, xg.tensor([3, 4])])
    assert out.dtype == xg.float32 and out.requires_grad
    (out * out).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 4.0])


def test_where_condition_alone_gives_indices_like_torch():
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    ours, theirs = xg.where(xg.tensor(a) != 0), torch.where(torch.tensor(a) != 0)
    assert isinstance(ours, tuple) and len(ours) == len(theirs) == 2
    for o, t in zip(ours, theirs):
        _same(o, t)
    x = xg.tensor(a)
    np.testing.assert_array_equal(x[xg.where(x > 0)].numpy(), a[a > 0])


def test_where_needs_both_values_or_neither():
    x = xg.ones(3)
    with pytest.raises(TypeError, match="where: give both values"):
        xg.where(x > 0, x)
    with pytest.raises(TypeError, match="where"):
        xg.where([True, False])


def test_unsqueeze_takes_dim_like_torch():
    x, tx = xg.ones(2, 3), torch.ones(2, 3)
    for d in (0, 1, 2, -1, -3):
        assert x.unsqueeze(dim=d).shape == tuple(tx.unsqueeze(dim=d).shape)
        assert xg.unsqueeze(x, d).shape == tuple(torch.unsqueeze(tx, d).shape)
    with pytest.raises(TypeError, match="unsqueeze: give the position as axis or dim"):
        x.unsqueeze()


def test_bitwise_operators_like_torch():
    a, b = np.array([6, 3, -2]), np.array([3, 5, 7])
    for op in (lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y,
               lambda x, y: ~x, lambda x, y: 3 & x, lambda x, y: x | 8):
        _same(op(xg.tensor(a), xg.tensor(b)), op(torch.tensor(a), torch.tensor(b)))
    m, n = np.array([True, False, True]), np.array([True, True, False])
    for op in (lambda x, y: x & y, lambda x, y: x | y, lambda x, y: x ^ y, lambda x, y: ~x):
        _same(op(xg.tensor(m), xg.tensor(n)), op(torch.tensor(m), torch.tensor(n)))
    with pytest.raises(TypeError, match="bitwise_and: expected integer or bool tensors"):
        xg.ones(2) & xg.ones(2)


def test_repr_when_numpy_wraps_the_dtype_onto_its_own_line():
    text = repr(xg.tensor([0.0, 1.0, 5.0, 98.0, 10016.0]))
    assert text.count("dtype=") == 1 and text.endswith("dtype=float32, device=cpu)")
