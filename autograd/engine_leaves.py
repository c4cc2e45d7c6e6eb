"""The backward engine's leaf side: grad hooks, and the accumulator that puts gradients into
``.grad`` (backward) or into a result list (autograd.grad), plus the hooks of graph nodes
(``grad_fn.register_hook`` / ``register_prehook``, as torch's)."""
from __future__ import annotations

from typing import Any

from . import function as _function
from .function import backend_call, run_kernel
from .tensor import Tensor, make_tensor


def _accumulate(backend: Any, acc: Any, g: Any) -> None:
    acc += g


def _run_hooks(hooks: list, grad: Tensor, create_graph: bool = False,
               foreign: set | None = None) -> Tensor:
    """Grad hooks may replace the gradient; "retain" entries store it on a non-leaf tensor.
    Replacement arrays may still be held by the hook's owner: their ids go into ``foreign``
    (the accumulator's ``owned``), so a leaf's .grad gets a copy."""
    for kind, hook in list(hooks):
        if kind == "grad":
            replaced = hook(grad)
            if replaced is not None:
                grad = replaced
                if foreign is not None:
                    foreign.add(id(replaced.data))
        elif kind == "retain":
            tensor = hook()
            if tensor is not None:
                tensor.grad = grad if create_graph else grad.detach()
    return grad


class _Accumulator:
    """Where leaf gradients go: into ``.grad`` (backward) or into a result list (autograd.grad)."""

    __slots__ = ("create_graph", "capture", "results", "owned", "pending", "fed", "borrowed")

    def __init__(self, create_graph: bool, capture: dict | None, n_inputs: int) -> None:
        self.create_graph = create_graph
        self.capture = capture
        self.results: list = [None] * n_inputs
        self.owned: set = set()         # ids of arrays already handed to a leaf in this pass
        self.pending: dict = {}         # leaf id -> contributions still to come (post hooks)
        self.fed: set = set()           # ids of hooked leaves that got a gradient in this pass
        # ids of leaves whose .grad is an op's gradient taken as is: other nodes of this pass
        # may still read that array (Add hands both inputs the same one), so the next
        # contribution is added out of place rather than into it
        self.borrowed: set = set()

    def add(self, leaf: Tensor, g: Tensor) -> None:
        if leaf._hooks is not None:
            g = _run_hooks(leaf._hooks, g, foreign=self.owned)
        if self.capture is not None:
            index = self.capture.get(id(leaf))
            if index is not None:
                prev = self.results[index]
                self.results[index] = g if prev is None else prev + g
            return
        prev = leaf.grad
        tracer = _function.tracer
        if tracer is not None:
            tracer.grad_read(leaf, prev)
        if prev is None:
            if not self.create_graph:
                g = self._owned_copy(g, leaf)
            leaf.grad = g
            if tracer is not None:
                tracer.bind_grad(leaf, g)
        elif prev._backend is not g._backend or prev.data.shape != g.data.shape:
            raise RuntimeError(
                f"cannot accumulate a gradient of shape {g.shape} on {g.device} into .grad of "
                f"shape {prev.shape} on {prev.device} (the leaf is {leaf.dtype}{list(leaf.shape)} "
                f"on {leaf.device}); set .grad = None, or to a tensor like the leaf")
        elif self.create_graph or prev.grad_fn is not None or id(leaf) in self.borrowed:
            leaf.grad = prev + g
            self.borrowed.discard(id(leaf))
            if tracer is not None:
                tracer.bind_grad(leaf, leaf.grad)
        else:
            run_kernel(g._backend, _accumulate, prev.data, g.data)   # in place: no new array
        if leaf._hooks is not None:
            self._post_hooks(leaf)

    def _owned_copy(self, g: Tensor, leaf: Tensor) -> Tensor:
        # A gradient that is a view of another array, or one already given to another leaf,
        # is copied, so updating one .grad in place can never change another.
        data = g.data
        tracer = _function.tracer
        # (while a step is traced, the tracer answers for is_view: it holds references too)
        if id(data) in self.owned or (g._backend.is_view(data) if tracer is None else
                                      tracer.is_view(g._backend, data)):
            g = make_tensor(backend_call(g._backend.copy, data), g._backend, False, None)
        else:
            self.borrowed.add(id(leaf))
        self.owned.add(id(g.data))
        return g

    def _post_hooks(self, leaf: Tensor, fed: bool = True) -> None:
        # Called once per edge into a hooked leaf, also for edges that carried no gradient
        # (fed=False), so the hooks fire after the last edge if any edge carried one.
        if fed:
            self.fed.add(id(leaf))
        left = self.pending.get(id(leaf), 1) - 1
        self.pending[id(leaf)] = left
        if left <= 0 and id(leaf) in self.fed:
            for kind, hook in list(leaf._hooks):
                if kind == "post":
                    if _function.tracer is not None:
                        _function.tracer.refuse("a post-accumulate-grad hook (such as "
                                                "distributed gradient averaging)")
                    hook(leaf)

    def skip(self, inputs: tuple, grads: tuple | None) -> None:
        """Account for the edges from a node into hooked leaves that carried no gradient."""
        for i, t in enumerate(inputs):
            if (t.grad_fn is None and t._hooks is not None and self.capture is None
                    and (grads is None or i >= len(grads) or grads[i] is None or not t._rg)):
                self._post_hooks(t, fed=False)


def run_node_hooks(node: Any, inputs: tuple, grads: tuple, gy: Tensor) -> tuple:
    """``grad_fn.register_hook`` hooks: ``hook(grad_inputs, grad_outputs)`` after the node's
    backward, each may return new grad_inputs (None per input that does not require grad)."""
    hooks = [hook for kind, hook in node.hooks if kind == "node"]
    if not hooks:
        return grads
    from .function import apply1
    from .ops.shape import SumTo
    shown = []
    for t, g in zip(inputs, grads):
        if g is None or not t._rg:
            shown.append(None)
        else:
            shown.append(g if g.data.shape == t.data.shape else apply1(SumTo, g, t.data.shape))
    shown = tuple(shown)
    for hook in hooks:
        replaced = hook(shown, (gy,))
        if replaced is not None:
            replaced = tuple(replaced) if isinstance(replaced, (tuple, list)) else (replaced,)
            if len(replaced) != len(shown):
                raise RuntimeError(f"hook of {type(node).__name__} returned {len(replaced)} "
                                   f"gradients, expected {len(shown)}")
            shown = replaced
    return shown
