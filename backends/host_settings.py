"""Host-side settings that live in NumPy and the BLAS below it: how tensors print (their
values are formatted by NumPy, on the host, whatever the device) and how many threads the
CPU's BLAS uses (through threadpoolctl when it is installed)."""
from __future__ import annotations

import math
import os
import sys
from typing import Any

import numpy as np

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_print_options(precision: int | None = None, threshold: float | None = None,
                      edgeitems: int | None = None, linewidth: int | None = None,
                      profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set the print options tensors are formatted with (NumPy's, so NumPy arrays follow
    them too). >>> set_print_options(precision=2)"""
    options: dict = {}
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        options.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            options[name] = value
    if options.get("threshold") == math.inf:
        options["threshold"] = sys.maxsize
    if sci_mode is not None or profile is not None:
        digits = options.get("precision", np.get_printoptions()["precision"])
        options["suppress"] = sci_mode is False
        options["formatter"] = ({"float_kind": lambda x: f"{x:.{digits}e}"} if sci_mode
                                else None)
    np.set_printoptions(**options)


def get_print_options() -> dict:
    """NumPy's current print options (what tensors print with)."""
    return dict(np.get_printoptions())


_THREADS: list = [None]          # the count set through set_num_threads


def set_num_threads(n: int) -> None:
    """Limit the CPU BLAS/OpenMP thread pools to ``n`` threads (needs threadpoolctl; without
    it the number is only recorded)."""
    _THREADS[0] = int(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=int(n))


def get_num_threads() -> int:
    """The thread count last set, else the BLAS pool's size (or the CPU count)."""
    if _THREADS[0] is not None:
        return _THREADS[0]
    try:
        from threadpoolctl import threadpool_info
        counts = [pool["num_threads"] for pool in threadpool_info()
                  if pool.get("user_api") == "blas"]
        if counts:
            return int(max(counts))
    except Exception:  # noqa: BLE001  (no threadpoolctl, or a pool it cannot read)
        pass
    return os.cpu_count() or 1


def host_frombuffer(buffer: Any, dtype: Any, count: int, offset: int) -> Any:
    """A NumPy array viewing ``buffer`` (no copy)."""
    return np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)
