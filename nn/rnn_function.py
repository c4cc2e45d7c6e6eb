"""One recurrent layer in one direction as one op: the time loop runs on backend arrays (a
dozen array calls per step, no graph nodes), and the backward is backpropagation through
time on the arrays saved by the forward, with W_hh's gradient as one matmul over all steps.

Under create_graph the backward instead recomputes the forward with Tensor ops and runs the
same BPTT with Tensor ops (rnn_kernels is written once for both), so gradients of every
order are exact. An optional 0/1 ``mask`` (L, N, 1) runs sequences of different lengths
(packed sequences): the state is kept through the padded steps.

>>> packed = recurrence("LSTM", xw, h0, c0, w_hh, b_hh, None, reverse=False)
"""
from __future__ import annotations

from typing import Any

from ..autograd.function import Function, applyn, run_kernel
from ..autograd.grad_mode import grad_mode
from ..autograd.tensor import Tensor, make_tensor
from .rnn_kernels import TENSOR_OPS, ArrayOps, sequence_backward, sequence_forward

def _unpack(values: Any, lstm: bool, has_bias: bool, has_proj: bool, has_mask: bool) -> tuple:
    """(xw, h0, c0, w_hh, b_hh, w_hr, mask) from the op's inputs (None for the absent ones)."""
    values = list(values)
    mask = values.pop() if has_mask else None
    xw, h0 = values[0], values[1]
    k = 2
    c0 = None
    if lstm:
        c0, k = values[2], 3
    w_hh = values[k]
    b_hh = values[k + 1] if has_bias else None
    w_hr = values[-1] if has_proj else None
    return xw, h0, c0, w_hh, b_hh, w_hr, mask


class Recurrence(Function):
    """inputs: xw (L, N, G), h0, [c0], W_hh, [b_hh], [W_hr], [mask]; args: (mode, reverse,
    has_bias, has_proj, has_mask, saved) where forward appends the per-step state to ``saved``
    (a list, or None when nothing will be differentiated)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, arrays, mode, reverse, has_bias, has_proj, has_mask, saved):
        xw, h0, c0, w_hh, b_hh, w_hr, mask = _unpack(arrays, mode == "LSTM", has_bias,
                                                     has_proj, has_mask)
        out, state = sequence_forward(ArrayOps(xp), mode, xw, h0, c0, w_hh, b_hh, w_hr,
                                      reverse, mask)
        if saved is not None:
            saved.append(state)
        return out

    def backward(self, gy):
        inputs = self.inputs
        mode, reverse, has_bias, has_proj, has_mask, saved = self.args
        xw, h0, c0, w_hh, b_hh, w_hr, mask = _unpack(inputs, mode == "LSTM", has_bias,
                                                     has_proj, has_mask)
        if grad_mode.enabled:          # create_graph: the whole computation as a graph
            _, state = sequence_forward(TENSOR_OPS, mode, xw, h0, c0, w_hh, b_hh, w_hr,
                                        reverse, mask)
            grads = sequence_backward(TENSOR_OPS, mode, state, gy, h0, c0, w_hh, w_hr,
                                      reverse, mask)
        else:
            backend = xw._backend
            arrays = run_kernel(backend, _backward_arrays, mode, saved[-1], gy.data, h0.data,
                                None if c0 is None else c0.data, w_hh.data,
                                None if w_hr is None else w_hr.data, reverse,
                                None if mask is None else mask.data)
            grads = tuple(None if a is None else make_tensor(a, backend, False, None)
                          for a in arrays)
        d_xw, d_h0, d_c0, d_whh, d_bhh, d_wr = grads
        out = [d_xw, d_h0] + ([d_c0] if c0 is not None else []) + [d_whh]
        if has_bias:
            out.append(d_bhh)
        if has_proj:
            out.append(d_wr)
        if has_mask:
            out.append(None)
        return tuple(g if t._rg else None for g, t in zip(out, inputs))


def _backward_arrays(backend: Any, mode: str, state: tuple, gy: Any, h0: Any, c0: Any,
                     w_hh: Any, w_hr: Any, reverse: bool, mask: Any) -> tuple:
    return sequence_backward(ArrayOps(backend.xp), mode, state, gy, h0, c0, w_hh, w_hr,
                             reverse, mask)


def recurrence(mode: str, xw: Tensor, h0: Tensor, c0: Tensor | None, w_hh: Tensor,
               b_hh: Tensor | None, w_hr: Tensor | None, reverse: bool,
               mask: Tensor | None = None) -> Tensor:
    """The packed output of one layer and direction (see rnn_kernels): mode is 'RNN_TANH',
    'RNN_RELU', 'LSTM' or 'GRU'; ``xw`` the input projection of every step (L, N, G);
    ``mask`` (L, N, 1), 1.0 at valid steps and 0.0 at padding, keeps the state there."""
    tensors = [xw, h0] + ([c0] if c0 is not None else []) + [w_hh]
    if b_hh is not None:
        tensors.append(b_hh)
    if w_hr is not None:
        tensors.append(w_hr)
    need = grad_mode.enabled and any(t._rg for t in tensors)
    if mask is not None:
        tensors.append(mask.detach())
    return applyn(Recurrence, tensors, mode, bool(reverse), b_hh is not None,
                  w_hr is not None, mask is not None, [] if need else None)
