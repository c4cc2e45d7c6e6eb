"""``nn.utils.stateless.functional_call`` (also ``torch.func.functional_call``): run a module
with some of its parameters and buffers replaced by given tensors, for one call.

>>> out = nn.utils.stateless.functional_call(model, {"0.weight": w}, (x,))
>>> xg.autograd.grad(out.sum(), w)          # gradients w.r.t. the tensors passed in
"""
from __future__ import annotations

from typing import Any

from ..autograd.tensor import Tensor
from .module import Module

__all__ = ["functional_call"]

_MISSING = object()


def _untie(module: Module, given: dict) -> dict:
    """``given`` with each tied name (the same tensor under several names) filled in from
    the one that was given; several different values for one tied group are an error."""
    names_of: dict = {}
    for name, t in [*module.named_parameters(remove_duplicate=False),
                    *module.named_buffers(remove_duplicate=False)]:
        names_of.setdefault(id(t), set()).add(name)
    out = dict(given)
    for names in names_of.values():
        if len(names) < 2:
            continue
        passed = [n for n in sorted(names) if n in given]
        if not passed:
            continue
        if len({id(given[n]) for n in passed}) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(names)}, "
                             "which are tied. Consider using tie_weights=False")
        for n in names:
            out[n] = given[passed[0]]
    return out


def _swap(module: Module, name: str, value: Any) -> Any:
    """Put ``value`` at the dotted ``name`` (``_MISSING`` deletes it); return what was there."""
    path, _, leaf = name.rpartition(".")
    owner = module.get_submodule(path)
    d = owner.__dict__
    for registry in (d["_parameters"], d["_buffers"]):
        if leaf in registry:
            old = registry[leaf]
            if value is _MISSING:
                del registry[leaf]
                d.pop(leaf, None)
            else:
                registry[leaf] = d[leaf] = value     # any Tensor, as torch (not only Parameters)
            return old
    old = getattr(owner, leaf, _MISSING)
    if old is not _MISSING and old is not None and not isinstance(old, Tensor):
        raise TypeError(f"functional_call: attribute `{name}` is a {type(old).__name__}, "
                        "not a Tensor")
    if value is _MISSING:
        if old is not _MISSING:
            object.__delattr__(owner, leaf)
    else:
        object.__setattr__(owner, leaf, value)
    return old


def functional_call(module: Module, parameters_and_buffers: dict, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """Call ``module(*args, **kwargs)`` with the tensors of ``parameters_and_buffers`` (by
    dotted name) in place of its own, and put its own back afterwards (also when the call
    raises). ``tie_weights``: a tensor given for one of several tied names serves them all.
    ``strict``: the names must be exactly the module's parameters and buffers.

    >>> out = nn.utils.stateless.functional_call(lin, {"weight": w, "bias": b}, (x,))
    """
    if type(module).__name__ == "DataParallel":
        raise RuntimeError("The stateless API can't be used with nn.DataParallel module")
    for name, value in parameters_and_buffers.items():
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"functional_call: the value for {name!r} is a "
                            f"{type(value).__name__}, not a Tensor")
    given = _untie(module, parameters_and_buffers) if tie_weights else \
        dict(parameters_and_buffers)
    if strict:
        own = {n for n, _ in module.named_parameters(remove_duplicate=False)}
        own |= {n for n, _ in module.named_buffers(remove_duplicate=False)}
        errors = []
        unexpected = [n for n in given if n not in own]
        missing = [n for n in own if n not in given]
        if unexpected:
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                               + "\n\t".join(errors))
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    saved: list = []
    try:
        for name, value in given.items():
            saved.append((name, _swap(module, name, value)))
        return module(*args, **(kwargs or {}))
    finally:
        for name, old in reversed(saved):
            now = _swap(module, name, old)
            if name in parameters_and_buffers:     # a tensor the call replaced, as torch
                parameters_and_buffers[name] = now
