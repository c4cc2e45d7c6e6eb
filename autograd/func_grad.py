"""The differentiating transforms of ``xg.func`` (as ``torch.func``): grad, grad_and_value, vjp,
jvp, linearize, jacrev, jacfwd, hessian, over pytrees of tensors, built on ``autograd.grad``.

How they nest: a transform differentiates with respect to fresh inputs of its own. An input
that already requires grad (an outer transform's input, or the user's) gets an alias node
(so this level's gradient is captured there and nowhere else) and the gradients are built with
create_graph, so they stay functions of the outer inputs: ``grad(grad(f))`` is f''. Inside any
transform (level > 0) the graph is always kept, for functions that close over an outer input.
At the outermost level, on inputs that do not require grad, results come back detached.
Forward mode (jvp, jacfwd) uses the double-backward trick: the vjp is linear in its cotangent
u, so differentiating it with respect to u gives J v.

>>> xg.func.grad(xg.func.grad(lambda x: x ** 3))(xg.tensor(2.0))   # 12
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from .engine import grad as autograd_grad
from .function import apply1
from .func_pytree import tree_flatten, tree_map, tree_unflatten
from .grad_mode import enable_grad, grad_mode
from .ops.shape import Reshape
from .tensor import Tensor

_local = threading.local()


def _level() -> int:
    return getattr(_local, "level", 0)


class _Level:
    """Marks the call of a transformed function: transforms inside it keep their graphs."""

    def __enter__(self) -> None:
        _local.level = _level() + 1

    def __exit__(self, *exc: Any) -> None:
        _local.level -= 1


def _name(func: Callable) -> str:
    return getattr(func, "__name__", type(func).__name__)


def _check_argnums(argnums: Any, n_args: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else argnums
    if not isinstance(nums, tuple) or not all(isinstance(i, int) for i in nums):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if not nums:
        raise RuntimeError("argnums must be non-empty")
    for i in nums:
        if not -n_args <= i < n_args:
            raise RuntimeError(f"Got argnum={i}, but only {n_args} positional inputs")
    nums = tuple(i % n_args for i in nums)
    if len(set(nums)) != len(nums):
        raise RuntimeError(f"argnums must be unique, got {argnums}")
    return nums


class _Inputs:
    """The differentiated leaves of one transform call, wrapped as this level's inputs."""

    def __init__(self, op: str, trees: list) -> None:
        flat = []
        self.specs = []
        for tree in trees:
            leaves, spec = tree_flatten(tree)
            for x in leaves:
                if not isinstance(x, Tensor):
                    raise RuntimeError(f"{op}: expected the differentiated inputs to be Tensors "
                                       f"(or pytrees of them), got {type(x).__name__}")
                if not x.dtype.is_floating:
                    raise RuntimeError(f"{op}: only Tensors of floating point dtype can require "
                                       f"gradients, got {x.dtype}")
            flat.append(leaves)
            self.specs.append(spec)
        # keep the graph when nested, or when an input is already part of a graph (see also
        # link: when func closes over a tensor that requires grad)
        self.recording = grad_mode.enabled
        self.connect = self.recording and (
            _level() > 0 or any(x.requires_grad for leaves in flat for x in leaves))
        with enable_grad():
            self.leaves = [[self._wrap(x) for x in leaves] for leaves in flat]
        self.flat = [x for leaves in self.leaves for x in leaves]

    def _wrap(self, x: Tensor) -> Tensor:
        fn = x.grad_fn
        # (a graph freed by an earlier backward cannot be differentiated through: cut it)
        if self.connect and x.requires_grad and (fn is None or fn.inputs is not None):
            return apply1(Reshape, x, tuple(x.shape))      # an alias node of this level
        return x.detach().requires_grad_(True)

    def link(self, outs: list) -> None:
        """Keep the graph also when the outputs depend on a tensor from outside the call that
        requires grad (func closes over a parameter): as torch.func, the results then stay
        differentiable with respect to it. One walk over the graph that func recorded."""
        if self.connect or not self.recording:
            return
        own = {id(x) for x in self.flat}
        stack, seen = [], set()
        for o in outs:
            if o._rg:
                if o.grad_fn is None:
                    if id(o) not in own:
                        self.connect = True
                        return
                else:
                    stack.append(o.grad_fn)
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if node.inputs is None:          # a graph freed by an earlier backward: outside
                self.connect = True
                return
            for t in node.inputs:
                if not getattr(t, "_rg", False):
                    continue
                fn = t.grad_fn
                if fn is None:
                    if id(t) not in own:
                        self.connect = True
                        return
                elif id(fn) not in seen:
                    stack.append(fn)

    def trees(self) -> list:
        return [tree_unflatten(leaves, spec) for leaves, spec in zip(self.leaves, self.specs)]

    def regroup(self, flat_values: list) -> list:
        """Per-leaf values (in ``self.flat`` order) as one pytree per differentiated input."""
        out, start = [], 0
        for leaves, spec in zip(self.leaves, self.specs):
            out.append(tree_unflatten(flat_values[start:start + len(leaves)], spec))
            start += len(leaves)
        return out

    def finish(self, tree: Any) -> Any:
        """Detach the tensors of ``tree`` unless the graph is kept."""
        if self.connect:
            return tree
        return tree_map(lambda t: t.detach() if isinstance(t, Tensor) else t, tree)


def _zeros_like(x: Tensor) -> Tensor:
    from .factories import zeros_like
    return zeros_like(x)


def _grads(outputs: list, inputs: list, cotangents: list, create_graph: bool) -> list:
    """d(sum <out, cotangent>)/d input for each input; zeros where unused."""
    live = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
    if live and inputs:
        found = autograd_grad([o for o, _ in live], inputs, [c for _, c in live],
                              retain_graph=True, create_graph=create_graph, allow_unused=True)
    else:
        found = [None] * len(inputs)
    return [_zeros_like(x) if g is None else g for g, x in zip(found, inputs)]


def _split_aux(op: str, out: Any, has_aux: bool) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not isinstance(out, tuple) or len(out) != 2:
        raise RuntimeError(f"{op}: output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    for x in tree_flatten(out[1])[0]:
        if not isinstance(x, Tensor):        # torch refuses these too
            raise RuntimeError(f"{op}: Expected tensors, got unsupported type {type(x)}")
    return out


def _tensor_leaves(op: str, what: str, tree: Any) -> tuple[list, Any]:
    leaves, spec = tree_flatten(tree)
    for x in leaves:
        if not isinstance(x, Tensor):
            raise RuntimeError(f"{op}: expected {what} to be a Tensor or a pytree of Tensors, "
                               f"got {type(x).__name__}")
    return leaves, spec


# ---- grad -----------------------------------------------------------------------------------
def grad_and_value(func: Callable, argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable:
    """A function returning ``(gradient, value)`` (``(gradient, (value, aux))`` with has_aux) of
    the scalar-valued ``func``; the gradient has the structure of ``args[argnums]``.

    >>> g, v = xg.func.grad_and_value(lambda x: (x ** 2).sum())(xg.tensor([1.0, 2.0]))
    """
    op = "grad_and_value(f)(*args)"

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums = _check_argnums(argnums, len(args))
        inputs = _Inputs(op, [args[i] for i in nums])
        call_args = list(args)
        for i, tree in zip(nums, inputs.trees()):
            call_args[i] = tree
        with enable_grad(), _Level():
            out, aux = _split_aux(op, func(*call_args, **kwargs), has_aux)
            if not isinstance(out, Tensor):
                raise RuntimeError(f"{op}: Expected f(*args) to return a Tensor, got {type(out)}")
            if out.ndim != 0:
                raise RuntimeError(f"{op}: Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {out.ndim} dims. Maybe you wanted to use the "
                                   "vjp or jacrev APIs instead?")
            from .factories import ones_like
            inputs.link([out])
            flat = _grads([out], inputs.flat, [ones_like(out)], inputs.connect)
        grads = inputs.regroup(flat)
        result = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = (out, aux) if has_aux else out
        return inputs.finish(result), inputs.finish(value)
    return wrapped


def grad(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """A function returning the gradient of the scalar-valued ``func`` with respect to
    ``args[argnums]`` (``(gradient, aux)`` with has_aux). Composes: grad(grad(f)) is f''.

    >>> xg.func.grad(lambda x: (x ** 3).sum())(xg.tensor([1.0, 2.0]))   # 3 x^2
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapped


# ---- vjp, jvp, linearize ----------------------------------------------------------------------
def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(func(*primals), vjp_fn)`` (and aux with has_aux); ``vjp_fn(cotangents)`` returns a
    tuple with, per primal, v^T J shaped like that primal.

    >>> out, vjp_fn = xg.func.vjp(lambda x: x.sin(), x); (g,) = vjp_fn(xg.ones_like(out))
    """
    inputs = _Inputs("vjp", list(primals))
    with enable_grad(), _Level():
        out, aux = _split_aux("vjp", func(*inputs.trees()), has_aux)
    outs, out_spec = _tensor_leaves("vjp", "the outputs of func", out)
    inputs.link(outs)

    def vjp_fn(cotangents: Any, retain_graph: bool = True,
               create_graph: bool | None = None) -> tuple:
        vs, spec = tree_flatten(cotangents)
        if spec != out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree "
                               f"structure of outputs to the function. cotangents: {spec!r}, "
                               f"primal output: {out_spec!r}")
        for i, (v, o) in enumerate(zip(vs, outs)):
            if not isinstance(v, Tensor) or tuple(v.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{getattr(v, 'shape', type(v).__name__)} and output[{i}] has "
                                   f"a shape of {o.shape}.")
        keep = create_graph if create_graph is not None else grad_mode.enabled and (
            inputs.connect or _level() > 0 or any(v.requires_grad for v in vs))
        with enable_grad():
            flat = _grads(outs, inputs.flat, vs, keep)
        if not keep:
            flat = [g.detach() for g in flat]
        return tuple(inputs.regroup(flat))

    result = (inputs.finish(out), vjp_fn)
    return result + (inputs.finish(aux),) if has_aux else result


def _forward_graph(op: str, func: Callable, inputs: _Inputs, has_aux: bool, call: Callable,
                   build_vjp: bool = True) -> tuple:
    """Run func and build g(u) = J^T u with create_graph, for the double-backward trick:
    (outputs, their spec, the dummy cotangents u, g per input leaf, aux)."""
    with enable_grad(), _Level():
        out, aux = _split_aux(op, call(), has_aux)
        outs, spec = _tensor_leaves(op, "the outputs of func", out)
        inputs.link(outs)
        if not build_vjp:
            return outs, spec, [], [], aux
        dummies = [_zeros_like(o).requires_grad_(True) for o in outs]
        g = _grads(outs, inputs.flat, dummies, True)
    return outs, spec, dummies, g, aux


def _tangents_out(outs: list, dummies: list, g: list, tangents: list, keep: bool) -> list:
    with enable_grad():
        return _grads(g, dummies, tangents, keep) if outs else []


def _check_tangents(op: str, primals: Any, tangents: Any) -> list:
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{op}: Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    p_leaves, p_spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if t_spec != p_spec:
        raise RuntimeError(f"{op}: Expected primals and tangents to have the same python "
                           f"structure. For example, if primals is a tuple of 3 tensors, "
                           f"tangents also must be. Got primals with structure {p_spec!r} "
                           f"and tangents with structure {t_spec!r}")
    for p, t in zip(p_leaves, t_leaves):
        if not isinstance(t, Tensor) or tuple(t.shape) != tuple(p.shape):
            raise RuntimeError(f"{op}: Expected primals and tangents to have the same shape, "
                               f"got {p.shape} and {getattr(t, 'shape', type(t).__name__)}")
    return t_leaves


def jvp(func: Callable, primals: tuple, tangents: tuple, *, strict: bool = False,
        has_aux: bool = False) -> tuple:
    """``(func(*primals), J tangents)`` (and aux with has_aux): the Jacobian-vector product.

    >>> out, t = xg.func.jvp(lambda x: x ** 2, (x,), (xg.ones_like(x),))   # t = 2x
    """
    op = "jvp(f, primals, tangents)"
    t_leaves = _check_tangents(op, primals, tangents)
    inputs = _Inputs(op, list(primals))
    outs, spec, dummies, g, aux = _forward_graph(op, func, inputs, has_aux,
                                                 lambda: func(*inputs.trees()))
    keep = inputs.connect or (grad_mode.enabled and any(t.requires_grad for t in t_leaves))
    result = tree_unflatten(_tangents_out(outs, dummies, g, t_leaves, keep), spec)
    value = tree_unflatten(outs, spec)
    if not keep:
        result = tree_map(Tensor.detach, result)
    done = (inputs.finish(value), result)
    return done + (inputs.finish(aux),) if has_aux else done


def linearize(func: Callable, *primals: Any) -> tuple[Any, Callable]:
    """``(func(*primals), jvp_fn)``: the graph is built once and ``jvp_fn(*tangents)`` gives
    J tangents at the primals for any tangents.

    >>> out, jvp_fn = xg.func.linearize(lambda x: x.sin(), x); jvp_fn(xg.ones_like(x))  # cos x
    """
    inputs = _Inputs("linearize", list(primals))
    outs, spec, dummies, g, _ = _forward_graph("linearize", func, inputs, False,
                                               lambda: func(*inputs.trees()))

    def jvp_fn(*tangents: Any) -> Any:
        t_leaves = _check_tangents("linearize", tuple(primals), tangents)
        keep = inputs.connect or (grad_mode.enabled and any(t.requires_grad for t in t_leaves))
        result = tree_unflatten(_tangents_out(outs, dummies, g, t_leaves, keep), spec)
        return result if keep else tree_map(Tensor.detach, result)
    return inputs.finish(tree_unflatten(outs, spec)), jvp_fn


from .func_jacobian import hessian, jacfwd, jacrev  # noqa: E402  (re-exported)

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian"]
