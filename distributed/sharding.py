"""Split a data set between ranks: every rank gets a disjoint, equal-sized part of one
seeded permutation, so one epoch over all ranks visits each sample once.

Equal sizes matter: every rank must run the same number of steps, or the ranks that
finish first would wait forever in the next gradient all-reduce. When ``n`` is not a
multiple of the world size, the last ``n % world`` samples of this epoch's permutation
are dropped (different ones every epoch, since the permutation changes), or with
``pad=True`` the permutation is extended by wrapping around to its start, so every sample
is seen at least once and ``n % world`` of them twice.

>>> idx = xg.distributed.shard_indices(60000, epoch_seed=seed + epoch)   # this rank's part
"""
from __future__ import annotations

import numpy as np

from .world import get_world


def shard_indices(n: int, epoch_seed: int | None = None, rank: int | None = None,
                  world: int | None = None, pad: bool = False) -> np.ndarray:
    """This rank's sample indices (int64) for one epoch.

    ``epoch_seed``: seed of the permutation, the same on every rank (e.g. seed + epoch);
    None keeps the natural order. ``rank``/``world`` default to this process's. Rank r
    takes every world-th index of the permutation starting at position r.

    >>> shard_indices(10, epoch_seed=0, rank=1, world=3)        # 3 of the 10 samples
    """
    if rank is None or world is None:
        w = get_world()
        rank = w.rank if rank is None else rank
        world = w.size if world is None else world
    n, rank, world = int(n), int(rank), int(world)
    if n < 0:
        raise ValueError(f"shard_indices: n must be >= 0, got {n}")
    if world < 1 or not 0 <= rank < world:
        raise ValueError(f"shard_indices: rank {rank} is not in a world of size {world}")
    if epoch_seed is None:
        order = np.arange(n, dtype=np.int64)
    else:
        order = np.random.default_rng(int(epoch_seed)).permutation(n).astype(np.int64)
    if pad:
        total = -(-n // world) * world
        if total > n and n > 0:
            order = np.resize(order, total)          # wraps around to the start
    else:
        order = order[:n - n % world]
    return order[rank::world]
