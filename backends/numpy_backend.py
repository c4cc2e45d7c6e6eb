"""The CPU backend: NumPy 2 (its main namespace follows the Array API standard)."""
from __future__ import annotations

from typing import Any, Sequence

import sys

import numpy as np

from .base import Backend
from .host_allocator import tune as tune_host_allocator
from ..dtypes import DType


def fast_namespace() -> Any:
    """NumPy's namespace with the hottest Array API functions bound to ndarray methods.

    ``np.sum``, ``np.max``, ``np.expand_dims``, ... are Python wrappers that cost 1-3 us each
    before any arithmetic; the methods they end up calling cost a third of that. Same names,
    same semantics (only the keyword forms the engine uses), so engine code is unchanged."""
    import types
    ns = types.ModuleType("xpgrad_numpy_namespace")
    ns.__dict__.update({k: v for k, v in vars(np).items() if not k.startswith("__")})

    def expand_dims(a: Any, axis: int = 0) -> Any:
        if not isinstance(axis, int):
            return np.expand_dims(a, axis)
        shape = a.shape
        axis = axis + len(shape) + 1 if axis < 0 else axis
        return a.reshape(shape[:axis] + (1,) + shape[axis:])

    def take_along_axis(a: Any, indices: Any, axis: int = -1) -> Any:
        if a.ndim == 2 and axis in (1, -1) and indices.ndim == 2:
            return a[np.arange(a.shape[0])[:, None], indices]
        return np.take_along_axis(a, indices, axis=axis)

    ns.where = where

    # methods, not ndarray.<name>(a, ...): intermediate NumPy scalars have them too
    ns.sum = lambda a, axis=None, dtype=None, keepdims=False: a.sum(axis, dtype, None, keepdims)
    def mean(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
        if dtype is not None or a.dtype.kind not in "fc":
            return np.mean(a, axis=axis, dtype=dtype, keepdims=keepdims)
        if axis is None:
            n = a.size
        else:                      # what ndarray.mean does, without its Python-level wrapper
            n = 1
            for ax in ((axis,) if isinstance(axis, int) else axis):
                n *= a.shape[ax]
        return a.sum(axis, None, None, keepdims) / n

    ns.mean = mean
    ns.max = lambda a, axis=None, keepdims=False: a.max(axis, None, keepdims)
    ns.min = lambda a, axis=None, keepdims=False: a.min(axis, None, keepdims)
    ns.reshape = lambda a, shape, copy=None: a.reshape(shape) if copy is None else np.reshape(a, shape, copy=copy)
    ns.permute_dims = lambda a, axes: a.transpose(axes)
    ns.matrix_transpose = lambda a: a.mT
    ns.astype = lambda a, dtype, copy=True: a.astype(dtype, copy=copy)
    ns.expand_dims = expand_dims
    ns.take_along_axis = take_along_axis
    return ns


_BITS_OF = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}
# below these sizes np.where's one call is cheaper than the two (four) bitwise passes
_BIT_WHERE_MIN, _BIT_WHERE_MIN_TWO = 4096, 32768


def where(condition: Any, x: Any, y: Any) -> Any:
    """np.where, branch-free for large float selections: with a random mask np.where
    mispredicts a branch per element (2.2 ms for 512 x 1024 float32 here, against 0.17 ms
    for the same selection done as bit masks). The bits are exactly np.where's."""
    out = bit_where(condition, x, y)
    return np.where(condition, x, y) if out is None else out


def bit_where_type(condition: Any, x: Any, y: Any) -> Any:
    """The integer type bit_where would select through, or None where it does not apply: a
    bool ``c`` and float arrays of c's shape and one dtype (or the number 0 for one of them),
    large enough for the bitwise passes to beat np.where."""
    if type(condition) is not np.ndarray or condition.dtype != np.bool_ or \
            condition.size < _BIT_WHERE_MIN:
        return None
    arrays = [a for a in (x, y) if type(a) is np.ndarray]
    if not arrays or any(a.shape != condition.shape or a.dtype != arrays[0].dtype
                         for a in arrays):
        return None
    bits = _BITS_OF.get(arrays[0].dtype)
    if bits is None or (len(arrays) == 2 and condition.size < _BIT_WHERE_MIN_TWO):
        return None
    for a in (x, y):
        if type(a) is not np.ndarray and not (type(a) in (int, float) and a == 0
                                              and str(a)[0] != "-"):
            return None
    return bits


def bit_where(condition: Any, x: Any, y: Any, out: Any = None) -> Any:
    """where(c, x, y) by bitwise and/or, exactly np.where's bits (see bit_where_type); None
    when that does not apply."""
    bits = bit_where_type(condition, x, y)
    if bits is None:
        return None
    dtype = x.dtype if type(x) is np.ndarray else y.dtype
    if out is None:
        out = np.empty(condition.shape, dtype)
    elif out.shape != condition.shape or out.dtype != dtype:
        return None
    mask = np.negative(condition.view(np.int8), dtype=bits)         # 0 or all ones
    target = out.view(bits)
    if type(x) is np.ndarray and type(y) is np.ndarray:
        np.bitwise_and(x.view(bits), mask, out=target)
        np.invert(mask, out=mask)
        np.bitwise_and(y.view(bits), mask, out=mask)
        np.bitwise_or(target, mask, out=target)
    elif type(x) is np.ndarray:
        np.bitwise_and(x.view(bits), mask, out=target)
    else:
        np.invert(mask, out=mask)
        np.bitwise_and(y.view(bits), mask, out=target)
    return out


class NumpyBackend(Backend):
    __slots__ = ("_out_table",)
    kind = "numpy"

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(device, fast_namespace(), "cpu", np.ndarray)
        self.fix_scalar = True
        # NumPy dtype objects are the keys arrays report (array.dtype); map those too.
        for native, dt in list(self._from_xp.items()):
            self._from_xp[np.dtype(native)] = dt
        self._rng = np.random.default_rng()
        self._out_table: dict | None = None
        tune_host_allocator()      # reuse freed temporaries across steps (host_allocator.py)

    def out_variant(self, fn: Any, args: tuple, kwargs: dict) -> Any:
        from .numpy_out import choose, out_table
        if self._out_table is None:
            self._out_table = out_table(self.xp, self)
        return choose(self._out_table, fn, args, kwargs)

    def storage_root(self, array: Any) -> Any:
        base = array
        while type(base) is np.ndarray and base.base is not None:
            base = base.base
        return base

    def empty_like(self, array: Any) -> Any:
        return np.empty_like(array)

    def wrap(self, out: Any) -> Any:
        # NumPy 2 returns np.float32 (not a 0-d array) for many 0-d results: make it an array.
        return out if type(out) is np.ndarray else np.asarray(out)

    def to_host(self, array: Any) -> np.ndarray:
        return array

    def copy(self, array: Any) -> Any:
        return array.copy()


    def is_view(self, array: Any, extra_refs: int = 0) -> bool:
        # A view whose base nothing else holds (e.g. the transpose of a fresh product) owns
        # its memory in effect: 3 = .base, the local name and getrefcount's argument.
        # A read-only view (a broadcast) is always copied.
        base = array.base
        return base is not None and (not array.flags.writeable or
                                     sys.getrefcount(base) > 3 + extra_refs)

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
