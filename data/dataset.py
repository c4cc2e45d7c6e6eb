"""Datasets: the map-style ``Dataset`` protocol (``len`` + ``__getitem__``) and
``TensorDataset``, which holds whole arrays and gathers a batch with one fancy-indexing call.

Arrays stay where they are: NumPy arrays (and tensors on ``"cpu"``, whose data are NumPy
arrays) are gathered on the host; tensors on a device are gathered on that device.

>>> ds = TensorDataset(X, y); len(ds), ds[0]          # (303, (X[0], y[0]))
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from ..autograd.tensor import Tensor, make_tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ChainDataset",
           "collate"]


class Dataset:
    """A map-style data set: ``len(ds)`` samples, ``ds[i]`` returns sample ``i``.

    Subclass it and define ``__len__`` and ``__getitem__``; a sample is an array, a number or
    a tuple of them (e.g. ``(features, label)``). Define ``gather(indices)`` too when a whole
    batch can be fetched faster than sample by sample (TensorDataset does).

    >>> class Squares(Dataset):
    ...     def __len__(self): return 10
    ...     def __getitem__(self, i): return np.float32(i), np.float32(i * i)
    """

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Any) -> Any:
        """``a + b`` is ``ConcatDataset([a, b])``, as PyTorch's.

        >>> both = train + extra
        """
        from .subsets import ConcatDataset
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A data set read as a stream: subclass it and define ``__iter__`` (yielding samples).

    A DataLoader iterates it and batches as it goes; it has no indices, so ``shuffle`` and
    samplers are refused. ``len()`` raises TypeError unless the subclass defines ``__len__``
    (as PyTorch's); ``a + b`` chains two streams (``ChainDataset``).

    >>> class Count(IterableDataset):
    ...     def __iter__(self): return iter(np.arange(10, dtype="float32"))
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self) -> int:
        raise TypeError(f"object of type {type(self).__name__!r} has no len()")

    def __getitem__(self, index: int) -> Any:
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate it, it has no "
                        "indices")

    def __add__(self, other: Any) -> "ChainDataset":
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several IterableDatasets one after the other, read lazily (PyTorch's ChainDataset).

    >>> stream = ChainDataset([first_stream, second_stream])
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def _checked(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield d

    def __iter__(self) -> Iterator[Any]:
        for d in self._checked():
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self._checked())


def take(value: Any, indices: np.ndarray) -> Any:
    """Rows ``indices`` of an array (NumPy result) or of a tensor (a detached tensor on its device).

    >>> take(np.arange(5), np.array([4, 0]))         # array([4, 0])
    """
    if isinstance(value, Tensor):
        backend = value.backend
        if value.device == "cpu":
            return make_tensor(np.take(value.data, indices, axis=0), backend, False, None)
        key = backend.from_host(np.asarray(indices, dtype=np.int64))
        return make_tensor(backend.getitem(value.data, key), backend, False, None)
    return np.take(np.asarray(value), indices, axis=0)


def _check_array(value: Any, position: int, owner: str) -> Any:
    """A tensor as it is, anything else as a NumPy array with a numeric or bool dtype."""
    if isinstance(value, Tensor):
        if value.ndim == 0:
            raise ValueError(f"{owner}: argument {position} is a 0-d tensor; every array needs "
                             "a first dimension that counts samples")
        return value.detach()
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{owner}: argument {position} has dtype {array.dtype}; only numeric or "
                        "bool arrays can become tensors (encode strings as numbers first)")
    if array.ndim == 0:
        raise ValueError(f"{owner}: argument {position} is a scalar; every array needs a first "
                         "dimension that counts samples")
    return array


class TensorDataset(Dataset):
    """Samples ``i`` of several arrays or tensors with the same first dimension.

    ``ds[i]`` is the tuple ``(a[i], b[i], ...)``; ``ds.gather(idx)`` the tuple of batches
    ``(a[idx], b[idx], ...)`` (NumPy arrays for host data, tensors for device tensors).

    >>> ds = TensorDataset(np.zeros((100, 29), "float32"), np.ones((100, 1), "float32"))
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array, e.g. TensorDataset(X, y)")
        self.arrays = tuple(_check_array(a, i, "TensorDataset") for i, a in enumerate(arrays))
        lengths = [a.shape[0] for a in self.arrays]
        if len(set(lengths)) != 1:
            first = next(i for i, n in enumerate(lengths) if n != lengths[0])
            raise ValueError(
                f"TensorDataset: Size mismatch between tensors: all arrays need the same first dimension (number of samples), "
                f"got lengths {lengths}: argument 0 has {lengths[0]} samples but argument "
                f"{first} has {lengths[first]}")
        self._length = lengths[0]

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> tuple:
        return tuple(a[index] for a in self.arrays)

    def gather(self, indices: np.ndarray) -> tuple:
        """The batch of samples ``indices``: one fancy-indexing call per array.

        >>> xb, yb = ds.gather(np.array([3, 1, 4]))
        """
        return tuple(take(a, indices) for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(str(tuple(a.shape)) for a in self.arrays)
        return f"TensorDataset({shapes})"


def collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch (the DataLoader's host-side collation): a tuple of
    stacked fields for tuple samples, a dict for dicts, else one stacked field; leaves are
    NumPy arrays, or tensors for samples on a device. ``default_collate`` gives tensors.

    >>> collate([(np.zeros(3), 0), (np.ones(3), 1)])     # (array (2, 3), array([0, 1]))
    """
    from .collate import collate_host
    return collate_host(list(samples), tuples=tuple)


class StackDataset(Dataset):
    """Samples of several data sets of one length side by side: ``StackDataset(a, b)[i]`` is
    ``(a[i], b[i])``, ``StackDataset(x=a, y=b)[i]`` is ``{"x": a[i], "y": b[i]}`` (PyTorch's).

    >>> pairs = StackDataset(images, labels)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: Supported either ``tuple``- (via ``args``) or "
                             "``dict``- (via ``kwargs``) like input/output, but both types are "
                             "given.")
        if not args and not kwargs:
            raise ValueError("StackDataset: At least one dataset should be passed")
        self.datasets: Any = args if args else kwargs
        parts = list(args) if args else list(kwargs.values())
        lengths = [len(d) for d in parts]
        if any(n != lengths[0] for n in lengths):
            names = list(range(len(args))) if args else list(kwargs)
            raise ValueError(f"StackDataset: Size mismatch between datasets: lengths "
                             f"{dict(zip(names, lengths))}")
        self._length = lengths[0]

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list) -> list:
        """The samples ``indices``, each part fetched in one call where it can (``__getitems__``).

        >>> StackDataset(a, b).__getitems__([0, 2])          # [(a[0], b[0]), (a[2], b[2])]
        """
        def part(d: Any) -> list:
            many = getattr(d, "__getitems__", None)
            items = list(many(indices)) if callable(many) else [d[i] for i in indices]
            if len(items) != len(indices):
                raise ValueError(f"StackDataset: Nested dataset's output size mismatch. "
                                 f"Expected {len(indices)}, got {len(items)}")
            return items

        if isinstance(self.datasets, dict):
            columns = {k: part(d) for k, d in self.datasets.items()}
            return [{k: columns[k][j] for k in columns} for j in range(len(indices))]
        return list(zip(*(part(d) for d in self.datasets)))

    def __repr__(self) -> str:
        return f"StackDataset({len(self)} samples)"
