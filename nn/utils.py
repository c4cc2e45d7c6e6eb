"""``nn.utils``, as in PyTorch: gradient clipping and norms, flattening parameters to one
vector, weight and spectral norm, parametrizations, conv/linear-batchnorm fusion and
``stateless.functional_call``. ``nn/utils.py`` is a module, so the sub-namespaces
(``nn.utils.rnn``, ``.parametrize``, ``.parametrizations``, ``.stateless``) are attributes.

>>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
>>> v = nn.utils.parameters_to_vector(model.parameters())
"""
from __future__ import annotations

from typing import Iterable

from ..autograd.grad_clip import clip_grad_norm_, clip_grad_value_
from ..autograd.grad_mode import no_grad
from ..autograd.ops import concat
from ..autograd.tensor import Tensor
from . import parametrizations, parametrize  # noqa: F401  (nn.utils.parametrize, ...)
from . import rnn_utils as rnn  # noqa: F401  (nn.utils.rnn, as torch.nn.utils.rnn)
from . import utils_stateless as stateless  # noqa: F401  (nn.utils.stateless)
from .utils_clip import clip_grads_with_norm_, get_total_norm
from .utils_fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,
                           fuse_linear_bn_weights, skip_init)
from .utils_weight_norm import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "get_total_norm", "clip_grads_with_norm_", "weight_norm",
           "remove_weight_norm", "spectral_norm", "remove_spectral_norm", "skip_init",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "parametrize", "parametrizations", "stateless", "rnn"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one 1-D tensor (differentiable)."""
    params = list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: no parameters given")
    devices = {p.device for p in params}
    if len(devices) > 1:
        raise RuntimeError(f"parameters_to_vector: parameters are on several devices "
                           f"{sorted(devices)}")
    return concat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D Tensor, got "
                        f"{getattr(vec, 'shape', type(vec).__name__)}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: the vector has {vec.shape[0]} elements but the "
                         f"parameters have {total}")
    start = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec[start:start + n].reshape(p.shape))
            start += n
