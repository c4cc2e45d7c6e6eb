"""xg.Generator, as torch.Generator: seeded streams of their own for the random factories
and the data samplers, the same numbers on every device."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import data


def _draws(g, device="cpu"):
    return [xg.rand(3, generator=g, device=device).tolist(),
            xg.randn(2, 2, generator=g, dtype=xg.float64, device=device).tolist(),
            xg.randint(0, 10, (4,), generator=g, device=device).tolist(),
            xg.randperm(5, generator=g, device=device).tolist(),
            xg.normal(0.0, 2.0, size=(2,), generator=g, device=device).tolist(),
            xg.bernoulli(xg.full((4,), 0.5, device=device), generator=g).tolist()]


def test_a_seed_gives_the_same_stream_on_every_device(device):
    first = _draws(xg.Generator().manual_seed(7))
    assert _draws(xg.Generator().manual_seed(7), device) == first
    assert _draws(xg.Generator().manual_seed(8)) != first


def test_a_generator_leaves_the_global_stream_alone():
    xg.manual_seed(1)
    expected = xg.rand(3).tolist()
    xg.manual_seed(1)
    xg.rand(5, generator=xg.Generator().manual_seed(2))
    assert xg.rand(3).tolist() == expected


def test_generator_state_and_seeds():
    g = xg.Generator()
    assert g.manual_seed(3) is g and g.initial_seed() == 3
    state = g.get_state()
    a = xg.rand(4, generator=g).tolist()
    g.set_state(state)
    assert xg.rand(4, generator=g).tolist() == a
    fresh = g.seed()
    assert g.initial_seed() == fresh
    assert g.device == "cpu" and "initial_seed" in repr(g)
    with pytest.raises(ValueError, match="the seed must be non-negative"):
        g.manual_seed(-1)
    with pytest.raises(TypeError, match="expected the dict get_state returned"):
        g.set_state(b"\x00")


def test_samplers_and_loaders_take_a_generator():
    ds = data.TensorDataset(np.arange(10, dtype=np.float32))
    order = [int(i) for i in data.RandomSampler(ds, generator=xg.Generator().manual_seed(4))]
    again = [int(i) for i in data.RandomSampler(ds, generator=xg.Generator().manual_seed(4))]
    assert order == again and sorted(order) == list(range(10))
    loader = data.DataLoader(ds, batch_size=5, shuffle=True,
                             generator=xg.Generator().manual_seed(4))
    assert sum(len(b[0]) for b in loader) == 10
    parts = data.random_split(ds, [6, 4], generator=xg.Generator().manual_seed(4))
    assert sorted(parts[0].indices.tolist() + parts[1].indices.tolist()) == list(range(10))


def test_wrong_generators_are_refused():
    with pytest.raises(TypeError, match="rand: generator must be an xg.Generator, got int"):
        xg.rand(2, generator=3)
    with pytest.raises(ValueError, match="unknown device"):
        xg.Generator("tpu")
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="a torch.Generator cannot drive"):
        xg.randn(2, generator=torch.Generator())
