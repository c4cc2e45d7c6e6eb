"""Optimizer and scheduler behaviour pinned to PyTorch 2.13's values (hard-coded, so these
run without torch): Adagrad's accumulator start, a Tensor learning rate, loading the state
layout torch's state_dict() writes, and ChainedScheduler's state_dict."""
import pytest

import xpgrad as xg
from xpgrad import optim
from xpgrad.optim import lr_scheduler as S


def f64(values):
    return xg.tensor(values, dtype="float64")


def param(values):
    return xg.tensor(values, dtype="float64", requires_grad=True)


def close(a, b, rel=1e-12):
    assert a == pytest.approx(b, rel=rel, abs=1e-15)


# ---- Adagrad: torch starts every sum at the constructor's initial_accumulator_value -------
def test_adagrad_sums_start_at_the_constructors_value_in_every_group():
    p, q, r = param([1.0, -2.0]), param([0.5]), param([3.0])
    opt = optim.Adagrad([{"params": [p]}, {"params": [q], "initial_accumulator_value": 0.3}],
                        lr=0.1, initial_accumulator_value=0.1)
    opt.add_param_group({"params": [r], "initial_accumulator_value": 5.0})
    assert opt.param_groups[1]["initial_accumulator_value"] == 0.3     # kept, as torch keeps it
    for g in ([0.5, -1.0], [2.0, 0.25]):
        p.grad, q.grad, r.grad = f64(g), f64([g[0]]), f64([g[1]])
        opt.step()
    # torch.optim.Adagrad, same groups and gradients
    close(p.tolist(), [0.819591914248955, -1.9278406858703896])
    close(q.tolist(), [0.31959191424895494])
    close(r.tolist(), [3.0721593141296104])
    state = opt.state_dict()["state"]
    close(state[0]["sum"].tolist(), [4.35, 1.1625])
    close(state[1]["sum"].tolist(), [4.35])
    close(state[2]["sum"].tolist(), [1.1625])


# ---- lr given as a Tensor (torch accepts a one-element tensor) --------------------------
@pytest.mark.parametrize("name,kwargs", [("SGD", {}), ("SGD", {"momentum": 0.9}), ("Adam", {}),
                                         ("AdamW", {}), ("RMSprop", {}), ("Adagrad", {}),
                                         ("NAdam", {}), ("RAdam", {}), ("Adamax", {}),
                                         ("Adadelta", {}), ("ASGD", {}), ("Rprop", {}),
                                         ("Adafactor", {})])
def test_tensor_lr_steps_as_the_float(name, kwargs):
    a, b = param([1.0, 2.0]), param([1.0, 2.0])
    by_tensor = getattr(optim, name)([a], lr=f64(0.1), **kwargs)
    by_float = getattr(optim, name)([b], lr=0.1, **kwargs)
    assert isinstance(by_tensor.param_groups[0]["lr"], float)
    for _ in range(3):
        a.grad, b.grad = f64([0.5, -1.0]), f64([0.5, -1.0])
        by_tensor.step()
        by_float.step()
    assert a.tolist() == b.tolist()


def test_tensor_lr_values_as_torch():
    p = param([1.0, 2.0])
    opt = optim.Adam([p], lr=f64([0.1]))          # one element, any shape
    for _ in range(3):
        p.grad = f64([0.5, -1.0])
        opt.step()
    close(p.tolist(), [0.700000006, 2.299999997], rel=1e-9)     # torch, rounded to 1e-12
    q = param([1.0])
    opt.add_param_group({"params": [q], "lr": f64(0.5)})
    assert opt.param_groups[1]["lr"] == 0.5
    with pytest.raises(ValueError, match="one element"):
        optim.SGD([param([1.0])], lr=f64([0.1, 0.2]))
    with pytest.raises(ValueError, match="invalid learning rate"):
        optim.SGD([param([1.0])], lr=f64(-0.1))


def test_a_loaded_tensor_lr_becomes_a_float():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1)
    saved = opt.state_dict()
    saved["param_groups"][0]["lr"] = f64(0.25)
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["lr"] == 0.25 and isinstance(opt.param_groups[0]["lr"], float)


# ---- the state layout torch's state_dict() writes --------------------------------------
def _groups(**options):
    return [{**options, "foreach": None, "differentiable": False, "params": [0]}]


def test_sgd_loads_torchs_state_without_a_step_count():
    p = param([0.705, -1.835])               # torch's SGD(lr=0.1, momentum=0.9) after 2 steps
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.load_state_dict({"state": {0: {"momentum_buffer": f64([2.45, -0.65])}},
                         "param_groups": _groups(lr=0.1, momentum=0.9, dampening=0,
                                                 weight_decay=0, nesterov=False,
                                                 maximize=False)})
    p.grad = f64([1.0, 1.0])
    opt.step()
    close(p.tolist(), [0.38449999999999995, -1.8765])


TORCH_STATE = {   # torch (float64) after two steps of grads [0.5, -1], [2, 0.25] from [1, -2]
    "Adam": (dict(lr=0.1), [0.8115623535489445, -1.8530531845234584],
             {"exp_avg": [0.24499999999999994, -0.06499999999999999],
              "exp_avg_sq": [0.0042497500000000035, 0.001061500000000001]},
             [0.7221682800533518, -1.871522143490523]),
    "NAdam": (dict(lr=0.1), [0.7914448703389989, -1.9135926500466418],
              {"mu_product": 0.20259919474573693,
               "exp_avg": [0.24499999999999994, -0.06499999999999999],
               "exp_avg_sq": [0.0042497500000000035, 0.001061500000000001]},
              [0.7343414319294899, -1.9889039401960413]),
    "ASGD": (dict(lr=0.1, t0=1), [0.7499820001581238, -1.924960812844138],
             {"eta": 0.09999850002624952, "mu": 1.0,
              "ax": [0.7499820001581238, -1.924960812844138]},
             [0.649976000424368, -2.024940063550998]),
}


@pytest.mark.parametrize("name", list(TORCH_STATE))
def test_torchs_zero_dim_tensor_numbers_load_as_numbers(name):
    kwargs, weights, entries, expected = TORCH_STATE[name]
    p = param(weights)
    opt = getattr(optim, name)([p], **kwargs)
    state = {"step": f64(2.0), **{k: f64(v) for k, v in entries.items()}}
    saved = opt.state_dict()
    saved["state"] = {0: state}
    opt.load_state_dict(saved)
    loaded = opt.state[0]
    assert loaded["step"] == 2 and type(loaded["step"]) is int
    for key, value in entries.items():
        if isinstance(value, float):
            assert isinstance(loaded[key], float) and loaded[key] == value
    p.grad = f64([1.0, 1.0])
    opt.step()
    close(p.tolist(), expected)
    assert opt.state_dict()["state"][0]["step"] == 3


def test_a_zero_dim_parameters_arrays_stay_arrays():
    p = param(1.5)
    opt = optim.Adam([p], lr=0.1)
    p.grad = f64(1.0)
    opt.step()
    opt.load_state_dict(opt.state_dict())
    assert isinstance(opt.state_dict()["state"][0]["exp_avg"], xg.Tensor)


# ---- ChainedScheduler ---------------------------------------------------------------------
def test_chained_scheduler_state_dict_round_trip():
    def build():
        opt = optim.SGD([xg.zeros(2, requires_grad=True)], lr=0.1)
        return opt, S.ChainedScheduler([S.StepLR(opt, 2, 0.1), S.ExponentialLR(opt, 0.9)])
    o1, s1 = build()
    for _ in range(3):
        o1.step()
        s1.step()
    saved = s1.state_dict()
    assert len(saved["_schedulers"]) == 2 and saved["last_epoch"] == 3
    o2, s2 = build()
    s2.load_state_dict(saved)
    o2.load_state_dict(o1.state_dict())
    expected = [0.0006561, 0.00059049, 5.31441e-05, 4.782969e-05]   # torch's, epochs 4..7
    for lr in expected:
        s1.step()
        s2.step()
        close(s2.get_last_lr(), [lr])
        assert s2.get_last_lr() == s1.get_last_lr()
