"""The autodiff engine: Tensor, ops, backward, grad mode, functional API and gradcheck.
Arrays are reached only through each tensor's backend (never numpy/cupy directly)."""
from .tensor import Tensor
from .function import Function
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, detect_anomaly,
                        set_detect_anomaly, inference_mode, is_inference_mode_enabled)
from .engine import grad, backward
from .functional import value_and_grad, jax_vjp as vjp
from . import functional
from .functional import grad as functional_grad
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from .compiled import compile, CompiledFunction, CompileError
from . import ops

__all__ = ["Tensor", "Function", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled", "detect_anomaly", "grad", "backward", "value_and_grad", "vjp",
           "functional_grad", "gradcheck", "gradgradcheck", "GradcheckError", "ops", "compile",
           "CompiledFunction", "CompileError", "functional", "set_detect_anomaly", "inference_mode",
           "is_inference_mode_enabled", "Variable"]


def Variable(data: object, requires_grad: bool = False, volatile: bool = False) -> Tensor:
    """PyTorch's deprecated ``autograd.Variable``: a new leaf tensor sharing ``data``'s
    memory (as ``data.detach()``) that requires grad if asked.
    >>> v = xg.autograd.Variable(xg.ones(2), requires_grad=True)"""
    from .factories import as_tensor
    t = (data if isinstance(data, Tensor) else as_tensor(data)).detach()
    return t.requires_grad_(True) if requires_grad else t
