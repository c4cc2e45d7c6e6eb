"""The pytrees of ``xg.func`` (as ``torch.utils._pytree``): tuples (namedtuples too), lists and
dicts are nodes, None is a node with no children, anything else is a leaf.

>>> leaves, spec = tree_flatten({"w": w, "b": (b,)}); tree_unflatten(leaves, spec)
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable


class TreeSpec:
    """The structure of a pytree without its leaves; ``*`` marks a leaf in its repr."""

    __slots__ = ("kind", "context", "children")

    def __init__(self, kind: Any, context: Any = None, children: tuple = ()) -> None:
        self.kind, self.context, self.children = kind, context, children

    @property
    def is_leaf(self) -> bool:
        return self.kind is None

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TreeSpec) and self.kind is other.kind
                and self.context == other.context and self.children == other.children)

    def __hash__(self) -> int:
        return hash((self.kind, self.children))

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        if self.kind is type(None):
            return "None"
        if issubclass(self.kind, dict):
            pairs = zip(self.context, self.children)
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in pairs) + "}"
        inner = ", ".join(repr(c) for c in self.children)
        if self.kind is list:
            return f"[{inner}]"
        if self.kind is tuple:
            return f"({inner}{',' if len(self.children) == 1 else ''})"
        return f"{self.kind.__name__}({inner})"


LEAF = TreeSpec(None)


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def tree_flatten(tree: Any) -> tuple[list, TreeSpec]:
    """(leaves in order, spec). Dicts keep their insertion order, as PyTorch's."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree: Any, leaves: list) -> TreeSpec:
    if tree is None:
        return TreeSpec(type(None))
    if isinstance(tree, dict):
        keys = tuple(tree)
        kind = OrderedDict if isinstance(tree, OrderedDict) else dict
        return TreeSpec(kind, keys, tuple(_flatten(tree[k], leaves) for k in keys))
    if isinstance(tree, (tuple, list)):
        kind = type(tree) if _is_namedtuple(tree) else (tuple if isinstance(tree, tuple) else list)
        return TreeSpec(kind, None, tuple(_flatten(c, leaves) for c in tree))
    leaves.append(tree)
    return LEAF


def tree_unflatten(leaves: Any, spec: TreeSpec) -> Any:
    """The pytree of ``spec`` holding ``leaves`` (the inverse of tree_flatten)."""
    it = iter(leaves)
    tree = _unflatten(it, spec)
    if next(it, _END) is not _END:
        raise ValueError(f"tree_unflatten: more leaves than the spec {spec!r} holds")
    return tree


_END = object()


def _unflatten(it: Any, spec: TreeSpec) -> Any:
    kind = spec.kind
    if kind is None:
        leaf = next(it, _END)
        if leaf is _END:
            raise ValueError("tree_unflatten: fewer leaves than the spec holds")
        return leaf
    if kind is type(None):
        return None
    children = [_unflatten(it, c) for c in spec.children]
    if issubclass(kind, dict):
        return kind(zip(spec.context, children))
    if kind is tuple or kind is list:
        return kind(children)
    return kind(*children)                      # a namedtuple


def tree_map(fn: Callable, tree: Any) -> Any:
    """``tree`` with ``fn`` applied to every leaf."""
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def broadcast_prefix(prefix: Any, tree: Any) -> list | None:
    """One value per leaf of ``tree``: ``prefix`` is a pytree whose int/None entries stand for
    the whole subtree below them (vmap's in_dims and out_dims). None when they do not fit."""
    out: list = []
    return out if _broadcast(prefix, tree, out) else None


def _broadcast(prefix: Any, tree: Any, out: list) -> bool:
    if prefix is None or isinstance(prefix, int):
        out.extend([prefix] * len(tree_flatten(tree)[0]))
        return True
    if isinstance(prefix, dict):
        if not isinstance(tree, dict) or set(prefix) != set(tree):
            return False
        return all(_broadcast(prefix[k], tree[k], out) for k in tree)
    if isinstance(prefix, (tuple, list)):
        if isinstance(prefix, tuple) != isinstance(tree, tuple) or \
                not isinstance(tree, (tuple, list)) or len(prefix) != len(tree):
            return False
        return all(_broadcast(p, t, out) for p, t in zip(prefix, tree))
    return False


__all__ = ["TreeSpec", "tree_flatten", "tree_unflatten", "tree_map", "broadcast_prefix"]
