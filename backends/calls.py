"""Array methods and attributes as plain callables, so a recorded call (``xg.compile``) can
name them: ``Method("sum")(a, 1)`` is ``a.sum(1)``, ``Attribute("mT")(a)`` is ``a.mT``.
One object per name, so backends can key their ``out=`` forms by it."""
from __future__ import annotations

from typing import Any


class _Named:
    """Interned by name: ``Method("sum") is Method("sum")``."""
    __slots__ = ("name",)
    _cache: dict = {}

    def __new__(cls, name: str) -> Any:
        key = (cls, name)
        obj = _Named._cache.get(key)
        if obj is None:
            obj = _Named._cache[key] = object.__new__(cls)
            obj.name = name
        return obj

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Method(_Named):
    __slots__ = ()

    def __call__(self, obj: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(obj, self.name)(*args, **kwargs)


class Attribute(_Named):
    __slots__ = ()

    def __call__(self, obj: Any) -> Any:
        return getattr(obj, self.name)
