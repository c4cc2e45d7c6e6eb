"""Ops of the random-graph fuzzer that take several values, or an index, or write in place
(see fuzz_graph_ops.py for the protocol: ``fn(d, values)`` returns ``(indices, step)``)."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from fuzz_graph_ops import TORCH, Draw, bounded, nary, separated


def _broadcasts(a: tuple, b: tuple) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def _pair(d: Draw, values: list, ok: Any = None) -> Any:
    ok = ok or (lambda a, b: _broadcasts(a.shape, b.shape))
    pairs = [(i, j) for i, a in values for j, b in values if ok(a, b)]
    return d.pick(pairs) if pairs else None


BINARY = {
    "add": lambda L, a, b: a + b, "sub": lambda L, a, b: a - b, "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / (b * b + 0.5), "add_alpha": lambda L, a, b: a.add(b, alpha=-1.5),
    "maximum": lambda L, a, b: L.m.maximum(a, b), "minimum": lambda L, a, b: L.m.minimum(a, b),
    "where_cmp": lambda L, a, b: L.m.where(a > b, a, b * 2),
    "where_scalar": lambda L, a, b: L.m.where(b > 0, a, 0.5),
    "pow_pos": lambda L, a, b: (a.abs() + 0.5).pow(b.tanh()),
    "masked_fill_t": lambda L, a, b: a.masked_fill(b > 0, 0.25),
}


COMPARING = {"maximum", "minimum", "where_cmp"}


def _binary(name: str) -> None:
    @nary(name)
    def fn(d: Draw, values: list) -> Any:
        pair = _pair(d, values)
        if pair is None:
            return None
        if name in COMPARING:
            a, b = (dict(values)[i] for i in pair)
            if not separated(a, b):
                return None
        return pair, BINARY[name]


for _name in BINARY:
    _binary(_name)


@nary("cat")
def _cat(d: Draw, values: list) -> Any:
    dim = d.int(-4, 3)

    def ok(a: Any, b: Any) -> bool:
        if a.ndim != b.ndim or a.ndim == 0 or not -a.ndim <= dim < a.ndim:
            return d.rare() if a.ndim == 0 else False
        return all(x == y for k, (x, y) in enumerate(zip(a.shape, b.shape)) if k != dim % a.ndim)
    pair = _pair(d, values, ok)
    return None if pair is None else (pair, lambda L, a, b: L.m.cat([a, b], dim))


@nary("stack")
def _stack(d: Draw, values: list) -> Any:
    pair = _pair(d, values, lambda a, b: a.shape == b.shape)
    if pair is None:
        return None
    n = values[[i for i, _ in values].index(pair[0])][1].ndim + 1
    dim = d.int(-n, n - 1)
    return pair, lambda L, a, b: L.m.stack([a, b], dim)


def _matmul_ok(a: Any, b: Any) -> bool:
    if a.ndim == 0 or b.ndim == 0:
        return False
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    return a.shape[-1] == inner_b and _broadcasts(a.shape[:-2], b.shape[:-2])


@nary("matmul")
def _matmul(d: Draw, values: list) -> Any:
    if d.bool():                         # x @ x.mT: one value used twice
        square = [i for i, v in values if v.ndim >= 2]
        return ((d.pick(square),), lambda L, a: a @ a.mT) if square else None
    pair = _pair(d, values, _matmul_ok)
    return None if pair is None else (pair, lambda L, a, b: L.m.matmul(a, b))


@nary("bmm")
def _bmm(d: Draw, values: list) -> Any:
    pair = _pair(d, values, lambda a, b: a.ndim == 3 and b.ndim == 3 and
                 a.shape[0] == b.shape[0] and a.shape[2] == b.shape[1])
    return None if pair is None else (pair, lambda L, a, b: a.bmm(b))


EINSUM = {  # equation: which operand shapes it takes
    "ij,jk->ik": lambda a, b: a.ndim == b.ndim == 2 and a.shape[1] == b.shape[0],
    "...i,...i->...": lambda a, b: a.ndim >= 1 and a.shape == b.shape,
    "i,j->ij": lambda a, b: a.ndim == b.ndim == 1,
    "bij,bkj->bik": lambda a, b: a.ndim == b.ndim == 3 and a.shape[0] == b.shape[0] and
    a.shape[2] == b.shape[2],
    "ij->j": lambda a, b: a.ndim == 2 and a is b, "ii->i": lambda a, b: a.ndim == 2 and a is b and
    a.shape[0] == a.shape[1], "iij->j": lambda a, b: a.ndim == 3 and a is b and
    a.shape[0] == a.shape[1],
}


@nary("einsum")
def _einsum(d: Draw, values: list) -> Any:
    eq = d.pick(EINSUM)
    pair = _pair(d, values, EINSUM[eq])
    if pair is None:
        return None
    if "," not in eq:
        return (pair[0],), lambda L, a: L.m.einsum(eq, a)
    return pair, lambda L, a, b: L.m.einsum(eq, a, b)


def _one(d: Draw, values: list, ok: Any = None) -> Any:
    chosen = [(i, v) for i, v in values if ok is None or ok(v)]
    return d.pick(chosen) if chosen else (None, None)


def basic_key(d: Draw, shape: tuple, advanced: bool) -> tuple:
    """A getitem key over ``shape``: slices (positive steps only: PyTorch refuses negative
    ones), ints, None, Ellipsis, and with ``advanced`` integer arrays or one boolean mask."""
    parts, k, arr_shape, used_mask = [], 0, None, False
    ellipsis = d.int(0, 3) == 0
    while k < len(shape) and len(parts) < 5:
        kind = d.int(0, 7 if advanced else 4)
        size = shape[k]
        if kind == 0:
            parts.append(None)
            continue
        if kind == 1 and ellipsis:
            parts.append(Ellipsis)
            ellipsis, k = False, k + d.int(0, len(shape) - k)
            continue
        if kind <= 3:
            lo, hi = d.int(-size - 1, size + 1), d.int(-size - 1, size + 1)
            parts.append(slice(d.pick([None, lo]), d.pick([None, hi]), d.pick([None, 1, 2, 3])))
        elif kind == 4:
            if size == 0 or d.rare():     # out of range: both must refuse
                parts.append(d.pick([size, -size - 1]))
            else:
                parts.append(d.int(-size, size - 1))
        elif kind in (5, 6) and not used_mask:
            if arr_shape is None:
                arr_shape = d.pick([(d.int(0, 3),), (2, 2), ()])
            hi = size if not d.rare() else size + 1
            parts.append(("arr", d.rng.integers(-size, max(hi, 1), arr_shape) if size else
                          np.zeros(arr_shape, dtype=np.int64)))
        elif kind == 7 and arr_shape is None and not used_mask:
            m = d.int(1, len(shape) - k)
            parts.append(("mask", d.rng.random(shape[k:k + m]) < 0.5))
            used_mask, k = True, k + m - 1
        k += 1
    if d.int(0, 4) == 0:
        parts.append(None)
    return tuple(parts)


@nary("getitem")
def _getitem(d: Draw, values: list) -> Any:
    i, x = _one(d, values)
    spec = basic_key(d, tuple(x.shape), advanced=True)
    step = lambda L, a: a[L.key(spec)]  # noqa: E731
    step.spec = spec
    return (i,), step


@nary("gather")
def _gather(d: Draw, values: list) -> Any:
    i, x = _one(d, values)
    dim = d.dim(x)
    n = max(x.ndim, 1)
    if not -n <= dim < n:
        return (i,), lambda L, a: a.gather(dim, L.const(np.zeros((1,) * x.ndim, np.int64)))
    shape = [d.int(0, s) for s in x.shape] if x.ndim else []
    size = x.shape[dim] if x.ndim else 1
    if x.ndim:
        shape[dim] = d.int(0, 3) if size else 0
    index = d.rng.integers(0, max(size, 1), shape)
    return (i,), lambda L, a: a.gather(dim, L.const(index))


@nary("index_select")
def _index_select(d: Draw, values: list) -> Any:
    i, x = _one(d, values)
    dim = d.dim(x)
    size = x.shape[dim] if x.ndim and -x.ndim <= dim < x.ndim else 1
    index = d.rng.integers(0, size, d.int(0, 4)) if size else np.zeros(0, np.int64)
    return (i,), lambda L, a: a.index_select(dim, L.const(index))


@nary("masked_fill")
def _masked_fill(d: Draw, values: list) -> Any:
    i, x = _one(d, values)
    keep = d.int(0, x.ndim)
    shape = tuple(s if d.bool() else 1 for s in x.shape[x.ndim - keep:])
    mask = d.rng.random(shape) < 0.5
    j, v = _one(d, values, lambda v: v.ndim == 0)
    if j is not None and d.bool():       # a 0-d value that requires grad
        return (i, j), lambda L, a, b: a.masked_fill(L.const(mask), b)
    value = d.pick([-0.75, 0.0])
    return (i,), lambda L, a: a.masked_fill(L.const(mask), value)


# ---- in-place writes -------------------------------------------------------------------
# xpgrad records an in-place write as a new node and rebinds the tensor; PyTorch mutates the
# array, which views and saved tensors also see. The reference is PyTorch's write into a
# fresh clone (where nothing aliases it), so xpgrad may write into the value itself or into
# a clone. xpgrad refuses ("already used") a write to a tensor that an op has used where it
# cannot rewire that use: the harness accepts that refusal (a clear error, not a wrong value).
def inplace(d: Draw, values: list, leaves: set) -> Any:
    i, x = _one(d, values)
    if i in leaves and not d.rare():
        return None
    clone = d.bool()
    kind = d.pick(["add_", "mul_", "sub_", "div_", "set", "set_adv", "mask", "arr", "arr_iadd",
                   "index_put_", "index_add_", "unary", "fill"])
    others = [(j, v) for j, v in values if _broadcasts(v.shape, x.shape) and
              tuple(np.broadcast_shapes(v.shape, x.shape)) == tuple(x.shape)]
    j, _ = d.pick(others) if others and d.bool() else (None, None)
    c = d.pick([0.5, -2.0, 3.0])
    if kind in ("add_", "sub_", "mul_"):
        act = (lambda y, o: getattr(y, kind)(o if o is not None else c))
    elif kind == "div_":
        act = (lambda y, o: y.div_(o * o + 1 if o is not None else c))
    elif kind in ("set", "set_adv"):
        spec = basic_key(d, tuple(x.shape), advanced=kind == "set_adv")
        try:                              # which elements it writes, each once?
            ids = torch.arange(x.numel()).reshape(x.shape)[TORCH.key(spec)]
            sub, once = tuple(ids.shape), ids.numel() == torch.unique(ids).numel()
        except IndexError:                # out of range: both libraries must refuse
            sub, once = (-1,), True
        # a tensor value written twice to one element: which write wins is unspecified
        fit = [(j, v) for j, v in values if once and -1 not in sub and
               _broadcasts(v.shape, sub) and tuple(np.broadcast_shapes(v.shape, sub)) == sub]
        j, _ = d.pick(fit) if fit and d.bool() else (None, None)

        def act(y: Any, o: Any) -> None:
            y[_lib(y).key(spec)] = o if o is not None else c
    elif kind == "mask":
        mask = d.rng.random(x.shape) < 0.5
        j = None

        def act(y: Any, o: Any) -> None:
            m = _lib(y).const(mask)
            y[m] += c
    elif kind in ("arr", "arr_iadd", "index_put_", "index_add_"):
        if x.ndim == 0:
            return None
        n = x.shape[0]
        idx = (d.rng.permutation(n)[:d.int(0, n)] if kind == "arr" else
               d.rng.integers(0, max(n, 1), d.int(0, 3) if n else 0))   # repeats add up
        rows = (len(idx),) + tuple(x.shape[1:])
        fit = [(j, v) for j, v in values if tuple(v.shape) == rows]
        j, _ = d.pick(fit) if fit and kind in ("index_put_", "index_add_") and d.bool() \
            else (None, None)

        def act(y: Any, o: Any) -> None:
            L = _lib(y)
            v = o * 2.0 if o is not None else L.const(np.full(rows, c))
            if kind == "arr":
                y[L.const(idx)] = c
            elif kind == "arr_iadd":
                y[L.const(idx)] += c
            elif kind == "index_put_":
                y.index_put_((L.const(idx),), v, accumulate=True)
            else:
                y.index_add_(0, L.const(idx), v, alpha=-0.5)
    elif kind == "unary":
        name = d.pick(["neg_", "tanh_", "relu_", "sigmoid_", "clamp_", "abs_", "exp_"])
        if name == "exp_" and not bounded(x):
            return None
        j = None
        act = (lambda y, o: y.clamp_(min=-0.25, max=0.5) if name == "clamp_" else
               getattr(y, name)())
    else:
        j, _ = _one(d, values, lambda v: v.ndim == 0) if d.bool() else (None, None)
        act = (lambda y, o: y.fill_(o if o is not None else c))

    def step(L: Any, target: Any, *other: Any) -> Any:
        # a leaf (or a view of one) without a clone: both must refuse the write
        leaf = target.grad_fn is None or (L.is_torch and target._base is not None and
                                          target._base.is_leaf)
        y = target if leaf and not clone else (target.clone() if L.is_torch or clone else target)
        act(y, other[0] if other else None)
        return y
    step.inplace, step.cloned = True, clone
    step.spec = f"{kind}{' cloned' if clone else ''}"
    return ((i,) if j is None else (i, j)), step


def _lib(t: Any) -> Any:
    from fuzz_graph_ops import TORCH, XG
    return TORCH if type(t).__module__.startswith("torch") else XG

