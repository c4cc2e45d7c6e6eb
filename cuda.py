"""``xg.cuda``: the GPU at a glance, backed by CuPy (imported only when these are called).

>>> xg.cuda.is_available()
False
"""
from __future__ import annotations

from typing import Any

from .backends import get_backend
from .backends.cupy_backend import CudaUnavailableError, import_cupy


def is_available() -> bool:
    """True when CuPy is installed and at least one CUDA device works."""
    try:
        import_cupy()
    except CudaUnavailableError:
        return False
    return True


def device_count() -> int:
    if not is_available():
        return 0
    return int(import_cupy().cuda.runtime.getDeviceCount())


def _device(device: Any) -> str:
    return "cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device)


def synchronize(device: Any = None) -> None:
    """Wait until every queued kernel on the device has finished (for timing)."""
    get_backend(_device(device)).synchronize()


def memory_allocated(device: Any = None) -> int:
    """Bytes held by live arrays in CuPy's memory pool."""
    get_backend(_device(device))
    return int(import_cupy().get_default_memory_pool().used_bytes())


def max_memory_allocated(device: Any = None) -> int:
    """Bytes the pool has reserved at most (CuPy keeps freed blocks: its total is the peak)."""
    get_backend(_device(device))
    return int(import_cupy().get_default_memory_pool().total_bytes())


def empty_cache() -> None:
    """Return the pool's unused blocks to the driver."""
    if is_available():
        cupy = import_cupy()
        cupy.get_default_memory_pool().free_all_blocks()
        cupy.get_default_pinned_memory_pool().free_all_blocks()


def get_device_name(device: Any = None) -> str:
    return get_backend(_device(device)).name()
