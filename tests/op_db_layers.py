"""Registry entries of the layers beyond the lectures' set (nn/functional_layers.py), appended
to tests/op_db.py's OPS; import it only through op_db (the losses: op_db_losses.py). Index
tensors travel in kwargs as NumPy arrays, put on the sample's device inside the op.
PyTorch cross-checks: tests/test_nn_layers_extra.py.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

import xpgrad as xg
import xpgrad.nn.functional as F
from op_db import ErrorInput as E, OpInfo, other_device, t
from op_samples import Sample, Samples, ints, shapes



def _on(a: Any, x: xg.Tensor) -> xg.Tensor:
    return xg.tensor(a, device=x.device)


def _fixed(edges: list) -> Samples:
    """Hypothesis draws among the fixed samples (with fresh values each time)."""
    return Samples(st.sampled_from(tuple(edges)), tuple(edges))


# ---- normalisation ---------------------------------------------------------------------------
def _np_norm_trailing(x: Any, k: int, eps: float = 1e-5) -> Any:
    axes = tuple(range(x.ndim - k, x.ndim))
    if x.size == 0:
        return x.copy()
    xc = x - x.mean(axis=axes, keepdims=True)
    return xc / np.sqrt((xc ** 2).mean(axis=axes, keepdims=True) + eps)


def _split(params: tuple, affine: str) -> tuple:
    """(weight or None, bias or None) from the inputs after x."""
    params = list(params)
    w = params.pop(0) if affine in ("both", "weight") else None
    return w, (params.pop(0) if affine in ("both", "bias") else None)


def _affine(y: Any, params: tuple, affine: str, pshape: tuple) -> Any:
    w, b = _split(params, affine)
    y = y if w is None else y * w.reshape(pshape)
    return y if b is None else y + b.reshape(pshape)


N_PARAMS = {"none": 0, "weight": 1, "bias": 1, "both": 2}
AFFINE = st.sampled_from(["none", "weight", "bias", "both"])


@st.composite
def _layer_norm_sample(draw: Any) -> Sample:
    shape = draw(shapes(min_dims=1))
    k = draw(ints(1, len(shape)))
    affine = draw(AFFINE)
    return Sample((shape,) + (shape[len(shape) - k:],) * N_PARAMS[affine],
                  {"k": k, "affine": affine})


@st.composite
def _group_norm_sample(draw: Any) -> Sample:
    g, per = draw(ints(1, 3)), draw(ints(1, 2))
    shape = (draw(ints(0, 2)), g * per) + draw(shapes(max_dims=2))
    affine = draw(AFFINE)
    return Sample((shape,) + ((g * per,),) * N_PARAMS[affine], {"groups": g, "affine": affine})


def _np_gn(x: Any, *params: Any, groups: int, affine: str) -> Any:
    n = x.shape[0]
    y = _np_norm_trailing(x.reshape(n, groups, -1) if x.size else x.reshape(n, groups, 0), 1)
    return _affine(y.reshape(x.shape), params, affine, (x.shape[1],) + (1,) * (x.ndim - 2))


def _with_params(shape: tuple, c: int, affine: str, **kw: Any) -> Sample:
    return Sample((shape,) + ((c,),) * N_PARAMS[affine], {"affine": affine, **kw})


# ---- embedding and pad -----------------------------------------------------------------------
@st.composite
def _embedding_sample(draw: Any) -> Sample:
    n, dim = draw(ints(1, 4)), draw(ints(0, 3))
    idx = np.array(draw(st.lists(ints(0, n - 1), max_size=6)), dtype=np.int64)
    idx = idx.reshape((2, -1)) if idx.size % 2 == 0 and draw(st.booleans()) else idx
    padding = draw(st.none() | ints(-n, n - 1))
    return Sample(((n, dim),), {"idx": idx, "padding_idx": padding})


PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _np_pad(x: Any, pad: tuple, mode: str, value: float = 0.0) -> Any:
    pairs = [(0, 0)] * (x.ndim - len(pad) // 2) + [pad[i:i + 2]
                                                   for i in range(len(pad) - 2, -1, -2)]
    crop = lambda a: a[tuple(slice(max(-lo, 0), n - max(-hi, 0))  # noqa: E731
                             for n, (lo, hi) in zip(a.shape, pairs))]
    x = crop(x) if mode == "circular" else x               # circular wraps the cropped input
    kw = {"constant_values": value} if mode == "constant" else {}
    out = np.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in pairs], PAD_MODES[mode],
                 **kw) if x.ndim else x.copy()
    return out if mode == "circular" else crop(out)


@st.composite
def _pad_sample(draw: Any, mode: str) -> Sample:
    shape = draw(shapes(min_dims=1, min_side=0 if mode == "constant" else 2))
    k = draw(ints(1, len(shape)))
    pad = []
    for n in reversed(shape[len(shape) - k:]):
        hi = max(n - 1 if mode == "reflect" else n - n // 2 * (mode == "circular"), 0)
        pad += [draw(ints(-(n // 2), hi)), draw(ints(0, hi))]            # lo < 0: crop
    value = {"value": draw(st.sampled_from([0.0, 1.5, -2.0]))} if mode == "constant" else {}
    return Sample((shape,), {"pad": tuple(pad), "mode": mode, **value})


PAD_ERRORS = [
    ((2, 3), (1,), {}, ValueError, "pad: padding length must be divisible by 2, got 1"),
    ((2,), (1, 1, 1, 1), {}, ValueError, "pad: padding length should be less than or equal to"),
    ((2, 3), (3, 0), {"mode": "reflect"}, ValueError, "pad: padding size should be less than"),
    ((2, 3), (4, 0), {"mode": "circular"}, ValueError, "pad: .* would wrap around more than once"),
    ((2, 3), (1, 1), {"mode": "reflect", "value": 2.0}, ValueError, "doesn't take in value"),
    ((2, 3), (1, 1), {"mode": "wrap"}, NotImplementedError, "pad: unrecognised padding mode"),
    ((2, 3), (-2, -2), {}, ValueError, "pad: the input size 3, .* negative output size")]


def _pad_edges(mode: str) -> tuple:
    kw = {"mode": mode, **({"value": 0.5} if mode == "constant" else {})}
    edges = [((2, 3), (1, 2)), ((2, 3, 3), (1, 1, 2, 0)), ((3,), (0, 0)), ((2, 3), (-1, 1))]
    if mode == "constant":
        edges += [((2, 0), (1, 1)), ((), ()), ((2, 3), (-2, -1, 1, 0))]
    return tuple(Sample((s,), {"pad": p, **kw}) for s, p in edges)


# ---- distances -------------------------------------------------------------------------------
def _np_norm(x: Any, p: float, axis: int, keepdims: bool = False) -> Any:
    a = np.abs(x)
    if p == math.inf:
        return a.max(axis=axis, keepdims=keepdims)
    return (a ** p).sum(axis=axis, keepdims=keepdims) ** (1.0 / p)


def _np_cos(a: Any, b: Any, dim: int) -> Any:
    a, b = (v / np.maximum(_np_norm(v, 2, dim, True), 1e-8) for v in np.broadcast_arrays(a, b))
    return (a * b).sum(dim)


PAIRS = [((2, 3), (2, 3), 1), ((3,), (3,), 0), ((2, 3), (3,), -1), ((1, 3), (2, 3), 1),
         ((2, 1, 3), (2, 2, 3), 2), ((2, 3), (2, 1), 0)]


def _pad_row(w: Any, p: Any) -> Any:          # zeroed, as its gradient: finite differences agree
    mask = (np.arange(w.shape[0]) != (-1 if p is None else p % w.shape[0]))[:, None] * 1.0
    return w * (_on(mask, w).astype(w.dtype) if isinstance(w, xg.Tensor) else mask.astype(w.dtype))


OPS: list = [
    OpInfo("layer_norm", lambda x, *ps, k, affine: F.layer_norm(
        x, tuple(x.shape[x.ndim - k:]), *_split(ps, affine)), lambda x, *ps, k, affine: _affine(
        _np_norm_trailing(x, k), ps, affine, x.shape[x.ndim - k:]),
        samples=Samples(_layer_norm_sample(), tuple(Sample(
            (s,) + (s[len(s) - k:],) * N_PARAMS[a], {"k": k, "affine": a}) for s, k, a in [
            ((2, 3), 1, "both"), ((2, 3, 2), 2, "weight"), ((4,), 1, "none"), ((3, 1), 1, "bias"),
            ((2, 3), 2, "both"), ((0, 3), 1, "both"), ((2, 0), 1, "both")])),
        errors=(E(lambda d: F.layer_norm(t(d, 2, 3), (4,)), ValueError,
                  r"layer_norm: given normalized_shape=\[4\].*\(2, 3\)"),
                E(lambda d: F.layer_norm(t(d, 2, 3), (3,), t(d, 4)), ValueError,
                  r"layer_norm: weight must have shape \(3,\), got \(4,\)"),
                E(lambda d: F.layer_norm(t(d, 2, 3), (3,), t(other_device(d), 3)), RuntimeError,
                  "layer_norm: input is on"),
                E(lambda d: F.layer_norm(t(d, 2, 3, dtype="int64"), (3,)), TypeError,
                  "layer_norm: expected a floating-point input, got int64"))),
    OpInfo("group_norm", lambda x, *ps, groups, affine: F.group_norm(
        x, groups, *_split(ps, affine)), _np_gn, samples=Samples(_group_norm_sample(), tuple(
        _with_params(s, s[1], a, groups=g) for s, g, a in [
            ((2, 4, 3), 2, "both"), ((3, 2), 1, "none"), ((2, 6, 2, 2), 3, "weight"),
            ((1, 3, 1), 3, "bias"), ((0, 4, 2), 2, "both")])),
        errors=(E(lambda d: F.group_norm(t(d, 2, 3, 4), 2), ValueError,
                  r"group_norm: expected the number of channels 3 .* divisible by num_groups=2"),
 )),
    OpInfo("instance_norm", lambda x, *ps, affine: F.instance_norm(
        x, None, None, *_split(ps, affine)), lambda x, *ps, affine: _affine(_np_norm_trailing(
        x, x.ndim - 2), ps, affine, (x.shape[1],) + (1,) * (x.ndim - 2)), samples=_fixed([
        _with_params(s, s[1], a) for s, a in [((2, 3, 4), "both"), ((1, 2, 3, 2), "none"),
                                              ((2, 1, 2), "weight"), ((0, 2, 3), "bias")]]),
        errors=(E(lambda d: F.instance_norm(t(d, 2, 3, 1)), ValueError,
                  r"Expected more than 1 spatial element when training, got input size "
                  r"\[2, 3, 1\]"),)),
    OpInfo("embedding", lambda w, idx, padding_idx: F.embedding(
        _on(idx, w), _pad_row(w, padding_idx), padding_idx),
           lambda w, idx, padding_idx: _pad_row(w, padding_idx)[idx],
        samples=Samples(_embedding_sample(), tuple(Sample(
            (w,), {"idx": np.array(i, dtype=np.int64), "padding_idx": p}) for w, i, p in [
            ((4, 3), [[0, 2, 2], [3, 0, 2]], None), ((4, 3), [1, 1, 1, 0], 1), ((3, 2), 2, None),
            ((3, 2), [], 0), ((5, 2), [[4, 0], [4, 4]], -1), ((2, 0), [1, 0], None)])),
        errors=(E(lambda d: F.embedding(xg.tensor([0.0, 1.0], device=d), t(d, 3, 2)), TypeError,
                  "embedding: indices must be an integer tensor, got float32"),
                E(lambda d: F.embedding(xg.tensor([0], device=other_device(d)), t(d, 3, 2)),
                  RuntimeError, "embedding: indices are on"),
                E(lambda d: F.embedding(xg.tensor([0], device=d), t(d, 3, 2), padding_idx=3),
                  ValueError, r"embedding: padding_idx must be within num_embeddings \(3\)"),
                E(lambda d: F.embedding(xg.tensor([0], device=d), t(d, 3, 2), sparse=True),
                  NotImplementedError, "embedding: sparse gradients are not supported"))),
    *(OpInfo(f"pad_{mode}", F.pad, _np_pad, samples=Samples(_pad_sample(mode), _pad_edges(mode)))
      for mode in ("reflect", "replicate", "circular")),
    OpInfo("pad_constant", F.pad, _np_pad, samples=Samples(_pad_sample("constant"),
                                                          _pad_edges("constant")),
           errors=tuple(E(lambda d, s=s, p=p, kw=kw: F.pad(t(d, *s), p, **kw), error, match)
                        for s, p, kw, error, match in PAD_ERRORS)),
    OpInfo("cosine_similarity", lambda a, b, dim: F.cosine_similarity(a, b, dim), _np_cos,
           samples=_fixed([Sample((a, b), {"dim": d}) for a, b, d in PAIRS]),
           errors=(E(lambda d: F.cosine_similarity(t(d, 2, 3), t(d, 4, 3)), ValueError,
                     r"cosine_similarity: shapes \(2, 3\) and \(4, 3\) cannot be broadcast"),
                   E(lambda d: F.cosine_similarity(t(d, 3), t(d, 3)), ValueError,
                     "cosine_similarity: axis 1 is out of range"))),
    OpInfo("pairwise_distance", lambda a, b, p: F.pairwise_distance(a, b, p),
           lambda a, b, p: _np_norm(a - b + 1e-6, p, -1), samples=_fixed([
               Sample((a, b), {"p": p})
               for (a, b, _), p in zip(PAIRS, [2, 1, 3, math.inf, 2, 1.5])])),
    OpInfo("normalize", lambda x, p, dim: F.normalize(x, p, dim),
           lambda x, p, dim: x / np.maximum(_np_norm(x, p, dim, True), 1e-12),
           samples=_fixed([Sample((s,), {"p": p, "dim": d}) for s, p, d in [
               ((2, 3), 2, 1), ((3,), 2, 0), ((2, 3, 2), 1, -1), ((2, 3), 3, 0),
               ((2, 4), math.inf, 1), ((0, 3), 2, 1)]])),
]
