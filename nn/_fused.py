"""Fused ops of the nn layer: one graph node where a composite would build several, or where
a composite would not be numerically stable. Same contract as ``autograd/ops``: ``forward``
works on backend arrays through ``xp`` (standard names only), ``backward`` is written with
Tensor ops, so ``create_graph=True`` works unchanged.

Ops that save statistics for a cheap first-order backward (batch norm) recompute them with
Tensor ops when the backward itself is recorded (``create_graph``), so higher derivatives
stay exact.
"""
from __future__ import annotations

from typing import Any

from ..autograd.grad_mode import grad_mode
from ..autograd.function import Function, applyn
from ..autograd.ops import log_softmax, sigmoid, softmax, where
from ..autograd.tensor import make_tensor

_TINY = 1e-45       # below e^-100 in float32 and float64: log(max(p, tiny)) never warns


def standardize(xp: Any, x: Any, axes: tuple, eps: float, saved: list) -> Any:
    """(x - mean) / sqrt(var + eps) over ``axes`` (biased variance); appends the (mean, var,
    1/std) arrays (keepdims) to ``saved`` for the backward and running statistics."""
    mean = xp.mean(x, axis=axes, keepdims=True)
    xc = x - mean
    var = xp.mean(xc * xc, axis=axes, keepdims=True)
    inv = 1.0 / xp.sqrt(var + eps)
    saved.append((mean, var, inv))
    return xc * inv


class BatchNormTrain(Function):
    """Batch-statistics normalisation (and the affine map) in one node.

    args: (axes, pshape, eps, saved) where ``saved`` is a list that forward fills with the
    batch (mean, biased var, 1/std) arrays, for the running-stat update and the backward.
    """
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays, axes, pshape, eps, saved):
        y = standardize(xp, arrays[0], axes, eps, saved)
        if len(arrays) == 3:
            y = y * xp.reshape(arrays[1], pshape) + xp.reshape(arrays[2], pshape)
        return y

    def backward(self, gy):
        x = self.inputs[0]
        axes, pshape, eps, saved = self.args
        if grad_mode.enabled:          # create_graph: statistics as functions of x
            mean = x.mean(axes, keepdims=True)
            xc = x - mean
            inv = ((xc * xc).mean(axes, keepdims=True) + eps) ** -0.5
        else:
            backend = x._backend
            mean, _, inv = saved[0]
            xc = x - make_tensor(mean, backend, False, None)
            inv = make_tensor(inv, backend, False, None)
        xhat = xc * inv
        affine = len(self.inputs) == 3
        gxhat = gy * self.inputs[1].reshape(pshape) if affine else gy
        gx = None
        if x._rg:
            gx = inv * (gxhat - gxhat.mean(axes, keepdims=True)
                        - xhat * (gxhat * xhat).mean(axes, keepdims=True))
        if not affine:
            return gx
        w, b = self.inputs[1], self.inputs[2]
        gw = (gy * xhat).sum(axes) if w._rg else None
        gb = gy.sum(axes) if b._rg else None
        return gx, gw, gb


class PReLUFn(Function):
    """x where x > 0, else w * x (w broadcast against x)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, x, w):
        return xp.where(x > 0, x, x * w)

    def backward(self, gy):
        x, w = self.inputs
        pos = x > 0
        gx = where(pos, gy, gy * w) if x._rg else None
        gw = where(pos, 0.0, gy * x) if w._rg else None
        return gx, gw


class BCEWithLogitsFn(Function):
    """Elementwise -[t log s(x) + (1-t) log(1-s(x))] = max(x,0) - x t + log1p(e^-|x|):
    finite for any logit, |x| = 1000 included.

    args: (saved,), a list forward fills with e^-|x|, which the first-order backward reuses
    (sigmoid(x) is 1 / (1 + e) or e / (1 + e)): four array passes fewer per step."""
    __slots__ = ()

    @staticmethod
    def forward(xp, x, t, saved):
        e = xp.exp(-xp.abs(x))
        saved.append(e)
        return xp.maximum(x, 0.0) - x * t + xp.log1p(e)

    def backward(self, gy):
        x, t = self.inputs
        gx = None
        if x._rg:
            if grad_mode.enabled:           # create_graph: a differentiable sigmoid
                gx = gy * (sigmoid(x) - t)
            else:
                e = make_tensor(self.args[0][-1], x._backend, False, None)
                gx = applyn(BCEWithLogitsGrad, (gy, x, t, e))
        gt = gy * -x if t._rg else None
        return gx, gt


class BCEWithLogitsGrad(Function):
    """gy * (sigmoid(x) - t) from x and the forward's e = e^-|x|, in one op (first order
    only: the create_graph path of BCEWithLogitsFn uses Tensor ops instead)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays):
        gy, x, t, e = arrays
        s = xp.where(x >= 0, 1.0, e) / (1.0 + e)
        s -= t
        s *= gy
        return s

    def backward(self, ggx):
        gy, x, t, _ = self.inputs
        s = sigmoid(x)
        return (ggx * (s - t) if gy._rg else None,
                ggx * gy * s * (1.0 - s) if x._rg else None,
                -ggx * gy if t._rg else None, None)


_EPS_F32 = 9.999999960041972e-13     # float(numpy.float32(1e-12))


class BCEFn(Function):
    """Elementwise binary cross-entropy of probabilities, logs clamped at -100 (PyTorch);
    the gradient is (p - t) / max(p (1 - p), 1e-12), finite at p = 0 and p = 1 (PyTorch's
    1e-12 is a float32 constant, 9.99999996e-13 in float64: the same here)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, p, t):
        log_p = xp.maximum(xp.log(xp.maximum(p, _TINY)), -100.0)
        log_q = xp.maximum(xp.log(xp.maximum(1.0 - p, _TINY)), -100.0)
        return -(t * log_p + (1.0 - t) * log_q)

    def backward(self, gy):
        p, t = self.inputs
        gp = gt = None
        if p._rg:
            gp = gy * (p - t) / (p * (1.0 - p)).clip(_EPS_F32, None)
        if t._rg:
            log_p = p.clip(_TINY, None).log().clip(-100.0, None)
            log_q = (1.0 - p).clip(_TINY, None).log().clip(-100.0, None)
            gt = gy * (log_q - log_p)
        return gp, gt


class SoftmaxCrossEntropy(Function):
    """-sum_c a_c log_softmax(x)_c along ``axis``: cross-entropy from logits against
    coefficients ``a`` (one-hot or smoothed targets times class weights) in one node.

    d/dx = p * sum_c(a_c) - a with p = softmax(x); the backward recomputes log_softmax
    from x rather than keeping an N x C array alive between forward and backward."""
    __slots__ = ()

    @staticmethod
    def forward(xp, x, a, axis):
        shifted = x - xp.max(x, axis=axis, keepdims=True)
        logp = shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
        return -xp.sum(logp * a, axis=axis)

    def backward(self, gy):
        x, a = self.inputs
        axis = self.args[0]
        logp = log_softmax(x, axis)
        g = gy.unsqueeze(axis)
        gx = g * (logp.exp() * a.sum(axis, keepdims=True) - a) if x._rg else None
        ga = -g * logp if a._rg else None
        return gx, ga


class SparseSoftmaxCrossEntropy(Function):
    """Per-sample -log_softmax(x)[i, t_i] for (N, C) logits and integer targets in [0, C): the
    common case of cross-entropy, without building an (N, C) coefficient array.

    args: (saved,), a list forward fills with (exp(x - max), its row sums), from which the
    first-order backward forms the softmax without a second max/exp/sum pass."""
    __slots__ = ()

    @staticmethod
    def forward(xp, x, t, saved):
        shifted = x - xp.max(x, axis=1, keepdims=True)
        e = xp.exp(shifted)
        total = xp.sum(e, axis=1, keepdims=True)
        saved.append((e, total))
        lse = xp.log(total)[:, 0]
        return lse - xp.take_along_axis(shifted, xp.expand_dims(t, axis=1), axis=1)[:, 0]

    def backward(self, gy):
        x, t = self.inputs
        if grad_mode.enabled:           # create_graph: an op whose backward is differentiable
            return applyn(SparseSoftmaxCrossEntropyGrad, (gy, x, t)), None
        backend = x._backend
        e, total = self.args[0][-1]
        return applyn(SoftmaxCrossEntropyGradSaved, (gy, make_tensor(e, backend, False, None),
                                                     make_tensor(total, backend, False, None),
                                                     t)), None


class SoftmaxCrossEntropyGradSaved(Function):
    """gy_i * (e_i / total_i - onehot(t_i)) from the forward's saved exponentials: the
    first-order backward of SparseSoftmaxCrossEntropy (create_graph takes
    SparseSoftmaxCrossEntropyGrad, whose backward is written with Tensor ops)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays):
        gy, e, total, t = arrays
        p = e / total
        hot = xp.expand_dims(t, axis=1) == xp.arange(e.shape[1], dtype=t.dtype)
        p -= xp.astype(hot, p.dtype)
        p *= xp.expand_dims(gy, axis=1)
        return p

    def backward(self, ggx):
        raise RuntimeError("SoftmaxCrossEntropyGradSaved is first-order only; a double "
                           "backward goes through SparseSoftmaxCrossEntropyGrad")


class SparseSoftmaxCrossEntropyGrad(Function):
    """gy_i * (softmax(x)_i - onehot(t_i)) in one op; its own backward uses Tensor ops."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays):
        gy, x, t = arrays
        e = xp.exp(x - xp.max(x, axis=1, keepdims=True))
        e /= xp.sum(e, axis=1, keepdims=True)
        hot = xp.expand_dims(t, axis=1) == xp.arange(x.shape[1], dtype=t.dtype)
        e -= xp.astype(hot, e.dtype)
        e *= xp.expand_dims(gy, axis=1)
        return e

    def backward(self, ggx):
        gy, x, t = self.inputs
        p = softmax(x, 1)
        hot = (t.unsqueeze(1) == arange_like(t, x.shape[1])).astype(x.dtype)
        g_gy = (ggx * (p - hot)).sum(1) if gy._rg else None
        g_x = None
        if x._rg:                                 # d/dx of gy * softmax(x): softmax's backward
            v = ggx * gy.unsqueeze(1)
            g_x = p * (v - (v * p).sum(1, keepdims=True))
        return g_gy, g_x, None


def arange_like(t, n: int):
    from ..autograd.factories import arange
    return arange(n, dtype=t.dtype, device=t._backend)
