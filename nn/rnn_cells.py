"""One time step of a recurrent layer as a module: RNNCell, LSTMCell and GRUCell, as
PyTorch's (arguments, parameter names weight_ih, weight_hh, bias_ih, bias_hh and shapes, the
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) initialisation, reprs, unbatched inputs).

The cells compose Tensor ops (rnn_kernels' step functions), so their gradients of every
order come from autograd.

>>> cell = nn.LSTMCell(10, 20); h, c = cell(x)          # x: (N, 10) -> h, c: (N, 20)
>>> for x_t in xs: h, c = cell(x_t, (h, c))
"""
from __future__ import annotations

import math
from typing import Any

from ..autograd.factories import zeros
from ..autograd.grad_mode import no_grad
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .rnn_kernels import TENSOR_OPS, gru_step, lstm_step, rnn_step

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def check_sizes(name: str, input_size: int, hidden_size: int) -> None:
    for what, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name}: {what} should be of type int, got: "
                            f"{type(value).__name__}")
    if input_size < 0:
        raise ValueError(f"{name}: input_size must be non-negative, got {input_size}")
    if hidden_size <= 0:
        raise ValueError("hidden_size must be greater than zero")


def uniform_init(module: Module, hidden_size: int) -> None:
    """PyTorch's RNN initialisation: every parameter U(-1/sqrt(hidden_size), +...)."""
    stdv = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    with no_grad():
        for p in module.parameters():
            init.uniform_(p, -stdv, stdv)


def check_state(name: str, what: str, h: Any, shape: tuple, input: Tensor) -> None:
    """The state ``h`` must be a Tensor of ``shape`` with the input's dtype and device."""
    require_tensor(h, name)
    if tuple(h.shape) != shape:
        raise RuntimeError(f"{name}: expected {what} of shape {shape}, got {tuple(h.shape)} "
                           f"(input shape {tuple(input.shape)})")
    if h.dtype is not input.dtype:
        raise TypeError(f"{name}: {what} dtype {h.dtype} does not match the input's "
                        f"{input.dtype}")
    if h._backend is not input._backend:
        raise RuntimeError(f"{name}: input is on {input.device} but {what} is on {h.device}; "
                           "move one with .to(device)")


def check_input(name: str, input: Any, input_size: int, ndims: tuple, weight: Tensor) -> None:
    require_tensor(input, name)
    if input.ndim not in ndims:
        raise ValueError(f"{name}: Expected input to be {ndims[0]}D or {ndims[1]}D, got "
                         f"{input.ndim}D instead")
    if input.shape[-1] != input_size:
        raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                           f"{input_size}, got {input.shape[-1]} (input shape "
                           f"{tuple(input.shape)})")
    if input.dtype is not weight.dtype:
        raise TypeError(f"{name}: input dtype {input.dtype} does not match the parameters' "
                        f"{weight.dtype}; convert the input (x.astype(xg.{weight.dtype})) or "
                        f"the module (.to({input.dtype}))")
    if input._backend is not weight._backend:
        raise RuntimeError(f"{name}: input is on {input.device} but the parameters are on "
                           f"{weight.device}; move one with .to(device)")


class RNNCellBase(Module):
    """The parameters of a cell with ``num_chunks`` gates: weight_ih (num_chunks * hidden,
    input_size), weight_hh (num_chunks * hidden, hidden), bias_ih and bias_hh."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_sizes(type(self).__name__, input_size, hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bool(bias)
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(zeros(gates, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(zeros(gates, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(zeros(gates, dtype=dtype, device=device))
            self.bias_hh = Parameter(zeros(gates, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        uniform_init(self, self.hidden_size)

    def _prepare(self, input: Any, hx: Any) -> tuple:
        """(2-D input, its input projection, batched?) after the checks."""
        name = type(self).__name__
        check_input(name, input, self.input_size, (1, 2), self.weight_ih)
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        return x, F.linear(x, self.weight_ih, self.bias_ih), batched

    def _state(self, hx: Any, x: Tensor, batched: bool, what: str = "hx") -> Tensor:
        if hx is None:
            return zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x._backend)
        name = type(self).__name__
        require_tensor(hx, name)
        shape = (x.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        check_state(name, what, hx, shape, x)
        return hx if batched else hx.unsqueeze(0)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu), on (N, H_in) or (H_in,) input;
    returns h' (N, H) or (H,).

    >>> h = nn.RNNCell(10, 20, nonlinearity="relu")(x, h)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: Unknown nonlinearity '{nonlinearity}'. Select from "
                             "'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, gx, batched = self._prepare(input, hx)
        h = self._state(hx, x, batched)
        h = rnn_step(TENSOR_OPS, gx, h, self.weight_hh.T, self.bias_hh,
                     self.nonlinearity == "relu")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): c' = f * c + i * g, h' = o * tanh(c'); input
    (N, H_in) or (H_in,), state (h, c) or None (zeros); returns (h', c').

    >>> h, c = nn.LSTMCell(10, 20)(x, (h, c))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        x, gx, batched = self._prepare(input, hx)
        if hx is None:
            h = c = self._state(None, x, batched)
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"LSTMCell: hx must be a tuple (h_0, c_0), got "
                                f"{type(hx).__name__}")
            h = self._state(hx[0], x, batched, "h_0")
            c = self._state(hx[1], x, batched, "c_0")
        h, c, _ = lstm_step(TENSOR_OPS, gx, h, c, self.weight_hh.T, self.bias_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
    h' = (1 - z) * n + z * h; input (N, H_in) or (H_in,); returns h'.

    >>> h = nn.GRUCell(10, 20)(x, h)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, gx, batched = self._prepare(input, hx)
        h = self._state(hx, x, batched)
        h, _ = gru_step(TENSOR_OPS, gx, h, self.weight_hh.T, self.bias_hh)
        return h if batched else h.squeeze(0)
