"""Functional forms of the layers and losses beyond the lectures' set, named and defaulted as
in PyTorch's torch.nn.functional (re-exported from ``xpgrad.nn.functional``).

>>> import xpgrad.nn.functional as F
>>> F.layer_norm(x, (16,)); F.embedding(tokens, table); F.pad(x, (1, 1), mode="reflect")
>>> F.cosine_similarity(a, b); F.huber_loss(pred, y); F.kl_div(log_p, q, reduction="batchmean")
"""
from __future__ import annotations

from ._losses_extra import (cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss,
                            huber_loss, kl_div, margin_ranking_loss, multi_margin_loss,
                            multilabel_soft_margin_loss, poisson_nll_loss, smooth_l1_loss,
                            soft_margin_loss, triplet_margin_loss)
from .embedding import embedding
from .layer_distance import cosine_similarity, normalize, pairwise_distance
from .layer_dropout import (alpha_dropout, dropout1d, dropout2d, dropout3d,
                            feature_alpha_dropout)
from .layer_norm import group_norm, instance_norm, layer_norm
from .layer_pad import pad

__all__: list[str] = ["layer_norm", "group_norm", "instance_norm", "embedding", "pad",
                      "cosine_similarity", "pairwise_distance", "normalize", "dropout1d",
                      "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
                      "huber_loss", "smooth_l1_loss", "kl_div", "soft_margin_loss",
                      "poisson_nll_loss", "gaussian_nll_loss", "margin_ranking_loss",
                      "hinge_embedding_loss", "cosine_embedding_loss",
                      "multilabel_soft_margin_loss", "triplet_margin_loss", "multi_margin_loss"]
