"""Module: the base class of layers and models, as in PyTorch.

Parameters, buffers and submodules register themselves when assigned as attributes. Each is
kept in an insertion-ordered registry *and* in the instance ``__dict__``, so reading
``self.weight`` in a forward pass is a plain attribute lookup (no ``__getattr__`` detour).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from ..autograd import function as _function
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from ..autograd.tensor_mutation import clear_grads
from ._state import IncompatibleKeys, load_into
from .parameter import Parameter
from .utils_hooks import ModuleHooks, RemovableHandle

__all__ = ["Module", "RemovableHandle", "IncompatibleKeys"]


class Module(ModuleHooks):
    """Base class for every layer and model: subclass it, assign layers and Parameters in
    ``__init__`` (after ``super().__init__()``) and write ``forward``.

    >>> class MLP(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden, self.out = nn.Linear(29, 16), nn.Linear(16, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    """

    _has_hooks = False        # instances set their own; this default serves objects unpickled
                              # from before the flag existed

    def __init__(self) -> None:
        d = self.__dict__
        d["_parameters"] = {}
        d["_buffers"] = {}
        d["_non_persistent"] = set()
        d["_modules"] = {}
        d["training"] = True
        # hooks (utils_hooks.py), by handle id, as torch names them
        d["_has_hooks"] = False
        for name in ("_forward_hooks", "_forward_hooks_with_kwargs",
                     "_forward_hooks_always_called", "_forward_pre_hooks",
                     "_forward_pre_hooks_with_kwargs", "_backward_hooks", "_backward_pre_hooks",
                     "_state_dict_pre_hooks", "_state_dict_hooks"):
            d[name] = {}

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define it in "
                                  "the subclass")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _function.tracer is not None:        # xg.compile: the replay depends on the mode
            _function.tracer.module_called(self)
        if self._has_hooks:                     # one flag: the hook-free call stays fast
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    # ---- registration -----------------------------------------------------------------
    def _registries(self) -> tuple[dict, dict, dict]:
        try:
            d = self.__dict__
            return d["_parameters"], d["_buffers"], d["_modules"]
        except KeyError:
            raise AttributeError(f"cannot assign parameters, buffers or submodules before "
                                 f"{type(self).__name__}.__init__() calls "
                                 "super().__init__()") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} "
                                f"of {type(self).__name__} (nn.Parameter or None expected)")
            self.register_parameter(name, None)
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module "
                                f"{name!r} (nn.Module or None expected)")
            self._modules[name] = None
            self.__dict__[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} "
                                "(Tensor or None expected)")
            self._buffers[name] = value
            self.__dict__[name] = value
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in self._registries():
            registry.pop(name, None)
        self._non_persistent.discard(name)
        object.__delattr__(self, name)

    def _check_name(self, name: str, kind: str) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{kind} name must be a non-empty string without '.', got {name!r}")

    def _forget(self, name: str, keep: dict | None = None) -> None:
        for registry in (r for r in self._registries() if r is not keep):   # keep: its place
            registry.pop(name, None)
        self._non_persistent.discard(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared-but-absent one such as ``bias=False``)."""
        params, _, _ = self._registries()
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot register {type(param).__name__} as parameter {name!r} "
                            "(nn.Parameter or None expected; wrap it: nn.Parameter(t))")
        self._forget(name, params)
        params[name] = param
        self.__dict__[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is not trained (e.g. BatchNorm's running mean); it moves with
        ``to()`` and, when persistent, is saved in ``state_dict()``."""
        _, buffers, _ = self._registries()
        self._check_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot register {type(tensor).__name__} as buffer {name!r} "
                            "(Tensor or None expected)")
        self._forget(name, buffers)
        buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)
        self.__dict__[name] = tensor

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a child module (what ``self.name = module`` does)."""
        _, _, modules = self._registries()
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module")
        self._forget(name, modules)
        modules[name] = module
        self.__dict__[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        """The submodule at a dotted path, e.g. ``model.get_submodule("0")``."""
        module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} "
                                     f"(path {target!r})")
            module = child
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path, e.g. ``model.get_parameter("0.weight")``."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}` "
                                 f"(path {target!r})")
        param = getattr(module, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter (path {target!r})")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path, e.g. ``model.get_buffer("1.running_mean")``."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if not hasattr(module, name):
            raise AttributeError(f"{type(module).__name__} has no attribute `{name}` "
                                 f"(path {target!r})")
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer (path {target!r})")
        return getattr(module, name)

    def share_memory(self) -> "Module":
        """PyTorch moves tensors to shared memory for multiprocessing; here arrays already
        belong to their backend, so this does nothing and returns self."""
        return self

    # ---- iteration --------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """(path, module) for this module and every descendant, depth first."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            path, module = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            yield path, module
            children = [(f"{path}.{n}" if path else n, m)
                        for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator["Module"]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Tensor]]:
        seen: set = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for path, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{path}.{name}" if path else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter), in registration order; a shared parameter appears once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ---- modes and gradients ----------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout active, batch norm uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode) expects a bool, got {mode!r}")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Freeze (False) or unfreeze every parameter; returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear ``.grad`` of every parameter (to None by default, as PyTorch 2; in place
        with ``set_to_none=False``)."""
        clear_grads(list(self.parameters()), set_to_none)

    def apply(self, fn: Callable[["Module"], Any]) -> "Module":
        """Call ``fn`` on every submodule (children first) and on self; returns self.

        >>> model.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- devices and dtypes -----------------------------------------------------------
    def to(self, device: Any = None, dtype: Any = None) -> "Module":
        """Move every parameter and buffer (and gradient) to ``device`` and/or cast the
        floating-point ones to ``dtype``, in place (the same Parameter objects, so an
        optimizer built before keeps working); returns self.

        >>> model.to("cuda"); model.to(xg.float64)
        """
        from ..autograd.tensor import _looks_like_dtype
        from ..dtypes import DType, as_dtype
        if isinstance(device, DType) or (dtype is None and device is not None
                                         and _looks_like_dtype(device)):
            device, dtype = None, device
        dtype = None if dtype is None else as_dtype(dtype)
        if dtype is not None and not dtype.is_floating:
            raise TypeError(f"Module.to only casts to floating-point dtypes, got {dtype}")
        backend = None
        if device is not None:
            from ..backends import get_backend
            backend = get_backend(device)

        def convert(t: Tensor) -> None:
            moved = t.detach()
            if backend is not None and moved._backend is not backend:
                moved = moved.to(backend)
            if dtype is not None and moved.dtype.is_floating and moved.dtype is not dtype:
                moved = moved.astype(dtype)
            t.data, t._backend = moved.data, moved._backend

        with no_grad():
            for t in self._tensors():
                convert(t)
                if t.grad is not None:
                    convert(t.grad)
        return self

    def _tensors(self) -> Iterator[Tensor]:
        seen: set = set()
        for module in self.modules():
            for registry in (module._parameters, module._buffers):
                for t in registry.values():
                    if t is not None and id(t) not in seen:
                        seen.add(id(t))
                        yield t

    def cpu(self) -> "Module":
        return self.to("cpu")

    def cuda(self, device: int | None = None) -> "Module":
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self) -> "Module":
        return self.to(dtype="float32")

    def double(self) -> "Module":
        return self.to(dtype="float64")

    def half(self) -> "Module":
        return self.to(dtype="float16")

    def type(self, dst_type: Any) -> "Module":
        """Cast every floating-point parameter and buffer to ``dst_type``."""
        return self.to(dtype=dst_type)

    # ---- state_dict -------------------------------------------------------------------
    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict:
        """Parameters and persistent buffers by dotted name ("0.weight", ...).

        Values are detached tensors holding the module's current arrays, not copies (as in
        PyTorch); whether later updates show through depends on how they are made, so clone
        them (``{k: v.clone() for k, v in sd.items()}``) to keep a snapshot.
        """
        out = {} if destination is None else destination
        post = []
        for path, module in self.named_modules(prefix=prefix.rstrip(".")):
            head = f"{path}." if path else ""
            for hook in list(module._state_dict_pre_hooks.values()):
                hook(module, head, keep_vars)
            for name, p in module._parameters.items():
                if p is not None:
                    out[head + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[head + name] = b if keep_vars else b.detach()
            if module._state_dict_hooks:
                post.append((module, head))
        for module, head in reversed(post):     # children's before their parent's, as torch
            for hook in list(module._state_dict_hooks.values()):
                hook(module, out, head, {"version": 1})
        return out

    def load_state_dict(self, state_dict: Any, strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Copy values into the parameters and buffers (cast to their dtype, moved to their
        device; with ``assign=True`` they keep the values' dtype, as PyTorch's assign).
        Nothing is changed unless every key can be loaded: a shape mismatch always raises;
        missing and unexpected keys raise when ``strict`` (the default) and are returned
        otherwise. Values may be Tensors or host arrays."""
        return load_into(self, state_dict, strict, assign)

    # ---- repr -------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside ``Name(...)``; layers override it to show their settings."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = (extra.split("\n") if extra else []) + [
            f"({name}): " + repr(module).replace("\n", "\n  ")
            for name, module in self._modules.items()]
        if len(lines) <= 1 and not self._modules:     # torch: one extra line stays inline
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"
