"""Subset, ConcatDataset, random_split and the DataLoader options PyTorch users pass
(collate_fn, sampler, dict samples, worker options, batch_size=1 by default)."""
import numpy as np
import pytest

import xpgrad as xg
from xpgrad.data import ConcatDataset, DataLoader, Dataset, Subset, TensorDataset, random_split


class Squares(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return {"x": np.float32(i), "y": np.float32(i * i)}


def _data(n=10):
    return TensorDataset(np.arange(n, dtype="float32")[:, None], np.arange(n) % 2)


def test_subset_and_concat():
    ds = _data()
    sub = Subset(ds, [7, 2, 2])
    assert len(sub) == 3 and float(sub[0][0][0]) == 7.0
    xb, yb = next(iter(DataLoader(sub, batch_size=3)))
    assert xb[:, 0].tolist() == [7.0, 2.0, 2.0] and yb.tolist() == [1, 0, 0]
    with pytest.raises(IndexError, match=r"Subset: indices must be in \[-10, 10\)"):
        Subset(ds, [10])
    both = ConcatDataset([ds, Subset(ds, [0, 1])])
    assert len(both) == 12 and float(both[10][0][0]) == 0.0 and float(both[-1][0][0]) == 1.0
    with pytest.raises(IndexError, match="ConcatDataset: index 12 is out of range"):
        both[12]


def test_random_split_by_counts_and_fractions():
    ds = _data(10)
    a, b = random_split(ds, [7, 3], seed=0)
    together = sorted(a.indices.tolist() + b.indices.tolist())
    assert (len(a), len(b)) == (7, 3) and together == list(range(10))
    assert [len(s) for s in random_split(ds, [0.5, 0.3, 0.2], seed=1)] == [5, 3, 2]
    assert [len(s) for s in random_split(_data(11), [0.5, 0.5], seed=1)] == [6, 5]
    assert random_split(ds, [5, 5], seed=3)[0].indices.tolist() == \
        random_split(ds, [5, 5], seed=3)[0].indices.tolist()
    with pytest.raises(ValueError, match="must be non-negative and sum to the data set's 10"):
        random_split(ds, [4, 4])


def test_random_split_takes_a_generator_as_pytorch_spells_it():
    import numpy as np
    ds = _data(10)
    by_seed = random_split(ds, [6, 4], 5)[0].indices.tolist()
    assert by_seed == random_split(ds, [6, 4], generator=5)[0].indices.tolist()
    assert by_seed == random_split(ds, [6, 4], generator=np.random.default_rng(5))[0].indices.tolist()
    assert by_seed == random_split(ds, [6, 4], seed=5)[0].indices.tolist()
    with pytest.raises(ValueError, match="generator= or seed=, not both"):
        random_split(ds, [6, 4], generator=1, seed=1)


def test_loader_options_as_pytorch(device):
    ds = _data(6)
    assert len(DataLoader(ds)) == 6                               # batch_size=1 by default
    loader = DataLoader(ds, batch_size=4, sampler=[5, 4, 3, 2, 1, 0], device=device,
                        num_workers=2, pin_memory=True, persistent_workers=False)
    assert [xb[:, 0].tolist() for xb, _ in loader] == [[5.0, 4.0, 3.0, 2.0], [1.0, 0.0]]
    with pytest.raises(ValueError, match="sampler and shuffle=True are mutually exclusive"):
        DataLoader(ds, sampler=[0], shuffle=True)
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['num_worker'\]"):
        DataLoader(ds, num_worker=2)

    def pairs(samples):
        xs = np.stack([s[0] for s in samples])
        return xs, xs * 2, "meta"

    xb, doubled, meta = next(iter(DataLoader(ds, batch_size=3, collate_fn=pairs, device=device)))
    assert isinstance(xb, xg.Tensor) and xb.device == xg.device(device)
    assert doubled[:, 0].tolist() == [0.0, 2.0, 4.0] and meta == "meta"


def test_dict_samples_give_dict_batches(device):
    batch = next(iter(DataLoader(Squares(), batch_size=4, device=device)))
    assert set(batch) == {"x", "y"} and batch["y"].tolist() == [0.0, 1.0, 4.0, 9.0]
