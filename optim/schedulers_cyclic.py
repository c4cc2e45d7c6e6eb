"""Per-batch cyclical schedules: CyclicLR (Smith 2017) and OneCycleLR (Smith & Topin 2018),
with momentum cycled in the opposite direction (``momentum`` or Adam's beta1)."""
from __future__ import annotations

import copy
import math
import types
from typing import Any, Callable, Sequence

from .optimizer import Optimizer
from .schedulers_base import LRScheduler


def _per_group(value: Any, optimizer: Optimizer, name: str) -> list[float]:
    n = len(optimizer.param_groups)
    values = list(value) if isinstance(value, (list, tuple)) else [value] * n
    if len(values) != n:
        raise ValueError(f"expected {n} values for {name}, got {len(values)}")
    return [float(v) for v in values]


class _MomentumCycler:
    """Writes a momentum value into a group: its ``momentum`` or the first of its ``betas``."""

    def __init__(self, optimizer: Optimizer, owner: str) -> None:
        defaults = optimizer.defaults
        if "momentum" not in defaults and "betas" not in defaults:
            raise ValueError(f"{owner}: optimizer must support momentum or betas with "
                             "cycle_momentum enabled (or pass cycle_momentum=False)")
        self.use_beta1 = "betas" in defaults

    def set(self, group: dict, momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum


class CyclicLR(LRScheduler):
    """Cyclical learning rate (Smith 2017), stepped once per batch: the lr climbs from
    base_lr to max_lr over step_size_up steps and back over step_size_down (default: the
    same), the amplitude scaled by mode 'triangular' (1), 'triangular2' (halved each cycle)
    or 'exp_range' (gamma ** step), or by ``scale_fn``. With ``cycle_momentum`` (the default,
    as in PyTorch) the group's ``momentum`` (or Adam's beta1) cycles the other way between
    max_momentum and base_momentum; pass ``cycle_momentum=False`` for optimizers without one.

    >>> sched = optim.lr_scheduler.CyclicLR(opt, base_lr=1e-3, max_lr=1e-1, step_size_up=200)
    """

    _unsaved = ("scale_fn", "cycler", "_scale_fn_custom")

    def __init__(self, optimizer: Optimizer, base_lr: Any, max_lr: Any, step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
                 scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: Any = 0.8, max_momentum: Any = 0.9,
                 last_epoch: int = -1) -> None:
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"CyclicLR: mode must be triangular, triangular2 or exp_range, got "
                             f"{mode!r}")
        if not float(step_size_up) > 0 or (step_size_down is not None and
                                           not float(step_size_down) >= 0):
            raise ValueError(f"CyclicLR: step_size_up must be > 0 and step_size_down >= 0, got "
                             f"{step_size_up!r} and {step_size_down!r}")
        base_lrs = _per_group(base_lr, optimizer, "base_lr")
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = group["initial_lr"] = lr
        self.max_lrs = _per_group(max_lr, optimizer, "max_lr")
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size, self.step_ratio = up + down, up / (up + down)
        self.mode, self.gamma = mode, gamma
        if scale_fn is None:
            self.scale_fn = {"triangular": lambda x: 1.0,
                             "triangular2": lambda x: 1 / (2.0 ** (x - 1)),
                             "exp_range": lambda x: gamma ** x}[mode]
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        else:
            self.scale_fn, self.scale_mode = scale_fn, scale_mode
        self.cycler = _MomentumCycler(optimizer, "CyclicLR") if cycle_momentum else None
        self.cycle_momentum = bool(cycle_momentum)            # PyTorch's state dict names
        self._scale_fn_custom = scale_fn
        if self.cycler:
            self.use_beta1 = self.cycler.use_beta1
            self.base_momentums = _per_group(base_momentum, optimizer, "base_momentum")
            self.max_momentums = _per_group(max_momentum, optimizer, "max_momentum")
            if last_epoch == -1:
                for m, group in zip(self.max_momentums, optimizer.param_groups):
                    self.cycler.set(group, m)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs         # base_lr, also when resuming (as PyTorch)

    def state_dict(self) -> dict:
        out = super().state_dict()
        fn = self._scale_fn_custom
        out["_scale_fn_custom"] = None if fn is None or isinstance(
            fn, types.FunctionType) else copy.deepcopy(fn.__dict__)
        return out

    def load_state_dict(self, state_dict: dict) -> None:
        state = dict(state_dict)
        saved = state.pop("_scale_fn_custom", None)
        super().load_state_dict(state)
        if saved is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(copy.deepcopy(saved))

    def _scale(self) -> tuple[float, float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        return factor, self.scale_fn(at)

    def get_lr(self) -> list[float]:
        factor, scale = self._scale()
        lrs = [base + (top - base) * factor * scale
               for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycler:
            for group, lo, hi in zip(self.optimizer.param_groups, self.base_momentums,
                                     self.max_momentums):
                self.cycler.set(group, hi - (hi - lo) * factor * scale)
        return lrs


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2018), stepped once per batch for ``total_steps``
    (or epochs * steps_per_epoch) steps: from initial_lr = max_lr / div_factor up to max_lr
    over the first pct_start of the steps, then down ('cos' or 'linear' annealing) to
    initial_lr / final_div_factor. ``three_phase``: up, back down to initial_lr, then to the
    minimum. Momentum (or Adam's beta1) cycles the other way unless ``cycle_momentum=False``.

    >>> sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=1000)
    """

    _unsaved = ("anneal", "cycler")

    def __init__(self, optimizer: Optimizer, max_lr: Any, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: Any = 0.85, max_momentum: Any = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if total_steps is None:
            if not epochs or not steps_per_epoch:
                raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        if total_steps <= 0:
            raise ValueError(f"OneCycleLR: total_steps must be positive, got {total_steps}")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.total_steps = int(total_steps)
        self.anneal = self._cos if anneal_strategy == "cos" else self._linear
        max_lrs = _per_group(max_lr, optimizer, "max_lr")
        self.cycler = _MomentumCycler(optimizer, "OneCycleLR") if cycle_momentum else None
        if self.cycler:
            self.base_momentums = _per_group(base_momentum, optimizer, "base_momentum")
            self.max_momentums = _per_group(max_momentum, optimizer, "max_momentum")
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group["initial_lr"] = max_lrs[i] / div_factor
                group["max_lr"] = max_lrs[i]
                group["min_lr"] = group["initial_lr"] / final_div_factor
                if self.cycler:
                    self.cycler.set(group, self.max_momentums[i])
        p = float(pct_start * self.total_steps)
        last = float(self.total_steps - 1)
        if three_phase:   # (end step, lr from, lr to, momentum from, momentum to)
            self.phases = [(p - 1, "initial_lr", "max_lr", "max", "base"),
                           (2 * p - 2, "max_lr", "initial_lr", "base", "max"),
                           (last, "initial_lr", "min_lr", "max", "max")]
        else:
            self.phases = [(p - 1, "initial_lr", "max_lr", "max", "base"),
                           (last, "max_lr", "min_lr", "base", "max")]
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _cos(start: float, end: float, pct: float) -> float:
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)

    @staticmethod
    def _linear(start: float, end: float, pct: float) -> float:
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; total_steps is "
                             f"{self.total_steps}")
        lrs = []
        for i, group in enumerate(self.optimizer.param_groups):
            start = 0.0
            for k, (end, lr_from, lr_to, m_from, m_to) in enumerate(self.phases):
                if step <= end or k == len(self.phases) - 1:
                    pct = (step - start) / (end - start) if end != start else 1.0
                    lrs.append(self.anneal(group[lr_from], group[lr_to], pct))
                    if self.cycler:
                        moms = {"max": self.max_momentums[i], "base": self.base_momentums[i]}
                        self.cycler.set(group, self.anneal(moms[m_from], moms[m_to], pct))
                    break
                start = end
        return lrs
