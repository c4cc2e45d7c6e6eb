"""Pinned results of a differential sweep against torch 2.13 (values computed once with
torch, hard-coded here, so these run without it): implementation switches kept in the
groups, torch's positional argument order, tensor-valued options, named parameters, torch
state dicts loading as they are, and the schedules' recursive (chainable) forms."""
import math

import pytest

import xpgrad as xg
from xpgrad import optim
from xpgrad.optim import lr_scheduler as S


def p64(values):
    return xg.tensor(values, dtype="float64", requires_grad=True)


def run(opt, w, grads):
    for g in grads:
        w.grad = xg.tensor(g, dtype="float64")
        opt.step()
    return w.tolist()


def close(got, expected, rel=1e-12):
    assert len(got) == len(expected)
    for i, (a, b) in enumerate(zip(got, expected)):
        assert math.isclose(a, b, rel_tol=rel, abs_tol=1e-15), (i, a, b)


GRADS = ([0.5, -1.0], [0.25, 0.5])


# ---- optimizers ------------------------------------------------------------------------------
TORCH_DEFAULT_KEYS = {      # sorted(torch.optim.X([w]).defaults) in torch 2.13
    "SGD": ["dampening", "differentiable", "foreach", "fused", "lr", "maximize", "momentum",
            "nesterov", "weight_decay"],
    "Adam": ["amsgrad", "betas", "capturable", "decoupled_weight_decay", "differentiable",
             "eps", "foreach", "fused", "lr", "maximize", "weight_decay"],
    "Adagrad": ["differentiable", "eps", "foreach", "fused", "initial_accumulator_value", "lr",
                "lr_decay", "maximize", "weight_decay"],
    "RMSprop": ["alpha", "capturable", "centered", "differentiable", "eps", "foreach", "lr",
                "maximize", "momentum", "weight_decay"],
    "Rprop": ["capturable", "differentiable", "etas", "foreach", "lr", "maximize",
              "step_sizes"],
    "ASGD": ["alpha", "capturable", "differentiable", "foreach", "lambd", "lr", "maximize", "t0",
             "weight_decay"],
    "Adafactor": ["beta2_decay", "d", "eps", "foreach", "lr", "maximize", "weight_decay"],
}


@pytest.mark.parametrize("name", list(TORCH_DEFAULT_KEYS))
def test_groups_have_torchs_keys_including_the_switches(name):
    opt = getattr(optim, name)([p64([1.0, 2.0])], foreach=True)
    assert sorted(opt.defaults) == TORCH_DEFAULT_KEYS[name]
    group = opt.state_dict()["param_groups"][0]
    assert sorted(k for k in group if k != "params") == TORCH_DEFAULT_KEYS[name]
    assert group["foreach"] is True


def test_fused_and_foreach_together_are_refused_as_torch():
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
        optim.Adam([p64([1.0])], fused=True, foreach=True)


# the argument after eps (or centered) is positional foreach (capturable for RMSprop) in
# torch, not maximize: these ran two steps from [1, -2] with the gradients GRADS
POSITIONAL = [
    ("Adagrad", (0.1, 0.0, 0.0, 0.0, 1e-10, True), [0.8552786404780043, -1.9447213595559958]),
    ("Adadelta", (1.0, 0.9, 1e-6, 0.0, True), [0.9947526985556963, -1.998922868013095]),
    ("Adamax", (0.1, (0.9, 0.999), 1e-8, 0.0, True), [0.8262420349803488, -1.8789262959265054]),
    ("RMSprop", (0.01, 0.99, 1e-8, 0.0, 0.0, False, False, True),
     [0.855098702557817, -1.944901331474435]),
    ("ASGD", (0.01, 1e-4, 0.75, 1e6, 0.0, True), [0.992498007032069, -1.99499600639004]),
]


@pytest.mark.parametrize("name,args,expected", POSITIONAL, ids=[c[0] for c in POSITIONAL])
def test_positional_arguments_in_torchs_order(name, args, expected):
    w = p64([1.0, -2.0])
    opt = getattr(optim, name)([w], *args)
    assert opt.param_groups[0]["maximize"] is False
    # torch's foreach ASGD keeps eta in float32 tensor arithmetic: 1e-7 apart from ours
    close(run(opt, w, GRADS), expected, rel=1e-7 if name == "ASGD" else 1e-12)


def test_tensor_weight_decay_and_betas_are_read_as_numbers():
    w = p64([1.0, -2.0])         # torch.tensor(0.1) is float32: 0.10000000149011612
    opt = optim.SGD([w], lr=0.1, weight_decay=xg.tensor(0.1))
    assert opt.param_groups[0]["weight_decay"] == 0.10000000149011612
    close(run(opt, w, GRADS[:1]), [0.9399999998509884, -1.8799999997019767])
    w = p64([1.0, -2.0])
    opt = optim.Adam([w], lr=0.1, betas=(xg.tensor(0.8), xg.tensor(0.9)))
    # torch computes with its float32 tensor betas, so only float32 agreement
    close(run(opt, w, GRADS), [0.8071677700450952, -1.8785771751635483], rel=1e-7)


def test_named_parameters_keep_their_names_as_torch():
    w, b = p64([1.0, 2.0]), p64([3.0])
    opt = optim.Adam([("w", w), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.param_groups[0]["params"][0] is w
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [p64([1.0])]})
    with pytest.raises(ValueError, match="Some param names are missing"):
        optim.SGD([("w", p64([1.0])), p64([2.0])], lr=0.1)


class _Foreign:
    """A 0-d tensor of another library (what torch.load gives): .item() and .shape."""

    shape = ()

    def __init__(self, value):
        self.value = value

    def item(self):
        return self.value


def test_a_foreign_tensor_lr_from_a_checkpoint_loads_as_a_float():
    w = p64([1.0, -2.0])
    opt = optim.Adam([w], lr=0.1)
    saved = opt.state_dict()
    saved["param_groups"][0]["lr"] = _Foreign(0.05)
    saved["param_groups"][0]["betas"] = (_Foreign(0.9), 0.999)
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["lr"] == 0.05 and type(opt.param_groups[0]["lr"]) is float
    assert opt.param_groups[0]["betas"] == (0.9, 0.999)
    run(opt, w, GRADS)


def test_lbfgs_state_has_torchs_al_entry():
    w = p64([1.0, -2.0])
    opt = optim.LBFGS([w], max_iter=3)

    def closure():
        opt.zero_grad()
        loss = ((w - 0.5) ** 2).sum() + (w ** 4).sum()
        loss.backward()
        return loss
    opt.step(closure)
    entry = opt.state_dict()["state"][0]
    assert sorted(entry) == ["H_diag", "al", "d", "func_evals", "n_iter", "old_dirs",
                             "old_stps", "prev_flat_grad", "prev_loss", "ro", "t"]
    assert len(entry["al"]) == 100
    opt.load_state_dict(opt.state_dict())
    opt.step(closure)


# ---- schedulers ----------------------------------------------------------------------------
def lrs(make, n=8, resume=None, hand=None):
    w = xg.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    if resume is not None:
        opt.param_groups[0]["initial_lr"] = 0.1
        sched = make(opt, resume)
    else:
        sched = make(opt)
    seq = [sched.get_last_lr()[0]]
    for i in range(n):
        opt.step()
        if hand == i:
            opt.param_groups[0]["lr"] = 0.05
        sched.step()
        seq.append(sched.get_last_lr()[0])
        assert opt.param_groups[0]["lr"] == seq[-1]
    return seq


RESUMED = {      # built with last_epoch=3 (4 for the last two), group lr = initial_lr = 0.1
    "StepLR": (lambda o, e: S.StepLR(o, 2, 0.5, last_epoch=e), 3,
               [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625, 0.00625, 0.003125]),
    "ExponentialLR": (lambda o, e: S.ExponentialLR(o, 0.9, last_epoch=e), 3,
                      [0.1 * 0.9 ** k for k in range(9)]),
    "CosineAnnealingLR": (lambda o, e: S.CosineAnnealingLR(o, 6, 0.01, last_epoch=e), 3,
                          [0.1, 0.034115427318801024, 0.01, 0.01602885682970026,
                           0.03250000000000001, 0.05500000000000004, 0.07750000000000007,
                           0.09397114317029981, 0.10000000000000009]),
    "MultiplicativeLR": (lambda o, e: S.MultiplicativeLR(o, lambda k: 0.9, last_epoch=e), 3,
                         [0.1 * 0.9 ** k for k in range(9)]),
    "PolynomialLR": (lambda o, e: S.PolynomialLR(o, 6, 2.0, last_epoch=e), 3,
                     [0.1, 0.024999999999999984] + [0.0] * 7),
    "LinearLR": (lambda o, e: S.LinearLR(o, 0.5, 1.0, 6, last_epoch=e), 3,
                 [0.1, 0.11000000000000001] + [0.12000000000000001] * 7),
    "MultiStepLR": (lambda o, e: S.MultiStepLR(o, [4, 6, 6], 0.5, last_epoch=e), 3,
                    [0.05, 0.05] + [0.0125] * 7),
    "ConstantLR": (lambda o, e: S.ConstantLR(o, 0.5, 5, last_epoch=e), 3, [0.1] + [0.2] * 8),
    "CosineAnnealingWarmRestarts": (
        lambda o, e: S.CosineAnnealingWarmRestarts(o, 1, 2, last_epoch=e), 4,
        [0.1, 0.05, 0.1, 0.08535533905932738, 0.05, 0.014644660940672627, 0.1,
         0.09619397662556434, 0.08535533905932738]),
    "CyclicLR": (lambda o, e: S.CyclicLR(o, 0.01, 0.1, 3, last_epoch=e), 4,
                 [0.1, 0.01, 0.040000000000000056, 0.06999999999999995, 0.1,
                  0.06999999999999995, 0.040000000000000056, 0.01, 0.03999999999999998]),
}


@pytest.mark.parametrize("name", list(RESUMED))
def test_resuming_with_last_epoch_as_torch(name):
    make, epoch, expected = RESUMED[name]
    close(lrs(make, resume=epoch), expected)


HAND = {         # the group's lr set to 0.05 by hand before the third sched.step()
    "StepLR": (lambda o: S.StepLR(o, 2, 0.5),
               [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625]),
    "CosineAnnealingLR": (lambda o: S.CosineAnnealingLR(o, 6, 0.01),
                          [0.1, 0.09397114317029975, 0.07750000000000001, 0.03666666666666667,
                           0.023333333333333338, 0.013572655899081635, 0.01,
                           0.01602885682970026, 0.03250000000000001]),
    "ExponentialLR": (lambda o: S.ExponentialLR(o, 0.9),
                      [0.1, 0.09000000000000001, 0.08100000000000002, 0.045000000000000005,
                       0.04050000000000001, 0.03645000000000001, 0.03280500000000001,
                       0.02952450000000001, 0.02657205000000001]),
}


@pytest.mark.parametrize("name", list(HAND))
def test_an_lr_set_by_hand_compounds_as_torch(name):
    make, expected = HAND[name]
    close(lrs(make, hand=2), expected)


def test_scheduler_state_dicts_have_torchs_entries():
    opt = optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    sched = S.MultiStepLR(opt, [3, 7, 7])
    assert dict(sched.state_dict()["milestones"]) == {3: 1, 7: 2}          # a Counter
    assert {"_is_initial", "_get_lr_called_within_step"} <= set(sched.state_dict())
    cyclic = S.CyclicLR(opt, 0.01, 0.1, 3)
    assert sorted(cyclic.state_dict()) == [
        "_get_lr_called_within_step", "_is_initial", "_last_lr", "_scale_fn_custom",
        "_step_count", "base_lrs", "base_momentums", "cycle_momentum", "gamma", "last_epoch",
        "max_lrs", "max_momentums", "mode", "scale_mode", "step_ratio", "total_size",
        "use_beta1"]
    plateau = S.ReduceLROnPlateau(opt, mode="max", min_lr=0.01).state_dict()
    assert plateau["mode_worse"] == -math.inf and plateau["default_min_lr"] == 0.01
    sgdr = S.CosineAnnealingWarmRestarts(opt, 2)
    for _ in range(3):
        sgdr.step()
    assert sgdr.state_dict()["_step_count"] == 0                  # torch never counts them


def test_chained_scheduler_starts_from_the_compounded_lr():
    opt = optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1)
    chained = S.ChainedScheduler([S.ConstantLR(opt, 0.5, 2), S.ExponentialLR(opt, 0.9)])
    assert chained.get_last_lr() == [0.05]


def test_a_torch_lambda_state_dict_keeps_the_functions():
    opt = optim.SGD([xg.zeros(1, requires_grad=True)], lr=0.1)
    sched = S.LambdaLR(opt, lambda e: 0.5 ** e)
    saved = sched.state_dict()
    saved["lr_lambdas"] = [None]                    # how torch saves a plain function
    sched.load_state_dict(saved)
    sched.step()
    assert sched.get_last_lr() == [0.05]
    cyclic = S.CyclicLR(opt, 0.01, 0.1, 3)
    saved = cyclic.state_dict()
    cyclic.load_state_dict(saved)
    cyclic.step()
