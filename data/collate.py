"""Collation, as torch.utils.data: ``default_collate`` stacks a list of samples into a batch,
``default_convert`` turns one sample's NumPy arrays into tensors.

Both follow PyTorch's rules for the structure (dicts stay dicts, namedtuples stay namedtuples,
tuples and lists become lists, strings stay lists of strings) and the dtypes (Python floats
become float64, Python ints int64, NumPy arrays and scalars keep theirs). The leaves are
xpgrad tensors: host data become ``"cpu"`` tensors, tensors on a device are stacked there.

The DataLoader uses the same rules through ``collate_host`` (leaves stay NumPy arrays, so a
batch costs one host-to-device transfer per array) and keeps tuples as tuples.

>>> default_collate([(np.zeros(3), 0), (np.ones(3), 1)])   # [tensor (2, 3), tensor([0, 1])]
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any, Callable

import numpy as np

from .. import backends
from ..autograd.tensor import Tensor, make_tensor

__all__ = ["default_collate", "default_convert"]

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
          "found {}")
_NUMERIC = "biuf"          # the dtype kinds a tensor can hold


def _is_str_or_object(array: np.ndarray) -> bool:
    return array.dtype.kind in "SaUO"           # PyTorch's np_str_obj_array_pattern


def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")


def _rebuild(like: Any, items: Any) -> Any:
    """A container of ``like``'s type holding ``items`` (a dict or a list), as PyTorch rebuilds
    them: copies of mutable containers, the type's constructor otherwise, else a plain one."""
    if isinstance(like, Mapping):
        if isinstance(like, MutableMapping):
            clone = copy.copy(like)
            clone.update(items)
            return clone
        try:
            return type(like)(items)
        except TypeError:
            return dict(items)
    if isinstance(like, MutableSequence):
        clone = copy.copy(like)
        for i, item in enumerate(items):
            clone[i] = item
        return clone
    try:
        return type(like)(items)
    except TypeError:
        return list(items)


def _stack(values: list, where: str) -> Any:
    """Stack one field of a batch: on the device for device tensors, else a NumPy array."""
    if all(isinstance(v, Tensor) and v.device != "cpu" for v in values):
        backend = values[0].backend
        if any(v.backend is not backend for v in values):
            devices = sorted({v.device for v in values})
            raise ValueError(f"collate: {where} has samples on several devices {devices}; "
                             "keep one data set on one device")
        return make_tensor(backend.xp.stack([v.data for v in values]), backend, False, None)
    host = [np.asarray(v.numpy() if isinstance(v, Tensor) else v) for v in values]
    try:
        out = np.stack(host)
    except ValueError as exc:
        shapes = sorted({np.shape(v) for v in host})
        raise ValueError(f"collate: {where} has different shapes {shapes} across samples; "
                         "every sample needs the same shape to form a batch") from exc
    if out.dtype.kind not in _NUMERIC:
        raise TypeError(f"collate: {where} has dtype {out.dtype}; samples must be numbers, "
                        "numeric arrays or tensors")
    return out


def collate_host(batch: Sequence[Any], tuples: Callable = tuple, where: str = "the batch") -> Any:
    """``default_collate``'s structure with NumPy arrays (host data) or device tensors as
    leaves; tuple samples give ``tuples(...)`` of fields.

    >>> collate_host([{"x": 1.0}, {"x": 2.0}])            # {'x': array([1., 2.])}
    """
    if len(batch) == 0:
        raise ValueError("collate: got an empty batch (no samples)")
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray)):
        if isinstance(elem, np.ndarray) and _is_str_or_object(elem):
            raise TypeError(_ERROR.format(elem.dtype))
        return _stack(list(batch), where)
    if isinstance(elem, (np.bool_, np.number)):
        return _stack(list(batch), where)
    if isinstance(elem, float):
        return np.asarray(batch, dtype=np.float64)
    if isinstance(elem, int):                    # bool included: all bools give a bool batch
        out = np.asarray(batch)
        if out.dtype.kind == "f":                # a float after an int: torch.tensor(batch)
            from ..autograd.factories import get_default_dtype   # infers the default dtype
            return out.astype(get_default_dtype().name)
        return out if out.dtype.kind == "b" else out.astype(np.int64)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        keys = list(elem)
        for s in batch:
            if not isinstance(s, Mapping) or list(s) != keys:
                got = list(s) if isinstance(s, Mapping) else type(s).__name__
                raise ValueError(f"collate: samples have different keys ({keys} against {got})")
        return _rebuild(elem, {k: collate_host([s[k] for s in batch], tuples, f"{where}[{k!r}]")
                               for k in keys})
    if isinstance(elem, Sequence):
        sizes = [len(s) if isinstance(s, Sequence) else None for s in batch]
        if any(size != sizes[0] for size in sizes):
            raise RuntimeError(f"collate: each element in list of batch should be of equal size, "
                               f"got sizes {sorted(set(sizes), key=str)} in {where}")
        fields = [collate_host(list(column), tuples, f"{where}[{k}]")
                  for k, column in enumerate(zip(*batch))]
        if _is_namedtuple(elem):
            return type(elem)(*fields)
        if isinstance(elem, tuple):
            return tuples(fields)
        return _rebuild(elem, fields)
    raise TypeError(_ERROR.format(type(elem)))


def _host_tensor(array: Any, device: str | None) -> Tensor:
    array = np.asarray(array)
    if not array.flags.c_contiguous:          # (ascontiguousarray would make a 0-d array 1-d)
        array = np.ascontiguousarray(array)
    if array.dtype.kind not in _NUMERIC:
        raise TypeError(f"collate: cannot make a tensor of dtype {array.dtype}; samples must be "
                        "numbers, numeric arrays or tensors")
    backend = backends.get_backend(device)
    return make_tensor(backend.from_host(array), backend, False, None)


def to_tensors(data: Any, device: str | None = None, scalars: bool = False,
               tuples: Callable = tuple) -> Any:
    """``data`` with its NumPy arrays (and NumPy scalars when ``scalars``) as tensors on
    ``device`` and its tensors moved there; containers rebuilt, tuples as ``tuples(...)``.

    >>> to_tensors({"x": np.zeros(2), "name": "a"})      # {'x': tensor, 'name': 'a'}
    """
    if isinstance(data, Tensor):
        return data if device is None or data.device == device else data.to(device)
    if isinstance(data, np.ndarray):
        return data if _is_str_or_object(data) else _host_tensor(data, device)
    if scalars and isinstance(data, (np.bool_, np.number)):
        return _host_tensor(data, device)
    if isinstance(data, Mapping):
        return _rebuild(data, {k: to_tensors(v, device, scalars, tuples) for k, v in data.items()})
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        return data
    items = [to_tensors(v, device, scalars, tuples) for v in data]
    if _is_namedtuple(data):
        return type(data)(*items)
    if isinstance(data, tuple):
        return tuples(items)
    return _rebuild(data, items)


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch of tensors, with PyTorch's rules (module docstring).

    >>> default_collate([{"x": np.zeros(2), "y": 1}, {"x": np.ones(2), "y": 0}])["y"]  # int64
    """
    return to_tensors(collate_host(batch, tuples=list), tuples=list)


def default_convert(data: Any) -> Any:
    """One sample with its NumPy arrays and scalars as tensors (what a DataLoader with
    ``batch_size=None`` yields); Python numbers stay numbers, tuples become lists (PyTorch's).

    >>> default_convert((np.zeros(2), 3))                  # [tensor([0., 0.]), 3]
    """
    return to_tensors(data, scalars=True, tuples=list)
