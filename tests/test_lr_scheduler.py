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
    "LinearLR": (lambda o: S.LinearLR(o, 0.25, 1.0, 6),
                 lambda e: 0.1 * (0.25 + 0.75 * min(e, 6) / 6)),
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
    close(lrs(lambda o: S.CyclicLR(o, 0.01, 0.1, up, mode="triangular2",
                                   cycle_momentum=False)), tri2)


def test_cyclic_momentum_moves_opposite_and_needs_momentum():
    p = xg.zeros(2, requires_grad=True)
    o = optim.SGD([p], lr=0.1, momentum=0.9)
    sched = S.CyclicLR(o, 0.01, 0.1, 2, base_momentum=0.8, max_momentum=0.9)
    assert o.param_groups[0]["momentum"] == 0.9
    o.step(); sched.step()
    assert math.isclose(o.param_groups[0]["lr"], 0.055)
    assert math.isclose(o.param_groups[0]["momentum"], 0.85)
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
    lambda m, o: m.CosineAnnealingWarmRestarts(o, 3, 2, 0.001),
    lambda m, o: m.LinearLR(o, 0.25, 1.0, 6),
    lambda m, o: m.CyclicLR(o, 0.01, 0.1, 3, 5, mode="exp_range", gamma=0.9),
    lambda m, o: m.OneCycleLR(o, 0.5, total_steps=30, three_phase=True, anneal_strategy="linear"),
    lambda m, o: m.OneCycleLR(o, 0.5, total_steps=30),
    lambda m, o: m.ConstantLR(o, 0.25, 4), lambda m, o: m.PolynomialLR(o, 8, 2.0),
    lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 0.95),
    lambda m, o: m.SequentialLR(o, [m.LinearLR(o, 0.1, 1.0, 3), m.ExponentialLR(o, 0.8)], [4]),
    lambda m, o: m.SequentialLR(o, [m.ConstantLR(o, 0.5, 2), m.StepLR(o, 2, 0.5),
                                    m.CosineAnnealingLR(o, 6, 0.001)], [3, 7]),
    lambda m, o: m.ChainedScheduler([m.ConstantLR(o, 0.1, 3), m.ExponentialLR(o, 0.9)]),
    lambda m, o: m.ChainedScheduler([m.LinearLR(o, 0.2, 1.0, 4), m.MultiStepLR(o, [3, 6], 0.5),
                                     m.PolynomialLR(o, 12, 1.5)])])
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


# ---- when the change happens, and the value at epoch 0 -----------------------------------
def test_epoch_zero_and_the_step_where_the_lr_changes():
    assert lrs(lambda o: S.StepLR(o, 3, 0.5), n=7) == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]
    close(lrs(lambda o: S.MultiStepLR(o, [2, 4, 4], 0.1), n=6),
          [0.1, 0.1, 0.01, 0.01, 1e-4, 1e-4])              # a repeated milestone counts twice
    close(lrs(lambda o: S.LinearLR(o), n=7), [0.1 / 3, 0.1 * 7 / 15, 0.1 * 9 / 15,
                                              0.1 * 11 / 15, 0.1 * 13 / 15, 0.1, 0.1])
    close(lrs(lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2), n=5),
          [0.1, 0.05, 0.1, 0.05, 0.1])


def test_schedulers_drive_an_optimizer_on_any_device(device):
    p = xg.tensor([1.0, -1.0], device=device, requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = S.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = xg.ones(2, device=device)
        opt.step()
        sched.step()
    assert p.tolist() == [1.0 - 1.75, -1.0 - 1.75] and sched.get_last_lr() == [0.125]


def test_sgdr_fractional_epochs_and_T_mult_1():
    p = xg.zeros(1, requires_grad=True)
    o = optim.SGD([p], lr=0.1)
    sched = S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=1, eta_min=0.0)
    for epoch, t_cur in [(0.5, 0.5), (3.75, 3.75), (4.25, 0.25), (9.0, 1.0)]:
        sched.step(epoch)
        close(sched.get_last_lr(), [0.05 * (1 + math.cos(math.pi * t_cur / 4))])
        assert sched.last_epoch == math.floor(epoch)
    sched = S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=3)
    sched.step(2 + 6 + 1.5)                              # cycles of 2, 6, then 18 epochs
    close(sched.get_last_lr(), [0.05 * (1 + math.cos(math.pi * 1.5 / 18))])


def test_cyclic_asymmetric_and_exp_range():
    up, down = 3, 5
    def tri(e):
        x = e % (up + down)
        return 0.01 + 0.09 * (x / up if x <= up else (up + down - x) / down)
    close(lrs(lambda o: S.CyclicLR(o, 0.01, 0.1, up, down, cycle_momentum=False)),
          [tri(e) for e in range(N)])
    exp = [0.01 + 0.09 * (1 - abs(e / 4 % 2 - 1)) * 0.9 ** e for e in range(N)]
    close(lrs(lambda o: S.CyclicLR(o, 0.01, 0.1, 4, mode="exp_range", gamma=0.9,
                                   cycle_momentum=False)), exp)


def test_cyclic_cycles_adams_beta1():
    o = optim.Adam([xg.zeros(1, requires_grad=True)], lr=0.1)
    sched = S.CyclicLR(o, 0.01, 0.1, step_size_up=2)
    betas = []
    for _ in range(5):
        betas.append(o.param_groups[0]["betas"])
        o.step()
        sched.step()
    assert [b[1] for b in betas] == [0.999] * 5
    close([b[0] for b in betas], [0.9, 0.85, 0.8, 0.85, 0.9])


def cos_anneal(start, end, pct):
    return end + (start - end) / 2 * (1 + math.cos(math.pi * pct))


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_formula(strategy, three_phase):
    total, pct, top = 20, 0.25, 0.5
    anneal = cos_anneal if strategy == "cos" else (lambda s, e, x: s + (e - s) * x)
    lo, low = top / 10, top / 10 / 100
    up_end = pct * total - 1                            # 4: the step at which max_lr is hit
    def lr(step):
        if step <= up_end:
            return anneal(lo, top, step / up_end)
        if three_phase:
            if step <= 2 * up_end:
                return anneal(top, lo, (step - up_end) / up_end)
            return anneal(lo, low, (step - 2 * up_end) / (total - 1 - 2 * up_end))
        return anneal(top, low, (step - up_end) / (total - 1 - up_end))
    got = lrs(lambda o: S.OneCycleLR(o, top, total_steps=total, pct_start=pct,
                                     anneal_strategy=strategy, div_factor=10,
                                     final_div_factor=100, three_phase=three_phase,
                                     cycle_momentum=False), n=total)
    close(got, [lr(s) for s in range(total)])


def test_one_cycle_epochs_times_steps_and_momentum():
    o = optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = S.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=5)
    assert sched.total_steps == 10
    moms = [o.param_groups[0]["momentum"]]
    for _ in range(9):
        sched.step()
        moms.append(o.param_groups[0]["momentum"])
    assert moms[0] == 0.95 and min(moms) == pytest.approx(0.85) and moms[-1] == 0.95


def test_lambda_lr_per_group():
    a, b = xg.zeros(1, requires_grad=True), xg.zeros(1, requires_grad=True)
    o = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    sched = S.LambdaLR(o, [lambda e: 1.0 / (e + 1), lambda e: 0.5 ** e])
    for _ in range(3):
        sched.step()
    close(sched.get_last_lr(), [0.1 / 4, 0.125])
    assert sched.state_dict()["lr_lambdas"] == [None, None]     # as torch: functions unsaved

    class Warmup:                       # a callable object: torch saves its __dict__
        def __init__(self, n): self.n = n
        def __call__(self, e): return min(1.0, (e + 1) / self.n)
    s2 = S.LambdaLR(optim.SGD([a], lr=1.0), Warmup(4))
    saved = s2.state_dict()
    assert saved["lr_lambdas"] == [{"n": 4}]
    fresh = Warmup(9)
    S.LambdaLR(optim.SGD([a], lr=1.0), fresh).load_state_dict(saved)
    assert fresh.n == 4


def test_reduce_on_plateau_max_mode_abs_threshold_and_state():
    o = optim.SGD([xg.zeros(1, requires_grad=True)], lr=1.0)
    sched = S.ReduceLROnPlateau(o, mode="max", factor=0.5, patience=1, threshold=0.1,
                                threshold_mode="abs", min_lr=0.3)
    seen = []
    for acc in [0.5, 0.55, 0.58, 0.7, 0.75, 0.79, 0.81, 0.9]:
        sched.step(acc)
        seen.append(sched.get_last_lr()[0])
    # 0.55 and 0.58 do not beat 0.5 + 0.1: halve; 0.7 does; 0.75, 0.79 do not: halve (>= 0.3)
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3]
    saved = sched.state_dict()
    assert saved["best"] == 0.81 and saved["num_bad_epochs"] == 1
    other = S.ReduceLROnPlateau(o, mode="max")
    other.load_state_dict(saved)
    assert other.best == sched.best and other.patience == 1 and "optimizer" not in saved


ALL_SCHEDULERS = [
    lambda o: S.StepLR(o, 3, 0.5), lambda o: S.MultiStepLR(o, [2, 5], 0.5),
    lambda o: S.ExponentialLR(o, 0.9), lambda o: S.CosineAnnealingLR(o, 7, 0.01),
    lambda o: S.CosineAnnealingWarmRestarts(o, 2, 2), lambda o: S.LinearLR(o, 0.2),
    lambda o: S.LambdaLR(o, lambda e: 0.9 ** e),
    lambda o: S.CyclicLR(o, 0.01, 0.1, 3, mode="triangular2"),
    lambda o: S.OneCycleLR(o, 0.5, total_steps=30, three_phase=True)]


@pytest.mark.parametrize("make", ALL_SCHEDULERS, ids=["Step", "MultiStep", "Exponential",
                                                      "Cosine", "SGDR", "Linear", "Lambda",
                                                      "Cyclic", "OneCycle"])
def test_state_dict_round_trip_every_scheduler(make):
    def build():
        o = optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        return o, make(o)
    o1, s1 = build()
    for _ in range(7):
        s1.step()
    saved = s1.state_dict()
    o2, s2 = build()
    s2.load_state_dict(saved)
    o2.load_state_dict(o1.state_dict())
    for _ in range(10):
        s1.step()
        s2.step()
        assert s1.get_last_lr() == s2.get_last_lr()
        assert o1.param_groups[0]["lr"] == o2.param_groups[0]["lr"]
        assert o1.param_groups[0]["momentum"] == o2.param_groups[0]["momentum"]
    s1.step()
    assert saved["last_epoch"] == 7                       # the saved copy did not move


@pytest.mark.parametrize("build,error,match", [
    (lambda o: S.StepLR(o, 0), ValueError, "step_size"),
    (lambda o: S.CosineAnnealingLR(o, T_max=0), ValueError, "T_max"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), ValueError, "T_mult"),
    (lambda o: S.LinearLR(o, start_factor=0.0), ValueError, "start_factor"),
    (lambda o: S.LinearLR(o, end_factor=1.5), ValueError, "end_factor"),
    (lambda o: S.LambdaLR(o, [lambda e: 1.0] * 2), ValueError, "expected 1"),
    (lambda o: S.CyclicLR(o, 0.01, 0.1, mode="sawtooth"), ValueError, "mode"),
    (lambda o: S.OneCycleLR(o, 0.1), ValueError, "total_steps"),
    (lambda o: S.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5), ValueError, "pct_start"),
    (lambda o: S.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="exp"), ValueError, "anneal"),
    (lambda o: S.ReduceLROnPlateau(o, mode="up"), ValueError, "mode"),
    (lambda o: S.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "threshold_mode"),
    (lambda o: S.StepLR(o, 2, last_epoch=5), KeyError, "initial_lr"),
    (lambda o: S.StepLR(object(), 2), TypeError, "Optimizer"),
])
def test_invalid_scheduler_arguments(build, error, match):
    o = optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(error, match=match):
        build(o)


def test_chained_scheduler_steps_any_schedule_as_torch():
    o = optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1)
    chain = S.ChainedScheduler([S.CosineAnnealingLR(o, 10), S.ExponentialLR(o, 0.9),
                                S.MultiplicativeLR(o, lambda e: 0.95)])
    seen = []
    for _ in range(4):
        o.step()
        chain.step()
        seen.append(chain.get_last_lr()[0])
    close(seen, [0.08340766607161783, 0.06612183241564731, 0.04962038302594126,
                 0.034976773776023574])                   # torch 2.13's sequence


def test_combined_schedules_refuse_what_they_cannot_combine():
    p = xg.zeros(1, requires_grad=True)
    o, other = optim.SGD([p], lr=0.1), optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="SequentialLR: expected 1 milestones for 2 schedulers"):
        S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], milestones=[])
    with pytest.raises(ValueError, match="scheduler 1 steps a different optimizer"):
        S.ChainedScheduler([S.StepLR(o, 2), S.StepLR(other, 2)])
    with pytest.raises(TypeError, match="ReduceLROnPlateau cannot be combined"):
        S.SequentialLR(o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], milestones=[3])


def test_sequential_state_dict_resumes():
    def make(o):
        return S.SequentialLR(o, [S.LinearLR(o, 0.1, 1.0, 3), S.ExponentialLR(o, 0.8)], [4])
    o1 = optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1)
    s1 = make(o1)
    for _ in range(5):
        s1.step()
    o2 = optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1)
    s2 = make(o2)
    s2.load_state_dict(s1.state_dict())
    for _ in range(3):
        s1.step(); s2.step()
        assert s1.get_last_lr() == s2.get_last_lr()
