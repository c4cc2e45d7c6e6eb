"""Samplers against torch.utils.data's: lengths, index sets, batch structure, argument errors
(same type and message), and for the random ones statistics and seeded reproducibility."""
import numpy as np
import pytest

import xpgrad as xg
from xpgrad.data import (BatchSampler, DataLoader, RandomSampler, Sampler, SequentialSampler,
                         SubsetRandomSampler, WeightedRandomSampler)

torch = pytest.importorskip("torch")
tud = torch.utils.data


def same_error(ours, theirs):
    """Both calls raise the same exception type with the same message."""
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(type(expected.value)) as got:
        ours()
    assert str(got.value) == str(expected.value)


# ---- sequential and batching -----------------------------------------------------------------
def test_sequential_sampler_as_torch():
    for n in (0, 1, 7):
        assert list(SequentialSampler(range(n))) == list(tud.SequentialSampler(range(n)))
        assert len(SequentialSampler(range(n))) == n


@pytest.mark.parametrize("n", [0, 1, 9, 10, 12])
@pytest.mark.parametrize("batch_size", [1, 3, 5, 20])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_as_torch(n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert all(isinstance(b, list) for b in ours)


def test_batch_sampler_takes_any_iterable_and_a_random_sampler():
    assert list(BatchSampler([5, 3, 1], 2, False)) == [[5, 3], [1]]
    batches = list(BatchSampler(RandomSampler(range(10), generator=0), 4, False))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(i for b in batches for i in b) == list(range(10))


def test_sampler_base_needs_iter():
    with pytest.raises(NotImplementedError):
        iter(Sampler())

    class Backwards(Sampler):
        def __iter__(self):
            return iter(range(2, -1, -1))

    assert list(Backwards()) == [2, 1, 0]


# ---- RandomSampler ---------------------------------------------------------------------------
@pytest.mark.parametrize("replacement", [False, True])
@pytest.mark.parametrize("num_samples", [None, 4, 25])
def test_random_sampler_lengths_and_index_sets_as_torch(replacement, num_samples):
    n = 10
    ours = list(RandomSampler(range(n), replacement, num_samples, generator=0))
    theirs = tud.RandomSampler(range(n), replacement, num_samples,
                               generator=torch.Generator().manual_seed(0))
    theirs = list(theirs)
    assert len(ours) == len(theirs) == len(RandomSampler(range(n), replacement, num_samples))
    assert all(isinstance(i, int) and 0 <= i < n for i in ours)
    if not replacement:        # whole permutations one after the other, then a partial one
        for seq in (ours, theirs):
            for start in range(0, len(seq), n):
                part = seq[start:start + n]
                assert len(set(part)) == len(part)
            if num_samples is None:
                assert sorted(seq) == list(range(n))


def test_random_sampler_with_replacement_is_uniform():
    draws = np.asarray(list(RandomSampler(range(10), replacement=True, num_samples=20000,
                                          generator=1)))
    counts = np.bincount(draws, minlength=10)
    assert np.all(np.abs(counts - 2000) < 5 * np.sqrt(2000 * 0.9))   # 5 sigma of a binomial
    assert len(set(draws[:100].tolist())) < 100                       # repeats happen


def test_random_sampler_reproducibility():
    a, b = RandomSampler(range(50), generator=3), RandomSampler(range(50), generator=3)
    first, second = list(a), list(a)
    assert first == list(b) and second == list(b) and first != second
    gen = np.random.default_rng(3)
    assert list(RandomSampler(range(50), generator=gen)) == first     # the int seeds a Generator
    xg.manual_seed(5)
    s = RandomSampler(range(50))
    epochs = [list(s), list(s)]
    xg.manual_seed(5)
    assert list(RandomSampler(range(50))) == epochs[0] and epochs[0] != epochs[1]
    # iteration k under manual_seed(s) is the DataLoader's epoch k permutation
    loader = DataLoader(np.arange(50), shuffle=True)
    assert epochs == [loader.epoch_indices(0).tolist(), loader.epoch_indices(1).tolist()]
    xg.manual_seed(6)
    assert list(RandomSampler(range(50))) != epochs[0]


def test_random_sampler_errors_as_torch():
    same_error(lambda: RandomSampler(range(3), replacement=1),
               lambda: tud.RandomSampler(range(3), replacement=1))
    same_error(lambda: RandomSampler(range(3), num_samples=0),
               lambda: tud.RandomSampler(range(3), num_samples=0))
    same_error(lambda: RandomSampler(range(3), num_samples=2.5),
               lambda: tud.RandomSampler(range(3), num_samples=2.5))
    same_error(lambda: RandomSampler([]), lambda: tud.RandomSampler([]))


def test_generators_are_none_an_int_or_a_numpy_generator():
    with pytest.raises(TypeError, match="a torch.Generator is not accepted.*pass its seed"):
        RandomSampler(range(3), generator=torch.Generator())
    with pytest.raises(TypeError, match="SubsetRandomSampler: generator must be None, an int "
                                        "seed, an xg.Generator or a numpy.random.Generator, "
                                        "got str"):
        SubsetRandomSampler([1], generator="0")
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1.0], 1, generator=-1)


# ---- SubsetRandomSampler ---------------------------------------------------------------------
def test_subset_random_sampler_as_torch():
    indices = [7, 3, 11, 3, 20]
    ours = SubsetRandomSampler(indices, generator=0)
    theirs = tud.SubsetRandomSampler(indices, generator=torch.Generator().manual_seed(0))
    assert len(ours) == len(theirs) == 5
    assert sorted(ours) == sorted(theirs) == sorted(indices)
    orders = {tuple(ours) for _ in range(20)}
    assert len(orders) > 1
    assert list(SubsetRandomSampler(indices, generator=4)) == \
        list(SubsetRandomSampler(indices, generator=4))


# ---- WeightedRandomSampler -------------------------------------------------------------------
def test_weighted_sampler_frequencies_follow_the_weights():
    weights = [0.1, 0.9, 0.0, 2.0]
    n = 30000
    draws = np.asarray(list(WeightedRandomSampler(weights, n, generator=0)))
    freq = np.bincount(draws, minlength=4) / n
    expected = np.asarray(weights) / sum(weights)
    assert freq[2] == 0 and np.all(np.abs(freq - expected) < 0.015)
    theirs = list(tud.WeightedRandomSampler(weights, 50))
    assert len(theirs) == len(WeightedRandomSampler(weights, 50)) == 50
    assert 2 not in theirs and 2 not in list(WeightedRandomSampler(weights, 50))


def test_weighted_sampler_without_replacement():
    weights = [5.0, 1.0, 1.0, 0.0, 3.0]
    for _ in range(5):
        ours = list(WeightedRandomSampler(weights, 4, replacement=False))
        theirs = list(tud.WeightedRandomSampler(weights, 4, replacement=False))
        assert sorted(ours) == sorted(theirs) == [0, 1, 2, 4]
    # the heaviest is drawn first most often (successive draws, as torch.multinomial)
    firsts = [list(WeightedRandomSampler(weights, 2, replacement=False, generator=s))[0]
              for s in range(400)]
    assert abs(firsts.count(0) / 400 - 0.5) < 0.1
    a = WeightedRandomSampler(weights, 3, replacement=False, generator=9)
    assert len({tuple(a) for _ in range(20)}) > 1          # each iteration draws anew
    assert list(WeightedRandomSampler(weights, 3, generator=9)) == \
        list(WeightedRandomSampler(weights, 3, generator=9))


def test_weighted_sampler_errors():
    same_error(lambda: WeightedRandomSampler([1.0, 2.0], 0),
               lambda: tud.WeightedRandomSampler([1.0, 2.0], 0))
    same_error(lambda: WeightedRandomSampler([1.0, 2.0], True),
               lambda: tud.WeightedRandomSampler([1.0, 2.0], True))
    same_error(lambda: WeightedRandomSampler([1.0, 2.0], 2, replacement=None),
               lambda: tud.WeightedRandomSampler([1.0, 2.0], 2, replacement=None))
    same_error(lambda: WeightedRandomSampler([[1.0, 2.0]], 2),
               lambda: tud.WeightedRandomSampler([[1.0, 2.0]], 2))
    # PyTorch finds these at the first draw; here at construction
    with pytest.raises(ValueError, match="finite and non-negative"):
        WeightedRandomSampler([1.0, -1.0], 2)
    with pytest.raises(ValueError, match="sum to 0"):
        WeightedRandomSampler([0.0, 0.0], 2)
    with pytest.raises(ValueError, match="cannot draw 3 samples without replacement from 2"):
        WeightedRandomSampler([1.0, 0.0, 2.0], 3, replacement=False)
    assert len(WeightedRandomSampler(xg.tensor([1.0, 2.0]), 3)) == 3


def test_batch_sampler_errors_as_torch():
    for bad in (0, -1, 2.0, True):
        same_error(lambda: BatchSampler(range(3), bad, False),
                   lambda: tud.BatchSampler(range(3), bad, False))
    same_error(lambda: BatchSampler(range(3), 2, 1), lambda: tud.BatchSampler(range(3), 2, 1))
