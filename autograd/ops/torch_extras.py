"""PyTorch's top-level functions beyond the other families, gathered from the extra_* modules:

* extra_elementwise: absolute, sgn, signbit, copysign, heaviside, fmax, fmin, float_power,
  true_divide, rsub, deg2rad, rad2deg, logit, isneginf, isposinf, isreal, ldexp, frexp,
  nextafter, gcd, lcm, bitwise_and/or/xor/not, real, imag, conj, resolve_conj, resolve_neg,
  adjoint.
* extra_gamma_ops (array math in extra_gamma): lgamma, digamma, polygamma, mvlgamma, i0
  (i1, i0e, i1e, erfcx, ndtri and zeta are in xg.special only, as in torch).
* extra_shape: ravel, t, select, take, rot90, block_diag, broadcast_tensors, broadcast_shapes,
  cartesian_prod, combinations, chain_matmul, diagflat, hsplit/vsplit/dsplit,
  tril_indices/triu_indices, unravel_index, vander.
* extra_scatter: diagonal_scatter, select_scatter, slice_scatter, index_copy, index_fill,
  index_add, index_put, masked_scatter, scatter_reduce, renorm, dist.
* extra_stats: quantile, nanquantile, histogram, multinomial, poisson.

``TENSOR_METHODS`` lists the Tensor methods they add (``x.lgamma()``, ``x.polygamma(1)``,
``x.real``, ``x ^ y``, ...), installed by ops/__init__.
"""
from __future__ import annotations

import functools
from typing import Any

from ..tensor import Tensor
from . import extra_elementwise, extra_gamma_ops, extra_scatter, extra_shape, extra_stats
from .extra_elementwise import *  # noqa: F401,F403
from .extra_gamma_ops import *  # noqa: F401,F403
from .extra_scatter import *  # noqa: F401,F403
from .extra_shape import *  # noqa: F401,F403
from .extra_stats import *  # noqa: F401,F403

__all__: list[str] = (extra_elementwise.__all__ + extra_gamma_ops.__all__ + extra_shape.__all__
                      + extra_scatter.__all__ + extra_stats.__all__)

_METHODS = [
    "absolute", "sgn", "signbit", "copysign", "heaviside", "fmax", "fmin", "float_power",
    "deg2rad", "rad2deg", "logit", "isneginf", "isposinf", "isreal", "ldexp", "frexp",
    "nextafter", "gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "bitwise_left_shift", "bitwise_right_shift", "conj", "resolve_conj", "resolve_neg", "adjoint", "lgamma", "digamma", "mvlgamma", "i0",
    "ravel", "select", "take", "rot90", "diagflat", "hsplit", "vsplit", "dsplit",
    "diagonal_scatter", "select_scatter", "slice_scatter", "index_copy", "index_fill",
    "masked_scatter", "scatter_reduce", "renorm", "dist", "quantile", "nanquantile",
    "histogram", "multinomial",
]


def _method(fn: Any) -> Any:
    @functools.wraps(fn)
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)
    return method


def _polygamma(self: Tensor, n: int) -> Tensor:
    """x.polygamma(n) is polygamma(n, x), as in PyTorch."""
    return extra_gamma_ops.polygamma(n, self)


def _xor(self: Tensor, other: Any) -> Tensor: return extra_elementwise.bitwise_xor(self, other)
def _rxor(self: Tensor, other: Any) -> Tensor: return extra_elementwise.bitwise_xor(other, self)
# ``n & x`` / ``n | x`` mean what ``x & n`` / ``x | n`` mean (Tensor.__and__ / __or__)
def _rand(self: Tensor, other: Any) -> Tensor: return self.__and__(other)
def _ror(self: Tensor, other: Any) -> Tensor: return self.__or__(other)
def _lshift(self: Tensor, other: Any) -> Tensor:
    return extra_elementwise.bitwise_left_shift(self, other)
def _rshift(self: Tensor, other: Any) -> Tensor:
    return extra_elementwise.bitwise_right_shift(self, other)
def _rlshift(self: Tensor, other: Any) -> Tensor:
    return extra_elementwise.bitwise_left_shift(other, self)
def _rrshift(self: Tensor, other: Any) -> Tensor:
    return extra_elementwise.bitwise_right_shift(other, self)


TENSOR_METHODS: dict = {name: _method(globals()[name]) for name in _METHODS}
TENSOR_METHODS.update({
    "polygamma": _polygamma,
    "real": property(extra_elementwise.real, doc="The real part: the tensor itself."),
    "imag": property(extra_elementwise.imag, doc="Refused for a real tensor, as in PyTorch."),
    "__xor__": _xor, "__rxor__": _rxor, "__rand__": _rand, "__ror__": _ror,
    "__lshift__": _lshift, "__rshift__": _rshift, "__rlshift__": _rlshift,
    "__rrshift__": _rrshift,
})
