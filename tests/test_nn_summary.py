"""nn.summary: the lectures' parameter counts and Keras' table layout."""
import pytest

import xpgrad as xg
from xpgrad import nn


def test_heart_model_29_16_1(device):
    model = nn.Sequential(nn.Linear(29, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
    s = nn.summary(model.to(device), input_shape=(29,))
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (497, 497, 0)
    assert [row[1:] for row in s.layers] == [("Linear", "(None, 16)", 480),
                                             ("ReLU", "(None, 16)", 0),
                                             ("Linear", "(None, 1)", 17),
                                             ("Sigmoid", "(None, 1)", 0)]
    assert "Total params: 497" in s and "Non-trainable params: 0" in s


def test_mnist_shallow_784_64_10(device):
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    s = nn.summary(model.to(device), input_shape=(28, 28))
    lines = str(s).splitlines()
    assert lines[0] == 'Model: "Sequential"'
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    assert " 1 (Linear)" in s and "(None, 64)" in s and "50,240" in s and "650" in s
    assert "Total params: 50,890" in s and "Trainable params: 50,890" in s
    assert s.layers[0][1:] == ("Flatten", "(None, 784)", 0)


def test_intermediate_784_64_64_10(device):
    model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 10), nn.Softmax(dim=1))
    s = nn.summary(model, (784,), device=None)
    assert [r[3] for r in s.layers if r[1] == "Linear"] == [50240, 4160, 650]
    assert "Total params: 55,050" in s and s.trainable_params == 55050


def test_batchnorm_running_stats_are_non_trainable(device):
    model = nn.Sequential(nn.Linear(784, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(),
                          nn.Linear(64, 10)).to(device)
    model.train()
    s = nn.summary(model, (784,))
    # Keras: BatchNormalization(64) has 256 params, 128 of them (the moving stats) frozen
    assert [r[3] for r in s.layers if r[1] == "BatchNorm1d"] == [256, 256]
    assert s.total_params == 55050 + 512
    assert s.trainable_params == 55050 + 256 and s.non_trainable_params == 256
    assert "Non-trainable params: 256" in s
    assert model.training and model[1].training                 # modes restored
    assert model[1].num_batches_tracked.item() == 0             # no stat was updated


def test_frozen_parameters_and_custom_modules(device):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 8), nn.Tanh())
            self.head = nn.Linear(8, 2)
            self.temperature = nn.Parameter(xg.ones(1))

        def forward(self, x):
            return self.head(self.body(x)) / self.temperature

    net = Net().to(device)
    net.body.requires_grad_(False)
    s = nn.summary(net, 4)
    assert s.total_params == 40 + 18 + 1
    assert s.non_trainable_params == 40 and s.trainable_params == 19
    names = [row[0] for row in s.layers]
    assert names == ["net", "body.0", "body.1", "head"]          # the root holds a parameter


def test_summary_errors_and_repr(device):
    with pytest.raises(TypeError, match="nn.Module"):
        nn.summary(lambda x: x, (3,))
    model = nn.Linear(3, 2).to(device)
    s = nn.summary(model, (3,))
    assert repr(s) == str(s) and s.layers[0][:3] == ("linear", "Linear", "(None, 2)")
    with pytest.raises(ValueError, match="in_features=3"):
        nn.summary(model, (5,))
