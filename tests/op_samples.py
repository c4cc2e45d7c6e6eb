"""Sample generators for the op registry (tests/op_db.py).

A ``Samples`` is a hypothesis strategy of ``Sample`` (one shape per tensor input, plus keyword
arguments) and a few fixed edge cases that every generic test always runs: 0-d, size-1,
broadcast pairs and empty tensors where the op takes them. Values are drawn afterwards from a
seed (``make_values``), inside the op's domain, and then moved off its kinks by ``adjust``.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 3        # tiny shapes: gradcheck costs two forwards per input element
MAX_DIMS = 3


class Sample(NamedTuple):
    shapes: tuple            # one shape per tensor input
    kwargs: dict = {}        # passed to both the xpgrad op and the NumPy reference (never mutated)


class Samples(NamedTuple):
    strategy: Any            # SearchStrategy[Sample]
    edges: tuple             # Samples every test runs, whatever hypothesis draws


def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 0) -> Any:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=MAX_SIDE)


def _kwargs(options: dict | None) -> tuple[Any, dict]:
    """``{"name": [values]}`` -> a strategy of dicts, and the dict of first values (for edges)."""
    options = options or {}
    strategy = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in options.items()})
    return strategy, {k: v[0] for k, v in options.items()}


def unary(options: dict | None = None, empty: bool = True, min_dims: int = 0) -> Samples:
    kw, first = _kwargs(options)
    strategy = st.builds(lambda s, k: Sample((s,), k),
                         shapes(min_dims=min_dims, min_side=0 if empty else 1), kw)
    edges = [(2, 3), (1,), (), (1, 1), (3, 1, 2)] + ([(0,), (2, 0)] if empty else [])
    return Samples(strategy, tuple(Sample((s,), first) for s in edges if len(s) >= min_dims))


def broadcast(n: int = 2, options: dict | None = None, empty: bool = True) -> Samples:
    """``n`` mutually broadcastable shapes (scalars, size-1 and missing dims included)."""
    kw, first = _kwargs(options)
    strategy = st.builds(lambda b, k: Sample(tuple(b.input_shapes), k),
                         hnp.mutually_broadcastable_shapes(
                             num_shapes=n, max_dims=MAX_DIMS, min_side=0 if empty else 1,
                             max_side=MAX_SIDE), kw)
    edges = [((2, 3),) * n, ((),) * n, ((1,),) + ((3,),) * (n - 1),
             ((2, 1),) + ((1, 3),) * (n - 1), ((3,),) + ((2, 3),) * (n - 1),
             ((),) + ((2, 2),) * (n - 1)]
    if empty:
        edges += [((0,),) + ((1,),) * (n - 1), ((2, 0),) * n]
    return Samples(strategy, tuple(Sample(s, first) for s in edges))


@st.composite
def _reduction(draw: Any, axis_kind: str, min_side: int, options: dict) -> Sample:
    """A shape and an axis (None, an int or a tuple) with keepdims.

    ``min_side`` applies to reduced axes only: 1 where reducing nothing has no value (max),
    2 where a single element has no spread (std)."""
    shape = draw(shapes(min_dims=1 if axis_kind == "int" or min_side > 1 else 0))
    ndim = len(shape)
    ints = st.integers(-ndim, ndim - 1) if ndim else st.nothing()
    if axis_kind == "int":
        axis = draw(ints)
    else:
        axis = draw(st.none() | ints | hnp.valid_tuple_axes(ndim, min_size=1 if min_side > 1 else 0))
    reduced = range(ndim) if axis is None else [a % ndim for a in np.atleast_1d(axis)]
    shape = tuple(max(d, min_side) if i in reduced else d for i, d in enumerate(shape))
    kwargs = {"axis": axis}
    if axis_kind != "int":
        kwargs["keepdims"] = draw(st.booleans())
    kwargs.update(draw(_kwargs(options)[0]))
    return Sample((shape,), kwargs)


def reduction(axis_kind: str = "any", min_side: int = 0, options: dict | None = None) -> Samples:
    """Samples for a reduction; ``axis_kind="int"`` for softmax-like ops (one int axis)."""
    _, first = _kwargs(options)
    if axis_kind == "int":
        edges = [((2, 3), -1), ((2, 3), 0), ((1,), 0), ((2, 1, 3), 1)]
        if min_side == 0:
            edges += [((0, 3), -1), ((2, 0), -1)]
        return Samples(_reduction("int", min_side, options or {}),
                       tuple(Sample((s,), {"axis": a, **first}) for s, a in edges))
    lo = max(min_side, 1)
    edges = [((2, 3), None, False), ((2, 3), 1, True), ((2, 3), (0, 1), False),
             ((2, 3, 2), (0, 2), True), ((lo, 3), -2, False)]
    if min_side <= 1:
        edges += [((), None, False), ((), None, True), ((1,), 0, False), ((2, 3), (), False)]
    if min_side == 0:
        edges += [((0,), None, False), ((2, 0), 1, True), ((0, 3), 1, False)]
    else:                                     # empty along a kept axis is fine for every op
        edges += [((0, lo), 1, False)]
    return Samples(_reduction("any", min_side, options or {}),
                   tuple(Sample((s,), {"axis": a, "keepdims": k, **first}) for s, a, k in edges))


@st.composite
def _matmul(draw: Any) -> Sample:
    m, k, n = (draw(st.integers(1, MAX_SIDE)) for _ in range(3))
    batches = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2))
    a_vec, b_vec = draw(st.booleans()), draw(st.booleans())
    a = (k,) if a_vec else batches.input_shapes[0] + (m, k)
    b = (k,) if b_vec else batches.input_shapes[1] + (k, n)
    return Sample((a, b))


MATMUL = Samples(_matmul(), tuple(Sample(s) for s in [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 2)), ((1, 1), (1, 1)),
    ((2, 2, 3), (3, 2)), ((2, 1, 2, 3), (3, 3, 2)), ((3,), (2, 3, 2)), ((2, 2, 3), (3,)),
    ((0, 3), (3, 2)), ((2, 0), (0, 2))]))


@st.composite
def _concat(draw: Any) -> Sample:
    """1 to 3 shapes that agree outside ``axis`` (lengths 0..3 along it)."""
    base = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(base), len(base) - 1))
    i = axis % len(base)
    count = draw(st.integers(1, 3))
    return Sample(tuple(base[:i] + (draw(st.integers(0, MAX_SIDE)),) + base[i + 1:]
                        for _ in range(count)), {"axis": axis})


CONCAT = Samples(_concat(), tuple(Sample(s, {"axis": a}) for s, a in [
    (((2, 3), (1, 3)), 0), (((2, 1), (2, 2), (2, 0)), -1), (((3,),), 0), (((0, 2), (1, 2)), 0)]))


@st.composite
def _target(draw: Any, minus_one: bool) -> Sample:
    """An input shape that broadcasts to a drawn target (size-1 and missing leading dims)."""
    target = draw(shapes())
    lead = draw(st.integers(0, len(target)))
    src = tuple(1 if draw(st.booleans()) else d for d in target[lead:])
    if minus_one:                         # expand: -1 keeps a dimension's size
        target = tuple(-1 if i >= lead and draw(st.booleans()) else d
                       for i, d in enumerate(target))
    return Sample((src,), {"shape": target})


def broadcast_target(minus_one: bool = False) -> Samples:
    edges = [((1,), (3,)), ((), (2, 3)), ((2, 1), (2, 3)), ((3,), (2, 3)), ((1,), (0,))]
    if minus_one:
        edges += [((2, 1), (-1, 3)), ((1, 3), (2, 2, -1))]
    return Samples(_target(minus_one), tuple(Sample((s,), {"shape": t}) for s, t in edges))


def derived(shape_strategy: Any, kwargs_of: Callable[[Any, tuple], dict], edges: Sequence,
            n_inputs: Callable[[dict], int] | None = None) -> Samples:
    """Samples whose kwargs depend on the drawn shape: ``kwargs_of(draw, shape)``.
    ``n_inputs(kwargs)`` repeats the shape for ops over several equal-shaped tensors."""
    @st.composite
    def strategy(draw: Any) -> Sample:
        shape = draw(shape_strategy)
        kwargs = kwargs_of(draw, shape)
        count = 1 if n_inputs is None else n_inputs(kwargs)
        return Sample((shape,) * count, kwargs)
    return Samples(strategy(), tuple(edges))


# ---- kwargs that depend on the drawn shape (for ``derived``) ----------------------------------
def ints(lo: int, hi: int) -> Any:
    return st.integers(lo, hi)


def reshape_kwargs(draw: Any, shape: tuple) -> dict:
    size = int(np.prod(shape))
    return {"shape": draw(st.sampled_from([(-1,), (1, -1), tuple(reversed(shape)), shape + (1,),
                                            (size, 1)]))}


def flatten_kwargs(draw: Any, shape: tuple) -> dict:
    n = len(shape)
    if n == 0:
        return {"start_dim": 0, "end_dim": -1}
    start = draw(ints(0, n - 1))
    end = draw(ints(start, n - 1))
    return {"start_dim": start - n * draw(st.booleans()), "end_dim": end - n * draw(st.booleans())}


def squeeze_kwargs(draw: Any, shape: tuple) -> dict:
    ones = [i for i, d in enumerate(shape) if d == 1]
    return {"axis": draw(st.sampled_from([None, tuple(ones)] + ones + [i - len(shape) for i in ones]))}


def split_kwargs(draw: Any, shape: tuple) -> dict:
    axis = draw(ints(-len(shape), len(shape) - 1))
    length = shape[axis]
    if draw(st.booleans()):
        return {"sizes": draw(ints(1, 3)), "axis": axis}
    cuts = sorted(draw(st.lists(ints(0, length), max_size=3)))
    return {"sizes": [int(b - a) for a, b in zip([0] + cuts, cuts + [length])], "axis": axis}


# ---- values -------------------------------------------------------------------------------
def make_values(domain: Any, adjust: Callable | None, sample: Sample, seed: int) -> list:
    """float64 arrays for ``sample``, uniform in ``domain`` (one pair, or one per input)."""
    rng = np.random.default_rng(seed)
    n = len(sample.shapes)
    domains = domain if isinstance(domain[0], tuple) else (domain,) * n
    arrays = [np.asarray(rng.uniform(lo, hi, size=s), dtype=np.float64)
              for (lo, hi), s in zip(domains, sample.shapes)]
    return list(adjust(arrays, sample.kwargs, rng)) if adjust is not None else arrays


def away_from(*points: Any, margin: float = 0.1, inputs: Sequence[int] | None = None) -> Callable:
    """Move values within ``margin`` of a kink to its edge. A str names a kwarg holding a
    point or a tuple of them (clip's bounds)."""
    def adjust(arrays: list, kwargs: dict, rng: Any) -> list:
        kinks = []
        for p in points:
            p = kwargs[p] if isinstance(p, str) else p
            kinks += list(p) if isinstance(p, tuple) else [p]
        out = []
        for i, a in enumerate(arrays):
            if inputs is None or i in inputs:
                for p in kinks:
                    if p is not None:
                        a = np.where(np.abs(a - p) < margin,
                                     p + np.where(a >= p, margin, -margin), a)
            out.append(np.asarray(a, dtype=np.float64))
        return out
    return adjust


def distinct(arrays: list, kwargs: dict, rng: Any, spacing: float = 0.1) -> list:
    """No ties anywhere, within or across inputs: max/min/maximum have a kink at every tie."""
    sizes = [a.size for a in arrays]
    values = (rng.permutation(int(np.sum(sizes))) - np.sum(sizes) / 2.0) * spacing + 0.03
    out, start = [], 0
    for a, size in zip(arrays, sizes):
        out.append(values[start:start + size].reshape(a.shape))
        start += size
    return out


def on_grid(arrays: list, kwargs: dict, rng: Any) -> list:
    """Round to halves, so comparisons and argmax meet ties (which the others avoid)."""
    return [np.round(a * 2.0) / 2.0 for a in arrays]



# NumPy references for ops whose semantics differ from NumPy's function of the same name
def np_expand(x: Any, shape: tuple) -> Any:
    lead = len(shape) - x.ndim
    return np.broadcast_to(x, tuple(x.shape[i - lead] if d == -1 else d
                                    for i, d in enumerate(shape)))


def np_squeeze(x: Any, axis: Any) -> Any:
    """PyTorch's squeeze: dimensions of axis that are not size 1 stay."""
    if axis is None or x.ndim == 0:
        return np.squeeze(x)
    axes = (axis,) if isinstance(axis, int) else axis
    return np.squeeze(x, tuple(a % x.ndim for a in axes if x.shape[a] == 1))
