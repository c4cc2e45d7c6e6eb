"""``optimizer.state``: per-parameter state keyed by the parameter's position in
``param_groups`` (how the update loop and ``state_dict`` number parameters), which also
answers PyTorch's spelling ``optimizer.state[p]`` for a parameter tensor ``p``.

>>> opt.state[model.weight]["exp_avg"]      # a Tensor sharing the optimizer's array
"""
from __future__ import annotations

from typing import Any

from ..autograd.tensor import Tensor, make_tensor


class ParamState(dict):
    """A dict ``{position: {name: array | number}}``; a parameter as key gives that
    parameter's entries with arrays seen as Tensors (sharing memory, so in-place changes
    reach the optimizer), or ``{}`` before its first step, as PyTorch's defaultdict does."""

    __slots__ = ("_groups",)

    def __init__(self, groups: list, entries: Any = ()) -> None:
        super().__init__(entries)
        self._groups = groups          # the optimizer's param_groups list (appended to in place)

    def _position(self, p: Tensor) -> int | None:
        index = 0
        for group in self._groups:
            for q in group["params"]:
                if q is p:
                    return index
                index += 1
        return None

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, Tensor):
            return super().__getitem__(key)
        position = self._position(key)
        entries = super().get(position) if position is not None else None
        if entries is None:
            if position is None:
                raise KeyError(f"optimizer.state: the tensor of shape {key.shape} is not a "
                               "parameter of this optimizer")
            return {}
        backend = key._backend
        return {k: (make_tensor(v, backend, False, None)
                    if isinstance(v, backend.array_type) else v) for k, v in entries.items()}

    def __contains__(self, key: Any) -> bool:
        if isinstance(key, Tensor):
            position = self._position(key)
            return position is not None and super().__contains__(position)
        return super().__contains__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        if isinstance(key, Tensor):
            return self[key] if key in self else default
        return super().get(key, default)
