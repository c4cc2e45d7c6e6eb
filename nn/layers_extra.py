"""Layers and losses beyond the lectures' set, named, defaulted and printed as PyTorch's
(re-exported from ``xpgrad.nn``): normalisation (LayerNorm, GroupNorm, BatchNorm2d/3d,
InstanceNorm1d/2d/3d), Embedding, channel and alpha dropout, Unflatten, padding layers,
CosineSimilarity / PairwiseDistance, and the losses of nn/loss_extra.py.

>>> nn.Sequential(nn.Embedding(1000, 64), nn.LayerNorm(64), nn.Linear(64, 10))
"""
from __future__ import annotations

from .embedding import Embedding
from .layer_batchnorm import (BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d,
                              InstanceNorm3d)
from .layer_distance import CosineSimilarity, PairwiseDistance
from .layer_dropout import (AlphaDropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout,
                            Unflatten)
from .layer_norm import GroupNorm, LayerNorm
from .layer_pad import (PAD_LAYERS, CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d,
                        ConstantPad2d, ConstantPad3d, ReflectionPad1d, ReflectionPad2d,
                        ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
                        ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .loss_extra import (LOSSES, CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss,
                         HuberLoss, KLDivLoss, MarginRankingLoss, MultiLabelSoftMarginLoss,
                         MultiMarginLoss, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss,
                         TripletMarginLoss)

__all__: list[str] = (["LayerNorm", "GroupNorm", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d",
                       "InstanceNorm2d", "InstanceNorm3d", "Embedding", "Dropout1d",
                       "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout",
                       "Unflatten", "CosineSimilarity", "PairwiseDistance"]
                      + PAD_LAYERS + LOSSES)
