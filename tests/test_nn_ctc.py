"""F.ctc_loss / nn.CTCLoss against PyTorch in float64: losses and gradients (w.r.t. the logits
before log_softmax, where PyTorch's fused backward is the true gradient) over batches with
varied input and target lengths, blanks at several positions, repeated labels, both target
layouts, every reduction, zero_infinity with impossible alignments; then the devices."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _case(seed, t_max, n, c, blank, in_len, tg_len, repeats=False):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((t_max, n, c))
    labels = [b for b in range(c) if b != blank]
    s = max(max(tg_len), 1)
    tg = rng.choice(labels, size=(n, s))
    if repeats:
        tg[:, 1::2] = tg[:, ::2][:, :tg[:, 1::2].shape[1]]     # aa bb ...: needs a blank each
    return logits, tg, list(in_len), list(tg_len)


def _torch(logits, tg, in_len, tg_len, concat, **kw):
    x = torch.tensor(logits, requires_grad=True)
    t = torch.tensor(tg)
    if concat:
        t = torch.cat([t[i, :k] for i, k in enumerate(tg_len)])
    loss = TF.ctc_loss(x.log_softmax(-1), t, torch.tensor(in_len), torch.tensor(tg_len), **kw)
    loss.sum().backward()
    return loss.detach().numpy(), x.grad.numpy()


def _ours(logits, tg, in_len, tg_len, concat, device="cpu", **kw):
    x = xg.tensor(logits, requires_grad=True, device=device)
    t = tg if not concat else np.concatenate([tg[i, :k] for i, k in enumerate(tg_len)])
    t = xg.tensor(np.asarray(t, dtype=np.int64), device=device)
    loss = F.ctc_loss(x.log_softmax(-1), t, in_len, tg_len, **kw)
    loss.sum().backward()
    return loss.numpy(), x.grad.numpy()


CASES = {
    "varied": (0, 15, 4, 6, 0, [15, 9, 12, 4], [5, 3, 1, 2], False),
    "repeats": (1, 14, 3, 4, 0, [14, 14, 9], [4, 6, 3], True),
    "blank_last": (2, 10, 3, 5, 4, [10, 7, 10], [3, 2, 4], False),
    "blank_middle": (3, 8, 2, 5, 2, [8, 5], [3, 1], True),
    "empty_target": (4, 6, 3, 3, 0, [6, 1, 3], [0, 1, 0], False),
    "single": (5, 1, 2, 3, 0, [1, 1], [1, 0], False),
}


@pytest.mark.parametrize("concat", [False, True], ids=["padded", "concatenated"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("case", list(CASES))
def test_ctc_matches_torch(case, reduction, concat):
    seed, t_max, n, c, blank, in_len, tg_len, rep = CASES[case]
    logits, tg, in_len, tg_len = _case(seed, t_max, n, c, blank, in_len, tg_len, rep)
    want, want_g = _torch(logits, tg, in_len, tg_len, concat, blank=blank, reduction=reduction)
    got, got_g = _ours(logits, tg, in_len, tg_len, concat, blank=blank, reduction=reduction)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_zero_infinity(reduction):
    # sample 0: 3 frames cannot hold "1 1 2" (repeats need a blank between), sample 2: 2 < 3
    logits, _, _, _ = _case(7, 6, 3, 4, 0, [6, 6, 6], [3, 3, 3])
    tg = np.array([[1, 1, 2], [2, 3, 1], [1, 2, 3]])
    in_len, tg_len = [3, 6, 2], [3, 3, 3]
    for zero in (False, True):
        want, want_g = _torch(logits, tg, in_len, tg_len, False, reduction=reduction,
                              zero_infinity=zero)
        got, got_g = _ours(logits, tg, in_len, tg_len, False, reduction=reduction,
                           zero_infinity=zero)
        np.testing.assert_allclose(got, want, rtol=1e-9)
        if zero:
            np.testing.assert_allclose(got_g, want_g, rtol=1e-7, atol=1e-9)
    none = _ours(logits, tg, in_len, tg_len, False, reduction="none")[0]
    assert np.isinf(none[0]) and np.isinf(none[2]) and np.isfinite(none[1])


def test_ctc_unbatched_and_module():
    logits, tg, in_len, tg_len = _case(8, 9, 1, 5, 0, [9], [4])
    x = torch.tensor(logits[:, 0], requires_grad=True)
    want = TF.ctc_loss(x.log_softmax(-1), torch.tensor(tg[0]), torch.tensor(9), torch.tensor(4),
                       reduction="none")
    ours = xg.tensor(logits[:, 0], requires_grad=True)
    got = F.ctc_loss(ours.log_softmax(-1), xg.tensor(tg[0]), 9, 4, reduction="none")
    assert got.shape == tuple(want.shape) == ()
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-10)
    loss = nn.CTCLoss(blank=0, zero_infinity=True)
    assert repr(loss) == "CTCLoss()" and repr(nn.CTCLoss(reduction="sum")) == \
        "CTCLoss(reduction='sum')"
    assert not loss.state_dict()
    lp = xg.tensor(logits, requires_grad=True).log_softmax(-1)
    value = loss(lp, xg.tensor(tg), xg.tensor(in_len), xg.tensor(tg_len))
    ref = TF.ctc_loss(torch.tensor(logits).log_softmax(-1), torch.tensor(tg),
                      torch.tensor(in_len), torch.tensor(tg_len), zero_infinity=True)
    np.testing.assert_allclose(value.item(), ref.item(), rtol=1e-10)


def test_ctc_float32_and_errors():
    logits, tg, in_len, tg_len = _case(9, 12, 2, 5, 0, [12, 8], [3, 4])
    want = TF.ctc_loss(torch.tensor(logits, dtype=torch.float32).log_softmax(-1),
                       torch.tensor(tg), torch.tensor(in_len), torch.tensor(tg_len))
    got = F.ctc_loss(xg.tensor(logits, dtype="float32").log_softmax(-1), xg.tensor(tg),
                     in_len, tg_len)
    assert got.dtype == xg.float32
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-5)
    lp = xg.tensor(logits).log_softmax(-1)
    with pytest.raises(ValueError, match="at most 12"):
        F.ctc_loss(lp, xg.tensor(tg), [13, 8], tg_len)
    with pytest.raises(ValueError, match="2 input_lengths"):
        F.ctc_loss(lp, xg.tensor(tg), [12], [3])
    with pytest.raises(ValueError, match="sum to 7"):
        F.ctc_loss(lp, xg.tensor([1, 2, 3]), in_len, tg_len)
    with pytest.raises(ValueError, match=r"\(N, S\)"):
        F.ctc_loss(lp, xg.tensor(tg[:, :2]), in_len, tg_len)
    with pytest.raises(ValueError, match="reduction"):
        F.ctc_loss(lp, xg.tensor(tg), in_len, tg_len, reduction="avg")
    with pytest.raises(TypeError, match="integer"):
        F.ctc_loss(lp, xg.tensor(tg, dtype="float64"), in_len, tg_len)


def test_ctc_on_device(device):
    seed, t_max, n, c, blank, in_len, tg_len, rep = CASES["varied"]
    logits, tg, in_len, tg_len = _case(seed, t_max, n, c, blank, in_len, tg_len, rep)
    want, want_g = _torch(logits, tg, in_len, tg_len, True)
    got, got_g = _ours(logits, tg, in_len, tg_len, True, device=device)
    np.testing.assert_allclose(got, want, rtol=1e-9)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-7, atol=1e-9)
