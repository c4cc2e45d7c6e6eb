"""Views of data sets, as torch.utils.data: Subset, ConcatDataset and random_split.

>>> train, val = random_split(dataset, [0.8, 0.2], seed=0)
"""
from __future__ import annotations

import bisect
import math
from typing import Any, Sequence

import numpy as np

from .dataset import Dataset


class Subset(Dataset):
    """The samples ``indices`` of ``dataset``, in that order.

    >>> first_hundred = Subset(dataset, range(100))
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = np.asarray(list(indices), dtype=np.int64)
        n = len(dataset)
        if self.indices.size and (self.indices.min() < -n or self.indices.max() >= n):
            raise IndexError(f"Subset: indices must be in [{-n}, {n}) for a data set of {n} "
                             f"samples, got {int(self.indices.min())} .. "
                             f"{int(self.indices.max())}")

    def __len__(self) -> int:
        return int(self.indices.size)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def gather(self, indices: np.ndarray) -> Any:
        """A batch in one call when the underlying data set can gather (TensorDataset)."""
        inner = getattr(self.dataset, "gather", None)
        if inner is None:
            from .dataset import collate
            return collate([self[int(i)] for i in indices])
        return inner(self.indices[np.asarray(indices, dtype=np.int64)])

    def __repr__(self) -> str:
        return f"Subset({self.dataset!r}, {len(self)} samples)"


class ConcatDataset(Dataset):
    """Several data sets one after the other.

    >>> both = ConcatDataset([train, extra])
    """

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected at least one data set")
        # Python ints, as PyTorch's: an inner data set is indexed with an int, never np.int64
        self.cumulative_sizes = [int(c) for c in np.cumsum([len(d) for d in self.datasets])]

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} samples")
        index = int(index) % n
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None, *,
                 seed: int | None = None) -> list[Subset]:
    """Split into non-overlapping random Subsets of the given lengths, or fractions in [0, 1]
    summing to 1 (as in PyTorch, any lengths whose sum is close to and at most 1, so ``[1]``
    is everything; the remainder is dealt one by one from the first, as PyTorch does). The order comes from
    ``generator`` (an int seed or a NumPy Generator, as the samplers take) or ``seed``, by
    default the last ``xg.manual_seed``.

    >>> train, val, test = random_split(dataset, [0.7, 0.15, 0.15], seed=0)
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1.0) and sum(lengths) <= 1.0:    # PyTorch's test
        for i, frac in enumerate(lengths):
            if not 0.0 <= frac <= 1.0:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1, "
                                 f"got {frac!r}")
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = [int(x) for x in lengths]
        if any(c < 0 for c in counts) or sum(counts) != n:
            raise ValueError(f"random_split: the lengths {lengths} must be non-negative and sum "
                             f"to the data set's {n} samples (or be fractions summing to 1)")
    if generator is not None and seed is not None:
        raise ValueError("random_split: pass generator= or seed=, not both")
    from .samplers import as_generator
    rng = as_generator(generator, "random_split")
    if rng is None:
        from .. import backends
        rng = np.random.default_rng(backends._SEED[0] if seed is None else seed)
    order = rng.permutation(n)
    out, start = [], 0
    for count in counts:
        out.append(Subset(dataset, order[start:start + count]))
        start += count
    return out
