"""Differentiable collectives: ops that autograd can backpropagate through.

``all_reduce(x)`` returns a new tensor holding the sum of ``x`` over all ranks. If every
rank's loss L_r depends on that sum, the gradient of the total loss sum_r L_r with respect
to rank s's input is sum_r dL_r/dy, so the backward is again an all-reduce sum of the
incoming gradients. SyncBatchNorm is built on it.

>>> total = xg.distributed.functional.all_reduce(local_sums)   # differentiable
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function, apply1
from ..autograd.tensor import Tensor
from .comm import all_reduce_array


class AllReduceSum(Function):
    """y = sum over ranks of x (forward); gx = sum over ranks of gy (backward)."""

    __slots__ = ()

    @staticmethod
    def forward(xp: Any, a: Any, backend: Any) -> Any:
        out = backend.copy(a)
        all_reduce_array(out, backend, "sum")
        return out

    def backward(self, gy: Tensor) -> Tensor:
        return all_reduce(gy)


def all_reduce(tensor: Tensor) -> Tensor:
    """Sum of ``tensor`` over all ranks, as a new tensor that autograd differentiates
    (the input is left unchanged; with one process it is a copy).

    >>> stats = xg.distributed.functional.all_reduce(xg.concat([s, q, n]))
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"all_reduce expects an xpgrad Tensor, got {type(tensor).__name__}")
    return apply1(AllReduceSum, tensor, tensor._backend)
