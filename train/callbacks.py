"""Callbacks with Keras' hooks and semantics: EarlyStopping, ModelCheckpoint,
LearningRateScheduler, CSVLogger. ``self.model`` and ``self.optimizer`` are set by fit."""
from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any, Callable

from ..autograd.grad_mode import no_grad


class Callback:
    """Override any of the hooks; ``self.model.stop_training = True`` ends training."""

    def __init__(self) -> None:
        self.model: Any = None
        self.optimizer: Any = None

    def set_context(self, model: Any, optimizer: Any) -> None:
        self.model, self.optimizer = model, optimizer

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...


def _monitor_mode(monitor: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.lower()
    return "max" if any(k in name for k in ("acc", "auc", "precision", "recall")) else "min"


def _snapshot(model: Any) -> dict:
    """Copies of every parameter and buffer array (so later in-place updates can't touch them)."""
    return {name: t._backend.copy(t.data) for name, t in model.state_dict().items()}


def _restore(model: Any, snapshot: dict) -> None:
    with no_grad():
        for name, t in model.state_dict().items():
            t._backend.setitem(t.data, Ellipsis, snapshot[name])


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs (Keras' semantics: the wait counts from the last improvement; with ``baseline``
    the wait only restarts when the baseline is beaten too; nothing is judged before
    ``start_from_epoch``). ``restore_best_weights``: at the end of training, put back the
    weights of the best epoch. ``stopped_epoch`` and ``best_epoch`` are 0-based.

    >>> EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, int(patience), verbose
        self.mode = _monitor_mode(monitor, mode)
        self.min_delta = abs(min_delta)
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.on_train_begin()

    def _improves(self, value: float, reference: float) -> bool:
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights: dict | None = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None:
            import warnings
            warnings.warn(f"EarlyStopping: '{self.monitor}' is not in the logs (available: "
                          f"{', '.join(logs or {})}); nothing is monitored", stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = _snapshot(self.model), epoch
        self.wait += 1
        if self._improves(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = _snapshot(self.model)
            if self.baseline is None or self._improves(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            _restore(self.model, self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model's state dict (xg.save, atomic) after every epoch, or only when
    ``monitor`` improves with ``save_best_only``. ``path`` may contain ``{epoch}`` and log keys.

    >>> ModelCheckpoint("best.safetensors", monitor="val_loss", save_best_only=True)
    """

    def __init__(self, path: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, mode: str = "auto") -> None:
        super().__init__()
        self.path, self.monitor, self.verbose = str(path), monitor, verbose
        self.save_best_only, self.mode = save_best_only, _monitor_mode(monitor, mode)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.saved: list[Path] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        from .checkpoint import save
        logs = logs or {}
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                return
            better = current < self.best if self.mode == "min" else current > self.best
            if not better:
                return
            self.best = current
        target = Path(self.path.format(epoch=epoch + 1, **logs))
        save(self.model.state_dict(), target)
        self.saved.append(target)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved model to {target}")


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch's start to ``schedule(epoch, lr)`` (Keras)."""

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0) -> None:
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        groups = self.optimizer.param_groups
        lr = float(self.schedule(epoch, groups[0]["lr"]))
        for group in groups:
            group["lr"] = lr
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["lr"] = self.optimizer.param_groups[0]["lr"]


class CSVLogger(Callback):
    """Append one row per epoch (epoch, then each log key) to a CSV file."""

    def __init__(self, path: str | os.PathLike, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.path, self.separator, self.append = Path(path), separator, append
        self.keys: list[str] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        if not self.append and self.path.exists():
            self.path.unlink()
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        new_file = not self.path.exists()
        if self.keys is None:
            self.keys = sorted(logs)
        with open(self.path, "a", newline="") as f:
            writer = csv.writer(f, delimiter=self.separator)
            if new_file:
                writer.writerow(["epoch", *self.keys])
            writer.writerow([epoch, *(logs.get(k, "") for k in self.keys)])
