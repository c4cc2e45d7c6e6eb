"""PyTorch's dtype queries: finfo, iinfo, promote_types, result_type, can_cast, and the CPU
generator's state (get_rng_state / set_rng_state, seed, initial_seed). Pure Python: the
limits are the IEEE 754 / two's-complement constants, the same on every backend."""
from __future__ import annotations

import random
from typing import Any, NamedTuple

from .dtypes import (DType, as_dtype, bool_, float16, float32, float64, int8, int16, int32,
                     int64, promote_types, uint8)

__all__ = ["finfo", "iinfo", "promote_types", "result_type", "can_cast", "get_rng_state",
           "set_rng_state", "seed", "initial_seed"]


class FloatInfo(NamedTuple):
    """What ``xg.finfo(dtype)`` returns (the fields of torch.finfo)."""
    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str


class IntInfo(NamedTuple):
    """What ``xg.iinfo(dtype)`` returns (the fields of torch.iinfo)."""
    bits: int
    max: int
    min: int
    dtype: str


def _float_info(bits: int, mantissa: int, max_exponent: int, resolution: float,
                name: str) -> FloatInfo:
    eps = 2.0 ** -mantissa
    largest = (2.0 - eps) * 2.0 ** (max_exponent - 1)
    tiny = 2.0 ** (2 - max_exponent)
    return FloatInfo(bits, eps, largest, -largest, tiny, tiny, resolution, name)


_FLOATS = {float16: _float_info(16, 10, 16, 1e-3, "float16"),
           float32: _float_info(32, 23, 128, 1e-6, "float32"),
           float64: _float_info(64, 52, 1024, 1e-15, "float64")}
_INTS = {dt: IntInfo(dt.itemsize * 8, 2 ** (dt.itemsize * 8 - 1) - 1, -2 ** (dt.itemsize * 8 - 1),
                     dt.name) for dt in (int8, int16, int32, int64)}
_INTS[uint8] = IntInfo(8, 255, 0, "uint8")
_INTS[bool_] = IntInfo(8, 1, 0, "bool")


def finfo(dtype: Any = None) -> FloatInfo:
    """Limits of a floating dtype (the default dtype when omitted).

    >>> xg.finfo(xg.float32).eps   # 1.1920928955078125e-07
    """
    if dtype is None:
        from .autograd.factories import get_default_dtype
        dtype = get_default_dtype()
    dt = as_dtype(dtype)
    if dt not in _FLOATS:
        raise TypeError(f"finfo: {dt} is not a floating dtype; use xg.iinfo for integers")
    return _FLOATS[dt]


def iinfo(dtype: Any) -> IntInfo:
    """Limits of an integer dtype. >>> xg.iinfo(xg.int32).max   # 2147483647"""
    dt = as_dtype(dtype)
    if dt not in _INTS or dt is bool_:
        raise TypeError(f"iinfo: {dt} is not an integer dtype; use xg.finfo for floats")
    return _INTS[dt]


def result_type(tensor1: Any, tensor2: Any) -> DType:
    """The dtype of an arithmetic result of the two operands, as PyTorch's: a dimensioned
    tensor decides within its kind; 0-d tensors and numbers only raise the kind.

    >>> xg.result_type(xg.ones(2, dtype=xg.int32), 1.5)   # xpgrad.float32
    """
    from .autograd.ops.promotion import result_type_of
    return result_type_of((tensor1, tensor2))


def _category(dt: DType) -> int:
    return 2 if dt.is_floating else 1 if dt.is_integer else 0


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` (never to a lower kind:
    float to integer or integer to bool is refused). >>> xg.can_cast(xg.float64, xg.float32)"""
    return _category(as_dtype(from_)) <= _category(as_dtype(to))


# ---- the generator's state ------------------------------------------------------------------
def get_rng_state() -> dict:
    """The CPU generator's state (a dict; ``set_rng_state`` restores it).

    >>> state = xg.get_rng_state(); a = xg.rand(2); xg.set_rng_state(state)  # rand again = a
    """
    from .backends import get_backend
    return get_backend("cpu").rng_state()


def set_rng_state(new_state: dict) -> None:
    """Restore a state from ``get_rng_state``."""
    from .backends import get_backend
    if not isinstance(new_state, dict):
        raise TypeError(f"set_rng_state: expected the dict get_rng_state returned, got "
                        f"{type(new_state).__name__}")
    get_backend("cpu").set_rng_state(new_state)


def seed() -> int:
    """Seed every generator with a fresh random seed and return it, as PyTorch's."""
    from .backends import manual_seed
    value = random.SystemRandom().randrange(2 ** 63)
    manual_seed(value)
    return value


def initial_seed() -> int:
    """The seed of the last ``xg.manual_seed``/``xg.seed`` (one is drawn if none was set)."""
    from . import backends
    if backends._SEED[0] is None:
        return seed()
    return int(backends._SEED[0])
