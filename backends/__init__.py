"""Backends: where arrays live. ``get_backend("cpu" | "strict[:dev]" | "cuda[:n]")``.

One Backend is created per canonical device name and cached; CuPy and array_api_strict are
imported only when their device is first requested, so ``import xpgrad`` never imports them.
"""
from __future__ import annotations

from typing import Any

from .base import Backend
from .cupy_backend import CudaUnavailableError

_CACHE: dict[str, Backend] = {}
_SEED: list[int | None] = [None]     # the last xg.manual_seed, applied to backends made later
DEFAULT_DEVICE = "cpu"

__all__ = ["Backend", "CudaUnavailableError", "get_backend", "canonical_device", "available",
           "manual_seed", "DEFAULT_DEVICE"]


def canonical_device(device: Any) -> str:
    """``None`` -> "cpu"; "cuda" -> "cuda:0"; "strict" stays "strict"; a Backend -> its device."""
    if device is None:
        return DEFAULT_DEVICE
    if isinstance(device, Backend):
        return device.device
    name = str(device).strip().lower()
    base, _, index = name.partition(":")
    if base == "cpu" and index in ("", "0"):
        return "cpu"
    if base in ("cuda", "gpu"):
        if index and not index.isdigit():
            raise ValueError(f"invalid CUDA device {device!r}: expected 'cuda' or 'cuda:N'")
        return f"cuda:{index or 0}"
    if base == "strict":
        return f"strict:{index}" if index else "strict"
    raise ValueError(f"unknown device {device!r}: expected 'cpu', 'cuda', 'cuda:N', "
                     "'strict' or 'strict:device1'")


def get_backend(device: Any = None) -> Backend:
    """The Backend for ``device`` (created on first use)."""
    if isinstance(device, Backend):
        return device
    name = canonical_device(device)
    backend = _CACHE.get(name)
    if backend is None:
        backend = _make(name)
        if _SEED[0] is not None:
            backend.seed(_SEED[0])
        _CACHE[name] = backend
    return backend


def _make(name: str) -> Backend:
    if name == "cpu":
        from .numpy_backend import NumpyBackend
        return NumpyBackend()
    if name.startswith("strict"):
        try:
            from .strict_backend import StrictBackend
        except ImportError:
            raise RuntimeError(f"device {name!r} needs array_api_strict: "
                               "pip install 'xpgrad[dev]'") from None
        return StrictBackend(name)
    from .cupy_backend import CupyBackend
    return CupyBackend(name)


def manual_seed(seed: int) -> None:
    """Seed the random generator of every backend, now and for backends created later."""
    seed = int(seed)
    _SEED[0] = seed
    for backend in _CACHE.values():
        backend.seed(seed)


def available() -> dict[str, str]:
    """The devices that work on this machine, mapped to a description of the hardware.

    >>> "cpu" in available()
    True
    """
    found: dict[str, str] = {"cpu": get_backend("cpu").name()}
    for name in ("strict", "strict:device1"):
        try:
            found[name] = get_backend(name).name()
        except Exception:
            pass
    try:
        from .cupy_backend import import_cupy
        cupy = import_cupy()
        for i in range(cupy.cuda.runtime.getDeviceCount()):
            found[f"cuda:{i}"] = get_backend(f"cuda:{i}").name()
    except CudaUnavailableError:
        pass
    return found
