"""nn.Module, Parameter, containers, Linear/Flatten/Maxout, state_dict and to(device)."""
import copy

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn
import xpgrad.nn.functional as F


class Block(nn.Module):
    def __init__(self, device=None):
        super().__init__()
        self.fc = nn.Linear(3, 4, device=device)
        self.bn = nn.BatchNorm1d(4, device=device)
        self.scale = nn.Parameter(xg.ones(4, device=device))
        self.register_buffer("steps", xg.zeros(1, device=device))
        self.register_buffer("cache", xg.zeros(2, device=device), persistent=False)

    def forward(self, x):
        return self.bn(self.fc(x)) * self.scale


def f64(*shape, device, seed=0):
    rng = np.random.default_rng(seed)
    return xg.tensor(rng.standard_normal(shape), dtype="float64", device=device,
                     requires_grad=True)


# ---- registration -----------------------------------------------------------------------------
def test_registration_order_names_and_kinds(device):
    b = Block(device)
    assert [n for n, _ in b.named_parameters()] == ["scale", "fc.weight", "fc.bias",
                                                    "bn.weight", "bn.bias"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in b.parameters())
    assert [n for n, _ in b.named_buffers()] == ["steps", "cache", "bn.running_mean",
                                                 "bn.running_var", "bn.num_batches_tracked"]
    assert [type(m).__name__ for m in b.children()] == ["Linear", "BatchNorm1d"]
    assert [n for n, _ in b.named_modules()] == ["", "fc", "bn"]
    assert list(b.parameters(recurse=False)) == [b.scale]


def test_shared_parameters_appear_once(device):
    a = nn.Linear(2, 2, device=device)
    model = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(model.state_dict()) == 2


def test_reassignment_and_type_errors(device):
    b = Block(device)
    b.fc = nn.Linear(3, 4, device=device)                  # replace a submodule
    b.fc = None
    assert "fc.weight" not in dict(b.named_parameters())
    with pytest.raises(TypeError, match="scale"):
        b.scale = xg.ones(4, device=device)                 # a Tensor is not a Parameter
    b.steps = xg.ones(1, device=device)                     # buffers take plain tensors
    assert b.steps.tolist() == [1.0]
    del b.scale
    assert "scale" not in dict(b.named_parameters())

    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(xg.ones(1))

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Forgot()


def test_train_eval_zero_grad_apply(device):
    model = nn.Sequential(nn.Linear(3, 2, device=device), nn.Dropout(0.5))
    assert model.training and model[1].training
    assert model.eval() is model and not model[1].training
    model.train()
    assert model[0].training
    model(xg.ones(4, 3, device=device)).sum().backward()
    assert model[0].weight.grad is not None
    model.zero_grad(set_to_none=False)
    assert model[0].weight.grad.tolist() == [[0.0] * 3] * 2
    model.zero_grad()
    assert model[0].weight.grad is None
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "Dropout", "Sequential"]
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_forward_hooks(device):
    lin = nn.Linear(2, 3, device=device)
    shapes = []
    h = lin.register_forward_hook(lambda m, args, out: shapes.append(out.shape))
    lin(xg.ones(5, 2, device=device))
    h.remove()
    lin(xg.ones(5, 2, device=device))
    assert shapes == [(5, 3)]


def test_repr_like_pytorch(device):
    model = nn.Sequential(nn.Linear(29, 16), nn.ReLU(), nn.Dropout(0.5)).to(device)
    assert repr(model) == ("Sequential(\n"
                           "  (0): Linear(in_features=29, out_features=16, bias=True)\n"
                           "  (1): ReLU()\n"
                           "  (2): Dropout(p=0.5, inplace=False)\n"
                           ")")
    assert repr(nn.BatchNorm1d(4)) == ("BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, "
                                       "bias=True, track_running_stats=True)")
    no_bias = nn.BatchNorm1d(4, bias=False)
    assert "bias=False" in repr(no_bias) and no_bias.bias is None
    assert list(no_bias.state_dict()) == ["weight", "running_mean", "running_var",
                                          "num_batches_tracked"]


def test_parameter_basics(device):
    p = nn.Parameter(xg.tensor([1.0, 2.0], device=device))
    assert isinstance(p, xg.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\ntensor([1., 2.]")
    assert type(p * 2.0) is xg.Tensor
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q is not p and q.tolist() == [1.0, 2.0]
    assert q.device == p.device
    with pytest.raises(RuntimeError, match="int64"):
        nn.Parameter(xg.tensor([1, 2], device=device))


def test_deepcopy_of_a_model_is_independent(device):
    model = nn.Sequential(nn.Linear(2, 3, device=device), nn.ReLU())
    twin = copy.deepcopy(model)
    assert twin[0].weight is not model[0].weight
    assert list(twin.parameters())[0] is twin[0].weight          # registry and attribute agree
    with xg.no_grad():
        twin[0].weight.fill_(0.0)
    assert model[0].weight.numpy().any()


# ---- containers -------------------------------------------------------------------------------
def test_sequential_indexing_len_append(device):
    layers = [nn.Linear(2, 3, device=device), nn.ReLU(), nn.Linear(3, 1, device=device)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and model[0] is layers[0] and model[-1] is layers[2]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[1] is layers[1]
    model.append(nn.Sigmoid())
    assert len(model) == 4 and [n for n, _ in model.named_children()][-1] == "3"
    del model[1]
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"]
    assert model[1] is layers[2]
    model.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    assert model(xg.ones(4, 2, device=device)).shape == (4, 1)
    with pytest.raises(IndexError, match="out of range"):
        model[10]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.ReLU)


def test_module_list_registers(device):
    blocks = nn.ModuleList([nn.Linear(2, 2, device=device) for _ in range(3)])
    assert len(blocks) == 3 and len(list(blocks.parameters())) == 6
    assert [n for n, _ in blocks.named_parameters()][:2] == ["0.weight", "0.bias"]


# ---- Linear, Flatten, Maxout ------------------------------------------------------------------
def test_linear_matches_hand_computation(device):
    lin = nn.Linear(3, 2, device=device)
    w = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], dtype=np.float32)
    with xg.no_grad():
        lin.weight.copy_(xg.tensor(w, device=device))
        lin.bias.copy_(xg.tensor([0.5, -0.5], device=device))
    x = np.array([[1.0, 1.0, 1.0], [0.0, 2.0, -1.0]], dtype=np.float32)
    out = lin(xg.tensor(x, device=device))
    np.testing.assert_allclose(out.numpy(), x @ w.T + [0.5, -0.5], rtol=1e-6)
    assert lin(xg.ones(4, 5, 3, device=device)).shape == (4, 5, 2)
    assert lin(xg.ones(3, device=device)).shape == (2,)


def test_linear_init_is_glorot_uniform_with_zero_bias(device, seeded):
    lin = nn.Linear(300, 200, device=device)
    w = lin.weight.numpy()
    bound = np.sqrt(6 / 500)
    assert w.shape == (200, 300) and np.abs(w).max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    assert not lin.bias.numpy().any()
    assert nn.Linear(2, 2, bias=False).bias is None


def test_linear_shape_error_names_shapes(device):
    lin = nn.Linear(29, 16, device=device)
    with pytest.raises(ValueError, match=r"\(8, 30\).*\(16, 29\).*in_features=29"):
        lin(xg.ones(8, 30, device=device))
    with pytest.raises(TypeError, match=r"input dtype float64 \(shape \(8, 29\)\).*float32"):
        lin(xg.ones(8, 29, dtype="float64", device=device))
    with pytest.raises(TypeError, match="int64"):
        lin(xg.ones(8, 29, dtype="int64", device=device))


@pytest.mark.parametrize("shape", [(4, 3), (2, 2, 3), (3,)])
def test_linear_gradcheck(device, shape):
    x, w, b = f64(*shape, device=device), f64(2, 3, device=device, seed=1), \
        f64(2, device=device, seed=2)
    assert xg.gradcheck(F.linear, (x, w, b))
    assert xg.gradcheck(lambda x, w: F.linear(x, w), (x, w))
    assert xg.gradgradcheck(F.linear, (x, w, b))


def test_flatten(device):
    x = xg.ones(2, 3, 4, device=device)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0)(x).shape == (24,)


def test_maxout_values_params_and_gradcheck(device):
    m = nn.Maxout(3, 2, k=3, device=device)
    assert sum(p.size for p in m.parameters()) == (3 + 1) * 2 * 3
    x = xg.tensor([[1.0, -2.0, 0.5]], device=device)
    pieces = (x @ m.weight.T + m.bias).numpy().reshape(1, 2, 3)
    np.testing.assert_allclose(m(x).numpy(), pieces.max(-1), rtol=1e-6)
    assert F.maxout(xg.tensor([[1.0, 5.0, 3.0, 2.0]], device=device), 2).tolist() == [[5.0, 3.0]]
    with pytest.raises(ValueError, match="multiple of pool_size"):
        F.maxout(xg.ones(2, 5, device=device), 2)
    z = f64(4, 6, device=device)
    assert xg.gradcheck(lambda z: F.maxout(z, 3), (z,))


# ---- state_dict --------------------------------------------------------------------------------
def test_state_dict_round_trip(device):
    xg.manual_seed(1)
    a = Block(device)
    a(xg.randn(6, 3, device=device))                     # move the running stats
    xg.manual_seed(2)
    b = Block(device)
    sd = a.state_dict()
    assert list(sd) == ["scale", "steps", "fc.weight", "fc.bias", "bn.weight", "bn.bias",
                        "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]
    assert all(not v.requires_grad for v in sd.values())
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = xg.randn(5, 3, device=device)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    assert b.bn.num_batches_tracked.item() == 1
    with xg.no_grad():                                    # the load copied: no aliasing
        a.fc.weight.fill_(0.0)
    assert b.fc.weight.numpy().any()


def test_load_state_dict_from_host_arrays_and_other_dtype(device):
    lin = nn.Linear(2, 2, device=device)
    lin.load_state_dict({"weight": np.eye(2), "bias": np.array([1.0, 2.0])})
    assert lin.weight.dtype == xg.float32 and lin.weight.device == lin.bias.device
    assert lin(xg.ones(1, 2, device=device)).tolist() == [[2.0, 3.0]]


def test_load_state_dict_strict_errors(device):
    lin = nn.Linear(2, 3, device=device)
    before = lin.weight.numpy()
    good = {"weight": xg.zeros(3, 2, device=device), "bias": xg.zeros(3, device=device)}
    with pytest.raises(RuntimeError, match='Missing key.*"bias"'):
        lin.load_state_dict({"weight": good["weight"]})
    with pytest.raises(RuntimeError, match='Unexpected key.*"extra"'):
        lin.load_state_dict({**good, "extra": xg.zeros(1, device=device)})
    with pytest.raises(RuntimeError, match=r"size mismatch for weight.*\(2, 3\).*\(3, 2\)"):
        lin.load_state_dict({"weight": xg.zeros(2, 3, device=device), "bias": good["bias"]})
    with pytest.raises(RuntimeError, match="size mismatch"):             # even when lax
        lin.load_state_dict({"weight": xg.zeros(2, 3, device=device)}, strict=False)
    np.testing.assert_array_equal(lin.weight.numpy(), before)           # nothing half-loaded
    result = lin.load_state_dict({"weight": good["weight"], "junk": good["bias"]},
                                 strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["junk"]
    assert not lin.weight.numpy().any()


# ---- devices and dtypes ------------------------------------------------------------------------
def test_to_device_moves_parameters_buffers_and_grads_in_place(device):
    model = Block("cpu")
    model(xg.ones(4, 3)).sum().backward()
    params = list(model.parameters())
    expected = model.fc.weight.numpy()
    assert model.to(device) is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    for t in list(model.parameters()) + list(model.buffers()):
        assert t.device == xg.backends.canonical_device(device)
    assert model.fc.weight.grad.device == model.fc.weight.device
    np.testing.assert_array_equal(model.fc.weight.numpy(), expected)
    out = model(xg.ones(4, 3, device=device))
    assert out.device == model.fc.weight.device
    out.sum().backward()
    model.to("cpu")
    assert model.fc.weight.device == "cpu"


def test_to_dtype_casts_floating_only(device):
    model = Block(device).double()
    assert model.fc.weight.dtype == xg.float64 and model.bn.running_var.dtype == xg.float64
    assert model.bn.num_batches_tracked.dtype == xg.int64
    assert model(xg.ones(3, 3, dtype="float64", device=device)).dtype == xg.float64
    with pytest.raises(TypeError, match="floating"):
        model.to(dtype="int32")
