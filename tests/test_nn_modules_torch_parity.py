"""Every nn module class shared with PyTorch against it, in float64 (skipped without torch):
activations, Linear/Bilinear, convolutions, pools and norms here; embeddings, padding,
resampling, attention and the rest in test_nn_layers_torch_parity, losses in
test_nn_losses_torch_parity. The harness (nn_parity_harness) copies torch's state into ours,
compares outputs, the state after the forward, and the gradients of inputs and parameters."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402
from nn_parity_harness import Case, Distinct, F, Pos, check, ids_unique  # noqa: E402

X = ((2, 3, 4),)
# torch's own backward rounds a constant to float32 in these two (hardsigmoid's 1/6 is
# 1.0f / 6.0f; celu's backward takes 1.0 / alpha.toFloat()): ours is exact, so 1e-7 here
F32 = dict(rtol=1e-7)
ACTIVATIONS = [
    Case("ReLU", inputs=X), Case("ReLU6", inputs=(F(2, 3, 4, scale=4.0),)),
    Case("LeakyReLU", (0.2,), inputs=X), Case("PReLU", inputs=X),
    Case("PReLU", kw=dict(num_parameters=3, init=0.1), inputs=X, name="channels"),
    Case("ELU", (0.7,), inputs=X), Case("CELU", (1.3,), inputs=X, **F32), Case("SELU", inputs=X),
    Case("GELU", inputs=X), Case("GELU", kw=dict(approximate="tanh"), inputs=X, name="tanh"),
    Case("GLU", kw=dict(dim=1), inputs=((2, 4, 3),)),
    Case("GLU", inputs=((3, 4),), name="last-dim"),
    Case("Hardshrink", (0.3,), inputs=X), Case("Softshrink", (0.3,), inputs=X),
    Case("Hardsigmoid", inputs=(F(2, 3, 4, scale=4.0),), **F32),
    Case("Hardswish", inputs=(F(2, 3, 4, scale=4.0),)),
    Case("Hardtanh", (-0.5, 0.8), inputs=X), Case("LogSigmoid", inputs=X),
    Case("Mish", inputs=X), Case("SiLU", inputs=X), Case("Sigmoid", inputs=X),
    Case("Tanh", inputs=X), Case("Tanhshrink", inputs=X), Case("Softsign", inputs=X),
    Case("Softplus", kw=dict(beta=2.0, threshold=1.0), inputs=X),
    Case("Threshold", (0.1, 20.0), inputs=X), Case("Softmax", kw=dict(dim=1), inputs=X),
    Case("Softmin", kw=dict(dim=0), inputs=X), Case("LogSoftmax", kw=dict(dim=-1), inputs=X),
    # no dim: ours takes the last axis (Keras' default, documented), torch's deprecated
    # implicit choice differs for 0-, 1- and 3-d inputs: only the 2-d case is compared
    Case("Softmax", inputs=((3, 4),), name="no-dim-2d"),
    Case("LogSoftmax", kw=dict(dim=1), inputs=(F(3, 4, scale=500.0),), name="large"),
    Case("Softmax2d", inputs=((2, 3, 4, 4),)),
    Case("Softmax2d", inputs=((3, 4, 4),), name="unbatched"),
    Case("RReLU", (0.1, 0.3), inputs=X, name="eval"),
    Case("Identity", (3,), kw=dict(unused=1), inputs=X),
]

# every activation's kinks (0, +-3, the thresholds and lambdas used above) exactly
KINKS = np.array([-3, -1, -0.5, -0.3, 0, 0.3, 0.5, 1, 3, 6, 20, 0.1, -0.1, 0.8, 2.0, -2.0])
ACTIVATIONS += [Case(c.cls, c.args, c.kw, inputs=(lambda rng: (KINKS.reshape(2, 8), True),),
                     name=(c.id.split("-", 1)[1] + "-" if "-" in c.id else "") + "kinks",
                     rtol=c.rtol)
                for c in ACTIVATIONS if c.inputs and len(c.inputs) == 1
                and c.cls not in ("GLU", "Softmax2d", "Identity")
                and not c.kw.get("num_parameters")]


def Ties(*shape):
    """Small integers: many ties in every window (as after a ReLU); torch takes the first."""
    return lambda rng: (rng.integers(0, 3, shape).astype(np.float64), True)


LINEAR = [
    Case("Linear", (4, 3), inputs=((5, 4),)),
    Case("Linear", (4, 3), inputs=((4,),), name="unbatched"),
    Case("Linear", (4, 3), kw=dict(bias=False), inputs=((2, 5, 4),), name="nobias"),
    Case("Bilinear", (3, 4, 2), inputs=((5, 3), (5, 4))),
    Case("Bilinear", (3, 4, 2), kw=dict(bias=False), inputs=((2, 5, 3), (2, 5, 4)),
         name="nobias"),
    Case("Bilinear", (3, 4, 2), inputs=((3,), (4,)), name="unbatched"),
    Case("LazyLinear", (3,), inputs=((5, 4),), warmup=True),
    Case("Flatten", inputs=((2, 3, 4, 5),)),
    Case("Flatten", (0, 1), inputs=((2, 3, 4),), name="dims"),
    Case("Flatten", (-2, -1), inputs=((2, 3, 4, 5),), name="negative"),
    Case("Unflatten", (1, (2, 3)), inputs=((2, 6, 4),)),
    Case("Unflatten", (-1, (2, -1)), inputs=((2, 3, 6),), name="inferred"),
]

CONV = [
    Case("Conv1d", (4, 6, 3), kw=dict(stride=2, padding=1, groups=2), inputs=((2, 4, 9),)),
    Case("Conv1d", (4, 6, 3), kw=dict(dilation=2, padding="same"), inputs=((2, 4, 9),),
         name="same"),
    Case("Conv1d", (3, 2, 3), kw=dict(padding=2, padding_mode="reflect"), inputs=((2, 3, 7),),
         name="reflect"),
    Case("Conv1d", (3, 2, 3), kw=dict(padding=1, padding_mode="circular", bias=False),
         inputs=((3, 7),), name="circular-unbatched"),
    Case("Conv2d", (4, 6, (3, 2)), kw=dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2),
                                           groups=2), inputs=((2, 4, 7, 6),)),
    Case("Conv2d", (3, 4, 3), kw=dict(padding=1, padding_mode="reflect"),
         inputs=((2, 3, 5, 6),), name="reflect"),
    Case("Conv2d", (3, 4, 3), kw=dict(padding=(1, 2), padding_mode="replicate", stride=2),
         inputs=((2, 3, 5, 6),), name="replicate"),
    Case("Conv2d", (3, 4, 3), kw=dict(padding=(2, 1), padding_mode="circular"),
         inputs=((2, 3, 5, 6),), name="circular"),
    Case("Conv2d", (2, 4, (2, 3)), kw=dict(padding="same", dilation=(2, 1)),
         inputs=((2, 2, 5, 6),), name="same-even"),
    Case("Conv2d", (2, 2, 3), kw=dict(padding="valid", groups=2), inputs=((2, 5, 6),),
         name="depthwise-unbatched"),
    Case("Conv3d", (2, 4, 2), kw=dict(groups=2, padding=1, stride=(1, 2, 1)),
         inputs=((2, 2, 4, 5, 3),)),
    Case("Conv3d", (2, 3, 3), kw=dict(padding=1, padding_mode="replicate", dilation=(1, 1, 2)),
         inputs=((1, 2, 4, 4, 5),), name="replicate"),
    Case("ConvTranspose1d", (4, 6, 3), kw=dict(stride=2, padding=1, output_padding=1, groups=2),
         inputs=((2, 4, 5),)),
    Case("ConvTranspose1d", (2, 3, 3), kw=dict(dilation=2, bias=False), inputs=((2, 5),),
         name="unbatched"),
    Case("ConvTranspose2d", (4, 2, 3), kw=dict(stride=2, padding=1, output_padding=1,
                                               dilation=2), inputs=((2, 4, 3, 4),)),
    Case("ConvTranspose2d", (2, 4, (3, 2)), kw=dict(stride=(2, 3), groups=2),
         inputs=((2, 2, 3, 3),), fkw=dict(output_size=(8, 10)), name="output_size"),
    Case("ConvTranspose3d", (2, 4, 2), kw=dict(stride=2, groups=2, padding=(0, 1, 0)),
         inputs=((1, 2, 2, 3, 2),)),
    Case("ConvTranspose3d", (2, 2, (2, 3, 2)), kw=dict(stride=(2, 1, 2), dilation=(1, 2, 1)),
         inputs=((1, 2, 2, 2, 3),), fkw=dict(output_size=(5, 6, 7)), name="output_size"),
    Case("Conv3d", (2, 2, (3, 1, 2)), kw=dict(padding="same", bias=False), inputs=((2, 3, 2, 4),),
         name="same-unbatched"),
    Case("LazyConv1d", (3, 2), inputs=((2, 2, 5),), warmup=True),
    Case("LazyConv2d", (3, 2), inputs=((2, 2, 4, 4),), warmup=True),
    Case("LazyConv3d", (2, 2), kw=dict(padding=1), inputs=((1, 2, 3, 3, 3),), warmup=True),
    Case("LazyConvTranspose2d", (2, 3), kw=dict(stride=2), inputs=((2, 2, 3, 3),), warmup=True),
    Case("LazyConvTranspose3d", (2, 2), inputs=((1, 2, 2, 3, 2),), warmup=True),
    Case("LazyConvTranspose1d", (3, 2), kw=dict(stride=2), inputs=((2, 2, 4),), warmup=True),
]

D = Distinct
POOL = [
    Case("MaxPool1d", (3,), kw=dict(stride=2, padding=1, ceil_mode=True),
         inputs=(D(2, 3, 10),)),
    Case("MaxPool1d", (2,), kw=dict(dilation=2, return_indices=True), inputs=(D(2, 3, 9),),
         name="indices"),
    Case("MaxPool2d", (3, 2, 1), kw=dict(dilation=2, ceil_mode=True, return_indices=True),
         inputs=(D(2, 2, 9, 9),)),
    Case("MaxPool2d", ((2, 3),), kw=dict(stride=(1, 2), padding=(1, 1)), inputs=(D(3, 5, 7),),
         name="unbatched"),
    Case("MaxPool1d", (2,), kw=dict(stride=2, padding=1, ceil_mode=True, return_indices=True),
         inputs=(D(2, 3, 5),), name="ceil-drops-pad-window"),
    Case("MaxPool3d", (2,), kw=dict(stride=2, ceil_mode=True, return_indices=True),
         inputs=(D(1, 2, 5, 5, 5),)),
    Case("AvgPool1d", (3, 2), kw=dict(padding=1, ceil_mode=True, count_include_pad=False),
         inputs=((2, 3, 10),)),
    Case("AvgPool1d", (3, 2), kw=dict(padding=1, ceil_mode=True), inputs=((2, 3, 10),),
         name="include_pad"),
    Case("AvgPool2d", (3, 2, 1), kw=dict(ceil_mode=True), inputs=((2, 2, 8, 7),)),
    Case("AvgPool2d", (3, 2, 1), kw=dict(ceil_mode=True, count_include_pad=False),
         inputs=((2, 2, 8, 7),), name="exclude_pad"),
    Case("AvgPool2d", (2,), kw=dict(divisor_override=3), inputs=((2, 2, 4, 6),),
         name="divisor"),
    Case("AvgPool2d", (2, 2, 1), kw=dict(ceil_mode=True), inputs=((2, 2, 5, 5),),
         name="ceil-drops-pad-window"),
    Case("AvgPool1d", (2, 2, 1), kw=dict(ceil_mode=True, count_include_pad=False),
         inputs=((3, 6),), name="unbatched"),
    Case("AvgPool3d", (2, 2), kw=dict(padding=1, count_include_pad=False, ceil_mode=True),
         inputs=((1, 2, 4, 5, 3),)),
    Case("AdaptiveAvgPool1d", (4,), inputs=((2, 3, 10),)),
    Case("AdaptiveAvgPool2d", ((3, None),), inputs=((2, 3, 7, 5),)),
    Case("AdaptiveAvgPool3d", ((2, 3, 2),), inputs=((1, 2, 5, 7, 3),)),
    Case("AdaptiveMaxPool1d", (4,), kw=dict(return_indices=True), inputs=(D(2, 3, 10),)),
    Case("AdaptiveMaxPool2d", ((3, 4),), kw=dict(return_indices=True), inputs=(D(2, 2, 7, 9),)),
    Case("AdaptiveMaxPool3d", (2,), inputs=(D(1, 2, 5, 3, 4),)),
    Case("AdaptiveMaxPool3d", ((None, 2, 3),), kw=dict(return_indices=True),
         inputs=(D(2, 3, 5, 4),), name="unbatched"),
    Case("AdaptiveAvgPool2d", (4,), inputs=((2, 7, 5),), name="unbatched"),
    Case("AdaptiveAvgPool1d", (7,), inputs=((2, 3, 4),), name="upsampling"),
    Case("AdaptiveMaxPool2d", ((5, 3),), inputs=(D(2, 2, 3, 2),), name="upsampling"),
    Case("MaxPool2d", (2,), kw=dict(return_indices=True), inputs=(Ties(2, 2, 4, 6),),
         name="ties"),
    Case("MaxPool2d", (3, 2, 1), kw=dict(return_indices=True, ceil_mode=True),
         inputs=(Ties(2, 2, 5, 5),), name="ties-pad"),
    Case("MaxPool1d", (3, 1), kw=dict(return_indices=True), inputs=(Ties(2, 2, 7),),
         name="ties-overlap"),
    Case("MaxPool3d", (2,), kw=dict(return_indices=True), inputs=(Ties(1, 2, 4, 4, 4),),
         name="ties"),
    Case("AdaptiveMaxPool1d", (3,), kw=dict(return_indices=True), inputs=(Ties(2, 2, 7),),
         name="ties"),
    Case("AdaptiveMaxPool2d", ((3, 2),), kw=dict(return_indices=True),
         inputs=(Ties(2, 2, 7, 5),), name="ties"),
    Case("AdaptiveMaxPool3d", (2,), kw=dict(return_indices=True), inputs=(Ties(1, 2, 3, 4, 3),),
         name="ties"),
    Case("LPPool1d", (2, 3), kw=dict(stride=2), inputs=((2, 3, 9),)),
    Case("LPPool1d", (1.5, 2), kw=dict(ceil_mode=True), inputs=(Pos(2, 3, 9),), name="ceil"),
    Case("LPPool2d", (3, (2, 2)), inputs=(Pos(2, 2, 4, 6),)),
    Case("LPPool3d", (2, 2), inputs=((1, 2, 4, 4, 4),)),
    Case("LPPool2d", (2, 3), kw=dict(stride=2, ceil_mode=True), inputs=((2, 2, 6, 5),),
         name="ceil"),
]

NORM = [
    Case("BatchNorm1d", (3,), inputs=((4, 3),), train=True, then_eval=True),
    Case("BatchNorm1d", (3,), kw=dict(momentum=None, affine=False), inputs=((4, 3, 5),),
         train=True, then_eval=True, name="cumulative"),
    Case("BatchNorm1d", (3,), kw=dict(track_running_stats=False), inputs=((4, 3),),
         then_eval=True, name="no-stats"),
    Case("BatchNorm1d", (3,), inputs=((4, 3, 2),), name="eval"),
    Case("BatchNorm2d", (3,), kw=dict(eps=1e-3), inputs=((4, 3, 2, 2),), train=True,
         then_eval=True),
    Case("BatchNorm3d", (2,), kw=dict(momentum=0.3), inputs=((2, 2, 3, 2, 2),), train=True,
         then_eval=True),
    Case("LazyBatchNorm1d", inputs=((4, 3),), train=True, then_eval=True, warmup=True),
    Case("LazyBatchNorm2d", kw=dict(momentum=None), inputs=((3, 2, 2, 2),), train=True,
         then_eval=True, warmup=True),
    Case("LazyInstanceNorm1d", kw=dict(affine=True, track_running_stats=True),
         inputs=((2, 3, 4),), train=True, then_eval=True, warmup=True),
    Case("LazyInstanceNorm3d", kw=dict(affine=True), inputs=((2, 2, 2, 3, 2),), warmup=True),
    Case("LayerNorm", ((4,),), inputs=((2, 3, 4),)),
    Case("LayerNorm", ([3, 4],), kw=dict(elementwise_affine=False), inputs=((2, 3, 4),),
         name="noaffine"),
    Case("LayerNorm", (4,), kw=dict(bias=False, eps=1e-3), inputs=((2, 3, 4),), name="nobias"),
    Case("GroupNorm", (2, 4), inputs=((2, 4, 3, 3),)),
    Case("GroupNorm", (3, 6), kw=dict(affine=False), inputs=((2, 6, 5),), name="noaffine"),
    Case("InstanceNorm1d", (3,), inputs=((2, 3, 5),)),
    Case("InstanceNorm1d", (3,), kw=dict(affine=True), inputs=((3, 5),), name="unbatched"),
    Case("InstanceNorm2d", (3,), kw=dict(affine=True, track_running_stats=True),
         inputs=((2, 3, 4, 3),), train=True, then_eval=True),
    Case("InstanceNorm2d", (3,), kw=dict(track_running_stats=True, momentum=0.5),
         inputs=((2, 3, 4, 3),), train=True, then_eval=True, name="stats-noaffine"),
    Case("InstanceNorm3d", (2,), kw=dict(affine=True), inputs=((2, 2, 3, 3, 3),)),
    Case("InstanceNorm1d", (3,), kw=dict(track_running_stats=True), inputs=((2, 3, 5),),
         name="eval-stats"),
    Case("GroupNorm", (1, 3), inputs=((2, 3, 4),), name="one-group"),
    Case("GroupNorm", (3, 3), kw=dict(eps=1e-2), inputs=((2, 3, 2, 2),), name="per-channel"),
    Case("LocalResponseNorm", (3,), kw=dict(alpha=1e-2, beta=0.75, k=2.0),
         inputs=((2, 5, 4, 4),)),
    Case("LocalResponseNorm", (2,), inputs=((2, 5, 6),), name="3d"),
    Case("LocalResponseNorm", (7,), kw=dict(beta=0.5), inputs=((2, 3, 4),), name="wide"),
    Case("LocalResponseNorm", (4,), kw=dict(alpha=0.5), inputs=((1, 6, 2, 3, 2),), name="5d"),
    Case("RMSNorm", (4,), inputs=((2, 3, 4),)),
    Case("RMSNorm", ([3, 4],), kw=dict(eps=1e-5), inputs=((2, 3, 4),), name="2dims"),
    Case("RMSNorm", (4,), kw=dict(elementwise_affine=False), inputs=((2, 3, 4),),
         name="noaffine"),
    Case("RMSNorm", (4,), inputs=(lambda rng: (np.zeros((2, 4)), True),), name="zeros"),
    Case("LayerNorm", (4,), inputs=(lambda rng: (np.ones((2, 4)), True),), name="constant"),
    Case("GroupNorm", (2, 4), inputs=(lambda rng: (np.ones((2, 4, 2)), True),),
         name="constant"),
    Case("BatchNorm1d", (3,), inputs=((1, 3, 4),), train=True, then_eval=True, name="batch1"),
    Case("BatchNorm2d", (3,), kw=dict(affine=False, track_running_stats=False),
         inputs=((2, 3, 2, 2),), train=True, name="no-stats-train"),
    Case("InstanceNorm1d", (3,), kw=dict(track_running_stats=True), inputs=((3, 5),),
         train=True, then_eval=True, name="unbatched-stats"),
]

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
CASES = ACTIVATIONS + LINEAR + CONV + POOL + NORM


@pytest.mark.parametrize("case", ids_unique(CASES))
def test_module_matches_torch(case):
    check(torch, case)
