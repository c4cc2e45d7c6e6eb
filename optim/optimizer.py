"""Optimizer: parameter groups, state, zero_grad, state_dict. Subclasses implement ``_update``
for one parameter; all updates run in place on the parameter's backend arrays, with no host
round trip (learning rates and step counts are Python numbers)."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..autograd.grad_mode import enable_grad, no_grad
from ..autograd.tensor import Tensor, make_tensor


class Optimizer:
    """Base class. ``params``: tensors, or dicts (parameter groups) with per-group options.

    >>> opt = optim.SGD([{"params": model[0].parameters(), "lr": 0.1},
    ...                  {"params": model[2].parameters()}], lr=0.01)
    """

    def __init__(self, params: Iterable[Any], defaults: dict) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state: dict[Tensor, dict] = {}    # keyed by the parameter (hashed by identity)
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of tensors or "
                            "of dicts, got a single Tensor; wrap it in a list")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters with its own options (missing ones take the defaults)."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError("a parameter group is a dict with a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        unique: list[Tensor] = []
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, got "
                                f"{type(p).__name__}")
            if not p.requires_grad or p.grad_fn is not None:
                raise ValueError(f"{type(self).__name__}: can only optimize leaf tensors that "
                                 f"require grad (got shape {p.shape}, requires_grad="
                                 f"{p.requires_grad}, leaf={p.grad_fn is None})")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: a parameter (shape {p.shape}) appears "
                                 "in more than one parameter group")
            if id(p) not in {id(q) for q in unique}:
                unique.append(p)
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        full["params"] = unique
        self._check_options(full)
        self.param_groups.append(full)

    def _check_options(self, group: dict) -> None:
        lr = group.get("lr")
        if lr is None or lr < 0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate {lr!r}")
        if group.get("weight_decay", 0.0) < 0:
            raise ValueError(f"{type(self).__name__}: invalid weight_decay "
                             f"{group['weight_decay']!r}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``None`` by default (no memory kept), or zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._backend.setitem(p.grad.data, Ellipsis, 0)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient. ``closure`` re-evaluates the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state.get(p)
                    if state is None:
                        state = self.state[p] = {"step": 0}
                    state["step"] += 1
                    self._update(p, p.grad.data, state, group)
        return loss

    def _update(self, p: Tensor, g: Any, state: dict, group: dict) -> None:
        raise NotImplementedError

    # ---- state -------------------------------------------------------------------------
    @staticmethod
    def _zeros_like(p: Tensor) -> Any:
        return p._backend.xp.zeros_like(p.data)

    def _params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def state_dict(self) -> dict:
        """``{"state": {index: {name: Tensor | number}}, "param_groups": [...]}``, parameters
        named by their position (as PyTorch), arrays copied."""
        index = {id(p): i for i, p in enumerate(self._params())}
        state = {}
        for p, entries in self.state.items():
            state[index[id(p)]] = {
                k: (make_tensor(p._backend.copy(v), p._backend, False, None)
                    if _is_array(v, p) else v) for k, v in entries.items()}
        groups = []
        for g in self.param_groups:
            saved = {k: v for k, v in g.items() if k != "params"}
            saved["params"] = [index[id(p)] for p in g["params"]]
            groups.append(saved)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and state; arrays go to each parameter's device."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state has {len(groups)} parameter groups, this optimizer "
                             f"has {len(self.param_groups)}")
        params = self._params()
        for saved, group in zip(groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"a loaded parameter group has {len(saved['params'])} "
                                 f"parameters, this optimizer's has {len(group['params'])}")
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {}
        for key, entries in state_dict["state"].items():
            p = params[int(key)]
            restored = {}
            for k, v in entries.items():
                if isinstance(v, Tensor):
                    if v.shape != p.shape and v.ndim > 0:
                        raise ValueError(f"optimizer state {k!r} of parameter {key} has shape "
                                         f"{v.shape}, the parameter {p.shape}")
                    v = p._backend.copy(v.to(p.device).astype(p.dtype).data)
                elif hasattr(v, "shape") and hasattr(v, "dtype"):
                    v = p._backend.from_host(v)
                restored[k] = v
            self.state[p] = restored

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(k for k in g if k != "params"):
                lines.append(f"    {k}: {g[k]}")
        return "\n".join(lines) + "\n)"


def _is_array(value: Any, p: Tensor) -> bool:
    return isinstance(value, p._backend.array_type)
