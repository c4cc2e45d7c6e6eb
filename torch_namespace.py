"""torch's top-level aliases of nn.functional (``torch.conv2d``, ``torch.layer_norm``,
``torch.dropout``, ...) with torch's own argument orders, which sometimes differ from F's:
``torch.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
cudnn_enabled)``, ``torch.embedding(weight, indices, ...)``, ``torch.dropout(input, p,
train)``, losses taking ``reduction`` as torch's enum (0 none, 1 mean, 2 sum; strings are
accepted too; as torch's Python bindings behave, an omitted reduction is 0, no reduction,
although aten's schema says Mean), ``torch.max_pool*d`` without ``return_indices``.

It lives at the package root because autograd/ may not import nn/; ``xpgrad/__init__.py``
star-imports it (with torch_nn_native.py: the native_* functions, RNN cells, convolution,
conv_tbc, grid_sampler, embedding_bag's tuple)."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

from .autograd import Tensor
from .autograd.ops._util import require_tensor
from .nn import functional as F
from .nn.embedding import renorm_rows

# the same signature as F's
conv1d, conv2d, conv3d = F.conv1d, F.conv2d, F.conv3d
conv_transpose1d, conv_transpose2d, conv_transpose3d = (F.conv_transpose1d, F.conv_transpose2d,
                                                        F.conv_transpose3d)
avg_pool1d, adaptive_avg_pool1d = F.avg_pool1d, F.adaptive_avg_pool1d
rms_norm, bilinear, hardshrink, prelu = F.rms_norm, F.bilinear, F.hardshrink, F.prelu
pixel_shuffle, pixel_unshuffle, channel_shuffle = (F.pixel_shuffle, F.pixel_unshuffle,
                                                   F.channel_shuffle)
pairwise_distance, cosine_similarity, pdist = F.pairwise_distance, F.cosine_similarity, F.pdist

__all__ = [
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "avg_pool1d", "adaptive_avg_pool1d", "rms_norm", "bilinear", "hardshrink", "prelu",
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "pairwise_distance",
    "cosine_similarity", "pdist",
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "adaptive_max_pool1d",
    "batch_norm", "layer_norm", "group_norm", "instance_norm", "dropout", "dropout_",
    "alpha_dropout", "alpha_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_",
    "feature_dropout", "feature_dropout_", "embedding", "embedding_renorm_", "celu", "celu_",
    "selu", "selu_", "threshold", "threshold_", "rrelu", "rrelu_", "kl_div",
    "margin_ranking_loss", "triplet_margin_loss", "hinge_embedding_loss",
    "cosine_embedding_loss", "poisson_nll_loss", "ctc_loss", "binary_cross_entropy_with_logits",
    "constant_pad_nd",
]

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(op: str, reduction: Any) -> str:
    """torch's enum (0 none, 1 mean, 2 sum) or a string, as a string."""
    if isinstance(reduction, str) and reduction in ("none", "mean", "sum"):
        return reduction
    if isinstance(reduction, int) and not isinstance(reduction, bool) and \
            reduction in _REDUCTIONS:
        return _REDUCTIONS[reduction]
    raise ValueError(f"{op}: reduction must be 0 (none), 1 (mean), 2 (sum) or one of their "
                     f"names, got {reduction!r}")


def _stride(stride: Any) -> Any:
    """torch's ``stride=[]`` (the kernel size) is F's ``stride=None``."""
    return None if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else stride


# ---- pooling --------------------------------------------------------------------------------
def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """torch.max_pool1d (no return_indices; see max_pool1d_with_indices).
    >>> xg.max_pool1d(x, 2)"""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """torch.max_pool2d. >>> xg.max_pool2d(x, 2)"""
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input: Tensor, kernel_size: Any, stride: Any = (), padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False) -> Tensor:
    """torch.max_pool3d. >>> xg.max_pool3d(x, 2)"""
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input: Tensor, kernel_size: Any, stride: Any = (),
                            padding: Any = 0, dilation: Any = 1,
                            ceil_mode: bool = False) -> tuple:
    """``(values, indices)`` of 1-D max pooling. >>> out, idx = xg.max_pool1d_with_indices(x, 2)"""
    return tuple(F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode,
                              return_indices=True))


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple:
    """torch.adaptive_max_pool1d: always ``(values, indices)``.
    >>> out, idx = xg.adaptive_max_pool1d(x, 4)"""
    return tuple(F.adaptive_max_pool1d(input, output_size, return_indices=True))


# ---- normalisation --------------------------------------------------------------------------
def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
               running_mean: Tensor | None, running_var: Tensor | None, training: bool,
               momentum: float, eps: float, cudnn_enabled: bool = True) -> Tensor:
    """torch.batch_norm (weight and bias before the running statistics, unlike F's).
    >>> xg.batch_norm(x, w, b, rm, rv, True, 0.1, 1e-5, True)"""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                  running_mean: Tensor | None, running_var: Tensor | None,
                  use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool = True) -> Tensor:
    """torch.instance_norm (weight and bias first, as batch_norm).
    >>> xg.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, True)"""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                           momentum, eps)


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """torch.layer_norm. >>> xg.layer_norm(x, (4,))"""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """torch.group_norm. >>> xg.group_norm(x, 2)"""
    return F.group_norm(input, num_groups, weight, bias, eps)


# ---- dropout (p and train positional, as torch's) -------------------------------------------
def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """torch.dropout(input, p, train). >>> xg.dropout(x, 0.5, True)"""
    return F.dropout(input, p, train)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """torch.alpha_dropout(input, p, train). >>> xg.alpha_dropout(x, 0.2, True)"""
    return F.alpha_dropout(input, p, train)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """torch.feature_alpha_dropout(input, p, train). >>> xg.feature_alpha_dropout(x, 0.2, True)"""
    return F.feature_alpha_dropout(input, p, train)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Dropout of whole channels of (N, C, *) input (torch.feature_dropout; dropout2d-like for
    any rank). >>> xg.feature_dropout(x, 0.5, True)"""
    from .nn.layer_dropout import _channel_dropout, _channel_shape, _floating
    _floating(input, "feature_dropout")
    if input.ndim < 2:
        raise ValueError(f"feature_dropout: expected an input of shape (N, C, *), got "
                         f"{tuple(input.shape)}")
    return _channel_dropout(input, p, train, _channel_shape(input.shape, True))


def _in_place(name: str, input: Tensor, fn: Any) -> Tensor:
    require_tensor(input, name)
    return input._write_result(f"{name}()", fn)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place torch.dropout. >>> xg.dropout_(x, 0.5, True)"""
    return _in_place("dropout_", input, lambda t: F.dropout(t, p, train))


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place torch.alpha_dropout. >>> xg.alpha_dropout_(x, 0.2, True)"""
    return _in_place("alpha_dropout_", input, lambda t: F.alpha_dropout(t, p, train))


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place torch.feature_alpha_dropout. >>> xg.feature_alpha_dropout_(x, 0.2, True)"""
    return _in_place("feature_alpha_dropout_", input,
                     lambda t: F.feature_alpha_dropout(t, p, train))


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place torch.feature_dropout. >>> xg.feature_dropout_(x, 0.5, True)"""
    return _in_place("feature_dropout_", input, lambda t: feature_dropout(t, p, train))


# ---- embeddings -------------------------------------------------------------------------------
def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """torch.embedding(weight, indices, ...): weight first; ``padding_idx=-1`` means none
    (as aten's; the padding row gets no gradient). >>> xg.embedding(table, idx)"""
    require_tensor(weight, "embedding")
    pad = None if padding_idx is None or padding_idx == -1 else int(padding_idx)
    return F.embedding(indices, weight, pad, None, 2.0, scale_grad_by_freq, sparse)


def embedding_renorm_(weight: Tensor, indices: Tensor, max_norm: float,
                      norm_type: float) -> Tensor:
    """Scale the rows of ``weight`` looked up by ``indices`` whose norm exceeds ``max_norm``
    down to it, in place outside the graph; returns weight.
    >>> xg.embedding_renorm_(table, idx, 1.0, 2.0)"""
    require_tensor(weight, "embedding_renorm_")
    renorm_rows(weight, indices, max_norm, norm_type)
    return weight


# ---- activations ------------------------------------------------------------------------------
def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """torch.celu. >>> xg.celu(x, 1.0)"""
    return F.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place torch.celu. >>> xg.celu_(x)"""
    return _in_place("celu_", input, lambda t: F.celu(t, alpha))


def selu(input: Tensor) -> Tensor:
    """torch.selu. >>> xg.selu(x)"""
    return F.selu(input)


def selu_(input: Tensor) -> Tensor:
    """In-place torch.selu. >>> xg.selu_(x)"""
    return _in_place("selu_", input, F.selu)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """``value`` where input <= threshold, else input. >>> xg.threshold(x, 0.1, 0.0)"""
    return F.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place torch.threshold. >>> xg.threshold_(x, 0.1, 0.0)"""
    return _in_place("threshold_", input, lambda t: F.threshold(t, threshold, value))


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, generator: Any = None) -> Tensor:
    """torch.rrelu (``generator`` accepted; the backend's seeded generator draws).
    >>> xg.rrelu(x, training=True)"""
    return F.rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False, generator: Any = None) -> Tensor:
    """In-place torch.rrelu. >>> xg.rrelu_(x)"""
    return _in_place("rrelu_", input, lambda t: F.rrelu(t, lower, upper, training))


# ---- losses (reduction as torch's enum or a name) ---------------------------------------------
def kl_div(input: Tensor, target: Tensor, reduction: Any = 0, *,
           log_target: bool = False) -> Tensor:
    """torch.kl_div: 'mean' (1) averages over every element, as aten's (without F's
    warning about it). >>> xg.kl_div(logp, q, 2)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return F.kl_div(input, target, reduction=_reduction("kl_div", reduction),
                        log_target=log_target)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: Any = 0) -> Tensor:
    """torch.margin_ranking_loss. >>> xg.margin_ranking_loss(a, b, y)"""
    return F.margin_ranking_loss(input1, input2, target, margin,
                                 reduction=_reduction("margin_ranking_loss", reduction))


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                        swap: bool = False, reduction: Any = 0) -> Tensor:
    """torch.triplet_margin_loss. >>> xg.triplet_margin_loss(a, pos, neg)"""
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction("triplet_margin_loss", reduction))


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         reduction: Any = 0) -> Tensor:
    """torch.hinge_embedding_loss. >>> xg.hinge_embedding_loss(x, y)"""
    return F.hinge_embedding_loss(input, target, margin,
                                  reduction=_reduction("hinge_embedding_loss", reduction))


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: Any = 0) -> Tensor:
    """torch.cosine_embedding_loss. >>> xg.cosine_embedding_loss(a, b, y)"""
    return F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction("cosine_embedding_loss", reduction))


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: Any) -> Tensor:
    """torch.poisson_nll_loss (every argument given, as aten's).
    >>> xg.poisson_nll_loss(x, y, True, False, 1e-8, 1)"""
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction("poisson_nll_loss", reduction))


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: Any = 0, zero_infinity: bool = False) -> Tensor:
    """torch.ctc_loss. >>> xg.ctc_loss(logp, targets, in_lens, tgt_lens)"""
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                      _reduction("ctc_loss", reduction), zero_infinity)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     pos_weight: Tensor | None = None,
                                     reduction: Any = 0) -> Tensor:
    """torch.binary_cross_entropy_with_logits (pos_weight before reduction, unlike F's).
    >>> xg.binary_cross_entropy_with_logits(z, y)"""
    return F.binary_cross_entropy_with_logits(
        input, target, weight, pos_weight=pos_weight,
        reduction=_reduction("binary_cross_entropy_with_logits", reduction))


def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:
    """Pad (or crop, with negative values) with ``value``: F.pad in 'constant' mode.
    >>> xg.constant_pad_nd(x, (1, 1), 0.0)"""
    return F.pad(input, pad, "constant", value)


def _install_nn_methods() -> None:
    """torch.Tensor's methods that are nn ops (autograd/ may not import nn/, so here)."""
    methods = {"hardshrink": lambda self, lambd=0.5: F.hardshrink(self, lambd),
               "prelu": lambda self, weight: F.prelu(self, weight)}
    for name, fn in methods.items():
        if name in vars(Tensor):
            raise RuntimeError(f"Tensor.{name} is defined twice (torch_namespace)")
        fn.__name__ = fn.__qualname__ = name
        fn.__doc__ = f"``xg.nn.functional.{name}(self, ...)``."
        setattr(Tensor, name, fn)


_install_nn_methods()
