"""PyTorch's other factories: empty, linspace/logspace, integer and permutation draws,
normal/bernoulli samples, from_numpy, and small predicates (is_tensor, numel).

Random draws use the device backend's generator (seeded by ``xg.manual_seed``), through the
same backend calls as ``xg.rand``/``xg.randn``, so xg.compile records them as fresh draws.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..backends import get_backend
from ..dtypes import float64, int64
from .factories import (_float_dtype, _like, _shape, arange, full, rand, randn, rand_like,
                        zeros, zeros_like)
from .function import backend_call
from .grad_mode import no_grad
from .tensor import Tensor, make_tensor


def empty(*shape: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor in PyTorch; here zeros (never garbage). >>> xg.empty(2, 3)"""
    return zeros(*shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(x: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, *, memory_format: Any = None) -> Tensor:
    return zeros_like(x, dtype=dtype, device=device, requires_grad=requires_grad,
                      memory_format=memory_format)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included. >>> xg.linspace(0, 1, 5)"""
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, got {steps!r}")
    target = _float_dtype(dtype)
    if steps == 1:
        out = full((1,), float(start), dtype=target, device=device)
    else:
        with no_grad():       # in the result's dtype, as PyTorch computes it
            i = arange(steps, dtype=target, device=device)
            step = (float(end) - float(start)) / max(steps - 1, 1)
            # from both ends, as PyTorch: the last value is ``end`` exactly
            from .ops import where
            out = where(i < steps // 2, float(start) + i * step,
                        float(end) - (steps - 1 - i) * step)
    out = out.astype(target)
    return out.requires_grad_(True) if requires_grad else out


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps). >>> xg.logspace(0, 2, 3)    # 1, 10, 100"""
    with no_grad():
        out = float(base) ** linspace(start, end, steps, dtype=float64, device=device)
    out = out.astype(_float_dtype(dtype))
    return out.requires_grad_(True) if requires_grad else out


def _check_range(low: int, high: int, op: str) -> None:
    if high <= low:
        raise ValueError(f"{op}: expected low < high, got low={low}, high={high}")


def randint(low: int, high: Any = None, size: Sequence[int] = (), dtype: Any = None,
            device: Any = None, requires_grad: bool = False, *, generator: Any = None) -> Tensor:
    """Integers drawn uniformly from [low, high). >>> xg.randint(0, 10, (3,))

    Like PyTorch, ``randint(high, size)`` means ``low = 0``."""
    if requires_grad:
        raise RuntimeError("randint: only floating-point tensors can require gradients")
    if isinstance(high, (tuple, list)) and size == ():
        low, high, size = 0, low, high
    elif high is None:
        raise TypeError("randint() needs high and size: randint(low, high, size)")
    _check_range(low, high, "randint")
    with no_grad():
        u = rand(*_shape((tuple(size),)), dtype=float64, device=device, generator=generator)
        # floor(u * n) < n for u < 1; values are exact integers in float64 below 2**53
        out = (u * float(high - low)).astype(int64) + low
    return out if dtype is None else out.astype(dtype)


def randint_like(x: Tensor, low: int, high: Any = None, dtype: Any = None,
                 device: Any = None, *, memory_format: Any = None) -> Tensor:
    if high is None:
        low, high = 0, low
    backend, target = _like(x, dtype, device, memory_format, "randint_like")
    return randint(low, high, x.shape, dtype=target, device=backend)


def randperm(n: int, dtype: Any = None, device: Any = None, *, generator: Any = None) -> Tensor:
    """A random permutation of 0 .. n-1. >>> xg.randperm(5)"""
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    backend = get_backend(device)
    if generator is None:
        array = backend_call(backend.random_permutation, n)
    else:
        from ..backends.generator import check_generator
        array = backend_call(check_generator(generator, "randperm").permutation, backend, n)
    out = make_tensor(array, backend, False, None)
    out = out if out.dtype is int64 else out.astype(int64)
    return out if dtype is None else out.astype(dtype)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Sequence[int] | None = None, dtype: Any = None,
           device: Any = None, requires_grad: bool = False, *, generator: Any = None) -> Tensor:
    """Samples of N(mean, std^2); mean and std may be tensors (broadcast) or numbers.

    >>> xg.normal(0.0, 2.0, size=(3,))
    """
    like = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    with no_grad():
        if like is None:
            if size is None:
                raise TypeError("normal: with number mean and std, give size=")
            z = randn(*_shape((tuple(size),)), dtype=dtype, device=device, generator=generator)
        else:
            shape = tuple(size) if size is not None else (
                (mean * 0.0 + std * 0.0).shape)
            z = randn(*shape, dtype=dtype or like.dtype, device=device or like._backend,
                      generator=generator)
        out = z * std + mean
    return out.requires_grad_(True) if requires_grad else out


def bernoulli(p: Tensor, *, generator: Any = None) -> Tensor:
    """1 with probability p, else 0, elementwise (p's dtype). >>> xg.bernoulli(xg.full((3,), 0.5))"""
    if not isinstance(p, Tensor):
        raise TypeError(f"bernoulli: expected a Tensor of probabilities, got {type(p).__name__}")
    with no_grad():
        if generator is None:
            return (rand_like(p) < p).astype(p.dtype)
        u = rand(*p.shape, dtype=p.dtype, device=p._backend, generator=generator)
        return (u < p).astype(p.dtype)


def from_numpy(array: Any) -> Tensor:
    """A CPU tensor that shares memory with the NumPy array (as torch.from_numpy)."""
    backend = get_backend("cpu")
    if not isinstance(array, backend.array_type):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    backend.dtype_of(array)             # a clear error for a dtype xpgrad lacks
    return make_tensor(array, backend, False, None)


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(x: Tensor) -> bool:
    return x.dtype.is_floating


def numel(x: Tensor) -> int:
    return x.numel()


def device(name: Any, index: int | None = None) -> str:
    """The canonical name of a device (a str with torch.device's ``.type`` and ``.index``),
    as torch.device(...) gives. >>> xg.device("cuda", 0)       # 'cuda:0'"""
    if index is not None:
        if not isinstance(name, str) or ":" in name:
            raise ValueError(f"device: pass a device type without an index with index=, got "
                             f"{name!r} and {index!r}")
        name = f"{name}:{index}"
    return get_backend(name).device


__all__ = ["empty", "empty_like", "linspace", "logspace", "randint", "randint_like", "randperm",
           "normal", "bernoulli", "from_numpy", "is_tensor", "is_floating_point", "numel",
           "device"]
