"""Data: mini-batch loading, host-side preprocessing and the data sets of the lectures.

``DataLoader`` turns arrays (or any Dataset) into mini-batches of tensors on a device;
``train_test_split``, ``standardize`` and ``one_hot`` prepare NumPy arrays on the host;
``load_heart`` (shipped with xpgrad), ``load_mnist`` and ``load_digits`` load data sets.
torch.utils.data's API is here too (samplers, IterableDataset, default_collate, ...) and under
its own name as ``xpgrad.utils.data``.
NumPy is used here only for host-side work; nothing is ever unpickled.

>>> from xpgrad import data
>>> d = data.load_heart(split="train_val_test", seed=0)
>>> for xb, yb in data.DataLoader(d.train, batch_size=32, shuffle=True, seed=0): ...
"""
from ._files import ChecksumError
from .collate import default_collate, default_convert
from .dataset import ChainDataset, Dataset, IterableDataset, StackDataset, TensorDataset
from .digits import load_digits
from .heart import HEART_FEATURE_NAMES, HeartData, HeartSplit, load_heart
from .loader import DataLoader
from .mnist import load_mnist
from .preprocessing import Standardizer, one_hot, standardize, train_test_split
from .samplers import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                       SubsetRandomSampler, WeightedRandomSampler)
from .subsets import ConcatDataset, Subset, random_split
from .worker import get_worker_info

__all__ = ["DataLoader", "Dataset", "TensorDataset", "train_test_split", "standardize",
           "Standardizer", "one_hot", "load_heart", "HeartData", "HeartSplit",
           "HEART_FEATURE_NAMES", "load_mnist", "load_digits", "ChecksumError", "Subset",
           "ConcatDataset", "random_split", "IterableDataset", "StackDataset", "ChainDataset",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "default_collate", "default_convert",
           "get_worker_info"]
