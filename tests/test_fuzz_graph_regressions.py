"""Engine and op bugs found by the random-graph fuzzer (test_fuzz_graphs_torch.py), each pinned
by its smallest case with the expected values written out (no PyTorch needed): the values
are PyTorch's."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import xpgrad as xg

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")   # 0/0, log(0) on purpose


def _leaf(values) -> xg.Tensor:
    return xg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_a_gradient_shared_by_a_leaf_and_a_node_is_not_changed_by_accumulation():
    # Add hands both inputs the same gradient array: x.grad took it as is, and a later
    # contribution to x was added into it in place, before exp's backward read it
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(4)
    w3, w8, w9 = rng.standard_normal((3, 4))
    x = _leaf(x0)
    a = x.exp()
    loss = (((x + a) * xg.tensor(w3)).sum() + (x * xg.tensor(w8)).sum()
            + (a / (x * x + 0.5) * xg.tensor(w9)).sum())
    loss.backward()
    e = np.exp(x0)
    q = x0 * x0 + 0.5
    expected = w3 * (1 + e) + w8 + w9 * (e / q - e * 2 * x0 / q ** 2)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("write", ["add_", "mul_", "setitem", "fill_"])
def test_an_in_place_write_that_reads_the_tensor_itself(write):
    # y.add_(y) / y[...] = y recorded a node whose input was y itself (a cycle): half or
    # none of the gradient came through
    x0 = np.array([1.5, 2.0])
    x = _leaf(x0)
    y = x.sin()
    if write == "setitem":
        y[...] = y
    elif write == "fill_":
        y = y[0] * 1.0
        y.fill_(y)
    else:
        getattr(y, write)(y)
    (y * 3.0).sum().backward()
    s, c = np.sin(x0), np.cos(x0)
    expected = {"add_": 6 * c, "mul_": 6 * s * c, "setitem": 3 * c,
                "fill_": np.array([3 * c[0], 0.0])}[write]
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_var_without_degrees_of_freedom_is_nan_or_inf_not_negative():
    assert np.isnan(xg.tensor(np.zeros(0)).var().item())            # was -0.0
    assert np.isnan(xg.tensor(np.zeros(0)).std(correction=2).item())
    assert xg.tensor([1.0, 2.0], dtype=xg.float64).var(correction=2).item() == np.inf


def test_std_gradient_of_a_constant_slice_is_zero():
    x = _leaf([[1.5], [-2.0]])
    x.std(dim=1, correction=0).sum().backward()                      # was NaN (inf * 0)
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0], [0.0]])


def test_logsumexp_over_an_empty_axis_is_minus_infinity():
    # log(sum(exp(nothing))) = log(0), as PyTorch gives (not NumPy's "zero-size array to
    # reduction operation maximum")
    out = _leaf(np.zeros((2, 0))).logsumexp(dim=1)
    np.testing.assert_array_equal(out.numpy(), [-np.inf, -np.inf])


def test_dims_of_a_0d_tensor_are_checked():
    x = xg.tensor(1.5)
    assert x.sort(dim=-1).values.item() == 1.5
    with pytest.raises(ValueError, match="sort: axis -2 is out of range"):
        x.sort(dim=-2)
    assert x.flatten(0, -1).shape == (1,)
    with pytest.raises(ValueError, match="flatten: axis 1 is out of range"):
        x.flatten(1)


def test_split_size_zero_of_an_empty_dim():
    pieces = xg.zeros(0, 3).split(0)
    assert len(pieces) == 1 and pieces[0].shape == (0, 3)
    with pytest.raises(ValueError, match="split_size must be positive"):
        xg.zeros(2, 3).split(0)


@pytest.mark.parametrize("key, select_first", [
    ((0, slice(None), [1, 2]), lambda a: a[0][:, [1, 2]]),          # NumPy: (2, 3), not (3, 2)
    ((0, None, [1, 2]), lambda a: a[0][None, [1, 2]]),              # NumPy: (2, 1, 4)
    ((0, slice(None), [[1, 2], [0, 3]]), lambda a: a[0][:, [[1, 2], [0, 3]]]),
    ((slice(None), 0, [1, 2]), lambda a: a[:, 0][:, [1, 2]]),
    (([0], slice(None), 1), lambda a: a[:, :, 1][[0], :]),
])
def test_ints_apply_before_index_arrays_as_in_pytorch(key, select_first):
    # PyTorch selects ints first; NumPy counts them among the advanced indices, so where a
    # slice parts an int from an index array it moved the indexed dims to the front
    a = np.arange(24.0).reshape(2, 3, 4)
    expected = select_first(a)
    x = xg.tensor(a, requires_grad=True)
    k = tuple(xg.tensor(p) if isinstance(p, list) else p for p in key)
    np.testing.assert_array_equal(x[k].numpy(), expected)
    w = np.arange(expected.size, dtype=np.float64).reshape(expected.shape)
    (x[k] * xg.tensor(w)).sum().backward()
    y = xg.zeros(2, 3, 4, dtype=xg.float64)
    y[k] = xg.tensor(w)                     # the value in PyTorch's layout too
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())
    np.testing.assert_array_equal(y[k].numpy(), w)


def test_frobenius_norm_takes_at_most_two_dims():
    assert abs(xg.ones(2, 2, 2).norm("fro", dim=(0, 1)).sum().item() - 4.0) < 1e-6
    with pytest.raises(ValueError, match="p='fro' takes one dim or a pair"):
        xg.ones(2, 2, 2).norm("fro", dim=(0, 1, 2))


@pytest.mark.parametrize("make", [
    lambda x: xg.maximum(x, xg.zeros_like(x)), lambda x: xg.minimum(-x, xg.zeros_like(x)) * -1,
    lambda x: x.clamp(min=0), lambda x: xg.where(x > 0, x, 0.0),
])
def test_an_inf_gradient_stops_at_a_mask(make):
    # sqrt at 0 has an infinite slope; the element cut off by the mask gets 0, not 0 * inf
    x = _leaf([-1.0, 0.25, 4.0])
    make(x).sqrt().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 1.0, 0.25])


def test_rounding_ops_have_an_exact_zero_slope():
    x = _leaf([0.5, -0.25])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x.floor().clamp(min=0).sqrt() + x.round().abs().sqrt() + (x ** 0).log()).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])


def test_maximum_of_a_nan_sends_the_gradient_to_both_inputs():
    a, b = _leaf([np.nan, 1.0]), _leaf([0.5, 2.0])
    xg.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_tensordot_over_an_empty_dim():
    a, b = _leaf(np.zeros((3, 0))), _leaf(np.zeros((0, 2)))
    out = xg.tensordot(a, b, dims=1)                                # reshape (-1, 0) raised
    np.testing.assert_array_equal(out.numpy(), np.zeros((3, 2)))
    out.sum().backward()
    assert a.grad.shape == (3, 0)


def test_median_of_an_empty_tensor_stays_in_the_graph():
    x = _leaf(np.zeros(0))
    m = x.median()
    assert np.isnan(m.item()) and m.requires_grad
    m.backward()
    assert x.grad.shape == (0,)
