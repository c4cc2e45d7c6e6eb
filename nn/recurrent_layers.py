"""Recurrent layers, as torch.nn: RNN, LSTM and GRU (multi-layer, bidirectional, LSTM
projections) in ``rnn_layers``, and the single-step RNNCell, LSTMCell and GRUCell in
``rnn_cells``. Packed sequences (``nn.utils.rnn.pack_padded_sequence``) are not supported.

>>> output, (h_n, c_n) = nn.LSTM(10, 20, num_layers=2)(x)      # x: (L, N, 10)
"""
from __future__ import annotations

from .rnn_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from .rnn_layers import GRU, LSTM, RNN, RNNBase

__all__: list[str] = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell",
                      "GRUCell"]
