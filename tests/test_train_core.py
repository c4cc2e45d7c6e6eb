"""fit / evaluate / predict, EarlyStopping's Keras semantics, and checkpoints (lead's tests of
the train package; more in the other test_train_* / test_callbacks / test_checkpoint files)."""
import os

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from xpgrad.train import EarlyStopping, CheckpointError


def tiny(seed=0, n=8):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = (x.sum(1, keepdims=True) > 0).astype(np.float32)
    return x, y


def mlp():
    return nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())


def test_fit_drives_a_tiny_data_set_to_near_zero_loss(device):
    xg.manual_seed(0)
    x, y = tiny()
    model = mlp()
    hist = xg.train.fit(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=0.05), (x, y),
                        epochs=300, batch_size=8, metrics=["accuracy"], device=device, verbose=0)
    assert hist.history["loss"][-1] < 0.02 < hist.history["loss"][0]
    assert hist.history["accuracy"][-1] == 1.0
    assert hist.epoch == list(range(300))
    assert model[0].weight.device == xg.tensor(0.0, device=device).device


def test_verbose_zero_prints_nothing(capsys):
    x, y = tiny()
    model = mlp()
    xg.train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (x, y), epochs=2,
                 verbose=0)
    assert capsys.readouterr().out == ""


def test_verbose_one_prints_a_keras_epoch_line(capsys):
    x, y = tiny()
    model = mlp()
    xg.train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (x, y), epochs=2,
                 validation_data=(x, y), metrics=["accuracy"], verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 2/2 - loss: " in out and "val_accuracy: " in out


def test_evaluate_weights_batches_by_size(device):
    x, y = tiny(n=10)
    model = mlp().to(device)
    full = xg.train.evaluate(model, nn.BCELoss(), (x, y), batch_size=10, device=device)["loss"]
    uneven = xg.train.evaluate(model, nn.BCELoss(), (x, y), batch_size=4, device=device)["loss"]
    assert abs(full - uneven) < 1e-6


def test_predict_runs_in_eval_mode_and_restores_the_mode():
    x, _ = tiny()
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.9), nn.Linear(4, 1))
    model.train()
    a = xg.train.predict(model, x, batch_size=3)
    b = xg.train.predict(model, x, batch_size=8)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)     # no dropout in eval
    assert a.shape == (8, 1) and not a.requires_grad and model.training


class _Scripted(nn.Module):
    """A model whose 'weights' record the epoch, to check which epoch gets restored."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(xg.zeros(1))


def drive(stopper, losses, model=None):
    model = model or _Scripted()
    stopper.set_context(model, None)
    model.stop_training = False
    stopper.on_train_begin()
    for epoch, value in enumerate(losses):
        with xg.no_grad():
            model.w.fill_(float(epoch))
        stopper.on_epoch_end(epoch, {"val_loss": value})
        if model.stop_training:
            break
    stopper.on_train_end()
    return epoch, model


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    losses = [1.0, 0.8, 0.7, 0.71, 0.72, 0.69, 0.75, 0.76, 0.77, 0.5]
    last, model = drive(EarlyStopping(patience=3, restore_best_weights=True), losses)
    assert last == 8                      # best at epoch 5; epochs 6, 7, 8 are worse
    assert model.w.item() == 5.0          # the weights of the best epoch are back


def test_early_stopping_min_delta_and_baseline():
    last, _ = drive(EarlyStopping(patience=2, min_delta=0.05), [1.0, 0.97, 0.96, 0.5])
    assert last == 2                      # improvements smaller than min_delta do not count
    # Keras: an improvement that misses the baseline does not restart the wait
    last, _ = drive(EarlyStopping(patience=2, baseline=0.5), [1.0, 0.9, 0.95, 0.96])
    assert last == 2
    last, _ = drive(EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.96])
    assert last == 3


def test_early_stopping_restores_best_weights_even_without_stopping():
    _, model = drive(EarlyStopping(patience=10, restore_best_weights=True), [1.0, 0.5, 0.9])
    assert model.w.item() == 1.0


def test_early_stopping_in_a_real_fit_restores_the_best_weights():
    xg.manual_seed(0)
    x, y = tiny(n=16)
    model = mlp()
    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    hist = xg.train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=2.0), (x, y),
                        epochs=60, validation_data=(x[:4], 1 - y[:4]), callbacks=[stop],
                        verbose=0)
    best = min(hist.history["val_loss"])
    now = xg.train.evaluate(model, nn.BCELoss(), (x[:4], 1 - y[:4]))["loss"]
    assert abs(now - best) < 1e-5
    assert len(hist.epoch) < 60 and stop.stopped_epoch == len(hist.epoch) - 1


def test_checkpoint_round_trip_resumes_training_bit_for_bit(tmp_path):
    x, y = tiny(n=32)

    def setup():
        xg.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.3), nn.ReLU(), nn.Linear(8, 1))
        return model, optim.Adam(model.parameters(), lr=0.01)

    def train(model, opt, epochs, initial=0):
        xg.train.fit(model, nn.BCEWithLogitsLoss(), opt, (x, y), epochs=epochs, batch_size=8,
                     initial_epoch=initial, verbose=0, seed=1)

    model, opt = setup()
    train(model, opt, 4)
    straight = [p.numpy() for p in model.parameters()]
    model, opt = setup()
    train(model, opt, 2)
    path = tmp_path / "ckpt.safetensors"
    xg.train.save_checkpoint(path, model, opt, epoch=2)
    xg.manual_seed(123)                                   # scramble the generators
    model2, opt2 = setup()
    state = xg.train.load_checkpoint(path, model2, opt2)
    assert state["epoch"] == 2
    train(model2, opt2, 4, initial=2)
    for a, b in zip(straight, [p.numpy() for p in model2.parameters()]):
        np.testing.assert_array_equal(a, b)


def test_save_load_nested_state_on_a_device(tmp_path, device):
    state = {"w": xg.randn(2, 3, device=device), "step": 7, "name": "x", "lr": [0.1, (0.9, 0.99)],
             "nested": {0: xg.tensor([1, 2], device=device), "none": None}}
    path = xg.save(state, tmp_path / "s.safetensors")
    back = xg.load(path, device=device)
    assert back["step"] == 7 and back["name"] == "x" and back["lr"] == [0.1, (0.9, 0.99)]
    assert back["w"].device == state["w"].device
    np.testing.assert_array_equal(back["w"].numpy(), state["w"].numpy())
    assert back["nested"][0].tolist() == [1, 2] and back["nested"]["none"] is None
    assert os.listdir(tmp_path) == ["s.safetensors"]       # no temporary file left


@pytest.mark.parametrize("damage", ["truncate", "garbage", "other_safetensors", "empty"])
def test_damaged_or_foreign_files_raise_a_clear_error(tmp_path, damage):
    path = xg.save({"w": xg.ones(100)}, tmp_path / "c.safetensors")
    raw = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a checkpoint at all" * 10)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        from safetensors.numpy import save_file
        save_file({"a": np.ones(3)}, str(path))
    with pytest.raises(CheckpointError):
        xg.load(path)


def test_a_failed_save_leaves_no_temporary_file(tmp_path):
    with pytest.raises(TypeError, match="cannot store"):
        xg.save({"f": lambda: 0}, tmp_path / "bad.safetensors")
    assert os.listdir(tmp_path) == []


def test_history_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    x, y = tiny()
    model = mlp()
    hist = xg.train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (x, y),
                        epochs=3, validation_data=(x, y), metrics=["accuracy"], verbose=0)
    path = hist.plot(tmp_path / "curves.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_auc_against_a_hand_count():
    from xpgrad.train import roc_auc
    scores = np.array([0.1, 0.4, 0.35, 0.8, 0.4])
    labels = np.array([0, 0, 1, 1, 1], dtype=bool)
    # positives 0.35, 0.8, 0.4 vs negatives 0.1, 0.4: wins 1+0, 1+1, 1+0.5 -> 4.5 / 6
    assert abs(roc_auc(scores, labels) - 4.5 / 6) < 1e-12
