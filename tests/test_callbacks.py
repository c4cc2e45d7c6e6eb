"""Callbacks: EarlyStopping's Keras semantics on scripted logs, ModelCheckpoint, CSVLogger,
LearningRateScheduler, the hook order, and callbacks in real fits."""
import csv

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from xpgrad.train import (Callback, CSVLogger, EarlyStopping, LearningRateScheduler,
                          ModelCheckpoint)


class Marked(nn.Module):
    """A model whose one weight is set to the epoch number, to see which epoch was kept."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(xg.zeros(1))

    def forward(self, x):
        return x * self.w


def drive(cb, values, monitor="val_loss", model=None):
    """Run ``cb`` through an epoch loop as fit does; returns (epochs run, model)."""
    model = model or Marked()
    cb.set_context(model, None)
    model.stop_training = False
    cb.on_train_begin()
    run = 0
    for epoch, value in enumerate(values):
        with xg.no_grad():
            model.w.fill_(float(epoch))
        cb.on_epoch_end(epoch, {} if value is None else {monitor: value})
        run += 1
        if model.stop_training:
            break
    cb.on_train_end()
    return run, model


# (kwargs, monitor, values, epochs run, stopped_epoch, best_epoch) -- worked out by hand from
# Keras' rule: each judged epoch does wait += 1; an improvement sets best and resets wait
# (only if it also beats the baseline) and never stops; otherwise stop when wait >= patience.
CASES = [
    ({"patience": 0}, "val_loss", [1.0, 0.9, 0.95, 0.8], 3, 2, 1),
    ({"patience": 2, "min_delta": 0.01}, "val_accuracy",
     [0.5, 0.505, 0.53, 0.535, 0.536, 0.9], 5, 4, 2),
    ({"patience": 3, "baseline": 0.5}, "val_loss", [0.9, 0.8, 0.7, 0.75, 0.1], 4, 3, 2),
    ({"patience": 3, "baseline": 0.5}, "val_loss", [0.9, 0.8, 0.7, 0.6, 0.55], 5, 0, 4),
    ({"patience": 0, "start_from_epoch": 2}, "val_loss", [5.0, 4.0, 1.0, 2.0, 0.5], 4, 3, 2),
    ({"patience": 1}, "val_loss", [float("nan"), 1.0, 2.0, 0.1], 3, 2, 1),
    ({"patience": 1, "mode": "max"}, "loss", [1.0, 2.0, 2.0, 3.0], 3, 2, 1),
    ({"patience": 5}, "val_loss", [1.0, 0.5, 0.9], 3, 0, 1),
]


@pytest.mark.parametrize("kwargs, monitor, values, run, stopped, best", CASES)
def test_early_stopping_follows_keras_on_scripted_logs(kwargs, monitor, values, run, stopped,
                                                       best):
    stop = EarlyStopping(monitor=monitor, restore_best_weights=True, **kwargs)
    for _ in range(2):                         # a second fit reuses the callback cleanly
        epochs, model = drive(stop, values, monitor)
        assert (epochs, stop.stopped_epoch, stop.best_epoch) == (run, stopped, best)
        assert model.w.item() == best          # restored at the end, stopped early or not


def test_early_stopping_keeps_the_last_weights_without_restore():
    _, model = drive(EarlyStopping(patience=2), [1.0, 2.0, 3.0, 4.0])
    assert model.w.item() == 2.0


def test_early_stopping_warns_when_the_monitor_is_missing():
    with pytest.warns(UserWarning, match="'val_loss' is not in the logs"):
        epochs, _ = drive(EarlyStopping(patience=0), [None, None, None])
    assert epochs == 3


def test_early_stopping_verbose_messages(capsys):
    drive(EarlyStopping(patience=1, verbose=1, restore_best_weights=True), [1.0, 0.5, 0.7, 0.8])
    out = capsys.readouterr().out
    assert "Epoch 3: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 2." in out


@pytest.mark.parametrize("monitor, mode", [("val_loss", "min"), ("val_accuracy", "max"),
                                           ("auc", "max"), ("val_mae", "min"),
                                           ("mean_squared_error", "min"),
                                           ("val_sparse_categorical_accuracy", "max")])
def test_auto_mode_from_the_monitor_name(monitor, mode):
    assert EarlyStopping(monitor=monitor).mode == mode
    assert ModelCheckpoint("m.safetensors", monitor=monitor, save_best_only=True).mode == mode


def test_unclear_monitors_and_bad_arguments_raise():
    with pytest.raises(ValueError, match="mode='max'"):
        EarlyStopping(monitor="val_f_beta")
    assert EarlyStopping(monitor="val_f_beta", mode="max").mode == "max"
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="down")
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="mode must be"):
        ModelCheckpoint("m.safetensors", mode="best")


def test_model_checkpoint_save_best_only_with_a_formatted_path(tmp_path):
    ckpt = ModelCheckpoint(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.safetensors",
                           save_best_only=True)
    drive(ckpt, [1.0, 0.8, 0.9, 0.7, 0.7])
    assert [p.name for p in ckpt.saved] == ["m-01-1.00.safetensors", "m-02-0.80.safetensors",
                                            "m-04-0.70.safetensors"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in ckpt.saved]
    assert xg.load(ckpt.saved[-1])["w"].tolist() == [3.0]


def test_model_checkpoint_every_epoch_overwrites_one_file(tmp_path):
    ckpt = ModelCheckpoint(tmp_path / "last.safetensors")
    drive(ckpt, [1.0, 2.0, 3.0])
    assert len(ckpt.saved) == 3 and [p.name for p in tmp_path.iterdir()] == ["last.safetensors"]
    assert xg.load(ckpt.saved[-1])["w"].tolist() == [2.0]


def test_model_checkpoint_max_mode_threshold_and_errors(tmp_path):
    ckpt = ModelCheckpoint(tmp_path / "{epoch}.safetensors", monitor="val_accuracy",
                           save_best_only=True, initial_value_threshold=0.85)
    drive(ckpt, [0.8, 0.9, 0.88, 0.95], monitor="val_accuracy")
    assert [p.name for p in ckpt.saved] == ["2.safetensors", "4.safetensors"]
    with pytest.warns(UserWarning, match="'val_loss' is not in the logs"):
        drive(ModelCheckpoint(tmp_path / "x.safetensors", save_best_only=True), [None])
    with pytest.raises(ValueError, match=r"cannot fill in the path .*\['val_loss'\]"):
        drive(ModelCheckpoint(tmp_path / "{val_acc}.safetensors"), [1.0])


def tiny(n=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    return x, (x.sum(1, keepdims=True) > 0).astype(np.float32)


def test_early_stopping_and_best_checkpoint_agree_in_a_real_fit(tmp_path, device):
    xg.manual_seed(0)
    x, y = tiny()
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    stop = EarlyStopping(patience=2, restore_best_weights=True)
    best = ModelCheckpoint(tmp_path / "best.safetensors", save_best_only=True)
    hist = xg.train.fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=2.0), (x, y),
                        epochs=60, validation_data=(x[:4], 1 - y[:4]), callbacks=[stop, best],
                        device=device, verbose=0)
    losses = hist.history["val_loss"]
    assert stop.stopped_epoch == len(losses) - 1 < 59
    assert stop.best_epoch == int(np.argmin(losses)) and best.best == min(losses)
    saved = xg.load(tmp_path / "best.safetensors")
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), saved[name].numpy())


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    x, y = tiny()
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    opt = optim.SGD(model.parameters(), lr=0.1)
    path = tmp_path / "logs" / "train.csv"
    schedule = LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=3, verbose=0,
                        validation_data=(x, y), metrics=["accuracy"],
                        callbacks=[schedule, CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "accuracy", "learning_rate", "loss", "val_accuracy",
                             "val_loss"]
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    for key, values in hist.history.items():
        assert [float(r[key]) for r in rows] == values          # written at full precision
    xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=1, verbose=0,
                 callbacks=[CSVLogger(path, append=True)])
    lines = path.read_text().splitlines()
    assert len(lines) == 5 and lines[0].startswith("epoch,")   # appended, one header
    xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=1, verbose=0,
                 callbacks=[CSVLogger(path)])
    assert path.read_text().splitlines()[0] == "epoch,loss"    # replaced


def test_csv_logger_keeps_the_first_epochs_columns(tmp_path):
    logger = CSVLogger(tmp_path / "log.tsv", separator="\t")
    logger.set_context(Marked(), None)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"b": 2.5, "a": 1.0})
    logger.on_epoch_end(1, {"a": 3.0, "c": 9.0})
    assert (tmp_path / "log.tsv").read_text().splitlines() == ["epoch\ta\tb", "0\t1.0\t2.5",
                                                               "1\t3.0\tNA"]


def test_learning_rate_scheduler_sets_every_group_each_epoch(capsys):
    x, y = tiny()
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = optim.SGD([{"params": model[0].parameters()},
                     {"params": model[2].parameters(), "lr": 1.0}], lr=0.5)
    seen = []

    class Spy(Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append([g["lr"] for g in self.optimizer.param_groups])

    sched = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr, verbose=1)
    hist = xg.train.fit(model, nn.MSELoss(), opt, (x, y), epochs=3, verbose=0,
                        callbacks=[sched, Spy()])
    assert seen == [[0.5, 0.5], [0.25, 0.25], [0.125, 0.125]]
    assert hist.history["learning_rate"] == [0.5, 0.25, 0.125]
    out = capsys.readouterr().out
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.25." in out


def test_learning_rate_scheduler_errors():
    with pytest.raises(TypeError, match="must be a function"):
        LearningRateScheduler(0.1)
    x, y = tiny()
    model = nn.Sequential(nn.Linear(3, 1))
    bad = LearningRateScheduler(lambda epoch, lr: None)
    with pytest.raises(ValueError, match="must return a finite number, got None"):
        xg.train.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), (x, y),
                     callbacks=[bad], verbose=0)


def test_hooks_run_in_keras_order_with_the_context_set():
    events = []

    class Recorder(Callback):
        def on_train_begin(self, logs=None):
            events.append(("train_begin", self.model is model, self.optimizer is opt))

        def on_epoch_begin(self, epoch, logs=None): events.append(("epoch_begin", epoch))
        def on_batch_begin(self, batch, logs=None): events.append(("batch_begin", batch))
        def on_batch_end(self, batch, logs=None): events.append(("batch_end", batch, logs["size"]))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch, sorted(logs)))

        def on_train_end(self, logs=None): events.append(("train_end",))

    x, y = tiny(n=5)
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    opt = optim.SGD(model.parameters(), lr=0.1)
    xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=2, batch_size=3, verbose=0,
                 validation_data=(x, y), callbacks=[Recorder()])
    epoch = [("batch_begin", 0), ("batch_end", 0, 3), ("batch_begin", 1), ("batch_end", 1, 2)]
    assert events == [("train_begin", True, True),
                      ("epoch_begin", 0), *epoch, ("epoch_end", 0, ["loss", "val_loss"]),
                      ("epoch_begin", 1), *epoch, ("epoch_end", 1, ["loss", "val_loss"]),
                      ("train_end",)]


def test_stop_training_needs_a_model():
    cb = Callback()
    assert cb.stop_training is False
    with pytest.raises(RuntimeError, match="no model yet"):
        cb.stop_training = True
