"""``xg.func.vmap`` (as ``torch.func.vmap``), implemented as a loop: each mapped input is split
along its in_dim, the function runs once per sample, and the outputs are stacked along
out_dims. Correct and composable (nested vmap, vmap(grad(f)), grad(vmap(f))), not vectorised.

>>> xg.func.vmap(lambda row: row.sum())(xg.ones(3, 2))   # [2., 2., 2.]
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from .func_pytree import broadcast_prefix, tree_flatten, tree_unflatten
from .ops.shape import stack
from .tensor import Tensor


def _where(func: Callable, in_dims: Any) -> str:
    return f"vmap({getattr(func, '__name__', type(func).__name__)}, in_dims={in_dims}, ...)" \
           "(<inputs>)"


def _mapped_inputs(func: Callable, in_dims: Any, args: tuple) -> tuple[list, list, Any, int]:
    """(flat args, their normalised in_dims, the args' spec, the batch size)."""
    where = _where(func, in_dims)
    if isinstance(in_dims, int):
        dims_tree: Any = (in_dims,) * len(args)
    elif isinstance(in_dims, tuple):
        dims_tree = in_dims
    else:
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple "
                         f"matching the structure of inputs, got: {type(in_dims)}.")
    flat, spec = tree_flatten(args)
    dims = broadcast_prefix(dims_tree, args)
    if dims is None:
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. "
                         f"in_dims has structure {tree_flatten(dims_tree)[1]!r} but inputs "
                         f"has structure {spec!r}.")
    sizes, normal = [], []
    for x, d in zip(flat, dims):
        if d is None:
            normal.append(None)
            continue
        if not isinstance(d, int) or isinstance(d, bool):
            raise ValueError(f"{where}: in_dims must be int or None, got {d!r}")
        if not isinstance(x, Tensor):
            raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type "
                             f"{type(x)}. We cannot vmap over non-Tensor arguments, please use "
                             "None as the respective in_dim")
        if not -x.ndim <= d < x.ndim:
            raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a "
                             f"Tensor of dimensionality {x.ndim} so expected in_dim to satisfy "
                             f"-{x.ndim} <= in_dim < {x.ndim}.")
        d %= x.ndim
        normal.append(d)
        sizes.append(x.shape[d])
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) != 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    return flat, normal, spec, sizes[0]


def _same_rng(flat: list) -> Callable[[], None]:
    """For randomness="same": put back, before each sample, the generator state of every backend
    involved (the default device's and the inputs'), so each sample draws the same numbers."""
    from ..backends import get_backend
    backends = {id(b): b for b in [get_backend(None)] + [x._backend for x in flat
                                                          if isinstance(x, Tensor)]}
    states = [(b, b.rng_state()) for b in backends.values()]

    def restore() -> None:
        for b, state in states:
            b.set_rng_state(state)
    return restore


def _rng_states(flat: list) -> list:
    """The generator state of every backend involved (None where a backend hides it)."""
    from ..backends import get_backend
    backends = {id(b): b for b in [get_backend(None)] + [x._backend for x in flat
                                                          if isinstance(x, Tensor)]}
    return [b.rng_state() for b in backends.values()]


def _stack_outputs(func: Callable, out_dims: Any, samples: list) -> Any:
    name = getattr(func, "__name__", type(func).__name__)
    flats = [tree_flatten(s) for s in samples]
    spec = flats[0][1]
    for _, other in flats[1:]:
        if other != spec:
            raise ValueError(f"vmap({name}, ...): the function returned outputs of different "
                             f"structures for different samples: {spec!r} and {other!r}")
    first = samples[0]
    dims = broadcast_prefix(out_dims, first)
    if dims is None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
                         f"compatible with the structure of `outputs`. out_dims has structure "
                         f"{tree_flatten(out_dims)[1]!r} but outputs has structure {spec!r}.")
    stacked = []
    for i, d in enumerate(dims):
        column = [leaves[i] for leaves, _ in flats]
        if d is None:            # not batched: every sample gives the same value; keep one
            stacked.append(column[0])
            continue
        if not isinstance(column[0], Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(column[0])}. Did you mean to set out_dims= to None for "
                             "output?")
        ndim = column[0].ndim + 1
        if not -ndim <= d < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                             f"{ndim - 1}], but got {d})")
        stacked.append(stack(column, d % ndim))
    return tree_unflatten(stacked, spec)


def vmap(func: Callable, in_dims: int | tuple = 0, out_dims: int | tuple = 0,
         randomness: str = "error", *, chunk_size: int | None = None) -> Callable:
    """``func`` mapped over a batch dimension, as ``torch.func.vmap``: ``in_dims`` gives, per
    positional argument (nested like it; None: not mapped), the dimension to map over;
    ``out_dims`` where each output's batch dimension goes; keyword arguments are not mapped.

    This runs ``func`` once per sample (a Python loop, then a stack): the results equal torch's
    but the speed is that of the loop, not of a vectorised kernel. ``chunk_size`` is accepted
    and has nothing to change. randomness="same" gives every sample the same random numbers;
    "different" lets each sample draw its own; under the default "error" a random call raises
    RuntimeError, as torch's (seen by the backends' generator states after the first sample).

    >>> per_sample = xg.func.vmap(xg.func.grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        flat, dims, spec, size = _mapped_inputs(func, in_dims, args)
        if size == 0:
            raise ValueError("vmap: the mapped dimension has size 0; this loop implementation "
                             "needs at least one sample to learn the output's shape")
        restore = _same_rng(flat) if randomness == "same" else None
        states = _rng_states(flat) if randomness == "error" else None
        samples = []
        for i in range(size):
            picked = [x if d is None else x[(slice(None),) * d + (i,)]
                      for x, d in zip(flat, dims)]
            if restore is not None:
                restore()
            samples.append(func(*tree_unflatten(picked, spec), **kwargs))
            if states is not None:       # the first sample tells whether func draws at random
                if _rng_states(flat) != states:
                    raise RuntimeError(
                        "vmap: called random operation while in randomness error mode. Please "
                        "either use the 'same' or 'different' randomness flags on vmap or "
                        "perform the randomness operation out of vmap")
                states = None
        return _stack_outputs(func, out_dims, samples)
    return wrapped


__all__ = ["vmap"]
