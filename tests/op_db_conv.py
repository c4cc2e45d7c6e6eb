"""Registry entries of convolution, unfold/fold and pooling, appended to tests/op_db.py's OPS.

Import this only through op_db (from op_db import OPS): it imports op_db's helpers, and
op_db imports it at its end. The NumPy references loop over kernel offsets / output positions
(written independently of nn/conv_windows.py); tests/test_nn_conv*.py compare with PyTorch.
Shapes are tiny: gradgradcheck costs a few forwards per input element.
"""
from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

import xpgrad.nn.functional as F
from op_db import ErrorInput, OpInfo, other_device, t
from conv_refs import (np_adaptive, np_conv, np_conv_transpose, np_fold, np_lp_pool,
                       np_pool, np_unfold)
from op_samples import Sample, Samples, distinct


def _cases(cases: list) -> Samples:
    edges = tuple(Sample(shapes, kwargs) for shapes, kwargs in cases)
    return Samples(st.sampled_from(edges), edges)


# ---- samples ---------------------------------------------------------------------------------
CONV1D = _cases([
    (((2, 2, 5), (3, 2, 3), (3,)), {}),
    (((1, 1, 4), (1, 1, 2), (1,)), {"stride": 2}),
    (((2, 4, 6), (4, 2, 3), (4,)), {"padding": 1, "dilation": 2, "groups": 2}),
    (((2, 3), (2, 2, 2), (2,)), {"padding": "same"}),                     # unbatched
    (((1, 2, 5), (2, 2, 4), (2,)), {"padding": "same", "dilation": 1}),   # even kernel
    (((0, 2, 4), (3, 2, 3), (3,)), {"padding": "valid"}),                 # empty batch
])
CONV2D = _cases([
    (((2, 2, 4, 5), (3, 2, 3, 2), (3,)), {}),
    (((1, 1, 5, 5), (2, 1, 3, 3), (2,)), {"stride": 2, "padding": 1}),
    (((1, 4, 5, 6), (2, 2, 2, 3), (2,)), {"stride": (2, 1), "padding": (1, 0),
                                           "dilation": (1, 2), "groups": 2}),
    (((1, 3, 4), (2, 1, 2, 2), (2,)), {"padding": "same"}),               # unbatched
    (((1, 2, 3, 3), (4, 1, 3, 1), (4,)), {"groups": 2, "padding": "same"}),
    (((0, 1, 3, 3), (2, 1, 2, 2), (2,)), {}),                             # empty batch
])
CONV2D_NOBIAS = _cases([
    (((2, 1, 4, 4), (2, 1, 2, 2)), {}),
    (((1, 2, 5, 3), (2, 2, 3, 1)), {"stride": (1, 2), "padding": (0, 1)}),
])
CONV_T1D = _cases([
    (((2, 2, 3), (2, 3, 2), (3,)), {}),
    (((1, 2, 3), (2, 1, 3), (2,)), {"stride": 2, "padding": 1, "output_padding": 1,
                                     "groups": 2}),
    (((2, 3), (2, 2, 2), (2,)), {"stride": 3, "dilation": 2}),
])
CONV_T2D = _cases([
    (((1, 2, 3, 2), (2, 2, 2, 3), (2,)), {}),
    (((2, 2, 2, 3), (2, 1, 3, 2), (2,)), {"stride": (2, 1), "padding": (1, 0),
                                           "output_padding": (1, 0), "groups": 2}),
    (((1, 1, 2, 2), (1, 2, 2, 2), (2,)), {"stride": 2, "dilation": 2, "output_padding": 1}),
])
UNFOLD = _cases([
    (((2, 2, 4, 4),), {"kernel_size": 2}),
    (((1, 2, 5, 4),), {"kernel_size": (3, 2), "dilation": (1, 2), "padding": 1,
                       "stride": (2, 1)}),
    (((2, 3, 3),), {"kernel_size": 2, "stride": 1}),                      # unbatched
])
FOLD = _cases([
    (((2, 8, 9),), {"output_size": (4, 4), "kernel_size": 2, "stride": 1}),
    (((1, 6, 12),), {"output_size": (5, 4), "kernel_size": (3, 2), "dilation": (1, 2),
                    "padding": 1, "stride": (2, 1)}),
    (((4, 4),), {"output_size": 4, "kernel_size": 2, "stride": 2}),       # unbatched
])
MAXPOOL1D = _cases([
    (((2, 2, 6),), {"kernel_size": 2}),
    (((1, 2, 7),), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    (((2, 5),), {"kernel_size": 2, "stride": 1, "dilation": 2}),
])
MAXPOOL2D = _cases([
    (((2, 2, 4, 4),), {"kernel_size": 2}),
    (((1, 2, 5, 5),), {"kernel_size": 3, "stride": 2, "padding": 1}),
    (((1, 1, 5, 6),), {"kernel_size": (2, 3), "stride": (2, 1), "dilation": (2, 1),
                       "ceil_mode": True}),
    (((2, 3, 3),), {"kernel_size": 2, "stride": 1}),                      # unbatched
    (((0, 2, 4, 4),), {"kernel_size": 2}),                                # empty batch
])
AVGPOOL1D = _cases([
    (((2, 2, 6),), {"kernel_size": 2}),
    (((1, 2, 7),), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                    "count_include_pad": False}),
    (((2, 5),), {"kernel_size": 3, "stride": 1, "padding": 1}),
])
AVGPOOL2D = _cases([
    (((2, 2, 4, 4),), {"kernel_size": 2}),
    (((1, 2, 5, 5),), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    (((1, 1, 5, 6),), {"kernel_size": (2, 3), "stride": (2, 1), "padding": (1, 1),
                       "ceil_mode": True}),
    (((1, 2, 4, 4),), {"kernel_size": 3, "stride": 1, "padding": 1, "divisor_override": 2}),
    (((2, 3, 3),), {"kernel_size": 2, "stride": 1}),
])
ADAPTIVE1D = _cases([
    (((2, 2, 6),), {"output_size": 3}),
    (((1, 2, 7),), {"output_size": 3}),
    (((2, 5),), {"output_size": 1}),
])
ADAPTIVE2D = _cases([
    (((2, 2, 4, 4),), {"output_size": 1}),
    (((1, 2, 4, 6),), {"output_size": (2, 3)}),
    (((1, 1, 5, 7),), {"output_size": (3, 4)}),
    (((1, 2, 5, 4),), {"output_size": (2, None)}),
    (((2, 3, 5),), {"output_size": (2, 5)}),
])
CONV3D = _cases([
    (((1, 1, 2, 3, 3), (2, 1, 2, 2, 2), (2,)), {}),
    (((1, 2, 3, 2, 3), (2, 1, 2, 1, 2), (2,)), {"stride": (2, 1, 1), "padding": (0, 1, 0),
                                                 "dilation": (1, 1, 2), "groups": 2}),
    (((1, 2, 2, 3), (1, 1, 2, 2, 1), (1,)), {"padding": "same"}),               # unbatched
])
CONV_T3D = _cases([
    (((1, 1, 2, 2, 2), (1, 1, 2, 2, 2), (1,)), {}),
    (((1, 2, 2, 1, 2), (2, 1, 2, 1, 2), (2,)), {"stride": (2, 1, 2), "padding": (1, 0, 0),
                                                 "output_padding": (1, 0, 0), "groups": 2,
                                                 "dilation": (1, 2, 1)}),
])
MAXPOOL3D = _cases([
    (((1, 1, 2, 3, 4),), {"kernel_size": 2}),
    (((1, 1, 3, 3, 4),), {"kernel_size": (2, 3, 2), "stride": (1, 2, 2), "padding": (1, 1, 0),
                          "dilation": (1, 1, 2), "ceil_mode": True}),
    (((1, 2, 3, 3),), {"kernel_size": 2, "stride": 1}),                     # unbatched
])
AVGPOOL3D = _cases([
    (((1, 1, 2, 3, 4),), {"kernel_size": 2}),
    (((1, 1, 3, 3, 4),), {"kernel_size": (2, 3, 2), "stride": (1, 2, 2), "padding": (1, 1, 0),
                          "ceil_mode": True, "count_include_pad": False}),
    (((1, 2, 3, 3),), {"kernel_size": 2, "stride": 1, "divisor_override": 3}),
])
LPPOOL2D = _cases([
    (((1, 2, 4, 4),), {"norm_type": 2, "kernel_size": 2}),
    (((1, 1, 5, 4),), {"norm_type": 3, "kernel_size": (3, 2), "stride": (2, 1),
                       "ceil_mode": True}),
    (((2, 3, 5),), {"norm_type": 1.5, "kernel_size": 2, "stride": 2}),       # unbatched
])


def _conv_errors(fn: Any, name: str) -> tuple:
    return (
        ErrorInput(lambda d: fn(t(d, 1, 3, 5, 5), t(d, 2, 2, 3, 3)), ValueError,
                   name + r": given groups=1, weight of shape \(2, 2, 3, 3\), expected "
                   r"input\[1, 3, 5, 5\] to have 2 channels, but got 3"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 5, 5), t(d, 2, 2, 3)), ValueError,
                   name + r": expected a 4D weight"),
        ErrorInput(lambda d: fn(t(d, 2, 5), t(d, 2, 2, 3, 3)), ValueError,
                   name + r": expected 3D \(unbatched\) or 4D \(batched\) input"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 2, 2), t(d, 1, 2, 3, 3)), ValueError,
                   name + r": calculated padded input size per channel: \(2 x 2\)"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 5, 5), t(d, 2, 2, 3, 3), stride=0), ValueError,
                   name + r": non-positive stride"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 5, 5), t(d, 2, 2, 3, 3), padding=-1), ValueError,
                   name + r": negative padding"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 5, 5), t(d, 2, 2, 3, 3), padding="same", stride=2),
                   ValueError, name + r": padding='same' is not supported for strided"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 5, 5), t(d, 2, 2, 3, 3), padding="full"),
                   ValueError, name + r": invalid padding string 'full'"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 5, 5), t(d, 2, 2, 3, 3), stride=(1, 1, 1)),
                   ValueError, name + r": expected stride to be a single integer value or a "
                   r"list of 2 values"),
        ErrorInput(lambda d: fn(t(d, 1, 4, 5, 5), t(d, 3, 2, 3, 3), groups=2), ValueError,
                   name + r": given groups=2, expected weight to be divisible by 2"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 5, 5), t(d, 2, 2, 3, 3), t(d, 3)), ValueError,
                   name + r": .*expected bias to be 1-dimensional with 2 elements"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 5, 5), t(d, 2, 2, 3, 3, dtype="float32")),
                   TypeError, name + r": input type float64 .* weight/bias type float32"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 5, 5), t(other_device(d), 2, 2, 3, 3)),
                   RuntimeError, name + r": expected all tensors on the same device"),
    )


def _pool_errors(fn: Any, name: str) -> tuple:
    return (
        ErrorInput(lambda d: fn(t(d, 1, 2, 4, 4), 2, padding=2), ValueError,
                   name + r": pad should be at most half of effective kernel size"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 4, 4), 5), ValueError,
                   name + r": given input size: \(2 x 4 x 4\). Calculated output size: "
                   r"\(2 x 0 x 0\). Output size is too small"),
        ErrorInput(lambda d: fn(t(d, 4, 4), 2), ValueError,
                   name + r": expected 3D \(unbatched\) or 4D \(batched\) input"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 4, 4), 2, stride=0), ValueError,
                   name + r": stride must be greater than zero"),
        ErrorInput(lambda d: fn(t(d, 1, 2, 4, 4), (2, 2, 2)), ValueError,
                   name + r": expected kernel_size to be a single integer value or a list of 2"),
    ) + (() if name.startswith("max") else (     # max pooling takes integers, as torch's
        ErrorInput(lambda d: fn(t(d, 1, 2, 4, 4, dtype="int64"), 2), TypeError,
                   name + r": expected floating-point tensors, got int64"),))


def _bias_op(fn: Any) -> Any:
    return lambda x, w, b, **kw: fn(x, w, b, **kw)


OPS: list = [
    OpInfo("conv1d", _bias_op(F.conv1d), np_conv, samples=CONV1D),
    OpInfo("conv2d", _bias_op(F.conv2d), np_conv, samples=CONV2D,
           errors=_conv_errors(F.conv2d, "conv2d")),
    OpInfo("conv2d_no_bias", lambda x, w, **kw: F.conv2d(x, w, **kw),
           lambda x, w, **kw: np_conv(x, w, **kw), samples=CONV2D_NOBIAS),
    OpInfo("conv3d", _bias_op(F.conv3d), np_conv, samples=CONV3D, errors=(
        ErrorInput(lambda d: F.conv3d(t(d, 1, 2, 3, 3, 3), t(d, 2, 3, 2, 2, 2)), ValueError,
                   r"conv3d: given groups=1, weight of shape \(2, 3, 2, 2, 2\), expected "
                   r"input\[1, 2, 3, 3, 3\] to have 3 channels, but got 2"),
        ErrorInput(lambda d: F.conv3d(t(d, 2, 3, 3), t(d, 2, 2, 2, 2, 2)), ValueError,
                   r"conv3d: expected 4D \(unbatched\) or 5D \(batched\) input"))),
    OpInfo("conv_transpose1d", _bias_op(F.conv_transpose1d), np_conv_transpose,
           samples=CONV_T1D),
    OpInfo("conv_transpose3d", _bias_op(F.conv_transpose3d), np_conv_transpose,
           samples=CONV_T3D),
    OpInfo("conv_transpose2d", _bias_op(F.conv_transpose2d), np_conv_transpose,
           samples=CONV_T2D, errors=(
               ErrorInput(lambda d: F.conv_transpose2d(t(d, 1, 2, 3, 3), t(d, 2, 2, 2, 2),
                                                       stride=2, output_padding=2),
                          ValueError, r"conv_transpose2d: output padding must be smaller than "
                          r"either stride or dilation"),
               ErrorInput(lambda d: F.conv_transpose2d(t(d, 1, 3, 3, 3), t(d, 2, 2, 2, 2)),
                          ValueError, r"conv_transpose2d: given transposed=1, weight of shape "
                          r"\(2, 2, 2, 2\), expected input\[1, 3, 3, 3\] to have 2 channels"))),
    OpInfo("unfold", F.unfold, np_unfold, samples=UNFOLD, errors=(
        ErrorInput(lambda d: F.unfold(t(d, 1, 2, 2, 2), 3), ValueError,
                   r"unfold: .*sliding blocks is \(0 x 0\)"),)),
    OpInfo("fold", F.fold, np_fold, samples=FOLD, errors=(
        ErrorInput(lambda d: F.fold(t(d, 1, 8, 8), (4, 4), 2, stride=1), ValueError,
                   r"fold: .*number of sliding blocks 3 \* 3 = 9, but got 8"),
        ErrorInput(lambda d: F.fold(t(d, 1, 7, 9), (4, 4), 2, stride=1), ValueError,
                   r"fold: expected size of input's dimension 1 to be divisible"))),
    OpInfo("max_pool1d", F.max_pool1d, lambda x, **kw: np_pool(x, "max", 1, **kw),
           samples=MAXPOOL1D, adjust=distinct),
    OpInfo("max_pool2d", F.max_pool2d, lambda x, **kw: np_pool(x, "max", 2, **kw),
           samples=MAXPOOL2D, adjust=distinct, errors=_pool_errors(F.max_pool2d, "max_pool2d")),
    OpInfo("max_pool3d", F.max_pool3d, lambda x, **kw: np_pool(x, "max", 3, **kw),
           samples=MAXPOOL3D, adjust=distinct, errors=(
               ErrorInput(lambda d: F.max_pool3d(t(d, 1, 2, 4, 4), 2, padding=(0, 2, 0)),
                          ValueError, r"max_pool3d: pad should be at most half"),
               ErrorInput(lambda d: F.max_pool3d(t(d, 4, 4), 2), ValueError,
                          r"max_pool3d: expected 4D \(unbatched\) or 5D \(batched\)"))),
    OpInfo("avg_pool3d", F.avg_pool3d, lambda x, **kw: np_pool(x, "avg", 3, **kw),
           samples=AVGPOOL3D),
    OpInfo("lp_pool2d", F.lp_pool2d, lambda x, **kw: np_lp_pool(x, 2, **kw),
           samples=LPPOOL2D, domain=(0.5, 2.0), errors=(
               ErrorInput(lambda d: F.lp_pool2d(t(d, 1, 2, 4, 4), 0, 2), ValueError,
                          r"lp_pool2d: norm_type must be a non-zero number"),)),
    OpInfo("avg_pool1d", F.avg_pool1d, lambda x, **kw: np_pool(x, "avg", 1, **kw),
           samples=AVGPOOL1D),
    OpInfo("avg_pool2d", F.avg_pool2d, lambda x, **kw: np_pool(x, "avg", 2, **kw),
           samples=AVGPOOL2D, errors=_pool_errors(F.avg_pool2d, "avg_pool2d")[1:]),
    OpInfo("adaptive_avg_pool1d", F.adaptive_avg_pool1d,
           lambda x, **kw: np_adaptive(x, "avg", 1, **kw), samples=ADAPTIVE1D),
    OpInfo("adaptive_avg_pool2d", F.adaptive_avg_pool2d,
           lambda x, **kw: np_adaptive(x, "avg", 2, **kw), samples=ADAPTIVE2D),
    OpInfo("adaptive_max_pool1d", F.adaptive_max_pool1d,
           lambda x, **kw: np_adaptive(x, "max", 1, **kw), samples=ADAPTIVE1D, adjust=distinct),
    OpInfo("adaptive_max_pool2d", F.adaptive_max_pool2d,
           lambda x, **kw: np_adaptive(x, "max", 2, **kw), samples=ADAPTIVE2D, adjust=distinct),
]
