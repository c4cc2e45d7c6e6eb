"""``nn.utils.rnn``, as PyTorch's: ``pad_sequence`` batches sequences of different lengths;
packed sequences (PackedSequence, ``pack_padded_sequence``, ``pad_packed_sequence``,
``pack_sequence``, ``unpad_sequence``, ``unpack_sequence``; in rnn_packed), which nn.RNN, LSTM
and GRU take and return.

>>> batch = nn.utils.rnn.pad_sequence([a, b, c], batch_first=True)   # (3, max_len, *)
>>> out, h_n = nn.GRU(3, 4)(nn.utils.rnn.pack_sequence([a, b, c], enforce_sorted=False))
"""
from __future__ import annotations

from typing import Sequence

from ..autograd.factories import full
from ..autograd.ops import concat, stack
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from .rnn_packed import (PackedSequence, pack_padded_sequence, pack_sequence,
                         pad_packed_sequence, unpack_sequence, unpad_sequence)

__all__ = ["pad_sequence", "PackedSequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into (max L, B, *) (``batch_first``: (B, max L, *)),
    padding each with ``padding_value`` on ``padding_side`` ('right' or 'left');
    differentiable w.r.t. every sequence.

    >>> nn.utils.rnn.pad_sequence([xg.ones(2, 3), xg.ones(1, 3)]).shape     # (2, 2, 3)
    """
    op = "pad_sequence"
    if padding_side not in ("right", "left"):
        raise ValueError(f"{op}: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}")
    sequences = list(sequences.unbind(0) if isinstance(sequences, Tensor) else sequences)
    if not sequences:
        raise RuntimeError(f"{op}: received an empty list of sequences")
    for s in sequences:
        require_tensor(s, op)
    first = sequences[0]
    if first.ndim == 0:
        raise ValueError(f"{op}: expected sequences of shape (L, *), got a 0-d tensor")
    trailing = tuple(first.shape[1:])
    for i, s in enumerate(sequences):
        if s.ndim == 0 or tuple(s.shape[1:]) != trailing:
            raise ValueError(f"{op}: sequence {i} has shape {tuple(s.shape)} but sequence 0 "
                             f"has {tuple(first.shape)}; all must be (L_i, "
                             f"{', '.join(map(str, trailing))})")
        if s.dtype is not first.dtype:
            raise TypeError(f"{op}: sequence {i} has dtype {s.dtype} but sequence 0 has "
                            f"{first.dtype}")
        if s._backend is not first._backend:
            raise RuntimeError(f"{op}: sequence {i} is on {s.device} but sequence 0 is on "
                               f"{first.device}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            pad = full((missing,) + trailing, padding_value, dtype=s.dtype, device=s._backend)
            s = concat([s, pad] if padding_side == "right" else [pad, s], axis=0)
        padded.append(s)
    return stack(padded, axis=0 if batch_first else 1)
