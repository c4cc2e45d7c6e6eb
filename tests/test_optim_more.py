"""ASGD and Adafactor against torch.optim (skipped without PyTorch): the same model and data
give the same trajectory and the same state (ASGD's eta, mu and average ax; Adafactor's row,
column and full second moments) on every backend; state_dict round trips; errors."""
import pytest

import xpgrad as xg
from xpgrad import optim

torch = pytest.importorskip("torch")

SHAPES = [(4, 3), (4,), (1, 4), (1,), (2, 3, 4), ()]
CONFIGS = [
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=2)),           # averaging from step 3
    ("ASGD", dict(lr=0.05, t0=0, weight_decay=0.1, maximize=True)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-4, 1e-2), d=1.5, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.1, eps=(None, 0.5), maximize=True)),
]
IDS = [f"{name}-{'-'.join(kw) or 'defaults'}" for name, kw in CONFIGS]
STATE = {"ASGD": ("eta", "mu", "ax"), "Adafactor": ("row_var", "col_var", "variance")}


@pytest.fixture
def torch_float64():
    """torch keeps ASGD's eta and mu in tensors of the default dtype: float64 makes them
    exact, as ours are."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def model_data():
    gen = torch.Generator().manual_seed(0)
    values = [torch.randn(s, generator=gen, dtype=torch.float64) * 0.5 for s in SHAPES]
    x = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    cube_target = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64)
    return values, [x, torch.sin(x.sum(dim=1, keepdim=True)), cube_target]


def loss_of(params, data):
    """A 3-4-1 tanh regression, plus a 3-D and a 0-d parameter in the loss."""
    w1, b1, w2, b2, cube, scalar = params
    x, y, cube_target = data
    fit = (((x @ w1.T + b1).tanh() @ w2.T + b2 - y) ** 2).mean()
    return fit + 0.1 * (cube.tanh() * cube_target).sum() + (scalar - 0.3) ** 2


def torch_side(name, kwargs):
    values, data = model_data()
    qs = [v.clone().requires_grad_(True) for v in values]
    return qs, data, getattr(torch.optim, name)(qs, **kwargs)


def my_side(name, kwargs, device):
    values, data = model_data()
    ps = [xg.tensor(v.tolist(), dtype="float64", device=device, requires_grad=True)
          for v in values]
    data = [xg.tensor(d.tolist(), dtype="float64", device=device) for d in data]
    return ps, data, getattr(optim, name)(ps, **kwargs)


def train(params, data, opt, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss_of(params, data).backward()
        opt.step()


def flat(tensors):
    out = []
    for t in tensors:
        out += t.detach().reshape(-1).tolist()
    return out


def as_list(value):
    if isinstance(value, (int, float)):
        return [float(value)]
    return value.detach().reshape(-1).tolist()


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_same_trajectory_and_state_as_torch(device, torch_float64, name, kwargs):
    qs, tdata, theirs = torch_side(name, kwargs)
    ps, mdata, mine = my_side(name, kwargs, device)
    for _ in range(6):
        train(qs, tdata, theirs, 1)
        train(ps, mdata, mine, 1)
        assert flat(ps) == pytest.approx(flat(qs), rel=1e-12, abs=1e-14)
    saved = mine.state_dict()["state"]
    for i, q in enumerate(qs):
        ts, ms = theirs.state[q], saved[i]
        assert ms["step"] == int(ts["step"]) == 6
        keys = [k for k in STATE[name] if k in ts]
        assert sorted(keys) == sorted(k for k in ms if k != "step")
        for key in keys:
            assert as_list(ms[key]) == pytest.approx(as_list(ts[key]), rel=1e-12, abs=1e-15)
    if name == "Adafactor":     # the factored moments: rows and columns of the last two dims
        assert saved[4]["row_var"].shape == (2, 3, 1) and saved[4]["col_var"].shape == (2, 1, 4)
        assert saved[5]["variance"].shape == ()


@pytest.mark.parametrize("name", ["ASGD", "Adafactor"])
def test_float32_as_torch(name):
    # torch's default float32 scalars: ASGD's eta and mu are rounded to float32 there
    kwargs = dict(lr=0.05, t0=1) if name == "ASGD" else dict(lr=0.05)
    qs, tdata, theirs = torch_side(name, kwargs)
    ps, mdata, mine = my_side(name, kwargs, "cpu")
    for q in qs:
        q.data = q.data.float()
    tdata = [d.float() for d in tdata]
    ps = [p.astype("float32").detach().requires_grad_() for p in ps]
    mine = getattr(optim, name)(ps, **kwargs)
    theirs = getattr(torch.optim, name)(qs, **kwargs)
    mdata = [d.astype("float32") for d in mdata]
    train(qs, tdata, theirs, 5)
    train(ps, mdata, mine, 5)
    assert all(p.dtype == xg.float32 for p in ps)
    assert flat(ps) == pytest.approx(flat(qs), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_state_dict_round_trip_continues_identically(device, name, kwargs):
    ps1, data1, opt1 = my_side(name, kwargs, device)
    train(ps1, data1, opt1, 3)
    saved = opt1.state_dict()
    ps2, data2, opt2 = my_side(name, kwargs, "cpu")         # loaded onto another device
    with xg.no_grad():
        for a, b in zip(ps2, ps1):
            a.copy_(b.to("cpu"))
    opt2.load_state_dict(saved)
    train(ps1, data1, opt1, 3)
    train(ps2, data2, opt2, 3)
    assert flat(ps1) == flat(ps2)


def test_defaults_as_torch():
    for name in ("ASGD", "Adafactor"):
        ours = getattr(optim, name)([xg.tensor([1.0], requires_grad=True)]).defaults
        theirs = getattr(torch.optim, name)([torch.ones(1, requires_grad=True)]).defaults
        assert all(ours[k] == theirs[k] for k in ours), name


def test_parameters_without_grad_are_skipped():
    p, w = (xg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True) for _ in range(2))
    for cls in (optim.ASGD, optim.Adafactor):
        opt = cls([p, w])
        (p * p).sum().backward()
        opt.step()
        assert list(opt.state) == [0] and w.tolist() == [[1.0, 2.0], [3.0, 4.0]]
        p.grad = None


def test_errors():
    p = xg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="ASGD: invalid learning rate lr=-0.1"):
        optim.ASGD([p], lr=-0.1)
    with pytest.raises(ValueError, match="ASGD: invalid weight_decay=-1"):
        optim.ASGD([p], weight_decay=-1.0)
    with pytest.raises(TypeError, match=r"ASGD: unexpected keyword argument\(s\) \['lamda'\]"):
        optim.ASGD([p], lamda=0.1)
    optim.ASGD([p], foreach=True, capturable=False, differentiable=False)   # torch's switches
    with pytest.raises(ValueError, match="Adafactor: invalid learning rate lr=-1"):
        optim.Adafactor([p], lr=-1.0)
    with pytest.raises(ValueError, match="Adafactor: invalid beta2_decay=0.5"):
        optim.Adafactor([p], beta2_decay=0.5)
    with pytest.raises(ValueError, match=r"Adafactor: invalid eps=\(-1.0, 0.001\)"):
        optim.Adafactor([p], eps=(-1.0, 1e-3))
    with pytest.raises(ValueError, match="Adafactor: invalid clipping threshold d=0.5"):
        optim.Adafactor([p], d=0.5)
    with pytest.raises(ValueError, match="Adafactor: invalid weight_decay=-0.1"):
        optim.Adafactor([p], weight_decay=-0.1)
    with pytest.raises(TypeError):
        optim.Adafactor([p], 0.01, -0.8, (None, 1e-3), 1.0, 0.0, None)   # foreach: keyword
