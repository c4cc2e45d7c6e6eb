"""Multi-layer recurrent layers RNN, LSTM and GRU, as PyTorch's: arguments and defaults,
parameter names (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k},
``_reverse`` for the backward direction), shapes, the U(-1/sqrt(hidden_size), ...)
initialisation, state_dict order, reprs, inputs (L, N, H_in), (N, L, H_in) with
``batch_first`` or unbatched (L, H_in), and returns ``output, h_n`` (LSTM: ``output,
(h_n, c_n)``), h_n ordered layer-major, direction-minor.

Each layer and direction projects the whole sequence with one matmul (x @ W_ih^T + b_ih),
then runs the recurrence as one op (rnn_function.Recurrence). A PackedSequence input
(``nn.utils.rnn.pack_padded_sequence``) gives a PackedSequence output and each sequence's
state at its own length, as PyTorch: the layers run on the zero-padded, length-sorted batch
with a step mask that keeps the state through the padding (a reverse direction starts at each
sequence's last step); a given hx is in the original batch order (permuted by
``sorted_indices``) and so are h_n and c_n.

>>> lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True)
>>> output, (h_n, c_n) = lstm(x)        # x: (N, L, 10) -> output (N, L, 20), h_n (2, N, 20)
>>> packed_out, h_n = nn.GRU(10, 20)(nn.utils.rnn.pack_sequence([a, b]))
"""
from __future__ import annotations

import numbers
import warnings
from typing import Any

from ..autograd.factories import zeros
from ..autograd.ops import concat, stack
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from . import functional as F
from .module import Module
from .parameter import Parameter
from .rnn_cells import check_input, check_sizes, check_state, uniform_init
from .rnn_function import recurrence
from .rnn_packed import PackedSequence, packed_steps, padded_steps, same_layout

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class _EmptySequenceError(RuntimeError, ValueError):
    """A zero-length sequence: a RuntimeError as in PyTorch, and a ValueError as before."""


class RNNBase(Module):
    """The parameters and the layer loop shared by RNN, LSTM and GRU (PyTorch's RNNBase)."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        check_sizes(name, input_size, hidden_size)
        if input_size <= 0:                      # cells allow 0, the layers (as torch) do not
            raise ValueError("input_size must be greater than zero")
        for what, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{what} should be of type bool, got: {type(value).__name__}")
        if (isinstance(dropout, bool) or not isinstance(dropout, numbers.Number)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if isinstance(num_layers, bool) or not isinstance(num_layers, int):
            raise TypeError(f"num_layers should be of type int, got: "
                            f"{type(num_layers).__name__}")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        if isinstance(proj_size, bool) or not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.proj_size = proj_size
        directions = 2 if self.bidirectional else 1
        real_hidden = proj_size or hidden_size
        gates = _GATES[mode] * hidden_size
        self._flat_weights_names: list = []
        self._all_weights: list = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else real_hidden * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (gates, layer_input)), ("weight_hh", (gates, real_hidden))]
                if self.bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    setattr(self, base + suffix,
                            Parameter(zeros(*shape, dtype=dtype, device=device)))
                    names.append(base + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        uniform_init(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """A no-op, for compatibility (PyTorch packs weights for cuDNN here)."""

    @property
    def all_weights(self) -> list:
        """The parameters of each layer and direction, as lists (PyTorch's ``all_weights``)."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    @property
    def _flat_weights(self) -> list:
        """Every parameter in ``_flat_weights_names`` order (PyTorch's ``_flat_weights``)."""
        return [getattr(self, n) for n in self._flat_weights_names]

    def _layer_weights(self, index: int) -> tuple:
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of layer-direction ``index`` (None if absent)."""
        found = {n.split("_l")[0]: getattr(self, n) for n in self._all_weights[index]}
        return (found["weight_ih"], found["weight_hh"], found.get("bias_ih"),
                found.get("bias_hh"), found.get("weight_hr"))

    def _initial(self, hx: Any, what: str, feature: int, x: Tensor, batched: bool) -> Tensor:
        """A state of shape (num_layers * D, N, feature), checked (or zeros)."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        if hx is None:
            return zeros(layers, x.shape[1], feature, dtype=x.dtype, device=x._backend)
        name = type(self).__name__
        require_tensor(hx, name)
        if batched and hx.ndim != 3:
            raise RuntimeError(f"{name}: for batched 3-D input, {what} should also be 3-D but "
                               f"got {hx.ndim}-D tensor of shape {tuple(hx.shape)}")
        if not batched and hx.ndim != 2:
            raise RuntimeError(f"{name}: for unbatched 2-D input, {what} should also be 2-D "
                               f"but got {hx.ndim}-D tensor of shape {tuple(hx.shape)}")
        shape = (layers, x.shape[1], feature) if batched else (layers, feature)
        check_state(name, what, hx, shape, x)
        return hx if batched else hx.unsqueeze(1)

    def _run(self, input: Any, h0: Any, c0: Any, has_cell: bool) -> tuple:
        """(output, h_n, c_n) in the caller's layout; c_n is None without a cell state."""
        name = type(self).__name__
        packed = input if isinstance(input, PackedSequence) else None
        mask = None
        if packed is not None:
            check_input(name, packed.data, self.input_size, (2, 3), self.weight_ih_l0)
            if packed.data.ndim != 2:
                raise RuntimeError(f"{name}: a PackedSequence's data must be 2-D (sum of "
                                   f"lengths, input_size), got shape "
                                   f"{tuple(packed.data.shape)}")
            x, mask, pack_index = padded_steps(name, packed)
            batched = True
        else:
            check_input(name, input, self.input_size, (2, 3), self.weight_ih_l0)
            batched = input.ndim == 3
            if not batched:
                x = input.unsqueeze(1)
            else:
                x = input.transpose(0, 1) if self.batch_first else input
        length = x.shape[0]
        if length == 0:
            raise _EmptySequenceError(f"{name}: expected a sequence length larger than 0, got "
                                      f"input of "
                             f"shape {tuple(input.shape)}")
        out_size = self.proj_size or self.hidden_size
        h0 = self._initial(h0, "h_0" if has_cell else "hx", out_size, x, batched)
        c0 = self._initial(c0, "c_0", self.hidden_size, x, batched) if has_cell else None
        if packed is not None and packed.sorted_indices is not None:
            h0 = h0.index_select(1, packed.sorted_indices)
            c0 = None if c0 is None else c0.index_select(1, packed.sorted_indices)
        directions = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                index = layer * directions + direction
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(index)
                xw = F.linear(x, w_ih, b_ih)              # every step in one matmul
                both = recurrence(self.mode, xw, h0[index], None if c0 is None else c0[index],
                                  w_hh, b_hh, w_hr, direction == 1, mask)
                last = 0 if direction == 1 else length - 1   # masked: each one's own end
                if has_cell:
                    outs.append(both[..., :out_size])
                    h_n.append(both[last, :, :out_size])
                    c_n.append(both[last, :, out_size:])
                else:
                    outs.append(both)
                    h_n.append(both[last])
            x = outs[0] if directions == 1 else concat(outs, axis=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        h = stack(h_n)
        c = stack(c_n) if has_cell else None
        if packed is not None:
            out = same_layout(packed, packed_steps(x, pack_index))
            unsort = packed.unsorted_indices
            if unsort is not None:
                h = h.index_select(1, unsort)
                c = None if c is None else c.index_select(1, unsort)
            return out, h, c
        if not batched:
            return x.squeeze(1), h.squeeze(1), None if c is None else c.squeeze(1)
        return (x.transpose(0, 1) if self.batch_first else x), h, c

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked
    ``num_layers`` deep, optionally bidirectional; dropout between layers while training.

    >>> output, h_n = nn.RNN(10, 20, num_layers=2)(x, h0)   # x (L, N, 10), h0 (2, N, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | None = None) -> tuple:
        output, h_n, _ = self._run(input, hx, None, False)
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o): c_t = f * c_{t-1} + i * g,
    h_t = o * tanh(c_t), times W_hr^T when ``proj_size`` > 0 (h then has proj_size
    features). Returns ``output, (h_n, c_n)``.

    >>> output, (h_n, c_n) = nn.LSTM(10, 20, batch_first=True)(x, (h0, c0))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)

    def forward(self, input: Tensor | PackedSequence, hx: tuple | None = None) -> tuple:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        h0, c0 = (None, None) if hx is None else hx
        if (h0 is None) != (c0 is None):
            raise TypeError("LSTM: give both h_0 and c_0, or neither")
        output, h_n, c_n = self._run(input, h0, c0, True)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n): n_t = tanh(W_in x_t + b_in + r * (W_hn h + b_hn)),
    h_t = (1 - z) * n_t + z * h_{t-1}. Returns ``output, h_n``.

    >>> output, h_n = nn.GRU(10, 20, bidirectional=True)(x)  # output (L, N, 40)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | None = None) -> tuple:
        output, h_n, _ = self._run(input, hx, None, False)
        return output, h_n
