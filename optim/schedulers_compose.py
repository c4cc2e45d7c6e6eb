"""More of PyTorch's schedules: ConstantLR, PolynomialLR, MultiplicativeLR, and the two that
combine schedules, SequentialLR (one after another at milestones) and ChainedScheduler (all
at once, their factors multiplied)."""
from __future__ import annotations

from bisect import bisect_right
from typing import Any, Callable, Sequence

from .optimizer import Optimizer
from .schedulers_base import LRScheduler, lambdas_state_dict, load_lambdas_state_dict


class ConstantLR(LRScheduler):
    """lr = base_lr * factor until total_iters, then base_lr.

    >>> sched = optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=4)
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if not 0.0 <= factor <= 1.0:
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor!r}")
        self.factor, self.total_iters = float(factor), int(total_iters)
        super().__init__(optimizer, last_epoch)

    chainable = True

    def factor_at(self, epoch: int) -> float:
        return self.factor if epoch < self.total_iters else 1.0

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.factor_at(epoch)

    def next_lr(self, lr: float, base_lr: float) -> float:
        epoch = self.last_epoch
        if epoch == 0:
            return lr * self.factor
        return lr * (1.0 / self.factor) if epoch == self.total_iters else lr


class PolynomialLR(LRScheduler):
    """lr = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power.

    >>> sched = optim.lr_scheduler.PolynomialLR(opt, total_iters=100, power=2.0)
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        if not isinstance(total_iters, int) or total_iters <= 0:
            raise ValueError(f"PolynomialLR: total_iters must be a positive int, got "
                             f"{total_iters!r}")
        self.total_iters, self.power = total_iters, float(power)
        super().__init__(optimizer, last_epoch)

    chainable = True

    def factor_at(self, epoch: int) -> float:
        return (1.0 - min(epoch, self.total_iters) / self.total_iters) ** self.power

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.factor_at(epoch)

    def next_lr(self, lr: float, base_lr: float) -> float:
        epoch, total = self.last_epoch, self.total_iters
        if self._is_initial or epoch > total:
            return lr
        return lr * ((1.0 - epoch / total) / (1.0 - (epoch - 1) / total)) ** self.power


class MultiplicativeLR(LRScheduler):
    """lr <- lr * lr_lambda(epoch) at every step after the first (one function, or one per
    group): the product of the factors so far. The functions are not part of ``state_dict``.

    >>> sched = optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.95)
    """

    _unsaved = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        n = len(optimizer.param_groups)
        lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * n
        if len(lambdas) != n or not all(callable(fn) for fn in lambdas):
            raise ValueError(f"MultiplicativeLR: expected one function (or {n}, one per "
                             "parameter group) of the epoch")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial:              # also when resuming: the group's lr stays
            return [group["lr"] for group in groups]
        return [group["lr"] * fn(self.last_epoch) for group, fn in zip(groups, self.lr_lambdas)]

    def state_dict(self) -> dict:
        return lambdas_state_dict(self)

    def load_state_dict(self, state_dict: dict) -> None:
        load_lambdas_state_dict(self, state_dict)


def _check_schedulers(owner: str, schedulers: Sequence[Any], optimizer: Any) -> Optimizer:
    schedulers = list(schedulers)
    if not schedulers:
        raise ValueError(f"{owner}: expected at least one scheduler")
    optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
    for i, sched in enumerate(schedulers):
        if not isinstance(sched, LRScheduler):
            raise TypeError(f"{owner}: scheduler {i} is a {type(sched).__name__}, not an "
                            "LRScheduler (ReduceLROnPlateau cannot be combined)")
        if sched.optimizer is not optimizer:
            raise ValueError(f"{owner}: scheduler {i} steps a different optimizer")
    return optimizer


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after the other: the i-th takes over at ``milestones[i-1]``,
    starting from its own epoch 0.

    >>> warm = LinearLR(opt, start_factor=0.1, total_iters=5)
    >>> sched = SequentialLR(opt, [warm, CosineAnnealingLR(opt, T_max=95)], milestones=[5])
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        _check_schedulers("SequentialLR", schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestones for "
                             f"{len(schedulers)} schedulers, got {len(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = [int(m) for m in milestones]
        self.optimizer = optimizer
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch + 1
        self._step_count = 1
        for group in optimizer.param_groups:     # undo the schedulers' own first steps
            group["lr"] = group["initial_lr"]
        for sched in self._schedulers:
            sched.last_epoch -= 1
        self._schedulers[0]._initial_step()
        self._last_lr = self._schedulers[0].get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        self._step_count += 1
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        sched = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            sched.step(0)
        else:
            sched.step()
        self._last_lr = sched.get_last_lr()

    def state_dict(self) -> dict:
        # LRScheduler's, by name: ChainedScheduler shares this method without subclassing
        out = {k: v for k, v in LRScheduler.state_dict(self).items() if k != "_schedulers"}
        out["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return out

    def load_state_dict(self, state_dict: dict) -> None:
        state = dict(state_dict)
        for sched, saved in zip(self._schedulers, state.pop("_schedulers")):
            sched.load_state_dict(saved)
        LRScheduler.load_state_dict(self, state)
        self._restore_lrs()                  # the active schedule's, not the last loaded


class ChainedScheduler(LRScheduler):
    """Step several schedules at once, each moving the lr the one before it left (PyTorch's
    composition: the factors of StepLR, ExponentialLR, LinearLR, ... multiply; a schedule
    that sets the lr outright, as CyclicLR does, overrides the ones before it).

    >>> sched = ChainedScheduler([ConstantLR(opt, factor=0.1, total_iters=2),
    ...                           ExponentialLR(opt, gamma=0.9)])
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        optimizer = _check_schedulers("ChainedScheduler", schedulers, optimizer)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch, self._step_count = 0, 1
        # each schedule moved the groups' lr when it was made; they compound as in PyTorch
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]
        self._step_count += 1
        self.last_epoch += 1
        for sched in self._schedulers:
            sched.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    state_dict = SequentialLR.state_dict
    load_state_dict = SequentialLR.load_state_dict
