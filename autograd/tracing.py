"""The tracer behind ``xg.compile``: it watches one eager run of a step and records every
backend call the run makes, so the step can later be replayed without Python graph work.

Eager code stays the single source of truth: ops still run their own ``forward`` on their
own backend, the tracer only hands them a recording namespace and proxies of their arrays
(``TracedArray``), which run each call on the real arrays and note it in the tape. Array work
outside ops reaches the tracer through ``backend_call`` / ``run_kernel`` / ``host_region`` /
``host_check`` (``autograd/function.py``); the engine tells it where gradients are bound.

What the tape holds (planned and turned into Python by ``autograd/tape.py``):

- ``Value``: one array object seen during the trace: an input of the step, an *external*
  array (a parameter, a buffer, optimizer state: state that persists, referenced by identity)
  or the result of a recorded call. Values that share memory share a ``Storage``.
- ``Entry``: a recorded call (``fn(*args, **kwargs)`` with Values in place of arrays), a host
  region (Python re-run on every replay), a gradient binding, a gradient clear, or a check.
"""
from __future__ import annotations

import operator
import threading
from typing import Any, Callable

from ..backends.calls import Attribute, Method

_get_ident = threading.get_ident


class CompileError(RuntimeError):
    """A step cannot be compiled: it does something a replay could not reproduce."""


class Dynamic:
    """A Python number a replay reads again at its place in the tape: ``container[key]``
    (e.g. an optimizer group's ``"lr"``, which schedulers change between calls). At trace
    time it stands for the current value; it is an operand of array ops only."""

    __slots__ = ("container", "key")

    def __init__(self, container: Any, key: Any) -> None:
        self.container, self.key = container, key

    @property
    def value(self) -> Any:
        return self.container[self.key]

    def __repr__(self) -> str:
        return f"Dynamic({self.key!r} = {self.value!r})"


class Storage:
    """Memory shared by one or more Values. ``kind``: "input", "external" or "fresh" (made
    by a recorded call)."""

    __slots__ = ("kind", "root", "written", "index", "owner")

    def __init__(self, kind: str, root: Any, index: int) -> None:
        self.kind, self.root, self.written, self.index = kind, root, False, index
        self.owner: Any = None      # the Value whose array made this memory (if one did)


class Value:
    """One array object of the trace. ``kind``: "input", "external" or "computed"."""

    __slots__ = ("index", "kind", "array", "storage", "entry", "wrapped", "obj")

    def __init__(self, index: int, kind: str, array: Any, storage: Storage,
                 entry: "Entry | None") -> None:
        self.index, self.kind, self.array, self.storage, self.entry = (index, kind, array,
                                                                      storage, entry)
        self.wrapped = False        # a NumPy scalar result: ``array`` is it as a 0-d array
        self.obj = array            # what computation receives (the scalar itself if wrapped)

    def __repr__(self) -> str:
        return f"<Value {self.index} {self.kind} {tuple(self.array.shape)} {self.array.dtype}>"


class Entry:
    """One step of the tape. ``kind``: "call", "host", "bind", "clear" or "check"."""

    __slots__ = ("index", "kind", "fn", "args", "kwargs", "out", "writes", "impure", "op",
                 "elidable")

    def __init__(self, index: int, kind: str, fn: Any, args: Any, kwargs: dict, op: str | None):
        self.index, self.kind, self.fn, self.args, self.kwargs = index, kind, fn, args, kwargs
        self.out: Any = None            # a Value, a tuple of Values, or None
        self.writes: tuple = ()         # Values whose memory the call changes in place
        self.impure = kind != "call"    # never dropped or folded (random draws, writes, ...)
        self.op = op                    # the op (or kernel) whose forward made the call
        self.elidable = False           # a defensive copy the planner may drop

    def outputs(self) -> tuple:
        out = self.out
        if out is None:
            return ()
        return out if isinstance(out, tuple) else (out,)


INPLACE_OPERATORS = {operator.iadd, operator.isub, operator.imul, operator.itruediv,
                     operator.ifloordiv, operator.imod, operator.ipow, operator.iand,
                     operator.ior, operator.ixor, operator.imatmul, operator.ilshift,
                     operator.irshift}
_RECORDED_BACKEND_METHODS = {"asarray", "from_host", "zeros", "ones", "full", "arange", "eye",
                             "copy", "copy_like", "wrap", "getitem", "setitem", "scatter_add",
                             "random_uniform", "random_normal", "random_permutation"}
RANDOM_METHODS = {"random_uniform", "random_normal", "random_permutation"}
_HOST_READ_METHODS = {"item", "tolist", "tobytes", "tofile", "dump", "dumps", "__array__",
                      "__dlpack__", "__float__", "__int__", "__complex__", "__index__",
                      "to_host"}
_PASSTHROUGH = {"shape", "dtype", "ndim", "size", "device", "strides", "itemsize", "nbytes",
                "flags", "base"}


def is_backend_method(fn: Any, name: str) -> bool:
    """Whether ``fn`` is the bound Backend method ``name`` (the tape's random draws, setitem)."""
    return getattr(fn, "__name__", None) == name and hasattr(fn, "__self__") and \
        hasattr(fn.__self__, "xp_device")


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


def _eager_forward(cls: Any, backend: Any, tensors: tuple, args: tuple, form: int) -> Any:
    from .function import op_error, _ARRAY_ERRORS
    try:
        if form == 1:
            out = cls.forward(backend.xp, tensors[0].data, *args)
        elif form == 2:
            out = cls.forward(backend.xp, tensors[0].data, tensors[1].data, *args)
        else:
            out = cls.forward(backend.xp, [t.data for t in tensors], *args)
    except _ARRAY_ERRORS as exc:
        raise op_error(cls, exc, tensors) from exc
    if out.__class__ is not backend.array_type:
        out = backend.wrap(out)
    return out


class Tracer:
    """Records one eager run of a step (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self.name = name                    # the step function's name, for messages
        self.thread = _get_ident()
        self.suspended = 0
        self.backend: Any = None
        self.xp: Any = None
        self.recording_backend: Any = None
        self.values: list[Value] = []
        self.storages: list[Storage] = []
        self.by_id: dict[int, Value] = {}
        self.storage_by_root: dict[int, Storage] = {}
        self.entries: list[Entry] = []
        self.inputs: list[Value] = []
        self.input_tensors: list[Any] = []      # the argument tensors, in order
        self.tensor_guards: list[tuple] = []    # (tensor, its array, requires_grad, hooks)
        self.module_guards: dict[int, tuple] = {}   # id -> (module, training)
        self.grad_guards: dict[int, tuple] = {}     # id -> (leaf, .grad when first read)
        self.grad_leaves: dict[int, Any] = {}       # leaves whose .grad the tape sets
        self.item_guards: list[tuple] = []          # (mapping, key, object it held)
        self.attr_guards: list[tuple] = []          # (object, attribute, object it held)
        self.call_guards: list[tuple] = []          # (fn, what fn() returned)
        self.op: str | None = None

    # ---- state ----------------------------------------------------------------------------
    def active(self) -> bool:
        return self.suspended == 0 and _get_ident() == self.thread

    def use_backend(self, backend: Any) -> None:
        if self.backend is backend:
            return
        if self.backend is not None:
            raise CompileError(f"xg.compile({self.name}): a compiled step runs on one device, "
                               f"but it uses {self.backend.device} and {backend.device}; "
                               "move the data to the model's device before calling it")
        self.backend = backend
        self.xp = RecordingNamespace(self, backend.xp)
        self.recording_backend = RecordingBackend(self, backend)

    def refuse(self, what: str) -> None:
        if self.active():
            raise CompileError(f"xg.compile({self.name}): {what} cannot be part of a "
                               "compiled step; run it outside the step")

    def refuse_read(self, what: str) -> None:
        where = f" in {self.op}" if self.op else ""
        raise CompileError(
            f"xg.compile({self.name}): {what}{where} reads tensor values on the host while the "
            "step is recorded; a replay would not see new values. Return the tensor from the "
            "step and read it outside (e.g. loss.item() after the call)")

    # ---- values ---------------------------------------------------------------------------
    def _storage_for(self, array: Any, kind: str) -> Storage:
        root = self.backend.storage_root(array)
        st = self.storage_by_root.get(id(root))
        if st is None:
            st = Storage(kind, root, len(self.storages))
            self.storages.append(st)
            self.storage_by_root[id(root)] = st
        return st

    def _new_value(self, array: Any, kind: str, entry: Entry | None,
                   storage_kind: str) -> Value:
        st = self._storage_for(array, storage_kind)
        if kind == "external" and st.kind != "external":
            raise CompileError(
                f"xg.compile({self.name}): an array that shares memory with a value computed "
                f"in the step reached {self.op or 'a backend call'} without a recorded call "
                "(an internal error of xpgrad: please report it)")
        v = Value(len(self.values), kind, array, st, entry)
        if st.owner is None:
            st.owner = v
        self.values.append(v)
        self.by_id[id(array)] = v
        return v

    def value_of(self, array: Any, tensor: Any = None) -> Value:
        """The Value of a real array; an unknown one is external state (kept by identity)."""
        v = self.by_id.get(id(array))
        if v is None:
            if not isinstance(array, self.backend.array_type):
                raise CompileError(f"xg.compile({self.name}): expected an array of "
                                   f"{self.backend.device}, got {type(array).__name__}")
            v = self._new_value(array, "external", None, "external")
            if tensor is not None:
                self.guard_tensor(tensor)
        return v

    def add_input(self, tensor: Any) -> None:
        self.use_backend(tensor._backend)
        array = tensor.data
        if id(array) in self.by_id:
            raise CompileError(f"xg.compile({self.name}): the same array is passed twice")
        v = self._new_value(array, "input", None, "input")
        self.inputs.append(v)
        self.input_tensors.append(tensor)

    def proxy(self, value: Value) -> TracedArray:
        return TracedArray(value, self)

    def _split(self, obj: Any) -> tuple[Any, Any, bool]:
        """(real object, template with Values, whether an array was found)."""
        if obj.__class__ is TracedArray:
            return obj._value.obj, obj._value, True
        if obj.__class__ is Dynamic:
            return obj.value, obj, False
        if isinstance(obj, self.backend.array_type):
            return obj, self.value_of(obj), True
        if hasattr(obj, "dtype") and id(obj) in self.by_id:     # a scalar made in the trace
            return obj, self.by_id[id(obj)], True
        if isinstance(obj, (tuple, list)):
            if not obj:
                return obj, obj, False
            parts = [self._split(o) for o in obj]
            found = any(p[2] for p in parts)
            if not found:
                return obj, obj, False
            kind = type(obj) if type(obj) in (tuple, list) else tuple
            return kind(p[0] for p in parts), kind(p[1] for p in parts), True
        if isinstance(obj, dict):
            parts = {k: self._split(o) for k, o in obj.items()}
            found = any(p[2] for p in parts.values())
            if not found:
                return obj, obj, False
            return ({k: p[0] for k, p in parts.items()}, {k: p[1] for k, p in parts.items()},
                    True)
        return obj, obj, False

    def real(self, obj: Any) -> Any:
        """``obj`` with every TracedArray replaced by its real array."""
        if obj.__class__ is TracedArray:
            return obj._value.obj
        if isinstance(obj, (tuple, list)) and obj:
            kind = type(obj) if type(obj) in (tuple, list) else tuple
            return kind(self.real(o) for o in obj)
        if isinstance(obj, dict):
            return {k: self.real(o) for k, o in obj.items()}
        return obj

    def _proxies(self, obj: Any) -> Any:
        """``obj`` with every real array of the backend replaced by a TracedArray."""
        if isinstance(obj, self.backend.array_type):
            return TracedArray(self.value_of(obj), self)
        if obj is self.backend:                 # ops that take their backend (getitem)
            return self.recording_backend
        if hasattr(obj, "dtype") and id(obj) in self.by_id:     # a scalar made in the trace
            return TracedArray(self.by_id[id(obj)], self)
        if isinstance(obj, tuple) and obj:
            return tuple(self._proxies(o) for o in obj)
        if isinstance(obj, list):          # in place: an op may append to it (saved stats)
            for i, o in enumerate(obj):
                obj[i] = self._proxies(o)
            return obj
        return obj

    def _unproxy_lists(self, obj: Any) -> None:
        """Replace TracedArrays left in mutable containers of an op's args (e.g. the statistics
        batch norm saves for its backward) by their real arrays."""
        if isinstance(obj, tuple):
            for o in obj:
                self._unproxy_lists(o)
        elif isinstance(obj, list):
            for i, o in enumerate(obj):
                obj[i] = self.real(o)
                self._unproxy_lists(obj[i])

    # ---- recording ------------------------------------------------------------------------
    def call(self, fn: Any, args: tuple, kwargs: dict, real_result: bool = False) -> Any:
        """Run ``fn`` on the real arrays behind ``args`` and note the call."""
        real_args, t_args, found = self._split(args)
        real_kwargs, t_kwargs, found_kw = self._split(kwargs) if kwargs else (kwargs, kwargs,
                                                                             False)
        result = fn(*real_args, **real_kwargs)
        entry = Entry(len(self.entries), "call", fn, t_args, t_kwargs, self.op)
        out = self._register(result, entry)
        if out is None and not found and not found_kw:
            return result                   # dtype queries and the like: nothing to replay
        if out is None and result is not None and not _is_none_result(fn):
            return result                   # a Python value computed from arrays (shapes)
        writes = []
        if fn in INPLACE_OPERATORS or fn is operator.setitem or is_backend_method(fn, "setitem"):
            if isinstance(t_args[0], Value):
                writes.append(t_args[0])
        if kwargs and "out" in t_kwargs:
            outs = t_kwargs["out"]
            writes += [o for o in (outs if isinstance(outs, tuple) else (outs,))
                       if isinstance(o, Value)]
        for v in writes:
            v.storage.written = True
        entry.out = out
        entry.writes = tuple(writes)
        entry.impure = bool(writes) or any(is_backend_method(fn, m) for m in RANDOM_METHODS)
        self.entries.append(entry)
        if real_result:
            return result if out is None else _real_of(out)
        return self._wrap(out, result)

    def _register(self, result: Any, entry: Entry) -> Any:
        bt = self.backend.array_type
        if isinstance(result, bt):
            v = self.by_id.get(id(result))
            if v is not None:
                return v                    # an array that already existed came back
            return self._new_value(result, "computed", entry, "fresh")
        if isinstance(result, (tuple, list)):
            if result and all(isinstance(r, bt) for r in result):
                return tuple(self._register(r, entry) for r in result)
            return None
        if hasattr(result, "dtype") and hasattr(result, "shape"):     # a NumPy scalar
            # kept a scalar for what follows (scalar math can differ from 0-d ufuncs in
            # the last bit); the 0-d array only describes it
            v = self._new_value(self.backend.wrap(result), "computed", entry, "fresh")
            v.wrapped, v.obj = True, result
            self.by_id[id(result)] = v      # it may come back as an argument of a later call
            return v
        return None

    def _wrap(self, out: Any, result: Any) -> Any:
        if out is None:
            return result
        if isinstance(out, tuple):
            return tuple(TracedArray(v, self) for v in out)
        return TracedArray(out, self)

    # ---- the hooks of autograd/function.py ------------------------------------------------
    def forward(self, cls: Any, backend: Any, tensors: tuple, args: tuple, form: int) -> Any:
        if not self.active():
            return _eager_forward(cls, backend, tensors, args, form)
        self.use_backend(backend)
        from .function import op_error, _ARRAY_ERRORS
        proxies = [TracedArray(self.value_of(t.data, t), self) for t in tensors]
        p_args = self._proxies(args) if args else args
        saved_op, self.op = self.op, cls.__name__
        try:
            if form == 1:
                out = cls.forward(self.xp, proxies[0], *p_args)
            elif form == 2:
                out = cls.forward(self.xp, proxies[0], proxies[1], *p_args)
            else:
                out = cls.forward(self.xp, proxies, *p_args)
            if out.__class__ is not TracedArray or out._value.wrapped:
                out = self.call(backend.wrap, (out,), {})
        except CompileError:
            raise
        except _ARRAY_ERRORS as exc:
            raise op_error(cls, exc, tensors) from exc
        finally:
            self.op = saved_op
        if args:
            self._unproxy_lists(args)
        return out._value.array

    def backend_call(self, method: Any, args: tuple) -> Any:
        if not self.active():
            return method(*args)
        self.use_backend(method.__self__)
        if method.__name__ in _HOST_READ_METHODS:
            self.refuse_read(f"backend.{method.__name__}()")
        return self.call(method, args, {}, real_result=True)

    def kernel(self, backend: Any, fn: Any, args: tuple) -> Any:
        if not self.active():
            return fn(backend, *args)
        self.use_backend(backend)
        saved_op, self.op = self.op, getattr(fn, "__name__", "kernel").strip("_")
        try:
            out = fn(self.recording_backend, *self._proxies(args))
        finally:
            self.op = saved_op
        self._unproxy_lists(args)
        return self.real(out)

    def host_region(self, fn: Any, args: tuple) -> Any:
        if not self.active():
            return fn(*args)
        entry = Entry(len(self.entries), "host", fn, args, {}, getattr(fn, "__qualname__", None))
        self.entries.append(entry)
        self.suspended += 1
        try:
            return fn(*args)
        finally:
            self.suspended -= 1

    def host_check(self, backend: Any, fn: Any, arrays: tuple) -> None:
        if not self.active():
            fn(*arrays)
            return
        self.use_backend(backend)
        real, template, _ = self._split(arrays)
        self.entries.append(Entry(len(self.entries), "check", fn, template, {}, self.op))
        fn(*real)

    def host_read(self, what: str) -> None:
        if self.active():
            self.refuse_read(what)

    def module_called(self, module: Any) -> None:
        if self.active() and id(module) not in self.module_guards:
            self.module_guards[id(module)] = (module, module.training)

    def guard_tensor(self, tensor: Any) -> None:
        """A replay is valid while ``tensor`` keeps its array, requires_grad and hooks."""
        hooks = tensor._hooks
        self.tensor_guards.append((tensor, tensor.data, tensor._rg,
                                   None if hooks is None else len(hooks)))

    def guard_item(self, mapping: Any, key: Any) -> None:
        """A replay is valid while ``mapping.get(key)`` is the object it is now."""
        if self.active():
            self.item_guards.append((mapping, key, mapping.get(key)))

    def guard_attribute(self, obj: Any, name: str) -> None:
        if self.active():
            self.attr_guards.append((obj, name, getattr(obj, name)))

    def guard_call(self, fn: Any, quick: tuple = ()) -> None:
        """A replay is valid while ``fn()`` returns what it returns now (compared with ==).
        ``quick``: (mapping, key) pairs whose values ``fn`` reads: while each still holds the
        same object, ``fn`` is not called at all."""
        if self.active():
            self.call_guards.append((fn, fn(), tuple((m, k, m[k]) for m, k in quick)))

    def is_computed(self, array: Any) -> bool:
        """Whether ``array`` was made by a recorded call of this trace."""
        v = self.by_id.get(id(array))
        return v is not None and v.kind == "computed"

    def refuse_hooks(self, what: str) -> None:
        self.refuse(what)

    # ---- gradients (told by the engine and the optimizers) --------------------------------
    def grad_read(self, leaf: Any, current: Any) -> None:
        """The engine reads ``leaf.grad`` to choose between binding and accumulating: a
        replay is valid only while the leaf starts in the same state."""
        if self.active() and id(leaf) not in self.grad_leaves and id(leaf) not in self.grad_guards:
            self.grad_guards[id(leaf)] = (leaf, current)
            if current is not None:
                self.guard_tensor(current)

    def bind_grad(self, leaf: Any, grad: Any) -> None:
        if not self.active():
            return
        entry = Entry(len(self.entries), "bind", None, (leaf, self.value_of(grad.data)), {},
                      None)
        self.entries.append(entry)
        self.grad_leaves[id(leaf)] = leaf

    def clear_grads(self, leaves: list) -> None:
        if not self.active():
            return
        self.entries.append(Entry(len(self.entries), "clear", None, tuple(leaves), {}, None))
        for leaf in leaves:
            self.grad_leaves[id(leaf)] = leaf

    def is_view(self, backend: Any, array: Any) -> bool:
        """backend.is_view as eager would answer it: without the references this tracer
        holds to the array's memory owner (its storage root and its Value)."""
        root = backend.storage_root(array)
        extra = 0
        st = self.storage_by_root.get(id(root))
        if st is not None and st.root is root:
            extra += 1
        v = self.by_id.get(id(root))
        if v is not None:
            extra += 1 + (v.obj is root)
        del root, st, v             # a reference held here would count too
        return backend.is_view(array, extra)

    def mark_elidable(self, array: Any) -> None:
        """The array was made by a defensive copy (the engine's): a planner may drop it."""
        v = self.by_id.get(id(array))
        if v is not None and v.entry is not None:
            v.entry.elidable = True


def _real_of(out: Any) -> Any:
    if isinstance(out, tuple):
        return tuple(v.obj for v in out)
    return out.obj


def _is_none_result(fn: Any) -> bool:
    """Calls made for their effect (setitem, in-place operators) return None or self."""
    return fn is operator.setitem or fn in INPLACE_OPERATORS or is_backend_method(fn, "setitem")
