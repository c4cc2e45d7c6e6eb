"""The tracer behind ``xg.compile``: it watches one eager run of a step and records every
backend call the run makes, so the step can later be replayed without Python graph work.

Eager code stays the single source of truth: ops still run their own ``forward`` on their
own backend, the tracer only hands them a recording namespace and proxies of their arrays
(``autograd/trace_proxies.py``), which run each call on the real arrays and note it in the
tape (``autograd/trace_values.py``). Array work outside ops reaches the tracer through
``backend_call`` / ``run_kernel`` / ``host_region`` / ``host_check`` (``autograd/function.py``,
which calls the tracer only while it records the calling thread); the engine tells it where
gradients are bound. ``autograd/tape.py`` plans the finished tape.
"""
from __future__ import annotations

import operator
import threading
from typing import Any

from .trace_proxies import _HOST_READ_METHODS, RecordingBackend, RecordingNamespace, TracedArray
from .trace_values import (INPLACE_OPERATORS, RANDOM_METHODS, CompileError, Dynamic, Entry,
                           Storage, Value, is_backend_method)

_get_ident = threading.get_ident

__all__ = ["Tracer", "CompileError", "Dynamic"]


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
        entry.random = any(is_backend_method(fn, m) for m in RANDOM_METHODS)
        entry.impure = bool(writes) or entry.random
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

    # ---- the hooks of autograd/function.py (called only while active()) ------------------
    def forward(self, cls: Any, backend: Any, tensors: tuple, args: tuple, form: int) -> Any:
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
        self.use_backend(method.__self__)
        if method.__name__ in _HOST_READ_METHODS:
            self.refuse_read(f"backend.{method.__name__}()")
        return self.call(method, args, {}, real_result=True)

    def kernel(self, backend: Any, fn: Any, args: tuple) -> Any:
        self.use_backend(backend)
        saved_op, self.op = self.op, getattr(fn, "__name__", "kernel").strip("_")
        try:
            out = fn(self.recording_backend, *self._proxies(args))
        finally:
            self.op = saved_op
        self._unproxy_lists(args)
        return self.real(out)

    def host_region(self, fn: Any, args: tuple) -> Any:
        entry = Entry(len(self.entries), "host", fn, args, {}, getattr(fn, "__qualname__", None))
        self.entries.append(entry)
        self.suspended += 1
        try:
            return fn(*args)
        finally:
            self.suspended -= 1

    def host_check(self, backend: Any, fn: Any, arrays: tuple) -> None:
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

def _real_of(out: Any) -> Any:
    if isinstance(out, tuple):
        return tuple(v.obj for v in out)
    return out.obj


def _is_none_result(fn: Any) -> bool:
    """Calls made for their effect (setitem, in-place operators) return None or self."""
    return fn is operator.setitem or fn in INPLACE_OPERATORS or is_backend_method(fn, "setitem")
