"""The optimizer's hook handles and the wrappers that run registered hooks around ``step``,
``state_dict`` and ``load_state_dict`` (installed per instance by ``Optimizer._add_hook``)."""
from __future__ import annotations

import itertools
from typing import Any

_hook_ids = itertools.count(1)


class OptimizerHookHandle:
    """Returned by the optimizer's ``register_*hook``; ``handle.remove()`` unregisters it."""

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = next(_hook_ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> "OptimizerHookHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _hooks_of(opt: Any, method: str, *names: str) -> list[dict] | None:
    """The hook dicts, or None after the last hook was removed (the attribute goes too)."""
    dicts = [opt.__dict__.get(n) or {} for n in names]
    if not any(dicts):
        opt.__dict__.pop(method, None)
        return None
    return dicts


def _hooked_step(opt: Any, *args: Any, **kwargs: Any) -> Any:
    hooks = _hooks_of(opt, "step", "_optimizer_step_pre_hooks", "_optimizer_step_post_hooks")
    args = (opt,) + args
    if hooks is None:
        return type(opt).step(*args, **kwargs)
    pre, post = hooks
    for hook in list(pre.values()):
        result = hook(opt, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(f"optimizer step pre-hook {hook!r} must return None or a "
                                   f"tuple of (new_args, new_kwargs), but got {result!r}")
            args, kwargs = result
    out = type(opt).step(*args, **kwargs)
    for hook in list(post.values()):
        hook(opt, args, kwargs)
    return out


def _hooked_state_dict(opt: Any) -> dict:
    hooks = _hooks_of(opt, "state_dict", "_optimizer_state_dict_pre_hooks",
                      "_optimizer_state_dict_post_hooks")
    if hooks is None:
        return type(opt).state_dict(opt)
    for hook in list(hooks[0].values()):
        hook(opt)
    state_dict = type(opt).state_dict(opt)
    for hook in list(hooks[1].values()):
        result = hook(opt, state_dict)
        if result is not None:
            state_dict = result
    return state_dict


def _hooked_load_state_dict(opt: Any, state_dict: dict) -> None:
    hooks = _hooks_of(opt, "load_state_dict", "_optimizer_load_state_dict_pre_hooks",
                      "_optimizer_load_state_dict_post_hooks")
    if hooks is None:
        return type(opt).load_state_dict(opt, state_dict)
    for hook in list(hooks[0].values()):
        result = hook(opt, state_dict)
        if result is not None:
            state_dict = result
    type(opt).load_state_dict(opt, state_dict)
    for hook in list(hooks[1].values()):
        hook(opt)
    return None


_HOOKED = {"step": _hooked_step, "state_dict": _hooked_state_dict,
           "load_state_dict": _hooked_load_state_dict}
