"""torch's small type-level names: ``Size``, ``layout`` (``strided``), ``memory_format``
(``contiguous_format``, ``preserve_format``, ``channels_last``, ...), the legacy tensor types
(``FloatTensor``, ``LongTensor``, ...: constructors, ``isinstance`` checks and
``t.type(xg.LongTensor)``), ``set_default_tensor_type`` and the constants ``pi``, ``e``,
``inf``, ``nan``, ``newaxis``.

Every tensor is strided (``stride()`` reports the backend array's strides); the memory
formats are accepted and give the same values (``clone`` honours ``contiguous_format``).
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["Size", "layout", "strided", "memory_format", "contiguous_format", "preserve_format",
           "channels_last", "channels_last_3d", "legacy_contiguous_format", "pi", "e", "inf",
           "nan", "newaxis", "set_default_tensor_type", "FloatTensor", "DoubleTensor",
           "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor",
           "BoolTensor"]

pi, e, inf, nan, newaxis = math.pi, math.e, math.inf, math.nan, None


class Size(tuple):
    """A shape, as ``torch.Size``: a tuple of ints with ``numel()``; slicing and ``+`` keep
    the type. >>> xg.ones(2, 3).size()  # xpgrad.Size([2, 3])"""

    __slots__ = ()

    def __new__(cls, sizes: Any = ()) -> "Size":
        out = super().__new__(cls, sizes)
        for d in out:
            if not isinstance(d, int) and not hasattr(d, "__index__"):
                raise TypeError(f"Size: expected a sequence of ints, got an element of type "
                                f"{type(d).__name__}")
        return out

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= int(d)
        return n

    def __getitem__(self, key: Any) -> Any:
        out = super().__getitem__(key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other: Any) -> "Size":
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other: Any) -> "Size":
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __repr__(self) -> str:
        return f"xpgrad.Size({list(self)})"


class _Named:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"xpgrad.{self._name}"

    def __reduce__(self) -> str:
        return self._name          # pickles as the module-level singleton


class layout(_Named):              # noqa: N801  (torch's name)
    """A tensor layout (torch.layout); xpgrad has only ``xg.strided``."""
    __slots__ = ()


class memory_format(_Named):       # noqa: N801  (torch's name)
    """A memory format (torch.memory_format), accepted by clone, contiguous, to and the
    ``*_like`` factories; all give the same values (layouts are the backend's business)."""
    __slots__ = ()


strided = layout("strided")
def check_memory_format(op: str, fmt: Any) -> None:
    """Accept torch's memory formats: layouts are the backend's business, so every format
    gives the same values (xg.channels_last changes no strides here)."""
    if fmt is not None and not isinstance(fmt, memory_format):
        raise TypeError(f"{op}: memory_format must be one of xg.preserve_format, "
                        f"xg.contiguous_format, xg.channels_last, xg.channels_last_3d, got "
                        f"{fmt!r}")


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
legacy_contiguous_format = contiguous_format


# ---- legacy tensor types ----------------------------------------------------------------------
class _LegacyType(type):
    """The metaclass of ``xg.FloatTensor`` and friends: calling one builds a CPU tensor of its
    dtype (``xg.FloatTensor([1, 2])``, ``xg.LongTensor(2, 3)`` of that shape), and
    ``isinstance(t, xg.FloatTensor)`` checks a CPU float32 tensor, as torch's do."""

    dtype_name: str

    def __call__(cls, *args: Any, device: Any = None) -> Any:
        from .factories import tensor, zeros
        from .tensor import Tensor
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"{cls.__name__}: legacy constructor expects device 'cpu', got "
                               f"{device!r}; use xg.tensor(..., device=...)")
        if len(args) == 1 and isinstance(args[0], Tensor):
            return args[0].astype(cls.dtype_name)
        if len(args) == 1 and isinstance(args[0], Size):
            shape = tuple(args[0])
        elif all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            shape = args
        elif len(args) == 1:
            return tensor(args[0], dtype=cls.dtype_name)
        else:
            raise TypeError(f"{cls.__name__}(): expected sizes (ints) or one sequence of "
                            f"data, got {args!r}")
        return zeros(*shape if shape else (0,), dtype=cls.dtype_name)     # "uninitialized"

    def __instancecheck__(cls, obj: Any) -> bool:
        from .tensor import Tensor
        return isinstance(obj, Tensor) and obj.dtype.name == cls.dtype_name and \
            getattr(obj._backend, "kind", None) == "numpy"

    @property
    def dtype(cls) -> Any:
        from ..dtypes import as_dtype
        return as_dtype(cls.dtype_name)

    def __repr__(cls) -> str:
        return f"<class 'xpgrad.{cls.__name__}'>"


def _legacy(name: str, dtype_name: str) -> type:
    return _LegacyType(name, (), {"dtype_name": dtype_name, "__module__": "xpgrad",
                                  "__doc__": f"Legacy constructor of CPU {dtype_name} tensors "
                                             f"(torch.{name})."})


FloatTensor = _legacy("FloatTensor", "float32")
DoubleTensor = _legacy("DoubleTensor", "float64")
HalfTensor = _legacy("HalfTensor", "float16")
LongTensor = _legacy("LongTensor", "int64")
IntTensor = _legacy("IntTensor", "int32")
ShortTensor = _legacy("ShortTensor", "int16")
CharTensor = _legacy("CharTensor", "int8")
ByteTensor = _legacy("ByteTensor", "uint8")
BoolTensor = _legacy("BoolTensor", "bool")
LEGACY_TYPES = {t.__name__: t for t in (FloatTensor, DoubleTensor, HalfTensor, LongTensor,
                                        IntTensor, ShortTensor, CharTensor, ByteTensor,
                                        BoolTensor)}


def legacy_type(spec: Any) -> Any:
    """The legacy type named by ``spec`` (the class, or 'xpgrad.FloatTensor' /
    'torch.FloatTensor' / 'FloatTensor'), else None."""
    if isinstance(spec, _LegacyType):
        return spec
    if isinstance(spec, str):
        return LEGACY_TYPES.get(spec.rsplit(".", 1)[-1]) if spec.endswith("Tensor") else None
    return None


def set_default_tensor_type(t: Any) -> None:
    """Legacy torch.set_default_tensor_type: FloatTensor / DoubleTensor / HalfTensor (or
    their names) set the default floating dtype (use xg.set_default_dtype)."""
    from .factories import set_default_dtype
    kind = legacy_type(t)
    if kind is None or not kind.dtype.is_floating:
        raise TypeError(f"set_default_tensor_type: only floating-point types are supported "
                        f"as the default type, got {t!r}")
    set_default_dtype(kind.dtype)
