"""The math of one recurrent layer (one direction), written once over an ``ops`` namespace so
the same code runs on backend arrays (the fused forward and the fast backward of
:class:`~xpgrad.nn.rnn_function.Recurrence`) and on Tensors (the cells, and the exact
create_graph backward, whose gradients are then differentiable again).

Conventions: ``gx`` is the input projection x @ W_ih^T + b_ih of one step (N, G), ``xw`` the
same for the whole sequence (L, N, G); ``w_t`` is W_hh^T; gate order is PyTorch's (LSTM
i, f, g, o; GRU r, z, n with n = tanh(W_in x + b_in + r * (W_hn h + b_hn))). The packed output
of a sequence is (L, N, H) of hidden states, and for the LSTM (L, N, H_out + H) with the
cell states after the hidden ones, so one op can return both.

An optional ``mask`` (L, N, 1) of 1.0 (a valid step) and 0.0 (padding) runs sequences of
different lengths (packed sequences): where it is 0 the state is kept, so a forward pass ends
at each sequence's last valid step and a reverse pass starts there.

>>> h1, c1, saved = lstm_step(TENSOR_OPS, gx, h0, c0, w_hh.T, b_hh, None)
"""
from __future__ import annotations

from typing import Any

from ..autograd import ops as _ops
from ..autograd.factories import zeros_like as _zeros_like


class ArrayOps:
    """The few functions the kernels need, on the arrays of one array namespace ``xp``."""
    __slots__ = ("xp",)

    def __init__(self, xp: Any) -> None:
        self.xp = xp

    def sigmoid(self, a: Any) -> Any:
        # sigmoid(a) = (1 + tanh(a / 2)) / 2: three passes where exp(-|a|) takes five, and as
        # stable; the tiny gate values of very negative a lose relative (not absolute) digits
        return self.xp.tanh(a * 0.5) * 0.5 + 0.5

    def tanh(self, a: Any) -> Any:
        return self.xp.tanh(a)

    def relu(self, a: Any) -> Any:
        return self.xp.where(a > 0, a, 0.0)

    def positive(self, a: Any) -> Any:
        return self.xp.astype(a > 0, a.dtype)

    def cat(self, parts: list) -> Any:
        return self.xp.concat(parts, axis=-1)

    def stack(self, parts: list) -> Any:
        return self.xp.stack(parts, axis=0)

    def t(self, a: Any) -> Any:
        return self.xp.permute_dims(a, (1, 0))

    def zeros_like(self, a: Any) -> Any:
        return self.xp.zeros_like(a)

    def total(self, a: Any) -> Any:
        return self.xp.sum(a, axis=(0, 1))

    def flat(self, a: Any) -> Any:
        return self.xp.reshape(a, (-1, a.shape[-1]))


class TensorOps:
    """The same functions on Tensors (differentiable)."""
    __slots__ = ()
    sigmoid = staticmethod(_ops.sigmoid)
    tanh = staticmethod(_ops.tanh)
    relu = staticmethod(_ops.relu)

    @staticmethod
    def positive(a: Any) -> Any:
        return (a.detach() > 0).astype(a.dtype)      # a step function: zero derivative

    @staticmethod
    def cat(parts: list) -> Any:
        return _ops.concat(parts, axis=-1)

    @staticmethod
    def stack(parts: list) -> Any:
        return _ops.stack(parts, axis=0)

    @staticmethod
    def t(a: Any) -> Any:
        return _ops.transpose(a, 0, 1)

    zeros_like = staticmethod(_zeros_like)

    @staticmethod
    def total(a: Any) -> Any:
        return _ops.sum(a, axis=(0, 1))

    @staticmethod
    def flat(a: Any) -> Any:
        return a.reshape(-1, a.shape[-1])


TENSOR_OPS = TensorOps()


# ---- one step -------------------------------------------------------------------------------
def rnn_step(ops: Any, gx: Any, h: Any, w_t: Any, b: Any, relu: bool) -> Any:
    """h' = act(gx + h @ W_hh^T + b_hh), act tanh or relu."""
    pre = gx + h @ w_t
    if b is not None:
        pre = pre + b
    return ops.relu(pre) if relu else ops.tanh(pre)


def lstm_step(ops: Any, gx: Any, h: Any, c: Any, w_t: Any, b: Any, wr_t: Any) -> tuple:
    """(h', c', saved): c' = f * c + i * g, h' = o * tanh(c') (times W_hr^T with a
    projection); ``saved`` = (i, f, g, o, tanh(c'), o * tanh(c')) for the backward."""
    hidden = c.shape[-1]
    pre = gx + h @ w_t
    if b is not None:
        pre = pre + b
    s = ops.sigmoid(pre)                  # one call for i, f and o (g's part is unused)
    i, f, o = s[..., :hidden], s[..., hidden:2 * hidden], s[..., 3 * hidden:]
    g = ops.tanh(pre[..., 2 * hidden:3 * hidden])
    c_new = f * c + i * g
    tc = ops.tanh(c_new)
    otc = o * tc
    h_new = otc if wr_t is None else otc @ wr_t
    return h_new, c_new, (i, f, g, o, tc, otc)


def gru_step(ops: Any, gx: Any, h: Any, w_t: Any, b: Any) -> tuple:
    """(h', saved): r, z = sigmoid(gx + h W_hh^T + b_hh) parts, n = tanh(gx_n + r * hw_n),
    h' = (1 - z) * n + z * h; ``saved`` = (r, z, n, hw_n)."""
    hidden = h.shape[-1]
    hw = h @ w_t
    if b is not None:
        hw = hw + b
    rz = ops.sigmoid(gx[..., :2 * hidden] + hw[..., :2 * hidden])
    r, z = rz[..., :hidden], rz[..., hidden:]
    hwn = hw[..., 2 * hidden:]
    n = ops.tanh(gx[..., 2 * hidden:] + r * hwn)
    return n + z * (h - n), (r, z, n, hwn)


# ---- a sequence -----------------------------------------------------------------------------
def _steps(length: int, reverse: bool) -> range:
    return range(length - 1, -1, -1) if reverse else range(length)


def _keep(mask: Any, t: int, new: Any, old: Any) -> Any:
    """``new`` where step t is valid, ``old`` where it is padding (exact: the mask is 0/1)."""
    return new if mask is None else new * mask[t, ...] + old * (1.0 - mask[t, ...])


def sequence_forward(ops: Any, mode: str, xw: Any, h0: Any, c0: Any, w_hh: Any, b_hh: Any,
                     w_hr: Any, reverse: bool, mask: Any = None) -> tuple:
    """(packed output, state for :func:`sequence_backward`) of one layer and direction."""
    w_t = ops.t(w_hh)
    length = xw.shape[0]
    if b_hh is not None and mode != "GRU":      # GRU's b_hn sits inside r * (...)
        xw, b_hh = xw + b_hh, None              # one add for the sequence, not one per step
    hs: list = [None] * length
    saved: list = [None] * length
    h = h0
    if mode == "LSTM":
        wr_t = None if w_hr is None else ops.t(w_hr)
        cs: list = [None] * length
        c = c0
        for t in _steps(length, reverse):
            h_new, c_new, saved[t] = lstm_step(ops, xw[t, ...], h, c, w_t, b_hh, wr_t)
            h, c = hs[t], cs[t] = _keep(mask, t, h_new, h), _keep(mask, t, c_new, c)
        out = ops.cat([ops.stack(hs), ops.stack(cs)])
        return out, (hs, cs, saved)
    if mode == "GRU":
        for t in _steps(length, reverse):
            h_new, saved[t] = gru_step(ops, xw[t, ...], h, w_t, b_hh)
            h = hs[t] = _keep(mask, t, h_new, h)
    else:
        relu = mode == "RNN_RELU"
        for t in _steps(length, reverse):
            h = hs[t] = _keep(mask, t, rnn_step(ops, xw[t, ...], h, w_t, b_hh, relu), h)
    return ops.stack(hs), (hs, None, saved)


def _split(mask: Any, t: int, d: Any) -> tuple:
    """(the part of cotangent ``d`` that goes through step t, the part passed around it)."""
    if mask is None:
        return d, None
    return d * mask[t, ...], d * (1.0 - mask[t, ...])


def _plus(a: Any, b: Any) -> Any:
    return a if b is None else a + b


def sequence_backward(ops: Any, mode: str, state: tuple, gy: Any, h0: Any, c0: Any,
                      w_hh: Any, w_hr: Any, reverse: bool, mask: Any = None) -> tuple:
    """Backpropagation through time: (d xw, d h0, d c0, d W_hh, d b_hh, d W_hr) for the
    cotangent ``gy`` of the packed output (None where the layer has no such input)."""
    hs, cs, saved = state
    length = len(hs)
    prev = (lambda t: h0 if t == length - 1 else hs[t + 1]) if reverse else \
        (lambda t: h0 if t == 0 else hs[t - 1])
    dxw: list = [None] * length
    dhw: list = dxw                       # d(h W_hh^T + b_hh) per step; GRU's differs
    dh = ops.zeros_like(h0)
    dc = d_wr = None
    if mode == "LSTM":
        p = h0.shape[-1]
        gh, gc = gy[..., :p], gy[..., p:]
        dc = ops.zeros_like(c0)
        dhts: list = [None] * length
        for t in reversed(_steps(length, reverse)):
            i, f, g, o, tc, otc = saved[t]
            dht, dh_pass = _split(mask, t, gh[t, ...] + dh)
            dct, dc_pass = _split(mask, t, dc + gc[t, ...])
            dhts[t] = dht
            dotc = dht if w_hr is None else dht @ w_hr
            dct = dct + dotc * o * (1.0 - tc * tc)
            c_prev = (c0 if t == length - 1 else cs[t + 1]) if reverse else \
                (c0 if t == 0 else cs[t - 1])
            di, dg, df, do = dct * g, dct * i, dct * c_prev, dotc * tc
            pre = dxw[t] = ops.cat([di * i * (1.0 - i), df * f * (1.0 - f),
                                    dg * (1.0 - g * g), do * o * (1.0 - o)])
            dh = _plus(pre @ w_hh, dh_pass)
            dc = _plus(dct * f, dc_pass)
        if w_hr is not None:
            otcs = ops.stack([s[5] for s in saved])
            d_wr = ops.t(ops.flat(ops.stack(dhts))) @ ops.flat(otcs)
    elif mode == "GRU":
        dhw = [None] * length
        for t in reversed(_steps(length, reverse)):
            r, z, n, hwn = saved[t]
            dht, dh_pass = _split(mask, t, gy[t, ...] + dh)
            dnp = dht * (1.0 - z) * (1.0 - n * n)
            drp = dnp * hwn * r * (1.0 - r)
            dzp = dht * (prev(t) - n) * z * (1.0 - z)
            dxw[t] = ops.cat([drp, dzp, dnp])
            pre = dhw[t] = ops.cat([drp, dzp, dnp * r])
            dh = _plus(dht * z + pre @ w_hh, dh_pass)
    else:
        relu = mode == "RNN_RELU"
        for t in reversed(_steps(length, reverse)):
            dht, dh_pass = _split(mask, t, gy[t, ...] + dh)
            h = hs[t]                     # the step's output where the mask lets it through
            pre = dxw[t] = dht * ops.positive(h) if relu else dht * (1.0 - h * h)
            dh = _plus(pre @ w_hh, dh_pass)
    dhw_all = ops.stack(dhw)
    h_prev = ops.stack([prev(t) for t in range(length)])
    d_whh = ops.t(ops.flat(dhw_all)) @ ops.flat(h_prev)
    d_bhh = ops.total(dhw_all)
    d_xw = dhw_all if dhw is dxw else ops.stack(dxw)
    return d_xw, dh, dc, d_whh, d_bhh, d_wr
