"""The guards of a replay: Python conditions, one per assumption the recording made about
state outside the step, any of which true means "record again" (``autograd/tape.py`` puts
them first in the replay; ``Program.failed_guards`` names the ones that fail).

The tracer collects what to guard (``Tracer.guard_*``): tensors it read by identity (their
array, requires_grad and hooks), the train/eval mode of every module called, attributes and
dict items the recording depends on (an optimizer's state), functions whose result must not
change (an optimizer's flags), and the ``.grad`` each leaf had when the engine first read it.
"""
from __future__ import annotations

from typing import Any, Callable

MISS = object()          # what a replay returns when a guard fails (the caller records again)


def guard_lines(tracer: Any, constant: Callable[[Any, str], str],
                expr: Callable[[Any], str]) -> list[str]:
    """The conditions as source. ``constant(obj, prefix)`` names an object in the replay's
    namespace; ``expr(obj)`` writes a literal."""
    conds = []
    for tensor, array, rg, hooks in tracer.tensor_guards:
        name = constant(tensor, "T")
        conds.append(f"{name}.data is not {constant(array, 's')}")
        conds.append(f"{name}._rg is not {rg}")
        conds.append(f"{name}._hooks is not None" if hooks is None else
                     f"len({name}._hooks) != {hooks}")
    for module, training in tracer.module_guards.values():
        conds.append(f"{constant(module, 'M')}.training is not {bool(training)}")
    for obj, name, held in tracer.attr_guards:
        conds.append(f"{constant(obj, 'O')}.{name} is not {constant(held, 'k')}")
    for fn, held, quick in tracer.call_guards:
        check = f"{constant(fn, 'F')}() != {constant(held, 'k')}"
        if quick:        # while the inputs are the same objects, fn() need not run
            same = " or ".join(f"{constant(m, 'D')}[{expr(k)}] is not {constant(v, 'k')}"
                               for m, k, v in quick)
            check = f"(({same}) and {check})"
        conds.append(check)
    for mapping, key, held in tracer.item_guards:
        if held is None:             # absent (or None): stays so
            conds.append(f"{constant(mapping, 'D')}.get({expr(key)}) is not None")
        else:
            conds.append(f"{constant(mapping, 'D')}[{expr(key)}] is not {constant(held, 'k')}")
    for leaf, grad in tracer.grad_guards.values():
        want = "None" if grad is None else constant(grad, "T")
        conds.append(f"{constant(leaf, 'L')}.grad is not {want}")
    return conds


def guard_block(conditions: list[str], may_raise: bool) -> list[str]:
    """The replay's first lines: return MISS unless every guard holds."""
    if not conditions:
        return []
    check = [f"if ({' or '.join(conditions)}):", "    return MISS"]
    if not may_raise:
        return check
    return ["try:"] + ["    " + line for line in check] + \
        ["except (KeyError, IndexError):", "    return MISS"]
