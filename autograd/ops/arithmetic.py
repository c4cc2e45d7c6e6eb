"""Binary arithmetic: add, sub, mul, truediv, pow, maximum, minimum, where, clip.

Python-number operands stay Python numbers inside the op (``AddScalar`` and friends), so they
cost no array and never become graph inputs. Broadcasting is undone once, in the engine.
"""
from __future__ import annotations

from typing import Any

from ..function import Function, apply1, apply2, applyn
from ..tensor import Tensor
from ._util import NUMBER_TYPES, as_operand, require_tensor, zero_slope


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
    def forward(xp, a, b): return xp.pow(a, b)
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
    def forward(xp, a, c): return c ** a
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
# promotion rule: an integer or bool operand meeting a floating one takes the floating dtype
# (NumPy would give float64 and the Array API refuses), a float number makes an integer
# tensor the default float dtype, and true division of integers gives the default float.
def add(a: Any, b: Any, *, alpha: Any = 1) -> Tensor:
    """a + alpha * b with broadcasting (PyTorch's ``alpha``). >>> xg.add(x, 1.0)"""
    if alpha != 1:
        b = mul(b, alpha) if isinstance(b, Tensor) else b * alpha
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype:
        return apply2(Add, a, b)
    return _dispatch(a, b, Add, _add_scalar, _add_scalar)


def sub(a: Any, b: Any, *, alpha: Any = 1) -> Tensor:
    """a - alpha * b with broadcasting (PyTorch's ``alpha``). >>> xg.sub(x, y, alpha=2)"""
    if alpha != 1:
        b = mul(b, alpha) if isinstance(b, Tensor) else b * alpha
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype:
        return apply2(Sub, a, b)
    return _dispatch(a, b, Sub, _sub_scalar, _rsub_scalar)


def mul(a: Any, b: Any) -> Tensor:
    """a * b with broadcasting."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype:
        return apply2(Mul, a, b)
    return _dispatch(a, b, Mul, _mul_scalar, _mul_scalar)


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
              true_division: bool = False) -> Tensor:
    if isinstance(a, Tensor) and isinstance(b, NUMBER_TYPES):
        a, b = _with_number(a, b, true_division)
        return scalar_fn(a, b)
    if isinstance(b, Tensor) and isinstance(a, NUMBER_TYPES):
        b, a = _with_number(b, a, true_division)
        return rscalar_fn(b, a)
    a, b = promote(*_pair(a, b))
    if true_division and not a.dtype.is_floating:
        a, b = _default_float(a), _default_float(b)
    return apply2(tensor_op, a, b)


def promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """PyTorch's rule: a tensor of a lower kind (bool < integer < float) takes the other's
    dtype; within one kind a 0-d tensor gives way to a dimensioned one, as a scalar does
    (float32 vector * float64 0-d tensor is float32); otherwise the backend promotes."""
    if a.data.dtype is b.data.dtype:
        return a, b
    ka, kb = _kind(a.dtype), _kind(b.dtype)
    if ka > kb:
        return a, b.astype(a.dtype)
    if kb > ka:
        return a.astype(b.dtype), b
    if a.ndim == 0 and b.ndim != 0:
        return a.astype(b.dtype), b
    if b.ndim == 0 and a.ndim != 0:
        return a, b.astype(a.dtype)
    return a, b


def _kind(dtype: Any) -> int:
    return 2 if dtype.is_floating else (0 if dtype.is_bool else 1)


def _with_number(t: Tensor, c: Any, true_division: bool) -> tuple[Tensor, Any]:
    floating = t.dtype.is_floating
    if isinstance(c, bool):
        c = int(c)               # the Array API refuses bool scalars with numeric arrays
    if not floating and (true_division or isinstance(c, float)):
        t = _default_float(t)
    elif floating:
        c = float(c)
    elif not 0 <= c <= 127 and t.dtype.is_integer:
        c = _wrapped(c, t.dtype)
    return t, c


def _wrapped(c: int, dtype: Any) -> int:
    """A Python int outside an integer dtype's range wraps around as PyTorch's does
    (int8 tensor + 200 adds -56); NumPy would raise OverflowError."""
    bits = 8 * dtype.itemsize
    signed = dtype.name.startswith("int")
    low = -(1 << (bits - 1)) if signed else 0
    if low <= c < low + (1 << bits):
        return c
    return (c - low) % (1 << bits) + low


def _default_float(t: Tensor) -> Tensor:
    if t.dtype.is_floating:
        return t
    from ..factories import get_default_dtype
    return t.astype(get_default_dtype())


def neg(x: Tensor) -> Tensor:
    """-x"""
    out = apply1(MulScalar, x, -1)
    if out.data.dtype is not x.data.dtype and x.dtype.is_bool:   # only a bool input changes dtype
        raise TypeError("neg: negation (the - operator) of a bool tensor is not supported, as "
                        "in PyTorch; to invert a mask use ~ or logical_not()")
    return out


def pow(a: Any, b: Any) -> Tensor:
    """a ** b for a tensor or a Python-number exponent (and a number base)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.data.dtype is b.data.dtype:
        return apply2(Pow, a, b)
    return _dispatch(a, b, Pow, _pow_scalar, _rpow_scalar)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max; ties share the gradient evenly."""
    a, b = promote(*_pair(a, b))
    return apply2(Maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min; ties share the gradient evenly."""
    a, b = promote(*_pair(a, b))
    return apply2(Minimum, a, b)


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
    ref = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    if ref is None:
        if not isinstance(condition, Tensor):
            raise TypeError("where: at least one argument must be a Tensor")
        from ..factories import tensor
        ref = a = tensor(a, device=condition._backend)
    cond = as_operand(condition, ref)
    if not cond.dtype.is_bool:
        cond = cond.astype("bool")
    a, b = promote(as_operand(a, ref), as_operand(b, ref))
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
    if not x.dtype.is_floating and (isinstance(min, float) or isinstance(max, float)):
        x = _default_float(x)         # a float bound makes an integer tensor float (PyTorch)
    return apply1(Clip, x, min, max)


clamp = clip


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, as_operand(b, a)
    if isinstance(b, Tensor):
        return as_operand(a, b), b
    raise TypeError(f"expected at least one Tensor operand, got {type(a).__name__} and "
                    f"{type(b).__name__}")
