"""What a recorded tape is made of (``autograd/tracing.py`` records it, ``autograd/tape.py``
plans it):

- ``Value``: one array object seen during the trace: an input of the step, an *external*
  array (a parameter, a buffer, optimizer state: state that persists, referenced by identity)
  or the result of a recorded call. Values that share memory share a ``Storage``.
- ``Entry``: a recorded call (``fn(*args, **kwargs)`` with Values in place of arrays), a host
  region (Python re-run on every replay), a gradient binding, a gradient clear, or a check.
- ``Dynamic``: a Python number a replay reads again (a learning rate).

Arguments are *templates*: the call's own structure (tuples, lists, dicts, slices) with
Values and Dynamics in place of arrays and live numbers; ``leaves`` and ``substitute`` walk
them.
"""
from __future__ import annotations

import operator
from typing import Any, Callable, Iterator


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
                 "random")

    def __init__(self, index: int, kind: str, fn: Any, args: Any, kwargs: dict, op: str | None):
        self.index, self.kind, self.fn, self.args, self.kwargs = index, kind, fn, args, kwargs
        self.out: Any = None            # a Value, a tuple of Values, or None
        self.writes: tuple = ()         # Values whose memory the call changes in place
        self.impure = kind != "call"    # never dropped or folded (random draws, writes, ...)
        self.op = op                    # the op (or kernel) whose forward made the call
        self.random = False             # a draw from the backend's generator: always kept

    def outputs(self) -> tuple:
        out = self.out
        if out is None:
            return ()
        return out if isinstance(out, tuple) else (out,)

    def describe(self) -> str:
        """``Linear: matmul -> (32, 16) float32`` for a line of the debug listing."""
        outs = list(self.outputs()) or list(self.writes)
        shapes = ", ".join(f"{tuple(v.array.shape)} {v.array.dtype}" for v in outs)
        where = f"{self.op}: " if self.op else ""
        return f"{where}{fn_name(self.fn)}{' -> ' + shapes if shapes else ''}"


INPLACE_OPERATORS = {operator.iadd, operator.isub, operator.imul, operator.itruediv,
                     operator.ifloordiv, operator.imod, operator.ipow, operator.iand,
                     operator.ior, operator.ixor, operator.imatmul, operator.ilshift,
                     operator.irshift}
RANDOM_METHODS = {"random_uniform", "random_normal", "random_permutation"}


def is_backend_method(fn: Any, name: str) -> bool:
    """Whether ``fn`` is the bound Backend method ``name`` (the tape's random draws, setitem)."""
    return getattr(fn, "__name__", None) == name and hasattr(fn, "__self__") and \
        hasattr(fn.__self__, "xp_device")


def fn_name(fn: Any) -> str:
    name = getattr(fn, "__name__", None)
    if name is None:
        return repr(fn)
    return name.strip("_") if name != "<lambda>" else "lambda"


def leaves(template: Any) -> Iterator[Any]:
    """The Values and Dynamics of a template, in order."""
    if template.__class__ is Value or template.__class__ is Dynamic:
        yield template
    elif isinstance(template, (tuple, list)):
        for t in template:
            yield from leaves(t)
    elif isinstance(template, dict):
        for t in template.values():
            yield from leaves(t)


def substitute(template: Any, fn: Callable[[Any], Any]) -> Any:
    """The template with each Value or Dynamic ``leaf`` replaced by ``fn(leaf)``."""
    if template.__class__ is Value or template.__class__ is Dynamic:
        return fn(template)
    if isinstance(template, (tuple, list)):
        return type(template)(substitute(t, fn) for t in template)
    if isinstance(template, dict):
        return {k: substitute(t, fn) for k, t in template.items()}
    return template
