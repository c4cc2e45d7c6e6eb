"""AdaptiveLogSoftmaxWithLoss: PyTorch's parameters and keys, outputs, loss, log_prob and
predict (compared with torch where installed, and checked for consistency without it),
gradients, unbatched input and errors."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn

RNG = np.random.default_rng(0)


def _pair():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs=[5, 12], div_value=2.0,
                                                  head_bias=True).double()
    ours = nn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs=[5, 12], div_value=2.0, head_bias=True,
                                         dtype="float64")
    ours.load_state_dict({k: xg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return torch, theirs, ours


def test_matches_torch_in_values_and_gradients():
    torch, theirs, ours = _pair()
    x = RNG.standard_normal((9, 8))
    t = np.array([0, 4, 5, 11, 12, 19, 3, 7, 15])
    xo, xt = xg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_o, loss_o = ours(xo, xg.tensor(t))
    out_t, loss_t = theirs(xt, torch.tensor(t))
    np.testing.assert_allclose(out_o.numpy(), out_t.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(loss_o.item(), loss_t.item(), rtol=1e-12)
    loss_o.backward()
    loss_t.backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-14,
                                   err_msg=name)
    np.testing.assert_allclose(ours.log_prob(xg.tensor(x)).numpy(),
                               theirs.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    assert ours.predict(xg.tensor(x)).tolist() == theirs.predict(torch.tensor(x)).tolist()


def test_structure_consistency_and_errors():
    asm = nn.AdaptiveLogSoftmaxWithLoss(16, 30, cutoffs=[10, 20], dtype="float64")
    assert sorted(asm.state_dict()) == ["head.weight", "tail.0.0.weight", "tail.0.1.weight",
                                        "tail.1.0.weight", "tail.1.1.weight"]
    assert asm.head.weight.shape == (12, 16) and asm.tail[1][0].weight.shape == (1, 16)
    x = xg.tensor(RNG.standard_normal((6, 16)))
    full = asm.log_prob(x)
    assert full.shape == (6, 30)
    np.testing.assert_allclose(full.exp().sum(1).numpy(), np.ones(6), rtol=1e-12)
    t = xg.tensor([0, 9, 10, 19, 20, 29])
    out, loss = asm(x, t)
    np.testing.assert_allclose(out.numpy(), full.gather(1, t.reshape(-1, 1)).reshape(-1).numpy(),
                               rtol=1e-12)
    assert abs(loss.item() + out.mean().item()) < 1e-12
    single, _ = asm(x[0], t[0])
    assert single.shape == () and abs(single.item() - out[0].item()) < 1e-12
    assert asm.predict(x[0]).shape == ()
    with pytest.raises(RuntimeError, match=r"target values should be in \[0, 29\]"):
        asm(x, xg.tensor([0, 1, 2, 3, 4, 30]))
    with pytest.raises(RuntimeError, match="same size in the batch dimension"):
        asm(x, xg.tensor([0, 1]))
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique"):
        nn.AdaptiveLogSoftmaxWithLoss(16, 30, cutoffs=[20, 10])
    with pytest.raises(ValueError, match="larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(16, 30, cutoffs=[])


def test_gradcheck():
    asm = nn.AdaptiveLogSoftmaxWithLoss(4, 7, cutoffs=[3], dtype="float64")
    x = xg.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    t = xg.tensor([1, 4, 6])
    xg.gradcheck(lambda a: asm(a, t).loss, (x,))
