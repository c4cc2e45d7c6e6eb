"""F.scaled_dot_product_attention and nn.MultiheadAttention
against PyTorch (values, gradients of inputs and parameters, masks, shapes, dtypes,
state_dict keys, reprs, initialisation, errors), on every device, plus float64 gradchecks."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn
from attention_helpers import compare_backward, inputs, masks, pair

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(1)


# ---- scaled_dot_product_attention ------------------------------------------------------------
def _bool(shape, p=0.6, dead_row=None):
    m = RNG.random(shape) < p
    if dead_row is not None:
        m[..., dead_row, :] = False            # a query that may attend to nothing
    return m


def _float(shape):
    m = RNG.standard_normal(shape)
    m[RNG.random(shape) < 0.3] = -np.inf
    m[..., 0, :] = -np.inf                     # a fully masked row in a float mask
    return m


SDPA = [  # (id, q, k, v shapes, kwargs, mask)
    ("2d", (3, 4), (5, 4), (5, 2), {}, None),
    ("3d", (2, 3, 4), (2, 5, 4), (2, 5, 6), {}, None),
    ("4d", (2, 3, 4, 8), (2, 3, 6, 8), (2, 3, 6, 5), {}, None),
    ("batch-broadcast", (2, 3, 4, 8), (1, 3, 6, 8), (1, 3, 6, 8), {}, None),
    ("scale", (2, 2, 4, 3), (2, 2, 4, 3), (2, 2, 4, 3), {"scale": 0.3}, None),
    ("causal", (2, 2, 5, 3), (2, 2, 5, 3), (2, 2, 5, 4), {"is_causal": True}, None),
    ("causal-L<S", (1, 2, 3, 4), (1, 2, 6, 4), (1, 2, 6, 4), {"is_causal": True}, None),
    ("causal-L>S", (1, 2, 6, 4), (1, 2, 3, 4), (1, 2, 3, 4), {"is_causal": True}, None),
    ("bool-LS", (2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3), {}, _bool((4, 5), dead_row=2)),
    ("bool-N1LS", (2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3), {}, _bool((2, 1, 4, 5))),
    ("float-NHLS", (2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3), {}, _float((2, 2, 4, 5))),
    ("gqa", (2, 4, 3, 4), (2, 2, 5, 4), (2, 2, 5, 6), {"enable_gqa": True}, None),
    ("gqa-causal-scale", (1, 6, 4, 4), (1, 2, 4, 4), (1, 2, 4, 4),
     {"enable_gqa": True, "is_causal": True, "scale": 2.0}, None),
    ("gqa-mask", (1, 4, 3, 4), (1, 1, 5, 4), (1, 1, 5, 4), {"enable_gqa": True},
     _bool((3, 5), dead_row=0)),
]


def _sdpa_pair(q, k, v, kwargs, mask, device="cpu"):
    (qo, ko, vo), (qt, kt, vt) = inputs([q, k, v], device)
    mo, mt = masks(mask, device)
    out_o = F.scaled_dot_product_attention(qo, ko, vo, attn_mask=mo, **kwargs)
    out_t = TF.scaled_dot_product_attention(qt, kt, vt, attn_mask=mt, **kwargs)
    return out_o, out_t, [qo, ko, vo], [qt, kt, vt]


@pytest.mark.parametrize("case", SDPA, ids=[c[0] for c in SDPA])
def test_sdpa_matches_torch(case):
    _, q, k, v, kwargs, mask = case
    out_o, out_t, ours, theirs = _sdpa_pair(q, k, v, kwargs, mask)
    assert out_o.shape == tuple(out_t.shape) and out_o.dtype == xg.float64
    compare_backward(out_o, out_t, ours, theirs, {}, {})


@pytest.mark.parametrize("case", [SDPA[2], SDPA[5], SDPA[8], SDPA[10], SDPA[11]],
                         ids=["4d", "causal", "bool", "float", "gqa"])
def test_sdpa_on_every_device(case, device):
    _, q, k, v, kwargs, mask = case
    out_o, out_t, ours, theirs = _sdpa_pair(q, k, v, kwargs, mask, device)
    assert out_o.device == device
    compare_backward(out_o, out_t, ours, theirs, {}, {})


def test_sdpa_fully_masked_rows_are_zero_as_torch():
    keep = np.ones((3, 4), dtype=bool)
    keep[1] = False
    out_o, out_t, ours, theirs = _sdpa_pair((2, 3, 5), (2, 4, 5), (2, 4, 2), {}, keep)
    assert not np.isnan(out_o.numpy()).any()
    np.testing.assert_array_equal(out_o.numpy()[:, 1], 0.0)
    compare_backward(out_o, out_t, ours, theirs, {}, {})
    np.testing.assert_array_equal(ours[0].grad.numpy()[:, 1], 0.0)


def test_sdpa_float32_and_float_mask_gradient():
    q, k, v = (RNG.standard_normal(s).astype(np.float32) for s in [(2, 3, 4), (2, 5, 4),
                                                                    (2, 5, 3)])
    bias = RNG.standard_normal((3, 5))
    out = F.scaled_dot_product_attention(xg.tensor(q), xg.tensor(k), xg.tensor(v))
    assert out.dtype == xg.float32
    ref = TF.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    (qo, ko, vo, mo), (qt, kt, vt, mt) = inputs([(2, 3, 4), (2, 5, 4), (2, 5, 3), (3, 5)])
    with torch.no_grad():
        mt.copy_(torch.tensor(bias))
    mo.data = xg.tensor(bias).data
    compare_backward(F.scaled_dot_product_attention(qo, ko, vo, attn_mask=mo),
                     TF.scaled_dot_product_attention(qt, kt, vt, attn_mask=mt),
                     [qo, ko, vo, mo], [qt, kt, vt, mt], {}, {})


def test_sdpa_dropout_drops_weights_reproducibly():
    q = xg.zeros(1, 200, 4)                    # uniform weights 1/S over S = 4 keys
    k, v = xg.zeros(1, 4, 4), xg.ones(1, 4, 1)
    xg.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    xg.manual_seed(3)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    np.testing.assert_array_equal(a, b)
    # each weight is 0 or 2 * (1/4): the output counts kept keys in steps of 0.5
    np.testing.assert_allclose(a * 2, np.round(a * 2), atol=1e-6)
    assert len(np.unique(np.round(a * 2))) > 2 and 0.7 < a.mean() < 1.3
    assert not F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy().any()


def test_sdpa_errors():
    q, k, v = xg.randn(2, 3, 4), xg.randn(2, 5, 4), xg.randn(2, 5, 4)
    with pytest.raises(RuntimeError, match="attn_mask should not be set when is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=xg.ones(3, 5, dtype="bool"),
                                       is_causal=True)
    with pytest.raises(TypeError, match="same dtype"):
        F.scaled_dot_product_attention(q, k.double(), v)
    with pytest.raises(ValueError, match=r"embedding size.*\(2, 3, 4\).*\(2, 5, 3\)"):
        F.scaled_dot_product_attention(q, xg.randn(2, 5, 3), v)
    with pytest.raises(ValueError, match="sequence length"):
        F.scaled_dot_product_attention(q, k, xg.randn(2, 6, 4))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(4, 5\).*\(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=xg.ones(4, 5, dtype="bool"))
    with pytest.raises(TypeError, match="attn_mask dtype"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=xg.ones(3, 5, dtype="int64"))
    with pytest.raises(ValueError, match=r"query heads \(3\).*key 2"):
        F.scaled_dot_product_attention(xg.randn(1, 3, 2, 4), xg.randn(1, 2, 2, 4),
                                       xg.randn(1, 2, 2, 4), enable_gqa=True)
    with pytest.raises(ValueError, match="dropout_p"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)


def _f64(*shape, device="cpu"):
    return xg.tensor(RNG.standard_normal(shape), dtype="float64", device=device,
                     requires_grad=True)


def test_sdpa_gradcheck_float64():
    q, k, v = _f64(2, 3, 4), _f64(2, 5, 4), _f64(2, 5, 2)
    keep = xg.tensor(_bool((3, 5), dead_row=1))
    assert xg.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=keep),
                        (q, k, v))
    assert xg.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True,
                                                                       scale=0.7), (q, k, v))
    assert xg.gradgradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c),
                            (_f64(1, 2, 3), _f64(1, 3, 3), _f64(1, 3, 2)))


def test_sdpa_signature_matches_torch():
    import inspect
    ours = inspect.signature(F.scaled_dot_product_attention).parameters
    assert list(ours) == ["query", "key", "value", "attn_mask", "dropout_p", "is_causal",
                          "scale", "enable_gqa"]
    assert [p.default for p in list(ours.values())[3:]] == [None, 0.0, False, None, False]


# ---- MultiheadAttention ----------------------------------------------------------------------
def _mha(make_kwargs: dict, device="cpu"):
    return pair(lambda: nn.MultiheadAttention(**make_kwargs),
                lambda: torch.nn.MultiheadAttention(**make_kwargs), device)


MHA = [  # (id, constructor kwargs, (L, S, N) or unbatched (L, S), forward kwargs, masks)
    ("self", {"embed_dim": 8, "num_heads": 2}, (4, 4, 3), {}, {}),
    ("self-no-weights", {"embed_dim": 8, "num_heads": 2}, (4, 4, 3),
     {"need_weights": False}, {}),
    ("per-head-weights", {"embed_dim": 6, "num_heads": 3}, (3, 3, 2),
     {"average_attn_weights": False}, {}),
    ("batch_first-kpm", {"embed_dim": 8, "num_heads": 4, "batch_first": True}, (5, 5, 2),
     {}, {"key_padding_mask": (2, 5)}),
    ("batch_first-kpm-sdpa", {"embed_dim": 8, "num_heads": 4, "batch_first": True},
     (5, 5, 2), {"need_weights": False}, {"key_padding_mask": (2, 5)}),
    ("cross-kdim-vdim-3d-float", {"embed_dim": 8, "num_heads": 2, "kdim": 3, "vdim": 5},
     (4, 6, 2), {}, {"attn_mask": ("float", (4, 4, 6))}),
    ("cross-kdim-sdpa", {"embed_dim": 8, "num_heads": 2, "kdim": 3, "vdim": 5}, (4, 6, 2),
     {"need_weights": False}, {"attn_mask": ("bool", (4, 6)), "key_padding_mask": (2, 6)}),
    ("cross-same-dim", {"embed_dim": 4, "num_heads": 1}, (3, 5, 2), {},
     {"attn_mask": ("float", (3, 5))}),
    ("unbatched-2d-bool", {"embed_dim": 8, "num_heads": 2}, (4, 4), {},
     {"attn_mask": ("bool", (4, 4)), "key_padding_mask": (4,)}),
    ("unbatched-3d-sdpa", {"embed_dim": 8, "num_heads": 2}, (3, 5), {"need_weights": False},
     {"attn_mask": ("float", (2, 3, 5))}),
    ("no-bias", {"embed_dim": 8, "num_heads": 2, "bias": False}, (3, 3, 2), {}, {}),
    ("bias_kv-zero_attn", {"embed_dim": 8, "num_heads": 2, "add_bias_kv": True,
                           "add_zero_attn": True}, (3, 4, 2), {},
     {"attn_mask": ("bool", (3, 4)), "key_padding_mask": (2, 4)}),
    ("bias_kv-sdpa", {"embed_dim": 8, "num_heads": 2, "add_bias_kv": True}, (3, 4, 2),
     {"need_weights": False}, {"attn_mask": ("float", (3, 4))}),
    ("causal-hint", {"embed_dim": 8, "num_heads": 2}, (5, 5, 2),
     {"need_weights": False, "is_causal": True}, {"attn_mask": ("causal", (5, 5))}),
    ("causal-hint-weights", {"embed_dim": 8, "num_heads": 2}, (5, 5, 2),
     {"is_causal": True}, {"attn_mask": ("causal", (5, 5))}),
]


def _mask_array(spec, is_padding=False):
    if is_padding:
        m = RNG.random(spec) < 0.3
        m[..., 0] = False                       # no row fully masked: no NaN here
        return m
    kind, shape = spec
    if kind == "bool":
        m = RNG.random(shape) < 0.3
        m[..., 0] = False
        return m
    if kind == "causal":
        return np.triu(np.full(shape, -np.inf), 1)
    return RNG.standard_normal(shape)


def _run_mha(case, device="cpu"):
    _, make, dims, fwd, mask_specs = case
    ours, theirs = _mha(make, device)
    e, kd, vd = make["embed_dim"], make.get("kdim", make["embed_dim"]), \
        make.get("vdim", make["embed_dim"])
    if len(dims) == 3:
        length, src, n = dims
        bf = make.get("batch_first", False)
        shape = (lambda s, d: (n, s, d) if bf else (s, n, d))
    else:
        (length, src), shape = dims, (lambda s, d: (s, d))
    self_attn = length == src and kd == vd == e
    if self_attn:                                 # one tensor: the packed-GEMM path
        (xo,), (xt,) = inputs([shape(length, e)], device)
        args_o, args_t = [xo, xo, xo], [xt, xt, xt]
    else:
        (qo, ko, vo), (qt, kt, vt) = inputs([shape(length, e), shape(src, kd),
                                             shape(src, vd)], device)
        if kd == vd == e:                        # key is value: the two-GEMM path
            args_o, args_t = [qo, ko, ko], [qt, kt, kt]
        else:
            args_o, args_t = [qo, ko, vo], [qt, kt, vt]
    kw_o, kw_t = dict(fwd), dict(fwd)
    for name, spec in mask_specs.items():
        mo, mt = masks(_mask_array(spec, name == "key_padding_mask"), device)
        kw_o[name], kw_t[name] = mo, mt
    out_o, w_o = ours(*args_o, **kw_o)
    out_t, w_t = theirs(*args_t, **kw_t)
    return ours, theirs, args_o, args_t, (out_o, w_o), (out_t, w_t)


@pytest.mark.parametrize("case", MHA, ids=[c[0] for c in MHA])
def test_multihead_attention_matches_torch(case):
    ours, theirs, args_o, args_t, (out_o, w_o), (out_t, w_t) = _run_mha(case)
    assert out_o.shape == tuple(out_t.shape)
    if w_t is None:
        assert w_o is None
    else:
        assert w_o.shape == tuple(w_t.shape)
        np.testing.assert_allclose(w_o.numpy(), w_t.detach().numpy(), rtol=1e-8, atol=1e-12)
        out_o, out_t = out_o + w_o.sum() * 0.5, out_t + w_t.sum() * 0.5   # grads through w
    unique_o = list({id(a): a for a in args_o}.values())
    unique_t = list({id(a): a for a in args_t}.values())
    compare_backward(out_o, out_t, unique_o, unique_t, dict(ours.named_parameters()),
                     dict(theirs.named_parameters()))


@pytest.mark.parametrize("case", [MHA[3], MHA[6]], ids=["batch_first-kpm", "cross-sdpa"])
def test_multihead_attention_on_every_device(case, device):
    ours, theirs, args_o, args_t, (out_o, w_o), (out_t, w_t) = _run_mha(case, device)
    assert out_o.device == device
    unique_o = list({id(a): a for a in args_o}.values())
    unique_t = list({id(a): a for a in args_t}.values())
    compare_backward(out_o, out_t, unique_o, unique_t, dict(ours.named_parameters()),
                     dict(theirs.named_parameters()))


def test_multihead_attention_fully_padded_sample_as_torch():
    ours, theirs = _mha({"embed_dim": 4, "num_heads": 2})
    (xo,), (xt,) = inputs([(3, 2, 4)])
    pad = np.zeros((2, 3), dtype=bool)
    pad[1] = True
    po, pt = masks(pad)
    with torch.no_grad(), np.errstate(invalid="ignore"):   # the NaN rows are expected
        theirs.train()                         # no fused fast path: torch's reference math
        for need in (True, False):
            out_o, w_o = ours(xo, xo, xo, key_padding_mask=po, need_weights=need)
            out_t, w_t = theirs(xt, xt, xt, key_padding_mask=pt, need_weights=need)
            np.testing.assert_allclose(out_o.numpy(), out_t.numpy(), rtol=1e-8, atol=1e-12)
            assert np.isnan(out_o.numpy()[:, 1]).all() == need    # NaN with weights, else 0
            if need:
                np.testing.assert_allclose(w_o.numpy(), w_t.numpy(), rtol=1e-8)


@pytest.mark.parametrize("kwargs", [
    {"embed_dim": 8, "num_heads": 2},
    {"embed_dim": 8, "num_heads": 2, "kdim": 3, "vdim": 5, "bias": False},
    {"embed_dim": 6, "num_heads": 3, "add_bias_kv": True, "batch_first": True},
], ids=["packed", "separate", "bias_kv"])
def test_multihead_attention_keys_repr_and_init(kwargs):
    ours, theirs = nn.MultiheadAttention(**kwargs), torch.nn.MultiheadAttention(**kwargs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    shapes = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert {k: v.shape for k, v in ours.state_dict().items()} == shapes
    e = kwargs["embed_dim"]
    sd = ours.state_dict()
    if "in_proj_weight" in sd:
        bound = math.sqrt(6.0 / (e + 3 * e))               # xavier_uniform_ on (3E, E)
        w = sd["in_proj_weight"].numpy()
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.7 * bound
    if "in_proj_bias" in sd:
        assert not sd["in_proj_bias"].numpy().any() and not sd["out_proj.bias"].numpy().any()
    assert np.abs(sd["out_proj.weight"].numpy()).max() <= 1.0 / math.sqrt(e)
    assert ours.bias_k is None or ours.bias_k.numpy().std() > 0
    assert ours.head_dim == theirs.head_dim and ours.batch_first == theirs.batch_first
    assert ours._qkv_same_embed_dim == theirs._qkv_same_embed_dim


def test_multihead_attention_dropout_only_while_training():
    mha = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = xg.randn(4, 2, 8)
    xg.manual_seed(0)
    a, wa = mha(x, x, x)
    b, wb = mha(x, x, x)
    assert not np.allclose(wa.numpy(), wb.numpy())
    mha.eval()
    c, wc = mha(x, x, x)
    d, _ = mha(x, x, x)
    np.testing.assert_array_equal(c.numpy(), d.numpy())
    np.testing.assert_allclose(wc.numpy().sum(-1), 1.0, rtol=1e-5)


def test_multihead_attention_gradcheck_float64():
    e, h = 4, 2
    in_w, in_b, out_w = _f64(3 * e, e), _f64(3 * e), _f64(e, e)
    q, kv = _f64(3, 2, e), _f64(4, 2, e)
    pad = xg.tensor(np.array([[False, False, True, False], [False, True, False, False]]))

    def fn(q, kv, in_w, in_b, out_w):
        out, w = F.multi_head_attention_forward(q, kv, kv, e, h, in_w, in_b, None, None,
                                                False, 0.0, out_w, None, training=False,
                                                key_padding_mask=pad)
        return out, w
    assert xg.gradcheck(fn, (q, kv, in_w, in_b, out_w))


def test_multihead_attention_errors():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    mha = nn.MultiheadAttention(8, 2)
    x = xg.randn(4, 2, 8)
    with pytest.raises(RuntimeError, match=r"2D attn_mask is \(3, 4\).*\(4, 4\)"):
        mha(x, x, x, attn_mask=xg.zeros(3, 4))
    with pytest.raises(RuntimeError, match=r"3D attn_mask is \(2, 4, 4\).*\(4, 4, 4\)"):
        mha(x, x, x, attn_mask=xg.zeros(2, 4, 4))
    with pytest.raises(ValueError, match=r"key_padding_mask shape of \(2, 4\).*\(2, 3\)"):
        mha(x, x, x, key_padding_mask=xg.zeros(2, 3, dtype="bool"))
    with pytest.raises(ValueError, match="batched .* 3-D but found 2-D"):
        mha(x, xg.randn(4, 8), xg.randn(4, 8))
    with pytest.raises(ValueError, match="unbatched 2D or batched 3D .* 4-D"):
        mha(xg.randn(1, 4, 2, 8), x, x)
    with pytest.raises(ValueError, match="embedding dimension of 8, but got 6"):
        mha(xg.randn(4, 2, 6), xg.randn(4, 2, 6), xg.randn(4, 2, 6))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(TypeError, match="only bool and floating types of attn_mask"):
        mha(x, x, x, attn_mask=xg.zeros(4, 4, dtype="int64"))
    with pytest.raises(ValueError, match=r"key shape \(5, 2, 8\) does not match value"):
        mha(x, xg.randn(5, 2, 8), xg.randn(4, 2, 8))


@pytest.mark.parametrize("need_weights", [True, False])
def test_functional_mha_separate_weights_and_static_kv(need_weights):
    e, h, n = 6, 2, 2
    shapes = [(3, n, e), (4, n, 5), (4, n, 5), (e, e), (e, 5), (e, 5), (3 * e,), (e, e),
              (e,), (n * h, 7, e // h), (n * h, 7, e // h)]
    ours, theirs = inputs(shapes)

    def run(functional, q, k, v, wq, wk, wv, b, wo, bo, sk, sv):
        out, w = functional.multi_head_attention_forward(
            q, k, v, e, h, None, b, None, None, False, 0.0, wo, bo, training=False,
            need_weights=need_weights, use_separate_proj_weight=True, q_proj_weight=wq,
            k_proj_weight=wk, v_proj_weight=wv, static_k=sk, static_v=sv)
        return out if w is None else out + w.sum()
    used = [0, 3, 6, 7, 8, 9, 10]        # static_k/v replace the key and value projections
    compare_backward(run(F, *ours), run(TF, *theirs), [ours[i] for i in used],
                     [theirs[i] for i in used], {}, {})
