"""Padding: F.pad (PyTorch's signature and pad ordering: the last dimension first) and the
padding layers ZeroPad1d/2d/3d, ConstantPad*, ReflectionPad*, ReplicationPad*, CircularPad*.

``pad = (left, right)`` pads the last axis, ``(left, right, top, bottom)`` the last two, and
so on. Negative pads crop. Modes: 'constant' (``value``, default 0), 'reflect' (mirror
without repeating the edge), 'replicate' (repeat the edge), 'circular' (wrap around).
PyTorch limits the non-constant modes to the last 1-3 axes of 2-D to 5-D inputs; here they
pad any trailing axes. With negative pads, 'circular' wraps the cropped input while
'reflect' and 'replicate' index the uncropped one (as PyTorch).

>>> F.pad(x, (1, 1), mode="reflect")          # (N, C, L) -> (N, C, L + 2)
>>> nn.ZeroPad2d(1)(images)                    # (N, C, H, W) -> (N, C, H + 2, W + 2)
"""
from __future__ import annotations

from typing import Any, Sequence

from ..autograd.function import Function, apply1
from ..autograd.ops._util import require_tensor
from ..autograd.tensor import Tensor
from ..autograd.ops.torch_errors import TorchValueError
from ..dtypes import int64
from .module import Module

MODES = ("constant", "reflect", "replicate", "circular")


class PadConstant(Function):
    """Crop the negative pads, then fill ``value`` around: one allocation and one copy.

    args: (out_shape, src_key, dst_key, pads, value, dtype, backend); ``pads`` is the
    per-axis ((lo, hi), ...) the keys were made from, for the backward (the same op with
    the pads negated and value 0)."""
    __slots__ = ()

    @staticmethod
    def forward(xp, x, out_shape, src_key, dst_key, pads, value, dtype, backend):
        out = backend.full(out_shape, value, dtype)
        backend.setitem(out, dst_key, backend.getitem(x, src_key))
        return out

    def backward(self, gy):
        x, = self.inputs
        pads, dtype, backend = self.args[3], self.args[5], self.args[6]
        return _pad_constant(gy, tuple((-lo, -hi) for lo, hi in pads), 0, dtype, backend)


def _pad_constant(x: Tensor, pads: tuple, value: Any, dtype: Any, backend: Any) -> Tensor:
    """``pads``: one (lo, hi) per axis of x (the leading ones (0, 0))."""
    out_shape, src, dst = [], [], []
    for n, (lo, hi) in zip(x.shape, pads):
        start, stop = max(-lo, 0), n - max(-hi, 0)
        length = stop - start
        if length < 0:
            raise ValueError(f"pad: the input size {n}, plus negative padding {lo} and {hi} "
                             f"resulted in a negative output size (input shape "
                             f"{tuple(x.shape)})")
        out_shape.append(length + max(lo, 0) + max(hi, 0))
        src.append(slice(start, stop))
        dst.append(slice(max(lo, 0), max(lo, 0) + length))
    return apply1(PadConstant, x, tuple(out_shape), tuple(src), tuple(dst), pads, value,
                  dtype, backend)


class PadGather(Function):
    """x gathered along each axis of ``plan`` in turn: ((axis, indices), ...); the non-
    constant modes (every output element is a copy of one input element).

    args: (plan, shapes, backend); ``shapes`` are the shapes before each gather."""
    __slots__ = ()

    @staticmethod
    def forward(xp, x, plan, shapes, backend):
        for axis, idx in plan:
            x = xp.take(x, backend.asarray(idx, int64), axis=axis)
        return x

    def backward(self, gy):
        return apply1(PadScatter, gy, *self.args)


class PadScatter(Function):
    """The adjoint of PadGather: each gather undone by a scatter-add (copies of one input
    element add up), the axes in reverse order; linear, so its backward is PadGather."""
    __slots__ = ()

    @staticmethod
    def forward(xp, g, plan, shapes, backend):
        for (axis, idx), shape in zip(reversed(plan), reversed(shapes)):
            key = (slice(None),) * axis + (backend.asarray(idx, int64),)
            g = backend.scatter_add(shape, key, g)
        return g

    def backward(self, ggx):
        return apply1(PadGather, ggx, *self.args)


def _source_index(i: int, n: int, mode: str) -> int:
    if mode == "replicate":
        return min(max(i, 0), n - 1)
    if mode == "circular":
        return i % n
    i = abs(i)                                      # reflect about 0 and about n - 1
    return (n - 1) - abs((n - 1) - i)


def _check_gather_pads(n: int, lo: int, hi: int, mode: str, axis: int, shape: tuple) -> None:
    if mode == "reflect" and (lo >= n or hi >= n):
        raise TorchValueError(f"pad: padding size should be less than the corresponding input "
                              f"dimension in 'reflect' mode, but got padding ({lo}, {hi}) at "
                              f"dimension {axis} of input {shape}")
    if mode == "replicate" and n == 0 and (lo > 0 or hi > 0):
        raise ValueError(f"pad: 'replicate' mode needs a non-empty dimension {axis}, got "
                         f"input {shape}")
    if mode == "circular" and (lo > n or hi > n):
        raise ValueError(f"pad: padding ({lo}, {hi}) at dimension {axis} of input {shape} "
                         f"would wrap around more than once in 'circular' mode")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad (or, with negative values, crop) the trailing axes; ``pad`` lists (left, right)
    for the last axis first, then for the one before, ...

    >>> F.pad(xg.ones(2, 3), (1, 2))              # shape (2, 6), zeros around
    """
    require_tensor(input, "pad")
    pads = _pad_pairs(pad, input.ndim)
    if mode not in MODES:
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r} (expected one of "
                                  f"{', '.join(map(repr, MODES))})")
    if mode == "constant":
        fill = 0 if value is None else value
        if input.dtype.is_integer or input.dtype.is_bool:
            fill = bool(fill) if input.dtype.is_bool else int(fill)
        else:
            fill = float(fill)
        return _pad_constant(input, pads, fill, input.dtype, input._backend)
    if value is not None and value != 0:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    out = input
    if mode == "circular" and any(lo < 0 or hi < 0 for lo, hi in pads):
        # PyTorch crops first and wraps the cropped tensor (reflect and replicate index
        # the uncropped input, which for replicate is the same)
        out = _pad_constant(out, tuple((min(lo, 0), min(hi, 0)) for lo, hi in pads), 0,
                            input.dtype, input._backend)
        pads = tuple((max(lo, 0), max(hi, 0)) for lo, hi in pads)
    plan, shapes, shape = [], [], tuple(out.shape)
    for axis, (lo, hi) in enumerate(pads):
        if not lo and not hi:
            continue
        n = shape[axis]
        if n + lo + hi < 0:
            raise ValueError(f"pad: the input size {n}, plus negative padding {lo} and {hi} "
                             f"resulted in a negative output size (input shape "
                             f"{tuple(input.shape)})")
        _check_gather_pads(n, lo, hi, mode, axis, tuple(input.shape))
        plan.append((axis, [_source_index(i, n, mode) for i in range(-lo, n + hi)]))
        shapes.append(shape)
        shape = shape[:axis] + (n + lo + hi,) + shape[axis + 1:]
    if not plan:
        return out if out is not input else _pad_constant(input, pads, 0, input.dtype,
                                                          input._backend)
    return apply1(PadGather, out, tuple(plan), tuple(shapes), input._backend)


def _pad_pairs(pad: Any, ndim: int) -> tuple:
    """Torch's flat pad list (last axis first) as one (lo, hi) per axis, leading axes 0."""
    if isinstance(pad, Tensor) or not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad: pad must be a tuple or list of ints, got {pad!r}")
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in pad):
        raise TypeError(f"pad: pad must contain ints only, got {pad!r}")
    if len(pad) % 2:
        raise ValueError(f"pad: padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > ndim:
        raise ValueError(f"pad: padding length should be less than or equal to two times the "
                         f"input dimension but got padding length {len(pad)} and input of "
                         f"dimension {ndim}")
    pairs = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        pairs[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return tuple(pairs)


# ---- padding layers --------------------------------------------------------------------------
def _ntuple(padding: Any, n: int, name: str) -> tuple:
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * n
    padding = tuple(padding)
    if len(padding) != n:
        raise ValueError(f"{name}: padding must be an int or a {n}-tuple, got {padding!r}")
    return padding


class _PadNd(Module):
    _mode = "constant"
    _sides = 2

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _ntuple(padding, self._sides, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _layer(base: type, name: str, sides: int, doc: str, mode: str = "constant") -> type:
    return type(name, (base,), {"_sides": sides, "_mode": mode, "__doc__": doc,
                                "__module__": __name__})


ZeroPad1d = _layer(_ZeroPadNd, "ZeroPad1d", 2, "Zeros around the last axis. >>> nn.ZeroPad1d(2)")
ZeroPad2d = _layer(_ZeroPadNd, "ZeroPad2d", 4,
                   "Zeros around the last two axes. >>> nn.ZeroPad2d((1, 1, 2, 0))")
ZeroPad3d = _layer(_ZeroPadNd, "ZeroPad3d", 6, "Zeros around the last three axes.")
ConstantPad1d = _layer(_ConstantPadNd, "ConstantPad1d", 2,
                       "``value`` around the last axis. >>> nn.ConstantPad1d(2, 3.5)")
ConstantPad2d = _layer(_ConstantPadNd, "ConstantPad2d", 4, "``value`` around the last two axes.")
ConstantPad3d = _layer(_ConstantPadNd, "ConstantPad3d", 6,
                       "``value`` around the last three axes.")
ReflectionPad1d = _layer(_PadNd, "ReflectionPad1d", 2,
                         "Mirror the last axis (edge not repeated). >>> nn.ReflectionPad1d(2)",
                         "reflect")
ReflectionPad2d = _layer(_PadNd, "ReflectionPad2d", 4, "Mirror the last two axes.", "reflect")
ReflectionPad3d = _layer(_PadNd, "ReflectionPad3d", 6, "Mirror the last three axes.", "reflect")
ReplicationPad1d = _layer(_PadNd, "ReplicationPad1d", 2,
                          "Repeat the edge of the last axis. >>> nn.ReplicationPad1d(2)",
                          "replicate")
ReplicationPad2d = _layer(_PadNd, "ReplicationPad2d", 4, "Repeat the edges of the last two axes.",
                          "replicate")
ReplicationPad3d = _layer(_PadNd, "ReplicationPad3d", 6,
                          "Repeat the edges of the last three axes.", "replicate")
CircularPad1d = _layer(_PadNd, "CircularPad1d", 2,
                       "Wrap the last axis around. >>> nn.CircularPad1d(2)", "circular")
CircularPad2d = _layer(_PadNd, "CircularPad2d", 4, "Wrap the last two axes around.", "circular")
CircularPad3d = _layer(_PadNd, "CircularPad3d", 6, "Wrap the last three axes around.", "circular")

PAD_LAYERS = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
              "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
              "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
              "CircularPad2d", "CircularPad3d"]
