"""Datasets: the map-style ``Dataset`` protocol (``len`` + ``__getitem__``) and
``TensorDataset``, which holds whole arrays and gathers a batch with one fancy-indexing call.

Arrays stay where they are: NumPy arrays (and tensors on ``"cpu"``, whose data are NumPy
arrays) are gathered on the host; tensors on a device are gathered on that device.

>>> ds = TensorDataset(X, y); len(ds), ds[0]          # (303, (X[0], y[0]))
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..autograd.tensor import Tensor, make_tensor

__all__ = ["Dataset", "TensorDataset", "collate"]


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
                f"TensorDataset: all arrays need the same first dimension (number of samples), "
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


def _stack_field(values: list, position: int) -> Any:
    """Stack one field of a list of samples: on the device for device tensors, else on the host."""
    if all(isinstance(v, Tensor) and v.device != "cpu" for v in values):
        backend = values[0].backend
        if any(v.backend is not backend for v in values):
            devices = sorted({v.device for v in values})
            raise ValueError(f"collate: field {position} has samples on several devices "
                             f"{devices}; keep one data set on one device")
        return make_tensor(backend.xp.stack([v.data for v in values]), backend, False, None)
    host = [v.numpy() if isinstance(v, Tensor) else v for v in values]
    try:
        out = np.stack([np.asarray(v) for v in host])
    except ValueError as exc:
        shapes = sorted({np.shape(v) for v in host})
        raise ValueError(f"collate: the samples' field {position} has different shapes "
                         f"{shapes}; every sample needs the same shape to form a batch") from exc
    if out.dtype.kind not in "biuf":
        raise TypeError(f"collate: field {position} has dtype {out.dtype}; samples must be "
                        "numbers, numeric arrays or tensors")
    return out


def collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch: a tuple of stacked fields, or one stacked field.

    >>> collate([(np.zeros(3), 0), (np.ones(3), 1)])     # (array (2, 3), array([0, 1]))
    """
    first = samples[0]
    if isinstance(first, dict):
        keys = list(first)
        for s in samples:
            if not isinstance(s, dict) or list(s) != keys:
                raise ValueError(f"collate: samples have different keys ({keys} against "
                                 f"{list(s) if isinstance(s, dict) else type(s).__name__})")
        return {k: _stack_field([s[k] for s in samples], i) for i, k in enumerate(keys)}
    if isinstance(first, (tuple, list)):
        width = len(first)
        for s in samples:
            if not isinstance(s, (tuple, list)) or len(s) != width:
                raise ValueError(f"collate: samples have different structures ({first!r:.60} "
                                 f"against {s!r:.60}); every sample needs {width} fields")
        return tuple(_stack_field([s[k] for s in samples], k) for k in range(width))
    return _stack_field(list(samples), 0)
