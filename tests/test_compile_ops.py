"""Every op of the registry (tests/op_db.py) through xg.compile, on every device: the replay
of forward + backward, fed new values on each call, equals eager bit for bit.

A replay that gives the traced call's numbers again for new inputs means some array work
escaped the tracer (a value frozen at trace time): this sweep is what finds such sites."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from op_db import OPS, OpInfo
from op_samples import make_values

EDGE = [pytest.param(info, k, id=f"{info.name}-{k}") for info in OPS
        for k in range(len(info.samples.edges))]


def _outputs(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _step(info: OpInfo, kwargs: dict):
    def step(*xs):
        outs = _outputs(info.op(*xs, **kwargs))
        if not info.differentiable:
            return tuple(outs)
        total = None
        for k, o in enumerate(outs):
            if o.dtype.is_floating and o.size:
                term = (o * (k + 1.5)).sum()
                total = term if total is None else total + term
        if total is None:
            return tuple(outs)
        grads = xg.autograd.grad(total, xs, allow_unused=True)
        return tuple(outs) + tuple(g for g in grads if g is not None)
    return step


def _same(a: xg.Tensor, b: xg.Tensor) -> bool:
    x, y = a.numpy(), b.numpy()
    return x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True)


@pytest.mark.parametrize("info, k", EDGE)
def test_op_replays_like_eager(info: OpInfo, k: int, device: str) -> None:
    sample = info.samples.edges[k]
    step = _step(info, sample.kwargs)
    compiled = xg.compile(step)
    for seed in range(4):               # warm-up, trace, two replays with new values
        arrays = make_values(info.domain, info.adjust, sample, seed)
        xs = [xg.tensor(a, dtype="float64", device=device, requires_grad=info.differentiable)
              for a in arrays]
        expected = step(*xs)
        got = compiled(*[xg.tensor(a, dtype="float64", device=device,
                                   requires_grad=info.differentiable) for a in arrays])
        assert len(got) == len(expected)
        for i, (g, e) in enumerate(zip(got, expected)):
            assert _same(g, e), f"{info.name}: output {i} differs on call {seed} ({device})"
    assert compiled.traces == 1
