"""nn.RNN, nn.LSTM and nn.GRU against PyTorch with the same weights (copied across): outputs,
final states and gradients w.r.t. the input, the initial state and every parameter, for
stacked, bidirectional, batch_first, unbatched, bias-free, relu and projected layers; state_dict
keys, reprs, initialisation, dropout, the errors on bad input, second derivatives, the
device-agnostic path and a short training run."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)


def make_pair(name: str, *args, **kwargs) -> tuple:
    """Our module and torch's, float64, with torch's random weights copied into ours."""
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    ours = getattr(nn, name)(*args, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _both(shape: tuple) -> tuple:
    a = RNG.standard_normal(shape)
    return xg.tensor(a, dtype="float64", requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(ours, theirs, what: str, rtol: float = 1e-9) -> None:
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=1e-11,
                               err_msg=what)


def check_sequence(ours, theirs, input_shape: tuple, with_state: bool) -> None:
    """Same output, h_n (and c_n) and gradients of a random weighting of all three."""
    lstm = isinstance(theirs, torch.nn.LSTM)
    xo, xt = _both(input_shape)
    state_o = state_t = None
    leaves = []
    if with_state:
        d = 2 if theirs.bidirectional else 1
        lead = (theirs.num_layers * d,) + ((input_shape[0 if theirs.batch_first else 1],)
                                           if len(input_shape) == 3 else ())
        h_size = theirs.proj_size or theirs.hidden_size if lstm else theirs.hidden_size
        leaves.append(_both(lead + (h_size,)))
        if lstm:
            leaves.append(_both(lead + (theirs.hidden_size,)))
            state_o, state_t = (leaves[0][0], leaves[1][0]), (leaves[0][1], leaves[1][1])
        else:
            state_o, state_t = leaves[0]
    yo, ho = ours(xo, state_o)
    yt, ht = theirs(xt, state_t)
    outs_o = [yo] + (list(ho) if lstm else [ho])
    outs_t = [yt] + (list(ht) if lstm else [ht])
    loss_o = loss_t = 0
    for i, (a, b) in enumerate(zip(outs_o, outs_t)):
        assert tuple(a.shape) == tuple(b.shape), (i, a.shape, b.shape)
        assert a.dtype == xg.float64
        _close(a, b, f"output {i}")
        w = RNG.standard_normal(tuple(b.shape))
        loss_o = loss_o + (a * xg.tensor(w)).sum()
        loss_t = loss_t + (b * torch.tensor(w)).sum()
    loss_o.backward()
    loss_t.backward()
    _close(xo.grad, xt.grad, "input grad", 1e-8)
    for i, (lo, lt) in enumerate(leaves):
        _close(lo.grad, lt.grad, f"state {i} grad", 1e-8)
    params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, params[name].grad, name, 1e-8)


CASES = [
    ("RNN", (3, 5), {}, (4, 2, 3)),
    ("RNN", (3, 5, 2), dict(nonlinearity="relu"), (4, 2, 3)),
    ("RNN", (3, 5), dict(bidirectional=True, bias=False), (4, 2, 3)),
    ("RNN", (3, 5, 2), dict(batch_first=True, bidirectional=True), (2, 4, 3)),
    ("RNN", (3, 5, 2), dict(nonlinearity="relu"), (4, 3)),
    ("LSTM", (3, 5), {}, (4, 2, 3)),
    ("LSTM", (3, 5, 2), {}, (4, 2, 3)),
    ("LSTM", (3, 5, 2), dict(bidirectional=True), (4, 2, 3)),
    ("LSTM", (3, 5), dict(batch_first=True, bias=False), (2, 4, 3)),
    ("LSTM", (3, 5, 2), dict(bidirectional=True), (4, 3)),
    ("LSTM", (3, 5), dict(proj_size=2), (4, 2, 3)),
    ("LSTM", (3, 5, 2), dict(proj_size=3, bidirectional=True, batch_first=True), (2, 4, 3)),
    ("GRU", (3, 5), {}, (4, 2, 3)),
    ("GRU", (3, 5, 2), dict(bidirectional=True), (4, 2, 3)),
    ("GRU", (3, 5, 2), dict(batch_first=True, bias=False), (2, 4, 3)),
    ("GRU", (3, 5), dict(bidirectional=True), (4, 3)),
]


@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("name,args,kwargs,shape", CASES,
                         ids=[f"{c[0]}{c[1]}{c[2]}{c[3]}" for c in CASES])
def test_matches_torch(name, args, kwargs, shape, with_state):
    ours, theirs = make_pair(name, *args, **kwargs)
    check_sequence(ours, theirs, shape, with_state)


def test_dropout_between_layers_as_torch():
    ours, theirs = make_pair("GRU", 3, 4, 3, dropout=0.5)
    ours.eval(), theirs.eval()
    check_sequence(ours, theirs, (5, 2, 3), True)
    # p = 1 zeroes every layer's input but the first: deterministic, so comparable in training
    ours, theirs = make_pair("LSTM", 3, 4, 2, dropout=1.0)
    assert ours.training
    check_sequence(ours, theirs, (5, 2, 3), False)
    # in training, 0 < p < 1 draws a mask: outputs differ from eval, and from one call to the next
    lstm = nn.LSTM(3, 4, 2, dropout=0.5)
    x = xg.randn(6, 2, 3)
    a, b = lstm(x)[0].numpy(), lstm(x)[0].numpy()
    assert not np.allclose(a, b)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.RNN(3, 4, dropout=0.5)


def test_reprs_state_dict_and_attributes():
    assert repr(nn.LSTM(10, 20, num_layers=2, batch_first=True)) == \
        "LSTM(10, 20, num_layers=2, batch_first=True)"
    assert repr(nn.RNN(3, 4, 2, "relu", False, dropout=0.5, bidirectional=True)) == \
        "RNN(3, 4, num_layers=2, bias=False, dropout=0.5, bidirectional=True)"
    assert repr(nn.LSTM(4, 6, proj_size=2)) == "LSTM(4, 6, proj_size=2)"
    assert repr(nn.GRU(3, 4)) == "GRU(3, 4)"
    for name, kwargs in [("RNN", dict(num_layers=2, bidirectional=True)),
                         ("LSTM", dict(num_layers=2, proj_size=2, bidirectional=True)),
                         ("GRU", dict(bias=False, num_layers=3))]:
        ours, theirs = getattr(nn, name)(5, 4, **kwargs), getattr(torch.nn, name)(5, 4, **kwargs)
        sd_o, sd_t = ours.state_dict(), theirs.state_dict()
        assert list(sd_o) == list(sd_t)
        assert [tuple(v.shape) for v in sd_o.values()] == [tuple(v.shape) for v in sd_t.values()]
        assert ours._flat_weights_names == theirs._flat_weights_names
        assert [[tuple(p.shape) for p in ws] for ws in ours.all_weights] == \
            [[tuple(p.shape) for p in ws] for ws in theirs.all_weights]
        for attr in ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert ours.flatten_parameters() is None
        assert sum(p.numel() for p in ours.parameters()) == \
            sum(p.numel() for p in theirs.parameters())
    assert nn.RNN(3, 4, nonlinearity="relu").nonlinearity == "relu"


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_initialisation_uniform_in_bounds(name):
    xg.manual_seed(0)
    m = getattr(nn, name)(7, 16, num_layers=2, bidirectional=True)
    bound = 1 / math.sqrt(16)
    for pname, p in m.named_parameters():
        a = p.numpy()
        assert a.dtype == np.float32
        assert np.all(np.abs(a) <= bound), pname
        assert a.std() > bound / 3, pname          # spread over the interval, not constant
    first = m.weight_ih_l0.numpy().copy()
    m.reset_parameters()
    assert not np.allclose(first, m.weight_ih_l0.numpy())
    # a projection's weight uses hidden_size too, as PyTorch
    p = nn.LSTM(3, 16, proj_size=4).weight_hr_l0.numpy()
    assert p.shape == (4, 16) and np.all(np.abs(p) <= bound)


def test_float32_defaults_and_shapes():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    x = xg.randn(2, 7, 3)
    out, (h, c) = lstm(x)
    assert out.shape == (2, 7, 10) and h.shape == (4, 2, 5) and c.shape == (4, 2, 5)
    assert out.dtype == h.dtype == c.dtype == xg.float32
    out, h = nn.GRU(3, 5)(xg.randn(7, 3))
    assert out.shape == (7, 5) and h.shape == (1, 5)
    with xg.no_grad():
        out, h = nn.RNN(3, 5)(xg.randn(7, 2, 3, requires_grad=True))
    assert not out.requires_grad and h.grad_fn is None


def test_errors():
    lstm = nn.LSTM(10, 20, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM: Expected input to be 2D or 3D, got 4D"):
        lstm(xg.randn(2, 3, 4, 10))
    with pytest.raises(RuntimeError, match=r"LSTM: input.size\(-1\) must be equal to "
                                           r"input_size. Expected 10, got 7"):
        lstm(xg.randn(5, 3, 7))
    h = xg.zeros(2, 3, 20)
    with pytest.raises(RuntimeError, match=r"LSTM: expected h_0 of shape \(2, 4, 20\), got "
                                           r"\(2, 3, 20\)"):
        lstm(xg.randn(5, 4, 10), (h, h))
    with pytest.raises(RuntimeError, match=r"expected c_0 of shape \(2, 3, 20\), got "
                                           r"\(1, 3, 20\)"):
        lstm(xg.randn(5, 3, 10), (h, xg.zeros(1, 3, 20)))
    with pytest.raises(RuntimeError, match=r"unbatched 2-D input, h_0 should also be 2-D"):
        lstm(xg.randn(5, 10), (h, h))
    with pytest.raises(RuntimeError, match=r"batched 3-D input, hx should also be 3-D"):
        nn.GRU(10, 20)(xg.randn(5, 3, 10), xg.zeros(1, 20))
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple"):
        lstm(xg.randn(5, 3, 10), h)
    with pytest.raises(TypeError, match=r"GRU: input dtype float64 does not match"):
        nn.GRU(10, 20)(xg.randn(5, 3, 10, dtype="float64"))
    with pytest.raises(TypeError, match=r"RNN: hx dtype float64 does not match"):
        nn.RNN(10, 20)(xg.randn(5, 3, 10), xg.zeros(1, 3, 20, dtype="float64"))
    with pytest.raises(RuntimeError, match=r"RNN: input is on cpu but hx is on strict"):
        nn.RNN(10, 20)(xg.randn(5, 3, 10), xg.zeros(1, 3, 20, device="strict:device1"))
    with pytest.raises(RuntimeError, match=r"GRU: input is on strict:device1 but the "
                                           r"parameters are on cpu"):
        nn.GRU(10, 20)(xg.randn(5, 3, 10, device="strict:device1"))
    with pytest.raises(ValueError, match=r"sequence length larger than 0"):
        nn.GRU(10, 20)(xg.randn(0, 3, 10))
    with pytest.raises(ValueError, match=r"Unknown nonlinearity 'x'"):
        nn.RNN(3, 4, nonlinearity="x")
    for kwargs, message in [(dict(dropout=2), "dropout should be a number in range"),
                            (dict(num_layers=0), "num_layers must be greater than zero"),
                            (dict(proj_size=4), "proj_size has to be smaller than hidden"),
                            (dict(proj_size=-1), "proj_size should be a positive integer")]:
        with pytest.raises(ValueError, match=message):
            nn.LSTM(3, 4, **kwargs)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.LSTM(3, 0)
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(TypeError, match="hidden_size should be of type int"):
        nn.GRU(3, 4.0)


def test_second_derivatives_match_torch():
    """create_graph through the fused recurrence: d/dparams of |d loss / dx|^2."""
    for name, kwargs in [("LSTM", dict(num_layers=2, proj_size=2, bidirectional=True)),
                         ("GRU", dict(bidirectional=True)), ("RNN", dict(nonlinearity="relu"))]:
        ours, theirs = make_pair(name, 3, 4, **kwargs)
        xo, xt = _both((4, 2, 3))
        go, = xg.autograd.grad((ours(xo)[0] ** 2).sum(), xo, create_graph=True)
        gt, = torch.autograd.grad((theirs(xt)[0] ** 2).sum(), xt, create_graph=True)
        _close(go, gt, f"{name} first derivative")
        (go ** 2).sum().backward()
        (gt ** 2).sum().backward()
        _close(xo.grad, xt.grad, f"{name} second derivative", 1e-7)
        params = dict(theirs.named_parameters())
        for pname, p in ours.named_parameters():
            _close(p.grad, params[pname].grad, f"{name} {pname}", 1e-7)


def test_gradcheck_tiny_lstm_and_gru():
    lstm = nn.LSTM(2, 3, bidirectional=True).double()
    gru = nn.GRU(2, 3, num_layers=2).double()
    x = xg.tensor(RNG.standard_normal((3, 2, 2)), dtype="float64", requires_grad=True)
    h = xg.tensor(RNG.standard_normal((2, 2, 3)), dtype="float64", requires_grad=True)
    c = xg.tensor(RNG.standard_normal((2, 2, 3)), dtype="float64", requires_grad=True)

    def lstm_fn(x, h, c):
        out, (h_n, c_n) = lstm(x, (h, c))
        return out, h_n, c_n

    assert xg.gradcheck(lstm_fn, (x, h, c))
    assert xg.gradcheck(lambda x, h: gru(x, h), (x, h))
    assert xg.gradgradcheck(lambda x: gru(x)[0], (x,))


def test_device_agnostic_lstm(device):
    xg.manual_seed(0)
    ref = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    moved = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True).to(device)
    moved.load_state_dict(ref.state_dict())
    x = RNG.standard_normal((2, 5, 3)).astype(np.float32)
    results = []
    for m, dev in ((ref, "cpu"), (moved, device)):
        xt = xg.tensor(x, device=dev, requires_grad=True)
        h0 = xg.zeros(4, 2, 4, device=dev, requires_grad=True)
        out, (h, c) = m(xt, (h0, h0 * 1.0))
        assert out.device == xt.device == h.device
        (out.sum() + (h * c).sum()).backward()
        results.append([out.numpy(), h.numpy(), c.numpy(), xt.grad.numpy(), h0.grad.numpy()]
                       + [p.grad.numpy() for p in m.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_lstm_learns_to_sum_a_sequence():
    xg.manual_seed(0)
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (64, 6, 1)).astype(np.float32)
    y = x.sum(axis=1)
    lstm, head = nn.LSTM(1, 12, batch_first=True), nn.Linear(12, 1)
    opt = xg.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=0.03)
    xs, ys = xg.tensor(x), xg.tensor(y)
    losses = []
    for _ in range(60):
        out, (h, _) = lstm(xs)
        loss = nn.MSELoss()(head(out[:, -1]), ys)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 10, losses[::10]
