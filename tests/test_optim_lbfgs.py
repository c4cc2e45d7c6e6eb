"""LBFGS against torch.optim.LBFGS (skipped without PyTorch): the same closures give the same
iterates, evaluation counts and state over several step() calls, with the fixed step and
with the strong-Wolfe line search, with a history short enough to wrap; state_dict round
trips; errors. PyTorch fuses a + alpha * b into one rounding where we round twice, and the
Rosenbrock valley amplifies such last-bit differences, so its runs are kept to about a dozen
iterations, where 1e-10 still holds."""
import re

import pytest

import xpgrad as xg
from xpgrad import optim

torch = pytest.importorskip("torch")

START = [-1.5, 2.0]
WOLFE = [None, "strong_wolfe"]


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def closure_of(opt, loss_fn):
    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss
    return closure


def rosenbrock_pair(device, **kwargs):
    q = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    p = xg.tensor(START, dtype="float64", device=device, requires_grad=True)
    theirs, mine = torch.optim.LBFGS([q], **kwargs), optim.LBFGS([p], **kwargs)
    return ([q], theirs, closure_of(theirs, lambda: rosenbrock(q)),
            [p], mine, closure_of(mine, lambda: rosenbrock(p)))


def regression_data():
    gen = torch.Generator().manual_seed(0)
    shapes = [(4, 3), (4,), (1, 4), (1,), (2,)]
    values = [torch.randn(*s, generator=gen, dtype=torch.float64) * 0.5 for s in shapes]
    x = torch.randn(8, 3, generator=gen, dtype=torch.float64)
    return values, x, torch.sin(x.sum(dim=1, keepdim=True))


def regression_loss(w1, b1, w2, b2, unused, inputs, targets):
    """A 3-4-1 tanh network's mean squared error; ``unused`` never gets a gradient."""
    return (((inputs @ w1.T + b1).tanh() @ w2.T + b2 - targets) ** 2).mean()


def regression_params(device):
    values, x, y = regression_data()
    ps = [xg.tensor(v.tolist(), dtype="float64", device=device, requires_grad=True)
          for v in values]
    xm, ym = (xg.tensor(a.tolist(), dtype="float64", device=device) for a in (x, y))
    return ps, (lambda: regression_loss(*ps, xm, ym))


def regression_pair(device, **kwargs):
    values, x, y = regression_data()
    qs = [v.clone().requires_grad_(True) for v in values]
    ps, loss_m = regression_params(device)
    theirs, mine = torch.optim.LBFGS(qs, **kwargs), optim.LBFGS(ps, **kwargs)
    return (qs, theirs, closure_of(theirs, lambda: regression_loss(*qs, x, y)),
            ps, mine, closure_of(mine, loss_m))


def flat(tensors):
    out = []
    for t in tensors:
        out += t.detach().reshape(-1).tolist()
    return out


def run(pair, steps):
    """``steps`` step() calls of both; iterates, losses and evaluation counts agree."""
    qs, theirs, closure_t, ps, mine, closure_m = pair
    for _ in range(steps):
        loss_t, loss_m = theirs.step(closure_t), mine.step(closure_m)
        assert loss_m.item() == pytest.approx(loss_t.item(), rel=1e-10)
        assert flat(ps) == pytest.approx(flat(qs), rel=1e-10, abs=1e-12)
        ts, ms = theirs.state[qs[0]], mine.state[0]
        assert (ms["func_evals"], ms["n_iter"]) == (ts["func_evals"], ts["n_iter"])
    return theirs.state[qs[0]], mine.state_dict()["state"][0]


def assert_state_as_torch(ts, ms, history):
    for key in ("t", "H_diag", "prev_loss"):
        assert ms[key] == pytest.approx(float(ts[key]), rel=1e-10), key
    assert ms["ro"] == pytest.approx([float(r) for r in ts["ro"]], rel=1e-9)
    for key in ("d", "prev_flat_grad"):
        assert ms[key].tolist() == pytest.approx(ts[key].tolist(), rel=1e-9, abs=1e-12), key
    for key in ("old_dirs", "old_stps"):
        assert len(ms[key]) == len(ts[key]) == history
        assert flat(ms[key]) == pytest.approx(flat(ts[key]), rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("line_search_fn", WOLFE)
def test_rosenbrock_as_torch(device, line_search_fn):
    # 3 step() calls of 4 iterations with a history of 3 pairs: the history wraps
    ts, ms = run(rosenbrock_pair(device, max_iter=4, history_size=3,
                                 line_search_fn=line_search_fn), 3)
    assert_state_as_torch(ts, ms, history=3)


@pytest.mark.parametrize("line_search_fn", WOLFE)
def test_regression_as_torch(device, line_search_fn):
    ts, ms = run(regression_pair(device, max_iter=6, history_size=4,
                                 line_search_fn=line_search_fn), 3)
    assert_state_as_torch(ts, ms, history=4)


def test_defaults_as_torch():
    # torch's defaults: 20 iterations, 25 evaluations, a history of 100
    ts, ms = run(regression_pair("cpu"), 2)
    assert_state_as_torch(ts, ms, history=len(ts["old_dirs"]))
    p = xg.tensor([1.0], requires_grad=True)
    group = optim.LBFGS([p]).param_groups[0]
    assert {k: v for k, v in group.items() if k != "params"} == dict(
        lr=1, max_iter=20, max_eval=25, tolerance_grad=1e-7, tolerance_change=1e-9,
        history_size=100, line_search_fn=None)
    assert optim.LBFGS([p], max_iter=7).param_groups[0]["max_eval"] == 8


def test_lr_and_max_eval_as_torch():
    ts, ms = run(regression_pair("cpu", lr=0.5, max_iter=10, max_eval=7,
                                 line_search_fn="strong_wolfe"), 3)
    assert ms["func_evals"] == ts["func_evals"]
    ts, ms = run(regression_pair("cpu", lr=0.3, max_iter=5), 3)
    assert_state_as_torch(ts, ms, history=len(ts["old_dirs"]))


def test_step_returns_the_first_loss_and_stops_at_a_minimum():
    p = xg.tensor([1.0, 1.0], dtype="float64", requires_grad=True)   # Rosenbrock's minimum
    opt = optim.LBFGS([p])
    calls = []

    def closure():
        opt.zero_grad()
        loss = rosenbrock(p)
        loss.backward()
        calls.append(loss)
        return loss

    assert opt.step(closure) is calls[0]
    assert len(calls) == 1 and opt.state[0]["func_evals"] == 1 and p.tolist() == [1.0, 1.0]


def test_state_dict_round_trip_continues_identically(device):
    ps1, loss1 = regression_params(device)
    opt1 = optim.LBFGS(ps1, max_iter=3, history_size=2, line_search_fn="strong_wolfe")
    closure1 = closure_of(opt1, loss1)
    opt1.step(closure1)
    opt1.step(closure1)
    saved = opt1.state_dict()
    assert list(saved["state"]) == [0] and saved["param_groups"][0]["params"] == [0, 1, 2, 3, 4]
    assert all(isinstance(v, xg.Tensor) for v in saved["state"][0]["old_dirs"])

    ps2, loss2 = regression_params("cpu")            # loaded onto another device
    with xg.no_grad():
        for a, b in zip(ps2, ps1):
            a.copy_(b.to("cpu"))
    opt2 = optim.LBFGS(ps2, max_iter=3, history_size=2, line_search_fn="strong_wolfe")
    opt2.load_state_dict(saved)
    closure2 = closure_of(opt2, loss2)
    for _ in range(2):
        opt1.step(closure1)
        opt2.step(closure2)
        assert flat(ps1) == flat(ps2)
    assert opt2.state[0]["n_iter"] == opt1.state[0]["n_iter"] > 6


def test_float32_parameters_step():
    p = xg.tensor(START, requires_grad=True)
    opt = optim.LBFGS([p], max_iter=30, line_search_fn="strong_wolfe")
    closure = closure_of(opt, lambda: rosenbrock(p))
    first = opt.step(closure).item()
    for _ in range(3):
        opt.step(closure)
    assert p.dtype == xg.float32 and rosenbrock(p).item() < first * 1e-3


def test_errors():
    p, w = (xg.tensor([1.0, 2.0], requires_grad=True) for _ in range(2))
    opt = optim.LBFGS([p])
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        opt.step()
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        optim.LBFGS([{"params": [p]}, {"params": [w], "lr": 0.1}])
    with pytest.raises(ValueError, match="parameter groups"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(ValueError, match="LBFGS: invalid learning rate lr=-1"):
        optim.LBFGS([p], lr=-1)
    with pytest.raises(ValueError, match="LBFGS: invalid line_search_fn='wolfe'"):
        optim.LBFGS([p], line_search_fn="wolfe")
    with pytest.raises(ValueError, match="LBFGS: invalid history_size=0"):
        optim.LBFGS([p], history_size=0)
    with pytest.raises(ValueError, match="LBFGS: invalid max_iter=2.5"):
        optim.LBFGS([p], max_iter=2.5)
    with pytest.raises(ValueError, match="LBFGS: invalid tolerance_grad=-1"):
        optim.LBFGS([p], tolerance_grad=-1.0)


def test_compiled_step_with_closure_is_refused():
    p = xg.tensor(START, dtype="float64", requires_grad=True)
    opt = optim.LBFGS([p])
    closure = closure_of(opt, lambda: rosenbrock(p))

    step = xg.compile(lambda x: opt.step(closure), warmup=0)
    with pytest.raises(xg.CompileError, match=re.escape("optimizer.step(closure)")):
        step(xg.ones(1))


def test_loading_state_for_other_parameters_is_refused():
    p = xg.tensor(START, dtype="float64", requires_grad=True)
    opt = optim.LBFGS([p], max_iter=2)
    opt.step(closure_of(opt, lambda: rosenbrock(p)))
    other = optim.LBFGS([xg.tensor([1.0, 2.0, 3.0], requires_grad=True)])
    with pytest.raises(ValueError, match=r"LBFGS: saved state 'd' .* has shape \(2,\), "
                                         r"expected \(3,\)"):
        other.load_state_dict(opt.state_dict())
