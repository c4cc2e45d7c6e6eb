"""Softmax2d, gumbel_softmax and the in-place functional activations (F.relu_, F.elu_, ...),
as torch.nn / torch.nn.functional.

The in-place forms write their result into the input: into its array when no graph is
involved (views and aliases see it), else as a recorded in-place node, as ``t[...] = v`` is
(``Tensor._write_result``); a leaf that requires grad is refused, as in PyTorch.

>>> F.gumbel_softmax(logits, tau=0.5, hard=True); F.relu_(x); nn.Softmax2d()(images)
"""
from __future__ import annotations

from typing import Any

from ..autograd.factories import zeros_like
from ..autograd.function import run_kernel
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor, make_tensor
from .functional import elu, leaky_relu, relu, softmax
from .functional_activations import celu, hardtanh, rrelu, selu, threshold
from .module import Module

__all__ = ["Softmax2d"]


class Softmax2d(Module):
    """Softmax over the channels at each location of (N, C, H, W) or (C, H, W) input.

    >>> nn.Softmax2d()(xg.randn(2, 3, 4, 4)).sum(1)          # all ones
    """

    def forward(self, input: Tensor) -> Tensor:
        require_tensor(input, "Softmax2d")
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D "
                             "instead")
        return softmax(input, -3)


# ---- gumbel_softmax ----------------------------------------------------------------------------
def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) with g ~ Gumbel(0, 1) i.i.d. (drawn from the tensor's
    backend generator, seeded by ``xg.manual_seed``, as F.dropout draws). With ``hard`` the
    result is the one-hot of the sample's argmax in the forward pass and the soft sample's
    gradient in the backward (straight-through: y_hard - y_soft.detach() + y_soft).
    ``eps`` is unused, as in PyTorch (kept for its signature).

    >>> F.gumbel_softmax(xg.randn(4, 10), tau=0.5, hard=True).sum(-1)      # all ones
    """
    require_tensor(logits, "gumbel_softmax")
    if not logits.dtype.is_floating:
        raise TypeError(f"gumbel_softmax: logits must be floating point, got {logits.dtype}")
    noise = run_kernel(logits._backend, _gumbel_noise, tuple(logits.shape), logits.dtype)
    y_soft = softmax((logits + make_tensor(noise, logits._backend, False, None)) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdims=True)
    y_hard = zeros_like(y_soft.detach()).scatter(dim, index, value=1.0)
    return y_hard - y_soft.detach() + y_soft


def _gumbel_noise(backend: Any, shape: tuple, dtype: Any) -> Any:
    """-log(E), E ~ Exp(1) = -log(1 - U): U in [0, 1) keeps 1 - U in (0, 1]; E is floored at
    the dtype's tiny so that U = 0 gives a large finite value, not infinity."""
    xp = backend.xp
    u = backend.random_uniform(shape, dtype)
    e = -xp.log1p(-u)
    tiny = float(xp.finfo(e.dtype).tiny)
    return -xp.log(xp.maximum(e, tiny))


# ---- in-place functional forms ---------------------------------------------------------------
def relu_(input: Tensor) -> Tensor:
    """In-place F.relu. >>> F.relu_(x)"""
    return _inplace(input, "relu_", relu)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place F.elu. >>> F.elu_(x, alpha=0.5)"""
    return _inplace(input, "elu_", lambda t: elu(t, alpha))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place F.leaky_relu. >>> F.leaky_relu_(x, 0.2)"""
    return _inplace(input, "leaky_relu_", lambda t: leaky_relu(t, negative_slope))


def selu_(input: Tensor) -> Tensor:
    """In-place F.selu. >>> F.selu_(x)"""
    return _inplace(input, "selu_", selu)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place F.celu. >>> F.celu_(x, alpha=0.5)"""
    return _inplace(input, "celu_", lambda t: celu(t, alpha))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place F.hardtanh. >>> F.hardtanh_(x, -2.0, 2.0)"""
    return _inplace(input, "hardtanh_", lambda t: hardtanh(t, min_val, max_val))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place F.threshold. >>> F.threshold_(x, 0.1, 20.0)"""
    limit = threshold
    return _inplace(input, "threshold_", lambda t: _threshold(t, limit, value))


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place F.rrelu. >>> F.rrelu_(x, training=True)"""
    return _inplace(input, "rrelu_", lambda t: rrelu(t, lower, upper, training))


def _threshold(t: Tensor, limit: float, value: float) -> Tensor:
    return threshold(t, limit, value)


def _inplace(input: Tensor, name: str, fn: Any) -> Tensor:
    require_tensor(input, name)
    input._write_result(f"{name}()", fn)
    return input
