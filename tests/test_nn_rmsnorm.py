"""F.rms_norm / nn.RMSNorm against PyTorch: values, gradients, eps default, repr, keys,
errors, on every device, plus a float64 gradcheck."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn
from attention_helpers import check_module, inputs, pair

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(1)


def _f64(*shape, device="cpu"):
    return xg.tensor(RNG.standard_normal(shape), dtype="float64", device=device,
                     requires_grad=True)


# ---- rms_norm / RMSNorm ----------------------------------------------------------------------
RMS = [
    ("RMSNorm(5)", lambda m: m.RMSNorm(5), (3, 4, 5)),
    ("RMSNorm((4,5),eps)", lambda m: m.RMSNorm((4, 5), eps=1e-3), (3, 4, 5)),
    ("RMSNorm(no affine)", lambda m: m.RMSNorm([5], elementwise_affine=False), (2, 5)),
    ("RMSNorm(1-d input)", lambda m: m.RMSNorm(3, eps=0.1), (3,)),
]


@pytest.mark.parametrize("case", RMS, ids=[c[0] for c in RMS])
def test_rmsnorm_matches_torch(case):
    _, make, shape = case
    ours, theirs = pair(lambda: make(nn), lambda: make(torch.nn))
    (xo,), (xt,) = inputs([shape])
    check_module(ours, theirs, [xo], [xt])


def test_rmsnorm_on_every_device(device):
    ours, theirs = pair(lambda: nn.RMSNorm((2, 3)), lambda: torch.nn.RMSNorm((2, 3)), device)
    (xo,), (xt,) = inputs([(4, 2, 3)], device)
    check_module(ours, theirs, [xo], [xt])


def test_rms_norm_default_eps_is_the_dtypes_machine_epsilon():
    x = RNG.standard_normal((2, 6)).astype(np.float32) * 1e-4      # eps matters here
    w = RNG.uniform(0.5, 1.5, 6).astype(np.float32)
    ours = F.rms_norm(xg.tensor(x), (6,), xg.tensor(w)).numpy()
    ref = TF.rms_norm(torch.tensor(x), (6,), torch.tensor(w)).numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-5)
    m = nn.RMSNorm(6)
    assert m.eps is None and list(m.state_dict()) == ["weight"]
    assert repr(m) == repr(torch.nn.RMSNorm(6))
    assert repr(m) == "RMSNorm((6,), eps=None, elementwise_affine=True)"
    np.testing.assert_array_equal(m.weight.numpy(), 1.0)
    assert xg.gradcheck(lambda a, b: F.rms_norm(a, (3,), b), (_f64(2, 3), _f64(3)))


def test_rms_norm_errors():
    with pytest.raises(ValueError, match=r"normalized_shape=\[4\].*\(2, 5\)"):
        F.rms_norm(xg.randn(2, 5), (4,))
    with pytest.raises(ValueError, match="weight must have shape"):
        F.rms_norm(xg.randn(2, 5), (5,), xg.ones(4))
    with pytest.raises(TypeError, match="floating-point"):
        F.rms_norm(xg.ones(2, 5, dtype="int64"), (5,))
