"""What ops and kernels see while a step is recorded: ``TracedArray`` in place of each
backend array, ``RecordingNamespace`` in place of ``xp`` and ``RecordingBackend`` in place of
the Backend. Each runs the call on the real arrays and hands it to the tracer to note
(``Tracer.call``); values read back on the host are refused."""
from __future__ import annotations

import operator
from typing import Any, Callable

from ..backends.calls import Attribute, Method
from .trace_values import Value


_RECORDED_BACKEND_METHODS = {"asarray", "from_host", "zeros", "ones", "full", "arange", "eye",
                             "copy", "wrap", "getitem", "setitem", "scatter_add",
                             "random_uniform", "random_normal", "random_permutation"}
_HOST_READ_METHODS = {"item", "tolist", "tobytes", "tofile", "dump", "dumps", "__array__",
                      "__dlpack__", "__float__", "__int__", "__complex__", "__index__",
                      "to_host"}
_PASSTHROUGH = {"shape", "dtype", "ndim", "size", "device", "strides", "itemsize", "nbytes",
                "flags", "base"}


class TracedArray:
    """A stand-in for a backend array inside a recorded op: each operator, method or
    namespace call on it runs on the real array and is noted in the tape."""

    __slots__ = ("_value", "_tracer")
    __array_ufunc__ = None          # NumPy: `ndarray + TracedArray` defers to __radd__
    __array_priority__ = 1000.0

    def __init__(self, value: Value, tracer: "Tracer") -> None:
        self._value, self._tracer = value, tracer

    def __getattr__(self, name: str) -> Any:
        array = self._value.array
        if name in _PASSTHROUGH:
            return getattr(array, name)
        if name in _HOST_READ_METHODS:
            self._tracer.refuse_read(f"array.{name}()")
        attr = getattr(array, name)
        tracer = self._tracer
        if callable(attr):
            method = Method(name)
            return lambda *args, **kwargs: tracer.call(method, (self,) + args, kwargs)
        if isinstance(attr, tracer.backend.array_type):      # .T, .mT, .real: views
            return tracer.call(Attribute(name), (self,), {})
        return attr

    @property
    def shape(self) -> tuple:
        return self._value.array.shape

    @property
    def dtype(self) -> Any:
        return self._value.array.dtype

    @property
    def ndim(self) -> int:
        return self._value.array.ndim

    @property
    def size(self) -> int:
        return self._value.array.size

    def __len__(self) -> int:
        return len(self._value.array)

    def __iter__(self) -> Any:
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, key: Any) -> Any:
        return self._tracer.call(operator.getitem, (self, key), {})

    def __setitem__(self, key: Any, value: Any) -> None:
        self._tracer.call(operator.setitem, (self, key, value), {})

    def __array_namespace__(self, api_version: Any = None) -> Any:
        return self._tracer.xp

    def __bool__(self) -> bool:
        self._tracer.refuse_read("bool(array) (a Python `if` on array values)")
        return False

    def __float__(self) -> float:
        self._tracer.refuse_read("float(array)")
        return 0.0

    def __int__(self) -> int:
        self._tracer.refuse_read("int(array)")
        return 0

    def __index__(self) -> int:
        self._tracer.refuse_read("using an array as an index")
        return 0

    def __complex__(self) -> complex:
        self._tracer.refuse_read("complex(array)")
        return 0j

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        self._tracer.refuse_read("converting an array on the host (np.asarray)")

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        a = self._value.array
        return f"TracedArray(shape={tuple(a.shape)}, dtype={a.dtype})"


def _binary(op: Callable, reflected: bool) -> Callable:
    if reflected:
        def method(self: TracedArray, other: Any) -> Any:
            return self._tracer.call(op, (other, self), {})
    else:
        def method(self: TracedArray, other: Any) -> Any:
            return self._tracer.call(op, (self, other), {})
    return method


def _unary(op: Callable) -> Callable:
    def method(self: TracedArray) -> Any:
        return self._tracer.call(op, (self,), {})
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
              "xor", "lshift", "rshift"):
    _op = getattr(operator, _name + "_" if _name in ("and", "or") else _name)
    setattr(TracedArray, f"__{_name}__", _binary(_op, False))
    setattr(TracedArray, f"__r{_name}__", _binary(_op, True))
    setattr(TracedArray, f"__i{_name}__", _binary(getattr(operator, f"i{_name}"), False))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(TracedArray, f"__{_name}__", _binary(getattr(operator, _name), False))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(TracedArray, f"__{_name}__", _unary(getattr(operator, _name)))


class RecordingNamespace:
    """The array namespace ops see while a step is traced: each function records its call;
    dtypes, constants and classes pass through."""

    def __init__(self, tracer: "Tracer", xp: Any) -> None:
        self.__dict__["_tracer"], self.__dict__["_xp"] = tracer, xp

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._xp, name)
        if not callable(real) or isinstance(real, type):
            self.__dict__[name] = real
            return real
        tracer = self._tracer

        def recorded(*args: Any, **kwargs: Any) -> Any:
            return tracer.call(real, args, kwargs)
        recorded.__name__ = name
        self.__dict__[name] = recorded
        return recorded


class RecordingBackend:
    """The Backend that kernels see while a step is traced: ``xp`` records, and so do the
    methods that make or change arrays; the rest pass through on the real arrays."""

    def __init__(self, tracer: "Tracer", backend: Any) -> None:
        self.__dict__.update(_tracer=tracer, _backend=backend,
                             xp=RecordingNamespace(tracer, backend.xp))

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._backend, name)
        tracer = self._tracer
        if name in _RECORDED_BACKEND_METHODS:
            return lambda *args: tracer.call(real, args, {})
        if name in _HOST_READ_METHODS:
            tracer.refuse_read(f"backend.{name}()")
        if callable(real):
            return lambda *args, **kwargs: real(*tracer.real(args), **tracer.real(kwargs))
        return real
