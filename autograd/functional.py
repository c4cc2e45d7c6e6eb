"""Functional autodiff: JAX's style (``grad(f)(x)``, ``value_and_grad(f)(x)``, and ``xg.vjp``,
which is ``jax_vjp`` here) and PyTorch's ``torch.autograd.functional`` (``vjp``, ``jvp``,
``jacobian``, ``hessian``, ``hvp``, ``vhp`` with torch's signatures: functional_torch.py)."""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

from .engine import grad as autograd_grad
from .grad_mode import enable_grad
from .tensor import Tensor


def _prepare(args: tuple, argnums: Any) -> tuple[list, tuple[int, ...]]:
    from .factories import tensor
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    args = list(args)
    for i in nums:
        if i >= len(args):
            raise ValueError(f"argnums {i} is out of range for {len(args)} argument(s)")
        a = args[i]
        if isinstance(a, Tensor):
            a = a.detach()
            if not a.dtype.is_floating:
                raise TypeError(f"grad: argument {i} must be floating point, got {a.dtype}")
        else:
            a = tensor(a, dtype=None if not isinstance(a, int) else "float32")
        args[i] = a.requires_grad_(True)
    return args, nums


def value_and_grad(fn: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning ``(fn(*args), d fn / d args[argnums])``; fn must return a scalar.

    >>> value, g = xg.value_and_grad(lambda w: (w ** 4 + w ** 2 + 10 * w) / 50)(2.5)
    """
    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> tuple[Tensor, Any]:
        prepared, nums = _prepare(args, argnums)
        with enable_grad():
            value = fn(*prepared, **kwargs)
        if not isinstance(value, Tensor) or value.size != 1:
            raise TypeError("value_and_grad: fn must return a one-element Tensor, got "
                            f"{type(value).__name__}"
                            f"{'' if not isinstance(value, Tensor) else ' of shape ' + str(value.shape)}")
        if not value.requires_grad:
            grads = tuple(prepared[i] * 0.0 for i in nums)
        else:
            grads = autograd_grad(value, [prepared[i] for i in nums], allow_unused=True)
            grads = tuple(g if g is not None else prepared[i].detach() * 0.0
                          for g, i in zip(grads, nums))
        grads = tuple(g.detach() for g in grads)
        return value.detach(), grads[0] if isinstance(argnums, int) else grads
    return wrapped


def grad(fn: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """A function returning the gradient of the scalar function ``fn``.

    >>> dg = xg.grad(lambda w: (w ** 4 + w ** 2 + 10 * w) / 50); dg(2.5)  # 1.55
    """
    vg = value_and_grad(fn, argnums)

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]
    return wrapped


def jax_vjp(fn: Callable, *primals: Any) -> tuple[Any, Callable]:
    """``(fn(*primals), vjp_fn)`` where ``vjp_fn(v)`` gives v^T J for each primal (JAX's vjp;
    ``xg.vjp``). >>> out, vjp_fn = xg.vjp(lambda t: t * t, x); vjp_fn(v)"""
    prepared, nums = _prepare(primals, tuple(range(len(primals))))
    with enable_grad():
        out = fn(*prepared)

    def vjp_fn(v: Any) -> tuple:
        return autograd_grad(out, prepared, v, retain_graph=True, allow_unused=True)
    return out.detach(), vjp_fn


# PyTorch's torch.autograd.functional, so xg.autograd.functional.vjp is torch's signature
from .functional_torch import hessian, hvp, jacobian, jvp, vhp, vjp  # noqa: E402,F401
