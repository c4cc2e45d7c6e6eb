"""einsum with PyTorch's semantics, as a composite of Tensor ops (diagonal, sum, permute,
reshape, matmul, broadcasting multiply), so its gradients of every order come from those.

The equation holds one term per operand, letters (a-z, A-Z) for dimensions and ``...`` for
broadcast dimensions, with an explicit output after ``->`` or the implicit one (the ellipsis
dimensions, then the letters that appear once, in alphabetical order, uppercase first).
A letter repeated within one term takes that operand's diagonal; letters missing from the
output are summed; dimensions of size 1 broadcast. Operands are contracted left to right,
each pair as one batched matmul."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ._util import require_tensor
from .elementwise import clone
from .linalg import matmul
from .reduction import sum
from .shape import permute, reshape
from .shape_diag import diagonal
from .torch_errors import TorchValueError


def _fail(equation: str, message: str) -> ValueError:
    return TorchValueError(f"einsum: {message} (equation {equation!r})")


def _term_labels(equation: str, term: str) -> list:
    """A term's labels: letters, and '...' as one None entry."""
    labels, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != "..." or None in labels:
                raise _fail(equation, f"'.' must appear as one '...' per term, got {term!r}")
            labels.append(None)
            i += 3
            continue
        if not (c.isascii() and c.isalpha()):
            raise _fail(equation, f"invalid subscript {c!r}; use letters a-z, A-Z and '...'")
        labels.append(c)
        i += 1
    return labels


def _parse(equation: str, operands: list) -> tuple[list, list]:
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise _fail(equation, f"{len(terms)} term(s) for {len(operands)} operand(s)")
    raw = [_term_labels(equation, t) for t in terms]
    ell = 0
    for labels, x in zip(raw, operands):
        letters = len(labels) - (None in labels)
        if x.ndim < letters or (None not in labels and x.ndim != letters):
            raise _fail(equation, f"term {''.join(l or '...' for l in labels)!r} does not "
                        f"match an operand of shape {x.shape}")
        ell = max(ell, x.ndim - letters if None in labels else 0)
    ell_labels = [f"#{k}" for k in range(ell)]
    inputs = []
    for labels, x in zip(raw, operands):
        if None in labels:
            n = x.ndim - (len(labels) - 1)
            i = labels.index(None)
            labels = labels[:i] + ell_labels[ell - n:] + labels[i + 1:]
        inputs.append(labels)
    if arrow:
        out = _term_labels(equation, rhs)
        if None in out:
            i = out.index(None)
            out = out[:i] + ell_labels + out[i + 1:]
        seen = {l for labels in inputs for l in labels}
        for l in out:
            if out.count(l) > 1:
                raise _fail(equation, f"output subscript {l!r} appears more than once")
            if l not in seen:
                raise _fail(equation, f"output subscript {l!r} appears in no input term")
    else:
        counts: dict = {}
        for labels in inputs:
            for l in labels:
                counts[l] = counts.get(l, 0) + 1
        out = ell_labels + sorted(l for l, c in counts.items() if c == 1 and not l.startswith("#"))
    return inputs, out


def _sizes(equation: str, inputs: list, operands: list) -> dict:
    sizes: dict = {}
    for labels, x in zip(inputs, operands):
        for l, n in zip(labels, x.shape):
            known = sizes.get(l, 1)
            if n != known and 1 not in (n, known):
                name = "..." if l.startswith("#") else repr(l)
                raise _fail(equation, f"subscript {name} has sizes {known} and {n}, which do "
                            "not broadcast")
            sizes[l] = max(known, n) if 0 not in (n, known) else 0
    return sizes


def _take_diagonals(equation: str, x: Tensor, labels: list) -> tuple[Tensor, list]:
    labels = list(labels)
    while len(set(labels)) != len(labels):
        l = next(l for l in labels if labels.count(l) > 1)
        i = labels.index(l)
        j = labels.index(l, i + 1)
        if x.shape[i] != x.shape[j]:
            raise _fail(equation, f"repeated subscript {l!r} has sizes {x.shape[i]} and "
                        f"{x.shape[j]} in one operand")
        x = diagonal(x, 0, i, j)
        labels = [m for k, m in enumerate(labels) if k not in (i, j)] + [l]
    return x, labels


def _sum_out(x: Tensor, labels: list, drop: set, keepdims: bool = False) -> tuple[Tensor, list]:
    axes = tuple(i for i, l in enumerate(labels) if l in drop)
    if not axes:
        return x, labels
    x = sum(x, axes, keepdims)
    return x, labels if keepdims else [l for l in labels if l not in drop]


def _align(x: Tensor, labels: list, order: list) -> Tensor:
    """``x`` permuted to ``order`` with size-1 dimensions for the labels it lacks."""
    present = [l for l in order if l in labels]
    x = permute(x, [labels.index(l) for l in present])
    shape, it = [], iter(x.shape)
    for l in order:
        shape.append(next(it) if l in labels else 1)
    return reshape(x, tuple(shape))


def _size(x: Tensor, labels: list, group: list) -> int:
    n = 1
    for l in group:
        n *= x.shape[labels.index(l)]
    return n


def _contract(a: Tensor, la: list, b: Tensor, lb: list, keep: set) -> tuple[Tensor, list]:
    a, la = _sum_out(a, la, {l for l in la if l not in lb and l not in keep})
    b, lb = _sum_out(b, lb, {l for l in lb if l not in la and l not in keep})
    shared = [l for l in la if l in lb]
    contracted = [l for l in shared if l not in keep]
    if not contracted:
        order = la + [l for l in lb if l not in la]
        return _align(a, la, order) * _align(b, lb, order), order
    # a contracted dimension of size 1 on one side: sum the other side first (broadcasting)
    a, _ = _sum_out(a, la, {l for l in contracted if b.shape[lb.index(l)] == 1}, True)
    b, _ = _sum_out(b, lb, {l for l in contracted if a.shape[la.index(l)] == 1}, True)
    batch = [l for l in shared if l in keep]
    left = [l for l in la if l not in lb]
    right = [l for l in lb if l not in la]
    k = _size(a, la, contracted)
    a2 = permute(a, [la.index(l) for l in batch + left + contracted])
    b2 = permute(b, [lb.index(l) for l in batch + contracted + right])
    a_batch = tuple(a.shape[la.index(l)] for l in batch)
    b_batch = tuple(b.shape[lb.index(l)] for l in batch)
    a2 = reshape(a2, a_batch + (_size(a, la, left), k))
    b2 = reshape(b2, b_batch + (k, _size(b, lb, right)))
    out = matmul(a2, b2)
    shape = (out.shape[:len(batch)] + tuple(a.shape[la.index(l)] for l in left)
             + tuple(b.shape[lb.index(l)] for l in right))
    return reshape(out, shape), batch + left + right


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sums of products over the dimensions named in ``equation`` (Einstein notation).

    >>> xg.einsum("bij,bjk->bik", a, b)      # batched matmul; "ii" is the trace
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a str, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise TorchValueError("einsum: expected at least one operand")
    for x in operands:
        require_tensor(x, "einsum")
    ops = list(operands)
    if any(x.dtype.is_floating for x in ops):
        dtype = next(x.dtype for x in ops if x.dtype.is_floating)
        ops = [x if x.dtype == dtype else x.astype(dtype) for x in ops]
    inputs, out = _parse(equation, ops)
    _sizes(equation, inputs, ops)
    terms = [_take_diagonals(equation, x, labels) for x, labels in zip(ops, inputs)]
    count: dict = {}
    for _, labels in terms:
        for l in labels:
            count[l] = count.get(l, 0) + 1
    keep_out = set(out)
    x, labels = terms[0]
    x, labels = _sum_out(x, labels, {l for l in labels if count[l] == 1 and l not in keep_out})
    for i, (y, ly) in enumerate(terms[1:], start=1):
        later = {l for _, lz in terms[i + 1:] for l in lz}
        x, labels = _contract(x, labels, y, ly, keep_out | later)
    x, labels = _sum_out(x, labels, {l for l in labels if l not in keep_out})
    if labels == out:
        return clone(x) if x is ops[0] else x
    return permute(x, [labels.index(l) for l in out])
