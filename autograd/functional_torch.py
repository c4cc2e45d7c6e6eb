"""PyTorch's ``torch.autograd.functional``: vjp, jvp, jacobian, hessian, hvp, vhp, with its
signatures and result structure (a tensor for a tensor input, a tuple for a tuple). Each is
built on ``autograd.grad``; jvp and hvp use the double-backward trick (the vjp is linear in
its cotangent, so differentiating it again gives J v), which every op here supports.

>>> from xpgrad.autograd.functional import jacobian
>>> jacobian(lambda x: x ** 2, xg.tensor([1.0, 2.0]))   # [[2., 0.], [0., 4.]]
"""
from __future__ import annotations

from typing import Any, Callable

from .engine import grad as autograd_grad
from .grad_mode import enable_grad
from .tensor import Tensor


def _as_tuple(op: str, name: str, value: Any) -> tuple[tuple, bool]:
    """(tuple of tensors, whether ``value`` was a tuple/list)."""
    is_tuple = isinstance(value, (tuple, list))
    items = tuple(value) if is_tuple else (value,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"{name}[{i}]" if is_tuple else name
            raise TypeError(f"{op}: {where} must be a Tensor, got {type(t).__name__}")
    return items, is_tuple


def _inputs(op: str, inputs: Any) -> tuple[tuple, bool]:
    items, is_tuple = _as_tuple(op, "inputs", inputs)
    prepared = []
    for i, t in enumerate(items):
        if not t.dtype.is_floating:       # torch: RuntimeError (requires_grad_ refuses it)
            raise _DtypeError(f"{op}: inputs must be floating point (only they can require "
                              f"gradients), input {i} is {t.dtype}")
        prepared.append(t.detach().requires_grad_(True))
    return tuple(prepared), is_tuple


def _outputs(op: str, out: Any) -> tuple[tuple, bool]:
    return _as_tuple(op, "the function's output", out)


def _grads(op: str, outputs: tuple, inputs: tuple, cotangents: tuple, create_graph: bool,
           strict: bool, what: str) -> tuple:
    wanted = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if not wanted:
        grads: tuple = (None,) * len(inputs)
    else:
        grads = autograd_grad([o for o, _ in wanted], list(inputs), [c for _, c in wanted],
                              retain_graph=True, create_graph=create_graph, allow_unused=True)
    result = []
    for i, (g, x) in enumerate(zip(grads, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{op}: the output is independent of input {i} (strict=True);"
                                   f" its {what} would be all zeros")
            from .factories import zeros_like
            g = zeros_like(x)
        result.append(g)
    return tuple(result)


class _DtypeError(RuntimeError, TypeError):
    """An input that cannot require grad: RuntimeError as torch's (also a TypeError)."""


class _SizeError(RuntimeError, ValueError):
    """A v of the wrong size or count: RuntimeError as torch's (also a ValueError)."""


class _StrategyError(AssertionError, ValueError):
    """An unknown jacobian strategy: AssertionError as torch's (also a ValueError)."""


def _check_like(op: str, name: str, v: tuple, like: tuple) -> None:
    if len(v) != len(like):
        raise _SizeError(f"{op}: {name} has {len(v)} tensor(s) but there are {len(like)}")
    for i, (a, b) in enumerate(zip(v, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise _SizeError(f"{op}: {name}[{i}] has shape {a.shape}, expected {b.shape}")


def _check_strategy(op: str, strategy: str, vectorize: bool) -> None:
    """torch's rules: "forward-mode" needs vectorize=True. Both strategies give the same
    numbers here (built on reverse mode), so forward-mode is a name only."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise _StrategyError(f'{op}: expected strategy to be either "forward-mode" or '
                             f'"reverse-mode", got {strategy!r}')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(f"{op}: computing the Jacobian with forward-mode is only "
                                  "implemented for vectorize=True (as in torch)")


def _default_v(op: str, like: tuple) -> tuple:
    if len(like) != 1 or like[0].numel() != 1:
        raise RuntimeError(f"{op}: v can be omitted only when there is a single one-element "
                           f"tensor, got shapes {[tuple(t.shape) for t in like]}")
    from .factories import ones_like
    return (ones_like(like[0]),)


def _finish(values: tuple, is_tuple: bool, create_graph: bool) -> Any:
    values = values if create_graph else tuple(v.detach() for v in values)
    return values if is_tuple else values[0]


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``: the vector-Jacobian product at ``inputs``.

    >>> out, g = vjp(lambda x: x * x, xg.tensor([1.0, 2.0]), xg.tensor([1.0, 1.0]))  # g = 2x
    """
    xs, in_tuple = _inputs("vjp", inputs)
    with enable_grad():
        out = func(*xs)
    outs, out_tuple = _outputs("vjp", out)
    vs = _default_v("vjp", outs) if v is None else _as_tuple("vjp", "v", v)[0]
    _check_like("vjp", "v", vs, outs)
    grads = _grads("vjp", outs, xs, vs, create_graph, strict, "vjp")
    return _finish(outs, out_tuple, create_graph), _finish(grads, in_tuple, create_graph)


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), J v)``: the Jacobian-vector product at ``inputs``.

    >>> out, t = jvp(lambda x: x * x, xg.tensor([1.0, 2.0]), xg.tensor([1.0, 0.0]))  # [2, 0]
    """
    xs, in_tuple = _inputs("jvp", inputs)
    vs = _default_v("jvp", xs) if v is None else _as_tuple("jvp", "v", v)[0]
    _check_like("jvp", "v", vs, xs)
    with enable_grad():
        out = func(*xs)
        outs, out_tuple = _outputs("jvp", out)
        from .factories import zeros_like
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        grads = _grads("jvp", outs, xs, dummies, True, strict, "jvp")
        live = [(g, w) for g, w in zip(grads, vs) if g.requires_grad]
        if live:
            tangents = autograd_grad([g for g, _ in live], list(dummies), [w for _, w in live],
                                     create_graph=create_graph, allow_unused=True)
        else:
            tangents = (None,) * len(dummies)
    result = []
    for i, (t, o) in enumerate(zip(tangents, outs)):
        if t is None:
            if strict:
                raise RuntimeError(f"jvp: output {i} is independent of the inputs (strict=True)")
            t = zeros_like(o)
        result.append(t)
    return _finish(outs, out_tuple, create_graph), _finish(tuple(result), out_tuple,
                                                           create_graph)


def _jacobian_rows(op: str, outs: tuple, xs: tuple, create_graph: bool, strict: bool) -> list:
    """For each output, the tuple (per input) of d out / d input, shaped out.shape + x.shape."""
    from .factories import zeros
    from .ops.shape import stack
    table = []
    for o in outs:
        n = o.numel()
        rows: list = [[] for _ in xs]
        flat = o.reshape(-1)
        for k in range(n):
            seed = zeros(n, dtype=o.dtype, device=o._backend)
            seed[k] = 1.0
            grads = _grads(op, (flat,), xs, (seed,), create_graph, strict, "Jacobian")
            for j, g in enumerate(grads):
                rows[j].append(g)
        per_input = []
        for j, x in enumerate(xs):
            if n:
                block = stack(rows[j], 0)
            else:
                block = zeros((0,) + tuple(x.shape), dtype=x.dtype, device=x._backend)
            per_input.append(block.reshape(tuple(o.shape) + tuple(x.shape)))
        table.append(tuple(per_input))
    return table


def _nest(table: list, out_tuple: bool, in_tuple: bool, create_graph: bool) -> Any:
    rows = [_finish(row, in_tuple, create_graph) for row in table]
    return tuple(rows) if out_tuple else rows[0]


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: shape output.shape + input.shape (a tuple per
    input and per output where those are tuples). ``vectorize`` is accepted (the rows are
    computed one by one either way); ``strategy="forward-mode"`` (with vectorize=True, as
    torch requires) gives the same numbers.

    >>> jacobian(lambda x: x.exp(), xg.zeros(3))   # the 3 x 3 identity
    """
    _check_strategy("jacobian", strategy, vectorize)
    xs, in_tuple = _inputs("jacobian", inputs)
    with enable_grad():
        out = func(*xs)
        outs, out_tuple = _outputs("jacobian", out)
        table = _jacobian_rows("jacobian", outs, xs, create_graph, strict)
    return _nest(table, out_tuple, in_tuple, create_graph)


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of the scalar function ``func`` at ``inputs``: shape input.shape * 2 (a
    tuple of tuples for tuple inputs).

    >>> hessian(lambda x: (x ** 3).sum(), xg.tensor([1.0, 2.0]))   # diag(6x)
    """
    _check_strategy("hessian", outer_jacobian_strategy, vectorize)
    xs, in_tuple = _inputs("hessian", inputs)
    with enable_grad():
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError(f"hessian: func must return a one-element Tensor, got "
                               f"{getattr(out, 'shape', type(out).__name__)}")
        from .factories import ones_like
        gradients = _grads("hessian", (out.reshape(()),), xs, (ones_like(out.reshape(())),),
                           True, strict, "gradient")
        table = _jacobian_rows("hessian", gradients, xs, create_graph, strict)
    return _nest(table, in_tuple, in_tuple, create_graph)


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), v^T H)`` for a scalar ``func``.

    >>> vhp(lambda x: (x ** 3).sum(), xg.tensor([1.0, 2.0]), xg.tensor([1.0, 1.0]))
    """
    return _hessian_product("vhp", func, inputs, v, create_graph, strict)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(inputs), H v)`` for a scalar ``func`` (equal to vhp: the Hessian is symmetric).

    >>> hvp(lambda x: (x ** 3).sum(), xg.tensor([1.0, 2.0]), xg.tensor([1.0, 1.0]))
    """
    return _hessian_product("hvp", func, inputs, v, create_graph, strict)


def _hessian_product(op: str, func: Callable, inputs: Any, v: Any, create_graph: bool,
                     strict: bool) -> tuple[Any, Any]:
    xs, in_tuple = _inputs(op, inputs)
    vs = _default_v(op, xs) if v is None else _as_tuple(op, "v", v)[0]
    _check_like(op, "v", vs, xs)
    with enable_grad():
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError(f"{op}: func must return a one-element Tensor, got "
                               f"{getattr(out, 'shape', type(out).__name__)}")
        from .factories import ones_like
        scalar = out.reshape(())
        gradients = _grads(op, (scalar,), xs, (ones_like(scalar),), True, strict, "gradient")
        product = _grads(op, gradients, xs, vs, create_graph, strict, op)
    value = out if create_graph else out.detach()
    return value, _finish(product, in_tuple, create_graph)


__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]
