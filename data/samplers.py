"""Samplers, as torch.utils.data: the order in which a DataLoader visits a map-style data set.

A sampler is an iterable of indices (``BatchSampler``: of lists of indices) with a ``len``.
The random ones draw with a NumPy Generator. ``generator=`` takes None, an int seed (a
Generator made from it when the sampler is made, so successive iterations differ and a new
sampler with the same seed repeats them) or a ``numpy.random.Generator``; a torch.Generator
is not accepted (pass its seed instead). With None, iteration ``k`` of a sampler draws from
``np.random.default_rng(seed + k)``, ``seed`` being the last ``xg.manual_seed`` (read when the
iteration starts) or, without one, a random seed drawn when the sampler was made: the
DataLoader's shuffling convention, so ``RandomSampler(ds)`` under ``xg.manual_seed(s)`` visits
the same order as ``DataLoader(ds, shuffle=True)`` in its first epoch.

>>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
[[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
"""
from __future__ import annotations

from itertools import islice
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .. import backends
from ..autograd.tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def as_generator(generator: Any, owner: str) -> np.random.Generator | None:
    """None, or a NumPy Generator for ``generator`` (None, an int seed or a Generator).

    >>> as_generator(0, "RandomSampler").integers(10)
    """
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    from ..backends.generator import Generator
    if isinstance(generator, Generator):          # xg.Generator: its NumPy stream
        return generator.numpy_generator
    if _is_int(generator):
        if generator < 0:
            raise ValueError(f"{owner}: generator seed must be non-negative, got {generator}")
        return np.random.default_rng(int(generator))
    hint = ("; a torch.Generator is not accepted (xpgrad draws with NumPy): pass its seed "
            "or an xg.Generator, "
            "e.g. generator=0" if type(generator).__module__.startswith("torch") else "")
    raise TypeError(f"{owner}: generator must be None, an int seed, an xg.Generator or a "
                    "numpy.random.Generator, "
                    f"got {type(generator).__name__}{hint}")


class _Draws:
    """The Generator of each iteration: the given one, else ``default_rng(seed + k)``."""

    def __init__(self, generator: Any, owner: str) -> None:
        self.generator = as_generator(generator, owner)
        self._fallback = int(np.random.SeedSequence().entropy % (1 << 63))
        self._count = 0

    def next(self) -> np.random.Generator:
        if self.generator is not None:
            return self.generator
        seed = self._fallback if backends._SEED[0] is None else int(backends._SEED[0])
        rng = np.random.default_rng((seed + self._count) % (1 << 64))
        self._count += 1
        return rng


class Sampler:
    """Base class: subclasses define ``__iter__`` (indices, or lists of them) and usually
    ``__len__``.

    >>> class Backwards(Sampler):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(self.n - 1, -1, -1))
    ...     def __len__(self): return self.n
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``.

    >>> list(SequentialSampler(range(3)))                 # [0, 1, 2]
    """

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices of ``data_source``: a new permutation each iteration, or, with
    ``replacement=True``, ``num_samples`` independent draws. Without replacement and
    ``num_samples > len``, whole permutations follow each other (PyTorch's rule).

    >>> order = list(RandomSampler(range(10), generator=0))
    """

    def __init__(self, data_source: Any, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not _is_int(self.num_samples) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")
        self._draws = _Draws(generator, "RandomSampler")
        self.generator = self._draws.generator

    @property
    def num_samples(self) -> int:
        """How many indices one iteration yields (``len(data_source)`` by default)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, count = len(self.data_source), int(self.num_samples)
        rng = self._draws.next()
        if self.replacement:
            chunk = 1 << 16                        # drawn lazily: num_samples may be huge
            for start in range(0, count, chunk):
                yield from rng.integers(0, n, size=min(chunk, count - start)).tolist()
            return
        for _ in range(count // n):
            yield from rng.permutation(n).tolist()
        if count % n:
            yield from rng.permutation(n)[:count % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The elements of ``indices`` in a new random order each iteration.

    >>> list(SubsetRandomSampler([10, 20, 30], generator=0))      # e.g. [30, 10, 20]
    """

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = indices
        self._draws = _Draws(generator, "SubsetRandomSampler")
        self.generator = self._draws.generator

    def __iter__(self) -> Iterator[Any]:
        for i in self._draws.next().permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices of ``[0, len(weights))`` drawn with probabilities proportional
    to ``weights``; without replacement, an index is drawn at most once per iteration.

    >>> list(WeightedRandomSampler([0.1, 0.9, 0.4], 5, generator=0))   # mostly 1s
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        if not _is_int(num_samples) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        if isinstance(weights, Tensor):
            weights = weights.numpy()
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        # PyTorch finds these at the first draw (torch.multinomial); here they fail early
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("WeightedRandomSampler: weights must be finite and non-negative, "
                             f"got min {w.min() if w.size else None}")
        if w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: the weights sum to 0; at least one must be "
                             "positive")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without "
                             f"replacement from {np.count_nonzero(w)} non-zero weights")
        self.weights, self.num_samples, self.replacement = w, int(num_samples), replacement
        self._draws = _Draws(generator, "WeightedRandomSampler")
        self.generator = self._draws.generator

    def __iter__(self) -> Iterator[int]:
        rng = self._draws.next()
        p = self.weights / self.weights.sum()
        # NumPy's choice without replacement draws one by one among those left, as multinomial
        picks = rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return iter(picks.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler`` (any iterable of indices); the last
    one is shorter unless ``drop_last``.

    >>> list(BatchSampler(range(5), batch_size=2, drop_last=True))   # [[0, 1], [2, 3]]
    """

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self) -> Iterator[list]:
        it = iter(self.sampler)
        while True:
            batch = list(islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
