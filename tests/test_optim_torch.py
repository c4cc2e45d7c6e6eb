"""Differential tests against torch.optim (skipped without PyTorch): same weights and same
gradients give the same trajectory, on every backend. The hand-computed tests in
test_optim.py stand on their own; this only cross-checks."""
import pytest

import xpgrad as xg
from xpgrad import optim

torch = pytest.importorskip("torch")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2)),
    ("Adadelta", dict(lr=1.0, rho=0.85, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.8, centered=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, betas=(0.8, 0.9), eps=1e-3, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, betas=(0.5, 0.6), weight_decay=0.1)),    # rectified from step 3
    ("RAdam", dict(lr=0.05, betas=(0.5, 0.6), weight_decay=0.2, decoupled_weight_decay=True)),
    ("Rprop", dict(lr=0.05)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.08), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=2, weight_decay=0.1, maximize=True)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-4, 1e-2), d=1.5, weight_decay=0.1,
                       maximize=True)),
]
IDS = [f"{name}-{'-'.join(kw)}" for name, kw in CONFIGS]


def flat(rows):
    return [v for row in rows for v in row]


def _data(steps=5):
    gen = torch.Generator().manual_seed(0)
    w0 = torch.randn(3, 4, generator=gen, dtype=torch.float64)
    grads = [torch.randn(3, 4, generator=gen, dtype=torch.float64) for _ in range(steps)]
    return w0, grads


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_same_trajectory_as_torch(device, name, kwargs):
    w0, grads = _data()
    q = w0.clone().requires_grad_(True)
    p = xg.tensor(w0.tolist(), dtype="float64", device=device, requires_grad=True)
    theirs, mine = getattr(torch.optim, name)([q], **kwargs), getattr(optim, name)([p], **kwargs)
    for g in grads:
        q.grad = g.clone()
        p.grad = xg.tensor(g.tolist(), dtype="float64", device=device)
        theirs.step()
        mine.step()
        assert flat(p.tolist()) == pytest.approx(flat(q.detach().tolist()), rel=1e-6, abs=1e-6)
    # torch keeps NAdam's momentum product and ASGD's eta and mu in float32 tensors (unless
    # the default dtype is float64; test_optim_more.py compares ASGD that way, to 1e-12)
    rel = {"NAdam": 1e-8, "ASGD": 1e-7}.get(name, 1e-12)
    assert flat(p.tolist()) == pytest.approx(flat(q.detach().tolist()), rel=rel, abs=1e-14)


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.0, float("inf")])
def test_clip_grad_norm_as_torch(device, norm_type):
    w0, grads = _data(2)
    qs = [torch.zeros(3, 4, dtype=torch.float64, requires_grad=True) for _ in grads]
    ps = [xg.zeros(3, 4, dtype="float64", device=device, requires_grad=True) for _ in grads]
    for q, p, g in zip(qs, ps, grads):
        q.grad = g.clone()
        p.grad = xg.tensor(g.tolist(), dtype="float64", device=device)
    expected = torch.nn.utils.clip_grad_norm_(qs, 1.5, norm_type=norm_type)
    total = optim.clip_grad_norm_(ps, 1.5, norm_type=norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    for q, p in zip(qs, ps):
        assert flat(p.grad.tolist()) == pytest.approx(flat(q.grad.tolist()), rel=1e-12)
