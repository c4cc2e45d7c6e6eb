"""Counting and membership with PyTorch's semantics: unique, unique_consecutive, bincount,
histc, isin. Results are constants (no gradient, as in PyTorch, whose unique has no backward).
unique's and bincount's result shapes depend on the values, so a compiled step checks them on
every replay (``shape_guard``)."""
from __future__ import annotations

from typing import Any

from ..function import run_kernel
from ..tensor import Tensor, make_tensor
from ._util import as_operand, require_tensor
from .arithmetic import promote
from .gather_masks import shape_guard

__all__ = ["unique", "unique_consecutive", "bincount", "histc", "isin"]


def _constant(like: Tensor, array: Any) -> Tensor:
    return make_tensor(array, like._backend, False, None)


def _unique_parts(backend: Any, a: Any, consecutive: bool) -> tuple:
    """(values, inverse, counts) of the flattened array, values ascending (or in order of
    appearance of each run, for ``consecutive``)."""
    xp = backend.xp
    flat = xp.reshape(a, (-1,))
    n = flat.shape[0]
    if n == 0:
        empty = xp.zeros((0,), dtype=xp.int64, device=a.device)
        return flat, xp.reshape(empty, a.shape), empty
    if consecutive:
        ordered, order = flat, None
    else:
        order = xp.argsort(flat, stable=True)
        ordered = xp.take(flat, order)
    starts = xp.concat([xp.ones((1,), dtype=xp.bool, device=a.device),
                        ordered[1:] != ordered[:-1]])
    run = xp.cumulative_sum(xp.astype(starts, xp.int64)) - 1       # run number of each entry
    first = xp.nonzero(starts)[0]
    values = xp.take(ordered, first)
    ends = xp.concat([first[1:], xp.full((1,), n, dtype=first.dtype, device=a.device)])
    counts = xp.astype(ends - first, xp.int64)
    if order is None:
        inverse = run
    else:       # scatter each sorted position's run number back to where it came from
        inverse = xp.take(run, xp.argsort(order, stable=True))
    return values, xp.reshape(inverse, a.shape), counts


def _unique(op: str, input: Tensor, consecutive: bool, return_inverse: bool,
            return_counts: bool, dim: Any) -> Any:
    require_tensor(input, op)
    if dim is not None:
        raise NotImplementedError(f"{op}: dim= (unique slices) is not supported; flatten or "
                                  "compare slices yourself")
    values, inverse, counts = run_kernel(input._backend, _unique_parts, input.data, consecutive)
    out = [shape_guard(op, _constant(input, values))]
    if return_inverse:
        out.append(_constant(input, inverse))
    if return_counts:
        out.append(shape_guard(op, _constant(input, counts)))
    return out[0] if len(out) == 1 else tuple(out)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: Any = None) -> Any:
    """The distinct values, ascending; with ``return_inverse`` also where each input element
    went, with ``return_counts`` how often each occurs.

    >>> values, counts = xg.unique(xg.tensor([3, 1, 3]), return_counts=True)  # [1, 3], [1, 2]
    """
    return _unique("unique", input, False, return_inverse, return_counts, dim)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: Any = None) -> Any:
    """Collapse each run of equal consecutive values to one (as ``uniq``).

    >>> xg.unique_consecutive(xg.tensor([1, 1, 2, 1]))  # tensor([1, 2, 1])
    """
    return _unique("unique_consecutive", input, True, return_inverse, return_counts, dim)


def _index_check(op: str, input: Tensor) -> None:
    require_tensor(input, op)
    if input.ndim != 1 or not input.dtype.is_integer:
        raise TypeError(f"{op}: needs a 1-D integer tensor, got {input.dtype} of shape "
                        f"{input.shape}")


def _bincount(backend: Any, a: Any, weights: Any, length: int) -> Any:
    xp = backend.xp
    hits = a[:, None] == xp.arange(length, dtype=a.dtype, device=a.device)[None, :]
    if weights is None:
        return xp.sum(xp.astype(hits, xp.int64), axis=0)
    zero = xp.zeros((), dtype=weights.dtype, device=a.device)
    return xp.sum(xp.where(hits, weights[:, None], zero), axis=0)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in a 1-D non-negative integer tensor (the sum of
    ``weights`` there, if given); length max(input) + 1, at least ``minlength``.

    >>> xg.bincount(xg.tensor([1, 1, 3]))  # tensor([0, 2, 0, 1])
    """
    _index_check("bincount", input)
    if weights is not None:
        weights = as_operand(weights, input)
        if tuple(weights.shape) != tuple(input.shape):
            raise ValueError(f"bincount: weights of shape {weights.shape} must match the "
                             f"input's shape {input.shape}")
    length = int(minlength)
    if length < 0:
        raise ValueError(f"bincount: minlength must be non-negative, got {minlength}")
    if not input.shape[0]:      # PyTorch: int64 zeros, with weights or not
        weights = None
    else:
        low, high = int(input.min().item()), int(input.max().item())   # the shape needs them
        if low < 0:
            raise ValueError(f"bincount: the input must be non-negative, got the value {low}")
        length = max(length, high + 1)
    counts = run_kernel(input._backend, _bincount, input.data,
                        None if weights is None else weights.data, length)
    return shape_guard("bincount", _constant(input, counts))


def _histc(backend: Any, a: Any, bins: int, low: float, high: float) -> Any:
    xp = backend.xp
    flat = xp.reshape(a, (-1,))
    inside = (flat >= low) & (flat <= high)
    scaled = xp.floor((flat - low) * (bins / (high - low)))
    index = xp.astype(xp.clip(scaled, 0, bins - 1), xp.int64)      # high falls in the last bin
    hits = inside[:, None] & (index[:, None] == xp.arange(bins, dtype=xp.int64,
                                                          device=a.device)[None, :])
    return xp.astype(xp.sum(xp.astype(hits, xp.int64), axis=0), a.dtype)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of ``bins`` equal bins over [min, max] (the data's range when both are 0);
    values outside are left out.

    >>> xg.histc(xg.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)  # tensor([0., 2., 1., 0.])
    """
    require_tensor(input, "histc")
    if not input.dtype.is_floating:
        raise TypeError(f"histc: needs a floating tensor, got {input.dtype}")
    if int(bins) < 1:
        raise ValueError(f"histc: bins must be positive, got {bins}")
    low, high = float(min), float(max)
    if low == high and input.numel():
        low, high = float(input.min().item()), float(input.max().item())
    if low > high:
        raise ValueError(f"histc: max ({high}) must not be below min ({low})")
    if low == high:         # one value (or none): PyTorch widens the range by 1 each side
        low, high = low - 1.0, high + 1.0
    return _constant(input, run_kernel(input._backend, _histc, input.data, int(bins), low, high))


def _isin(backend: Any, a: Any, b: Any, invert: bool) -> Any:
    xp = backend.xp
    flat = xp.reshape(b, (-1,))
    if not flat.shape[0]:
        return xp.full(a.shape, bool(invert), dtype=xp.bool, device=a.device)
    found = xp.any(a[..., None] == flat, axis=-1)
    return xp.logical_not(found) if invert else found


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` occurs in ``test_elements`` (either may be a
    number).

    >>> xg.isin(xg.tensor([1, 2, 3]), xg.tensor([2, 9]))  # tensor([False, True, False])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin: at least one argument must be a Tensor")
    like = elements if isinstance(elements, Tensor) else test_elements
    a, b = as_operand(elements, like), as_operand(test_elements, like)
    a, b = promote(a, b)            # an integer tensor takes the other's float dtype
    return _constant(like, run_kernel(like._backend, _isin, a.data, b.data, bool(invert)))


# name -> function(self, ...): installed on Tensor by ops/__init__
TENSOR_METHODS: dict = {"unique": unique, "unique_consecutive": unique_consecutive,
                        "bincount": bincount, "histc": histc}
