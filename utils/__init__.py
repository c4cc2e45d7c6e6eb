"""PyTorch's ``torch.utils`` spellings: ``xpgrad.utils.data`` is ``torch.utils.data``.

>>> from xpgrad.utils.data import DataLoader, TensorDataset
"""
from . import data

__all__ = ["data"]
