"""xg.train against Keras' documented fit / evaluate / callbacks / metrics semantics:
validation_split (the last fraction, before shuffling), validation_freq, steps_per_epoch,
sample_weight and class_weight, the Keras callbacks (ReduceLROnPlateau, TerminateOnNaN,
LambdaCallback, ModelCheckpoint's save_freq), batch logs, evaluate(return_dict=False)."""
import csv
import math

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim
from xpgrad.train import (Callback, CSVLogger, EarlyStopping, LambdaCallback,
                          LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau,
                          TerminateOnNaN)


def data(n=20, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x[:, :1] + 0.3 * x[:, 1:2] > 0).astype(np.float32)
    return x, y


def model_opt(lr=0.1):
    xg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    return model, optim.SGD(model.parameters(), lr=lr)


def test_history_layout_and_params_like_keras():
    x, y = data()
    model, opt = model_opt()
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=3, batch_size=None,
                        validation_split=0.25, metrics=["accuracy"], verbose=0)
    assert list(hist.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(v) == 3 and isinstance(v[0], float) for v in hist.history.values())
    assert hist.epoch == [0, 1, 2]
    assert hist.params == {"epochs": 3, "steps": 1, "verbose": 0}     # 15 rows, batch 32


def test_validation_split_holds_out_the_last_samples_before_shuffling():
    x, y = data(n=20)
    model, opt = model_opt()
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=2, batch_size=4,
                        validation_split=0.3, shuffle=True, seed=1, verbose=0)
    assert hist.params["steps"] == 4                     # floor(20 * 0.7) = 14 rows train
    last = xg.train.evaluate(model, nn.BCELoss(), (x[14:], y[14:]))["loss"]
    assert hist.history["val_loss"][-1] == pytest.approx(last, rel=1e-6)
    # validation_data wins over validation_split, as in Keras
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=1, validation_split=0.5,
                        validation_data=(x[:2], y[:2]), verbose=0)
    assert hist.params["steps"] == 1
    with pytest.raises(ValueError, match=r"validation_split must be a number in \[0, 1\), "
                                         r"got 1.0"):
        xg.train.fit(model, nn.BCELoss(), opt, (x, y), validation_split=1.0, verbose=0)
    with pytest.raises(ValueError, match="too few to split"):
        xg.train.fit(model, nn.BCELoss(), opt, (x[:1], y[:1]), validation_split=0.5,
                     verbose=0)
    with pytest.raises(ValueError, match="validation_split needs train_data as arrays"):
        xg.train.fit(model, nn.BCELoss(), opt, xg.data.DataLoader((x, y)),
                     validation_split=0.5, verbose=0)


def test_validation_freq_and_steps():
    x, y = data(n=12)
    model, opt = model_opt()
    seen = []
    cb = LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=4, batch_size=4,
                        validation_data=(x, y), validation_freq=2, steps_per_epoch=5,
                        callbacks=[cb], verbose=0)
    assert len(hist.history["loss"]) == 4 and len(hist.history["val_loss"]) == 2
    assert seen == list(range(5)) * 4 and hist.params["steps"] == 5   # 5 > 3 batches: wraps
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=3, validation_data=(x, y),
                        validation_freq=[1, 3], verbose=0)
    assert len(hist.history["val_loss"]) == 2
    for bad in (0, "2", [1.5]):
        with pytest.raises(ValueError, match="validation_freq must be"):
            xg.train.fit(model, nn.BCELoss(), opt, (x, y), validation_freq=bad, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch must be a positive integer"):
        xg.train.fit(model, nn.BCELoss(), opt, (x, y), steps_per_epoch=0, verbose=0)


def test_sample_weight_and_class_weight_scale_the_loss_as_keras():
    x, y = data(n=16)
    w = np.where(y[:, 0] > 0.5, 3.0, 0.5).astype(np.float32)
    model, _ = model_opt()
    with xg.no_grad():
        p = model(xg.tensor(x)).numpy()
    per = -(y * np.log(p) + (1 - y) * np.log(1 - p))[:, 0]
    expected = float(np.mean(per * w))                 # Keras: mean of loss_i * w_i
    ev = xg.train.evaluate(model, nn.BCELoss(), (x, y), batch_size=5, sample_weight=w)
    assert ev["loss"] == pytest.approx(expected, rel=1e-5)
    frozen = optim.SGD(model.parameters(), lr=0.0)
    for kwargs in ({"sample_weight": w}, {"class_weight": {0: 0.5, 1: 3.0}}):
        hist = xg.train.fit(model, nn.BCELoss(), frozen, (x, y), epochs=1, batch_size=5,
                            shuffle=False, verbose=0, validation_data=(x, y, w), **kwargs)
        assert hist.history["loss"][0] == pytest.approx(expected, rel=1e-5)
        assert hist.history["val_loss"][0] == pytest.approx(expected, rel=1e-5)
    # integer class targets with a multi-class loss; a class missing from the dict weighs 1
    xc = np.random.default_rng(1).normal(size=(9, 3)).astype(np.float32)
    yc = np.array([0, 1, 2] * 3)
    net = nn.Linear(3, 3)
    with xg.no_grad():
        per_c = nn.CrossEntropyLoss(reduction="none")(net(xg.tensor(xc)), xg.tensor(yc)).numpy()
    hist = xg.train.fit(net, nn.CrossEntropyLoss(), optim.SGD(net.parameters(), lr=0.0),
                        (xc, yc), class_weight={0: 2.0, 2: 0.0}, shuffle=False, verbose=0)
    cw = np.array([2.0, 1.0, 0.0])[yc]
    assert hist.history["loss"][0] == pytest.approx(float(np.mean(per_c * cw)), rel=1e-5)


def test_weight_errors_name_the_argument():
    x, y = data(n=8)
    model, opt = model_opt()
    with pytest.raises(ValueError, match="sample_weight holds 3 weights but train_data has 8"):
        xg.train.fit(model, nn.BCELoss(), opt, (x, y), sample_weight=np.ones(3), verbose=0)
    with pytest.raises(ValueError, match="class_weight keys must be class indices"):
        xg.train.fit(model, nn.BCELoss(), opt, (x, y), class_weight={"a": 1.0}, verbose=0)
    with pytest.raises(ValueError, match="sample_weight cannot be combined with a DataLoader"):
        xg.train.fit(model, nn.BCELoss(), opt, xg.data.DataLoader((x, y)),
                     sample_weight=np.ones(8), verbose=0)
    with pytest.raises(ValueError, match="got 3 items; pass sample weights as sample_weight"):
        xg.train.fit(model, nn.BCELoss(), opt, (x, y, np.ones(8)), verbose=0)


def test_callback_subclass_gets_keras_hooks_logs_and_params():
    events = []

    class Spy(Callback):
        def on_train_begin(self, logs=None): events.append(("params", dict(self.params)))
        def on_train_batch_end(self, batch, logs=None):
            events.append(("batch", batch, float(logs["loss"])))
        def on_test_begin(self, logs=None): events.append(("test_begin",))
        def on_test_end(self, logs=None): events.append(("test_end", sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch", epoch, logs["loss"]))
            self.model.stop_training = True              # Keras' spelling stops after it

    x, y = data(n=8)
    model, opt = model_opt()
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=5, batch_size=4,
                        shuffle=False, validation_data=(x, y), callbacks=[Spy()], verbose=0)
    assert hist.epoch == [0]
    assert events[0] == ("params", {"epochs": 5, "steps": 2, "verbose": 0})
    (_, _, first), (_, _, second) = events[1], events[2]
    assert events[3:5] == [("test_begin",), ("test_end", ["loss"])]
    # the batch logs' loss is the epoch's running mean, as Keras': the last one is the epoch's
    assert second == pytest.approx(events[5][2], rel=1e-6) and first != second


def test_reduce_lr_on_plateau_follows_keras():
    x, y = data(n=8)
    model, opt = model_opt(lr=1.0)
    cb = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, cooldown=2,
                           min_lr=0.2, min_delta=0.0)
    cb.set_context(model, opt)
    cb.on_train_begin()
    lrs = []
    for epoch, value in enumerate([1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6]):
        logs = {"val_loss": value}
        cb.on_epoch_end(epoch, logs)
        lrs.append((logs["learning_rate"], opt.param_groups[0]["lr"]))
    # Keras' counting: epoch 1 reduces (wait 1 >= patience) and starts a cooldown of 2, which
    # epochs 2 and 3 count down (the counter reaches 0 at epoch 3, which then counts and
    # reduces), epoch 4 cools, 5 improves, 6 reduces to the floor 0.2 (0.25 * 0.5 < 0.2)
    assert [after for _, after in lrs] == [1.0, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2]
    assert [before for before, _ in lrs][:3] == [1.0, 1.0, 0.5]
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=2, verbose=0,
                        callbacks=[ReduceLROnPlateau(monitor="loss", patience=0, factor=0.1)])
    assert len(hist.history["learning_rate"]) == 2
    with pytest.raises(ValueError, match="factor must be below 1.0"):
        ReduceLROnPlateau(factor=1.0)
    assert ReduceLROnPlateau(monitor="val_accuracy").mode == "max"


def test_terminate_on_nan_and_lambda_callback():
    x, y = data(n=8)
    x[5] = np.nan
    model, opt = model_opt()
    ends = []
    hist = xg.train.fit(model, nn.MSELoss(), opt, (x, y), epochs=3, batch_size=2,
                        shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN(),
                                   LambdaCallback(on_epoch_end=lambda e, logs: ends.append(e),
                                                  on_batch_end=lambda b, logs: None)])
    assert hist.epoch == [0] and ends == [0] and model.stop_training
    assert math.isnan(hist.history["loss"][0])
    with pytest.raises(TypeError, match="unknown hook"):
        LambdaCallback(on_epoch_ends=print)


def test_early_stopping_attributes_in_a_fit():
    x, y = data(n=8)
    model, opt = model_opt(lr=0.0)                        # nothing improves
    stop = EarlyStopping(monitor="loss", patience=2)
    hist = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=10, callbacks=[stop],
                        verbose=0)
    assert hist.epoch == [0, 1, 2] and stop.stopped_epoch == 2 and stop.best_epoch == 0
    assert EarlyStopping(monitor="val_accuracy").mode == "max"


def test_model_checkpoint_keras_arguments(tmp_path):
    x, y = data(n=8)
    model, opt = model_opt()
    ckpt = ModelCheckpoint(filepath=str(tmp_path / "m-{epoch:02d}-{val_loss:.2f}.safetensors"),
                           save_weights_only=True)
    per_batch = ModelCheckpoint(tmp_path / "b-{epoch}-{batch}.safetensors", save_freq=3)
    xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=2, batch_size=4,
                 validation_data=(x, y), callbacks=[ckpt, per_batch], verbose=0)
    assert [p.name[:5] for p in ckpt.saved] == ["m-01-", "m-02-"]
    assert [p.name for p in per_batch.saved] == ["b-2-1.safetensors"]   # the 3rd batch
    model.load_state_dict(xg.load(ckpt.saved[-1]))
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive number"):
        ModelCheckpoint("x.safetensors", save_freq="batch")


def test_csv_logger_and_scheduler_keras_spellings(tmp_path):
    x, y = data(n=8)
    model, opt = model_opt()
    path = tmp_path / "log.csv"
    xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=2, verbose="auto",
                 callbacks=[LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1)),
                            CSVLogger(filename=path)])     # after it: sees learning_rate
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "learning_rate", "loss"] and [r[0] for r in rows[1:]] == ["0", "1"]
    assert float(rows[2][1]) == pytest.approx(0.05)


def test_evaluate_return_dict_false_and_predict_steps():
    x, y = data(n=10)
    model, _ = model_opt()
    as_dict = xg.train.evaluate(model, nn.BCELoss(), (x, y), metrics=["accuracy", "AUC"])
    assert list(as_dict) == ["loss", "accuracy", "AUC"]
    assert xg.train.evaluate(model, nn.BCELoss(), (x, y), return_dict=False) == \
        pytest.approx(as_dict["loss"])
    assert xg.train.evaluate(model, nn.BCELoss(), (x, y), metrics=["accuracy", "AUC"],
                             return_dict=False) == pytest.approx(list(as_dict.values()))
    assert xg.train.predict(model, x, batch_size=4, steps=2).shape == (8, 1)


def test_precision_recall_and_keras_metric_names():
    pred = np.array([[0.9], [0.8], [0.2], [0.6], [0.1]], np.float32)
    y = np.array([[1], [0], [1], [1], [0]], np.float32)
    p, r = xg.train.get_metric("precision"), xg.train.get_metric("Recall")
    for m in (p, r):
        m.update_state(xg.tensor(pred[:2]), xg.tensor(y[:2]))
        m.update_state(xg.tensor(pred[2:]), xg.tensor(y[2:]))
    assert p.result() == pytest.approx(2 / 3) and r.result() == pytest.approx(2 / 3)
    assert r.name == "Recall"                            # the history key is the name given
    logits = xg.train.get_metric("precision", from_logits=True)
    assert logits.threshold == 0.0
    empty = xg.train.Precision()
    empty.update_state(xg.tensor(np.zeros((2, 1), np.float32)), xg.tensor(np.ones((2, 1))))
    assert empty.result() == 0.0                         # nothing predicted positive
    for name in ("BinaryAccuracy", "MeanSquaredError", "AUC", "auc", "mae"):
        assert xg.train.get_metric(name).name == name


def test_categorical_accuracy_takes_bool_one_hot_targets():
    from xpgrad.train.metrics import get_metric
    m = get_metric("categorical_accuracy")
    m.update_state(xg.tensor([[0.1, 0.9], [0.8, 0.2]]), xg.tensor([[False, True], [False, True]]))
    assert float(m.result()) == 0.5
