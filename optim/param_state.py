"""``optimizer.state``: per-parameter state keyed by the parameter's position in
``param_groups`` (how the update loop and ``state_dict`` number parameters), which also
answers PyTorch's spelling ``optimizer.state[p]`` for a parameter tensor ``p``.

>>> opt.state[model.weight]["exp_avg"]      # the optimizer's array for that parameter
"""
from __future__ import annotations

from typing import Any

from ..autograd.tensor import Tensor


class ParamState(dict):
    """A dict ``{position: {name: array | number}}``. A parameter as key gives that
    parameter's own entry dict, created empty on first use as PyTorch's defaultdict does, so
    a torch-style custom ``step()`` (``state = self.state[p]; if not state: ...``) keeps its
    state between steps; the built-in optimizers treat an empty entry as not started."""

    __slots__ = ("_groups",)

    def __init__(self, groups: list, entries: Any = ()) -> None:
        super().__init__(entries)
        self._groups = groups          # the optimizer's param_groups list (appended to in place)

    def _position(self, p: Tensor) -> int:
        index = 0
        for group in self._groups:
            for q in group["params"]:
                if q is p:
                    return index
                index += 1
        raise KeyError(f"optimizer.state: the tensor of shape {p.shape} is not a parameter of "
                       "this optimizer")

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, Tensor):
            return self.setdefault(self._position(key), {})
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        if isinstance(key, Tensor):
            try:
                return super().__contains__(self._position(key))
            except KeyError:
                return False
        return super().__contains__(key)
