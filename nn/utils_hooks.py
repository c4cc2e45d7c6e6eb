"""Module hooks, as in PyTorch: forward (pre-)hooks with ``prepend`` / ``with_kwargs`` /
``always_call``, full backward (pre-)hooks, state_dict hooks, and the handles that remove them.

Backward hooks wrap the tensor inputs and outputs of ``forward`` in identity nodes. The graph's
nodes have one output each, so a group of tensors is wrapped through a *gather* node (input:
the tensors, output: a 0-d token) feeding one *pass* node per tensor (input: the token, output:
the tensor's array). Each pass node stores its tensor's gradient; the gather node runs after
all of them (it is their only input), so it sees every gradient of the group at once, calls the
hooks and hands the (possibly replaced) gradients on.

>>> handle = model.register_full_backward_hook(lambda m, gin, gout: print(gout[0].shape))
"""
from __future__ import annotations

import itertools
import warnings
from typing import Any, Callable

from ..autograd import function as _function
from ..autograd.function import Function, backend_call
from ..autograd.grad_mode import grad_mode
from ..autograd.tensor import Tensor, make_tensor
from ..autograd.hook_tables import put_hook

_hook_ids = itertools.count(1)


class RemovableHandle:
    """Returned by every ``register_*hook``; ``handle.remove()`` unregisters the hook (also
    usable as a context manager, as torch's).

    >>> with model.register_forward_hook(fn): model(x)
    """

    def __init__(self, hooks: dict, key: int | None = None, extra: tuple = ()) -> None:
        self._hooks, self._extra = hooks, extra
        self.id = next(_hook_ids) if key is None else key

    def remove(self) -> None:
        self._hooks.pop(self.id, None)
        for d in self._extra:
            d.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _add(hooks: dict, hook: Callable, prepend: bool, *flags: dict) -> RemovableHandle:
    handle = RemovableHandle(hooks, extra=flags)
    put_hook(hooks, handle.id, hook, prepend)
    return handle


class ModuleHooks:
    """The hook half of ``nn.Module`` (its dicts are made in ``Module.__init__``)."""

    def _hooks_changed(self) -> None:
        # Module.__call__ reads one flag; the slow path clears it when every dict is empty
        self.__dict__["_has_hooks"] = True

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` before each forward; a return value replaces args (a
        non-tuple is wrapped in one). With ``with_kwargs=True``, ``hook(module, args, kwargs)``
        returns None or ``(new_args, new_kwargs)``.

        >>> h = model.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        """
        d = self.__dict__
        handle = _add(d["_forward_pre_hooks"], hook, prepend, d["_forward_pre_hooks_with_kwargs"])
        if with_kwargs:
            d["_forward_pre_hooks_with_kwargs"][handle.id] = True
        self._hooks_changed()
        return handle

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` (``hook(module, args, kwargs, output)`` with
        ``with_kwargs=True``) after each forward; a return value replaces the output.
        ``always_call=True`` runs it even when forward raises.

        >>> h = model.register_forward_hook(lambda m, args, out: print(out.shape))
        """
        d = self.__dict__
        kw, always = d["_forward_hooks_with_kwargs"], d["_forward_hooks_always_called"]
        handle = _add(d["_forward_hooks"], hook, prepend, kw, always)
        if with_kwargs:
            kw[handle.id] = True
        if always_call:
            always[handle.id] = True
        self._hooks_changed()
        return handle

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False
                                        ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients of the outputs are known; a
        return value (a tuple as long as grad_output) replaces them.

        >>> h = lin.register_full_backward_pre_hook(lambda m, gout: (gout[0] * 0.5,))
        """
        handle = _add(self.__dict__["_backward_pre_hooks"], hook, prepend)
        self._hooks_changed()
        return handle

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False
                                    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients of the module's
        positional inputs are known (``None`` for inputs that are not tensors or do not require
        grad); a return value (a tuple as long as grad_input) replaces them.

        >>> h = lin.register_full_backward_hook(lambda m, gin, gout: print(gin[0].shape))
        """
        handle = _add(self.__dict__["_backward_hooks"], hook, prepend)
        self._hooks_changed()
        return handle

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """PyTorch's deprecated module backward hook; here it behaves as
        ``register_full_backward_hook`` (gradients of the module's own inputs and outputs)."""
        return self.register_full_backward_hook(hook)

    def register_state_dict_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before ``state_dict()`` collects this
        module's tensors."""
        return _add(self.__dict__["_state_dict_pre_hooks"], hook, False)

    def register_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after ``state_dict()``
        has collected this module's tensors (it may change ``state_dict`` in place)."""
        return _add(self.__dict__["_state_dict_hooks"], hook, False)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        d = self.__dict__
        pre, hooks = d["_forward_pre_hooks"], d["_forward_hooks"]
        backward = d["_backward_hooks"] or d["_backward_pre_hooks"]
        if not (pre or hooks or backward):
            d["_has_hooks"] = False                 # every hook was removed: fast path again
            return self.forward(*args, **kwargs)
        result = None
        called: set = set()
        try:
            if pre:
                args, kwargs = _run_pre_hooks(self, pre, args, kwargs)
            state = None
            if backward and grad_mode.enabled:
                if _function.tracer is not None:
                    _function.tracer.refuse("a module backward hook")
                state = _BackwardHookState(self)
                args = state.wrap_inputs(args)
            result = self.forward(*args, **kwargs)
            if hooks:
                with_kw = d["_forward_hooks_with_kwargs"]
                for key, hook in list(hooks.items()):
                    called.add(key)
                    out = (hook(self, args, kwargs, result) if key in with_kw
                           else hook(self, args, result))
                    if out is not None:
                        result = out
            if state is not None:
                result = state.wrap_outputs(result)
            return result
        except Exception:
            _run_always_called(self, hooks, called, args, kwargs, result)
            raise


def _run_pre_hooks(module: Any, pre: dict, args: tuple, kwargs: dict) -> tuple:
    with_kw = module.__dict__["_forward_pre_hooks_with_kwargs"]
    for key, hook in list(pre.items()):
        if key in with_kw:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError("forward pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {result!r}")
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    return args, kwargs


def _run_always_called(module: Any, hooks: dict, called: set, args: tuple, kwargs: dict,
                       result: Any) -> None:
    d = module.__dict__
    always, with_kw = d["_forward_hooks_always_called"], d["_forward_hooks_with_kwargs"]
    for key, hook in list(hooks.items()):
        if key in always and key not in called:
            try:
                out = (hook(module, args, kwargs, result) if key in with_kw
                       else hook(module, args, result))
                if out is not None:
                    result = out
            except Exception as exc:     # the forward's error is the one to raise
                warnings.warn("forward hook with ``always_call=True`` raised an exception "
                              f"that was silenced as another error was raised in forward: "
                              f"{exc}")


# ---- backward hooks --------------------------------------------------------------------------
class _Group:
    """One wrapped group (the tensor inputs or outputs of one call): where the pass nodes leave
    their gradients for the gather node."""

    __slots__ = ("tensors", "size", "grads", "token_grad", "materialize")

    def __init__(self, tensors: dict, size: int, token_grad: Tensor, materialize: bool) -> None:
        self.tensors, self.size = tensors, size       # position -> tensor (every tensor)
        self.grads: dict = {}
        self.token_grad, self.materialize = token_grad, materialize

    def take(self) -> tuple:
        """The gradients by position in the whole args/outputs, None at non-tensors; tensors
        that got none get zeros when ``materialize`` (torch's inputs), else None; resets."""
        packed: list = [None] * self.size
        for pos, t in self.tensors.items():
            g = self.grads.get(pos)
            if g is None and self.materialize:
                g = make_tensor(backend_call(t._backend.zeros, t.shape, t.dtype), t._backend,
                                False, None)
            packed[pos] = g
        self.grads = {}
        return tuple(packed)


class _Gather(Function):
    __slots__ = ("group", "on_grads", "positions")

    def backward(self, gy: Tensor) -> tuple:
        packed = self.on_grads(self.group.take())
        return tuple(packed[pos] for pos in self.positions)


class _Pass(Function):
    __slots__ = ("group", "position")

    def backward(self, gy: Tensor) -> Tensor:
        self.group.grads[self.position] = gy
        return self.group.token_grad


def _new_node(cls: type, inputs: tuple) -> Any:
    node = cls.__new__(cls)
    node.inputs = inputs
    for t in inputs:
        t._used = getattr(t, "_used", 0) + 1
    node.args, node.out_data, node._gy, node.hooks = (), None, None, None
    return node


def _wrap(values: list, on_grads: Callable, materialize: bool) -> _Group | None:
    """Replace, in ``values``, each tensor that requires grad by an identity whose gradient
    goes through ``on_grads``; None when no value requires grad."""
    tensors = {i: v for i, v in enumerate(values) if isinstance(v, Tensor)}
    positions = [i for i, v in tensors.items() if v._rg]
    if not positions:
        return None
    first = values[positions[0]]
    backend = first._backend
    zero = backend_call(backend.zeros, (), first.dtype)
    group = _Group(tensors, len(values), make_tensor(zero, backend, False, None), materialize)
    gather = _new_node(_Gather, tuple(values[i] for i in positions))
    gather.group, gather.on_grads, gather.positions = group, on_grads, positions
    token = make_tensor(zero, backend, True, gather)
    for pos in positions:
        node = _new_node(_Pass, (token,))
        node.group, node.position = group, pos
        values[pos] = make_tensor(values[pos].data, values[pos]._backend, True, node)
    return group


class _BackwardHookState:
    """The backward hooks of one module call (as torch's ``BackwardHook``)."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.n_inputs = 0
        self.inputs: _Group | None = None
        self.grad_outputs: tuple | None = None

    def wrap_inputs(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        values = list(args)
        self.inputs = _wrap(values, self._on_grad_inputs, True)
        return tuple(values) if self.inputs is not None else args

    def wrap_outputs(self, result: Any) -> Any:
        if isinstance(result, (tuple, list)):
            values = list(result)
            if _wrap(values, self._on_grad_outputs, False) is None:
                return result
            return tuple(values) if isinstance(result, tuple) else values
        if not isinstance(result, Tensor):
            warnings.warn("For backward hooks to be called, module output should be a Tensor "
                          f"or a tuple of Tensors but received {type(result)}")
            return result
        values = [result]
        _wrap(values, self._on_grad_outputs, False)
        return values[0]

    def _on_grad_outputs(self, grad_outputs: tuple) -> tuple:
        module = self.module
        for hook in list(module._backward_pre_hooks.values()):
            out = hook(module, grad_outputs)
            if out is None:
                continue
            out = _as_tuple(out)
            if len(out) != len(grad_outputs):
                raise RuntimeError("Backward pre hook returned an invalid number of "
                                   f"grad_output, got {len(out)}, but expected "
                                   f"{len(grad_outputs)}")
            grad_outputs = out
        if self.inputs is None:     # no input requires grad: the hooks run now, on Nones
            grad_inputs = (None,) * self.n_inputs
            if module._backward_hooks:
                warnings.warn("Full backward hook is firing when gradients are computed with "
                              "respect to module outputs since no inputs require gradients.")
            for hook in list(module._backward_hooks.values()):
                out = hook(module, grad_inputs, grad_outputs)
                if out is not None and not all(g is None for g in _as_tuple(out)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
        else:
            self.grad_outputs = grad_outputs
        return grad_outputs

    def _on_grad_inputs(self, grad_inputs: tuple) -> tuple:
        grad_outputs, self.grad_outputs = self.grad_outputs, None
        if grad_outputs is None:     # gradients of the inputs without the outputs': skip
            return grad_inputs
        module = self.module
        for hook in list(module._backward_hooks.values()):
            out = hook(module, grad_inputs, grad_outputs)
            if out is None:
                continue
            out = _as_tuple(out)
            if len(out) != len(grad_inputs):
                raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                   f"got {len(out)}, but expected {len(grad_inputs)}")
            grad_inputs = out
        return grad_inputs


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)
