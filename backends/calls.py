"""Array methods and attributes as plain callables, so a recorded call (``xg.compile``) can
name them: ``Method("sum")(a, 1)`` is ``a.sum(1)``, ``Attribute("mT")(a)`` is ``a.mT``.
One object per name, so backends can key their ``out=`` forms by it."""
from __future__ import annotations

from typing import Any


class Method:
    __slots__ = ("name",)
    _cache: dict = {}

    def __new__(cls, name: str) -> "Method":
        m = cls._cache.get(name)
        if m is None:
            m = cls._cache[name] = object.__new__(cls)
            m.name = name
        return m

    def __call__(self, obj: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(obj, self.name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Method({self.name!r})"


class Attribute:
    __slots__ = ("name",)
    _cache: dict = {}

    def __new__(cls, name: str) -> "Attribute":
        m = cls._cache.get(name)
        if m is None:
            m = cls._cache[name] = object.__new__(cls)
            m.name = name
        return m

    def __call__(self, obj: Any) -> Any:
        return getattr(obj, self.name)

    def __repr__(self) -> str:
        return f"Attribute({self.name!r})"
