"""Binary arithmetic: add, sub, mul, truediv, pow, maximum, minimum, where, clip.

Python-number operands stay Python numbers inside the op (``AddScalar`` and friends), so they
cost no array and never become graph inputs. Broadcasting is undone once, in the engine.
"""
from __future__ import annotations

from typing import Any

from ..function import Function, apply1, apply2, applyn
from ..tensor import Tensor
from ._util import NUMBER_TYPES, as_operand, require_tensor, zero_slope
from .comparison import constant_op
from .promotion import (BoolArithmeticError, check_bool_sub, default_float,
                        int_pow as _int_pow, pair as _pair, promote, promote_all,
                        promote_floating, refuse_bool, result_type_of, scalar_as,
                        with_number as _with_number, wrapped as _wrapped)


class Add(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return a + b
    def backward(self, gy): return gy, gy


class AddScalar(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, c): return a + c
    def backward(self, gy): return gy


class Sub(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return a - b
    def backward(self, gy): return gy, -gy


class RSubScalar(Function):            # c - x
    __slots__ = ()
    @staticmethod
    def forward(xp, a, c): return c - a
    def backward(self, gy): return -gy


class Mul(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return a * b
    def backward(self, gy):
        a, b = self.inputs
        return (gy * b if a._rg else None), (gy * a if b._rg else None)


class MulScalar(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, c): return a * c
    def backward(self, gy): return gy * self.args[0]


class Div(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return a / b
    def backward(self, gy):
        a, b = self.inputs
        ga = gy / b
        return ga, (-ga * a / b if b._rg else None)


class DivScalar(Function):             # x / c
    __slots__ = ()
    @staticmethod
    def forward(xp, a, c): return a / c
    def backward(self, gy): return gy / self.args[0]


class RDivScalar(Function):            # c / x
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, c): return c / a
    def backward(self, gy):
        x, = self.inputs
        return -gy * self.output() / x


class Pow(Function):
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, b):
        return xp.pow(a, b) if xp.isdtype(a.dtype, "real floating") else _int_pow(xp, a, b)
    def backward(self, gy):
        a, b = self.inputs
        ga = gb = None
        if a._rg:       # 0 where b == 0, even at a == 0 (0 * 0 ** -1 would be NaN), as PyTorch
            ga = where(b == 0, 0.0, gy * b * a ** (b - 1))
        if b._rg:
            # d(a^b)/db = a^b log(a); 0 where a == 0 and b >= 0 (PyTorch's convention)
            zero_base = (a == 0) & (b >= 0)
            safe_log = where(zero_base, 1.0, a).log()
            gb = where(zero_base, 0.0, gy * self.output() * safe_log)
        return ga, gb


class PowScalar(Function):             # x ** c
    __slots__ = ()
    @staticmethod
    def forward(xp, a, c):      # PyTorch computes x ** 0.5 and x ** -0.5 as sqrt and rsqrt,
        if c == 0.5:            # so -0 gives -0 / -inf and -inf gives NaN
            return xp.sqrt(a)
        if c == -0.5:
            return 1.0 / xp.sqrt(a)
        return a ** c
    def backward(self, gy):
        c = self.args[0]
        if c == 0:
            return zero_slope(gy)
        x, = self.inputs
        return gy * c * (x ** (c - 1) if c != 2 else x)


class RPowScalar(Function):            # c ** x
    __slots__ = ()
    save_output = True
    @staticmethod
    def forward(xp, a, c):
        if xp.isdtype(a.dtype, "real floating"):
            return c ** a
        return _int_pow(xp, xp.full_like(a, c), a)
    def backward(self, gy):
        import math
        c = self.args[0]
        if c == 0:          # PyTorch: 0 where x >= 0, else 0 ** x * log(0) (= -inf); a
            x, = self.inputs    # constant factor, so a second derivative is 0, not 0 * inf
            x = x.detach()      # (no 0 * inf computed: it would warn on every backward)
            return gy * where(x >= 0, 0.0, where(x < 0, -math.inf, x))
        return gy * self.output() * (math.log(c) if c > 0 else float("nan"))


class Maximum(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return xp.maximum(a, b)
    def backward(self, gy):
        return _split_ties(gy, *self.inputs)


class Minimum(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, b): return xp.minimum(a, b)
    def backward(self, gy):
        a, b = self.inputs
        return _split_ties(gy, b, a)


def _split_ties(gy: Tensor, winner: Tensor, other: Tensor) -> tuple[Tensor, Tensor]:
    """Gradient of max(winner, other), as PyTorch's: to the larger input, exactly 0 to the
    other (selected, so an inf gradient does not make 0 * inf = NaN there); split evenly on
    ties; to both where one is NaN (neither is larger: the result is NaN)."""
    shared = where(winner == other, gy * 0.5, gy)
    return where(other > winner, 0.0, shared), where(winner > other, 0.0, shared)


class Where(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, arrays): return xp.where(arrays[0], arrays[1], arrays[2])
    def backward(self, gy):
        cond, a, b = self.inputs        # selected: 0 where not chosen, even for an inf gy
        return (None, where(cond, gy, 0.0) if a._rg else None,
                where(cond, 0.0, gy) if b._rg else None)


class Clip(Function):
    __slots__ = ()
    @staticmethod
    def forward(xp, a, lo, hi): return xp.clip(a, lo, hi)
    def backward(self, gy):
        x, = self.inputs
        lo, hi = self.args
        inside = None
        if lo is not None:
            inside = x >= lo
        if hi is not None:
            inside = (x <= hi) if inside is None else inside & (x <= hi)
        return gy if inside is None else where(inside, gy, 0.0)   # 0, even for an inf gy


# ---- public functions --------------------------------------------------------------------
# Each binary function has a fast path for two tensors of one dtype; everything else (Python
# numbers, host arrays, mixed dtypes) goes through _dispatch, which applies PyTorch's
# promotion rule (promotion.py): the result dtype is xg.result_type's, each operand is cast to
# it, Python ints wrap around to an integer dtype, and true division of integers gives the
# default float. A bool result of + and * is logical or / and, as PyTorch's.
def add(a: Any, b: Any, *, alpha: Any = 1) -> Tensor:
    """a + alpha * b with broadcasting (PyTorch's ``alpha``). >>> xg.add(x, 1.0)"""
    if alpha != 1:
        b = mul(b, alpha) if isinstance(b, Tensor) else b * alpha
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype \
            and not a.dtype.is_bool:
        return apply2(Add, a, b)
    return _dispatch(a, b, Add, _add_scalar, _add_scalar, logical="logical_or")


def sub(a: Any, b: Any, *, alpha: Any = 1) -> Tensor:
    """a - alpha * b with broadcasting (PyTorch's ``alpha``). >>> xg.sub(x, y, alpha=2)"""
    if alpha == 1 and isinstance(a, Tensor) and isinstance(b, Tensor) and \
            a.data.dtype is b.data.dtype and not a.dtype.is_bool:
        return apply2(Sub, a, b)                   # the common case, checked cheaply
    check_bool_sub("sub", a, b)
    if alpha != 1:
        b = mul(b, alpha) if isinstance(b, Tensor) else b * alpha
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype:
        return apply2(Sub, a, b)
    return _dispatch(a, b, Sub, _sub_scalar, _rsub_scalar)


def mul(a: Any, b: Any) -> Tensor:
    """a * b with broadcasting."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype \
            and not a.dtype.is_bool:
        return apply2(Mul, a, b)
    return _dispatch(a, b, Mul, _mul_scalar, _mul_scalar, logical="logical_and")


def truediv(a: Any, b: Any) -> Tensor:
    """a / b with broadcasting (true division: integers give the default float dtype)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype \
            and a.dtype.is_floating:
        return apply2(Div, a, b)
    return _dispatch(a, b, Div, _div_scalar, _rdiv_scalar, true_division=True)


def _add_scalar(t: Tensor, c: Any) -> Tensor: return apply1(AddScalar, t, c)
def _sub_scalar(t: Tensor, c: Any) -> Tensor:
    return apply1(AddScalar, t, _wrapped(-c, t.dtype) if t.dtype.is_integer else -c)
def _rsub_scalar(t: Tensor, c: Any) -> Tensor: return apply1(RSubScalar, t, c)
def _mul_scalar(t: Tensor, c: Any) -> Tensor: return apply1(MulScalar, t, c)
def _div_scalar(t: Tensor, c: Any) -> Tensor: return apply1(DivScalar, t, c)
def _rdiv_scalar(t: Tensor, c: Any) -> Tensor: return apply1(RDivScalar, t, c)
def _pow_scalar(t: Tensor, c: Any) -> Tensor: return apply1(PowScalar, t, c)
def _rpow_scalar(t: Tensor, c: Any) -> Tensor: return apply1(RPowScalar, t, c)


def _dispatch(a: Any, b: Any, tensor_op: type, scalar_fn: Any, rscalar_fn: Any,
              true_division: bool = False, logical: str | None = None) -> Tensor:
    # (after _with_number the number is a Python bool exactly when the result dtype is bool)
    if isinstance(a, Tensor) and isinstance(b, NUMBER_TYPES):
        a, b = _with_number(a, b, true_division)
        if logical is not None and b.__class__ is bool:
            return constant_op(logical, a, as_operand(b, a))
        return scalar_fn(a, b)
    if isinstance(b, Tensor) and isinstance(a, NUMBER_TYPES):
        b, a = _with_number(b, a, true_division)
        if logical is not None and a.__class__ is bool:
            return constant_op(logical, as_operand(a, b), b)
        return rscalar_fn(b, a)
    a, b = _pair(a, b)
    a, b = promote_floating(a, b) if true_division else promote(a, b)
    if logical is not None and a.dtype.is_bool:
        return constant_op(logical, a, b)
    return apply2(tensor_op, a, b)


def _default_float(t: Tensor) -> Tensor:
    if t.dtype.is_floating:
        return t
    return t.astype(default_float())


def neg(x: Tensor) -> Tensor:
    """-x (an unsigned integer wraps around: -uint8(5) is 251, as in PyTorch)."""
    require_tensor(x, "neg")
    if x.dtype.is_bool:
        raise BoolArithmeticError(f"neg: negation (the `-` operator) of a bool tensor "
                                  f"({x.dtype}{list(x.shape)}) is not supported. If you are "
                                  "trying to invert a mask, use the `~` or `logical_not()` "
                                  "operator instead.")
    return apply1(MulScalar, x, -1 if x.dtype.is_signed else _wrapped(-1, x.dtype))


def pow(a: Any, b: Any) -> Tensor:
    """a ** b for a tensor or a Python-number exponent (and a number base). Integers follow
    PyTorch: a negative Python-int exponent is refused; a negative tensor exponent gives 0
    (1 or -1 for a base of 1 or -1)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype \
            and a.dtype.is_floating:
        return apply2(Pow, a, b)
    if isinstance(a, Tensor) and isinstance(b, NUMBER_TYPES):
        if not a.dtype.is_floating and not isinstance(b, float):
            return _int_pow_number(a, b)
        return _pow_scalar(*_with_number(a, b, False))
    if isinstance(b, Tensor) and isinstance(a, NUMBER_TYPES):
        t, c = _with_number(b, a, False)
        if t.dtype.is_bool:
            refuse_bool("pow", a, b)
        return _rpow_scalar(t, c)
    a, b = promote(*_pair(a, b))
    if a.dtype.is_bool:
        refuse_bool("pow", a, b)
    return apply2(Pow, a, b)


def _int_pow_number(t: Tensor, c: Any) -> Tensor:
    """An integer or bool tensor to a Python int (or bool) power, with PyTorch's checks."""
    if t.dtype.is_bool and isinstance(c, bool):
        return constant_op("logical_or", t, as_operand(not c, t))    # x ** True is x
    if t.dtype.is_bool:
        t = t.astype("int64")
    if c < 0:
        raise RuntimeError(f"pow: integers to negative integer powers are not allowed "
                           f"({t.dtype}{list(t.shape)} ** {c})")
    if _wrapped(int(c), t.dtype) != c:
        raise RuntimeError(f"pow: the exponent {c} cannot be converted to {t.dtype} without "
                           "overflow")
    return apply1(PowScalar, t, int(c))


def _bool_or_op(name: str, cls: type, a: Any, b: Any) -> Tensor:
    a, b = promote_all(a, b)
    if a.dtype.is_bool:           # max/min of bools: or/and (the Array API has no bool max)
        return constant_op(name, a, b)
    return apply2(cls, a, b)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max; ties share the gradient evenly."""
    return _bool_or_op("logical_or", Maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min; ties share the gradient evenly."""
    return _bool_or_op("logical_and", Minimum, a, b)


_MISSING = object()


def where(condition: Any, a: Any = _MISSING, b: Any = _MISSING) -> Tensor:
    """``a`` where ``condition`` is true, else ``b``; differentiable in ``a`` and ``b``.
    With the condition alone, the indices where it holds (``nonzero(as_tuple=True)``).

    >>> xg.where(x > 0, x, 0.0)
    """
    if a is _MISSING and b is _MISSING:
        from .gather_masks import nonzero
        require_tensor(condition, "where")
        return nonzero(condition, as_tuple=True)
    if a is _MISSING or b is _MISSING:
        raise TypeError("where: give both values (where(condition, a, b)) or the condition "
                        "alone (where(condition))")
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype and \
            isinstance(condition, Tensor) and condition.dtype.is_bool:
        return applyn(Where, (condition, a, b))          # the common case, checked cheaply
    if not isinstance(condition, Tensor) and not isinstance(a, Tensor) \
            and not isinstance(b, Tensor):
        raise TypeError("where: at least one argument must be a Tensor")
    ref = condition if isinstance(condition, Tensor) else a if isinstance(a, Tensor) else b
    cond = as_operand(condition, ref)
    if not cond.dtype.is_bool:
        cond = cond.astype("bool")
    a, b = promote_all(a, b, like=cond)       # PyTorch's result type (numbers are weak)
    return applyn(Where, (cond, a, b))


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to [min, max]; the gradient passes where min <= x <= max."""
    if isinstance(min, Tensor) or isinstance(max, Tensor):   # PyTorch's tie and NaN rules
        from .math_binary import clamp_max, clamp_min, clamp_tensors
        if max is None:
            return clamp_min(x, min)
        return clamp_max(x, max) if min is None else clamp_tensors(x, min, max)
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    bounds = [v for v in (min, max) if v is not None]
    for v in bounds:
        if not isinstance(v, NUMBER_TYPES):
            raise TypeError(f"clamp: min and max must be numbers or tensors, got "
                            f"{type(v).__name__}")
    if x.dtype.is_floating:                     # the common case: bounds take x's dtype
        return apply1(Clip, x, None if min is None else float(min),
                      None if max is None else float(max))
    target = result_type_of((x, *bounds))      # a float bound makes an integer tensor float
    x = x if x.dtype is target else x.astype(target)
    if target.is_integer:
        for v in bounds:
            if scalar_as(v, target) != v:
                raise RuntimeError(f"clamp: the bound {v} cannot be converted to {target} "
                                   "without overflow")
    lo, hi = (None if v is None else scalar_as(v, target) for v in (min, max))
    return apply1(Clip, x, lo, hi)


clamp = clip
