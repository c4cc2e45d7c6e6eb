"""Losses beyond loss_extra's set, as torch.nn: TripletMarginWithDistanceLoss,
MultiLabelMarginLoss, NLLLoss2d (PyTorch's deprecated alias of NLLLoss) and CTCLoss, with
their functional forms (exported by nn.functional).

>>> nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1))(a, p, n)
>>> nn.MultiLabelMarginLoss()(scores, xg.tensor([[3, 0, -1, 1]])); nn.CTCLoss(blank=0)
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

from ..autograd.factories import arange, tensor
from ..autograd.ops import minimum
from ..autograd.tensor import Tensor
from ._losses import _check_input, _reduce, legacy_reduction
from .ctc_loss import ctc_loss
from .layer_distance import PairwiseDistance, pairwise_distance
from .loss import NLLLoss, _Loss

__all__ = ["TripletMarginWithDistanceLoss", "MultiLabelMarginLoss", "NLLLoss2d", "CTCLoss"]


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable | None = None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with any distance
    ``d`` (default F.pairwise_distance); ``swap`` uses min(d(a, n), d(p, n)).

    >>> F.triplet_margin_with_distance_loss(a, p, n, distance_function=lambda x, y: 1 - F.cosine_similarity(x, y))
    """
    name = "triplet_margin_with_distance_loss"
    _check_input(anchor, name, reduction)
    if not margin > 0:
        raise ValueError(f"{name}: margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(f"{name}: the anchor, positive, and negative tensors are expected "
                           "to have the same number of dimensions, but got: anchor "
                           f"{dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D inputs")
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, distance(positive, negative))
    return _reduce((margin + d_pos - d_neg).clip(0.0, None), reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: per sample, sum over its target classes j and the other
    classes i of max(0, 1 - (x[j] - x[i])), divided by C. ``target`` has the input's shape
    (C,) or (N, C) and lists the target classes first, ended by the first -1.

    >>> F.multilabel_margin_loss(xg.tensor([[0.1, 0.2, 0.4, 0.8]]), xg.tensor([[3, 0, -1, 1]]))
    """
    name = "multilabel_margin_loss"
    reduction = legacy_reduction(size_average, reduce, reduction, name)
    _check_input(input, name, reduction)
    if input.ndim not in (1, 2):
        raise ValueError(f"{name}: expected 1D (C,) or 2D (N, C) input, got shape "
                         f"{tuple(input.shape)}")
    if not isinstance(target, Tensor):
        target = tensor(target, dtype="int64", device=input._backend)
    if not target.dtype.is_integer:
        raise TypeError(f"{name}: target must hold integer class indices, got {target.dtype}")
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"{name}: input shape {tuple(input.shape)} and target shape "
                         f"{tuple(target.shape)} differ; they must be the same")
    if target._backend is not input._backend:
        raise RuntimeError(f"{name}: input is on {input.device} but target is on "
                           f"{target.device}")
    x = input if input.ndim == 2 else input.unsqueeze(0)
    t = (target if target.ndim == 2 else target.unsqueeze(0)).astype("int64")
    c = x.shape[1]
    if input._backend.kind == "numpy" and t.numel():     # host memory: checking costs no sync
        bad = ((t < -1) | (t >= c)).any().item()
        if bad:
            raise IndexError(f"{name}: target values must be class indices in [0, {c}) or "
                             f"-1 (the end of the list), got {t.tolist()}")
    # a target counts while no -1 came before it (cumsum of the -1 marks is still 0)
    valid = (t < 0).astype("int64").cumsum(1) == 0                        # (N, K)
    safe = valid.astype("int64") * t.clip(0, c - 1)
    classes = arange(c, device=input._backend)
    hits = (safe.unsqueeze(2) == classes) & valid.unsqueeze(2)           # (N, K, C)
    is_target = hits.astype(x.dtype).sum(1) > 0                          # (N, C)
    x_target = x.gather(1, safe)                                         # (N, K)
    # relu, not clip: no gradient at a margin of exactly 0 (PyTorch's kernel tests z > 0)
    margins = (1.0 - x_target.unsqueeze(2) + x.unsqueeze(1)).relu()
    keep = valid.unsqueeze(2) & (~is_target).unsqueeze(1)
    loss = (margins * keep.astype(x.dtype)).sum((1, 2)) / c
    if input.ndim == 1:
        loss = loss.squeeze(0)
    return _reduce(loss, reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with any distance (default nn.PairwiseDistance()).
    >>> nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1), margin=0.5)
    """

    def __init__(self, *, distance_function: Callable | None = None, margin: float = 1.0,
                 swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        if not margin > 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        # the default is a PairwiseDistance module (a child in the repr), as PyTorch's
        self.distance_function = distance_function if distance_function is not None \
            else PairwiseDistance()
        self.margin, self.swap = float(margin), bool(swap)

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss (targets listed first, ended by -1). >>> nn.MultiLabelMarginLoss()"""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return multilabel_margin_loss(input, target, reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """Deprecated in PyTorch: NLLLoss itself, kept for old code on (N, C, H, W) input with
    (N, H, W) targets; constructing one warns (FutureWarning), as PyTorch.
    >>> nn.NLLLoss2d()(log_probs, labels)"""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a "
                      "drop-in replacement and see "
                      "https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more details.",
                      FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss (F.ctc_loss); forward takes
    (log_probs, targets, input_lengths, target_lengths). >>> nn.CTCLoss(blank=0, zero_infinity=True)
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False
                 ) -> None:
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = int(blank), bool(zero_infinity)

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Any,
                target_lengths: Any) -> Tensor:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        reduction=self.reduction, zero_infinity=self.zero_infinity)
