"""PyTorch names added for code and test suites ported from torch (tensor_compat.py,
tensor_types.py, ops/torch_compat.py): expected values are PyTorch 2.x's, hard-coded, so
these run without torch."""
import math
import pickle

import pytest

import xpgrad as xg


# ---- type-level names -------------------------------------------------------------------------
def test_size_is_a_tuple_with_numel():
    s = xg.ones(2, 3, 4).size()
    assert isinstance(s, xg.Size) and isinstance(s, tuple)
    assert s == (2, 3, 4) and s.numel() == 24 and repr(s) == "xpgrad.Size([2, 3, 4])"
    assert isinstance(s[1:], xg.Size) and s[1:] == (3, 4) and s[0] == 2
    assert isinstance(s + (5,), xg.Size) and (1,) + s == (1, 2, 3, 4)
    assert xg.ones(2).size(0) == 2 and xg.ones(2, 3).size == 6        # NumPy's .size stays
    assert xg.Size([2, 3]) == xg.ones(2, 3).shape
    with pytest.raises(TypeError, match="Size"):
        xg.Size([2.5])


def test_constants_and_layouts():
    assert xg.pi == math.pi and xg.e == math.e and xg.inf == math.inf and math.isnan(xg.nan)
    assert xg.newaxis is None and xg.ones(3)[xg.newaxis].shape == (1, 3)
    assert xg.ones(2).layout is xg.strided and repr(xg.strided) == "xpgrad.strided"
    assert isinstance(xg.preserve_format, xg.memory_format)
    assert pickle.loads(pickle.dumps(xg.channels_last)) is xg.channels_last


def test_memory_format_keyword_is_accepted(device):
    p = xg.tensor([1.0, -2.0], device=device)
    for fmt in (xg.preserve_format, xg.contiguous_format, xg.channels_last):
        assert xg.zeros_like(p, memory_format=fmt).tolist() == [0.0, 0.0]
        assert p.clone(memory_format=fmt).tolist() == [1.0, -2.0]
        assert p.contiguous(memory_format=fmt) is p
    assert xg.ones_like(p, dtype=xg.int64, memory_format=xg.preserve_format).tolist() == [1, 1]
    assert xg.full_like(p, 7.0, memory_format=xg.preserve_format).tolist() == [7.0, 7.0]
    assert xg.empty_like(p, memory_format=xg.preserve_format).shape == (2,)
    assert xg.randn_like(p, memory_format=xg.preserve_format).shape == (2,)
    assert p.to(xg.float64, memory_format=xg.preserve_format).dtype == xg.float64
    with pytest.raises(TypeError, match="zeros_like: memory_format"):
        xg.zeros_like(p, memory_format="channels_last")


def test_legacy_tensor_types():
    t = xg.FloatTensor([1, 2])
    assert t.dtype == xg.float32 and t.tolist() == [1.0, 2.0]
    assert xg.LongTensor(3).shape == (3,) and xg.LongTensor(3).dtype == xg.int64
    assert xg.FloatTensor(2, 3).shape == (2, 3) and xg.FloatTensor().shape == (0,)
    assert xg.DoubleTensor(xg.Size([2, 2])).shape == (2, 2)
    assert xg.ByteTensor([1, 0]).dtype == xg.uint8 and xg.BoolTensor([1, 0]).tolist() == [True, False]
    assert isinstance(xg.ones(2), xg.FloatTensor) and not isinstance(xg.ones(2), xg.LongTensor)
    assert xg.FloatTensor.dtype == xg.float32 and xg.LongTensor.dtype == xg.int64
    assert xg.ones(2).type(xg.LongTensor).tolist() == [1, 1]
    assert xg.ones(2).type("torch.IntTensor").dtype == xg.int32
    assert xg.ones(2).type("xpgrad.DoubleTensor").dtype == xg.float64
    assert xg.ones(2).type() == "xpgrad.FloatTensor"


def test_set_default_tensor_type():
    try:
        xg.set_default_tensor_type(xg.DoubleTensor)
        assert xg.tensor([1.0]).dtype == xg.float64
        xg.set_default_tensor_type("torch.FloatTensor")
        assert xg.tensor([1.0]).dtype == xg.float32
        with pytest.raises(TypeError, match="floating"):
            xg.set_default_tensor_type(xg.LongTensor)
    finally:
        xg.set_default_dtype(xg.float32)


def test_linalg_error_is_raised_on_a_singular_matrix(device):
    with pytest.raises(xg.linalg.LinAlgError, match="inv"):
        xg.linalg.inv(xg.zeros(2, 2, device=device))


# ---- autograd introspection -------------------------------------------------------------------
def test_next_functions_walk_the_graph():
    x = xg.tensor([1.0, 2.0], requires_grad=True)
    c = xg.tensor([3.0, 4.0])
    z = ((x * c) + 1.0).sum()
    (add, _), = z.grad_fn.next_functions
    (mul, _), = add.next_functions
    (acc, nr), (none, _) = mul.next_functions
    assert nr == 0 and acc.name() == "AccumulateGrad" and acc.variable is x and none is None
    assert acc.next_functions == () and z.grad_fn.name() == "Sum"


def test_retained_grad_sees_hooks_registered_after_it():
    # as torch >= 2.0: .grad of a retained tensor is the gradient after all its hooks
    x = xg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 3)
    (y ** 2).sum().backward()
    assert y.grad.tolist() == [12.0, 24.0] and x.grad.tolist() == [24.0, 48.0]


# ---- Tensor methods ----------------------------------------------------------------------------
def test_H_where_and_spellings(device):
    a = xg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], device=device)
    assert a.H.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert xg.tensor(3.0).H.item() == 3.0
    with pytest.raises(ValueError, match=r"H: .*\(2, 2, 2\).*mH"):
        xg.ones(2, 2, 2).H
    v = xg.tensor([1.0, -2.0], device=device)
    assert v.where(v > 0, 0.0).tolist() == [1.0, 0.0]
    assert v.where(v < 0, xg.tensor([9.0, 9.0], device=device)).tolist() == [9.0, -2.0]
    t, f = xg.tensor([True, False]), xg.tensor([True, True])
    assert t.logical_xor(f).tolist() == [False, True]
    assert xg.ones(2, 3).sum_to_size(1, 3).tolist() == [[2.0, 2.0, 2.0]]
    assert xg.ones(2, 3).sum_to_size(3).tolist() == [2.0, 2.0, 2.0]
    assert xg.ones(2, 3).sum_to_size((2, 1)).tolist() == [[3.0], [3.0]]
    assert [p.shape for p in xg.ones(2, 3).unsafe_chunk(2, 1)] == [(2, 2), (2, 1)]
    assert [p.shape for p in xg.ones(5).unsafe_split(2)] == [(2,), (2,), (1,)]
    assert [p.shape for p in xg.ones(5).unsafe_split_with_sizes([1, 4])] == [(1,), (4,)]
    assert xg.arange(6.0).narrow_copy(0, 1, 2).tolist() == [1.0, 2.0]
    assert xg.arange(6.0).as_strided((2, 2), (1, 2)).tolist() == [[0.0, 2.0], [1.0, 3.0]]
    assert xg.zeros(4).as_strided_scatter(xg.ones(2), (2,), (2,)).tolist() == [1.0, 0.0, 1.0, 0.0]


def test_where_method_differentiates():
    x = xg.tensor([1.0, -2.0, 3.0], dtype=xg.float64, requires_grad=True)
    x.where(x > 0, x * 2).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 1.0]


def test_linalg_method_spellings():
    A = xg.tensor([[4.0, 1.0], [2.0, 3.0]], dtype=xg.float64)
    b = xg.tensor([[1.0], [2.0]], dtype=xg.float64)
    LU, piv = A.lu()
    assert xg.allclose(b.lu_solve(LU, piv), xg.linalg.solve(A, b))
    U = xg.tensor([[2.0, 1.0], [0.0, 4.0]], dtype=xg.float64)
    X, _ = b.triangular_solve(U)
    assert X.tolist() == [[0.25], [0.5]]
    assert xg.allclose(xg.zeros(2, 2).matrix_exp(), xg.eye(2))
    q, tau = A.geqrf()
    assert xg.allclose(q.orgqr(tau).abs(), xg.linalg.qr(A)[0].abs())


def test_nonzero_static():
    x = xg.tensor([0, 1, 0, 2])
    assert x.nonzero_static(size=3).tolist() == [[1], [3], [-1]]
    assert x.nonzero_static(size=1, fill_value=-5).tolist() == [[1]]
    assert x.nonzero_static(size=2).dtype == xg.int64


def test_fill_diagonal_():
    x = xg.zeros(3, 3)
    assert x.fill_diagonal_(5.0) is x
    assert x.tolist() == [[5.0, 0.0, 0.0], [0.0, 5.0, 0.0], [0.0, 0.0, 5.0]]
    assert xg.zeros(5, 2).fill_diagonal_(1.0, wrap=True).tolist() == \
        [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    assert xg.zeros(5, 2).fill_diagonal_(1.0).tolist() == \
        [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
    assert xg.zeros(2, 3).fill_diagonal_(2.0).tolist() == [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    cube = xg.zeros(2, 2, 2).fill_diagonal_(1.0)
    assert cube.sum().item() == 2.0 and cube[1, 1, 1].item() == 1.0
    with pytest.raises(ValueError, match=r"fill_diagonal_.*\(2, 3, 2\)"):
        xg.zeros(2, 3, 2).fill_diagonal_(1.0)


def test_new_and_resize():
    x = xg.ones(2, 3, dtype=xg.float64)
    assert x.new(2).shape == (2,) and x.new(2).dtype == xg.float64
    assert x.new([1, 2]).tolist() == [1.0, 2.0] and x.new().shape == (0,)
    assert x.new(xg.Size([2, 2])).shape == (2, 2)
    assert x.new_empty_strided((2, 3), (3, 1)).shape == (2, 3)
    y = xg.arange(6.0)
    assert y.resize_(2, 2) is y and y.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    z = xg.arange(3.0).resize_(2, 3)
    assert z.shape == (2, 3) and z.reshape(-1)[:3].tolist() == [0.0, 1.0, 2.0]
    assert xg.arange(4.0).resize_as_(xg.ones(2, 2)).shape == (2, 2)
    with pytest.raises(RuntimeError, match="resize_.*requires grad"):
        xg.ones(2, requires_grad=True).resize_(4)


def test_bernoulli_method(seeded):
    assert xg.full((4,), 1.0).bernoulli().tolist() == [1.0] * 4
    assert xg.ones(3).bernoulli(0.0).tolist() == [0.0] * 3
    draws = xg.zeros(1000, dtype=xg.float64).bernoulli(0.25)
    assert draws.dtype == xg.float64 and 0.18 < draws.mean().item() < 0.32
    with pytest.raises(TypeError, match="bernoulli"):
        xg.tensor([1, 0]).bernoulli()


def test_map2_():
    x = xg.tensor([1.0, 2.0])
    x.map2_(xg.tensor([10.0, 20.0]), xg.tensor(3.0), lambda a, b, c: a + b * c)
    assert x.tolist() == [31.0, 62.0]


def test_layout_and_placement_queries():
    x = xg.ones(2, 3)
    assert x.storage_offset() == 0 and x.dim_order() == (0, 1) and x.output_nr == 0
    assert x.const_data_ptr() == x.data_ptr()
    assert x.pin_memory() is x and not x.is_pinned() and x.share_memory_() is x
    assert not x.is_shared()
    for flag in ("is_sparse", "is_sparse_csr", "is_quantized", "is_meta", "is_nested", "is_mps",
                 "is_xpu", "is_xla", "is_mkldnn"):
        assert getattr(x, flag) is False


def test_nn_method_spellings():
    x = xg.tensor([-1.0, 0.2, 0.7])
    assert x.hardshrink().tolist() == pytest.approx([-1.0, 0.0, 0.7])
    assert x.hardshrink(0.1).tolist() == pytest.approx([-1.0, 0.2, 0.7])
    assert x.prelu(xg.tensor([0.25])).tolist() == pytest.approx([-0.25, 0.2, 0.7])


# ---- igamma / igammac ---------------------------------------------------------------------------
A = [0.5, 2.0, 3.0, 2.5]
X = [0.5, 1.0, 2.0, 4.0]
P = [0.6826894921370859, 0.2642411176571153, 0.32332358381693654, 0.8437643724222779]


def test_igamma_values(device):
    a = xg.tensor(A, dtype=xg.float64, device=device)
    x = xg.tensor(X, dtype=xg.float64, device=device)
    assert xg.igamma(a, x).tolist() == pytest.approx(P, rel=1e-12)
    assert xg.igammac(a, x).tolist() == pytest.approx([1 - p for p in P], rel=1e-12)
    assert a.igamma(x).tolist() == pytest.approx(P, rel=1e-12)
    assert xg.special.gammainc(a, x).tolist() == pytest.approx(P, rel=1e-12)
    assert xg.special.gammaincc(a, x).tolist() == pytest.approx([1 - p for p in P], rel=1e-12)
    big = xg.igamma(xg.tensor([50.0, 500.0, 1e-3], dtype=xg.float64),
                    xg.tensor([60.0, 480.0, 2.0], dtype=xg.float64))
    assert big.tolist() == pytest.approx([0.9155933188030979, 0.186281973134904,
                                          0.999951023082169], rel=1e-8)


def test_igamma_edges_dtypes_and_in_place():
    a = xg.tensor([0.0, 0.5, -1.0, 5.0, 1.0, 3.0, 0.0])
    x = xg.tensor([1.0, 0.0, 1.0, math.inf, -1.0, 0.0, 0.0])
    got = xg.igamma(a, x).tolist()
    assert got[:2] == [1.0, 0.0] and math.isnan(got[2]) and got[3] == 1.0
    assert math.isnan(got[4]) and got[5] == 0.0 and math.isnan(got[6])
    assert xg.igammac(a, x).tolist()[:2] == [0.0, 1.0]
    assert xg.igamma(a, x).dtype == xg.float32
    assert xg.igamma(xg.tensor([2, 3]), xg.tensor([1.0, 2.0])).tolist() == \
        pytest.approx([0.2642411, 0.3233236], rel=1e-6)
    y = xg.tensor([2.0, 3.0])
    assert y.igammac_(xg.tensor([1.0, 2.0])) is y
    assert y.tolist() == pytest.approx([0.7357589, 0.6766764], rel=1e-6)


def test_igamma_gradients():
    a = xg.tensor(A, dtype=xg.float64)
    x = xg.tensor(X, dtype=xg.float64, requires_grad=True)
    assert xg.gradcheck(lambda t: xg.igamma(a, t), (x,))
    assert xg.gradcheck(lambda t: xg.igammac(a, t), (x,))
    assert xg.gradgradcheck(lambda t: xg.igamma(a, t), (x,))
    x1 = xg.tensor([1.5], requires_grad=True)
    xg.igamma(xg.tensor([2.0]), x1).backward()
    assert x1.grad.tolist() == pytest.approx([0.3346952], rel=1e-5)      # torch's value
    a_rg = xg.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="igamma: the derivative with respect to input"):
        xg.igamma(a_rg, xg.tensor([1.5])).backward()
