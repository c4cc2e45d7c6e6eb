"""``nn.utils.fuse_conv_bn_eval`` / ``fuse_linear_bn_eval`` (and their ``*_weights``): fold an
eval-mode batch norm into the preceding convolution or linear layer, and ``skip_init``.

>>> fused = nn.utils.fuse_conv_bn_eval(conv.eval(), bn.eval())   # fused(x) == bn(conv(x))
"""
from __future__ import annotations

import copy
import inspect
from typing import Any

from ..autograd.factories import ones_like, zeros_like
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from .module import Module
from .parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "skip_init"]


def _check_eval(a: Module, bn: Module) -> None:
    if a.training or bn.training:
        raise AssertionError("Fusion only for eval! (call .eval() on both modules)")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("Fusion needs the batch norm's running statistics "
                             "(track_running_stats=True)")


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of ``conv`` whose weight and bias include the eval-mode ``bn`` after it.

    >>> fused = nn.utils.fuse_conv_bn_eval(conv.eval(), bn.eval())
    """
    _check_eval(conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor,
                         bn_eps: float, bn_w: Tensor | None, bn_b: Tensor | None,
                         transpose: bool = False) -> tuple[Parameter, Parameter]:
    """The fused (weight, bias) Parameters of a convolution followed by a batch norm.

    >>> w, b = nn.utils.fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean,
    ...                                      bn.running_var, bn.eps, bn.weight, bn.bias)
    """
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    with no_grad():
        conv_b = zeros_like(bn_rm) if conv_b is None else conv_b
        bn_w = ones_like(bn_rm) if bn_w is None else bn_w
        bn_b = zeros_like(bn_rm) if bn_b is None else bn_b
        rsqrt = (bn_rv + bn_eps).rsqrt()
        shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv_w.ndim - 2)
        fused_w = (conv_w * (bn_w * rsqrt).reshape(shape)).astype(w_dtype)
        fused_b = ((conv_b - bn_rm) * rsqrt * bn_w + bn_b).astype(b_dtype)
    return (Parameter(fused_w, conv_w.requires_grad),
            Parameter(fused_b, conv_b.requires_grad))


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of ``linear`` whose weight and bias include the eval-mode ``bn`` after it.

    >>> fused = nn.utils.fuse_linear_bn_eval(lin.eval(), bn.eval())
    """
    _check_eval(linear, bn)
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise AssertionError("To fuse, linear.out_features must equal bn.num_features or "
                             f"bn.num_features must be 1 (got {linear.out_features} and "
                             f"{bn.num_features})")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor,
                           bn_rv: Tensor, bn_eps: float, bn_w: Tensor, bn_b: Tensor
                           ) -> tuple[Parameter, Parameter]:
    """The fused (weight, bias) Parameters of a linear layer followed by a batch norm."""
    with no_grad():
        linear_b = zeros_like(bn_rm) if linear_b is None else linear_b
        scale = bn_w * (bn_rv + bn_eps).rsqrt()
        fused_w = linear_w * scale.unsqueeze(-1)
        fused_b = (linear_b - bn_rm) * scale + bn_b
    return (Parameter(fused_w, linear_w.requires_grad),
            Parameter(fused_b, linear_b.requires_grad))


def skip_init(module_cls: type, *args: Any, **kwargs: Any) -> Module:
    """``module_cls(*args, **kwargs)`` whose parameters and buffers hold unspecified values
    (torch builds it on the meta device; here it is built normally, so the values are the
    initialiser's, and ``module_cls`` must accept ``device=`` as torch requires).

    >>> lin = nn.utils.skip_init(nn.Linear, 20, 40, device="cpu")
    """
    try:
        accepts = "device" in inspect.signature(module_cls).parameters
    except (TypeError, ValueError):
        accepts = False
    if not accepts:
        raise ValueError(f'Expected a module that accepts a "device" argument, got '
                         f"{module_cls}")
    return module_cls(*args, **kwargs)
