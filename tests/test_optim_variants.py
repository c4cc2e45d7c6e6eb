"""Adamax, NAdam, RAdam and Rprop beyond their PyTorch trajectories (test_optim_torch.py):
bad options, PyTorch's implementation switches, and a state_dict that resumes exactly."""
import pytest

import xpgrad as xg
from xpgrad import optim

VARIANTS = [(optim.Adamax, {}), (optim.NAdam, {}), (optim.RAdam, {"betas": (0.5, 0.6)}),
            (optim.Rprop, {})]


def _run(opt, p, grads):
    for g in grads:
        p.grad = g
        opt.step()


@pytest.mark.parametrize("cls,kwargs", VARIANTS, ids=lambda v: getattr(v, "__name__", ""))
def test_state_dict_resumes_the_same_trajectory(device, cls, kwargs):
    xg.manual_seed(0)
    grads = [xg.randn(3, 2, dtype="float64", device=device) for _ in range(6)]
    start = xg.randn(3, 2, dtype="float64", device=device)
    p = xg.tensor(start, requires_grad=True)
    opt = cls([p], lr=0.05, **kwargs)
    _run(opt, p, grads)
    q = xg.tensor(start, requires_grad=True)
    first = cls([q], lr=0.05, **kwargs)
    _run(first, q, grads[:3])
    r = xg.tensor(q.detach(), requires_grad=True)
    resumed = cls([r], lr=0.05, **kwargs)
    resumed.load_state_dict(first.state_dict())
    _run(resumed, r, grads[3:])
    assert r.tolist() == p.tolist()


def test_bad_options_are_refused():
    p = xg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"NAdam: invalid betas=\(1.0, 0.9\)"):
        optim.NAdam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match=r"Rprop: invalid etas=\(1.5, 1.2\)"):
        optim.Rprop([p], etas=(1.5, 1.2))
    with pytest.raises(ValueError, match="Adamax: invalid eps"):
        optim.Adamax([p], eps=-1.0)
    with pytest.raises(TypeError, match=r"RAdam: unexpected keyword argument\(s\) \['betaz'\]"):
        optim.RAdam([p], betaz=(0.9, 0.99))
    optim.RAdam([p], foreach=True, capturable=False, differentiable=False)   # accepted


def test_rprop_skips_the_step_where_the_gradient_flips_sign():
    p = xg.zeros(2, dtype="float64", requires_grad=True)
    opt = optim.Rprop([p], lr=0.1)
    for g in ([1.0, 1.0], [1.0, -1.0], [1.0, -1.0]):
        p.grad = xg.tensor(g, dtype="float64")
        opt.step()
    # first coordinate: steps 0.1, 0.12, 0.144 down; second: 0.1 down, flip (skip, 0.05),
    # then the sign is "new" again: a step of 0.05 up
    assert p.tolist() == pytest.approx([-0.364, -0.05])
