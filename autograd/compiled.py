"""``xg.compile``: trace a training step once, then replay its backend calls.

The wrapper keeps one record per *signature* (shapes, dtypes, devices and requires_grad of
the tensor arguments, the other arguments' values, and grad mode). For a new signature:

1. the first ``warmup`` calls run eagerly (optimizers create their state, lazy layers build);
2. the next call runs eagerly too while the tracer records every backend call
   (``autograd/tracing.py``), and the tape is planned into one Python function
   (``autograd/tape.py``);
3. later calls check the guards (the parameters, gradients and modules the step was traced
   against are still the same objects, in the same mode) and replay: argument arrays are
   bound to the tape's inputs, every result goes to its planned buffer, state (parameters,
   gradients, optimizer state, running statistics) is updated in place, host regions (an
   optimizer's step: learning rates and step counts are Python) run at their place, and
   the outputs come back as new tensors. A failed guard traces again.

Python control flow that does not read tensor values is frozen at trace time, as are Python
numbers the step reads (a dropout rate, a loss weight): change them and call ``step.reset()``.
"""
from __future__ import annotations

import functools
import warnings
from collections import OrderedDict
from typing import Any, Callable

from . import function as _function
from .grad_mode import grad_mode
from .tape import Program, plan
from .tape_guards import MISS
from .tensor import Tensor, make_tensor
from .tracing import CompileError, Tracer


_RETRACE_WARNING = 5        # recordings of one signature before xg.compile says why


_VARIANTS = 4               # guarded programs kept per signature (e.g. .grad None or not)


class _Record:
    __slots__ = ("calls", "program", "spec", "traces", "key", "meta", "variants")

    def __init__(self, key: tuple, meta: tuple | None) -> None:
        self.calls = 0
        self.program: Program | None = None
        self.spec: Any = None
        self.traces = 0
        self.key = key
        self.meta = meta        # per positional tensor arg: (backend, shape, dtype, rg)
        self.variants: list[tuple[Program, Any]] = []   # (program, output spec), newest first


class CompiledFunction:
    """What ``xg.compile(step_fn)`` returns: call it like ``step_fn``."""

    def __init__(self, fn: Callable, warmup: int = 1, cache_size: int = 8,
                 debug: bool = False) -> None:
        if not callable(fn):
            raise TypeError(f"xg.compile expects a function, got {type(fn).__name__}")
        if int(warmup) < 0 or int(cache_size) < 1:
            raise ValueError(f"xg.compile: warmup must be >= 0 and cache_size >= 1, got "
                             f"{warmup} and {cache_size}")
        self.fn, self.warmup, self.cache_size, self.debug = fn, int(warmup), int(cache_size), debug
        self.name = getattr(fn, "__name__", type(fn).__name__)
        self._cache: OrderedDict = OrderedDict()
        self._last: _Record | None = None
        self._traces = 0
        functools.update_wrapper(self, fn)

    # ---- calling ----------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _function.tracer is not None:        # inside another trace: part of that one
            return self.fn(*args, **kwargs)
        last = self._last
        if last is not None and not kwargs and last.program is not None:
            # the common case: the same signature as the last call, all tensors positional
            meta = last.meta
            if meta is not None and len(args) == len(meta):
                for a, (backend, shape, dtype, rg) in zip(args, meta):
                    if (a.__class__ is not Tensor and not isinstance(a, Tensor)) or \
                            a._backend is not backend or a.data.shape != shape or \
                            a.data.dtype != dtype or a._rg is not rg:
                        break
                else:
                    if grad_mode.enabled is last.key[0] and not last.program.needs_tensors:
                        out = last.program.run(*[a.data for a in args])
                        if out is not MISS:
                            return _rebuild(last.spec, out, last.program.backend)
        key, arrays = self._signature(args, kwargs)
        cache = self._cache
        record = cache.get(key)
        if record is None:
            meta = None
            if not kwargs and all(isinstance(a, Tensor) for a in args):
                meta = tuple((a._backend, a.data.shape, a.data.dtype, a._rg) for a in args)
            record = cache[key] = _Record(key, meta)
            if len(cache) > self.cache_size:
                if cache.popitem(last=False)[1] is self._last:
                    self._last = None
        else:
            cache.move_to_end(key)
            tensors = None
            for program, spec in record.variants:      # the last one that ran is first
                run_args = arrays
                if program.needs_tensors:
                    if tensors is None:
                        tensors = _tensor_args(args, kwargs)
                    run_args = arrays + tensors
                out = program.run(*run_args)
                if out is not MISS:
                    if program is not record.program:
                        record.variants.remove((program, spec))
                        record.variants.insert(0, (program, spec))
                        record.program, record.spec = program, spec
                    self._last = record
                    return _rebuild(spec, out, program.backend)
        if record.calls < self.warmup:
            record.calls += 1
            return _detached(self.fn(*args, **kwargs))
        if record.program is not None:
            self._explain_retrace(record, args, kwargs)
        return self._trace(record, args, kwargs)

    def _explain_retrace(self, record: _Record, args: tuple, kwargs: dict) -> None:
        if record.traces + 1 not in (_RETRACE_WARNING, 4 * _RETRACE_WARNING):
            return
        failed = record.program.failed_guards(_tensor_args(args, kwargs))
        warnings.warn(f"xg.compile({self.name}) has recorded the same signature "
                      f"{record.traces + 1} times: a guard fails between calls "
                      f"({'; '.join(failed[:3]) or 'unknown'}). Each recording runs eagerly; "
                      "keep parameters, .grad handling and train/eval mode the same across "
                      "calls to replay", RuntimeWarning, stacklevel=3)

    def _signature(self, args: tuple, kwargs: dict) -> tuple[tuple, list]:
        key: list = [bool(grad_mode.enabled)]
        arrays = []
        for a in args:
            if isinstance(a, Tensor):
                data = a.data
                key.append((a._backend, data.shape, data.dtype, a._rg))
                arrays.append(data)
            else:
                key.append(_static_key(a, self.name))
        for k in sorted(kwargs):
            a = kwargs[k]
            if isinstance(a, Tensor):
                data = a.data
                key.append((k, a._backend, data.shape, data.dtype, a._rg))
                arrays.append(data)
            else:
                key.append((k, _static_key(a, self.name)))
        return tuple(key), arrays

    def _trace(self, record: _Record, args: tuple, kwargs: dict) -> Any:
        tracer = Tracer(self.name)
        seen: set = set()
        args = tuple(_distinct(a, seen) for a in args)
        kwargs = {k: _distinct(kwargs[k], seen) for k in sorted(kwargs)}
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, Tensor):
                tracer.add_input(a)
        _function.tracer = tracer
        try:
            result = self.fn(*args, **kwargs)
        finally:
            _function.tracer = None
        flat, spec = _flatten(result)
        if tracer.backend is None and flat:
            tracer.use_backend(flat[0]._backend)
        outputs = [tracer.value_of(t.data) for t in flat]
        epilogue = _grad_epilogue(tracer, self.name)
        program = plan(tracer, outputs, epilogue)
        record.program, record.spec = program, spec
        record.variants.insert(0, (program, spec))
        del record.variants[_VARIANTS:]
        record.traces += 1
        self._traces += 1
        self._last = record
        if self.debug:
            print(self.describe(program))
        return _rebuild(spec, [t._backend.copy(t.data) for t in flat], tracer.backend)

    # ---- inspection -------------------------------------------------------------------
    def programs(self) -> list[Program]:
        """The planned tapes, one per signature traced so far (most recent last)."""
        return [program for r in self._cache.values() for program, _ in reversed(r.variants)]

    def describe(self, program: Program | None = None) -> str:
        """The replay of the latest traced signature as Python, with its statistics."""
        programs = self.programs()
        program = program or (programs[-1] if programs else None)
        if program is None:
            return f"xg.compile({self.name}): nothing traced yet"
        s = program.stats
        head = (f"# xg.compile({self.name}): {s['calls']} backend calls "
                f"({s['allocating']} allocate on each replay), {s['host']} host regions, "
                f"{s['distinct_buffers']} buffers ({s['buffer_bytes'] / 1024:.1f} KiB) for "
                f"{s['buffers']} values, {s['views']} static views, {s['folded']} constants, "
                f"{s['dropped']} calls dropped")
        return head + "\n" + program.source

    def reset(self) -> None:
        """Forget every traced tape (the next calls warm up and trace again)."""
        self._cache.clear()
        self._last = None

    @property
    def traces(self) -> int:
        """How many times this function has recorded (over all signatures, evicted ones too)."""
        return self._traces

    def __repr__(self) -> str:
        return f"<xg.compile({self.name}): {len(self.programs())} traced signature(s)>"


def compile(fn: Callable | None = None, *, warmup: int = 1, cache_size: int = 8,
            debug: bool = False) -> Any:
    """Trace ``fn`` once per signature and replay its backend calls afterwards.

    ``fn(*tensors)`` runs a step (forward, loss, backward, ``optimizer.step()``) and returns
    tensors. The first ``warmup`` calls with a new signature run eagerly, the next records,
    the rest replay. ``debug=True`` prints each planned tape. Also a decorator.

    >>> step = xg.compile(lambda x, y: train_step(x, y))      # or @xg.compile
    """
    if fn is None:
        return lambda f: CompiledFunction(f, warmup, cache_size, debug)
    return CompiledFunction(fn, warmup, cache_size, debug)


# ---- helpers ------------------------------------------------------------------------------
def _tensor_args(args: tuple, kwargs: dict) -> list:
    """The tensor arguments in the tape's input order (positional, then keywords by name)."""
    return [a for a in list(args) + [kwargs[k] for k in sorted(kwargs)] if isinstance(a, Tensor)]


def _static_key(a: Any, name: str) -> Any:
    if hasattr(a, "shape") and hasattr(a, "dtype"):
        raise TypeError(f"xg.compile({name}): pass arrays as tensors (xg.tensor(...)), got "
                        f"{type(a).__name__}")
    try:
        hash(a)
    except TypeError:
        raise TypeError(f"xg.compile({name}): arguments must be tensors or hashable values "
                        f"(they are part of the signature), got {type(a).__name__}") from None
    return (type(a), a)


def _distinct(a: Any, seen: set) -> Any:
    """An argument tensor; one whose array was already passed gets its own copy, so every
    input of the tape is a separate array."""
    if not isinstance(a, Tensor):
        return a
    if id(a.data) in seen:
        a = make_tensor(a._backend.copy(a.data), a._backend, a._rg, None)
    seen.add(id(a.data))
    return a


def _flatten(result: Any) -> tuple[list, Any]:
    flat: list = []

    def walk(obj: Any) -> Any:
        if isinstance(obj, Tensor):
            flat.append(obj)
            return ("T", len(flat) - 1)
        if isinstance(obj, (tuple, list)):
            return (type(obj), [walk(o) for o in obj])
        if isinstance(obj, dict):
            return (dict, {k: walk(v) for k, v in obj.items()})
        return ("V", obj)
    return flat, walk(result)


def _rebuild(spec: Any, arrays: Any, backend: Any) -> Any:
    kind, body = spec
    if kind == "T":
        return make_tensor(arrays[body], backend, False, None)
    if kind == "V":
        return body
    if kind is dict:
        return {k: _rebuild(v, arrays, backend) for k, v in body.items()}
    items = [_rebuild(s, arrays, backend) for s in body]
    return items if kind is list else kind(items)


def _detached(result: Any) -> Any:
    """Eager outputs as a replay gives them: detached copies (so no call's outputs alias
    state that later calls change)."""
    flat, spec = _flatten(result)
    if not flat:
        return result
    return _rebuild(spec, [t._backend.copy(t.data) for t in flat], flat[0]._backend)


def _grad_epilogue(tracer: Tracer, name: str) -> list:
    """What a replay must do after its last call so every gradient the step touched ends as
    the traced run left it (e.g. ``w.grad = None`` written in the step itself)."""
    last: dict[int, Any] = {}
    for e in tracer.entries:
        if e.kind == "bind":
            last[id(e.args[0])] = ("bind", e.args[1])
        elif e.kind == "clear":
            for leaf in e.args:
                last[id(leaf)] = ("clear", None)
    epilogue = []
    for key, leaf in tracer.grad_leaves.items():
        final = leaf.grad
        state = last.get(key)
        if final is None:
            if state is not None and state[0] != "clear":
                epilogue.append(("clear", leaf))
            continue
        if state is not None and state[0] == "bind" and final.data is state[1].array:
            continue
        v = tracer.by_id.get(id(final.data))
        if v is None or v.kind == "external":
            raise CompileError(f"xg.compile({name}): the step sets .grad of a tensor "
                               f"(shape {tuple(leaf.shape)}) to a tensor a replay cannot "
                               "reproduce; set gradients with backward() or zero_grad()")
        epilogue.append(("bind", leaf, v))
    return epilogue


__all__ = ["compile", "CompiledFunction", "CompileError"]
