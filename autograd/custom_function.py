"""PyTorch-style custom functions: ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as
static methods on Tensors, called through ``MyFunction.apply(...)``.

>>> class Cube(xg.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x ** 3
...     @staticmethod
...     def backward(ctx, gy):
...         x, = ctx.saved_tensors
...         return gy * 3 * x ** 2
>>> Cube.apply(xg.tensor(2.0, requires_grad=True))

The forward runs without recording (its result is one new graph node); the backward is written
with Tensor ops, so with ``create_graph=True`` it is differentiated again. This is the way to
add an op from user code; the library's own ops use the array-level ``Function`` contract.

As torch's, ``forward`` may return several outputs (a tuple): the differentiable ones (floating
point, not marked non-differentiable) are slices of one packed node, and ``backward`` gets one
gradient per output (zeros for an output that was not used, None for a non-tensor). A
``forward(*args)`` without ctx and a ``setup_context(ctx, inputs, output)`` work too, and
``vjp`` is an alias of ``backward``; ``@once_differentiable`` marks a backward that is not
itself differentiable.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from .function import Function, apply1, applyn, run_kernel
from .grad_mode import grad_mode, no_grad
from .tensor import Tensor, make_tensor


class FunctionCtx:
    """What ``forward`` hands to ``backward``: saved tensors and any attributes set on it."""

    def __init__(self, needs_input_grad: tuple) -> None:
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self.non_differentiable = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Any) -> None:
        raise RuntimeError("custom Function: in-place changes of inputs (mark_dirty) are not "
                           "supported; return a new tensor")


class _DelayedError(Function):
    """The gradient of a once_differentiable backward: its value, linked in the graph to the
    cotangents that require grad (inputs after the first); backward through it raises."""

    @staticmethod
    def forward(xp: Any, arrays: list) -> Any:
        return arrays[0]

    def backward(self, gy: Tensor) -> Any:
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


def once_differentiable(fn: Callable) -> Callable:
    """Decorate a custom ``backward`` that is not differentiable itself (it may work on
    arrays): it runs under no_grad, and differentiating its result raises, as torch's."""
    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        with no_grad():
            outputs = fn(ctx, *args)
        live = tuple(a for a in args if isinstance(a, Tensor) and a._rg)
        if not grad_mode.enabled or not live:
            return outputs
        single = not isinstance(outputs, tuple)
        wrapped = tuple(applyn(_DelayedError, (g,) + live) if isinstance(g, Tensor) and
                        g.dtype.is_floating else g for g in ((outputs,) if single else outputs))
        return wrapped[0] if single else wrapped
    return wrapper


class CustomNode(Function):
    """The graph node of one ``apply`` call: backward calls the user's ``backward``. With
    several outputs the node's output is the flat concatenation of the differentiable ones
    (``layout``: per output its (start, stop, shape), or None), so its gradient is too."""

    __slots__ = ("fn_cls", "ctx", "positions", "layout")

    def backward(self, gy: Tensor) -> Any:
        if self.layout is None:
            grads = _user_backward(self.fn_cls)(self.ctx, gy)
        else:
            pieces = []
            for spec in self.layout:
                if spec is None:
                    pieces.append(None)
                elif isinstance(spec, tuple):
                    start, stop, shape = spec
                    pieces.append(gy[start:stop].reshape(shape))
                else:                        # a non-differentiable tensor output
                    from .factories import zeros_like
                    pieces.append(zeros_like(spec) if self.ctx.materialize_grads else None)
            grads = _user_backward(self.fn_cls)(self.ctx, *pieces)
        grads = grads if isinstance(grads, tuple) else (grads,)
        n_args = len(self.ctx.needs_input_grad)
        if len(grads) < n_args:
            raise RuntimeError(
                f"{self.fn_cls.__name__}.backward returned {len(grads)} gradient(s) but forward "
                f"took {n_args} argument(s): return one per argument (None for non-tensors)")
        out = []
        for i in self.positions:
            g, x = grads[i], self.inputs[len(out)]
            if g is not None and tuple(g.shape) != tuple(x.shape):
                raise RuntimeError(
                    f"{self.fn_cls.__name__}.backward: the gradient of argument {i} has shape "
                    f"{tuple(g.shape)}, but the argument has shape {tuple(x.shape)}")
            out.append(g)
        return tuple(out) if len(out) > 1 else out[0]

    def __repr__(self) -> str:
        return f"<{self.fn_cls.__name__}Backward>"


def _defines(fn_cls: type, name: str) -> bool:
    return any(name in vars(k) for k in fn_cls.__mro__ if k is not Function and k is not object)


def _user_backward(fn_cls: type) -> Callable:
    if _defines(fn_cls, "backward"):
        return fn_cls.backward
    if _defines(fn_cls, "vjp"):
        return fn_cls.vjp
    raise NotImplementedError(f"{fn_cls.__name__} must define backward(ctx, *grads) (or vjp) "
                              "to be differentiated")


def _new_node(fn_cls: type, ctx: FunctionCtx, args: tuple, layout: Any) -> CustomNode:
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    node = CustomNode.__new__(CustomNode)
    node.inputs = tuple(args[i] for i in positions)
    for t in node.inputs:
        t._used = getattr(t, "_used", 0) + 1
    node.args, node.out_data, node._gy, node.hooks = (), None, None, None
    node.fn_cls, node.ctx, node.positions, node.layout = fn_cls, ctx, positions, layout
    return node


class _Unpack(Function):
    """One output of a multi-output custom Function: its slice of the packed node's output
    (shown as that Function's node, as in torch). args: (start, stop, shape, size, name)."""

    @staticmethod
    def forward(xp: Any, flat: Any, start: int, stop: int, shape: tuple, size: int,
                name: str) -> Any:
        return xp.reshape(flat[start:stop], shape)

    def backward(self, gy: Tensor) -> Tensor:
        from .factories import zeros
        from .ops.shape import concat
        start, stop, _, size, _ = self.args
        parts = [gy.reshape(-1)]
        if start:
            parts.insert(0, zeros(start, dtype=gy.dtype, device=gy._backend))
        if stop < size:
            parts.append(zeros(size - stop, dtype=gy.dtype, device=gy._backend))
        return concat(parts) if len(parts) > 1 else parts[0]

    def __repr__(self) -> str:
        return f"<{self.args[4] if self.args else 'Custom'}Backward>"


def _pack(backend: Any, *arrays: Any) -> Any:
    xp = backend.xp
    return xp.concat([xp.reshape(a, (-1,)) for a in arrays])


def _several(fn_cls: type, ctx: FunctionCtx, args: tuple, outs: tuple) -> tuple:
    """Outputs of a multi-output forward: the differentiable ones become slices of one node."""
    skip = getattr(ctx, "non_differentiable", ())
    live = [o for o in outs if isinstance(o, Tensor) and o.dtype.is_floating
            and id(o) not in skip]
    if not live:
        return outs
    if not _defines(fn_cls, "backward") and not _defines(fn_cls, "vjp"):
        raise NotImplementedError(
            f"{fn_cls.__name__}.forward returned {len(outs)} outputs; custom Functions with "
            "several differentiable outputs need backward(ctx, *grads), one gradient per output")
    first = live[0]
    for o in live[1:]:
        if o._backend is not first._backend or o.dtype != first.dtype:
            raise NotImplementedError(
                f"{fn_cls.__name__}.forward: differentiable outputs of different dtypes or "
                f"devices ({first.dtype} on {first.device}, {o.dtype} on {o.device}) are not "
                "supported; return outputs of one dtype and device")
    layout, start = [], 0
    for o in outs:
        if not isinstance(o, Tensor):
            layout.append(None)
        elif not any(o is d for d in live):
            layout.append(o)
        else:
            stop = start + o.numel()
            layout.append((start, stop, tuple(o.shape)))
            start = stop
    packed = run_kernel(first._backend, _pack, *[o.data for o in live])
    node = _new_node(fn_cls, ctx, args, layout)
    flat = make_tensor(packed, first._backend, True, node)
    result = []
    for o, spec in zip(outs, layout):
        result.append(apply1(_Unpack, flat, *spec, start, fn_cls.__name__)
                      if isinstance(spec, tuple) else o)
    return tuple(result)


def apply_custom(fn_cls: type, args: tuple, kwargs: dict) -> Any:
    needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
    ctx = FunctionCtx(needs)
    with no_grad():
        if _defines(fn_cls, "setup_context"):      # torch 2's forward(*args) + setup_context
            out = fn_cls.forward(*args, **kwargs)
            fn_cls.setup_context(ctx, args, out)
        else:
            out = fn_cls.forward(ctx, *args, **kwargs)
    if not (grad_mode.enabled and any(needs)):
        return out
    if isinstance(out, (tuple, list)):
        return type(out)(_several(fn_cls, ctx, args, tuple(out)))
    if not isinstance(out, Tensor):
        raise TypeError(f"{fn_cls.__name__}.forward must return a Tensor, got "
                        f"{type(out).__name__}")
    if id(out) in getattr(ctx, "non_differentiable", ()):
        return out
    node = _new_node(fn_cls, ctx, args, None)
    return make_tensor(out.data, out._backend, True, node)
