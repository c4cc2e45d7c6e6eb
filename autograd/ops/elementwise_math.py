"""Elementwise math beyond the core, gathered from the math_* modules:

* math_special: erf, erfc, erfinv (built from standard elementwise ops; the Array API has no
  erf). ``Erf`` / ``erf_array`` are there for ops that need erf inside their own forward.
* math_unary: tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh (and the arc* aliases),
  log2, log10, exp2, rsqrt, reciprocal, sinc.
* math_binary: atan2, logaddexp, logaddexp2, hypot, xlogy, lerp, clamp_min, clamp_max.
* math_rounding: floor, ceil, round, trunc/fix, frac, remainder, fmod, floor_divide,
  nan_to_num (and the ``%`` / ``//`` operators on Tensor).
"""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import math_binary, math_rounding, math_special, math_unary
from .math_binary import *  # noqa: F401,F403
from .math_rounding import *  # noqa: F401,F403
from .math_special import *  # noqa: F401,F403
from .math_unary import *  # noqa: F401,F403
from .math_special import Erf, ErfGrad, erf_array, erfc_array, erfinv_array  # noqa: F401

__all__: list[str] = (math_special.__all__ + math_unary.__all__ + math_binary.__all__
                      + math_rounding.__all__)


def _mod(self: Tensor, other: Any) -> Tensor: return math_rounding.remainder(self, other)
def _rmod(self: Tensor, other: Any) -> Tensor: return math_rounding.remainder(other, self)
def _floordiv(self: Tensor, other: Any) -> Tensor: return math_rounding.floor_divide(self, other)
def _rfloordiv(self: Tensor, other: Any) -> Tensor: return math_rounding.floor_divide(other, self)


# name -> function(self, ...): installed on Tensor by ops/__init__
TENSOR_METHODS: dict = {name: globals()[name] for name in __all__}
TENSOR_METHODS.update({"__mod__": _mod, "__rmod__": _rmod, "__floordiv__": _floordiv,
                       "__rfloordiv__": _rfloordiv})
