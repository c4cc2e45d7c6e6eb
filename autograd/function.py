"""Function: one differentiable op. ``forward`` works on backend arrays; ``backward`` is written
with Tensor ops, so the gradient graph is itself differentiable (create_graph=True).

The ``apply*`` helpers are the single place where ops call their backend: they check devices,
run the forward, and build a graph node only when grad mode is on and an input requires grad.
Array work outside an op (engine bookkeeping, optimizer and normalisation state, random masks,
factories) goes through ``backend_call`` / ``run_kernel`` below. While ``xg.compile`` records a
step, ``tracer`` is set and all of these hand their backend calls to it (``autograd/tracing.py``).
"""
from __future__ import annotations

from typing import Any, Sequence

from .grad_mode import grad_mode
from .tensor import Tensor, make_tensor

_ARRAY_ERRORS = (ValueError, TypeError, IndexError, RuntimeError)
_new = object.__new__

# The tracer of xg.compile while a step is recorded, or None. A module global (not
# thread-local) so that eager ops pay one global read; tracer.active() says whether it
# records the calling thread now (not another thread's ops, not inside a host region).
tracer: Any = None


class Function:
    """Base class of every op. Subclasses set ``save_output = True`` if backward needs y."""

    __slots__ = ("inputs", "args", "out_data", "_gy", "hooks")
    save_output = False

    @staticmethod
    def forward(xp: Any, *arrays_and_args: Any) -> Any:
        raise NotImplementedError

    def backward(self, gy: Tensor) -> Tensor | tuple[Tensor | None, ...]:
        """Gradients for each input (one Tensor for a one-input op); None where not needed."""
        raise NotImplementedError

    def output(self) -> Tensor:
        """The op's output as a Tensor of this graph (rebuilt, so the node holds no cycle)."""
        if self.inputs is None:
            raise_freed(self)
        return make_tensor(self.out_data, self.inputs[0]._backend, True, self)

    @classmethod
    def name(cls) -> str:
        return cls.__name__

    @property
    def next_functions(self) -> tuple:
        """``(node, 0)`` per tensor input, as torch's: its grad_fn, an AccumulateGrad for a
        leaf that requires grad, None for one that does not; () once backward freed the graph."""
        out = []
        for t in self.inputs or ():
            if isinstance(t, Tensor):
                node = t.grad_fn if t.grad_fn is not None else \
                    (AccumulateGrad(t) if t._rg else None)
                out.append((node, 0))
        return tuple(out)

    def register_prehook(self, hook: Any) -> Any:
        """torch's Node pre-hook: ``hook(grad_outputs)`` before this node's backward; it may
        return a new tuple of grad_outputs. Returns a handle with ``remove()``."""
        def entry_hook(gy: Tensor) -> Any:
            out = hook((gy,))
            return None if out is None else out[0]
        return self._add_hook(("grad", entry_hook))

    def register_hook(self, hook: Any) -> Any:
        """torch's Node hook: ``hook(grad_inputs, grad_outputs)`` after this node's backward;
        it may return new grad_inputs. Returns a handle with ``remove()``."""
        return self._add_hook(("node", hook))

    def _add_hook(self, entry: tuple) -> Any:
        from .tensor_mutation import HookHandle
        if self.hooks is None:
            self.hooks = []
        at = next((i for i, h in enumerate(self.hooks) if h[0] == "retain"), len(self.hooks))
        self.hooks.insert(at, entry)
        return HookHandle(self.hooks, entry)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Call a PyTorch-style subclass (``forward(ctx, ...)`` and ``backward(ctx, ...)``
        on Tensors): see autograd/custom_function.py."""
        from .custom_function import apply_custom
        return apply_custom(cls, args, kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"


class AccumulateGrad:
    """The node torch shows for a leaf that requires grad in ``next_functions``; its
    ``variable`` is the leaf (a new object per query: compare ``variable``, not the node)."""
    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    @staticmethod
    def name() -> str:
        return "AccumulateGrad"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def raise_freed(node: Function) -> None:
    raise RuntimeError(
        f"trying to backward through the graph of {type(node).__name__} a second time, but its "
        "saved values were freed after the first backward; pass retain_graph=True to the first "
        "backward() (or autograd.grad) if you need to backward through it again")


def describe(tensors: Sequence[Any]) -> str:
    parts = []
    for t in tensors:
        if isinstance(t, Tensor):
            parts.append(f"{t.dtype}{list(t.shape)} on {t.device}")
        else:
            parts.append(repr(t))
    return ", ".join(parts)


def op_error(cls: type, exc: Exception, tensors: Sequence[Any]) -> Exception:
    """Re-raise a backend error with the op's name and the inputs' shapes, dtypes, devices."""
    message = f"{cls.__name__.lower()}: {exc} (inputs: {describe(tensors)})"
    kind = type(exc)
    from ..backends.errors import LinAlgError, is_linalg_error
    if is_linalg_error(exc):              # NumPy's class becomes xg.linalg.LinAlgError
        kind = LinAlgError
    try:
        return kind(message)
    except Exception:
        return RuntimeError(message)


def device_error(cls: type, a: Tensor, b: Tensor) -> RuntimeError:
    return RuntimeError(f"{cls.__name__.lower()}: expected all tensors on the same device, but "
                        f"found {a.device} and {b.device}; move one with .to(device)")


def _record(cls: type, out: Any, backend: Any, inputs: tuple, args: tuple) -> Tensor:
    if grad_mode.anomaly:
        check_finite(cls, out, backend, "forward")
    node = _new(cls)
    node.inputs = inputs
    for t in inputs:          # count the uses: an in-place write may rewire them (tensor_mutation)
        try:
            t._used += 1
        except AttributeError:
            t._used = 1
    node.args = args
    node.out_data = out if cls.save_output else None
    node._gy = node.hooks = None
    return make_tensor(out, backend, True, node)


# apply1 and apply2 are the hottest code in the library: they build the result Tensor inline
# (no make_tensor call) and read grad mode only when an input requires grad.
def not_a_tensor(cls: Any, *values: Any) -> TypeError:
    bad = next(v for v in values if not isinstance(v, Tensor))
    return TypeError(f"{cls.__name__.lower()}: expected a Tensor, got {type(bad).__name__}; "
                     "convert it with xg.tensor(...)")


def apply1(cls: type, x: Tensor, *args: Any) -> Tensor:
    """Run a one-input op."""
    try:
        backend = x._backend
    except AttributeError:
        raise not_a_tensor(cls, x) from None
    if tracer is None or not tracer.active():
        try:
            out = cls.forward(backend.xp, x.data, *args)
        except _ARRAY_ERRORS as exc:
            raise op_error(cls, exc, (x,)) from exc
        if out.__class__ is not backend.array_type:
            out = backend.wrap(out)
    else:
        out = tracer.forward(cls, backend, (x,), args, 1)
    if x._rg and grad_mode.enabled:
        return _record(cls, out, backend, (x,), args)
    t = _new(Tensor)
    t.data, t._backend, t._rg, t.grad_fn, t.grad, t._hooks, t._used, t._view = (
        out, backend, False, None, None, None, 0, None)
    return t


def apply2(cls: type, a: Tensor, b: Tensor, *args: Any) -> Tensor:
    """Run a two-input op; both inputs must live on the same device."""
    try:
        backend = a._backend
        if b._backend is not backend:
            raise device_error(cls, a, b)
    except AttributeError:
        raise not_a_tensor(cls, a, b) from None
    if tracer is None or not tracer.active():
        try:
            out = cls.forward(backend.xp, a.data, b.data, *args)
        except _ARRAY_ERRORS as exc:
            raise op_error(cls, exc, (a, b)) from exc
        if out.__class__ is not backend.array_type:
            out = backend.wrap(out)
    else:
        out = tracer.forward(cls, backend, (a, b), args, 2)
    if (a._rg or b._rg) and grad_mode.enabled:
        return _record(cls, out, backend, (a, b), args)
    t = _new(Tensor)
    t.data, t._backend, t._rg, t.grad_fn, t.grad, t._hooks, t._used, t._view = (
        out, backend, False, None, None, None, 0, None)
    return t


def applyn(cls: type, tensors: Sequence[Tensor], *args: Any) -> Tensor:
    """Run an op over a sequence of tensors (concat, where, linear, ...): one pass checks
    the devices, collects the arrays and sees whether any input requires grad."""
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError(f"{cls.__name__.lower()}: expected at least one tensor")
    arrays = []
    record = False
    try:
        backend = tensors[0]._backend
        for t in tensors:
            if t._backend is not backend:
                raise device_error(cls, tensors[0], t)
            arrays.append(t.data)
            record = record or t._rg
    except AttributeError:
        raise not_a_tensor(cls, *tensors) from None
    if tracer is None or not tracer.active():
        try:
            out = cls.forward(backend.xp, arrays, *args)
        except _ARRAY_ERRORS as exc:
            raise op_error(cls, exc, tensors) from exc
        if out.__class__ is not backend.array_type:
            out = backend.wrap(out)
    else:
        out = tracer.forward(cls, backend, tensors, args, 0)
    if record and grad_mode.enabled:
        return _record(cls, out, backend, tensors, args)
    return make_tensor(out, backend, False, None)


# ---- array work outside an op --------------------------------------------------------------
def backend_call(method: Any, *args: Any) -> Any:
    """``method(*args)`` for a Backend method that makes or changes arrays (``backend.zeros``,
    ``backend.random_uniform``, ``backend.setitem``, ...), called outside an op.

    >>> array = backend_call(backend.zeros, (2, 3), xg.float32)
    """
    if tracer is None or not tracer.active():
        return method(*args)
    return tracer.backend_call(method, args)


def run_kernel(backend: Any, fn: Any, *args: Any) -> Any:
    """``fn(backend, *args)``: array work outside an op (an optimizer update, a running-stat
    blend, a random mask) on backend arrays. It returns arrays (or a tuple of them) or None.
    Under ``xg.compile`` every backend call inside is recorded.

    >>> run_kernel(backend, lambda b, a, g: b.setitem(a, Ellipsis, a + g), p.data, g)
    """
    if tracer is None or not tracer.active():
        return fn(backend, *args)
    return tracer.kernel(backend, fn, args)


def host_region(fn: Any, *args: Any) -> Any:
    """``fn(*args)``: Python that updates state with its own array work (an optimizer step,
    zero_grad). A compiled step re-runs it in Python at its place on every replay."""
    if tracer is None or not tracer.active():
        return fn(*args)
    return tracer.host_region(fn, args)


def host_check(backend: Any, fn: Any, *arrays: Any) -> None:
    """``fn(*arrays)`` reads host-resident arrays to validate them (raising on bad input);
    only for backends whose arrays live in host memory. A compiled step re-runs the check
    on every replay, so validation is never frozen at trace time."""
    if tracer is None or not tracer.active():
        fn(*arrays)
    else:
        tracer.host_check(backend, fn, arrays)


def check_finite(cls: type, array: Any, backend: Any, phase: str) -> None:
    if tracer is not None:
        tracer.refuse("detect_anomaly (it reads every result on the host)")
    xp = backend.xp
    if not xp.isdtype(array.dtype, "real floating"):
        return
    if not bool(xp.all(xp.isfinite(array))):
        raise FloatingPointError(f"detect_anomaly: {cls.__name__} {phase} produced NaN or inf "
                                 f"(shape {tuple(array.shape)}, dtype {array.dtype})")


# torch.autograd.function's names for custom functions (defined with them, after Function)
from .custom_function import FunctionCtx, once_differentiable  # noqa: E402,F401
