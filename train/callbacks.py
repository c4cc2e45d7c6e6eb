"""Callbacks with Keras' hooks and semantics: EarlyStopping, ModelCheckpoint,
LearningRateScheduler, CSVLogger (History lives in history.py). ``fit`` sets ``self.model``
and ``self.optimizer`` before ``on_train_begin``.

>>> xg.train.fit(..., callbacks=[EarlyStopping(patience=5), CSVLogger("log.csv")])
"""
from __future__ import annotations

import csv
import math
import numbers
import os
import warnings
from pathlib import Path
from typing import Any, Callable

from ..autograd.grad_mode import no_grad

_UP = ("acc", "auc", "precision", "recall", "f1", "fmeasure", "iou", "r2")
_DOWN = ("loss", "error", "mae", "mse", "rmse", "mape", "msle", "crossentropy", "hinge")
_LEGACY = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class Callback:
    """Keras' hooks: on_train_begin/end, on_epoch_begin/end(epoch, logs), on_train_batch_*
    (which fall back to on_batch_begin/end), on_test_begin/end and on_test_batch_* around
    validation. ``self.model``, ``self.optimizer`` and ``self.params`` (fit's settings:
    epochs, steps, verbose) are set before on_train_begin. Setting ``self.stop_training =
    True`` (the same as ``self.model.stop_training = True``, Keras' spelling) ends training
    after the current batch (from ``on_batch_end``; validation and on_epoch_end still run,
    as in Keras) or epoch (from ``on_epoch_end``).

    >>> class Print(Callback):
    ...     def on_epoch_end(self, epoch, logs=None): print(epoch, logs["loss"])
    """

    main_process_only = False     # True: only rank 0 runs it under fit(distributed=True)

    def __init__(self) -> None:
        self.model: Any = None
        self.optimizer: Any = None
        self.params: dict = {}

    def set_context(self, model: Any, optimizer: Any) -> None:
        self.model, self.optimizer = model, optimizer

    def set_model(self, model: Any) -> None:
        """Keras' setter for ``self.model``. >>> cb.set_model(model)"""
        self.model = model

    def set_params(self, params: dict) -> None:
        """Keras' setter for ``self.params`` (fit's epochs, steps, verbose).

        >>> cb.set_params({"epochs": 10, "steps": 5, "verbose": 0})
        """
        self.params = params

    def listens_to(self, hook: str) -> bool:
        """Whether a subclass overrides ``hook`` (or the older name it falls back to), so
        fit skips building batch logs nobody reads.

        >>> TerminateOnNaN().listens_to("on_train_batch_end")
        True
        """
        names = (hook, _LEGACY.get(hook, hook))
        return any(getattr(type(self), h) is not getattr(Callback, h) for h in names)

    @property
    def stop_training(self) -> bool:
        return bool(getattr(self.model, "stop_training", False))

    @stop_training.setter
    def stop_training(self, value: bool) -> None:
        if self.model is None:
            raise RuntimeError(f"{type(self).__name__}.stop_training: no model yet (fit sets "
                               "it before on_train_begin)")
        self.model.stop_training = bool(value)

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_begin(batch, logs)      # Keras: the train hooks fall back to these

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs: dict | None = None) -> None: ...
    def on_test_end(self, logs: dict | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None: ...
    def on_predict_begin(self, logs: dict | None = None) -> None: ...
    def on_predict_end(self, logs: dict | None = None) -> None: ...


def monitor_mode(monitor: str, mode: str, who: str) -> str:
    """'min' or 'max' for ``monitor``; ``mode="auto"`` decides from the name (after "val_")
    and raises, as Keras does, when the name does not say which way is better."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.lower().removeprefix("val_")
    if any(k in name for k in _DOWN):
        return "min"
    if any(k in name for k in _UP):
        return "max"
    raise ValueError(f"{who}: cannot tell whether {monitor!r} should go up or down; pass "
                     "mode='max' to keep the highest value or mode='min' for the lowest")


def _improves(mode: str, value: float, reference: float, min_delta: float) -> bool:
    if mode == "min":
        return value + min_delta < reference
    return value - min_delta > reference


def _snapshot(model: Any) -> dict:
    """Copies of every parameter and buffer array (later in-place updates can't touch them)."""
    return {name: t._backend.copy(t.data) for name, t in model.state_dict().items()}


def _restore(model: Any, snapshot: dict) -> None:
    with no_grad():
        for name, t in model.state_dict().items():
            t._backend.setitem(t.data, Ellipsis, snapshot[name])


def _warn_missing(who: str, monitor: str, logs: dict) -> None:
    warnings.warn(f"{who}: '{monitor}' is not in the logs (available: "
                  f"{', '.join(logs) or 'none'}); pass validation_data to fit for val_* "
                  "values", stacklevel=3)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs, with Keras' semantics: every judged epoch adds one to ``wait``; an improvement
    on the best value so far records it and resets ``wait`` to 0, but with a ``baseline``
    only if the value also beats the baseline; an epoch that does not improve (NaN never
    does) stops training when ``wait >= patience`` (never the first epoch). So a quantity
    that keeps improving without beating the baseline does not stop training, and one that
    never improves stops after ``patience`` epochs. Epochs before ``start_from_epoch`` are
    not judged. An invalid ``mode``, or a monitor whose direction the name does not tell
    with ``mode="auto"``, raises ValueError (Keras warns, or raises at the first epoch).
    ``restore_best_weights``: when training ends, early or not, the weights of the best
    epoch are put back (the first judged epoch's if none improved). ``stopped_epoch`` and
    ``best_epoch`` are 0-based (``stopped_epoch`` stays 0 when training did not stop early).

    >>> EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        super().__init__()
        if patience < 0 or start_from_epoch < 0:
            raise ValueError(f"EarlyStopping: patience and start_from_epoch must be >= 0, got "
                             f"{patience!r} and {start_from_epoch!r}")
        self.monitor, self.patience, self.verbose = monitor, int(patience), verbose
        self.mode = monitor_mode(monitor, mode, "EarlyStopping")
        self.min_delta = abs(float(min_delta))
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = int(start_from_epoch)
        self.on_train_begin()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights: dict | None = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            _warn_missing("EarlyStopping", self.monitor, logs)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = _snapshot(self.model), epoch
        self.wait += 1
        if _improves(self.mode, current, self.best, self.min_delta):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = _snapshot(self.model)
            if self.baseline is None or _improves(self.mode, current, self.baseline,
                                                  self.min_delta):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            _restore(self.model, self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model's state dict with ``xg.save`` (atomic) after every epoch, or with
    ``save_best_only`` only when ``monitor`` beats the best value so far (and
    ``initial_value_threshold`` when given). ``filepath`` may hold ``{epoch}`` (1-based) and
    log keys: ``"ckpt-{epoch:02d}-{val_loss:.2f}.safetensors"``. ``save_freq="epoch"``
    saves at each epoch's end; an int ``n`` every ``n`` training batches (counted across
    epochs, as Keras; the path may then use ``{batch}``, 1-based, and the batch logs, whose
    ``loss`` is the epoch's running mean). ``save_weights_only`` is accepted for Keras code:
    the file always holds the state dict (weights and buffers), as a whole model is never
    pickled; for optimizer state too use ``xg.train.save_checkpoint``. ``saved`` lists the
    files written.

    >>> ModelCheckpoint("best.safetensors", monitor="val_loss", save_best_only=True)
    """

    main_process_only = True

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss",
                 verbose: int = 0, save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: str | int = "epoch",
                 initial_value_threshold: float | None = None) -> None:
        super().__init__()
        self.path, self.monitor, self.verbose = os.fspath(filepath), monitor, verbose
        self.filepath = self.path
        self.save_best_only, self.save_weights_only = save_best_only, bool(save_weights_only)
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, numbers.Integral) or save_freq < 1):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive number "
                             f"of batches, got {save_freq!r}")
        self.save_freq = save_freq
        if save_best_only:
            self.mode = monitor_mode(monitor, mode, "ModelCheckpoint")
        elif mode not in ("auto", "min", "max"):
            raise ValueError(f"ModelCheckpoint: mode must be 'auto', 'min' or 'max', got {mode!r}")
        else:
            self.mode = mode
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        else:
            self.best = math.inf if self.mode == "min" else -math.inf
        self.saved: list[Path] = []
        self._batches_seen, self._epoch = 0, 0

    def listens_to(self, hook: str) -> bool:
        return self.save_freq != "epoch" or super().listens_to(hook)

    def _target(self, epoch: int, logs: dict, batch: int | None = None) -> Path:
        extra = {} if batch is None else {"batch": batch + 1}
        try:
            return Path(self.path.format(epoch=epoch + 1, **extra, **logs))
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"ModelCheckpoint: cannot fill in the path {self.path!r} "
                             f"({type(exc).__name__}: {exc}); it may use {{epoch}}"
                             f"{'' if batch is None else ', {batch}'} and the log keys "
                             f"{sorted(logs)}") from None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            values = {k: float(v) if hasattr(v, "item") else v for k, v in (logs or {}).items()
                      if k not in ("batch", "size")}
            self._save(self._epoch, values, batch)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch, logs or {})

    def _save(self, epoch: int, logs: dict, batch: int | None = None) -> None:
        from .checkpoint import save
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                _warn_missing("ModelCheckpoint", self.monitor, logs)
                return
            if not _improves(self.mode, current, self.best, 0.0):
                if self.verbose:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}")
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}")
            self.best = current
        target = self._target(epoch, logs, batch)
        save(self.model.state_dict(), target)
        self.saved.append(target)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saved model to {target}")


def _takes_one_argument(fn: Callable) -> bool:
    """Whether ``fn`` takes exactly one positional argument (Keras' old schedule(epoch))."""
    import inspect
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = any(p.kind == p.VAR_POSITIONAL for p in params)
    required = [p for p in positional if p.default is p.empty]
    return not star and len(required) <= 1 and len(positional) == 1


class LearningRateScheduler(Callback):
    """At each epoch's start set every parameter group's lr to ``schedule(epoch, lr)``
    (epoch 0-based, lr the first group's current value; a schedule taking only ``epoch``
    works too, as in Keras), and log it as ``learning_rate``.

    >>> LearningRateScheduler(lambda epoch, lr: lr if epoch < 10 else lr * 0.9)
    """

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0) -> None:
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be a function (epoch, lr) "
                            f"-> lr, got {type(schedule).__name__}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        groups = self.optimizer.param_groups
        lr = (self.schedule(epoch) if _takes_one_argument(self.schedule)
              else self.schedule(epoch, groups[0]["lr"]))
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr):
            raise ValueError(f"LearningRateScheduler: schedule({epoch}, {groups[0]['lr']}) "
                             f"must return a finite number, got {lr!r}")
        for group in groups:
            group["lr"] = float(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = self.optimizer.param_groups[0]["lr"]


class CSVLogger(Callback):
    """One row per epoch: ``epoch`` (0-based, as Keras), then the log keys in sorted order
    (fixed by the first epoch; a missing value is written as NA). The file is replaced at
    the start of training unless ``append``; each row is flushed as it is written.

    >>> CSVLogger("training.csv")
    """

    main_process_only = True

    def __init__(self, filename: str | os.PathLike, separator: str = ",",
                 append: bool = False) -> None:
        super().__init__()
        self.path, self.separator, self.append = Path(filename), separator, append
        self.filename = self.path
        self.keys: list[str] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.append:
            self.path.write_text("")
        self.keys = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            header = not self.path.exists() or self.path.stat().st_size == 0
        else:
            header = False
        with open(self.path, "a", newline="") as f:
            writer = csv.writer(f, delimiter=self.separator)
            if header:
                writer.writerow(["epoch", *self.keys])
            writer.writerow([epoch, *(logs.get(k, "NA") for k in self.keys)])
