"""The ``out=`` forms of the NumPy calls a compiled step makes (``Backend.out_variant``).

A replay of ``xg.compile`` writes each result into a buffer planned once instead of
allocating it. Every form here computes exactly what the eager call computes (same ufunc
loop, same summation order, same casting), which the compile tests check bit for bit;
calls that are not listed allocate as in eager mode.
"""
from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np

from .calls import Method
from .numpy_backend import bit_where, bit_where_type

_BINARY = {
    operator.add: np.add, operator.sub: np.subtract, operator.mul: np.multiply,
    operator.truediv: np.true_divide, operator.floordiv: np.floor_divide,
    operator.mod: np.remainder, operator.matmul: np.matmul, operator.and_: np.bitwise_and,
    operator.or_: np.bitwise_or, operator.xor: np.bitwise_xor, operator.lshift: np.left_shift,
    operator.rshift: np.right_shift, operator.lt: np.less, operator.le: np.less_equal,
    operator.gt: np.greater, operator.ge: np.greater_equal, operator.eq: np.equal,
    operator.ne: np.not_equal,
    operator.iadd: np.add, operator.isub: np.subtract, operator.imul: np.multiply,
    operator.itruediv: np.true_divide, operator.ifloordiv: np.floor_divide,
    operator.imod: np.remainder, operator.iand: np.bitwise_and, operator.ior: np.bitwise_or,
    operator.ixor: np.bitwise_xor,
}
_UNARY = {operator.neg: np.negative, operator.pos: np.positive, operator.abs: np.absolute,
          operator.invert: np.invert}
# ndarray.__pow__ with these Python-number exponents calls another ufunc (NumPy's
# fast_scalar_power); any other exponent calls np.power.
def _shortcut(ufunc: Any) -> Callable:
    def power_out(out: Any, base: Any, exponent: Any) -> Any:
        return ufunc(base, out=out)
    return power_out


_POWER_SHORTCUTS = {2: _shortcut(np.square), 0.5: _shortcut(np.sqrt),
                    -1: _shortcut(np.reciprocal), 1: _shortcut(np.positive)}


def _is_array(a: Any) -> bool:
    return type(a) is np.ndarray


def _power(args: tuple, kwargs: dict) -> tuple[Any, str] | None:
    if kwargs or len(args) != 2:
        return None
    base, exponent = args
    if not _is_array(base):
        return None                          # c ** x: np.power
    if _is_array(exponent):
        return (np.power, "kw") if exponent.ndim else None
    if type(exponent) in (int, float) and base.dtype.kind in "fc":
        shortcut = _POWER_SHORTCUTS.get(exponent)
        return (np.power, "kw") if shortcut is None else (shortcut, "first")
    return None


def _sum_out(out: Any, a: Any, axis: Any = None, dtype: Any = None,
             keepdims: bool = False) -> Any:
    return a.sum(axis, dtype, out, keepdims)


def _max_out(out: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return a.max(axis, out, keepdims)


def _min_out(out: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return a.min(axis, out, keepdims)


def _mean_out(out: Any, a: Any, axis: Any = None, dtype: Any = None,
              keepdims: bool = False) -> Any:
    # the namespace's mean: a.sum(...) / n, here with the quotient written in place
    n = a.size if axis is None else _count(a.shape, axis)
    a.sum(axis, None, out, keepdims)
    return np.true_divide(out, n, out=out)


def _count(shape: tuple, axis: Any) -> int:
    n = 1
    for ax in ((axis,) if isinstance(axis, int) else axis):
        n *= shape[ax]
    return n


def _copy_out(out: Any, a: Any) -> Any:
    np.copyto(out, a)
    return out


def _astype_out(out: Any, a: Any, dtype: Any, copy: bool = True) -> Any:
    np.copyto(out, a, casting="unsafe")
    return out


def _where_out(out: Any, condition: Any, a: Any, b: Any) -> Any:
    return bit_where(condition, a, b, out)


def _where_chooser(args: tuple, kwargs: dict) -> tuple[Any, str] | None:
    # only where the namespace's where takes its bit path (np.where itself has no out=)
    if kwargs or len(args) != 3 or bit_where_type(*args) is None:
        return None
    return (_where_out, "first")


def _takes(names: tuple, max_positional: int) -> Callable:
    """A chooser that accepts a call only with the keywords and arity the form supports."""
    def choose(form: tuple[Any, str]) -> Callable:
        def check(args: tuple, kwargs: dict) -> tuple[Any, str] | None:
            if len(args) > max_positional or any(k not in names for k in kwargs):
                return None
            if not args or not _is_array(args[0]):
                return None
            return form
        return check
    return choose


def _mean_chooser(args: tuple, kwargs: dict) -> tuple[Any, str] | None:
    if len(args) > 4 or any(k not in ("axis", "dtype", "keepdims") for k in kwargs):
        return None
    a = args[0]
    dtype = kwargs.get("dtype", args[2] if len(args) > 2 else None)
    if not _is_array(a) or dtype is not None or a.dtype.kind not in "fc":
        return None
    return (_mean_out, "first")


def _random_out(draw: str) -> Callable:
    def choose(args: tuple, kwargs: dict, backend: Any) -> tuple[Any, str] | None:
        if kwargs or len(args) != 2 or args[1].name not in ("float32", "float64"):
            return None

        def fill(out: Any, shape: Any, dtype: Any) -> Any:
            return getattr(backend._rng, draw)(dtype=dtype.name, out=out)
        return (fill, "first")
    return choose


def out_table(xp: Any, backend: Any) -> dict:
    """fn -> a chooser ``(args, kwargs) -> (form, style) | None`` for ``backend``'s calls."""
    table: dict[Any, Callable] = {}
    for op, ufunc in {**_BINARY, **_UNARY}.items():
        table[op] = (lambda form: lambda args, kwargs: form)((ufunc, "kw"))
    table[operator.pow] = table[operator.ipow] = _power
    sum_form = _takes(("axis", "dtype", "keepdims"), 4)((_sum_out, "first"))
    max_form = _takes(("axis", "keepdims"), 3)((_max_out, "first"))
    min_form = _takes(("axis", "keepdims"), 3)((_min_out, "first"))
    table[xp.sum] = table[Method("sum")] = sum_form
    table[xp.max] = max_form
    table[xp.min] = min_form
    table[xp.mean] = _mean_chooser
    table[xp.astype] = _takes(("copy",), 3)((_astype_out, "first"))
    table[xp.clip] = _takes(("min", "max"), 3)((np.clip, "kw"))
    table[xp.where] = _where_chooser
    table[backend.copy] = table[Method("copy")] = _takes((), 1)((_copy_out, "first"))
    for name, draw in (("random_uniform", "random"), ("random_normal", "standard_normal")):
        chooser = _random_out(draw)
        table[getattr(backend, name)] = (lambda c: lambda args, kwargs: c(args, kwargs, backend))(
            chooser)
    return table


def choose(table: dict, fn: Any, args: tuple, kwargs: dict) -> tuple[Any, str] | None:
    try:
        chooser = table.get(fn)
    except TypeError:                        # an unhashable callable
        return None
    if chooser is not None:
        return chooser(args, kwargs)
    if isinstance(fn, np.ufunc) and fn.nout == 1 and "out" not in kwargs and "where" not in kwargs:
        return (fn, "kw")
    return None
