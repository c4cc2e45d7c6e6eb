"""finfo, iinfo, promote_types, result_type, can_cast and the generator's state, against
PyTorch (skipped without it)."""
from __future__ import annotations

import itertools

import pytest

import xpgrad as xg

torch = pytest.importorskip("torch")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _t(name):
    return getattr(torch, name)


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_like_torch(name):
    ours, theirs = xg.finfo(name), torch.finfo(_t(name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert xg.finfo().eps == torch.finfo().eps


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_like_torch(name):
    ours, theirs = xg.iinfo(name), torch.iinfo(_t(name))
    assert (ours.bits, ours.max, ours.min) == (theirs.bits, theirs.max, theirs.min)


def test_info_errors():
    with pytest.raises(TypeError, match="finfo: int32 is not a floating dtype"):
        xg.finfo(xg.int32)
    with pytest.raises(TypeError, match="iinfo: float32 is not an integer dtype"):
        xg.iinfo(xg.float32)


@pytest.mark.parametrize("a, b", list(itertools.product(NAMES, NAMES)))
def test_promote_types_and_can_cast_like_torch(a, b):
    assert xg.promote_types(a, b).name == str(torch.promote_types(_t(a), _t(b))).split(".")[1]
    assert xg.can_cast(a, b) == torch.can_cast(_t(a), _t(b))


@pytest.mark.parametrize("a, b", list(itertools.product(NAMES, NAMES)))
@pytest.mark.parametrize("shapes", [((2,), ()), ((), (2,)), ((), ())])
def test_result_type_of_tensors_like_torch(a, b, shapes):
    ours = xg.result_type(xg.zeros(shapes[0], dtype=a), xg.zeros(shapes[1], dtype=b))
    theirs = torch.result_type(torch.zeros(shapes[0], dtype=_t(a)),
                               torch.zeros(shapes[1], dtype=_t(b)))
    assert ours.name == str(theirs).split(".")[1]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("number", [True, 2, 2.5])
@pytest.mark.parametrize("shape", [(2,), ()])
def test_result_type_with_numbers_like_torch(name, number, shape):
    ours = xg.result_type(xg.zeros(shape, dtype=name), number)
    theirs = torch.result_type(torch.zeros(shape, dtype=_t(name)), number)
    assert ours.name == str(theirs).split(".")[1]
    assert xg.result_type(number, xg.zeros(shape, dtype=name)) == ours


def test_rng_state_round_trip_and_seeds():
    xg.manual_seed(5)
    assert xg.initial_seed() == 5
    state = xg.get_rng_state()
    first = xg.rand(4).tolist()
    xg.set_rng_state(state)
    assert xg.rand(4).tolist() == first
    drawn = xg.seed()
    assert xg.initial_seed() == drawn and 0 <= drawn < 2 ** 63
    with pytest.raises(TypeError, match="set_rng_state: expected the dict"):
        xg.set_rng_state(3)
