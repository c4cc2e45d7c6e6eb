"""The CPU backend: NumPy 2 (its main namespace follows the Array API standard)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .base import Backend
from ..dtypes import DType


class NumpyBackend(Backend):
    __slots__ = ()
    kind = "numpy"

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(device, np, "cpu", np.ndarray)
        self.fix_scalar = True
        # NumPy dtype objects are the keys arrays report (array.dtype); map those too.
        for native, dt in list(self._from_xp.items()):
            self._from_xp[np.dtype(native)] = dt
        self._rng = np.random.default_rng()

    def wrap(self, out: Any) -> Any:
        # NumPy 2 returns np.float32 (not a 0-d array) for many 0-d results: make it an array.
        return out if type(out) is np.ndarray else np.asarray(out)

    def to_host(self, array: Any) -> np.ndarray:
        return array

    def copy(self, array: Any) -> Any:
        return array.copy()

    def is_view(self, array: Any) -> bool:
        return array.base is not None

    def scatter_add(self, shape: Sequence[int], key: Any, values: Any) -> Any:
        out = np.zeros(shape, dtype=values.dtype)
        if _is_basic_index(key):
            out[key] = values            # basic indexing cannot repeat an element
        else:
            np.add.at(out, key, values)
        return out

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def random_uniform(self, shape: Sequence[int], dtype: DType) -> Any:
        return host_uniform(self._rng, shape, dtype)

    def random_normal(self, shape: Sequence[int], dtype: DType) -> Any:
        return host_normal(self._rng, shape, dtype)

    def random_permutation(self, n: int) -> Any:
        return self._rng.permutation(n)

    def name(self) -> str:
        import platform
        return f"{platform.processor() or platform.machine()} (NumPy {np.__version__})"


def _is_basic_index(key: Any) -> bool:
    items = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in items)


def host_uniform(rng: np.random.Generator, shape: Sequence[int], dtype: DType) -> np.ndarray:
    """Uniform [0, 1) samples drawn in ``dtype`` directly where NumPy can (no float64 detour)."""
    if dtype.name in ("float32", "float64"):
        return rng.random(tuple(shape), dtype=dtype.name)
    return rng.random(tuple(shape)).astype(dtype.name)


def host_normal(rng: np.random.Generator, shape: Sequence[int], dtype: DType) -> np.ndarray:
    if dtype.name in ("float32", "float64"):
        return rng.standard_normal(tuple(shape), dtype=dtype.name)
    return rng.standard_normal(tuple(shape)).astype(dtype.name)
