"""The Backend protocol: one Array API namespace bound to one device, plus the extras
the standard lacks (scatter_add, seeded random numbers, host transfer, memory stats).

Engine code (autograd/, nn/, optim/) reaches arrays only through a Backend: it calls
``backend.xp.<standard name>`` for array math and the methods below for everything else.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..dtypes import DType, ALL_DTYPES


class Device(str):
    """A device's canonical name that also reads like a ``torch.device``: it is the string
    ``"cuda:0"`` and has ``.type`` ("cuda") and ``.index`` (0; None without one).

    >>> x.device.type        # 'cpu'
    """
    __slots__ = ()

    @property
    def type(self) -> str:
        return self.partition(":")[0]

    @property
    def index(self) -> int | None:
        rest = self.partition(":")[2]
        return int(rest) if rest.isdigit() else None


class Backend:
    """Array work for one device. Subclasses bind ``xp`` and ``xp_device`` and fill ``_to_xp``."""

    __slots__ = ("device", "xp", "xp_device", "_to_xp", "_from_xp", "_rng", "fix_scalar",
                 "array_type", "__weakref__")

    kind = "abstract"

    def __init__(self, device: str, xp: Any, xp_device: Any, array_type: type) -> None:
        self.device = Device(device)    # canonical name, e.g. "cpu", "strict:device1", "cuda:0"
        self.xp = xp                    # the Array API namespace
        self.xp_device = xp_device      # what xp's device= arguments expect
        self.array_type = array_type
        self.fix_scalar = False         # NumPy turns 0-d results into scalars; see wrap()
        self._to_xp: dict[DType, Any] = {}
        self._from_xp: dict[Any, DType] = {}
        for dt in ALL_DTYPES:
            native = getattr(xp, dt.name, None)
            if native is not None:
                self._to_xp[dt] = native
                self._from_xp[native] = dt
        self._rng = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} device={self.device!r}>"

    def __reduce__(self) -> tuple:
        # Copies and pickles of tensors refer to the one cached backend of their device.
        from . import get_backend
        return (get_backend, (self.device,))

    # ---- dtypes -------------------------------------------------------------------------
    def native_dtype(self, dtype: DType) -> Any:
        try:
            return self._to_xp[dtype]
        except KeyError:
            raise TypeError(f"dtype {dtype} is not supported on device {self.device!r}") from None

    def dtype_of(self, array: Any) -> DType:
        return self._from_xp[array.dtype]

    # ---- creation -----------------------------------------------------------------------
    def asarray(self, obj: Any, dtype: DType | None = None) -> Any:
        native = None if dtype is None else self.native_dtype(dtype)
        return self.xp.asarray(obj, dtype=native, device=self.xp_device)

    def from_host(self, host_array: Any) -> Any:
        """Put a NumPy array (or nested list) onto this device: a copy on any device but the
        CPU, where the result may share memory with ``host_array`` (``xg.tensor`` copies)."""
        return self.xp.asarray(host_array, device=self.xp_device)

    def to_host(self, array: Any) -> Any:
        """Return a NumPy array with the values of ``array`` (an explicit transfer)."""
        raise NotImplementedError

    def zeros(self, shape: Sequence[int], dtype: DType) -> Any:
        return self.xp.zeros(tuple(shape), dtype=self.native_dtype(dtype), device=self.xp_device)

    def ones(self, shape: Sequence[int], dtype: DType) -> Any:
        return self.xp.ones(tuple(shape), dtype=self.native_dtype(dtype), device=self.xp_device)

    def full(self, shape: Sequence[int], value: Any, dtype: DType) -> Any:
        return self.xp.full(tuple(shape), value, dtype=self.native_dtype(dtype), device=self.xp_device)

    def arange(self, start: Any, stop: Any, step: Any, dtype: DType) -> Any:
        return self.xp.arange(start, stop, step, dtype=self.native_dtype(dtype), device=self.xp_device)

    def eye(self, n: int, m: int | None, dtype: DType) -> Any:
        return self.xp.eye(n, m, dtype=self.native_dtype(dtype), device=self.xp_device)

    def copy(self, array: Any) -> Any:
        return self.xp.asarray(array, copy=True)

    def wrap(self, out: Any) -> Any:
        """Make sure an op's result is an array of this backend (NumPy returns scalars for 0-d)."""
        return out

    def is_view(self, array: Any, extra_refs: int = 0) -> bool:
        """True when ``array`` may share memory with another array (then a gradient is copied).
        ``extra_refs``: references to its memory's owner held by a tracer, not the program."""
        return True

    def storage_root(self, array: Any) -> Any:
        """The object that owns ``array``'s memory: arrays with the same root may overlap
        (``xg.compile`` plans buffers by it)."""
        base = array
        while getattr(base, "base", None) is not None:
            base = base.base
        return base

    def empty_like(self, array: Any) -> Any:
        """An uninitialised array with ``array``'s shape, dtype and (where the backend has
        them) strides: the buffers a compiled step writes into."""
        return self.xp.empty_like(array)

    def out_variant(self, fn: Any, args: tuple, kwargs: dict) -> tuple[Any, str] | None:
        """How to make the call ``fn(*args, **kwargs)`` write into a given array instead of
        allocating one: ``(g, "kw")`` for ``g(*args, **kwargs, out=buffer)``, ``(g, "first")``
        for ``g(buffer, *args, **kwargs)``, or None where the backend has no such form (the
        Array API standard has no ``out=``). Must give exactly the values of the call."""
        return None

    # ---- indexing -----------------------------------------------------------------------
    def getitem(self, array: Any, key: Any) -> Any:
        return array[key]

    def setitem(self, array: Any, key: Any, value: Any) -> None:
        array[key] = value

    def scatter_add(self, shape: Sequence[int], key: Any, values: Any) -> Any:
        """zeros(shape) with ``values`` added at ``array[key]``; repeated indices accumulate."""
        raise NotImplementedError

    # ---- random numbers -----------------------------------------------------------------
    def seed(self, seed: int) -> None:
        raise NotImplementedError

    def random_uniform(self, shape: Sequence[int], dtype: DType) -> Any:
        """Uniform samples in [0, 1)."""
        raise NotImplementedError

    def random_normal(self, shape: Sequence[int], dtype: DType) -> Any:
        """Standard normal samples."""
        raise NotImplementedError

    def random_permutation(self, n: int) -> Any:
        raise NotImplementedError

    def rng_state(self) -> Any:
        """The generator's state (a JSON-able dict for NumPy generators; None if hidden)."""
        return self._rng.bit_generator.state

    def set_rng_state(self, state: Any) -> None:
        self._rng.bit_generator.state = state

    # ---- device ---------------------------------------------------------------------------
    def synchronize(self) -> None:
        """Wait for queued work on this device (a no-op on the CPU)."""

    def memory_allocated(self) -> int:
        return 0

    def name(self) -> str:
        """A human-readable name of the hardware behind this backend."""
        return self.device
