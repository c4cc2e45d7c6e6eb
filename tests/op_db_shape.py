"""Registry entries of the shape and indexing ops beyond the core (autograd/ops/shape_*.py,
gather_*.py), appended to tests/op_db.py's OPS; import it only through op_db.

Index tensors travel in kwargs as NumPy int arrays, put on the sample's device inside the op.
Scatter samples never write one position twice (which value wins is unspecified, as in
PyTorch, so its gradient is only defined without collisions). The shape-argument errors of
these ops are checked beside PyTorch's in tests/test_ops_shape_torch.py, on both devices.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import xpgrad as xg
from op_db import ErrorInput, OpInfo, other_device, t
from op_samples import Sample, Samples, derived, ints, shapes, unary


def _on(a: Any, x: xg.Tensor) -> xg.Tensor: return xg.tensor(a, device=x.device)
def S(dims: tuple, /, **kwargs: Any) -> Sample: return Sample((dims,), kwargs)   # one input


E = ErrorInput


# ---- NumPy references ---------------------------------------------------------------------
def _np_key(index: Any, dim: int) -> tuple:
    """The NumPy fancy index of gather/scatter: ``index`` at dim, aranges elsewhere."""
    k = index.ndim
    return tuple(index if d == dim else np.arange(n).reshape((1,) * d + (n,) + (1,) * (k - d - 1))
                 for d, n in enumerate(index.shape))


def _np_scatter(x: Any, src: Any, dim: int, index: Any, add: bool = False) -> Any:
    out, key = x.copy(), _np_key(index, dim % x.ndim)
    part = src[tuple(slice(0, n) for n in index.shape)] if isinstance(src, np.ndarray) else src
    np.add.at(out, key, part) if add else out.__setitem__(key, part)
    return out


def _np_take_along(x: Any, indices: Any, dim: Any) -> Any:
    flat = dim is None
    return np.take_along_axis(x.reshape(-1) if flat else x, indices.reshape(-1) if flat
                              else indices, 0 if flat else dim)


def _np_chunk(x: Any, chunks: int, dim: int) -> list:
    n, step = x.shape[dim], -(-x.shape[dim] // chunks)
    return np.split(x, list(range(step, n, step)), dim) if n else [x.copy()] * chunks


def _np_narrow(x: Any, dim: int, start: int, length: int) -> Any:
    start = start + x.shape[dim] if start < 0 else start
    return np.take(x, np.arange(start, start + length), dim)


def _np_unflatten(x: Any, dim: int, sizes: tuple) -> Any:
    d = dim % x.ndim
    sizes = tuple(x.shape[d] if v == -1 else v for v in sizes)
    return x.reshape(x.shape[:d] + sizes + x.shape[d + 1:])


def _np_diag_embed(x: Any, offset: int, dim1: int, dim2: int) -> Any:
    m, i = x.shape[-1] + abs(offset), np.arange(x.shape[-1])
    out = np.zeros(x.shape[:-1] + (m, m), dtype=x.dtype)
    out[..., i + max(-offset, 0), i + max(offset, 0)] = x
    return np.moveaxis(out, (-2, -1), (dim1, dim2))


def _np_masked_select(x: Any, mask: Any) -> Any:
    x, mask = np.broadcast_arrays(x, mask)
    return x[mask].reshape(-1)


def _fixed_zeros(arrays: list, kwargs: dict, rng: Any) -> list:
    """Zeros at every third entry, never elsewhere: the count stays put across seeds, as a
    compiled replay needs (a result whose shape follows the values cannot be replayed)."""
    grid = [np.where(np.round(a * 2.0) == 0, 0.5, np.round(a * 2.0) / 2.0) for a in arrays]
    return [np.where(np.arange(a.size).reshape(a.shape) % 3 == 0, 0.0, a) for a in grid]


# ---- samples --------------------------------------------------------------------------------
def _dim(draw: Any, s: tuple) -> int: return draw(ints(-len(s), len(s) - 1))


def _dims_kwargs(draw: Any, s: tuple) -> dict:
    n = len(s)
    dims = draw(st.lists(ints(0, n - 1), unique=True, max_size=n)) if n else []
    return {"dims": tuple(d - n * draw(st.booleans()) for d in dims)}


def _roll_kwargs(draw: Any, s: tuple) -> dict:
    if not s or draw(st.booleans()):
        return {"shifts": draw(ints(-4, 4)), "dims": None}
    dims = draw(st.lists(ints(-len(s), len(s) - 1), min_size=1, max_size=3))
    return {"shifts": tuple(draw(ints(-4, 4)) for _ in dims), "dims": tuple(dims)}


def _counts(draw: Any, s: tuple) -> dict:
    dim = draw(ints(0, len(s) - 1))
    n = draw(st.sampled_from([1, s[dim]]))
    return {"dim": dim, "counts": draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, 3)))}


def _narrow(draw: Any, s: tuple) -> dict:
    dim = draw(ints(0, len(s) - 1))
    start = draw(ints(0, s[dim]))
    return {"dim": dim - len(s) * draw(st.booleans()), "length": draw(ints(0, s[dim] - start)),
            "start": start - s[dim] * (draw(st.booleans()) and start < s[dim])}


def _movedim(draw: Any, s: tuple) -> dict:
    k = draw(ints(0, len(s)))
    return {"source": tuple(draw(st.permutations(range(len(s))))[:k]),
            "destination": tuple(draw(st.permutations(range(-len(s), 0)))[:k])}


def _unflatten(draw: Any, s: tuple) -> dict:
    dim = _dim(draw, s)
    return {"dim": dim, "sizes": draw(st.sampled_from(
        [(s[dim],), (1, -1), (-1, 1), (s[dim], 1, 1)]))}


def _split_spec(draw: Any, s: tuple) -> dict:
    dim = _dim(draw, s)
    if draw(st.booleans()):
        return {"spec": draw(ints(1, 4)), "dim": dim}
    return {"spec": draw(st.lists(ints(-4, 4), max_size=3)), "dim": dim}


def _index_1d(draw: Any, s: tuple) -> dict:
    dim = _dim(draw, s)
    return {"dim": dim, "index": draw(hnp.arrays(np.int64, draw(ints(0, 4)),
                                                 elements=st.integers(0, s[dim] - 1)))}


@st.composite
def _gather(draw: Any, scatter: bool = False, src: bool = False) -> Sample:
    """x's shape, an index no larger outside dim (distinct along dim for scatter), and for
    scatter a src at least as large as the index."""
    shape = draw(shapes(min_dims=1, min_side=1))
    dim = draw(ints(0, len(shape) - 1))
    n = shape[dim]
    ishape = tuple(draw(ints(0, shape[d])) if d != dim else draw(ints(0, n if scatter else 3))
                   for d in range(len(shape)))
    if scatter:
        order = np.array(draw(st.permutations(range(n)))[:ishape[dim]], dtype=np.int64)
        spread = draw(hnp.arrays(np.int64, ishape[:dim] + (1,) + ishape[dim + 1:],
                                 elements=st.integers(0, n - 1)))
        index = (order.reshape((1,) * dim + (-1,) + (1,) * (len(shape) - dim - 1)) + spread) % n
        index = np.broadcast_to(index, ishape).copy()
    else:
        index = draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, n - 1)))
    shapes_ = (shape,)
    if src:
        shapes_ += (tuple(d + draw(ints(0, 1)) for d in ishape),)
    return Sample(shapes_, {"dim": dim - len(shape) * draw(st.booleans()), "index": index})


def _gather_edges(src: bool = False, **extra: Any) -> tuple:
    repeats = np.array([[0, 2], [1, 0]]) if src else np.array([[0, 2], [1, 1]])
    cases = [((2, 3), 1, repeats), ((3,), 0, np.array([2, 0])),
             ((2, 3), 0, np.zeros((1, 0), dtype=np.int64)), ((1,), -1, np.array([0]))]
    return tuple(Sample((s, tuple(i.shape)) if src else (s,), {"dim": d, "index": i, **extra})
                 for s, d, i in cases)


@st.composite
def _take_along(draw: Any) -> Sample:
    shape = draw(shapes(min_dims=1, min_side=1))
    if draw(st.booleans()):
        size = int(np.prod(shape))
        idx = draw(hnp.arrays(np.int64, draw(ints(0, 4)), elements=st.integers(-size, size - 1)))
        return Sample((shape,), {"dim": None, "indices": idx})
    dim = draw(ints(0, len(shape) - 1))
    n = shape[dim]
    ishape = tuple(draw(ints(0, 3)) if d == dim else draw(st.sampled_from([1, shape[d]]))
                   for d in range(len(shape)))
    xshape = tuple(1 if d != dim and draw(st.booleans()) else s for d, s in enumerate(shape))
    idx = draw(hnp.arrays(np.int64, ishape, elements=st.integers(-n, n - 1)))
    return Sample((xshape,), {"dim": dim, "indices": idx})


def _mask_sample(draw: Any, s: tuple) -> dict:
    """A bool mask that broadcasts with ``s`` (fewer dims, size-1 dims, or a leading dim)."""
    tail = tuple(draw(st.sampled_from([1, d])) for d in s[draw(ints(0, len(s))):])
    lead = draw(st.sampled_from([(), (2,)])) if len(tail) == len(s) else ()
    return {"mask": draw(hnp.arrays(bool, lead + tail))}


MASK_EDGES = [((2, 3), np.array([[True, False, True], [False, False, True]])),
              ((2, 3), np.array([True, False, False])), ((3,), np.array([[True], [False]])),
              ((), np.array(True)), ((2, 0), np.zeros((2, 1), dtype=bool))]


@st.composite
def _masked_fill_tensor(draw: Any) -> Sample:
    shape = draw(shapes())
    return Sample((shape, ()), _mask_sample(draw, shape))


def _diag_kwargs(draw: Any, s: tuple, extra: int = 0) -> dict:
    n = len(s) + extra
    d1, d2 = draw(st.permutations(range(n)))[:2]
    return {"offset": draw(ints(-3, 3)), "dim1": d1 - n * draw(st.booleans()), "dim2": d2}


@st.composite
def _meshgrid(draw: Any) -> Sample:
    count = draw(ints(1, 3))
    return Sample(tuple(draw(st.sampled_from([(), (1,), (2,), (3,), (0,)])) for _ in range(count)),
                  {"indexing": draw(st.sampled_from(["ij", "xy"]))})


STACKS = derived(shapes(min_side=1), lambda draw, s: {"n": draw(ints(1, 3))},
                 [Sample(((2, 3),) * 2, {"n": 2}), Sample(((3,),) * 2, {"n": 2}),
                  Sample(((),) * 3, {"n": 3}), Sample(((2, 1, 2),) * 2, {"n": 2})],
                 n_inputs=lambda kw: kw["n"])


def _idx_errors(name: str, call: Any) -> tuple:
    """Float index, index on another device, index past the end (every device raises)."""
    return (E(lambda d: call(t(d, 2, 3), xg.tensor([[0.0]], device=d)), IndexError,
              name + r": index must be an integer tensor, got float32\[1(, 1)?\]"),
            E(lambda d: call(t(d, 2, 3), xg.tensor([[0]], device=other_device(d))),
              RuntimeError, name + r": index tensor is on .* but the input tensor is on"),
            E(lambda d: call(t(d, 2, 3), xg.tensor([[5]], device=d)), IndexError,
              name + r": index 5 is out of bounds for (dimension|axis) 1 with size 3"))


OPS: list = [
    OpInfo("flip", lambda x, dims: x.flip(dims),
           lambda x, dims: np.flip(x, dims) if x.ndim else x.copy(),
           samples=derived(shapes(), _dims_kwargs, [
               S((2, 3), dims=(0,)), S((2, 3, 2), dims=(-1, 0)), S((), dims=(0,)),
               S((2, 0), dims=(1,)), S((2, 3), dims=())])),
    OpInfo("fliplr", xg.fliplr, np.fliplr, samples=unary(min_dims=2)),
    OpInfo("flipud", xg.flipud, np.flipud, samples=unary(min_dims=1)),
    OpInfo("roll", lambda x, shifts, dims: x.roll(shifts, dims),
           lambda x, shifts, dims: np.roll(x, shifts, dims),
           samples=derived(shapes(), _roll_kwargs, [
               S((2, 3), shifts=1, dims=None), S((2, 3), shifts=(1, -4), dims=(0, 1)),
               S((2, 3), shifts=(1, 1), dims=(1, 1)), S((), shifts=2, dims=None),
               S((0, 2), shifts=1, dims=0)])),
    *(OpInfo(name, lambda x, diagonal, _n=name: getattr(x, _n)(diagonal),
             lambda x, diagonal, _n=name: getattr(np, _n)(x, diagonal),
             samples=unary({"diagonal": [0, 1, -1, 3, -4]}, min_dims=2))
      for name in ("tril", "triu")),
    OpInfo("repeat", lambda x, sizes: x.repeat(*sizes), lambda x, sizes: np.tile(x, sizes),
           samples=derived(shapes(), lambda draw, s: {"sizes": tuple(
               draw(ints(0, 2)) for _ in range(len(s) + draw(ints(0, 1))))}, [
               S((2, 3), sizes=(2, 1)), S((3,), sizes=(2, 1, 2)), S((), sizes=()),
               S((), sizes=(3,)), S((2, 1), sizes=(0, 2))])),
    OpInfo("tile", lambda x, dims: x.tile(dims), lambda x, dims: np.tile(x, dims),
           samples=derived(shapes(), lambda draw, s: {"dims": tuple(
               draw(ints(0, 2)) for _ in range(draw(ints(0, 3))))}, [
               S((2, 3), dims=(2,)), S((2,), dims=(2, 2)), S((), dims=())])),
    OpInfo("repeat_interleave", lambda x, repeats, dim: x.repeat_interleave(repeats, dim),
           lambda x, repeats, dim: np.repeat(x, repeats, dim),
           samples=derived(shapes(), lambda draw, s: {"repeats": draw(ints(0, 3)), "dim": draw(
               st.none() | ints(-len(s), len(s) - 1)) if s else None}, [
               S((2, 3), repeats=2, dim=None), S((2, 3), repeats=3, dim=-1),
               S((), repeats=2, dim=None), S((2, 0), repeats=2, dim=1),
               S((2,), repeats=0, dim=0)])),
    OpInfo("repeat_interleave_tensor",
           lambda x, counts, dim: x.repeat_interleave(_on(counts, x), dim),
           lambda x, counts, dim: np.repeat(x, counts, dim),
           samples=derived(shapes(min_dims=1), _counts, [
               S((3,), counts=np.array([1, 0, 2]), dim=0), S((2, 3), counts=np.array([2]), dim=1),
               S((0, 2), counts=np.zeros(0, dtype=np.int64), dim=0)])),
    OpInfo("chunk", lambda x, chunks, dim: x.chunk(chunks, dim), _np_chunk,
           samples=derived(shapes(min_dims=1), lambda draw, s: {
               "chunks": draw(ints(1, 4)), "dim": _dim(draw, s)}, [
               S((5,), chunks=3, dim=0), S((2, 3), chunks=4, dim=1), S((0,), chunks=3, dim=0)])),
    OpInfo("tensor_split", lambda x, spec, dim: x.tensor_split(spec, dim),
           lambda x, spec, dim: np.array_split(x, spec, dim),
           samples=derived(shapes(min_dims=1), _split_spec, [
               S((5,), spec=3, dim=0), S((2,), spec=3, dim=0), S((5,), spec=[1, 4, 2, 7], dim=0),
               S((2, 3), spec=[-2], dim=-1)])),
    OpInfo("unbind", lambda x, dim: x.unbind(dim),
           lambda x, dim: [np.take(x, i, dim) for i in range(x.shape[dim])],
           samples=derived(shapes(min_dims=1, min_side=1), lambda draw, s: {
               "dim": _dim(draw, s)}, [S((2, 3), dim=1), S((1,), dim=0)])),
    OpInfo("narrow", lambda x, dim, start, length: x.narrow(dim, start, length), _np_narrow,
           samples=derived(shapes(min_dims=1, min_side=1), _narrow, [
               S((5,), dim=0, start=-2, length=2), S((2, 3), dim=1, start=3, length=0)])),
    OpInfo("movedim", lambda x, source, destination: x.movedim(source, destination),
           lambda x, source, destination: np.moveaxis(x, source, destination),
           samples=derived(shapes(min_dims=1), _movedim, [
               S((2, 3, 1), source=0, destination=-1),
               S((2, 3, 1), source=(0, 1), destination=(2, 0))])),
    OpInfo("swapdims", lambda x, d0, d1: x.swapdims(d0, d1),
           lambda x, d0, d1: np.swapaxes(x, d0, d1),
           samples=derived(shapes(min_dims=1), lambda draw, s: {
               "d0": _dim(draw, s), "d1": _dim(draw, s)}, [S((2, 3, 1), d0=0, d1=-1)])),
    OpInfo("unflatten", lambda x, dim, sizes: x.unflatten(dim, sizes), _np_unflatten,
           samples=derived(shapes(min_dims=1, min_side=1), _unflatten, [
               S((2, 6), dim=1, sizes=(2, 3)), S((2, 0), dim=1, sizes=(2, 0))])),
    OpInfo("gather", lambda x, dim, index: x.gather(dim, _on(index, x)),
           lambda x, dim, index: x[_np_key(index, dim % x.ndim)],
           samples=Samples(_gather(), _gather_edges()),
           errors=_idx_errors("gather", lambda x, i: x.gather(1, i)) + (
               E(lambda d: t(d, 2, 3).gather(0, xg.tensor([1], device=d)), ValueError,
                 r"gather: index must have as many dimensions as the input"),
               E(lambda d: t(d, 2, 3).gather(0, xg.tensor([[1, 0, 0, 1]], device=d)),
                 ValueError, r"gather: index shape \(1, 4\) is larger"))),
    OpInfo("scatter", lambda x, src, dim, index: x.scatter(dim, _on(index, x), src),
           lambda x, src, dim, index: _np_scatter(x, src, dim, index),
           samples=Samples(_gather(scatter=True, src=True), _gather_edges(src=True)),
           errors=_idx_errors("scatter", lambda x, i: x.scatter(1, i, 0.0)) + (
               E(lambda d: t(d, 2, 3).scatter(0, xg.tensor([[1]], device=d),
                                              t(d, 1, 1, dtype="float32")),
                 TypeError, "scatter: src has dtype float32 but the input has dtype float64"),
               E(lambda d: t(d, 2, 3).scatter(0, xg.tensor([[1, 0]], device=d), t(d, 1, 1)),
                 ValueError, r"scatter: index shape \(1, 2\) must be no larger than src"))),
    OpInfo("scatter_value", lambda x, dim, index, value: x.scatter(dim, _on(index, x), value),
           lambda x, dim, index, value: _np_scatter(x, value, dim, index),
           samples=Samples(_gather().map(lambda s: s._replace(kwargs={**s.kwargs, "value": -1.5})),
                           _gather_edges(value=7))),
    OpInfo("scatter_add", lambda x, src, dim, index: x.scatter_add(dim, _on(index, x), src),
           lambda x, src, dim, index: _np_scatter(x, src, dim, index, add=True),
           samples=Samples(_gather(src=True), tuple(
               Sample((s.shapes[0], s.kwargs["index"].shape), s.kwargs) for s in _gather_edges())),
           errors=_idx_errors("scatter_add", lambda x, i: x.scatter_add(1, i, t(x.device, 1, 1)))),
    OpInfo("index_select", lambda x, dim, index: x.index_select(dim, _on(index, x)),
           lambda x, dim, index: np.take(x, np.atleast_1d(index), dim),
           samples=derived(shapes(min_dims=1, min_side=1), _index_1d, [
               S((3, 2), dim=0, index=np.array([2, 2, 0])), S((2, 3), dim=-1, index=np.array(1)),
               S((2, 3), dim=1, index=np.zeros(0, dtype=np.int64))]),
           errors=_idx_errors("index_select", lambda x, i: x.index_select(1, i.reshape(-1))) + (
               E(lambda d: t(d, 2, 3).index_select(1, xg.tensor([[0]], device=d)), IndexError,
                 r"index_select: index must be 0-d or 1-d"),)),
    OpInfo("take_along_dim", lambda x, indices, dim: x.take_along_dim(_on(indices, x), dim),
           _np_take_along, samples=Samples(_take_along(), (
               S((2, 3), indices=np.array([[0, -1], [2, 2]]), dim=1),
               S((1, 3), indices=np.array([[0], [2]]), dim=1),
               S((2, 3), indices=np.array([5, -6, 0]), dim=None),
               S((), indices=np.array([0, 0]), dim=None)))),
    OpInfo("masked_fill", lambda x, mask, value: x.masked_fill(_on(mask, x), value),
           lambda x, mask, value: np.where(mask, value, x),
           samples=derived(shapes(), lambda draw, s: {**_mask_sample(draw, s), "value": draw(
               st.sampled_from([0.0, -2.5, 3]))},
               [S(s, mask=m, value=-1.5) for s, m in MASK_EDGES]),
           errors=(E(lambda d: t(d, 2).masked_fill(xg.tensor([1, 0], device=d), 0.0), TypeError,
                     r"masked_fill: mask must be a bool tensor, got int64\[2\]"),
                   E(lambda d: t(d, 2).masked_fill(xg.tensor([True], device=d), t(d, 1)),
                     ValueError, "masked_fill: value must be a number or a 0-d tensor"),
                   E(lambda d: t(d, 2, 3).masked_fill(xg.tensor([True, False], device=d), 0.0),
                     ValueError, r"masked_fill: input shape \(2, 3\) and mask shape \(2,\) do not"),
                   E(lambda d: t(d, 2).masked_fill(xg.tensor([True, False], device=other_device(d)),
                                                   0.0), RuntimeError, "masked_fill: mask is on"))),
    OpInfo("masked_fill_tensor", lambda x, v, mask: x.masked_fill(_on(mask, x), v),
           lambda x, v, mask: np.where(mask, v, x), samples=Samples(_masked_fill_tensor(), tuple(
               Sample((s, ()), {"mask": m}) for s, m in MASK_EDGES))),
    OpInfo("masked_select", lambda x, mask: x.masked_select(_on(mask, x)), _np_masked_select,
           samples=derived(shapes(), _mask_sample, [S(s, mask=m) for s, m in MASK_EDGES])),
    OpInfo("diagonal", lambda x, offset, dim1, dim2: x.diagonal(offset, dim1, dim2),
           lambda x, offset, dim1, dim2: np.diagonal(x, offset, dim1, dim2).copy(),
           samples=derived(shapes(min_dims=2), _diag_kwargs, [
               S((2, 3), offset=0, dim1=0, dim2=1), S((2, 3), offset=-1, dim1=1, dim2=0),
               S((2, 3, 4), offset=1, dim1=2, dim2=0), S((2, 3), offset=5, dim1=0, dim2=1),
               S((0, 3), offset=0, dim1=0, dim2=1)])),
    OpInfo("diag", lambda x, diagonal: x.diag(diagonal), lambda x, diagonal: np.diag(x, diagonal),
           samples=derived(shapes(min_dims=1, max_dims=2), lambda draw, s: {
               "diagonal": draw(ints(-3, 3))}, [S((2,), diagonal=-1), S((2, 3), diagonal=1),
                                                S((0,), diagonal=0), S((3, 2), diagonal=-5)])),
    OpInfo("diag_embed", lambda x, offset, dim1, dim2: x.diag_embed(offset, dim1, dim2),
           _np_diag_embed, samples=derived(shapes(min_dims=1), lambda draw, s: _diag_kwargs(
               draw, s, 1), [S((2,), offset=1, dim1=-1, dim2=-2), S((0,), offset=1, dim1=0, dim2=1),
                             S((2, 3), offset=-2, dim1=0, dim2=2)])),
    *(OpInfo(name, lambda x, shape, _n=name: getattr(x, _n)(xg.zeros(*shape, device=x.device)),
             ref, samples=derived(shapes(), kwargs, [edge]))
      for name, ref, kwargs, edge in [
          ("view_as", lambda x, shape: x.reshape(shape),
           lambda draw, s: {"shape": (int(np.prod(s)), 1)}, S((2, 3), shape=(3, 2))),
          ("reshape_as", lambda x, shape: x.reshape(shape),
           lambda draw, s: {"shape": tuple(reversed(s))}, S((), shape=(1,))),
          ("expand_as", lambda x, shape: np.broadcast_to(x, shape),
           lambda draw, s: {"shape": (2,) + s}, S((1, 3), shape=(2, 3)))]),
    *(OpInfo(name, lambda *xs, n, _n=name: getattr(xg, _n)(xs),
             lambda *xs, n, _n=name: getattr(np, _n)(xs), samples=STACKS)
      for name in ("hstack", "vstack", "dstack", "column_stack")),
    OpInfo("meshgrid", lambda *xs, indexing: xg.meshgrid(*xs, indexing=indexing),
           lambda *xs, indexing: np.meshgrid(*xs, indexing=indexing),
           samples=Samples(_meshgrid(), (Sample(((2,), (3,)), {"indexing": "ij"}),
                                         Sample(((2,), (3,), (1,)), {"indexing": "xy"}),
                                         Sample(((), (2,)), {"indexing": "ij"})))),
    *(OpInfo(f"atleast_{k}d", getattr(xg, f"atleast_{k}d"), getattr(np, f"atleast_{k}d"))
      for k in (1, 2, 3)),
    OpInfo("nonzero", lambda x, as_tuple: x.nonzero(as_tuple=as_tuple),
           lambda x, as_tuple: np.nonzero(np.atleast_1d(x)) if as_tuple else np.argwhere(x),
           samples=unary({"as_tuple": [False, True]}), adjust=_fixed_zeros, differentiable=False),
    OpInfo("argwhere", xg.argwhere, np.argwhere, adjust=_fixed_zeros, differentiable=False),
]
