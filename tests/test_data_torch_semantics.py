"""torch.utils.data behaviour pinned to PyTorch 2.13's results (hard-coded, so these run
without torch): number batches whose first sample is an int, random_split's fractions and
ConcatDataset's integer bookkeeping."""
import numpy as np
import pytest

import xpgrad as xg
from xpgrad.data import ConcatDataset, DataLoader, Dataset, Subset, default_collate, random_split


class Numbers(Dataset):
    def __init__(self, values):
        self.values = values

    def __len__(self):
        return len(self.values)

    def __getitem__(self, i):
        return self.values[i]


# ---- default_collate of Python numbers: torch.tensor(batch) when the first is an int --------
@pytest.mark.parametrize("batch,dtype,values", [
    ([1, 2.5, 3], "float32", [1.0, 2.5, 3.0]),       # a float later on: the default dtype
    ([True, 2.5], "float32", [1.0, 2.5]),
    ([1, True], "int64", [1, 1]),
    ([True, False], "bool", [True, False]),
    ([1, 2 ** 40], "int64", [1, 2 ** 40]),
    ([1.5, 2, 3], "float64", [1.5, 2.0, 3.0]),       # a float first: float64
])
def test_number_batches_as_torch(batch, dtype, values):
    out = default_collate(batch)
    assert str(out.dtype) == dtype and out.tolist() == values


def test_int_then_float_follows_the_default_dtype():
    before = xg.get_default_dtype()
    xg.set_default_dtype("float64")
    try:
        assert str(default_collate([1, 0.5]).dtype) == "float64"
    finally:
        xg.set_default_dtype(before)


def test_loader_never_truncates_a_float_after_an_int():
    first, last = list(DataLoader(Numbers([1, 2.5, 3]), batch_size=2))
    assert str(first.dtype) == "float32" and first.tolist() == [1.0, 2.5]
    assert str(last.dtype) == "int64" and last.tolist() == [3]
    (xb, yb), = DataLoader(Numbers([(0, 1), (0.5, 2)]), batch_size=2)
    assert xb.tolist() == [0.0, 0.5] and yb.tolist() == [1, 2]


# ---- random_split -------------------------------------------------------------------------
def test_random_split_fractions_must_each_be_in_zero_one():
    with pytest.raises(ValueError, match="fraction at index 2 is not between 0 and 1"):
        random_split(range(10), [0.9, 0.2, -0.1], seed=0)


@pytest.mark.parametrize("lengths,n,sizes", [
    ([1], 10, [10]),                   # torch: any lengths summing to 1 are fractions
    ([0, 1], 10, [0, 10]),
    ([0.3, 0.7], 10, [3, 7]),
    ([1 / 3] * 3, 10, [4, 3, 3]),
    ([0.15] * 6 + [0.1], 10, [2, 2, 2, 1, 1, 1, 1]),
    ([0.5, 0.5], 7, [4, 3]),
    ([5, 5, 0], 10, [5, 5, 0]),
])
def test_random_split_sizes_as_torch(lengths, n, sizes):
    parts = random_split(range(n), lengths, seed=0)
    assert [len(p) for p in parts] == sizes
    assert sorted(i for p in parts for i in p) == list(range(n))


# ---- ConcatDataset ------------------------------------------------------------------------
class Echo(Dataset):
    """Returns the index it was given, to show its type."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not -self.n <= i < self.n:
            raise IndexError(i)
        return i


def test_concat_indexes_its_parts_with_python_ints():
    both = ConcatDataset([Echo(3), Echo(0), Echo(4), Subset(Echo(10), [7, 8])])
    assert both.cumulative_sizes == [3, 3, 7, 9]
    assert all(type(c) is int for c in both.cumulative_sizes)
    got = [both[i] for i in (0, 2, 3, 6, 7, 8, -1, -9)]
    assert got == [0, 2, 0, 3, 7, 8, 8, 0]                  # torch's, index for index
    assert all(type(v) is int for v in got)                 # np.int64(3) before the fix
    assert both[np.int64(4)] == 1
    with pytest.raises(IndexError):
        both[9]
