"""The process world: which rank this is, how many there are, and the MPI communicator.

One process (plain ``python script.py``) is a world of size 1 and needs nothing installed:
``rank()`` is 0, ``world_size()`` is 1 and every collective is a cheap no-op. Under
``python -m xpgrad.distributed -n 4 script.py`` (``mpiexec ... python -m mpi4py script.py``)
the first call that needs the world reads it from MPI.

BLAS threads: NumPy's BLAS starts one thread per core in every process. Four ranks on an
8-core machine would then run 32 BLAS threads on 8 cores, and the threads of one rank
would keep evicting those of the others (oversubscription: every matmul slows down, often
below the speed of a single process). So ``init()`` with more than one rank per machine
limits each rank to ``max(1, cores // local_ranks)`` BLAS threads through threadpoolctl
(in the ``mpi`` extra), unless the user chose a number with ``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS`` or ``MKL_NUM_THREADS``, or passed ``blas_threads=``.

>>> from xpgrad import distributed as dist
>>> dist.init(); print(dist.rank(), dist.world_size())
"""
from __future__ import annotations

import os
from typing import Any

INSTALL_HINT = ("pip install 'xpgrad[mpi]' (mpi4py, the MPICH wheel that provides mpiexec, "
                "and threadpoolctl)")
_LAUNCH_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "PMIX_SIZE")
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class DistributedUnavailableError(RuntimeError):
    """Raised when distributed training is asked for but mpi4py cannot be imported."""


class World:
    """What ``init()`` found: the communicator, this rank, the size, and ranks per machine."""

    __slots__ = ("comm", "rank", "size", "local_rank", "local_size", "blas_threads",
                 "_thread_limits")

    def __init__(self, comm: Any, rank: int, size: int, local_rank: int,
                 local_size: int) -> None:
        self.comm = comm                    # mpi4py.MPI.Comm, or None for a single process
        self.rank, self.size = rank, size
        self.local_rank, self.local_size = local_rank, local_size
        self.blas_threads: int | None = None   # the limit init() set, None when untouched
        self._thread_limits: Any = None         # keeps threadpoolctl's limits object alive

    def __repr__(self) -> str:
        return (f"World(rank={self.rank}, size={self.size}, local_rank={self.local_rank}, "
                f"local_size={self.local_size}, blas_threads={self.blas_threads})")


_SINGLE = World(None, 0, 1, 0, 1)
_STATE: dict[str, World | None] = {"world": None}


def import_mpi() -> Any:
    """``mpi4py.MPI``, or one clear error naming the extra to install."""
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise DistributedUnavailableError(
            f"distributed training needs mpi4py, which could not be imported ({exc}); "
            f"install it with {INSTALL_HINT}, then launch the script with "
            "`python -m xpgrad.distributed -n 4 script.py`") from None
    return MPI


def launched_size() -> int:
    """The world size an MPI launcher announced in the environment (1 when none did)."""
    for name in _LAUNCH_SIZE_VARS:
        value = os.environ.get(name, "")
        if value.isdigit():
            return int(value)
    return 1


def init(blas_threads: int | None = None) -> World:
    """Join the MPI world (safe to call twice; with one process it only imports mpi4py).

    ``blas_threads``: BLAS threads per rank; None picks ``max(1, cores // local ranks)``
    when several ranks share a machine and no ``*_NUM_THREADS`` variable is set.

    >>> world = xg.distributed.init(); world.rank, world.size
    """
    world = _STATE["world"]
    if world is not None:
        return world
    MPI = import_mpi()
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    local_rank, local_size = 0, 1
    if size > 1:
        local = comm.Split_type(MPI.COMM_TYPE_SHARED, key=rank)
        local_rank, local_size = local.Get_rank(), local.Get_size()
        local.Free()
    world = World(comm, rank, size, local_rank, local_size)
    if size > 1 or blas_threads is not None:
        _limit_blas_threads(world, blas_threads)
    _STATE["world"] = world
    return world


def _limit_blas_threads(world: World, requested: int | None) -> None:
    if requested is None:
        if any(os.environ.get(name) for name in _THREAD_VARS):
            return                                   # the user's choice wins
        if world.local_size <= 1:
            return
        requested = max(1, (os.cpu_count() or 1) // world.local_size)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return                    # optional: without it BLAS keeps its default pool
    world._thread_limits = threadpool_limits(limits=int(requested), user_api="blas")
    world.blas_threads = int(requested)


def get_world() -> World:
    """The current world: initialised on first use when an MPI launcher started this
    process with more than one rank; otherwise the single-process world (no MPI needed)."""
    world = _STATE["world"]
    if world is not None:
        return world
    if launched_size() > 1:
        return init()
    return _SINGLE


def is_initialized() -> bool:
    """True once ``init()`` has read the MPI world."""
    return _STATE["world"] is not None


def rank() -> int:
    """This process's rank, 0 .. world_size() - 1.

    >>> if xg.distributed.rank() == 0: print("hello from rank 0")
    """
    return get_world().rank


def world_size() -> int:
    """How many processes train together (1 without a launcher).

    >>> xg.distributed.world_size()
    1
    """
    return get_world().size


def local_rank() -> int:
    """This process's rank among those on the same machine (picks the GPU: cuda:local_rank).

    >>> device = f"cuda:{xg.distributed.local_rank()}"
    """
    return get_world().local_rank


def local_size() -> int:
    """How many ranks run on this machine.

    >>> xg.distributed.local_size()
    1
    """
    return get_world().local_size


def is_main() -> bool:
    """True on rank 0: the rank that prints, shows progress and writes files.

    >>> if xg.distributed.is_main(): xg.save(model.state_dict(), "model.safetensors")
    """
    return get_world().rank == 0


def barrier() -> None:
    """Wait until every rank gets here (a no-op with one process).

    >>> xg.distributed.barrier()
    """
    world = get_world()
    if world.size > 1:
        world.comm.Barrier()
