"""The test backend: array_api_strict, the Array API standard and nothing more.

``"strict"`` is its CPU device; ``"strict:device1"`` refuses implicit conversion to NumPy and
mixing with other devices, exactly as a GPU would. CI runs every op on it to prove that engine
code calls only the standard. The extras the standard lacks (advanced indexing, scatter_add,
random numbers) are done here on the wrapped NumPy array and re-wrapped on the same device, as
a real device backend would do them in a kernel.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .base import Backend
from .numpy_backend import host_normal, host_uniform
from ..dtypes import DType


class StrictBackend(Backend):
    __slots__ = ("_new",)
    kind = "strict"

    def __init__(self, device: str) -> None:
        import array_api_strict as xps
        from array_api_strict._array_object import Array

        sub = device.partition(":")[2] or "CPU_DEVICE"
        super().__init__(device, xps, xps.Device(sub), Array)
        self._new = Array._new
        self._rng = np.random.default_rng()

    def _wrap_np(self, host: Any) -> Any:
        return self._new(np.asarray(host), device=self.xp_device)

    def from_host(self, host_array: Any) -> Any:
        return self._wrap_np(np.array(host_array, copy=True))   # a transfer never aliases

    def to_host(self, array: Any) -> np.ndarray:
        return np.array(array._array, copy=True)

    def copy(self, array: Any) -> Any:
        return self._wrap_np(array._array.copy())

    def is_view(self, array: Any, extra_refs: int = 0) -> bool:
        return array._array.base is not None

    def storage_root(self, array: Any) -> Any:
        base = array._array
        while base.base is not None:
            base = base.base
        return base

    @staticmethod
    def _unwrap_key(key: Any) -> Any:
        if isinstance(key, tuple):
            return tuple(k._array if hasattr(k, "_array") else k for k in key)
        return key._array if hasattr(key, "_array") else key

    def getitem(self, array: Any, key: Any) -> Any:
        return self._wrap_np(array._array[self._unwrap_key(key)])

    def setitem(self, array: Any, key: Any, value: Any) -> None:
        array._array[self._unwrap_key(key)] = getattr(value, "_array", value)

    def scatter_add(self, shape: Sequence[int], key: Any, values: Any) -> Any:
        out = np.zeros(shape, dtype=values._array.dtype)
        np.add.at(out, self._unwrap_key(key), values._array)
        return self._wrap_np(out)

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def random_uniform(self, shape: Sequence[int], dtype: DType) -> Any:
        return self._wrap_np(host_uniform(self._rng, shape, dtype))

    def random_normal(self, shape: Sequence[int], dtype: DType) -> Any:
        return self._wrap_np(host_normal(self._rng, shape, dtype))

    def random_permutation(self, n: int) -> Any:
        return self._wrap_np(self._rng.permutation(n))

    def name(self) -> str:
        return f"array_api_strict {self.xp.__version__} ({self.device})"
