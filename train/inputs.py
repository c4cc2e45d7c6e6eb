"""fit's Keras arguments that shape the data: validation_split, sample_weight,
validation_freq, steps_per_epoch, and the checks that name a bad value.

>>> train, val = split_validation((X, y), 0.2)      # the last 20%, before any shuffling
"""
from __future__ import annotations

import math
import numbers
from itertools import islice
from typing import Any, Iterator

from ..data import DataLoader


def _count(a: Any) -> int:
    shape = getattr(a, "shape", None)
    if shape is not None and len(shape):
        return int(shape[0])
    return len(a)


def _is_int(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Integral)


def attach_sample_weight(train_data: Any, sample_weight: Any) -> Any:
    """(X, y) with ``sample_weight`` (one weight per sample) as a third column.

    >>> attach_sample_weight((X, y), w)       # (X, y, w)
    """
    if sample_weight is None:
        return train_data
    if isinstance(train_data, DataLoader):
        raise ValueError("fit: sample_weight cannot be combined with a DataLoader; make the "
                         "loader yield (inputs, targets, sample_weight) batches instead")
    if not isinstance(train_data, (tuple, list)) or len(train_data) != 2:
        got = len(train_data) if isinstance(train_data, (tuple, list)) else \
            type(train_data).__name__
        raise ValueError(f"fit: sample_weight needs train_data as (inputs, targets), got "
                         f"{got}{' items (weights already given?)' if got == 3 else ''}")
    n, m = _count(train_data[0]), _count(sample_weight)
    if n != m:
        raise ValueError(f"fit: sample_weight holds {m} weights but train_data has {n} "
                         "samples; pass one weight per sample")
    return (train_data[0], train_data[1], sample_weight)


def split_validation(train_data: Any, validation_split: Any) -> tuple[Any, Any]:
    """Keras' validation_split: the last ``validation_split`` fraction of the samples (taken
    before shuffling; ``floor(n * (1 - split))`` samples train) becomes the validation data,
    sample weights included.

    >>> train, val = split_validation((X, y), 0.25)
    """
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) \
            or not 0.0 <= validation_split < 1.0:
        raise ValueError(f"fit: validation_split must be a number in [0, 1), got "
                         f"{validation_split!r}")
    if validation_split == 0:
        return train_data, None
    if isinstance(train_data, DataLoader) or not isinstance(train_data, (tuple, list)):
        raise ValueError("fit: validation_split needs train_data as arrays or tensors "
                         "(inputs, targets); with a DataLoader pass validation_data")
    n = _count(train_data[0])
    split_at = int(math.floor(n * (1.0 - float(validation_split))))
    if split_at == 0 or split_at == n:
        raise ValueError(f"fit: train_data has {n} samples, too few to split with "
                         f"validation_split={validation_split!r} (it would leave "
                         f"{split_at} for training and {n - split_at} for validation)")
    train = tuple(a[:split_at] for a in train_data)
    val = tuple(a[split_at:] for a in train_data)
    return train, val


def validation_epochs(validation_freq: Any) -> Any:
    """A predicate epoch (0-based) -> validate? for an int frequency or 1-based epochs.

    >>> validation_epochs(2)(1)           # the 2nd epoch is validated
    True
    """
    if _is_int(validation_freq):
        if validation_freq < 1:
            raise ValueError(f"fit: validation_freq must be >= 1, got {validation_freq!r}")
        return lambda epoch: (epoch + 1) % int(validation_freq) == 0
    if isinstance(validation_freq, (list, tuple, set, frozenset, range)) and all(
            _is_int(e) for e in validation_freq):
        chosen = {int(e) for e in validation_freq}
        return lambda epoch: epoch + 1 in chosen
    raise ValueError(f"fit: validation_freq must be an int or a list of 1-based epochs to "
                     f"validate after, got {validation_freq!r}")


def check_steps(value: Any, name: str) -> int | None:
    """``value`` as a positive int, or None."""
    if value is None:
        return None
    if not _is_int(value) or value < 1:
        raise ValueError(f"fit: {name} must be a positive integer or None, got {value!r}")
    return int(value)


class EpochBatches:
    """The batches of each epoch: one pass over the loader (epoch e's order), or with
    ``steps`` exactly that many batches per epoch from a stream that starts a new pass
    (reshuffled) whenever one runs out, so an epoch may span passes.

    >>> batches = EpochBatches(loader, steps=None); list(batches.epoch(0))
    """

    def __init__(self, loader: DataLoader, steps: int | None) -> None:
        self.loader, self.steps = loader, steps
        self._it: Iterator[Any] | None = None

    def __len__(self) -> int:
        return self.steps if self.steps is not None else len(self.loader)

    def epoch(self, epoch: int) -> Iterator[Any]:
        if self.steps is None:
            self.loader.set_epoch(epoch)    # epoch e always sees the same order
            return iter(self.loader)
        if self._it is None:
            self.loader.set_epoch(epoch)
        return self._take(self.steps)

    def _take(self, steps: int) -> Iterator[Any]:
        done = 0
        while done < steps:
            new = self._it is None
            if new:
                self._it = iter(self.loader)
            got = 0
            for batch in self._it:
                got += 1
                done += 1
                yield batch
                if done == steps:
                    return
            self._it = None
            if new and not got:
                return                           # an empty loader: no endless loop


def limited(loader: DataLoader, steps: int | None) -> Iterator[Any]:
    """The loader's batches, the first ``steps`` only when given."""
    return iter(loader) if steps is None else islice(iter(loader), steps)
