"""Combine per-rank numbers (epoch metrics, validation loss) into one weighted average,
identical on every rank, so callbacks such as EarlyStopping decide the same everywhere.

>>> logs = xg.distributed.reduce_metrics({"loss": 0.31, "accuracy": 0.9}, weight=n_seen)
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from .world import get_world


def reduce_metrics(metrics: Mapping[str, float],
                   weight: float | Mapping[str, float] = 1.0) -> dict[str, float]:
    """The average of each metric over ranks, weighted by ``weight`` (e.g. the number of
    samples the rank's value covers; one number for all metrics or one per metric).

    Every rank must pass the same keys. One all-reduce of a small float64 vector.

    >>> reduce_metrics({"val_loss": 0.5}, weight=200)     # {"val_loss": <global mean>}
    """
    keys = sorted(metrics)
    world = get_world()
    if world.size == 1:
        return {k: float(metrics[k]) for k in metrics}
    weights = [float(weight[k] if isinstance(weight, Mapping) else weight) for k in keys]
    buf = np.zeros(2 * len(keys) + 1, dtype=np.float64)
    for i, k in enumerate(keys):
        buf[i] = float(metrics[k]) * weights[i]
        buf[len(keys) + i] = weights[i]
    buf[-1] = len(keys)                    # a cheap check that every rank sent as many keys
    from mpi4py import MPI
    world.comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
    if buf[-1] != len(keys) * world.size:
        raise ValueError(f"reduce_metrics: ranks passed different numbers of metrics "
                         f"(this rank: {keys})")
    out = {}
    for i, k in enumerate(keys):
        total = buf[len(keys) + i]
        out[k] = float(buf[i] / total) if total else float("nan")
    return {k: out[k] for k in metrics}
