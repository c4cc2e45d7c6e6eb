"""Binary (and ternary) float math: atan2, logaddexp, logaddexp2, hypot, xlogy, lerp,
clamp_min, clamp_max. Broadcasting follows the Array API; the engine reduces each gradient
back to its input's shape."""
from __future__ import annotations

import math
from typing import Any

from ..function import Function, apply1, apply2, applyn
from ..tensor import Tensor
from ._util import NUMBER_TYPES, require_tensor
from .arithmetic import Clip, _pair, _with_number, promote, where
from .promotion import promote_all, refuse_bool, result_type_of
from .elementwise import log, log1p, sigmoid
from .math_special import _floating

__all__ = ["atan2", "arctan2", "logaddexp", "logaddexp2", "hypot", "xlogy", "lerp",
           "clamp_min", "clamp_max", "addcmul", "addcdiv"]

_LN2 = math.log(2.0)


class Atan2(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return xp.atan2(a, b)
    def backward(self, gy):
        a, b = self.inputs
        r2 = a * a + b * b          # at (0, 0) both gradients are 0, as PyTorch's
        scale = where(r2 == 0, 0.0, gy / where(r2 == 0, 1.0, r2))
        return (scale * b if a._rg else None), (-scale * a if b._rg else None)


class Logaddexp(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return xp.logaddexp(a, b)
    def backward(self, gy):
        a, b = self.inputs
        return (gy * sigmoid(a - b) if a._rg else None), (gy * sigmoid(b - a) if b._rg else None)


class Logaddexp2(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b):
        # max + log2(1 + 2^-|a - b|); equal inputs (infinities included) give a + 1 exactly
        top = xp.maximum(a, b)
        same = a == b
        gap = xp.where(same, 0.0, -xp.abs(a - b))
        return xp.where(same, a + 1.0, top + xp.log1p(xp.pow(2.0, gap)) * (1.0 / _LN2))
    def backward(self, gy):
        a, b = self.inputs
        d = (a - b) * _LN2
        return (gy * sigmoid(d) if a._rg else None), (gy * sigmoid(-d) if b._rg else None)


class Hypot(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, b): return xp.hypot(a, b)
    def backward(self, gy):
        a, b = self.inputs
        scale = gy / self.output()
        return (scale * a if a._rg else None), (scale * b if b._rg else None)


class Entr(Function):
    """-x log(x) for x > 0, 0 at 0, -inf below, NaN at NaN; the gradient is -(1 + log x)
    everywhere, as PyTorch's (+inf at 0, NaN below 0)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a):
        positive = a > 0
        inner = xp.where(a == 0, 0.0, xp.where(xp.isnan(a), a, -math.inf))
        return xp.where(positive, -a * xp.log(xp.where(positive, a, 1.0)), inner)
    def backward(self, gy):
        x, = self.inputs
        return gy * -(log(x) + 1.0)


def entr(input: Tensor) -> Tensor:
    """The elementwise entropy -x log(x): 0 at 0, -inf for x < 0 (NaN stays NaN).

    >>> xg.special.entr(xg.tensor([0.0, 0.5]))  # tensor([0.0000, 0.3466])
    """
    require_tensor(input, "entr")
    return apply1(Entr, _floating(input, "entr"))


def xlog1py(input: Any, other: Any) -> Tensor:
    """input * log1p(other), 0 where input == 0 (unless other is NaN); either may be a number.

    >>> xg.special.xlog1py(xg.tensor([0.0, 2.0]), xg.tensor([-1.0, 1.0]))  # [0.0000, 1.3863]
    """
    return apply2(Xlog1py, *_float_pair(input, other, "xlog1py"), True)


class Xlogy(Function):
    """x * log(y), or with ``one_plus`` x * log1p(y); 0 where x == 0 unless y is NaN
    (PyTorch's xlogy and special.xlog1py). args: (one_plus,)"""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b, one_plus):
        zero = (a == 0) & xp.logical_not(xp.isnan(b))
        if one_plus:
            return a * xp.log1p(xp.where(zero, 0.0, b))
        return a * xp.log(xp.where(zero, 1.0, b))
    def backward(self, gy):
        a, b = self.inputs
        one_plus, = self.args
        ga = gb = None
        if a._rg:
            # PyTorch: log(y), but 0 where x == 0 and y <= 0 (so x = y = 0 gives 0, not -inf);
            # log1p(y) likewise, 0 where x == 0 and y <= -1
            edge = -1.0 if one_plus else 0.0
            ga = where((a == 0) & (b <= edge), 0.0, gy * (log1p(b) if one_plus else log(b)))
        if b._rg:
            gb = gy * a / (b + 1.0 if one_plus else b)
        return ga, gb


class Xlog1py(Xlogy):          # its own name, so errors say xlog1py
    __slots__ = ()


class Lerp(Function):
    """input + weight * (end - input), as PyTorch computes it (exact at both ends: weight 0
    gives input, weight 1 gives end). The weight is a third tensor, or a number in args."""
    __slots__ = ()
    @staticmethod
    def forward(xp, arrays, weight):
        if weight is None:
            a, e, w = arrays
            d = e - a
            return xp.where(xp.abs(w) < 0.5, a + w * d, e - d * (1.0 - w))
        a, e = arrays
        return a + weight * (e - a) if -0.5 < weight < 0.5 else e - (e - a) * (1.0 - weight)
    def backward(self, gy):
        weight = self.args[0]
        if weight is None:
            a, e, w = self.inputs
            gw = gy * (e - a) if w._rg else None
        else:
            (a, e), w, gw = self.inputs, weight, None
        grads = ((gy * (1.0 - w) if a._rg else None), (gy * w if e._rg else None))
        return grads if weight is not None else grads + (gw,)


class ClampMin(Function):
    """max(x, m) as PyTorch's clamp_min: the gradient goes to x where x >= m, else to m."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, m): return xp.maximum(a, m)
    def backward(self, gy):
        a, m = self.inputs          # NaN in either: neither gets it (PyTorch)
        return (where(a >= m, gy, 0.0) if a._rg else None), \
            (where(a < m, gy, 0.0) if m._rg else None)


class ClampMax(Function):
    """min(x, m) as PyTorch's clamp_max: the gradient goes to x where x <= m, else to m."""
    __slots__ = ()
    @staticmethod
    def forward(xp, a, m): return xp.minimum(a, m)
    def backward(self, gy):
        a, m = self.inputs
        return (where(a <= m, gy, 0.0) if a._rg else None), \
            (where(a > m, gy, 0.0) if m._rg else None)


class ClampTensors(Function):
    """min(max(x, lo), hi) with tensor bounds, as PyTorch's clamp: the gradient goes to x
    where lo <= x <= hi, to lo where x < lo < hi, to hi where x > hi or hi < lo (NaN: none)."""
    __slots__ = ()
    @staticmethod
    def forward(xp, arrays): return xp.minimum(xp.maximum(arrays[0], arrays[1]), arrays[2])
    def backward(self, gy):
        x, lo, hi = self.inputs
        return (where((x >= lo) & (x <= hi), gy, 0.0) if x._rg else None,
                where((x < lo) & (lo < hi), gy, 0.0) if lo._rg else None,
                where((x > hi) | (hi < lo), gy, 0.0) if hi._rg else None)


# ---- public functions --------------------------------------------------------------------
def _float_pair(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    """Two tensors of one floating dtype (numbers and integer tensors are converted)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        require_tensor(a, op)
    return promote_all(a, b, floating=True)    # each cast straight to the float result dtype


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point (other, input) in (-pi, pi], elementwise with broadcasting.

    >>> xg.atan2(xg.tensor([1.0]), xg.tensor([-1.0]))  # tensor([2.3562])
    """
    return apply2(Atan2, *_float_pair(input, other, "atan2"))


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)) without overflow.

    >>> xg.logaddexp(xg.tensor([1000.0]), xg.tensor([1000.0]))  # tensor([1000.6931])
    """
    return apply2(Logaddexp, *_float_pair(input, other, "logaddexp"))


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """log2(2 ** input + 2 ** other) without overflow.

    >>> xg.logaddexp2(xg.tensor([3.0]), xg.tensor([3.0]))  # tensor([4.])
    """
    return apply2(Logaddexp2, *_float_pair(input, other, "logaddexp2"))


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(input ** 2 + other ** 2) without overflow.

    >>> xg.hypot(xg.tensor([3.0]), xg.tensor([4.0]))  # tensor([5.])
    """
    return apply2(Hypot, *_float_pair(input, other, "hypot"))


def xlogy(input: Any, other: Any) -> Tensor:
    """input * log(other), 0 where input == 0 (unless other is NaN); either may be a number.

    >>> xg.xlogy(xg.tensor([0.0, 2.0]), xg.tensor([0.0, 3.0]))  # tensor([0.0000, 2.1972])
    """
    return apply2(Xlogy, *_float_pair(input, other, "xlogy"), False)


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """input + weight * (end - input); weight is a number or a tensor (all broadcast).

    >>> xg.lerp(xg.tensor([0.0]), xg.tensor([10.0]), 0.25)  # tensor([2.5000])
    """
    require_tensor(input, "lerp")
    a, e = _float_pair(input, end, "lerp")
    if isinstance(weight, NUMBER_TYPES):
        return applyn(Lerp, (a, e), float(weight))
    a, w = promote(a, _pair(a, weight)[1])
    return applyn(Lerp, (a, e, _floating(w, "lerp")), None)


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """max(input, min); the gradient passes where input >= min (to min elsewhere).

    >>> xg.clamp_min(xg.tensor([-1.0, 2.0]), 0.0)  # tensor([0., 2.])
    """
    require_tensor(input, "clamp_min")
    if isinstance(min, NUMBER_TYPES):
        return apply1(Clip, *_with_number(input, min, False), None)
    a, m = promote(*_pair(input, min))
    return apply2(ClampMin, a, m)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """min(input, max); the gradient passes where input <= max (to max elsewhere).

    >>> xg.clamp_max(xg.tensor([-1.0, 2.0]), 0.0)  # tensor([-1., 0.])
    """
    require_tensor(input, "clamp_max")
    if isinstance(max, NUMBER_TYPES):
        t, c = _with_number(input, max, False)
        return apply1(Clip, t, None, c)
    a, m = promote(*_pair(input, max))
    return apply2(ClampMax, a, m)


def clamp_tensors(input: Tensor, min: Any, max: Any) -> Tensor:
    """clamp(input, min, max) where a bound is a tensor (see ClampTensors for the gradient)."""
    require_tensor(input, "clamp")
    a, lo = promote(*_pair(input, min))
    a, hi = promote(*_pair(a, max))
    a, lo = promote(a, lo)
    return applyn(ClampTensors, (a, lo, hi))


arctan2 = atan2


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 * tensor2 (broadcasting), as PyTorch's.

    >>> xg.addcmul(xg.zeros(2), xg.tensor([1.0, 2.0]), xg.tensor([3.0, 4.0]), value=0.5)
    """
    for t in (input, tensor1, tensor2):
        require_tensor(t, "addcmul")
    target = result_type_of((input, tensor1, tensor2))
    if target.is_bool:
        refuse_bool("addcmul", input, tensor1, tensor2)
    if not target.is_floating and isinstance(value, float):
        value = int(value)            # PyTorch casts value to the integer dtype (truncates)
    return input + (tensor1 * tensor2 if value == 1 else value * (tensor1 * tensor2))


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 / tensor2 (broadcasting), as PyTorch's; integer tensor1 and
    tensor2 are refused, as there.

    >>> xg.addcdiv(xg.zeros(2), xg.tensor([1.0, 2.0]), xg.tensor([4.0, 8.0]), value=2)
    """
    for t in (input, tensor1, tensor2):
        require_tensor(t, "addcdiv")
    if not (tensor1.dtype.is_floating or tensor2.dtype.is_floating):
        raise TypeError(f"addcdiv: integer division of tensor1 ({tensor1.dtype}) by tensor2 "
                        f"({tensor2.dtype}) is not supported; pass floating tensors")
    return input + (tensor1 / tensor2 if value == 1 else value * (tensor1 / tensor2))
