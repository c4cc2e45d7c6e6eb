"""The torch.nn.functional forms beyond the families above (re-exported from
``xpgrad.nn.functional``): gumbel_softmax, the in-place activations (relu_, elu_, ...),
triplet_margin_with_distance_loss, multilabel_margin_loss, ctc_loss and embedding_bag.

>>> F.gumbel_softmax(logits, hard=True); F.relu_(x); F.ctc_loss(lp, tg, in_len, tg_len)
>>> F.embedding_bag(xg.tensor([[0, 2], [1, 1]]), table, mode="sum")
"""
from __future__ import annotations

from .activation_more import (celu_, elu_, gumbel_softmax, hardtanh_, leaky_relu_, relu_,
                              rrelu_, selu_, threshold_)
from .ctc_loss import ctc_loss
from .embedding_bag import embedding_bag
from .loss_more import multilabel_margin_loss, triplet_margin_with_distance_loss

__all__: list[str] = ["gumbel_softmax", "relu_", "elu_", "leaky_relu_", "selu_", "celu_",
                      "hardtanh_", "threshold_", "rrelu_", "triplet_margin_with_distance_loss",
                      "multilabel_margin_loss", "ctc_loss", "embedding_bag"]
