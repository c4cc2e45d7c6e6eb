"""fit / evaluate / predict with compile=True: the lecture's heart network trains to the same
history, weights and test scores as eager (bit for bit on the CPU), and the compiled steps
really replay (one recording per batch shape)."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import xpgrad as xg
from xpgrad import nn, optim

fit_module = sys.modules["xpgrad.train.fit"]     # xg.train.fit is the function


def _train(compiled: bool, device: str = "cpu", epochs: int = 300, optimizer: str = "adam"):
    xg.manual_seed(0)
    data = xg.data.load_heart(split="train_val_test", seed=0)
    (x, y), (xv, yv), (xt, yt) = data.train, data.validation, data.test
    model = nn.Sequential(nn.Linear(29, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1),
                          nn.Sigmoid())
    if optimizer == "adam":
        opt = optim.Adam(model.parameters(), lr=1e-3)
        scheduler = None
    else:
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
        scheduler = optim.lr_scheduler.StepLR(opt, 5, 0.7)
    stop = xg.train.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    history = xg.train.fit(model, nn.BCELoss(), opt, (x, y), epochs=epochs, batch_size=32,
                           validation_data=(xv, yv), metrics=["accuracy"], callbacks=[stop],
                           scheduler=scheduler, verbose=0, seed=0, device=device,
                           compile=compiled)
    test = xg.train.evaluate(model, nn.BCELoss(), (xt, yt), metrics=["accuracy", "auc"],
                             device=device, compile=compiled)
    probs = xg.train.predict(model, xt, batch_size=16, device=device, compile=compiled)
    return history, test, [p.numpy() for p in model.parameters()], probs.numpy()


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_fit_compile_matches_eager_on_heart(optimizer: str) -> None:
    h1, t1, p1, y1 = _train(False, optimizer=optimizer)
    h2, t2, p2, y2 = _train(True, optimizer=optimizer)
    assert h1.history == h2.history                     # every epoch's logs, exactly
    assert t1 == t2
    assert all(np.array_equal(a, b) for a, b in zip(p1, p2))
    assert np.array_equal(y1, y2)
    assert t2["accuracy"] > 0.78 and t2["auc"] > 0.85   # and it learned


def test_fit_compile_on_strict_device_matches_eager() -> None:
    h1, t1, p1, _ = _train(False, "strict:device1", epochs=6)
    h2, t2, p2, _ = _train(True, "strict:device1", epochs=6)
    assert h1.history == h2.history and t1 == t2
    assert all(np.array_equal(a, b) for a, b in zip(p1, p2))


def test_fit_compile_replays(monkeypatch) -> None:
    made = []
    real = fit_module.xg_compile

    def spy(fn):
        made.append(real(fn))
        return made[-1]
    monkeypatch.setattr(fit_module, "xg_compile", spy)
    _train(True, epochs=4)
    train_step = next(c for c in made if c.name == "train_step")
    # 194 training rows in batches of 32: a full-batch and a last-batch signature
    assert train_step.traces == 2
    assert len(train_step.programs()) == 2
    program = train_step.programs()[0]
    assert program.stats["buffers"] > 0 and program.stats["calls"] > 10


def test_fit_compile_refuses_distributed() -> None:
    model = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="compile=True cannot be combined with distributed"):
        xg.train.fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1),
                     (np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float32)),
                     distributed=True, compile=True, verbose=0)
