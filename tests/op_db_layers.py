"""Registry entries of the layers and losses beyond the lectures' set (nn/functional_layers.py),
appended to tests/op_db.py's OPS; import it only through op_db. Index and label tensors travel
in kwargs as NumPy arrays, put on the sample's device inside the op; float targets are inputs
(their gradients are checked too). PyTorch cross-checks: tests/test_nn_{layers,losses}_extra.py.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

import xpgrad as xg
import xpgrad.nn.functional as F
from op_db import ErrorInput as E, OpInfo, other_device, t
from op_samples import Sample, Samples, away_from, ints, shapes

REDUCTIONS = ["mean", "sum", "none"]


def _on(a: Any, x: xg.Tensor) -> xg.Tensor:
    return xg.tensor(a, device=x.device)


def _fixed(edges: list) -> Samples:
    """Hypothesis draws among the fixed samples (with fresh values each time)."""
    return Samples(st.sampled_from(tuple(edges)), tuple(edges))


def _reduce(loss: Any, reduction: str) -> Any:
    return loss if reduction == "none" else np.asarray(getattr(loss, reduction)(), loss.dtype)


def _mismatch(name: str, fn: Any, n: int = 2) -> E:
    return E(lambda d: fn(t(d, 3), *[t(d, 3, 1)] * (n - 1)), ValueError,
             name + r".*\(3,\).*\(3, 1\)")


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


# ---- losses ----------------------------------------------------------------------------------
def _np_huber(x: Any, y: Any, reduction: str, delta: float) -> Any:
    a = np.abs(x - y)
    return _reduce(np.where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta)), reduction)


def _np_kl(x: Any, y: Any, reduction: str, log_target: bool) -> Any:
    loss = np.exp(y) * (y - x) if log_target else y * (np.log(y) - x)
    if reduction == "batchmean":
        return np.asarray(loss.sum() / (x.shape[0] if x.ndim else 1), dtype=x.dtype)
    return _reduce(loss, reduction)


def _np_poisson(x: Any, y: Any, log_input: bool, full: bool, reduction: str) -> Any:
    loss = np.exp(x) - y * x if log_input else x - y * np.log(x + 1e-8)
    safe = np.where(y > 1, y, 2.0).astype(y.dtype)
    stirling = np.where(y > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe), 0.0)
    return _reduce(loss + stirling.astype(y.dtype) if full else loss, reduction)


def _np_cos_emb(a: Any, b: Any, target: Any, margin: float, reduction: str) -> Any:
    sq = lambda v: (v * v).sum(-1) + 1e-12  # noqa: E731
    cos, y = (a * b).sum(-1) / np.sqrt(sq(a) * sq(b)), target
    loss = np.where(y == 1, 1.0 - cos, 0.0) + np.where(y == -1, np.maximum(cos - margin, 0), 0)
    return _reduce(np.asarray(loss, dtype=a.dtype), reduction)


def _np_multi_margin(x: Any, labels: Any, p: int, margin: float, reduction: str) -> Any:
    x2 = x if x.ndim == 2 else x[None]
    rows = np.arange(x2.shape[0])
    z = np.maximum(margin - x2[rows, np.reshape(labels, (-1,))][:, None] + x2, 0.0) ** p
    z[rows, np.reshape(labels, (-1,))] = 0.0
    loss = z.sum(1) / x2.shape[1]
    return _reduce(loss if x.ndim == 2 else loss[0], reduction)


def _pm1(shape: tuple) -> np.ndarray:            # int8: NumPy keeps the input's float dtype
    return np.where(np.random.default_rng(0).uniform(size=shape) > 0.5, 1, -1).astype(np.int8)


def _loss_samples(n: int, reduction: list = REDUCTIONS, extra: dict | None = None,
                  target_kw: Any = None) -> Samples:
    """Edge samples of an elementwise loss over ``n`` same-shaped inputs, one per reduction
    and shape ((2, 3), (4,), 0-d, (1, 1), an empty (0,) with 'sum')."""
    edges = []
    for i, s in enumerate([(2, 3), (4,), (), (1, 1), (0,)]):
        for r in (["sum"] if s == (0,) else reduction):
            kw = {"reduction": r, **{k: v[i % len(v)] for k, v in (extra or {}).items()},
                  **({"target": target_kw(s)} if target_kw else {})}
            edges.append(Sample((s,) * n, kw))
    return _fixed(edges)


def _pad_row(w: Any, p: Any) -> Any:          # zeroed, as its gradient: finite differences agree
    mask = (np.arange(w.shape[0]) != (-1 if p is None else p % w.shape[0]))[:, None] * 1.0
    return w * (_on(mask, w).astype(w.dtype) if isinstance(w, xg.Tensor) else mask.astype(w.dtype))


def _target_input(fn: Any) -> Any:
    return lambda x, target, **kw: fn(x, _on(target, x), **kw)


def _dist(a: Any, b: Any) -> Any:
    return _np_norm(a - b + 1e-6, 2, -1)


LOG_POS = (0.2, 2.0)
TRIPLETS = [((3, 4), 1.0, False, "mean"), ((4,), 2.0, False, "sum"), ((3, 4), 0.5, True, "none"),
            ((2, 2), 1.0, True, "mean")]
MULTI_MARGIN = [((3, 4), [0, 3, 1], 1, 1.0, "mean"), ((3, 4), [2, 2, 0], 2, 0.5, "none"),
                ((4,), 3, 1, 1.0, "sum"), ((1, 2), [1], 2, 2.0, "mean"),
                ((0, 3), [], 1, 1.0, "sum")]

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
    # ---- losses ------------------------------------------------------------------------------
    OpInfo("huber_loss", lambda x, y, reduction, delta: F.huber_loss(x, y, reduction, delta),
           _np_huber, samples=_loss_samples(2, extra={"delta": [1.0, 0.5, 2.0]}),
           errors=(_mismatch("huber_loss", F.huber_loss),
                   E(lambda d: F.huber_loss(t(d, 2), t(d, 2), delta=0.0), ValueError,
                     "huber_loss does not support non-positive values for delta"),
)),
    OpInfo("smooth_l1_loss", lambda x, y, reduction, beta: F.smooth_l1_loss(
        x, y, reduction=reduction, beta=beta),
           lambda x, y, reduction, beta: _reduce(np.abs(x - y), reduction) if beta == 0 else
           _np_huber(x / beta, y / beta, reduction, 1.0) * np.asarray(beta, x.dtype),
           samples=_loss_samples(2, extra={"beta": [1.0, 0.5, 0.0, 2.0]}),
           adjust=away_from(0.0), errors=(_mismatch("smooth_l1_loss", F.smooth_l1_loss),)),
    OpInfo("kl_div", lambda x, y, reduction: F.kl_div(x, y, reduction=reduction),
           lambda x, y, reduction: _np_kl(x, y, reduction, False), domain=((-2.0, 2.0), LOG_POS),
           samples=_loss_samples(2, ["batchmean", "sum", "none"]),
           errors=(_mismatch("kl_div", F.kl_div),
                   E(lambda d: F.kl_div(t(d, 2), t(d, 2), reduction="avg"), ValueError,
                     "kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none'"))),
    OpInfo("kl_div_log_target", lambda x, y, reduction: F.kl_div(x, y, reduction=reduction,
                                                                   log_target=True),
           lambda x, y, reduction: _np_kl(x, y, reduction, True),
           samples=_loss_samples(2, ["batchmean", "sum", "none"])),
    OpInfo("soft_margin_loss", _target_input(F.soft_margin_loss),
           lambda x, target, reduction: _reduce(np.logaddexp(0, -target * x), reduction),
           samples=_loss_samples(1, target_kw=_pm1),
           errors=(_mismatch("soft_margin_loss", F.soft_margin_loss),)),
    OpInfo("poisson_nll_loss", lambda x, y, reduction, full: F.poisson_nll_loss(
        x, y, full=full, reduction=reduction), lambda x, y, reduction, full: _np_poisson(
        x, y, True, full, reduction), domain=((-2.0, 2.0), (0.0, 3.0)),
           adjust=away_from(1.0, inputs=(1,)),
           samples=_loss_samples(2, extra={"full": [False, True]}),
           errors=(_mismatch("poisson_nll_loss", F.poisson_nll_loss),)),
    OpInfo("poisson_nll_loss_rate", lambda x, y, reduction: F.poisson_nll_loss(
        x, y, log_input=False, reduction=reduction), lambda x, y, reduction: _np_poisson(
        x, y, False, False, reduction), domain=(LOG_POS, (0.0, 3.0)), samples=_loss_samples(2)),
    OpInfo("gaussian_nll_loss", lambda x, y, v, reduction, full: F.gaussian_nll_loss(
        x, y, v, full, reduction=reduction), lambda x, y, v, reduction, full: _reduce(
        0.5 * (np.log(v) + (x - y) ** 2 / v) + (0.5 * np.log(2 * np.pi) if full else 0.0),
        reduction).astype(x.dtype), domain=((-2.0, 2.0), (-2.0, 2.0), LOG_POS),
           samples=_loss_samples(3, extra={"full": [False, True]}),
           errors=(_mismatch("gaussian_nll_loss", lambda a, b: F.gaussian_nll_loss(a, b, 1.0)),
                   E(lambda d: F.gaussian_nll_loss(t(d, 2, 3), t(d, 2, 3), t(d, 3, 3)),
                     ValueError, "gaussian_nll_loss: var is of incorrect size"),
                   E(lambda d: F.gaussian_nll_loss(t(d, 2), t(d, 2), -1.0), ValueError,
                     "gaussian_nll_loss: var has negative entry"))),
    OpInfo("gaussian_nll_loss_shared_var", lambda x, y, v: F.gaussian_nll_loss(x, y, v),
           lambda x, y, v: _reduce(0.5 * (np.log(v) + (x - y) ** 2 / v), "mean"),
           domain=((-2.0, 2.0), (-2.0, 2.0), LOG_POS),
           samples=_fixed([Sample(((2, 3), (2, 3), (2, 1))), Sample(((3, 2), (3, 2), (1, 2)))])),
    OpInfo("margin_ranking_loss", lambda a, b, target, reduction, margin: F.margin_ranking_loss(
        a, b, _on(target, a), margin, reduction=reduction),
        lambda a, b, target, reduction, margin: _reduce(
        np.maximum(-target * (a - b) + margin, 0.0), reduction),
           samples=_loss_samples(2, extra={"margin": [0.0, 0.5]}, target_kw=_pm1),
           errors=(_mismatch("margin_ranking_loss", F.margin_ranking_loss, 3),)),
    OpInfo("hinge_embedding_loss", _target_input(F.hinge_embedding_loss),
           lambda x, target, margin, reduction: _reduce(np.where(target != 1, np.maximum(
               margin - x, 0.0), 0.0) + np.where(target != -1, x, 0.0), reduction),
           samples=_loss_samples(1, extra={"margin": [1.0, 0.5]}, target_kw=_pm1),
           errors=(_mismatch("hinge_embedding_loss", F.hinge_embedding_loss),)),
    OpInfo("cosine_embedding_loss", lambda a, b, target, margin, reduction:
           F.cosine_embedding_loss(a, b, _on(target, a), margin, reduction=reduction), _np_cos_emb,
           samples=_fixed([Sample((s, s), {"target": _pm1(s[:-1]), "margin": m, "reduction": r})
                           for s, m, r in [((3, 4), 0.0, "mean"), ((3, 4), 0.3, "none"),
                                           ((4,), 0.0, "sum"), ((1, 2), -0.5, "mean")]]),
           errors=(E(lambda d: F.cosine_embedding_loss(t(d, 2, 3), t(d, 2, 3), t(d, 3)),
                     ValueError, r"cosine_embedding_loss: .*\(2,\).*\(3,\)"),)),
    OpInfo("multilabel_soft_margin_loss", lambda x, y, reduction: F.multilabel_soft_margin_loss(
        x, y, reduction=reduction), lambda x, y, reduction: _reduce(
        ((1.0 - y) * x + np.logaddexp(0, -x)).mean(-1), reduction),
           domain=((-2.0, 2.0), (0.0, 1.0)),
           samples=_fixed([Sample((s, s), {"reduction": r}) for s in [(2, 3), (4,), (1, 1)]
                           for r in REDUCTIONS]),
           errors=(_mismatch("multilabel_soft_margin_loss", F.multilabel_soft_margin_loss),)),
    OpInfo("triplet_margin_loss", lambda a, p, n, margin, swap, reduction: F.triplet_margin_loss(
        a, p, n, margin, swap=swap, reduction=reduction), lambda a, p, n, margin, swap, reduction:
        _reduce(np.maximum(margin + _dist(a, p) - (np.minimum(_dist(a, n), _dist(p, n)) if swap
                                                   else _dist(a, n)), 0.0), reduction),
           samples=_fixed([Sample((s,) * 3, {"margin": m, "swap": w, "reduction": r})
                           for s, m, w, r in TRIPLETS]),
           errors=(E(lambda d: F.triplet_margin_loss(t(d, 2, 3), t(d, 2, 3), t(d, 2, 4)),
                     ValueError, r"triplet_margin_loss: .*\(2, 3\).*\(2, 4\)"),
                   E(lambda d: F.triplet_margin_loss(t(d, 2, 3), t(d, 2, 3), t(d, 2, 3), 0.0),
                     ValueError, "triplet_margin_loss: expected margin to be greater than 0"))),
    OpInfo("multi_margin_loss", lambda x, labels, p, margin, reduction: F.multi_margin_loss(
        x, _on(labels, x), p, margin, reduction=reduction), _np_multi_margin,
           samples=_fixed([Sample((s,), {"labels": np.array(lab, np.int64), "p": p, "margin": m,
                                         "reduction": r}) for s, lab, p, m, r in MULTI_MARGIN]),
           errors=(E(lambda d: F.multi_margin_loss(t(d, 2, 3), xg.tensor([0.0, 1.0], device=d)),
                     TypeError, "multi_margin_loss: targets must be integer class indices"),
                   E(lambda d: F.multi_margin_loss(t(d, 2, 3), xg.tensor([0], device=d)),
                     ValueError, r"multi_margin_loss: input shape \(2, 3\) needs targets of "
                     r"shape \(2,\), got \(1,\)"),
                   E(lambda d: F.multi_margin_loss(t(d, 2, 3), xg.tensor([0, 1], device=d), p=3),
                     ValueError, "multi_margin_loss: only p == 1 and p == 2 are supported"))),
]
