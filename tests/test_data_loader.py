"""DataLoader and TensorDataset: batching, drop_last, shuffling by seed and epoch, device
placement, one host-to-device transfer per array and batch, and clear errors."""
import numpy as np
import pytest

import xpgrad as xg
from xpgrad import backends
from xpgrad.data import DataLoader, Dataset, TensorDataset


def arrays(n=10):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return X, y


def labels_of(loader):
    return [yb.numpy().tolist() for _, yb in loader]


# ---- batching ---------------------------------------------------------------------------------
def test_batches_in_order_with_a_partial_last_batch(device):
    X, y = arrays(10)
    loader = DataLoader((X, y), batch_size=4, device=device)
    assert len(loader) == 3
    batches = list(loader)
    assert [xb.shape for xb, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    xb, yb = batches[-1]
    assert np.array_equal(xb.numpy(), X[8:])
    assert xb.dtype == xg.float32 and yb.dtype == xg.int64
    assert xb.device == yb.device == backends.canonical_device(device)
    assert not xb.requires_grad


def test_drop_last_drops_the_partial_batch():
    X, y = arrays(10)
    loader = DataLoader((X, y), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader((X, y), batch_size=5, drop_last=True)) == 2
    assert len(DataLoader((X, y), batch_size=32)) == 1
    assert len(DataLoader((X, y), batch_size=32, drop_last=True)) == 0
    assert list(DataLoader((X, y), batch_size=32, drop_last=True)) == []


def test_single_array_yields_single_tensors(device):
    X, _ = arrays(7)
    batches = list(DataLoader(X, batch_size=3, device=device))
    assert [b.shape for b in batches] == [(3, 3), (3, 3), (1, 3)]
    assert np.array_equal(np.concatenate([b.numpy() for b in batches]), X)
    one = list(DataLoader((X,), batch_size=7))
    assert isinstance(one[0], tuple) and len(one[0]) == 1


def test_tensor_dataset_and_list_input():
    X, y = arrays(6)
    ds = TensorDataset(X, y)
    assert len(ds) == 6
    x2, y2 = ds[2]
    assert np.array_equal(x2, X[2]) and y2 == 2
    assert [b[1].tolist() for b in DataLoader(ds, batch_size=4)] == [[0, 1, 2, 3], [4, 5]]
    assert [b[1].tolist() for b in DataLoader([X, y], batch_size=6)] == [[0, 1, 2, 3, 4, 5]]


# ---- shuffling ---------------------------------------------------------------------------------
def test_shuffle_is_reproducible_with_a_seed_and_changes_every_epoch():
    X, y = arrays(50)
    a = DataLoader((X, y), batch_size=8, shuffle=True, seed=123)
    b = DataLoader((X, y), batch_size=8, shuffle=True, seed=123)
    epoch0, epoch1 = labels_of(a), labels_of(a)
    assert epoch0 == labels_of(b) and epoch1 == labels_of(b)
    assert epoch0 != epoch1
    for epoch in (epoch0, epoch1):
        flat = [v for batch in epoch for v in batch]
        assert sorted(flat) == list(range(50)) and flat != list(range(50))
    c = DataLoader((X, y), batch_size=8, shuffle=True, seed=124)
    assert labels_of(c) != epoch0


def test_set_epoch_reproduces_an_epoch():
    X, y = arrays(40)
    loader = DataLoader((X, y), batch_size=16, shuffle=True, seed=7)
    runs = [labels_of(loader) for _ in range(3)]
    assert loader.epoch == 3
    loader.set_epoch(1)
    assert labels_of(loader) == runs[1]
    loader.set_epoch(0)
    assert labels_of(loader) == runs[0]
    # the permutation of epoch e is default_rng(seed + e), as xg.distributed.shard_indices uses
    expected = np.random.default_rng(7 + 2).permutation(40)
    assert np.array_equal(loader.epoch_indices(2), expected)
    with pytest.raises(ValueError, match="non-negative"):
        loader.set_epoch(-1)


def test_the_epoch_advances_when_iteration_starts_not_at_the_first_batch():
    X, y = arrays(20)
    loader = DataLoader((X, y), batch_size=4, shuffle=True, seed=0)
    it = iter(loader)
    assert loader.epoch == 1
    first = next(it)[1].tolist()
    assert first == loader.epoch_indices(0)[:4].tolist()


def test_seed_none_follows_manual_seed():
    X, y = arrays(30)
    xg.manual_seed(11)
    a = labels_of(DataLoader((X, y), batch_size=10, shuffle=True))
    b = labels_of(DataLoader((X, y), batch_size=10, shuffle=True))
    assert a == b == labels_of(DataLoader((X, y), batch_size=10, shuffle=True, seed=11))
    xg.manual_seed(12)
    assert labels_of(DataLoader((X, y), batch_size=10, shuffle=True)) != a


def test_no_shuffle_keeps_order_every_epoch():
    X, y = arrays(9)
    loader = DataLoader((X, y), batch_size=4, seed=5)
    assert labels_of(loader) == labels_of(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8]]


# ---- devices and transfers --------------------------------------------------------------------
def test_host_batches_cost_one_transfer_per_array(monkeypatch):
    strict = backends.get_backend("strict:device1")
    calls = []
    original = type(strict).from_host

    def counting(self, host):
        calls.append(np.shape(host))
        return original(self, host)

    monkeypatch.setattr(type(strict), "from_host", counting)
    X, y = arrays(10)
    batches = list(DataLoader((X, y), batch_size=4, shuffle=True, seed=0,
                              device="strict:device1"))
    assert len(batches) == 3
    assert calls == [(4, 3), (4,), (4, 3), (4,), (2, 3), (2,)]


def test_device_tensors_are_gathered_on_their_device(device, monkeypatch):
    X, y = arrays(12)
    Xt, yt = xg.tensor(X, device=device), xg.tensor(y, device=device)
    if device != "cpu":       # a device-resident data set never visits the host
        backend = Xt.backend
        monkeypatch.setattr(type(backend), "to_host", lambda self, a: pytest.fail("to_host"))
    loader = DataLoader(TensorDataset(Xt, yt), batch_size=5, shuffle=True, seed=3)
    batches = list(loader)
    monkeypatch.undo()
    order = loader.epoch_indices(0)
    assert all(xb.device == Xt.device for xb, _ in batches)
    got = np.concatenate([xb.numpy() for xb, _ in batches])
    assert np.array_equal(got, X[order])


def test_tensors_move_to_the_requested_device(device):
    X, y = arrays(6)
    loader = DataLoader((xg.tensor(X), xg.tensor(y)), batch_size=4, device=device)
    xb, yb = next(iter(loader))
    assert xb.device == yb.device == backends.canonical_device(device)
    assert np.array_equal(xb.numpy(), X[:4])


def test_requires_grad_tensors_are_detached():
    X, _ = arrays(4)
    batch = next(iter(DataLoader(xg.tensor(X, requires_grad=True), batch_size=2)))
    assert not batch.requires_grad and batch.grad_fn is None


# ---- generic Datasets -------------------------------------------------------------------------
class Squares(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return np.float32(i), np.array([i, i * i], dtype=np.float32)


class Rows(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return np.full(2, i, dtype=np.float32)


def test_a_dataset_subclass_is_collated(device):
    xb, yb = next(iter(DataLoader(Squares(), batch_size=3, device=device)))
    assert xb.shape == (3,) and yb.shape == (3, 2)
    assert yb.numpy().tolist() == [[0, 0], [1, 1], [2, 4]]
    assert xb.device == backends.canonical_device(device)
    single = list(DataLoader(Rows(), batch_size=3))
    assert [b.shape for b in single] == [(3, 2), (1, 2)]


def test_dataset_base_needs_len_and_getitem():
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


# ---- errors -----------------------------------------------------------------------------------
def test_tensor_dataset_length_mismatch_names_the_lengths():
    with pytest.raises(ValueError, match=r"\[100, 99\].*argument 1 has 99"):
        TensorDataset(np.zeros((100, 3)), np.zeros(99))
    with pytest.raises(ValueError, match="same first dimension"):
        DataLoader((np.zeros((5, 2)), np.zeros(4)))
    with pytest.raises(ValueError, match="at least one array"):
        TensorDataset()


def test_a_list_of_samples_is_a_dataset_as_in_pytorch():
    rows = [(1, 2.0), (3, 4.0), (5, 6.0)]
    first, second = list(DataLoader(rows, batch_size=2))
    assert first[0].tolist() == [1, 3] and first[0].dtype == xg.int64
    assert first[1].tolist() == [2.0, 4.0] and first[1].dtype == xg.float64
    assert second[0].tolist() == [5]
    assert [b.tolist() for b in DataLoader(list(range(5)), batch_size=2)] == [[0, 1], [2, 3], [4]]
    batch = next(iter(DataLoader([{"a": 1, "b": [1.0, 2.0]}] * 2, batch_size=2)))
    assert batch["a"].tolist() == [1, 1] and [t.tolist() for t in batch["b"]] == [[1.0, 1.0], [2.0, 2.0]]


def test_bad_arguments_are_explained():
    X, y = arrays(4)
    with pytest.raises(TypeError, match="dtype <U"):
        TensorDataset(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader((X, y), batch_size=0)
    with pytest.raises(TypeError, match="seed must be an int"):
        DataLoader((X, y), seed=1.5)
    with pytest.raises(TypeError, match="cannot load batches"):
        DataLoader(3)
    with pytest.raises(ValueError, match="unknown device"):
        DataLoader(X, device="tpu")
