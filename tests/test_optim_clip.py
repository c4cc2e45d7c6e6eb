"""Gradient clipping: clip_grad_norm_ (joint norm, scale min(1, max_norm / (norm + 1e-6)),
the norm returned as a 0-d tensor on the device) and clip_grad_value_."""
import math

import pytest

import xpgrad as xg
from xpgrad import optim


def params_with_grads(device, *grads, dtype="float64"):
    out = []
    for g in grads:
        p = xg.zeros(len(g), dtype=dtype, device=device, requires_grad=True)
        p.grad = xg.tensor(g, dtype=dtype, device=device)
        out.append(p)
    return out


def test_clip_grad_norm_scales_jointly(device):
    a, b = params_with_grads(device, [3.0, 0.0], [0.0, 4.0])
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert isinstance(total, xg.Tensor) and total.shape == () and total.device == a.device
    assert total.item() == pytest.approx(5.0, rel=1e-15)
    scale = 1.0 / (5.0 + 1e-6)
    assert a.grad.tolist() == pytest.approx([3.0 * scale, 0.0], rel=1e-15)
    assert b.grad.tolist() == pytest.approx([0.0, 4.0 * scale], rel=1e-15)


def test_clip_grad_norm_leaves_small_gradients_alone(device):
    a, b = params_with_grads(device, [0.3, 0.0], [0.0, -0.4])
    total = optim.clip_grad_norm_(iter([a, b]), max_norm=10.0)      # a generator works too
    assert total.item() == pytest.approx(0.5)
    assert a.grad.tolist() == [0.3, 0.0] and b.grad.tolist() == [0.0, -0.4]


@pytest.mark.parametrize("norm_type,expected", [
    (1.0, 3 + 4 + 1), (2.0, math.sqrt(9 + 16 + 1)), (3.0, (27 + 64 + 1) ** (1 / 3)),
    (float("inf"), 4.0), (0.5, (math.sqrt(3) + math.sqrt(4) + 1) ** 2)])
def test_clip_grad_norm_types(device, norm_type, expected):
    a, b = params_with_grads(device, [3.0, 0.0], [0.0, -4.0, 1.0])
    total = optim.clip_grad_norm_([a, b], max_norm=2.0, norm_type=norm_type)
    assert total.item() == pytest.approx(expected, rel=1e-12)
    scale = 2.0 / (expected + 1e-6)
    assert b.grad.tolist() == pytest.approx([0.0, -4.0 * scale, scale], rel=1e-12)


def test_clip_grad_norm_float32_and_single_tensor(device):
    (a,) = params_with_grads(device, [6.0, 8.0], dtype="float32")
    total = optim.clip_grad_norm_(a, max_norm=5.0)
    assert total.dtype == xg.float32 and a.grad.dtype == xg.float32
    assert total.item() == pytest.approx(10.0)
    assert a.grad.tolist() == pytest.approx([3.0, 4.0], rel=1e-6)


def test_clip_grad_norm_skips_missing_grads_and_handles_none_at_all(device):
    a, b = params_with_grads(device, [3.0, 4.0], [1.0])
    b.grad = None
    assert optim.clip_grad_norm_([a, b], 1.0).item() == pytest.approx(5.0)
    assert b.grad is None
    assert optim.clip_grad_norm_([b], 1.0).item() == 0.0


@pytest.mark.filterwarnings("ignore:invalid value encountered")   # inf * 0 in the scaling
def test_clip_grad_norm_nonfinite(device):
    a, b = params_with_grads(device, [float("inf"), 1.0], [1.0, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        optim.clip_grad_norm_([a, b], 1.0, error_if_nonfinite=True)
    assert math.isinf(optim.clip_grad_norm_([a, b], 1.0).item())    # default: no check


def test_clip_grad_value(device):
    a, b = params_with_grads(device, [-2.0, 0.1, 3.0], [0.5, -0.5])
    assert optim.clip_grad_value_([a, b], 0.5) is None
    assert a.grad.tolist() == [-0.5, 0.1, 0.5] and b.grad.tolist() == [0.5, -0.5]
    grad = a.grad
    optim.clip_grad_value_(a, 0.05)                                  # in place
    assert a.grad is grad and a.grad.tolist() == pytest.approx([-0.05, 0.05, 0.05])


def test_nn_utils_names_pytorchs_helpers(device):
    from xpgrad import nn
    assert nn.utils.clip_grad_norm_ is optim.clip_grad_norm_
    assert nn.utils.clip_grad_value_ is optim.clip_grad_value_
    model = nn.Linear(3, 2).to(device)
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (8,) and vec.device == model.weight.device
    assert vec[:6].tolist() == model.weight.reshape(-1).tolist()
    nn.utils.vector_to_parameters(xg.arange(8.0, device=device), model.parameters())
    assert model.weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert model.bias.tolist() == [6.0, 7.0] and model.weight.requires_grad
    with pytest.raises(ValueError, match="the vector has 3 elements but the parameters have 8"):
        nn.utils.vector_to_parameters(xg.zeros(3, device=device), model.parameters())


def test_clip_grad_norm_of_order_zero_as_pytorch(device):
    # PyTorch takes the 0-"norm" of the per-tensor 0-norms: how many gradients are non-zero
    a, b = params_with_grads(device, [0.0, 1.0, 2.0], [3.0, 0.0])
    c, = params_with_grads(device, [0.0, 0.0])
    total = optim.clip_grad_norm_([a, b, c], max_norm=10.0, norm_type=0)
    assert total.item() == 2.0
