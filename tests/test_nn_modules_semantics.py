"""The nn modules' semantics beyond forward values (those are in the *_torch_parity tests):
constructor signatures and defaults, state_dict names and shapes in order, repr strings,
train() / eval(), the initial weight distributions, and edge shapes (zero-size batch, batch 1,
unbatched and 0-d inputs). Expected values come from torch 2.13 and are hard-coded
(nn_semantics_expected.py), so the tests run without torch."""
import inspect
import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn
from nn_semantics_expected import REPRS, SIGNATURES, STATE, ZERO_BATCH

# our documented additions to torch's signatures (Keras' axis= beside dim=)
EXTENSIONS = {"Softmax": ", axis=None", "LogSoftmax": ", axis=None", "Softmin": ", axis=None"}


def _expected_signatures():
    table, name = {}, None
    for line in SIGNATURES.strip("\n").split("\n"):
        if line.startswith(" "):
            table[name] += " " + line.strip()
        else:
            name, sig = line.split(": ", 1) if ": " in line else (line.rstrip(":"), "")
            table[name] = sig
    return {k: v.replace("DD", "device=None, dtype=None") for k, v in table.items()}


def _signature(cls):
    parts = []
    for p in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        s = p.name
        if p.kind == p.KEYWORD_ONLY and not any(x.startswith("*") for x in parts):
            parts.append("*")
        s = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + s
        if p.default is not inspect.Parameter.empty:
            d = p.default
            s += "=" + (d.__name__ if callable(d) else repr(d))
        parts.append(s)
    return ", ".join(parts)


SIGS = _expected_signatures()


@pytest.mark.parametrize("name", sorted(SIGS))
def test_constructor_signature_matches_torch(name):
    assert _signature(getattr(nn, name)) == SIGS[name] + EXTENSIONS.get(name, "")


def _state(module):
    return " ".join(f"{k}:{'x'.join(map(str, v.shape)) or '()'}"
                    for k, v in module.state_dict().items())


@pytest.mark.parametrize("cls,args,kw,expected", STATE, ids=[f"{c[0]}-{i}" for i, c in
                                                              enumerate(STATE)])
def test_state_dict_names_and_shapes(cls, args, kw, expected):
    module = getattr(nn, cls)(*args, **kw)
    assert _state(module) == expected
    params = [k for k, _ in module.named_parameters()]
    buffers = [k for k, _ in module.named_buffers()]
    assert [k for k in module.state_dict() if k in params or k in buffers] == \
        list(module.state_dict())


@pytest.mark.parametrize("cls,args,kw,expected", REPRS, ids=[f"{c[0]}-{i}" for i, c in
                                                              enumerate(REPRS)])
def test_repr_matches_torch(cls, args, kw, expected):
    assert repr(getattr(nn, cls)(*args, **kw)) == expected


def test_container_reprs_and_parameter_dict_order():
    plist = nn.ParameterList([nn.Parameter(xg.zeros(2, 3, dtype=xg.float64)), xg.zeros(4)])
    assert repr(plist) == ("ParameterList(\n"
                           "    (0): Parameter containing: [xpgrad.float64 of size 2x3]\n"
                           "    (1): Parameter containing: [xpgrad.float32 of size 4]\n)")
    assert repr(nn.ParameterList([xg.zeros(2)])) == \
        "ParameterList(  (0): Parameter containing: [xpgrad.float32 of size 2])"
    pdict = nn.ParameterDict({"w": xg.zeros(2, 3), "b": xg.zeros(4)})
    assert list(pdict.keys()) == ["b", "w"]           # a plain dict is taken sorted, as torch
    assert repr(pdict) == ("ParameterDict(\n"
                           "    (b): Parameter containing: [xpgrad.FloatTensor of size 4]\n"
                           "    (w): Parameter containing: [xpgrad.FloatTensor of size 2x3]\n)")
    pdict = nn.ParameterDict(OrderedDict([("z", xg.zeros(1)), ("a", xg.zeros(1))]))
    pdict.update([("y", xg.zeros(1)), ("c", xg.zeros(1))])
    assert list(pdict.keys()) == ["z", "a", "y", "c"]
    assert repr(nn.Sequential()) == "Sequential()" and repr(nn.ModuleList()) == "ModuleList()"
    assert repr(nn.ModuleDict({"b": nn.Tanh(), "a": nn.ReLU()})) == \
        "ModuleDict(\n  (b): Tanh()\n  (a): ReLU()\n)"


def test_sync_batchnorm_takes_process_group():
    bn = nn.SyncBatchNorm(3, 1e-3, 0.2, True, True, None, "cpu", xg.float64)
    assert bn.process_group is None and bn.running_mean.dtype == xg.float64
    with pytest.raises(NotImplementedError, match="process groups"):
        nn.SyncBatchNorm(3, process_group=object())


# ---- train() / eval() ---------------------------------------------------------------------
def test_train_eval_propagate_and_validate():
    seq = nn.Sequential(nn.Linear(2, 2), nn.Dropout(), nn.Sequential(nn.BatchNorm1d(2)))
    assert seq.eval() is seq and not any(m.training for m in seq.modules())
    assert seq.train() is seq and all(m.training for m in seq.modules())
    for bad in ("no", 1):
        with pytest.raises(ValueError):
            seq.train(bad)


def _mask_constant_axes(y):
    z = np.asarray(y.tolist()) == 0
    return [bool(np.all(z == z.take([0], axis=ax))) for ax in range(z.ndim)]


@pytest.mark.parametrize("cls,shape,constant", [
    ("Dropout", (40, 50), [False, False]),
    ("Dropout1d", (20, 50, 10), [False, False, True]), ("Dropout1d", (50, 10), [False, True]),
    ("Dropout2d", (10, 30, 4, 4), [False, False, True, True]),
    ("Dropout2d", (30, 4, 4), [False, False, True]),              # taken as (N, C, L)
    ("Dropout3d", (5, 20, 2, 2, 2), [False, False, True, True, True]),
    ("Dropout3d", (40, 2, 2, 2), [False, True, True, True]),
])
def test_dropout_masks_train_and_eval(cls, shape, constant):
    xg.manual_seed(0)
    m = getattr(nn, cls)(0.5)
    x = xg.randn(*shape, dtype=xg.float64) + 10.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = m(x)
    assert _mask_constant_axes(y) == constant
    kept = np.asarray(y.tolist()) != 0
    np.testing.assert_allclose(np.asarray(y.tolist())[kept], 2.0 * np.asarray(x.tolist())[kept])
    assert 0.3 < 1 - kept.mean() < 0.7
    m.eval()
    assert m(x) is x or np.array_equal(np.asarray(m(x).tolist()), np.asarray(x.tolist()))


@pytest.mark.parametrize("cls,shape,constant", [
    ("Dropout2d", (30, 4), [False, False]), ("Dropout2d", (5, 6, 7, 8, 2),
                                             [False, False, True, True, True]),
    ("Dropout3d", (30, 6, 7), [False, True, True]), ("Dropout3d", (30, 4), [False, True]),
])
def test_deprecated_ranks_warn_and_drop_features_as_torch(cls, shape, constant):
    xg.manual_seed(1)
    x = xg.randn(*shape, dtype=xg.float64) + 10.0
    with pytest.warns(UserWarning, match="which is deprecated"):
        y = getattr(nn, cls)(0.5)(x)
    assert _mask_constant_axes(y) == constant


def test_attention_and_transformer_dropout_only_in_training():
    xg.manual_seed(2)
    x = xg.randn(2, 5, 8)
    mha = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    assert not np.allclose(mha(x, x, x)[0].tolist(), mha(x, x, x)[0].tolist())
    mha.eval()
    out, w = mha(x, x, x)
    np.testing.assert_array_equal(out.tolist(), mha(x, x, x)[0].tolist())
    np.testing.assert_allclose(np.asarray(w.tolist()).sum(-1), 1.0, rtol=1e-6)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    assert not np.allclose(layer(x).tolist(), layer(x).tolist())
    layer.eval()
    np.testing.assert_array_equal(layer(x).tolist(), layer(x).tolist())


# ---- initial weights ----------------------------------------------------------------------
def _uniform_bound(t, bound):
    a = np.asarray(t.detach().tolist(), dtype=np.float64).ravel()
    assert np.abs(a).max() <= bound * (1 + 1e-6)
    assert np.abs(a).max() > 0.98 * bound                   # the whole interval is used
    assert abs(a.std() - bound / math.sqrt(3)) < 0.05 * bound / math.sqrt(3)
    assert abs(a.mean()) < 4 * bound / math.sqrt(3 * a.size)


@pytest.mark.parametrize("cls,args,fan_in", [
    ("Conv1d", (8, 4000, 3), 24), ("Conv2d", (8, 4000, (2, 3), 1, 0, 1, 2), 24),
    ("Conv3d", (4, 3000, 2), 32), ("ConvTranspose1d", (8, 4000, 3), 12000),
    ("ConvTranspose2d", (8, 4000, 3, 1, 0, 0, 4), 9000), ("ConvTranspose3d", (6, 3000, 2), 24000),
    ("Bilinear", (6, 7, 4000), 6),
])
def test_conv_and_bilinear_init_is_torchs(cls, args, fan_in):
    # kaiming_uniform(a=sqrt(5)): U(+-1/sqrt(fan_in)); the bias the same (fan_in of weight)
    xg.manual_seed(3)
    m = getattr(nn, cls)(*args)
    _uniform_bound(m.weight, 1 / math.sqrt(fan_in))
    _uniform_bound(m.bias, 1 / math.sqrt(fan_in))


def test_other_initial_values():
    xg.manual_seed(4)
    lin = nn.Linear(2000, 3000)          # Keras' Dense (documented): Glorot uniform, zero bias
    _uniform_bound(lin.weight, math.sqrt(6 / 5000))
    assert not np.any(lin.bias.tolist())
    emb = np.asarray(nn.Embedding(1000, 64, padding_idx=3).weight.tolist())
    assert abs(emb.std() - 1) < 0.02 and abs(emb.mean()) < 0.02 and not np.any(emb[3])
    mha = nn.MultiheadAttention(3000, 4, add_bias_kv=True)
    _uniform_bound(mha.in_proj_weight, math.sqrt(6 / (3000 + 9000)))      # xavier_uniform
    _uniform_bound(mha.out_proj.weight, 1 / math.sqrt(3000))
    assert not np.any(mha.in_proj_bias.tolist()) and not np.any(mha.out_proj.bias.tolist())
    bias_k = np.asarray(mha.bias_k.tolist())    # xavier_normal of (1, 1, E): fan_in = fan_out = E
    assert abs(bias_k.std() - math.sqrt(1 / 3000)) < 0.1 * math.sqrt(1 / 3000)
    assert np.asarray(nn.PReLU(3, init=0.1).weight.tolist()).tolist() == pytest.approx([0.1] * 3)
    for m in (nn.BatchNorm1d(3), nn.LayerNorm(3), nn.GroupNorm(1, 3), nn.RMSNorm(3),
              nn.InstanceNorm1d(3, affine=True)):
        assert m.weight.tolist() == [1.0] * 3
        assert getattr(m, "bias", None) is None or m.bias.tolist() == [0.0] * 3
    bn = nn.BatchNorm2d(3)
    assert bn.running_var.tolist() == [1.0] * 3 and bn.num_batches_tracked.item() == 0
    assert bn.num_batches_tracked.dtype == xg.int64


# ---- edge shapes --------------------------------------------------------------------------
@pytest.mark.parametrize("cls,args,kw,shapes,expected", ZERO_BATCH,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(ZERO_BATCH)])
def test_zero_size_batch(cls, args, kw, shapes, expected):
    m = getattr(nn, cls)(*args, **kw).double()
    if cls == "TransformerEncoderLayer":
        m.eval()
    if isinstance(shapes, str):
        xs = [xg.zeros(0, 2, dtype=xg.int64)]
    else:
        xs = [xg.zeros(*s, dtype=xg.float64, requires_grad=True) for s in shapes]
    out = m(*xs)
    out = out[0] if isinstance(out, tuple) else out
    assert tuple(out.shape) == expected
    out.sum().backward()
    for x in xs:
        if x.requires_grad:
            assert tuple(x.grad.shape) == tuple(x.shape)
    for p in m.parameters():
        assert p.grad is None or not np.any(np.asarray(p.grad.tolist()))


def test_pixel_unshuffle_zero_batch():
    # torch 2.13 returns the empty input's shape here, (0, 2, 4, 4); the layer's rule is
    # (N, C * r^2, H / r, W / r), which ours keeps
    assert tuple(nn.PixelUnshuffle(2)(xg.zeros(0, 2, 4, 4)).shape) == (0, 8, 2, 2)


def test_zero_dim_inputs_as_torch():
    x = xg.tensor(-0.7, dtype=xg.float64, requires_grad=True)
    for m, value in ((nn.Softmax(0), 1.0), (nn.LogSoftmax(-1), 0.0), (nn.Softmin(0), 1.0)):
        y = m(x)
        assert y.shape == () and y.item() == value
    prelu = nn.PReLU().double()
    y = prelu(x)
    assert y.shape == () and y.item() == pytest.approx(-0.175)
    (3 * y).backward()
    assert x.grad.item() == pytest.approx(0.75)
    assert prelu.weight.grad.tolist() == pytest.approx([-2.1])


def test_batch_of_one_in_training():
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm1d(3)(xg.randn(1, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        nn.BatchNorm1d(3)(xg.randn(1, 3, 1))
    bn = nn.BatchNorm1d(3)
    y = bn(xg.randn(1, 3, 4, dtype=xg.float32))            # 4 values per channel: fine
    assert tuple(y.shape) == (1, 3, 4) and bn.num_batches_tracked.item() == 1
    assert tuple(nn.InstanceNorm1d(3)(xg.randn(1, 3, 4)).shape) == (1, 3, 4)


UNBATCHED = [
    ("Linear", (4, 3), {}, [(4,)]), ("Bilinear", (3, 4, 2), {}, [(3,), (4,)]),
    ("Conv1d", (2, 3, 3), dict(padding=1, padding_mode="reflect"), [(2, 6)]),
    ("Conv2d", (2, 3, 3), dict(stride=2), [(2, 5, 6)]), ("Conv3d", (2, 2, 2), {}, [(2, 3, 3, 3)]),
    ("ConvTranspose1d", (2, 3, 3), dict(stride=2), [(2, 4)]),
    ("ConvTranspose2d", (2, 3, 2), dict(groups=1, dilation=2), [(2, 3, 3)]),
    ("ConvTranspose3d", (2, 3, 2), {}, [(2, 2, 2, 2)]),
    ("InstanceNorm1d", (3,), dict(affine=True), [(3, 5)]),
    ("InstanceNorm2d", (3,), {}, [(3, 4, 4)]),
    ("Softmax2d", (), {}, [(3, 2, 2)]), ("PixelShuffle", (2,), {}, [(8, 2, 3)]),
    ("PixelUnshuffle", (2,), {}, [(2, 4, 6)]),
    ("ReflectionPad2d", (1,), {}, [(2, 3, 3)]), ("CircularPad3d", (1,), {}, [(2, 3, 3, 3)]),
    ("Fold", (), dict(output_size=(3, 3), kernel_size=2), [(8, 4)]),
    ("Unfold", (), dict(kernel_size=2), [(2, 3, 4)]), ("PairwiseDistance", (), {}, [(4,), (4,)]),
    ("MultiheadAttention", (4, 2), dict(batch_first=True), [(3, 4), (2, 4), (2, 4)]),
    ("TransformerEncoderLayer", (4, 2, 8), dict(batch_first=True, dropout=0.0), [(3, 4)]),
    ("TransformerDecoderLayer", (4, 2, 8), dict(batch_first=True, dropout=0.0), [(3, 4), (2, 4)]),
]


@pytest.mark.parametrize("cls,args,kw,shapes", UNBATCHED,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(UNBATCHED)])
def test_unbatched_input_is_batch_of_one(cls, args, kw, shapes):
    xg.manual_seed(5)
    m = getattr(nn, cls)(*args, **kw).double().eval()
    xs = [xg.randn(*s, dtype=xg.float64) for s in shapes]
    if cls == "PairwiseDistance":
        batched = m(*(x.reshape(1, -1) for x in xs))
        batched = batched.reshape(()) if batched.ndim == 1 else batched
    else:
        batched = m(*(x.unsqueeze(0) for x in xs))
    single = m(*xs)
    single, batched = [o[0] if isinstance(o, tuple) else o for o in (single, batched)]
    if cls != "PairwiseDistance":
        batched = batched[0]
    assert tuple(single.shape) == tuple(batched.shape)
    np.testing.assert_allclose(single.tolist(), batched.tolist(), rtol=1e-12, atol=1e-12)
