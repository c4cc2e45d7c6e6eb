"""Optimizer: parameter groups, per-parameter state, zero_grad, state_dict.

Subclasses implement ``_update`` for one parameter. Updates run in place on the parameter's
backend arrays (``p.data``) with no host round trip: learning rates and step counts are Python
numbers, state arrays live on the parameter's device, and state is keyed by the parameter's
position in ``param_groups`` (as PyTorch's ``state_dict`` numbers them), never by ``id``.
"""
from __future__ import annotations

import copy
import functools
from typing import Any, Callable, Iterable

from ..autograd import function as _function
from ..autograd.function import host_region
from ..autograd.grad_mode import enable_grad, grad_mode
from ..autograd.tensor import Tensor, make_tensor
from ..autograd.tensor_mutation import clear_grads
from ..autograd.hook_tables import put_hook
from .optimizer_hooks import _HOOKED, OptimizerHookHandle
from .param_state import ParamState
from .state_arrays import restore_entry as _restore
from .torch_options import plain_options

_HOOK_DICTS = ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
               "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
               "_optimizer_load_state_dict_pre_hooks", "_optimizer_load_state_dict_post_hooks")


class Optimizer:
    """Base class. ``params``: tensors, or dicts (parameter groups) with per-group options
    that override ``defaults``.

    >>> opt = optim.SGD([{"params": [w], "lr": 0.1}, {"params": [b]}], lr=0.01)
    """

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params must be an iterable of tensors or of dicts, got a "
                            "single Tensor; wrap it in a list")
        self.defaults = dict(defaults)
        for hooks in _HOOK_DICTS:                # by handle id, as torch names them
            setattr(self, hooks, {})
        self.param_groups: list[dict] = []
        self.state: dict[int, dict] = ParamState(self.param_groups)   # position -> state
        groups = [params] if isinstance(params, dict) else list(params)
        if not groups:
            raise ValueError(f"{name} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ---- parameter groups -------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (missing ones take the defaults).

        >>> opt.add_param_group({"params": head.parameters(), "lr": 1e-4})
        """
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' entry, got "
                            f"{type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: parameters must be given in a fixed order (a list), not "
                            "a set")
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError(f"{name} got an empty parameter list")
        params, names = _split_names(params)
        if any(("param_names" in g) != (names is not None) for g in self.param_groups):
            raise ValueError("all optimizer param groups should be with/without names. cannot "
                             f"add param group {'with' if names else 'without'} names to the "
                             f"optimizer {name}")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        unique: list[Tensor] = []
        unique_names: list[str] = []
        mine: set[int] = set()
        for k, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name} can only optimize Tensors, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError(f"{name}: a parameter of shape {p.shape} does not require "
                                 "grad; call .requires_grad_() or leave it out")
            if p.grad_fn is not None:
                raise ValueError(f"{name} can only optimize leaf tensors; a parameter of shape "
                                 f"{p.shape} was computed by {type(p.grad_fn).__name__}")
            if id(p) in taken:
                raise ValueError(f"{name}: a parameter (shape {p.shape}) appears in more than "
                                 "one parameter group")
            if id(p) not in mine:             # a repeat inside one group counts once
                mine.add(id(p))
                unique.append(p)
                if names is not None:
                    unique_names.append(names[k])
        group = {**self.defaults, **{k: v for k, v in param_group.items() if k != "params"}}
        if names is not None:
            group["param_names"] = unique_names
        if "lr" not in group:
            raise ValueError(f"{name}: parameter group has no 'lr' and there is no default")
        self._check_group(group)
        group["params"] = unique
        self.param_groups.append(group)

    def _check_group(self, group: dict) -> None:
        """Validate a group's options (subclasses check their own and call this)."""
        name = type(self).__name__
        plain_options(name, group)             # tensor options (lr, betas, ...) to floats
        lr = group["lr"]
        if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not lr >= 0.0:
            raise ValueError(f"{name}: invalid learning rate lr={lr!r} (a float >= 0)")
        wd = group.get("weight_decay", 0.0)
        if not wd >= 0.0:
            raise ValueError(f"{name}: invalid weight_decay={wd!r} (must be >= 0)")

    def _params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    # ---- the step -----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``None`` by default (frees memory), or zeros in place.

        >>> opt.zero_grad()
        """
        clear_grads(self._params(), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient (those with ``grad is None`` are
        skipped). ``closure`` re-evaluates the model and returns the loss, which is returned.

        >>> loss.backward(); opt.step()
        """
        tracer = _function.tracer
        if tracer is not None:
            # the recording depends on the groups (recorded zero_grad clears the parameters
            # it saw): a group added later records again
            tracer.guard_attribute(self, "param_groups")
            tracer.guard_call(functools.partial(len, self.param_groups))
            if closure is not None:
                _function.tracer.refuse("optimizer.step(closure) (the closure would be "
                                        "traced inside a host region)")
            # A compiled step records the update where the optimizer can (_record_step),
            # else re-runs it in Python at this place on every replay: learning rates, step
            # counts and lazily made state stay live Python either way.
            if not self._record_step():
                return host_region(self._step, None)
            return None
        return self._step(closure)

    def _record_step(self) -> bool:
        """Record this step's array work into the compiled step being traced and return
        True, or return False for a host region (the default; see KernelOptimizer)."""
        return False

    def _step(self, closure: Callable[[], Any] | None) -> Any:
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        state = self.state
        update = self._update
        saved = grad_mode.enabled          # no_grad without a context object: this is hot
        grad_mode.enabled = False
        try:
            index = 0
            for group in self.param_groups:
                for p in group["params"]:
                    grad = p.grad
                    if grad is not None:
                        s = state.get(index)
                        if not s:                  # None, or {} made by state[p]
                            s = state[index] = {"step": 0}
                        s["step"] = s.get("step", 0) + 1     # torch's SGD state has none
                        update(p, grad.data, s, group)
                    index += 1
        finally:
            grad_mode.enabled = saved
        return loss

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        """Update ``p.data`` in place from its gradient array ``g``; ``state["step"]`` has
        already been advanced."""
        raise NotImplementedError

    @staticmethod
    def _l2_grad(p: Tensor, g: Any, group: dict) -> Any:
        """The gradient after ``maximize`` and L2 weight decay (a new array only when needed)."""
        if group["maximize"]:
            g = -g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        return g

    @staticmethod
    def _zeros_like(p: Tensor) -> Any:
        return p._backend.xp.zeros_like(p.data)

    @staticmethod
    def _copy(p: Tensor, array: Any) -> Any:
        """A fresh array (never a scalar: NumPy turns 0-d results into scalars) on p's device."""
        backend = p._backend
        return backend.wrap(backend.copy(array))

    # ---- hooks --------------------------------------------------------------------------
    # A registered hook installs an instance attribute (``self.step``, ...) that runs the hooks
    # around the class's method, so optimizers without hooks call the method directly, and a
    # subclass's ``super().step()`` never runs them twice.
    def _add_hook(self, dict_name: str, method: str, hook: Callable,
                  prepend: bool = False) -> "OptimizerHookHandle":
        hooks = self.__dict__.setdefault(dict_name, {})
        handle = OptimizerHookHandle(hooks)
        put_hook(hooks, handle.id, hook, prepend)
        self.__dict__[method] = functools.partial(_HOOKED[method], self)
        return handle

    def register_step_pre_hook(self, hook: Callable) -> "OptimizerHookHandle":
        """Call ``hook(optimizer, args, kwargs)`` before each ``step`` (``args`` starts with
        the optimizer, as in torch); it returns None or ``(new_args, new_kwargs)``.

        >>> h = opt.register_step_pre_hook(lambda o, args, kwargs: print(o.state))
        """
        return self._add_hook("_optimizer_step_pre_hooks", "step", hook)

    def register_step_post_hook(self, hook: Callable) -> "OptimizerHookHandle":
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``.

        >>> h = opt.register_step_post_hook(lambda o, args, kwargs: sched.step())
        """
        return self._add_hook("_optimizer_step_post_hooks", "step", hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False
                                     ) -> "OptimizerHookHandle":
        """Call ``hook(optimizer)`` before ``state_dict()``."""
        return self._add_hook("_optimizer_state_dict_pre_hooks", "state_dict", hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False
                                      ) -> "OptimizerHookHandle":
        """Call ``hook(optimizer, state_dict)`` after ``state_dict()``; a return value
        replaces the state dict."""
        return self._add_hook("_optimizer_state_dict_post_hooks", "state_dict", hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False
                                          ) -> "OptimizerHookHandle":
        """Call ``hook(optimizer, state_dict)`` before ``load_state_dict``; a return value
        is loaded instead."""
        return self._add_hook("_optimizer_load_state_dict_pre_hooks", "load_state_dict", hook,
                              prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False
                                           ) -> "OptimizerHookHandle":
        """Call ``hook(optimizer)`` after ``load_state_dict``."""
        return self._add_hook("_optimizer_load_state_dict_post_hooks", "load_state_dict", hook,
                              prepend)

    # ---- state ----------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """``{"state": {index: {name: Tensor | number}}, "param_groups": [...]}`` with
        parameters named by position, as in PyTorch. Arrays are copied into Tensors.

        >>> saved = opt.state_dict(); opt2.load_state_dict(saved)
        """
        params = self._params()
        state = {}
        for i, entries in sorted(self.state.items()):
            backend = params[i]._backend
            state[i] = {k: (make_tensor(backend.copy(v), backend, False, None)
                            if isinstance(v, backend.array_type) else copy.deepcopy(v))
                        for k, v in entries.items()}
        groups, start = [], 0
        for g in self.param_groups:
            saved = {k: copy.deepcopy(v) for k, v in g.items() if k != "params"}
            saved["params"] = list(range(start, start + len(g["params"])))
            start += len(g["params"])
            groups.append(saved)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and state saved by ``state_dict`` (from any device): each state
        array is copied onto its parameter's device in the parameter's dtype."""
        name = type(self).__name__
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{name}: the loaded state has {len(groups)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        where: dict[Any, int] = {}            # saved parameter id -> position here
        start = 0
        for i, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}: loaded parameter group {i} has "
                                 f"{len(saved['params'])} parameters, this optimizer's has "
                                 f"{len(group['params'])}")
            for j, key in enumerate(saved["params"]):
                where[key] = where[str(key)] = start + j
            start += len(group["params"])
        params = self._params()
        new_state: dict[int, dict] = {}
        for key, entries in state_dict["state"].items():
            if key not in where:
                raise KeyError(f"{name}: loaded state for parameter {key!r}, which no loaded "
                               "parameter group lists")
            i = where[key]
            new_state[i] = {k: _restore(v, params[i], k, i) for k, v in entries.items()}
        for saved, group in zip(groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
            plain_options(name, group)
        self.state = ParamState(self.param_groups, new_state)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {g[k]}" for k in sorted(g) if k != "params"]
        return "\n".join(lines) + "\n)"


def _split_names(params: list) -> tuple[list, list | None]:
    """``named_parameters()`` items ``(name, tensor)``: the tensors and the names (PyTorch
    keeps them as the group's ``param_names``), or the list and None without names."""
    if not any(isinstance(p, tuple) for p in params):
        return params, None
    if not all(isinstance(p, tuple) and len(p) == 2 for p in params):
        raise ValueError("all optimizer params should be with/without names. Some param names "
                         "are missing")
    return [p for _, p in params], [n for n, _ in params]

