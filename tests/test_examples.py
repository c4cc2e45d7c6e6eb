"""Every example runs (in its quick mode) inside the suite, its summary counts are asserted,
and the heart example reaches the lecture's accuracy at its default settings."""
from pathlib import Path

import pytest

from xpgrad.examples import (autoencoder_838, gradient_descent, heart, mnist_intermediate,
                             mnist_shallow, regression)


def test_gradient_descent(tmp_path):
    out = gradient_descent.main(["--out", str(tmp_path)])
    assert abs(out["w"] - (-1.2347727)) < 1e-3           # where g'(w) = 0
    assert max(abs(v) for v in out["bowl"]) < 0.01


def test_heart_default_settings_reach_the_lecture_accuracy(tmp_path, capsys):
    out = heart.main(["--out", str(tmp_path)])
    assert out["params"] == 497
    assert out["test"]["accuracy"] >= 0.78
    assert 0.5 < out["test"]["auc"] <= 1.0
    assert Path(out["checkpoint"]).is_file()
    text = capsys.readouterr().out
    assert "Total params: 497" in text and "test: loss" in text


def test_heart_quick(tmp_path):
    out = heart.main(["--quick", "--out", str(tmp_path)])
    assert out["epochs_run"] == 5


@pytest.mark.parametrize("module,params", [(mnist_shallow, 50890), (mnist_intermediate, 55050)])
def test_mnist_quick(module, params, tmp_path, shared_data):
    out = module.main(["--quick", "--out", str(tmp_path), "--data", str(shared_data)])
    assert out["params"] == params
    assert out["test"]["accuracy"] > 0.6          # 2 epochs on 2,000 images
    assert len(out["history"]["val_accuracy"]) == 2


@pytest.mark.slow
def test_mnist_intermediate_passes_97_percent_in_20_epochs(tmp_path, shared_data):
    out = mnist_intermediate.main(["--out", str(tmp_path), "--data", str(shared_data)])
    assert out["test"]["accuracy"] > 0.97


def test_autoencoder_learns_the_identity(tmp_path):
    out = autoencoder_838.main(["--epochs", "2000", "--out", str(tmp_path)])
    assert out["correct"] == 8
    assert out["distinct"] == 8


def test_regression_gradients_match_the_hand_written_backprop(tmp_path):
    out = regression.main(["--quick", "--out", str(tmp_path)])
    assert out["max_grad_difference"] < 1e-12
    assert out["mse"] < 1.0
