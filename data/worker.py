"""``get_worker_info``, as torch.utils.data: batches are made in the calling process here, so
no code ever runs in a DataLoader worker and it always returns None.

>>> get_worker_info() is None                            # True
"""
from __future__ import annotations

from typing import Any

__all__ = ["get_worker_info"]


def get_worker_info() -> Any:
    """Information about the DataLoader worker this runs in: None, as in PyTorch's main
    process (``num_workers`` is accepted, but xpgrad loads batches in the calling thread).

    >>> info = get_worker_info()                          # None
    """
    return None
