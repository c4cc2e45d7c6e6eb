"""The torch top-level names added for parity: aliases and queries, factories, splits and
``*_copy`` forms, in-place function forms, indexing helpers, gradient, windows, binomial,
histogramdd (autograd/ops/torch_more.py, torch_copies.py, torch_math_more.py), the
nn.functional aliases with torch's argument orders (torch_namespace.py, torch_nn_native.py).
Hand-computed values here; the runtime settings are in test_torch_runtime.py and the
comparisons with PyTorch in test_torch_namespace_vs_torch.py."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg

RNG = np.random.default_rng(11)


def _t(a, device="cpu", requires_grad=False, dtype=np.float64):
    return xg.tensor(np.asarray(a, dtype=dtype), device=device, requires_grad=requires_grad)


def _close(a, b, tol=1e-10):
    a = a.numpy() if isinstance(a, xg.Tensor) else np.asarray(a)
    np.testing.assert_allclose(a, np.asarray(b, dtype=float), rtol=tol, atol=tol)


NEW_NAMES = """
conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d avg_pool1d max_pool1d
max_pool2d max_pool3d max_pool1d_with_indices adaptive_avg_pool1d adaptive_max_pool1d batch_norm
layer_norm group_norm instance_norm rms_norm dropout alpha_dropout feature_alpha_dropout embedding
embedding_bag bilinear celu selu threshold hardshrink prelu rrelu pixel_shuffle pixel_unshuffle
channel_shuffle pairwise_distance cosine_similarity pdist kl_div margin_ranking_loss
triplet_margin_loss hinge_embedding_loss cosine_embedding_loss poisson_nll_loss ctc_loss
binary_cross_entropy_with_logits constant_pad_nd detach fill zero_ greater greater_equal less
less_equal not_equal multiply subtract negative positive is_complex is_signed is_nonzero
is_same_size scalar_tensor range row_stack asarray split_with_sizes unsafe_split unsafe_chunk
view_copy permute_copy expand_copy transpose_copy t_copy squeeze_copy unsqueeze_copy
diagonal_copy select_copy slice_copy unbind_copy split_copy narrow_copy alias_copy detach_copy
abs_ exp_ sigmoid_ relu_ clamp_ sin_ gradient binomial bartlett_window blackman_window
hamming_window hann_window kaiser_window histogramdd matrix_exp matrix_rank nuclear_norm
frobenius_norm lu lu_unpack lu_solve triangular_solve svd_lowrank pca_lowrank vmap
set_printoptions get_num_threads set_num_threads use_deterministic_algorithms
are_deterministic_algorithms_enabled get_default_device set_default_device is_anomaly_enabled
set_anomaly_enabled is_inference_mode_enabled typename empty_strided index_put_ put cond
while_loop geqrf orgqr ormqr convolution conv_tbc gru_cell lstm_cell native_layer_norm
native_batch_norm native_dropout from_dlpack to_dlpack frombuffer as_strided
""".split()


NEW_MODULES = {"torch_more", "torch_copies", "torch_math_more", "linalg_lu", "linalg_more",
               "linalg_householder", "torch_namespace", "torch_nn_native", "torch_runtime"}


def test_every_new_name_is_callable_and_documented():
    for name in NEW_NAMES:
        fn = getattr(xg, name)
        assert callable(fn), name
        assert fn.__doc__, name
        if fn.__module__.split(".")[-1] in NEW_MODULES:           # not F's own functions
            assert ">>>" in fn.__doc__, name


# ---- aliases, queries, factories ---------------------------------------------------------------
def test_aliases_and_queries(device):
    a, b = _t([1.0, 2.0, 3.0], device), _t([2.0, 2.0, 2.0], device)
    assert xg.greater(a, b).tolist() == [False, False, True]
    assert xg.greater_equal(a, b).tolist() == [False, True, True]
    assert xg.less(a, b).tolist() == [True, False, False]
    assert xg.less_equal(a, b).tolist() == [True, True, False]
    assert xg.not_equal(a, b).tolist() == [True, False, True]
    _close(xg.multiply(a, b), [2.0, 4.0, 6.0])
    _close(xg.subtract(a, b, alpha=2), [-3.0, -2.0, -1.0])
    _close(xg.negative(a), [-1.0, -2.0, -3.0])
    assert xg.positive(a) is a
    with pytest.raises(TypeError, match="bool"):
        xg.positive(a > 1)
    _close(xg.row_stack([a, b]), [[1, 2, 3], [2, 2, 2]])
    assert not xg.is_complex(a) and not xg.is_conj(a) and not xg.is_neg(a)
    assert xg.is_signed(a) and xg.is_signed(a.long()) and not xg.is_signed(a > 0)
    assert not xg.is_signed(a.astype(xg.uint8))
    assert xg.is_nonzero(_t([1.5], device)) and not xg.is_nonzero(_t(0.0, device))
    with pytest.raises(RuntimeError, match="3 elements"):
        xg.is_nonzero(a)
    assert xg.is_same_size(a, b) and not xg.is_same_size(a, b[:2])
    assert not xg.is_inference(a)
    _close(xg.conj_physical(a), a.numpy())


def test_factories(device):
    r = xg.range(1, 4, device=device)
    assert r.tolist() == [1.0, 2.0, 3.0, 4.0] and r.dtype == xg.float32
    _close(xg.range(0, 1, 0.3), [0.0, 0.3, 0.6, 0.9], 1e-6)
    assert xg.range(1, 4, dtype=xg.int64).tolist() == [1, 2, 3, 4]
    assert xg.range(3, 1, -1).tolist() == [3.0, 2.0, 1.0]
    with pytest.raises(ValueError, match="step"):
        xg.range(1, 4, -1)
    s = xg.scalar_tensor(3, device=device)
    assert s.shape == () and s.dtype == xg.float32 and s.item() == 3.0
    assert xg.scalar_tensor(3, dtype=xg.int64).dtype == xg.int64
    assert xg.empty_strided((2, 3), (3, 1), device=device).shape == (2, 3)
    assert xg.empty_permuted((2, 3), (1, 0)).shape == (2, 3)
    with pytest.raises(ValueError, match="same length"):
        xg.empty_strided((2, 3), (1,))
    x = _t([1.0, 2.0], device)
    assert xg.asarray(x) is x
    assert xg.asarray(x, copy=True) is not x
    assert xg.asarray(x, dtype=xg.float32).dtype == xg.float32
    host = np.array([1.0, 2.0])
    shared = xg.asarray(host)
    host[0] = 5.0
    assert shared.tolist() == [5.0, 2.0]                   # no copy on the CPU
    assert xg.asarray([1, 2], device=device).dtype == xg.int64


def test_fill_detach_and_inplace_forms(device):
    x = _t([1.0, 2.0], device, requires_grad=True)
    v = _t(3.0, device, requires_grad=True)
    y = xg.fill(x, v)
    assert y.tolist() == [3.0, 3.0]
    y.sum().backward()
    assert v.grad.item() == 2.0
    assert not xg.detach(x * 2).requires_grad
    z = _t([-1.0, 0.25], device)
    assert xg.abs_(z) is z and z.tolist() == [1.0, 0.25]
    xg.sqrt_(z)
    assert z.tolist() == [1.0, 0.5]
    xg.clamp_(z, 0.6, None)
    assert z.tolist() == [1.0, 0.6]
    xg.negative_(z)
    _close(z, [-1.0, -0.6])
    xg.zero_(z)
    assert z.tolist() == [0.0, 0.0]
    xg.fill_(z, 2.0)
    xg.exp_(z)
    _close(z, [math.exp(2.0)] * 2)
    w = _t([0.0, 0.0], device)
    xg.index_put_(w, (xg.tensor([1], device=device),), _t([4.0], device))
    assert w.tolist() == [0.0, 4.0]
    with pytest.raises(RuntimeError):
        xg.sin_(x)                                     # a leaf that requires grad


def test_splits_and_copies(device):
    x = _t(np.arange(12.0).reshape(3, 4), device)
    a, b = xg.split_with_sizes(x, [1, 3], 1)
    assert a.shape == (3, 1) and b.shape == (3, 3)
    assert [t.shape for t in x.split_with_sizes([2, 1])] == [(2, 4), (1, 4)]
    with pytest.raises(ValueError, match="add up"):
        xg.split_with_sizes(x, [1, 1], 1)
    assert len(xg.unsafe_split(x, 2, 1)) == 2 and len(xg.unsafe_chunk(x, 3)) == 3
    assert len(xg.unsafe_split_with_sizes(x, [2, 1])) == 2
    _close(xg.view_copy(x, (4, 3)), np.arange(12.0).reshape(4, 3))
    _close(xg.permute_copy(x, (1, 0)), np.arange(12.0).reshape(3, 4).T)
    _close(xg.transpose_copy(x, 0, 1), np.arange(12.0).reshape(3, 4).T)
    _close(xg.t_copy(x), np.arange(12.0).reshape(3, 4).T)
    assert xg.expand_copy(x[:1], (2, 4)).shape == (2, 4)
    assert xg.squeeze_copy(x[:1]).shape == (4,) and xg.unsqueeze_copy(x, 0).shape == (1, 3, 4)
    _close(xg.diagonal_copy(x), [0.0, 5.0, 10.0])
    _close(xg.select_copy(x, 1, 2), [2.0, 6.0, 10.0])
    _close(xg.slice_copy(x, 1, 1, None, 2), [[1, 3], [5, 7], [9, 11]])
    _close(xg.narrow_copy(x, 0, 1, 2), np.arange(4.0, 12.0).reshape(2, 4))
    assert len(xg.unbind_copy(x)) == 3 and len(xg.split_copy(x, 2)) == 2
    assert [t.shape[0] for t in xg.split_with_sizes_copy(x, [1, 2])] == [1, 2]
    _close(xg.unfold_copy(xg.arange(5.0, device=device), 0, 2, 2), [[0, 1], [2, 3]])
    c = xg.alias_copy(x)
    c[0, 0] = 100.0
    assert x[0, 0].item() == 0.0                           # a real copy
    assert not xg.detach_copy(_t([1.0], requires_grad=True)).requires_grad
    g = _t(np.arange(6.0).reshape(2, 3), requires_grad=True)
    xg.transpose_copy(g, 0, 1).sum().backward()
    _close(g.grad, np.ones((2, 3)))


def test_put_index_reduce_strided_nonzero(device):
    x = _t(np.zeros((2, 2)), device)
    _close(xg.put(x, xg.tensor([3, -4], device=device), _t([1.0, 2.0], device)),
           [[2.0, 0.0], [0.0, 1.0]])
    _close(xg.put(x, xg.tensor([1, 1], device=device), _t([1.0, 2.0], device), True),
           [[0.0, 3.0], [0.0, 0.0]])
    y = _t(np.ones((2, 2)), device)
    y.put_(xg.tensor([0], device=device), _t([7.0], device))
    assert y.tolist() == [[7.0, 1.0], [1.0, 1.0]]
    base = _t([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], device)
    src = _t([[10.0, 0.0], [2.0, 8.0]], device)
    idx = xg.tensor([0, 0], device=device)
    _close(xg.index_reduce(base, 0, idx, src, "amax"), [[10, 8], [3, 4], [5, 6]])
    _close(xg.index_reduce(base, 0, idx, src, "prod", include_self=False),
           [[20, 0], [3, 4], [5, 6]])
    _close(base.index_reduce(0, idx, src, "mean"), [[13 / 3, 10 / 3], [3, 4], [5, 6]])
    with pytest.raises(ValueError, match="reduce"):
        xg.index_reduce(base, 0, idx, src, "sum")
    _close(xg.as_strided(xg.arange(6.0, device=device), (2, 2), (1, 2)), [[0, 2], [1, 3]])
    _close(xg.as_strided(xg.arange(6.0, device=device), (2,), (2,), 1), [1, 3])
    _close(xg.as_strided_scatter(xg.zeros(4, device=device), xg.ones(2, device=device), (2,),
                                 (2,)), [1, 0, 1, 0])
    with pytest.raises(ValueError, match="beyond"):
        xg.as_strided(xg.arange(4.0), (3,), (2,))
    g = _t(np.arange(4.0), requires_grad=True)
    xg.as_strided(g, (2, 2), (1, 1)).sum().backward()     # overlapping windows add up
    _close(g.grad, [1, 2, 1, 0])
    nz = xg.nonzero_static(xg.tensor([0, 3, 5], device=device), size=3)
    assert nz.tolist() == [[1], [2], [-1]]
    assert xg.nonzero_static(xg.tensor([[1, 1]]), size=1, fill_value=9).tolist() == [[0, 0]]
    v = _t([[3.0, 4.0], [0.0, 0.0]], device)
    _close(xg.norm_except_dim(v, 2, 0), [[5.0], [0.0]])
    _close(xg.norm_except_dim(v, 2, -1), 5.0)
    a = xg.angle(_t([-2.0, 3.0, 0.0, float("nan")], device))
    _close(a.numpy()[:3], [math.pi, 0.0, 0.0])
    assert math.isnan(a.numpy()[3])


# ---- gradient, windows, sampling, histograms -------------------------------------------------------
def test_gradient_hand_values(device):
    f = _t([1.0, 4.0, 9.0, 16.0], device)
    _close(xg.gradient(f)[0], [3.0, 4.0, 6.0, 7.0])
    _close(xg.gradient(f, spacing=2.0)[0], [1.5, 2.0, 3.0, 3.5])
    _close(xg.gradient(f, edge_order=2)[0], [2.0, 4.0, 6.0, 8.0])       # exact for x^2
    x = _t([0.0, 1.0, 3.0, 4.0], device)
    _close(xg.gradient(x * x, spacing=(x,), edge_order=2)[0], [0.0, 2.0, 6.0, 8.0])
    g0, g1 = xg.gradient(_t([[1.0, 2.0, 4.0], [2.0, 5.0, 10.0]], device))
    _close(g0, [[1.0, 3.0, 6.0]] * 2)
    _close(g1, [[1.0, 1.5, 2.0], [3.0, 4.0, 5.0]])
    t = _t(RNG.standard_normal((4, 3)), requires_grad=True)
    assert xg.gradcheck(lambda u: xg.gradient(u, spacing=[0.5, 2.0], edge_order=2), (t,))
    with pytest.raises(ValueError, match="edge_order"):
        xg.gradient(f, edge_order=3)


def test_windows_hand_values(device):
    _close(xg.hann_window(4, device=device), [0.0, 0.5, 1.0, 0.5], 1e-7)
    _close(xg.hann_window(5, periodic=False), [0.0, 0.5, 1.0, 0.5, 0.0], 1e-7)
    _close(xg.bartlett_window(5, periodic=False), [0.0, 0.5, 1.0, 0.5, 0.0], 1e-7)
    _close(xg.hamming_window(3, periodic=False), [0.08, 1.0, 0.08], 1e-6)
    _close(xg.blackman_window(3, periodic=False), [0.0, 1.0, 0.0], 1e-6)
    k = xg.kaiser_window(3, periodic=False, beta=2.0, dtype=xg.float64)
    i0 = lambda z: sum((z / 2) ** (2 * m) / math.factorial(m) ** 2 for m in range(30))  # noqa
    _close(k, [1 / i0(2.0), 1.0, 1 / i0(2.0)], 1e-12)
    assert xg.hann_window(0).shape == (0,) and xg.hann_window(1).tolist() == [1.0]
    w = xg.hann_window(8, requires_grad=True, dtype=xg.float64)
    assert w.requires_grad and w.is_leaf and w.dtype == xg.float64


def test_binomial_statistics_and_edges(seeded):
    s = xg.binomial(xg.full((20000,), 10.0), xg.full((20000,), 0.3))
    assert s.dtype == xg.float32
    assert abs(s.mean().item() - 3.0) < 0.05 and abs(s.var().item() - 2.1) < 0.1
    assert s.min().item() >= 0 and s.max().item() <= 10
    assert (s == s.round()).all().item()
    _close(xg.binomial(_t([0.0, 5.0, 7.0]), _t([0.5, 0.0, 1.0])), [0.0, 0.0, 7.0])
    with pytest.raises(ValueError, match="integers"):
        xg.binomial(_t([1.5]), _t([0.5]))


def test_histogramdd_hand_values():
    pts = _t([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.2, 0.9]])
    hist, edges = xg.histogramdd(pts, bins=[2, 2])
    _close(hist, [[1.0, 1.0], [1.0, 1.0]])
    _close(edges[0], [0.0, 0.5, 1.0])
    hist, _ = xg.histogramdd(pts, bins=2, range=[0.0, 2.0, 0.0, 2.0], weight=_t([1, 2, 3, 4]))
    _close(hist, [[5.0, 0.0], [3.0, 2.0]])          # edges [0, 1, 2]: 1 opens the second bin
    hist, _ = xg.histogramdd(pts, bins=[_t([0.0, 1.0]), _t([0.0, 0.5, 1.0])], density=True)
    _close(hist, [[1.0, 1.0]])                               # 2 per half-width cell / 4 / 0.5
    with pytest.raises(ValueError, match="range"):
        xg.histogramdd(pts, bins=2, range=[0.0, 1.0])


# ---- nn aliases with torch's argument orders ----------------------------------------------------
def test_nn_aliases_argument_orders(device):
    x = _t(RNG.standard_normal((4, 3)), device)
    w, b = _t([1.0, 2.0, 3.0], device), _t([0.0, 1.0, -1.0], device)
    rm, rv = xg.zeros(3, dtype=xg.float64, device=device), xg.ones(3, dtype=xg.float64,
                                                                  device=device)
    out = xg.batch_norm(x, w, b, rm, rv, False, 0.1, 1e-5, True)     # weight before stats
    _close(out, x.numpy() / math.sqrt(1 + 1e-5) * w.numpy() + b.numpy())
    ln = xg.layer_norm(x, (3,))
    _close(ln.mean(-1), np.zeros(4), 1e-12)
    table = _t(np.arange(6.0).reshape(3, 2), device)
    _close(xg.embedding(table, xg.tensor([2, 0], device=device)), [[4, 5], [0, 1]])
    assert xg.dropout(x, 0.5, False) is x and xg.alpha_dropout(x, 0.5, False) is x
    xg.manual_seed(0)
    d = xg.dropout(xg.ones(1000, device=device), 0.5, True).numpy()
    assert set(np.unique(d)) <= {0.0, 2.0}
    fd = xg.feature_dropout(xg.ones(2, 50, 3, device=device), 0.5, True).numpy()
    assert (fd == fd[..., :1]).all()                         # whole channels
    _close(xg.threshold(_t([0.0, 1.0, 2.0], device), 1.0, -5.0), [-5.0, -5.0, 2.0])
    _close(xg.constant_pad_nd(_t([[1.0]], device), (1, 0), 7.0), [[7.0, 1.0]])
    a, p = _t([1.0, 2.0], device), _t([2.0, 2.0], device)
    y = _t([1.0, -1.0], device)
    _close(xg.margin_ranking_loss(a, p, y), [1.0, 0.0])      # torch's default: no reduction
    _close(xg.margin_ranking_loss(a, p, y, 0.0, 1), 0.5)
    _close(xg.margin_ranking_loss(a, p, y, 0.0, "sum"), 1.0)
    with pytest.raises(ValueError, match="reduction"):
        xg.hinge_embedding_loss(a, y, 1.0, 3)
    _close(xg.kl_div(_t([0.0, 0.0], device), _t([1.0, 1.0], device), 2), 0.0)
    assert xg.max_pool1d(_t([[[1.0, 3.0, 2.0, 0.0]]], device), 2).tolist() == [[[3.0, 2.0]]]
    vals, idx = xg.max_pool1d_with_indices(_t([[[1.0, 3.0, 2.0, 0.0]]], device), 2)
    assert idx.tolist() == [[[1, 2]]]
    vals, idx = xg.adaptive_max_pool1d(_t([[[1.0, 3.0, 2.0, 0.0]]], device), 1)
    assert vals.tolist() == [[[3.0]]] and idx.tolist() == [[[1]]]


def test_nn_inplace_and_native(device):
    z = _t([-1.0, 2.0], device)
    assert xg.selu_(z) is z and z.numpy()[1] == pytest.approx(2.0 * 1.0507009873554805)
    z = _t([-1.0, 2.0], device)
    xg.celu_(z, 2.0)
    _close(z, [2.0 * (math.exp(-0.5) - 1.0), 2.0])
    z = _t([0.5, 2.0], device)
    xg.threshold_(z, 1.0, 0.0)
    assert z.tolist() == [0.0, 2.0]
    z = _t([1.0, 1.0], device)
    xg.dropout_(z, 0.5, False)
    assert z.tolist() == [1.0, 1.0]
    x = _t(RNG.standard_normal((4, 3, 2)), device)
    out, mean, rstd = xg.native_layer_norm(x, (2,), None, None, 1e-5)
    assert mean.shape == (4, 3, 1) and rstd.shape == (4, 3, 1)
    _close(out, ((x - mean) * rstd).numpy())
    out, m, s = xg.native_batch_norm(x, None, None, None, None, True, 0.1, 1e-5)
    _close(m, x.numpy().mean((0, 2)))
    out, m, s = xg.native_batch_norm(x, None, None, xg.zeros(3, dtype=xg.float64, device=device),
                                     xg.ones(3, dtype=xg.float64, device=device), False, 0.1,
                                     1e-5)
    assert m.shape == (0,) and s.shape == (0,)
    out, mask = xg.native_dropout(x, 0.5, False)
    assert mask.dtype == xg.bool and mask.all().item()
    w = _t([[1.0, 2.0], [3.0, 4.0], [5.0, 0.0]], device)
    output, offset2bag, bag_size, max_idx = xg.embedding_bag(
        w, xg.tensor([0, 1, 2], device=device), xg.tensor([0, 1], device=device), False, 2)
    _close(output, [[1.0, 2.0], [5.0, 4.0]])
    assert offset2bag.tolist() == [0, 1, 1] and bag_size.tolist() == [1, 2]
    assert max_idx.tolist() == [[0, 0], [2, 1]]


def test_rnn_cells_and_convolution_hand_values():
    x, h = _t([[1.0]]), _t([[0.5]])
    one, zero = _t([[1.0]]), _t([[0.0]])
    _close(xg.rnn_tanh_cell(x, h, one, one), [[math.tanh(1.5)]])
    _close(xg.rnn_relu_cell(x, h, -one, one), [[0.0]])
    w3 = _t([[0.0], [0.0], [1.0]])                              # r = z = 1/2, n = tanh(1 + h/2)
    _close(xg.gru_cell(x, h, w3, _t([[0.0], [0.0], [1.0]])),
           [[0.5 * math.tanh(1.25) + 0.25]])
    hn, cn = xg.lstm_cell(x, (h, h), _t(np.zeros((4, 1))), _t(np.zeros((4, 1))))
    _close(cn, [[0.25]])                                       # f c + i g = 0.5 * 0.5 + 0
    _close(hn, [[0.5 * math.tanh(0.25)]])
    inp = _t(np.arange(4.0).reshape(1, 1, 4))
    _close(xg.convolution(inp, _t([[[1.0, 1.0]]]), None, [1], [0], [1], False, [0], 1),
           [[[1.0, 3.0, 5.0]]])
    tbc = xg.conv_tbc(_t(np.arange(3.0).reshape(3, 1, 1)), _t(np.ones((2, 1, 1))), _t([0.5]), 0)
    _close(tbc, [[[1.5]], [[3.5]]])
    assert zero.shape == (1, 1)
