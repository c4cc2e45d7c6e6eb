"""F.affine_grid and F.grid_sample (nn/sampling_grid.py) against PyTorch: every mode,
padding mode and align_corners, values and gradients w.r.t. the input, the grid and theta,
the strict device, float64 gradcheck and the errors."""
from __future__ import annotations

import numpy as np
import pytest

import xpgrad as xg
import xpgrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(2)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_of_affine_grid_matches_torch(align_corners, mode, padding_mode):
    theta = RNG.standard_normal((2, 2, 3)) * 0.8
    x = RNG.standard_normal((2, 3, 4, 5))
    to, tt = xg.tensor(theta, requires_grad=True, dtype="float64"), torch.tensor(
        theta, requires_grad=True)
    xo, xt = xg.tensor(x, requires_grad=True, dtype="float64"), torch.tensor(
        x, requires_grad=True)
    go = F.affine_grid(to, (2, 3, 3, 6), align_corners=align_corners)
    gt = TF.affine_grid(tt, (2, 3, 3, 6), align_corners=align_corners)
    yo = F.grid_sample(xo, go, mode, padding_mode, align_corners)
    yt = TF.grid_sample(xt, gt, mode, padding_mode, align_corners)
    assert yo.shape == tuple(yt.shape) == (2, 3, 3, 6)
    np.testing.assert_allclose(go.numpy(), gt.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal((2, 3, 3, 6))
    (yo * xg.tensor(g)).sum().backward()
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to.grad.numpy(), tt.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_grid_sample_far_outside_and_float32_on_device(device):
    x = RNG.standard_normal((1, 2, 3, 4)).astype(np.float32)
    grid = RNG.uniform(-3, 3, (1, 5, 2, 2)).astype(np.float32)     # reflection folds twice
    for pm in ("zeros", "border", "reflection"):
        xo = xg.tensor(x, device=device, requires_grad=True)
        go = xg.tensor(grid, device=device, requires_grad=True)
        xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
        yo = F.grid_sample(xo, go, padding_mode=pm, align_corners=False)
        yt = TF.grid_sample(xt, gt, padding_mode=pm, align_corners=False)
        np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
        yo.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(go.grad.numpy(), gt.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore:Since version 1.3.0, affine_grid")   # torch's, on unit sizes
def test_affine_grid_single_positions_and_gradcheck():
    theta = RNG.standard_normal((1, 2, 3))
    for ac in (False, True):
        go = F.affine_grid(xg.tensor(theta), (1, 1, 1, 3), align_corners=ac)
        gt = TF.affine_grid(torch.tensor(theta), (1, 1, 1, 3), align_corners=ac)
        np.testing.assert_allclose(go.numpy(), gt.numpy(), rtol=1e-12, atol=1e-14)
    x = xg.tensor(RNG.standard_normal((1, 2, 3, 3)), dtype="float64", requires_grad=True)
    grid = xg.tensor(RNG.uniform(-1.2, 1.2, (1, 2, 2, 2)), dtype="float64",
                     requires_grad=True)
    for pm in ("zeros", "border", "reflection"):
        assert xg.gradcheck(lambda a, b: F.grid_sample(a, b, padding_mode=pm,
                                                       align_corners=True), (x, grid))


def test_grid_errors_and_default_warning():
    theta = xg.zeros(1, 2, 3)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        grid = F.affine_grid(theta, (1, 1, 2, 2))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(xg.zeros(1, 1, 2, 2), grid)
    with pytest.raises(ValueError, match=r"Nx2x3.*\(2, 2, 3\)"):
        F.affine_grid(xg.zeros(2, 2, 3), (1, 1, 2, 2), align_corners=False)
    with pytest.raises(ValueError, match="Nx3x4"):
        F.affine_grid(theta, (1, 1, 2, 2, 2), align_corners=False)
    with pytest.raises(ValueError, match="only 4-D .* and 5-D"):
        F.affine_grid(theta, (1, 1, 2), align_corners=False)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or"):
        F.grid_sample(xg.zeros(1, 1, 2, 2), grid, mode="cubic", align_corners=False)
    with pytest.raises(ValueError, match="bicubic interpolation only supports 4D"):
        F.grid_sample(xg.zeros(1, 1, 2, 2, 2), xg.zeros(1, 1, 1, 1, 3), mode="bicubic",
                      align_corners=False)
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(xg.zeros(1, 1, 2, 2), grid, padding_mode="wrap", align_corners=False)
    with pytest.raises(ValueError, match=r"same N.*\(2, 1, 2, 2\)"):
        F.grid_sample(xg.zeros(2, 1, 2, 2), grid, align_corners=False)
    with pytest.raises(TypeError, match="one dtype"):
        F.grid_sample(xg.zeros(1, 1, 2, 2, dtype="float64"), grid, align_corners=False)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_5d_affine_grid_and_grid_sample_match_torch(mode, padding_mode, align_corners):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 5, 6))
    theta = rng.standard_normal((2, 3, 4)) * 0.8
    g_t = torch.nn.functional.affine_grid(torch.tensor(theta, requires_grad=True),
                                          (2, 3, 3, 4, 5), align_corners=align_corners)
    g_o = F.affine_grid(xg.tensor(theta), (2, 3, 3, 4, 5), align_corners=align_corners)
    np.testing.assert_allclose(g_o.numpy(), g_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    grid = rng.uniform(-1.3, 1.3, (2, 3, 4, 5, 3))
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    xo, go = xg.tensor(x, requires_grad=True), xg.tensor(grid, requires_grad=True)
    yt = torch.nn.functional.grid_sample(xt, gt, mode, padding_mode, align_corners)
    yo = F.grid_sample(xo, go, mode, padding_mode, align_corners)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(tuple(yt.shape))
    (yt * torch.tensor(w)).sum().backward()
    (yo * xg.tensor(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    if mode == "bilinear":
        np.testing.assert_allclose(go.grad.numpy(), gt.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_5d_grid_sample_gradcheck(device):
    rng = np.random.default_rng(4)
    x = xg.tensor(rng.standard_normal((1, 2, 3, 3, 4)), requires_grad=True, device=device)
    grid = xg.tensor(rng.uniform(-0.9, 0.9, (1, 2, 2, 2, 3)), requires_grad=True, device=device)
    xg.gradcheck(lambda a, g: F.grid_sample(a, g, align_corners=False), (x, grid))


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_bicubic_grid_sample_matches_torch(padding_mode, align_corners):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, grid = rng.standard_normal((2, 3, 5, 6)), rng.uniform(-1.3, 1.3, (2, 4, 3, 2))
    xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    xo, go = xg.tensor(x, requires_grad=True), xg.tensor(grid, requires_grad=True)
    yt = torch.nn.functional.grid_sample(xt, gt, "bicubic", padding_mode, align_corners)
    yo = F.grid_sample(xo, go, "bicubic", padding_mode, align_corners)
    np.testing.assert_allclose(yo.numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(tuple(yt.shape))
    (yt * torch.tensor(w)).sum().backward()
    (yo * xg.tensor(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(go.grad.numpy(), gt.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_bicubic_grid_sample_reproduces_the_input_and_gradchecks(device):
    rng = np.random.default_rng(6)
    x = xg.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True, device=device)
    identity = F.affine_grid(xg.tensor([[[1.0, 0, 0], [0, 1, 0]]], dtype="float64",
                                       device=device), (1, 2, 4, 5), align_corners=False)
    y = F.grid_sample(x, identity, mode="bicubic", align_corners=False)
    np.testing.assert_allclose(y.numpy(), x.detach().numpy(), atol=1e-12)
    grid = xg.tensor(rng.uniform(-0.9, 0.9, (1, 2, 3, 2)), requires_grad=True, device=device)
    xg.gradcheck(lambda a, g: F.grid_sample(a, g, mode="bicubic", padding_mode="border",
                                            align_corners=True), (x, grid))
