"""The layers beyond the lectures' set (nn/layers_extra.py, nn/functional_layers.py) against
PyTorch: state_dict keys, reprs, values and gradients for the same weights (copied across),
second derivatives, train/eval behaviour, running statistics, padding, distances, dropout
masks, and the errors on bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(0)


def _copy_weights(ours: nn.Module, theirs: "torch.nn.Module") -> None:
    """Random values into torch's parameters and buffers, then the same into ours."""
    with torch.no_grad():
        for name, value in theirs.state_dict().items():
            if value.dtype.is_floating_point:
                value.copy_(torch.tensor(RNG.uniform(0.5, 1.5, value.shape)))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


def _check_step(ours: nn.Module, theirs: "torch.nn.Module", shape: tuple, device: str = "cpu",
                rtol: float = 1e-10) -> None:
    """Same output, input gradient and parameter gradients for one float64 input."""
    x = RNG.standard_normal(shape)
    xo = xg.tensor(x, dtype="float64", device=device, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    g = RNG.standard_normal(tuple(yt.shape))
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=rtol, atol=1e-12)
    (yo * xg.tensor(g, device=device)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-10)
    params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), params[name].grad.numpy(), rtol=1e-8,
                                   atol=1e-10, err_msg=name)
    for name, b in ours.named_buffers():
        np.testing.assert_allclose(b.numpy(), theirs.state_dict()[name].numpy(), rtol=1e-10,
                                   err_msg=name)


def _pair(make_ours, make_theirs, device: str = "cpu") -> tuple:
    ours, theirs = make_ours().to(device).double(), make_theirs().double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    _copy_weights(ours, theirs)
    return ours, theirs


# ---- normalisation ---------------------------------------------------------------------------
NORMS = [
    ("LayerNorm(5)", lambda m: m.LayerNorm(5), (3, 4, 5)),
    ("LayerNorm((4,5),bias=False)", lambda m: m.LayerNorm((4, 5), bias=False), (3, 4, 5)),
    ("LayerNorm(no affine)", lambda m: m.LayerNorm([5], elementwise_affine=False), (2, 5)),
    ("LayerNorm(eps)", lambda m: m.LayerNorm(3, eps=1e-3), (3,)),
    ("GroupNorm(2,4)", lambda m: m.GroupNorm(2, 4), (3, 4, 5)),
    ("GroupNorm(3,6,2d,no affine)", lambda m: m.GroupNorm(3, 6, affine=False), (2, 6, 2, 3)),
    ("GroupNorm(bias=False)", lambda m: m.GroupNorm(1, 3, bias=False), (2, 3)),
    ("InstanceNorm1d", lambda m: m.InstanceNorm1d(3), (2, 3, 5)),
    ("InstanceNorm1d(affine)", lambda m: m.InstanceNorm1d(3, affine=True), (2, 3, 5)),
    ("InstanceNorm1d(unbatched)", lambda m: m.InstanceNorm1d(3, affine=True), (3, 5)),
    ("InstanceNorm2d(tracked)", lambda m: m.InstanceNorm2d(2, track_running_stats=True,
                                                           affine=True), (3, 2, 3, 4)),
    ("InstanceNorm3d(bias=False)", lambda m: m.InstanceNorm3d(2, affine=True, bias=False),
     (2, 2, 2, 3, 2)),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3), (4, 3, 2, 5)),
    ("BatchNorm2d(bias=False)", lambda m: m.BatchNorm2d(3, bias=False), (4, 3, 2, 2)),
    ("BatchNorm2d(momentum=None)", lambda m: m.BatchNorm2d(3, momentum=None), (2, 3, 2, 2)),
    ("BatchNorm2d(untracked)", lambda m: m.BatchNorm2d(3, track_running_stats=False),
     (2, 3, 2, 2)),
    ("BatchNorm3d", lambda m: m.BatchNorm3d(2, affine=False), (3, 2, 2, 2, 3)),
]


@pytest.mark.parametrize("make,shape", [n[1:] for n in NORMS], ids=[n[0] for n in NORMS])
def test_norm_layers_match_torch(make, shape, device):
    ours, theirs = _pair(lambda: make(nn), lambda: make(torch.nn), device)
    for _ in range(3):                          # running stats move as PyTorch's
        _check_step(ours, theirs, shape, device)
    ours.eval(), theirs.eval()
    _check_step(ours, theirs, shape, device)


def test_norm_defaults_and_float32():
    ln, t_ln = nn.LayerNorm(4), torch.nn.LayerNorm(4)
    assert ln.weight.dtype == xg.float32 and ln.eps == t_ln.eps
    assert ln.weight.tolist() == [1.0] * 4 and ln.bias.tolist() == [0.0] * 4
    y = ln(xg.randn(2, 4))
    assert y.dtype == xg.float32
    bn = nn.BatchNorm2d(3)
    assert (bn.momentum, bn.eps) == (0.1, 1e-5)
    assert list(nn.InstanceNorm2d(3).state_dict()) == []
    assert repr(nn.GroupNorm(2, 4, affine=False)) == repr(torch.nn.GroupNorm(2, 4, affine=False))


def test_layer_norm_second_derivatives_match_torch():
    x = RNG.standard_normal((3, 4))
    w, b = RNG.standard_normal(4), RNG.standard_normal(4)
    ours = [xg.tensor(a, dtype="float64", requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = (F.layer_norm(ours[0], (4,), ours[1], ours[2]) ** 3).sum()
    yt = (TF.layer_norm(theirs[0], (4,), theirs[1], theirs[2]) ** 3).sum()
    g = xg.autograd.grad(y, ours, create_graph=True)
    gt = torch.autograd.grad(yt, theirs, create_graph=True)
    gg = xg.autograd.grad(sum((a * a).sum() for a in g), ours)
    ggt = torch.autograd.grad(sum((a * a).sum() for a in gt), theirs)
    for a, b_ in zip(gg, ggt):
        np.testing.assert_allclose(a.numpy(), b_.numpy(), rtol=1e-8, atol=1e-10)


def test_instance_norm_functional_running_stats():
    x = RNG.standard_normal((4, 3, 5))
    rm, rv = xg.zeros(3, dtype="float64"), xg.ones(3, dtype="float64")
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    F.instance_norm(xg.tensor(x), rm, rv, momentum=0.3)
    TF.instance_norm(torch.tensor(x), trm, trv, momentum=0.3)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)
    y = F.instance_norm(xg.tensor(x), rm, rv, use_input_stats=False)
    yt = TF.instance_norm(torch.tensor(x), trm, trv, use_input_stats=False)
    np.testing.assert_allclose(y.numpy(), yt.numpy(), rtol=1e-12)


def test_norm_errors():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\): expected input of shape \(N, 3, H, W\)"):
        nn.BatchNorm2d(3)(xg.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm2d(3)(xg.zeros(1, 3, 1, 1))
    with pytest.raises(ValueError, match="num_channels .* divisible by num_groups"):
        nn.GroupNorm(2, 3)
    with pytest.raises(ValueError, match="to match num_features"):
        nn.InstanceNorm1d(3, affine=True)(xg.zeros(2, 4, 5))
    with pytest.warns(UserWarning, match="4 channels but num_features=3"):
        nn.InstanceNorm1d(3)(xg.randn(2, 4, 5))
    with pytest.raises(ValueError, match=r"layer_norm: given normalized_shape=\[4\]"):
        nn.LayerNorm(4)(xg.zeros(2, 3))


# ---- embedding -------------------------------------------------------------------------------
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx, device):
    ours, theirs = _pair(lambda: nn.Embedding(5, 3, padding_idx=padding_idx),
                         lambda: torch.nn.Embedding(5, 3, padding_idx=padding_idx), device)
    idx = np.array([[0, 2, 2], [4, 2, 0]])
    yo, yt = ours(xg.tensor(idx, device=device)), theirs(torch.tensor(idx))
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy())
    g = RNG.standard_normal(yt.shape)
    (yo * xg.tensor(g, device=device)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12)
    if padding_idx is not None:                 # repeated indices accumulate; padding gets none
        assert not ours.weight.grad.numpy()[padding_idx].any()


def test_embedding_init_and_from_pretrained(seeded):
    emb = nn.Embedding(2000, 8, padding_idx=3)
    w = emb.weight.numpy()
    assert emb.weight.dtype == xg.float32 and not w[3].any()
    assert abs(w.mean()) < 0.02 and abs(w.std() - 1.0) < 0.02      # N(0, 1), as PyTorch
    table = xg.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]])
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and repr(frozen) == "Embedding(2, 3)"
    assert frozen(xg.tensor([1])).tolist() == [[4.0, 5.099999904632568, 6.300000190734863]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    assert nn.Embedding.from_pretrained(table, padding_idx=0).weight.numpy()[0].any()
    y = F.embedding(xg.tensor(1), table)                   # 0-d index -> one row
    assert y.shape == (3,)


def test_embedding_second_order_and_empty():
    w = xg.tensor(RNG.standard_normal((4, 2)), dtype="float64", requires_grad=True)
    idx = xg.tensor([[0, 1], [1, 3]])
    assert xg.gradgradcheck(lambda w: F.embedding(idx, w) ** 2, (w,))
    assert F.embedding(xg.tensor(np.zeros((2, 0), dtype=np.int64)), w).shape == (2, 0, 2)


def test_embedding_errors(device):
    w = xg.randn(3, 2, device=device)
    with pytest.raises(TypeError, match="indices must be an integer tensor, got float32"):
        F.embedding(xg.tensor([0.0], device=device), w)
    with pytest.raises(NotImplementedError, match="sparse gradients are not supported"):
        nn.Embedding(3, 2, sparse=True)
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=-4)
    bad = xg.tensor([0, 3], device=device)
    if device == "cpu":
        with pytest.raises(IndexError, match=r"embedding: index 3 is out of range for a table "
                                             r"of 3 embeddings"):
            F.embedding(bad, w)
        with pytest.raises(IndexError, match="index -1 is out of range"):
            F.embedding(xg.tensor([-1]), w)
    else:                                       # no sync to check: the bad row is NaN
        out = F.embedding(bad, w).numpy()
        assert np.isfinite(out[0]).all() and np.isnan(out[1]).all()


# ---- shape, dropout --------------------------------------------------------------------------
def test_unflatten():
    m, tm = nn.Unflatten(1, (2, -1)), torch.nn.Unflatten(1, (2, -1))
    assert repr(m) == repr(tm)
    assert m(xg.zeros(3, 10, 1)).shape == tuple(tm(torch.zeros(3, 10, 1)).shape) == (3, 2, 5, 1)
    assert nn.Unflatten(-1, (2, 5))(xg.zeros(10)).shape == (2, 5)
    with pytest.raises(ValueError, match="don't multiply up to the size of dim 1"):
        nn.Unflatten(1, (3, 3))(xg.zeros(2, 10))


@pytest.mark.parametrize("cls,shape,channel_axes", [
    ("Dropout1d", (4, 6, 5), 2), ("Dropout1d", (6, 5), 1), ("Dropout2d", (4, 6, 3, 3), 2),
    ("Dropout3d", (3, 4, 2, 2, 2), 2), ("Dropout3d", (6, 2, 2, 2), 1)])
def test_channel_dropout(cls, shape, channel_axes, device, seeded):
    layer = getattr(nn, cls)(p=0.4)
    assert repr(layer) == repr(getattr(torch.nn, cls)(p=0.4))
    x = xg.ones(*shape, device=device, requires_grad=True)
    y = layer(x)
    y.sum().backward()
    per_channel = y.numpy().reshape(shape[:channel_axes] + (-1,))
    assert np.all((per_channel.min(-1) == per_channel.max(-1)))      # whole channels
    values = np.unique(per_channel)
    assert np.all(np.isclose(values, 0.0) | np.isclose(values, 1 / 0.6)), values
    np.testing.assert_allclose(x.grad.numpy(), y.numpy())
    layer.eval()
    assert layer(x) is x
    assert getattr(nn, cls)(p=1.0)(x).numpy().max() == 0.0


def test_dropout_errors():
    with pytest.raises(ValueError, match="dropout1d: expected 2D or 3D input"):
        F.dropout1d(xg.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout2d(1.5)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(xg.ones(2, 3, 4))


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout(p, seeded):
    layer = nn.AlphaDropout(p)
    assert repr(layer) == repr(torch.nn.AlphaDropout(p))
    x = xg.randn(200000, dtype="float64")
    y = layer(x).numpy()
    alpha = 1.7580993408473766
    a = 1.0 / math.sqrt((alpha ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(y, a * alpha * (p - 1))
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(y[~dropped], a * x.numpy()[~dropped] + alpha * a * p)
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1.0) < 0.01     # SELU's fixed point kept
    assert F.alpha_dropout(x, p) is x                             # training=False by default
    layer.eval()
    assert layer(x) is x
    z = nn.FeatureAlphaDropout(p)(xg.randn(50, 8, 6)).numpy()
    assert np.all(np.isclose(z, a * alpha * (p - 1)).reshape(50, 8, 6).all(-1)
                  == np.isclose(z, a * alpha * (p - 1)).reshape(50, 8, 6).any(-1))


# ---- padding ---------------------------------------------------------------------------------
PADS = [((2, 3, 4), (1, 2), "constant"), ((2, 3, 4), (1, 2, 0, 3), "constant"),
        ((2, 3), (-1, 2, 1, -1), "constant"), ((1, 2, 4), (3, 1), "reflect"),
        ((1, 2, 3, 4), (1, 2, 2, 1), "reflect"), ((1, 3, 4), (-1, 2), "reflect"),
        ((2, 3), (2, 3), "replicate"), ((1, 2, 3, 3), (1, 0, 2, 2), "replicate"),
        ((1, 2, 4), (-2, 1), "replicate"), ((1, 2, 3), (3, 1), "circular"),
        ((1, 2, 3, 4), (1, 2, 3, 0), "circular"), ((1, 3), (-1, 2), "circular"),
        ((1, 1, 2, 2, 3), (1, 1, 1, 1, 1, 1), "reflect")]


@pytest.mark.parametrize("shape,pad,mode", PADS)
def test_pad_matches_torch(shape, pad, mode, device):
    x = RNG.standard_normal(shape)
    xo = xg.tensor(x, dtype="float64", device=device, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yo, yt = F.pad(xo, pad, mode=mode), TF.pad(xt, pad, mode=mode)
    np.testing.assert_array_equal(yo.numpy(), yt.detach().numpy())
    g = RNG.standard_normal(yt.shape)
    (yo * xg.tensor(g, device=device)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    assert xg.gradgradcheck(lambda v: F.pad(v, pad, mode=mode) ** 2, (xo,))


def test_pad_value_dtypes_and_layers():
    ints = F.pad(xg.ones(2, 3, dtype="int64"), (1, 1), value=2.7)
    assert ints.dtype == xg.int64 and ints.tolist()[0] == [2, 1, 1, 1, 2]
    assert F.pad(xg.ones(2, 3), (1, 1), value=-1.0).dtype == xg.float32
    for name, args in [("ZeroPad2d", (1,)), ("ZeroPad1d", ((1, 2),)), ("ConstantPad2d", (1, 3.5)),
                       ("ReflectionPad2d", ((1, 0, 2, 1),)), ("ReplicationPad1d", (2,)),
                       ("CircularPad2d", (1,)), ("ConstantPad1d", (2, 1)), ("ZeroPad3d", (1,))]:
        ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        x = RNG.standard_normal((1, 2, 3, 4, 5)[:int(name[-2]) + 2])
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(ours(xg.tensor(x, dtype="float64")).numpy(),
                                      theirs(torch.tensor(x)).numpy(), err_msg=name)


# ---- distances -------------------------------------------------------------------------------
DIST = [
    ("cosine dim1", lambda m, a, b: m.cosine_similarity(a, b), (4, 5), (4, 5)),
    ("cosine dim0 bcast", lambda m, a, b: m.cosine_similarity(a, b, dim=0), (3, 4), (3, 1)),
    ("cosine dim-1 1d", lambda m, a, b: m.cosine_similarity(a, b, dim=-1), (5,), (5,)),
    ("cosine zero", lambda m, a, b: m.cosine_similarity(a * 0, b, 1, 1e-3), (2, 3), (2, 3)),
    ("pairwise", lambda m, a, b: m.pairwise_distance(a, b), (4, 5), (4, 5)),
    ("pairwise keepdim p1", lambda m, a, b: m.pairwise_distance(a, b, 1, keepdim=True),
     (4, 5), (5,)),
    ("pairwise p3 eps", lambda m, a, b: m.pairwise_distance(a, b, 3.0, 1e-3), (2, 3), (2, 3)),
    ("pairwise inf", lambda m, a, b: m.pairwise_distance(a, b, math.inf), (2, 3), (2, 3)),
    ("pairwise 1d", lambda m, a, b: m.pairwise_distance(a, b), (5,), (5,)),
    ("pairwise same", lambda m, a, b: m.pairwise_distance(a, a - 1e-6), (3, 2), (3, 2)),
    ("normalize", lambda m, a, b: m.normalize(a) * b, (3, 4), (3, 4)),
    ("normalize p1 dim0", lambda m, a, b: m.normalize(a, 1, 0) * b, (3, 4), (3, 4)),
    ("normalize zero", lambda m, a, b: m.normalize(a * 0) * b, (3, 4), (3, 4)),
]


@pytest.mark.parametrize("fn,s1,s2", [d[1:] for d in DIST], ids=[d[0] for d in DIST])
def test_distances_match_torch(fn, s1, s2, device):
    a, b = RNG.standard_normal(s1), RNG.standard_normal(s2)
    ours = [xg.tensor(v, dtype="float64", device=device, requires_grad=True) for v in (a, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
    yo, yt = fn(F, *ours), fn(TF, *theirs)
    assert yo.shape == tuple(yt.shape)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(yt.shape)
    go = xg.autograd.grad((yo * xg.tensor(g, device=device)).sum(), ours, allow_unused=True)
    gt = torch.autograd.grad((yt * torch.tensor(g)).sum(), theirs, allow_unused=True)
    for x, y in zip(go, gt):
        if y is not None:
            np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-8, atol=1e-10)


def test_distance_modules():
    assert repr(nn.CosineSimilarity()) == repr(torch.nn.CosineSimilarity()) == "CosineSimilarity()"
    assert repr(nn.PairwiseDistance()) == repr(torch.nn.PairwiseDistance())
    a, b = xg.randn(3, 4), xg.randn(3, 4)
    assert nn.CosineSimilarity(dim=1)(a, b).shape == (3,)
    assert nn.PairwiseDistance(keepdim=True)(a, b).shape == (3, 1)
    assert F.cosine_similarity(a, b).dtype == xg.float32
    with pytest.raises(ValueError, match="cannot be broadcast"):
        F.pairwise_distance(xg.zeros(2, 3), xg.zeros(3, 3))
    with pytest.raises(TypeError, match="expected floating-point inputs"):
        F.cosine_similarity(xg.tensor([[1]]), xg.tensor([[1]]))


# ---- xg.compile: bit-identical to eager, running stats and random masks included -------------
def _image(*layers):
    """Linear(8, 6) -> (N, 2, 3, 1) -> layers (factories) -> Linear(6, 1)."""
    return lambda: nn.Sequential(nn.Linear(8, 6), nn.Unflatten(1, (2, 3, 1)),
                                 *[make() for make in layers], nn.Flatten(), nn.Linear(6, 1))


COMPILED = {
    "LayerNorm": lambda: nn.Sequential(nn.Linear(8, 6), nn.LayerNorm(6), nn.Linear(6, 1)),
    "BatchNorm2d": _image(lambda: nn.BatchNorm2d(2)),
    "BatchNorm2d-momentumNone": _image(lambda: nn.BatchNorm2d(2, momentum=None)),
    "GroupNorm": _image(lambda: nn.GroupNorm(2, 2)),
    "InstanceNorm2d-tracked": _image(lambda: nn.InstanceNorm2d(2, affine=True,
                                                               track_running_stats=True)),
    "Dropout2d": _image(lambda: nn.Dropout2d(0.3)),
    "AlphaDropout": lambda: nn.Sequential(nn.Linear(8, 6), nn.SELU(), nn.AlphaDropout(0.2),
                                          nn.Linear(6, 1)),
    "ReflectionPad": _image(lambda: nn.ReflectionPad2d((0, 0, 1, 1)),
                            lambda: nn.AvgPool2d((3, 1), stride=1)),
}


@pytest.mark.parametrize("name", list(COMPILED))
def test_layers_compile_like_eager(name, device):
    from compile_cases import Case, check_case
    check_case(Case(COMPILED[name]), device)
