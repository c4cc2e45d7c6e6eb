"""The NVIDIA GPU backend: CuPy, imported only when a "cuda" device is asked for."""
from __future__ import annotations

from typing import Any, Sequence

from .base import Backend
from ..dtypes import DType

INSTALL_HINT = ("install CuPy for your CUDA version with the matching extra: "
                "pip install 'xpgrad[cuda12]' (CUDA 12.x) or 'xpgrad[cuda13]' (CUDA 13.x)")


class CudaUnavailableError(RuntimeError):
    """Raised when device "cuda" is requested but CuPy or a CUDA device is missing."""


def import_cupy() -> Any:
    try:
        import cupy
    except ImportError as exc:
        raise CudaUnavailableError(f"device 'cuda' needs CuPy, which is not installed ({exc}); "
                                   f"{INSTALL_HINT}") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken
        raise CudaUnavailableError(f"CuPy {cupy.__version__} is installed but no CUDA device "
                                   f"could be used: {exc}") from None
    if count == 0:
        raise CudaUnavailableError(f"CuPy {cupy.__version__} is installed but this machine "
                                   "has no CUDA device")
    return cupy


def array_api_namespace(cupy: Any) -> Any:
    """CuPy's namespace with the Array API names the engine calls, where this CuPy lacks them
    (CuPy >= 14 has most; older ones spell them the NumPy 1 way)."""
    import types

    import numpy
    ns = types.ModuleType("xpgrad_cupy_namespace")
    ns.__dict__.update({k: v for k, v in vars(cupy).items() if not k.startswith("__")})
    fallbacks = {
        "concat": lambda arrays, axis=0: cupy.concatenate(arrays, axis=axis),
        "pow": cupy.power,
        "permute_dims": lambda a, axes: cupy.transpose(a, axes),
        "matrix_transpose": lambda a: cupy.swapaxes(a, -1, -2),
        "astype": lambda a, dtype, copy=True: a.astype(dtype, copy=copy),
        "isdtype": lambda dtype, kind: numpy.isdtype(numpy.dtype(dtype), kind),
    }
    for name, fn in fallbacks.items():
        if not hasattr(cupy, name):
            setattr(ns, name, fn)
    # The engine passes the Array API's device= (x.device, a cupy.cuda.Device) to creation
    # functions; CuPy's take none and create on the current device, so enter that device.
    for name in _CREATION:
        if hasattr(cupy, name):
            setattr(ns, name, _on_device(getattr(cupy, name)))
    return ns


_CREATION = ("zeros", "ones", "empty", "full", "arange", "eye", "asarray", "linspace",
             "zeros_like", "ones_like", "empty_like", "full_like", "tri")


def _on_device(create: Any) -> Any:
    def call(*args: Any, device: Any = None, **kwargs: Any) -> Any:
        if device is None or not hasattr(device, "__enter__"):
            return create(*args, **kwargs)
        with device:
            return create(*args, **kwargs)
    call.__name__ = getattr(create, "__name__", "create")
    return call


class CupyBackend(Backend):
    __slots__ = ("index", "_cupy")
    kind = "cupy"

    def __init__(self, device: str) -> None:
        cupy = import_cupy()
        index = int(device.partition(":")[2] or 0)
        count = cupy.cuda.runtime.getDeviceCount()
        if index >= count:
            raise CudaUnavailableError(f"device {device!r} does not exist: this machine has "
                                       f"{count} CUDA device(s), cuda:0 .. cuda:{count - 1}")
        super().__init__(device, array_api_namespace(cupy), cupy.cuda.Device(index), cupy.ndarray)
        self.index = index
        self._cupy = cupy
        import numpy
        for native, dt in list(self._from_xp.items()):     # arrays report numpy.dtype objects
            self._from_xp[numpy.dtype(native)] = dt
        with self.xp_device:
            self._rng = cupy.random.default_rng()

    # CuPy's creation functions take no device= argument: they use the current device.
    def asarray(self, obj: Any, dtype: DType | None = None) -> Any:
        with self.xp_device:
            return self._cupy.asarray(obj, dtype=None if dtype is None else self.native_dtype(dtype))

    def from_host(self, host_array: Any) -> Any:
        with self.xp_device:
            return self._cupy.asarray(host_array)

    def to_host(self, array: Any) -> Any:
        return self._cupy.asnumpy(array)

    def zeros(self, shape: Sequence[int], dtype: DType) -> Any:
        with self.xp_device:
            return self._cupy.zeros(tuple(shape), dtype=self.native_dtype(dtype))

    def ones(self, shape: Sequence[int], dtype: DType) -> Any:
        with self.xp_device:
            return self._cupy.ones(tuple(shape), dtype=self.native_dtype(dtype))

    def full(self, shape: Sequence[int], value: Any, dtype: DType) -> Any:
        with self.xp_device:
            return self._cupy.full(tuple(shape), value, dtype=self.native_dtype(dtype))

    def arange(self, start: Any, stop: Any, step: Any, dtype: DType) -> Any:
        with self.xp_device:
            return self._cupy.arange(start, stop, step, dtype=self.native_dtype(dtype))

    def eye(self, n: int, m: int | None, dtype: DType) -> Any:
        with self.xp_device:
            return self._cupy.eye(n, m, dtype=self.native_dtype(dtype))

    def copy(self, array: Any) -> Any:
        return array.copy()

    def wrap(self, out: Any) -> Any:
        return out

    def is_view(self, array: Any, extra_refs: int = 0) -> bool:
        return array.base is not None

    def scatter_add(self, shape: Sequence[int], key: Any, values: Any) -> Any:
        with self.xp_device:
            out = self._cupy.zeros(shape, dtype=values.dtype)
            self._cupy.add.at(out, key, values)
            return out

    def seed(self, seed: int) -> None:
        with self.xp_device:
            self._rng = self._cupy.random.default_rng(seed)

    def random_uniform(self, shape: Sequence[int], dtype: DType) -> Any:
        with self.xp_device:
            return self._rng.random(tuple(shape), dtype=self.native_dtype(dtype))

    def random_normal(self, shape: Sequence[int], dtype: DType) -> Any:
        with self.xp_device:
            return self._rng.standard_normal(tuple(shape), dtype=self.native_dtype(dtype))

    def random_permutation(self, n: int) -> Any:
        with self.xp_device:
            return self._rng.permutation(n)

    def rng_state(self) -> Any:
        return None   # CuPy's Generator state is not exposed; reseed with xg.manual_seed instead

    def set_rng_state(self, state: Any) -> None:
        pass

    def synchronize(self) -> None:
        self.xp_device.synchronize()

    def memory_allocated(self) -> int:
        return self._cupy.get_default_memory_pool().used_bytes()

    def name(self) -> str:
        props = self._cupy.cuda.runtime.getDeviceProperties(self.index)
        name = props["name"]
        return name.decode() if isinstance(name, bytes) else str(name)
