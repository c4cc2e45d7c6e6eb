"""Planning a recorded tape (``autograd/tracing.py``) into a replay: one generated Python
function that makes the step's backend calls and nothing else.

The passes, in order:

1. dead-code elimination over storages (random draws, writes to state, host regions, checks,
   bound gradients and the step's outputs are the roots);
2. classification of every value: an input (an argument of the replay), external state
   (referenced by identity), a constant (folded: computed from constants only), a view of a
   static array (made once, here), a planned buffer (calls with an ``out=`` form on this
   backend write into it), or a local (allocated by the call on every replay);
3. buffer assignment by liveness: a buffer returns to a pool after the last call that reads
   any view of it, and a later value of the same shape, dtype and strides takes it over;
4. code generation: guards first (``autograd/tape_guards.py``) (the replay is valid only while the state it was traced
   against is still in place), then one line per call.
"""
from __future__ import annotations

import functools
import math
from typing import Any

from .tape_guards import MISS, guard_block, guard_lines
from .tensor import make_tensor
from .trace_values import (INPLACE_OPERATORS, Dynamic, Entry, Value, fn_name, leaves,
                           substitute)
from .tracing import Tracer

_VALUE_FREE = {"ones_like", "zeros_like", "full_like", "empty_like"}


class Program:
    """A planned tape: ``run(*arrays)`` replays it (or returns MISS), ``source`` is the code."""

    __slots__ = ("run", "source", "stats", "backend", "needs_tensors", "checks")

    def __init__(self, run: Any, source: str, stats: dict, backend: Any,
                 needs_tensors: bool) -> None:
        self.run, self.source, self.stats, self.backend = run, source, stats, backend
        self.needs_tensors = needs_tensors      # run(*arrays, *argument tensors)
        self.checks: list = []                  # (guard source, fn(*tensors) -> failed)

    def failed_guards(self, tensors: list) -> list[str]:
        """The guards that fail now (to explain a replay that records again)."""
        failed = []
        for text, check in self.checks:
            try:
                if check(*tensors):
                    failed.append(text)
            except (KeyError, IndexError):
                failed.append(text)
        return failed


class _Plan:
    def __init__(self, tracer: Tracer, outputs: list[Value], epilogue: list) -> None:
        self.tracer = tracer
        self.backend = tracer.backend
        self.outputs = outputs
        self.epilogue = epilogue            # ("bind", leaf, Value) / ("clear", leaf)
        self.entries = list(tracer.entries)
        self.namespace: dict[str, Any] = {}
        self.names: dict[int, str] = {}     # value index -> its expression in the code
        self.static: dict[int, Any] = {}    # value index -> the array the replay uses
        self.const: set[int] = set()
        self.buffer_of: dict[int, Any] = {}  # storage index -> planned buffer
        self.lines: list[str] = []
        self._const_ids: dict[int, str] = {}
        # argument tensors the tape refers to as objects (their .grad): parameters a{k}
        for k, t in enumerate(tracer.input_tensors):
            self._const_ids[id(t)] = f"a{k}"
        self.needs_tensors = False
        # gradients bound to argument tensors are allocated on each replay (each call's
        # tensor owns its gradient), never planned into a buffer
        inputs = {id(t) for t in tracer.input_tensors}
        self.unbuffered = {e.args[1].storage.index for e in tracer.entries
                           if e.kind == "bind" and id(e.args[0]) in inputs}
        self.stats = {"calls": 0, "allocating": 0, "buffers": 0, "buffer_bytes": 0,
                      "folded": 0, "views": 0, "dropped": 0, "host": 0}

    # ---- helpers ------------------------------------------------------------------------
    @staticmethod
    def values_in(template: Any) -> list[Value]:
        return [v for v in leaves(template) if v.__class__ is Value]

    def reads(self, entry: Entry) -> list[Value]:
        if entry.kind == "bind":
            return [entry.args[1]]
        if entry.kind in ("host", "clear"):
            return []
        return self.values_in(entry.args) + self.values_in(entry.kwargs)

    def defines(self, entry: Entry) -> list[Value]:
        return [v for v in entry.outputs() if v.entry is entry]

    # ---- 1. dead-code elimination -------------------------------------------------------
    def eliminate_dead(self) -> list[Entry]:
        needed: set[int] = {v.storage.index for v in self.outputs}
        needed |= {v.storage.index for kind, _, v in
                   (x for x in self.epilogue if x[0] == "bind")}
        # gradients bound to leaves are read after the step (and by host regions such as an
        # optimizer's, which the tape cannot see into): writes to them are never dead
        needed |= {e.args[1].storage.index for e in self.entries if e.kind == "bind"}
        kept: list[Entry] = []
        for e in reversed(self.entries):
            if e.kind == "dropped":
                continue
            keep = e.kind != "call"
            if e.kind == "call":
                defined = self.defines(e)
                if not defined and not e.writes:
                    e.kind = "dropped"          # a pure call that returned an existing array
                    self.stats["dropped"] += 1
                    continue
                touched = [v.storage for v in defined] + [v.storage for v in e.writes]
                keep = (e.random or any(st.kind != "fresh" for st in touched)
                        or any(st.index in needed for st in touched))
            if keep:
                kept.append(e)
                for v in self.reads(e):
                    needed.add(v.storage.index)
            else:
                e.kind = "dropped"
                self.stats["dropped"] += 1
        kept.reverse()
        return kept

    # ---- 2-4. classification, buffers, code ---------------------------------------------
    def build(self) -> Program:
        entries = self.eliminate_dead()
        backend = self.backend
        tracer = self.tracer
        ns = self.namespace
        ns["MISS"] = MISS
        ns["mk"] = make_tensor
        ns["B"] = backend

        for i, v in enumerate(tracer.inputs):
            self.names[v.index] = f"i{i}"
        for v in tracer.values:
            if v.kind == "external":
                self.static[v.index] = v.array
                self.names[v.index] = self.constant(v.array, "s")

        # liveness of storages that may get a planned buffer
        last_use: dict[int, int] = {}
        forever: set[int] = set()
        for v in self.outputs:
            forever.add(v.storage.index)
        for pos, e in enumerate(entries):
            for v in self.reads(e):
                last_use[v.storage.index] = pos
            for v in e.writes:
                last_use[v.storage.index] = pos
            if e.kind == "bind":
                forever.add(e.args[1].storage.index)
        for kind, _, v in (x for x in self.epilogue if x[0] == "bind"):
            forever.add(v.storage.index)
        release_at: dict[int, list[int]] = {}
        for sidx, pos in last_use.items():
            if sidx not in forever:
                release_at.setdefault(pos, []).append(sidx)

        pool: dict[tuple, list] = {}
        conditions = guard_lines(tracer, self.constant, self.expr)
        for pos, e in enumerate(entries):
            if e.kind == "call":
                before = len(self.lines)
                self.emit_call(e, pool)
                if len(self.lines) > before:
                    self.lines[before] += f"  # {e.describe()}"
            elif e.kind == "host":
                self.stats["host"] += 1
                name = self.constant(_bind_host(e.fn, e.args), "h")
                self.lines.append(f"{name}()  # host: {e.op or fn_name(e.fn)}")
            elif e.kind == "check":
                name = self.constant(e.fn, "c")
                self.lines.append(f"{name}({self.expr(e.args)[1:-1]})")
            elif e.kind == "bind":
                leaf = self.constant(e.args[0], "L")
                v = e.args[1]
                self.lines.append(f"{leaf}.grad = " + (
                    f"mk({self.name_of(v)}, B, False, None)" if leaf[0] == "a"   # per call
                    else self.grad_tensor(v)))
            elif e.kind == "clear":
                for leaf in e.args:
                    self.lines.append(f"{self.constant(leaf, 'L')}.grad = None")
            for sidx in release_at.get(pos, ()):
                buf = self.buffer_of.get(sidx)
                if buf is not None:
                    pool.setdefault(_key(buf), []).append(buf)
        for item in self.epilogue:
            if item[0] == "clear":
                self.lines.append(f"{self.constant(item[1], 'L')}.grad = None")
            else:
                self.lines.append(f"{self.constant(item[1], 'L')}.grad = "
                                  f"{self.grad_tensor(item[2])}")
        outs = []
        copy = self.constant(backend.copy, "f")
        for v in self.outputs:
            outs.append(f"{copy}({self.name_of(v)})")
        params = [f"i{i}" for i in range(len(tracer.inputs))]
        if self.needs_tensors:
            params += [f"a{i}" for i in range(len(tracer.inputs))]
        args = ", ".join(params)
        body = guard_block(conditions, bool(tracer.item_guards)) + self.lines + \
            [f"return ({', '.join(outs)}{',' if outs else ''})"]
        source = f"def replay({args}):\n" + "".join(f"    {line}\n" for line in body)
        exec(compile(source, f"<xg.compile {tracer.name}>", "exec"), ns)
        self.stats["buffers"] = len(self.buffer_of)
        self.stats["buffer_bytes"] = sum(int(b.nbytes) for b in
                                         {id(b): b for b in self.buffer_of.values()}.values())
        self.stats["distinct_buffers"] = len({id(b) for b in self.buffer_of.values()})
        program = Program(ns["replay"], source, self.stats, backend, self.needs_tensors)
        tensor_args = ", ".join(f"a{i}" for i in range(len(tracer.inputs)))
        program.checks = [(c, eval(f"lambda {tensor_args}: {c}", ns)) for c in conditions]
        return program

    def constant(self, obj: Any, prefix: str) -> str:
        name = self._const_ids.get(id(obj))
        if name is not None and name[0] == "a":
            self.needs_tensors = True
        if name is None:
            name = f"{prefix}{len(self.namespace)}"
            self.namespace[name] = obj
            self._const_ids[id(obj)] = name
        return name

    def name_of(self, v: Value) -> str:
        name = self.names.get(v.index)
        if name is None:
            raise RuntimeError(f"xg.compile: internal error: {v} used before it is made")
        return name

    def expr(self, obj: Any) -> str:
        """Python source for a template (Values become their names)."""
        if isinstance(obj, Value):
            return self.name_of(obj)
        if obj.__class__ is Dynamic:
            return f"{self.constant(obj.container, 'd')}[{self.expr(obj.key)}]"
        if obj is None or obj is True or obj is False or obj is Ellipsis:
            return "..." if obj is Ellipsis else repr(obj)
        if type(obj) is int or type(obj) is str:
            return repr(obj)
        if type(obj) is float and math.isfinite(obj):
            return repr(obj)
        if type(obj) is tuple:
            return "(" + "".join(self.expr(o) + ", " for o in obj) + ")"
        if type(obj) is list:
            return "[" + ", ".join(self.expr(o) for o in obj) + "]"
        if type(obj) is slice:
            return f"slice({self.expr(obj.start)}, {self.expr(obj.stop)}, {self.expr(obj.step)})"
        return self.constant(obj, "k")

    def call_args(self, e: Entry) -> str:
        parts = [self.expr(a) for a in e.args]
        parts += [f"{k}={self.expr(v)}" for k, v in e.kwargs.items()]
        return ", ".join(parts)

    def static_array(self, template: Any) -> tuple[bool, Any]:
        """(True, the replay's object) when a template holds only static arrays."""
        if any(v.__class__ is Dynamic or v.index not in self.static for v in leaves(template)):
            return False, None
        return True, substitute(template, lambda v: self.static[v.index])

    def emit_call(self, e: Entry, pool: dict) -> None:
        backend = self.backend
        defined = self.defines(e)
        reads = self.reads(e)
        name = getattr(e.fn, "__name__", "")
        pure = not e.impure and not any(v.__class__ is Dynamic
                                        for v in leaves((e.args, e.kwargs)))
        # constants: pure calls on constants only (or that ignore their input's values)
        if pure and defined and all(not v.storage.written for v in defined) and (
                all(r.index in self.const for r in reads) or name in _VALUE_FREE):
            for v in defined:
                array = v.obj if v.wrapped else backend.copy(v.array)
                self.static[v.index] = array
                self.const.add(v.index)
                self.names[v.index] = self.constant(array, "k")
                self.stats["folded"] += 1
            return
        # views: pure calls whose result shares memory with an input
        if pure and len(defined) == 1 and any(r.storage is defined[0].storage for r in reads):
            v = defined[0]
            ok_args, args = self.static_array(e.args)
            ok_kw, kwargs = self.static_array(e.kwargs)
            if ok_args and ok_kw:
                array = e.fn(*args, **kwargs)
                self.static[v.index] = array
                if any(r.index in self.const for r in reads):
                    self.const.add(v.index)
                self.names[v.index] = self.constant(array, "s")
                self.stats["views"] += 1
                return
        self.stats["calls"] += 1
        variant = None
        if "out" not in e.kwargs:
            variant = backend.out_variant(e.fn, _trace_arrays(e.args), _trace_arrays(e.kwargs))
        target = None
        if variant is not None:
            if e.writes and not defined and e.fn in INPLACE_OPERATORS:
                target = e.writes[0]                        # a += b  ->  add(a, b, out=a)
                out_expr = self.name_of(target)
            elif len(defined) == 1 and defined[0].storage.root is defined[0].array \
                    and defined[0].storage.kind == "fresh" and not defined[0].wrapped \
                    and defined[0].storage.index not in self.unbuffered:
                v = defined[0]
                buf = self.take_buffer(v, pool)
                if buf is not None:
                    self.buffer_of[v.storage.index] = buf
                    self.static[v.index] = buf
                    out_expr = self.names[v.index] = self.constant(buf, "b")
                    target = v
            if target is not None:
                fn_name = self.constant(variant[0], "f")
                args = self.call_args(e)
                if variant[1] == "kw":
                    self.lines.append(f"{fn_name}({args}{', ' if args else ''}out={out_expr})")
                else:
                    self.lines.append(f"{fn_name}({out_expr}{', ' if args else ''}{args})")
                return
        # a call that allocates its result on every replay
        self.stats["allocating"] += 1 if defined else 0
        fn_name = self.constant(e.fn, "f")
        call = f"{fn_name}({self.call_args(e)})"
        if not defined:
            self.lines.append(call)
            return
        if len(defined) == 1 and e.out is defined[0]:
            v = defined[0]
            local = self.names[v.index] = f"v{v.index}"
            self.lines.append(f"{local} = {call}")
            return
        outs = e.outputs()
        temp = f"t{e.index}"
        self.lines.append(f"{temp} = {call}")
        for i, v in enumerate(outs):
            if v.entry is e:
                self.names[v.index] = f"v{v.index}"
                self.lines.append(f"v{v.index} = {temp}[{i}]")

    def take_buffer(self, v: Value, pool: dict) -> Any:
        array = v.array
        key = _key(array)
        free = pool.get(key)
        if free:
            return free.pop()
        buf = self.backend.empty_like(array)
        if getattr(buf, "strides", None) != key[2]:
            return None
        return buf

    def grad_tensor(self, v: Value) -> str:
        """The tensor a bind gives the leaf: one tensor on every replay, so a variant that
        accumulates into it (the next call adds to .grad) stays valid. A gradient made anew
        on each replay (no out= form, or a constant) is copied into a holder array first,
        which later writes in this replay then address (the value is renamed to it)."""
        if v.index not in self.static or v.index in self.const:
            if v.storage.owner is not v and v.index not in self.const:
                return f"mk({self.name_of(v)}, B, False, None)"   # a view: left as eager
            holder = self.backend.copy(v.array)
            name = self.constant(holder, "g")
            self.lines.append(f"{self.constant(self.backend.setitem, 'f')}({name}, ..., "
                              f"{self.name_of(v)})")
            self.names[v.index] = name
            self.static[v.index] = holder
            self.const.discard(v.index)
        array = self.static[v.index]
        return self.constant(make_tensor(array, self.backend, False, None), "G")


def _trace_arrays(template: Any) -> Any:
    """A template with each Value replaced by its trace-time array (for out_variant)."""
    return substitute(template, lambda v: v.array if v.__class__ is Value else v.value)


def _key(array: Any) -> tuple:
    """Buffers are pooled by shape, dtype and strides (a reused buffer keeps the layout)."""
    return (tuple(array.shape), array.dtype, getattr(array, "strides", None))


def _bind_host(fn: Any, args: tuple) -> Any:
    return functools.partial(fn, *args) if args else fn


def plan(tracer: Tracer, outputs: list[Value], epilogue: list) -> Program:
    """Turn a finished trace into a Program."""
    return _Plan(tracer, outputs, epilogue).build()


__all__ = ["MISS", "Program", "plan"]
