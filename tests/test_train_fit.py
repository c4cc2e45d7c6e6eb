"""fit / evaluate / predict beyond the basics of test_train_core: metrics and how "accuracy"
is chosen, one read-back per epoch, schedulers, verbosity, errors, History."""
import io
import sys

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from xpgrad.data import DataLoader
from xpgrad.train import Callback, get_metric, roc_auc
from xpgrad.train.metrics import loss_from_logits
from xpgrad.train.progress import Progress, _TextBar, epoch_line, format_value


def blobs(n=12, classes=3, seed=0):
    """``n`` well separated points in 2-D, ``classes`` clusters, integer labels."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    centres = np.array([[4.0 * np.cos(a), 4.0 * np.sin(a)]
                        for a in 2 * np.pi * np.arange(classes) / classes])
    x = (centres[y] + 0.3 * rng.standard_normal((n, 2))).astype(np.float32)
    return x, y.astype(np.int64)


def binary(n=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x @ np.array([1.0, -2.0, 0.5]) > 0).astype(np.float32)[:, None]


def test_multiclass_fit_overfits_with_sparse_accuracy_and_validation(device):
    xg.manual_seed(0)
    x, y = blobs()
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    hist = xg.train.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
                        (x, y), epochs=60, batch_size=5, validation_data=(x, y),
                        metrics=["accuracy"], device=device, verbose=0, seed=0)
    assert list(hist.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 60 for v in hist.history.values())
    assert hist.history["val_loss"][-1] < 0.05 and hist.history["val_accuracy"][-1] == 1.0
    assert hist.params == {"epochs": 60, "steps": 3, "verbose": 0}
    assert not model.training                     # fit leaves the model in eval mode


@pytest.mark.parametrize("pred, target, kind", [
    ([[0.9], [0.2], [0.6], [0.4]], [[1.0], [0.0], [0.0], [0.0]], "binary"),
    ([0.9, 0.2, 0.6, 0.4], [1.0, 0.0, 0.0, 0.0], "binary"),
    ([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0], [0.0, 1.0]], [0, 1, 1, 1], "sparse"),
    ([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0], [0.0, 1.0]], [[0], [1], [1], [1]], "sparse"),
    ([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0], [0.0, 1.0]], [[1, 0], [0, 1], [0, 1], [0, 1]],
     "categorical"),
])
def test_accuracy_is_chosen_by_the_shapes_like_keras(pred, target, kind, device):
    m = get_metric("accuracy")
    m.update_state(xg.tensor(pred, device=device), xg.tensor(target, device=device))
    assert m.result() == 0.75
    assert type(m.inner).__name__.lower().startswith(kind)


def test_binary_accuracy_thresholds_logits_at_zero_when_the_loss_takes_logits():
    logits = xg.tensor([[0.3], [-0.2], [-1.0]])         # as probabilities all would be < 0.5
    y = xg.tensor([[1.0], [0.0], [0.0]])
    for loss, expected in ((nn.BCEWithLogitsLoss(), 1.0), (nn.BCELoss(), 2 / 3)):
        m = get_metric("binary_accuracy", from_logits=loss_from_logits(loss))
        m.update_state(logits, y)
        assert m.result() == pytest.approx(expected)


def test_loss_from_logits_rule():
    F = nn.functional
    assert loss_from_logits(nn.BCEWithLogitsLoss()) and loss_from_logits(
        F.binary_cross_entropy_with_logits)
    assert not loss_from_logits(nn.BCELoss()) and not loss_from_logits(F.binary_cross_entropy)
    assert not loss_from_logits(nn.MSELoss())
    flagged = nn.MSELoss()
    flagged.from_logits = True                           # an explicit flag wins
    assert loss_from_logits(flagged)


def test_metric_names_become_history_keys_and_clashes_raise():
    x, y = binary()
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    opt = optim.SGD(model.parameters(), lr=0.1)
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=1, verbose=0,
                        metrics=["mean_absolute_error", "mse", "binary_accuracy", "auc"])
    assert list(hist.history) == ["loss", "mean_absolute_error", "mse", "binary_accuracy", "auc"]
    with pytest.raises(ValueError, match="more than one value would be logged as .accuracy."):
        xg.train.fit(model, nn.BCELoss(), opt, (x, y), metrics=["accuracy", "accuracy"])
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        xg.train.fit(model, nn.BCELoss(), opt, (x, y), metrics=["f1"])


def test_metrics_match_numpy_over_uneven_batches(device):
    x, y = binary(n=11)
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid()).to(device)
    got = xg.train.evaluate(model, nn.BCELoss(), (x, y), batch_size=4, device=device,
                            metrics=["accuracy", "mae", "mse", "auc"])
    p = xg.train.predict(model, x, batch_size=4).numpy().astype(np.float64)
    assert got["accuracy"] == pytest.approx(np.mean((p > 0.5) == (y > 0.5)))
    assert got["mae"] == pytest.approx(np.abs(p - y).mean(), rel=1e-5)
    assert got["mse"] == pytest.approx(((p - y) ** 2).mean(), rel=1e-5)
    assert got["auc"] == pytest.approx(roc_auc(p[:, 0], y[:, 0] > 0.5))
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    assert got["loss"] == pytest.approx(bce, rel=1e-5)


def test_roc_auc_equals_the_pairwise_count_with_ties():
    rng = np.random.default_rng(3)
    scores = np.round(rng.random(200), 1)                # many ties
    labels = rng.random(200) < 0.4
    pos, neg = scores[labels][:, None], scores[~labels][None, :]
    pairwise = ((pos > neg) + 0.5 * (pos == neg)).mean()
    assert roc_auc(scores, labels) == pytest.approx(pairwise, abs=1e-12)
    assert roc_auc(np.log(scores + 1e-3), labels) == pytest.approx(pairwise)   # monotone
    assert np.isnan(roc_auc(scores, np.ones(200, bool)))


@pytest.mark.parametrize("name, pred, target, match", [
    ("mae", [[1.0], [2.0]], [1.0, 2.0, 3.0], "same number of values"),
    ("auc", [[0.1, 0.9]], [1.0], "one score per sample"),
    ("binary_accuracy", [[0.1, 0.9]], [[0.0, 1.0]], "categorical_accuracy"),
    ("categorical_accuracy", [[0.1, 0.9]], [1], "sparse_categorical_accuracy"),
    ("sparse_categorical_accuracy", [[0.1, 0.9], [0.3, 0.7]], [[1, 0]], r"targets \(1, 2\)"),
])
def test_metric_shape_errors_name_the_shapes(name, pred, target, match):
    with pytest.raises(ValueError, match=match):
        get_metric(name).update_state(xg.tensor(pred), xg.tensor(target))


def _count_reads(monkeypatch, backend):
    calls = [0]
    original = type(backend).to_host

    def counting(self, array):
        calls[0] += 1
        return original(self, array)
    monkeypatch.setattr(type(backend), "to_host", counting)     # backends use __slots__
    return calls


@pytest.mark.parametrize("dev", ["cpu", "strict:device1"])
def test_reads_back_once_per_epoch_however_many_batches(monkeypatch, dev):
    """Losses and metrics stay on the device during an epoch: the number of device-to-host
    reads does not grow with the number of batches."""
    x, y = binary(n=32)
    calls = _count_reads(monkeypatch, xg.backends.get_backend(dev))
    counts = []
    for batch_size in (16, 2):
        model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
        calls[0] = 0
        xg.train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (x, y),
                     epochs=2, batch_size=batch_size, validation_data=(x, y), device=dev,
                     metrics=["accuracy", "auc"], verbose=0)
        counts.append(calls[0])
    assert counts[0] == counts[1] <= 2 * 2 * (1 + 1 + 2)     # epochs x (train, val) x reads


def test_a_loader_on_the_host_feeds_a_model_on_another_device():
    x, y = binary()
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    loader = DataLoader((x, y), batch_size=5)                      # batches on cpu
    hist = xg.train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), loader,
                        epochs=2, validation_data=loader, device="strict:device1", verbose=0)
    assert model[0].weight.device == "strict:device1" and len(hist.history["val_loss"]) == 2
    out = xg.train.predict(model, loader)
    assert out.shape == (16, 1) and out.device == "strict:device1"


def test_schedulers_step_once_per_epoch_and_plateau_watches_val_loss():
    x, y = binary()
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    opt = optim.SGD(model.parameters(), lr=0.1)
    step = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=5, batch_size=4,
                        scheduler=step, verbose=0)
    assert hist.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=100)
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=3, validation_data=(x[:4], y[:4]),
                        scheduler=plateau, verbose=0)
    assert plateau.best == min(hist.history["val_loss"])
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=100)
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=2, scheduler=plateau, verbose=0)
    assert plateau.best == min(hist.history["loss"])
    with pytest.raises(TypeError, match="step"):
        xg.train.fit(model, nn.BCELoss(), opt, (x, y), scheduler=object(), verbose=0)


def test_one_cycle_steps_once_per_batch():
    x, y = binary(n=10)
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    cycle = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, epochs=3, steps_per_epoch=3)
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=3, batch_size=4,
                        scheduler=cycle, verbose=0)      # a 10th step would raise
    assert cycle.last_epoch == 9 and len(hist.history["learning_rate"]) == 3
    assert hist.history["learning_rate"][1] > hist.history["learning_rate"][0]


def test_a_callback_can_stop_training_after_a_batch():
    class StopAfterThree(Callback):
        def __init__(self):
            super().__init__()
            self.seen = 0

        def on_batch_end(self, batch, logs=None):
            assert isinstance(logs["loss"], xg.Tensor) and logs["loss"].ndim == 0
            self.seen += 1
            if self.seen == 3:
                self.stop_training = True

    x, y = binary(n=20)
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    cb = StopAfterThree()
    hist = xg.train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (x, y),
                        epochs=5, batch_size=4, callbacks=[cb], verbose=0)
    assert cb.seen == 3 and hist.epoch == [0] and model.stop_training


def test_initial_epoch_and_verbose_two(capsys):
    x, y = binary()
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    hist = xg.train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (x, y),
                        epochs=4, initial_epoch=2, verbose=2)
    assert hist.epoch == [2, 3]
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split(" - ")[0] for ln in lines] == ["Epoch 3/4", "Epoch 4/4"]


def test_verbose_one_without_tqdm_prints_the_epoch_lines(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    x, y = binary()
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    xg.train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.1), (x, y), epochs=2,
                 metrics=["accuracy"], verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2 - loss: ")
    assert " - accuracy: " in lines[1]


def test_text_bar_and_number_format():
    out = io.StringIO()
    bar = _TextBar(4, out)
    for _ in range(4):
        bar.update()
    bar.close()
    drawn = out.getvalue()
    assert "4/4 [" + "=" * 30 + "]" in drawn and drawn.endswith("\r")
    assert Progress(10, 0, 1, verbose=0).bar is None
    assert epoch_line(0, 10, {"loss": 0.5, "val_loss": 2e-5, "note": "x"}) == \
        "Epoch 1/10 - loss: 0.5000 - val_loss: 2.0000e-05 - note: x"
    assert format_value(float("nan")) == "nan" and format_value(0) == "0.0000"


@pytest.mark.parametrize("kwargs, error, match", [
    ({"train_data": "data"}, TypeError, "train_data must be"),
    ({"train_data": (np.zeros((4, 3)), np.zeros(4), np.ones(4))}, ValueError, "got 3 items"),
    ({"validation_data": [1, 2, 3]}, ValueError, "validation_data must be"),
    ({"verbose": 3}, ValueError, "verbose must be"),
    ({"epochs": -1}, ValueError, "epochs must be"),
    ({"callbacks": [lambda epoch: None]}, TypeError, "callbacks must be"),
    ({"loss_fn": nn.BCELoss(reduction="none")}, ValueError, "0-d Tensor"),
])
def test_fit_errors_are_clear(kwargs, error, match):
    x, y = binary()
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    args = {"model": model, "loss_fn": nn.BCELoss(), "train_data": (x, y),
            "optimizer": optim.SGD(model.parameters(), lr=0.1), "verbose": 0, **kwargs}
    with pytest.raises(error, match=match):
        xg.train.fit(**args)


def test_empty_data_and_predict_errors():
    model = nn.Sequential(nn.Linear(3, 1))
    empty = np.zeros((0, 3), np.float32)
    with pytest.raises(ValueError, match="no batches"):
        xg.train.evaluate(model, nn.MSELoss(), (empty, np.zeros((0, 1), np.float32)))
    with pytest.raises(ValueError, match="no samples"):
        xg.train.predict(model, empty)
    with pytest.raises(TypeError, match="needs no targets"):
        xg.train.predict(model, (empty, empty))


def test_predict_and_evaluate_restore_eval_mode_too(device):
    x, y = binary(n=10)
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 1)).to(device)
    model.eval()
    out = xg.train.predict(model, x, batch_size=3)
    xg.train.evaluate(model, nn.MSELoss(), (x, y), batch_size=3)
    assert not model.training and out.shape == (10, 1) and out.device == model[0].weight.device
    with xg.no_grad():
        direct = model(xg.tensor(x, device=device))
    np.testing.assert_allclose(out.numpy(), direct.numpy(), rtol=1e-6)


def test_history_plot_without_matplotlib_names_the_extra(monkeypatch, tmp_path):
    hist = xg.train.History()
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'xpgrad\[plot\]'"):
        hist.plot(tmp_path / "a.png")


def test_history_plot_draws_every_quantity(tmp_path):
    pytest.importorskip("matplotlib")
    hist = xg.train.History()
    with pytest.raises(ValueError, match="nothing recorded"):
        hist.plot(tmp_path / "empty.png")
    for epoch in range(3):
        hist.record(epoch, {"loss": 1.0 / (epoch + 1), "auc": 0.5 + 0.1 * epoch,
                            "val_loss": 1.2 / (epoch + 1), "learning_rate": 0.1})
    path = hist.plot(tmp_path / "sub" / "curves.png", title="three epochs")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert repr(hist) == "History(epochs=3, keys=[loss, auc, val_loss, learning_rate])"
