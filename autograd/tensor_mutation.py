"""What changes a tensor in place: gradient hooks and in-place writes.

Kept apart from tensor.py (the hot path) for size; Tensor inherits these methods. In-place
writes are refused where they would silently corrupt a recorded graph.
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Callable

from .grad_mode import grad_mode
from .views import check_view_write, commit, find_uses, has_live_views, point_at, \
    root_in_graph, view_info

if TYPE_CHECKING:                        # tensor.py imports this module
    from .tensor import Tensor


def _assign(backend: Any, dst: Any, src: Any) -> None:
    backend.setitem(dst, Ellipsis, src)


class HookHandle:
    """Returned by ``register_hook``: ``handle.remove()`` (or ``handle()``) unregisters it."""

    __slots__ = ("_hooks", "_entry")

    def __init__(self, hooks: list, entry: tuple) -> None:
        self._hooks, self._entry = hooks, entry

    def remove(self) -> None:
        if self._entry in self._hooks:
            self._hooks.remove(self._entry)

    __call__ = remove


class TensorMutation:
    """Mixin of Tensor: hooks and in-place writes."""

    __slots__ = ()

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if self.grad_fn is None:
            return
        if self.grad_fn.hooks is None:
            self.grad_fn.hooks = []
        self.grad_fn.hooks.append(("retain", weakref.ref(self)))

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]) -> "HookHandle":
        """Call ``hook(grad)`` when this tensor's gradient is computed; a return value replaces it."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        owner = self.grad_fn if self.grad_fn is not None else self
        hooks = owner.hooks if owner is self.grad_fn else self._hooks
        if hooks is None:
            hooks = []
            if owner is self.grad_fn:
                owner.hooks = hooks
            else:
                self._hooks = hooks
        entry = ("grad", hook)
        # before any retain_grad() entry: as in torch, .grad of a retained tensor is the
        # gradient after all its hooks, whatever the order they were registered in
        at = next((i for i, h in enumerate(hooks) if h[0] == "retain"), len(hooks))
        hooks.insert(at, entry)
        return HookHandle(hooks, entry)

    def register_post_accumulate_grad_hook(self, hook: Callable[["Tensor"], None]) -> "HookHandle":
        """Call ``hook(self)`` on a leaf once its ``.grad`` holds every contribution of a backward."""
        if self.grad_fn is not None:
            raise RuntimeError("post-accumulate-grad hooks can only be registered on leaf tensors")
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = []
        entry = ("post", hook)
        self._hooks.append(entry)
        return HookHandle(self._hooks, entry)

    # ---- in-place writes (refused where they would corrupt a graph) ------------------
    def _check_inplace(self, what: str) -> None:
        check_view_write(self, what)
        if grad_mode.enabled and (self._rg or self.grad_fn is not None):
            raise RuntimeError(
                f"{what} on a tensor that requires grad (shape {self.shape}) would silently "
                "break its gradient; do it inside `with xg.no_grad():`, or on .detach()")

    def __setitem__(self, key: Any, value: Any) -> None:
        if grad_mode.enabled and (self.grad_fn is not None or (
                getattr(value, "_rg", False) and not self._rg) or root_in_graph(self)):
            self._setitem_recorded(key, value)
            return
        self._check_inplace("an in-place write t[...] = v")
        from .ops.indexing import setitem_
        setitem_(self, key, value)

    def _setitem_recorded(self, key: Any, value: Any) -> None:
        """``t[key] = v`` on a tensor of a graph (or with a value that requires grad), as
        PyTorch records it: t now holds a new array and is the output of a SetItem node whose
        input is t's previous state. Other tensors that alias t's old array do not change."""
        from .ops.indexing import setitem_recorded
        from .tensor import make_tensor
        previous = make_tensor(self.data, self._backend, self._rg, self.grad_fn)
        self._check_rebind("an in-place write t[...] = v", value, previous)
        uses = getattr(self, "_used", 0)
        result = setitem_recorded(previous, key, value)
        self._take_rewired(result, previous, uses, key, True)

    def _take_rewired(self, result: Any, previous: Any, uses: int, key: Any = None,
                      has_key: bool = False) -> None:
        """``_take``, after pointing the ops of the write itself that read this tensor
        (``t.add_(t)``, ``t[...] = t``: they ran after ``uses`` uses) at ``previous``: the
        tensor now names their result, so they would take it as their own input."""
        new = getattr(self, "_used", 0) - uses
        if new and not _rewire_uses(self, new, result, previous):
            raise RuntimeError(f"in-place write on a tensor of shape {self.shape}: could not "
                               "find the uses of the tensor by its own write")
        self._used = 0                         # every use now points at `previous`
        commit(self, result, key, has_key)     # a view writes through to its base

    def _take(self, result: Any) -> None:
        self.data, self.grad_fn, self._rg = result.data, result.grad_fn, result._rg
        self._used = 0                       # the new state has no uses yet

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> "Tensor":
        """Out of place: a copy with ``values`` at ``self[indices]`` (added with accumulate)."""
        from .ops.indexing import index_put
        return index_put(self, indices, values, accumulate)

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> "Tensor":
        """In place ``self[indices] = values`` (``+=``, repeated indices adding up, with
        accumulate), recorded in the graph as ``t[...] = v`` is."""
        self._rebind("index_put_", lambda t: t.index_put(indices, values, accumulate), values)
        return self

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> "Tensor":
        """Out of place: a copy with ``alpha * source`` added at ``index`` along ``dim``."""
        from .ops.indexing import index_add
        return index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> "Tensor":
        """In place index_add, recorded in the graph as ``t[...] = v`` is."""
        self._rebind("index_add_", lambda t: t.index_add(dim, index, source, alpha=alpha),
                     source)
        return self

    def _rebind(self, what: str, compute: Callable, value: Any = None) -> None:
        """Make this tensor hold ``compute(self)``: in place on the array when no graph is
        involved, else as a new node (as ``t[...] = v``), refused on a leaf that requires
        grad and on a tensor an op has already used."""
        from .tensor import make_tensor
        if grad_mode.enabled and (self.grad_fn is not None or self._rg or
                                  root_in_graph(self)):
            previous = make_tensor(self.data, self._backend, self._rg, self.grad_fn)
            self._check_rebind(what, value, previous)
            uses = getattr(self, "_used", 0)
            result = compute(previous)
            self._take_rewired(result, previous, uses)
            return
        result = compute(self.detach())
        if not result._rg:               # no graph involved: write into the array
            check_view_write(self, what)
            _run_kernel()(self._backend, _assign, self.data, result.data)
            return
        self._check_rebind(what, result, self.detach())   # a value brings in the graph
        self._used = 0
        commit(self, result)

    def _check_rebind(self, what: str, value: Any, previous: Any) -> None:
        """Refuse a write to a leaf that requires grad; where ops already used this tensor,
        point them at ``previous`` (its state before the write) if all of them feed
        ``value`` (``y[0] += 1`` reads y first), else refuse: an op whose use could not be
        found would take its gradient through the write. Writes to expanded views and to
        views of a leaf that requires grad are refused, as in torch."""
        check_view_write(self, what)
        if self.grad_fn is None and self._rg:
            self._check_inplace(what)
        uses = getattr(self, "_used", 0)
        if uses and not _rewire_uses(self, uses, value, previous):
            raise RuntimeError(
                f"{what} on a tensor (shape {self.shape}) that an op has already used in the "
                "graph would make that op's gradient wrong; write into a copy before using it "
                "(t = t.clone(); t[...] = v), or build the result out of place (xg.where, "
                "xg.stack, xg.cat, Tensor.index_put)")

    def _inplace(self, other: Any, fn: Callable, what: str) -> "Tensor":
        recorded = grad_mode.enabled and (self.grad_fn is not None or (
            getattr(other, "_rg", False) and not self._rg) or root_in_graph(self))
        if not recorded:
            self._check_inplace(f"in-place '{what}'")     # a leaf that requires grad: refused
        elif view_info(self) is not None or has_live_views(self) or find_uses(
                self, getattr(self, "_used", 0), [other]) is not None:
            # Part of a graph (c += c + 1 on an intermediate, as micrograd and PyTorch users
            # write): recorded on the tensor itself, so aliases and views see it, as in torch
            return self._write_result(f"in-place '{what}'", lambda t: fn(t, other), other)
        result = fn(self, other)
        if result.shape != self.shape:
            raise ValueError(f"in-place '{what}': result shape {result.shape} does not match the "
                             f"tensor's shape {self.shape}")
        if recorded:
            # ops already used the tensor elsewhere (their uses cannot be pointed at its
            # previous state): the name is rebound to the recorded result instead
            return result
        # Write into the existing array, so views and aliases see the change (as in PyTorch).
        _run_kernel()(self._backend, _assign, self.data, result.data)
        return self

    def __iadd__(self, other: Any) -> "Tensor":
        from .ops import arithmetic
        return self._inplace(other, arithmetic.add, "+=")

    def __isub__(self, other: Any) -> "Tensor":
        from .ops import arithmetic
        return self._inplace(other, arithmetic.sub, "-=")

    def __imul__(self, other: Any) -> "Tensor":
        from .ops import arithmetic
        return self._inplace(other, arithmetic.mul, "*=")

    def __itruediv__(self, other: Any) -> "Tensor":
        from .ops import arithmetic
        return self._inplace(other, arithmetic.truediv, "/=")

    def zero_(self) -> "Tensor":
        return self._fill(0, "zero_()")

    def fill_(self, value: Any) -> "Tensor":
        """Set every element to ``value`` (a number, or a 0-d tensor, which may require grad);
        on a tensor of a graph it is recorded as ``t[...] = value`` is."""
        return self._fill(value, "fill_()")

    def _fill(self, value: Any, what: str) -> "Tensor":
        if isinstance(value, Tensor_()) or (grad_mode.enabled and (
                self.grad_fn is not None or self._rg or root_in_graph(self))):
            from .ops.indexing import setitem_recorded
            self._rebind(what, lambda t: setitem_recorded(t, Ellipsis, value), value)
            return self
        check_view_write(self, what)
        _run_kernel()(self._backend, _assign, self.data, value)
        return self

    def copy_(self, src: "Tensor", non_blocking: bool = False) -> "Tensor":
        """Write ``src`` (broadcast, cast to this dtype) into this tensor; recorded in the
        graph (the gradient reaches src) when src requires grad or this tensor is in a graph."""
        from .factories import as_tensor
        from .ops.shape import broadcast_to
        src = as_tensor(src, like=self)
        if src.shape != self.shape:
            src = broadcast_to(src, self.shape)
        src = src.astype(self.dtype)
        if grad_mode.enabled and (src._rg or self.grad_fn is not None or self._rg or
                                  root_in_graph(self)):
            self._rebind("copy_()", lambda t: src if src is not self else src.clone(), src)
            return self
        self._check_inplace("copy_()")
        _run_kernel()(self._backend, _assign, self.data, src.data)
        return self


def _rewire_uses(t: Any, uses: int, value: Any, previous: Any) -> bool:
    """Find the ``uses`` graph nodes that take ``t`` as an input among ``value``'s ancestors
    (breadth first, nearest first) and make them take ``previous`` instead; False (nothing
    changed) if some are elsewhere."""
    views = getattr(t, "_view", None)        # the views of t use it too (their first ops)
    found = find_uses(t, uses, [value] + (views.live() if has_live_views(t) else []))
    if not found:
        return False
    point_at(found, previous)
    return True


def Tensor_() -> type:
    from .tensor import Tensor            # tensor.py imports us
    return Tensor


def _run_kernel() -> Callable:
    from .function import run_kernel      # function.py imports tensor.py, which imports us
    return run_kernel


def clear_grads(params: list, set_to_none: bool = True) -> None:
    """``zero_grad`` of modules and optimizers: ``.grad = None``, or zeros written in place.
    A compiled step records the clearing, so a replay clears at the same place."""
    from . import function
    if set_to_none:
        if function.tracer is not None:
            function.tracer.clear_grads(params)
        for p in params:
            p.grad = None
        return
    for p in params:
        g = p.grad
        if g is None:
            continue
        if g.grad_fn is not None:          # a gradient with a graph (create_graph): cut it
            g = p.grad = g.detach()
        _run_kernel()(g._backend, _assign, g.data, 0)
