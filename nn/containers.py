"""Containers: Sequential (a stack of layers, like Keras' Sequential) and ModuleList."""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from .module import Module


class Sequential(Module):
    """Layers applied in order; submodules are named "0", "1", ... (or by an ordered dict).

    >>> model = nn.Sequential(nn.Linear(29, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
    >>> model[0], len(model), model[:2]; model.append(nn.Dropout(0.5))
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], dict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                if not isinstance(module, Module):
                    raise TypeError(f"Sequential: argument {i} is a {type(module).__name__}, "
                                    "not a Module (did you pass a function or a class?)")
                self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(dict(items[index]))
        try:
            return items[index][1]
        except (IndexError, TypeError):
            raise IndexError(f"index {index!r} is out of range for a Sequential of "
                             f"{len(items)} layers") from None

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[index]
        self.add_module(name, module)

    def __delitem__(self, index: int | slice) -> None:
        keys = list(self._modules)
        doomed = keys[index] if isinstance(index, slice) else [keys[index]]
        for key in doomed:
            delattr(self, key)
        if all(k.isdigit() for k in keys):           # keep "0", "1", ... contiguous
            self._rebuild(list(self._modules.values()))

    def _rebuild(self, modules: list) -> None:
        for key in list(self._modules):
            delattr(self, key)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def append(self, module: Module) -> "Sequential":
        """Add a layer at the end (Keras' ``model.add``); returns self."""
        self.add_module(str(len(self)), module)
        return self

    add = append

    def extend(self, modules: Iterable[Module]) -> "Sequential":
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> "Sequential":
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._rebuild(modules)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (for models with a custom forward)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        for module in modules or ():
            self.append(module)

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        for module in modules:
            self.append(module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __getitem__(self, index: int | slice) -> Any:
        values = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(values[index])
        return values[index]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(list(self._modules)[index], module)

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); iterate over it in your "
                                  "model's forward")
