"""Argument handling shared by convolution and pooling: PyTorch's int-or-tuple arguments,
padding strings and modes, and the checks that name the op and the offending values."""
from __future__ import annotations

from typing import Any, Sequence

from ..autograd.ops import concat
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from ..autograd.ops.torch_errors import TorchTypeError, TorchValueError

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def ntuple(value: Any, n: int, name: str, op: str, allow_zero: bool = True) -> tuple:
    """An int -> (value,) * n; a sequence of n ints -> a tuple (PyTorch's _pair/_single)."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if isinstance(value, int):
        return (value,) * n
    if isinstance(value, (tuple, list)) and len(value) == 1 and n > 1:
        value = tuple(value) * n
    if (not isinstance(value, (tuple, list)) or len(value) != n
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value)):
        raise TorchValueError(f"{op}: expected {name} to be a single integer value or a list of "
                              f"{n} "
                              f"values to match the convolution dimensions, but got "
                              f"{name}={value!r}")
    return tuple(value)


def positive(values: tuple, name: str, op: str) -> None:
    if any(v <= 0 for v in values):
        raise TorchValueError(f"{op}: non-positive {name} is not supported, got {name}={values}")


def conv_pads(padding: Any, nd: int, kernel: tuple, dilation: tuple, stride: tuple,
              op: str) -> tuple:
    """Padding before and after per spatial dim: 'valid', 'same' (the odd extra goes after, as
    PyTorch), an int or a tuple."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise TorchValueError(f"{op}: padding='same' is not supported for strided "
                                      f"convolutions (stride={stride})")
            pads = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                pads.append((total // 2, total - total // 2))
            return tuple(pads)
        raise TorchValueError(f"{op}: invalid padding string {padding!r}, should be one of "
                              "'valid', 'same'")
    pad = ntuple(padding, nd, "padding", op)
    if any(p < 0 for p in pad):
        raise TorchValueError(f"{op}: negative padding is not supported, got padding={pad}")
    return tuple((p, p) for p in pad)


def check_input(x: Any, nd: int, op: str, what: str = "input") -> None:
    require_tensor(x, op)
    if x.ndim not in (nd + 1, nd + 2):
        raise TorchValueError(f"{op}: expected {nd + 1}D (unbatched) or {nd + 2}D (batched) "
                              f"{what}, but got {what} of shape {tuple(x.shape)}")


def check_floating(op: str, *tensors: Any) -> None:
    """Floating-point tensors (None skipped) of one dtype on one device."""
    first = tensors[0]
    for t in tensors:
        if t is None:
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors (bias may be None), got "
                            f"{type(t).__name__}")
        if t._backend is not first._backend:
            raise RuntimeError(f"{op}: expected all tensors on the same device, but found "
                               f"{first.device} and {t.device}; move one with .to(device)")
        if not t.dtype.is_floating:
            raise TorchTypeError(f"{op}: expected floating-point tensors, got {t.dtype} of "
                                 f"shape {tuple(t.shape)}")
        if t.dtype != first.dtype:
            raise TorchTypeError(f"{op}: input type {first.dtype} (shape {tuple(first.shape)}) "
                                 f"and weight/bias type {t.dtype} (shape {tuple(t.shape)}) "
                                 "should be the same; convert one with .astype(...)")


def size_text(values: Sequence[int]) -> str:
    return " x ".join(str(v) for v in values)


# ---- non-zero padding modes (Conv*d(padding_mode=...)) ---------------------------------------
def _along(x: Tensor, axis: int, start: Any, stop: Any, step: Any = None) -> Tensor:
    return x[(slice(None),) * axis + (slice(start, stop, step),)]


def pad_mode(x: Tensor, pads: Sequence[tuple], mode: str, op: str) -> Tensor:
    """Pad the trailing spatial dims by ``pads`` ((before, after) per dim) in a non-zero mode:
    'reflect' (mirror without the edge), 'replicate' (repeat the edge), 'circular' (wrap)."""
    nd = len(pads)
    for i, (lo, hi) in enumerate(pads):
        if lo == 0 and hi == 0:
            continue
        axis = x.ndim - nd + i
        size = x.shape[axis]
        limit = size - 1 if mode == "reflect" else size
        if max(lo, hi) > limit or (mode == "replicate" and size == 0):
            raise TorchValueError(f"{op}: padding ({lo}, {hi}) is too large for padding_mode="
                                  f"{mode!r} on a dimension of size {size} (input shape "
                                  f"{tuple(x.shape)})")
        pieces = []
        if mode == "circular":
            before, after = _along(x, axis, size - lo, size), _along(x, axis, 0, hi)
        elif mode == "reflect":
            before = _along(x, axis, lo, 0, -1)
            after = _along(x, axis, size - 2, size - 2 - hi if size - 2 - hi >= 0 else None, -1)
        else:
            edge_shape = list(x.shape)
            edge_shape[axis] = lo
            before = _along(x, axis, 0, 1).broadcast_to(tuple(edge_shape))
            edge_shape[axis] = hi
            after = _along(x, axis, size - 1, size).broadcast_to(tuple(edge_shape))
        if lo:
            pieces.append(before)
        pieces.append(x)
        if hi:
            pieces.append(after)
        x = concat(pieces, axis)
    return x
