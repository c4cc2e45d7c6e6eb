"""Discrepancies found by a differential sweep of every torch.nn module class against
xpgrad.nn, each pinned with the numbers torch 2.13 gives (computed once with torch, hard-coded
here: these tests run without torch).

- CTCLoss: the gradient of ``log_probs`` is PyTorch's (that of the logits under a
  log_softmax: exp(log_probs) - posterior), also when log_probs is the leaf.
- BCELoss: the gradient at p = 0 or 1 divides by max(p (1 - p), 1e-12) with PyTorch's
  float32 1e-12.
- TransformerEncoder: PyTorch's nested-tensor inference path (eval, no grad, batch_first,
  left-aligned src_key_padding_mask) returns zeros at the padded positions (before norm).
- Error types: where PyTorch raises RuntimeError (or fails an assert), ours raises an
  exception that is also a RuntimeError (AssertionError), and still the ValueError/TypeError
  it was before.
"""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn


def _log_probs():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((5, 2, 4))
    return a - np.log(np.exp(a).sum(-1, keepdims=True))


TARGETS, IN_LEN, TG_LEN = [[1, 2, 2], [3, 1, 0]], [5, 4], [3, 2]
# reduction: (loss, grad.sum(), (grad * arange).sum(), grad[0, 1, :]) from torch 2.13
CTC_TORCH = {
    "none": ([6.283371666472016, 3.7140778573842983], 3.3306690738754696e-16,
             1.3232236949949367,
             [-0.4146238939248245, -0.2756990392039879, -0.1421604164421664,
              0.8324833495709788]),
    "sum": (9.997449523856314, -2.220446049250313e-16, 1.0760048948180483,
            [0.3189414568652496, 0.21207618400306763, 0.10935416649397414,
             -0.6403718073622914]),
    "mean": (1.9757480754247438, -9.71445146547012e-17, 0.15558330461041248,
             [0.0797353642163124, 0.05301904600076691, 0.027338541623493536,
              -0.16009295184057284]),
}


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_ctc_gradient_of_log_probs_is_torchs(reduction):
    x = xg.tensor(_log_probs(), requires_grad=True)
    loss = nn.CTCLoss(reduction=reduction)(x, xg.tensor(TARGETS), xg.tensor(IN_LEN),
                                           xg.tensor(TG_LEN))
    want_loss, g_sum, g_weighted, g_row = CTC_TORCH[reduction]
    np.testing.assert_allclose(loss.numpy(), want_loss, rtol=1e-12)
    if reduction == "none":
        (loss * xg.tensor([0.7, -1.3], dtype="float64")).sum().backward()
    else:
        loss.backward()
    g = x.grad.numpy()
    np.testing.assert_allclose(g.sum(), g_sum, atol=1e-12)
    np.testing.assert_allclose((g * np.arange(g.size).reshape(g.shape)).sum(), g_weighted,
                               rtol=1e-10)
    np.testing.assert_allclose(g[0, 1], g_row, rtol=1e-10)
    assert not g[4, 1].any()                   # past sample 1's input length: no gradient


def test_ctc_unbatched_gradient_and_log_softmax_chain():
    lp = _log_probs()[:, 0]
    x = xg.tensor(lp, requires_grad=True)
    loss = nn.CTCLoss(zero_infinity=True)(x, xg.tensor([1, 2]), xg.tensor(3), xg.tensor(2))
    loss.backward()
    np.testing.assert_allclose(loss.item(), 1.5679568704791027, rtol=1e-12)
    want = [[-0.1477398241848331, -0.2338645440184222, 0.12927384364661756,
             0.252330524556638],
            [0.06518948034897051, -0.06394154764510496, -0.01771120750531449,
             0.016463274801448994],
            [0.13508514146435097, 0.06567371230823782, -0.32977258966977574,
             0.1290137358971873], [0.0] * 4, [0.0] * 4]
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-10, atol=1e-15)
    # through a log_softmax the extra exp(log_probs) cancels: the same logit gradient
    logits = xg.tensor(lp, requires_grad=True)
    nn.CTCLoss(zero_infinity=True)(logits.log_softmax(-1), xg.tensor([1, 2]), 3, 2).backward()
    np.testing.assert_allclose(logits.grad.numpy(), want, rtol=1e-9, atol=1e-15)


def test_ctc_second_order_runs():
    x = xg.tensor(_log_probs(), requires_grad=True)
    loss = nn.CTCLoss(reduction="sum")(x, xg.tensor(TARGETS), IN_LEN, TG_LEN)
    np.testing.assert_allclose(loss.item(), 9.997449523856314, rtol=1e-12)
    (g,) = xg.autograd.grad(loss, x, create_graph=True)
    np.testing.assert_allclose(g.numpy()[0, 1], CTC_TORCH["sum"][3], rtol=1e-10)
    (g * g).sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and x.grad.numpy().any()


def test_bce_gradient_at_saturation_uses_torchs_float32_eps():
    x = xg.tensor([0.0, 1.0, 0.3], dtype="float64", requires_grad=True)
    loss = nn.BCELoss(reduction="sum")(x, xg.tensor([0.2, 0.7, 0.5], dtype="float64"))
    loss.backward()
    np.testing.assert_allclose(loss.item(), 50.780323874132336, rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(),
                               [-200000000799.16058, 300000001198.7409, -0.9523809523809524],
                               rtol=1e-13)


def test_cosine_embedding_gradient_at_a_zero_vector_uses_torchs_float32_eps():
    a = xg.tensor(np.zeros((2, 3)), requires_grad=True)
    b = xg.tensor([[1.0, 2.0, -1.0], [0.5, 0.1, 0.3]], dtype="float64")
    loss = nn.CosineEmbeddingLoss(reduction="sum")(a, b, xg.tensor([1.0, -1.0], dtype="float64"))
    loss.backward()
    assert loss.item() == 1.0
    np.testing.assert_allclose(a.grad.numpy(),
                               [[-408248.2912794688, -816496.5825589376, 408248.2912794688],
                                [845154.2564158441, 169030.85128316883, 507092.5538495064]],
                               rtol=1e-13)


# ---- TransformerEncoder: PyTorch's nested-tensor inference path -------------------------
TE_NOGRAD = [[[0.2747110302218831, 0.3229930076691729, 0.1618415227285022,
               0.17848946695450132],
              [0.2591414278551682, 0.3354004774945473, -0.005943912848967053,
               0.15923434914137324],
              [0.030450536104598025, 0.3658205048059342, -0.08412979868681825,
               0.28611529961528437]],
             [[0.276751800040536, 0.323394547276902, 0.18825219434463655,
               0.18240486757223673],
              [0.274614265721417, 0.329031771633048, 0.14424995801481427,
               0.17687417665128388],
              [0.2717372906187805, 0.3338057115782019, 0.10176860814057552,
               0.17182558105685383]]]
TE_GRAD_PADDED = [0.27482276785477994, 0.32362867573060417, 0.16145444923551205,
                  0.17852537283476855]
PAD = [[False, False, True], [False, False, False]]


def _encoder(batch_first=True, **kw):
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, batch_first=batch_first, **kw)
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(4)).double().eval()
    rng = np.random.default_rng(11)           # torch's state_dict order, filled in turn
    enc.load_state_dict({k: xg.tensor(rng.uniform(-0.5, 0.5, tuple(v.shape)))
                         for k, v in enc.state_dict().items()})
    return enc


def _src():
    return xg.tensor(np.random.default_rng(12).standard_normal((2, 3, 4)))


def test_encoder_nested_path_zeros_padded_positions():
    enc = _encoder()
    with xg.no_grad():
        y = enc(_src(), src_key_padding_mask=xg.tensor(PAD))
    np.testing.assert_allclose(y.numpy(), TE_NOGRAD, rtol=1e-10)
    np.testing.assert_allclose(y.numpy()[0, 2], enc.norm.bias.numpy(), rtol=1e-12)
    # a float mask (-inf at the pads) takes the same path
    fmask = xg.tensor(np.where(PAD, -np.inf, 0.0))
    with xg.no_grad():
        np.testing.assert_allclose(enc(_src(), src_key_padding_mask=fmask).numpy(),
                                   TE_NOGRAD, rtol=1e-10)


def test_encoder_padded_positions_computed_where_torch_keeps_the_plain_path():
    enc = _encoder()
    y = enc(_src(), src_key_padding_mask=xg.tensor(PAD))      # gradients on: no nested path
    np.testing.assert_allclose(y.numpy()[0, 2], TE_GRAD_PADDED, rtol=1e-10)
    np.testing.assert_allclose(y.numpy()[1], np.asarray(TE_NOGRAD)[1], rtol=1e-10)
    with xg.no_grad():
        for other in (dict(enable_nested_tensor=False), dict(train=True),
                      dict(layer=dict(norm_first=True)), dict(batch_first=False),
                      dict(mask=[[False, True, True], [True, False, False]])):   # not left-aligned
            first = other.get("batch_first", True)
            e = _encoder(batch_first=first, **other.get("layer", {}))
            e.enable_nested_tensor = other.get("enable_nested_tensor", True)
            e.train(other.get("train", False))
            out = e(_src() if first else _src().transpose(0, 1),
                    src_key_padding_mask=xg.tensor(other.get("mask", PAD))).numpy()
            row = out[0, 2] if first else out[2, 0]
            assert not np.allclose(row, e.norm.bias.numpy()), other


# ---- exception types: PyTorch's RuntimeError / AssertionError ---------------------------
def _f64(*shape):
    return xg.tensor(np.random.default_rng(0).standard_normal(shape))


RUNTIME_ERRORS = [
    ("Linear-negative", lambda: nn.Linear(-1, 3)),
    ("BatchNorm1d-channels", lambda: nn.BatchNorm1d(3)(_f64(4, 5))),
    ("LayerNorm-shape", lambda: nn.LayerNorm(4)(_f64(2, 3))),
    ("GroupNorm-channels", lambda: nn.GroupNorm(2, 4)(_f64(2, 6, 3))),
    ("RMSNorm-shape", lambda: nn.RMSNorm(4)(_f64(2, 3))),
    ("PReLU-channels", lambda: nn.PReLU(3).double()(_f64(2, 4))),
    ("Unflatten-sizes", lambda: nn.Unflatten(1, (2, 2))(_f64(2, 3))),
    ("PixelShuffle-channels", lambda: nn.PixelShuffle(2)(_f64(2, 6, 3, 3))),
    ("PixelShuffle-2d", lambda: nn.PixelShuffle(2)(_f64(4, 3))),
    ("PixelUnshuffle-height", lambda: nn.PixelUnshuffle(2)(_f64(1, 4, 3, 4))),
    ("ChannelShuffle-groups", lambda: nn.ChannelShuffle(2)(_f64(1, 3, 2, 2))),
    ("ReflectionPad-too-wide", lambda: nn.ReflectionPad1d(4)(_f64(2, 3, 4))),
    ("Bilinear-batch", lambda: nn.Bilinear(3, 4, 2).double()(_f64(5, 3), _f64(4, 4))),
    ("CosineSimilarity-shapes", lambda: nn.CosineSimilarity()(_f64(3, 4), _f64(2, 4))),
    ("CTC-input-length", lambda: nn.CTCLoss()(_f64(6, 2, 4).log_softmax(-1),
                                              xg.tensor(TARGETS), [7, 5], [3, 2])),
    ("MHA-batch", lambda: nn.MultiheadAttention(8, 2).double()(_f64(4, 2, 8), _f64(5, 3, 8),
                                                               _f64(5, 3, 8))),
    ("Decoder-memory-batch", lambda: nn.TransformerDecoderLayer(8, 2, 16).double()(
        _f64(4, 2, 8), _f64(5, 3, 8))),
]


@pytest.mark.parametrize("make", [m for _, m in RUNTIME_ERRORS],
                         ids=[i for i, _ in RUNTIME_ERRORS])
def test_runtime_error_where_torch_raises_one(make):
    with pytest.raises(RuntimeError) as info:
        make()
    assert isinstance(info.value, ValueError)       # still the type it was before


@pytest.mark.parametrize("make", [
    lambda: nn.Embedding(10, 3).double()(_f64(1, 2)),
    lambda: nn.NLLLoss()(_f64(5, 3), _f64(5)),
], ids=["Embedding-float-indices", "NLLLoss-float-targets"])
def test_type_errors_are_also_runtime_errors(make):
    with pytest.raises(RuntimeError) as info:
        make()
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize("make", [
    lambda: nn.MultiheadAttention(8, 3),
    lambda: nn.TransformerEncoderLayer(8, 3),
    lambda: nn.Embedding(10, 3, padding_idx=10),
    lambda: nn.MultiheadAttention(8, 2).double()(_f64(4, 2, 8), _f64(5, 2, 8), _f64(6, 2, 8)),
    lambda: nn.MultiheadAttention(8, 2).double()(_f64(4, 2, 8), _f64(5, 2, 8), _f64(5, 2, 8),
                                                 key_padding_mask=xg.tensor([[False] * 4] * 2)),
], ids=["MHA-heads", "EncoderLayer-heads", "Embedding-padding_idx", "MHA-key-value",
        "MHA-key_padding_mask"])
def test_assertion_error_where_torch_asserts(make):
    with pytest.raises(AssertionError) as info:
        make()
    assert isinstance(info.value, ValueError)


def test_adaptive_log_softmax_initialisation_is_torchs():
    # PyTorch's nn.Linear init for the head and tails: U(+-1/sqrt(in_features)), biases too
    xg.manual_seed(0)
    asm = nn.AdaptiveLogSoftmaxWithLoss(64, 200, [50, 100], div_value=2.0, head_bias=True)
    for name, p in asm.named_parameters():
        bound = 1 / np.sqrt(asm.in_features if name.startswith("head") or name.endswith(
            "0.weight") else p.shape[1])
        w = p.numpy()
        assert np.abs(w).max() <= bound, name
        assert np.abs(w).max() > 0.9 * bound and abs(w.std() - bound / np.sqrt(3)) < 0.15 * bound, \
            name
    asm.reset_parameters()
    assert np.abs(asm.head.weight.numpy()).max() <= 1 / 8


# ---- state_dict: order after re-assignment, BatchNorm checkpoints without the count -----
def test_reassigned_parameter_keeps_its_place_in_state_dict():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(3, 3), nn.Linear(3, 3)
            self.b.weight = self.a.weight           # tied: PyTorch keeps b.weight before b.bias
    m = Tied()
    assert list(m.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert [k for k, _ in m.named_parameters()] == ["a.weight", "a.bias", "b.bias"]
    lin = nn.Linear(2, 3)
    lin.register_buffer("z", xg.zeros(1))
    lin.register_buffer("y", xg.zeros(1))
    lin.z = xg.ones(1)
    lin.register_buffer("z", xg.ones(2), persistent=False)
    lin.weight = nn.Parameter(xg.zeros(3, 2))
    assert list(lin.state_dict()) == ["weight", "bias", "y"]
    assert [k for k, _ in lin.named_buffers()] == ["z", "y"]


def test_batchnorm_loads_a_state_dict_without_num_batches_tracked():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    state = {k: v for k, v in model.state_dict().items() if "num_batches" not in k}
    result = model.load_state_dict(state)                      # strict: PyTorch accepts it
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert model[1].num_batches_tracked.item() == 0
    with pytest.raises(RuntimeError, match="running_mean"):
        model.load_state_dict({k: v for k, v in state.items() if "running_mean" not in k})
    assert "missing_keys=['1.weight']" in repr(
        model.load_state_dict({k: v for k, v in state.items() if k != "1.weight"},
                              strict=False))
