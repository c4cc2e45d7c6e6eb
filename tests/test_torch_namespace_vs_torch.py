"""The torch top-level names added for parity (see test_torch_namespace.py), against
PyTorch where it is installed: values, dtypes and float64 gradients of the nn aliases with
torch's argument orders and of the new ops, the windows and histograms, factories and
queries."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg

RNG = np.random.default_rng(11)


def _t(a, device="cpu", requires_grad=False, dtype=np.float64):
    return xg.tensor(np.asarray(a, dtype=dtype), device=device, requires_grad=requires_grad)


def _close(a, b, tol=1e-10):
    a = a.numpy() if isinstance(a, xg.Tensor) else np.asarray(a)
    np.testing.assert_allclose(a, np.asarray(b, dtype=float), rtol=tol, atol=tol)



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
