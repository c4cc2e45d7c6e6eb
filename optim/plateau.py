"""ReduceLROnPlateau: cut the learning rate when a monitored metric stops improving."""
from __future__ import annotations

import copy
import math

from ..autograd import function as _function
from .optimizer import Optimizer


class ReduceLROnPlateau:
    """After more than ``patience`` epochs without improvement, lr *= factor (never below
    ``min_lr``; changes smaller than ``eps`` are skipped), then ``cooldown`` epochs in which
    nothing is counted. Improvement in mode 'min' means metric < best * (1 - threshold)
    ('rel') or best - threshold ('abs'); mode 'max' mirrors it. ``step(metric)`` takes a
    Python float (read the validation loss once per epoch).

    >>> sched = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=5); sched.step(val_loss)
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0.0, eps: float = 1e-8) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau needs an Optimizer, got {type(optimizer).__name__}")
        if not 0.0 <= factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be in [0, 1), got {factor!r}")
        if patience < 0 or cooldown < 0:
            raise ValueError(f"ReduceLROnPlateau: patience and cooldown must be >= 0, got "
                             f"{patience!r} and {cooldown!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        self.min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * n
        if len(self.min_lrs) != n:
            raise ValueError(f"ReduceLROnPlateau: expected {n} min_lrs, got {len(self.min_lrs)}")
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.best = self.mode_worse = math.inf if mode == "min" else -math.inf
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr  # as torch
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def is_better(self, current: float, best: float) -> bool:
        if self.mode == "min":
            rel = self.threshold_mode == "rel"
            return current < (best * (1 - self.threshold) if rel else best - self.threshold)
        rel = self.threshold_mode == "rel"
        bound = best * (1 + self.threshold) if rel else best + self.threshold
        return current > bound

    def step(self, metrics: float, epoch: int | None = None) -> None:
        if _function.tracer is not None:
            _function.tracer.refuse("ReduceLROnPlateau.step (it reads the metric on the "
                                    "host; step it after the compiled call)")
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            if len(self.min_lrs) != len(self.optimizer.param_groups):   # a group was added
                if self.default_min_lr is None:
                    raise RuntimeError("ReduceLROnPlateau: the optimizer has "
                                       f"{len(self.optimizer.param_groups)} parameter groups "
                                       f"now but min_lr was a list of {len(self.min_lrs)}")
                self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                new_lr = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict:
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(copy.deepcopy(state_dict))
