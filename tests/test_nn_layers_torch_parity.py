"""nn module classes shared with PyTorch against it, in float64 (skipped without torch), part
two: dropout (eval), embeddings, padding, resampling, shuffles, fold/unfold, distances,
unpooling, attention and transformer layers, containers. See nn_parity_harness."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import xpgrad as xg  # noqa: E402
from xpgrad import nn  # noqa: E402

from nn_parity_harness import Case, Const, F, Int, Mod, check, ids_unique  # noqa: E402


def UnpoolIdx(out_shape, kernel):
    """Indices a max pool with kernel == stride could give for ``out_shape`` (N, C, *spatial):
    one random position in each window, flattened over the unpooled spatial size."""
    spatial = out_shape[2:]
    full = tuple(s * kernel for s in spatial)

    def make(rng):
        grids = np.meshgrid(*[np.arange(s) for s in spatial], indexing="ij")
        idx = np.zeros(out_shape, dtype=np.int64)
        for n in range(out_shape[0]):
            for c in range(out_shape[1]):
                coords = [g * kernel + rng.integers(0, kernel, g.shape) for g in grids]
                idx[n, c] = np.ravel_multi_index(coords, full)
        return idx, False
    return make


def UniqueIdx(shape, dims, size):
    """Distinct random positions in [0, size) for each channel of ``shape`` (its last
    ``dims`` dimensions are the pooled ones; ``size`` the unpooled spatial size)."""
    def make(rng):
        lead, per = shape[:-dims], int(np.prod(shape[-dims:]))
        rows = [rng.permutation(size)[:per] for _ in range(int(np.prod(lead)))]
        return np.array(rows, dtype=np.int64).reshape(shape), False
    return make


def Edge(value):
    """A fixed input that needs a gradient."""
    return lambda rng: (np.asarray(value, dtype=np.float64), True)


def Mask(*shape, p=0.3):
    """A boolean mask (True = masked) that never masks a whole last-dimension row."""
    def make(rng):
        m = rng.uniform(size=shape) < p
        m[..., 0] = False
        return m, False
    return make


def Causal(n):
    return Const(np.triu(np.full((n, n), -np.inf), 1))


X = ((2, 3, 4),)
DROPOUT = [
    Case("Dropout", (0.3,), inputs=X, name="eval"),
    Case("Dropout", (0.0,), inputs=X, train=True, name="p0-train"),
    Case("Dropout", (1.0,), inputs=X, train=True, name="p1-train"),
    Case("Dropout2d", (1.0,), inputs=((2, 3, 4, 4),), train=True, name="p1-train"),
    Case("Dropout1d", (0.3,), inputs=X, name="eval"),
    Case("Dropout1d", (0.3,), inputs=((3, 4),), name="unbatched-eval"),
    Case("AlphaDropout", (1.0,), inputs=X, train=True, name="p1-train"),
    Case("AlphaDropout", (0.0,), inputs=X, train=True, name="p0-train"),
    Case("FeatureAlphaDropout", (0.0,), inputs=X, train=True, name="p0-train"),
    Case("RReLU", (0.2, 0.2), inputs=X, train=True, name="fixed-slope-train"),
    Case("Dropout2d", (0.3,), inputs=((2, 3, 4, 4),), name="eval"),
    Case("Dropout3d", (0.3,), inputs=((2, 3, 2, 2, 2),), name="eval"),
    Case("AlphaDropout", (0.3,), inputs=X, name="eval"),
    Case("FeatureAlphaDropout", (0.3,), inputs=((2, 3, 4, 4),), name="eval"),
]

EMBEDDING = [
    Case("Embedding", (10, 4), inputs=(Int(10, 3, 5),)),
    Case("Embedding", (10, 4), inputs=(Const(3, np.int64),), name="0d"),
    Case("Embedding", (10, 4), kw=dict(padding_idx=2),
         inputs=(Const([[2, 1, 2], [0, 9, 3]], np.int64),), name="padding_idx"),
    Case("Embedding", (10, 4), kw=dict(max_norm=1.0),
         inputs=(Const([[1, 4, 1], [0, 9, 4]], np.int64),), name="max_norm"),
    Case("Embedding", (10, 4), kw=dict(max_norm=1.5, norm_type=1.0, scale_grad_by_freq=True),
         inputs=(Const([[1, 4, 1], [0, 1, 4]], np.int64),), name="max_norm-l1-freq"),
    Case("Embedding", (10, 4), kw=dict(max_norm=0.8, norm_type=float("inf"), padding_idx=0),
         inputs=(Const([[1, 4, 1], [0, 1, 4]], np.int64),), name="max_norm-inf"),
    Case("Embedding", (10, 4), kw=dict(padding_idx=-1),
         inputs=(Const([[9, 1, 9], [0, 9, 3]], np.int64),), name="negative-padding_idx"),
    Case("EmbeddingBag", (10, 3), kw=dict(mode="mean"), inputs=(Int(10, 4, 3),)),
    Case("EmbeddingBag", (4, 3), kw=dict(mode="max"), inputs=(Const([[1, 1, 3], [2, 0, 2]],
                                                                    np.int64),), name="max-ties"),
    Case("EmbeddingBag", (10, 3), kw=dict(mode="sum", padding_idx=2), inputs=(Int(10, 4, 3),),
         fkw=dict(per_sample_weights=F(4, 3, grad=False)), name="2d-weights"),
    Case("EmbeddingBag", (10, 3), kw=dict(mode="sum"),
         inputs=(Int(10, 7), Const([0, 2, 2, 5], np.int64), F(7)), name="sum-weights"),
    Case("EmbeddingBag", (10, 3), kw=dict(mode="max"),
         inputs=(Const([3, 1, 4, 1, 5, 9, 2], np.int64), Const([0, 3, 4], np.int64)),
         name="max"),
    Case("EmbeddingBag", (10, 3), kw=dict(mode="mean", padding_idx=1),
         inputs=(Const([3, 1, 4, 1, 5, 9, 2], np.int64), Const([0, 3, 4], np.int64)),
         name="mean-padding"),
    Case("EmbeddingBag", (10, 3), kw=dict(mode="mean", padding_idx=1),
         inputs=(Const([3, 1, 1, 5], np.int64), Const([0, 1, 3, 3], np.int64)),
         name="mean-empty-bags"),
    Case("EmbeddingBag", (10, 3), kw=dict(mode="max"),
         inputs=(Const([3, 1, 4, 5], np.int64), Const([0, 2, 2], np.int64)), name="max-empty"),
    Case("EmbeddingBag", (10, 3), kw=dict(mode="sum", include_last_offset=True),
         inputs=(Int(10, 7), Const([0, 2, 2, 7], np.int64)), name="last-offset"),
    Case("EmbeddingBag", (10, 3), kw=dict(mode="sum", max_norm=1.0),
         inputs=(Int(10, 2, 4),), name="max_norm"),
    # torch 2.13's CPU embedding_bag backward divides by the wrong count when indices occur
    # unequally often (pytorch/pytorch#190063): every index here occurs equally often
    Case("EmbeddingBag", (10, 3), kw=dict(mode="mean", scale_grad_by_freq=True),
         inputs=(Const([3, 1, 4, 1, 3, 4], np.int64), Const([0, 2, 3], np.int64)),
         name="mean-freq"),
    Case("EmbeddingBag", (10, 3), kw=dict(mode="sum", scale_grad_by_freq=True, padding_idx=4),
         inputs=(Const([3, 1, 4, 1, 4, 3], np.int64), Const([0, 3], np.int64), F(6)),
         name="sum-freq-weights"),
]

PAD = [
    Case("ConstantPad1d", (2, 3.5), inputs=((2, 3, 5),)),
    Case("ConstantPad1d", ((1, 2), 1.0), inputs=((5,),), name="1d"),
    Case("ConstantPad2d", ((1, 0, 2, 3), -1.0), inputs=((2, 3, 4, 5),)),
    Case("ConstantPad2d", ((-1, 1, 0, -1), 0.5), inputs=((3, 4, 5),), name="negative"),
    Case("ConstantPad3d", (1, 0.5), inputs=((1, 2, 2, 3, 2),)),
    Case("ZeroPad1d", ((1, 2),), inputs=((2, 3, 5),)),
    Case("ZeroPad2d", (2,), inputs=((2, 3, 4, 5),)),
    Case("ZeroPad3d", ((1, 0, 0, 1, 2, 0),), inputs=((1, 2, 2, 3, 2),)),
    Case("ReflectionPad1d", (2,), inputs=((2, 3, 5),)),
    Case("ReflectionPad1d", ((3, 1),), inputs=((3, 5),), name="unbatched"),
    Case("ReflectionPad1d", (4,), inputs=((2, 3, 5),), name="widest"),
    Case("ZeroPad2d", ((-1, 2, 1, -2),), inputs=((2, 3, 4, 5),), name="negative"),
    Case("ReflectionPad2d", ((1, 2, 0, 3),), inputs=((2, 3, 4, 5),)),
    Case("ReflectionPad3d", (1,), inputs=((1, 2, 3, 3, 3),)),
    Case("ReplicationPad1d", ((2, 3),), inputs=((2, 3, 5),)),
    Case("ReplicationPad2d", ((1, 2, 0, 3),), inputs=((3, 4, 5),)),
    Case("ReplicationPad3d", ((1, 0, 2, 1, 0, 1),), inputs=((1, 2, 3, 3, 3),)),
    Case("CircularPad1d", ((2, 3),), inputs=((2, 3, 5),)),
    Case("CircularPad2d", ((1, 2, 0, 3),), inputs=((2, 3, 4, 5),)),
    Case("CircularPad3d", (1,), inputs=((1, 2, 3, 3, 3),)),
]

SAMPLING = [
    Case("Upsample", kw=dict(scale_factor=2, mode="nearest"), inputs=((2, 3, 4),)),
    Case("Upsample", kw=dict(size=(5, 7), mode="bilinear"), inputs=((2, 3, 3, 4),),
         name="bilinear"),
    Case("Upsample", kw=dict(size=(5, 7), mode="bilinear", align_corners=True),
         inputs=((2, 3, 3, 4),), name="bilinear-corners"),
    Case("Upsample", kw=dict(scale_factor=(1.5, 2.5), mode="bicubic"), inputs=((1, 2, 4, 3),),
         name="bicubic"),
    Case("Upsample", kw=dict(scale_factor=1.5, mode="linear"), inputs=((2, 3, 4),),
         name="linear"),
    Case("Upsample", kw=dict(scale_factor=1.7, mode="linear", recompute_scale_factor=True),
         inputs=((2, 3, 4),), name="linear-recompute"),
    Case("Upsample", kw=dict(scale_factor=2, mode="trilinear"), inputs=((1, 2, 2, 3, 2),),
         name="trilinear"),
    Case("Upsample", kw=dict(size=(7, 5), mode="nearest-exact"), inputs=((2, 2, 3, 4),),
         name="nearest-exact"),
    Case("Upsample", kw=dict(size=(7, 5), mode="nearest"), inputs=((2, 2, 3, 4),),
         name="nearest-size"),
    Case("Upsample", kw=dict(scale_factor=1.7, mode="bilinear"), inputs=((2, 2, 3, 4),),
         name="bilinear-fractional"),
    Case("Upsample", kw=dict(scale_factor=1.7, mode="nearest"), inputs=((2, 2, 3, 4),),
         name="nearest-fractional"),
    Case("Upsample", kw=dict(scale_factor=0.6, mode="nearest-exact"), inputs=((2, 2, 5, 4),),
         name="nearest-exact-down"),
    Case("Upsample", kw=dict(size=(5, 7), mode="bicubic", align_corners=True),
         inputs=((1, 2, 3, 4),), name="bicubic-corners"),
    Case("Upsample", kw=dict(scale_factor=(0.5, 1.5, 2), mode="trilinear", align_corners=True),
         inputs=((1, 2, 4, 3, 2),), name="trilinear-corners"),
    Case("Upsample", kw=dict(size=3, mode="bilinear"), inputs=((1, 2, 6, 5),),
         name="bilinear-down"),
    Case("UpsamplingNearest2d", kw=dict(scale_factor=2), inputs=((2, 2, 3, 4),)),
    Case("UpsamplingBilinear2d", kw=dict(size=(5, 6)), inputs=((2, 2, 3, 4),)),
    Case("PixelShuffle", (2,), inputs=((2, 8, 3, 3),)),
    Case("PixelShuffle", (2,), inputs=((2, 2, 8, 2, 3),), name="extra-batch"),
    Case("PixelUnshuffle", (3,), inputs=((2, 6, 3),), name="unbatched"),
    Case("PixelUnshuffle", (2,), inputs=((2, 2, 4, 6),)),
    Case("ChannelShuffle", (2,), inputs=((2, 6, 3, 3),)),
    Case("ChannelShuffle", (3,), inputs=((2, 6, 3),), name="3d"),
    Case("Fold", kw=dict(output_size=(4, 5), kernel_size=2, padding=1), inputs=((2, 12, 30),)),
    Case("Fold", kw=dict(output_size=(5, 6), kernel_size=(2, 3), stride=(2, 1),
                         dilation=(1, 2)), inputs=((12, 4),), name="unbatched"),
    Case("Unfold", kw=dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
         inputs=((2, 3, 5, 6),)),
    Case("Unfold", kw=dict(kernel_size=2, stride=2), inputs=((3, 5, 6),), name="unbatched"),
    Case("CosineSimilarity", kw=dict(dim=1), inputs=((4, 5), (4, 5))),
    Case("CosineSimilarity", kw=dict(dim=-1, eps=1e-3), inputs=((3, 4, 5), (1, 5)),
         name="broadcast"),
    Case("CosineSimilarity", inputs=(Edge([[0.0, 0, 0], [1, 2, 3]]), (2, 3)), name="zero"),
    Case("PairwiseDistance", inputs=((4, 5), (4, 5))),
    Case("PairwiseDistance", inputs=(Edge([[1.0, 2, 3], [1, 2, 3]]), Edge([[1.0, 2, 3],
                                                                          [0, 2, 3]])),
         name="equal"),
    Case("PairwiseDistance", kw=dict(p=float("inf")), inputs=((4, 5), (4, 5)), name="inf"),
    Case("PairwiseDistance", kw=dict(p=1.0, keepdim=True), inputs=((4, 5), (4, 5)), name="p1"),
    Case("PairwiseDistance", kw=dict(p=3.0, eps=1e-3), inputs=((4, 5), (1, 5)), name="p3"),
    Case("MaxUnpool1d", (2,), inputs=((2, 3, 4), UnpoolIdx((2, 3, 4), 2))),
    Case("MaxUnpool2d", (2,), inputs=((2, 2, 3, 2), UnpoolIdx((2, 2, 3, 2), 2))),
    Case("MaxUnpool2d", (2,), inputs=((1, 2, 3, 2), UnpoolIdx((1, 2, 3, 2), 2)),
         fkw=dict(output_size=(7, 5)), name="output_size"),
    Case("MaxUnpool2d", (3, 2, 1), inputs=((2, 2, 3, 3), UniqueIdx((2, 2, 3, 3), 2, 25)),
         name="overlapping"),
    Case("MaxUnpool1d", (3,), kw=dict(stride=2), inputs=((2, 4), UniqueIdx((2, 4), 1, 9)),
         name="unbatched"),
    Case("MaxUnpool3d", (2,), inputs=((1, 2, 2, 1, 2), UnpoolIdx((1, 2, 2, 1, 2), 2))),
]

QKV = ((5, 3, 8), (6, 3, 8), (6, 3, 8))
ENC = Mod(lambda n: n.TransformerEncoderLayer(8, 2, 16, 0.0))
DEC = Mod(lambda n: n.TransformerDecoderLayer(8, 2, 16, 0.0))
ATTENTION = [
    Case("MultiheadAttention", (8, 2), inputs=QKV),
    Case("MultiheadAttention", (8, 2), kw=dict(batch_first=True),
         inputs=((3, 5, 8), (3, 6, 8), (3, 6, 8)), fkw=dict(need_weights=False),
         name="batch_first"),
    Case("MultiheadAttention", (8, 4), inputs=QKV, fkw=dict(average_attn_weights=False),
         name="per-head"),
    Case("MultiheadAttention", (8, 2), kw=dict(kdim=5, vdim=3),
         inputs=((5, 3, 8), (6, 3, 5), (6, 3, 3)), name="kdim-vdim"),
    Case("MultiheadAttention", (8, 2), kw=dict(bias=False, add_bias_kv=True, add_zero_attn=True),
         inputs=QKV, name="bias_kv-zero_attn"),
    Case("MultiheadAttention", (8, 2), inputs=QKV,
         fkw=dict(key_padding_mask=Mask(3, 6), attn_mask=F(5, 6, grad=False)), name="masks"),
    Case("MultiheadAttention", (8, 2), inputs=((5, 8), (6, 8), (6, 8)), name="unbatched"),
    Case("MultiheadAttention", (8, 2), kw=dict(batch_first=True),
         inputs=((3, 5, 8), (3, 5, 8), (3, 5, 8)),
         fkw=dict(attn_mask=Causal(5), is_causal=True), name="causal"),
    Case("MultiheadAttention", (8, 2), inputs=QKV,
         fkw=dict(attn_mask=Mask(6, 5, 6), key_padding_mask=Mask(3, 6)), name="bool-3d-mask"),
    Case("MultiheadAttention", (8, 2), inputs=QKV, train=True, name="train"),
    Case("MultiheadAttention", (8, 2), kw=dict(batch_first=True), inputs=((3, 5, 8),),
         pre=lambda xs: [xs[0], xs[0], xs[0]], name="self-attention"),
    Case("TransformerEncoderLayer", (8, 2, 16, 0.0), inputs=((5, 3, 8),)),
    Case("TransformerEncoderLayer", (8, 2, 16, 0.0), inputs=((5, 3, 8),), train=True,
         name="train"),
    Case("TransformerEncoderLayer", (8, 2, 16, 0.0),
         kw=dict(batch_first=True, norm_first=True, activation="gelu"), inputs=((3, 5, 8),),
         fkw=dict(src_mask=Causal(5), src_key_padding_mask=Mask(3, 5)), name="norm_first"),
    Case("TransformerDecoderLayer", (8, 2, 16, 0.0), inputs=((4, 3, 8), (5, 3, 8)),
         fkw=dict(tgt_mask=Causal(4))),
    Case("TransformerDecoderLayer", (8, 2, 16, 0.0), kw=dict(batch_first=True),
         inputs=((3, 4, 8), (3, 5, 8)), fkw=dict(tgt_is_causal=True, tgt_mask=Causal(4)),
         train=True, name="causal-train"),
    Case("TransformerDecoderLayer", (8, 2, 16, 0.0), kw=dict(norm_first=True, bias=False),
         inputs=((4, 3, 8), (5, 3, 8)), fkw=dict(memory_key_padding_mask=Mask(3, 5)),
         name="norm_first"),
    Case("TransformerEncoder", (ENC, 2), kw=dict(norm=Mod(lambda n: n.LayerNorm(8)),
                                                 enable_nested_tensor=False),
         inputs=((5, 3, 8),)),
    Case("TransformerEncoderLayer", (8, 2, 16, 0.0),
         kw=dict(activation=Mod(lambda n: n.functional.gelu)), inputs=((5, 3, 8),),
         name="callable-activation"),
    Case("TransformerDecoder", (DEC, 2), inputs=((4, 3, 8), (5, 3, 8))),
    Case("Transformer", kw=dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                                dim_feedforward=16, dropout=0.0),
         inputs=((5, 3, 8), (4, 3, 8)), fkw=dict(tgt_mask=Causal(4))),
]

MISC = [
    Case("Sequential", (Mod(lambda n: n.Linear(3, 4)), Mod(lambda n: n.Tanh()),
                        Mod(lambda n: n.Linear(4, 2))), inputs=((5, 3),)),
    Case("SyncBatchNorm", (3,), inputs=((4, 3, 2),), name="eval"),
]

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
CASES = DROPOUT + EMBEDDING + PAD + SAMPLING + ATTENTION + MISC


@pytest.mark.parametrize("case", ids_unique(CASES))
def test_layer_matches_torch(case):
    check(torch, case)


def test_embedding_frequency_scaling_second_order():
    """The gradient's own gradient is scaled once, as torch's double backward."""
    w = np.random.default_rng(0).standard_normal((4, 2))
    idx = [[0, 1], [1, 3]]
    grads = []
    for lib, fn in ((torch, torch.nn.functional.embedding), (xg, nn.functional.embedding)):
        wt = lib.tensor(w, requires_grad=True)
        y = fn(lib.tensor(idx), wt, scale_grad_by_freq=True)
        g, = lib.autograd.grad((y ** 3).sum(), (wt,), create_graph=True)
        g2, = lib.autograd.grad(g.sum(), (wt,))
        grads.append((g.detach().numpy(), g2.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_embedding_bag_frequency_scaling_with_unequal_counts():
    """Each row's gradient over its index's count (where torch 2.13's CPU kernel is wrong)."""
    bag = nn.EmbeddingBag(4, 3, mode="sum", scale_grad_by_freq=True)
    bag(xg.tensor([1, 1, 3]), xg.tensor([0])).sum().backward()
    np.testing.assert_allclose(bag.weight.grad.numpy()[:, 0], [0.0, 1.0, 0.0, 1.0])
    for lib in (torch, xg):
        with pytest.raises(ValueError, match="max mode does not support scaling the gradient"):
            getattr(lib, "nn").EmbeddingBag(4, 3, mode="max", scale_grad_by_freq=True)(
                lib.tensor([[1, 2]]))
