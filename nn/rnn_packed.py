"""Packed sequences, as PyTorch's ``nn.utils.rnn``: a batch of sequences of different lengths
stored time step by time step without padding. ``PackedSequence(data, batch_sizes,
sorted_indices, unsorted_indices)``: ``data`` (sum of lengths, *) holds step 0 of every
sequence (longest first), then step 1 of those that are long enough, ...; ``batch_sizes``
(int64, on the CPU) how many sequences each step has; ``sorted_indices`` the batch order
used (None when the input was already sorted) and ``unsorted_indices`` its inverse.

Packing and padding are one gather each (differentiable); nn.RNN, LSTM and GRU take and return
PackedSequences (see rnn_layers).

>>> packed = nn.utils.rnn.pack_padded_sequence(x, [3, 1], batch_first=True)  # x (2, 3, *)
"""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from ..autograd.factories import full, tensor
from ..autograd.ops import argsort, concat
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence"]


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A packed batch of sequences (a named tuple, as PyTorch's); build one with
    :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand.

    >>> data, batch_sizes, sorted_indices, unsorted_indices = nn.utils.rnn.pack_sequence(seqs)
    """

    def __new__(cls, data: Any, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> "PackedSequence":
        if batch_sizes is None and isinstance(data, (tuple, list)):   # PyTorch's legacy form
            data, batch_sizes = data
        if batch_sizes is None:
            raise TypeError("PackedSequence: batch_sizes is required")
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = argsort(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        """``data.to(...)`` with the indices moved along (batch_sizes stays on the CPU).

        >>> packed.to("float64")
        """
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda i: None if i is None else i.to(data.device))
        return same_layout(self, data, move(self.sorted_indices), move(self.unsorted_indices))

    def cpu(self) -> "PackedSequence":
        return self.to("cpu")

    def cuda(self, index: int | None = None) -> "PackedSequence":
        return self.to("cuda" if index is None else f"cuda:{index}")

    def double(self) -> "PackedSequence":
        return self.to("float64")

    def float(self) -> "PackedSequence":
        return self.to("float32")

    @property
    def is_cuda(self) -> bool:
        return bool(self.data.is_cuda)


def same_layout(packed: PackedSequence, data: Tensor, sorted_indices: Any = None,
                unsorted_indices: Any = None) -> PackedSequence:
    """A PackedSequence of ``data`` laid out as ``packed`` (its indices unless given). The
    batch sizes and order are also kept as Python ints (``_layout``) where known, so that the
    layers and pad_packed_sequence need not read them back (a device sync, and a host read
    that xg.compile refuses; like every Python number a step reads, they are then frozen).
    """
    out = PackedSequence(data, packed.batch_sizes,
                         packed.sorted_indices if sorted_indices is None else sorted_indices,
                         packed.unsorted_indices if unsorted_indices is None else
                         unsorted_indices)
    layout = getattr(packed, "_layout", None)
    if layout is not None:
        out._layout = layout
    return out


def _int_list(values: Any, what: str, op: str) -> list:
    """A 1-D tensor or sequence of integers as a Python list."""
    if isinstance(values, Tensor):
        if values.ndim != 1:
            raise RuntimeError(f"{op}: '{what}' should be 1-D, got shape {tuple(values.shape)}")
        values = values.tolist()
    try:
        out = [int(v) for v in values]
    except (TypeError, ValueError):
        raise TypeError(f"{op}: '{what}' should be a 1-D sequence of integers, got "
                        f"{values!r}") from None
    return out


def _lengths(batch_sizes: list) -> list:
    """Each sorted sequence's length from the batch size of each step."""
    lengths = [0] * (batch_sizes[0] if batch_sizes else 0)
    for size in batch_sizes:
        for b in range(size):
            lengths[b] += 1
    return lengths


def _steps(data: Tensor, index: list, rest: tuple) -> Tensor:
    """Rows ``index`` of ``data`` flattened to (rows, *rest): one differentiable gather."""
    flat = data.reshape((-1,) + rest)
    return flat.index_select(0, tensor(index, dtype="int64", device=data._backend))


def _padded_batch(padded: Tensor, lengths: Any, batch_first: bool,
                  op: str) -> tuple[list[int], int, int]:
    """Checked ``lengths`` as ints, and the (steps, batch) sizes of a padded batch."""
    require_tensor(padded, op)
    if padded.ndim < 2:
        raise ValueError(f"{op}: expected input of shape (T, B, *) or, with "
                         f"batch_first, (B, T, *), got shape {tuple(padded.shape)}")
    steps, batch = (padded.shape[1], padded.shape[0]) if batch_first else padded.shape[:2]
    return _int_list(lengths, "lengths", op), steps, batch


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (``batch_first``: (B, T, *)) of sequences of ``lengths``;
    with ``enforce_sorted`` the lengths must be in decreasing order, else the batch is sorted
    (and ``sorted_indices`` records how). Differentiable w.r.t. ``input``.

    >>> nn.utils.rnn.pack_padded_sequence(x, [3, 2, 1]).batch_sizes    # tensor([3, 2, 1])
    """
    op = "pack_padded_sequence"
    lengths, steps, batch = _padded_batch(input, lengths, batch_first, op)
    if len(lengths) != batch:
        raise RuntimeError(f"{op}: Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lengths)} (batch_size={batch}, input shape "
                           f"{tuple(input.shape)})")
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError(f"{op}: `lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                               "to pack_padded_sequence and/or pack_sequence to sidestep this "
                               f"requirement (got lengths {lengths})")
        order, sorted_indices = list(range(batch)), None
    else:
        order = sorted(range(batch), key=lambda b: -lengths[b])
        sorted_indices = tensor(order, dtype="int64", device=input._backend)
    if not lengths:
        raise RuntimeError(f"{op}: cannot pack an empty batch (input shape "
                           f"{tuple(input.shape)})")
    if any(n <= 0 for n in lengths):
        raise RuntimeError(f"{op}: Length of all samples has to be greater than 0, but found "
                           f"an element in 'lengths' that is <= 0 (lengths {lengths})")
    if max(lengths) > steps:
        raise RuntimeError(f"{op}: a length of {max(lengths)} exceeds the {steps} steps of "
                           f"input of shape {tuple(input.shape)} (batch_first={batch_first})")
    ordered = [lengths[b] for b in order]
    batch_sizes = [sum(1 for n in ordered if n > t) for t in range(ordered[0])]
    if batch_first:
        index = [order[b] * steps + t for t, size in enumerate(batch_sizes)
                 for b in range(size)]
    else:
        index = [t * batch + order[b] for t, size in enumerate(batch_sizes)
                 for b in range(size)]
    data = _steps(input, index, tuple(input.shape[2:]))
    out = PackedSequence(data, tensor(batch_sizes, dtype="int64"), sorted_indices, None)
    unsort = [0] * batch
    for k, b in enumerate(order):
        unsort[b] = k
    out._layout = (batch_sizes, unsort)
    return out


def _check_packed(sequence: Any, op: str, need_order: bool = True) -> tuple:
    """(batch sizes, unsorted order) of a PackedSequence as Python ints, checked."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    layout = getattr(sequence, "_layout", None)
    batch_sizes = _int_list(sequence.batch_sizes, "batch_sizes", op) if layout is None else \
        layout[0]
    if not batch_sizes or sequence.data.ndim == 0 or \
            sum(batch_sizes) != sequence.data.shape[0]:
        raise ValueError(f"{op}: batch_sizes {batch_sizes} do not describe data of shape "
                         f"{tuple(sequence.data.shape)}")
    if layout is not None:
        return batch_sizes, layout[1]
    unsorted = sequence.unsorted_indices
    order = list(range(batch_sizes[0])) if unsorted is None or not need_order else \
        _int_list(unsorted, "unsorted_indices", op)
    return batch_sizes, order


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The inverse of :func:`pack_padded_sequence`: (padded (T, B, *) (``batch_first``: (B, T,
    *)) in the original batch order, the lengths as an int64 CPU tensor); T is the longest
    length, or ``total_length``. Differentiable w.r.t. the packed data.

    >>> padded, lengths = nn.utils.rnn.pad_packed_sequence(packed, batch_first=True)
    """
    op = "pad_packed_sequence"
    batch_sizes, order = _check_packed(sequence, op)
    data = sequence.data
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"{op}: Expected total_length to be at least the length of the "
                             f"longest sequence in input, but got total_length={total_length} "
                             f"and max sequence length being {steps}")
        steps = total_length
    offsets = [0]
    for size in batch_sizes:
        offsets.append(offsets[-1] + size)
    pad_row = offsets[-1]
    at = [[offsets[t] + b if t < len(batch_sizes) and b < batch_sizes[t] else pad_row
           for b in order] for t in range(steps)]
    index = [at[t][j] for j in range(len(order)) for t in range(steps)] if batch_first else \
        [i for row in at for i in row]
    rest = tuple(data.shape[1:])
    pad = full((1,) + rest, padding_value, dtype=data.dtype, device=data._backend)
    padded = _steps(concat([data, pad], axis=0), index, rest)
    shape = (len(order), steps) if batch_first else (steps, len(order))
    lengths = _lengths(batch_sizes)
    return padded.reshape(shape + rest), tensor([lengths[b] for b in order], dtype="int64")


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences of shapes (L_i, *) (decreasing L_i unless ``enforce_sorted``
    is False).

    >>> nn.utils.rnn.pack_sequence([xg.ones(3, 2), xg.ones(1, 2)]).data.shape   # (4, 2)
    """
    from .rnn_utils import pad_sequence
    sequences = list(sequences)
    for s in sequences:
        require_tensor(s, "pack_sequence")
    lengths = [s.shape[0] if s.ndim else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any,
                   batch_first: bool = False) -> list[Tensor]:
    """The sequences of a padded batch (T, B, *) (``batch_first``: (B, T, *)), each cut to
    its length.

    >>> a, b = nn.utils.rnn.unpad_sequence(padded, xg.tensor([3, 1]), batch_first=True)
    """
    op = "unpad_sequence"
    lengths, steps, batch_size = _padded_batch(padded_sequences, lengths, batch_first, op)
    batch = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    if len(lengths) != batch_size or any(n < 0 or n > steps for n in lengths):
        raise ValueError(f"{op}: lengths {lengths} do not fit a batch of shape "
                         f"{tuple(padded_sequences.shape)} (batch_first={batch_first})")
    return [batch[b, :n] for b, n in enumerate(lengths)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences a PackedSequence holds (the inverse of :func:`pack_sequence`).

    >>> a, b = nn.utils.rnn.unpack_sequence(nn.utils.rnn.pack_sequence([a, b]))
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


# ---- for the recurrent layers ---------------------------------------------------------------
def padded_steps(name: str, sequence: PackedSequence) -> tuple:
    """(x (T, B, *) time-major in the sorted batch order, zero-padded; mask (T, B, 1) of 1.0 at
    valid steps in x's dtype; the gather index that packs a (T, B, *) result again)."""
    batch_sizes, _ = _check_packed(sequence, name, need_order=False)
    data = sequence.data
    batch = batch_sizes[0]
    if any(a < b for a, b in zip(batch_sizes, batch_sizes[1:])):
        raise ValueError(f"{name}: batch_sizes must not increase, got {batch_sizes}")
    pack = [t * batch + b for t, size in enumerate(batch_sizes) for b in range(size)]
    unpack, row = [], 0
    for size in batch_sizes:              # row of data at (t, b), or the padding row after it
        unpack += list(range(row, row + size)) + [data.shape[0]] * (batch - size)
        row += size
    rest = tuple(data.shape[1:])
    pad = full((1,) + rest, 0.0, dtype=data.dtype, device=data._backend)
    x = _steps(concat([data, pad], axis=0), unpack, rest).reshape((len(batch_sizes), batch)
                                                                   + rest)
    mask = tensor([[[1.0 if b < size else 0.0] for b in range(batch)] for size in batch_sizes],
                  dtype=data.dtype, device=data._backend)
    return x, mask, pack


def packed_steps(x: Tensor, pack: list) -> Tensor:
    """The packed data of a time-major (T, B, F) result, from :func:`padded_steps`' index."""
    return _steps(x, pack, tuple(x.shape[2:]))
