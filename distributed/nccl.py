"""NCCL collectives for cuda tensors, through ``cupy.cuda.nccl``.

Imported only when a cuda tensor is reduced. Rank 0 creates NCCL's unique id, MPI
broadcasts it (a few bytes of metadata), and every rank opens an ``NcclCommunicator`` on
its tensor's GPU. Each rank must use its own GPU: ``device=f"cuda:{local_rank()}"``.
NCCL calls are queued on the current CUDA stream, so they are non-blocking by nature:
the kernels that read the result later run after them on the same stream, and nothing
here synchronises the device.

Not run in CI (no GPU there): the code follows CuPy's documented NcclCommunicator API
(``allReduce(sendbuf, recvbuf, count, datatype, op, stream)``, ``bcast(buff, count,
datatype, root, stream)``).

>>> xg.distributed.all_reduce(grad_on_gpu, op="mean")    # uses this module under the hood
"""
from __future__ import annotations

from typing import Any

from .comm import Handle
from .world import World


class NCCLCommunicator:
    """One NCCL communicator per process, on the GPU of the first cuda tensor reduced."""

    def __init__(self, world: World, backend: Any) -> None:
        try:
            from cupy.cuda import nccl
        except ImportError as exc:
            raise RuntimeError(f"all_reduce on {backend.device} needs NCCL through CuPy "
                               f"(cupy.cuda.nccl could not be imported: {exc}); install the "
                               "CuPy wheel for your CUDA version, which bundles NCCL "
                               "support, e.g. pip install 'xpgrad[cuda12]'") from None
        if not getattr(nccl, "available", True):
            raise RuntimeError(f"all_reduce on {backend.device}: this CuPy was built without "
                               "NCCL; install NCCL (pip install nvidia-nccl-cu12) and a CuPy "
                               "wheel that can load it")
        import cupy
        self.cupy, self.nccl, self.backend, self.size = cupy, nccl, backend, world.size
        uid = nccl.get_unique_id() if world.rank == 0 else None
        uid = world.comm.bcast(uid, root=0)      # the id is a few bytes: metadata, not data
        with backend.xp_device:
            self.comm = nccl.NcclCommunicator(world.size, uid, world.rank)
        self._types = {"float16": nccl.NCCL_FLOAT16, "float32": nccl.NCCL_FLOAT32,
                       "float64": nccl.NCCL_FLOAT64, "int8": nccl.NCCL_INT8,
                       "uint8": nccl.NCCL_UINT8, "int32": nccl.NCCL_INT32,
                       "int64": nccl.NCCL_INT64}
        self._ops = {"sum": nccl.NCCL_SUM, "mean": nccl.NCCL_SUM, "max": nccl.NCCL_MAX,
                     "min": nccl.NCCL_MIN}

    def _prepare(self, array: Any) -> tuple[Any, int, int]:
        try:
            dtype = self._types[array.dtype.name]
        except KeyError:
            raise TypeError(f"NCCL cannot reduce dtype {array.dtype}") from None
        buf = array if array.flags.c_contiguous else self.cupy.ascontiguousarray(array)
        stream = self.cupy.cuda.get_current_stream().ptr
        return buf, dtype, stream

    def all_reduce(self, array: Any, op: str) -> None:
        with self.backend.xp_device:
            buf, dtype, stream = self._prepare(array)
            self.comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size, dtype, self._ops[op],
                                stream)
            if op == "mean":
                buf /= self.size
            if buf is not array:
                array[...] = buf

    def iall_reduce(self, array: Any) -> Handle:
        self.all_reduce(array, "sum")        # queued on the stream: already non-blocking
        return Handle()

    def broadcast(self, array: Any, root: int) -> None:
        with self.backend.xp_device:
            buf, dtype, stream = self._prepare(array)
            self.comm.bcast(buf.data.ptr, buf.size, dtype, root, stream)
            if buf is not array:
                array[...] = buf
