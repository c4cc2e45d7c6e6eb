"""nn.RNNCell, nn.LSTMCell and nn.GRUCell against PyTorch with the same weights: the new state
and gradients w.r.t. the input, the state and every parameter (batched, unbatched, with and
without a given state, bias-free, relu), reprs, state_dict keys, initialisation, errors, a
float64 gradcheck and the device-agnostic path; and the fused layer op itself checked
against finite differences in every mode and direction."""
from __future__ import annotations

import math

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn
from xpgrad.nn.rnn_function import recurrence

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)


def _both(shape: tuple) -> tuple:
    a = RNG.standard_normal(shape)
    return xg.tensor(a, dtype="float64", requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(ours, theirs, what: str, rtol: float = 1e-9) -> None:
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=1e-11,
                               err_msg=what)


CELLS = [
    ("RNNCell", {}, (3, 4)),
    ("RNNCell", dict(nonlinearity="relu"), (3, 4)),
    ("RNNCell", dict(bias=False), (4,)),
    ("LSTMCell", {}, (3, 4)),
    ("LSTMCell", dict(bias=False), (3, 4)),
    ("LSTMCell", {}, (4,)),
    ("GRUCell", {}, (3, 4)),
    ("GRUCell", dict(bias=False), (3, 4)),
    ("GRUCell", {}, (4,)),
]


@pytest.mark.parametrize("with_state", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("name,kwargs,shape", CELLS,
                         ids=[f"{c[0]}{c[1]}{c[2]}" for c in CELLS])
def test_cell_matches_torch(name, kwargs, shape, with_state):
    theirs = getattr(torch.nn, name)(4, 5, **kwargs).double()
    ours = getattr(nn, name)(4, 5, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    lstm = name == "LSTMCell"
    xo, xt = _both(shape)
    leaves = []
    state_o = state_t = None
    if with_state:
        leaves = [_both(shape[:-1] + (5,)) for _ in range(2 if lstm else 1)]
        state_o = tuple(a for a, _ in leaves) if lstm else leaves[0][0]
        state_t = tuple(b for _, b in leaves) if lstm else leaves[0][1]
    outs_o, outs_t = ours(xo, state_o), theirs(xt, state_t)
    if not lstm:
        outs_o, outs_t = (outs_o,), (outs_t,)
    loss_o = loss_t = 0
    for i, (a, b) in enumerate(zip(outs_o, outs_t)):
        assert tuple(a.shape) == tuple(b.shape)
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
    for pname, p in ours.named_parameters():
        _close(p.grad, params[pname].grad, pname, 1e-8)


def test_cell_reprs_init_and_unrolling():
    assert repr(nn.RNNCell(3, 4, bias=False, nonlinearity="relu")) == \
        "RNNCell(3, 4, bias=False, nonlinearity=relu)"
    assert repr(nn.LSTMCell(3, 4)) == "LSTMCell(3, 4)"
    assert [tuple(p.shape) for p in nn.GRUCell(3, 4).parameters()] == \
        [(12, 3), (12, 4), (12,), (12,)]
    xg.manual_seed(0)
    cell = nn.LSTMCell(3, 16)
    for p in cell.parameters():
        assert np.all(np.abs(p.numpy()) <= 1 / math.sqrt(16)) and p.numpy().std() > 0.05
    # unrolling the cell by hand gives the LSTM layer's output (same weights)
    layer = nn.LSTM(3, 16)
    layer.load_state_dict({k + "_l0": v for k, v in cell.state_dict().items()})
    x = xg.randn(5, 2, 3)
    out, (h_n, c_n) = layer(x)
    h = c = None
    for t in range(5):
        h, c = cell(x[t], None if h is None else (h, c))
        np.testing.assert_allclose(h.numpy(), out[t].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.numpy(), c_n[0].numpy(), rtol=1e-5, atol=1e-6)


def test_cell_errors():
    cell = nn.LSTMCell(3, 4)
    with pytest.raises(ValueError, match=r"LSTMCell: Expected input to be 1D or 2D, got 3D"):
        cell(xg.randn(2, 3, 3))
    with pytest.raises(RuntimeError, match=r"LSTMCell: input.size\(-1\) must be equal to "
                                           r"input_size. Expected 3, got 2"):
        cell(xg.randn(2, 2))
    with pytest.raises(RuntimeError, match=r"LSTMCell: expected h_0 of shape \(2, 4\), got "
                                           r"\(3, 4\)"):
        cell(xg.randn(2, 3), (xg.zeros(3, 4), xg.zeros(2, 4)))
    with pytest.raises(TypeError, match=r"LSTMCell: hx must be a tuple"):
        cell(xg.randn(2, 3), xg.zeros(2, 4))
    with pytest.raises(RuntimeError, match=r"GRUCell: expected hx of shape \(4,\), got \(2, 4\)"):
        nn.GRUCell(3, 4)(xg.randn(3), xg.zeros(2, 4))
    with pytest.raises(TypeError, match=r"RNNCell: input dtype float64 does not match"):
        nn.RNNCell(3, 4)(xg.randn(2, 3, dtype="float64"))
    with pytest.raises(ValueError, match=r"Unknown nonlinearity 'x'"):
        nn.RNNCell(3, 4, nonlinearity="x")
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.GRUCell(3, 0)


def test_cell_gradcheck_and_device(device):
    cell = nn.GRUCell(2, 3).double()
    x = xg.tensor(RNG.standard_normal((2, 2)), dtype="float64", requires_grad=True)
    h = xg.tensor(RNG.standard_normal((2, 3)), dtype="float64", requires_grad=True)
    assert xg.gradcheck(lambda x, h: cell(x, h), (x, h))
    moved = nn.LSTMCell(2, 3).to(device)
    ref = nn.LSTMCell(2, 3)
    moved.load_state_dict(ref.state_dict())
    values = []
    for m, dev in ((ref, "cpu"), (moved, device)):
        xt = xg.tensor(x.numpy().astype(np.float32), device=dev, requires_grad=True)
        hn, cn = m(xt)
        (hn * cn).sum().backward()
        values.append([hn.numpy(), xt.grad.numpy(), m.weight_hh.grad.numpy()])
    for a, b in zip(*values):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("mode,proj", [("RNN_TANH", False), ("RNN_RELU", False),
                                       ("LSTM", False), ("LSTM", True), ("GRU", False)])
def test_recurrence_op_gradients(mode, proj, reverse):
    """The fused op against finite differences, first and second order, every input."""
    gates = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}[mode] * 3
    p = 2 if proj else 3

    def t(*shape):
        return xg.tensor(RNG.standard_normal(shape) * 0.7, dtype="float64", requires_grad=True)

    xw, h0, w_hh, b_hh = t(3, 2, gates), t(2, p), t(gates, p), t(gates)
    c0 = t(2, 3) if mode == "LSTM" else None
    w_hr = t(2, 3) if proj else None
    inputs = [a for a in (xw, h0, c0, w_hh, b_hh, w_hr) if a is not None]

    def fn(*args):
        it = iter(args)
        values = [next(it) if a is not None else None for a in (xw, h0, c0, w_hh, b_hh, w_hr)]
        return recurrence(mode, *values, reverse)

    assert xg.gradcheck(fn, inputs)
    if mode != "RNN_RELU":              # relu's kinks make finite second differences noisy
        assert xg.gradgradcheck(fn, inputs)
