"""PyTorch semantics a user relies on without thinking: dim= on every top-level reduction and
join, tuples from split, the 0-d-tensor promotion rule, integer wrap-around of Python ints,
torch.device's .type/.index and the in-place random fills. Expected values are PyTorch 2.13's,
written out so the tests run without it."""
from __future__ import annotations

import pytest

import xpgrad as xg


def test_top_level_functions_take_dim_and_keepdim():
    x = xg.tensor([[1.0, 5.0], [3.0, 4.0]])
    assert xg.argmax(x, dim=1, keepdim=True).tolist() == [[1], [1]]
    assert xg.argmin(x, dim=0).tolist() == [0, 1]
    assert xg.all(x > 2, dim=0).tolist() == [False, True]
    assert xg.any(x > 4, dim=1, keepdim=True).tolist() == [[True], [False]]
    assert xg.cat([x, x], dim=1).shape == (2, 4)
    assert xg.stack([x, x], dim=2).shape == (2, 2, 2)
    with pytest.raises(TypeError, match="axis= or dim="):
        xg.argmax(x, axis=0, dim=1)


def test_split_and_chunk_return_tuples():
    pieces = xg.arange(6).split([1, 5])
    assert isinstance(pieces, tuple) and [p.tolist() for p in pieces] == [[0], [1, 2, 3, 4, 5]]
    assert isinstance(xg.split(xg.arange(6), 4), tuple)
    assert isinstance(xg.arange(6).chunk(3), tuple)


@pytest.mark.parametrize("a, b, expected", [
    (xg.ones(2), xg.tensor(2.0, dtype="float64"), "float32"),     # 0-d gives way within a kind
    (xg.tensor(2.0, dtype="float64"), xg.ones(2), "float32"),
    (xg.ones(2, dtype="float64"), xg.tensor(2.0), "float64"),
    (xg.ones(2, dtype="int8"), xg.tensor(300), "int8"),
    (xg.ones(2, dtype="int64"), xg.tensor(2.0, dtype="float64"), "float64"),   # higher kind wins
    (xg.ones(2, dtype="bool"), xg.tensor(3), "int64"),
    (xg.tensor(1.0, dtype="float64"), xg.tensor(1.0), "float64"),  # both 0-d: ordinary rule
    (xg.ones(2, dtype="float16"), xg.ones(2), "float32"),
])
def test_zero_dim_tensors_promote_like_scalars(a, b, expected):
    assert str((a * b).dtype) == expected
    assert str((a + b).dtype) == expected
    assert str(xg.maximum(a, b).dtype) == expected


def test_zero_dim_promotion_keeps_gradients():
    w = xg.tensor(2.0, dtype="float64", requires_grad=True)
    x = xg.ones(3, requires_grad=True)
    (x * w).sum().backward()
    assert w.grad.dtype == xg.float64 and w.grad.item() == 3.0
    assert x.grad.dtype == xg.float32 and x.grad.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("make, expected", [
    (lambda: xg.tensor([1, 2, 3], dtype="int8") + 200, [-55, -54, -53]),
    (lambda: xg.tensor([1, 2, 3], dtype="uint8") - 5, [252, 253, 254]),
    (lambda: xg.tensor([1], dtype="int8") - (-128), [-127]),
    (lambda: xg.tensor([1], dtype="uint8") * 300, [44]),
    (lambda: xg.tensor([100], dtype="int8") * -3, [-44]),
    (lambda: xg.tensor([7], dtype="int16") + 70000, [4471]),
])
def test_python_ints_wrap_around_in_small_integer_dtypes(make, expected):
    assert make().tolist() == expected


def test_device_reads_like_torch_device():
    d = xg.ones(2).device
    assert d == "cpu" and str(d) == "cpu" and d.type == "cpu" and d.index is None
    s = xg.device("strict:device1")
    assert s.type == "strict" and s.index is None
    with pytest.raises(ValueError, match="index="):
        xg.device("cpu:0", 1)


def test_random_fills():
    xg.manual_seed(0)
    x = xg.zeros(20000, dtype="float64")
    assert abs(x.bernoulli_(0.3).mean().item() - 0.3) < 0.02
    assert set(x.unique().tolist()) == {0.0, 1.0}
    assert abs(x.exponential_(2.0).mean().item() - 0.5) < 0.03 and x.min().item() >= 0
    g = x.geometric_(0.5)
    assert g.min().item() >= 1 and abs(g.mean().item() - 2.0) < 0.05
    assert abs(x.cauchy_(3.0).median().item() - 3.0) < 0.1
    assert abs(x.log_normal_(0.0, 0.1).log().std().item() - 0.1) < 0.01
    r = x.random_(2, 5)
    assert set(r.unique().tolist()) == {2.0, 3.0, 4.0}
    assert set(xg.zeros(500, dtype="int64").random_(3).unique().tolist()) == {0, 1, 2}
    assert xg.zeros(4, dtype="int32").random_().dtype == xg.int32
    f = xg.zeros(1000).random_()
    assert f.max().item() <= 2 ** 24 and f.max().item() > 2 ** 20


def test_random_fills_are_refused_on_leaves_that_require_grad():
    w = xg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        w.bernoulli_(0.5)


def test_integer_reductions_and_means():
    for dt in ("uint8", "int8", "int16", "int32", "int64", "bool"):
        x = xg.tensor([1, 1, 0], dtype=dt)
        assert x.sum().dtype == xg.int64 and x.sum().item() == 2
        assert x.sum(0, keepdim=True).dtype == xg.int64
    assert xg.tensor([1, 1], dtype="bool", device="strict:device1").sum().item() == 2
    with pytest.raises(TypeError, match="mean: could not infer the output dtype of a int64"):
        xg.tensor([1, 2]).mean()
    assert xg.tensor([1, 2]).mean(dtype=xg.float64).item() == 1.5
    assert xg.tensor([1, 2]).float().mean().item() == 1.5


def test_dtype_spellings():
    assert xg.tensor([1], dtype=float).dtype == xg.float64      # Python's float, as torch's
    assert xg.float32.is_floating_point and not xg.int64.is_floating_point
    assert not xg.float32.is_complex
    assert xg.int8.is_signed and not xg.uint8.is_signed and not xg.bool.is_signed


def test_shifts_and_bool_negation():
    x = xg.tensor([1, 2, -8])
    assert (x << 1).tolist() == [2, 4, -16] and (x >> 1).tolist() == [0, 1, -4]
    assert (1 << xg.tensor([2])).tolist() == [4] and (16 >> xg.tensor([2])).tolist() == [4]
    assert xg.bitwise_left_shift(x, 2).tolist() == [4, 8, -32]
    with pytest.raises(TypeError, match="bitwise_left_shift: expected integer tensors"):
        xg.ones(2) << 1
    with pytest.raises(TypeError, match="negation .* bool tensor"):
        -xg.tensor([True, False])
    assert (-xg.tensor([1], dtype="int8")).tolist() == [-1]


def test_cat_skips_empty_vectors_as_pytorch_does():
    x = xg.ones(2, 3, requires_grad=True)
    y = xg.cat([x, xg.ones(0), x], dim=0)
    assert y.shape == (4, 3)
    y.sum().backward()
    assert x.grad.tolist() == [[2.0] * 3] * 2
    assert xg.cat([xg.ones(0), xg.ones(0)]).shape == (0,)


@pytest.mark.parametrize("probs, message", [
    ([-1.0, 1.0], "element < 0"), ([float("nan"), 1.0], "nan"), ([0.0, 0.0], "sums to 0")])
def test_multinomial_refuses_bad_probabilities(probs, message):
    with pytest.raises(ValueError, match=message):
        xg.multinomial(xg.tensor(probs), 1)


@pytest.mark.parametrize("values", [[1.5], [-0.1, 0.5], [float("nan")]])
def test_binary_cross_entropy_refuses_non_probabilities(values):
    with pytest.raises(ValueError, match="between 0 and 1"):
        xg.nn.functional.binary_cross_entropy(xg.tensor(values), xg.ones(len(values)))
    assert xg.nn.BCELoss()(xg.tensor([0.0, 1.0]), xg.tensor([1.0, 1.0])).item() == 50.0


@pytest.mark.parametrize("classes", [[0, 3], [-1]])
def test_one_hot_refuses_classes_out_of_range(classes):
    with pytest.raises(ValueError, match=r"one_hot: class values must be in \[0, num_classes\)"):
        xg.nn.functional.one_hot(xg.tensor(classes), 3)
