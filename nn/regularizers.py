"""Weight penalties to add to a loss (the lectures' lambda R(W)), as Keras' regularizers.

>>> loss = criterion(model(x), y) + nn.regularizers.l2(model, 1e-4)

By default only weights are penalised: parameters with fewer than 2 dimensions (biases,
BatchNorm's gamma and beta, PReLU slopes) are skipped, as Keras applies
``kernel_regularizer`` to kernels only. Pass ``weights_only=False`` to include them.
Each function returns a scalar Tensor on the parameters' device (no host sync).
Note Keras' l2 is strength * sum(w^2) (no 1/2), which is what ``l2`` computes; SGD's
``weight_decay=wd`` corresponds to ``l2(..., strength=wd / 2)``.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..autograd.tensor import Tensor

__all__ = ["l1", "l2", "elastic_net", "l1_l2"]


def _weights(model_or_params: Any, weights_only: bool, name: str) -> list[Tensor]:
    from .module import Module
    if isinstance(model_or_params, Module):
        params: Iterable = model_or_params.parameters()
    elif isinstance(model_or_params, Tensor):
        params = [model_or_params]
    else:
        params = model_or_params
    seen, out = set(), []
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: expected a Module or Tensors, got {type(p).__name__}")
        if id(p) in seen or (weights_only and p.ndim < 2):
            continue
        seen.add(id(p))
        out.append(p)
    if not out:
        raise ValueError(f"{name}: no parameters to regularise"
                         + (" (weights_only=True skips 1-D parameters such as biases)"
                            if weights_only else ""))
    return out


def _total(terms: list[Tensor]) -> Tensor:
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


def l1(model_or_params: Any, strength: float = 0.01, weights_only: bool = True) -> Tensor:
    """strength * sum |w| over the weights (Keras' L1, default strength 0.01)."""
    ws = _weights(model_or_params, weights_only, "l1")
    return _total([w.abs().sum() for w in ws]) * strength


def l2(model_or_params: Any, strength: float = 0.01, weights_only: bool = True) -> Tensor:
    """strength * sum w^2 over the weights (Keras' L2, default strength 0.01)."""
    ws = _weights(model_or_params, weights_only, "l2")
    return _total([(w * w).sum() for w in ws]) * strength


def elastic_net(model_or_params: Any, strength: float = 0.01, l1_ratio: float = 0.5,
                weights_only: bool = True) -> Tensor:
    """strength * (l1_ratio * sum |w| + (1 - l1_ratio) * sum w^2): l1_ratio=1 is l1,
    l1_ratio=0 is l2 (scikit-learn's parametrisation of the lectures' beta W^2 + |W|)."""
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"elastic_net: l1_ratio must be in [0, 1], got {l1_ratio}")
    ws = _weights(model_or_params, weights_only, "elastic_net")
    terms = [w.abs().sum() * l1_ratio + (w * w).sum() * (1.0 - l1_ratio) for w in ws]
    return _total(terms) * strength


def l1_l2(model_or_params: Any, l1: float = 0.01, l2: float = 0.01,
          weights_only: bool = True) -> Tensor:
    """Keras' L1L2: l1 * sum |w| + l2 * sum w^2."""
    ws = _weights(model_or_params, weights_only, "l1_l2")
    return _total([w.abs().sum() * l1 + (w * w).sum() * l2 for w in ws])
