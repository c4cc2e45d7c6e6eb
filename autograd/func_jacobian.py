"""The Jacobian transforms of ``xg.func`` (as ``torch.func``): jacrev, jacfwd, hessian, over
pytrees of tensors; how transforms nest is described in func_grad.py.

>>> xg.func.jacrev(lambda x: x.sin())(xg.tensor([0.0, 1.0]))     # diag(cos x)
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from .func_grad import _check_argnums, _forward_graph, _grads, _Inputs
from .func_pytree import tree_unflatten
from .grad_mode import enable_grad
from .ops.shape import stack
from .tensor import Tensor


# ---- Jacobians ---------------------------------------------------------------------------------
def _one_hot(like: Tensor, k: int) -> Tensor:
    from .factories import zeros
    seed = zeros(like.numel(), dtype=like.dtype, device=like._backend)
    seed[k] = 1.0
    return seed.reshape(tuple(like.shape))


def _jacobian(op: str, func: Callable, argnums: Any, has_aux: bool, forward: bool) -> Callable:
    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums = _check_argnums(argnums, len(args))
        inputs = _Inputs(op, [args[i] for i in nums])
        call_args = list(args)
        for i, tree in zip(nums, inputs.trees()):
            call_args[i] = tree
        outs, spec, dummies, g, aux = _forward_graph(op, func, inputs, has_aux,
                                                     lambda: func(*call_args, **kwargs), forward)
        xs, keep = inputs.flat, inputs.connect
        # blocks[i][j]: d outs[i] / d xs[j], shaped outs[i].shape + xs[j].shape
        with enable_grad():
            if forward:      # one column per input element: J e_k = d <e_k, g_j> / d u
                cols = [[_grads([g[j]], dummies, [_one_hot(x, k)], keep) for k in range(x.numel())]
                        for j, x in enumerate(xs)]
                blocks = [[_block([c[i] for c in cols[j]], -1, outs[i], x)
                           for j, x in enumerate(xs)] for i in range(len(outs))]
            else:            # one row per output element: e_k^T J
                blocks = []
                for o in outs:
                    rows = [_grads([o], xs, [_one_hot(o, k)], keep) for k in range(o.numel())]
                    blocks.append([_block([r[j] for r in rows], 0, o, x)
                                   for j, x in enumerate(xs)])
        per_out = []
        for row in blocks:
            trees = inputs.regroup(row)
            per_out.append(trees[0] if isinstance(argnums, int) else tuple(trees))
        jac = inputs.finish(tree_unflatten(per_out, spec))
        return (jac, inputs.finish(aux)) if has_aux else jac
    return wrapped


def _block(pieces: list, axis: int, out: Tensor, x: Tensor) -> Tensor:
    shape = tuple(out.shape) + tuple(x.shape)
    if not pieces:
        from .factories import zeros
        return zeros(shape, dtype=x.dtype, device=x._backend)
    return stack(pieces, axis).reshape(shape)


def jacrev(func: Callable, argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None, _preallocate_and_copy: bool = False) -> Callable:
    """A function returning the Jacobian of ``func`` by reverse mode (one backward pass per
    output element; ``chunk_size`` is accepted for torch's signature, rows go one by one):
    shape output.shape + input.shape, nested output-major over pytrees.

    >>> xg.func.jacrev(lambda x: x.sin())(x)          # diag(cos x)
    """
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian("jacrev", func, argnums, has_aux, forward=False)


def jacfwd(func: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """A function returning the Jacobian of ``func`` column by column, each column a
    Jacobian-vector product (the double-backward trick, one backward per input element).
    ``func`` runs once, so ``randomness`` only has its values checked.

    >>> xg.func.jacfwd(lambda x: x.sin())(x)          # diag(cos x)
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    return _jacobian("jacfwd", func, argnums, has_aux, forward=True)


def hessian(func: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """A function returning the Hessian of the scalar-valued ``func``: jacfwd(jacrev(func)).

    >>> xg.func.hessian(lambda x: (x ** 3).sum())(x)  # diag(6 x)
    """
    return jacfwd(jacrev(func, argnums), argnums)


__all__ = ["jacrev", "jacfwd", "hessian"]
