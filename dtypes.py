"""Data types shared by every backend: ``xg.float32`` names the same thing on NumPy, CuPy and
array_api_strict. Each backend maps a DType to its native dtype."""
from __future__ import annotations

from typing import Any


class DType:
    """A backend-independent dtype, e.g. ``xg.float32``."""

    __slots__ = ("name", "is_floating", "is_integer", "is_bool", "is_signed", "itemsize")

    def __init__(self, name: str, kind: str, itemsize: int) -> None:
        self.name = name
        self.is_floating = kind == "f"
        self.is_integer = kind in "iu"
        self.is_bool = kind == "b"
        self.is_signed = kind in "if"
        self.itemsize = itemsize

    # torch.dtype's spellings
    @property
    def is_floating_point(self) -> bool:
        return self.is_floating

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"xpgrad.{self.name}"

    def __str__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple:
        return (as_dtype, (self.name,))     # copies and pickles stay the module-level singleton

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, DType):
            return other is self
        other_name = other if isinstance(other, str) else getattr(other, "name", None)
        if other_name is None and isinstance(other, type):
            other_name = other.__name__        # numpy.float32 and friends
        return other_name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


float16 = DType("float16", "f", 2)
float32 = DType("float32", "f", 4)
float64 = DType("float64", "f", 8)
int8 = DType("int8", "i", 1)
int16 = DType("int16", "i", 2)
int32 = DType("int32", "i", 4)
int64 = DType("int64", "i", 8)
uint8 = DType("uint8", "u", 1)
bool_ = DType("bool", "b", 1)

ALL_DTYPES = (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)
_BY_NAME = {dt.name: dt for dt in ALL_DTYPES}
_ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int64,
            "bool_": bool_}


def as_dtype(dtype: Any) -> DType:
    """Accept ``xg.float32``, ``"float32"``, ``numpy.float32`` or ``numpy.dtype('float32')``."""
    if isinstance(dtype, DType):
        return dtype
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None)
    if name is None and isinstance(dtype, type):
        # Python's float is float64 for NumPy and PyTorch alike (dtype=float)
        name = {float: "float64", int: "int64", bool: "bool"}.get(dtype, dtype.__name__)
    found = _BY_NAME.get(name) or _ALIASES.get(name)
    if found is None:
        raise TypeError(f"unsupported dtype {dtype!r}; use one of "
                        f"{', '.join(dt.name for dt in ALL_DTYPES)}")
    return found


def _category(dt: DType) -> int:
    return 2 if dt.is_floating else 1 if dt.is_integer else 0


def promote_types(type1: Any, type2: Any) -> DType:
    """The smallest dtype both convert to without losing their kind (PyTorch's table: an
    integer and a float give the float; uint8 and int8 give int16).

    >>> xg.promote_types(xg.int64, xg.float32)   # xpgrad.float32
    """
    a, b = as_dtype(type1), as_dtype(type2)
    if a is b:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    if ca == 2:
        return a if a.itemsize >= b.itemsize else b
    if uint8 in (a, b):                           # uint8 with a signed type
        other = b if a is uint8 else a
        return int16 if other is int8 else other
    return a if a.itemsize >= b.itemsize else b
