"""The torch.nn modules beyond the families above (re-exported from ``xpgrad.nn``):
Softmax2d, the losses TripletMarginWithDistanceLoss / MultiLabelMarginLoss / NLLLoss2d /
CTCLoss, EmbeddingBag, and the lazy modules (LazyLinear, LazyConv*, LazyBatchNorm*, ...).

>>> nn.CTCLoss(); nn.EmbeddingBag(10, 3, mode="sum"); nn.LazyLinear(16); nn.Softmax2d()
"""
from __future__ import annotations

from .activation_more import Softmax2d
from .embedding_bag import EmbeddingBag
from .lazy_layers import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d,
                          LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d,
                          LazyConvTranspose3d, LazyInstanceNorm1d, LazyInstanceNorm2d,
                          LazyInstanceNorm3d, LazyLinear, LazyModuleMixin,
                          UninitializedBuffer, UninitializedParameter)
from .loss_more import CTCLoss, MultiLabelMarginLoss, NLLLoss2d, TripletMarginWithDistanceLoss

__all__: list[str] = ["Softmax2d", "TripletMarginWithDistanceLoss", "MultiLabelMarginLoss",
                      "NLLLoss2d", "CTCLoss", "EmbeddingBag", "UninitializedParameter",
                      "UninitializedBuffer", "LazyModuleMixin", "LazyLinear", "LazyConv1d",
                      "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
                      "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
                      "LazyBatchNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
                      "LazyInstanceNorm3d"]
