"""Learning-rate schedules: each sequence against its formula; state_dict; PyTorch cross-check."""
import math

import pytest

import xpgrad as xg
from xpgrad import optim
from xpgrad.optim import lr_scheduler as S

N = 20


def lrs(make, n=N, opt="SGD", **opt_kw):
    p = xg.zeros(2, requires_grad=True)
    o = getattr(optim, opt)([p], lr=0.1, **opt_kw)
    sched = make(o)
    seq = [o.param_groups[0]["lr"]]
    for _ in range(n - 1):
        o.step()
        sched.step()
        seq.append(o.param_groups[0]["lr"])
    return seq


def close(a, b):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-15), (i, x, y)


def sgdr(e, t0=3, mult=2, eta=0.001, base=0.1):
    t_i, t_cur = t0, e
    while t_cur >= t_i:
        t_cur -= t_i
        t_i *= mult
    return eta + (base - eta) * (1 + math.cos(math.pi * t_cur / t_i)) / 2


FORMULAS = {
    "StepLR": (lambda o: S.StepLR(o, 3, 0.5), lambda e: 0.1 * 0.5 ** (e // 3)),
    "MultiStepLR": (lambda o: S.MultiStepLR(o, [2, 5, 9], 0.5),
                    lambda e: 0.1 * 0.5 ** sum(e >= m for m in (2, 5, 9))),
    "ExponentialLR": (lambda o: S.ExponentialLR(o, 0.9), lambda e: 0.1 * 0.9 ** e),
    "CosineAnnealingLR": (lambda o: S.CosineAnnealingLR(o, 10, 0.01),
                          lambda e: 0.01 + 0.09 * (1 + math.cos(math.pi * e / 10)) / 2),
    "CosineAnnealingWarmRestarts": (lambda o: S.CosineAnnealingWarmRestarts(o, 3, 2, 0.001), sgdr),
    "LinearLR": (lambda o: S.LinearLR(o, 0.25, 1.0, 6), lambda e: 0.1 * (0.25 + 0.75 * min(e, 6) / 6)),
    "LambdaLR": (lambda o: S.LambdaLR(o, lambda e: 0.95 ** e), lambda e: 0.1 * 0.95 ** e),
}


@pytest.mark.parametrize("name", list(FORMULAS))
def test_sequence_matches_formula(name):
    make, formula = FORMULAS[name]
    close(lrs(make), [formula(e) for e in range(N)])


def test_cyclic_triangular_and_triangular2():
    up = 4
    tri = [0.01 + 0.09 * (1 - abs(e / up % 2 - 1)) for e in range(N)]
    close(lrs(lambda o: S.CyclicLR(o, 0.01, 0.1, up, cycle_momentum=False)), tri)
    tri2 = [0.01 + 0.09 * (1 - abs(e / up % 2 - 1)) / 2 ** (e // (2 * up)) for e in range(N)]
    close(lrs(lambda o: S.CyclicLR(o, 0.01, 0.1, up, mode="triangular2", cycle_momentum=False)), tri2)


def test_cyclic_momentum_moves_opposite_and_needs_momentum():
    p = xg.zeros(2, requires_grad=True)
    o = optim.SGD([p], lr=0.1, momentum=0.9)
    sched = S.CyclicLR(o, 0.01, 0.1, 2, base_momentum=0.8, max_momentum=0.9)
    assert o.param_groups[0]["momentum"] == 0.9
    o.step(); sched.step()
    assert math.isclose(o.param_groups[0]["lr"], 0.055) and math.isclose(o.param_groups[0]["momentum"], 0.85)
    with pytest.raises(ValueError, match="momentum"):
        S.CyclicLR(optim.Adagrad([xg.zeros(1, requires_grad=True)]), 0.01, 0.1)


def test_one_cycle_shape():
    seq = lrs(lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=N), n=N)
    assert math.isclose(seq[0], 1.0 / 25)
    peak = max(range(N), key=lambda i: seq[i])
    assert peak == round(0.3 * N) - 1 and math.isclose(seq[peak], 1.0)
    assert math.isclose(seq[-1], 1.0 / 25 / 1e4)
    p = xg.zeros(1, requires_grad=True)
    o = optim.Adam([p])
    sched = S.OneCycleLR(o, 0.5, total_steps=10)
    assert o.param_groups[0]["betas"][0] == 0.95        # momentum starts at max_momentum
    for _ in range(10):
        sched.step()
    with pytest.raises(ValueError, match="total_steps"):
        sched.step()


def test_reduce_on_plateau():
    p = xg.zeros(1, requires_grad=True)
    o = optim.SGD([p], lr=1.0)
    sched = S.ReduceLROnPlateau(o, patience=2, factor=0.5, cooldown=1, min_lr=0.2)
    seen = []
    for metric in [1.0, 0.9, 0.95, 0.95, 0.96, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86, 0.87, 0.88]:
        sched.step(metric)
        seen.append(o.param_groups[0]["lr"])
    # 3 epochs without beating 0.9 -> halve; 1 of cooldown; 0.8 is the new best; then every
    # 3 bad epochs after the cooldown halve again, never below min_lr
    assert seen == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2]
    with pytest.raises(ValueError, match="factor"):
        S.ReduceLROnPlateau(o, factor=2.0)


def test_state_dict_resumes():
    p = xg.zeros(1, requires_grad=True)
    o = optim.SGD([p], lr=0.1)
    s1 = S.CosineAnnealingLR(o, 10)
    for _ in range(4):
        s1.step()
    saved = s1.state_dict()
    o2 = optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1)
    s2 = S.CosineAnnealingLR(o2, 10)
    s2.load_state_dict(saved)
    s1.step(); s2.step()
    assert s1.get_last_lr() == s2.get_last_lr()


@pytest.mark.parametrize("make", [
    lambda m, o: m.StepLR(o, 3, 0.5), lambda m, o: m.MultiStepLR(o, [2, 5, 9], 0.5),
    lambda m, o: m.ExponentialLR(o, 0.9), lambda m, o: m.CosineAnnealingLR(o, 10, 0.01),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, 3, 2, 0.001), lambda m, o: m.LinearLR(o, 0.25, 1.0, 6),
    lambda m, o: m.CyclicLR(o, 0.01, 0.1, 3, 5, mode="exp_range", gamma=0.9),
    lambda m, o: m.OneCycleLR(o, 0.5, total_steps=30, three_phase=True, anneal_strategy="linear"),
    lambda m, o: m.OneCycleLR(o, 0.5, total_steps=30)])
def test_same_sequence_as_pytorch(make):
    torch = pytest.importorskip("torch")
    q = torch.zeros(2, requires_grad=True)
    to = torch.optim.SGD([q], lr=0.1, momentum=0.9)
    ts = make(torch.optim.lr_scheduler, to)
    expected = [to.param_groups[0]["lr"]]
    for _ in range(N - 1):
        to.step(); ts.step()
        expected.append(to.param_groups[0]["lr"])
    close(lrs(lambda o: make(S, o), momentum=0.9), expected)
