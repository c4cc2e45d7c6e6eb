"""DataLoader: iterate over a data set in (optionally shuffled) mini-batches of tensors.

Host data (NumPy arrays, cpu tensors) are gathered on the host with one NumPy fancy-indexing
call per array, so each batch costs one host-to-device transfer per array; tensors already on
a device are gathered there and never visit the host.

Shuffling uses the loader's own NumPy Generator: epoch ``e`` visits the permutation
``np.random.default_rng(seed + e).permutation(n)``, so an epoch's order depends only on the
seed and the epoch number (``set_epoch``), never on what ran before. ``xg.distributed``'s
``shard_indices(n, epoch_seed=seed + e)`` uses the same convention.

PyTorch's other ways are here too: ``sampler=`` / ``batch_sampler=`` fix the order,
``shuffle=True, generator=g`` shuffles with a NumPy Generator (``samplers``), ``batch_size=None``
yields samples one by one, and an ``IterableDataset`` is read as a stream, batched as it goes.

>>> loader = DataLoader((X, y), batch_size=32, shuffle=True, seed=0, device="cuda")
>>> for xb, yb in loader: ...
"""
from __future__ import annotations

import math
from itertools import islice
from typing import Any, Iterator

import numpy as np

from .. import backends
from ..autograd.tensor import Tensor
from .collate import collate_host, to_tensors
from .dataset import Dataset, IterableDataset, TensorDataset
from .samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler, _is_int,
                       as_generator)

__all__ = ["DataLoader"]


def _is_array_like(value: Any) -> bool:
    return isinstance(value, Tensor) or (hasattr(value, "shape") and hasattr(value, "dtype"))


def _check_count(name: str, value: Any) -> int:
    if not _is_int(value) or value < 1:
        raise ValueError(f"DataLoader: {name} must be a positive integer, got {value!r}")
    return int(value)


# PyTorch's worker and memory options: accepted and without effect (batches are made in the
# calling thread; host arrays go to the device in one transfer per batch).
_TORCH_ONLY = {"persistent_workers", "prefetch_factor", "timeout", "worker_init_fn",
               "multiprocessing_context", "pin_memory_device", "in_order"}


class _LoaderOrder(Sampler):
    """The loader's own order (``loader.sampler`` when it shuffles by seed or shards): epoch
    ``e``'s permutation of ``seed + e``, or this rank's shard of it."""

    def __init__(self, loader: "DataLoader") -> None:
        self.loader = loader

    def __iter__(self) -> Iterator[int]:
        return iter(self.loader.epoch_indices(self.loader.epoch).tolist())

    def __len__(self) -> int:
        return self.loader._sample_count()


class DataLoader:
    """Mini-batches of a data set as tensors on ``device``.

    ``data`` is a Dataset (anything with ``len`` and ``__getitem__``), an IterableDataset, a
    TensorDataset, a tuple or list of arrays/tensors with the same first dimension
    (``(X, y)``), or one array. Iterating yields a tuple of tensors per batch, or a single
    tensor when ``data`` is one array (or a Dataset whose samples are not tuples); tuple
    samples give tuple batches (PyTorch's default_collate gives lists), other structures follow
    ``default_collate`` (dicts, namedtuples, lists, strings). A tuple or list is always read as
    several arrays: pass one array of rows as ``np.asarray(rows)``.

    ``batch_size``: samples per batch (1 by default, as PyTorch's); the last batch is smaller
    unless ``drop_last=True``, which drops it; ``batch_size=None`` turns batching off: each
    sample is yielded as it is, its arrays made tensors (``default_convert``). ``shuffle``: a
    new permutation every epoch (see the module docstring); ``seed`` defaults to the seed of
    the last ``xg.manual_seed`` (read when an epoch starts) and, without one, to a random seed
    drawn once when the loader is made. ``generator`` (None, an int seed or a NumPy Generator;
    not a torch.Generator) shuffles with that Generator instead (``RandomSampler``; then
    ``set_epoch`` does not replay an epoch). ``device``: where batches go; None keeps tensors
    on their device and puts host arrays on ``"cpu"``. Dtypes are kept (float64 arrays give
    float64 tensors; convert with ``.astype`` first).
    ``shard=True`` (data-parallel training): each rank iterates only its own equal-sized,
    disjoint part of every epoch's order (``xg.distributed.shard_indices``; the last
    ``n % world_size`` samples of the order are dropped), so all ranks run the same number
    of steps; the fallback seed is rank 0's, so the ranks agree on the permutation.
    As in PyTorch, ``collate_fn`` turns a list of samples into a batch (arrays and tensors in
    what it returns go to ``device``), ``sampler`` (an iterable of indices) fixes the order,
    ``batch_sampler`` (an iterable of lists of indices) fixes the batches and excludes
    ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``, and the worker options
    (``num_workers``, ``pin_memory``, ``persistent_workers``, ...) are accepted without effect.
    ``loader.sampler`` and ``loader.batch_sampler`` are set as PyTorch sets them (None for an
    IterableDataset).

    >>> for xb, yb in DataLoader((X, y), batch_size=32, shuffle=True, seed=0): ...
    """

    def __init__(self, data: Any, batch_size: int | None = 1, shuffle: bool = False,
                 drop_last: bool = False, seed: int | None = None, device: Any = None,
                 shard: bool = False, collate_fn: Any = None, sampler: Any = None,
                 num_workers: int = 0, pin_memory: bool = False, *, batch_sampler: Any = None,
                 generator: Any = None, **torch_only: Any) -> None:
        unknown = set(torch_only) - _TORCH_ONLY
        if unknown:
            raise TypeError(f"DataLoader: unexpected keyword argument(s) {sorted(unknown)}")
        if not _is_int(num_workers) or num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use "
                             f"num_workers=0 to disable multiprocessing, got {num_workers!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {collate_fn!r}")
        if seed is not None and not _is_int(seed):
            raise TypeError(f"DataLoader: seed must be an int or None, got {seed!r}")
        self.dataset, self._single = self._as_dataset(data)
        self._iterable = isinstance(self.dataset, IterableDataset)
        self._check_options(shuffle, sampler, batch_sampler, batch_size, drop_last, seed,
                            generator, shard)
        self.collate_fn = collate_fn
        self.num_workers, self.pin_memory = int(num_workers), bool(pin_memory)
        self.batch_size = None if batch_size is None or batch_sampler is not None else \
            _check_count("batch_size", batch_size)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.seed = None if seed is None else int(seed)
        self.generator = as_generator(generator, "DataLoader")
        self._fallback_seed = int(np.random.SeedSequence().entropy % (1 << 63))
        self.shard = bool(shard)
        if self.shard:
            from ..distributed import get_world
            world = get_world()
            if world.size > 1:              # every rank must draw the same permutation
                self._fallback_seed = world.comm.bcast(self._fallback_seed, root=0)
        self.device = None if device is None else backends.canonical_device(device)
        self._epoch = 0
        self._user_sampler, self._user_batches = sampler is not None, batch_sampler is not None
        self.sampler, self.batch_sampler = self._samplers(sampler, batch_sampler)

    # ---- construction -----------------------------------------------------------------
    def _check_options(self, shuffle: Any, sampler: Any, batch_sampler: Any, batch_size: Any,
                       drop_last: Any, seed: Any, generator: Any, shard: bool) -> None:
        """PyTorch's exclusions between the ordering options, with its messages."""
        if self._iterable:
            for name, value in (("shuffle", shuffle if shuffle else None), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value is not None:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True are mutually exclusive (the "
                             "sampler decides the order)")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass seed= or generator=, not both (both decide the "
                             "shuffling)")
        if shard and (self._iterable or sampler is not None or batch_sampler is not None
                      or generator is not None):
            raise ValueError("DataLoader: shard=True shards the loader's own order (seed=); it "
                             "cannot be combined with an IterableDataset, sampler=, "
                             "batch_sampler= or generator=")

    def _samplers(self, sampler: Any, batch_sampler: Any) -> tuple[Any, Any]:
        """``loader.sampler`` and ``loader.batch_sampler``, as PyTorch makes them."""
        if self._iterable:
            return None, None
        if batch_sampler is not None:
            return None, batch_sampler
        if sampler is None:
            if self.shuffle and self.generator is not None:
                sampler = RandomSampler(self.dataset, generator=self.generator)
            elif self.shuffle or self.shard:
                sampler = _LoaderOrder(self)
            else:
                sampler = SequentialSampler(self.dataset)
        if self.batch_size is None:
            return sampler, None
        return sampler, BatchSampler(sampler, self.batch_size, self.drop_last)

    @staticmethod
    def _as_dataset(data: Any) -> tuple[Any, bool]:
        """The dataset to index and whether batches are a single tensor rather than a tuple.
        A tuple/list of arrays is (X, y, ...) columns; any other list is a list of samples,
        collated as PyTorch collates them."""
        if isinstance(data, Dataset):
            return data, False
        if isinstance(data, (tuple, list)):
            if not data:
                raise ValueError("DataLoader: got an empty tuple/list; pass (X, y) or one array")
            if not all(_is_array_like(a) for a in data):
                return data, False      # samples, as PyTorch reads a list: [(x, y), ...]
            return TensorDataset(*data), False
        if _is_array_like(data):
            return TensorDataset(data), True
        if hasattr(data, "__len__") and hasattr(data, "__getitem__"):
            return data, False
        raise TypeError(f"DataLoader: cannot load batches from {type(data).__name__}; pass a "
                        "Dataset (len + __getitem__), an IterableDataset, a tuple of arrays "
                        "(X, y) or one array")

    # ---- epochs -----------------------------------------------------------------------
    @property
    def epoch(self) -> int:
        """The epoch the next iteration runs (advances by one each time iteration starts)."""
        return self._epoch

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration run epoch ``epoch`` (its permutation, when shuffling).

        >>> loader.set_epoch(3); batches = list(loader)    # the same batches every time
        """
        if not _is_int(epoch) or epoch < 0:
            raise ValueError(f"set_epoch: epoch must be a non-negative integer, got {epoch!r}")
        self._epoch = int(epoch)

    def _base_seed(self) -> int:
        if self.seed is not None:
            return self.seed
        return self._fallback_seed if backends._SEED[0] is None else int(backends._SEED[0])

    def epoch_indices(self, epoch: int) -> np.ndarray:
        """The sample order (int64) of epoch ``epoch``, before batching (with a sampler, a
        generator or a batch_sampler: one iteration of it, whatever ``epoch``).

        >>> DataLoader(X, shuffle=True, seed=0).epoch_indices(0)[:3]
        """
        if self._iterable:
            raise TypeError("DataLoader.epoch_indices: an IterableDataset has no indices")
        if self._user_batches:
            return np.asarray([int(i) for b in self.batch_sampler for i in b], dtype=np.int64)
        if self._user_sampler or (self.shuffle and self.generator is not None):
            return np.asarray([int(i) for i in self.sampler], dtype=np.int64)
        n = len(self.dataset)
        if self.shard:
            from ..distributed import shard_indices
            seed = (self._base_seed() + int(epoch)) % (1 << 64) if self.shuffle else None
            return shard_indices(n, seed)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        seed = (self._base_seed() + int(epoch)) % (1 << 64)
        return np.random.default_rng(seed).permutation(n).astype(np.int64)

    # ---- iteration --------------------------------------------------------------------
    def _sample_count(self) -> int:
        """Samples per epoch (map-style): the sampler's, or this rank's share."""
        n = len(self.sampler) if self._user_sampler else len(self.dataset)
        if self.shard:
            from ..distributed import world_size
            n //= world_size()
        return n

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)                # TypeError when the stream has no __len__
        elif self._user_batches:
            return len(self.batch_sampler)
        else:
            n = self._sample_count()
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        epoch, self._epoch = self._epoch, self._epoch + 1
        if self._iterable:
            return self._stream()
        if self._user_batches:
            return (self._fetch(list(b)) for b in self.batch_sampler)
        order = self.epoch_indices(epoch).tolist()   # decided now, not at the first next()
        if self.batch_size is None:
            return (self._one(self.dataset[i]) for i in order)
        return self._batches(order)

    def _stream(self) -> Iterator[Any]:
        samples = iter(self.dataset)
        if self.batch_size is None:
            yield from (self._one(s) for s in samples)
            return
        while True:
            chunk = list(islice(samples, self.batch_size))
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            yield self._collated(chunk)

    def _batches(self, order: list) -> Iterator[Any]:
        size = self.batch_size
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        for start in range(0, stop, size):
            yield self._fetch(order[start:start + size])

    def _fetch(self, indices: list) -> Any:
        gather = getattr(self.dataset, "gather", None)
        if gather is not None and self.collate_fn is None:
            return self._finish(gather(np.asarray(indices, dtype=np.int64)))
        many = getattr(self.dataset, "__getitems__", None)     # PyTorch's batched fetch
        samples = list(many(indices)) if callable(many) else [self.dataset[i] for i in indices]
        return self._collated(samples)

    def _collated(self, samples: list) -> Any:
        if self.collate_fn is not None:
            return self._convert(self.collate_fn(samples))
        return self._finish(collate_host(samples, tuples=tuple))

    def _finish(self, batch: Any) -> Any:
        out = self._convert(batch)
        return out[0] if self._single and isinstance(out, tuple) else out

    def _one(self, sample: Any) -> Any:
        """One sample without batching: its arrays (and NumPy scalars) as tensors."""
        if self.collate_fn is not None:
            return self._convert(self.collate_fn(sample))
        return self._finish(to_tensors(sample, self.device, scalars=True, tuples=tuple))

    def _convert(self, batch: Any) -> Any:
        """A batch with its arrays and tensors on the loader's device (one transfer each)."""
        return to_tensors(batch, self.device, tuples=tuple)

    def __repr__(self) -> str:
        try:
            batches = len(self)
        except TypeError:
            batches = "unknown"
        return (f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed}, "
                f"device={self.device!r}, batches={batches})")
