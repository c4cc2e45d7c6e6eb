"""nn/more_layers.py and nn/functional_more.py against PyTorch: Softmax2d, gumbel_softmax
(statistics; hard is one-hot with the soft gradient), the in-place activations (values, the
recorded in-place gradient, refusals), TripletMarginWithDistanceLoss, MultiLabelMarginLoss,
NLLLoss2d, EmbeddingBag (modes, layouts, weights, padding, max_norm, from_pretrained) and the
lazy modules (class change, init as the eager class, state_dict, devices)."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(3)


def _pair(array, requires_grad=True, device="cpu"):
    return (torch.tensor(array, requires_grad=requires_grad),
            xg.tensor(array, requires_grad=requires_grad, device=device))


def _close(ours, theirs, tol=1e-10):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=tol, atol=tol)


# ---- Softmax2d, gumbel_softmax ---------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 4, 5)])
def test_softmax2d(shape):
    t, x = _pair(RNG.standard_normal(shape))
    _close(nn.Softmax2d()(x), torch.nn.Softmax2d()(t))
    assert repr(nn.Softmax2d()) == "Softmax2d()"
    with pytest.raises(ValueError, match="3D or 4D, got 2D"):
        nn.Softmax2d()(xg.zeros(3, 4))


def test_gumbel_softmax_statistics():
    xg.manual_seed(0)
    logits = xg.tensor(np.log([[0.1, 0.2, 0.7]] * 4000))
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).numpy(), 1.0, rtol=1e-12)
    assert (soft.numpy() > 0).all()
    hard = F.gumbel_softmax(logits, hard=True)
    h = hard.numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and (h.sum(-1) == 1).all()
    # the argmax of logits + Gumbel noise is a sample of softmax(logits)
    np.testing.assert_allclose(h.mean(0), [0.1, 0.2, 0.7], atol=0.03)
    xg.manual_seed(1)
    a = F.gumbel_softmax(logits[:5], dim=0).numpy()
    xg.manual_seed(1)
    np.testing.assert_array_equal(F.gumbel_softmax(logits[:5], dim=0).numpy(), a)
    np.testing.assert_allclose(a.sum(0), 1.0, rtol=1e-12)


def test_gumbel_softmax_hard_has_the_soft_gradient():
    x = xg.tensor(RNG.standard_normal((6, 5)), requires_grad=True)
    w = xg.tensor(RNG.standard_normal((6, 5)))
    xg.manual_seed(5)
    (F.gumbel_softmax(x, tau=0.7, hard=True) * w).sum().backward()
    hard_grad = x.grad.numpy()
    x.grad = None
    xg.manual_seed(5)
    (F.gumbel_softmax(x, tau=0.7) * w).sum().backward()
    np.testing.assert_allclose(hard_grad, x.grad.numpy(), rtol=1e-12)
    assert np.abs(hard_grad).sum() > 0


# ---- in-place activations --------------------------------------------------------------------
INPLACE = [("relu_", (), ()), ("elu_", (0.5,), (0.5,)), ("leaky_relu_", (0.2,), (0.2,)),
           ("selu_", (), ()), ("celu_", (0.5,), (0.5,)), ("hardtanh_", (-0.5, 0.8), (-0.5, 0.8)),
           ("threshold_", (0.1, 20.0), (0.1, 20.0)), ("rrelu_", (0.1, 0.3), (0.1, 0.3))]


@pytest.mark.parametrize("name,args,targs", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_activation(name, args, targs):
    data = RNG.standard_normal((4, 5))
    t, x = _pair(data, requires_grad=False)
    alias = x
    out = getattr(F, name)(x, *args)
    getattr(TF, name)(t, *targs)
    assert out is x and alias is x
    _close(x, t)
    # on a tensor of a graph: recorded, the gradient flows through the write
    t0, x0 = _pair(data)
    th, xh = t0 * 2.0, x0 * 2.0
    getattr(TF, name)(th, *targs)
    getattr(F, name)(xh, *args)
    th.sum().backward()
    xh.sum().backward()
    _close(x0.grad, t0.grad)
    with pytest.raises(RuntimeError, match="requires grad"):
        getattr(F, name)(xg.tensor(data, requires_grad=True), *args)


def test_rrelu_inplace_training_draws():
    x = xg.tensor(-np.ones(1000))
    F.rrelu_(x, 0.1, 0.3, training=True)
    v = -x.numpy()
    assert 0.1 <= v.min() and v.max() < 0.3 and v.std() > 0.03


# ---- TripletMarginWithDistanceLoss, MultiLabelMarginLoss, NLLLoss2d -------------------------
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("distance", ["default", "cosine", "module"])
def test_triplet_margin_with_distance(reduction, swap, distance):
    arrays = [RNG.standard_normal((5, 4)) for _ in range(3)]
    pairs = [_pair(a) for a in arrays]
    fns = {"default": (None, None),
           "cosine": (lambda a, b: 1.0 - TF.cosine_similarity(a, b),
                      lambda a, b: 1.0 - F.cosine_similarity(a, b)),
           "module": (torch.nn.PairwiseDistance(p=1), nn.PairwiseDistance(p=1))}[distance]
    want = torch.nn.TripletMarginWithDistanceLoss(distance_function=fns[0], margin=1.5,
                                                  swap=swap, reduction=reduction)(
        *[p[0] for p in pairs])
    got = F.triplet_margin_with_distance_loss(*[p[1] for p in pairs], distance_function=fns[1],
                                              margin=1.5, swap=swap, reduction=reduction)
    _close(got, want)
    want.sum().backward()
    got.sum().backward()
    for t, x in pairs:
        _close(x.grad, t.grad)


def test_triplet_margin_with_distance_module_and_errors():
    loss = nn.TripletMarginWithDistanceLoss()
    assert repr(loss) == repr(torch.nn.TripletMarginWithDistanceLoss())
    assert not loss.state_dict()
    a = xg.randn(3, 4)
    np.testing.assert_allclose(loss(a, a, a).item(), 1.0)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.TripletMarginWithDistanceLoss(margin=0.0)
    with pytest.raises(ValueError, match="greater than 0"):
        F.triplet_margin_with_distance_loss(a, a, a, margin=-1.0)
    with pytest.raises(RuntimeError, match="anchor 2D, positive 1D, and negative 2D"):
        F.triplet_margin_with_distance_loss(a, a[0], a)
    with pytest.raises(TypeError):
        F.triplet_margin_with_distance_loss(a, a, a, None)       # keyword-only, as torch


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_multilabel_margin_loss(reduction):
    data = RNG.standard_normal((4, 5))
    target = np.array([[3, 0, -1, 1, 2], [1, 1, 4, -1, -1], [0, 1, 2, 3, 4], [-1, 2, 3, 0, 0]])
    t, x = _pair(data)
    want = torch.nn.MultiLabelMarginLoss(reduction=reduction)(t, torch.tensor(target))
    got = nn.MultiLabelMarginLoss(reduction=reduction)(x, xg.tensor(target))
    _close(got, want)
    want.sum().backward()
    got.sum().backward()
    _close(x.grad, t.grad)
    t1, x1 = _pair(data[0])
    want = TF.multilabel_margin_loss(t1, torch.tensor(target[0]), reduction=reduction)
    got = F.multilabel_margin_loss(x1, xg.tensor(target[0]), reduction=reduction)
    assert got.shape == tuple(want.shape)
    _close(got, want)


def test_multilabel_margin_errors():
    x = xg.randn(2, 3)
    with pytest.raises(ValueError, match=r"\(2, 3\) and target shape \(2, 2\)"):
        F.multilabel_margin_loss(x, xg.tensor([[0, 1], [1, 2]]))
    with pytest.raises(IndexError, match=r"\[0, 3\)"):
        F.multilabel_margin_loss(x, xg.tensor([[0, 3, -1], [1, 2, -1]]))
    with pytest.raises(TypeError, match="integer"):
        F.multilabel_margin_loss(x, xg.zeros(2, 3))
    assert repr(nn.MultiLabelMarginLoss(reduction="sum")) == "MultiLabelMarginLoss(reduction='sum')"


def test_nllloss2d_is_nllloss_on_images():
    data = RNG.standard_normal((2, 4, 3, 3))
    labels = RNG.integers(0, 4, size=(2, 3, 3))
    weight = RNG.uniform(0.5, 2.0, size=4)
    t, x = _pair(data)
    with pytest.warns(FutureWarning, match="deprecated"):
        ref = torch.nn.NLLLoss2d(weight=torch.tensor(weight), ignore_index=1)
    want = ref(t.log_softmax(1), torch.tensor(labels))
    with pytest.warns(FutureWarning, match="NLLLoss2d. has been deprecated"):
        loss = nn.NLLLoss2d(weight=xg.tensor(weight), ignore_index=1)
    assert isinstance(loss, nn.NLLLoss) and list(loss.state_dict()) == ["weight"]
    got = loss(x.log_softmax(1), xg.tensor(labels))
    _close(got, want)
    want.backward()
    got.backward()
    _close(x.grad, t.grad)


# ---- EmbeddingBag ----------------------------------------------------------------------------
FLAT = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 0])
OFFSETS = np.array([0, 4, 4, 7])            # the third bag is empty
BLOCK = np.array([[1, 2, 0], [4, 4, 3], [0, 0, 0]])


def _bag_case(mode, padding_idx, layout, weighted, device="cpu"):
    table = RNG.standard_normal((10, 3))
    inp = BLOCK if layout == "2d" else FLAT
    offsets = {"2d": None, "offsets": OFFSETS, "last": np.append(OFFSETS, len(FLAT))}[layout]
    psw = RNG.standard_normal(inp.shape) if weighted else None
    kw = dict(mode=mode, padding_idx=padding_idx, include_last_offset=layout == "last")
    wt = torch.tensor(table, requires_grad=True)
    want = TF.embedding_bag(torch.tensor(inp), wt, None if offsets is None else
                            torch.tensor(offsets), per_sample_weights=None if psw is None
                            else torch.tensor(psw), **kw)
    wx = xg.tensor(table, requires_grad=True, device=device)
    got = F.embedding_bag(xg.tensor(inp, device=device), wx, None if offsets is None else
                          xg.tensor(offsets, device=device), per_sample_weights=None
                          if psw is None else xg.tensor(psw, device=device), **kw)
    g = RNG.standard_normal(tuple(want.shape))
    (want * torch.tensor(g)).sum().backward()
    (got * xg.tensor(g, device=device)).sum().backward()
    return got, want, wx.grad, wt.grad


@pytest.mark.parametrize("layout", ["2d", "offsets", "last"])
@pytest.mark.parametrize("padding_idx", [None, 0])
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_matches_torch(mode, padding_idx, layout):
    got, want, g_ours, g_torch = _bag_case(mode, padding_idx, layout, False)
    _close(got, want)
    _close(g_ours, g_torch)


@pytest.mark.parametrize("layout", ["2d", "offsets"])
def test_embedding_bag_per_sample_weights(layout):
    got, want, g_ours, g_torch = _bag_case("sum", 0, layout, True)
    _close(got, want)
    _close(g_ours, g_torch)


def test_embedding_bag_max_norm_renormalises_the_weight():
    table = RNG.standard_normal((10, 3)) * 3
    wt, wx = torch.tensor(table), xg.tensor(table)
    want = TF.embedding_bag(torch.tensor(BLOCK), wt, max_norm=1.5, norm_type=1.0)
    got = F.embedding_bag(xg.tensor(BLOCK), wx, max_norm=1.5, norm_type=1.0)
    _close(got, want)
    _close(wx, wt)


def test_embedding_bag_module():
    xg.manual_seed(0)
    bag = nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2)
    ref = torch.nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2)
    assert repr(bag) == repr(ref) == "EmbeddingBag(10, 3, mode='sum', padding_idx=2)"
    assert repr(nn.EmbeddingBag(5, 2)) == repr(torch.nn.EmbeddingBag(5, 2))
    assert list(bag.state_dict()) == list(ref.state_dict()) == ["weight"]
    assert (bag.weight.numpy()[2] == 0).all() and abs(bag.weight.numpy().std() - 1) < 0.5
    ref.weight.data = torch.tensor(bag.weight.numpy())
    _close(bag(xg.tensor(FLAT), xg.tensor(OFFSETS)), ref(torch.tensor(FLAT),
                                                         torch.tensor(OFFSETS)), 1e-6)
    table = xg.tensor(RNG.standard_normal((4, 2)))
    frozen = nn.EmbeddingBag.from_pretrained(table, mode="max")
    assert not frozen.weight.requires_grad and frozen.mode == "max"
    assert nn.EmbeddingBag.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="mode"):
        nn.EmbeddingBag(4, 2, mode="min")
    with pytest.raises(NotImplementedError, match="per_sample_weights"):
        bag.mode = "mean"
        bag(xg.tensor(BLOCK), per_sample_weights=xg.ones(3, 3))
    with pytest.raises(ValueError, match="offsets has to be None"):
        bag(xg.tensor(BLOCK), xg.tensor([0, 1]))
    with pytest.raises(ValueError, match="offsets has to be a 1D"):
        bag(xg.tensor(FLAT))
    with pytest.raises(ValueError, match="offsets\\[0\\] has to be 0"):
        bag(xg.tensor(FLAT), xg.tensor([1, 4]))


def test_embedding_bag_on_device(device):
    for mode in ("mean", "max"):
        got, want, g_ours, g_torch = _bag_case(mode, 0, "offsets", False, device)
        assert got.device == xg.tensor(0, device=device).device
        _close(got, want)
        _close(g_ours, g_torch)


# ---- lazy modules ----------------------------------------------------------------------------
LAZY = [("LazyLinear", "Linear", (4,), {}, (2, 6), lambda c: (c, 4)),
        ("LazyConv1d", "Conv1d", (4, 3), {"padding": 1}, (2, 6, 7), lambda c: (c, 4, 3)),
        ("LazyConv2d", "Conv2d", (4, 3), {"groups": 2}, (2, 6, 5, 5), lambda c: (c, 4, 3)),
        ("LazyConv3d", "Conv3d", (2, 2), {}, (1, 3, 4, 4, 4), lambda c: (c, 2, 2)),
        ("LazyConvTranspose1d", "ConvTranspose1d", (4, 3), {"stride": 2}, (2, 6, 5),
         lambda c: (c, 4, 3)),
        ("LazyConvTranspose2d", "ConvTranspose2d", (4, 3), {"groups": 2}, (2, 6, 4, 4),
         lambda c: (c, 4, 3)),
        ("LazyConvTranspose3d", "ConvTranspose3d", (2, 2), {}, (1, 3, 3, 3, 3),
         lambda c: (c, 2, 2)),
        ("LazyBatchNorm1d", "BatchNorm1d", (), {}, (4, 6), lambda c: (c,)),
        ("LazyBatchNorm2d", "BatchNorm2d", (), {"momentum": 0.3}, (4, 3, 2, 2), lambda c: (c,)),
        ("LazyBatchNorm3d", "BatchNorm3d", (), {}, (2, 3, 2, 2, 2), lambda c: (c,)),
        ("LazyInstanceNorm1d", "InstanceNorm1d", (), {}, (2, 3, 6), lambda c: (c,)),
        ("LazyInstanceNorm2d", "InstanceNorm2d", (), {"affine": False}, (2, 3, 4, 4),
         lambda c: (c,)),
        ("LazyInstanceNorm3d", "InstanceNorm3d", (), {}, (2, 3, 2, 2, 2), lambda c: (c,))]


@pytest.mark.parametrize("name,eager,args,kwargs,shape,eager_args", LAZY,
                         ids=[c[0] for c in LAZY])
def test_lazy_module_becomes_eager(name, eager, args, kwargs, shape, eager_args):
    lazy = getattr(nn, name)(*args, **kwargs)
    ref = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(lazy).replace(", bias=True", "") == repr(ref).replace(", bias=True", "")
    assert lazy.has_uninitialized_params() == ref.has_uninitialized_params()
    if lazy.has_uninitialized_params():
        assert any(isinstance(t, (nn.UninitializedParameter, nn.UninitializedBuffer))
                   for t in (lazy.weight, getattr(lazy, "running_mean", None)))
        with pytest.raises(RuntimeError, match="uninitialized"):
            lazy.state_dict()
    data = RNG.standard_normal(shape).astype(np.float32)
    xg.manual_seed(7)
    out = lazy(xg.tensor(data))
    ref(torch.tensor(data))
    cls = getattr(nn, eager)
    assert type(lazy) is cls and type(ref) is getattr(torch.nn, eager)
    assert not hasattr(lazy, "has_uninitialized_params")
    assert repr(lazy).replace(", bias=True", "") == repr(ref).replace(", bias=True", "")
    assert list(lazy.state_dict()) == list(ref.state_dict())
    assert all(type(p) is nn.Parameter for p in lazy.parameters())
    xg.manual_seed(7)
    twin = cls(*eager_args(shape[1]), **kwargs)          # initialised as the eager class is
    for (k, a), b in zip(lazy.state_dict().items(), twin.state_dict().values()):
        assert a.shape == tuple(ref.state_dict()[k].shape)
        if k not in ("running_mean", "running_var", "num_batches_tracked"):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    # with torch's weights copied in: the same outputs
    lazy.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    lazy.eval()
    ref.eval()
    _close(lazy(xg.tensor(data)), ref(torch.tensor(data)), 1e-5)
    assert out.shape == tuple(ref(torch.tensor(data)).shape)


def test_lazy_linear_load_state_dict_infers_sizes_and_follows_to():
    src = nn.Linear(5, 3)
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict(src.state_dict())
    assert type(lazy) is nn.Linear and lazy.in_features == 5
    np.testing.assert_array_equal(lazy.weight.numpy(), src.weight.numpy())
    lazy = nn.LazyLinear(3, bias=False).double()
    keep = lazy.weight
    lazy.requires_grad_(False)
    lazy(xg.randn(2, 7, dtype="float64"))
    assert lazy.weight is keep and lazy.weight.dtype == xg.float64
    assert lazy.bias is None and not lazy.weight.requires_grad
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    net(xg.randn(4, 29))
    assert [tuple(p.shape) for p in net.parameters()] == [(8, 29), (8,), (1, 8), (1,)]
    with pytest.raises(RuntimeError, match="2D \\(unbatched\\) or 3D"):
        nn.LazyConv1d(3, 2)(xg.randn(2, 3, 4, 5))


def test_lazy_instance_norm_unbatched_channels():
    norm = nn.LazyInstanceNorm1d()
    norm(xg.randn(4, 9))                     # (C, L): C = 4
    assert norm.num_features == 4 and tuple(norm.weight.shape) == (4,)


def test_lazy_module_on_device(device):
    conv = nn.LazyConv2d(4, 3).to(device)
    data = RNG.standard_normal((2, 3, 5, 5)).astype(np.float32)
    out = conv(xg.tensor(data, device=device))
    assert type(conv) is nn.Conv2d and conv.weight.device == out.device
    ref = torch.nn.Conv2d(3, 4, 3)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(conv.weight.numpy()))
        ref.bias.copy_(torch.tensor(conv.bias.numpy()))
    _close(out, ref(torch.tensor(data)), 1e-5)


def test_lazy_norms_take_bias_like_pytorch():
    bn = nn.LazyBatchNorm1d(bias=False)
    bn(xg.randn(4, 3))
    assert type(bn).__name__ == "BatchNorm1d" and bn.bias is None and bn.weight.shape == (3,)
    assert sorted(bn.state_dict()) == ["num_batches_tracked", "running_mean", "running_var",
                                       "weight"]
