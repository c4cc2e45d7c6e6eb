"""ModuleDict, ParameterList and ParameterDict: registered like PyTorch's (same state_dict
keys), dict/list behaviour, clear errors."""
import pytest

import xpgrad as xg
from xpgrad import nn


class Heads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Linear(4, 3)
        self.heads = nn.ModuleDict({"age": nn.Linear(3, 1), "sex": nn.Linear(3, 2)})
        self.scales = nn.ParameterList([xg.ones(1), nn.Parameter(xg.zeros(2))])
        self.table = nn.ParameterDict({"w": xg.ones(3)})

    def forward(self, x):
        h = self.trunk(x)
        return {k: head(h) * self.scales[0] for k, head in self.heads.items()}


def test_state_dict_keys_and_parameters_as_pytorch():
    model = Heads()
    keys = ["trunk.weight", "trunk.bias", "heads.age.weight", "heads.age.bias",
            "heads.sex.weight", "heads.sex.bias", "scales.0", "scales.1", "table.w"]
    assert list(model.state_dict()) == keys
    assert len(list(model.parameters())) == 9
    assert all(p.requires_grad for p in model.parameters())
    out = model(xg.ones(5, 4))
    assert out["sex"].shape == (5, 2)
    sum(v.sum() for v in out.values()).backward()
    assert model.scales[0].grad is not None and model.heads["age"].weight.grad is not None


def test_same_keys_as_torch():
    torch = pytest.importorskip("torch")
    t = torch.nn.ModuleDict({"a": torch.nn.Linear(2, 2)})
    t.extra = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(1))])
    ours = nn.ModuleDict({"a": nn.Linear(2, 2)})
    ours.extra = nn.ParameterList([xg.ones(1)])
    assert list(ours.state_dict()) == list(t.state_dict())


def test_dict_and_list_behaviour_and_errors():
    d = nn.ModuleDict()
    d["x"] = nn.ReLU()
    d.update({"y": nn.Tanh()})
    assert d.keys() == ["x", "y"] and "x" in d and len(d) == 2 and list(d) == ["x", "y"]
    assert isinstance(d.pop("x"), nn.ReLU) and d.keys() == ["y"]
    with pytest.raises(KeyError, match="ModuleDict has no module 'z'; it has \\['y'\\]"):
        d["z"]
    d.clear()
    assert len(d) == 0
    pl = nn.ParameterList()
    pl.append(xg.zeros(2)).extend([xg.ones(1)])
    assert len(pl) == 2 and pl[-1].shape == (1,)
    with pytest.raises(TypeError, match="expected an nn.Parameter or a Tensor, got list"):
        pl.append([1.0])
    pd = nn.ParameterDict({"a": xg.ones(1)})
    with pytest.raises(KeyError, match="ParameterDict has no parameter 'b'"):
        pd["b"]
    with pytest.raises(NotImplementedError, match="ModuleDict has no forward"):
        nn.ModuleDict()(1)


def test_module_list_repr_folds_identical_runs_like_torch():
    torch = pytest.importorskip("torch")

    def build(m):
        return m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)] + [m.nn.ReLU()] + [
            m.nn.Sequential(m.nn.Linear(2, 3), m.nn.Tanh()) for _ in range(2)] + [m.nn.ReLU()])

    assert repr(build(xg)) == repr(build(torch))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    assert repr(nn.ModuleList([nn.ReLU()])) == repr(torch.nn.ModuleList([torch.nn.ReLU()]))


def test_sequential_and_module_list_list_operations_as_pytorch():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh())
    assert isinstance(seq.pop(1), nn.ReLU) and [n for n, _ in seq.named_children()] == ["0", "1"]
    both = seq + nn.Sequential(nn.Sigmoid())
    assert [type(m).__name__ for m in both] == ["Linear", "Tanh", "Sigmoid"] and len(seq) == 2
    seq += nn.Sequential(nn.ReLU())
    assert len(seq) == 3
    assert len(nn.Sequential(nn.ReLU()) * 3) == 3 and len(2 * nn.Sequential(nn.ReLU())) == 2
    with pytest.raises(TypeError, match="only objects of Sequential"):
        seq + [nn.ReLU()]
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.insert(0, nn.Sigmoid())
    layers += [nn.ReLU()]
    assert [type(m).__name__ for m in layers] == ["Sigmoid", "Linear", "ReLU"]
    assert isinstance(layers.pop(0), nn.Sigmoid)
    del layers[0]
    assert [n for n, _ in layers.named_children()] == ["0"] and len(layers + [nn.Tanh()]) == 2


def test_load_state_dict_assign_keeps_the_values_dtype_and_module_type_casts():
    m = nn.Linear(2, 3)
    m.load_state_dict({"weight": xg.ones(3, 2, dtype="float64"), "bias": xg.zeros(3)},
                      assign=True)
    assert m.weight.dtype == xg.float64 and float(m.weight.sum()) == 6.0
    assert nn.Linear(2, 3).type(xg.float64).weight.dtype == xg.float64
