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
"""
from __future__ import annotations

from typing import Any

from .function import Function
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


class CustomNode(Function):
    """The graph node of one ``apply`` call: backward calls the user's ``backward``."""

    __slots__ = ("fn_cls", "ctx", "positions")

    def backward(self, gy: Tensor) -> Any:
        grads = self.fn_cls.backward(self.ctx, gy)
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


def apply_custom(fn_cls: type, args: tuple, kwargs: dict) -> Any:
    needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
    ctx = FunctionCtx(needs)
    with no_grad():
        out = fn_cls.forward(ctx, *args, **kwargs)
    if not (grad_mode.enabled and any(needs)):
        return out
    if isinstance(out, (tuple, list)):
        raise NotImplementedError(
            f"{fn_cls.__name__}.forward returned {len(out)} outputs; custom Functions with "
            "several differentiable outputs are not supported yet: return one tensor")
    if not isinstance(out, Tensor):
        raise TypeError(f"{fn_cls.__name__}.forward must return a Tensor, got "
                        f"{type(out).__name__}")
    if id(out) in getattr(ctx, "non_differentiable", ()):
        return out
    positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    node = CustomNode.__new__(CustomNode)
    node.inputs = tuple(args[i] for i in positions)
    for t in node.inputs:
        t._used = getattr(t, "_used", 0) + 1
    node.args, node.out_data, node._gy, node.hooks = (), None, None, None
    node.fn_cls, node.ctx, node.positions = fn_cls, ctx, positions
    return make_tensor(out.data, out._backend, True, node)
