"""Differential fuzzing of whole computation graphs against PyTorch (skipped without it).

Each example builds a random DAG from 1-3 float64 leaves of broadcast-compatible shapes (0-d,
size-1 and, rarely, empty dimensions included) by 3-10 random steps drawn from the op tables
(fuzz_graph_ops.py: elementwise, reductions, shape ops; fuzz_graph_multi.py: binary ops,
joins, products, indexing and in-place writes; fuzz_graph_more.py: further math, scans,
scatters, linalg), reusing intermediates (diamonds). It runs the same steps in xpgrad and in
PyTorch and compares every value, the gradients of a random-weighted sum of some values with
respect to every leaf and, for a third of the examples, second-order gradients
(autograd.grad with create_graph=True, then backward of a weighted sum of those gradients).
Where PyTorch raises, xpgrad must raise too; where xpgrad raises and PyTorch does not, only
the intended differences noted in ``_apply`` pass. The tables skip, with a comment each, the
inputs where the two legitimately differ (ties, near ties, points where an op is not
differentiable, PyTorch quirks and bugs).

The examples are fixed (derandomized) in CI; ``XPGRAD_FUZZ_EXAMPLES=2000`` runs more, new
ones each run.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import xpgrad as xg  # noqa: E402
from fuzz_graph_ops import MAX_NUMEL, NARY, TORCH, UNARY, XG, Draw  # noqa: E402
from fuzz_graph_multi import inplace  # noqa: E402
import fuzz_graph_more  # noqa: E402,F401  (registers its ops in UNARY and NARY)

EXAMPLES = int(os.environ.get("XPGRAD_FUZZ_EXAMPLES", "0")) or None
RTOL, ATOL = 1e-9, 1e-11
NOTE = [note]           # a long local run without hypothesis swaps in its own
UNARY_NAMES, NARY_NAMES = sorted(UNARY), sorted(NARY)
FUZZ = settings(max_examples=EXAMPLES or 250, deadline=None, derandomize=EXAMPLES is None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
# 0/0, log(0) and PyTorch's "degrees of freedom <= 0" are part of what is fuzzed
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]


class Entry:
    """One value of the graph in both libraries."""

    __slots__ = ("x", "t", "alive", "used")

    def __init__(self, x, t) -> None:
        self.x, self.t, self.alive, self.used = x, t, True, False


def _same(ours, theirs, what: str, lenient: bool = False) -> None:
    """Equal shapes, dtypes and values (NaN equal NaN); ``lenient``: NaN on one side only
    passes too (a graph with inf gradients, see "_raw" in fuzz_graph_more.py: 0 * inf is
    NaN or 0 by each op's formula in each library; the masks that must give 0 are pinned in
    test_fuzz_graph_regressions.py)."""
    if ours is None or theirs is None:          # no gradient: as zeros (a graph may differ in
        other = theirs if ours is None else ours    # whether it connects through a mask)
        if other is not None:
            values = other.detach().numpy()
            np.testing.assert_allclose(values, np.zeros_like(values), rtol=0, atol=ATOL,
                                       err_msg=f"{what}: one side has no gradient")
        return
    assert tuple(ours.shape) == tuple(theirs.shape), \
        f"{what}: shape {tuple(ours.shape)}, PyTorch {tuple(theirs.shape)}"
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], \
        f"{what}: dtype {ours.dtype}, PyTorch {theirs.dtype}"
    theirs = theirs.detach()
    if theirs._is_zerotensor():                 # PyTorch's symbolic zeros have no array
        theirs = torch.zeros(theirs.shape, dtype=theirs.dtype)
    ours, theirs = ours.detach().numpy(), theirs.numpy()
    if lenient:
        loose = np.isnan(theirs) != np.isnan(ours)
        ours, theirs = ours[~loose], theirs[~loose]
    np.testing.assert_allclose(ours, theirs, rtol=RTOL,
                               atol=ATOL, equal_nan=True, err_msg=what)


def _leaves(d: Draw) -> list:
    base = [d.int(1, 4) if not d.rare() else 0 for _ in range(d.int(0, 3))]
    leaves = []
    for _ in range(d.int(1, 3)):
        shape = [s if d.int(0, 2) else 1 for s in base[d.int(0, len(base)):]]
        a = d.rng.standard_normal(shape)
        leaves.append(Entry(xg.tensor(a, requires_grad=True),
                            torch.tensor(a, requires_grad=True)))
    return leaves


def _leafish(t) -> bool:
    """A leaf, or for PyTorch a view of one: PyTorch refuses in-place writes to both."""
    return t.grad_fn is None or (getattr(t, "_base", None) is not None and t._base.is_leaf)


def _apply(entries: list, flags: set, name: str, idx: tuple, step) -> None:
    xs, ts = [entries[i].x for i in idx], [entries[i].t for i in idx]
    # an op may return its input itself in xpgrad (a no-op squeeze or permute) where PyTorch
    # makes a view: uses are counted per xpgrad tensor
    before = any(e.used for e in entries if e.x is xs[0])
    for e in entries:
        e.used = e.used or any(e.x is x for x in xs)
    if hasattr(step, "spec"):
        name = f"{name}[{step.spec!r}]"
    shapes = [tuple(t.shape) for t in ts]
    if getattr(step, "inplace", False) and not step.cloned and \
            _leafish(xs[0]) != _leafish(ts[0]):
        # intended: a write to x.flatten() or x.permute(...) of a leaf x, which one library
        # returns as x itself (a leaf: the write is refused) and the other as a new tensor or
        # a view (PyTorch refuses a write to a view of a leaf; xpgrad has no views)
        NOTE[0](f"{name}{shapes}: skipped, a leaf in one library only")
        return
    try:
        theirs = step(TORCH, *ts)
    except Exception as exc:                    # PyTorch refuses: so must xpgrad
        try:
            step(XG, *xs)
        except Exception as ours:
            NOTE[0](f"{name}{shapes}: both raise; PyTorch {exc!r:.150}; xpgrad {ours!r:.300}")
            return
        raise AssertionError(f"{name} on {shapes}: PyTorch raised {exc!r} but xpgrad did not")
    if theirs.numel() > MAX_NUMEL:
        return
    inplace_step = getattr(step, "inplace", False)
    try:
        ours = step(XG, *xs)
    except (RuntimeError, ValueError, IndexError) as exc:
        if inplace_step and "already used" in str(exc):    # a documented refusal
            assert before, f"{name}: refused a write to an unused tensor: {exc}"
            NOTE[0](f"{name}{shapes}: xpgrad refuses a write to a used tensor")
            return
        if ("out of bounds" in str(exc) or "out of range" in str(exc)) and \
                theirs.numel() == 0:
            # PyTorch checks indices element by element, and roll returns an empty input
            # before it checks dims, so nothing checks them where the result is empty;
            # xpgrad refuses them
            NOTE[0](f"{name}{shapes}: xpgrad refuses an out-of-range index, empty result")
            return
        if "for a tensor with 0 dimension(s)" in str(exc) and () in shapes:
            # intended: a 0-d tensor has no axis in xpgrad (as in NumPy and the Array API),
            # where PyTorch takes dim 0 and -1 of a 0-d tensor as its one element
            NOTE[0](f"{name}{shapes}: xpgrad refuses a dim of a 0-d tensor")
            return
        raise
    NOTE[0](f"v{len(entries)} = {name}{list(idx)}{shapes} -> {tuple(theirs.shape)}")
    _same(ours, theirs, f"{name} on {shapes}: forward")
    if getattr(step, "singular", False):
        flags.add("singular")
    if inplace_step:                            # the written tensor now holds the new value
        for e in entries:
            if e.x is ours:
                e.alive = False
    entries.append(Entry(ours, theirs))


def _build(d: Draw, writes: bool) -> tuple:
    leaves = _leaves(d)
    entries, flags = list(leaves), set()
    for _ in range(d.int(3, 10)):
        alive = [(i, e.t) for i, e in enumerate(entries) if e.alive]
        kind = d.int(0, 9)
        if kind < 5:
            name = d.pick(UNARY_NAMES)
            i, x = d.pick(alive)
            found = UNARY[name](d, x)
            found = None if found is None else ((i,), found)
        elif kind < 8 or not writes:
            name = d.pick(NARY_NAMES)
            found = NARY[name](d, alive)
        else:
            name = "inplace"
            found = inplace(d, alive, set(range(len(leaves))))
        if found is not None:
            _apply(entries, flags, name, *found)
    return leaves, [e for e in entries if e.alive], flags


def _weighted_sum(d: Draw, values: list) -> tuple:
    ours = theirs = 0.0
    for x, t in values:
        w = d.rng.standard_normal(tuple(t.shape))
        ours = ours + (x * xg.tensor(w)).sum()
        theirs = theirs + (t * torch.from_numpy(w)).sum()
    return ours, theirs


def check_graph(d: Draw, writes: bool) -> None:
    leaves, alive, flags = _build(d, writes)
    lenient = "singular" in flags
    outputs = [e for e in alive if e.t.requires_grad]
    chosen = [e for e in outputs if d.bool()] or outputs[-1:]
    ours, theirs = _weighted_sum(d, [(e.x, e.t) for e in chosen])
    xs, ts = [e.x for e in leaves], [e.t for e in leaves]
    if d.int(0, 2):
        ours.backward()
        theirs.backward()
        for k, (x, t) in enumerate(zip(xs, ts)):
            _same(x.grad, t.grad, f"gradient of leaf {k}", lenient)
        return
    gx = xg.autograd.grad(ours, xs, create_graph=True, allow_unused=True)
    gt = torch.autograd.grad(theirs, ts, create_graph=True, allow_unused=True)
    for k, (g, h) in enumerate(zip(gx, gt)):
        _same(g, h, f"gradient of leaf {k}", lenient)
    # (PyTorch's gradient of an empty leaf may carry a graph, xpgrad's does not: no matter)
    second = [k for k, h in enumerate(gt) if h is not None and h.requires_grad and h.numel()]
    if not second:
        return
    ours2, theirs2 = _weighted_sum(d, [(gx[k], gt[k]) for k in second])
    try:
        theirs2.backward()
    except NotImplementedError:         # PyTorch has no second derivative of cdist
        return
    if not ours2.requires_grad:
        # xpgrad's first derivatives are constants (no graph) where PyTorch's carry one
        # (prod of an empty tensor, say): then PyTorch's second derivatives must be zeros
        for k, t in enumerate(ts):
            _same(None, t.grad, f"second-order gradient of leaf {k}", lenient)
        return
    ours2.backward()
    for k, (x, t) in enumerate(zip(xs, ts)):
        _same(x.grad, t.grad, f"second-order gradient of leaf {k}", lenient)


def _draw(data) -> Draw:
    return Draw(data, np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed")))


@FUZZ
@given(st.data())
def test_random_graphs_match_torch(data):
    check_graph(_draw(data), writes=False)


@FUZZ
@given(st.data())
def test_random_graphs_with_inplace_writes_match_torch(data):
    check_graph(_draw(data), writes=True)
