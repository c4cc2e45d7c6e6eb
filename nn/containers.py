"""Containers: Sequential (a stack of layers, like Keras' Sequential), ModuleList, ModuleDict,
ParameterList and ParameterDict."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
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

    def pop(self, index: int = -1) -> Module:
        """Remove and return the layer at ``index``."""
        module = self[index]
        del self[index]
        return module

    def __add__(self, other: "Sequential") -> "Sequential":
        if not isinstance(other, Sequential):
            raise TypeError(f"add operator supports only objects of Sequential class, but "
                            f"{type(other).__name__} is given.")
        return Sequential(*self, *other)

    def __iadd__(self, other: "Sequential") -> "Sequential":
        if not isinstance(other, Sequential):
            raise TypeError(f"add operator supports only objects of Sequential class, but "
                            f"{type(other).__name__} is given.")
        return self.extend(list(other))

    def __mul__(self, other: int) -> "Sequential":
        if not isinstance(other, int) or isinstance(other, bool) or other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other!r} for Sequential")
        return Sequential(*(list(self) * other))

    __rmul__ = __mul__


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

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def pop(self, index: int = -1) -> Module:
        module = self[index]
        del self[index]
        return module

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[index]
        self._renumber(modules)

    def _renumber(self, modules: list) -> None:
        for key in list(self._modules):
            delattr(self, key)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> "ModuleList":
        return ModuleList([*self, *other])

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

    def __repr__(self) -> str:
        """As PyTorch prints it: a run of identical entries is one line, ``(0-5): 6 x Layer``."""
        bodies = [repr(m) for m in self._modules.values()]
        if not bodies:
            return f"{type(self).__name__}()"
        runs: list = []            # [first index, last index, repr]
        for i, body in enumerate(bodies):
            if runs and runs[-1][2] == body:
                runs[-1][1] = i
            else:
                runs.append([i, i, body])
        lines = []
        for first, last, body in runs:
            label = f"({first})" if first == last else f"({first}-{last}): {last - first + 1} x"
            lines.append(f"{label}{':' if first == last else ''} {body}".replace("\n", "\n  "))
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """Modules by name, registered (state_dict keys "<name>.<param>"), in insertion order.

    >>> heads = nn.ModuleDict({"age": nn.Linear(16, 1), "sex": nn.Linear(16, 2)})
    """

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        try:
            return self._modules[key]
        except KeyError:
            raise KeyError(f"ModuleDict has no module {key!r}; it has {list(self._modules)}") \
                from None

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> list[str]:
        return list(self._modules)

    def values(self) -> list[Module]:
        return list(self._modules.values())

    def items(self) -> list[tuple[str, Module]]:
        return list(self._modules.items())

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        for key in list(self._modules):
            del self[key]

    def update(self, modules: Any) -> None:
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward(); index it in your model's forward")


class ParameterList(Module):
    """Parameters in a list, registered as "0", "1", ... (plain tensors are wrapped).

    >>> self.scales = nn.ParameterList([nn.Parameter(xg.ones(4)) for _ in range(3)])
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        for value in values or ():
            self.append(value)

    def append(self, value: Any) -> "ParameterList":
        self.register_parameter(str(len(self._parameters)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> "ParameterList":
        for value in values:
            self.append(value)
        return self

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._parameters.values()))

    def __getitem__(self, index: int) -> Any:
        return list(self._parameters.values())[index]

    def __setitem__(self, index: int, value: Any) -> None:
        self.register_parameter(list(self._parameters)[index], _as_parameter(value))

    def extra_repr(self) -> str:
        return _parameter_lines(enumerate(self), lambda p: repr(p.dtype))

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ParameterList has no forward()")


class ParameterDict(Module):
    """Parameters by name (plain tensors are wrapped).

    >>> self.table = nn.ParameterDict({"w": nn.Parameter(xg.randn(3, 3))})
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._parameters[key]
        except KeyError:
            raise KeyError(f"ParameterDict has no parameter {key!r}; it has "
                           f"{list(self._parameters)}") from None

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._parameters))

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> list[str]:
        return list(self._parameters)

    def values(self) -> list[Any]:
        return list(self._parameters.values())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._parameters.items())

    def update(self, parameters: Any) -> None:
        """Add or overwrite entries; a plain mapping's keys are taken sorted, as torch's
        (an OrderedDict, a ParameterDict or a sequence of pairs keeps its order)."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        else:
            pairs = parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return _parameter_lines(self.items(), lambda p: p.type())

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ParameterDict has no forward()")


def _parameter_lines(pairs: Iterable[tuple], kind: Any) -> str:
    """torch's ParameterList / ParameterDict lines: ``(key): Parameter containing: [...]``."""
    lines = []
    for key, p in pairs:
        size = "x".join(str(n) for n in p.shape)
        device = "" if str(p.device) == "cpu" else f" ({p.device})"
        lines.append(f"  ({key}): Parameter containing: [{kind(p)} of size {size}{device}]")
    return "\n".join(lines)


def _as_parameter(value: Any) -> Any:
    from ..autograd.tensor import Tensor
    from .parameter import Parameter
    if value is None or isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"expected an nn.Parameter or a Tensor, got {type(value).__name__}")
