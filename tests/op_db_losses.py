"""Registry entries of the losses beyond the lectures' set (nn/_losses_extra.py and friends),
appended to tests/op_db.py's OPS; import it only through op_db. Label tensors travel in kwargs
as NumPy arrays, put on the sample's device inside the op; float targets are inputs (their
gradients are checked too). PyTorch cross-checks: tests/test_nn_losses_extra.py.
"""
from __future__ import annotations

from typing import Any

import numpy as np

import xpgrad as xg
import xpgrad.nn.functional as F
from op_db import ErrorInput as E, OpInfo, t
from op_db_layers import _fixed, _np_norm, _on
from op_samples import Sample, Samples, away_from

REDUCTIONS = ["mean", "sum", "none"]

def _reduce(loss: Any, reduction: str) -> Any:
    return loss if reduction == "none" else np.asarray(getattr(loss, reduction)(), loss.dtype)


def _mismatch(name: str, fn: Any, n: int = 2) -> E:
    return E(lambda d: fn(t(d, 3), *[t(d, 3, 1)] * (n - 1)), ValueError,
             name + r".*\(3,\).*\(3, 1\)")


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
