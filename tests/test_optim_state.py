"""Optimizer plumbing: parameter groups, zero_grad, closures, state_dict round trips (also
across devices), in-place updates without host syncs, and errors for bad arguments."""
import pytest

import xpgrad as xg
from xpgrad import optim

W0 = [1.0, -2.0]
GRADS = [[0.5, -1.0], [0.25, 2.0], [-1.5, 0.75], [1.0, 0.1], [0.3, -0.2]]

ALL = [
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01)),
    (optim.Adadelta, dict()),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adam, dict(lr=0.1, amsgrad=True)),
    (optim.AdamW, dict(lr=0.1)),
]
IDS = [cls.__name__ for cls, _ in ALL]


def make(device, cls, kwargs, values=W0):
    p = xg.tensor(values, dtype="float64", device=device, requires_grad=True)
    return p, cls([p], **kwargs)


def steps(p, opt, grads):
    for g in grads:
        p.grad = xg.tensor(g, dtype="float64", device=p.device)
        opt.step()
    return p.tolist()


@pytest.mark.parametrize("cls,kwargs", ALL, ids=IDS)
def test_state_dict_round_trip_continues_identically(device, cls, kwargs):
    p1, o1 = make(device, cls, kwargs)
    steps(p1, o1, GRADS[:2])
    saved = o1.state_dict()
    assert list(saved["state"]) == [0] and saved["param_groups"][0]["params"] == [0]
    p2, o2 = make(device, cls, kwargs, values=p1.tolist())
    o2.load_state_dict(saved)
    assert steps(p1, o1, GRADS[2:]) == steps(p2, o2, GRADS[2:])      # bit for bit


@pytest.mark.parametrize("cls,kwargs", ALL, ids=IDS)
def test_state_dict_copies_the_state(device, cls, kwargs):
    p, opt = make(device, cls, kwargs)
    steps(p, opt, GRADS[:1])
    saved = opt.state_dict()
    before = {k: (v.tolist() if isinstance(v, xg.Tensor) else v)
              for k, v in saved["state"][0].items()}
    steps(p, opt, GRADS[1:3])
    after = {k: (v.tolist() if isinstance(v, xg.Tensor) else v)
             for k, v in saved["state"][0].items()}
    assert before == after and saved["state"][0]["step"] == 1
    assert all(v.device == p.device for v in saved["state"][0].values()
               if isinstance(v, xg.Tensor))


@pytest.mark.parametrize("cls,kwargs", ALL, ids=IDS)
def test_state_loads_onto_the_parameters_device(cls, kwargs):
    p1, o1 = make("cpu", cls, kwargs)
    steps(p1, o1, GRADS[:2])
    p2, o2 = make("strict:device1", cls, kwargs, values=p1.tolist())
    o2.load_state_dict(o1.state_dict())
    for value in o2.state[0].values():
        if not isinstance(value, int):
            assert isinstance(value, p2._backend.array_type) and value.device == p2.data.device
    assert steps(p1, o1, GRADS[2:]) == pytest.approx(steps(p2, o2, GRADS[2:]), rel=1e-15)


def test_load_state_dict_restores_options_and_checks_the_layout(device):
    p, opt = make(device, optim.SGD, dict(lr=0.1, momentum=0.9))
    steps(p, opt, GRADS[:1])
    saved = opt.state_dict()
    q, other = make(device, optim.SGD, dict(lr=0.5))
    other.load_state_dict(saved)
    assert other.param_groups[0]["lr"] == 0.1 and other.param_groups[0]["momentum"] == 0.9
    assert other.param_groups[0]["params"][0] is q
    two = optim.SGD([xg.zeros(2, device=device, requires_grad=True),
                     xg.zeros(2, device=device, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="1 parameters"):
        two.load_state_dict(saved)
    with pytest.raises(ValueError, match="shape"):
        optim.SGD([xg.zeros(3, device=device, requires_grad=True)], lr=0.1).load_state_dict(saved)


def test_adagrad_state_exists_from_the_start(device):
    p, opt = make(device, optim.Adagrad, dict(initial_accumulator_value=0.5))
    state = opt.state_dict()["state"]
    assert state[0]["step"] == 0 and state[0]["sum"].tolist() == [0.5, 0.5]
    opt.add_param_group({"params": [xg.zeros(3, device=device, requires_grad=True)], "lr": 1.0})
    assert opt.state[1]["sum"].shape == (3,)


def test_updates_are_in_place(device):
    p = xg.tensor(W0, device=device, requires_grad=True)
    array = p.data
    for cls, kwargs in ALL:
        opt = cls([p], **kwargs)
        p.grad = xg.tensor(GRADS[0], device=device)
        opt.step()
        assert p.data is array and p.dtype == xg.float32


@pytest.mark.parametrize("cls,kwargs", ALL, ids=IDS)
def test_step_and_clip_never_read_the_device(monkeypatch, cls, kwargs):
    # strict:device1 refuses implicit host conversion; forbid the explicit ones too
    p, opt = make("strict:device1", cls, kwargs)
    backend = type(p._backend)

    def no_sync(*args, **kwargs):
        raise AssertionError("host transfer inside an optimizer step")

    for name in ("to_host", "synchronize"):
        monkeypatch.setattr(backend, name, no_sync)
    monkeypatch.setattr(xg.Tensor, "item", no_sync)
    for g in GRADS[:3]:
        p.grad = xg.tensor([10 * x for x in g], dtype="float64", device="strict:device1")
        optim.clip_grad_norm_([p], max_norm=1.0)
        opt.step()
    monkeypatch.undo()
    assert p.tolist() != W0


def test_param_groups_add_and_repr(device):
    a = xg.zeros(2, device=device, requires_grad=True)
    b = xg.zeros(3, device=device, requires_grad=True)
    opt = optim.Adam([a, a], lr=0.1)                  # a repeat inside a group counts once
    assert len(opt.param_groups[0]["params"]) == 1 and opt.param_groups[0]["params"][0] is a
    opt.add_param_group({"params": [b], "lr": 0.01, "betas": (0.5, 0.6)})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["eps"] == 1e-8
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    assert repr(opt).splitlines()[:3] == ["Adam (", "Parameter Group 0", "    amsgrad: False"]
    assert "Parameter Group 1" in repr(opt) and "betas: (0.5, 0.6)" in repr(opt)


def test_zero_grad_and_closure(device):
    w = xg.tensor([3.0, -2.0], device=device, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum() + 2.0
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == pytest.approx(15.0) and w.tolist() == pytest.approx([2.4, -1.6])
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_works_with_nn_modules(device):
    nn = pytest.importorskip("xpgrad.nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("nn.Linear is not there yet")
    xg.manual_seed(0)
    model = nn.Linear(3, 1).to(device)
    x = xg.randn(8, 3, device=device)
    y = x.sum(axis=1, keepdims=True)
    opt = optim.Adam(model.parameters(), lr=0.05)
    first = None
    for _ in range(200):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < 1e-2 * first


@pytest.mark.parametrize("build,match", [
    (lambda p: optim.SGD([p], lr=-1.0), "lr=-1.0"),
    (lambda p: optim.Adam([p], lr=float("nan")), "lr=nan"),
    (lambda p: optim.SGD([p], lr=0.1, momentum=-0.5), "momentum=-0.5"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "Nesterov.*momentum=0"),
    (lambda p: optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening"),
    (lambda p: optim.Adam([p], betas=(1.0, 0.999)), r"betas=\(1.0, 0.999\)"),
    (lambda p: optim.AdamW([p], betas=(0.9, -0.1)), "betas"),
    (lambda p: optim.Adam([p], eps=-1.0), "eps=-1.0"),
    (lambda p: optim.Adam([p], weight_decay=-1), "weight_decay=-1"),
    (lambda p: optim.Adagrad([p], lr_decay=-0.1), "lr_decay=-0.1"),
    (lambda p: optim.Adadelta([p], rho=1.5), "rho=1.5"),
    (lambda p: optim.RMSprop([p], alpha=-0.1), "alpha=-0.1"),
    (lambda p: optim.RMSprop([p], momentum=-1.0), "momentum=-1.0"),
    (lambda p: optim.SGD([{"params": [p], "lr": -2.0}], lr=0.1), "lr=-2.0"),
])
def test_invalid_options_raise_value_error(build, match):
    with pytest.raises(ValueError, match=match):
        build(xg.zeros(2, requires_grad=True))


@pytest.mark.parametrize("params,error,match", [
    ([], ValueError, "empty parameter list"),
    ([{"params": []}], ValueError, "empty parameter list"),
    ([xg.zeros(2)], ValueError, "does not require grad"),
    ([xg.zeros(2, requires_grad=True) * 2], ValueError, "leaf"),
    (xg.zeros(2, requires_grad=True), TypeError, "single Tensor"),
    ([[1.0, 2.0]], TypeError, "only optimize Tensors"),
    ({xg.zeros(2, requires_grad=True)}, TypeError, "not a set"),
])
def test_invalid_parameters(params, error, match):
    if isinstance(params, set):
        params = [{"params": params}]
    with pytest.raises(error, match=match):
        optim.SGD(params, lr=0.1)


def test_state_is_indexed_by_parameter_as_in_pytorch():
    model = xg.nn.Linear(2, 2)
    opt = xg.optim.Adam(model.parameters(), lr=0.01)
    assert model.weight not in opt.state and opt.state[model.weight] == {}
    model(xg.ones(1, 2)).sum().backward()
    opt.step()                                       # the empty entry made above is replaced
    entries = opt.state[model.weight]
    assert model.weight in opt.state and sorted(entries) == ["exp_avg", "exp_avg_sq", "step"]
    assert entries["exp_avg"].shape == (2, 2) and entries["step"] == 1
    assert entries is opt.state[0]                   # positions, as state_dict numbers them
    with pytest.raises(KeyError, match="not a parameter of this optimizer"):
        opt.state[xg.ones(2)]
    assert xg.ones(2) not in opt.state


class _TorchStyleMomentum(optim.Optimizer):
    """A custom optimizer written the PyTorch way: its own step() over self.state[p]."""

    def __init__(self, params, lr=0.1, beta=0.5):
        super().__init__(params, {"lr": lr, "beta": beta})

    def step(self, closure=None):
        with xg.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    state = self.state[p]
                    if not state:
                        state["buf"] = xg.zeros_like(p)
                        state["steps"] = 0
                    state["buf"].mul_(group["beta"]).add_(p.grad)
                    state["steps"] += 1
                    p.sub_(group["lr"] * state["buf"])


def test_a_torch_style_custom_optimizer_keeps_its_state():
    w = xg.nn.Parameter(xg.tensor([1.0, -2.0]))
    opt = _TorchStyleMomentum([w])
    for _ in range(3):
        opt.zero_grad()
        (w * xg.tensor([1.0, 2.0])).sum().backward()
        opt.step()
    # buf: 1, 1.5, 1.75 times the constant gradient (1, 2); w -= 0.1 * buf each step
    assert opt.state[w]["steps"] == 3
    assert [round(v, 6) for v in w.tolist()] == [round(1.0 - 0.1 * 4.25, 6),
                                                round(-2.0 - 0.2 * 4.25, 6)]
    assert sorted(opt.state_dict()["state"][0]) == ["buf", "steps"]
