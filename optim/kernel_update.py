"""KernelOptimizer: an optimizer whose update, once its state exists, is one kernel on
arrays: ``update_kernel(backend, p, g, *state arrays, numbers, flags)``.

Eager steps run the kernel with the step's numbers; a compiled step records it, with the
numbers as Dynamic scalars that a host region refreshes on every replay (learning rates,
momentum and betas that schedulers change, bias corrections that depend on the step count)
and the flags (which branches the kernel takes) guarded. One kernel serves both, so compiled
updates equal eager ones bit for bit.
"""
from __future__ import annotations

from typing import Any

from ..autograd import function as _function
from ..autograd.function import host_region, run_kernel
from ..autograd.tensor import Tensor
from ..autograd.trace_values import Dynamic
from .optimizer import Optimizer


class KernelOptimizer(Optimizer):
    """Subclasses set ``update_kernel`` and ``state_keys`` and write ``_numbers`` and
    ``_flags``; their ``_update`` makes the state on the first step, then calls
    ``_run_kernel``."""

    update_kernel: Any = None     # a staticmethod
    state_keys: tuple = ()        # the state arrays the kernel takes, in order
    flag_options: tuple = ()      # the group options _flags reads
    numbers_per_group = False     # True where _numbers ignores the state (one dict per group)

    def _numbers(self, state: dict, group: dict) -> dict:
        """The update's numbers for this step, by name (the kernel gets them in order)."""
        raise NotImplementedError

    def _flags(self, group: dict) -> tuple:
        """The options that decide which array work the kernel does."""
        raise NotImplementedError

    def _kernel_ready(self, state: dict, group: dict) -> bool:
        """Whether the state the kernel needs exists (else the first step makes it)."""
        return all(state.get(k) is not None for k in self.state_keys)

    def _run_kernel(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        run_kernel(p._backend, self.update_kernel, p.data, g,
                   *(state.get(k) for k in self.state_keys),
                   tuple(self._numbers(state, group).values()), self._flags(group))

    # ---- recording into a compiled step ------------------------------------------------
    def _record_step(self) -> bool:
        tracer = _function.tracer
        plan = []
        index = 0
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    s = self.state.get(index)
                    if not s or not self._kernel_ready(s, group) or \
                            not tracer.is_computed(p.grad.data):
                        return False                # a host region instead
                    plan.append((index, s, group, p))
                index += 1
        tracer.guard_attribute(self, "state")
        tracer.guard_call(self._all_flags, tuple((g, k) for g in self.param_groups
                                                 for k in self.flag_options))
        for (index, s, group, p), numbers in zip(plan, self._dynamic(plan)):
            tracer.guard_item(self.state, index)
            for key in self.state_keys:
                tracer.guard_item(s, key)
            run_kernel(p._backend, self.update_kernel, p.data, p.grad.data,
                       *(s.get(k) for k in self.state_keys), numbers, self._flags(group))
        return True

    def _all_flags(self) -> tuple:
        return tuple(self._flags(group) for group in self.param_groups)

    def _dynamic(self, plan: list) -> list[tuple]:
        """Record the host region that refreshes the numbers of ``plan``'s updates; the
        numbers of each, as Dynamic scalars, in plan order."""
        shared: dict[int, dict] = {}
        entries, numbers = [], []
        for _, s, g, _ in plan:
            key = id(g) if self.numbers_per_group else id(s)
            n = shared.get(key)
            if n is None:
                n = shared[key] = dict(self._numbers(s, g))
                entries.append((s, g, n))
            numbers.append(n)
        host_region(self._refresh, [s for _, s, _, _ in plan], entries)
        return [tuple(Dynamic(n, k) for k in n) for n in numbers]

    def _refresh(self, states: list, entries: list) -> None:
        """The host region of a recorded step: advance the step counts and write the
        updates' numbers where the recorded calls read them."""
        for s in states:
            s["step"] = s.get("step", 0) + 1      # a loaded SGD state has no step
        for s, group, numbers in entries:
            numbers.update(self._numbers(s, group))
