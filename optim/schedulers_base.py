"""LRScheduler: the base every schedule builds on (closed forms of the epoch number)."""
from __future__ import annotations

import copy
import functools
import types
from typing import Any, Callable

from ..autograd import function as _function
from ..autograd.function import host_region
from .optimizer import Optimizer


def replayed_step(step: Callable) -> Callable:
    """A scheduler's ``step`` stepped inside ``xg.compile``: it is Python state, so a replay
    re-runs it at its place (its arguments, if any, are those of the traced call)."""
    @functools.wraps(step)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _function.tracer is not None:
            return host_region(functools.partial(step, self, *args, **kwargs))
        return step(self, *args, **kwargs)
    wrapper.replayed = True
    return wrapper


class LRScheduler:
    """Sets each group's ``lr`` to ``lr_at(base_lr, last_epoch)``; ``step()`` advances
    ``last_epoch`` by one. The constructor takes the first step (epoch 0), so the epoch-0
    learning rate is in the optimizer at once, as in PyTorch. Subclasses define ``lr_at``
    (or ``get_lr`` for the whole list). A ``chainable`` schedule moves each group's current
    lr by ``next_lr`` (PyTorch's recursive forms: they compound with other schedules and
    with an lr set by hand, and resuming with ``last_epoch`` keeps the group's lr), and
    ``step(epoch)`` jumps to the closed form ``lr_at``.

    >>> sched = optim.lr_scheduler.StepLR(opt, step_size=30); opt.step(); sched.step()
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{type(self).__name__}: parameter group {i} has no "
                               "'initial_lr'; resuming (last_epoch != -1) needs the optimizer "
                               "state a scheduler has run with")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._get_lr_called_within_step = False        # PyTorch's state dict has both
        self._is_initial = False
        self._last_lr: list[float] = []
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    chainable = False

    def lr_at(self, base_lr: float, epoch: Any) -> float:
        raise NotImplementedError

    def next_lr(self, lr: float, base_lr: float) -> float:
        """A chainable schedule's lr for ``last_epoch`` from the group's current ``lr``."""
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The learning rates for ``last_epoch``, one per parameter group."""
        if self.chainable:
            return [self.next_lr(group["lr"], base)
                    for group, base in zip(self.optimizer.param_groups, self.base_lrs)]
        return [self.lr_at(base, self.last_epoch) for base in self.base_lrs]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "replayed", False):
            cls.step = replayed_step(step)

    @replayed_step
    def step(self, epoch: Any = None) -> None:
        """Advance one epoch (or jump to ``epoch``) and write the new rates into the groups."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            self._set(self.get_lr())
            return
        self.last_epoch = epoch
        self._set([self.lr_at(base, epoch) for base in self.base_lrs] if self.chainable
                  else self.get_lr())

    def _set(self, lrs: list[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last step set, one per parameter group."""
        return list(self._last_lr)

    _unsaved: tuple[str, ...] = ()          # attributes that are functions, not state

    def state_dict(self) -> dict:
        """Everything but the optimizer (and functions), copied.

        >>> saved = sched.state_dict(); sched2.load_state_dict(saved)
        """
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items()
                if k != "optimizer" and k not in self._unsaved}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore ``state_dict``. A chainable schedule's next lr starts from the groups'
        lr, so the saved last lrs are written into the groups (what loading the optimizer's
        state would put there too): resuming without the optimizer's state goes on right."""
        self.__dict__.update(copy.deepcopy(state_dict))
        if self.chainable:
            self._restore_lrs()

    def _restore_lrs(self) -> None:
        groups = self.optimizer.param_groups
        if len(self._last_lr) == len(groups):
            for group, lr in zip(groups, self._last_lr):
                group["lr"] = lr

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


def lambdas_state_dict(sched: LRScheduler) -> dict:
    """LambdaLR's and MultiplicativeLR's state dict as PyTorch's: ``lr_lambdas`` holds None
    for a plain function or lambda (not saved) and a copy of a callable object's __dict__."""
    state = LRScheduler.state_dict(sched)
    state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else
                           copy.deepcopy(getattr(fn, "__dict__", None)) for fn in sched.lr_lambdas]
    return state


def load_lambdas_state_dict(sched: LRScheduler, state_dict: dict) -> None:
    """Load a state dict; PyTorch's ``lr_lambdas`` entries (None for a function, the
    ``__dict__`` of a callable object) update the functions instead of replacing them."""
    state = dict(state_dict)
    saved = state.pop("lr_lambdas", None) or []
    LRScheduler.load_state_dict(sched, state)
    for fn, entries in zip(sched.lr_lambdas, saved):
        if entries is not None:
            fn.__dict__.update(copy.deepcopy(entries))

