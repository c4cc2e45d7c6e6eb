"""The torch top-level names added for parity: aliases and queries, factories, splits and
``*_copy`` forms, in-place function forms, indexing helpers, gradient, windows, binomial,
histogramdd (autograd/ops/torch_more.py, torch_copies.py, torch_math_more.py), the
nn.functional aliases with torch's argument orders (torch_namespace.py, torch_nn_native.py)
and the runtime settings (torch_runtime.py). Hand-computed values first; comparisons with
PyTorch (values, dtypes, float64 gradients) where it is installed."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import backends

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


# ---- runtime settings ------------------------------------------------------------------------------
def test_printoptions():
    saved = np.get_printoptions()
    try:
        xg.set_printoptions(precision=2)
        assert "1.23" in repr(xg.tensor([1.23456])) and "1.2346" not in repr(xg.tensor([1.23456]))
        xg.set_printoptions(profile="default")
        assert xg.get_printoptions()["precision"] == 4
        xg.set_printoptions(sci_mode=True)
        assert "e+03" in repr(xg.tensor([2000.0]))
        with pytest.raises(ValueError, match="profile"):
            xg.set_printoptions(profile="tiny")
    finally:
        np.set_printoptions(**saved)


def test_threads_determinism_flags():
    before = xg.get_num_threads()
    assert before >= 1
    xg.set_num_threads(1)
    assert xg.get_num_threads() == 1
    xg.set_num_threads(before)
    xg.init_num_threads()
    xg.set_num_interop_threads(2)
    assert xg.get_num_interop_threads() == 2
    assert not xg.are_deterministic_algorithms_enabled()
    try:
        xg.use_deterministic_algorithms(True, warn_only=True)
        assert xg.are_deterministic_algorithms_enabled()
        assert xg.is_deterministic_algorithms_warn_only_enabled()
        assert xg.get_deterministic_debug_mode() == 1
        xg.set_deterministic_debug_mode("error")
        assert xg.get_deterministic_debug_mode() == 2
    finally:
        xg.use_deterministic_algorithms(False)
    assert xg.get_float32_matmul_precision() == "highest"
    try:
        xg.set_float32_matmul_precision("high")
        assert xg.get_float32_matmul_precision() == "high"
    finally:
        xg.set_float32_matmul_precision("highest")
    with pytest.raises(ValueError):
        xg.set_float32_matmul_precision("low")
    assert xg.set_flush_denormal(True) is False
    assert not xg.is_warn_always_enabled()


def test_default_device():
    assert xg.get_default_device() == "cpu"
    try:
        xg.set_default_device("strict:device1")
        assert xg.get_default_device() == "strict:device1"
        for t in (xg.zeros(2), xg.tensor([1.0]), xg.randn(2), xg.arange(3), xg.range(1, 2),
                  xg.hann_window(4)):
            assert t.device == "strict:device1"
    finally:
        xg.set_default_device(None)
    assert xg.zeros(1).device == "cpu" and backends.DEFAULT_DEVICE == "cpu"
    with pytest.raises(ValueError):
        xg.set_default_device("tpu")


def test_anomaly_and_inference_mode():
    assert not xg.is_anomaly_enabled() and xg.is_anomaly_check_nan_enabled()
    try:
        xg.set_anomaly_enabled(True)
        assert xg.is_anomaly_enabled()
    finally:
        xg.set_anomaly_enabled(False)
    assert not xg.is_inference_mode_enabled()
    with xg.inference_mode():
        assert xg.is_inference_mode_enabled() and not xg.is_grad_enabled()
        with xg.inference_mode(False):
            assert not xg.is_inference_mode_enabled() and xg.is_grad_enabled()
    with xg.no_grad():
        assert not xg.is_inference_mode_enabled()

    @xg.inference_mode
    def f():
        return xg.is_inference_mode_enabled(), (xg.ones(1, requires_grad=True) * 2).requires_grad
    assert f() == (True, False)
    assert not xg.is_inference_mode_enabled() and xg.is_grad_enabled()


def test_utilities_cond_while_dlpack():
    assert xg.typename(xg.zeros(1)) == "xpgrad.FloatTensor"
    assert xg.typename(xg.zeros(1, dtype=xg.int64)) == "xpgrad.LongTensor"
    assert xg.typename(3) == "int" and xg.typename(np.zeros(1)) == "numpy.ndarray"
    x = xg.tensor([1.0, 2.0])
    assert xg.cond(x.sum() > 0, lambda t: t + 1, lambda t: t - 1, (x,)).tolist() == [2.0, 3.0]
    assert xg.cond(False, lambda t: t + 1, lambda t: t - 1, [x]).tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="one-element"):
        xg.cond(x > 0, lambda t: t, lambda t: t, (x,))
    i, y = xg.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 2), (xg.tensor(0), x))
    assert i.item() == 3 and y.tolist() == [8.0, 16.0]
    host = np.arange(3.0)
    shared = xg.from_dlpack(host)
    host[0] = 9.0
    assert shared.tolist() == [9.0, 1.0, 2.0]
    source = xg.tensor([1.0, 2.0])
    back = np.from_dlpack(source)                              # the protocol on Tensor
    back[0] = 3.0
    assert source.tolist() == [3.0, 2.0]
    assert xg.to_dlpack(xg.tensor([1.0])) is not None
    buf = bytearray(np.array([1.5, -2.0], dtype=np.float32).tobytes())
    assert xg.frombuffer(buf, dtype=xg.float32).tolist() == [1.5, -2.0]
    assert xg.frombuffer(buf, dtype=xg.float32, count=1, offset=4).tolist() == [-2.0]
    assert xg.get_device(xg.zeros(1)) == -1
    assert xg.vmap(lambda v: v.sum())(xg.ones(3, 2)).tolist() == [2.0, 2.0, 2.0]


# ---- against PyTorch --------------------------------------------------------------------------------
def _compare(torch, fn, arrays, grad=True, tol=1e-9):
    xs = [_t(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ts = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    out_x, out_t = fn(xg, *xs), fn(torch, *ts)
    if isinstance(out_t, (tuple, list)):
        out_x, out_t = out_x[0], out_t[0]
    assert tuple(out_x.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(out_x.detach().numpy(), out_t.detach().numpy(), rtol=tol,
                               atol=tol)
    if grad and out_t.requires_grad:
        w = np.random.default_rng(5).standard_normal(tuple(out_t.shape))
        (out_x * _t(w)).sum().backward()
        (out_t * torch.tensor(w)).sum().backward()
        for x, t in zip(xs, ts):
            if t.grad is not None:
                np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def _r(*shape):
    return RNG.standard_normal(shape)


def _sign(n):
    return np.sign(RNG.standard_normal(n))


TORCH_CASES = [
    ("batch_norm", [_r(4, 3, 5), _r(3), _r(3)],
     lambda m, x, w, b: m.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, True)),
    ("instance_norm", [_r(2, 3, 5)],
     lambda m, x: m.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, True)),
    ("layer_norm", [_r(4, 5), _r(5)], lambda m, x, w: m.layer_norm(x, (5,), w)),
    ("group_norm", [_r(2, 4, 3)], lambda m, x: m.group_norm(x, 2)),
    ("embedding", [_r(6, 3)], lambda m, w: m.embedding(w, m.tensor([[0, 5], [2, 2]]))),
    ("celu", [_r(5)], lambda m, x: m.celu(x, 0.5)),
    ("selu", [_r(5)], lambda m, x: m.selu(x)),
    ("threshold", [_r(5)], lambda m, x: m.threshold(x, 0.1, -2.0)),
    ("kl_div", [_r(3, 4), np.abs(_r(3, 4))], lambda m, x, y: m.kl_div(x, y, 1)),
    ("kl_div_default", [_r(3, 4), _r(3, 4)], lambda m, x, y: m.kl_div(x, y, log_target=True)),
    ("margin_ranking", [_r(4), _r(4), _sign(4)],
     lambda m, a, b, y: m.margin_ranking_loss(a, b, y, 0.2)),
    ("triplet", [_r(4, 5), _r(4, 5), _r(4, 5)], lambda m, a, p, n: m.triplet_margin_loss(a, p, n)),
    ("triplet_mean", [_r(4, 5), _r(4, 5), _r(4, 5)],
     lambda m, a, p, n: m.triplet_margin_loss(a, p, n, 1.0, 2.0, 1e-6, True, 1)),
    ("hinge", [_r(4), _sign(4)], lambda m, x, y: m.hinge_embedding_loss(x, y, 1.0, 2)),
    ("cosine_embedding", [_r(4, 5), _r(4, 5), _sign(4)],
     lambda m, a, b, y: m.cosine_embedding_loss(a, b, y)),
    ("poisson_nll", [_r(5), np.abs(_r(5))],
     lambda m, x, y: m.poisson_nll_loss(x, y, True, True, 1e-8, 1)),
    ("bce_logits", [_r(4, 3), (RNG.random((4, 3)) > 0.5) * 1.0],
     lambda m, z, y: m.binary_cross_entropy_with_logits(
         z, y, None, m.tensor([0.5, 1.0, 2.0], dtype=z.dtype), 2)),
    ("constant_pad_nd", [_r(2, 3)], lambda m, x: m.constant_pad_nd(x, (1, 2, 0, 1), 3.0)),
    ("max_pool2d", [_r(1, 2, 4, 4)], lambda m, x: m.max_pool2d(x, 2)),
    ("max_pool1d_idx", [_r(1, 2, 6)], lambda m, x: m.max_pool1d_with_indices(x, 3, 2)),
    ("conv_tbc", [_r(5, 2, 3), _r(3, 3, 4), _r(4)], lambda m, x, w, b: m.conv_tbc(x, w, b, 1)),
    ("convolution_t", [_r(2, 3, 5), _r(3, 4, 3)],
     lambda m, x, w: m.convolution(x, w, None, [2], [1], [1], True, [1], 1)),
    ("gru_cell", [_r(2, 3), _r(2, 4), _r(12, 3), _r(12, 4), _r(12), _r(12)],
     lambda m, x, h, a, b, c, d: m.gru_cell(x, h, a, b, c, d)),
    ("lstm_cell", [_r(2, 3), _r(2, 4), _r(2, 4), _r(16, 3), _r(16, 4)],
     lambda m, x, h, c, a, b: m.lstm_cell(x, (h, c), a, b)[1]),
    ("grid_sampler", [_r(1, 2, 4, 4), RNG.uniform(-1, 1, (1, 3, 3, 2))],
     lambda m, x, g: m.grid_sampler(x, g, 0, 1, False)),
    ("native_layer_norm", [_r(3, 4)], lambda m, x: m.native_layer_norm(x, (4,), None, None,
                                                                        1e-5)[2]),
    ("native_group_norm", [_r(2, 4, 3)],
     lambda m, x: m.native_group_norm(x, None, None, 2, 4, 3, 2, 1e-5)[1]),
    ("gradient", [_r(5, 4)], lambda m, x: m.gradient(x, spacing=[2.0, 0.5], edge_order=2)[1]),
    ("put", [_r(3, 2), _r(2)], lambda m, x, s: m.put(x, m.tensor([5, 0]), s)),
    ("index_reduce", [_r(3, 2), _r(2, 2)],
     lambda m, x, s: m.index_reduce(x, 0, m.tensor([0, 2]), s, "prod")),
    ("as_strided", [_r(12)], lambda m, x: m.as_strided(x, (3, 3), (2, 1), 1)),
    ("fill", [_r(3), np.array(2.5)], lambda m, x, v: m.fill(x, v)),
    ("diagonal_copy", [_r(3, 4)], lambda m, x: m.diagonal_copy(x, 1)),
    ("slice_copy", [_r(5, 4)], lambda m, x: m.slice_copy(x, 0, 1, 4, 2)),
    ("angle", [np.array([-1.5, 2.0, 0.0])], lambda m, x: m.angle(x)),
]


@pytest.mark.parametrize("name,arrays,fn", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_against_torch(name, arrays, fn):
    torch = pytest.importorskip("torch")
    _compare(torch, fn, arrays)


def test_windows_histogram_against_torch():
    torch = pytest.importorskip("torch")
    for name in ("bartlett_window", "blackman_window", "hamming_window", "hann_window",
                 "kaiser_window"):
        for length in (0, 1, 2, 5, 8):
            for periodic in (True, False):
                mine = getattr(xg, name)(length, periodic)
                ref = getattr(torch, name)(length, periodic)
                assert mine.dtype == xg.float32 and tuple(mine.shape) == tuple(ref.shape)
                np.testing.assert_allclose(mine.numpy(), ref.numpy(), atol=1e-6)
    np.testing.assert_allclose(xg.kaiser_window(7, False, 5.0, dtype=xg.float64).numpy(),
                               torch.kaiser_window(7, False, 5.0, dtype=torch.float64).numpy())
    pts = RNG.standard_normal((60, 3))
    for kwargs in ({"bins": [3, 4, 2]}, {"bins": 3, "density": True},
                   {"bins": 2, "range": [-1.0, 1.0, -2.0, 2.0, 0.0, 1.0]}):
        mine = xg.histogramdd(_t(pts), **kwargs)
        ref = torch.histogramdd(torch.tensor(pts), **kwargs)
        np.testing.assert_allclose(mine[0].numpy(), ref[0].numpy(), atol=1e-12)
        for e, r in zip(mine[1], ref[1]):
            np.testing.assert_allclose(e.numpy(), r.numpy(), atol=1e-12)


def test_factories_and_queries_against_torch():
    torch = pytest.importorskip("torch")
    for args in ((1, 4), (0, 1, 0.3), (5, 1, -1.5)):
        np.testing.assert_allclose(xg.range(*args).numpy(), torch.range(*args).numpy(),
                                   atol=1e-6)
    assert str(torch.scalar_tensor(3).dtype).endswith(str(xg.scalar_tensor(3).dtype))
    x = torch.tensor([[0, 1], [2, 0]])
    assert xg.nonzero_static(xg.tensor([[0, 1], [2, 0]]), size=4).tolist() == \
        torch.nonzero_static(x, size=4).tolist()
    for dtype in ("float32", "int64", "uint8", "bool"):
        assert xg.is_signed(xg.zeros(1, dtype=dtype)) == \
            torch.is_signed(torch.zeros(1, dtype=getattr(torch, dtype)))
    assert xg.typename(xg.zeros(1)).split(".")[1] == torch.typename(torch.zeros(1)).split(".")[1]
    w, idx, off = RNG.standard_normal((6, 3)), np.array([0, 2, 1, 4, 3]), np.array([0, 2])
    for mode in (1, 2):
        mine = xg.embedding_bag(_t(w), xg.tensor(idx), xg.tensor(off), False, mode)
        ref = torch.embedding_bag(torch.tensor(w), torch.tensor(idx), torch.tensor(off), False,
                                  mode)
        for m, r in zip(mine, ref):
            np.testing.assert_allclose(m.numpy(), r.numpy(), atol=1e-12)
    assert xg.from_dlpack(torch.arange(3.0)).tolist() == [0.0, 1.0, 2.0]
    assert torch.from_dlpack(xg.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert torch.from_dlpack(xg.to_dlpack(xg.tensor([3.0]))).tolist() == [3.0]
