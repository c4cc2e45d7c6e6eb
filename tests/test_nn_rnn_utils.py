"""nn.utils.rnn.pad_sequence against PyTorch (values, gradients, layouts, padding side) and
its errors; and recurrent layers through xg.compile, bit-identical to eager."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    arrays = [RNG.standard_normal((n, 2, 3)) for n in (3, 1, 4)]
    ours = [xg.tensor(a, dtype="float64", requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    yo = nn.utils.rnn.pad_sequence(ours, batch_first, -2.0, padding_side)
    yt = torch.nn.utils.rnn.pad_sequence(theirs, batch_first, -2.0, padding_side)
    assert tuple(yo.shape) == tuple(yt.shape)
    np.testing.assert_array_equal(yo.numpy(), yt.detach().numpy())
    w = RNG.standard_normal(tuple(yt.shape))
    (yo * xg.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)


def test_pad_sequence_feeds_a_layer_and_errors(device):
    seqs = [xg.randn(n, 3, device=device) for n in (2, 5)]
    batch = nn.utils.rnn.pad_sequence(seqs, batch_first=True)
    assert batch.shape == (2, 5, 3) and batch.device == seqs[0].device
    out, h = nn.GRU(3, 4, batch_first=True).to(device)(batch)
    assert out.shape == (2, 5, 4) and h.shape == (1, 2, 4)
    with pytest.raises(RuntimeError, match="empty list of sequences"):
        nn.utils.rnn.pad_sequence([])
    with pytest.raises(ValueError, match=r"sequence 1 has shape \(2, 4\) but sequence 0 has "
                                         r"\(2, 3\)"):
        nn.utils.rnn.pad_sequence([xg.zeros(2, 3), xg.zeros(2, 4)])
    with pytest.raises(TypeError, match="sequence 1 has dtype float64"):
        nn.utils.rnn.pad_sequence([xg.zeros(2, 3), xg.zeros(2, 3, dtype="float64")])
    with pytest.raises(ValueError, match="padding_side must be 'left' or 'right'"):
        nn.utils.rnn.pad_sequence(seqs, padding_side="up")


class _Regressor(nn.Module):
    def __init__(self, layer: nn.Module, features: int) -> None:
        super().__init__()
        self.rnn, self.head = layer, nn.Linear(features, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[-1])


@pytest.mark.parametrize("name,kwargs,features", [
    ("LSTM", dict(num_layers=2, dropout=0.3, proj_size=2), 2),
    ("GRU", dict(bidirectional=True), 10),
    ("RNN", dict(nonlinearity="relu"), 5)])
def test_compiled_training_step_is_bit_identical(name, kwargs, features, device):
    results = []
    for compiled in (False, True):
        xg.manual_seed(0)
        model = _Regressor(getattr(nn, name)(3, 5, **kwargs), features).to(device)
        opt = optim.Adam(model.parameters(), lr=0.01)

        def step(x, y):
            opt.zero_grad()
            loss = nn.MSELoss()(model(x), y)
            loss.backward()
            opt.step()
            return loss

        fn = xg.compile(step) if compiled else step
        rs = np.random.RandomState(0)
        xg.manual_seed(7)
        losses = []
        for _ in range(4):
            x = xg.tensor(rs.randn(4, 6, 3).astype("float32"), device=device)
            y = xg.tensor(rs.randn(6, 1).astype("float32"), device=device)
            losses.append(fn(x, y).numpy())
        results.append((losses, [p.numpy() for p in model.parameters()]))
    (eager_losses, eager_params), (comp_losses, comp_params) = results
    assert all(np.array_equal(a, b) for a, b in zip(eager_losses, comp_losses))
    assert all(np.array_equal(a, b) for a, b in zip(eager_params, comp_params))
    assert fn.traces == 1
