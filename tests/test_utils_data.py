"""xpgrad.utils.data as torch.utils.data: the import paths, DataLoader's batch_sampler=,
batch_size=None, IterableDataset and generator=, default_collate / default_convert against
PyTorch's (structure and dtypes), StackDataset, ChainDataset and Dataset.__add__."""
import collections

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.utils.data as ud
from xpgrad import backends, data
from xpgrad.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset,
                               IterableDataset, RandomSampler, SequentialSampler, StackDataset,
                               TensorDataset, default_collate, default_convert, get_worker_info)

torch = pytest.importorskip("torch")
tud = torch.utils.data
Point = collections.namedtuple("Point", "x y")


def _xy(n=10):
    return np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n, dtype=np.int64)


def _torch_xy(n=10):
    X, y = _xy(n)
    return tud.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))


def same_structure(ours, theirs, path="batch"):
    """Our batch has torch's containers, and tensors of the same dtype, shape and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, xg.Tensor), path
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), path
        assert ours.shape == tuple(theirs.shape), path
        assert np.array_equal(ours.numpy(), theirs.numpy()), path
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs), path
        for k in theirs:
            same_structure(ours[k], theirs[k], f"{path}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            same_structure(a, b, f"{path}[{i}]")
    else:
        assert ours == theirs and type(ours) is type(theirs), path


# ---- import paths ------------------------------------------------------------------------------
def test_utils_data_re_exports_xpgrad_data_under_torchs_names():
    import xpgrad.utils
    assert xpgrad.utils.data is ud
    for name in ud.__all__:
        assert getattr(ud, name) is getattr(data, name)
        assert hasattr(tud, name), f"{name} is not a torch.utils.data name"
    assert get_worker_info() is None is tud.get_worker_info()


# ---- batch_sampler -------------------------------------------------------------------------------
def test_batch_sampler_fixes_the_batches_as_torch(device):
    X, y = _xy()
    batches = [[3, 1], [0, 9, 8], [5]]
    ours = DataLoader((X, y), batch_sampler=batches, device=device)
    theirs = tud.DataLoader(_torch_xy(), batch_sampler=batches)
    assert len(ours) == len(theirs) == 3
    assert ours.batch_size is None is theirs.batch_size
    for (xb, yb), (tx, ty) in zip(ours, theirs):
        assert xb.shape == tuple(tx.shape) and yb.tolist() == ty.tolist()
        assert xb.device == backends.canonical_device(device)
    sampled = DataLoader((X, y), batch_sampler=BatchSampler(SequentialSampler(range(10)), 4,
                                                            True))
    assert [yb.tolist() for _, yb in sampled] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(sampled) == 2


def test_batch_sampler_exclusions_as_torch():
    X, y = _xy()
    for kwargs in ({"batch_size": 2}, {"shuffle": True}, {"sampler": [0]}, {"drop_last": True}):
        with pytest.raises(ValueError) as theirs:
            tud.DataLoader(_torch_xy(), batch_sampler=[[0]], **kwargs)
        with pytest.raises(ValueError, match="DataLoader: " + str(theirs.value)):
            DataLoader((X, y), batch_sampler=[[0]], **kwargs)


# ---- batch_size=None -------------------------------------------------------------------------------
def test_batch_size_none_yields_samples_one_by_one_as_torch(device):
    X, y = _xy(4)
    ours = DataLoader((X, y), batch_size=None, device=device)
    theirs = tud.DataLoader(_torch_xy(4), batch_size=None)
    assert len(ours) == len(theirs) == 4
    for (xs, ys), (tx, ty) in zip(ours, theirs):
        assert xs.shape == tuple(tx.shape) == (2,) and ys.shape == () == tuple(ty.shape)
        assert xs.device == backends.canonical_device(device) and ys.dtype == xg.int64
    assert [int(ys.item()) for _, ys in ours] == [0, 1, 2, 3]
    singles = list(DataLoader(X, batch_size=None, sampler=[2, 0]))
    assert [s.tolist() for s in singles] == [X[2].tolist(), X[0].tolist()]
    with pytest.raises(ValueError) as torch_error:
        tud.DataLoader(_torch_xy(), batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="DataLoader: " + str(torch_error.value)):
        DataLoader((X, y), batch_size=None, drop_last=True)


class Records(Dataset):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        return {"x": np.full(2, i, np.float32), "n": i, "name": f"r{i}",
                "pair": (np.float64(i), [i, i + 1])}


def test_batch_size_none_converts_like_default_convert():
    ours = list(DataLoader(Records(), batch_size=None))
    theirs = list(tud.DataLoader(Records(), batch_size=None))
    for a, b in zip(ours, theirs):        # tuples stay tuples in our loader; torch makes lists
        a = dict(a, pair=list(a["pair"]))
        same_structure(a, b)


# ---- IterableDataset -------------------------------------------------------------------------------
class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        for i in range(self.n):
            yield np.full(3, i, np.float32), i


class SizedStream(Stream):
    def __len__(self):
        return self.n


class TorchStream(tud.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(Stream(self.n))


@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset_is_batched_as_it_streams_as_torch(drop_last, device):
    ours = list(DataLoader(Stream(7), batch_size=3, drop_last=drop_last, device=device))
    theirs = list(tud.DataLoader(TorchStream(7), batch_size=3, drop_last=drop_last))
    assert len(ours) == len(theirs) == (2 if drop_last else 3)
    for (xb, yb), (tx, ty) in zip(ours, theirs):
        assert xb.shape == tuple(tx.shape) and xb.dtype == xg.float32
        assert yb.tolist() == ty.tolist() and yb.dtype == xg.int64
        assert xb.device == backends.canonical_device(device)
    singles = list(DataLoader(Stream(3), batch_size=None))     # Python ints stay ints
    assert [ys for _, ys in singles] == [0, 1, 2] == [ty for _, ty in
                                                      tud.DataLoader(TorchStream(3), batch_size=None)]
    assert isinstance(singles[0][0], xg.Tensor) and singles[0][0].shape == (3,)


def test_iterable_dataset_len_and_refused_options_as_torch():
    with pytest.raises(TypeError, match="object of type 'Stream' has no len()"):
        len(DataLoader(Stream(5), batch_size=2))
    with pytest.raises(TypeError, match="has no len"):
        len(tud.DataLoader(TorchStream(5), batch_size=2))
    assert len(DataLoader(SizedStream(5), batch_size=2)) == 3
    assert len(DataLoader(SizedStream(5), batch_size=2, drop_last=True)) == 2
    assert len(DataLoader(SizedStream(5), batch_size=None)) == 5
    assert "batches=unknown" in repr(DataLoader(Stream(5)))
    for kwargs in ({"shuffle": True}, {"sampler": [0, 1]}, {"batch_sampler": [[0]]}):
        with pytest.raises(ValueError) as theirs:
            tud.DataLoader(TorchStream(5), **kwargs)
        with pytest.raises(ValueError) as ours:
            DataLoader(Stream(5), **kwargs)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="shard=True"):
        DataLoader(Stream(5), shard=True)


def test_chain_and_add_of_streams():
    both = Stream(2) + SizedStream(3)
    assert isinstance(both, ChainDataset) and len(ChainDataset([SizedStream(2),
                                                                SizedStream(3)])) == 5
    assert [int(y) for _, y in both] == [0, 1, 0, 1, 2]
    assert [yb.tolist() for _, yb in DataLoader(both, batch_size=4)] == [[0, 1, 0, 1], [2]]
    with pytest.raises(TypeError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([Stream(1), TensorDataset(np.zeros(2))]))


# ---- generator= ------------------------------------------------------------------------------------
def test_generator_shuffles_reproducibly():
    X, y = _xy(30)

    def epochs(loader):
        return [[v for _, yb in loader for v in yb.tolist()] for _ in range(2)]

    a = epochs(DataLoader((X, y), batch_size=8, shuffle=True, generator=4))
    assert a == epochs(DataLoader((X, y), batch_size=8, shuffle=True,
                                  generator=np.random.default_rng(4)))
    assert a[0] != a[1] and all(sorted(e) == list(range(30)) for e in a)
    assert a != epochs(DataLoader((X, y), batch_size=8, shuffle=True, generator=5))
    loader = DataLoader((X, y), batch_size=8, shuffle=True, generator=4)
    assert isinstance(loader.sampler, RandomSampler) and len(loader) == 4
    with pytest.raises(TypeError, match="torch.Generator is not accepted"):
        DataLoader((X, y), shuffle=True, generator=torch.Generator())
    with pytest.raises(ValueError, match="seed= or generator=, not both"):
        DataLoader((X, y), shuffle=True, generator=1, seed=1)


def test_sampler_attributes_as_torch():
    X, y = _xy()
    for kwargs in ({}, {"shuffle": True, "generator": 0}, {"batch_size": None}):
        ours, theirs = DataLoader((X, y), **kwargs), tud.DataLoader(_torch_xy(), **{
            k: (torch.Generator() if k == "generator" else v) for k, v in kwargs.items()})
        assert type(ours.sampler).__name__ == type(theirs.sampler).__name__
        assert type(ours.batch_sampler).__name__ == type(theirs.batch_sampler).__name__
        assert len(ours.sampler) == len(theirs.sampler)
    seeded = DataLoader((X, y), batch_size=4, shuffle=True, seed=2)
    assert list(seeded.sampler) == seeded.epoch_indices(0).tolist()
    assert len(seeded.batch_sampler) == len(seeded) == 3
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader((X, y), num_workers=-1)


# ---- collation -------------------------------------------------------------------------------------
def _samples():
    return [{"x": np.full((2, 2), i, np.float32), "i": i, "f": i / 2, "b": i % 2 == 0,
             "s": f"s{i}", "np": np.int16(i), "t": (np.arange(3) + i, [i, 2.0 * i]),
             "p": Point(np.float64(i), np.zeros(1, np.uint8)), "nested": {"deep": [np.bool_(i)]}}
            for i in range(3)]


def test_default_collate_as_torch():
    same_structure(default_collate(_samples()), tud.default_collate(_samples()))
    pairs = [(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 0)]
    same_structure(default_collate(pairs), tud.default_collate(pairs))        # a list, as torch
    same_structure(default_collate([1.5, 2.5]), tud.default_collate([1.5, 2.5]))
    t = [xg.tensor([1.0, 2.0]), xg.tensor([3.0, 4.0])]
    assert default_collate(t).tolist() == [[1.0, 2.0], [3.0, 4.0]]


def test_default_collate_errors():
    with pytest.raises(TypeError) as theirs:
        tud.default_collate([object(), object()])
    with pytest.raises(TypeError, match=str(theirs.value).split(";")[0]):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal"):
        default_collate([[1, 2], [3]])
    with pytest.raises(ValueError, match=r"batch\['x'\] has different shapes \[\(2,\), \(3,\)\]"):
        default_collate([{"x": np.zeros(2)}, {"x": np.zeros(3)}])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_convert_as_torch():
    sample = (np.zeros(2), 3, np.float32(1.5), [np.int8(1)], {"a": np.ones((1, 2))}, "text",
              np.array(["kept"]))
    ours, theirs = default_convert(sample), tud.default_convert(sample)
    assert isinstance(ours[-1], np.ndarray) and isinstance(theirs[-1], np.ndarray)
    same_structure(ours[:-1], theirs[:-1])
    same_structure(default_convert(Point(np.array(0), 1)), tud.default_convert(Point(np.array(0), 1)))


def test_loader_collates_nested_samples_keeping_tuples(device):
    batch = next(iter(DataLoader(Records(), batch_size=3, device=device)))
    theirs = next(iter(tud.DataLoader(Records(), batch_size=3)))
    assert isinstance(batch["pair"], tuple)
    same_structure(dict(batch, pair=list(batch["pair"])), theirs)
    assert batch["x"].device == backends.canonical_device(device)


# ---- datasets ---------------------------------------------------------------------------------------
def test_stack_dataset_as_torch():
    X, y = _xy(4)
    tuples = StackDataset(TensorDataset(X), TensorDataset(y))
    torch_tuples = tud.StackDataset(tud.TensorDataset(torch.from_numpy(X)),
                                    tud.TensorDataset(torch.from_numpy(y)))
    assert len(tuples) == len(torch_tuples) == 4
    assert tuples.__getitems__([1, 3])[1][1][0] == torch_tuples.__getitems__([1, 3])[1][1][0]
    named = StackDataset(x=TensorDataset(X), y=TensorDataset(y))
    batch = next(iter(DataLoader(named, batch_size=3)))
    assert set(batch) == {"x", "y"} and batch["y"][0].tolist() == [0, 1, 2]
    for args, kwargs in (((TensorDataset(X),), {"y": TensorDataset(y)}), ((), {}),
                         ((TensorDataset(X), TensorDataset(y[:3])), {})):
        with pytest.raises(ValueError) as theirs:
            tud.StackDataset(*args, **kwargs)
        with pytest.raises(ValueError) as ours:
            StackDataset(*args, **kwargs)
        squeeze = str.maketrans("", "", " ")         # (torch's message lacks a space)
        assert str(theirs.value).translate(squeeze)[:40] in str(ours.value).translate(squeeze)


def test_dataset_add_and_tensor_dataset_checks():
    X, y = _xy(4)
    both = TensorDataset(X, y) + TensorDataset(X[:2], y[:2])
    assert isinstance(both, ConcatDataset) and len(both) == 6 and int(both[5][1]) == 1
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(X, y[:3])
    with pytest.raises(TypeError, match="IterableDataset: iterate it"):
        Stream(2)[0]
