"""PyTorch's implementation switches (foreach, fused, capturable, differentiable) are accepted
by every optimizer, a typo is refused, and Adam's decoupled_weight_decay is AdamW's update."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import optim

NAMES = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
         "Rprop", "ASGD"]


def _param():
    return xg.nn.Parameter(xg.ones(2))


@pytest.mark.parametrize("name", NAMES)
def test_switches_are_accepted_and_typos_refused(name):
    cls = getattr(optim, name)
    cls([_param()], lr=0.1, foreach=True, fused=None, capturable=False, differentiable=False)
    with pytest.raises(TypeError, match=f"{name}.*unexpected keyword argument"):
        cls([_param()], lr=0.1, fuzed=True)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_differentiable_updates_are_refused_clearly(name):
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        getattr(optim, name)([_param()], lr=0.1, differentiable=True)


def test_adam_with_decoupled_weight_decay_is_adamw_like_torch():
    torch = pytest.importorskip("torch")
    start = np.random.default_rng(0).standard_normal(5)
    grads = np.random.default_rng(1).standard_normal((6, 5))
    runs = []
    for make in (lambda p: optim.Adam([p], lr=0.1, weight_decay=0.1, decoupled_weight_decay=True),
                 lambda p: optim.AdamW([p], lr=0.1, weight_decay=0.1)):
        p = xg.nn.Parameter(xg.tensor(start))
        opt = make(p)
        for g in grads:
            p.grad = xg.tensor(g)
            opt.step()
        runs.append(p.numpy())
    tp = torch.nn.Parameter(torch.tensor(start))
    topt = torch.optim.Adam([tp], lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)
    for g in grads:
        tp.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(runs[0], tp.detach().numpy(), rtol=1e-12)
    np.testing.assert_array_equal(runs[0], runs[1])
    group = optim.Adam([_param()], decoupled_weight_decay=True).param_groups[0]
    assert group["decoupled_weight_decay"] is True
    assert optim.AdamW([_param()]).param_groups[0]["decoupled_weight_decay"] is True
