"""Collectives on tensors: the communicator is chosen by the tensor's backend kind.

- ``"numpy"`` (cpu): MPI through mpi4py's buffer interface (``Allreduce``/``Bcast`` with
  upper-case names), in place on the NumPy array: no pickling, no copy for contiguous data.
- ``"strict"`` (and any other backend without its own transport): host staging. The values
  are copied to a NumPy buffer with ``backend.to_host``, reduced over MPI, and written back
  with ``backend.setitem``, so CI proves the device-agnostic path without a GPU.
- ``"cupy"`` (cuda): NCCL via ``cupy.cuda.nccl`` (see ``nccl.py``), the unique id exchanged
  over MPI; CuPy is imported only when a cuda tensor is reduced.

With one process every function returns at once.

>>> xg.distributed.all_reduce(t, op="mean")        # t.data now holds the mean over ranks
"""
from __future__ import annotations

from typing import Any

from ..autograd.tensor import Tensor
from .world import World, get_world

OPS = ("sum", "mean", "max", "min")


class Handle:
    """A reduction in flight: ``wait()`` finishes it (the result is then in the array)."""

    __slots__ = ()

    def test(self) -> None:
        """Let the transport make progress without blocking."""

    def wait(self) -> None:
        """Block until the result is in the array."""


class _MPIHandle(Handle):
    __slots__ = ("request", "finish")

    def __init__(self, request: Any, finish: Any = None) -> None:
        self.request, self.finish = request, finish

    def test(self) -> None:
        if self.request is not None:
            self.request.Test()

    def wait(self) -> None:
        if self.request is not None:
            self.request.Wait()
            self.request = None
            if self.finish is not None:
                self.finish()
                self.finish = None


class MPICommunicator:
    """Collectives on NumPy arrays over an mpi4py communicator (buffer protocol)."""

    def __init__(self, world: World) -> None:
        from mpi4py import MPI
        self.MPI, self.comm, self.size = MPI, world.comm, world.size
        self._ops = {"sum": MPI.SUM, "mean": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}

    def _host_view(self, array: Any) -> tuple[Any, bool]:
        """A contiguous NumPy buffer for ``array`` and whether it must be copied back."""
        import numpy as np
        if array.dtype == np.float16:                       # MPI has no float16 reduction
            return array.astype(np.float32), True
        if array.flags.c_contiguous:
            return array, False
        return np.ascontiguousarray(array), True

    def all_reduce(self, array: Any, op: str) -> None:
        buf, copy_back = self._host_view(array)
        self.comm.Allreduce(self.MPI.IN_PLACE, buf, op=self._ops[op])
        if op == "mean":
            buf /= self.size
        if copy_back:
            array[...] = buf

    def iall_reduce(self, array: Any) -> Handle:
        """Start a non-blocking sum; ``array`` must stay alive until ``wait()``."""
        buf, copy_back = self._host_view(array)
        request = self.comm.Iallreduce(self.MPI.IN_PLACE, buf, op=self.MPI.SUM)
        finish = None
        if copy_back:
            def finish() -> None:
                array[...] = buf
        return _MPIHandle(request, finish)

    def broadcast(self, array: Any, root: int) -> None:
        buf, copy_back = self._host_view(array)
        self.comm.Bcast(buf, root=root)
        if copy_back:
            array[...] = buf


class StagedCommunicator:
    """Any backend through host memory: to_host, reduce over MPI, write back with setitem."""

    def __init__(self, mpi: MPICommunicator, backend: Any) -> None:
        self.mpi, self.backend = mpi, backend

    def _write_back(self, array: Any, host: Any) -> None:
        self.backend.setitem(array, Ellipsis, self.backend.from_host(host))

    def all_reduce(self, array: Any, op: str) -> None:
        host = self.backend.to_host(array)
        self.mpi.all_reduce(host, op)
        self._write_back(array, host)

    def iall_reduce(self, array: Any) -> Handle:
        host = self.backend.to_host(array)
        handle = self.mpi.iall_reduce(host)
        inner = handle.finish

        def finish() -> None:
            if inner is not None:
                inner()
            self._write_back(array, host)
        handle.finish = finish
        return handle

    def broadcast(self, array: Any, root: int) -> None:
        host = self.backend.to_host(array)
        self.mpi.broadcast(host, root)
        self._write_back(array, host)


_COMMS: dict[Any, Any] = {}


def communicator(backend: Any, world: World | None = None) -> Any:
    """The communicator for arrays of ``backend`` (created once per backend)."""
    world = world or get_world()
    key = (id(world), backend.device)
    comm = _COMMS.get(key)
    if comm is None:
        mpi = _COMMS.get((id(world), "mpi"))
        if mpi is None:
            mpi = _COMMS[(id(world), "mpi")] = MPICommunicator(world)
        if backend.kind == "numpy":
            comm = mpi
        elif backend.kind == "cupy":
            from .nccl import NCCLCommunicator
            comm = NCCLCommunicator(world, backend)
        else:
            comm = StagedCommunicator(mpi, backend)
        _COMMS[key] = comm
    return comm


def _check(tensor: Any, op: str, what: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what} expects an xpgrad Tensor, got {type(tensor).__name__}")
    if op not in OPS:
        raise ValueError(f"{what}: op must be one of {OPS}, got {op!r}")
    dtype = tensor.dtype
    if dtype.name == "bool":
        raise TypeError(f"{what}: cannot reduce a bool tensor (shape {tensor.shape}); "
                        "convert it with .astype(xg.int32) first")
    if op == "mean" and not dtype.is_floating:
        raise TypeError(f"{what}(op='mean') needs a floating-point tensor, got {dtype} "
                        f"(shape {tensor.shape}); use op='sum' or convert it first")


def _own_array(tensor: Tensor) -> None:
    # NumPy hands back scalars (read-only) for some 0-d results: give the tensor an array.
    backend = tensor._backend
    if tensor.data.__class__ is not backend.array_type:
        tensor.data = backend.wrap(tensor.data)


def all_reduce(tensor: Tensor, op: str = "sum") -> Tensor:
    """Combine ``tensor`` over all ranks, in place on ``tensor.data``; returns ``tensor``.

    ``op``: "sum", "mean", "max" or "min". Every rank must call it, in the same order, on
    tensors of the same shape and dtype.

    >>> xg.distributed.all_reduce(loss_sum)          # every rank now holds the total
    """
    _check(tensor, op, "all_reduce")
    world = get_world()
    if world.size > 1:
        _own_array(tensor)
        communicator(tensor._backend, world).all_reduce(tensor.data, op)
    return tensor


def broadcast(tensor: Tensor, root: int = 0) -> Tensor:
    """Overwrite ``tensor.data`` on every rank with rank ``root``'s values; returns it.

    >>> xg.distributed.broadcast(weights, root=0)
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"broadcast expects an xpgrad Tensor, got {type(tensor).__name__}")
    world = get_world()
    if not 0 <= root < world.size:
        raise ValueError(f"broadcast: root {root} is not a rank of this world "
                         f"(size {world.size})")
    if world.size > 1:
        _own_array(tensor)
        communicator(tensor._backend, world).broadcast(tensor.data, root)
    return tensor


def all_reduce_array(array: Any, backend: Any, op: str = "sum") -> None:
    """``all_reduce`` on a raw backend array (used by the autograd Function and buckets)."""
    world = get_world()
    if world.size > 1:
        communicator(backend, world).all_reduce(array, op)


def iall_reduce_array(array: Any, backend: Any) -> Handle:
    """Start a non-blocking sum of ``array`` over all ranks; ``handle.wait()`` finishes it."""
    world = get_world()
    if world.size == 1:
        return Handle()
    return communicator(backend, world).iall_reduce(array)
