"""Details of the lectures' activations that PyTorch users rely on: softplus's linear
cut-over above the threshold, and reprs that show inplace=True."""
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F
from xpgrad import nn


@pytest.mark.parametrize("beta,threshold", [(1.0, 20.0), (1.0, 1.0), (2.0, 3.0), (0.5, 0.5)])
def test_softplus_threshold_as_pytorch(device, beta, threshold):
    torch = pytest.importorskip("torch")
    values = [-3.0, -0.2, 0.5, 2.0, 25.0]
    x = xg.tensor(values, dtype="float64", device=device, requires_grad=True)
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    y, ty = F.softplus(x, beta, threshold), torch.nn.functional.softplus(tx, beta, threshold)
    assert y.tolist() == pytest.approx(ty.tolist(), rel=1e-12)
    y.sum().backward()
    ty.sum().backward()
    assert x.grad.tolist() == pytest.approx(tx.grad.tolist(), rel=1e-12)
    assert nn.Softplus(beta, threshold)(x).tolist() == pytest.approx(ty.tolist(), rel=1e-12)


def test_reprs_show_inplace_as_pytorchs():
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)" and repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU(0.2, True)) == "LeakyReLU(negative_slope=0.2, inplace=True)"
    assert repr(nn.ELU(inplace=True)) == "ELU(alpha=1.0, inplace=True)"
