"""Views, as PyTorch has them: a tensor made by a view op (basic indexing, reshape when it can
be a view, permute/transpose, expand, squeeze/unsqueeze, ...) remembers its root base and the
ops that rebuild it from that base, so that an in-place write recorded in the graph on either
one reaches the other, with the gradient right (torch's CopySlices).

Without a graph, a view shares its base's array, so plain writes alias already. A recorded write
gives the written tensor a new array (tensor_mutation.py: the graph keeps the old one), so here
the base is rebuilt as ``base_prev`` with the view's new values scattered at the positions the
view covers, and every live view of the base is refreshed from it.

Bookkeeping: the Tensor slot ``_view`` is unset (None) on most tensors, a ``ViewOf`` on a view
and a ``Views`` (weak references to its live views) on a base that has some. Strides are here
too: the real element strides of NumPy/CuPy arrays, row-major where the backend has none.
"""
from __future__ import annotations

import weakref
from typing import Any

from .grad_mode import grad_mode, no_grad


class ViewOf:
    """On a view: its root base, the (Function class, args) steps that rebuild it from the
    base, whether it overlaps itself (an expand: no element may be written), and the graph
    node of its first step when that node takes the root as an input (one of the root's
    counted uses, given back when the view dies: see Views.add)."""
    __slots__ = ("root", "ops", "overlap", "node")

    def __init__(self, root: Any, ops: tuple, overlap: bool, node: Any) -> None:
        self.root, self.ops, self.overlap, self.node = root, ops, overlap, node


class Views:
    """On a root base: weak references to the views made of it."""
    __slots__ = ("refs", "limit")

    def __init__(self) -> None:
        self.refs: list = []
        self.limit = 8

    def add(self, view: Any, info: ViewOf) -> None:
        refs = self.refs
        if info.node is None:                # no counted use to give back: a plain weakref
            refs.append(_plain_ref(view))
        else:
            ref = _Ref(view, _dead)
            ref.info = info
            refs.append(ref)
        if len(refs) > self.limit:           # drop dead ones; amortised O(1)
            refs[:] = [r for r in refs if r() is not None]
            self.limit = 2 * len(refs) + 8

    def live(self) -> list:
        return [v for v in (r() for r in self.refs) if v is not None]


class _Ref(weakref.ref):
    __slots__ = ("info",)


_plain_ref = weakref.ref


def _dead(ref: _Ref) -> None:
    """A view died: the use of its root by its first node, if still counted, goes with it
    (nothing else holds that node; a write that found it pointed it elsewhere already)."""
    info = ref.info
    node, root = info.node, info.root
    if node is not None and node.inputs is not None:
        n = sum(1 for x in node.inputs if x is root)
        if n and getattr(root, "_used", 0) >= n:
            root._used -= n


def mark_view(base: Any, out: Any, steps: tuple, overlap: bool = False) -> Any:
    """Record that ``out`` (a new tensor) is ``steps`` applied to ``base``; returns out."""
    parent = getattr(base, "_view", None)     # (set at creation; unset on unpickled copies)
    if parent.__class__ is ViewOf:
        root, steps, overlap = parent.root, parent.ops + steps, overlap or parent.overlap
        node = None                           # its node uses the parent view, not the root
        views = root._view
    else:
        root, node, views = base, out.grad_fn, parent
    info = out._view = _new_view(ViewOf)
    info.root, info.ops, info.overlap, info.node = root, steps, overlap, node
    if views is None:
        views = root._view = Views()
    views.add(out, info)
    return out


_new_view = object.__new__


def view_info(t: Any) -> Any:
    info = getattr(t, "_view", None)
    return info if info.__class__ is ViewOf else None


def replay(root: Any, steps: tuple, info: Any = None) -> Any:
    """``steps`` applied to ``root`` (recorded when grad mode is on and root requires grad);
    ``info`` (the view's) learns the node of the first step."""
    from .function import apply1
    out = root
    for i, (cls, args) in enumerate(steps):
        out = apply1(cls, out, *args)
        if i == 0 and info is not None:
            info.node = out.grad_fn
    return out


def positions(root: Any, steps: tuple) -> Any:
    """The flat (row-major) positions of ``root`` that the view ``steps`` covers, as an
    int64 tensor of the view's shape."""
    from .factories import arange
    with no_grad():
        index = arange(root.numel(), dtype="int64", device=root._backend).reshape(root.shape)
        return replay(index.detach(), steps)


# ---- strides ----------------------------------------------------------------------------------
def row_major(shape: tuple) -> tuple:
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(int(size), 1)
    return tuple(reversed(strides))


def strides_of(t: Any) -> tuple:
    """Element strides as torch reports them: the array's own (NumPy, CuPy), row-major where
    the backend has none (array_api_strict), for an empty tensor, or for negative strides
    (a NumPy flip; torch's flip is a contiguous copy)."""
    data = t.data
    byte_strides = getattr(data, "strides", None)
    shape = tuple(data.shape)
    if byte_strides is None or 0 in shape:
        return row_major(shape)
    size = data.itemsize
    out = []
    for s, n in zip(byte_strides, shape):
        if s < 0 or s % size:
            return row_major(shape)
        out.append(s // size)
    for i in range(len(out) - 1, -1, -1):    # a NumPy newaxis has stride 0, torch's
        if shape[i] == 1 and out[i] == 0:    # unsqueeze the next dim's extent
            out[i] = out[i + 1] * shape[i + 1] if i + 1 < len(out) else 1
    return tuple(out)


def is_contiguous(shape: tuple, strides: tuple) -> bool:
    """torch's rule: row-major, size-1 dims ignored; an empty tensor is contiguous."""
    if 0 in shape:
        return True
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1:
            if s != expected:
                return False
            expected *= n
    return True


def viewable(shape: tuple, strides: tuple, new_shape: tuple) -> bool:
    """Whether ``new_shape`` can be a view of a tensor of ``shape`` and ``strides``: the old
    dims, size-1 ones dropped, form chunks that are contiguous among themselves; the new dims
    must split those chunks exactly, never straddle two."""
    if 0 in shape or 0 in new_shape:
        return True
    chunks: list = []                        # element counts of the contiguous chunks
    prev_stride = None
    for n, s in zip(shape, strides):
        if n == 1:
            continue
        if prev_stride is not None and prev_stride == s * n:
            chunks[-1] *= n
        else:
            chunks.append(n)
        prev_stride = s
    dims = [n for n in new_shape if n != 1]
    k, acc = 0, 1
    for n in dims:
        if k >= len(chunks):
            return False
        acc *= n
        if acc == chunks[k]:
            k, acc = k + 1, 1
        elif chunks[k] % acc:
            return False
    return acc == 1 and k == len(chunks)


def storage_offset(t: Any) -> int:
    """Elements between the start of the root base's array and this view's first element."""
    info = view_info(t)
    if info is None or 0 in tuple(t.shape):
        return 0
    ptr = _address(t.data)
    root = _address(info.root.data)
    if ptr is None or root is None:
        return 0
    diff = (ptr - root) // t.data.itemsize
    return diff if diff >= 0 else 0


def _address(array: Any) -> Any:
    interface = getattr(array, "__array_interface__", None) or getattr(
        array, "__cuda_array_interface__", None)
    return None if interface is None else int(interface["data"][0])


def is_leaf_view(t: Any) -> bool:
    info = view_info(t)
    return info is not None and grad_mode.enabled and info.root._rg and \
        info.root.grad_fn is None


# ---- recorded writes through views ----------------------------------------------------------
OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a "
           "single memory location. Please clone() the tensor before performing the operation.")
LEAF_VIEW = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def check_view_write(t: Any, what: str) -> None:
    """Refuse, as torch does, a write to an expanded view or (grad mode on) to a view of a
    leaf that requires grad."""
    info = view_info(t)
    if info is None:
        return
    if info.overlap:
        raise RuntimeError(f"{what} on an expanded tensor of shape {tuple(t.shape)}: {OVERLAP}")
    if grad_mode.enabled and info.root._rg and info.root.grad_fn is None:
        raise RuntimeError(f"{what}: {LEAF_VIEW} Do it inside `with xg.no_grad():`, or write "
                           "into a clone")


def root_in_graph(t: Any) -> bool:
    """Whether ``t`` is a view whose base is part of a graph (a write must then be recorded
    on the base: writing the shared array would change values the graph saved)."""
    info = view_info(t)
    return info is not None and (info.root._rg or info.root.grad_fn is not None)


def has_live_views(t: Any) -> bool:
    views = getattr(t, "_view", None)
    return views.__class__ is Views and bool(views.live())


def find_uses(t: Any, uses: int, starts: list) -> Any:
    """The ``uses`` (node, input position) pairs where a graph node takes ``t`` as an input,
    searched breadth first among the ancestors of the tensors ``starts``; None if some are
    elsewhere."""
    if not uses:
        return []
    found: list = []
    frontier, seen = [], set()
    for s in starts:
        node = getattr(s, "grad_fn", None)
        if node is not None and id(node) not in seen:
            seen.add(id(node))
            frontier.append(node)
    while frontier and len(found) < uses and len(seen) < SEARCH_LIMIT:
        following = []
        for node in frontier:
            inputs = node.inputs
            if inputs is None:               # freed by an earlier backward
                continue
            for i, x in enumerate(inputs):
                if x is t:
                    found.append((node, i))
                parent = getattr(x, "grad_fn", None)
                if parent is not None and id(parent) not in seen:
                    seen.add(id(parent))
                    following.append(parent)
        frontier = following
    return found if len(found) == uses else None


SEARCH_LIMIT = 100_000      # graph nodes searched for a written tensor's uses


def point_at(found: list, previous: Any) -> None:
    for node, i in found:
        inputs = list(node.inputs)
        inputs[i] = previous
        node.inputs = tuple(inputs)


def _state(t: Any) -> Any:
    from .tensor import make_tensor
    return make_tensor(t.data, t._backend, t._rg, t.grad_fn)


def commit(t: Any, result: Any, key: Any = None, has_key: bool = False) -> None:
    """``t`` takes ``result`` (a recorded write; t's own uses already point at its previous
    state). A view writes through to its base; a base refreshes its views."""
    info = view_info(t)
    if info is not None:
        root = info.root
        pos = positions(root, info.ops)
        if tuple(pos.shape) != tuple(t.shape):
            raise RuntimeError(f"in-place write on a view of shape {tuple(t.shape)}: the view "
                               f"no longer matches its base of shape {tuple(root.shape)} (it "
                               "was reshaped in place); write into a clone")
        flat = pos.reshape(-1)
        values = result.reshape(-1)
        _commit_base(root, lambda prev: prev.reshape(-1).index_put((flat,), values)
                     .reshape(root.shape), flat, result, t)
        return
    if has_live_views(t):
        written = None
        if has_key:
            from .factories import arange
            with no_grad():
                index = arange(t.numel(), dtype="int64", device=t._backend).reshape(t.shape)
                written = index[key].reshape(-1)
        _commit_base(t, lambda prev: result, written, result, None)
        return
    t._take(result)


def _commit_base(root: Any, build: Any, written: Any, value: Any, writer: Any) -> None:
    """Rebind ``root`` to ``build(previous root)``, pointing the ops that used it at its
    previous state, and refresh its live views: those the write reached are rebuilt from
    the new base (in the graph), the others only take the new array."""
    views = getattr(root, "_view", None)
    live = [w for w in views.live()] if views.__class__ is Views else []
    mask = None
    if written is not None:
        from .factories import zeros
        with no_grad():
            mask = zeros(root.numel(), dtype="bool", device=root._backend)
            mask[written] = True
    rebuilt, moved = [], []
    for w in live:
        wi = view_info(w)
        if wi is None or wi.root is not root:
            continue
        if w is writer:
            rebuilt.append((w, wi))
            continue
        with no_grad():
            wpos = positions(root, wi.ops)
        if tuple(wpos.shape) != tuple(w.shape):
            w._view = None                   # reshaped in place: no longer a view
            continue
        hit = mask is None or (wpos.numel() and bool(mask[wpos.reshape(-1)].any()))
        (rebuilt if hit else moved).append((w, wi))
    starts = [value] + live
    root_uses = find_uses(root, getattr(root, "_used", 0), starts)
    if root_uses is None:
        raise RuntimeError(
            f"in-place write on a tensor (shape {tuple(root.shape)}) or one of its views, "
            "which an op has already used in the graph, would make that op's gradient wrong; "
            "write into a copy before using it (t = t.clone(); t[...] = v), or build the "
            "result out of place (xg.where, xg.stack, xg.cat, Tensor.index_put)")
    view_uses = []
    for w, _ in rebuilt:
        if w is writer:
            continue
        found = find_uses(w, getattr(w, "_used", 0), [value])
        if found is None:
            raise RuntimeError(
                f"in-place write on a view of a tensor of shape {tuple(root.shape)} changes "
                f"another view of it (shape {tuple(w.shape)}) that an op has already used in "
                "the graph; that op's gradient would be wrong. Clone the other view before "
                "using it, or write before making it")
        view_uses.append((w, found))
    previous = _state(root)
    point_at(root_uses, previous)
    for w, found in view_uses:
        point_at(found, _state(w))
    root._take(build(previous))
    for w, wi in rebuilt:
        fresh = replay(root, wi.ops, wi)
        w.data, w.grad_fn, w._rg, w._used = fresh.data, fresh.grad_fn, fresh._rg, 0
    with no_grad():
        plain = root.detach()
        for w, wi in moved:
            w.data = replay(plain, wi.ops).data
