"""``torch.utils.data`` under its PyTorch name: the same objects as ``xpgrad.data``.

Differences from PyTorch: ``generator=`` takes None, an int seed or a NumPy Generator (not a
torch.Generator); ``random_split`` takes ``seed=``; ``num_workers`` and the other worker
options are accepted without effect (batches are made in the calling thread), so
``get_worker_info()`` is always None. DistributedSampler is not here: ``DataLoader(...,
shard=True)`` shards for data-parallel training.

>>> from xpgrad.utils.data import DataLoader, TensorDataset, random_split
"""
from ..data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                    IterableDataset, RandomSampler, Sampler, SequentialSampler, StackDataset,
                    Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                    default_collate, default_convert, get_worker_info, random_split)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset",
           "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
           "default_collate", "default_convert", "get_worker_info", "random_split"]
