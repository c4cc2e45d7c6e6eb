"""Optimizer hooks against torch.optim's: step pre/post hooks (arguments, order, replacing the
arguments, removal), state_dict and load_state_dict hooks, on every optimizer class."""
import copy

import pytest

import xpgrad as xg
from xpgrad import optim

torch = pytest.importorskip("torch")


def _params():
    w = xg.tensor([1.0, -2.0], requires_grad=True)
    w.grad = xg.tensor([0.5, 0.5])
    return [w]


def _log_hooks(opt, log):
    handles = [opt.register_step_pre_hook(
                   lambda o, args, kwargs: log.append(("pre1", len(args), args[0] is o,
                                                       dict(kwargs)))),
               opt.register_step_pre_hook(lambda o, args, kwargs: log.append(("pre2",))),
               opt.register_step_post_hook(lambda o, args, kwargs: log.append(("post",)))]
    return handles


def test_step_hooks_see_what_torchs_see():
    ours, theirs = [], []
    opt = optim.SGD(_params(), lr=0.1)
    topt = torch.optim.SGD([torch.tensor([1.0, -2.0], requires_grad=True)], lr=0.1)
    topt.param_groups[0]["params"][0].grad = torch.tensor([0.5, 0.5])
    handles = _log_hooks(opt, ours)
    thandles = _log_hooks(topt, theirs)
    for o in (opt, topt):
        o.step()
        o.step(closure=None)
    assert ours == theirs == [("pre1", 1, True, {}), ("pre2",), ("post",),
                              ("pre1", 1, True, {"closure": None}), ("pre2",), ("post",)]
    handles[0].remove()
    thandles[0].remove()
    ours.clear()
    opt.step()
    assert ours == [("pre2",), ("post",)]
    assert opt.param_groups[0]["params"][0].tolist() == pytest.approx([0.85, -2.15])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta",
                                  "Adamax", "NAdam", "RAdam", "Rprop", "ASGD", "Adafactor",
                                  "LBFGS"])
def test_every_optimizer_steps_through_the_hooks(name):
    params = _params()
    opt = getattr(optim, name)(params, lr=0.1)
    log = []
    _log_hooks(opt, log)

    def closure():
        loss = (params[0] ** 2).sum()
        opt.zero_grad()
        loss.backward()
        return loss

    opt.step(closure)
    assert log == [("pre1", 2, True, {}), ("pre2",), ("post",)]   # once, also for LBFGS


def test_pre_hook_replaces_the_arguments():
    params = _params()
    opt = optim.SGD(params, lr=0.1)
    calls = []

    def closure():
        calls.append(1)
        return xg.tensor(3.0)

    opt.register_step_pre_hook(lambda o, args, kwargs: (args, {"closure": closure}))
    assert opt.step().item() == 3.0 and calls == [1]
    bad = optim.SGD(_params(), lr=0.1)
    bad.register_step_pre_hook(lambda o, args, kwargs: "nope")
    with pytest.raises(RuntimeError, match="new_args, new_kwargs"):
        bad.step()


def test_removing_every_hook_restores_the_plain_step():
    opt = optim.Adam(_params(), lr=0.1)
    h = opt.register_step_post_hook(lambda *a: None)
    assert "step" in opt.__dict__
    h.remove()
    opt.step()
    assert "step" not in opt.__dict__ and opt.state[0]["step"] == 1


def test_hooked_optimizer_deepcopies():
    opt = optim.SGD(_params(), lr=0.1)
    log = []
    opt.register_step_post_hook(lambda o, *a: log.append(o))
    twin = copy.deepcopy(opt)
    twin.step()
    assert log == [twin]


def test_state_dict_hooks_as_torch():
    results = []
    for make in (lambda: optim.SGD(_params(), lr=0.1, momentum=0.9),
                 lambda: torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1,
                                         momentum=0.9)):
        opt, log = make(), []
        opt.register_state_dict_pre_hook(lambda o: log.append("pre"))
        opt.register_state_dict_post_hook(
            lambda o, sd: {**sd, "param_groups": [{**g, "lr": 0.5} for g in sd["param_groups"]]})
        opt.register_state_dict_post_hook(lambda o, sd: log.append("post-first"), prepend=True)
        sd = opt.state_dict()
        opt.register_load_state_dict_pre_hook(
            lambda o, sd: {**sd, "param_groups": [{**g, "lr": 0.25} for g in sd["param_groups"]]})
        opt.register_load_state_dict_post_hook(lambda o: log.append("loaded"))
        opt.load_state_dict(sd)
        results.append((sd["param_groups"][0]["lr"], opt.param_groups[0]["lr"], log))
    assert results[0] == results[1] == (0.5, 0.25, ["pre", "post-first", "loaded"])
