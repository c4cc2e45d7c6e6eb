"""DataLoader: iterate over a data set in (optionally shuffled) mini-batches of tensors.

Host data (NumPy arrays, cpu tensors) are gathered on the host with one NumPy fancy-indexing
call per array, so each batch costs one host-to-device transfer per array; tensors already on
a device are gathered there and never visit the host.

Shuffling uses the loader's own NumPy Generator: epoch ``e`` visits the permutation
``np.random.default_rng(seed + e).permutation(n)``, so an epoch's order depends only on the
seed and the epoch number (``set_epoch``), never on what ran before. ``xg.distributed``'s
``shard_indices(n, epoch_seed=seed + e)`` uses the same convention.

>>> loader = DataLoader((X, y), batch_size=32, shuffle=True, seed=0, device="cuda")
>>> for xb, yb in loader: ...
"""
from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from .. import backends
from ..autograd.tensor import Tensor, make_tensor
from .dataset import Dataset, TensorDataset, collate

__all__ = ["DataLoader"]


def _is_array_like(value: Any) -> bool:
    return isinstance(value, Tensor) or (hasattr(value, "shape") and hasattr(value, "dtype"))


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"DataLoader: {name} must be a positive integer, got {value!r}")
    return int(value)


# PyTorch's worker and memory options: accepted and without effect (batches are made in the
# calling thread; host arrays go to the device in one transfer per batch).
_TORCH_ONLY = {"persistent_workers", "prefetch_factor", "timeout", "worker_init_fn",
               "generator", "multiprocessing_context", "pin_memory_device", "in_order"}


class DataLoader:
    """Mini-batches of a data set as tensors on ``device``.

    ``data`` is a Dataset (anything with ``len`` and ``__getitem__``), a TensorDataset, a
    tuple or list of arrays/tensors with the same first dimension (``(X, y)``), or one array.
    Iterating yields a tuple of tensors per batch, or a single tensor when ``data`` is one
    array (or a Dataset whose samples are not tuples). A tuple or list is always read as
    several arrays: pass one array of rows as ``np.asarray(rows)``.

    ``batch_size``: samples per batch (1 by default, as PyTorch's); the last batch is smaller unless ``drop_last=True``,
    which drops it. ``shuffle``: a new permutation every epoch (see the module docstring);
    ``seed`` defaults to the seed of the last ``xg.manual_seed`` (read when an epoch starts)
    and, without one, to a random seed drawn once when the loader is made. ``device``: where
    batches go; None keeps tensors on their device and puts host arrays on ``"cpu"``.
    Dtypes are kept (float64 arrays give float64 tensors; convert with ``.astype`` first).
    ``shard=True`` (data-parallel training): each rank iterates only its own equal-sized,
    disjoint part of every epoch's order (``xg.distributed.shard_indices``; the last
    ``n % world_size`` samples of the order are dropped), so all ranks run the same number
    of steps; the fallback seed is rank 0's, so the ranks agree on the permutation.
    As in PyTorch, ``collate_fn`` turns a list of samples into a batch (arrays and tensors in
    what it returns go to ``device``), ``sampler`` (an iterable of indices) fixes the order,
    dict samples give dict batches, and the worker options (``num_workers``, ``pin_memory``,
    ...) are accepted without effect.

    >>> for xb, yb in DataLoader((X, y), batch_size=32, shuffle=True, seed=0): ...
    """

    def __init__(self, data: Any, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, seed: int | None = None, device: Any = None,
                 shard: bool = False, collate_fn: Any = None, sampler: Any = None,
                 num_workers: int = 0, pin_memory: bool = False, **torch_only: Any) -> None:
        unknown = set(torch_only) - _TORCH_ONLY
        if unknown:
            raise TypeError(f"DataLoader: unexpected keyword argument(s) {sorted(unknown)}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True are mutually exclusive (the "
                             "sampler decides the order)")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {collate_fn!r}")
        self.collate_fn, self.sampler = collate_fn, sampler
        self.num_workers, self.pin_memory = int(num_workers), bool(pin_memory)
        self.batch_size = _check_count("batch_size", batch_size)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"DataLoader: seed must be an int or None, got {seed!r}")
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = None if seed is None else int(seed)
        self._fallback_seed = int(np.random.SeedSequence().entropy % (1 << 63))
        self.shard = bool(shard)
        if self.shard:
            from ..distributed import get_world
            world = get_world()
            if world.size > 1:              # every rank must draw the same permutation
                self._fallback_seed = world.comm.bcast(self._fallback_seed, root=0)
        self.device = None if device is None else backends.canonical_device(device)
        self.dataset, self._single = self._as_dataset(data)
        self._epoch = 0

    # ---- construction -----------------------------------------------------------------
    @staticmethod
    def _as_dataset(data: Any) -> tuple[Any, bool]:
        """The dataset to index and whether batches are a single tensor rather than a tuple."""
        if isinstance(data, Dataset):
            return data, False
        if isinstance(data, (tuple, list)):
            if not data:
                raise ValueError("DataLoader: got an empty tuple/list; pass (X, y) or one array")
            if not all(_is_array_like(a) for a in data):
                kinds = [type(a).__name__ for a in data]
                raise TypeError(f"DataLoader: a tuple/list must hold arrays or tensors (e.g. "
                                f"(X, y)), got {kinds}; for one array of rows pass "
                                "np.asarray(rows)")
            return TensorDataset(*data), False
        if _is_array_like(data):
            return TensorDataset(data), True
        if hasattr(data, "__len__") and hasattr(data, "__getitem__"):
            return data, False
        raise TypeError(f"DataLoader: cannot load batches from {type(data).__name__}; pass a "
                        "Dataset (len + __getitem__), a tuple of arrays (X, y) or one array")

    # ---- epochs -----------------------------------------------------------------------
    @property
    def epoch(self) -> int:
        """The epoch the next iteration runs (advances by one each time iteration starts)."""
        return self._epoch

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration run epoch ``epoch`` (its permutation, when shuffling).

        >>> loader.set_epoch(3); batches = list(loader)    # the same batches every time
        """
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ValueError(f"set_epoch: epoch must be a non-negative integer, got {epoch!r}")
        self._epoch = int(epoch)

    def _base_seed(self) -> int:
        if self.seed is not None:
            return self.seed
        return self._fallback_seed if backends._SEED[0] is None else int(backends._SEED[0])

    def epoch_indices(self, epoch: int) -> np.ndarray:
        """The sample order (int64) of epoch ``epoch``, before batching.

        >>> DataLoader(X, shuffle=True, seed=0).epoch_indices(0)[:3]
        """
        n = len(self.dataset)
        if self.sampler is not None:
            return np.asarray([int(i) for i in self.sampler], dtype=np.int64)
        if self.shard:
            from ..distributed import shard_indices
            seed = (self._base_seed() + int(epoch)) % (1 << 64) if self.shuffle else None
            return shard_indices(n, seed)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        seed = (self._base_seed() + int(epoch)) % (1 << 64)
        return np.random.default_rng(seed).permutation(n).astype(np.int64)

    # ---- iteration --------------------------------------------------------------------
    def __len__(self) -> int:
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        if self.shard:
            from ..distributed import world_size
            n //= world_size()
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        order = self.epoch_indices(self._epoch)      # decided now, not at the first next()
        self._epoch += 1
        return self._batches(order)

    def _batches(self, order: np.ndarray) -> Iterator[Any]:
        size = self.batch_size
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        for start in range(0, stop, size):
            yield self._fetch(order[start:start + size])

    def _fetch(self, indices: np.ndarray) -> Any:
        if self.collate_fn is not None:
            return self._convert(self.collate_fn([self.dataset[int(i)] for i in indices]))
        gather = getattr(self.dataset, "gather", None)
        if gather is not None:
            batch = gather(indices)
        else:
            batch = collate([self.dataset[int(i)] for i in indices])
        if isinstance(batch, tuple):
            out = tuple(self._to_tensor(b) for b in batch)
            return out[0] if self._single else out
        if isinstance(batch, dict):
            return {k: self._to_tensor(v) for k, v in batch.items()}
        return self._to_tensor(batch)

    def _convert(self, batch: Any) -> Any:
        """What a collate_fn returned, with arrays and tensors on the loader's device."""
        if isinstance(batch, (tuple, list)):
            return type(batch)(self._convert(b) for b in batch)
        if isinstance(batch, dict):
            return {k: self._convert(v) for k, v in batch.items()}
        if isinstance(batch, (Tensor, np.ndarray)):
            return self._to_tensor(batch)
        return batch

    def _to_tensor(self, batch: Any) -> Tensor:
        """One batch array as a tensor on the loader's device (one transfer at most)."""
        if isinstance(batch, Tensor):
            return batch if self.device is None or batch.device == self.device else \
                batch.to(self.device)
        backend = backends.get_backend(self.device)
        return make_tensor(backend.from_host(np.ascontiguousarray(batch)), backend, False, None)

    def __repr__(self) -> str:
        return (f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed}, "
                f"device={self.device!r}, batches={len(self)})")
