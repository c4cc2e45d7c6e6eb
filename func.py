"""``xg.func``, as ``torch.func``: composable function transforms over pytrees of tensors
(grad, grad_and_value, vjp, jvp, linearize, jacrev, jacfwd, hessian, vmap) and the module
helpers that make them useful for models (functional_call, stack_module_state).

>>> from xpgrad.func import functional_call, grad, vmap
>>> params = {k: v.detach() for k, v in model.named_parameters()}
>>> loss = lambda p, x, y: nn.functional.mse_loss(functional_call(model, p, (x[None],)), y[None])
>>> per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys)   # a dict of (N, ...)
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

from .autograd.func_grad import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize, vjp
from .autograd.func_vmap import vmap
from .autograd.grad_mode import no_grad
from .autograd.ops.shape import stack
from .autograd.tensor import Tensor
from .nn.module import Module


def _slots(module: Module) -> Iterator[tuple[str, Module, str, str, Tensor]]:
    """(dotted name, owning module, registry, attribute, tensor) of every parameter and buffer,
    shared ones under each of their names (what tie_weights needs)."""
    for path, owner in module.named_modules(remove_duplicate=False):
        for registry in ("_parameters", "_buffers"):
            for attr, value in owner.__dict__[registry].items():
                if value is not None:
                    yield (f"{path}.{attr}" if path else attr), owner, registry, attr, value


def _merge(dicts: Any) -> dict:
    if isinstance(dicts, dict):
        return dict(dicts)
    if not isinstance(dicts, (tuple, list)) or not all(isinstance(d, dict) for d in dicts):
        raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
    merged: dict = {}
    for d in dicts:
        repeated = sorted(k for k in d if k in merged)
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of "
                             "functional call is ambiguous")
        merged.update(d)
    return merged


def _expand_tied(slots: list, given: dict) -> dict:
    """Give every name of a shared tensor the value given for any one of its names."""
    names_of: dict = {}
    for name, _, _, _, value in slots:
        names_of.setdefault(id(value), []).append(name)
    expanded = dict(given)
    for names in names_of.values():
        supplied = [n for n in names if n in given]
        if not supplied or len(names) == 1:
            continue
        if any(given[n] is not given[supplied[0]] for n in supplied[1:]):
            raise ValueError(f"functional_call got multiple values for keys {sorted(supplied)}, "
                             "which are tied. Consider using tie_weights=False")
        for n in names:
            expanded.setdefault(n, given[supplied[0]])
    return expanded


def _check_strict(module: Module, slots: list, given: dict) -> None:
    names = [s[0] for s in slots]
    unexpected = [k for k in given if k not in set(names)]
    missing = [n for n in names if n not in given]
    if unexpected or missing:
        parts = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
        if unexpected:
            parts.append(f"\tUnexpected key(s): {', '.join(repr(k) for k in unexpected)}.")
        if missing:
            parts.append(f"\tMissing key(s): {', '.join(repr(k) for k in missing)}.")
        raise RuntimeError("\n".join(parts))


def functional_call(module: Module, parameter_and_buffer_dicts: dict | Sequence[dict],
                    args: Any = None, kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the given tensors (by dotted name) in place of its
    parameters and buffers for this one call; the originals are back afterwards, also when the
    call raises. A tuple of dicts is merged; with ``tie_weights`` a value given for one name of
    a shared tensor serves all its names; ``strict`` requires exactly the module's names.

    >>> out = xg.func.functional_call(model, {"weight": w, "bias": b}, (x,))
    """
    given = _merge(parameter_and_buffer_dicts)
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    kwargs = {} if kwargs is None else kwargs
    slots = list(_slots(module))
    if tie_weights:
        given = _expand_tied(slots, given)
    if strict:
        _check_strict(module, slots, given)
    where = {name: (owner, registry, attr) for name, owner, registry, attr, _ in slots}
    saved: dict = {}          # (id(owner), attr) -> (owner, registry, its value, had attribute)
    try:
        for name, value in given.items():
            if name in where:
                owner, registry, attr = where[name]
            else:             # not the module's: set for the call as torch does, removed after
                path, _, attr = name.rpartition(".")
                owner, registry = module.get_submodule(path), None
            key = (id(owner), attr)
            if key not in saved:
                reg = owner.__dict__[registry] if registry else None
                saved[key] = (owner, reg, reg[attr] if reg is not None else None,
                              attr in owner.__dict__, owner.__dict__.get(attr))
            if registry:
                owner.__dict__[registry][attr] = value
            owner.__dict__[attr] = value      # what `self.weight` reads in forward
        return module(*args, **kwargs)
    finally:
        for (_, attr), (owner, reg, reg_value, had, value) in saved.items():
            if reg is not None:
                reg[attr] = reg_value
            if had:
                owner.__dict__[attr] = value
            else:
                owner.__dict__.pop(attr, None)


def _stacked_leaf(tensors: list, name: str) -> Tensor:
    wants = [t.requires_grad for t in tensors]
    if any(wants) and not all(wants):
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    with no_grad():
        result = stack([t.detach() for t in tensors], 0)
    return result.requires_grad_(True) if all(wants) else result


def stack_module_state(models: Sequence[Module]) -> tuple[dict, dict]:
    """(params, buffers): each parameter and buffer of the equally built ``models`` stacked on a
    new leading dimension (new leaves), for ensembles with vmap + functional_call.

    >>> params, buffers = xg.func.stack_module_state([nn.Linear(2, 3) for _ in range(5)])
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same "
                           "training/eval mode.")
    if len({type(m) for m in models}) != 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    params = {k: _stacked_leaf([dict(m.named_parameters())[k] for m in models], k)
              for k, _ in models[0].named_parameters()}
    buffers = {k: _stacked_leaf([dict(m.named_buffers())[k] for m in models], k)
               for k, _ in models[0].named_buffers()}
    return params, buffers


__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian",
           "vmap", "functional_call", "stack_module_state"]
