"""More of Keras' callbacks: ReduceLROnPlateau, TerminateOnNaN and LambdaCallback.

>>> xg.train.fit(..., callbacks=[ReduceLROnPlateau(factor=0.5, patience=3), TerminateOnNaN()])
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable

from .callbacks import Callback, _improves, _warn_missing, monitor_mode

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end",
          "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
          "on_predict_begin", "on_predict_end")


def _number(value: Any, name: str, who: str, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= low:
        raise ValueError(f"{who}: {name} must be a number >= {low:g}, got {value!r}")
    return float(value)


class ReduceLROnPlateau(Callback):
    """Keras' ReduceLROnPlateau: when ``monitor`` has not improved by more than
    ``min_delta`` for ``patience`` epochs, multiply every parameter group's lr by ``factor``
    (never below ``min_lr``), then wait ``cooldown`` epochs before counting again. Each
    epoch's logs get ``learning_rate``, the rate the epoch ran with. ``mode="auto"`` reads
    the direction from the name as EarlyStopping does (so ``val_auc`` is maximised; Keras
    maximises only names containing "acc"). For a PyTorch-style scheduler object use
    ``xg.optim.lr_scheduler.ReduceLROnPlateau`` with fit's ``scheduler=``.

    >>> ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=1e-4)
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0) -> None:
        super().__init__()
        who = "ReduceLROnPlateau"
        self.factor = _number(factor, "factor", who)
        if self.factor >= 1.0:
            raise ValueError(f"{who}: factor must be below 1.0 (new_lr = lr * factor), got "
                             f"{factor!r}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"{who}: {name} must be a non-negative integer, got {value!r}")
        self.monitor, self.patience, self.cooldown = monitor, int(patience), int(cooldown)
        self.verbose = verbose
        self.min_delta = abs(_number(min_delta, "min_delta", who, low=-math.inf))
        self.min_lr = _number(min_lr, "min_lr", who)
        self.mode = monitor_mode(monitor, mode, who)
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.cooldown_counter = 0

    def in_cooldown(self) -> bool:
        """Whether the cooldown after a reduction is still running. >>> cb.in_cooldown()"""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = {} if logs is None else logs
        groups = self.optimizer.param_groups
        logs["learning_rate"] = float(groups[0]["lr"])
        current = logs.get(self.monitor)
        if current is None:
            _warn_missing("ReduceLROnPlateau", self.monitor, logs)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if _improves(self.mode, current, self.best, self.min_delta):
            self.best, self.wait = current, 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        reduced = False
        for group in groups:
            old = float(group["lr"])
            if old > self.min_lr:
                group["lr"] = max(old * self.factor, self.min_lr)
                reduced = True
        if reduced:
            if self.verbose:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                      f"{groups[0]['lr']}.")
            self.cooldown_counter, self.wait = self.cooldown, 0


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite (Keras' TerminateOnNaN).
    It reads the running loss back from the device after every batch, so it costs one
    device-to-host transfer per batch (fit reads nothing per batch without it).

    >>> xg.train.fit(..., callbacks=[TerminateOnNaN()])
    """

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        value = float(loss)
        if math.isnan(value) or math.isinf(value):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.stop_training = True


class LambdaCallback(Callback):
    """A callback from functions, as Keras' LambdaCallback: ``on_epoch_begin`` and
    ``on_epoch_end`` take (epoch, logs), ``on_train_begin`` and ``on_train_end`` take
    (logs), the batch hooks (``on_train_batch_end``, ``on_batch_end``, ...) take
    (batch, logs). An unknown hook name raises TypeError.

    >>> LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    """

    def __init__(self, on_epoch_begin: Callable | None = None,
                 on_epoch_end: Callable | None = None, on_train_begin: Callable | None = None,
                 on_train_end: Callable | None = None,
                 on_train_batch_begin: Callable | None = None,
                 on_train_batch_end: Callable | None = None, **hooks: Callable) -> None:
        super().__init__()
        unknown = sorted(set(hooks) - set(_HOOKS))
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hook(s) {unknown}; known: "
                            f"{', '.join(_HOOKS)}")
        hooks.update(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, fn in hooks.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be a function, got "
                                f"{type(fn).__name__}")
            setattr(self, name, fn)       # shadows the method, as Keras does

    def listens_to(self, hook: str) -> bool:
        return hook in vars(self) or super().listens_to(hook) or \
            (hook == "on_train_batch_end" and "on_batch_end" in vars(self)) or \
            (hook == "on_train_batch_begin" and "on_batch_begin" in vars(self))
