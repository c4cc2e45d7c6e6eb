"""The shape and indexing ops beyond the core against PyTorch (skipped without it): values,
dtypes, shapes, gradients, defaults, edge cases (0-d, empty, negative dims) and errors, on cpu
and strict:device1. Each case is one function of ``m`` (xpgrad or torch): one spelling."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import xpgrad as xg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A23 = RNG.standard_normal((2, 3)).astype(np.float32)
A234 = RNG.standard_normal((2, 3, 4)).astype(np.float32)
A5 = RNG.standard_normal(5).astype(np.float32)
S = np.array(1.5, dtype=np.float32)
E = np.zeros((0, 3), dtype=np.float32)
I23 = np.arange(6).reshape(2, 3)


def T(m: Any, values: Any, dtype: str | None = None) -> Any:
    """A constant tensor of ``m`` (int64 for integer data, as both libraries default)."""
    if m is torch:
        return torch.tensor(np.asarray(values), dtype=dtype and getattr(torch, dtype))
    return xg.tensor(np.asarray(values), dtype=dtype, device=_DEVICE[0])


_DEVICE = ["cpu"]

# (id, inputs, fn(m, *tensors)); float inputs require grad and are checked by gradient too
CASES: list[tuple[str, tuple, Callable]] = [
    ("flip", (A234,), lambda m, x: x.flip(0, 2)),
    ("flip_list", (A23,), lambda m, x: m.flip(x, [1])),
    ("flip_neg_tuple", (A234,), lambda m, x: x.flip((-1, 0))),
    ("flip_none", (A23,), lambda m, x: x.flip(())),
    ("flip_0d", (S,), lambda m, x: x.flip(0) * x.flip(-1)),
    ("flip_empty", (E,), lambda m, x: x.flip(1)),
    ("fliplr", (A234,), lambda m, x: m.fliplr(x)),
    ("flipud", (A5,), lambda m, x: x.flipud()),
    ("roll_flat", (A23,), lambda m, x: x.roll(1)),
    ("roll_flat_tuple", (A23,), lambda m, x: m.roll(x, (-4,))),
    ("roll_dim", (A23,), lambda m, x: x.roll(-1, 1)),
    ("roll_dims", (A234,), lambda m, x: x.roll((1, 5), (0, -1))),
    ("roll_repeated_dim", (A23,), lambda m, x: x.roll((1, 1), (1, 1))),
    ("roll_0d", (S,), lambda m, x: x.roll(3)),
    ("roll_kw", (A23,), lambda m, x: m.roll(x, shifts=2, dims=1)),
    ("tril", (A234,), lambda m, x: x.tril()),
    ("tril_k", (A234,), lambda m, x: m.tril(x, -1) + m.tril(x, diagonal=2)),
    ("triu", (A23,), lambda m, x: x.triu(1) + m.triu(x, -5)),
    ("triu_int", (I23,), lambda m, x: x.triu()),
    ("repeat", (A23,), lambda m, x: x.repeat(2, 1)),
    ("repeat_more", (A23,), lambda m, x: x.repeat((2, 1, 3))),
    ("repeat_zero", (A23,), lambda m, x: x.repeat(0, 2)),
    ("repeat_0d", (S,), lambda m, x: x.repeat(2, 3)),
    ("repeat_0d_empty", (S,), lambda m, x: x.repeat(())),
    ("tile", (A23,), lambda m, x: x.tile(2)),
    ("tile_tuple", (A23,), lambda m, x: m.tile(x, (2, 1, 2))),
    ("tile_0d", (S,), lambda m, x: m.tile(x, ())),
    ("repeat_interleave", (A23,), lambda m, x: x.repeat_interleave(2)),
    ("repeat_interleave_dim", (A23,), lambda m, x: m.repeat_interleave(x, 3, dim=-1)),
    ("repeat_interleave_tensor", (A23,),
     lambda m, x: x.repeat_interleave(T(m, [1, 2]), dim=0)),
    ("repeat_interleave_size1", (A23,), lambda m, x: x.repeat_interleave(T(m, [2]), dim=1)),
    ("repeat_interleave_0d_tensor", (A23,), lambda m, x: x.repeat_interleave(T(m, 2), dim=0)),
    ("repeat_interleave_flat_tensor", (A5,),
     lambda m, x: x.repeat_interleave(T(m, [0, 1, 2, 0, 3]))),
    ("repeat_interleave_counts", (), lambda m: m.repeat_interleave(T(m, [1, 0, 3]))),
    ("repeat_interleave_int32", (), lambda m: m.repeat_interleave(T(m, [2, 1], "int32"))),
    ("repeat_interleave_output_size", (A23,),
     lambda m, x: x.repeat_interleave(T(m, [1, 2]), dim=0, output_size=3)),
    ("repeat_interleave_0d", (S,), lambda m, x: x.repeat_interleave(2)),
    ("chunk", (A5,), lambda m, x: x.chunk(3)),
    ("chunk_even", (A234,), lambda m, x: m.chunk(x, 4, dim=-1)),
    ("chunk_more_than_size", (A23,), lambda m, x: x.chunk(5, 1)),
    ("chunk_empty", (E,), lambda m, x: x.chunk(3)),
    ("unbind", (A23,), lambda m, x: x.unbind()),
    ("unbind_dim", (A234,), lambda m, x: m.unbind(x, dim=-1)),
    ("narrow", (A234,), lambda m, x: x.narrow(1, 1, 2)),
    ("narrow_negative", (A5,), lambda m, x: m.narrow(x, 0, -2, 2)),
    ("narrow_end", (A23,), lambda m, x: x.narrow(-1, 3, 0)),
    ("movedim", (A234,), lambda m, x: x.movedim(0, -1)),
    ("movedim_tuple", (A234,), lambda m, x: m.movedim(x, (0, 1), (2, 0))),
    ("moveaxis", (A234,), lambda m, x: m.moveaxis(x, -1, 0) + 0 * x.moveaxis(0, 0).sum()),
    ("movedim_0d", (S,), lambda m, x: x.movedim(0, 0)),
    ("swapdims", (A234,), lambda m, x: x.swapdims(0, -1) + m.swapaxes(x, 2, 0)),
    ("unflatten", (A234,), lambda m, x: x.unflatten(-1, (2, -1))),
    ("unflatten_ones", (A23,), lambda m, x: m.unflatten(x, 0, (1, 2, 1))),
    ("gather", (A23,), lambda m, x: x.gather(1, T(m, [[0, 2, 2, 1], [1, 1, 0, 0]]))),
    ("gather_small", (A234,), lambda m, x: m.gather(x, 0, T(m, [[[1], [0]]]))),
    ("gather_empty", (A23,), lambda m, x: x.gather(1, T(m, np.zeros((2, 0), np.int64)))),
    ("gather_0d", (S,), lambda m, x: x.gather(0, T(m, 0))),
    ("gather_0d_vector", (S,), lambda m, x: x.gather(0, T(m, [0, 0]))),
    ("gather_int", (I23,), lambda m, x: x.gather(0, T(m, [[1, 0, 1]]))),
    ("gather_int32_index", (A23,), lambda m, x: x.gather(-1, T(m, [[2], [0]], "int32"))),
    ("scatter_src", (A23, A234[0, :2, :2]),
     lambda m, x, s: x.scatter(1, T(m, [[2, 0], [1, 2]]), s)),
    ("scatter_value", (A23,), lambda m, x: x.scatter(0, T(m, [[1, 0, 1]]), 7.5)),
    ("scatter_value_kw", (A23,), lambda m, x: m.scatter(x, 1, T(m, [[0], [2]]), value=-1)),
    ("scatter_int_value", (I23,), lambda m, x: x.scatter(1, T(m, [[0], [2]]), 7)),
    ("scatter_0d", (S, S), lambda m, x, s: x.scatter(0, T(m, 0), s)),
    ("scatter_add", (A23, A234[1]),
     lambda m, x, s: x.scatter_add(1, T(m, [[0, 0, 2, 0], [1, 1, 1, 1]]), s[:2])),
    ("scatter_add_fn", (A5, A5[:3]), lambda m, x, s: m.scatter_add(x, 0, T(m, [4, 4, 0]), s)),
    ("index_select", (A234,), lambda m, x: x.index_select(1, T(m, [2, 0, 2]))),
    ("index_select_0d_index", (A23,), lambda m, x: m.index_select(x, -1, T(m, 1))),
    ("index_select_empty", (A23,), lambda m, x: x.index_select(0, T(m, np.zeros(0, np.int64)))),
    ("index_select_0d", (S,), lambda m, x: x.index_select(0, T(m, 0))),
    ("take_along_dim", (A23,), lambda m, x: x.take_along_dim(T(m, [[0, -1], [2, 2]]), 1)),
    ("take_along_dim_flat", (A23,), lambda m, x: m.take_along_dim(x, T(m, [5, 1, 0]))),
    ("take_along_dim_broadcast", (A23[:1],),
     lambda m, x: x.take_along_dim(T(m, [[0], [2]]), dim=1)),
    ("take_along_dim_argmax", (A234,), lambda m, x: x.take_along_dim(
        T(m, np.argmax(A234, axis=2)[..., None]), dim=2)),
    ("masked_fill", (A23,), lambda m, x: x.masked_fill(T(m, I23 % 2 == 0), -1.0)),
    ("masked_fill_broadcast_mask", (A5,), lambda m, x: m.masked_fill(
        x, T(m, [[True], [False]]), 0.5)),
    ("masked_fill_row_mask", (A23,), lambda m, x: x.masked_fill(T(m, [True, False, True]), 2)),
    ("masked_fill_inf", (A23,), lambda m, x: x.masked_fill(T(m, I23 > 3), float("-inf")).exp()),
    ("masked_fill_tensor_value", (A23, S), lambda m, x, v: x.masked_fill(T(m, I23 > 2), v)),
    ("masked_fill_f64_value", (A23,), lambda m, x: x.masked_fill(T(m, I23 > 2),
                                                                  T(m, 2.0, "float64"))),
    ("masked_fill_int", (I23,), lambda m, x: x.masked_fill(T(m, I23 > 2), 2.7)),
    ("masked_fill_0d_input", (S,), lambda m, x: m.masked_fill(x, T(m, [True, False]), 1.0)),
    ("masked_select", (A23,), lambda m, x: x.masked_select(T(m, I23 % 3 == 1))),
    ("masked_select_broadcast", (A5,), lambda m, x: m.masked_select(
        x, T(m, [[True], [False]]))),
    ("masked_select_0d", (S,), lambda m, x: x.masked_select(T(m, True))),
    ("diagonal", (A23,), lambda m, x: x.diagonal()),
    ("diagonal_offsets", (A23,), lambda m, x: m.cat([x.diagonal(1), x.diagonal(-1),
                                                      x.diagonal(offset=2)])),
    ("diagonal_dims", (A234,), lambda m, x: x.diagonal(1, 2, 0)),
    ("diagonal_dims_kw", (A234,), lambda m, x: m.diagonal(x, dim1=-1, dim2=-2)),
    ("diagonal_past_end", (A23,), lambda m, x: x.diagonal(5)),
    ("diag_1d", (A5[:3],), lambda m, x: m.diag(x)),
    ("diag_1d_offset", (A5[:2],), lambda m, x: x.diag(-1)),
    ("diag_2d", (A23,), lambda m, x: x.diag(1)),
    ("diag_empty", (A5[:0],), lambda m, x: m.diag(x)),
    ("diag_embed", (A23,), lambda m, x: x.diag_embed()),
    ("diag_embed_offset", (A23,), lambda m, x: m.diag_embed(x, 1, -1, -2)),
    ("diag_embed_dims", (A23,), lambda m, x: x.diag_embed(offset=-2, dim1=0, dim2=2)),
    ("view_as", (A23, A5[:1]), lambda m, x, o: x.view_as(m.zeros(3, 2)) + o),
    ("reshape_as", (A234,), lambda m, x: x.reshape_as(m.zeros(4, 6))),
    ("expand_as", (A5[:3],), lambda m, x: x.expand_as(m.zeros(2, 3))),
    ("hstack", (A23, A23), lambda m, a, b: m.hstack([a, b])),
    ("hstack_1d", (A5, A5[:2]), lambda m, a, b: m.hstack((a, b))),
    ("hstack_0d", (S, S), lambda m, a, b: m.hstack([a, b])),
    ("hstack_promote", (A23,), lambda m, a: m.hstack([a, T(m, np.ones((2, 1)))])),
    ("hstack_int_float", (A23,), lambda m, a: m.hstack([a, T(m, np.ones((2, 1), np.int64))])),
    ("vstack", (A5[:3], A23), lambda m, a, b: m.vstack([a, b])),
    ("vstack_0d", (S, S), lambda m, a, b: m.vstack([a, b])),
    ("dstack", (A5[:3], A5[2:]), lambda m, a, b: m.dstack([a, b])),
    ("dstack_2d", (A23, A23), lambda m, a, b: m.dstack([a, b])),
    ("column_stack", (A5[:2], A23, S.reshape(1)), lambda m, a, b, c: m.column_stack(
        [a, b, c.expand(2)])),
    ("column_stack_0d", (S, S), lambda m, a, b: m.column_stack([a, b])),
    ("column_stack_3d", (A234, A234), lambda m, a, b: m.column_stack([a, b])),
    ("meshgrid_ij", (A5[:2], A5[:3]), lambda m, a, b: m.meshgrid(a, b, indexing="ij")),
    ("meshgrid_xy", (A5[:2], A5[:3], A5[:4]),
     lambda m, a, b, c: m.meshgrid(a, b, c, indexing="xy")),
    ("meshgrid_list", (A5[:2], A5[:3]), lambda m, a, b: m.meshgrid([a, b], indexing="xy")),
    ("meshgrid_0d", (S, A5[:2]), lambda m, a, b: m.meshgrid(a, b, indexing="ij")),
    ("meshgrid_one_xy", (A5[:2],), lambda m, a: m.meshgrid(a, indexing="xy")),
    ("atleast_1d", (S,), lambda m, x: m.atleast_1d(x)),
    ("atleast_1d_many", (S, A23), lambda m, x, y: m.atleast_1d(x, y)),
    ("atleast_1d_list", (S,), lambda m, x: m.atleast_1d([x])),
    ("atleast_2d", (A5,), lambda m, x: m.atleast_2d(x)),
    ("atleast_2d_0d", (S,), lambda m, x: m.atleast_2d(x)),
    ("atleast_3d", (A5, A23, S, A234), lambda m, *xs: m.atleast_3d(*xs)),
    ("tensor_split", (A5,), lambda m, x: x.tensor_split(3)),
    ("tensor_split_more", (A5[:2],), lambda m, x: m.tensor_split(x, 3)),
    ("tensor_split_indices", (A5,), lambda m, x: x.tensor_split([1, 4, 2, 7])),
    ("tensor_split_negative", (A23,), lambda m, x: x.tensor_split([-2], dim=1)),
    ("tensor_split_tensor", (A5,), lambda m, x: x.tensor_split(T(m, [1, 3]))),
    ("tensor_split_tensor_0d", (A5,), lambda m, x: x.tensor_split(T(m, 2))),
    ("nonzero", (), lambda m: T(m, [[0, 1, 0], [2, 0, 3]]).nonzero()),
    ("nonzero_tuple", (), lambda m: T(m, [[0, 1, 0], [2, 0, 3]]).nonzero(as_tuple=True)),
    ("nonzero_float", (), lambda m: m.nonzero(T(m, [0.0, 0.5, -1.0]))),
    ("nonzero_bool", (), lambda m: T(m, [[True, False]]).nonzero()),
    ("nonzero_0d", (), lambda m: T(m, 2.0).nonzero()),
    ("nonzero_0d_zero", (), lambda m: T(m, 0.0).nonzero()),
    ("nonzero_0d_tuple", (), lambda m: T(m, 2.0).nonzero(as_tuple=True)),
    ("nonzero_empty", (), lambda m: T(m, np.zeros((0, 2))).nonzero()),
    ("argwhere", (), lambda m: m.argwhere(T(m, [[0, 1], [1, 1]]))),
    ("argwhere_method", (), lambda m: T(m, [0, 4, 0]).argwhere()),
]


def _outputs(out: Any) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _dtype_name(t: Any) -> str:
    return str(t.dtype).replace("torch.", "")


@pytest.fixture(params=["cpu", "strict:device1"], ids=["cpu", "strict"])
def on_device(request):
    _DEVICE[0] = request.param
    yield request.param
    _DEVICE[0] = "cpu"


@pytest.mark.parametrize("inputs, fn", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_torch(inputs: tuple, fn: Callable, on_device: str) -> None:
    floating = [np.asarray(a).dtype.kind == "f" for a in inputs]
    ours = [xg.tensor(np.array(a), device=on_device, requires_grad=f)
            for a, f in zip(inputs, floating)]
    theirs = [torch.tensor(np.array(a), requires_grad=f) for a, f in zip(inputs, floating)]
    got, want = _outputs(fn(xg, *ours)), _outputs(fn(torch, *theirs))
    assert len(got) == len(want)
    for o, w in zip(got, want):
        assert tuple(o.shape) == tuple(w.shape), (o.shape, w.shape)
        assert o.dtype == _dtype_name(w), (o.dtype, w.dtype)
        assert o.requires_grad == w.requires_grad
        np.testing.assert_allclose(o.numpy(), w.detach().numpy(), rtol=1e-6, atol=1e-6)
    pairs = [(o, w) for o, w in zip(got, want) if w.requires_grad and w.numel()]
    if not pairs or not any(floating):
        return
    weights = [RNG.standard_normal(tuple(w.shape)).astype(np.float32) for _, w in pairs]
    loss_ours = sum((o * xg.tensor(c, device=on_device)).sum() for (o, _), c in zip(pairs, weights))
    loss_theirs = sum((w * torch.tensor(c)).sum() for (_, w), c in zip(pairs, weights))
    leaves_ours = [x for x, f in zip(ours, floating) if f]
    leaves_theirs = [x for x, f in zip(theirs, floating) if f]
    g_ours = xg.autograd.grad(loss_ours, leaves_ours, allow_unused=True)
    g_theirs = torch.autograd.grad(loss_theirs, leaves_theirs, allow_unused=True)
    for a, b in zip(g_ours, g_theirs):
        if b is None:
            assert a is None or not a.numpy().any()
            continue
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


# ---- scatter with a src larger than the index: torch's own backward refuses that case ------
def test_scatter_larger_src() -> None:
    """Forward as torch; the gradient of src is gather(grad) padded with zeros (torch 2.x
    raises 'invalid gradient' here, so its src-sized formula is checked by hand)."""
    x, src = A23, A234[0]
    index = np.array([[2, 0], [1, 2]])
    got = xg.tensor(x).scatter(1, xg.tensor(index), xg.tensor(src))
    want = torch.tensor(x).scatter(1, torch.tensor(index), torch.tensor(src))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    s = xg.tensor(src, requires_grad=True)
    w = RNG.standard_normal((2, 3)).astype(np.float32)
    (xg.tensor(x).scatter(1, xg.tensor(index), s) * xg.tensor(w)).sum().backward()
    expected = np.zeros_like(src)
    expected[:2, :2] = np.take_along_axis(w, index, 1)
    np.testing.assert_array_equal(s.grad.numpy(), expected)


# ---- errors: ours raise where torch raises (the types differ: IndexError/ValueError here) --
ERRORS = [
    ("gather_oob", lambda m, x: x.gather(1, T(m, [[3]])), IndexError, "gather: index 3 is out"),
    ("gather_bool_index", lambda m, x: x.gather(1, T(m, [[True]])), IndexError,
     "gather: index must be an integer tensor, got bool"),
    ("scatter_add_oob", lambda m, x: x.scatter_add(0, T(m, [[2]]), x), IndexError,
     "scatter_add: index 2 is out of bounds for (dimension|axis) 0 with size 2"),
    ("masked_fill_uint8", lambda m, x: x.masked_fill(T(m, [[1, 0, 1]], "uint8"), 0.0), TypeError,
     "masked_fill: mask must be a bool tensor, got uint8"),
    ("masked_fill_1d_value", lambda m, x: x.masked_fill(T(m, [True, False, True]), T(m, [1.0])),
     ValueError, "masked_fill: value must be a number or a 0-d tensor"),
    ("scatter_dtype", lambda m, x: x.scatter(0, T(m, [[0]]), T(m, [[1.0]], "float64")),
     TypeError, "scatter: src has dtype float64"),
    ("take_along_dim_ndim", lambda m, x: x.take_along_dim(T(m, [[[0]]]), 2), ValueError,
     "take_along_dim: input and indices need the same number of dimensions"),
    ("flip_repeated", lambda m, x: x.flip(0, 0), ValueError, "flip: repeated axis"),
    ("flip_dim", lambda m, x: x.flip(2), ValueError, "flip: axis 2 is out of range"),
    ("fliplr_1d", lambda m, x: m.fliplr(x[0]), ValueError, "fliplr: needs at least 2"),
    ("roll_lengths", lambda m, x: x.roll((1, 1), 0), ValueError,
     r"roll: shifts \(1, 1\) and dims \(0,\) must have the same length"),
    ("roll_no_dims", lambda m, x: x.roll((1, 2)), ValueError, "roll: without dims, shifts must"),
    ("roll_0d_dim", lambda m, x: x.sum().roll(1, 0), ValueError, "roll: axis 0 is out of range"),
    ("tril_1d", lambda m, x: x[0].tril(), ValueError, "tril: needs at least 2 dimensions"),
    ("triu_1d", lambda m, x: m.triu(x[0]), ValueError, "triu: needs at least 2 dimensions"),
    ("repeat_fewer", lambda m, x: x.repeat(2), ValueError,
     r"repeat: needs at least one size per dimension of shape \(2, 3\)"),
    ("repeat_negative", lambda m, x: x.repeat(-1, 1), ValueError, "repeat: sizes must be non-neg"),
    ("repeat_interleave_negative_int", lambda m, x: x.repeat_interleave(-1), ValueError,
     "repeat_interleave: repeats must be non-negative"),
    ("repeat_interleave_negative", lambda m, x: x.repeat_interleave(T(m, [1, -1]), dim=0),
     ValueError, "repeat_interleave: .*negative"),
    ("repeat_interleave_length", lambda m, x: x.repeat_interleave(T(m, [1, 1, 1]), dim=0),
     ValueError, "repeat_interleave: repeats has 3 entries but the input has 2"),
    ("repeat_interleave_2d_repeats", lambda m, x: x.repeat_interleave(T(m, [[1, 2]]), dim=0),
     ValueError, "repeat_interleave: repeats must be 0-d or 1-d"),
    ("chunk_zero", lambda m, x: x.chunk(0), ValueError, "chunk: chunks must be a positive int"),
    ("chunk_0d", lambda m, x: x.sum().chunk(1), ValueError, "chunk: expects a tensor"),
    ("tensor_split_zero", lambda m, x: x.tensor_split(0), ValueError,
     "tensor_split: number of sections must be positive"),
    ("tensor_split_0d", lambda m, x: x.sum().tensor_split(1), ValueError, "tensor_split"),
    ("unbind_0d", lambda m, x: x.sum().unbind(), ValueError, "unbind: axis 0 is out"),
    ("narrow_past_end", lambda m, x: x.narrow(1, 2, 2), ValueError,
     r"narrow: start \(2\) \+ length \(2\) exceeds"),
    ("narrow_start", lambda m, x: x.narrow(1, -4, 0), IndexError,
     "narrow: start -4 is out of range"),
    ("narrow_negative_length", lambda m, x: x.narrow(0, 1, -1), ValueError,
     "narrow: length must be non-negative"),
    ("narrow_0d", lambda m, x: x.sum().narrow(0, 0, 1), ValueError, "narrow: cannot be applied"),
    ("movedim_repeated", lambda m, x: x.movedim((0, 0), (0, 1)), ValueError,
     r"movedim: repeated dim in source \(0, 0\)"),
    ("movedim_lengths", lambda m, x: x.movedim((0, 1), (1,)), ValueError,
     "movedim: source .* and destination .* must have the same length"),
    ("unflatten_sizes", lambda m, x: x.unflatten(1, (2, -1)), ValueError,
     r"unflatten: sizes \(2, -1\) do not multiply up to 3"),
    ("unflatten_empty", lambda m, x: x.unflatten(1, ()), ValueError, "unflatten: sizes must be"),
    ("unflatten_two_unknown", lambda m, x: x.unflatten(1, (-1, -1)), ValueError, "unflatten"),
    ("diagonal_same_dims", lambda m, x: x.diagonal(0, 1, -1), ValueError,
     "diagonal: dim1 and dim2 cannot be the same dimension"),
    ("diagonal_1d", lambda m, x: x[0].diagonal(), ValueError, "diagonal: axis 1 is out"),
    ("diag_0d", lambda m, x: m.diag(x.sum()), ValueError, r"diag: supports 1-D or 2-D tensors"),
    ("diag_3d", lambda m, x: m.diag(x.unsqueeze(0)), ValueError, "diag: supports 1-D or 2-D"),
    ("diag_embed_same_dims", lambda m, x: x.diag_embed(0, 0, 0), ValueError,
     "diag_embed: dim1 and dim2 cannot be the same"),
    ("diag_embed_0d", lambda m, x: m.diag_embed(x.sum()), ValueError, "diag_embed"),
    ("meshgrid_2d", lambda m, x: m.meshgrid(x, indexing="ij"), ValueError,
     "meshgrid: expects 0-d or 1-d tensors"),
    ("meshgrid_indexing", lambda m, x: m.meshgrid(x[0], indexing="yx"), ValueError,
     "meshgrid: indexing must be"),
    ("meshgrid_dtypes", lambda m, x: m.meshgrid(x[0], T(m, [1, 2]), indexing="ij"), TypeError,
     "meshgrid: all tensors need the same dtype"),
    ("hstack_empty", lambda m, x: m.hstack([]), ValueError, "hstack: expected a non-empty"),
    ("hstack_ndims", lambda m, x: m.hstack([x[0], x]), ValueError, "concat"),
]


@pytest.mark.parametrize("fn, error, match", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_where_torch_errors(fn: Callable, error: type, match: str, on_device: str) -> None:
    with pytest.raises(Exception):
        fn(torch, torch.tensor(A23))
    with pytest.raises(error, match=match):
        fn(xg, xg.tensor(A23, device=on_device))


NEGATIVE = [("gather", lambda m, x, i: x.gather(1, i)),
            ("scatter", lambda m, x, i: x.scatter(1, i, 0.0)),
            ("scatter_add", lambda m, x, i: x.scatter_add(1, i, x)),
            ("index_select", lambda m, x, i: x.index_select(1, i.reshape(-1)))]


@pytest.mark.parametrize("name, fn", NEGATIVE, ids=[n for n, _ in NEGATIVE])
def test_negative_indices_raise_on_the_cpu(name: str, fn: Callable) -> None:
    """gather, scatter, scatter_add and index_select take no negative index (as torch); the
    CPU reads the indices to say so (other devices do not read them back)."""
    with pytest.raises((RuntimeError, IndexError)):
        fn(torch, torch.tensor(A23), torch.tensor([[-1]]))
    with pytest.raises(IndexError, match=name + ": index -1 is out of bounds for dimension 1 "
                                                "with size 3"):
        fn(xg, xg.tensor(A23), xg.tensor([[-1]]))


def test_take_along_dim_negative_indices() -> None:
    """Negative indices count from the end down to -n, with dim=None too (torch refuses them
    there and wraps erratically past -n); an index outside [-n, n) raises."""
    x = xg.tensor(A23)
    np.testing.assert_array_equal(x.take_along_dim(xg.tensor([[-3], [-1]]), 1).numpy(),
                                  A23[[0, 1], [0, 2]][:, None])
    np.testing.assert_array_equal(x.take_along_dim(xg.tensor([-6, 5])).numpy(),
                                  A23.reshape(-1)[[0, 5]])
    for bad in (-4, 3):          # torch reads past the end here without an error
        with pytest.raises(IndexError, match=f"take_along_dim: index {bad} is out of bounds "
                                             "for dimension 1 with size 3"):
            x.take_along_dim(xg.tensor([[bad]]), 1)


def test_oob_index_on_the_strict_device_names_the_op() -> None:
    """Off the CPU the values are not read back; a positive index past the end still raises
    from the backend's indexing, named after the op."""
    x = xg.tensor(A23, device="strict:device1")
    for call, name in [(lambda i: x.gather(1, i), "gather"),
                       (lambda i: x.scatter(1, i, 0.0), "scatter"),
                       (lambda i: x.scatter_add(1, i, x[:1, :1]), "scatter_add"),
                       (lambda i: x.index_select(1, i.reshape(-1)), "index_select")]:
        with pytest.raises(IndexError, match=name + ": index 3 is out of bounds"):
            call(xg.tensor([[3]], device="strict:device1"))


def test_nonzero_feeds_getitem() -> None:
    x = xg.tensor(A23)
    np.testing.assert_array_equal(x[(x > 0).nonzero(as_tuple=True)].numpy(), A23[A23 > 0])


FUNCTIONS = """flip fliplr flipud roll tril triu repeat tile repeat_interleave chunk unbind narrow
    movedim moveaxis swapdims swapaxes unflatten gather scatter scatter_add index_select
    take_along_dim masked_fill masked_select diagonal diag diag_embed view_as reshape_as
    expand_as hstack vstack dstack column_stack meshgrid atleast_1d atleast_2d atleast_3d
    tensor_split nonzero argwhere""".split()
NOT_METHODS = {"swapaxes", "hstack", "vstack", "dstack", "column_stack", "meshgrid",
               "atleast_1d", "atleast_2d", "atleast_3d"}      # torch has none of these methods


def test_public_names_and_methods() -> None:
    for name in FUNCTIONS:
        assert getattr(xg, name).__doc__, name
        assert hasattr(torch, name) or hasattr(torch.Tensor, name), name
        if name not in NOT_METHODS:
            assert getattr(xg.Tensor, name).__doc__ and hasattr(torch.Tensor, name), name
