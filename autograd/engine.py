"""The backward pass: iterative topological order over graph nodes, gradient accumulation,
hooks, one unbroadcast/dtype step per input, and freeing of saved state.

Every op has one output, so a node's incoming gradient is stored on the node itself (``_gy``)
while the pass runs: no dictionaries keyed by tensors.
"""
from __future__ import annotations

from typing import Any, Sequence

from .engine_leaves import _Accumulator, _run_hooks, run_node_hooks
from .function import apply1, backend_call, check_finite, raise_freed, run_kernel
from .grad_mode import grad_mode
from .ops.shape import SumTo
from .tensor import Tensor, make_tensor


def _ones_like(backend: Any, a: Any) -> Any:
    return backend.xp.ones_like(a)


def _topological_order(roots: Sequence[Any], leaf_uses: dict, freed_ok: bool = False) -> list:
    """Nodes reachable from ``roots``, each after every node that consumes it (no recursion).
    Also counts, in ``leaf_uses``, the edges into leaves that carry hooks. With ``freed_ok``
    (autograd.grad) a node freed by an earlier backward is a dead end, not an error: only
    the part of the graph above the inputs is needed (its gradient is captured, it is not run)."""
    order: list = []
    visited: set = set()
    stack = [(node, False) for node in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        if node.inputs is None:
            if freed_ok:
                continue
            raise_freed(node)
        for t in node.inputs:
            fn = t.grad_fn
            if fn is not None:
                if fn not in visited:
                    stack.append((fn, False))
            elif t._hooks is not None:
                leaf_uses[id(t)] = leaf_uses.get(id(t), 0) + 1
    order.reverse()
    return order


def _leading_to(order: list, capture: dict) -> set:
    """Ids of the nodes whose backward must run for autograd.grad: those with an input to
    differentiate by somewhere below them (as PyTorch, the rest of the graph is not run, so
    its hooks do not fire and its freed parts do not matter)."""
    needed: set = set()
    for node in reversed(order):                 # producers before their consumers
        inputs = node.inputs
        if inputs is None:
            continue
        for t in inputs:
            fn = t.grad_fn
            if (id(t) in capture) if fn is None else (id(fn) in capture or id(fn) in needed):
                needed.add(id(node))
                break
    return needed


def _capture_only(node: Any, acc: "_Accumulator", capture: dict) -> None:
    """A node autograd.grad does not run: its gradient is captured if it is an input."""
    gy = node._gy
    node._gy = None
    if gy is None or id(node) not in capture:
        return
    if node.hooks:
        gy = _run_hooks(node.hooks, gy, acc.create_graph, acc.owned)
    index = capture[id(node)]
    prev = acc.results[index]
    acc.results[index] = gy if prev is None else prev + gy


def _seed_gradient(root: Tensor, gradient: Any) -> Tensor:
    if gradient is None:
        if root.size != 1:
            raise RuntimeError(f"backward() on a tensor of shape {root.shape} needs a `gradient` "
                               "argument: a gradient can be created implicitly only for "
                               "outputs with one element (e.g. a loss); pass "
                               "gradient=xg.ones_like(out) to sum the outputs")
        return make_tensor(run_kernel(root._backend, _ones_like, root.data), root._backend,
                           False, None)
    if not isinstance(gradient, Tensor):
        from .factories import tensor
        gradient = tensor(gradient, dtype=root.dtype, device=root._backend)
    if gradient.shape != root.shape:
        raise RuntimeError(f"backward: gradient has shape {gradient.shape} but the output has "
                           f"shape {root.shape}")
    if gradient._backend is not root._backend:
        raise RuntimeError(f"backward: gradient is on {gradient.device} but the output is on "
                           f"{root.device}")
    return gradient


def run_backward(roots: Sequence[Tensor], gradients: Sequence[Any] | None,
                 retain_graph: bool, create_graph: bool,
                 inputs: Sequence[Tensor] | None = None, allow_unused: bool = False) -> list | None:
    """The engine behind ``Tensor.backward`` and ``autograd.grad``."""
    gradients = gradients if gradients is not None else [None] * len(roots)
    if len(gradients) != len(roots):
        raise ValueError(f"got {len(gradients)} gradients for {len(roots)} outputs")
    seeds = []
    for root, gradient in zip(roots, gradients):
        if not isinstance(root, Tensor):
            raise TypeError(f"backward: expected a Tensor output, got {type(root).__name__}")
        if not root._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn: nothing in its graph requires grad (did you forget "
                               "requires_grad=True, or run it under no_grad?)")
        seeds.append(_seed_gradient(root, gradient))

    capture = None
    if inputs is not None:
        capture = {}
        for i, t in enumerate(inputs):
            if not isinstance(t, Tensor) or not t._rg:
                raise RuntimeError(f"autograd.grad: input {i} does not require grad")
            capture[id(t.grad_fn) if t.grad_fn is not None else id(t)] = i
    acc = _Accumulator(create_graph, capture, 0 if inputs is None else len(inputs))
    for seed, gradient in zip(seeds, gradients):
        if gradient is not None:            # the caller's array: a leaf's .grad must not alias it
            acc.owned.add(id(seed.data))

    saved_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    anomaly = grad_mode.anomaly
    order: list = []
    root_nodes: list = []
    try:
        for root, seed in zip(roots, seeds):
            if root.grad_fn is None:                   # a leaf root: its gradient is the seed
                acc.add(root, seed if create_graph else make_tensor(
                    backend_call(root._backend.copy, seed.data), root._backend, False, None))
                continue
            node = root.grad_fn
            if node.inputs is None:
                raise_freed(node)
            node._gy = seed if node._gy is None else node._gy + seed
            root_nodes.append(node)
        order = _topological_order(root_nodes, acc.pending, capture is not None)
        needed = None if capture is None else _leading_to(order, capture)
        for node in order:
            if needed is None or id(node) in needed:
                _backprop_node(node, acc, retain_graph, capture, anomaly, needed)
            else:
                _capture_only(node, acc, capture)
    except BaseException:
        for node in order:          # after an error, no stale gradient may leak into the next pass
            node._gy = None
        for node in root_nodes:
            node._gy = None
        raise
    finally:
        grad_mode.enabled = saved_mode
    if inputs is None:
        return None
    results = acc.results
    for i, (t, g) in enumerate(zip(inputs, results)):
        if g is None and not allow_unused:
            raise RuntimeError(f"autograd.grad: input {i} (shape {t.shape}) was not used to "
                               "compute the outputs; pass allow_unused=True to get None for it")
    return results


def _backprop_node(node: Any, acc: _Accumulator, retain_graph: bool, capture: dict | None,
                   anomaly: bool, needed: set | None = None) -> None:
    gy = node._gy
    node._gy = None
    inputs = node.inputs
    if gy is None:            # no gradient reached this node (e.g. an unused branch)
        if acc.pending:
            acc.skip(inputs, None)
        if not retain_graph:
            node.inputs = node.out_data = node.args = None
        return
    if node.hooks:
        gy = _run_hooks(node.hooks, gy, acc.create_graph, acc.owned)
    if capture is not None and id(node) in capture:
        index = capture[id(node)]
        prev = acc.results[index]
        acc.results[index] = gy if prev is None else prev + gy

    try:
        grads = node.backward(gy)
    except FloatingPointError as exc:     # an op recorded by backward (create_graph) failed
        if anomaly:
            raise FloatingPointError(f"detect_anomaly: {type(node).__name__} backward produced "
                                     f"NaN or inf ({exc})") from None
        raise
    if not retain_graph:
        # free what the node saved (tensors, and arrays such as masks or indices in args)
        node.inputs = node.out_data = node.args = None
    if grads.__class__ is not tuple:
        grads = (grads,)
    if node.hooks:
        grads = run_node_hooks(node, inputs, grads, gy)
    if acc.pending:
        acc.skip(inputs, grads)
    for t, g in zip(inputs, grads):
        if g is None or not t._rg:
            continue
        if needed is not None:               # autograd.grad: only towards its inputs
            fn = t.grad_fn
            if (id(t) not in capture) if fn is None else (
                    id(fn) not in capture and id(fn) not in needed):
                continue
        if g.data.shape != t.data.shape:      # undo broadcasting: the one place it happens
            g = apply1(SumTo, g, t.data.shape)
        if g.data.dtype != t.data.dtype:
            g = g.astype(t.dtype)
        if anomaly:
            check_finite(type(node), g.data, g._backend, "backward")
        fn = t.grad_fn
        if fn is None:
            acc.add(t, g)
        else:
            prev = fn._gy
            fn._gy = g if prev is None else prev + g


def _as_tensors(value: Any) -> tuple:
    return (value,) if isinstance(value, Tensor) or value is None else tuple(value)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables: Any = None, inputs: Any = None) -> None:
    """``torch.autograd.backward``: accumulate into the leaves' ``.grad`` the gradient of
    ``sum(<tensors[i], grad_tensors[i]>)``; ``tensors`` is a Tensor or a sequence of them.

    >>> xg.autograd.backward([loss_a, loss_b])            # both losses in one pass
    """
    if grad_variables is not None:           # torch's old name for grad_tensors
        if grad_tensors is not None:
            raise RuntimeError("backward: pass grad_tensors or grad_variables, not both")
        grad_tensors = grad_variables
    roots = _as_tensors(tensors)
    grads = None if grad_tensors is None else _as_tensors(grad_tensors)
    if grads is not None and len(grads) != len(roots):
        raise RuntimeError(f"backward: got {len(grads)} grad_tensors for {len(roots)} tensors")
    retain = create_graph if retain_graph is None else bool(retain_graph)
    if inputs is None:
        run_backward(roots, grads, retain, create_graph)
        return
    targets = _as_tensors(inputs)
    if not targets:
        raise RuntimeError("backward: inputs= must name at least one tensor")
    found = run_backward(roots, grads, retain, create_graph, targets, True)
    for t, g in zip(targets, found):
        if g is not None:
            g = g if create_graph else g.detach()
            t.grad = g if t.grad is None else t.grad + g


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not stored in ``.grad``).
    An input the outputs do not depend on is an error, or None with ``allow_unused=True``, or
    zeros with ``materialize_grads=True`` (PyTorch's options).

    >>> gx, = xg.autograd.grad((x ** 3).sum(), x, create_graph=True)
    """
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    if grad_outputs is not None:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("grad: materialize_grads=True needs allow_unused to be True or None")
    results = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs, allow_unused)
    if materialize_grads:
        from .factories import zeros_like
        results = [zeros_like(x) if g is None else g for g, x in zip(results, inputs)]
    return tuple(results)
