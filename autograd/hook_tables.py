"""The one helper module and optimizer hooks share: registering a hook in an ordered table."""
from __future__ import annotations

from typing import Any, Callable


def put_hook(hooks: dict, key: Any, hook: Callable, prepend: bool = False) -> None:
    """``hooks[key] = hook``, first in order with ``prepend`` (the same dict object: handles
    hold it). >>> put_hook(table, handle.id, fn, prepend=True)"""
    if prepend:
        rest = dict(hooks)
        hooks.clear()
        hooks[key] = hook
        hooks.update(rest)
    else:
        hooks[key] = hook
