"""Keep freed host memory for the next training step instead of handing it back to the OS.

glibc's malloc serves blocks over a threshold (128 KiB, then adjusted upwards as large blocks
are freed, up to 32 MiB) with fresh ``mmap`` pages, and returns the top of its heap to the OS
once more than twice that threshold is free. A training step allocates and frees the same
few megabyte-sized temporaries every time (im2col columns, activations, gradients), so with
the defaults each step page-faults them back in, and the kernel zeroes every page: on the
lecture's MNIST CNN that is more than half of the step (48 ms against 22 ms here, 2 cores).

``tune()`` fixes the two thresholds once, as PyTorch users do with jemalloc or
``MALLOC_MMAP_THRESHOLD_``: blocks up to 32 MiB come from the heap and up to 256 MiB of free
heap top is kept for reuse. The price is that memory freed after a peak stays with the
process (as in PyTorch's CUDA caching allocator). It is process-wide, so it is skipped
where the user chose: ``XPGRAD_HOST_MALLOC=0``, or any ``MALLOC_*_THRESHOLD_`` variable set.
Nothing is done off glibc (macOS, Windows, musl).
"""
from __future__ import annotations

import os
import platform

MMAP_THRESHOLD = 32 << 20          # glibc's own ceiling for its adjusted threshold
TRIM_THRESHOLD = 256 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3          # mallopt's parameter numbers
_STATE: dict = {"tuned": None}


def tune() -> bool:
    """Set glibc's mmap and trim thresholds once (see the module docstring); True if they are
    now ours. >>> tune()"""
    if _STATE["tuned"] is not None:
        return _STATE["tuned"]
    _STATE["tuned"] = False
    if os.environ.get("XPGRAD_HOST_MALLOC", "1").strip().lower() in ("0", "false", "off", "no"):
        return False
    if any(k in os.environ for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                                     "MALLOC_TOP_PAD_")):
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        import ctypes
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    # mallopt returns 1 on success; the trim threshold only matters once mmap's is fixed
    _STATE["tuned"] = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _STATE["tuned"]


def tuned() -> bool | None:
    """Whether ``tune()`` set the thresholds (None before it ran)."""
    return _STATE["tuned"]
