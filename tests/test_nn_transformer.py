"""nn.TransformerEncoderLayer / DecoderLayer, TransformerEncoder / Decoder and Transformer
against PyTorch with copied weights in eval mode: outputs, gradients of inputs and of every
parameter, masks (bool, float, key padding, causal), batch_first, unbatched, norm_first,
gelu and callable activations; state_dict keys, reprs, defaults, initialisation, errors,
deep copies, the device fixture, and a short training run whose loss decreases."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from attention_helpers import check_module, inputs, masks, pair

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(2)
pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Support for mismatched")]
D, H, FF = 8, 2, 12


def _padding(n, s):
    pad = RNG.random((n, s)) < 0.3
    pad[:, 0] = False                       # every sample keeps one key: no NaN, no zeros
    return pad


def _causal(s):
    return np.triu(np.full((s, s), -np.inf), 1)


ENCODER_LAYERS = [  # (id, constructor kwargs, src shape, forward mask specs)
    ("post-norm", {}, (5, 2, D), {}),
    ("norm_first", {"norm_first": True}, (5, 2, D), {}),
    ("gelu", {"activation": "gelu"}, (4, 3, D), {}),
    ("batch_first-kpm", {"batch_first": True}, (2, 5, D), {"src_key_padding_mask": "pad"}),
    ("causal-float", {}, (5, 2, D), {"src_mask": "causal", "is_causal": True}),
    ("bool-mask-kpm", {"norm_first": True}, (4, 2, D),
     {"src_mask": "bool", "src_key_padding_mask": "pad"}),
    ("unbatched", {}, (5, D), {"src_mask": "causal"}),
    ("no-bias-eps", {"bias": False, "layer_norm_eps": 1e-3}, (3, 2, D), {}),
]


def _forward_masks(specs, shape, batch_first, device="cpu"):
    """Our and torch's keyword arguments for mask specs over a (S, N, E)-like input."""
    s = shape[1] if batch_first and len(shape) == 3 else shape[0]
    n = (shape[0] if batch_first else shape[1]) if len(shape) == 3 else None
    kw_o, kw_t = {}, {}
    for name, spec in specs.items():
        if isinstance(spec, bool):
            kw_o[name] = kw_t[name] = spec
            continue
        if spec == "pad":
            m = _padding(n, s) if n is not None else _padding(1, s)[0]
        elif spec == "causal":
            m = _causal(s)
        else:
            m = RNG.random((s, s)) < 0.3
            np.fill_diagonal(m, False)
        kw_o[name], kw_t[name] = masks(m, device)
    return kw_o, kw_t


def _make_encoder_layer(module, kwargs):
    return module.TransformerEncoderLayer(D, H, dim_feedforward=FF, **kwargs)


@pytest.mark.parametrize("case", ENCODER_LAYERS, ids=[c[0] for c in ENCODER_LAYERS])
def test_encoder_layer_matches_torch(case):
    _, kwargs, shape, specs = case
    ours, theirs = pair(lambda: _make_encoder_layer(nn, kwargs),
                        lambda: _make_encoder_layer(torch.nn, kwargs))
    (xo,), (xt,) = inputs([shape])
    kw_o, kw_t = _forward_masks(specs, shape, kwargs.get("batch_first", False))
    check_module(ours, theirs, [xo], [xt], kw_o, kw_t)


def test_encoder_layer_on_every_device(device):
    kwargs = {"batch_first": True, "activation": "gelu"}
    ours, theirs = pair(lambda: _make_encoder_layer(nn, kwargs),
                        lambda: _make_encoder_layer(torch.nn, kwargs), device)
    (xo,), (xt,) = inputs([(2, 4, D)], device)
    kw_o, kw_t = _forward_masks({"src_key_padding_mask": "pad"}, (2, 4, D), True, device)
    check_module(ours, theirs, [xo], [xt], kw_o, kw_t)


def test_encoder_layer_callable_activation():
    ours, theirs = pair(lambda: nn.TransformerEncoderLayer(D, H, FF, activation=xg.tanh),
                        lambda: torch.nn.TransformerEncoderLayer(D, H, FF,
                                                                 activation=torch.tanh))
    (xo,), (xt,) = inputs([(3, 2, D)])
    check_module(ours, theirs, [xo], [xt])
    ours, theirs = pair(lambda: nn.TransformerEncoderLayer(D, H, FF, activation=nn.Tanh()),
                        lambda: torch.nn.TransformerEncoderLayer(D, H, FF,
                                                                 activation=torch.nn.Tanh()))
    assert "(activation): Tanh()" in repr(ours)     # a module activation is a child, as torch


DECODER_LAYERS = [  # (id, constructor kwargs, tgt shape, memory shape, mask specs)
    ("post-norm", {}, (4, 2, D), (5, 2, D), {}),
    ("norm_first-masks", {"norm_first": True}, (4, 2, D), (5, 2, D),
     {"tgt_mask": "causal", "tgt_is_causal": True, "memory_key_padding_mask": "pad5"}),
    ("batch_first-kpm", {"batch_first": True, "activation": "gelu"}, (2, 4, D), (2, 6, D),
     {"tgt_key_padding_mask": "pad4", "memory_mask": "mem"}),
    ("unbatched", {}, (3, D), (4, D), {"tgt_mask": "causal"}),
]


def _decoder_masks(specs, tgt_shape, mem_shape, batch_first):
    batched = len(tgt_shape) == 3
    t = tgt_shape[1] if batch_first and batched else tgt_shape[0]
    s = mem_shape[1] if batch_first and batched else mem_shape[0]
    n = (tgt_shape[0] if batch_first else tgt_shape[1]) if batched else 1
    kw_o, kw_t = {}, {}
    for name, spec in specs.items():
        if isinstance(spec, bool):
            kw_o[name] = kw_t[name] = spec
            continue
        if spec == "causal":
            m = _causal(t)
        elif spec == "mem":
            m = RNG.standard_normal((t, s))
        else:
            m = _padding(n, t if spec == "pad4" else s)
        kw_o[name], kw_t[name] = masks(m)
    return kw_o, kw_t


@pytest.mark.parametrize("case", DECODER_LAYERS, ids=[c[0] for c in DECODER_LAYERS])
def test_decoder_layer_matches_torch(case):
    _, kwargs, tgt_shape, mem_shape, specs = case
    ours, theirs = pair(lambda: nn.TransformerDecoderLayer(D, H, FF, **kwargs),
                        lambda: torch.nn.TransformerDecoderLayer(D, H, FF, **kwargs))
    (to, mo), (tt, mt) = inputs([tgt_shape, mem_shape])
    kw_o, kw_t = _decoder_masks(specs, tgt_shape, mem_shape, kwargs.get("batch_first", False))
    check_module(ours, theirs, [to, mo], [tt, mt], kw_o, kw_t)


def test_encoder_stack_matches_torch_and_copies_the_layer():
    def make(m):
        layer = m.TransformerEncoderLayer(D, H, FF, norm_first=True)
        return m.TransformerEncoder(layer, num_layers=2, norm=m.LayerNorm(D),
                                    enable_nested_tensor=False)
    ours, theirs = pair(lambda: make(nn), lambda: make(torch.nn), same_repr=False)
    assert repr(ours.layers[1]) == repr(theirs.layers[1])
    assert repr(ours.norm) == repr(theirs.norm)
    assert list(ours.state_dict())[:2] == ["layers.0.self_attn.in_proj_weight",
                                           "layers.0.self_attn.in_proj_bias"]
    w0 = ours.layers[0].linear1.weight
    w1 = ours.layers[1].linear1.weight
    assert w0 is not w1 and not np.array_equal(w0.numpy(), w1.numpy())
    (xo,), (xt,) = inputs([(5, 2, D)])
    kw_o, kw_t = _forward_masks({"mask": "causal", "src_key_padding_mask": "pad"},
                                (5, 2, D), False)
    check_module(ours, theirs, [xo], [xt], kw_o, kw_t)


def test_decoder_stack_matches_torch():
    def make(m):
        return m.TransformerDecoder(m.TransformerDecoderLayer(D, H, FF), num_layers=2,
                                    norm=m.LayerNorm(D))
    ours, theirs = pair(lambda: make(nn), lambda: make(torch.nn), same_repr=False)
    assert repr(ours.layers[0]) == repr(theirs.layers[0])
    (to, mo), (tt, mt) = inputs([(4, 2, D), (5, 2, D)])
    kw_o, kw_t = _decoder_masks({"tgt_mask": "causal", "memory_key_padding_mask": "pad5"},
                                (4, 2, D), (5, 2, D), False)
    check_module(ours, theirs, [to, mo], [tt, mt], kw_o, kw_t)


def _make_transformer(m, **kw):
    return m.Transformer(d_model=D, nhead=H, num_encoder_layers=2, num_decoder_layers=1,
                         dim_feedforward=FF, **kw)


@pytest.mark.parametrize("kwargs", [{}, {"batch_first": True, "norm_first": True}],
                         ids=["seq-first", "batch_first-norm_first"])
def test_transformer_matches_torch(kwargs):
    ours, theirs = pair(lambda: _make_transformer(nn, **kwargs),
                        lambda: _make_transformer(torch.nn, **kwargs), same_repr=False)
    bf = kwargs.get("batch_first", False)
    src, tgt = ((2, 5, D), (2, 4, D)) if bf else ((5, 2, D), (4, 2, D))
    (so, to), (st, tt) = inputs([src, tgt])
    mask_o = nn.Transformer.generate_square_subsequent_mask(4).double()
    mask_t = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    pad = _padding(2, 5)
    po, pt = masks(pad)
    kw_o = {"tgt_mask": mask_o, "src_key_padding_mask": po, "memory_key_padding_mask": po,
            "tgt_is_causal": True}
    kw_t = {"tgt_mask": mask_t, "src_key_padding_mask": pt, "memory_key_padding_mask": pt,
            "tgt_is_causal": True}
    check_module(ours, theirs, [so, to], [st, tt], kw_o, kw_t)


def test_transformer_init_keys_and_mask():
    xg.manual_seed(0)
    ours, theirs = _make_transformer(nn), _make_transformer(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "decoder.layers.0.multihead_attn.in_proj_weight" in ours.state_dict()
    assert "encoder.norm.weight" in ours.state_dict()
    w = ours.encoder.layers[0].linear1.weight.numpy()       # xavier_uniform_ over everything
    bound = np.sqrt(6.0 / (D + FF))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.7 * bound
    b = ours.encoder.layers[0].linear1.bias.numpy()          # biases keep torch's Linear init
    assert 0 < np.abs(b).max() <= 1 / np.sqrt(D)
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    expected = torch.nn.Transformer.generate_square_subsequent_mask(4).numpy()
    assert mask.dtype == xg.float32 and mask.shape == (4, 4)
    np.testing.assert_array_equal(mask.numpy(), expected)
    assert ours.d_model == D and ours.nhead == H and ours.batch_first is False


def test_layer_init_is_torchs():
    layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32)
    w1, b1 = layer.linear1.weight.numpy(), layer.linear1.bias.numpy()
    assert np.abs(w1).max() <= 1 / 4 and np.abs(w1).max() > 0.2      # U(+-1/sqrt(16))
    assert 0 < np.abs(b1).max() <= 1 / 4
    assert np.abs(layer.linear2.weight.numpy()).max() <= 1 / np.sqrt(32)
    np.testing.assert_array_equal(layer.norm1.weight.numpy(), 1.0)
    assert not layer.self_attn.in_proj_bias.numpy().any()


@pytest.mark.parametrize("name", ["TransformerEncoderLayer", "TransformerDecoderLayer",
                                  "TransformerEncoder", "TransformerDecoder", "Transformer",
                                  "MultiheadAttention", "RMSNorm"])
def test_signatures_and_defaults_match_torch(name):
    def params(cls):
        return {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items()
                if k not in ("self", "activation")}
    assert params(getattr(nn, name)) == params(getattr(torch.nn, name))
    fwd = list(inspect.signature(getattr(nn, name).forward).parameters)
    assert fwd == list(inspect.signature(getattr(torch.nn, name).forward).parameters)


def test_reprs_match_torch():
    for make in (lambda m: m.TransformerEncoderLayer(D, H, FF, activation="gelu"),
                 lambda m: m.TransformerDecoderLayer(D, H, FF, norm_first=True, bias=False),
                 lambda m: m.MultiheadAttention(D, H, kdim=3, vdim=5)):
        assert repr(make(nn)) == repr(make(torch.nn))


def test_transformer_errors():
    model = _make_transformer(nn)
    with pytest.raises(RuntimeError, match="batch number of src and tgt must be equal"):
        model(xg.randn(5, 2, D), xg.randn(4, 3, D))
    with pytest.raises(RuntimeError, match="feature number of src and tgt"):
        model(xg.randn(5, 2, D), xg.randn(4, 2, D + 1))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not swish"):
        nn.TransformerEncoderLayer(D, H, activation="swish")
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.TransformerEncoderLayer(10, 3)
    layer = nn.TransformerEncoderLayer(D, H, FF)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(4, 4\).*\(5, 5\)"):
        layer(xg.randn(5, 2, D), src_mask=xg.zeros(4, 4))
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        layer(xg.randn(5, 2, D), is_causal=True)


def test_tiny_encoder_learns():
    """Predict, at each position, the running mean of a 1-D sequence: needs attention
    across positions (causal), dropout on while training."""
    xg.manual_seed(0)
    rng = np.random.default_rng(0)
    seq, n, d = 6, 32, 16
    x = rng.standard_normal((n, seq, 1)).astype(np.float32)
    y = np.cumsum(x, axis=1) / np.arange(1, seq + 1)[None, :, None]
    embed = nn.Linear(1, d)
    layer = nn.TransformerEncoderLayer(d, 2, dim_feedforward=32, dropout=0.1,
                                       batch_first=True)
    encoder = nn.TransformerEncoder(layer, num_layers=1)
    head = nn.Linear(d, 1)
    params = list(embed.parameters()) + list(encoder.parameters()) + list(head.parameters())
    opt = optim.Adam(params, lr=3e-3)
    mask = nn.Transformer.generate_square_subsequent_mask(seq)
    xt, yt = xg.tensor(x), xg.tensor(y.astype(np.float32))
    losses = []
    for _ in range(60):
        opt.zero_grad()
        out = head(encoder(embed(xt), mask=mask, is_causal=True))
        loss = ((out - yt) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(p.grad is not None for p in params)
    assert np.mean(losses[-5:]) < 0.25 * np.mean(losses[:5]), losses
