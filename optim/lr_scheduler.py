"""Learning-rate schedules with PyTorch's names, arguments and sequences. Each ``step()``
sets every group's ``lr`` in place; call it once per epoch after ``optimizer.step()``
(CyclicLR and OneCycleLR: once per batch; ReduceLROnPlateau: ``step(val_loss)``).
The schedules are closed forms of the epoch number (CosineAnnealingWarmRestarts counts its
cycle as PyTorch does), so they do not compound with a learning rate changed by hand.

>>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=50); opt.step(); sched.step()
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from typing import Callable, Sequence

from .optimizer import Optimizer
from .plateau import ReduceLROnPlateau
from .schedulers_base import LRScheduler, lambdas_state_dict, load_lambdas_state_dict
from .schedulers_cyclic import CyclicLR, OneCycleLR
from .schedulers_compose import (ChainedScheduler, ConstantLR, MultiplicativeLR, PolynomialLR,
                                 SequentialLR)

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts", "LinearLR", "LambdaLR", "CyclicLR", "OneCycleLR",
           "ReduceLROnPlateau", "ConstantLR", "PolynomialLR", "MultiplicativeLR", "SequentialLR",
           "ChainedScheduler"]


def _positive_int(owner: str, name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return value


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size).

    >>> sched = optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = _positive_int("StepLR", "step_size", step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    chainable = True

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)

    def next_lr(self, lr: float, base_lr: float) -> float:
        epoch = self.last_epoch
        return lr if epoch == 0 or epoch % self.step_size else lr * self.gamma


class MultiStepLR(LRScheduler):
    """lr = base_lr * gamma ** (number of milestones <= epoch; a repeated one counts twice).

    >>> sched = optim.lr_scheduler.MultiStepLR(opt, milestones=[30, 80], gamma=0.1)
    """

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(int(m) for m in milestones)    # PyTorch keeps a Counter
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    chainable = True

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** bisect_right(sorted(self.milestones.elements()), epoch)

    def next_lr(self, lr: float, base_lr: float) -> float:
        count = self.milestones.get(self.last_epoch, 0)
        return lr * self.gamma ** count if count else lr


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch.

    >>> sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    chainable = True

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** epoch

    def next_lr(self, lr: float, base_lr: float) -> float:
        return lr if self._is_initial else lr * self.gamma


def _cosine(eta_min: float, base_lr: float, t: float, period: float) -> float:
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * t / period)) / 2


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2 (closed form;
    past T_max it rises again, as PyTorch's does).

    >>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100, eta_min=1e-5)
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        self.T_max = _positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = float(eta_min)
        super().__init__(optimizer, last_epoch)

    chainable = True

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return _cosine(self.eta_min, base_lr, epoch, self.T_max)

    def next_lr(self, lr: float, base_lr: float) -> float:
        epoch, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return lr
        if self._step_count == 1 and epoch > 0:
            return self.lr_at(base_lr, epoch)
        if (epoch - 1 - period) % (2 * period) == 0:        # the trough: rise again
            return lr + (base_lr - eta_min) * (1 - math.cos(math.pi / period)) / 2
        return ((1 + math.cos(math.pi * epoch / period))
                / (1 + math.cos(math.pi * (epoch - 1) / period)) * (lr - eta_min) + eta_min)


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter): cosine annealing from base_lr to eta_min over T_i epochs,
    then a restart; T_0 first, each next cycle T_mult times longer.
    lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2. ``step(epoch)`` also
    takes a fractional epoch (epoch + batch / batches_per_epoch).

    >>> sched = optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=10, T_mult=2)
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        owner = "CosineAnnealingWarmRestarts"
        self.T_0 = _positive_int(owner, "T_0", T_0)
        if not isinstance(T_mult, int) or isinstance(T_mult, bool) or T_mult < 1:
            raise ValueError(f"{owner}: T_mult must be an int >= 1, got {T_mult!r}")
        self.T_mult, self.eta_min = T_mult, float(eta_min)
        self.T_i, self.T_cur = T_0, last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [_cosine(self.eta_min, base, self.T_cur, self.T_i) for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:                       # count within the cycle: exact at restarts
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i             # a resumed T_cur may span several cycles
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: epoch must be >= 0, got {epoch!r}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult ** n
        else:
            self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        self._set(self.get_lr())


class LinearLR(LRScheduler):
    """Warm-up (or decay): lr = base_lr * factor, the factor going linearly from start_factor
    at epoch 0 to end_factor at total_iters, then staying there.

    >>> sched = optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor!r}")
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor!r}")
        if not isinstance(total_iters, int) or total_iters < 0:
            raise ValueError(f"LinearLR: total_iters must be an int >= 0, got {total_iters!r}")
        self.start_factor, self.end_factor = float(start_factor), float(end_factor)
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    chainable = True

    def lr_at(self, base_lr: float, epoch: int) -> float:
        done = min(epoch, self.total_iters) / self.total_iters if self.total_iters else 1.0
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * done)

    def next_lr(self, lr: float, base_lr: float) -> float:
        epoch, start, end = self.last_epoch, self.start_factor, self.end_factor
        if epoch == 0:
            return lr * start
        if self._is_initial or epoch > self.total_iters:
            return lr
        return lr * (1.0 + (end - start) / (self.total_iters * start + (epoch - 1) * (end - start)))


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch): one function, or one per parameter group. The
    functions are not part of ``state_dict``.

    >>> sched = optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.95 ** epoch)
    """

    _unsaved = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        n = len(optimizer.param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(lambdas) != n:
            raise ValueError(f"LambdaLR: expected {n} lr_lambdas (one per parameter group), "
                             f"got {len(lambdas)}")
        if not all(callable(fn) for fn in lambdas):
            raise TypeError("LambdaLR: lr_lambda must be a function of the epoch (or a list)")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * fn(self.last_epoch) for base, fn in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self) -> dict:
        return lambdas_state_dict(self)

    def load_state_dict(self, state_dict: dict) -> None:
        load_lambdas_state_dict(self, state_dict)
