"""Data-parallel training over MPI (CPU ranks) and NCCL (GPUs).

Each rank is one process with a full copy of the model; it trains on its own shard of
every epoch, and the gradients are averaged over ranks after each backward, so all ranks
take the same optimizer step and keep identical parameters. Launch with

    python -m xpgrad.distributed -n 4 train.py        # mpiexec -n 4 python -m mpi4py ...

The communicator follows the tensor's device: MPI for cpu tensors, host staging for other
backends without their own transport (the strict test backend), NCCL for cuda tensors.
With one process everything here is a cheap no-op, and mpi4py is needed only by
``init()`` and by worlds of more than one rank (``pip install 'xpgrad[mpi]'``).

>>> from xpgrad import distributed as dist
>>> dist.init(); model = nn.DataParallel(model)          # or fit(..., distributed=True)
"""
from . import functional
from .comm import all_reduce, broadcast
from .grad_sync import GradientAverager, broadcast_parameters, check_parameter_shapes
from .metrics import reduce_metrics
from .sharding import shard_indices
from .world import (DistributedUnavailableError, World, barrier, get_world, init,
                    is_initialized, is_main, local_rank, local_size, rank, world_size)

__all__ = ["init", "is_initialized", "get_world", "World", "rank", "world_size",
           "local_rank", "local_size", "is_main", "barrier", "all_reduce", "broadcast",
           "GradientAverager", "broadcast_parameters", "check_parameter_shapes",
           "shard_indices", "reduce_metrics", "functional", "DistributedUnavailableError"]
