"""nn.utils.rnn packed sequences (PackedSequence, pack_padded_sequence, pad_packed_sequence,
pack_sequence, unpad_sequence, unpack_sequence) and nn.RNN/LSTM/GRU on packed input, against
PyTorch: values, layouts, dtypes, errors, and gradients w.r.t. the data, hx and parameters."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn
from xpgrad.nn.rnn_function import recurrence

torch = pytest.importorskip("torch")
R = nn.utils.rnn
T = torch.nn.utils.rnn
RNG = np.random.default_rng(0)


def pair(*shape):
    a = RNG.standard_normal(shape)
    return (xg.tensor(a, dtype="float64", requires_grad=True),
            torch.tensor(a, requires_grad=True))


def close(ours, theirs, **kw):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs, **{"rtol": 1e-10, "atol": 1e-12, **kw})


def same_indices(ours, theirs):
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert ours.dtype == xg.int64 and ours.tolist() == theirs.tolist()


def same_packed(ours, theirs):
    assert isinstance(ours, R.PackedSequence)
    close(ours.data, theirs.data)
    assert ours.batch_sizes.dtype == xg.int64 and ours.batch_sizes.device == "cpu"
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    same_indices(ours.sorted_indices, theirs.sorted_indices)
    same_indices(ours.unsorted_indices, theirs.unsorted_indices)


# ---- packing and padding --------------------------------------------------------------------
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]),
                                                    (False, [2, 5, 1, 3])])
def test_pack_pad_round_trip_matches_torch(batch_first, enforce_sorted, lengths):
    shape = (4, 5, 2, 3) if batch_first else (5, 4, 2, 3)
    xo, xt = pair(*shape)
    po = R.pack_padded_sequence(xo, lengths, batch_first, enforce_sorted)
    pt = T.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted)
    same_packed(po, pt)
    for total in (None, 7):
        yo, lo = R.pad_packed_sequence(po, batch_first, -1.5, total)
        yt, lt = T.pad_packed_sequence(pt, batch_first, -1.5, total)
        close(yo, yt)
        assert lo.dtype == xg.int64 and lo.device == "cpu" and lo.tolist() == lt.tolist()
    w = RNG.standard_normal(tuple(yt.shape))
    (yo * xg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    close(xo.grad, xt.grad)
    # the lengths may also be a tensor
    again = R.pack_padded_sequence(xo, xg.tensor(lengths), batch_first, enforce_sorted)
    close(again.data, pt.data)


def test_pack_sequence_unpack_unpad_match_torch():
    pairs = [pair(n, 3) for n in (2, 4, 1)]
    ours, theirs = [p[0] for p in pairs], [p[1] for p in pairs]
    po, pt = R.pack_sequence(ours, enforce_sorted=False), T.pack_sequence(theirs, False)
    same_packed(po, pt)
    for a, b in zip(R.unpack_sequence(po), T.unpack_sequence(pt)):
        close(a, b)
    sorted_o = R.pack_sequence([ours[1], ours[0], ours[2]])
    same_packed(sorted_o, T.pack_sequence([theirs[1], theirs[0], theirs[2]]))
    for batch_first in (False, True):
        padded_o = R.pad_sequence(ours, batch_first)
        padded_t = T.pad_sequence(theirs, batch_first)
        lengths = torch.tensor([2, 4, 1])
        parts_o = R.unpad_sequence(padded_o, xg.tensor([2, 4, 1]), batch_first)
        parts_t = T.unpad_sequence(padded_t, lengths, batch_first)
        for a, b in zip(parts_o, parts_t):
            close(a, b)
    sum(s.sum() * (i + 1) for i, s in enumerate(R.unpack_sequence(po))).backward()
    for i, s in enumerate(ours):
        close(s.grad, np.full(s.shape, i + 1.0))


def test_packed_sequence_tuple_and_to():
    po = R.pack_sequence([xg.ones(3, 2), xg.ones(1, 2), xg.ones(2, 2)], enforce_sorted=False)
    data, batch_sizes, sorted_indices, unsorted_indices = po
    assert po._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert data.shape == (6, 2) and batch_sizes.tolist() == [3, 2, 1]
    assert sorted_indices.tolist() == [0, 2, 1] and unsorted_indices.tolist() == [0, 2, 1]
    made = R.PackedSequence(data, batch_sizes, xg.tensor([2, 0, 1]))
    assert made.unsorted_indices.tolist() == [1, 2, 0]
    moved = po.to("float64")
    assert isinstance(moved, R.PackedSequence) and moved.data.dtype == xg.float64
    assert moved.batch_sizes is po.batch_sizes and not moved.is_cuda
    assert po.double().data.dtype == xg.float64 and po.to("cpu") is po


def test_packing_errors():
    x = xg.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match=r"pack_padded_sequence: `lengths` array must be "
                                           r"sorted in decreasing order"):
        R.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match="enforce_sorted=False"):
        R.pack_sequence([xg.ones(1, 2), xg.ones(2, 2)])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        R.pack_padded_sequence(x, [4, 3, 0])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to "
                                           r"batch_size, but got 2 \(batch_size=3"):
        R.pack_padded_sequence(x, [4, 3])
    with pytest.raises(RuntimeError, match=r"a length of 5 exceeds the 4 steps"):
        R.pack_padded_sequence(x, [5, 3, 1])
    with pytest.raises(RuntimeError, match="'lengths' should be 1-D"):
        R.pack_padded_sequence(x, xg.tensor([[4, 3, 1]]))
    with pytest.raises(ValueError, match=r"pack_padded_sequence: expected input of shape"):
        R.pack_padded_sequence(xg.zeros(4), [4])
    po = R.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match=r"Expected total_length to be at least the length of "
                                         r"the longest sequence in input, but got "
                                         r"total_length=3 and max sequence length being 4"):
        R.pad_packed_sequence(po, total_length=3)
    with pytest.raises(TypeError, match="pad_packed_sequence: expected a PackedSequence"):
        R.pad_packed_sequence(x)
    with pytest.raises(RuntimeError, match="pad_sequence: received an empty list"):
        R.pack_sequence([])
    with pytest.raises(ValueError, match="unpad_sequence: lengths"):
        R.unpad_sequence(x, [5, 1, 1])


# ---- the recurrent layers -------------------------------------------------------------------
KINDS = {"rnn_tanh": ("RNN", {"nonlinearity": "tanh"}), "rnn_relu": ("RNN",
                                                                     {"nonlinearity": "relu"}),
         "lstm": ("LSTM", {}), "lstm_proj": ("LSTM", {"proj_size": 2}), "gru": ("GRU", {})}
CONFIGS = [  # (num_layers, bidirectional, enforce_sorted, with hx, batch_first)
    pytest.param((1, False, True, False, False), id="plain"),
    pytest.param((2, True, False, True, False), id="2layers-bidir-unsorted-hx"),
    pytest.param((1, True, False, False, True), id="bidir-unsorted-batch_first"),
]


def models(kind, num_layers, bidirectional, batch_first):
    cls, kw = KINDS[kind]
    kw = dict(kw, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    theirs = getattr(torch.nn, cls)(3, 4, **kw).double()
    ours = getattr(nn, cls)(3, 4, **kw).to(xg.float64)
    ours.load_state_dict({k: xg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_layers_on_packed_input_match_torch(kind, config):
    num_layers, bidirectional, enforce_sorted, with_hx, batch_first = config
    ours, theirs = models(kind, num_layers, bidirectional, batch_first)
    lengths = [5, 4, 2, 2, 1] if enforce_sorted else [2, 5, 1, 4, 3]
    xo, xt = pair(5, 5, 3)                 # (T, B, 3) or (B, T, 3): both 5
    po = R.pack_padded_sequence(xo, lengths, batch_first, enforce_sorted)
    pt = T.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted)
    layers = num_layers * (2 if bidirectional else 1)
    lstm, out_size = kind.startswith("lstm"), 2 if kind == "lstm_proj" else 4
    states = []
    if with_hx:
        states = [pair(layers, 5, out_size)] + ([pair(layers, 5, 4)] if lstm else [])
        hx_o = tuple(s[0] for s in states) if lstm else states[0][0]
        hx_t = tuple(s[1] for s in states) if lstm else states[0][1]
        out_o, hn_o = ours(po, hx_o)
        out_t, hn_t = theirs(pt, hx_t)
    else:
        out_o, hn_o = ours(po)
        out_t, hn_t = theirs(pt)
    same_packed(out_o, out_t)
    finals_o = list(hn_o) if lstm else [hn_o]
    finals_t = list(hn_t) if lstm else [hn_t]
    loss_o, loss_t = 0.0, 0.0
    for a, b in zip([out_o.data] + finals_o, [out_t.data] + finals_t):
        close(a, b)
        w = RNG.standard_normal(tuple(b.shape))
        loss_o = loss_o + (a * xg.tensor(w)).sum()
        loss_t = loss_t + (b * torch.tensor(w)).sum()
    loss_o.backward()
    loss_t.backward()
    close(xo.grad, xt.grad, rtol=1e-9)
    for so, st in states:
        close(so.grad, st.grad, rtol=1e-9)
    mine = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        close(mine[name].grad, p.grad, rtol=1e-9, atol=1e-11)


def test_final_state_is_taken_at_each_length():
    """h_n of a packed batch equals running each sequence alone (forward and reverse)."""
    gru = nn.GRU(3, 4, bidirectional=True).to(xg.float64)
    seqs = [xg.tensor(RNG.standard_normal((n, 3))) for n in (2, 4, 1)]
    out, h_n = gru(R.pack_sequence(seqs, enforce_sorted=False))
    for b, (s, o) in enumerate(zip(seqs, R.unpack_sequence(out))):
        alone, h_alone = gru(s)
        close(o, alone.numpy())
        close(h_n[:, b], h_alone.numpy())


def test_packed_errors_and_device(device):
    lstm = nn.LSTM(3, 4, num_layers=2).to(device)
    seqs = [xg.randn(n, 3, device=device, requires_grad=True) for n in (2, 5, 3)]
    po = R.pack_sequence(seqs, enforce_sorted=False)
    out, (h, c) = lstm(po)
    assert out.data.shape == (10, 4) and h.shape == (2, 3, 4) and c.shape == (2, 3, 4)
    assert out.data.device == seqs[0].device and out.batch_sizes.tolist() == [3, 3, 2, 1, 1]
    (out.data.sum() + h.sum()).backward()
    assert all(s.grad is not None and s.grad.shape == s.shape for s in seqs)
    with pytest.raises(RuntimeError, match=r"LSTM: expected h_0 of shape \(2, 3, 4\)"):
        lstm(po, (xg.zeros(2, 2, 4, device=device), xg.zeros(2, 2, 4, device=device)))
    bad = R.PackedSequence(xg.zeros(10, 1, 3, device=device), po.batch_sizes)
    with pytest.raises(RuntimeError, match="LSTM: a PackedSequence's data must be 2-D"):
        lstm(bad)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        lstm(R.pack_sequence([xg.zeros(2, 5, device=device)]))


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
@pytest.mark.parametrize("reverse", [False, True])
def test_masked_recurrence_gradients(mode, reverse):
    """The masked op against finite differences, first and second order (create_graph)."""
    gates = {"RNN_TANH": 1, "LSTM": 4, "GRU": 3}[mode] * 3

    def t(*shape):
        return xg.tensor(RNG.standard_normal(shape) * 0.7, dtype="float64", requires_grad=True)

    xw, h0, w_hh, b_hh = t(3, 2, gates), t(2, 3), t(gates, 3), t(gates)
    c0 = t(2, 3) if mode == "LSTM" else None
    mask = xg.tensor([[[1.0], [1.0]], [[1.0], [0.0]], [[0.0], [0.0]]], dtype="float64")
    inputs = [a for a in (xw, h0, c0, w_hh, b_hh) if a is not None]

    def fn(*args):
        it = iter(args)
        values = [next(it) if a is not None else None for a in (xw, h0, c0, w_hh, b_hh)]
        return recurrence(mode, *values, None, reverse, mask)

    assert xg.gradcheck(fn, inputs)
    assert xg.gradgradcheck(fn, inputs)


def test_compiled_step_on_packed_input_is_bit_identical():
    """Packing inside an xg.compile step (fixed lengths) replays exactly as eager."""
    results = []
    for compiled in (False, True):
        xg.manual_seed(0)
        model = nn.LSTM(3, 4, num_layers=2, bidirectional=True, dropout=0.3)
        opt = xg.optim.Adam(model.parameters(), lr=0.01)

        def step(x):
            opt.zero_grad()
            out, (h, _) = model(R.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False))
            padded, _ = R.pad_packed_sequence(out, batch_first=True)
            loss = (padded ** 2).mean() + h.sum()
            loss.backward()
            opt.step()
            return loss

        fn = xg.compile(step) if compiled else step
        rs = np.random.RandomState(0)
        xg.manual_seed(7)
        results.append([fn(xg.tensor(rs.randn(4, 3, 3).astype("float32"))).numpy()
                        for _ in range(4)])
    np.testing.assert_array_equal(results[0], results[1])
